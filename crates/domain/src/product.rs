//! Products: who sells them (merchant), whose goods they are (goods owner), what they are
//! (category), what they cost per what unit (Order 117 Art. 32), and their variants, each with its
//! own stock.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{GoodsOwnerId, MerchantId, ProductId, VariantId};
use crate::money::{Currency, Money};
use crate::text::{Label, LongText, Text};
use crate::validation::{Errors, Invalid};

/// Product category; the policy sets each category's selling threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Ordinary food.
    Food,
    /// Health food (保健食品): registered or filed, claims strictly limited.
    HealthFood,
    /// Cosmetics.
    Cosmetics,
    /// Baby and infant goods.
    Baby,
    /// Clothing and textiles.
    Apparel,
    /// Electronics and appliances.
    Electronics,
    /// Household goods.
    Home,
    /// Jewellery and precious metals.
    Jewelry,
    /// Disinfection products (a registered category that may claim to kill germs).
    Disinfectant,
    /// Anything else.
    Other,
}

impl Category {
    /// All categories.
    pub const ALL: [Category; 10] = [
        Category::Food,
        Category::HealthFood,
        Category::Cosmetics,
        Category::Baby,
        Category::Apparel,
        Category::Electronics,
        Category::Home,
        Category::Jewelry,
        Category::Disinfectant,
        Category::Other,
    ];

    /// The snake_case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Category::Food => "food",
            Category::HealthFood => "health_food",
            Category::Cosmetics => "cosmetics",
            Category::Baby => "baby",
            Category::Apparel => "apparel",
            Category::Electronics => "electronics",
            Category::Home => "home",
            Category::Jewelry => "jewelry",
            Category::Disinfectant => "disinfectant",
            Category::Other => "other",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Category {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Category::ALL.into_iter().find(|c| c.as_str() == s).ok_or_else(|| format!("unknown category `{s}`"))
    }
}

/// A variant as submitted.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VariantInput {
    /// What distinguishes it: "500 g", "red / XL".
    pub label: String,
    /// Units in stock; never negative.
    pub stock: i64,
    /// A price for this variant when it differs from the product's, in minor units.
    #[serde(default)]
    pub price_minor: Option<i64>,
}

/// A product as submitted by a merchant.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductInput {
    /// The goods owner (brand owner or manufacturer).
    #[schema(value_type = String)]
    pub goods_owner_id: String,
    /// The seller; required only when an operator registers a product for a merchant.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub merchant_id: Option<String>,
    /// Title as shown to buyers.
    pub title: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Category.
    pub category: Category,
    /// Price in minor units (fen).
    pub price_minor: i64,
    /// Currency; CNY by default.
    #[serde(default)]
    pub currency: Currency,
    /// Pricing unit: "件", "盒", "500 g" (Art. 32).
    pub unit: String,
    /// Stock when the product has no variants.
    #[serde(default)]
    pub stock: Option<i64>,
    /// Variants with their own stock.
    #[serde(default)]
    pub variants: Vec<VariantInput>,
}

/// A product variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Variant {
    /// Id; orders name a variant.
    pub id: VariantId,
    /// Label.
    pub label: String,
    /// Units in stock.
    pub stock: i64,
    /// Price of this variant.
    pub price: Money,
}

/// Stock above this per variant is a typo, not a warehouse.
pub const MAX_STOCK: i64 = 100_000_000;
/// At most this many variants per product.
pub const MAX_VARIANTS: usize = 200;

/// A validated product.
#[derive(Debug, Clone)]
pub struct NewProduct {
    /// Goods owner.
    pub goods_owner: GoodsOwnerId,
    /// Merchant named in the input (operators only).
    pub merchant: Option<MerchantId>,
    /// Title.
    pub title: Text<200>,
    /// Description.
    pub description: Option<LongText>,
    /// Category.
    pub category: Category,
    /// Base price.
    pub price: Money,
    /// Pricing unit.
    pub unit: Label,
    /// Variants (at least one; a product without variants gets one called "default").
    pub variants: Vec<Variant>,
}

fn parse_stock(e: &mut Errors, field: &str, stock: i64) {
    if stock < 0 {
        e.push(field, "negative", "stock cannot be below zero");
    } else if stock > MAX_STOCK {
        e.push(field, "too_large", format!("stock must be at most {MAX_STOCK}"));
    }
}

impl NewProduct {
    /// Parses a submission, naming every bad field.
    pub fn parse(input: &ProductInput) -> Result<Self, Invalid> {
        let mut e = Errors::new();
        let goods_owner = e.take("goods_owner_id", input.goods_owner_id.parse::<GoodsOwnerId>());
        let merchant = match &input.merchant_id {
            Some(m) => e.take("merchant_id", m.parse::<MerchantId>()).map(Some),
            None => Some(None),
        };
        let title = e.take("title", Text::<200>::parse(&input.title));
        let description = match &input.description {
            Some(d) => e.take("description", LongText::parse(d)).map(Some),
            None => Some(None),
        };
        let price = e.take("price_minor", Money::price(input.price_minor, input.currency));
        let unit = e.take("unit", Label::parse(&input.unit));
        let mut variants = Vec::new();
        match (input.stock, input.variants.is_empty()) {
            (Some(_), false) => e.push("stock", "exclusive", "give stock per variant, or one stock without variants"),
            (None, true) => e.push("stock", "required", "give stock, or variants each with stock"),
            (Some(stock), true) => {
                parse_stock(&mut e, "stock", stock);
                if let Some(price) = price {
                    variants.push(Variant { id: VariantId::generate(), label: "default".into(), stock, price });
                }
            }
            (None, false) => {
                if input.variants.len() > MAX_VARIANTS {
                    e.push("variants", "too_many", format!("at most {MAX_VARIANTS} variants"));
                }
                let mut seen = std::collections::HashSet::new();
                for (i, v) in input.variants.iter().enumerate() {
                    let label = e.take(&format!("variants[{i}].label"), Label::parse(&v.label));
                    if let Some(l) = &label {
                        if !seen.insert(l.as_str().to_lowercase()) {
                            e.push(format!("variants[{i}].label"), "duplicate", "two variants have this label");
                        }
                    }
                    parse_stock(&mut e, &format!("variants[{i}].stock"), v.stock);
                    let vprice = match v.price_minor {
                        Some(p) => e.take(&format!("variants[{i}].price_minor"), Money::price(p, input.currency)),
                        None => price,
                    };
                    if let (Some(label), Some(vprice)) = (label, vprice) {
                        variants.push(Variant {
                            id: VariantId::generate(),
                            label: label.as_str().to_string(),
                            stock: v.stock,
                            price: vprice,
                        });
                    }
                }
            }
        }
        e.finish(|| NewProduct {
            goods_owner: goods_owner.expect("checked by Errors::finish"),
            merchant: merchant.expect("checked by Errors::finish"),
            title: title.expect("checked by Errors::finish"),
            description: description.expect("checked by Errors::finish"),
            category: input.category,
            price: price.expect("checked by Errors::finish"),
            unit: unit.expect("checked by Errors::finish"),
            variants,
        })
    }
}

/// A listed product.
#[derive(Debug, Clone)]
pub struct Product {
    /// Id.
    pub id: ProductId,
    /// The actual seller.
    pub seller: MerchantId,
    /// Whose goods these are.
    pub goods_owner: GoodsOwnerId,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Category.
    pub category: Category,
    /// Base price.
    pub price: Money,
    /// Pricing unit.
    pub unit: String,
    /// Variants with stock.
    pub variants: Vec<Variant>,
    /// When listed.
    pub created_at: DateTime<Utc>,
}

impl Product {
    /// Units in stock over all variants.
    pub fn total_stock(&self) -> i64 {
        self.variants.iter().map(|v| v.stock).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ProductInput {
        ProductInput {
            goods_owner_id: GoodsOwnerId::generate().to_string(),
            merchant_id: None,
            title: "东北五常大米".into(),
            description: None,
            category: Category::Food,
            price_minor: 5990,
            currency: Currency::CNY,
            unit: "袋 (5 kg)".into(),
            stock: Some(100),
            variants: vec![],
        }
    }

    #[test]
    fn a_product_without_variants_gets_a_default_one() {
        let p = NewProduct::parse(&input()).unwrap();
        assert_eq!(p.variants.len(), 1);
        assert_eq!(p.variants[0].stock, 100);
        assert_eq!(p.variants[0].price, Money::cny(5990));
    }

    #[test]
    fn bad_prices_and_stock_are_named() {
        let mut i = input();
        i.price_minor = 0;
        i.stock = Some(-1);
        let err = NewProduct::parse(&i).unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|e| (e.field.as_str(), e.code.as_str())).collect();
        assert_eq!(fields, [("price_minor", "must_be_positive"), ("stock", "negative")]);
    }

    #[test]
    fn variants_carry_their_own_stock_and_unique_labels() {
        let mut i = input();
        i.stock = None;
        i.variants = vec![
            VariantInput { label: "S".into(), stock: 3, price_minor: None },
            VariantInput { label: "s".into(), stock: -2, price_minor: Some(100) },
        ];
        let err = NewProduct::parse(&i).unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["variants[1].label", "variants[1].stock"]);
    }

    #[test]
    fn wrong_prefix_for_goods_owner_is_a_field_error() {
        let mut i = input();
        i.goods_owner_id = MerchantId::generate().to_string();
        assert_eq!(NewProduct::parse(&i).unwrap_err().0[0].code, "wrong_id_prefix");
    }
}

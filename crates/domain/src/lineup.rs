//! A show's lineup: the products it sells, the anchor's role for each (Art. 26), the commission,
//! the show price per unit and, for a discount, the reference price **with its basis** (Art. 32:
//! a price comparison must state what it compares against).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::disclosure::AnchorRole;
use crate::ids::{LineupItemId, ProductId, ShowId};
use crate::money::{Currency, Money};
use crate::text::{Label, Text};
use crate::validation::{Errors, Invalid};

/// A lineup item as submitted.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineupInput {
    /// The product (`prd_…`).
    #[schema(value_type = String)]
    pub product_id: String,
    /// How the anchor stands to these goods.
    pub anchor_role: AnchorRole,
    /// Commission to the room in basis points (0-10000).
    #[serde(default)]
    pub commission_bps: u32,
    /// Price during the show, in minor units.
    pub show_price_minor: i64,
    /// Pricing unit; defaults to the product's.
    #[serde(default)]
    pub unit: Option<String>,
    /// A comparison price shown beside the show price, in minor units.
    #[serde(default)]
    pub reference_price_minor: Option<i64>,
    /// What the comparison price is, e.g. "lowest price in the 7 days before the show".
    #[serde(default)]
    pub reference_basis: Option<String>,
    /// Most units one buyer may buy in this show.
    #[serde(default)]
    pub purchase_limit: Option<u32>,
}

/// A comparison price and what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReferencePrice {
    /// The comparison price.
    pub price: Money,
    /// Its basis.
    pub basis: String,
}

/// A product on a show's lineup.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct LineupItem {
    /// Id.
    pub id: LineupItemId,
    /// The show.
    pub show: ShowId,
    /// The product.
    pub product: ProductId,
    /// The anchor's role.
    pub anchor_role: AnchorRole,
    /// Commission in basis points.
    pub commission_bps: u32,
    /// Show price.
    pub show_price: Money,
    /// Pricing unit.
    pub unit: String,
    /// Comparison price with its basis.
    pub reference: Option<ReferencePrice>,
    /// Per-buyer limit.
    pub purchase_limit: Option<u32>,
    /// When added.
    pub added_at: DateTime<Utc>,
}

/// A validated lineup submission (before the eligibility gate).
#[derive(Debug, Clone)]
pub struct NewLineupItem {
    /// Product.
    pub product: ProductId,
    /// Role.
    pub anchor_role: AnchorRole,
    /// Commission.
    pub commission_bps: u32,
    /// Show price.
    pub show_price: Money,
    /// Unit, if given.
    pub unit: Option<String>,
    /// Reference.
    pub reference: Option<ReferencePrice>,
    /// Limit.
    pub purchase_limit: Option<u32>,
}

impl NewLineupItem {
    /// Parses a submission, naming every bad field. A reference price without its basis is
    /// refused (`discount_without_basis`, Art. 32), and so is one that is not above the show price.
    pub fn parse(input: &LineupInput) -> Result<Self, Invalid> {
        let mut e = Errors::new();
        let product = e.take("product_id", input.product_id.parse::<ProductId>());
        if input.commission_bps > 10_000 {
            e.push("commission_bps", "out_of_range", "commission is 0-10000 basis points");
        }
        let show_price = e.take("show_price_minor", Money::price(input.show_price_minor, Currency::CNY));
        let unit = match &input.unit {
            Some(u) => e.take("unit", Label::parse(u)).map(|u| Some(u.to_string())),
            None => Some(None),
        };
        let basis = match &input.reference_basis {
            Some(b) => e.take("reference_basis", Text::<200>::parse(b)).map(|b| Some(b.to_string())),
            None => Some(None),
        };
        let reference = match (input.reference_price_minor, basis) {
            (None, Some(None)) => None,
            (Some(_), Some(None)) => {
                e.push(
                    "reference_basis",
                    "discount_without_basis",
                    "a reference price needs its basis, e.g. \"lowest price in the 7 days before the show\" (Order 117 Art. 32)",
                );
                None
            }
            (None, Some(Some(_))) => {
                e.push("reference_price_minor", "required", "a basis without a reference price compares nothing");
                None
            }
            (Some(p), Some(Some(b))) => {
                let price = e.take("reference_price_minor", Money::price(p, Currency::CNY));
                if let (Some(r), Some(s)) = (price, show_price) {
                    if r.minor <= s.minor {
                        e.push(
                            "reference_price_minor",
                            "not_a_discount",
                            "the reference price must be above the show price",
                        );
                    }
                }
                price.map(|price| ReferencePrice { price, basis: b })
            }
            (_, None) => None,
        };
        if input.purchase_limit == Some(0) {
            e.push("purchase_limit", "out_of_range", "a limit must be at least 1");
        }
        e.finish(|| NewLineupItem {
            product: product.expect("checked by Errors::finish"),
            anchor_role: input.anchor_role,
            commission_bps: input.commission_bps,
            show_price: show_price.expect("checked by Errors::finish"),
            unit: unit.expect("checked by Errors::finish"),
            reference,
            purchase_limit: input.purchase_limit,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> LineupInput {
        LineupInput {
            product_id: ProductId::generate().to_string(),
            anchor_role: AnchorRole::Commissioned,
            commission_bps: 2000,
            show_price_minor: 4990,
            unit: None,
            reference_price_minor: None,
            reference_basis: None,
            purchase_limit: None,
        }
    }

    #[test]
    fn a_discount_needs_its_basis() {
        let mut i = input();
        i.reference_price_minor = Some(6990);
        let err = NewLineupItem::parse(&i).unwrap_err();
        assert_eq!((err.0[0].field.as_str(), err.0[0].code.as_str()), ("reference_basis", "discount_without_basis"));
        i.reference_basis = Some("直播前 7 日最低价".into());
        let ok = NewLineupItem::parse(&i).unwrap();
        assert_eq!(ok.reference.unwrap().price, Money::cny(6990));
    }

    #[test]
    fn a_reference_must_be_a_real_discount() {
        let mut i = input();
        i.reference_price_minor = Some(4990);
        i.reference_basis = Some("list price".into());
        assert_eq!(NewLineupItem::parse(&i).unwrap_err().0[0].code, "not_a_discount");
    }

    #[test]
    fn commission_and_price_are_bounded() {
        let mut i = input();
        i.commission_bps = 10_001;
        i.show_price_minor = 0;
        let codes: Vec<_> = NewLineupItem::parse(&i).unwrap_err().0.into_iter().map(|e| e.field).collect();
        assert_eq!(codes, ["commission_bps", "show_price_minor"]);
    }
}

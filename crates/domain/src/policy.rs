//! Platform policy: the numbers and lists the rules read (verification and training validity,
//! prohibited goods, each category's selling threshold). An embedded default
//! (`policy/default.toml`) makes `clearcast serve` run with no configuration; `--policy FILE`
//! replaces it. Parsing checks every key, so a typo in a policy file is refused at start.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::product::Category;
use crate::qualification::QualificationKind;

/// The embedded default policy file.
pub const DEFAULT_POLICY_TOML: &str = include_str!("../policy/default.toml");

/// Goods that may never be sold (Order 117 Art. 33).
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Prohibited {
    /// Whole categories that are prohibited.
    #[serde(default)]
    pub categories: Vec<Category>,
    /// Words in a product title that mark it prohibited. Matched after normalising both sides
    /// (full-width to half-width, lower case, spaces and punctuation removed, common traditional
    /// characters to simplified), so `电 子 烟`, `ＶＡＰＥ` and `電子煙` are caught.
    #[serde(default)]
    pub title_keywords: Vec<String>,
    /// Phrases that are not prohibited although they contain a keyword ("cigarette lighter").
    #[serde(default)]
    pub title_exceptions: Vec<String>,
}

/// Folds a title or keyword for matching: full-width ASCII to ASCII, lower case, traditional to
/// simplified for the characters of prohibited-goods words, and without spaces or punctuation
/// (the separators people insert to dodge filters).
pub fn fold(s: &str) -> String {
    const TRAD: &[(char, char)] = &[
        ('電', '电'),
        ('煙', '烟'),
        ('槍', '枪'),
        ('彈', '弹'),
        ('藥', '药'),
        ('處', '处'),
        ('製', '制'),
        ('聽', '听'),
        ('攝', '摄'),
        ('針', '针'),
        ('捲', '卷'),
        ('動', '动'),
        ('竊', '窃'),
    ];
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => TRAD.iter().find(|(t, _)| *t == c).map(|(_, s)| *s).unwrap_or(c),
        })
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// How recent a passing inspection must be.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InspectionRule {
    /// The inspection must have been done within this many months.
    pub max_age_months: u32,
}

/// One category's selling threshold.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryRule {
    /// Why these requirements (the law), shown with refusals.
    #[serde(default)]
    pub note: String,
    /// Each inner list is one requirement, met by a verified, valid qualification of any kind in it.
    #[serde(default)]
    pub qualifications: Vec<Vec<QualificationKind>>,
    /// A verified passing inspection is required when set.
    #[serde(default)]
    pub inspection: Option<InspectionRule>,
    /// The anchor needs a category training for this category within the training validity.
    #[serde(default)]
    pub anchor_category_training: bool,
    /// The least consumer-protection deposit a merchant holds to sell this category, in fen
    /// (E-commerce Law Art. 58). 0 when unset.
    #[serde(default)]
    pub merchant_deposit_fen: i64,
    /// The least deposit a room operator holds to sell this category in its room, in fen.
    #[serde(default)]
    pub room_operator_deposit_fen: i64,
}

/// The policy as read from TOML.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Months a verification lasts (Art. 8: six).
    pub verification_months: u32,
    /// Months a training counts (Art. 10: yearly).
    pub training_validity_months: u32,
    /// Lifetime of a bearer token in hours.
    pub token_ttl_hours: u32,
    /// Prohibited goods.
    pub prohibited: Prohibited,
    /// Rules per category name.
    pub categories: BTreeMap<String, CategoryRule>,
    /// Holidays and make-up working days for legal deadlines (Art. 15, 25).
    #[serde(default)]
    pub calendar: crate::workdays::Calendar,
    /// Thresholds for key rooms (Art. 11).
    #[serde(default)]
    pub tiers: crate::tier::TierPolicy,
    /// Return windows and exclusions (CPL Art. 25).
    #[serde(default)]
    pub returns: crate::returns::ReturnPolicy,
    /// Minutes an order may stay unpaid before it cancels itself and releases its stock.
    #[serde(default = "fifteen")]
    pub payment_window_minutes: u32,
    /// Years records are kept after the transaction completes or the show ends (Art. 16: three).
    #[serde(default = "three")]
    pub retention_years: u32,
    /// Violation points and the penalty ladder (Art. 12-14).
    #[serde(default)]
    pub penalties: crate::penalty::PenaltyPolicy,
    /// Live supervision: silence and regulators' notices.
    #[serde(default)]
    pub supervision: crate::silence::SupervisionPolicy,
    /// The platform's fee on each completed order, basis points of the total (settled to
    /// platform revenue through the ledger).
    #[serde(default = "two_percent")]
    pub platform_fee_bps: u32,
    /// Complaint clocks and abuse thresholds (Art. 20).
    #[serde(default)]
    pub complaints: crate::complaint::ComplaintPolicy,
    /// Reputation scores: window, decay, smoothing, weights.
    #[serde(default)]
    pub reputation: crate::reputation::ReputationPolicy,
    /// The feed: weights, caps, throttles, newcomer share.
    #[serde(default)]
    pub feed: crate::feed::FeedPolicy,
}

fn three() -> u32 {
    3
}

fn two_percent() -> u32 {
    200
}

fn fifteen() -> u32 {
    15
}

/// Why a policy file was refused.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// Not valid TOML or not the expected keys.
    #[error("policy file: {0}")]
    Toml(#[from] toml::de::Error),
    /// A category name that does not exist.
    #[error("policy file: unknown category `{0}`")]
    UnknownCategory(String),
    /// A category the policy does not mention.
    #[error("policy file: category `{0}` has no rule; add [categories.{0}] (it may be empty)")]
    MissingCategory(&'static str),
    /// A number outside its sensible range.
    #[error("policy file: {0}")]
    Range(&'static str),
    /// A penalty ladder that does not ascend.
    #[error("policy file: {0}")]
    Penalties(String),
    /// Reputation or feed weights that are negative or out of range.
    #[error("policy file: {0}")]
    Weights(String),
}

impl Policy {
    /// Parses and checks a policy file.
    pub fn parse(toml_text: &str) -> Result<Self, PolicyError> {
        let p: Policy = toml::from_str(toml_text)?;
        for name in p.categories.keys() {
            name.parse::<Category>().map_err(|_| PolicyError::UnknownCategory(name.clone()))?;
        }
        // A category without a rule would sell with no documents at all: every one must be named
        // (an empty rule is fine, but it must be written down).
        if let Some(missing) = Category::ALL.iter().find(|c| !p.categories.contains_key(c.as_str())) {
            return Err(PolicyError::MissingCategory(missing.as_str()));
        }
        if p.prohibited.title_keywords.iter().any(|k| k.trim().is_empty()) {
            return Err(PolicyError::Range(
                "prohibited.title_keywords may not contain an empty keyword (it would prohibit everything)",
            ));
        }
        if p.categories.values().any(|r| r.inspection.as_ref().is_some_and(|i| i.max_age_months == 0)) {
            return Err(PolicyError::Range("inspection.max_age_months must be at least 1"));
        }
        if p.categories.values().any(|r| r.qualifications.iter().any(|g| g.is_empty())) {
            return Err(PolicyError::Range("a qualification requirement must list at least one kind"));
        }
        let max = crate::money::MAX_PRICE_MINOR;
        if p.categories.values().any(|r| !(0..=max).contains(&r.merchant_deposit_fen))
            || p.categories.values().any(|r| !(0..=max).contains(&r.room_operator_deposit_fen))
        {
            return Err(PolicyError::Range("deposit minimums must be 0 to 10,000,000,000 fen"));
        }
        if !(1..=24).contains(&p.verification_months) {
            return Err(PolicyError::Range("verification_months must be 1-24"));
        }
        if !(1..=36).contains(&p.training_validity_months) {
            return Err(PolicyError::Range("training_validity_months must be 1-36"));
        }
        if p.retention_years < 3 {
            return Err(PolicyError::Range("retention_years must be at least 3 (Order 117 Art. 16)"));
        }
        if !(1..=24 * 365).contains(&p.token_ttl_hours) {
            return Err(PolicyError::Range("token_ttl_hours must be 1-8760"));
        }
        p.penalties.validate().map_err(PolicyError::Penalties)?;
        if p.platform_fee_bps > 10_000 {
            return Err(PolicyError::Range("platform_fee_bps must be 0-10000"));
        }
        p.reputation.validate().map_err(PolicyError::Weights)?;
        p.feed.validate().map_err(PolicyError::Weights)?;
        Ok(p)
    }

    /// The embedded default.
    pub fn default_policy() -> Self {
        // The default file ships inside the binary and is covered by a test; failing here means
        // the shipped file itself is broken.
        Self::parse(DEFAULT_POLICY_TOML).expect("embedded default policy parses")
    }

    /// The rule for a category (an empty rule when the policy names none).
    pub fn category(&self, c: Category) -> CategoryRule {
        self.categories.get(c.as_str()).cloned().unwrap_or_default()
    }

    /// The prohibited keyword a title contains, if any; or the category if it is prohibited.
    pub fn prohibited_reason(&self, category: Category, title: &str) -> Option<String> {
        if self.prohibited.categories.contains(&category) {
            return Some(format!("category {category}"));
        }
        let mut folded = fold(title);
        for ex in &self.prohibited.title_exceptions {
            folded = folded.replace(&fold(ex), " ");
        }
        self.prohibited.title_keywords.iter().find(|k| folded.contains(&fold(k))).map(|k| format!("keyword \"{k}\""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_policy_parses_and_covers_every_category() {
        let p = Policy::default_policy();
        for c in Category::ALL {
            assert!(p.categories.contains_key(c.as_str()), "{c} missing from default policy");
        }
        assert_eq!(p.verification_months, 6);
        assert!(p.category(Category::HealthFood).anchor_category_training);
    }

    #[test]
    fn typos_are_refused() {
        let bad = DEFAULT_POLICY_TOML.replace("[categories.food]", "[categories.fod]");
        assert!(matches!(Policy::parse(&bad), Err(PolicyError::UnknownCategory(_))));
        let bad = DEFAULT_POLICY_TOML.replace("token_ttl_hours", "token_ttl");
        assert!(matches!(Policy::parse(&bad), Err(PolicyError::Toml(_))));
    }

    #[test]
    fn holes_in_a_policy_are_refused() {
        let i = DEFAULT_POLICY_TOML.find("[categories.apparel]").unwrap();
        let j = DEFAULT_POLICY_TOML[i..].find("\n\n").unwrap() + i;
        let without = format!("{}{}", &DEFAULT_POLICY_TOML[..i], &DEFAULT_POLICY_TOML[j..]);
        assert!(matches!(Policy::parse(&without), Err(PolicyError::MissingCategory("apparel"))));
        let empty_kw = DEFAULT_POLICY_TOML.replace("\"处方药\",", "\"\", \"处方药\",");
        assert!(matches!(Policy::parse(&empty_kw), Err(PolicyError::Range(_))));
        let zero = DEFAULT_POLICY_TOML.replace("max_age_months = 24", "max_age_months = 0");
        assert!(matches!(Policy::parse(&zero), Err(PolicyError::Range(_))));
    }

    #[test]
    fn negative_or_unparsable_feed_weights_are_refused_at_load() {
        let bad = DEFAULT_POLICY_TOML.replace("anchor = 0.35", "anchor = -0.35");
        let e = Policy::parse(&bad).unwrap_err().to_string();
        assert!(e.contains("feed.weights.anchor"), "{e}");
        let bad = DEFAULT_POLICY_TOML.replace("anchor = 0.35", "anchor = \"lots\"");
        assert!(matches!(Policy::parse(&bad), Err(PolicyError::Toml(_))));
        let bad = DEFAULT_POLICY_TOML.replace("half_life_days = 30.0", "half_life_days = -3.0");
        assert!(Policy::parse(&bad).unwrap_err().to_string().contains("half_life_days"));
        let p = Policy::default_policy();
        assert_eq!(p.feed, crate::feed::FeedPolicy::default());
        assert_eq!(p.reputation, crate::reputation::ReputationPolicy::default());
    }

    #[test]
    fn prohibited_titles_are_found_case_insensitively() {
        let p = Policy::default_policy();
        assert!(p.prohibited_reason(Category::Other, "Disposable VAPE pen").is_some());
        assert!(p.prohibited_reason(Category::Other, "正品电子烟套装").is_some());
        assert!(p.prohibited_reason(Category::Food, "五常大米").is_none());
        for evasive in ["电 子 烟", "ＶＡＰＥ 笔", "電子煙", "香-烟", "e-cig pods"] {
            assert!(p.prohibited_reason(Category::Other, evasive).is_some(), "{evasive}");
        }
        assert!(p.prohibited_reason(Category::Other, "Cigarette lighter, windproof").is_none());
    }
}

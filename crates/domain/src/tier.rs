//! Tiered management of live rooms (Order 117 Art. 11): a room operator is a `key` room — flagged
//! for real-time patrol — when any policy threshold is met: audience (followers), sales, health-
//! related categories on its lineups, or its compliance history. Every verdict lists each input,
//! its threshold and whether it was met; inputs that a capability does not provide yet are listed
//! as unavailable rather than silently zero.

use serde::{Deserialize, Serialize};

use crate::product::Category;

/// Thresholds from the policy.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TierPolicy {
    /// Followers at or above which a room is key.
    pub key_followers: u64,
    /// Sales (minor units, last 90 days) at or above which a room is key.
    pub key_sales_minor_90d: i64,
    /// Categories whose presence on a lineup in the last 90 days makes a room key.
    pub key_categories: Vec<Category>,
    /// Violation points (last 90 days) at or above which a room is key.
    pub key_violation_points_90d: u32,
    /// A published reputation score below this makes a room key (buyers are not getting what
    /// the room promises: watch it live).
    #[serde(default = "three")]
    pub key_below_reputation: f64,
}

fn three() -> f64 {
    3.0
}

impl Default for TierPolicy {
    fn default() -> Self {
        Self {
            key_followers: 10_000,
            key_sales_minor_90d: 100_000_000,
            key_categories: vec![Category::HealthFood, Category::Baby],
            key_violation_points_90d: 12,
            key_below_reputation: 3.0,
        }
    }
}

/// What is known about a room.
#[derive(Debug, Clone, Default)]
pub struct TierInputs {
    /// Followers.
    pub followers: u64,
    /// Sales in the last 90 days, when orders exist.
    pub sales_minor_90d: Option<i64>,
    /// Categories on its lineups in the last 90 days.
    pub categories_90d: Vec<Category>,
    /// Violation points in the last 90 days, when supervision exists.
    pub violation_points_90d: Option<u32>,
    /// The room operator's published reputation score (none: no score yet).
    pub reputation: Option<f64>,
}

/// A room's tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Real-time patrol.
    Key,
    /// Routine supervision.
    Standard,
}

/// One criterion judged.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Criterion {
    /// Which input.
    pub input: &'static str,
    /// Its value, or `unavailable`.
    pub value: String,
    /// The threshold.
    pub threshold: String,
    /// Whether it made the room key.
    pub met: bool,
}

/// The tier with its reasons.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TierVerdict {
    /// Tier.
    pub tier: Tier,
    /// Every criterion.
    pub criteria: Vec<Criterion>,
    /// The legal basis.
    pub article: &'static str,
}

/// Judges a room.
pub fn tier(i: &TierInputs, p: &TierPolicy) -> TierVerdict {
    let mut criteria = vec![Criterion {
        input: "followers",
        value: i.followers.to_string(),
        threshold: format!(">= {}", p.key_followers),
        met: i.followers >= p.key_followers,
    }];
    criteria.push(match i.sales_minor_90d {
        Some(s) => Criterion {
            input: "sales_minor_90d",
            value: s.to_string(),
            threshold: format!(">= {}", p.key_sales_minor_90d),
            met: s >= p.key_sales_minor_90d,
        },
        None => Criterion {
            input: "sales_minor_90d",
            value: "unavailable".into(),
            threshold: format!(">= {}", p.key_sales_minor_90d),
            met: false,
        },
    });
    let hits: Vec<&str> =
        i.categories_90d.iter().filter(|c| p.key_categories.contains(c)).map(|c| c.as_str()).collect();
    criteria.push(Criterion {
        input: "categories_90d",
        value: if hits.is_empty() { "none of the key categories".into() } else { hits.join(", ") },
        threshold: format!("any of {}", p.key_categories.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")),
        met: !hits.is_empty(),
    });
    criteria.push(match i.violation_points_90d {
        Some(v) => Criterion {
            input: "violation_points_90d",
            value: v.to_string(),
            threshold: format!(">= {}", p.key_violation_points_90d),
            met: v >= p.key_violation_points_90d,
        },
        None => Criterion {
            input: "violation_points_90d",
            value: "unavailable".into(),
            threshold: format!(">= {}", p.key_violation_points_90d),
            met: false,
        },
    });
    criteria.push(Criterion {
        input: "reputation",
        value: i.reputation.map(|r| format!("{r:.1}")).unwrap_or_else(|| "no score yet".into()),
        threshold: format!("< {}", p.key_below_reputation),
        met: i.reputation.is_some_and(|r| r < p.key_below_reputation),
    });
    let key = criteria.iter().any(|c| c.met);
    TierVerdict { tier: if key { Tier::Key } else { Tier::Standard }, criteria, article: "Order 117 Art. 11" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_threshold_makes_a_key_room_and_says_which() {
        let p = TierPolicy::default();
        let quiet = tier(&TierInputs { followers: 12, ..Default::default() }, &p);
        assert_eq!(quiet.tier, Tier::Standard);
        assert_eq!(quiet.criteria[1].value, "unavailable");
        let health = tier(
            &TierInputs {
                followers: 12,
                categories_90d: vec![Category::Food, Category::HealthFood],
                ..Default::default()
            },
            &p,
        );
        assert_eq!(health.tier, Tier::Key);
        assert!(health.criteria[2].met && health.criteria[2].value == "health_food");
        let big = tier(&TierInputs { followers: 10_000, ..Default::default() }, &p);
        assert_eq!(big.tier, Tier::Key);
        let poor = tier(&TierInputs { reputation: Some(2.4), ..Default::default() }, &p);
        assert_eq!(poor.tier, Tier::Key);
        assert_eq!(poor.criteria[4].value, "2.4");
        let fine = tier(&TierInputs { reputation: Some(4.1), ..Default::default() }, &p);
        assert_eq!(fine.tier, Tier::Standard);
    }
}

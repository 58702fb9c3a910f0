//! The feed: which live shows are shown first, and why.
//!
//! Under `quality_first` (the default) a show's rank blends the reputation of its anchors, the
//! reputation of its lineup, its conversion net of refunds, and engagement, with weights in which
//! quality dominates (the policy refuses weights where it does not). Engagement counts unique
//! signed-in viewers and likes capped per viewer, so bought likes move nothing. Anchors or rooms
//! under a traffic-limit measure (Order 117 Art. 13) are multiplied down; anchors whose published
//! score is below the floor are throttled; a share of positions goes to newcomers without a score
//! yet so that quality can be discovered; no merchant holds more than `merchant_cap` of the top
//! `merchant_cap_top` positions. `engagement` is the old way, kept for comparison: viewers and raw
//! likes only.
//!
//! Every placed show carries its `why`: each component's input, value, weight and contribution,
//! and each cap, throttle or slot applied with the rule behind it.

pub mod index;

use serde::{Deserialize, Serialize};

use crate::reputation::one_decimal;

/// Which ranking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FeedPolicyKind {
    /// Reputation first (default).
    QualityFirst,
    /// Viewers and likes only (the old way; operators only, for comparison).
    Engagement,
}

impl FeedPolicyKind {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            FeedPolicyKind::QualityFirst => "quality_first",
            FeedPolicyKind::Engagement => "engagement",
        }
    }
}

/// Component weights of the quality-first rank.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedWeights {
    /// The anchors' reputation.
    pub anchor: f64,
    /// The lineup's product reputation.
    pub lineup: f64,
    /// Conversion net of refunds.
    pub conversion: f64,
    /// Engagement.
    pub engagement: f64,
}

/// The feed policy (`[feed]` in the policy file).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedPolicy {
    /// Quality-first weights.
    pub weights: FeedWeights,
    /// Likes per viewer that count (the rest move nothing).
    pub likes_cap_per_viewer: u32,
    /// What one counted like is worth against one viewer.
    pub like_weight: f64,
    /// Engagement (viewers + weighted likes) that earns full marks, on a log scale.
    pub engagement_full: f64,
    /// Net conversion (buyers with a paid order not refunded, per viewer) that earns full marks.
    pub conversion_full: f64,
    /// Rank multiplier while a traffic-limit measure is in force on an anchor or the room.
    pub traffic_limit_factor: f64,
    /// Anchors whose published score is below this are throttled.
    pub score_floor: f64,
    /// Rank multiplier for throttled anchors.
    pub throttle_factor: f64,
    /// Share of positions reserved for newcomers without a score yet (0-0.5).
    pub newcomer_share: f64,
    /// At most this many shows of one merchant…
    pub merchant_cap: u32,
    /// …in this many top positions.
    pub merchant_cap_top: u32,
}

impl Default for FeedPolicy {
    fn default() -> Self {
        Self {
            weights: FeedWeights { anchor: 0.35, lineup: 0.25, conversion: 0.2, engagement: 0.2 },
            likes_cap_per_viewer: 10,
            like_weight: 0.1,
            engagement_full: 100_000.0,
            conversion_full: 0.2,
            traffic_limit_factor: 0.25,
            score_floor: 3.0,
            throttle_factor: 0.5,
            newcomer_share: 0.1,
            merchant_cap: 2,
            merchant_cap_top: 20,
        }
    }
}

impl FeedPolicy {
    /// Checks every number; the message names the key.
    pub fn validate(&self) -> Result<(), String> {
        let w = &self.weights;
        for (k, v) in
            [("anchor", w.anchor), ("lineup", w.lineup), ("conversion", w.conversion), ("engagement", w.engagement)]
        {
            if !v.is_finite() || v < 0.0 {
                return Err(format!("feed.weights.{k} must be a number >= 0, got {v}"));
            }
        }
        let total = w.anchor + w.lineup + w.conversion + w.engagement;
        if w.anchor + w.lineup < total / 2.0 || total <= 0.0 {
            return Err("feed.weights: quality (anchor + lineup) must carry at least half of the total weight".into());
        }
        for (k, v) in [("traffic_limit_factor", self.traffic_limit_factor), ("throttle_factor", self.throttle_factor)] {
            if !(0.0..=1.0).contains(&v) {
                return Err(format!("feed.{k} must be 0-1, got {v}"));
            }
        }
        if !(0.0..=0.5).contains(&self.newcomer_share) {
            return Err(format!("feed.newcomer_share must be 0-0.5, got {}", self.newcomer_share));
        }
        if !(0.0..=5.0).contains(&self.score_floor) {
            return Err(format!("feed.score_floor must be 0-5, got {}", self.score_floor));
        }
        if !(self.engagement_full.is_finite() && self.engagement_full >= 1.0) {
            return Err("feed.engagement_full must be at least 1".into());
        }
        if !(self.conversion_full > 0.0 && self.conversion_full <= 1.0) {
            return Err("feed.conversion_full must be in (0, 1]".into());
        }
        if !(self.like_weight.is_finite() && self.like_weight >= 0.0) {
            return Err("feed.like_weight must be a number >= 0".into());
        }
        if self.likes_cap_per_viewer == 0 {
            return Err("feed.likes_cap_per_viewer must be at least 1".into());
        }
        if self.merchant_cap == 0 || self.merchant_cap_top == 0 {
            return Err("feed.merchant_cap and feed.merchant_cap_top must be at least 1".into());
        }
        Ok(())
    }
}

/// A subject's reputation as the feed reads it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Standing {
    /// The published score, if any.
    pub published: Option<f64>,
    /// The smoothed score (the group mean, mostly, before publication).
    pub raw: f64,
}

/// What the feed knows about a live show's audience and sales.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Unique signed-in viewers.
    pub viewers: u64,
    /// Likes, each viewer's capped at the policy's limit.
    pub likes_capped: u64,
    /// All likes.
    pub likes_raw: u64,
    /// Buyers with a paid order neither cancelled nor refunded (buyers, not orders: one buyer's
    /// ten orders convert one viewer).
    pub net_sold: u64,
}

/// One component of a rank.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RankComponent {
    /// `anchor_reputation`, `lineup_reputation`, `conversion` or `engagement`.
    pub name: &'static str,
    /// The input, in words with its figures.
    pub input: String,
    /// Its value, 0-1.
    pub value: f64,
    /// Its weight (normalised).
    pub weight: f64,
    /// value × weight.
    pub contribution: f64,
}

/// A cap, throttle or slot applied to a show's position.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Adjustment {
    /// `traffic_limit`, `score_floor`, `newcomer_slot` or `merchant_cap`.
    pub kind: &'static str,
    /// The multiplier applied to the rank, when it is one.
    pub factor: Option<f64>,
    /// The rule: the policy key or the article.
    pub rule: String,
    /// What triggered it.
    pub detail: String,
}

/// Why a show ranks where it does.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Why {
    /// The ranking.
    pub policy: FeedPolicyKind,
    /// The rank score (0-1) after adjustments.
    pub score: f64,
    /// Before adjustments.
    pub base: f64,
    /// Each component.
    pub components: Vec<RankComponent>,
    /// Caps, throttles and slots.
    pub adjustments: Vec<Adjustment>,
    /// No anchor of the show has a published score yet.
    pub newcomer: bool,
}

/// A measure limiting traffic, as the feed needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    /// On whom (`anc_…` or `rop_…`).
    pub subject: String,
    /// The measure.
    pub measure: String,
}

fn r4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn mean_standing(s: &[Standing]) -> (f64, usize) {
    if s.is_empty() {
        return (0.0, 0);
    }
    (s.iter().map(|x| x.published.unwrap_or(x.raw)).sum::<f64>() / s.len() as f64, s.len())
}

fn engagement_value(viewers: u64, likes: u64, p: &FeedPolicy) -> f64 {
    let e = viewers as f64 + likes as f64 * p.like_weight;
    ((1.0 + e).ln() / (1.0 + p.engagement_full).ln()).min(1.0)
}

struct Numbers {
    a: f64,
    na: usize,
    published: usize,
    l: f64,
    nl: usize,
    conversion: f64,
    conv_value: f64,
    eng_value: f64,
    base: f64,
    limited: bool,
    low: bool,
    score: f64,
}

fn numbers(anchors: &[Standing], lineup: &[Standing], c: Counters, limited: bool, p: &FeedPolicy) -> Numbers {
    let w = &p.weights;
    let total = w.anchor + w.lineup + w.conversion + w.engagement;
    let (a, na) = mean_standing(anchors);
    let published = anchors.iter().filter(|s| s.published.is_some()).count();
    let (l, nl) = mean_standing(lineup);
    let conversion = if c.viewers == 0 { 0.0 } else { c.net_sold as f64 / c.viewers as f64 };
    let conv_value = (conversion / p.conversion_full).min(1.0);
    let eng_value = engagement_value(c.viewers, c.likes_capped, p);
    let base = if total > 0.0 {
        (a / 5.0 * w.anchor + l / 5.0 * w.lineup + conv_value * w.conversion + eng_value * w.engagement) / total
    } else {
        0.0
    };
    let low = anchors.iter().any(|s| s.published.is_some_and(|x| x < p.score_floor));
    let mut score = base;
    if limited {
        score *= p.traffic_limit_factor;
    }
    if low {
        score *= p.throttle_factor;
    }
    Numbers { a, na, published, l, nl, conversion, conv_value, eng_value, base, limited, low, score: score.max(0.0) }
}

/// The quality-first rank score (0-1) and whether the show is a newcomer's, without the words:
/// what the index keeps per show.
pub fn quality_first_score(
    anchors: &[Standing],
    lineup: &[Standing],
    c: Counters,
    limited: bool,
    p: &FeedPolicy,
) -> (f64, bool) {
    let n = numbers(anchors, lineup, c, limited, p);
    (n.score, n.published == 0)
}

/// Ranks one show under quality-first, with its reasons.
pub fn quality_first(anchors: &[Standing], lineup: &[Standing], c: Counters, limits: &[Limit], p: &FeedPolicy) -> Why {
    let n = numbers(anchors, lineup, c, !limits.is_empty(), p);
    let w = &p.weights;
    let total = w.anchor + w.lineup + w.conversion + w.engagement;
    let comp = |name, input: String, value: f64, weight: f64| {
        let share = if total > 0.0 { weight / total } else { 0.0 };
        RankComponent { name, input, value: r4(value), weight: r4(share), contribution: r4(value * share) }
    };
    let components = vec![
        comp(
            "anchor_reputation",
            format!("mean score {:.2} of {} anchor(s), {} published", n.a, n.na, n.published),
            n.a / 5.0,
            w.anchor,
        ),
        comp("lineup_reputation", format!("mean score {:.2} of {} product(s)", n.l, n.nl), n.l / 5.0, w.lineup),
        comp(
            "conversion",
            format!(
                "{} buyers with a paid order not refunded / {} viewers = {:.3}; full marks at {}",
                c.net_sold, c.viewers, n.conversion, p.conversion_full
            ),
            n.conv_value,
            w.conversion,
        ),
        comp(
            "engagement",
            format!(
                "{} unique signed-in viewers, {} likes counted (capped at {} per viewer; {} in all)",
                c.viewers, c.likes_capped, p.likes_cap_per_viewer, c.likes_raw
            ),
            n.eng_value,
            w.engagement,
        ),
    ];
    let mut adjustments = Vec::new();
    if n.limited {
        adjustments.push(Adjustment {
            kind: "traffic_limit",
            factor: Some(p.traffic_limit_factor),
            rule: "Order 117 Art. 13 (measure); policy feed.traffic_limit_factor".into(),
            detail: limits.iter().map(|l| format!("{} under {}", l.subject, l.measure)).collect::<Vec<_>>().join("; "),
        });
    }
    if n.low {
        let low: Vec<String> = anchors
            .iter()
            .filter_map(|s| s.published)
            .filter(|s| *s < p.score_floor)
            .map(|s| format!("{:.1}", one_decimal(s)))
            .collect();
        adjustments.push(Adjustment {
            kind: "score_floor",
            factor: Some(p.throttle_factor),
            rule: "policy feed.score_floor".into(),
            detail: format!("anchor score {} below the floor {}", low.join(", "), p.score_floor),
        });
    }
    Why {
        policy: FeedPolicyKind::QualityFirst,
        score: r4(n.score),
        base: r4(n.base),
        components,
        adjustments,
        newcomer: n.published == 0,
    }
}

/// Ranks one show the old way: viewers and every like.
pub fn engagement(c: Counters, p: &FeedPolicy) -> Why {
    let v = engagement_value(c.viewers, c.likes_raw, p);
    Why {
        policy: FeedPolicyKind::Engagement,
        score: r4(v),
        base: r4(v),
        components: vec![RankComponent {
            name: "engagement",
            input: format!("{} viewers, {} likes (uncapped)", c.viewers, c.likes_raw),
            value: r4(v),
            weight: 1.0,
            contribution: r4(v),
        }],
        adjustments: vec![],
        newcomer: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(x: f64) -> Standing {
        Standing { published: Some(x), raw: x }
    }

    #[test]
    fn quality_outranks_noise_and_bought_likes_move_nothing() {
        let p = FeedPolicy::default();
        let good = quality_first(
            &[st(4.8)],
            &[st(4.6)],
            Counters { viewers: 100, likes_capped: 200, likes_raw: 200, net_sold: 10 },
            &[],
            &p,
        );
        let loud = quality_first(
            &[st(2.5)],
            &[st(3.0)],
            Counters { viewers: 100, likes_capped: 1000, likes_raw: 1_000_000, net_sold: 10 },
            &[],
            &p,
        );
        assert!(good.score > loud.score);
        assert_eq!(loud.adjustments[0].kind, "score_floor");
        let e_good = engagement(Counters { viewers: 100, likes_raw: 200, ..Default::default() }, &p);
        let e_loud = engagement(Counters { viewers: 100, likes_raw: 1_000_000, ..Default::default() }, &p);
        assert!(e_loud.score > e_good.score);
        let sum: f64 = good.components.iter().map(|c| c.contribution).sum();
        assert!((sum - good.base).abs() < 1e-3);
    }

    #[test]
    fn a_traffic_limit_multiplies_the_rank_down_and_says_which_measure() {
        let p = FeedPolicy::default();
        let c = Counters { viewers: 10, ..Default::default() };
        let free = quality_first(&[st(4.0)], &[], c, &[], &p);
        let limited =
            quality_first(&[st(4.0)], &[], c, &[Limit { subject: "anc_x".into(), measure: "msr_y".into() }], &p);
        assert!((limited.score - free.score * 0.25).abs() < 1e-3);
        assert!(limited.adjustments[0].detail.contains("msr_y"));
    }

    #[test]
    fn weights_where_engagement_dominates_are_refused() {
        let mut p = FeedPolicy::default();
        p.weights.engagement = 5.0;
        assert!(p.validate().unwrap_err().contains("quality"));
        let mut p = FeedPolicy::default();
        p.weights.lineup = -0.1;
        assert!(p.validate().unwrap_err().contains("feed.weights.lineup"));
        assert!(FeedPolicy::default().validate().is_ok());
    }
}

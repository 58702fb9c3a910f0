//! Reputation scores (0-5) for products, anchors, merchants and room operators: what buyers said
//! and did after the show, not how loud the show was.
//!
//! Every input is an observation with a time. Its weight halves every `half_life_days` and it
//! drops out after `window_days`. Each component (a review dimension, a return rate, violation
//! points…) is smoothed towards the mean of the rest of the subject's group (other products of
//! the same category; all other anchors, merchants or room operators; the policy's defaults when
//! there are none) with `prior_strength` pseudo-observations, so three lucky reviews cannot beat
//! three hundred good ones. The score is the weighted mean of the
//! components, and it is published only after `min_delivered_orders` delivered orders; before
//! that the subject has "no score yet" (the feed then treats it as a newcomer).
//!
//! The anchor's explanation score — how far what the anchor said matched what buyers received —
//! is published on its own, from the explanation and as-described ratings, not-as-described
//! returns and talk violations.
//!
//! Choices made where the issue is silent: a return counts once the seller (or an operator)
//! accepts it, not when it is requested (a refused return is no evidence); a shipment is late
//! when it leaves more than `late_shipment_hours` after payment; an inspection counts when an
//! operator has verified the report; an accepted not-as-described return turns that order's
//! as-described and explanation stars into 1.

pub mod book;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{AnchorId, MerchantId, ProductId, RoomOperatorId};

/// What kind of subject a score is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    /// A product.
    Product,
    /// An anchor.
    Anchor,
    /// A merchant (the seller).
    Merchant,
    /// A room operator.
    RoomOperator,
}

/// One scored subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ScoredSubject {
    /// A product.
    Product(ProductId),
    /// An anchor.
    Anchor(AnchorId),
    /// A merchant.
    Merchant(MerchantId),
    /// A room operator.
    RoomOperator(RoomOperatorId),
}

impl ScoredSubject {
    /// Its kind.
    pub fn kind(&self) -> SubjectKind {
        match self {
            ScoredSubject::Product(_) => SubjectKind::Product,
            ScoredSubject::Anchor(_) => SubjectKind::Anchor,
            ScoredSubject::Merchant(_) => SubjectKind::Merchant,
            ScoredSubject::RoomOperator(_) => SubjectKind::RoomOperator,
        }
    }
}

impl std::fmt::Display for ScoredSubject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScoredSubject::Product(x) => write!(f, "{x}"),
            ScoredSubject::Anchor(x) => write!(f, "{x}"),
            ScoredSubject::Merchant(x) => write!(f, "{x}"),
            ScoredSubject::RoomOperator(x) => write!(f, "{x}"),
        }
    }
}

/// The parts a score is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    /// Review rating: quality of the goods.
    ProductQuality,
    /// Review rating: did the goods match their description.
    AsDescribed,
    /// Review rating: was the anchor's explanation accurate.
    Explanation,
    /// Review rating: delivery.
    Logistics,
    /// Review rating: customer service.
    Service,
    /// Accepted quality returns per delivered order.
    QualityReturns,
    /// Accepted not-as-described returns per delivered order.
    NotAsDescribedReturns,
    /// Late shipments per shipment.
    LateShipments,
    /// Failed inspections per verified inspection.
    Inspections,
    /// Confirmed talk-violation points (decayed).
    Violations,
    /// Upheld complaints per delivered order.
    UpheldComplaints,
}

/// Every component, in display order.
pub const COMPONENTS: [Component; 11] = [
    Component::ProductQuality,
    Component::AsDescribed,
    Component::Explanation,
    Component::Logistics,
    Component::Service,
    Component::QualityReturns,
    Component::NotAsDescribedReturns,
    Component::LateShipments,
    Component::Inspections,
    Component::Violations,
    Component::UpheldComplaints,
];

/// How a component turns its inputs into 0-5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// The smoothed mean of 1-5 ratings.
    Rating,
    /// 5 × (1 − smoothed rate / rate_for_zero), floored at 0.
    Rate,
    /// 5 × (1 − decayed points / points_for_zero), floored at 0.
    Points,
}

impl Component {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Component::ProductQuality => "product_quality",
            Component::AsDescribed => "as_described",
            Component::Explanation => "explanation",
            Component::Logistics => "logistics",
            Component::Service => "service",
            Component::QualityReturns => "quality_returns",
            Component::NotAsDescribedReturns => "not_as_described_returns",
            Component::LateShipments => "late_shipments",
            Component::Inspections => "inspections",
            Component::Violations => "violations",
            Component::UpheldComplaints => "upheld_complaints",
        }
    }

    /// How it is measured.
    pub fn measure(self) -> Measure {
        match self {
            Component::ProductQuality
            | Component::AsDescribed
            | Component::Explanation
            | Component::Logistics
            | Component::Service => Measure::Rating,
            Component::Violations => Measure::Points,
            _ => Measure::Rate,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Weights of each component for one kind of subject (0 leaves a component out).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Weights {
    /// Product quality rating.
    pub product_quality: f64,
    /// As-described rating.
    pub as_described: f64,
    /// Explanation rating.
    pub explanation: f64,
    /// Logistics rating.
    pub logistics: f64,
    /// Service rating.
    pub service: f64,
    /// Quality return rate.
    pub quality_returns: f64,
    /// Not-as-described return rate.
    pub not_as_described_returns: f64,
    /// Late shipment rate.
    pub late_shipments: f64,
    /// Failed inspection rate.
    pub inspections: f64,
    /// Violation points.
    pub violations: f64,
    /// Upheld complaint rate.
    pub upheld_complaints: f64,
}

impl Weights {
    /// The weight of one component.
    pub fn of(&self, c: Component) -> f64 {
        match c {
            Component::ProductQuality => self.product_quality,
            Component::AsDescribed => self.as_described,
            Component::Explanation => self.explanation,
            Component::Logistics => self.logistics,
            Component::Service => self.service,
            Component::QualityReturns => self.quality_returns,
            Component::NotAsDescribedReturns => self.not_as_described_returns,
            Component::LateShipments => self.late_shipments,
            Component::Inspections => self.inspections,
            Component::Violations => self.violations,
            Component::UpheldComplaints => self.upheld_complaints,
        }
    }

    fn check(&self, name: &str) -> Result<(), String> {
        let mut total = 0.0;
        for c in COMPONENTS {
            let w = self.of(c);
            if !w.is_finite() || w < 0.0 {
                return Err(format!("reputation.weights.{name}.{} must be a number >= 0, got {w}", c.as_str()));
            }
            total += w;
        }
        if total <= 0.0 {
            return Err(format!("reputation.weights.{name} must give at least one component a positive weight"));
        }
        Ok(())
    }
}

/// The weights per kind of subject, and of the anchor's explanation score.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeightTable {
    /// Products.
    pub product: Weights,
    /// Anchors.
    pub anchor: Weights,
    /// Merchants.
    pub merchant: Weights,
    /// Room operators.
    pub room_operator: Weights,
    /// The anchor's explanation score.
    pub explanation: Weights,
}

impl WeightTable {
    /// The weights for a kind.
    pub fn of(&self, k: SubjectKind) -> &Weights {
        match k {
            SubjectKind::Product => &self.product,
            SubjectKind::Anchor => &self.anchor,
            SubjectKind::Merchant => &self.merchant,
            SubjectKind::RoomOperator => &self.room_operator,
        }
    }
}

/// The reputation policy (`[reputation]` in the policy file).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReputationPolicy {
    /// Observations older than this many days count for nothing.
    pub window_days: u32,
    /// An observation's weight halves every this many days.
    pub half_life_days: f64,
    /// Pseudo-observations of the group mean added to every component.
    pub prior_strength: f64,
    /// Delivered orders (in the window) before a score is published.
    pub min_delivered_orders: u32,
    /// The return, late-shipment, failed-inspection or complaint rate that scores 0.
    pub rate_for_zero: f64,
    /// Decayed violation points that score 0.
    pub points_for_zero: f64,
    /// A shipment leaving later than this many hours after payment is late.
    pub late_shipment_hours: u32,
    /// The rating prior when a group has no ratings yet.
    pub default_rating_prior: f64,
    /// The rate prior when a group has no observations yet.
    pub default_rate_prior: f64,
    /// Component weights.
    pub weights: WeightTable,
}

impl Default for ReputationPolicy {
    fn default() -> Self {
        let w = |pq, ad, ex, lo, se, qr, nad, late, insp, vio, comp| Weights {
            product_quality: pq,
            as_described: ad,
            explanation: ex,
            logistics: lo,
            service: se,
            quality_returns: qr,
            not_as_described_returns: nad,
            late_shipments: late,
            inspections: insp,
            violations: vio,
            upheld_complaints: comp,
        };
        Self {
            window_days: 180,
            half_life_days: 30.0,
            prior_strength: 5.0,
            min_delivered_orders: 5,
            rate_for_zero: 0.3,
            points_for_zero: 12.0,
            late_shipment_hours: 48,
            default_rating_prior: 4.0,
            default_rate_prior: 0.02,
            weights: WeightTable {
                product: w(3.0, 3.0, 0.0, 0.0, 0.0, 2.0, 2.0, 0.0, 1.0, 0.0, 2.0),
                anchor: w(1.0, 2.0, 3.0, 0.0, 0.0, 1.0, 2.0, 0.0, 0.0, 2.0, 2.0),
                merchant: w(2.0, 2.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 2.0),
                room_operator: w(1.0, 2.0, 2.0, 0.0, 1.0, 1.0, 2.0, 0.0, 0.0, 2.0, 2.0),
                explanation: w(0.0, 1.0, 2.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0),
            },
        }
    }
}

impl ReputationPolicy {
    /// Checks every number; the message names the key.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=730).contains(&self.window_days) {
            return Err("reputation.window_days must be 1-730".into());
        }
        if !self.half_life_days.is_finite() || self.half_life_days < 1.0 {
            return Err("reputation.half_life_days must be at least 1".into());
        }
        if !self.prior_strength.is_finite() || self.prior_strength < 0.0 {
            return Err("reputation.prior_strength must be a number >= 0".into());
        }
        if !(self.rate_for_zero > 0.0 && self.rate_for_zero <= 1.0) {
            return Err("reputation.rate_for_zero must be in (0, 1]".into());
        }
        if !(self.points_for_zero.is_finite() && self.points_for_zero > 0.0) {
            return Err("reputation.points_for_zero must be a number > 0".into());
        }
        if !(1.0..=5.0).contains(&self.default_rating_prior) {
            return Err("reputation.default_rating_prior must be 1-5".into());
        }
        if !(0.0..=1.0).contains(&self.default_rate_prior) {
            return Err("reputation.default_rate_prior must be 0-1".into());
        }
        self.weights.product.check("product")?;
        self.weights.anchor.check("anchor")?;
        self.weights.merchant.check("merchant")?;
        self.weights.room_operator.check("room_operator")?;
        self.weights.explanation.check("explanation")?;
        Ok(())
    }

    /// The weight, as of `now`, of an observation made at `at`: 2^(−age / half-life), or 0 once
    /// it is older than the window. Observations from the future (clock skew) count fully.
    pub fn decay(&self, at: DateTime<Utc>, now: DateTime<Utc>) -> f64 {
        let age_days = (now - at).num_milliseconds() as f64 / 86_400_000.0;
        if age_days > f64::from(self.window_days) {
            0.0
        } else if age_days <= 0.0 {
            1.0
        } else {
            (-age_days / self.half_life_days).exp2()
        }
    }
}

/// Weighted sums of one component's observations.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Acc {
    /// Σ weight (ratings, or trials of a rate).
    pub w: f64,
    /// Σ weight × value (rating sum, hits of a rate, or points).
    pub wx: f64,
}

/// Everything known about one subject (or one group of subjects), as weighted sums.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sums {
    /// Per component, indexed by `Component as usize`.
    pub acc: [Acc; 11],
    /// Delivered orders in the window (not decayed: the publication threshold counts orders).
    pub delivered: u32,
}

impl Sums {
    /// The sums of a component.
    pub fn get(&self, c: Component) -> Acc {
        self.acc[c.index()]
    }

    /// Every weight multiplied by `f` (turns sums kept against an anchor time into sums as of now).
    pub fn scaled(&self, f: f64) -> Sums {
        let mut s = self.clone();
        for a in &mut s.acc {
            a.w *= f;
            a.wx *= f;
        }
        s
    }

    /// Adds (`sign` 1) or removes (`sign` −1) one observation with weight `w`.
    pub fn apply(&mut self, obs: Observed, w: f64, sign: f64) {
        let mut add = |c: Component, dw: f64, dwx: f64| {
            let a = &mut self.acc[c.index()];
            a.w += sign * dw;
            a.wx += sign * dwx;
            // Removing what was added can leave rounding dust below zero.
            if a.w.abs() < 1e-9 {
                a.w = 0.0;
            }
            if a.wx.abs() < 1e-9 {
                a.wx = 0.0;
            }
        };
        match obs {
            Observed::Delivered => {
                add(Component::QualityReturns, w, 0.0);
                add(Component::NotAsDescribedReturns, w, 0.0);
                add(Component::UpheldComplaints, w, 0.0);
                if sign > 0.0 {
                    self.delivered += 1;
                } else {
                    self.delivered = self.delivered.saturating_sub(1);
                }
            }
            Observed::Rating(c, stars) => add(c, w, w * f64::from(stars)),
            Observed::QualityReturn => add(Component::QualityReturns, 0.0, w),
            Observed::NotAsDescribedReturn => add(Component::NotAsDescribedReturns, 0.0, w),
            Observed::Shipped { late } => add(Component::LateShipments, w, if late { w } else { 0.0 }),
            Observed::Inspected { passed } => add(Component::Inspections, w, if passed { 0.0 } else { w }),
            Observed::ViolationPoints(p) => add(Component::Violations, 0.0, w * f64::from(p)),
            Observed::UpheldComplaint => add(Component::UpheldComplaints, 0.0, w),
        }
    }
}

/// One thing observed about a subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Observed {
    /// An order was delivered (a trial for the return and complaint rates).
    Delivered,
    /// A review rating, 1-5.
    Rating(Component, u8),
    /// An accepted quality return.
    QualityReturn,
    /// An accepted not-as-described return.
    NotAsDescribedReturn,
    /// A shipment, late or not.
    Shipped {
        /// Later than the policy allows.
        late: bool,
    },
    /// A verified inspection.
    Inspected {
        /// Whether it passed.
        passed: bool,
    },
    /// Confirmed violation points.
    ViolationPoints(u32),
    /// An upheld complaint.
    UpheldComplaint,
}

/// Group means the components are smoothed towards.
#[derive(Debug, Clone, PartialEq)]
pub struct Priors {
    /// Per component: the mean rating, or the mean rate.
    pub mean: [f64; 11],
}

impl Priors {
    /// From a group's sums (as of now), falling back to the policy defaults where the group has
    /// no observations.
    ///
    /// The group's mean is itself smoothed towards the policy's default with `prior_strength`
    /// pseudo-observations: a group whose only data is one subject's few bad orders must not hand
    /// that record in full to the members with none (who would then score below the offender,
    /// whose own prior, the rest of the group, is empty).
    pub fn from_group(group: &Sums, p: &ReputationPolicy) -> Priors {
        let mut mean = [0.0; 11];
        let k = p.prior_strength.max(0.0);
        for c in COMPONENTS {
            let a = group.get(c);
            let shrunk = |default: f64| if a.w + k > 0.0 { (a.wx + k * default) / (a.w + k) } else { default };
            mean[c.index()] = match c.measure() {
                Measure::Rating => shrunk(p.default_rating_prior),
                Measure::Rate => shrunk(p.default_rate_prior).clamp(0.0, 1.0),
                Measure::Points => 0.0,
            };
        }
        Priors { mean }
    }
}

/// Whether a score is out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScoreStatus {
    /// Enough delivered orders: the score is published.
    Published,
    /// Too few delivered orders: "no score yet".
    NoScoreYet,
}

/// One component of a score, with everything that went into it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ComponentScore {
    /// Which.
    pub component: Component,
    /// Its value, 0-5.
    pub value: f64,
    /// Its share of the score (weights normalised over the available components).
    pub weight: f64,
    /// value × weight: what it adds to the score.
    pub contribution: f64,
    /// Decayed observations behind it (ratings, or trials of a rate).
    pub observations: f64,
    /// The observed mean rating, rate or decayed points before smoothing (none without data).
    pub observed: Option<f64>,
    /// The group mean it is smoothed towards (ratings and rates).
    pub prior: Option<f64>,
}

/// A component that could not be computed, and why.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Unavailable {
    /// Which.
    pub component: Component,
    /// Why.
    pub reason: String,
}

/// A sub-score (the anchor's explanation score) with its breakdown.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SubScore {
    /// 0-5, one decimal; none before publication.
    pub score: Option<f64>,
    /// Unrounded.
    pub raw: f64,
    /// Breakdown.
    pub components: Vec<ComponentScore>,
}

/// A score with its reasons.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Reputation {
    /// Kind of subject.
    pub kind: SubjectKind,
    /// Published or "no score yet".
    pub status: ScoreStatus,
    /// 0-5, one decimal; none until published.
    pub score: Option<f64>,
    /// The unrounded score (computed even before publication: it is mostly the group mean then).
    pub raw: f64,
    /// Delivered orders in the window.
    pub delivered_orders: u32,
    /// Delivered orders needed to publish.
    pub min_delivered_orders: u32,
    /// Every component with its value, weight and contribution.
    pub components: Vec<ComponentScore>,
    /// The anchor's explanation score (anchors only).
    pub explanation: Option<SubScore>,
    /// Inputs that do not exist yet, each with its reason.
    pub unavailable: Vec<Unavailable>,
}

/// Rounds to one decimal, as scores are shown.
pub fn one_decimal(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// A component's value, 0-5, with its observed figure.
fn component_value(c: Component, a: Acc, prior: f64, p: &ReputationPolicy) -> (f64, Option<f64>, Option<f64>) {
    let k = p.prior_strength;
    match c.measure() {
        Measure::Rating => {
            let v = if k + a.w > 0.0 { (k * prior + a.wx) / (k + a.w) } else { prior };
            (v.clamp(0.0, 5.0), (a.w > 0.0).then(|| a.wx / a.w), Some(prior))
        }
        Measure::Rate => {
            let rate = if k + a.w > 0.0 { (k * prior + a.wx) / (k + a.w) } else { prior };
            let v = 5.0 * (1.0 - rate / p.rate_for_zero).max(0.0);
            (v.clamp(0.0, 5.0), (a.w > 0.0).then(|| a.wx / a.w), Some(prior))
        }
        Measure::Points => (5.0 * (1.0 - a.wx / p.points_for_zero).max(0.0), Some(a.wx), None),
    }
}

fn weighted(
    sums: &Sums,
    priors: &Priors,
    weights: &Weights,
    p: &ReputationPolicy,
    missing: &[Component],
) -> (f64, Vec<ComponentScore>) {
    let used: Vec<Component> =
        COMPONENTS.into_iter().filter(|c| weights.of(*c) > 0.0 && !missing.contains(c)).collect();
    let total: f64 = used.iter().map(|c| weights.of(*c)).sum();
    let mut raw = 0.0;
    let mut parts = Vec::with_capacity(used.len());
    for c in used {
        let a = sums.get(c);
        let (value, observed, prior) = component_value(c, a, priors.mean[c.index()], p);
        let share = weights.of(c) / total;
        raw += value * share;
        parts.push(ComponentScore {
            component: c,
            value: round4(value),
            weight: round4(share),
            contribution: round4(value * share),
            observations: round4(a.w),
            observed: observed.map(round4),
            prior: prior.map(round4),
        });
    }
    (raw, parts)
}

/// Scores one subject from its sums as of now. `missing` names inputs that do not exist yet
/// (with their reason); they are left out and the other weights renormalised.
pub fn score(
    kind: SubjectKind,
    sums: &Sums,
    priors: &Priors,
    p: &ReputationPolicy,
    missing: &[Unavailable],
) -> Reputation {
    let missing_c: Vec<Component> = missing.iter().map(|u| u.component).collect();
    let (raw, components) = weighted(sums, priors, p.weights.of(kind), p, &missing_c);
    let published = sums.delivered >= p.min_delivered_orders;
    let explanation = (kind == SubjectKind::Anchor).then(|| {
        let (raw, components) = weighted(sums, priors, &p.weights.explanation, p, &missing_c);
        SubScore { score: published.then(|| one_decimal(raw)), raw: round4(raw), components }
    });
    Reputation {
        kind,
        status: if published { ScoreStatus::Published } else { ScoreStatus::NoScoreYet },
        score: published.then(|| one_decimal(raw)),
        raw: round4(raw),
        delivered_orders: sums.delivered,
        min_delivered_orders: p.min_delivered_orders,
        components,
        explanation,
        unavailable: missing.iter().filter(|u| p.weights.of(kind).of(u.component) > 0.0).cloned().collect(),
    }
}

#[cfg(test)]
mod tests;

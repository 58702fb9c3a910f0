//! The reputation book: weighted sums per subject and per group, kept up to date one fact at a
//! time, so a score is a handful of arithmetic away whatever the history.
//!
//! A fact (an order, a violation, an inspection) turns into observations about several subjects.
//! Upserting a fact removes what it contributed before and adds what it contributes now, so
//! replaying the same fact — on restart, or after every state change of an order — never counts
//! it twice. Weights are kept relative to an anchor time (w = 2^((t − anchor) / half-life)):
//! decay to `now` is then one multiplication for the whole subject. Observations leave the sums
//! when they fall out of the window (`expire`), and the anchor moves forward before the numbers
//! grow large (`tick`).

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Duration, Utc};

use super::{score, Component, Observed, Priors, Reputation, ReputationPolicy, ScoredSubject, Sums, Unavailable};
use crate::ids::{InspectionId, OrderId, ViolationId};
use crate::order::{Order, OrderStatus};
use crate::product::Category;
use crate::qualification::Inspection;
use crate::returns::{ReturnKind, ReturnStatus};
use crate::review::Ratings;
use crate::violation::{Violation, ViolationStatus};

/// What a fact is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FactKey {
    /// An order (delivery, shipment, return, review).
    Order(OrderId),
    /// A talk violation.
    Violation(ViolationId),
    /// An inspection report.
    Inspection(InspectionId),
    /// A consumer's complaint.
    Complaint(crate::ids::ComplaintId),
}

/// One observation about one subject.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Contribution {
    /// About whom.
    pub subject: ScoredSubject,
    /// The product category (products are smoothed towards their category's mean).
    pub category: Option<Category>,
    /// What.
    pub obs: Observed,
    /// When.
    pub at: DateTime<Utc>,
}

/// What an order says about its product, merchant, anchors and room.
pub fn order_contributions(
    order: &Order,
    category: Option<Category>,
    room: Option<crate::ids::RoomOperatorId>,
    review: Option<(Ratings, DateTime<Utc>)>,
    p: &ReputationPolicy,
) -> Vec<Contribution> {
    let mut subjects = vec![ScoredSubject::Product(order.product), ScoredSubject::Merchant(order.merchant)];
    subjects.extend(order.anchors.iter().map(|a| ScoredSubject::Anchor(*a)));
    subjects.extend(room.map(ScoredSubject::RoomOperator));
    let mut seen: Vec<(Observed, DateTime<Utc>)> = Vec::new();
    if let Some(d) = order.delivered_at {
        seen.push((Observed::Delivered, d));
    }
    if let (Some(paid), Some(shipped)) = (order.paid_at, order.shipped_at) {
        let late = shipped - paid > Duration::hours(i64::from(p.late_shipment_hours));
        seen.push((Observed::Shipped { late }, shipped));
    }
    let mut not_as_described = false;
    if let Some(r) = &order.return_request {
        if r.status == ReturnStatus::Refunded && order.status == OrderStatus::Refunded {
            not_as_described = r.kind == ReturnKind::NotAsDescribed;
            let at = r.decided_at.unwrap_or(r.requested_at);
            match r.kind {
                ReturnKind::Quality => seen.push((Observed::QualityReturn, at)),
                ReturnKind::NotAsDescribed => seen.push((Observed::NotAsDescribedReturn, at)),
                ReturnKind::NoReason => {}
            }
        }
    }
    if let Some((r, at)) = review {
        // An accepted not-as-described return is the seller's own admission that the goods did
        // not match what was said: it overrides the buyer's earlier as-described and explanation
        // stars, which were given before they knew.
        let r = if not_as_described { Ratings { as_described: 1, explanation: 1, ..r } } else { r };
        for (c, stars) in [
            (Component::ProductQuality, r.product_quality),
            (Component::AsDescribed, r.as_described),
            (Component::Explanation, r.explanation),
            (Component::Logistics, r.logistics),
            (Component::Service, r.service),
        ] {
            seen.push((Observed::Rating(c, stars.clamp(1, 5)), at));
        }
    }
    let mut out = Vec::with_capacity(subjects.len() * seen.len());
    for s in &subjects {
        let category = matches!(s, ScoredSubject::Product(_)).then_some(category).flatten();
        out.extend(seen.iter().map(|(obs, at)| Contribution { subject: *s, category, obs: *obs, at: *at }));
    }
    out
}

/// What a violation says about its anchor and room: its points, once confirmed (pending ones wait
/// for an operator; dismissed and reversed ones count for nothing).
pub fn violation_contributions(v: &Violation) -> Vec<Contribution> {
    if v.status != ViolationStatus::Confirmed {
        return vec![];
    }
    let obs = Observed::ViolationPoints(v.finding.points);
    [ScoredSubject::Anchor(v.anchor), ScoredSubject::RoomOperator(v.room_operator)]
        .into_iter()
        .map(|subject| Contribution { subject, category: None, obs, at: v.created_at })
        .collect()
}

/// What a verified inspection says about the product and its seller.
pub fn inspection_contributions(
    i: &Inspection,
    merchant: crate::ids::MerchantId,
    category: Category,
) -> Vec<Contribution> {
    if !i.review.as_ref().is_some_and(|r| r.decision == crate::verification::Decision::Approve) {
        return vec![];
    }
    let at = i.inspected_on.and_hms_opt(0, 0, 0).map(|d| d.and_utc()).unwrap_or(i.created_at);
    let obs = Observed::Inspected { passed: i.passed };
    vec![
        Contribution { subject: ScoredSubject::Product(i.product), category: Some(category), obs, at },
        Contribution { subject: ScoredSubject::Merchant(merchant), category: None, obs, at },
    ]
}

/// What an upheld (compensated) complaint says about the product, the seller, the anchors and
/// the room: one upheld complaint each, at the time of the decision. Rejected or pending
/// complaints say nothing.
pub fn complaint_contributions(c: &crate::complaint::Complaint, category: Option<Category>) -> Vec<Contribution> {
    let Some(d) = c.decision.as_ref().filter(|d| d.upheld) else { return vec![] };
    let mut subjects = vec![ScoredSubject::Product(c.product), ScoredSubject::Merchant(c.merchant)];
    subjects.extend(c.anchors.iter().map(|a| ScoredSubject::Anchor(*a)));
    subjects.extend(c.room_operator.map(ScoredSubject::RoomOperator));
    subjects
        .into_iter()
        .map(|s| Contribution {
            subject: s,
            category: matches!(s, ScoredSubject::Product(_)).then_some(category).flatten(),
            obs: Observed::UpheldComplaint,
            at: d.at,
        })
        .collect()
}

type Group = (super::SubjectKind, Option<Category>);

/// The book.
#[derive(Debug, Clone)]
pub struct Book {
    policy: ReputationPolicy,
    anchor: DateTime<Utc>,
    facts: HashMap<FactKey, Vec<Contribution>>,
    subjects: HashMap<ScoredSubject, Sums>,
    groups: HashMap<Group, Sums>,
    categories: HashMap<ScoredSubject, Category>,
    expiry: BTreeSet<(DateTime<Utc>, FactKey)>,
    missing: Vec<Unavailable>,
}

impl Book {
    /// An empty book. `missing` lists inputs that do not exist yet, with the reason shown.
    pub fn new(policy: ReputationPolicy, now: DateTime<Utc>, missing: Vec<Unavailable>) -> Self {
        Self {
            policy,
            anchor: now,
            facts: HashMap::new(),
            subjects: HashMap::new(),
            groups: HashMap::new(),
            categories: HashMap::new(),
            expiry: BTreeSet::new(),
            missing,
        }
    }

    /// The policy in force.
    pub fn policy(&self) -> &ReputationPolicy {
        &self.policy
    }

    /// Facts held.
    pub fn facts(&self) -> usize {
        self.facts.len()
    }

    fn weight(&self, at: DateTime<Utc>) -> f64 {
        let days = (at - self.anchor).num_milliseconds() as f64 / 86_400_000.0;
        (days / self.policy.half_life_days).exp2()
    }

    fn cutoff(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - Duration::days(i64::from(self.policy.window_days))
    }

    fn apply(&mut self, c: &Contribution, sign: f64) {
        let w = self.weight(c.at);
        self.subjects.entry(c.subject).or_default().apply(c.obs, w, sign);
        let group = (c.subject.kind(), c.category);
        self.groups.entry(group).or_default().apply(c.obs, w, sign);
        if let Some(cat) = c.category {
            self.categories.insert(c.subject, cat);
        }
    }

    /// Replaces what a fact contributes. Returns the subjects whose sums changed.
    pub fn upsert(&mut self, key: FactKey, new: Vec<Contribution>, now: DateTime<Utc>) -> Vec<ScoredSubject> {
        let cutoff = self.cutoff(now);
        let new: Vec<Contribution> = new.into_iter().filter(|c| c.at >= cutoff).collect();
        let old = self.facts.remove(&key).unwrap_or_default();
        if old == new {
            if !new.is_empty() {
                self.facts.insert(key, new);
            }
            return vec![];
        }
        let mut touched: Vec<ScoredSubject> = old.iter().chain(new.iter()).map(|c| c.subject).collect();
        touched.sort();
        touched.dedup();
        if let Some(e) = old.iter().map(|c| c.at).min() {
            self.expiry.remove(&(e, key));
        }
        for c in &old {
            self.apply(c, -1.0);
        }
        for c in &new {
            self.apply(c, 1.0);
        }
        if let Some(e) = new.iter().map(|c| c.at).min() {
            self.expiry.insert((e, key));
            self.facts.insert(key, new);
        }
        touched
    }

    /// Drops observations older than the window and moves the anchor forward when the weights
    /// grow large. Returns the subjects whose sums changed.
    pub fn tick(&mut self, now: DateTime<Utc>) -> Vec<ScoredSubject> {
        let cutoff = self.cutoff(now);
        let mut touched = Vec::new();
        while let Some(&(at, key)) = self.expiry.first() {
            if at >= cutoff {
                break;
            }
            self.expiry.pop_first();
            let kept: Vec<Contribution> = self
                .facts
                .get(&key)
                .map(|v| v.iter().copied().filter(|c| c.at >= cutoff).collect())
                .unwrap_or_default();
            touched.extend(self.upsert(key, kept, now));
        }
        // 2^300 is far from f64's limit, and re-anchoring costs one pass over the sums.
        let age = (now - self.anchor).num_milliseconds() as f64 / 86_400_000.0 / self.policy.half_life_days;
        if age > 300.0 {
            self.rebase(now);
        }
        touched.sort();
        touched.dedup();
        touched
    }

    fn rebase(&mut self, now: DateTime<Utc>) {
        let f = self.weight(now).recip();
        for s in self.subjects.values_mut().chain(self.groups.values_mut()) {
            *s = s.scaled(f);
        }
        self.anchor = now;
    }

    /// The category the book has seen a product in.
    pub fn category_of(&self, s: ScoredSubject) -> Option<Category> {
        self.categories.get(&s).copied()
    }

    /// A subject's sums as of now.
    pub fn sums(&self, s: ScoredSubject, now: DateTime<Utc>) -> Sums {
        let f = self.weight(now).recip();
        self.subjects.get(&s).map(|x| x.scaled(f)).unwrap_or_default()
    }

    /// The means a subject is smoothed towards, as of now: its group's, without the subject
    /// itself (its own observations must not vouch for themselves; a product alone in its
    /// category is smoothed towards the policy's defaults).
    pub fn priors(&self, s: ScoredSubject, now: DateTime<Utc>) -> Priors {
        let group = (s.kind(), self.categories.get(&s).copied());
        let mut g = self.groups.get(&group).cloned().unwrap_or_default();
        if let Some(own) = self.subjects.get(&s) {
            for (a, b) in g.acc.iter_mut().zip(own.acc.iter()) {
                a.w = (a.w - b.w).max(0.0);
                a.wx = (a.wx - b.wx).max(0.0);
                if a.w < 1e-9 {
                    a.w = 0.0;
                }
            }
        }
        let f = self.weight(now).recip();
        Priors::from_group(&g.scaled(f), &self.policy)
    }

    /// A subject's reputation as of now, with its breakdown.
    pub fn reputation(&self, s: ScoredSubject, now: DateTime<Utc>) -> Reputation {
        score(s.kind(), &self.sums(s, now), &self.priors(s, now), &self.policy, &self.missing)
    }

    /// Swaps the policy and recomputes every sum from the facts held (weights depend on the
    /// half-life). Facts already dropped by a shorter window stay dropped.
    pub fn set_policy(&mut self, policy: ReputationPolicy, now: DateTime<Utc>) {
        let facts = std::mem::take(&mut self.facts);
        *self = Book::new(policy, now, std::mem::take(&mut self.missing));
        for (k, v) in facts {
            self.upsert(k, v, now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{AnchorId, MerchantId, ProductId};
    use crate::reputation::{ScoreStatus, SubjectKind};

    fn t(days: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-06-01T00:00:00Z").unwrap().with_timezone(&Utc) + Duration::days(days)
    }

    fn delivered(p: ProductId, a: AnchorId, at: DateTime<Utc>, stars: u8) -> Vec<Contribution> {
        let mut v = vec![];
        for s in [ScoredSubject::Product(p), ScoredSubject::Anchor(a)] {
            let category = matches!(s, ScoredSubject::Product(_)).then_some(Category::Food);
            v.push(Contribution { subject: s, category, obs: Observed::Delivered, at });
            for c in [Component::ProductQuality, Component::AsDescribed, Component::Explanation] {
                v.push(Contribution { subject: s, category, obs: Observed::Rating(c, stars), at });
            }
        }
        v
    }

    #[test]
    fn upserting_the_same_fact_twice_counts_it_once() {
        let (p, a) = (ProductId::generate(), AnchorId::generate());
        let mut b = Book::new(ReputationPolicy::default(), t(0), vec![]);
        let k = FactKey::Order(OrderId::generate());
        assert_eq!(b.upsert(k, delivered(p, a, t(0), 5), t(0)).len(), 2);
        assert!(b.upsert(k, delivered(p, a, t(0), 5), t(0)).is_empty());
        let s = b.sums(ScoredSubject::Product(p), t(0));
        assert_eq!(s.delivered, 1);
        assert!((s.get(Component::ProductQuality).wx - 5.0).abs() < 1e-9);
        // A changed fact replaces the old one.
        b.upsert(k, delivered(p, a, t(0), 2), t(0));
        let s = b.sums(ScoredSubject::Product(p), t(0));
        assert!((s.get(Component::ProductQuality).wx - 2.0).abs() < 1e-9);
        assert_eq!(s.delivered, 1);
    }

    #[test]
    fn weights_halve_every_half_life_and_vanish_after_the_window() {
        let (p, a) = (ProductId::generate(), AnchorId::generate());
        let mut b = Book::new(ReputationPolicy::default(), t(0), vec![]);
        b.upsert(FactKey::Order(OrderId::generate()), delivered(p, a, t(0), 5), t(0));
        let w = |b: &Book, d| b.sums(ScoredSubject::Product(p), t(d)).get(Component::ProductQuality).w;
        assert!((w(&b, 30) - 0.5).abs() < 1e-9);
        assert!((w(&b, 60) - 0.25).abs() < 1e-9);
        b.tick(t(179));
        assert_eq!(b.sums(ScoredSubject::Product(p), t(179)).delivered, 1);
        let touched = b.tick(t(181));
        assert_eq!(touched.len(), 2);
        let s = b.sums(ScoredSubject::Product(p), t(181));
        assert_eq!(s.delivered, 0);
        assert_eq!(s.get(Component::ProductQuality).w, 0.0);
        assert_eq!(b.facts(), 0);
    }

    #[test]
    fn rebasing_keeps_the_numbers() {
        let p = ReputationPolicy { half_life_days: 1.0, window_days: 700, ..Default::default() };
        let (pr, a) = (ProductId::generate(), AnchorId::generate());
        let mut b = Book::new(p, t(0), vec![]);
        b.upsert(FactKey::Order(OrderId::generate()), delivered(pr, a, t(0), 4), t(0));
        let before = b.sums(ScoredSubject::Product(pr), t(10)).get(Component::ProductQuality);
        b.tick(t(400));
        assert!(b.anchor == t(400));
        let after = b.sums(ScoredSubject::Product(pr), t(400)).get(Component::ProductQuality);
        // 390 more half-lives: the ratio is exact, the absolute value tiny but finite.
        assert!((after.wx / after.w - before.wx / before.w).abs() < 1e-9);
        assert!(after.w > 0.0 && after.w.is_finite());
    }

    #[test]
    fn products_are_smoothed_towards_their_category_and_publish_after_enough_orders() {
        let policy = ReputationPolicy::default();
        let (good, newbie, a) = (ProductId::generate(), ProductId::generate(), AnchorId::generate());
        let mut b = Book::new(policy, t(0), vec![]);
        for _ in 0..5 {
            b.upsert(FactKey::Order(OrderId::generate()), delivered(good, a, t(0), 5), t(0));
        }
        b.upsert(FactKey::Order(OrderId::generate()), delivered(newbie, a, t(0), 1), t(0));
        let r = b.reputation(ScoredSubject::Product(good), t(0));
        assert_eq!(r.status, ScoreStatus::Published);
        let n = b.reputation(ScoredSubject::Product(newbie), t(0));
        assert_eq!(n.status, ScoreStatus::NoScoreYet);
        assert_eq!(n.score, None);
        // The rest of the category rated quality 5 (five ratings), itself smoothed with 5
        // pseudo-ratings of the default 4: (25 + 20) / 10 = 4.5. The newbie's one 1-star is
        // smoothed with 5 pseudo-ratings of that: (5 × 4.5 + 1) / 6.
        let pq = n.components.iter().find(|c| c.component == Component::ProductQuality).unwrap();
        assert!((pq.prior.unwrap() - 4.5).abs() < 1e-9, "{:?}", pq.prior);
        let expect = (5.0 * 4.5 + 1.0) / 6.0;
        assert!((pq.value - expect).abs() < 1e-3, "{} vs {expect}", pq.value);
        assert_eq!(r.kind, SubjectKind::Product);
        // The good product is smoothed towards the others' mean (the newbie's one 1, smoothed
        // towards 4: (1 + 20) / 6 = 3.5), not its own 5.
        let gq = r.components.iter().find(|c| c.component == Component::ProductQuality).unwrap();
        assert!((gq.prior.unwrap() - 3.5).abs() < 1e-9, "{:?}", gq.prior);
        assert!((gq.value - (5.0 * 3.5 + 25.0) / 10.0).abs() < 1e-3);
        let _ = MerchantId::generate();
    }
}

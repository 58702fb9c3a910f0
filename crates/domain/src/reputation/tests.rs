use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;

use super::book::{Book, Contribution, FactKey};
use super::*;
use crate::ids::{OrderId, ProductId};

fn t(days: i64) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-06-01T00:00:00Z").unwrap().with_timezone(&Utc) + Duration::days(days)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-3
}

#[test]
fn decay_halves_per_half_life_and_stops_at_the_window() {
    let p = ReputationPolicy::default();
    assert_eq!(p.decay(t(0), t(0)), 1.0);
    assert!(close(p.decay(t(0), t(30)), 0.5));
    assert!(close(p.decay(t(0), t(90)), 0.125));
    assert!(p.decay(t(0), t(180)) > 0.0);
    assert_eq!(p.decay(t(0), t(181)), 0.0);
    assert_eq!(p.decay(t(5), t(0)), 1.0, "a clock-skewed future observation counts fully, not more");
}

#[test]
fn components_are_smoothed_towards_the_prior_by_hand() {
    let p = ReputationPolicy::default();
    let mut s = Sums { delivered: 10, ..Default::default() };
    // Two 5-star quality ratings, ten deliveries, one accepted quality return, 6 violation points.
    s.acc[Component::ProductQuality as usize] = Acc { w: 2.0, wx: 10.0 };
    s.acc[Component::QualityReturns as usize] = Acc { w: 10.0, wx: 1.0 };
    s.acc[Component::NotAsDescribedReturns as usize] = Acc { w: 10.0, wx: 0.0 };
    s.acc[Component::Violations as usize] = Acc { w: 0.0, wx: 6.0 };
    let priors = Priors::from_group(&Sums::default(), &p);
    let missing = [Unavailable { component: Component::UpheldComplaints, reason: "not yet".into() }];
    let r = score(SubjectKind::Product, &s, &priors, &p, &missing);
    let v = |c: Component| r.components.iter().find(|x| x.component == c).unwrap().value;
    // (5 × 4.0 + 10) / (5 + 2)
    assert!(close(v(Component::ProductQuality), 30.0 / 7.0));
    // No as-described ratings: the prior itself.
    assert!(close(v(Component::AsDescribed), 4.0));
    // rate (5 × 0.02 + 1) / 15 = 0.07333; 5 × (1 − 0.07333 / 0.3)
    assert!(close(v(Component::QualityReturns), 5.0 * (1.0 - (1.1 / 15.0) / 0.3)));
    assert!(close(v(Component::NotAsDescribedReturns), 5.0 * (1.0 - (0.1 / 15.0) / 0.3)));
    assert!(close(v(Component::Inspections), 5.0 * (1.0 - 0.02 / 0.3)));
    // Products carry no violations; complaints are missing and say so.
    assert!(r.components.iter().all(|c| c.component != Component::Violations));
    assert_eq!(r.unavailable.len(), 1);
    let expect = (3.0 * 30.0 / 7.0
        + 3.0 * 4.0
        + 2.0 * 5.0 * (1.0 - (1.1 / 15.0) / 0.3)
        + 2.0 * 5.0 * (1.0 - (0.1 / 15.0) / 0.3)
        + 5.0 * (1.0 - 0.02 / 0.3))
        / 11.0;
    assert!(close(r.raw, expect), "{} vs {expect}", r.raw);
    assert_eq!(r.score, Some(one_decimal(expect)));
    let sum: f64 = r.components.iter().map(|c| c.contribution).sum();
    assert!(close(sum, r.raw), "contributions add up to the score");
    // An anchor's violations: 5 × (1 − 6/12).
    let a = score(SubjectKind::Anchor, &s, &priors, &p, &missing);
    assert!(close(a.components.iter().find(|c| c.component == Component::Violations).unwrap().value, 2.5));
    let ex = a.explanation.unwrap();
    assert!(ex.components.iter().any(|c| c.component == Component::Explanation));
    assert!(ex.components.iter().all(|c| c.component != Component::ProductQuality));
}

#[test]
fn a_score_is_published_only_after_the_minimum_of_delivered_orders() {
    let p = ReputationPolicy::default();
    let priors = Priors::from_group(&Sums::default(), &p);
    let four = Sums { delivered: 4, ..Default::default() };
    let r = score(SubjectKind::Merchant, &four, &priors, &p, &[]);
    assert_eq!((r.status, r.score), (ScoreStatus::NoScoreYet, None));
    let five = Sums { delivered: 5, ..Default::default() };
    let r = score(SubjectKind::Merchant, &five, &priors, &p, &[]);
    assert_eq!(r.status, ScoreStatus::Published);
    assert!(r.score.is_some());
}

#[test]
fn negative_or_missing_weights_are_refused_with_the_key() {
    let mut p = ReputationPolicy::default();
    p.weights.anchor.explanation = -1.0;
    assert!(p.validate().unwrap_err().contains("reputation.weights.anchor.explanation"));
    let mut p = ReputationPolicy::default();
    p.weights.merchant = Weights::default();
    assert!(p.validate().unwrap_err().contains("reputation.weights.merchant"));
    let p = ReputationPolicy { half_life_days: 0.0, ..Default::default() };
    assert!(p.validate().is_err());
    assert!(ReputationPolicy::default().validate().is_ok());
}

/// A random history: per order, days ago, stars for the five dimensions (0 = no review), and
/// what happened to it.
fn history() -> impl Strategy<Value = Vec<(i64, [u8; 5], u8, bool)>> {
    prop::collection::vec((0i64..200, prop::array::uniform5(0u8..=5), 0u8..4, any::<bool>()), 0..40)
}

fn build(h: &[(i64, [u8; 5], u8, bool)], subject: ScoredSubject, other: ScoredSubject) -> Book {
    let now = t(200);
    let mut b = Book::new(ReputationPolicy::default(), now, vec![]);
    for (i, (ago, stars, what, mine)) in h.iter().enumerate() {
        let s = if *mine { subject } else { other };
        let at = now - Duration::days(*ago) - Duration::minutes(i as i64);
        let mut v = vec![Contribution { subject: s, category: None, obs: Observed::Delivered, at }];
        if stars[0] > 0 {
            let dims = [
                Component::ProductQuality,
                Component::AsDescribed,
                Component::Explanation,
                Component::Logistics,
                Component::Service,
            ];
            for (c, st) in dims.into_iter().zip(stars) {
                v.push(Contribution { subject: s, category: None, obs: Observed::Rating(c, (*st).max(1)), at });
            }
        }
        let extra = match what {
            1 => Some(Observed::NotAsDescribedReturn),
            2 => Some(Observed::ViolationPoints(3)),
            3 => Some(Observed::UpheldComplaint),
            _ => None,
        };
        v.extend(extra.map(|obs| Contribution { subject: s, category: None, obs, at }));
        b.upsert(FactKey::Order(OrderId::generate()), v, now);
    }
    b
}

proptest! {
    #[test]
    fn a_five_star_review_never_lowers_a_score(h in history(), ago in 0i64..170, mine in any::<bool>()) {
        let (s, o) = (ScoredSubject::Anchor(crate::ids::AnchorId::generate()),
            ScoredSubject::Anchor(crate::ids::AnchorId::generate()));
        let now = t(200);
        let mut b = build(&h, s, o);
        let before = b.reputation(s, now);
        let target = if mine { s } else { o };
        let at = now - Duration::days(ago);
        let review: Vec<Contribution> = COMPONENTS[..5].iter()
            .map(|c| Contribution { subject: target, category: None, obs: Observed::Rating(*c, 5), at })
            .collect();
        b.upsert(FactKey::Order(OrderId::generate()), review, now);
        let after = b.reputation(s, now);
        prop_assert!(after.raw >= before.raw, "{} < {}", after.raw, before.raw);
        if let (Some(x), Some(y)) = (before.explanation.map(|e| e.raw), after.explanation.map(|e| e.raw)) {
            prop_assert!(y >= x);
        }
    }

    #[test]
    fn an_upheld_complaint_never_raises_a_score(h in history(), ago in 0i64..170, mine in any::<bool>()) {
        let (s, o) = (ScoredSubject::Product(ProductId::generate()), ScoredSubject::Product(ProductId::generate()));
        let now = t(200);
        let mut b = build(&h, s, o);
        let before = b.reputation(s, now);
        let target = if mine { s } else { o };
        let c = Contribution { subject: target, category: None, obs: Observed::UpheldComplaint, at: now - Duration::days(ago) };
        b.upsert(FactKey::Order(OrderId::generate()), vec![c], now);
        let after = b.reputation(s, now);
        prop_assert!(after.raw <= before.raw, "{} > {}", after.raw, before.raw);
    }

    #[test]
    fn scores_stay_between_zero_and_five(h in history()) {
        let (s, o) = (ScoredSubject::Anchor(crate::ids::AnchorId::generate()),
            ScoredSubject::Anchor(crate::ids::AnchorId::generate()));
        let r = build(&h, s, o).reputation(s, t(200));
        prop_assert!((0.0..=5.0).contains(&r.raw));
    }
}

#[test]
fn one_subjects_few_bad_orders_do_not_become_the_group_prior_of_the_others() {
    let p = ReputationPolicy::default();
    // The group's only data: one anchor's two delivered orders, both returned for quality.
    let mut few = Sums::default();
    few.acc[Component::QualityReturns.index()] = Acc { w: 2.0, wx: 2.0 };
    let prior = Priors::from_group(&few, &p).mean[Component::QualityReturns.index()];
    let expect = (2.0 + p.prior_strength * p.default_rate_prior) / (2.0 + p.prior_strength);
    assert!(close(prior, expect), "{prior} vs {expect}");
    assert!(prior < 0.35, "two bad orders move a newcomer's prior only part of the way: {prior}");
    // Much data: the group's own rate wins.
    let mut many = Sums::default();
    many.acc[Component::QualityReturns.index()] = Acc { w: 2000.0, wx: 200.0 };
    let prior = Priors::from_group(&many, &p).mean[Component::QualityReturns.index()];
    assert!((prior - 0.1).abs() < 0.001, "{prior}");
    // No data: the policy's default.
    let none = Priors::from_group(&Sums::default(), &p).mean[Component::QualityReturns.index()];
    assert!(close(none, p.default_rate_prior));
}

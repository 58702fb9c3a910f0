use proptest::prelude::*;

use super::*;

fn show(merchant: MerchantId, viewers: u64) -> LiveShow {
    LiveShow {
        id: ShowId::generate(),
        title: "show".into(),
        room: RoomOperatorId::generate(),
        anchors: vec![AnchorId::generate()],
        products: vec![ProductId::generate()],
        merchants: vec![merchant],
        counters: Counters { viewers, likes_capped: viewers, likes_raw: viewers, net_sold: viewers / 10 },
    }
}

fn scored(ix: &mut FeedIndex, s: &LiveShow, score: Option<f64>) {
    let st = Standing { published: score, raw: score.unwrap_or(3.5) };
    ix.set_standing(ScoredSubject::Anchor(s.anchors[0]), st);
    ix.set_standing(ScoredSubject::Product(s.products[0]), Standing { published: Some(4.0), raw: 4.0 });
}

#[test]
fn a_better_anchor_moves_up_when_its_score_arrives() {
    let mut ix = FeedIndex::new(FeedPolicy { newcomer_share: 0.0, ..Default::default() });
    let (a, b) = (show(MerchantId::generate(), 100), show(MerchantId::generate(), 100));
    ix.upsert(a.clone());
    ix.upsert(b.clone());
    scored(&mut ix, &a, Some(3.2));
    scored(&mut ix, &b, Some(4.5));
    assert_eq!(ix.top(FeedPolicyKind::QualityFirst, 2)[0].show, b.id);
    scored(&mut ix, &a, Some(4.9));
    let top = ix.top(FeedPolicyKind::QualityFirst, 2);
    assert_eq!(top[0].show, a.id);
    assert_eq!(top[0].position, 1);
    ix.remove(a.id);
    assert_eq!(ix.top(FeedPolicyKind::QualityFirst, 5).len(), 1);
    assert!(ix.explain(a.id, FeedPolicyKind::QualityFirst).is_none());
}

#[test]
fn no_merchant_holds_more_than_its_share_of_the_top() {
    let policy = FeedPolicy { newcomer_share: 0.0, merchant_cap: 2, merchant_cap_top: 3, ..Default::default() };
    let mut ix = FeedIndex::new(policy);
    let big = MerchantId::generate();
    let mine: Vec<LiveShow> = (0..3).map(|i| show(big, 1000 + i)).collect();
    let others: Vec<LiveShow> = (0..3).map(|i| show(MerchantId::generate(), 10 + i)).collect();
    for s in mine.iter().chain(&others) {
        ix.upsert(s.clone());
        scored(&mut ix, s, Some(4.5));
    }
    let top = ix.top(FeedPolicyKind::QualityFirst, 6);
    let first3: Vec<ShowId> = top[..3].iter().map(|p| p.show).collect();
    assert_eq!(first3.iter().filter(|id| mine.iter().any(|m| m.id == **id)).count(), 2);
    // The third show of the big merchant comes back right after the capped positions.
    let third = mine.iter().find(|m| !first3.contains(&m.id)).unwrap();
    assert_eq!(top[3].show, third.id);
    assert_eq!(top[3].why.adjustments[0].kind, "merchant_cap");
    assert_eq!(top.len(), 6);
}

#[test]
fn every_tenth_position_goes_to_a_newcomer() {
    let mut ix = FeedIndex::new(FeedPolicy { merchant_cap: 100, ..Default::default() });
    let stars: Vec<LiveShow> = (0..12).map(|i| show(MerchantId::generate(), 1000 + i)).collect();
    let fresh = show(MerchantId::generate(), 1);
    for s in &stars {
        ix.upsert(s.clone());
        scored(&mut ix, s, Some(4.8));
    }
    ix.upsert(fresh.clone());
    scored(&mut ix, &fresh, None);
    let top = ix.top(FeedPolicyKind::QualityFirst, 13);
    assert_eq!(top[9].show, fresh.id);
    assert_eq!(top[9].why.adjustments[0].kind, "newcomer_slot");
    assert!(top[9].why.newcomer);
    assert_eq!(ix.explain(fresh.id, FeedPolicyKind::QualityFirst).unwrap().position, 10);
    // The old way knows no newcomers: the fresh show is last.
    assert_eq!(ix.top(FeedPolicyKind::Engagement, 13)[12].show, fresh.id);
}

#[test]
fn a_traffic_limit_takes_effect_and_lifts() {
    let mut ix = FeedIndex::new(FeedPolicy { newcomer_share: 0.0, ..Default::default() });
    let (a, b) = (show(MerchantId::generate(), 100), show(MerchantId::generate(), 100));
    for s in [&a, &b] {
        ix.upsert(s.clone());
        scored(&mut ix, s, Some(4.5));
    }
    let limited = ScoredSubject::Anchor(a.anchors[0]);
    ix.set_limits(HashMap::from([(limited, "msr_x".to_string())]));
    let top = ix.top(FeedPolicyKind::QualityFirst, 2);
    assert_eq!(top[1].show, a.id);
    assert_eq!(top[1].why.adjustments[0].kind, "traffic_limit");
    ix.set_limits(HashMap::new());
    let top = ix.top(FeedPolicyKind::QualityFirst, 2);
    assert!(top.iter().all(|p| p.why.adjustments.is_empty()));
}

proptest! {
    #[test]
    fn the_index_agrees_with_a_full_sort(
        shows in prop::collection::vec((0u8..4, 0u64..500, prop::option::of(0.0f64..5.0), any::<bool>()), 0..60),
        limit in 0usize..70,
        share in prop::sample::select(vec![0.0, 0.1, 0.25]),
    ) {
        let merchants: Vec<MerchantId> = (0..4).map(|_| MerchantId::generate()).collect();
        let policy = FeedPolicy { newcomer_share: share, merchant_cap: 2, merchant_cap_top: 8, ..Default::default() };
        let mut ix = FeedIndex::new(policy);
        let mut limits = HashMap::new();
        for (m, viewers, score, limited) in shows {
            let s = show(merchants[m as usize], viewers);
            if limited {
                limits.insert(ScoredSubject::RoomOperator(s.room), "msr_1".to_string());
            }
            ix.upsert(s.clone());
            scored(&mut ix, &s, score);
        }
        ix.set_limits(limits);
        for kind in [FeedPolicyKind::QualityFirst, FeedPolicyKind::Engagement] {
            let fast = ix.top(kind, limit);
            let slow = ix.naive_top(kind, limit);
            prop_assert_eq!(&fast, &slow);
            prop_assert_eq!(fast.len(), limit.min(ix.len()));
            let mut ids: Vec<ShowId> = fast.iter().map(|p| p.show).collect();
            ids.sort();
            ids.dedup();
            prop_assert_eq!(ids.len(), fast.len(), "a show placed twice");
            for p in &fast {
                prop_assert_eq!(ix.explain(p.show, kind).map(|x| x.position), Some(p.position));
            }
        }
    }
}

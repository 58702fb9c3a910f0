use super::*;

fn t(h: i64) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z").unwrap().with_timezone(&Utc) + Duration::hours(h)
}

#[test]
fn fraud_pays_the_price_back_plus_three_times_at_least_500_yuan() {
    let small = compensation(ComplaintCategory::Counterfeit, Money::cny(9_900), false);
    assert_eq!(small.lines.len(), 2);
    assert_eq!((small.lines[0].amount, small.lines[1].amount), (9_900, 50_000), "3 × ¥99 = ¥297 < ¥500");
    assert_eq!(small.total, 59_900);
    assert!(small.lines[1].basis.contains("Art. 55"));
    let big = compensation(ComplaintCategory::PriceFraud, Money::cny(25_900), false);
    assert_eq!((big.lines[1].amount, big.total), (77_700, 103_600));
}

#[test]
fn unsafe_food_pays_ten_times_at_least_1000_yuan() {
    let rice = compensation(ComplaintCategory::FoodSafety, Money::cny(5_990), false);
    assert_eq!((rice.lines[1].kind.as_str(), rice.lines[1].amount, rice.total), ("punitive_10x", 100_000, 105_990));
    let oil = compensation(ComplaintCategory::FoodSafety, Money::cny(19_800), true);
    assert_eq!((oil.lines[0].amount, oil.lines[1].amount, oil.total), (0, 198_000, 198_000));
    assert!(oil.lines[1].basis.contains("Food Safety Law Art. 148"));
    let plain = compensation(ComplaintCategory::Quality, Money::cny(5_990), false);
    assert_eq!((plain.lines.len(), plain.total), (1, 5_990));
}

#[test]
fn liability_shares_add_up() {
    let l = Liability { merchant_bps: 7_000, room_operator_bps: 2_000, platform_bps: 1_000 };
    assert!(l.is_whole());
    assert_eq!(l.shares(59_901), (41_930, 11_980, 5_991));
    assert!(!Liability { merchant_bps: 7_000, room_operator_bps: 2_000, platform_bps: 999 }.is_whole());
}

fn sample(status: ComplaintStatus, filed: DateTime<Utc>, merchant: MerchantId) -> Complaint {
    let (respond_by, decide_by) = Complaint::clocks(filed, &ComplaintPolicy::default());
    Complaint {
        id: ComplaintId::generate(),
        order: Some(OrderId::generate()),
        consumer: AccountId::generate(),
        merchant,
        product: ProductId::generate(),
        show: None,
        room_operator: None,
        anchors: vec![],
        category: ComplaintCategory::Quality,
        description: "坏了".into(),
        evidence: vec![],
        price: Money::cny(100),
        status,
        filed_at: filed,
        respond_by,
        decide_by,
        response: None,
        decision: None,
        appeal: None,
        abuse_flags: vec![],
        transfers: vec![],
        recovered: 0,
        paid: 0,
    }
}

fn decision(upheld: bool, at: DateTime<Utc>) -> Decision {
    Decision { upheld, liability: None, reason: "r".into(), decided_by: AccountId::generate(), at, compensation: None }
}

#[test]
fn the_flow_keeps_its_order_and_its_clocks() {
    let mut c = sample(ComplaintStatus::Filed, t(0), MerchantId::generate());
    assert_eq!(c.review(t(10)).unwrap_err().current, "filed", "the merchant still has time");
    assert!(c.decide(decision(true, t(10))).is_err());
    assert_eq!(c.overdue(t(47)), Vec::<&str>::new());
    assert_eq!(c.overdue(t(49)), vec!["merchant_response"]);
    assert_eq!(c.overdue(t(24 * 7 + 1)), vec!["merchant_response", "platform_decision"]);
    // The merchant let the clock run out: the operator may take it anyway.
    c.review(t(49)).unwrap();
    c.decide(decision(false, t(50))).unwrap();
    assert!(c.decide(decision(true, t(51))).is_err(), "no second decision without an appeal");
    c.appeal(c.consumer, Appellant::Consumer, "证据补充".into(), t(52)).unwrap();
    assert_eq!(c.status, ComplaintStatus::UnderReview);
    assert_eq!(c.appeal.as_ref().and_then(|a| a.appealed.as_ref()).map(|d| d.upheld), Some(false), "kept");
    let mut d = decision(true, t(53));
    d.compensation = c.compensation_due(true, false);
    c.decide(d).unwrap();
    assert_eq!(c.appeal(c.consumer, Appellant::Consumer, "again".into(), t(54)), Err(AppealError::Already));
    c.settle(&[]).unwrap();
    assert_eq!(c.status, ComplaintStatus::Compensated);
    assert!(c.overdue(t(1000)).is_empty());
    let mut r = sample(ComplaintStatus::Filed, t(0), MerchantId::generate());
    r.respond("已联系".into(), t(1)).unwrap();
    assert!(r.respond("again".into(), t(2)).is_err());
    r.review(t(2)).unwrap();
}

#[test]
fn repeated_rejections_and_bursts_are_flagged_with_their_evidence() {
    let p = ComplaintPolicy::default();
    let m = MerchantId::generate();
    let mut earlier: Vec<Complaint> = (0..3)
        .map(|i| {
            let mut c = sample(ComplaintStatus::Rejected, t(i), MerchantId::generate());
            c.decision = Some(decision(false, t(i + 1)));
            c
        })
        .collect();
    let flags = abuse_flags(&earlier, m, t(100), &p);
    assert_eq!(flags.len(), 1);
    assert_eq!(flags[0].kind, "repeatedly_rejected");
    assert_eq!(flags[0].complaints.len(), 3);
    assert!(abuse_flags(&earlier[..2], m, t(100), &p).is_empty());
    // Old rejections fall out of the window.
    assert!(abuse_flags(&earlier, m, t(24 * 95), &p).is_empty());
    earlier = (0..4).map(|i| sample(ComplaintStatus::Filed, t(200 + i), m)).collect();
    let flags = abuse_flags(&earlier, m, t(205), &p);
    assert_eq!(flags[0].kind, "burst_against_one_party");
    assert!(flags[0].detail.contains("5 complaints"));
}

#[test]
fn the_buyer_appeals_a_rejection_and_only_a_liable_party_an_upheld_decision() {
    let mut c = sample(ComplaintStatus::UnderReview, t(0), MerchantId::generate());
    let who = AccountId::generate();
    let mut d = decision(true, t(1));
    d.liability = Some(Liability { merchant_bps: 0, room_operator_bps: 10_000, platform_bps: 0 });
    c.decide(d).unwrap();
    let e = c.clone().appeal(who, Appellant::Consumer, "x".into(), t(2)).unwrap_err();
    assert_eq!((e.code(), e.to_string().contains("rejection")), ("invalid_complaint_state", true));
    // Outside a show the seller carries the room's share, and there is no room to appeal.
    c.clone().appeal(who, Appellant::Merchant, "x".into(), t(2)).unwrap();
    assert_eq!(c.clone().appeal(who, Appellant::RoomOperator, "x".into(), t(2)).unwrap_err().code(), "not_liable");
    c.room_operator = Some(crate::ids::RoomOperatorId::generate());
    assert_eq!(c.clone().appeal(who, Appellant::Merchant, "x".into(), t(2)), Err(AppealError::NotLiable("seller")));
    c.appeal(who, Appellant::RoomOperator, "主播已按品牌方资料讲解".into(), t(2)).unwrap();
    assert_eq!((c.status, c.appeal.as_ref().unwrap().side), (ComplaintStatus::UnderReview, Appellant::RoomOperator));
    let mut r = sample(ComplaintStatus::UnderReview, t(0), MerchantId::generate());
    r.decide(decision(false, t(1))).unwrap();
    assert_eq!(r.appeal(who, Appellant::Merchant, "x".into(), t(2)).unwrap_err().code(), "invalid_complaint_state");
}

#[test]
fn a_show_complaint_pays_nothing_and_a_paid_compensation_is_final() {
    let mut show = sample(ComplaintStatus::UnderReview, t(0), MerchantId::generate());
    show.order = None;
    show.category = ComplaintCategory::FalseAdvertising;
    assert_eq!(show.compensation_due(true, false), None, "nothing was bought");
    let mut d = decision(true, t(1));
    d.liability = Some(Liability { merchant_bps: 10_000, room_operator_bps: 0, platform_bps: 0 });
    show.decide(d).unwrap();
    show.settle(&[]).unwrap();
    assert_eq!((show.status, show.paid_total()), (ComplaintStatus::Upheld, 0));

    let mut c = sample(ComplaintStatus::UnderReview, t(0), MerchantId::generate());
    c.category = ComplaintCategory::Counterfeit;
    let due = c.compensation_due(true, false).unwrap();
    assert_eq!(due.total, 100 + 50_000);
    let mut d = decision(true, t(1));
    d.liability = Some(Liability { merchant_bps: 10_000, room_operator_bps: 0, platform_bps: 0 });
    d.compensation = Some(due.clone());
    c.decide(d).unwrap();
    c.paid = due.total;
    c.status = ComplaintStatus::Compensated;
    c.appeal(AccountId::generate(), Appellant::Merchant, "防伪码系统故障".into(), t(2)).unwrap();
    assert_eq!(c.compensation_due(true, true), Some(due), "upheld again: what was paid stands, nothing more");
    assert_eq!(c.compensation_due(false, true), None);
}

use chrono::{Duration, TimeZone};

use super::*;
use crate::anchor::NewAnchor;
use crate::id_number::IdNumber;
use crate::ids::*;
use crate::money::Money;
use crate::party::{LegalIdentity, Licence, NewParty, PartyKind};
use crate::product::{Category, Variant};
use crate::qualification::QualificationKind;
use crate::text::Text;
use crate::uscc::Uscc;
use crate::verification::{Decision, Verification};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 4, 0, 0).unwrap()
}

fn today() -> NaiveDate {
    china_date(now())
}

fn approved(months_ago: i64) -> Option<Verification> {
    Some(Verification::decide(
        Decision::Approve,
        now() - Duration::days(30 * months_ago),
        6,
        AccountId::generate(),
        None,
    ))
}

fn review() -> Option<Review> {
    Some(Review { decision: Decision::Approve, reviewed_by: AccountId::generate(), reviewed_at: now(), note: None })
}

fn party(kind: PartyKind) -> Party {
    Party {
        id: kind.new_id(),
        owner: None,
        registered_by: AccountId::generate(),
        details: NewParty {
            legal_name: Text::parse("某某有限公司").unwrap(),
            identity: LegalIdentity::Organisation(Uscc::complete("91330106MA2B00001").unwrap()),
            address: Text::parse("杭州").unwrap(),
            contact: Text::parse("0571").unwrap(),
            licences: vec![],
        },
        verification: approved(1),
        created_at: now(),
    }
}

struct World {
    product: Product,
    quals: Vec<Qualification>,
    insps: Vec<Inspection>,
    seller: Party,
    owner: Party,
    room: Party,
    agency: Party,
    anchor: Anchor,
    trainings: Vec<TrainingRecord>,
    roster: Option<RosterEntry>,
    blacklisted: bool,
    seller_funds: Funds,
    room_funds: Funds,
    policy: Policy,
}

fn qual(product: ProductId, kind: QualificationKind) -> Qualification {
    Qualification {
        id: QualificationId::generate(),
        product,
        kind,
        number: "SC1".into(),
        issuer: "市监局".into(),
        valid_from: today() - Duration::days(365),
        valid_until: today() + Duration::days(365),
        review: review(),
        created_at: now(),
    }
}

fn inspection(product: ProductId, days_ago: i64, passed: bool) -> Inspection {
    Inspection {
        id: InspectionId::generate(),
        product,
        lab: "SGS".into(),
        report_number: format!("R{days_ago}"),
        inspected_on: today() - Duration::days(days_ago),
        passed,
        valid_until: None,
        review: review(),
        created_at: now(),
    }
}

fn training(anchor: AnchorId, kind: TrainingKind, category: Option<Category>, days_ago: i64) -> TrainingRecord {
    TrainingRecord {
        id: TrainingId::generate(),
        anchor,
        kind,
        category,
        completed_on: today() - Duration::days(days_ago),
        provider: "平台学院".into(),
        hours: 8,
        recorded_by: AccountId::generate(),
        recorded_at: now(),
    }
}

/// A world in which a product of `category` is fully eligible.
fn world(category: Category) -> World {
    let policy = Policy::default_policy();
    let seller = party(PartyKind::Merchant);
    let owner = party(PartyKind::GoodsOwner);
    let room = party(PartyKind::RoomOperator);
    let agency = party(PartyKind::Agency);
    let id = ProductId::generate();
    let product = Product {
        id,
        seller: match seller.id {
            crate::party::PartyId::Merchant(m) => m,
            _ => unreachable!(),
        },
        goods_owner: GoodsOwnerId::generate(),
        title: "样品".into(),
        description: None,
        category,
        price: Money::cny(100),
        unit: "件".into(),
        variants: vec![Variant {
            id: VariantId::generate(),
            label: "default".into(),
            stock: 1,
            price: Money::cny(100),
        }],
        created_at: now(),
    };
    let rule = policy.category(category);
    let quals = rule.qualifications.iter().map(|g| qual(id, g[0])).collect();
    let insps = if rule.inspection.is_some() { vec![inspection(id, 30, true)] } else { vec![] };
    let idn = IdNumber::complete("31010419900315123").unwrap();
    let anchor_id = AnchorId::generate();
    let anchor = Anchor {
        id: anchor_id,
        owner: AccountId::generate(),
        details: NewAnchor {
            real_name: Text::parse("李佳").unwrap(),
            stage_name: None,
            birth_date: idn.birth_date().unwrap(),
            id_number: idn,
            address: Text::parse("上海").unwrap(),
            contact: Text::parse("138").unwrap(),
            agency: None,
            qualifications: vec![],
            guardian_consent: None,
        },
        verification: approved(1),
        created_at: now(),
    };
    let mut trainings = vec![training(anchor_id, TrainingKind::PreFirstShow, None, 60)];
    if rule.anchor_category_training {
        trainings.push(training(anchor_id, TrainingKind::Category, Some(category), 30));
    }
    let roster = Some(RosterEntry {
        room_operator: match room.id {
            crate::party::PartyId::RoomOperator(r) => r,
            _ => unreachable!(),
        },
        anchor: anchor_id,
        added_at: now(),
        confirmed_at: Some(now()),
    });
    World {
        product,
        quals,
        insps,
        seller,
        owner,
        room,
        agency,
        anchor,
        trainings,
        roster,
        blacklisted: false,
        seller_funds: FULL,
        room_funds: FULL,
        policy,
    }
}

/// Deposits well above every category's minimum, nothing owed.
const FULL: Funds = Funds { deposit: 100_000_000, owed: 0 };

fn judge(w: &World, with_agency: bool) -> Verdict {
    check(&Context {
        product: &w.product,
        qualifications: &w.quals,
        inspections: &w.insps,
        seller: &w.seller,
        goods_owner: &w.owner,
        room_operator: Some(&w.room),
        anchor: Some(AnchorFacts {
            anchor: &w.anchor,
            trainings: &w.trainings,
            blacklisted: w.blacklisted,
            agency: with_agency.then_some(&w.agency),
        }),
        roster: w.roster.as_ref(),
        seller_funds: w.seller_funds,
        room_funds: Some(w.room_funds),
        policy: &w.policy,
        now: now(),
    })
}

fn codes(v: &Verdict) -> Vec<&str> {
    v.unmet.iter().map(|u| u.code.as_str()).collect()
}

#[test]
fn every_category_has_a_reachable_eligible_state() {
    for c in Category::ALL {
        let w = world(c);
        let v = judge(&w, true);
        assert!(v.eligible, "{c}: {:?}", codes(&v));
        assert!(v.not_evaluated.is_empty());
    }
}

#[test]
fn each_required_qualification_is_named_when_missing() {
    for c in Category::ALL {
        let mut w = world(c);
        let groups = w.policy.category(c).qualifications.len();
        w.quals.clear();
        let v = judge(&w, false);
        let missing = codes(&v).iter().filter(|c| **c == "qualification_missing").count();
        assert_eq!(missing, groups, "{c}");
        for u in &v.unmet {
            assert_eq!(u.article, "Order 117 Art. 27");
            assert!(u.inputs.contains_key("required"));
        }
    }
}

#[test]
fn any_kind_of_an_any_of_group_satisfies_it() {
    let mut w = world(Category::Food);
    w.quals = vec![qual(w.product.id, QualificationKind::FoodBusinessLicence)];
    assert!(judge(&w, false).eligible);
}

#[test]
fn qualification_states_each_have_their_own_code() {
    let mut w = world(Category::Cosmetics);
    w.quals[0].valid_until = today() - Duration::days(1);
    assert_eq!(codes(&judge(&w, false)), ["qualification_expired"]);
    w.quals[0].valid_until = today() + Duration::days(10);
    w.quals[0].valid_from = today() + Duration::days(1);
    assert_eq!(codes(&judge(&w, false)), ["qualification_not_yet_valid"]);
    w.quals[0].valid_from = today();
    w.quals[0].review = None;
    assert_eq!(codes(&judge(&w, false)), ["qualification_unverified"]);
    w.quals[0].review =
        Some(Review { decision: Decision::Reject, reviewed_by: AccountId::generate(), reviewed_at: now(), note: None });
    assert_eq!(codes(&judge(&w, false)), ["qualification_rejected"]);
}

#[test]
fn inspection_states_each_have_their_own_code() {
    let mut w = world(Category::Food);
    let pid = w.product.id;
    w.insps = vec![];
    assert_eq!(codes(&judge(&w, false)), ["inspection_missing"]);
    w.insps = vec![inspection(pid, 400, true)];
    assert_eq!(codes(&judge(&w, false)), ["inspection_too_old"]);
    w.insps = vec![inspection(pid, 200, true), inspection(pid, 10, false)];
    assert_eq!(codes(&judge(&w, false)), ["inspection_failed"]);
    let mut unreviewed = inspection(pid, 10, true);
    unreviewed.review = None;
    w.insps = vec![unreviewed];
    assert_eq!(codes(&judge(&w, false)), ["inspection_unverified"]);
    let mut lapsed = inspection(pid, 100, true);
    lapsed.valid_until = Some(today() - Duration::days(1));
    w.insps = vec![lapsed];
    assert_eq!(codes(&judge(&w, false)), ["inspection_expired"]);
    // Jewellery accepts inspections up to 24 months old.
    let mut j = world(Category::Jewelry);
    j.insps = vec![inspection(j.product.id, 400, true)];
    assert!(judge(&j, false).eligible);
}

#[test]
fn parties_must_be_verified_and_unexpired() {
    let mut w = world(Category::Home);
    w.seller.verification = None;
    w.owner.verification = approved(7);
    w.room.verification = Some(Verification::decide(
        Decision::Reject,
        now(),
        6,
        AccountId::generate(),
        Some("address does not exist".into()),
    ));
    w.agency.verification = None;
    let v = judge(&w, true);
    assert_eq!(
        codes(&v),
        [
            "seller_unverified",
            "goods_owner_verification_expired",
            "room_operator_verification_rejected",
            "agency_unverified"
        ]
    );
    assert!(v.unmet[1].inputs.contains_key("verified_until"));
    assert!(v.unmet[2].message.contains("address does not exist"));
}

#[test]
fn expired_party_licences_are_named() {
    let mut w = world(Category::Other);
    w.seller.details.licences = vec![Licence {
        kind: "营业执照".into(),
        number: "L1".into(),
        issuer: "市监局".into(),
        valid_until: Some(today() - Duration::days(1)),
    }];
    assert_eq!(codes(&judge(&w, false)), ["seller_licence_expired"]);
}

#[test]
fn anchor_requirements_are_each_named() {
    let mut w = world(Category::HealthFood);
    w.anchor.verification = approved(8);
    w.blacklisted = true;
    w.trainings.retain(|t| t.kind != TrainingKind::Category);
    w.roster = None;
    assert_eq!(
        codes(&judge(&w, false)),
        [
            "anchor_verification_expired",
            "anchor_blacklisted",
            "anchor_category_training_missing",
            "anchor_not_on_roster"
        ]
    );
}

#[test]
fn training_must_exist_and_be_current() {
    let mut w = world(Category::Apparel);
    w.trainings.clear();
    assert_eq!(codes(&judge(&w, false)), ["anchor_training_missing"]);
    let aid = w.anchor.id;
    w.trainings = vec![training(aid, TrainingKind::PreFirstShow, None, 400)];
    assert_eq!(codes(&judge(&w, false)), ["anchor_training_expired"]);
    w.trainings.push(training(aid, TrainingKind::Annual, None, 20));
    assert!(judge(&w, false).eligible);
}

#[test]
fn minors_need_consent_and_roster_needs_confirmation() {
    let mut w = world(Category::Apparel);
    let minor = IdNumber::complete("31010420090601123").unwrap();
    w.anchor.details.birth_date = minor.birth_date().unwrap();
    w.anchor.details.id_number = minor;
    if let Some(r) = w.roster.as_mut() {
        r.confirmed_at = None;
    }
    assert_eq!(codes(&judge(&w, false)), ["anchor_guardian_consent_missing", "anchor_roster_unconfirmed"]);
}

#[test]
fn prohibited_goods_are_never_eligible() {
    let mut w = world(Category::Other);
    w.product.title = "一次性电子烟".into();
    let v = judge(&w, false);
    assert_eq!(codes(&v), ["prohibited_goods"]);
    assert_eq!(v.unmet[0].article, "Order 117 Art. 33");
}

#[test]
fn product_only_checks_say_what_they_skipped() {
    let w = world(Category::Food);
    let v = check(&Context {
        product: &w.product,
        qualifications: &w.quals,
        inspections: &w.insps,
        seller: &w.seller,
        goods_owner: &w.owner,
        room_operator: None,
        anchor: None,
        roster: None,
        seller_funds: w.seller_funds,
        room_funds: None,
        policy: &w.policy,
        now: now(),
    });
    assert!(v.eligible);
    assert_eq!(v.not_evaluated, ["anchor", "room_operator"]);
}

#[test]
fn verification_lapses_exactly_six_months_after_it_was_given() {
    let mut w = world(Category::Other);
    let given = now() - Duration::days(200);
    w.seller.verification = Some(Verification::decide(Decision::Approve, given, 6, AccountId::generate(), None));
    assert_eq!(codes(&judge(&w, false)), ["seller_verification_expired"]);
    let given = now() - Duration::days(150);
    w.seller.verification = Some(Verification::decide(Decision::Approve, given, 6, AccountId::generate(), None));
    assert!(judge(&w, false).eligible);
}

#[test]
fn a_deposit_below_the_category_minimum_or_a_debt_stops_the_sale_with_the_figures() {
    let mut w = world(Category::HealthFood);
    let min_m = w.policy.category(Category::HealthFood).merchant_deposit_fen;
    let min_r = w.policy.category(Category::HealthFood).room_operator_deposit_fen;
    assert!(min_m > 0 && min_r > 0, "the shipped policy asks deposits for health food");
    w.seller_funds = Funds { deposit: min_m, owed: 0 };
    w.room_funds = Funds { deposit: min_r, owed: 0 };
    assert!(judge(&w, false).eligible, "exactly the minimum is enough: {:?}", codes(&judge(&w, false)));

    w.seller_funds = Funds { deposit: min_m - 1, owed: 0 };
    w.room_funds = Funds { deposit: min_r * 5, owed: 1 };
    let v = judge(&w, false);
    assert_eq!(codes(&v), ["seller_deposit_below_minimum", "room_operator_receivable_unsettled"]);
    let below = &v.unmet[0];
    assert_eq!(below.subject_id, w.seller.id.to_string());
    assert_eq!(below.inputs["minimum_fen"], min_m.to_string());
    assert_eq!(below.inputs["deposit_fen"], (min_m - 1).to_string());
    assert!(below.article.contains("Art. 58"));
    assert_eq!(v.unmet[1].inputs["owed_fen"], "1");

    // A category with no minimum asks none, but a debt still stops the seller.
    w.policy.categories.get_mut("health_food").unwrap().merchant_deposit_fen = 0;
    w.seller_funds = Funds { deposit: 0, owed: 30_000 };
    w.room_funds = FULL;
    assert_eq!(codes(&judge(&w, false)), ["seller_receivable_unsettled"]);
}

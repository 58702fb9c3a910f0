//! End-to-end flows over HTTP: from sign-up to an eligible product, verification expiry with the
//! clock, each category's documents, the blacklist, and the demo platform's visible reasons.

#![allow(clippy::unwrap_used)]

mod common;

use chrono::Duration;
use clearcast_domain::account::Role;
use clearcast_domain::policy::Policy;
use clearcast_domain::product::Category;
use common::{id_number, party_body, TestApp};
use serde_json::{json, Value};

fn codes(a: &Value) -> Vec<String> {
    a["unmet"].as_array().unwrap().iter().map(|u| u["code"].as_str().unwrap().to_string()).collect()
}

struct Shop {
    merchant_token: String,
    merchant_id: String,
    goods_owner_id: String,
}

async fn shop(app: &TestApp, n: u32, op: &str) -> Shop {
    let merchant_token = app.user(Role::Merchant).await;
    let m = app.post("/api/v1/merchants", Some(&merchant_token), party_body("杭州好物电子商务有限公司", n)).await;
    assert_eq!(m.status, 201, "{}", m.body);
    let g = app.post("/api/v1/goods-owners", Some(&merchant_token), party_body("好物品牌管理有限公司", n + 1)).await;
    assert_eq!(g.status, 201, "{}", g.body);
    let merchant_id = m.body["id"].as_str().unwrap().to_string();
    let goods_owner_id = g.body["id"].as_str().unwrap().to_string();
    for path in
        [format!("/api/v1/merchants/{merchant_id}/verify"), format!("/api/v1/goods-owners/{goods_owner_id}/verify")]
    {
        let v = app.post(&path, Some(op), json!({})).await;
        assert_eq!(v.status, 200, "{}", v.body);
    }
    app.fund(op, &merchant_id).await;
    Shop { merchant_token, merchant_id, goods_owner_id }
}

async fn product(app: &TestApp, shop: &Shop, category: Category, title: &str) -> String {
    let p = app
        .post(
            "/api/v1/products",
            Some(&shop.merchant_token),
            json!({"goods_owner_id": shop.goods_owner_id, "title": title, "category": category, "price_minor": 9900, "unit": "件", "stock": 10}),
        )
        .await;
    assert_eq!(p.status, 201, "{}", p.body);
    p.body["id"].as_str().unwrap().to_string()
}

/// Uploads and approves every document the category needs.
async fn document(app: &TestApp, shop: &Shop, op: &str, product: &str, category: Category) {
    let rule = Policy::default_policy().category(category);
    for group in &rule.qualifications {
        let q = app
            .post(
                &format!("/api/v1/products/{product}/qualifications"),
                Some(&shop.merchant_token),
                json!({"kind": group[0], "number": "N-1", "issuer": "市场监督管理局", "valid_from": "2025-01-01", "valid_until": "2028-01-01"}),
            )
            .await;
        assert_eq!(q.status, 201, "{}", q.body);
        let qid = q.body["id"].as_str().unwrap();
        let v = app
            .post(
                &format!("/api/v1/products/{product}/qualifications/{qid}/verify"),
                Some(op),
                json!({"decision": "approve"}),
            )
            .await;
        assert_eq!(v.status, 200, "{}", v.body);
    }
    if rule.inspection.is_some() {
        let i = app
            .post(
                &format!("/api/v1/products/{product}/inspections"),
                Some(&shop.merchant_token),
                json!({"lab": "SGS", "report_number": "R-1", "inspected_on": "2026-10-01", "passed": true}),
            )
            .await;
        assert_eq!(i.status, 201, "{}", i.body);
        let iid = i.body["id"].as_str().unwrap();
        let v = app.post(&format!("/api/v1/products/{product}/inspections/{iid}/verify"), Some(op), json!({})).await;
        assert_eq!(v.status, 200, "{}", v.body);
    }
}

#[tokio::test]
async fn a_merchant_goes_from_sign_up_to_a_sellable_product_with_an_anchor_in_a_room() {
    let app = TestApp::spawn().await;
    let op = app.user(Role::Operator).await;
    let merchant = app.user(Role::Merchant).await;
    let m = app.post("/api/v1/merchants", Some(&merchant), party_body("杭州好物电子商务有限公司", 1)).await;
    let g = app.post("/api/v1/goods-owners", Some(&merchant), party_body("好物品牌管理有限公司", 2)).await;
    let (mid, gid) = (m.body["id"].as_str().unwrap().to_string(), g.body["id"].as_str().unwrap().to_string());
    assert!(mid.starts_with("mer_") && gid.starts_with("gdo_"));
    let shop = Shop { merchant_token: merchant.clone(), merchant_id: mid.clone(), goods_owner_id: gid.clone() };
    let pid = product(&app, &shop, Category::Food, "五常大米 5kg").await;

    let e = app.get(&format!("/api/v1/products/{pid}/eligibility"), Some(&merchant)).await;
    assert_eq!(e.body["eligible"], false);
    assert_eq!(
        codes(&e.body),
        [
            "seller_unverified",
            "goods_owner_unverified",
            "seller_deposit_below_minimum",
            "qualification_missing",
            "inspection_missing"
        ]
    );
    assert_eq!(e.body["not_evaluated"], json!(["anchor", "room_operator"]));
    assert_eq!(e.body["unmet"][3]["article"], "Order 117 Art. 27");

    for path in [format!("/api/v1/merchants/{mid}/verify"), format!("/api/v1/goods-owners/{gid}/verify")] {
        let v = app.post(&path, Some(&op), json!({"decision": "approve"})).await;
        assert_eq!(v.body["verification"]["status"], "verified");
    }
    document(&app, &shop, &op, &pid, Category::Food).await;
    // Verified and documented, but food needs a consumer-protection deposit (E-commerce Law Art. 58).
    let e = app.get(&format!("/api/v1/products/{pid}/eligibility"), Some(&merchant)).await;
    assert_eq!(codes(&e.body), ["seller_deposit_below_minimum"]);
    let min = Policy::default_policy().category(Category::Food).merchant_deposit_fen;
    assert_eq!(e.body["unmet"][0]["inputs"]["minimum_fen"], min.to_string());
    assert_eq!(e.body["unmet"][0]["inputs"]["deposit_fen"], "0");
    let d = app.post("/api/v1/deposits", Some(&merchant), json!({"party_id": mid, "amount": min - 1})).await;
    assert_eq!((d.status, d.body["balance"].clone(), d.body["owed"].clone()), (201, json!(min - 1), json!(0)));
    let e = app.get(&format!("/api/v1/products/{pid}/eligibility"), Some(&merchant)).await;
    assert_eq!(codes(&e.body), ["seller_deposit_below_minimum"], "one fen short is short");
    app.post("/api/v1/deposits", Some(&merchant), json!({"party_id": mid, "amount": 1})).await;
    let e = app.get(&format!("/api/v1/products/{pid}/eligibility"), Some(&merchant)).await;
    assert_eq!(e.body["eligible"], true, "{}", e.body);

    // Now a particular anchor in a particular room.
    let anchor_tok = app.user(Role::Anchor).await;
    let a = app
        .post(
            "/api/v1/anchors",
            Some(&anchor_tok),
            json!({"real_name": "李佳", "id_number": id_number("19920314", 1), "birth_date": "1992-03-14", "address": "上海市", "contact": "13800000000"}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let aid = a.body["id"].as_str().unwrap().to_string();
    let room_tok = app.user(Role::RoomOperator).await;
    let r = app.post("/api/v1/room-operators", Some(&room_tok), party_body("星光直播间运营有限公司", 3)).await;
    let rid = r.body["id"].as_str().unwrap().to_string();
    let url = format!("/api/v1/products/{pid}/eligibility?anchor={aid}&room_operator={rid}");
    let e = app.get(&url, Some(&room_tok)).await;
    assert_eq!(
        codes(&e.body),
        [
            "room_operator_unverified",
            "room_operator_deposit_below_minimum",
            "anchor_unverified",
            "anchor_training_missing",
            "anchor_not_on_roster"
        ]
    );

    let add =
        app.post(&format!("/api/v1/room-operators/{rid}/roster"), Some(&room_tok), json!({"anchor_id": aid})).await;
    assert_eq!(add.status, 201, "{}", add.body);
    let early =
        app.post(&format!("/api/v1/room-operators/{rid}/roster/{aid}/confirm"), Some(&room_tok), json!({})).await;
    assert_eq!((early.status, early.code()), (422, "anchor_unverified"));
    app.post(&format!("/api/v1/anchors/{aid}/verify"), Some(&op), json!({})).await;
    app.post(&format!("/api/v1/room-operators/{rid}/verify"), Some(&op), json!({})).await;
    app.fund(&op, &rid).await;
    let t = app
        .post(
            &format!("/api/v1/anchors/{aid}/training"),
            Some(&op),
            json!({"kind": "pre_first_show", "completed_on": "2026-11-01", "provider": "平台学院", "hours": 8}),
        )
        .await;
    assert_eq!(t.status, 201, "{}", t.body);
    let c = app.post(&format!("/api/v1/room-operators/{rid}/roster/{aid}/confirm"), Some(&room_tok), json!({})).await;
    assert_eq!(c.status, 200, "{}", c.body);
    let e = app.get(&url, Some(&room_tok)).await;
    assert_eq!(e.body["eligible"], true, "{}", e.body);
    assert_eq!(e.body["not_evaluated"], json!([]));

    // Every operator action is in the audit trail, and the chain holds.
    let reg = app.user(Role::Regulator).await;
    let check = app.get("/api/v1/audit/verify", Some(&reg)).await;
    assert_eq!(check.body["ok"], true);
    assert_eq!(
        check.body["entries"], 14,
        "2 staff accounts + 2 party + 2 document reviews + 3 deposits + roster added + anchor and room verification + training + roster confirmed: {}",
        check.body
    );
    let trail = app.get("/api/v1/audit", Some(&reg)).await;
    let actions: Vec<&str> =
        trail.body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"anchor.training") && actions.contains(&"merchant.verify"), "{actions:?}");
}

#[tokio::test]
async fn a_verification_lapses_exactly_six_months_after_it_was_given() {
    let app = TestApp::spawn().await;
    let op = app.user(Role::Operator).await;
    let shop = shop(&app, 10, &op).await;
    let pid = product(&app, &shop, Category::Other, "收纳盒").await;
    let url = format!("/api/v1/products/{pid}/eligibility");
    assert_eq!(app.get(&url, Some(&op)).await.body["eligible"], true);

    // Verified at 2026-11-25T04:00Z: valid until 2027-05-25T04:00Z. (Tokens last 30 days, so
    // the operator signs in again after the clock jumps.)
    app.clock.set(common::start_time() + Duration::days(181) - Duration::seconds(1));
    let op = app.user(Role::Operator).await;
    assert_eq!(app.get(&url, Some(&op)).await.body["eligible"], true);
    app.clock.set(common::start_time() + Duration::days(181));
    let e = app.get(&url, Some(&op)).await;
    assert_eq!(codes(&e.body), ["seller_verification_expired", "goods_owner_verification_expired"]);
    assert_eq!(e.body["unmet"][0]["inputs"]["verified_until"], "2027-05-25T04:00:00+00:00");
    let m = app.get(&format!("/api/v1/merchants/{}", shop.merchant_id), Some(&op)).await;
    assert_eq!(m.body["verification"]["status"], "expired");

    // Re-verification restores it for another six months.
    app.post(&format!("/api/v1/merchants/{}/verify", shop.merchant_id), Some(&op), json!({})).await;
    app.post(&format!("/api/v1/goods-owners/{}/verify", shop.goods_owner_id), Some(&op), json!({})).await;
    assert_eq!(app.get(&url, Some(&op)).await.body["eligible"], true);
}

#[tokio::test]
async fn every_category_names_the_documents_it_lacks_until_they_are_approved() {
    let app = TestApp::spawn().await;
    let op = app.user(Role::Operator).await;
    let shop = shop(&app, 20, &op).await;
    let policy = Policy::default_policy();
    for c in Category::ALL {
        let pid = product(&app, &shop, c, &format!("样品 {c}")).await;
        let url = format!("/api/v1/products/{pid}/eligibility");
        let e = app.get(&url, Some(&op)).await;
        let rule = policy.category(c);
        let mut expected: Vec<String> =
            rule.qualifications.iter().map(|_| "qualification_missing".to_string()).collect();
        if rule.inspection.is_some() {
            expected.push("inspection_missing".into());
        }
        assert_eq!(codes(&e.body), expected, "{c}");
        for (u, group) in e.body["unmet"].as_array().unwrap().iter().zip(&rule.qualifications) {
            let names: Vec<&str> = group.iter().map(|k| k.as_str()).collect();
            assert_eq!(u["inputs"]["required"], names.join(" or "), "{c}");
        }
        document(&app, &shop, &op, &pid, c).await;
        let e = app.get(&url, Some(&op)).await;
        assert_eq!(e.body["eligible"], true, "{c}: {}", e.body);
    }
}

#[tokio::test]
async fn a_blacklisted_identity_is_never_eligible_and_cannot_register_again() {
    let app = TestApp::spawn().await;
    let op = app.user(Role::Operator).await;
    let shop = shop(&app, 30, &op).await;
    let pid = product(&app, &shop, Category::Other, "收纳盒").await;
    let idn = id_number("19900101", 7);
    let body = json!({"real_name": "赵磊", "id_number": idn, "birth_date": "1990-01-01", "address": "北京市", "contact": "139"});
    let tok = app.user(Role::Anchor).await;
    let a = app.post("/api/v1/anchors", Some(&tok), body.clone()).await;
    let aid = a.body["id"].as_str().unwrap();
    let bl = app
        .post(&format!("/api/v1/anchors/{aid}/blacklist"), Some(&op), json!({"reason": "repeated fraud, Art. 14"}))
        .await;
    assert_eq!(bl.status, 204);
    let e = app.get(&format!("/api/v1/products/{pid}/eligibility?anchor={aid}"), Some(&op)).await;
    assert!(codes(&e.body).contains(&"anchor_blacklisted".to_string()), "{}", e.body);
    let again = app.post("/api/v1/anchors", Some(&app.user(Role::Anchor).await), body).await;
    assert_eq!((again.status, again.code()), (403, "blacklisted"));
}

#[tokio::test]
async fn the_demo_platform_shows_sellable_and_refused_goods_each_with_its_reason() {
    check_demo(&TestApp::spawn_demo().await).await;
}

#[tokio::test]
async fn the_same_demo_runs_on_postgres() {
    let Some(app) = TestApp::spawn_postgres().await else { return };
    assert_eq!(app.state.store.backend(), "postgres");
    app.seed_demo().await;
    check_demo(&app).await;
}

async fn check_demo(app: &TestApp) {
    let op = app.login("operator", "operator-demo-pass").await;
    let products = app.get("/api/v1/products?limit=200", None).await;
    let items = products.body["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 9);
    let rooms = app.get("/api/v1/room-operators", Some(&op)).await;
    let room =
        rooms.body["items"].as_array().unwrap().iter().find(|r| r["legal_name"] == "星光直播间运营有限公司").unwrap()
            ["id"]
            .as_str()
            .unwrap()
            .to_string();
    let anchors = app.get("/api/v1/anchors", Some(&op)).await;
    let anchor = |stage: &str| {
        anchors.body["items"].as_array().unwrap().iter().find(|a| a["stage_name"] == stage).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (li, wang, zhao) = (anchor("佳佳"), anchor("小明哥"), anchor("磊哥"));
    let verdict = |title: &str, who: &str| {
        let pid = items.iter().find(|p| p["title"].as_str().unwrap().contains(title)).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        format!("/api/v1/products/{pid}/eligibility?anchor={who}&room_operator={room}")
    };
    let expect: &[(&str, &str, &[&str])] = &[
        ("五常大米", &li, &[]),
        ("纯牛奶", &li, &["inspection_too_old"]),
        ("鱼油", &li, &[]),
        ("鱼油", &wang, &["anchor_training_missing", "anchor_category_training_missing"]),
        ("面霜", &li, &["goods_owner_unverified", "qualification_unverified"]),
        ("安全座椅", &li, &["qualification_expired"]),
        ("蓝牙耳机", &li, &[]),
        ("T 恤", &li, &["qualification_missing"]),
        ("电子烟", &li, &["prohibited_goods"]),
        ("消毒液", &li, &[]),
        ("五常大米", &zhao, &["anchor_verification_expired", "anchor_roster_unconfirmed"]),
    ];
    for (title, who, want) in expect {
        let e = app.get(&verdict(title, who), Some(&op)).await;
        assert_eq!(e.status, 200, "{}", e.body);
        assert_eq!(codes(&e.body), *want, "{title} / {who}");
        assert_eq!(e.body["eligible"], want.is_empty());
    }
    // A product page always says who sells it and whose goods these are.
    let rice = items.iter().find(|p| p["title"].as_str().unwrap().contains("五常大米")).unwrap();
    assert_eq!(rice["disclosure"]["seller"]["name"], "杭州好物电子商务有限公司");
    assert_eq!(rice["disclosure"]["goods_owner"]["uscc"], rice["disclosure"]["seller"]["uscc"]);
    // The natural-person room operator's ID number is masked for the public.
    let chen = rooms.body["items"].as_array().unwrap().iter().find(|r| r["legal_name"] == "陈小鱼").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let public = app.get(&format!("/api/v1/room-operators/{chen}"), None).await;
    assert!(public.body["id_number"].as_str().unwrap().contains('*'));
    // Seeding twice does nothing.
    assert!(!clearcast_server::demo::seed(&app.state).await.unwrap());
    let reg = app.login("regulator", "regulator-demo-pass").await;
    assert_eq!(app.get("/api/v1/audit/verify", Some(&reg)).await.body["ok"], true);
}

#![allow(clippy::unwrap_used)]
//! Live shows over HTTP: the gate at the lineup, the start and every pin; the disclosure card in
//! every show payload; Art. 32 reference prices; state and access errors; the per-show record
//! chains, their anchoring in the platform chain and tamper detection (SQLite and PostgreSQL);
//! change requests on working-day clocks; the Art. 9 identity report; Art. 11 tiers.

mod common;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use clearcast_domain::account::Role;
use clearcast_domain::audit::{link, AuditEntry};
use clearcast_domain::disclosure::AI_LABEL;
use clearcast_domain::penalty::Subject;
use clearcast_domain::policy::Policy;
use clearcast_domain::product::Category;
use clearcast_domain::records::{personal_hash, value_hash};
use common::{id_number, party_body, start_time, uscc, Answer, Db, TestApp};
use serde_json::{json, Value};

const PASSWORD: &str = "a long enough password";

fn at(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, s).unwrap()
}

fn codes(a: &Value) -> Vec<String> {
    a["unmet"].as_array().unwrap().iter().map(|u| u["code"].as_str().unwrap().to_string()).collect()
}

fn actions(list: &Value) -> Vec<String> {
    list["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_string()).collect()
}

fn id_of(a: &Answer) -> String {
    a.body["id"].as_str().unwrap().to_string()
}

/// An account whose password the test knows, so it can sign in again after the clock jumps.
struct Acct {
    name: String,
    token: String,
}

impl Acct {
    async fn relogin(&mut self, app: &TestApp) {
        self.token = app.login(&self.name, PASSWORD).await;
    }
}

async fn account(app: &TestApp, role: Role) -> Acct {
    let suffix: String = uuid::Uuid::now_v7().simple().to_string().chars().rev().take(12).collect();
    let name = format!("{}-{suffix}", role.as_str().replace('_', "-"));
    if role.self_service() {
        let a = app.post("/api/v1/accounts", None, json!({"username": name, "password": PASSWORD, "role": role})).await;
        assert_eq!(a.status, 201, "sign up: {}", a.body);
    } else {
        clearcast_server::api::accounts::create_account(&app.state, &name, PASSWORD, role).await.unwrap();
    }
    let token = app.login(&name, PASSWORD).await;
    Acct { name, token }
}

/// A verified merchant and goods owner with distinct details.
struct Shop {
    merchant: String,
    merchant_id: String,
    goods_owner_id: String,
}

async fn shop(app: &TestApp, n: u32, op: &str) -> Shop {
    let merchant = app.user(Role::Merchant).await;
    let m = app
        .post(
            "/api/v1/merchants",
            Some(&merchant),
            json!({"legal_name": "杭州好物电子商务有限公司", "uscc": uscc(n), "address": "浙江省杭州市西湖区文三路 1 号", "contact": "0571-88880000"}),
        )
        .await;
    assert_eq!(m.status, 201, "{}", m.body);
    let g = app
        .post(
            "/api/v1/goods-owners",
            Some(&merchant),
            json!({"legal_name": "好物品牌管理有限公司", "uscc": uscc(n + 1), "address": "上海市浦东新区世纪大道 100 号", "contact": "021-66660000"}),
        )
        .await;
    assert_eq!(g.status, 201, "{}", g.body);
    let (merchant_id, goods_owner_id) = (id_of(&m), id_of(&g));
    for path in
        [format!("/api/v1/merchants/{merchant_id}/verify"), format!("/api/v1/goods-owners/{goods_owner_id}/verify")]
    {
        let v = app.post(&path, Some(op), json!({})).await;
        assert_eq!(v.status, 200, "{}", v.body);
    }
    app.fund(op, &merchant_id).await;
    Shop { merchant, merchant_id, goods_owner_id }
}

async fn product(app: &TestApp, shop: &Shop, category: Category, title: &str) -> String {
    let p = app
        .post(
            "/api/v1/products",
            Some(&shop.merchant),
            json!({"goods_owner_id": shop.goods_owner_id, "title": title, "category": category, "price_minor": 9900, "unit": "件", "stock": 10}),
        )
        .await;
    assert_eq!(p.status, 201, "{}", p.body);
    id_of(&p)
}

/// Uploads and approves every document the category needs; qualifications last until `valid_until`.
async fn document(app: &TestApp, shop: &Shop, op: &str, product: &str, category: Category, valid_until: &str) {
    let rule = Policy::default_policy().category(category);
    for group in &rule.qualifications {
        let q = app
            .post(
                &format!("/api/v1/products/{product}/qualifications"),
                Some(&shop.merchant),
                json!({"kind": group[0], "number": "N-1", "issuer": "市场监督管理局", "valid_from": "2025-01-01", "valid_until": valid_until}),
            )
            .await;
        assert_eq!(q.status, 201, "{}", q.body);
        let qid = id_of(&q);
        let v = app.post(&format!("/api/v1/products/{product}/qualifications/{qid}/verify"), Some(op), json!({})).await;
        assert_eq!(v.status, 200, "{}", v.body);
    }
    if rule.inspection.is_some() {
        let i = app
            .post(
                &format!("/api/v1/products/{product}/inspections"),
                Some(&shop.merchant),
                json!({"lab": "SGS", "report_number": "R-1", "inspected_on": "2026-10-01", "passed": true}),
            )
            .await;
        assert_eq!(i.status, 201, "{}", i.body);
        let iid = id_of(&i);
        let v = app.post(&format!("/api/v1/products/{product}/inspections/{iid}/verify"), Some(op), json!({})).await;
        assert_eq!(v.status, 200, "{}", v.body);
    }
}

/// A room operator registered by its own account (and verified by `op` when given).
struct Room {
    acct: Acct,
    id: String,
}

async fn room(app: &TestApp, op: Option<&str>, body: Value) -> Room {
    let acct = account(app, Role::RoomOperator).await;
    let r = app.post("/api/v1/room-operators", Some(&acct.token), body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = id_of(&r);
    if let Some(op) = op {
        let v = app.post(&format!("/api/v1/room-operators/{id}/verify"), Some(op), json!({})).await;
        assert_eq!(v.status, 200, "{}", v.body);
        app.fund(op, &id).await;
    }
    Room { acct, id }
}

fn person_body(name: &str, idn: &str) -> Value {
    json!({"legal_name": name, "id_number": idn, "address": "浙江省杭州市余杭区五常街道 8 号", "contact": "13900000000"})
}

/// An anchor registered by its own account (verified by `op` when given).
struct Anch {
    acct: Acct,
    id: String,
    id_number: String,
}

async fn anchor(app: &TestApp, op: Option<&str>, n: u32) -> Anch {
    let acct = account(app, Role::Anchor).await;
    let idn = id_number("19920314", n);
    let a = app
        .post(
            "/api/v1/anchors",
            Some(&acct.token),
            json!({"real_name": format!("李佳{n}"), "stage_name": format!("主播{n}"), "id_number": idn, "birth_date": "1992-03-14", "address": "上海市静安区南京西路 1 号", "contact": "13800000000"}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let id = id_of(&a);
    if let Some(op) = op {
        let v = app.post(&format!("/api/v1/anchors/{id}/verify"), Some(op), json!({})).await;
        assert_eq!(v.status, 200, "{}", v.body);
    }
    Anch { acct, id, id_number: idn }
}

async fn train(app: &TestApp, op: &str, anchor: &str, category: Option<Category>) {
    let body = match category {
        None => json!({"kind": "pre_first_show", "completed_on": "2026-11-01", "provider": "平台学院", "hours": 8}),
        Some(c) => {
            json!({"kind": "category", "category": c, "completed_on": "2026-11-02", "provider": "平台学院", "hours": 4})
        }
    };
    let t = app.post(&format!("/api/v1/anchors/{anchor}/training"), Some(op), body).await;
    assert_eq!(t.status, 201, "{}", t.body);
}

/// Puts the anchor on the room's roster and confirms it (the anchor must be verified).
async fn enlist(app: &TestApp, room: &Room, anchor: &str) {
    let add = app
        .post(
            &format!("/api/v1/room-operators/{}/roster", room.id),
            Some(&room.acct.token),
            json!({"anchor_id": anchor}),
        )
        .await;
    assert_eq!(add.status, 201, "{}", add.body);
    let c = app
        .post(&format!("/api/v1/room-operators/{}/roster/{anchor}/confirm", room.id), Some(&room.acct.token), json!({}))
        .await;
    assert_eq!(c.status, 200, "{}", c.body);
}

fn stream_url(title: &str) -> String {
    format!("https://live.example.com/{}.m3u8", personal_hash(title).get(..12).unwrap())
}

async fn new_show(app: &TestApp, token: &str, title: &str, roster: &[&str], ai: bool) -> Answer {
    app.post(
        "/api/v1/shows",
        Some(token),
        json!({"title": title, "scheduled_start": "2026-11-25T12:00:00Z", "roster": roster, "stream_url": stream_url(title), "ai_presenter": ai, "script": "今天介绍好物"}),
    )
    .await
}

async fn show(app: &TestApp, room: &Room, title: &str, roster: &[&str]) -> String {
    let s = new_show(app, &room.acct.token, title, roster, false).await;
    assert_eq!(s.status, 201, "{}", s.body);
    id_of(&s)
}

async fn add_lineup(app: &TestApp, token: &str, show: &str, product: &str) -> Answer {
    app.post(
        &format!("/api/v1/shows/{show}/lineup"),
        Some(token),
        json!({"product_id": product, "anchor_role": "commissioned", "commission_bps": 2000, "show_price_minor": 9900}),
    )
    .await
}

async fn lineup_item(app: &TestApp, token: &str, show: &str, product: &str) -> String {
    let l = add_lineup(app, token, show, product).await;
    assert_eq!(l.status, 201, "{}", l.body);
    id_of(&l)
}

async fn start(app: &TestApp, token: &str, show: &str) -> Answer {
    app.post(&format!("/api/v1/shows/{show}/start"), Some(token), json!({})).await
}

async fn pin(app: &TestApp, token: &str, show: &str, item: &str) -> Answer {
    app.post(&format!("/api/v1/shows/{show}/pin"), Some(token), json!({"lineup_item_id": item})).await
}

async fn end(app: &TestApp, token: &str, show: &str, body: Value) -> Answer {
    app.post(&format!("/api/v1/shows/{show}/end"), Some(token), body).await
}

/// A verified shop with an `other` product, a verified room and a verified, trained anchor on its
/// confirmed roster: everything a show needs.
struct Stage {
    op: String,
    shop: Shop,
    product: String,
    room: Room,
    anchor: Anch,
}

async fn stage(app: &TestApp, n: u32) -> Stage {
    let op = app.user(Role::Operator).await;
    let shop = shop(app, n, &op).await;
    let product = product(app, &shop, Category::Other, "收纳盒").await;
    let room = room(app, Some(&op), party_body("星光直播间运营有限公司", n + 2)).await;
    let anchor = anchor(app, Some(&op), n).await;
    train(app, &op, &anchor.id, None).await;
    enlist(app, &room, &anchor.id).await;
    Stage { op, shop, product, room, anchor }
}

/// Creates a show, adds the stage's product, starts, pins and ends it: eight records.
async fn run_show(app: &TestApp, st: &Stage, title: &str) -> String {
    let tok = &st.room.acct.token;
    let s = show(app, &st.room, title, &[&st.anchor.id]).await;
    let item = lineup_item(app, tok, &s, &st.product).await;
    assert_eq!(start(app, tok, &s).await.status, 200);
    assert_eq!(pin(app, tok, &s, &item).await.status, 200);
    assert_eq!(end(app, tok, &s, json!({})).await.status, 200);
    s
}

fn unmet_summary(a: &Answer) -> Vec<(String, Vec<String>, String)> {
    a.body["unmet"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            let anchors = u["anchor_ids"].as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_string()).collect();
            (u["code"].as_str().unwrap().to_string(), anchors, u["article"].as_str().unwrap().to_string())
        })
        .collect()
}

fn s(v: &str) -> String {
    v.to_string()
}

// 1. The gate at the lineup and at the start.

#[tokio::test]
async fn a_show_goes_live_only_when_every_roster_anchor_and_every_lineup_item_is_eligible() {
    let app = TestApp::spawn().await;
    let op = app.user(Role::Operator).await;
    let shop = shop(&app, 10, &op).await;
    let pid = product(&app, &shop, Category::Other, "收纳盒").await;
    let room = room(&app, Some(&op), party_body("星光直播间运营有限公司", 20)).await;
    let a = anchor(&app, Some(&op), 1).await;
    train(&app, &op, &a.id, None).await;
    // Anchor b was verified six months before 2026-11-29T04:00Z, so it lapses mid-way.
    app.clock.set(at(2026, 5, 29, 4, 0, 0));
    let b = anchor(&app, Some(&op), 2).await;
    app.clock.set(start_time());
    enlist(&app, &room, &a.id).await;
    enlist(&app, &room, &b.id).await;
    let tok = room.acct.token.clone();

    let created = new_show(&app, &tok, "双十二预热", &[&a.id, &b.id], false).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let sid = id_of(&created);
    assert!(sid.starts_with("shw_"));
    assert_eq!(created.body["status"], "scheduled");
    assert_eq!(created.body["room_operator_id"], room.id.as_str());
    assert_eq!(
        created.body["roster"],
        json!([{"anchor_id": a.id, "name": "主播1"}, {"anchor_id": b.id, "name": "主播2"}])
    );
    assert_eq!(created.body["lineup"], json!([]));
    assert_eq!(created.body["started_at"], Value::Null);

    // Nothing to sell yet.
    let empty = start(&app, &tok, &sid).await;
    assert_eq!((empty.status, empty.code()), (422, "validation_failed"), "{}", empty.body);
    assert_eq!(empty.field(), "lineup");
    assert_eq!(empty.body["errors"][0]["code"], "empty_lineup");

    // b has no pre-first-show training: the product cannot join the lineup.
    let refused = add_lineup(&app, &tok, &sid, &pid).await;
    assert_eq!((refused.status, refused.code()), (422, "not_eligible"), "{}", refused.body);
    assert_eq!(refused.body["unmet"].as_array().unwrap().len(), 1);
    let u = &refused.body["unmet"][0];
    assert_eq!(u["code"], "anchor_training_missing");
    assert_eq!(u["product_id"], pid.as_str());
    assert_eq!(u["anchor_ids"], json!([b.id]));
    assert_eq!(u["subject"], "anchor");
    assert_eq!(u["subject_id"], b.id.as_str());
    assert_eq!(u["article"], "Order 117 Art. 10");
    assert_eq!(refused.field(), "product_id");
    assert_eq!(refused.body["errors"][0]["code"], "anchor_training_missing");
    assert_eq!(
        refused.body["detail"],
        "cannot add this product to the lineup: 1 unmet requirement(s): anchor_training_missing (Order 117 Art. 10)"
    );
    let page = app.get(&format!("/api/v1/shows/{sid}"), None).await;
    assert_eq!(page.body["lineup"], json!([]), "a refused product is not on the lineup");

    train(&app, &op, &b.id, None).await;
    let added = add_lineup(&app, &tok, &sid, &pid).await;
    assert_eq!(added.status, 201, "{}", added.body);
    assert_eq!(added.body["product_id"], pid.as_str());
    assert_eq!(added.body["title"], "收纳盒");
    assert_eq!(added.body["show_price"], json!({"minor": 9900, "currency": "CNY"}));
    assert_eq!(added.body["unit"], "件");
    assert_eq!(added.body["commission_bps"], 2000);
    assert_eq!(added.body["reference"], Value::Null);
    let twice = add_lineup(&app, &tok, &sid, &pid).await;
    assert_eq!((twice.status, twice.code()), (409, "already_in_lineup"), "{}", twice.body);

    // Five days on, b's verification (until 2026-11-29T04:00Z) has lapsed: no start.
    app.clock.set(start_time() + Duration::days(5));
    let lapsed = start(&app, &tok, &sid).await;
    assert_eq!((lapsed.status, lapsed.code()), (422, "not_eligible"), "{}", lapsed.body);
    assert_eq!(
        unmet_summary(&lapsed),
        [(s("anchor_verification_expired"), vec![b.id.clone()], s("Order 117 Art. 8, 28"))]
    );
    assert_eq!(lapsed.body["unmet"][0]["inputs"]["verified_until"], "2026-11-29T04:00:00+00:00");
    assert_eq!(lapsed.body["unmet"][0]["product_id"], pid.as_str());
    assert_eq!(app.get(&format!("/api/v1/shows/{sid}"), None).await.body["status"], "scheduled");

    let v = app.post(&format!("/api/v1/anchors/{}/verify", b.id), Some(&op), json!({})).await;
    assert_eq!(v.status, 200, "{}", v.body);
    let live = start(&app, &tok, &sid).await;
    assert_eq!(live.status, 200, "{}", live.body);
    assert_eq!(live.body["status"], "live");
    assert_eq!(live.body["started_at"], "2026-11-30T04:00:00Z");
}

// 2. Every refusal lists its reasons, each with its article.

#[tokio::test]
async fn every_refusal_lists_every_reason_with_its_article() {
    let app = TestApp::spawn().await;
    let op = app.user(Role::Operator).await;
    let shop = shop(&app, 10, &op).await;
    let rice = product(&app, &shop, Category::Food, "五常大米 5kg").await;
    let room = room(&app, None, party_body("未核验直播间有限公司", 20)).await;
    // a: verified and trained, but not on the roster. b: on the roster, unverified, untrained.
    let a = anchor(&app, Some(&op), 1).await;
    train(&app, &op, &a.id, None).await;
    let b = anchor(&app, None, 2).await;
    let add = app
        .post(&format!("/api/v1/room-operators/{}/roster", room.id), Some(&room.acct.token), json!({"anchor_id": b.id}))
        .await;
    assert_eq!(add.status, 201);
    let sid = show(&app, &room, "无资质直播", &[&a.id, &b.id]).await;

    let r = add_lineup(&app, &room.acct.token, &sid, &rice).await;
    assert_eq!((r.status, r.code()), (422, "not_eligible"), "{}", r.body);
    let both = vec![a.id.clone(), b.id.clone()];
    assert_eq!(
        unmet_summary(&r),
        [
            (s("room_operator_unverified"), both.clone(), s("Order 117 Art. 8")),
            (s("room_operator_deposit_below_minimum"), both.clone(), s("E-commerce Law Art. 58")),
            (s("qualification_missing"), both.clone(), s("Order 117 Art. 27")),
            (s("inspection_missing"), both, s("Order 117 Art. 27; Product Quality Law Art. 15")),
            (s("anchor_not_on_roster"), vec![a.id.clone()], s("Order 117 Art. 28")),
            (s("anchor_unverified"), vec![b.id.clone()], s("Order 117 Art. 8, 28")),
            (s("anchor_training_missing"), vec![b.id.clone()], s("Order 117 Art. 10")),
            (s("anchor_roster_unconfirmed"), vec![b.id.clone()], s("Order 117 Art. 28")),
        ]
    );
    let subjects: Vec<&str> =
        r.body["unmet"].as_array().unwrap().iter().map(|u| u["subject"].as_str().unwrap()).collect();
    assert_eq!(
        subjects,
        ["room_operator", "room_operator", "product", "product", "anchor", "anchor", "anchor", "anchor"]
    );
    assert_eq!(r.body["unmet"][0]["subject_id"], room.id.as_str());
    assert_eq!(r.body["unmet"][2]["inputs"]["required"], "food_production_licence or food_business_licence");
    let errors: Vec<&str> = r.body["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert_eq!(errors.len(), 8);
    assert_eq!(errors, codes(&r.body));
    assert!(
        r.body["detail"].as_str().unwrap().starts_with(
            "cannot add this product to the lineup: 8 unmet requirement(s): room_operator_unverified (Order 117 Art. 8), room_operator_deposit_below_minimum (E-commerce Law Art. 58)"
        ),
        "{}",
        r.body["detail"]
    );

    // Prohibited goods are refused with their own article.
    let vape = product(&app, &shop, Category::Other, "电子烟 套装").await;
    let p = add_lineup(&app, &room.acct.token, &sid, &vape).await;
    assert_eq!((p.status, p.code()), (422, "not_eligible"));
    assert_eq!(p.body["unmet"][0]["code"], "prohibited_goods");
    assert_eq!(p.body["unmet"][0]["article"], "Order 117 Art. 33");
    assert_eq!(p.body["unmet"][0]["anchor_ids"], json!([a.id, b.id]));
    for u in p.body["unmet"].as_array().unwrap().iter().chain(r.body["unmet"].as_array().unwrap()) {
        let article = u["article"].as_str().unwrap();
        assert!(article.starts_with("Order 117 Art. ") || article.starts_with("E-commerce Law Art. "), "{u}");
        assert!(!u["message"].as_str().unwrap().is_empty(), "{u}");
    }
}

// 3. The disclosure card.

#[tokio::test]
async fn the_disclosure_card_is_in_every_show_payload_and_matches_the_party_records() {
    let app = TestApp::spawn().await;
    let st = stage(&app, 10).await;
    let tok = st.room.acct.token.clone();

    let m = app.get(&format!("/api/v1/merchants/{}", st.shop.merchant_id), None).await;
    let g = app.get(&format!("/api/v1/goods-owners/{}", st.shop.goods_owner_id), None).await;
    let r = app.get(&format!("/api/v1/room-operators/{}", st.room.id), None).await;
    let card = |p: &Value| json!({"name": p["legal_name"], "uscc": p["uscc"], "address": p["address"], "contact": p["contact"], "natural_person": false});
    let seller = card(&m.body);
    let goods_owner = card(&g.body);
    assert_eq!(seller["name"], "杭州好物电子商务有限公司");
    assert_eq!(seller["uscc"], uscc(10).as_str());
    assert_eq!(goods_owner["address"], "上海市浦东新区世纪大道 100 号");
    assert_eq!(goods_owner["uscc"], uscc(11).as_str());
    let room_card = json!({"name": r.body["legal_name"], "uscc_or_masked_id": uscc(12), "address": r.body["address"], "contact": r.body["contact"]});
    assert_eq!(r.body["uscc"], uscc(12).as_str());
    let full = json!({"seller": seller, "goods_owner": goods_owner, "room_operator": room_card, "anchor_role": "advertising", "ai_presenter": true});
    let room_only = json!({"seller": null, "goods_owner": null, "room_operator": room_card, "anchor_role": null, "ai_presenter": true});

    let created = new_show(&app, &tok, "AI 主播好物推荐", &[&st.anchor.id], true).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let sid = id_of(&created);
    assert_eq!(created.body["disclosure"], room_only);
    assert_eq!(created.body["ai_presenter"], true);
    assert_eq!(created.body["ai_label"], AI_LABEL);

    let l = app
        .post(
            &format!("/api/v1/shows/{sid}/lineup"),
            Some(&tok),
            json!({"product_id": st.product, "anchor_role": "advertising", "show_price_minor": 5990, "unit": "个", "purchase_limit": 2}),
        )
        .await;
    assert_eq!(l.status, 201, "{}", l.body);
    let item = id_of(&l);
    assert_eq!(l.body["disclosure"], full);
    assert_eq!(l.body["unit"], "个");
    assert_eq!(l.body["purchase_limit"], 2);

    // Before any pin: the room and the AI label only.
    let before = app.get(&format!("/api/v1/shows/{sid}"), None).await;
    assert_eq!(before.status, 200);
    assert_eq!(before.body["disclosure"], room_only);
    assert_eq!(before.body["disclosure"]["seller"], Value::Null);
    assert_eq!(before.body["pinned"], Value::Null);
    assert_eq!(before.body["lineup"][0]["disclosure"], full);

    assert_eq!(start(&app, &tok, &sid).await.status, 200);
    let live_before_pin = app.get("/api/v1/shows?status=live", None).await;
    assert_eq!(live_before_pin.body["items"][0]["disclosure"], room_only);

    let p = pin(&app, &tok, &sid, &item).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert_eq!(p.body["id"], item.as_str());
    assert_eq!(p.body["disclosure"], full);

    let page = app.get(&format!("/api/v1/shows/{sid}"), None).await;
    assert_eq!(page.body["disclosure"], full);
    assert_eq!(page.body["pinned"]["id"], item.as_str());
    assert_eq!(page.body["pinned"]["disclosure"], full);
    assert_eq!(page.body["lineup"][0]["disclosure"], full);
    assert_eq!(page.body["ai_label"], AI_LABEL);
    assert_eq!(page.body["disclosure"]["anchor_role"], page.body["lineup"][0]["disclosure"]["anchor_role"]);

    let live = app.get("/api/v1/shows?status=live", None).await;
    assert_eq!(live.status, 200);
    let items = live.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], sid.as_str());
    assert_eq!(items[0]["disclosure"], full);
    assert_eq!(items[0]["ai_label"], AI_LABEL);
    assert_eq!(app.get("/api/v1/shows?status=scheduled", None).await.body["items"], json!([]));

    let lineup = app.get(&format!("/api/v1/shows/{sid}/lineup"), None).await;
    assert_eq!(lineup.status, 200);
    assert_eq!(lineup.body["items"][0]["disclosure"], full);

    // A natural person running a room: the card shows the masked ID number, and a show without an
    // AI presenter carries no AI label.
    let idn = id_number("19900101", 5);
    let person = room(&app, Some(&st.op), person_body("陈小鱼", &idn)).await;
    let ps = new_show(&app, &person.acct.token, "小鱼的直播间", &[&st.anchor.id], false).await;
    assert_eq!(ps.status, 201, "{}", ps.body);
    let pp = app.get(&format!("/api/v1/shows/{}", id_of(&ps)), None).await;
    let masked = format!("330*************{}", &idn[16..]);
    assert_eq!(
        pp.body["disclosure"],
        json!({"seller": null, "goods_owner": null, "room_operator": {"name": "陈小鱼", "uscc_or_masked_id": masked, "address": "浙江省杭州市余杭区五常街道 8 号", "contact": "13900000000"}, "anchor_role": null, "ai_presenter": false})
    );
    assert_eq!(pp.body["ai_presenter"], false);
    assert_eq!(pp.body["ai_label"], Value::Null);
    let public = app.get(&format!("/api/v1/room-operators/{}", person.id), None).await;
    assert_eq!(public.body["id_number"], masked.as_str());
}

// 4. Art. 32: a discount states its basis.

#[tokio::test]
async fn a_discount_without_its_basis_is_refused() {
    let app = TestApp::spawn().await;
    let st = stage(&app, 10).await;
    let tok = st.room.acct.token.clone();
    let sid = show(&app, &st.room, "限时折扣", &[&st.anchor.id]).await;
    let url = format!("/api/v1/shows/{sid}/lineup");
    let body = |extra: Value| {
        let mut b = json!({"product_id": st.product, "anchor_role": "commissioned", "show_price_minor": 9900});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };

    let no_basis = app.post(&url, Some(&tok), body(json!({"reference_price_minor": 12900}))).await;
    assert_eq!((no_basis.status, no_basis.code()), (422, "validation_failed"), "{}", no_basis.body);
    assert_eq!(no_basis.body["errors"].as_array().unwrap().len(), 1);
    assert_eq!(no_basis.field(), "reference_basis");
    assert_eq!(no_basis.body["errors"][0]["code"], "discount_without_basis");

    for reference in [9900, 5000] {
        let same = app
            .post(&url, Some(&tok), body(json!({"reference_price_minor": reference, "reference_basis": "划线价"})))
            .await;
        assert_eq!((same.status, same.code()), (422, "validation_failed"), "{}", same.body);
        assert_eq!(same.field(), "reference_price_minor");
        assert_eq!(same.body["errors"][0]["code"], "not_a_discount");
    }
    let basis_only = app.post(&url, Some(&tok), body(json!({"reference_basis": "划线价"}))).await;
    assert_eq!((basis_only.status, basis_only.field()), (422, "reference_price_minor"));
    assert_eq!(basis_only.body["errors"][0]["code"], "required");
    assert_eq!(app.get(&format!("/api/v1/shows/{sid}"), None).await.body["lineup"], json!([]));

    let ok = app
        .post(&url, Some(&tok), body(json!({"reference_price_minor": 12900, "reference_basis": "直播前 7 日最低价"})))
        .await;
    assert_eq!(ok.status, 201, "{}", ok.body);
    let reference = json!({"price": {"minor": 12900, "currency": "CNY"}, "basis": "直播前 7 日最低价"});
    assert_eq!(ok.body["reference"], reference);
    assert_eq!(ok.body["disclosure"]["anchor_role"], "commissioned");
    // The room does not sell these goods itself, so it may not call them its own.
    let own = app
        .post(&url, Some(&tok), json!({"product_id": st.product, "anchor_role": "own_goods", "show_price_minor": 9900}))
        .await;
    assert_eq!((own.status, own.field()), (422, "anchor_role"));
    assert_eq!(own.body["errors"][0]["code"], "not_own_goods");
    let page = app.get(&format!("/api/v1/shows/{sid}"), None).await;
    assert_eq!(page.body["lineup"][0]["reference"], reference);
    assert_eq!(page.body["lineup"][0]["show_price"], json!({"minor": 9900, "currency": "CNY"}));
    let records = app.get(&format!("/api/v1/records?show={sid}"), Some(&tok)).await;
    assert_eq!(records.body["items"][1]["action"], "lineup.verified");
    assert_eq!(records.body["items"][1]["detail"]["reference"], reference);
}

// 5. An expiry mid-show stops the item at the next pin.

#[tokio::test]
async fn a_qualification_that_expires_mid_show_stops_the_item_at_the_next_pin() {
    let app = TestApp::spawn().await;
    let st = stage(&app, 10).await;
    let tok = st.room.acct.token.clone();
    let earbuds = product(&app, &st.shop, Category::Electronics, "蓝牙耳机").await;
    // Today is 2026-11-25 in Beijing; the CCC certificate is valid through tomorrow.
    document(&app, &st.shop, &st.op, &earbuds, Category::Electronics, "2026-11-26").await;
    let sid = show(&app, &st.room, "数码专场", &[&st.anchor.id]).await;
    let item = lineup_item(&app, &tok, &sid, &earbuds).await;
    assert_eq!(start(&app, &tok, &sid).await.status, 200);
    assert_eq!(pin(&app, &tok, &sid, &item).await.status, 200);

    // The last second of 2026-11-26 in Beijing: still valid.
    app.clock.set(at(2026, 11, 26, 15, 59, 59));
    let still = pin(&app, &tok, &sid, &item).await;
    assert_eq!(still.status, 200, "{}", still.body);

    app.clock.set(start_time() + Duration::days(2));
    let stopped = pin(&app, &tok, &sid, &item).await;
    assert_eq!((stopped.status, stopped.code()), (422, "not_eligible"), "{}", stopped.body);
    assert_eq!(
        unmet_summary(&stopped),
        [(s("qualification_expired"), vec![st.anchor.id.clone()], s("Order 117 Art. 27"))]
    );
    let u = &stopped.body["unmet"][0];
    assert_eq!(u["product_id"], earbuds.as_str());
    assert_eq!(u["subject"], "product");
    assert_eq!(u["subject_id"], earbuds.as_str());
    assert_eq!(u["inputs"]["required"], "ccc_certificate");
    assert!(u["inputs"]["on_file"].as_str().unwrap().ends_with("until 2026-11-26"), "{u}");

    // The refused pin left no record.
    let records = app.get(&format!("/api/v1/records?show={sid}"), Some(&tok)).await;
    assert_eq!(actions(&records.body).iter().filter(|a| *a == "product.pinned").count(), 2);
}

// 6. State and access errors.

#[tokio::test]
async fn show_states_and_roles_are_enforced() {
    let app = TestApp::spawn().await;
    let st = stage(&app, 10).await;
    let tok = st.room.acct.token.clone();
    let a = st.anchor.acct.token.clone();
    let other_room = room(&app, Some(&st.op), party_body("另一家直播间有限公司", 30)).await;
    let stranger = anchor(&app, Some(&st.op), 7).await;
    let consumer = app.user(Role::Consumer).await;
    let regulator = app.user(Role::Regulator).await;

    let s1 = show(&app, &st.room, "第一场", &[&st.anchor.id]).await;
    let s2 = show(&app, &st.room, "第二场", &[&st.anchor.id]).await;
    let item1 = lineup_item(&app, &tok, &s1, &st.product).await;
    let item2 = lineup_item(&app, &tok, &s2, &st.product).await;

    // Who may create, fill and start.
    let reg_create = new_show(&app, &regulator, "监管不能开播", &[&st.anchor.id], false).await;
    assert_eq!((reg_create.status, reg_create.code()), (403, "regulator_read_only"));
    let anchor_create = new_show(&app, &a, "主播不能建场", &[&st.anchor.id], false).await;
    assert_eq!((anchor_create.status, anchor_create.code()), (403, "forbidden"));
    let not_mine = app
        .post(
            "/api/v1/shows",
            Some(&other_room.acct.token),
            json!({"room_operator_id": st.room.id, "title": "借用直播间", "scheduled_start": "2026-11-25T12:00:00Z", "roster": [st.anchor.id], "stream_url": "https://live.example.com/x.m3u8"}),
        )
        .await;
    assert_eq!((not_mine.status, not_mine.field()), (403, "room_operator_id"));
    let foreign = add_lineup(&app, &other_room.acct.token, &s1, &st.product).await;
    assert_eq!((foreign.status, foreign.code()), (403, "forbidden"));
    let foreign_start = start(&app, &other_room.acct.token, &s1).await;
    assert_eq!((foreign_start.status, foreign_start.code()), (403, "forbidden"));
    let anchor_lineup = add_lineup(&app, &a, &s1, &st.product).await;
    assert_eq!(anchor_lineup.status, 403, "only the room operator manages the lineup");
    let by_consumer = start(&app, &consumer, &s1).await;
    assert_eq!((by_consumer.status, by_consumer.code()), (403, "forbidden"));
    let by_stranger = start(&app, &stranger.acct.token, &s1).await;
    assert_eq!((by_stranger.status, by_stranger.code()), (403, "forbidden"));
    assert_eq!(start(&app, &regulator, &s1).await.code(), "regulator_read_only");
    assert_eq!(start(&app, &tok, "shw_nope").await.status, 400);

    // The anchor on the roster starts s1; a second start is a state conflict.
    let started = start(&app, &a, &s1).await;
    assert_eq!((started.status, started.body["status"].as_str()), (200, Some("live")), "{}", started.body);
    let again = start(&app, &tok, &s1).await;
    assert_eq!((again.status, again.code()), (409, "invalid_show_state"));

    // s2 is still scheduled: it cannot end, nor pin.
    let early_end = end(&app, &tok, &s2, json!({})).await;
    assert_eq!((early_end.status, early_end.code()), (409, "invalid_show_state"));
    let early_pin = pin(&app, &tok, &s2, &item2).await;
    assert_eq!((early_pin.status, early_pin.code()), (409, "invalid_show_state"));
    let early_suspend = app.post(&format!("/api/v1/shows/{s2}/suspend"), Some(&st.op), json!({"reason": "测试"})).await;
    assert_eq!((early_suspend.status, early_suspend.code()), (409, "invalid_show_state"));

    // Pinning on s1: only its own items, only by its runners.
    let wrong_item = pin(&app, &tok, &s1, &item2).await;
    assert_eq!((wrong_item.status, wrong_item.field()), (422, "lineup_item_id"), "{}", wrong_item.body);
    assert_eq!(wrong_item.body["errors"][0]["code"], "not_in_lineup");
    assert_eq!(pin(&app, &stranger.acct.token, &s1, &item1).await.status, 403);
    assert_eq!(pin(&app, &other_room.acct.token, &s1, &item1).await.status, 403);
    let pinned = pin(&app, &a, &s1, &item1).await;
    assert_eq!(pinned.status, 200, "{}", pinned.body);
    assert_eq!(app.get(&format!("/api/v1/shows/{s1}"), None).await.body["pinned"]["id"], item1.as_str());

    // Suspension is an operator's measure.
    let susp = format!("/api/v1/shows/{s1}/suspend");
    let by_reg = app.post(&susp, Some(&regulator), json!({"reason": "虚假宣传"})).await;
    assert_eq!((by_reg.status, by_reg.code()), (403, "regulator_read_only"));
    let by_room = app.post(&susp, Some(&tok), json!({"reason": "虚假宣传"})).await;
    assert_eq!((by_room.status, by_room.code()), (403, "forbidden"));
    let no_reason = app.post(&susp, Some(&st.op), json!({"reason": "  "})).await;
    assert_eq!((no_reason.status, no_reason.field()), (422, "reason"));
    let suspended = app.post(&susp, Some(&st.op), json!({"reason": "虚假宣传，Art. 12"})).await;
    assert_eq!(suspended.status, 200, "{}", suspended.body);
    assert_eq!(suspended.body["status"], "suspended");
    assert_eq!(suspended.body["pinned"], Value::Null);
    assert_eq!(app.post(&susp, Some(&st.op), json!({"reason": "again"})).await.code(), "invalid_show_state");
    assert_eq!(pin(&app, &tok, &s1, &item1).await.code(), "invalid_show_state");
    assert_eq!(start(&app, &tok, &s1).await.code(), "invalid_show_state");

    // A suspended show can end; the anchor ends it; the replay defaults to the stream URL.
    assert_eq!(end(&app, &stranger.acct.token, &s1, json!({})).await.status, 403);
    let ended = end(&app, &a, &s1, json!({})).await;
    assert_eq!(ended.status, 200, "{}", ended.body);
    assert_eq!(ended.body["status"], "ended");
    assert_eq!(ended.body["ended_at"], "2026-11-25T04:00:00Z");
    assert_eq!(ended.body["replay_url"], stream_url("第一场").as_str());
    let late_add = add_lineup(&app, &tok, &s1, &st.product).await;
    assert_eq!((late_add.status, late_add.code()), (409, "invalid_show_state"));
    assert_eq!(end(&app, &tok, &s1, json!({})).await.code(), "invalid_show_state");
    assert_eq!(start(&app, &tok, &s1).await.code(), "invalid_show_state");

    // s2: the room starts it, a bad replay URL is refused, a given one is kept.
    assert_eq!(start(&app, &tok, &s2).await.status, 200);
    let bad = end(&app, &tok, &s2, json!({"replay_url": "javascript:alert(1)"})).await;
    assert_eq!((bad.status, bad.field()), (422, "replay_url"));
    assert_eq!(app.get(&format!("/api/v1/shows/{s2}"), None).await.body["status"], "live");
    let replay = "https://replay.example.com/s2.m3u8";
    let ended2 = end(&app, &tok, &s2, json!({"replay_url": replay})).await;
    assert_eq!(ended2.status, 200, "{}", ended2.body);
    assert_eq!(ended2.body["replay_url"], replay);

    // Lists and pages are public; the replay stays after the end.
    let all = app.get("/api/v1/shows", None).await;
    assert_eq!(all.status, 200);
    let ids: Vec<&str> = all.body["items"].as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [s1.as_str(), s2.as_str()]);
    let ended_list = app.get("/api/v1/shows?status=ended", None).await;
    assert_eq!(ended_list.body["items"].as_array().unwrap().len(), 2);
    let mine = app.get(&format!("/api/v1/shows?room_operator={}", other_room.id), None).await;
    assert_eq!((mine.status, mine.body["items"].clone()), (200, json!([])));
    let p1 = app.get(&format!("/api/v1/shows/{s1}"), None).await;
    assert_eq!(p1.status, 200);
    assert_eq!(p1.body["replay_url"], stream_url("第一场").as_str());
    let p2 = app.get(&format!("/api/v1/shows/{s2}"), None).await;
    assert_eq!(p2.body["replay_url"], replay);
    assert_eq!(p2.body["stream_url"], stream_url("第二场").as_str());
    assert_eq!(app.get(&format!("/api/v1/shows/{s2}/lineup"), None).await.status, 200);
    assert_eq!(app.get(&format!("/api/v1/shows/{s2}"), Some("cc_not_a_token")).await.status, 401);
    let unknown = format!("/api/v1/shows/shw_{}", uuid::Uuid::now_v7().simple());
    assert_eq!(app.get(&unknown, None).await.status, 404);
}

// 7. Records of a show.

#[tokio::test]
async fn a_show_keeps_its_records_in_order_and_anchors_them_in_the_platform_chain() {
    let app = TestApp::spawn().await;
    let st = stage(&app, 10).await;
    let tok = st.room.acct.token.clone();
    let script = "今天介绍收纳盒，七天无理由退货";
    let created = app
        .post(
            "/api/v1/shows",
            Some(&tok),
            json!({"title": "收纳专场", "scheduled_start": "2026-11-25T12:00:00Z", "roster": [st.anchor.id], "stream_url": "rtmp://media.example.com/live/a", "script": script}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let sid = id_of(&created);
    let item = lineup_item(&app, &tok, &sid, &st.product).await;
    assert_eq!(start(&app, &tok, &sid).await.status, 200);
    let pinned = pin(&app, &st.anchor.acct.token, &sid, &item).await;
    assert_eq!(pinned.status, 200);
    assert_eq!(end(&app, &tok, &sid, json!({})).await.status, 200);

    let url = format!("/api/v1/records?show={sid}");
    let own = app.get(&url, Some(&tok)).await;
    assert_eq!(own.status, 200, "{}", own.body);
    assert_eq!(
        actions(&own.body),
        [
            "show.created",
            "lineup.verified",
            "roster.verified",
            "script.reviewed",
            "show.started",
            "product.pinned",
            "disclosure.shown",
            "show.ended"
        ]
    );
    let items = own.body["items"].as_array().unwrap();
    let seqs: Vec<i64> = items.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(items[0]["prev_hash"], clearcast_domain::audit::GENESIS);
    for w in items.windows(2) {
        assert_eq!(w[1]["prev_hash"], w[0]["hash"]);
    }
    let subjects: Vec<&str> = items.iter().map(|e| e["subject"].as_str().unwrap()).collect();
    assert_eq!(
        subjects,
        [&sid, &item, &st.anchor.id, &sid, &sid, &item, &item, &sid].map(|x| x.as_str()),
        "{subjects:?}"
    );
    assert_eq!(items[0]["detail"]["script_sha256"], personal_hash(script).as_str());
    assert!(!items[0]["detail"].to_string().contains(script), "the script itself is not in the record");
    // The ID number is referenced by a keyed digest (not brute-forceable from a masked number).
    assert_eq!(items[2]["detail"]["id_number_digest"], app.state.store.keyed_digest(&st.anchor.id_number).as_str());
    assert_ne!(items[2]["detail"]["id_number_digest"], personal_hash(&st.anchor.id_number).as_str());
    assert!(!items[2]["detail"].to_string().contains(&st.anchor.id_number), "no ID number in the record");
    assert_eq!(items[3]["detail"]["basis"], "Order 117 Art. 30");
    assert_eq!(items[6]["detail"]["card"], pinned.body["disclosure"]);
    assert_eq!(items[6]["detail"]["card_sha256"], value_hash(&pinned.body["disclosure"]).as_str());
    assert_eq!(items[7]["detail"]["replay_url"], "rtmp://media.example.com/live/a");
    assert_eq!(items[7]["detail"]["retained_until"], "2029-11-25");

    let op = app.get(&url, Some(&st.op)).await;
    assert_eq!(op.status, 200);
    assert_eq!(op.body["items"], own.body["items"]);
    let regulator = app.user(Role::Regulator).await;
    let reg = app.get(&url, Some(&regulator)).await;
    assert_eq!(reg.status, 200);
    assert_eq!(reg.body["items"], own.body["items"]);
    let other_room = room(&app, None, party_body("另一家直播间有限公司", 30)).await;
    assert_eq!(app.get(&url, Some(&other_room.acct.token)).await.status, 403);
    let consumer = app.user(Role::Consumer).await;
    assert_eq!(app.get(&url, Some(&consumer)).await.status, 403);
    assert_eq!(app.get(&url, None).await.status, 401);
    let paged = app.get(&format!("{url}&cursor=5&limit=2"), Some(&st.op)).await;
    assert_eq!(actions(&paged.body), ["product.pinned", "disclosure.shown"]);

    // The show's head is anchored in the platform stream.
    let platform = app.get("/api/v1/records?limit=1000", Some(&st.op)).await;
    assert_eq!(platform.status, 200, "{}", platform.body);
    let anchors: Vec<&Value> =
        platform.body["items"].as_array().unwrap().iter().filter(|e| e["action"] == "records.anchor").collect();
    assert_eq!(anchors.len(), 1, "{}", platform.body);
    assert_eq!(anchors[0]["subject"], sid.as_str());
    assert_eq!(anchors[0]["detail"]["stream"], sid.as_str());
    assert_eq!(anchors[0]["detail"]["seq"], 8);
    assert_eq!(anchors[0]["detail"]["hash"], items[7]["hash"]);
    assert_eq!(app.get("/api/v1/records", Some(&regulator)).await.status, 200);
    assert_eq!(app.get("/api/v1/records", Some(&tok)).await.status, 403);
    let check = app.get("/api/v1/audit/verify", Some(&regulator)).await;
    assert_eq!(check.body["ok"], true, "{}", check.body);
    assert_eq!(check.body["streams"], 2);
}

// 8. Tampering with stored records is found.

async fn unlock(app: &TestApp) {
    let sql: &[&str] = match &app.db {
        Db::Sqlite(_) => &["DROP TRIGGER IF EXISTS records_no_update", "DROP TRIGGER IF EXISTS records_no_delete"],
        Db::Postgres(_) => &["ALTER TABLE records DISABLE TRIGGER records_no_change"],
    };
    for s in sql {
        app.db.execute(s).await.unwrap();
    }
}

async fn lock(app: &TestApp) {
    let sql: &[&str] = match &app.db {
        Db::Sqlite(_) => &[
            "CREATE TRIGGER records_no_update BEFORE UPDATE ON records BEGIN SELECT RAISE(ABORT, 'records are append-only'); END",
            "CREATE TRIGGER records_no_delete BEFORE DELETE ON records BEGIN SELECT RAISE(ABORT, 'records are append-only'); END",
        ],
        Db::Postgres(_) => &["ALTER TABLE records ENABLE TRIGGER records_no_change"],
    };
    for s in sql {
        app.db.execute(s).await.unwrap();
    }
}

/// Runs `sql` with the append-only triggers off and returns the rows it touched.
async fn tamper(app: &TestApp, sql: &str) -> u64 {
    unlock(app).await;
    let n = app.db.execute(sql).await.unwrap();
    lock(app).await;
    n
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn entry_of(v: &Value) -> AuditEntry {
    AuditEntry {
        at: v["at"].as_str().unwrap().parse().unwrap(),
        actor: v["actor"].as_str().unwrap().parse().unwrap(),
        action: v["action"].as_str().unwrap().to_string(),
        subject: v["subject"].as_str().unwrap().to_string(),
        detail: v["detail"].clone(),
    }
}

/// Writes `(detail, prev_hash, hash)` over a stream's records and its head, bypassing the app.
async fn rewrite_stream(app: &TestApp, stream: &str, rows: &[(i64, Value, String, String)]) {
    unlock(app).await;
    for (seq, detail, prev, hash) in rows {
        let sql = format!(
            "UPDATE records SET detail = {}, prev_hash = {}, hash = {} WHERE stream = {} AND seq = {seq}",
            quote(&detail.to_string()),
            quote(prev),
            quote(hash),
            quote(stream)
        );
        assert_eq!(app.db.execute(&sql).await.unwrap(), 1);
    }
    let (seq, _, _, hash) = rows.last().unwrap();
    let sql = format!("UPDATE record_heads SET seq = {seq}, hash = {} WHERE stream = {}", quote(hash), quote(stream));
    assert_eq!(app.db.execute(&sql).await.unwrap(), 1);
    lock(app).await;
}

async fn records_of(app: &TestApp, token: &str, show: String) -> Vec<Value> {
    let r = app.get(&format!("/api/v1/records?show={show}&limit=1000"), Some(token)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"].as_array().unwrap().clone()
}

async fn tampering_is_found(app: &TestApp) {
    let st = stage(app, 10).await;
    let x = run_show(app, &st, "第一场").await;
    let y = run_show(app, &st, "第二场").await;
    let z = run_show(app, &st, "第三场").await;
    let regulator = app.user(Role::Regulator).await;
    let verify = || app.get("/api/v1/audit/verify", Some(&regulator));
    let records = |show: &str| records_of(app, &st.op, show.to_string());

    let platform = app.get("/api/v1/records?limit=1000", Some(&st.op)).await;
    let platform = platform.body["items"].as_array().unwrap().clone();
    let clean = verify().await;
    assert_eq!(clean.status, 200);
    assert_eq!(clean.body["ok"], true, "{}", clean.body);
    assert_eq!(clean.body["first_bad_seq"], Value::Null);
    assert_eq!(clean.body["first_bad_stream"], Value::Null);
    assert_eq!(clean.body["problem"], Value::Null);
    assert_eq!(clean.body["streams"], 4);
    assert_eq!(clean.body["entries"], platform.len() as i64 + 24);
    assert_eq!(clean.body["head_hash"], platform.last().unwrap()["hash"]);
    let consumer = app.user(Role::Consumer).await;
    assert_eq!(app.get("/api/v1/audit/verify", Some(&consumer)).await.status, 403);

    // The store refuses changes while the triggers are on.
    let update =
        format!("UPDATE records SET detail = replace(detail, 'show', 'shoW') WHERE stream = '{x}' AND seq = 2");
    assert!(app.db.execute(&update).await.is_err(), "records are append-only");
    assert!(app.db.execute(&format!("DELETE FROM records WHERE stream = '{x}'")).await.is_err());
    assert_eq!(verify().await.body["ok"], true);

    // One changed byte in one record of x.
    assert_eq!(tamper(app, &update).await, 1);
    assert_eq!(records(&x).await[1]["detail"]["shoW_price"], json!({"minor": 9900, "currency": "CNY"}));
    let broken = verify().await;
    assert_eq!(broken.body["ok"], false, "{}", broken.body);
    assert_eq!(broken.body["first_bad_stream"], x.as_str());
    assert_eq!(broken.body["first_bad_seq"], 2);
    assert_eq!(broken.body["problem"], "hash or link does not match the record's content");
    let undo = format!("UPDATE records SET detail = replace(detail, 'shoW', 'show') WHERE stream = '{x}' AND seq = 2");
    assert_eq!(tamper(app, &undo).await, 1);
    assert_eq!(verify().await.body["ok"], true);

    // The platform stream is checked the same way: here, the anchor of x's head.
    let x_anchor = platform.iter().find(|e| e["action"] == "records.anchor" && e["subject"] == x.as_str()).unwrap();
    let seq = x_anchor["seq"].as_i64().unwrap();
    let forge = format!(
        "UPDATE records SET detail = replace(detail, 'show ended', 'show ENDED') WHERE stream = 'platform' AND seq = {seq}"
    );
    assert_eq!(tamper(app, &forge).await, 1);
    let broken = verify().await;
    assert_eq!(broken.body["ok"], false, "{}", broken.body);
    assert_eq!(broken.body["first_bad_stream"], "platform");
    assert_eq!(broken.body["first_bad_seq"], seq);
    let undo = format!(
        "UPDATE records SET detail = replace(detail, 'show ENDED', 'show ended') WHERE stream = 'platform' AND seq = {seq}"
    );
    assert_eq!(tamper(app, &undo).await, 1);
    assert_eq!(verify().await.body["ok"], true);

    // z rewritten consistently (a lower price at seq 2, every later hash recomputed, head moved):
    // each chain holds, but the head anchored in the platform chain no longer matches.
    let original = records(&z).await;
    let mut prev: Option<(i64, String)> = None;
    let mut forged = Vec::new();
    for r in &original {
        let mut e = entry_of(r);
        if r["seq"] == 2 {
            e.detail["show_price"]["minor"] = json!(1);
        }
        let c = link(prev.as_ref().map(|(s, h)| (*s, h.as_str())), e);
        forged.push((c.seq, c.entry.detail.clone(), c.prev_hash.clone(), c.hash.clone()));
        prev = Some((c.seq, c.hash));
    }
    assert_ne!(forged[7].3, original[7]["hash"].as_str().unwrap());
    rewrite_stream(app, &z, &forged).await;
    let rewritten = verify().await;
    assert_eq!(rewritten.body["ok"], false, "{}", rewritten.body);
    assert_eq!(rewritten.body["first_bad_stream"], z.as_str());
    assert_eq!(rewritten.body["first_bad_seq"], 8);
    assert_eq!(rewritten.body["problem"], "the record anchored in the platform chain has changed");
    let restore: Vec<(i64, Value, String, String)> = original
        .iter()
        .map(|r| {
            let (p, h) = (r["prev_hash"].as_str().unwrap(), r["hash"].as_str().unwrap());
            (r["seq"].as_i64().unwrap(), r["detail"].clone(), p.to_string(), h.to_string())
        })
        .collect();
    rewrite_stream(app, &z, &restore).await;
    assert_eq!(verify().await.body["ok"], true);

    // The last record of y deleted: the stream no longer reaches its head.
    let y_records = records(&y).await;
    let delete = format!("DELETE FROM records WHERE stream = '{y}' AND seq = 8");
    assert_eq!(tamper(app, &delete).await, 1);
    let cut = verify().await;
    assert_eq!(cut.body["ok"], false, "{}", cut.body);
    assert_eq!(cut.body["first_bad_stream"], y.as_str());
    assert_eq!(cut.body["first_bad_seq"], 8);
    assert_eq!(cut.body["problem"], "records are missing after this point (head does not match)");
    // ... and moving the head back as well is still caught by the platform anchor.
    let rewind = format!(
        "UPDATE record_heads SET seq = 7, hash = {} WHERE stream = '{y}'",
        quote(y_records[6]["hash"].as_str().unwrap())
    );
    assert_eq!(app.db.execute(&rewind).await.unwrap(), 1);
    let rewound = verify().await;
    assert_eq!(rewound.body["ok"], false, "{}", rewound.body);
    assert_eq!(rewound.body["first_bad_stream"], y.as_str());
    assert_eq!(rewound.body["first_bad_seq"], 8);
    assert_eq!(rewound.body["problem"], "the record anchored in the platform chain has changed");
    // ... and so is removing the whole stream with its head.
    assert_eq!(tamper(app, &format!("DELETE FROM records WHERE stream = '{y}'")).await, 7);
    assert_eq!(app.db.execute(&format!("DELETE FROM record_heads WHERE stream = '{y}'")).await.unwrap(), 1);
    let gone = verify().await;
    assert_eq!(gone.body["ok"], false, "{}", gone.body);
    assert_eq!(gone.body["streams"], 3);
    assert_eq!(gone.body["first_bad_stream"], y.as_str());
    assert_eq!(gone.body["first_bad_seq"], 1);
    assert_eq!(gone.body["problem"], "a show whose records are missing");
}

#[tokio::test]
async fn tampering_with_a_record_is_found_on_sqlite() {
    tampering_is_found(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn tampering_with_a_record_is_found_on_postgres() {
    let Some(app) = TestApp::spawn_postgres().await else { return };
    assert_eq!(app.state.store.backend(), "postgres");
    tampering_is_found(&app).await;
}

/// A one-byte change that leaves a record unparsable (its JSON detail, its actor id) must still be
/// named by the verifier, like any other change.
async fn an_unreadable_record_is_named(app: &TestApp) {
    let st = stage(app, 10).await;
    let x = run_show(app, &st, "第一场").await;
    let regulator = app.user(Role::Regulator).await;
    assert_eq!(app.get("/api/v1/audit/verify", Some(&regulator)).await.body["ok"], true);

    let break_json = format!("UPDATE records SET detail = '[' || substr(detail, 2) WHERE stream = '{x}' AND seq = 2");
    assert_eq!(tamper(app, &break_json).await, 1);
    let v = app.get("/api/v1/audit/verify", Some(&regulator)).await;
    assert_eq!(v.status, 200, "{}", v.body);
    assert_eq!(v.body["ok"], false, "{}", v.body);
    assert_eq!(v.body["first_bad_stream"], x.as_str());
    assert_eq!(v.body["first_bad_seq"], 2);
    let undo = format!("UPDATE records SET detail = '{{' || substr(detail, 2) WHERE stream = '{x}' AND seq = 2");
    assert_eq!(tamper(app, &undo).await, 1);
    assert_eq!(app.get("/api/v1/audit/verify", Some(&regulator)).await.body["ok"], true);

    let break_actor = format!("UPDATE records SET actor = 'acx' || substr(actor, 4) WHERE stream = '{x}' AND seq = 3");
    assert_eq!(tamper(app, &break_actor).await, 1);
    let v = app.get("/api/v1/audit/verify", Some(&regulator)).await;
    assert_eq!(v.status, 200, "{}", v.body);
    assert_eq!(v.body["ok"], false, "{}", v.body);
    assert_eq!(v.body["first_bad_stream"], x.as_str());
    assert_eq!(v.body["first_bad_seq"], 3);
}

#[tokio::test]
async fn an_unreadable_record_is_named_on_sqlite() {
    an_unreadable_record_is_named(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn an_unreadable_record_is_named_on_postgres() {
    let Some(app) = TestApp::spawn_postgres().await else { return };
    an_unreadable_record_is_named(&app).await;
}

// 9. Change requests.

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

async fn overdue_ids(app: &TestApp, token: &str) -> Vec<String> {
    let l = app.get("/api/v1/change-requests?overdue=true", Some(token)).await;
    assert_eq!(l.status, 200, "{}", l.body);
    l.body["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn change_deadlines_skip_the_policy_holidays_and_overdue_requests_are_listed() {
    // The default calendar: National Day 1-7 October 2026 off, Saturday 10 October worked,
    // Mid-Autumn 25-27 September off; 30 September, 8 and 9 October are ordinary working days.
    let cal = Policy::default_policy().calendar;
    assert!((1..=7).all(|day| cal.holidays.contains(&d(2026, 10, day))));
    assert!([25, 26, 27].iter().all(|day| cal.holidays.contains(&d(2026, 9, *day))));
    assert!(!cal.holidays.contains(&d(2026, 9, 30)) && !cal.holidays.contains(&d(2026, 10, 8)));
    assert!(!cal.holidays.contains(&d(2026, 10, 9)));
    assert!(cal.makeup_workdays.contains(&d(2026, 10, 10)));

    let app = TestApp::spawn().await;
    let op = app.user(Role::Operator).await;
    let other = room(&app, None, party_body("第二直播间有限公司", 40)).await;
    let room = room(&app, Some(&op), party_body("星光直播间运营有限公司", 20)).await;

    // Tuesday 29 September 2026, 10:00 in Beijing: changed today, report within 3 working days
    // (30 Sep; 1-7 Oct off; 8, 9 Oct) -> 9 Oct; verify within 7 working days of today
    // (30 Sep, 8, 9, Sat 10 (make-up), 12, 13, 14 Oct) -> 14 Oct.
    app.clock.set(at(2026, 9, 29, 2, 0, 0));
    let r = app
        .post(
            "/api/v1/change-requests",
            Some(&room.acct.token),
            json!({"party_id": room.id, "address": "浙江省杭州市滨江区网商路 699 号", "changed_on": "2026-09-29"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["party"], room.id.as_str());
    assert_eq!(r.body["changed_on"], "2026-09-29");
    assert_eq!(r.body["report_due"], "2026-10-09");
    assert_eq!(r.body["reported_late"], false);
    assert_eq!(r.body["verify_due"], "2026-10-14");
    assert_eq!(r.body["status"], "pending");
    assert_eq!(r.body["overdue"], false);
    assert_eq!(
        r.body["changes"],
        json!({"legal_name": null, "address": "浙江省杭州市滨江区网商路 699 号", "contact": null})
    );
    let cid = id_of(&r);
    assert!(cid.starts_with("chg_"));

    // Thursday 8 October: a change of Thursday 24 September was due (25-27 Sep off; 28, 29, 30)
    // on 30 September: late. Verify by (9, Sat 10, 12, 13, 14, 15, 16) 16 October.
    app.clock.set(at(2026, 10, 8, 2, 0, 0));
    let late = app
        .post(
            "/api/v1/change-requests",
            Some(&other.acct.token),
            json!({"party_id": other.id, "contact": "0571-99990000", "changed_on": "2026-09-24"}),
        )
        .await;
    assert_eq!(late.status, 201, "{}", late.body);
    assert_eq!(late.body["report_due"], "2026-09-30");
    assert_eq!(late.body["reported_late"], true);
    assert_eq!(late.body["verify_due"], "2026-10-16");
    let late_id = id_of(&late);

    // Overdue only once the verify_due day is over in Beijing.
    assert!(overdue_ids(&app, &op).await.is_empty());
    app.clock.set(at(2026, 10, 14, 15, 59, 59));
    assert!(overdue_ids(&app, &op).await.is_empty());
    let pending = app.get("/api/v1/change-requests?overdue=false", Some(&op)).await;
    assert_eq!(pending.body["items"].as_array().unwrap().len(), 2);
    app.clock.set(at(2026, 10, 14, 16, 0, 0));
    assert_eq!(overdue_ids(&app, &op).await, [cid.as_str()]);
    assert_eq!(overdue_ids(&app, &room.acct.token).await, [cid.as_str()], "the reporter sees its own");
    assert!(overdue_ids(&app, &other.acct.token).await.is_empty(), "others' requests are not listed");
    app.clock.set(at(2026, 10, 16, 16, 0, 0));
    assert_eq!(overdue_ids(&app, &op).await, [cid.clone(), late_id.clone()]);

    // A rejection leaves the record as it was and takes the request off the overdue list.
    let no_note =
        app.post(&format!("/api/v1/change-requests/{cid}/verify"), Some(&op), json!({"decision": "reject"})).await;
    assert_eq!((no_note.status, no_note.field()), (422, "note"));
    let rejected = app
        .post(
            &format!("/api/v1/change-requests/{cid}/verify"),
            Some(&op),
            json!({"decision": "reject", "note": "地址证明材料不全"}),
        )
        .await;
    assert_eq!(rejected.status, 200, "{}", rejected.body);
    assert_eq!(rejected.body["status"], "rejected");
    assert_eq!(rejected.body["overdue"], false);
    assert_eq!(overdue_ids(&app, &op).await, [late_id]);
    let r = app.get(&format!("/api/v1/room-operators/{}", room.id), None).await;
    assert_eq!(r.body["address"], "浙江省杭州市西湖区文三路 1 号");
}

#[tokio::test]
async fn a_verified_change_reaches_the_record_and_the_live_disclosure_card() {
    let app = TestApp::spawn().await;
    let st = stage(&app, 10).await;
    let tok = st.room.acct.token.clone();
    let sid = show(&app, &st.room, "直播中", &[&st.anchor.id]).await;
    let item = lineup_item(&app, &tok, &sid, &st.product).await;
    assert_eq!(start(&app, &tok, &sid).await.status, 200);
    assert_eq!(pin(&app, &tok, &sid, &item).await.status, 200);

    // Thursday 26 November 2026, 10:00 in Beijing.
    app.clock.set(at(2026, 11, 26, 2, 0, 0));
    let new_address = "浙江省杭州市滨江区网商路 699 号";
    // Changed Wednesday 25: Thu 26, Fri 27, (weekend), Mon 30 -> due 30 Nov, on time.
    let r = app
        .post(
            "/api/v1/change-requests",
            Some(&tok),
            json!({"party_id": st.room.id, "address": new_address, "changed_on": "2026-11-25"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["report_due"], "2026-11-30");
    assert_eq!(r.body["reported_late"], false);
    // Verify within 7 working days of Thu 26: 27, 30, 1, 2, 3, 4, 7 -> 7 Dec.
    assert_eq!(r.body["verify_due"], "2026-12-07");
    let cid = id_of(&r);
    // Changed Friday 20, the day before a weekend: (weekend), Mon 23, Tue 24, Wed 25 -> late today.
    let late = app
        .post(
            "/api/v1/change-requests",
            Some(&tok),
            json!({"party_id": st.room.id, "contact": "0571-12345678", "changed_on": "2026-11-20"}),
        )
        .await;
    assert_eq!(late.status, 201, "{}", late.body);
    assert_eq!(late.body["report_due"], "2026-11-25");
    assert_eq!(late.body["reported_late"], true);
    assert_eq!(late.body["verify_due"], "2026-12-07");
    let future = app
        .post(
            "/api/v1/change-requests",
            Some(&tok),
            json!({"party_id": st.room.id, "contact": "0571-12345678", "changed_on": "2026-11-27"}),
        )
        .await;
    assert_eq!((future.status, future.field()), (422, "changed_on"));

    // Who may report and decide.
    let body = json!({"party_id": st.room.id, "address": "别处", "changed_on": "2026-11-25"});
    let consumer = app.user(Role::Consumer).await;
    let c = app.post("/api/v1/change-requests", Some(&consumer), body.clone()).await;
    assert_eq!((c.status, c.code()), (403, "forbidden"));
    let regulator = app.user(Role::Regulator).await;
    let rg = app.post("/api/v1/change-requests", Some(&regulator), body.clone()).await;
    assert_eq!((rg.status, rg.code()), (403, "regulator_read_only"));
    let other = room(&app, None, party_body("另一家直播间有限公司", 30)).await;
    assert_eq!(app.post("/api/v1/change-requests", Some(&other.acct.token), body).await.status, 403);
    let decide = format!("/api/v1/change-requests/{cid}/verify");
    assert_eq!(app.post(&decide, Some(&tok), json!({})).await.status, 403, "no deciding one's own change");

    let approved = app.post(&decide, Some(&st.op), json!({"decision": "approve"})).await;
    assert_eq!(approved.status, 200, "{}", approved.body);
    assert_eq!(approved.body["status"], "verified");
    assert_eq!(approved.body["decision"], "approve");
    assert_eq!(approved.body["decided_at"], "2026-11-26T02:00:00Z");
    let again = app.post(&decide, Some(&st.op), json!({"decision": "reject", "note": "改判"})).await;
    assert_eq!((again.status, again.code()), (409, "already_decided"));

    let r = app.get(&format!("/api/v1/room-operators/{}", st.room.id), None).await;
    assert_eq!(r.body["address"], new_address);
    assert_eq!(r.body["contact"], "0571-88880000", "the late contact change is still pending");
    let page = app.get(&format!("/api/v1/shows/{sid}"), None).await;
    assert_eq!(page.body["status"], "live");
    assert_eq!(page.body["disclosure"]["room_operator"]["address"], new_address);
    assert_eq!(page.body["pinned"]["disclosure"]["room_operator"]["address"], new_address);
    let live = app.get("/api/v1/shows?status=live", None).await;
    assert_eq!(live.body["items"][0]["disclosure"]["room_operator"]["address"], new_address);
    let trail = app.get("/api/v1/audit?limit=1000", Some(&regulator)).await;
    let decided: Vec<&Value> =
        trail.body["items"].as_array().unwrap().iter().filter(|e| e["action"] == "change.decided").collect();
    assert_eq!(decided.len(), 1);
    assert_eq!(decided[0]["detail"]["on_time"], true);
}

#[tokio::test]
async fn a_decision_after_the_verification_deadline_is_recorded_as_late() {
    let app = TestApp::spawn().await;
    let op = app.user(Role::Operator).await;
    let room = room(&app, Some(&op), party_body("星光直播间运营有限公司", 20)).await;
    // Reported Thursday 26 November 2026: verify by Monday 7 December.
    app.clock.set(at(2026, 11, 26, 2, 0, 0));
    let mut ids = Vec::new();
    for contact in ["0571-11110000", "0571-22220000"] {
        let r = app
            .post(
                "/api/v1/change-requests",
                Some(&room.acct.token),
                json!({"party_id": room.id, "contact": contact, "changed_on": "2026-11-25"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.body["verify_due"], "2026-12-07");
        ids.push(id_of(&r));
    }
    // The first is decided in the last second of 7 December in Beijing, the second a second later.
    app.clock.set(at(2026, 12, 7, 15, 59, 59));
    let on_time = app.post(&format!("/api/v1/change-requests/{}/verify", ids[0]), Some(&op), json!({})).await;
    assert_eq!(on_time.status, 200, "{}", on_time.body);
    app.clock.set(at(2026, 12, 7, 16, 0, 0));
    assert_eq!(overdue_ids(&app, &op).await, [ids[1].clone()]);
    let late = app.post(&format!("/api/v1/change-requests/{}/verify", ids[1]), Some(&op), json!({})).await;
    assert_eq!(late.status, 200, "{}", late.body);

    let regulator = app.user(Role::Regulator).await;
    let trail = app.get("/api/v1/audit?limit=1000", Some(&regulator)).await;
    let decided: Vec<(String, bool)> = trail.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "change.decided")
        .map(|e| (e["detail"]["request"].as_str().unwrap().to_string(), e["detail"]["on_time"].as_bool().unwrap()))
        .collect();
    assert_eq!(decided, [(ids[0].clone(), true), (ids[1].clone(), false)]);
}

// 10. The Art. 9 identity report.

async fn get_text(app: &TestApp, path: &str, token: &str) -> (u16, String, String, String) {
    let res = app.client.get(format!("{}{path}", app.base)).bearer_auth(token).send().await.unwrap();
    let header = |h: &str| res.headers().get(h).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let (ct, cd) = (header("content-type"), header("content-disposition"));
    (res.status().as_u16(), ct, cd, res.text().await.unwrap())
}

#[tokio::test]
async fn the_identity_report_lists_who_went_live_in_the_half_year() {
    let app = TestApp::spawn().await;
    let mut op = account(&app, Role::Operator).await;
    let shop = shop(&app, 10, &op.token).await;
    let pid = product(&app, &shop, Category::Other, "收纳盒").await;
    let mut r1 = room(&app, Some(&op.token), party_body("星光直播间运营有限公司", 20)).await;
    let person_id = id_number("19880808", 9);
    let mut r2 = room(&app, Some(&op.token), person_body("陈小鱼", &person_id)).await;
    let r3 = room(&app, Some(&op.token), party_body("只预告不开播有限公司", 30)).await;
    let mut anchors = Vec::new();
    for n in 1..=4 {
        let a = anchor(&app, Some(&op.token), n).await;
        train(&app, &op.token, &a.id, None).await;
        anchors.push(a);
    }
    let [a1, a2, a3, a4] = [0, 1, 2, 3].map(|i| anchors[i].id.as_str());
    for (r, a) in [(&r1, a1), (&r1, a2), (&r2, a3), (&r3, a4)] {
        enlist(&app, r, a).await;
    }

    // 2026H2: r1 twice with a1 (25 Nov, 10 Dec), r2 with a3 at the last second of 2026 in Beijing.
    // r3's show with a4 is announced but never starts. r1's show with a1 and a2 is created in 2026
    // but starts at the first second of 2027 in Beijing: 2027H1.
    let s1 = show(&app, &r1, "第一场", &[a1]).await;
    let s1b = show(&app, &r1, "第二场", &[a1]).await;
    let s3 = show(&app, &r1, "跨年场", &[a1, a2]).await;
    let s2 = show(&app, &r2, "小鱼跨年", &[a3]).await;
    let never = show(&app, &r3, "只预告", &[a4]).await;
    for s in [&s1, &s1b, &s3] {
        lineup_item(&app, &r1.acct.token, s, &pid).await;
    }
    lineup_item(&app, &r2.acct.token, &s2, &pid).await;
    lineup_item(&app, &r3.acct.token, &never, &pid).await;
    assert_eq!(start(&app, &r1.acct.token, &s1).await.status, 200);
    app.clock.set(at(2026, 12, 10, 2, 0, 0));
    assert_eq!(start(&app, &r1.acct.token, &s1b).await.status, 200);
    app.clock.set(at(2026, 12, 31, 15, 59, 59));
    r2.acct.relogin(&app).await;
    let live = start(&app, &r2.acct.token, &s2).await;
    assert_eq!(live.status, 200, "{}", live.body);
    app.clock.set(at(2026, 12, 31, 16, 0, 0));
    r1.acct.relogin(&app).await;
    assert_eq!(start(&app, &r1.acct.token, &s3).await.status, 200);

    app.clock.set(at(2027, 3, 1, 2, 0, 0));
    op.relogin(&app).await;
    let regulator = app.user(Role::Regulator).await;
    let rows = |body: &Value| -> Vec<(String, String)> {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["kind"].as_str().unwrap().to_string(), r["id"].as_str().unwrap().to_string()))
            .collect()
    };
    let row = |body: &Value, id: &str| -> Value {
        body["items"].as_array().unwrap().iter().find(|r| r["id"] == id).cloned().unwrap()
    };

    let h2 = app.get("/api/v1/reports/identities?half=2026H2", Some(&regulator)).await;
    assert_eq!(h2.status, 200, "{}", h2.body);
    assert_eq!(h2.body["half"], "2026H2");
    assert_eq!(h2.body["from"], "2026-06-30T16:00:00Z");
    assert_eq!(h2.body["to"], "2026-12-31T16:00:00Z");
    let mut rooms_h2 = [r1.id.clone(), r2.id.clone()];
    rooms_h2.sort();
    let mut anchors_h2 = [a1.to_string(), a3.to_string()];
    anchors_h2.sort();
    let expected: Vec<(String, String)> = rooms_h2
        .iter()
        .map(|r| (s("room_operator"), r.clone()))
        .chain(anchors_h2.iter().map(|a| (s("anchor"), a.clone())))
        .collect();
    assert_eq!(rows(&h2.body), expected);

    let r1_row = row(&h2.body, &r1.id);
    assert_eq!(r1_row["name"], "星光直播间运营有限公司");
    assert_eq!(r1_row["identity_number"], uscc(20).as_str());
    assert_eq!(r1_row["address"], "浙江省杭州市西湖区文三路 1 号");
    assert_eq!(r1_row["contact"], "0571-88880000");
    assert_eq!(r1_row["shows"], 2);
    assert_eq!(r1_row["first_show_at"], "2026-11-25T04:00:00Z");
    assert_eq!(r1_row["last_show_at"], "2026-12-10T02:00:00Z");
    assert_eq!(r1_row["verification"], "verified");
    assert_eq!(r1_row["verified_until"], "2027-05-25T04:00:00Z");
    let r2_row = row(&h2.body, &r2.id);
    assert_eq!(r2_row["identity_number"], person_id.as_str(), "the regulator gets the full ID number");
    assert_eq!(r2_row["shows"], 1);
    assert_eq!(r2_row["first_show_at"], "2026-12-31T15:59:59Z");
    assert_eq!(r2_row["last_show_at"], "2026-12-31T15:59:59Z");
    let a1_row = row(&h2.body, a1);
    assert_eq!(a1_row["name"], "李佳1");
    assert_eq!(a1_row["identity_number"], anchors[0].id_number.as_str());
    assert_eq!(a1_row["address"], "上海市静安区南京西路 1 号");
    assert_eq!(a1_row["shows"], 2);
    assert_eq!(a1_row["agency_id"], Value::Null);
    assert_eq!(row(&h2.body, a3)["identity_number"], anchors[2].id_number.as_str());
    assert_eq!(row(&h2.body, a3)["shows"], 1);

    let h1 = app.get("/api/v1/reports/identities?half=2027H1", Some(&op.token)).await;
    assert_eq!(h1.status, 200, "{}", h1.body);
    let mut anchors_h1 = [a1.to_string(), a2.to_string()];
    anchors_h1.sort();
    let expected: Vec<(String, String)> = std::iter::once((s("room_operator"), r1.id.clone()))
        .chain(anchors_h1.iter().map(|a| (s("anchor"), a.clone())))
        .collect();
    assert_eq!(rows(&h1.body), expected);
    let r1_h1 = row(&h1.body, &r1.id);
    assert_eq!(r1_h1["shows"], 1);
    assert_eq!(r1_h1["first_show_at"], "2026-12-31T16:00:00Z");
    assert_eq!(r1_h1["verification"], "expired", "judged at the end of the half-year");
    assert_eq!(row(&h1.body, a2)["identity_number"], anchors[1].id_number.as_str());

    let (status, ct, cd, text) = get_text(&app, "/api/v1/reports/identities?half=2026H2&format=csv", &regulator).await;
    assert_eq!(status, 200);
    assert_eq!(ct, "text/csv; charset=utf-8");
    assert_eq!(cd, "attachment; filename=\"identities-2026H2.csv\"");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "kind,id,name,identity_number,address,contact,agency_id,verification,verified_until,shows,first_show_at,last_show_at"
    );
    assert_eq!(lines.len(), 5, "{text}");
    for (line, (kind, id)) in lines[1..].iter().zip(&rows(&h2.body)) {
        assert!(line.starts_with(&format!("\"{kind}\",\"{id}\",")), "{line}");
    }
    let a1_line = lines.iter().find(|l| l.contains(a1)).unwrap();
    assert!(a1_line.contains(&format!("\"{}\"", anchors[0].id_number)), "{a1_line}");
    assert!(a1_line.ends_with(",\"2\",\"2026-11-25T04:00:00+00:00\",\"2026-12-10T02:00:00+00:00\""), "{a1_line}");
    assert!(!text.contains(&r3.id) && !text.contains(a4));

    let consumer = app.user(Role::Consumer).await;
    let c = app.get("/api/v1/reports/identities?half=2026H2", Some(&consumer)).await;
    assert_eq!((c.status, c.code()), (403, "forbidden"));
    r1.acct.relogin(&app).await;
    assert_eq!(app.get("/api/v1/reports/identities?half=2026H2", Some(&r1.acct.token)).await.status, 403);
    let bad = app.get("/api/v1/reports/identities?half=2026H3", Some(&regulator)).await;
    assert_eq!((bad.status, bad.code(), bad.field()), (400, "invalid_query", "half"));
    assert_eq!(bad.body["errors"][0]["code"], "invalid_half");
    let fmt = app.get("/api/v1/reports/identities?half=2026H2&format=xml", Some(&regulator)).await;
    assert_eq!((fmt.status, fmt.field()), (400, "format"));
}

// 11. Tiers.

#[tokio::test]
async fn a_room_becomes_a_key_room_with_health_food_on_a_lineup_and_followers_count() {
    let app = TestApp::spawn().await;
    let st = stage(&app, 10).await;
    let tok = st.room.acct.token.clone();
    train(&app, &st.op, &st.anchor.id, Some(Category::HealthFood)).await;
    let fish_oil = product(&app, &st.shop, Category::HealthFood, "深海鱼油").await;
    document(&app, &st.shop, &st.op, &fish_oil, Category::HealthFood, "2028-01-01").await;
    let regulator = app.user(Role::Regulator).await;
    let tier_url = format!("/api/v1/room-operators/{}/tier", st.room.id);
    let criteria = |followers: u64, categories: &str, met: bool| {
        json!([
            {"input": "followers", "value": followers.to_string(), "threshold": ">= 10000", "met": false},
            {"input": "sales_minor_90d", "value": "0", "threshold": ">= 100000000", "met": false},
            {"input": "categories_90d", "value": categories, "threshold": "any of health_food, baby", "met": met},
            {"input": "violation_points_90d", "value": "0", "threshold": ">= 12", "met": false},
            {"input": "reputation", "value": "no score yet", "threshold": "< 3", "met": false},
        ])
    };

    let t = app.get(&tier_url, None).await;
    assert_eq!(t.status, 200, "{}", t.body);
    assert_eq!(
        t.body,
        json!({"room_operator_id": st.room.id, "name": "星光直播间运营有限公司", "tier": "standard",
               "criteria": criteria(0, "none of the key categories", false), "article": "Order 117 Art. 11"})
    );
    let keys = app.get("/api/v1/reports/key-rooms", Some(&regulator)).await;
    assert_eq!((keys.status, keys.body["items"].clone()), (200, json!([])));

    // Followers.
    let follow = format!("/api/v1/room-operators/{}/follow", st.room.id);
    let (c1, c2) = (app.user(Role::Consumer).await, app.user(Role::Consumer).await);
    assert_eq!(app.post(&follow, Some(&c1), json!({})).await.body, json!({"following": true, "followers": 1}));
    assert_eq!(app.post(&follow, Some(&c1), json!({})).await.body, json!({"following": true, "followers": 1}));
    assert_eq!(app.post(&follow, Some(&c2), json!({})).await.body, json!({"following": true, "followers": 2}));
    assert_eq!(app.get(&tier_url, None).await.body["criteria"][0]["value"], "2");
    assert_eq!(app.delete(&follow, Some(&c1)).await.body, json!({"following": false, "followers": 1}));
    assert_eq!(app.delete(&follow, Some(&c1)).await.body, json!({"following": false, "followers": 1}));
    assert_eq!(app.post(&follow, None, json!({})).await.status, 401);
    assert_eq!(app.get(&tier_url, None).await.body["criteria"][0]["value"], "1");

    // Another room selling ordinary goods stays standard.
    let plain = room(&app, Some(&st.op), party_body("普通直播间有限公司", 30)).await;
    enlist(&app, &plain, &st.anchor.id).await;
    let ps = show(&app, &plain, "日用品", &[&st.anchor.id]).await;
    lineup_item(&app, &plain.acct.token, &ps, &st.product).await;

    let sid = show(&app, &st.room, "保健品专场", &[&st.anchor.id]).await;
    lineup_item(&app, &tok, &sid, &fish_oil).await;
    let key = app.get(&tier_url, None).await;
    assert_eq!(key.body["tier"], "key", "{}", key.body);
    assert_eq!(key.body["criteria"], criteria(1, "health_food", true));
    let plain_tier = app.get(&format!("/api/v1/room-operators/{}/tier", plain.id), None).await;
    assert_eq!(plain_tier.body["tier"], "standard");

    let keys = app.get("/api/v1/reports/key-rooms", Some(&regulator)).await;
    assert_eq!(keys.status, 200);
    let items = keys.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", keys.body);
    assert_eq!(items[0], key.body);
    assert_eq!(app.get("/api/v1/reports/key-rooms", Some(&st.op)).await.status, 200);
    assert_eq!(app.get("/api/v1/reports/key-rooms", Some(&c1)).await.status, 403);
    assert_eq!(app.get("/api/v1/reports/key-rooms", Some(&tok)).await.status, 403);

    // The categories criterion looks back 90 days.
    app.clock.set(start_time() + Duration::days(90));
    assert_eq!(app.get(&tier_url, None).await.body["tier"], "key");
    app.clock.set(start_time() + Duration::days(90) + Duration::seconds(1));
    let later = app.get(&tier_url, None).await;
    assert_eq!(later.body["tier"], "standard");
    assert_eq!(later.body["criteria"][2]["met"], false);
    let regulator = app.user(Role::Regulator).await;
    assert_eq!(app.get("/api/v1/reports/key-rooms", Some(&regulator)).await.body["items"], json!([]));
}

// ---------------------------------------------------------------------------------------------
// Speech supervision: script review, live transcript, violations, the ladder, appeals, bars.
// ---------------------------------------------------------------------------------------------

async fn show_with_script(app: &TestApp, st: &Stage, title: &str, script: &str) -> String {
    let s = app
        .post(
            "/api/v1/shows",
            Some(&st.room.acct.token),
            json!({"title": title, "scheduled_start": "2026-11-25T12:00:00Z", "roster": [st.anchor.id], "stream_url": stream_url(title), "ai_presenter": false, "script": script}),
        )
        .await;
    assert_eq!(s.status, 201, "{}", s.body);
    let id = id_of(&s);
    lineup_item(app, &st.room.acct.token, &id, &st.product).await;
    id
}

async fn say(app: &TestApp, token: &str, show: &str, segments: Value) -> Answer {
    app.post(&format!("/api/v1/shows/{show}/transcript"), Some(token), json!({"segments": segments})).await
}

#[tokio::test]
async fn a_script_with_red_findings_blocks_the_start_until_an_operator_overrides_with_a_reason() {
    let app = TestApp::spawn().await;
    let st = stage(&app, 7100).await;
    let s = show_with_script(&app, &st, "违规脚本", "家人们，这个收纳盒是全网最低价，加我微信还能便宜").await;
    let refused = start(&app, &st.room.acct.token, &s).await;
    assert_eq!((refused.status, refused.code()), (422, "script_not_compliant"), "{}", refused.body);
    let labels: Vec<&str> =
        refused.body["findings"].as_array().unwrap().iter().map(|f| f["label"].as_str().unwrap()).collect();
    assert!(labels.contains(&"price_fraud") && labels.contains(&"off_platform"), "{labels:?}");
    assert!(refused.body["findings"][0]["suggestion"].as_str().is_some_and(|s| !s.is_empty()));
    // The room may not override; an operator may, and must say why.
    let by_room = app
        .post(&format!("/api/v1/shows/{s}/start"), Some(&st.room.acct.token), json!({"override_reason": "急"}))
        .await;
    assert_eq!(by_room.status, 403, "{}", by_room.body);
    let no_reason = app.post(&format!("/api/v1/shows/{s}/start"), Some(&st.op), json!({"override_reason": "  "})).await;
    assert_eq!(no_reason.status, 422, "{}", no_reason.body);
    let ok = app
        .post(
            &format!("/api/v1/shows/{s}/start"),
            Some(&st.op),
            json!({"override_reason": "脚本已人工复核，主播承诺口播时删去两处"}),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let recs = app.get(&format!("/api/v1/records?show={s}&limit=200"), Some(&st.op)).await;
    let review =
        recs.body["items"].as_array().unwrap().iter().find(|r| r["action"] == "script.reviewed").unwrap().clone();
    assert_eq!(review["detail"]["scanned"], true);
    assert_eq!(review["detail"]["override_reason"], "脚本已人工复核，主播承诺口播时删去两处");
    assert!(review["detail"]["red"].as_u64().unwrap() >= 2);

    // A clean script starts without help.
    let clean = show_with_script(&app, &st, "合规脚本", "这款收纳盒是我们家卖得较好的款式，容量 20 升").await;
    assert_eq!(start(&app, &st.room.acct.token, &clean).await.status, 200);
}

#[tokio::test]
async fn live_speech_becomes_violations_points_and_measures_and_an_appeal_reverses_them() {
    live_speech_becomes_violations_points_and_measures_and_an_appeal_reverses_them_on(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn live_speech_becomes_violations_points_and_measures_and_an_appeal_reverses_them_on_postgres() {
    if let Some(app) = TestApp::spawn_postgres().await {
        live_speech_becomes_violations_points_and_measures_and_an_appeal_reverses_them_on(&app).await;
    }
}

async fn live_speech_becomes_violations_points_and_measures_and_an_appeal_reverses_them_on(app: &TestApp) {
    let st = stage(app, 7200).await;
    let s = show_with_script(app, &st, "直播", "今天介绍收纳盒").await;
    assert_eq!(start(app, &st.room.acct.token, &s).await.status, 200);
    let anchor_tok = st.anchor.acct.token.clone();

    // A clean segment: no findings, nothing recorded against anyone.
    let clean =
        say(app, &anchor_tok, &s, json!([{"id": "s1", "at_ms": 1000, "text": "这个收纳盒容量二十升，可以叠放"}])).await;
    assert_eq!(clean.status, 200, "{}", clean.body);
    assert_eq!(clean.body["segments"][0]["findings"], json!([]));
    assert_eq!(clean.body["violations"], json!([]));

    // An absolute price claim: red findings, confirmed violations, a warning on anchor and room.
    let one = say(app, &anchor_tok, &s, json!([{"id": "s2", "at_ms": 5000, "text": "这个收纳盒是全网最低价"}])).await;
    assert_eq!(one.status, 200, "{}", one.body);
    let f = &one.body["segments"][0]["findings"];
    assert!(!f.as_array().unwrap().is_empty(), "{}", one.body);
    assert!(one.body["violations"].as_array().unwrap().iter().all(|v| v["status"] == "confirmed"));
    let kinds: Vec<&str> =
        one.body["measures"].as_array().unwrap().iter().map(|m| m["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, vec!["warning", "warning"], "{}", one.body);
    assert!(one.body["measures"][0]["appeal_route"].as_str().unwrap().contains("appeal"));
    assert!(one.body["measures"][0]["facts"].as_str().unwrap().contains("全网最低价"));

    // A correction is linked; medical claims push the anchor to a live suspension, which stops
    // the show.
    let more = say(
        app,
        &anchor_tok,
        &s,
        json!([
            {"id": "s3", "at_ms": 9000, "text": "更正一下，是我们家卖得较好的款", "corrects": "s2"},
            {"id": "s4", "at_ms": 12000, "text": "放在卧室里，高血压都能治好"},
            {"id": "s5", "at_ms": 15000, "text": "真的，高血压都能治好"},
        ]),
    )
    .await;
    assert_eq!(more.status, 200, "{}", more.body);
    assert_eq!(more.body["segments"][0]["corrects"], "s2");
    assert_eq!(more.body["show_status"], "suspended", "{}", more.body);
    let suspension = more.body["measures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["subject"]["kind"] == "anchor")
        .cloned()
        .unwrap_or_else(|| panic!("{}", more.body));
    assert_eq!(suspension["kind"], "live_suspension");
    let mid = suspension["id"].as_str().unwrap().to_string();
    let recs = app.get(&format!("/api/v1/records?show={s}&limit=200"), Some(&st.op)).await;
    let actions = actions(&recs.body);
    for a in ["speech.segment", "speech.correction", "violation.recorded", "show.suspended"] {
        assert!(actions.contains(&a.to_string()), "{a} missing: {actions:?}");
    }

    // While suspended the anchor cannot go live elsewhere.
    let other = show_with_script(app, &st, "另一场", "今天介绍收纳盒").await;
    let blocked = start(app, &st.room.acct.token, &other).await;
    assert_eq!((blocked.status, blocked.code()), (409, "measure_in_force"), "{}", blocked.body);

    // The anchor sees and appeals its measure; another anchor cannot.
    let mine = app.get("/api/v1/penalties", Some(&anchor_tok)).await;
    assert_eq!(mine.status, 200);
    assert!(mine.body["items"].as_array().unwrap().iter().all(|m| m["subject"]["id"] == st.anchor.id.as_str()));
    let stranger = anchor(app, None, 7299).await;
    let nosy = app
        .post(&format!("/api/v1/penalties/{mid}/appeal"), Some(&stranger.acct.token), json!({"statement": "x"}))
        .await;
    assert!(nosy.status == 403 || nosy.status == 404, "{}", nosy.body);
    let ap = app
        .post(&format!("/api/v1/penalties/{mid}/appeal"), Some(&anchor_tok), json!({"statement": "我在引用观众的问题"}))
        .await;
    assert_eq!(ap.status, 200, "{}", ap.body);
    let twice =
        app.post(&format!("/api/v1/penalties/{mid}/appeal"), Some(&anchor_tok), json!({"statement": "again"})).await;
    assert_eq!(twice.status, 409, "{}", twice.body);
    let by_anchor = app
        .post(
            &format!("/api/v1/penalties/{mid}/appeal/decision"),
            Some(&anchor_tok),
            json!({"upheld": true, "reason": "x"}),
        )
        .await;
    assert_eq!(by_anchor.status, 403);
    let decided = app
        .post(
            &format!("/api/v1/penalties/{mid}/appeal/decision"),
            Some(&st.op),
            json!({"upheld": true, "reason": "回放显示为引用观众提问"}),
        )
        .await;
    assert_eq!(decided.status, 200, "{}", decided.body);
    assert_eq!(decided.body["status"], "reversed");
    let vs = app.get(&format!("/api/v1/violations?anchor={}", st.anchor.id), Some(&st.op)).await;
    let reversed = vs.body["items"].as_array().unwrap().iter().filter(|v| v["status"] == "reversed").count();
    assert!(reversed >= 2, "{}", vs.body);

    // The room's suspension rested on the same violations: it is reversed with them.
    let room_measures = app.get(&format!("/api/v1/penalties?subject={}", st.room.id), Some(&st.op)).await;
    let room_susp = room_measures.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "live_suspension")
        .cloned()
        .unwrap_or_else(|| panic!("{}", room_measures.body));
    assert_eq!(room_susp["status"], "reversed", "{}", room_measures.body);
}

#[tokio::test]
async fn a_blacklisted_identity_cannot_register_again() {
    a_blacklisted_identity_cannot_register_again_on(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn a_blacklisted_identity_cannot_register_again_on_postgres() {
    if let Some(app) = TestApp::spawn_postgres().await {
        a_blacklisted_identity_cannot_register_again_on(&app).await;
    }
}

async fn a_blacklisted_identity_cannot_register_again_on(app: &TestApp) {
    let st = stage(app, 7300).await;
    let s = show_with_script(app, &st, "直播", "今天介绍收纳盒").await;
    assert_eq!(start(app, &st.room.acct.token, &s).await.status, 200);
    let segments: Vec<Value> = (0..15)
        .map(|i| json!({"id": format!("m{i}"), "at_ms": 1000 * i, "text": "吃了这个高血压都能治好，加我微信私下交易"}))
        .collect();
    let r = say(app, &st.anchor.acct.token, &s, json!(segments)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let anchor_measure =
        r.body["measures"].as_array().unwrap().iter().find(|m| m["subject"]["kind"] == "anchor").cloned().unwrap();
    assert_eq!(anchor_measure["kind"], "blacklist", "{}", r.body);
    assert_eq!(anchor_measure["ends_at"], Value::Null);

    // The same ID number cannot come back as a new anchor, nor as a natural-person room.
    let again = account(app, Role::Anchor).await;
    let a = app
        .post(
            "/api/v1/anchors",
            Some(&again.token),
            json!({"real_name": "李佳", "stage_name": "新号", "id_number": st.anchor.id_number, "birth_date": "1992-03-14", "address": "上海市静安区南京西路 1 号", "contact": "13800000000"}),
        )
        .await;
    assert_eq!(a.status, 409, "{}", a.body);
    let room_again = account(app, Role::RoomOperator).await;
    let p =
        app.post("/api/v1/room-operators", Some(&room_again.token), person_body("李佳", &st.anchor.id_number)).await;
    assert_eq!((p.status, p.code()), (409, "identity_barred"), "{}", p.body);
}

#[tokio::test]
async fn chat_hides_off_platform_comments_but_keeps_them_and_says_why() {
    chat_hides_off_platform_comments_but_keeps_them_and_says_why_on(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn chat_hides_off_platform_comments_but_keeps_them_and_says_why_on_postgres() {
    if let Some(app) = TestApp::spawn_postgres().await {
        chat_hides_off_platform_comments_but_keeps_them_and_says_why_on(&app).await;
    }
}

async fn chat_hides_off_platform_comments_but_keeps_them_and_says_why_on(app: &TestApp) {
    let st = stage(app, 7400).await;
    let s = show_with_script(app, &st, "直播", "今天介绍收纳盒").await;
    let viewer = app.user(Role::Consumer).await;
    let early = app.post(&format!("/api/v1/shows/{s}/chat"), Some(&viewer), json!({"text": "来了"})).await;
    assert_eq!((early.status, early.code()), (409, "show_not_live"));
    assert_eq!(start(app, &st.room.acct.token, &s).await.status, 200);

    let ok =
        app.post(&format!("/api/v1/shows/{s}/chat"), Some(&viewer), json!({"text": "这个收纳盒有没有大号的？"})).await;
    assert_eq!(ok.status, 201, "{}", ok.body);
    assert_eq!(ok.body["hidden"], false);
    let bad =
        app.post(&format!("/api/v1/shows/{s}/chat"), Some(&viewer), json!({"text": "要的加我 V 信，私下便宜"})).await;
    assert_eq!(bad.status, 201, "{}", bad.body);
    assert_eq!(bad.body["hidden"], true);
    assert_eq!(bad.body["findings"][0]["label"], "off_platform");
    for (text, why) in [("", "empty"), (&"长".repeat(501)[..], "too long")] {
        let r = app.post(&format!("/api/v1/shows/{s}/chat"), Some(&viewer), json!({"text": text})).await;
        assert_eq!(r.status, 422, "{why}: {}", r.body);
    }

    // Viewers see the shown comment; the room and staff see the hidden one too.
    let public = app.get(&format!("/api/v1/shows/{s}/chat"), None).await;
    assert_eq!(public.body["items"].as_array().unwrap().len(), 1, "{}", public.body);
    let room_view = app.get(&format!("/api/v1/shows/{s}/chat"), Some(&st.room.acct.token)).await;
    assert_eq!(room_view.body["items"].as_array().unwrap().len(), 2);
    let recs = app.get(&format!("/api/v1/records?show={s}&limit=200"), Some(&st.op)).await;
    let acts = actions(&recs.body);
    assert!(acts.contains(&"chat.hidden".to_string()) && acts.contains(&"chat.comment".to_string()), "{acts:?}");
}

#[tokio::test]
async fn a_silent_live_show_is_flagged_and_a_key_room_raises_a_patrol_alert() {
    a_silent_live_show_is_flagged_and_a_key_room_raises_a_patrol_alert_on(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn a_silent_live_show_is_flagged_and_a_key_room_raises_a_patrol_alert_on_postgres() {
    if let Some(app) = TestApp::spawn_postgres().await {
        a_silent_live_show_is_flagged_and_a_key_room_raises_a_patrol_alert_on(&app).await;
    }
}

async fn a_silent_live_show_is_flagged_and_a_key_room_raises_a_patrol_alert_on(app: &TestApp) {
    let st = stage(app, 7500).await;
    // Health food on the lineup makes the room a key room.
    train(app, &st.op, &st.anchor.id, Some(Category::HealthFood)).await;
    let fish_oil = product(app, &st.shop, Category::HealthFood, "深海鱼油").await;
    document(app, &st.shop, &st.op, &fish_oil, Category::HealthFood, "2028-01-01").await;
    let s = show_with_script(app, &st, "保健品专场", "今天介绍深海鱼油").await;
    lineup_item(app, &st.room.acct.token, &s, &fish_oil).await;
    assert_eq!(start(app, &st.room.acct.token, &s).await.status, 200);

    let check = |app: &TestApp| {
        let state = app.state.clone();
        let now = app.clock_now();
        async move { clearcast_server::supervision::check_silence(&state, now).await.unwrap() }
    };
    app.clock.advance(Duration::seconds(100));
    assert!(check(app).await.is_empty(), "heard within the interval (from going live)");
    app.clock.advance(Duration::seconds(60));
    let flagged = check(app).await;
    assert_eq!(flagged.len(), 1);
    assert!(check(app).await.is_empty(), "flagged once per silence");
    let alerts = app.get("/api/v1/patrol/alerts", Some(&st.op)).await;
    assert_eq!(alerts.status, 200, "{}", alerts.body);
    assert_eq!(alerts.body["items"][0]["show_id"], s.as_str());
    assert_eq!(alerts.body["items"][0]["key_room"], true);
    assert_eq!(app.get("/api/v1/patrol/alerts", Some(&st.room.acct.token)).await.status, 403);
    let platform = app.get("/api/v1/records?limit=1000", Some(&st.op)).await;
    assert!(actions(&platform.body).contains(&"patrol.alert".to_string()));

    // Speech resumes: the flag clears and the resumption is recorded.
    let r = say(app, &st.anchor.acct.token, &s, json!([{"id": "a", "at_ms": 170000, "text": "我们继续介绍"}])).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(app.get("/api/v1/patrol/alerts", Some(&st.op)).await.body["items"], json!([]));
    let recs = app.get(&format!("/api/v1/records?show={s}&limit=200"), Some(&st.op)).await;
    let acts = actions(&recs.body);
    assert!(acts.contains(&"speech.silence".to_string()) && acts.contains(&"speech.resumed".to_string()), "{acts:?}");
}

#[tokio::test]
async fn a_regulators_notice_runs_on_a_working_day_clock_and_the_measure_reaches_the_report() {
    a_regulators_notice_runs_on_a_working_day_clock_and_the_measure_reaches_the_report_on(&TestApp::spawn().await)
        .await;
}

#[tokio::test]
async fn a_regulators_notice_runs_on_a_working_day_clock_and_the_measure_reaches_the_report_on_postgres() {
    if let Some(app) = TestApp::spawn_postgres().await {
        a_regulators_notice_runs_on_a_working_day_clock_and_the_measure_reaches_the_report_on(&app).await;
    }
}

async fn a_regulators_notice_runs_on_a_working_day_clock_and_the_measure_reaches_the_report_on(app: &TestApp) {
    let st = stage(app, 7600).await;
    let regulator = app.user(Role::Regulator).await;
    let body = json!({"kind": "violation", "subject_id": st.anchor.id, "facts": "直播中宣称普通食品治疗高血压", "reference": "杭市监罚〔2026〕88号"});
    assert_eq!(
        app.post("/api/v1/notices", Some(&st.op), body.clone()).await.status,
        403,
        "only regulators post notices"
    );
    for bad in [
        json!({"kind": "violation", "subject_id": "mer_00000000000000000000000000000000", "facts": "x", "reference": "r"}),
        json!({"kind": "violation", "subject_id": "anc_00000000000000000000000000000000", "facts": "x", "reference": "r"}),
        json!({"kind": "gossip", "subject_id": st.anchor.id, "facts": "x", "reference": "r"}),
        json!({"kind": "violation", "subject_id": st.anchor.id, "facts": " ", "reference": "r"}),
    ] {
        let r = app.post("/api/v1/notices", Some(&regulator), bad.clone()).await;
        assert_eq!(r.status, 422, "{bad}: {}", r.body);
    }
    let n = app.post("/api/v1/notices", Some(&regulator), body).await;
    assert_eq!(n.status, 201, "{}", n.body);
    // Received Wednesday 2026-11-25 (China): five working days later is Wednesday 2026-12-02.
    assert_eq!(n.body["due_on"], "2026-12-02");
    assert_eq!(n.body["overdue"], false);
    let nid = n.body["id"].as_str().unwrap().to_string();

    // Nothing done by the 3rd: overdue.
    app.clock.advance(Duration::days(8));
    let listed = app.get("/api/v1/notices", Some(&regulator)).await;
    assert_eq!(listed.body["items"][0]["overdue"], true, "{}", listed.body);

    // The operator takes a measure: it is decided with the notice's facts, listed in the report.
    let bad = app
        .post(&format!("/api/v1/notices/{nid}/actions"), Some(&st.op), json!({"kind": "measure_taken", "note": "停播"}))
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    let acted = app
        .post(
            &format!("/api/v1/notices/{nid}/actions"),
            Some(&st.op),
            json!({"kind": "measure_taken", "note": "依通报关闭账号", "measure": "account_closure"}),
        )
        .await;
    assert_eq!(acted.status, 200, "{}", acted.body);
    assert_eq!(acted.body["overdue"], true, "acted after the deadline: the record says so");
    let report = app.get("/api/v1/reports/measures?severe=true", Some(&regulator)).await;
    assert_eq!(report.status, 200, "{}", report.body);
    let line = &report.body["items"][0];
    assert_eq!(line["kind"], "account_closure");
    assert_eq!(line["report_level"], "provincial");
    assert!(line["facts"].as_str().unwrap().contains("杭市监罚〔2026〕88号"));
    assert_eq!(app.get("/api/v1/reports/measures", Some(&st.room.acct.token)).await.status, 403);
    let closed = app
        .post(&format!("/api/v1/notices/{nid}/actions"), Some(&st.op), json!({"kind": "closed", "note": "已处置"}))
        .await;
    assert_eq!(closed.status, 200);
    let again = app
        .post(&format!("/api/v1/notices/{nid}/actions"), Some(&st.op), json!({"kind": "reminded", "note": "x"}))
        .await;
    assert_eq!((again.status, again.code()), (409, "notice_closed"));
}

#[tokio::test]
async fn a_feature_limit_takes_flash_sales_away_and_points_reach_the_tier() {
    let app = TestApp::spawn().await;
    let st = stage(&app, 7700).await;
    let s = show_with_script(&app, &st, "直播", "今天介绍收纳盒").await;
    assert_eq!(start(&app, &st.room.acct.token, &s).await.status, 200);
    // 2 + 4 + repeats: at least 6 points → a feature limit on anchor and room.
    let r = say(
        &app,
        &st.anchor.acct.token,
        &s,
        json!([{"id": "1", "at_ms": 1, "text": "高血压都能治好"}, {"id": "2", "at_ms": 2, "text": "糖尿病也能治好"}]),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let kinds: Vec<&str> = r.body["measures"].as_array().unwrap().iter().map(|m| m["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"feature_limit"), "{}", r.body);
    let tier = app.get(&format!("/api/v1/room-operators/{}/tier", st.room.id), None).await;
    let points = tier.body["criteria"][3]["value"].as_str().unwrap().parse::<u32>().unwrap();
    assert!(points >= 8, "{}", tier.body);

    let next = app
        .post(
            "/api/v1/shows",
            Some(&st.room.acct.token),
            json!({"title": "秒杀", "scheduled_start": "2026-11-26T12:00:00Z", "roster": [st.anchor.id], "stream_url": stream_url("秒杀"), "ai_presenter": false, "script": "秒杀"}),
        )
        .await;
    let next = id_of(&next);
    let flash = app
        .post(
            &format!("/api/v1/shows/{next}/lineup"),
            Some(&st.room.acct.token),
            json!({"product_id": st.product, "anchor_role": "commissioned", "commission_bps": 2000, "show_price_minor": 9900, "purchase_limit": 1}),
        )
        .await;
    assert_eq!((flash.status, flash.code()), (409, "measure_in_force"), "{}", flash.body);
    // Without the purchase limit the item is fine.
    assert_eq!(add_lineup(&app, &st.room.acct.token, &next, &st.product).await.status, 201);

    // The limit lifts itself when its term (7 days) ends, and flash sales come back.
    let limit = r.body["measures"].as_array().unwrap().iter().find(|m| m["kind"] == "feature_limit").unwrap().clone();
    app.clock.advance(Duration::days(7));
    let lifted = app.get(&format!("/api/v1/penalties/{}", limit["id"].as_str().unwrap()), Some(&st.op)).await;
    assert_eq!(lifted.body["status"], "lifted", "{}", lifted.body);
    let mut room_acct = st.room.acct;
    room_acct.relogin(&app).await;
    let later = app
        .post(
            "/api/v1/shows",
            Some(&room_acct.token),
            json!({"title": "秒杀二", "scheduled_start": "2026-12-03T12:00:00Z", "roster": [st.anchor.id], "stream_url": stream_url("秒杀二"), "ai_presenter": false, "script": "秒杀"}),
        )
        .await;
    assert_eq!(later.status, 201, "{}", later.body);
    let flash = app
        .post(
            &format!("/api/v1/shows/{}/lineup", id_of(&later)),
            Some(&room_acct.token),
            json!({"product_id": st.product, "anchor_role": "commissioned", "commission_bps": 2000, "show_price_minor": 9900, "purchase_limit": 1}),
        )
        .await;
    assert_eq!(flash.status, 201, "{}", flash.body);
}

#[tokio::test]
async fn the_scan_endpoint_explains_findings_and_refuses_bad_input() {
    let app = TestApp::spawn().await;
    let tok = app.user(Role::Consumer).await;
    let r = app
        .post(
            "/api/v1/compliance/scan",
            Some(&tok),
            json!({"text": "这款面霜能杀菌消炎，全网最低价", "product_category": "cosmetics", "lang": "en"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["red"], true);
    let labels: Vec<&str> = r.body["labels"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
    assert!(labels.contains(&"medical_claim") && labels.contains(&"price_fraud"), "{labels:?}");
    let f = &r.body["findings"][0];
    for k in [
        "rule",
        "label",
        "basis",
        "severity",
        "points",
        "matched",
        "start",
        "end",
        "char_start",
        "char_end",
        "suggestion",
    ] {
        assert!(!f[k].is_null(), "{k} missing: {f}");
    }
    // The category changes what may be said: a disinfectant may kill germs.
    let d = app
        .post(
            "/api/v1/compliance/scan",
            Some(&tok),
            json!({"text": "可以杀灭99.9%的细菌", "product_category": "disinfectant"}),
        )
        .await;
    assert_eq!(d.body["findings"], json!([]), "{}", d.body);
    assert_eq!(app.post("/api/v1/compliance/scan", None, json!({"text": "x"})).await.status, 401);
    let huge = app.post("/api/v1/compliance/scan", Some(&tok), json!({"text": "好".repeat(30_000)})).await;
    assert_eq!((huge.status, huge.code()), (413, "text_too_large"), "{}", huge.body);
    for (body, field) in [
        (json!({"text": "  "}), "text"),
        (json!({"text": "好", "product_category": "spaceships"}), "product_category"),
        (json!({"text": "好", "lang": "fr"}), "lang"),
    ] {
        let bad = app.post("/api/v1/compliance/scan", Some(&tok), body.clone()).await;
        assert_eq!((bad.status, bad.field()), (422, field), "{body}: {}", bad.body);
    }
    let not_utf8 = app
        .post_raw("/api/v1/compliance/scan", Some(&tok), "application/json", b"{\"text\": \"\xff\xfe\"}".to_vec())
        .await;
    assert_eq!(not_utf8.status, 400, "{}", not_utf8.body);
    let rules = app.get("/api/v1/compliance/rules", None).await;
    assert_eq!(rules.body["source"], "shipped");
    assert!(rules.body["rules"].as_array().unwrap().len() >= 20);
}

#[tokio::test]
async fn rules_reload_from_their_file_and_a_bad_file_leaves_the_old_ones_in_force() {
    let app = TestApp::spawn().await;
    let op = app.user(Role::Operator).await;
    let dir = clearcast_store::testing::TempDir::new().unwrap();
    let path = dir.path.join("rules.toml");
    let rule = |word: &str| {
        format!("version = 1\n\n[[rules]]\nid = \"custom.word\"\nlabel = \"guarantee\"\nseverity = \"red\"\npoints = 1\nbasis = \"house rule\"\nliterals = [\"{word}\"]\n")
    };
    std::fs::write(&path, rule("包过")).unwrap();
    app.state.rules.load_file(path.clone()).unwrap();
    let scan = |text: &'static str| {
        let op = op.clone();
        let app = &app;
        async move { app.post("/api/v1/compliance/scan", Some(&op), json!({"text": text})).await.body["labels"].clone() }
    };
    assert_eq!(scan("考试包过").await, json!(["guarantee"]));
    assert_eq!(scan("全网最低价").await, json!([]), "only the file's rules are in force");

    std::fs::write(&path, rule("稳过")).unwrap();
    let consumer = app.user(Role::Consumer).await;
    assert_eq!(app.post("/api/v1/compliance/rules/reload", Some(&consumer), json!({})).await.status, 403);
    let ok = app.post("/api/v1/compliance/rules/reload", Some(&op), json!({})).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(scan("考试稳过").await, json!(["guarantee"]));

    // A broken file is refused with the rule and line; the rules in force stay.
    std::fs::write(&path, format!("{}regex = [\"(unclosed\"]\n", rule("稳过"))).unwrap();
    let bad = app.post("/api/v1/compliance/rules/reload", Some(&op), json!({})).await;
    assert_eq!((bad.status, bad.code()), (422, "invalid_rules"), "{}", bad.body);
    let detail = bad.body["detail"].as_str().unwrap();
    assert!(detail.contains("custom.word") && detail.contains("line 3"), "{detail}");
    assert_eq!(scan("考试稳过").await, json!(["guarantee"]));
}

#[tokio::test]
async fn the_demo_shows_a_caught_slip_its_correction_and_a_warning() {
    let app = TestApp::spawn_demo().await;
    let op = app.login("operator", "operator-demo-pass").await;
    let v = app.get("/api/v1/violations", Some(&op)).await;
    assert_eq!(v.status, 200, "{}", v.body);
    let items = v.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", v.body);
    assert_eq!(items[0]["finding"]["matched"], "全国第一");
    let m = app.get("/api/v1/penalties", Some(&op)).await;
    let kinds: Vec<&str> = m.body["items"].as_array().unwrap().iter().map(|x| x["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, vec!["warning", "warning"], "{}", m.body);
    let anchor = app.login("lijia", "anchor-demo-pass").await;
    let mine = app.get("/api/v1/penalties", Some(&anchor)).await;
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 1, "{}", mine.body);
}

#[tokio::test]
async fn retried_segments_corrections_and_appeals_keep_the_record_fair() {
    let app = TestApp::spawn().await;
    let st = stage(&app, 7800).await;
    let s = show_with_script(&app, &st, "直播", "今天介绍收纳盒").await;
    assert_eq!(start(&app, &st.room.acct.token, &s).await.status, 200);
    let tok = st.anchor.acct.token.clone();

    // One sentence with two absolute phrases and a price claim is one offence per label.
    let one =
        say(&app, &tok, &s, json!([{"id": "a1", "at_ms": 1000, "text": "这是全网最低价，买不到更便宜的了！"}])).await;
    assert_eq!(one.status, 200, "{}", one.body);
    let room = Subject::RoomOperator(st.room.id.parse().unwrap());
    let points = clearcast_server::supervision::points_since(&app.state, room, app.clock_now(), 365).await.unwrap();
    assert_eq!(points, 5, "2 for the absolute claim, 3 for the price claim: {}", one.body);

    // A retry is answered as a duplicate and counts nothing more.
    let again =
        say(&app, &tok, &s, json!([{"id": "a1", "at_ms": 1000, "text": "这是全网最低价，买不到更便宜的了！"}])).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body["segments"][0]["duplicate"], true);
    assert_eq!(again.body["violations"], json!([]));
    // Duplicate ids in a batch, and corrections of segments never said, are refused.
    let dup =
        say(&app, &tok, &s, json!([{"id": "x", "at_ms": 1, "text": "好"}, {"id": "x", "at_ms": 2, "text": "好"}]))
            .await;
    assert_eq!((dup.status, dup.field()), (422, "segments[1].id"), "{}", dup.body);
    for corrects in ["nope", "c1", ""] {
        let bad =
            say(&app, &tok, &s, json!([{"id": "c1", "at_ms": 5, "text": "更正一下", "corrects": corrects}])).await;
        assert_eq!((bad.status, bad.field()), (422, "segments[0].corrects"), "{corrects}: {}", bad.body);
    }

    // The correction quotes the slip: recorded, not counted.
    let fix = say(
        &app,
        &tok,
        &s,
        json!([{"id": "a2", "at_ms": 4000, "text": "更正一下，刚才说错了，不是全网最低价，是我们直播间的活动价。"}]),
    )
    .await;
    assert_eq!(fix.status, 200, "{}", fix.body);
    assert_eq!(fix.body["segments"][0]["corrects"], "a1", "a retraction corrects the segment before it");
    assert_eq!(fix.body["violations"], json!([]));
    let points = clearcast_server::supervision::points_since(&app.state, room, app.clock_now(), 365).await.unwrap();
    assert_eq!(points, 5);

    // More slips, then an upheld appeal: every measure resting only on the reversed violations
    // is reversed too.
    let more = say(&app, &tok, &s, json!([{"id": "a3", "at_ms": 9000, "text": "高血压都能治好"}])).await;
    assert_eq!(more.status, 200, "{}", more.body);
    let measures = app.get(&format!("/api/v1/penalties?subject={}", st.anchor.id), Some(&st.op)).await;
    let items = measures.body["items"].as_array().unwrap().clone();
    assert!(items.len() >= 2, "{}", measures.body);
    let last = items.last().unwrap()["id"].as_str().unwrap().to_string();
    let ap =
        app.post(&format!("/api/v1/penalties/{last}/appeal"), Some(&tok), json!({"statement": "口误已当场更正"})).await;
    assert_eq!(ap.status, 200, "{}", ap.body);
    let d = app
        .post(
            &format!("/api/v1/penalties/{last}/appeal/decision"),
            Some(&st.op),
            json!({"upheld": true, "reason": "复核属实"}),
        )
        .await;
    assert_eq!(d.status, 200, "{}", d.body);
    let after = app.get(&format!("/api/v1/penalties?subject={}", st.anchor.id), Some(&st.op)).await;
    for m in after.body["items"].as_array().unwrap() {
        assert_eq!(m["status"], "reversed", "{}", after.body);
    }
    // The subject reads the stream of its measures; another anchor may not.
    let recs = app.get(&format!("/api/v1/records?subject={}", st.anchor.id), Some(&tok)).await;
    assert_eq!(recs.status, 200, "{}", recs.body);
    let acts = actions(&recs.body);
    for a in ["measure.decided", "measure.appealed", "measure.appeal_decided", "measure.reversed"] {
        assert!(acts.contains(&a.to_string()), "{a}: {acts:?}");
    }
    let other = anchor(&app, None, 7899).await;
    let nosy = app.get(&format!("/api/v1/records?subject={}", st.anchor.id), Some(&other.acct.token)).await;
    assert_eq!(nosy.status, 403);
    let theirs = app.get(&format!("/api/v1/penalties?subject={}", st.room.id), Some(&tok)).await;
    assert_eq!(theirs.status, 403, "{}", theirs.body);
}

#[tokio::test]
async fn an_operator_may_reverse_a_confirmed_violation_on_review() {
    let app = TestApp::spawn().await;
    let st = stage(&app, 7900).await;
    let s = show_with_script(&app, &st, "直播", "今天介绍收纳盒").await;
    assert_eq!(start(&app, &st.room.acct.token, &s).await.status, 200);
    let r =
        say(&app, &st.anchor.acct.token, &s, json!([{"id": "q", "at_ms": 1, "text": "这个收纳盒是全国第一"}])).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let vid = r.body["violations"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(r.body["measures"][0]["kind"], "warning", "{}", r.body);
    let url = format!("/api/v1/violations/{vid}/decision");
    let by_room = app.post(&url, Some(&st.room.acct.token), json!({"confirm": false, "reason": "x"})).await;
    assert_eq!(by_room.status, 403);
    let no_reason = app.post(&url, Some(&st.op), json!({"confirm": false, "reason": ""})).await;
    assert_eq!(no_reason.status, 422);
    let ok = app.post(&url, Some(&st.op), json!({"confirm": false, "reason": "回放显示主播在念观众评论"})).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["status"], "reversed");
    let m = app.get(&format!("/api/v1/penalties?subject={}", st.anchor.id), Some(&st.op)).await;
    assert_eq!(m.body["items"][0]["status"], "reversed", "{}", m.body);
    let again = app.post(&url, Some(&st.op), json!({"confirm": true, "reason": "x"})).await;
    assert_eq!((again.status, again.code()), (409, "violation_decided"));
}

#![allow(clippy::unwrap_used)]
//! Orders over HTTP: placing in a live show (show price, order-time snapshot, stock), idempotency
//! keys (sequential and concurrent), the per-buyer limit, selling out (sequential and concurrent),
//! refusals that write nothing, every state transition by role, unpaid expiry, a qualification
//! expiring mid-show, the dispute packet, and the whole flow on SQLite and PostgreSQL.

mod common;

use chrono::Duration;
use clearcast_domain::account::Role;
use clearcast_domain::ids::{OrderId, ProductId};
use common::{party_body, start_time, Answer, TestApp};
use serde_json::{json, Value};

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}")).to_string()
}

fn cny(minor: i64) -> Value {
    json!({"minor": minor, "currency": "CNY"})
}

fn shipping() -> Value {
    json!({"name": "张三", "phone": "13800138000", "address": "上海市浦东新区世纪大道 100 号"})
}

fn order_body(show: &str, product: &str, quantity: u32) -> Value {
    json!({"show_id": show, "product_id": product, "quantity": quantity, "shipping": shipping()})
}

fn ids(list: &Answer) -> Vec<String> {
    list.body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items: {}", list.body))
        .iter()
        .map(|o| s(&o["id"]))
        .collect()
}

fn actions(records: &Value) -> Vec<String> {
    records.as_array().unwrap().iter().map(|r| s(&r["action"])).collect()
}

/// The demo platform as the tests use it.
struct Demo {
    consumer: String,
    op: String,
    reg: String,
    haowu: String,
    youxuan: String,
    room: String,
    lijia: String,
    /// 双十二好物节: rice (pinned), fish oil, earbuds; limit 5 each.
    main_show: String,
    /// AI 数字人夜场: bleach.
    ai_show: String,
    /// Scheduled for tomorrow.
    scheduled_show: String,
    rice: String,
    fishoil: String,
    buds: String,
    milk: String,
    bleach: String,
}

async fn demo(app: &TestApp) -> Demo {
    let products = app.get("/api/v1/products?limit=200", None).await;
    let product = |t: &str| {
        s(&products.body["items"].as_array().unwrap().iter().find(|p| s(&p["title"]).contains(t)).unwrap()["id"])
    };
    let shows = app.get("/api/v1/shows?limit=200", None).await;
    let show = |t: &str| {
        s(&shows.body["items"].as_array().unwrap().iter().find(|p| s(&p["title"]).contains(t)).unwrap()["id"])
    };
    let main_show = show("双十二好物节");
    let page = app.get(&format!("/api/v1/shows/{main_show}"), None).await;
    Demo {
        consumer: app.login("consumer", "consumer-demo-pass").await,
        op: app.login("operator", "operator-demo-pass").await,
        reg: app.login("regulator", "regulator-demo-pass").await,
        haowu: app.login("haowu", "merchant-demo-pass").await,
        youxuan: app.login("youxuan", "merchant-demo-pass").await,
        room: app.login("xingguang", "room-demo-pass").await,
        lijia: s(&page.body["roster"][0]["anchor_id"]),
        ai_show: show("AI 数字人夜场"),
        scheduled_show: show("小明哥数码专场"),
        main_show,
        rice: product("五常大米"),
        fishoil: product("鱼油"),
        buds: product("蓝牙耳机"),
        milk: product("纯牛奶"),
        bleach: product("消毒液"),
    }
}

async fn place(app: &TestApp, token: &str, body: Value) -> Answer {
    app.post("/api/v1/orders", Some(token), body).await
}

/// POST /api/v1/orders with an `Idempotency-Key` (owned arguments, so it can run in a task).
async fn place_keyed(
    client: reqwest::Client,
    base: String,
    token: String,
    key: Option<String>,
    body: Value,
) -> (u16, Value) {
    let mut req = client.post(format!("{base}/api/v1/orders")).bearer_auth(token).json(&body);
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let bytes = res.bytes().await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

async fn keyed(app: &TestApp, token: &str, key: &str, body: Value) -> (u16, Value) {
    place_keyed(app.client.clone(), app.base.clone(), token.to_string(), Some(key.to_string()), body).await
}

/// Places an order that must succeed; returns its id.
async fn placed(app: &TestApp, token: &str, show: &str, product: &str, quantity: u32) -> String {
    let o = place(app, token, order_body(show, product, quantity)).await;
    assert_eq!(o.status, 201, "{}", o.body);
    s(&o.body["id"])
}

/// Stock of the product's first variant.
async fn stock(app: &TestApp, product: &str) -> i64 {
    let p = app.get(&format!("/api/v1/products/{product}"), None).await;
    assert_eq!(p.status, 200, "{}", p.body);
    p.body["variants"][0]["stock"].as_i64().unwrap()
}

async fn act(app: &TestApp, token: &str, order: &str, action: &str) -> Answer {
    app.post(&format!("/api/v1/orders/{order}/{action}"), Some(token), json!({})).await
}

async fn ship(app: &TestApp, token: &str, order: &str) -> Answer {
    app.post(
        &format!("/api/v1/orders/{order}/ship"),
        Some(token),
        json!({"carrier": "顺丰速运", "tracking_number": "SF1234567890"}),
    )
    .await
}

async fn status_of(app: &TestApp, token: &str, order: &str) -> String {
    let o = app.get(&format!("/api/v1/orders/{order}"), Some(token)).await;
    assert_eq!(o.status, 200, "{}", o.body);
    s(&o.body["status"])
}

/// A product of a fresh, verified shop (electronics, one CCC certificate valid until
/// `certificate_until`) on a live show of 星光's room with 李佳, without a per-buyer limit.
struct Own {
    merchant: String,
    product: String,
    variant: String,
    show: String,
}

async fn own_show(app: &TestApp, d: &Demo, n: u32, stock: i64, certificate_until: &str) -> Own {
    let merchant = app.user(Role::Merchant).await;
    let m = app.post("/api/v1/merchants", Some(&merchant), party_body("优品数码电子商务有限公司", n)).await;
    assert_eq!(m.status, 201, "{}", m.body);
    let g = app.post("/api/v1/goods-owners", Some(&merchant), party_body("优品品牌管理有限公司", n + 1)).await;
    assert_eq!(g.status, 201, "{}", g.body);
    for path in [
        format!("/api/v1/merchants/{}/verify", s(&m.body["id"])),
        format!("/api/v1/goods-owners/{}/verify", s(&g.body["id"])),
    ] {
        let v = app.post(&path, Some(&d.op), json!({})).await;
        assert_eq!(v.status, 200, "{}", v.body);
    }
    app.fund(&d.op, s(&m.body["id"]).as_str()).await;
    let p = app
        .post(
            "/api/v1/products",
            Some(&merchant),
            json!({"goods_owner_id": g.body["id"], "title": format!("优品 蓝牙音箱 Mini {n}"), "category": "electronics", "price_minor": 19900, "unit": "台", "stock": stock}),
        )
        .await;
    assert_eq!(p.status, 201, "{}", p.body);
    let product = s(&p.body["id"]);
    let q = app
        .post(
            &format!("/api/v1/products/{product}/qualifications"),
            Some(&merchant),
            json!({"kind": "ccc_certificate", "number": "2024011606000789", "issuer": "中国质量认证中心", "valid_from": "2025-01-01", "valid_until": certificate_until}),
        )
        .await;
    assert_eq!(q.status, 201, "{}", q.body);
    let v = app
        .post(&format!("/api/v1/products/{product}/qualifications/{}/verify", s(&q.body["id"])), Some(&d.op), json!({}))
        .await;
    assert_eq!(v.status, 200, "{}", v.body);
    let sh = app
        .post(
            "/api/v1/shows",
            Some(&d.room),
            json!({"title": format!("优品数码专场 {n}"), "scheduled_start": "2026-11-25T12:00:00Z", "roster": [d.lijia], "stream_url": format!("https://live.example.com/own-{n}.m3u8"), "ai_presenter": false, "script": "今天介绍蓝牙音箱"}),
        )
        .await;
    assert_eq!(sh.status, 201, "{}", sh.body);
    let show = s(&sh.body["id"]);
    let l = app
        .post(
            &format!("/api/v1/shows/{show}/lineup"),
            Some(&d.room),
            json!({"product_id": product, "anchor_role": "commissioned", "commission_bps": 1000, "show_price_minor": 15900}),
        )
        .await;
    assert_eq!(l.status, 201, "{}", l.body);
    let st = app.post(&format!("/api/v1/shows/{show}/start"), Some(&d.room), json!({})).await;
    assert_eq!(st.status, 200, "{}", st.body);
    Own { merchant, variant: s(&p.body["variants"][0]["id"]), product, show }
}

// 1. Placing an order in a live show.

#[tokio::test]
async fn an_order_in_a_live_show_is_priced_from_the_lineup_and_keeps_what_the_buyer_saw() {
    let app = TestApp::spawn_demo().await;
    let d = demo(&app).await;
    let show = app.get(&format!("/api/v1/shows/{}", d.main_show), None).await;
    let page = app.get(&format!("/api/v1/products/{}", d.rice), None).await;
    let rice_item =
        show.body["lineup"].as_array().unwrap().iter().find(|i| i["product_id"] == d.rice.as_str()).unwrap();
    assert_eq!(show.body["pinned"]["product_id"], d.rice.as_str(), "the demo pins the rice");
    assert_eq!(stock(&app, &d.rice).await, 5000);

    let o = place(&app, &d.consumer, order_body(&d.main_show, &d.rice, 2)).await;
    assert_eq!(o.status, 201, "{}", o.body);
    let b = &o.body;
    assert!(s(&b["id"]).starts_with("ord_"), "{}", b["id"]);
    assert_eq!(b["status"], "placed");
    assert_eq!(b["quantity"], 2);
    assert_eq!(b["total"], cny(2 * 5990), "the show price, not the list price of 69.90");
    assert_eq!(b["product"], d.rice.as_str());
    assert_eq!(b["variant"], page.body["variants"][0]["id"]);
    assert_eq!(b["merchant"], page.body["seller_id"]);
    assert_eq!(b["show"], d.main_show.as_str());
    assert_eq!(b["lineup_item"], rice_item["id"]);
    assert_eq!(b["commission_bps"], 2000);
    assert_eq!(b["anchors"], json!([d.lijia]));
    let roster: Vec<Value> = show.body["roster"].as_array().unwrap().iter().map(|r| r["anchor_id"].clone()).collect();
    assert_eq!(b["anchors"], json!(roster), "the anchors are the show's roster");
    assert_eq!(b["shipping"], shipping());
    assert_eq!(b["shipment"], Value::Null);
    assert_eq!(b["placed_at"], "2026-11-25T04:00:00Z");
    assert_eq!(b["updated_at"], "2026-11-25T04:00:00Z");
    assert_eq!(b["delivered_at"], Value::Null);

    let snap = &b["snapshot"];
    assert_eq!(snap["title"], "东北五常大米 稻花香 5kg");
    assert_eq!(snap["category"], "food");
    assert_eq!(snap["variant"], "default");
    assert_eq!(snap["unit_price"], cny(5990));
    assert_eq!(snap["unit"], "袋 (5 kg)");
    assert_eq!(snap["reference"], json!({"price": cny(6990), "basis": "直播前 7 日最低成交价"}));
    assert_eq!(snap["reference"], rice_item["reference"]);
    assert_eq!(snap["seller"], page.body["disclosure"]["seller"]);
    assert_eq!(snap["goods_owner"], page.body["disclosure"]["goods_owner"]);
    assert_eq!(snap["seller"]["name"], "杭州好物电子商务有限公司");
    assert_eq!(snap["seller"]["address"], "浙江省杭州市西湖区文三路 478 号 6 楼");
    assert_eq!(snap["disclosure"], show.body["disclosure"], "the show's card at the time");
    assert_eq!(snap["disclosure"], rice_item["disclosure"]);
    assert_eq!(snap["disclosure"]["room_operator"]["name"], "星光直播间运营有限公司");
    assert_eq!(snap["disclosure"]["anchor_role"], "commissioned");
    assert_eq!(snap["disclosure"]["ai_presenter"], false);

    // The variant's stock went down by the quantity, and the order reads back the same.
    assert_eq!(stock(&app, &d.rice).await, 4998);
    assert_eq!(app.get(&format!("/api/v1/products/{}", d.rice), None).await.body["total_stock"], 4998);
    let back = app.get(&format!("/api/v1/orders/{}", s(&b["id"])), Some(&d.consumer)).await;
    assert_eq!(back.status, 200, "{}", back.body);
    assert_eq!(&back.body, b);

    // A product that is not pinned keeps its own lineup card and price; a multi-variant product
    // takes the named variant's stock only.
    let buds_page = app.get(&format!("/api/v1/products/{}", d.buds), None).await;
    let black = buds_page.body["variants"].as_array().unwrap().iter().find(|v| v["label"] == "黑色").unwrap().clone();
    let mut body = order_body(&d.main_show, &d.buds, 3);
    body["variant_id"] = black["id"].clone();
    let o = place(&app, &d.consumer, body).await;
    assert_eq!(o.status, 201, "{}", o.body);
    assert_eq!(o.body["total"], cny(3 * 25900));
    assert_eq!(o.body["snapshot"]["variant"], "黑色");
    assert_eq!(o.body["snapshot"]["reference"], Value::Null);
    assert_eq!(o.body["snapshot"]["disclosure"]["anchor_role"], "advertising");
    let buds_item =
        show.body["lineup"].as_array().unwrap().iter().find(|i| i["product_id"] == d.buds.as_str()).unwrap();
    assert_eq!(o.body["snapshot"]["disclosure"], buds_item["disclosure"]);
    let after = app.get(&format!("/api/v1/products/{}", d.buds), None).await;
    let by_label = |l: &str| {
        after.body["variants"].as_array().unwrap().iter().find(|v| v["label"] == l).unwrap()["stock"].as_i64().unwrap()
    };
    assert_eq!((by_label("白色"), by_label("黑色")), (1200, 797));

    // Outside a show: the list price, no card, no anchors.
    let o = place(&app, &d.consumer, json!({"product_id": d.rice, "quantity": 1, "shipping": shipping()})).await;
    assert_eq!(o.status, 201, "{}", o.body);
    assert_eq!(o.body["total"], cny(6990));
    assert_eq!(o.body["show"], Value::Null);
    assert_eq!(o.body["lineup_item"], Value::Null);
    assert_eq!(o.body["anchors"], json!([]));
    assert_eq!(o.body["commission_bps"], 0);
    assert_eq!(o.body["snapshot"]["disclosure"], Value::Null);
    assert_eq!(o.body["snapshot"]["unit"], "袋 (5 kg)");
    assert_eq!(stock(&app, &d.rice).await, 4997);
}

// 2. The snapshot does not follow later changes.

#[tokio::test]
async fn an_approved_change_does_not_rewrite_an_existing_order_snapshot() {
    let app = TestApp::spawn_demo().await;
    let d = demo(&app).await;
    let old_address = "浙江省杭州市西湖区文三路 478 号 6 楼";
    let new_address = "浙江省杭州市滨江区网商路 699 号";
    let order = placed(&app, &d.consumer, &d.main_show, &d.rice, 1).await;
    let before = app.get(&format!("/api/v1/orders/{order}"), Some(&d.consumer)).await;
    assert_eq!(before.body["snapshot"]["seller"]["address"], old_address);

    let seller = s(&app.get(&format!("/api/v1/products/{}", d.rice), None).await.body["seller_id"]);
    let r = app
        .post(
            "/api/v1/change-requests",
            Some(&d.haowu),
            json!({"party_id": seller, "address": new_address, "changed_on": "2026-11-25"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let v = app.post(&format!("/api/v1/change-requests/{}/verify", s(&r.body["id"])), Some(&d.op), json!({})).await;
    assert_eq!(v.status, 200, "{}", v.body);
    assert_eq!(v.body["status"], "verified");

    let page = app.get(&format!("/api/v1/products/{}", d.rice), None).await;
    assert_eq!(page.body["disclosure"]["seller"]["address"], new_address);
    let show = app.get(&format!("/api/v1/shows/{}", d.main_show), None).await;
    assert_eq!(show.body["disclosure"]["seller"]["address"], new_address);

    let after = app.get(&format!("/api/v1/orders/{order}"), Some(&d.consumer)).await;
    assert_eq!(after.status, 200, "{}", after.body);
    assert_eq!(after.body["snapshot"], before.body["snapshot"], "the snapshot is immutable");
    assert_eq!(after.body["snapshot"]["seller"]["address"], old_address);
    assert_eq!(after.body["snapshot"]["disclosure"]["seller"]["address"], old_address);
    let listed = app.get("/api/v1/orders", Some(&d.consumer)).await;
    assert_eq!(listed.body["items"][0]["snapshot"]["seller"]["address"], old_address);
    let packet = app.get(&format!("/api/v1/orders/{order}/dispute-packet"), Some(&d.consumer)).await;
    assert_eq!(packet.body["seller"]["address"], old_address, "the packet names the seller as the buyer saw it");

    // A new order takes the new address (the order context is cached for a second of the clock).
    app.clock.advance(Duration::seconds(1));
    let o = place(&app, &d.consumer, order_body(&d.main_show, &d.rice, 1)).await;
    assert_eq!(o.body["snapshot"]["seller"]["address"], new_address);
    assert_eq!(o.body["snapshot"]["disclosure"]["seller"]["address"], new_address);
    assert_eq!(
        app.get(&format!("/api/v1/orders/{order}"), Some(&d.consumer)).await.body["snapshot"],
        before.body["snapshot"]
    );
}

#[tokio::test]
async fn an_order_placed_right_after_an_approved_change_snapshots_the_card_the_show_displays() {
    let app = TestApp::spawn_demo().await;
    let d = demo(&app).await;
    let new_address = "浙江省杭州市滨江区网商路 699 号";
    // An order warms the order context of (show, rice).
    placed(&app, &d.consumer, &d.main_show, &d.rice, 1).await;
    let seller = s(&app.get(&format!("/api/v1/products/{}", d.rice), None).await.body["seller_id"]);
    let r = app
        .post(
            "/api/v1/change-requests",
            Some(&d.haowu),
            json!({"party_id": seller, "address": new_address, "changed_on": "2026-11-25"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let v = app.post(&format!("/api/v1/change-requests/{}/verify", s(&r.body["id"])), Some(&d.op), json!({})).await;
    assert_eq!(v.status, 200, "{}", v.body);
    let show = app.get(&format!("/api/v1/shows/{}", d.main_show), None).await;
    assert_eq!(show.body["disclosure"]["seller"]["address"], new_address);
    let o = place(&app, &d.consumer, order_body(&d.main_show, &d.rice, 1)).await;
    assert_eq!(o.status, 201, "{}", o.body);
    assert_eq!(o.body["snapshot"]["disclosure"], show.body["disclosure"], "the snapshot is the card on screen");
}

// 3. Idempotency keys.

#[tokio::test]
async fn the_same_idempotency_key_returns_the_same_order_once_per_consumer() {
    let app = TestApp::spawn_demo().await;
    let d = demo(&app).await;
    let key = "checkout-7f3a9c2e-0001";
    let (s1, first) = keyed(&app, &d.consumer, key, order_body(&d.main_show, &d.rice, 2)).await;
    assert_eq!(s1, 201, "{first}");
    let (s2, second) = keyed(&app, &d.consumer, key, order_body(&d.main_show, &d.rice, 2)).await;
    assert_eq!(s2, 200, "{second}");
    assert_eq!(second["id"], first["id"]);
    assert_eq!(second, first, "the retry answers the stored order");
    assert_eq!(stock(&app, &d.rice).await, 4998, "stock taken once");
    // The same key for another quantity is not a retry: refused, nothing placed.
    let (s_other, reused) = keyed(&app, &d.consumer, key, order_body(&d.main_show, &d.rice, 1)).await;
    assert_eq!((s_other, reused["code"].as_str()), (422, Some("idempotency_key_reused")), "{reused}");
    assert_eq!(stock(&app, &d.rice).await, 4998, "nothing taken");
    assert_eq!(ids(&app.get("/api/v1/orders", Some(&d.consumer)).await), [s(&first["id"])]);

    // Another consumer's key of the same spelling is theirs.
    let other = app.user(Role::Consumer).await;
    let (s3, theirs) = keyed(&app, &other, key, order_body(&d.main_show, &d.rice, 2)).await;
    assert_eq!(s3, 201, "{theirs}");
    assert_ne!(theirs["id"], first["id"]);
    assert_eq!(stock(&app, &d.rice).await, 4996);
    assert_eq!(ids(&app.get("/api/v1/orders", Some(&other)).await), [s(&theirs["id"])]);

    // Without a key, every request is a new order; a new key is a new order.
    assert_eq!(place(&app, &d.consumer, order_body(&d.main_show, &d.rice, 1)).await.status, 201);
    let (s4, _) = keyed(&app, &d.consumer, "checkout-7f3a9c2e-0002", order_body(&d.main_show, &d.rice, 1)).await;
    assert_eq!(s4, 201);
    assert_eq!(stock(&app, &d.rice).await, 4994);
    assert_eq!(app.get("/api/v1/orders", Some(&d.consumer)).await.body["items"].as_array().unwrap().len(), 3);

    // A key of exactly 128 visible characters is fine; 129 or an invisible one is a 400.
    let (s5, _) = keyed(&app, &d.consumer, &"k".repeat(128), order_body(&d.main_show, &d.fishoil, 1)).await;
    assert_eq!(s5, 201);
    for bad in ["k".repeat(129), "two words".to_string()] {
        let (st, body) = keyed(&app, &d.consumer, &bad, order_body(&d.main_show, &d.fishoil, 1)).await;
        assert_eq!(st, 400, "{body}");
        assert_eq!(body["code"], "invalid_idempotency_key");
        assert_eq!(body["errors"][0]["field"], "Idempotency-Key");
    }
    assert_eq!(stock(&app, &d.fishoil).await, 1999);
}

/// 20 requests with one key at once: one order, one stock decrement, every answer names it.
async fn one_key_twenty_requests(app: &TestApp, show: &str, product: &str) {
    let buyer = app.user(Role::Consumer).await;
    let before = stock(app, product).await;
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..20 {
        set.spawn(place_keyed(
            app.client.clone(),
            app.base.clone(),
            buyer.clone(),
            Some("double-click-guard".into()),
            order_body(show, product, 3),
        ));
    }
    let mut answers = Vec::new();
    while let Some(r) = set.join_next().await {
        answers.push(r.unwrap());
    }
    let created: Vec<&(u16, Value)> = answers.iter().filter(|(st, _)| *st == 201).collect();
    let repeated = answers.iter().filter(|(st, _)| *st == 200).count();
    assert_eq!((created.len(), repeated), (1, 19), "{:?}", answers.iter().map(|a| a.0).collect::<Vec<_>>());
    let id = created[0].1["id"].clone();
    assert!(answers.iter().all(|(_, b)| b["id"] == id), "every answer names the one order");
    let mine = app.get("/api/v1/orders", Some(&buyer)).await;
    assert_eq!(ids(&mine), [s(&id)]);
    assert_eq!(stock(app, product).await, before - 3, "stock taken once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_requests_with_one_key_make_one_order() {
    let app = TestApp::spawn_demo().await;
    let d = demo(&app).await;
    one_key_twenty_requests(&app, &d.main_show, &d.rice).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_requests_with_one_key_make_one_order_on_postgres() {
    let Some(app) = TestApp::spawn_postgres().await else { return };
    app.seed_demo().await;
    let d = demo(&app).await;
    // A product without a per-buyer limit (see the_order_flow_on_postgres for the limit).
    let own = own_show(&app, &d, 900, 50, "2028-01-01").await;
    one_key_twenty_requests(&app, &own.show, &own.product).await;
}

// 4. The per-buyer limit.

#[tokio::test]
async fn the_per_buyer_limit_counts_live_orders_in_the_show() {
    let app = TestApp::spawn_demo().await;
    let d = demo(&app).await;
    let show = app.get(&format!("/api/v1/shows/{}", d.main_show), None).await;
    assert!(show.body["lineup"].as_array().unwrap().iter().all(|i| i["purchase_limit"] == 5));

    let first = placed(&app, &d.consumer, &d.main_show, &d.rice, 3).await;
    let over = place(&app, &d.consumer, order_body(&d.main_show, &d.rice, 3)).await;
    assert_eq!((over.status, over.code()), (422, "purchase_limit_exceeded"), "{}", over.body);
    assert_eq!(over.field(), "quantity");
    assert_eq!(over.body["errors"][0]["code"], "purchase_limit_exceeded");
    assert_eq!(over.body["errors"][0]["message"], "limit 5, already 3");
    assert_eq!(stock(&app, &d.rice).await, 4997, "a refusal takes nothing");

    // Other products of the show and other buyers have their own allowance.
    assert_eq!(place(&app, &d.consumer, order_body(&d.main_show, &d.fishoil, 5)).await.status, 201);
    let other = app.user(Role::Consumer).await;
    assert_eq!(place(&app, &other, order_body(&d.main_show, &d.rice, 5)).await.status, 201);
    let six = place(&app, &other, order_body(&d.main_show, &d.fishoil, 6)).await;
    assert_eq!((six.status, six.code()), (422, "purchase_limit_exceeded"));
    assert_eq!(six.body["errors"][0]["message"], "limit 5, already 0");

    // Cancelling frees the allowance.
    let c = act(&app, &d.consumer, &first, "cancel").await;
    assert_eq!(c.status, 200, "{}", c.body);
    let again = placed(&app, &d.consumer, &d.main_show, &d.rice, 3).await;
    let _two_more = placed(&app, &d.consumer, &d.main_show, &d.rice, 2).await;
    let full = place(&app, &d.consumer, order_body(&d.main_show, &d.rice, 1)).await;
    assert_eq!((full.status, full.code()), (422, "purchase_limit_exceeded"));
    assert_eq!(full.body["errors"][0]["message"], "limit 5, already 5");
    // Paid orders still count.
    assert_eq!(act(&app, &d.consumer, &again, "pay").await.status, 200);
    let paid_counts = place(&app, &d.consumer, order_body(&d.main_show, &d.rice, 1)).await;
    assert_eq!(paid_counts.status, 422);
    assert_eq!(stock(&app, &d.rice).await, 5000 - 5 - 5);
}

// 5. Selling out.

#[tokio::test]
async fn a_product_sells_out_to_the_last_unit() {
    let app = TestApp::spawn_demo().await;
    let d = demo(&app).await;
    let own = own_show(&app, &d, 100, 3, "2028-01-01").await;
    let o = place(&app, &d.consumer, order_body(&own.show, &own.product, 2)).await;
    assert_eq!(o.status, 201, "{}", o.body);
    assert_eq!(o.body["total"], cny(2 * 15900));
    let out = place(&app, &d.consumer, order_body(&own.show, &own.product, 2)).await;
    assert_eq!((out.status, out.code()), (409, "sold_out"), "{}", out.body);
    assert_eq!(out.body["errors"][0], json!({"field": "quantity", "code": "sold_out", "message": "1 left"}));
    assert_eq!(out.body["detail"], "sold out: 1 left");
    assert_eq!(stock(&app, &own.product).await, 1);
    assert_eq!(place(&app, &d.consumer, order_body(&own.show, &own.product, 1)).await.status, 201);
    assert_eq!(stock(&app, &own.product).await, 0);
    let none = place(&app, &d.consumer, order_body(&own.show, &own.product, 1)).await;
    assert_eq!((none.status, none.code()), (409, "sold_out"));
    assert_eq!(none.body["errors"][0]["message"], "0 left");
    let sales = app.get("/api/v1/orders", Some(&own.merchant)).await;
    let q: Vec<i64> = sales.body["items"].as_array().unwrap().iter().map(|o| o["quantity"].as_i64().unwrap()).collect();
    assert_eq!(q, [2, 1]);
    assert_eq!(app.state.store.units_sold(own.variant.parse().unwrap()).await.unwrap(), 3);
}

/// 30 buyers, one unit each, of a product with 10 in stock, all at once.
async fn thirty_buyers_ten_units(app: &TestApp) {
    let d = demo(app).await;
    let own = own_show(app, &d, 200, 10, "2028-01-01").await;
    let mut buyers = Vec::new();
    for _ in 0..30 {
        buyers.push(app.user(Role::Consumer).await);
    }
    let mut set = tokio::task::JoinSet::new();
    for b in &buyers {
        set.spawn(place_keyed(
            app.client.clone(),
            app.base.clone(),
            b.clone(),
            None,
            order_body(&own.show, &own.product, 1),
        ));
    }
    let mut statuses = Vec::new();
    while let Some(r) = set.join_next().await {
        let (st, body) = r.unwrap();
        if st == 409 {
            assert_eq!(body["code"], "sold_out", "{body}");
        }
        statuses.push(st);
    }
    statuses.sort_unstable();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 10, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 20, "{statuses:?}");
    assert_eq!(stock(app, &own.product).await, 0);
    let all = app.get(&format!("/api/v1/orders?show={}&limit=200", own.show), Some(&d.op)).await;
    let of_variant =
        all.body["items"].as_array().unwrap().iter().filter(|o| o["variant"] == own.variant.as_str()).count();
    assert_eq!(of_variant, 10);
    let buyers_with_orders: std::collections::HashSet<String> =
        all.body["items"].as_array().unwrap().iter().map(|o| s(&o["consumer"])).collect();
    assert_eq!(buyers_with_orders.len(), 10, "one unit each");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_buyers_race_for_ten_units_and_exactly_ten_win() {
    thirty_buyers_ten_units(&TestApp::spawn_demo().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_buyers_race_for_ten_units_and_exactly_ten_win_on_postgres() {
    let Some(app) = TestApp::spawn_postgres().await else { return };
    app.seed_demo().await;
    thirty_buyers_ten_units(&app).await;
}

// 6. Refusals write nothing.

#[tokio::test]
async fn bad_orders_are_refused_with_the_field_and_take_no_stock() {
    let app = TestApp::spawn_demo().await;
    let d = demo(&app).await;
    let rice = stock(&app, &d.rice).await;
    let milk = stock(&app, &d.milk).await;
    let bleach = stock(&app, &d.bleach).await;

    for q in [0, 1000] {
        let a = place(&app, &d.consumer, order_body(&d.main_show, &d.rice, q)).await;
        assert_eq!((a.status, a.field()), (422, "quantity"), "{q}: {}", a.body);
        assert_eq!(a.body["errors"][0]["code"], "out_of_range");
    }
    assert_eq!(place(&app, &d.consumer, order_body(&d.main_show, &d.rice, 999)).await.status, 422, "over the limit");

    let unknown = ProductId::generate().to_string();
    let a = place(&app, &d.consumer, order_body(&d.main_show, &unknown, 1)).await;
    assert_eq!((a.status, a.field()), (422, "product_id"), "{}", a.body);
    assert_eq!(a.body["errors"][0]["code"], "unknown_product");

    let a = place(&app, &d.consumer, order_body(&d.main_show, &d.milk, 1)).await;
    assert_eq!((a.status, a.field()), (422, "product_id"), "{}", a.body);
    assert_eq!(a.body["errors"][0]["code"], "not_in_lineup");

    let a = place(&app, &d.consumer, order_body(&d.scheduled_show, &d.rice, 1)).await;
    assert_eq!((a.status, a.code()), (409, "show_not_live"), "{}", a.body);
    assert_eq!(a.field(), "show_id");

    let end = app.post(&format!("/api/v1/shows/{}/end", d.ai_show), Some(&d.room), json!({})).await;
    assert_eq!(end.status, 200, "{}", end.body);
    let a = place(&app, &d.consumer, order_body(&d.ai_show, &d.bleach, 1)).await;
    assert_eq!((a.status, a.code()), (409, "show_not_live"), "{}", a.body);

    let a =
        place(&app, &d.consumer, order_body(&clearcast_domain::ids::ShowId::generate().to_string(), &d.rice, 1)).await;
    assert_eq!((a.status, a.field()), (422, "show_id"), "{}", a.body);
    assert_eq!(a.body["errors"][0]["code"], "unknown_show");
    let a = place(&app, &d.consumer, order_body(&d.rice, &d.rice, 1)).await;
    assert_eq!((a.status, a.field()), (422, "show_id"), "{}", a.body);

    let mut body = order_body(&d.main_show, &d.rice, 1);
    body["shipping"]["name"] = json!("");
    let a = place(&app, &d.consumer, body).await;
    assert_eq!((a.status, a.field()), (422, "shipping.name"), "{}", a.body);

    let (st, b) = keyed(&app, &d.consumer, &"x".repeat(129), order_body(&d.main_show, &d.rice, 1)).await;
    assert_eq!((st, s(&b["code"])), (400, "invalid_idempotency_key".to_string()), "{b}");

    for wrong in [d.main_show.clone(), d.rice.replacen("prd_", "var_", 1), "prd_not-a-uuid".to_string()] {
        let a = place(&app, &d.consumer, order_body(&d.main_show, &wrong, 1)).await;
        assert_eq!((a.status, a.field()), (422, "product_id"), "{wrong}: {}", a.body);
    }
    let a = place(&app, &d.consumer, order_body(&d.main_show, &d.rice.replacen("prd_", "shw_", 1), 1)).await;
    assert_eq!(a.body["errors"][0]["code"], "wrong_id_prefix");

    // Several variants and none named; a variant of another product.
    let a = place(&app, &d.consumer, order_body(&d.main_show, &d.buds, 1)).await;
    assert_eq!((a.status, a.field()), (422, "variant_id"), "{}", a.body);
    assert_eq!(a.body["errors"][0]["code"], "required");
    let rice_variant = app.get(&format!("/api/v1/products/{}", d.rice), None).await.body["variants"][0]["id"].clone();
    let mut body = order_body(&d.main_show, &d.buds, 1);
    body["variant_id"] = rice_variant;
    let a = place(&app, &d.consumer, body).await;
    assert_eq!((a.status, a.field()), (422, "variant_id"), "{}", a.body);
    assert_eq!(a.body["errors"][0]["code"], "unknown_variant");

    // Outside a show, the gate still applies (the milk's inspection is too old).
    let a = place(&app, &d.consumer, json!({"product_id": d.milk, "quantity": 1, "shipping": shipping()})).await;
    assert_eq!((a.status, a.code()), (422, "not_eligible"), "{}", a.body);
    assert_eq!(a.body["unmet"][0]["code"], "inspection_too_old");

    // Unknown fields are refused.
    let mut body = order_body(&d.main_show, &d.rice, 1);
    body["price_minor"] = json!(1);
    assert_eq!(place(&app, &d.consumer, body).await.status, 422);

    assert_eq!(stock(&app, &d.rice).await, rice);
    assert_eq!(stock(&app, &d.milk).await, milk);
    assert_eq!(stock(&app, &d.bleach).await, bleach);
    assert_eq!(app.get("/api/v1/orders", Some(&d.consumer)).await.body["items"], json!([]));
    assert_eq!(app.get("/api/v1/orders", Some(&d.op)).await.body["items"], json!([]));
}

#[tokio::test]
async fn ending_or_suspending_a_show_stops_its_orders_at_once() {
    let app = TestApp::spawn_demo().await;
    let d = demo(&app).await;
    // Orders warm the show's cached order context first.
    placed(&app, &d.consumer, &d.ai_show, &d.bleach, 1).await;
    let open = placed(&app, &d.consumer, &d.main_show, &d.rice, 1).await;
    let end = app.post(&format!("/api/v1/shows/{}/end", d.ai_show), Some(&d.room), json!({})).await;
    assert_eq!(end.status, 200, "{}", end.body);
    let a = place(&app, &d.consumer, order_body(&d.ai_show, &d.bleach, 1)).await;
    assert_eq!((a.status, a.code()), (409, "show_not_live"), "{}", a.body);
    let sus = app
        .post(
            &format!("/api/v1/shows/{}/suspend", d.main_show),
            Some(&d.op),
            json!({"reason": "主播口播夸大宣传，暂停直播核查 (Order 117 Art. 12)"}),
        )
        .await;
    assert_eq!(sus.status, 200, "{}", sus.body);
    let a = place(&app, &d.consumer, order_body(&d.main_show, &d.rice, 1)).await;
    assert_eq!((a.status, a.code()), (409, "show_not_live"), "{}", a.body);
    assert_eq!(stock(&app, &d.bleach).await, 5999);
    assert_eq!(stock(&app, &d.rice).await, 4999);
    // Open orders of a suspended show stay serviceable.
    assert_eq!(act(&app, &d.consumer, &open, "pay").await.status, 200);
    assert_eq!(ship(&app, &d.haowu, &open).await.status, 200);
}

#[tokio::test]
async fn only_consumers_place_orders() {
    let app = TestApp::spawn_demo().await;
    let d = demo(&app).await;
    let before = stock(&app, &d.rice).await;
    for tok in [&d.haowu, &d.op, &d.room] {
        let a = place(&app, tok, order_body(&d.main_show, &d.rice, 1)).await;
        assert_eq!((a.status, a.code()), (403, "forbidden"), "{}", a.body);
    }
    let a = place(&app, &d.reg, order_body(&d.main_show, &d.rice, 1)).await;
    assert_eq!((a.status, a.code()), (403, "regulator_read_only"), "{}", a.body);
    let a = app.post("/api/v1/orders", None, order_body(&d.main_show, &d.rice, 1)).await;
    assert_eq!((a.status, a.code()), (401, "unauthorized"), "{}", a.body);
    let a = app.post("/api/v1/orders", Some("not-a-token"), order_body(&d.main_show, &d.rice, 1)).await;
    assert_eq!(a.status, 401);
    assert_eq!(stock(&app, &d.rice).await, before);
    assert_eq!(app.get("/api/v1/orders", Some(&d.op)).await.body["items"], json!([]));
}

// 7. Transitions by role.

#[tokio::test]
async fn each_transition_belongs_to_its_party_and_its_state() {
    let app = TestApp::spawn_demo().await;
    let d = demo(&app).await;
    let stranger = app.user(Role::Consumer).await;
    let o = placed(&app, &d.consumer, &d.main_show, &d.rice, 2).await;

    // Pay: the buyer only, once.
    let a = act(&app, &d.haowu, &o, "pay").await;
    assert_eq!((a.status, a.code()), (403, "forbidden"), "{}", a.body);
    assert_eq!(act(&app, &d.op, &o, "pay").await.status, 403);
    assert_eq!(act(&app, &d.youxuan, &o, "pay").await.status, 404, "another merchant cannot see it");
    assert_eq!(act(&app, &stranger, &o, "pay").await.status, 404, "another consumer cannot see it");
    let a = ship(&app, &d.haowu, &o).await;
    assert_eq!((a.status, a.code()), (409, "invalid_order_state"), "shipping unpaid: {}", a.body);
    let a = act(&app, &d.consumer, &o, "confirm").await;
    assert_eq!((a.status, a.code()), (409, "invalid_order_state"));
    let paid = act(&app, &d.consumer, &o, "pay").await;
    assert_eq!(paid.status, 200, "{}", paid.body);
    assert_eq!(paid.body["status"], "paid");
    let a = act(&app, &d.consumer, &o, "pay").await;
    assert_eq!((a.status, a.code()), (409, "invalid_order_state"), "{}", a.body);
    assert_eq!(a.body["detail"], "the order is paid; cannot pay");

    // Ship: the seller's merchant account only, with carrier and tracking number.
    assert_eq!(ship(&app, &d.youxuan, &o).await.status, 404);
    assert_eq!(ship(&app, &d.consumer, &o).await.status, 403);
    assert_eq!(ship(&app, &d.op, &o).await.status, 403);
    let a = app
        .post(
            &format!("/api/v1/orders/{o}/ship"),
            Some(&d.haowu),
            json!({"carrier": "顺丰速运", "tracking_number": ""}),
        )
        .await;
    assert_eq!((a.status, a.field()), (422, "tracking_number"), "{}", a.body);
    let a = app.post(&format!("/api/v1/orders/{o}/ship"), Some(&d.haowu), json!({"carrier": "顺丰速运"})).await;
    assert_eq!(a.status, 422, "{}", a.body);
    let a = act(&app, &d.op, &o, "deliver").await;
    assert_eq!((a.status, a.code()), (409, "invalid_order_state"), "delivering unshipped");
    app.clock.advance(Duration::hours(3));
    let shipped = ship(&app, &d.haowu, &o).await;
    assert_eq!(shipped.status, 200, "{}", shipped.body);
    assert_eq!(shipped.body["status"], "shipped");
    assert_eq!(shipped.body["shipment"], json!({"carrier": "顺丰速运", "tracking_number": "SF1234567890"}));
    assert_eq!(shipped.body["updated_at"], "2026-11-25T07:00:00Z");
    assert_eq!(shipped.body["placed_at"], "2026-11-25T04:00:00Z");
    assert_eq!(ship(&app, &d.haowu, &o).await.code(), "invalid_order_state");

    // No cancelling once shipped, by anyone.
    let before = stock(&app, &d.rice).await;
    for tok in [&d.consumer, &d.haowu, &d.op] {
        let a = act(&app, tok, &o, "cancel").await;
        assert_eq!((a.status, a.code()), (409, "invalid_order_state"), "{}", a.body);
    }
    assert_eq!(stock(&app, &d.rice).await, before);

    // Deliver: operators only (the logistics callback).
    for tok in [&d.consumer, &d.haowu] {
        let a = act(&app, tok, &o, "deliver").await;
        assert_eq!((a.status, a.code()), (403, "forbidden"), "{}", a.body);
    }
    let a = act(&app, &d.consumer, &o, "confirm").await;
    assert_eq!((a.status, a.code()), (409, "invalid_order_state"), "confirming undelivered");
    app.clock.advance(Duration::days(1));
    let delivered = act(&app, &d.op, &o, "deliver").await;
    assert_eq!(delivered.status, 200, "{}", delivered.body);
    assert_eq!(delivered.body["status"], "delivered");
    assert_eq!(delivered.body["delivered_at"], "2026-11-26T07:00:00Z");

    // Confirm: the buyer only, once.
    assert_eq!(act(&app, &d.haowu, &o, "confirm").await.status, 403);
    assert_eq!(act(&app, &d.op, &o, "confirm").await.status, 403);
    assert_eq!(act(&app, &stranger, &o, "confirm").await.status, 404);
    let done = act(&app, &d.consumer, &o, "confirm").await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(done.body["status"], "completed");
    assert_eq!(done.body["delivered_at"], "2026-11-26T07:00:00Z");
    assert_eq!(done.body["snapshot"]["unit_price"], cny(5990));
    let a = act(&app, &d.consumer, &o, "confirm").await;
    assert_eq!((a.status, a.code()), (409, "invalid_order_state"));
    assert_eq!(act(&app, &d.consumer, &o, "cancel").await.status, 409);

    // Reading: buyer, seller, staff; not another consumer or merchant, nor the room.
    for tok in [&d.consumer, &d.haowu, &d.op, &d.reg] {
        let a = app.get(&format!("/api/v1/orders/{o}"), Some(tok)).await;
        assert_eq!((a.status, s(&a.body["status"])), (200, "completed".to_string()), "{}", a.body);
    }
    for tok in [&stranger, &d.youxuan, &d.room] {
        let a = app.get(&format!("/api/v1/orders/{o}"), Some(tok)).await;
        assert_eq!((a.status, a.code()), (404, "not_found"), "{}", a.body);
    }
    assert_eq!(app.get(&format!("/api/v1/orders/{o}"), None).await.status, 401);
    assert_eq!(app.get(&format!("/api/v1/orders/{}", OrderId::generate()), Some(&d.op)).await.status, 404);
    assert_eq!(app.get("/api/v1/orders/ord_nonsense", Some(&d.op)).await.status, 400);
    assert_eq!(app.get(&format!("/api/v1/orders/{}", d.rice), Some(&d.op)).await.status, 400);

    // The order's records name each step in order.
    let packet = app.get(&format!("/api/v1/orders/{o}/dispute-packet"), Some(&d.consumer)).await;
    let acts = actions(&packet.body["order_records"]);
    assert_eq!(acts, ["order.pay", "order.ship", "order.deliver", "order.confirm"], "{}", packet.body);
}

#[tokio::test]
async fn cancelling_before_shipping_restores_the_stock_exactly_once() {
    let app = TestApp::spawn_demo().await;
    let d = demo(&app).await;
    let stranger = app.user(Role::Consumer).await;
    let start = stock(&app, &d.rice).await;

    // The buyer cancels a placed order.
    let a = placed(&app, &d.consumer, &d.main_show, &d.rice, 2).await;
    assert_eq!(stock(&app, &d.rice).await, start - 2);
    assert_eq!(act(&app, &stranger, &a, "cancel").await.status, 404);
    assert_eq!(act(&app, &d.youxuan, &a, "cancel").await.status, 404);
    assert_eq!(act(&app, &d.room, &a, "cancel").await.status, 404);
    let c = act(&app, &d.consumer, &a, "cancel").await;
    assert_eq!(c.status, 200, "{}", c.body);
    assert_eq!(c.body["status"], "cancelled");
    assert_eq!(stock(&app, &d.rice).await, start);
    let again = act(&app, &d.consumer, &a, "cancel").await;
    assert_eq!((again.status, again.code()), (409, "invalid_order_state"), "{}", again.body);
    assert_eq!(act(&app, &d.op, &a, "cancel").await.status, 409);
    assert_eq!(stock(&app, &d.rice).await, start, "no second release");
    let pay = act(&app, &d.consumer, &a, "pay").await;
    assert_eq!((pay.status, pay.code()), (409, "invalid_order_state"), "a cancelled order cannot be paid");

    // The seller cancels a paid order.
    let b = placed(&app, &d.consumer, &d.main_show, &d.rice, 3).await;
    assert_eq!(act(&app, &d.consumer, &b, "pay").await.status, 200);
    let c = act(&app, &d.haowu, &b, "cancel").await;
    assert_eq!(c.status, 200, "{}", c.body);
    assert_eq!(c.body["status"], "cancelled");
    assert_eq!(stock(&app, &d.rice).await, start);
    assert_eq!(ship(&app, &d.haowu, &b).await.code(), "invalid_order_state");

    // An operator cancels.
    let e = placed(&app, &d.consumer, &d.main_show, &d.rice, 1).await;
    let c = act(&app, &d.op, &e, "cancel").await;
    assert_eq!(c.status, 200, "{}", c.body);
    assert_eq!(stock(&app, &d.rice).await, start);
    assert_eq!(act(&app, &d.haowu, &e, "cancel").await.status, 409);
    assert_eq!(stock(&app, &d.rice).await, start);
    let rice_variant = s(&app.get(&format!("/api/v1/products/{}", d.rice), None).await.body["variants"][0]["id"]);
    assert_eq!(app.state.store.units_sold(rice_variant.parse().unwrap()).await.unwrap(), 0);
}

#[tokio::test]
async fn regulators_read_any_order_but_ship_deliver_confirm_and_cancel_nothing() {
    let app = TestApp::spawn_demo().await;
    let d = demo(&app).await;
    let o = placed(&app, &d.consumer, &d.main_show, &d.rice, 1).await;
    let a = app.get(&format!("/api/v1/orders/{o}"), Some(&d.reg)).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["id"], o.as_str());
    assert_eq!(ids(&app.get("/api/v1/orders", Some(&d.reg)).await), std::slice::from_ref(&o));
    let p = app.get(&format!("/api/v1/orders/{o}/dispute-packet"), Some(&d.reg)).await;
    assert_eq!(p.status, 200, "{}", p.body);

    let a = act(&app, &d.reg, &o, "cancel").await;
    assert_eq!((a.status, a.code()), (403, "regulator_read_only"), "{}", a.body);
    assert_eq!(act(&app, &d.consumer, &o, "pay").await.status, 200);
    let a = ship(&app, &d.reg, &o).await;
    assert_eq!((a.status, a.code()), (403, "regulator_read_only"), "{}", a.body);
    assert_eq!(ship(&app, &d.haowu, &o).await.status, 200);
    let a = act(&app, &d.reg, &o, "deliver").await;
    assert_eq!((a.status, a.code()), (403, "regulator_read_only"), "{}", a.body);
    assert_eq!(act(&app, &d.op, &o, "deliver").await.status, 200);
    let a = act(&app, &d.reg, &o, "confirm").await;
    assert_eq!((a.status, a.code()), (403, "regulator_read_only"), "{}", a.body);
    assert_eq!(status_of(&app, &d.reg, &o).await, "delivered");
}

#[tokio::test]
async fn a_regulator_paying_is_refused_as_read_only() {
    let app = TestApp::spawn_demo().await;
    let d = demo(&app).await;
    let o = placed(&app, &d.consumer, &d.main_show, &d.rice, 1).await;
    let a = act(&app, &d.reg, &o, "pay").await;
    assert_eq!((a.status, a.code()), (403, "regulator_read_only"), "{}", a.body);
    assert_eq!(status_of(&app, &d.consumer, &o).await, "placed");
}

#[tokio::test]
async fn order_lists_show_each_role_its_own() {
    let app = TestApp::spawn_demo().await;
    let d = demo(&app).await;
    let other = app.user(Role::Consumer).await;
    let mine_rice = placed(&app, &d.consumer, &d.main_show, &d.rice, 1).await;
    let mine_oil = placed(&app, &d.consumer, &d.main_show, &d.fishoil, 1).await;
    let theirs_rice = placed(&app, &other, &d.main_show, &d.rice, 1).await;
    let theirs_bleach = placed(&app, &other, &d.ai_show, &d.bleach, 1).await;
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };

    assert_eq!(
        ids(&app.get("/api/v1/orders", Some(&d.consumer)).await),
        sorted(vec![mine_rice.clone(), mine_oil.clone()])
    );
    assert_eq!(
        ids(&app.get("/api/v1/orders", Some(&other)).await),
        sorted(vec![theirs_rice.clone(), theirs_bleach.clone()])
    );
    // 杭州好物 sells the rice; 上海优选 the fish oil and the bleach.
    assert_eq!(
        ids(&app.get("/api/v1/orders", Some(&d.haowu)).await),
        sorted(vec![mine_rice.clone(), theirs_rice.clone()])
    );
    assert_eq!(
        ids(&app.get("/api/v1/orders", Some(&d.youxuan)).await),
        sorted(vec![mine_oil.clone(), theirs_bleach.clone()])
    );
    let all = sorted(vec![mine_rice.clone(), mine_oil.clone(), theirs_rice.clone(), theirs_bleach.clone()]);
    assert_eq!(ids(&app.get("/api/v1/orders", Some(&d.op)).await), all);
    assert_eq!(ids(&app.get("/api/v1/orders", Some(&d.reg)).await), all);
    // A merchant account without a merchant sees nothing.
    let bare = app.user(Role::Merchant).await;
    assert_eq!(app.get("/api/v1/orders", Some(&bare)).await.body["items"], json!([]));
    // By show.
    let ai = app.get(&format!("/api/v1/orders?show={}", d.ai_show), Some(&d.op)).await;
    assert_eq!(ids(&ai), std::slice::from_ref(&theirs_bleach));
    let ai_mine = app.get(&format!("/api/v1/orders?show={}", d.ai_show), Some(&d.consumer)).await;
    assert_eq!(ai_mine.body["items"], json!([]));
    // Paging.
    let p1 = app.get("/api/v1/orders?limit=3", Some(&d.op)).await;
    assert_eq!(ids(&p1), all[..3]);
    let cursor = s(&p1.body["next_cursor"]);
    let p2 = app.get(&format!("/api/v1/orders?limit=3&cursor={cursor}"), Some(&d.op)).await;
    assert_eq!(ids(&p2), all[3..]);
    assert_eq!(p2.body["next_cursor"], Value::Null);
    // Others may not list.
    assert_eq!(app.get("/api/v1/orders", Some(&d.room)).await.status, 403);
    assert_eq!(app.get("/api/v1/orders", None).await.status, 401);
}

// 8. Unpaid orders expire.

#[tokio::test]
async fn unpaid_orders_expire_after_the_payment_window_and_release_their_stock() {
    let app = TestApp::spawn_demo().await;
    let d = demo(&app).await;
    assert_eq!(app.state.policy.payment_window_minutes, 15);
    let start = stock(&app, &d.rice).await;
    let early = placed(&app, &d.consumer, &d.main_show, &d.rice, 2).await;
    let paid = placed(&app, &d.consumer, &d.main_show, &d.fishoil, 1).await;
    assert_eq!(act(&app, &d.consumer, &paid, "pay").await.status, 200);
    app.clock.advance(Duration::minutes(2));
    let late = placed(&app, &d.consumer, &d.main_show, &d.rice, 1).await;
    assert_eq!(stock(&app, &d.rice).await, start - 3);

    // 14 minutes after `late` and 16 after `early`.
    app.clock.advance(Duration::minutes(14));
    assert_eq!(clearcast_server::api::orders::expire_unpaid(&app.state).await.unwrap(), 1);
    assert_eq!(status_of(&app, &d.consumer, &early).await, "cancelled");
    assert_eq!(status_of(&app, &d.consumer, &late).await, "placed", "14 minutes is inside the window");
    assert_eq!(status_of(&app, &d.consumer, &paid).await, "paid", "paid orders never expire");
    assert_eq!(stock(&app, &d.rice).await, start - 1);
    assert_eq!(stock(&app, &d.fishoil).await, 1999);
    let o = app.get(&format!("/api/v1/orders/{early}"), Some(&d.consumer)).await;
    assert_eq!(o.body["updated_at"], "2026-11-25T04:16:00Z");
    let packet = app.get(&format!("/api/v1/orders/{early}/dispute-packet"), Some(&d.consumer)).await;
    assert_eq!(actions(&packet.body["order_records"]), ["order.expired"]);
    assert_eq!(packet.body["order_records"][0]["detail"], json!({"payment_window_minutes": 15, "released": 2}));
    let a = act(&app, &d.consumer, &early, "pay").await;
    assert_eq!((a.status, a.code()), (409, "invalid_order_state"), "too late to pay");

    // Running again finds nothing new; `late` goes at its own 16 minutes.
    assert_eq!(clearcast_server::api::orders::expire_unpaid(&app.state).await.unwrap(), 0);
    assert_eq!(stock(&app, &d.rice).await, start - 1);
    app.clock.advance(Duration::minutes(2));
    assert_eq!(clearcast_server::api::orders::expire_unpaid(&app.state).await.unwrap(), 1);
    assert_eq!(status_of(&app, &d.consumer, &late).await, "cancelled");
    assert_eq!(stock(&app, &d.rice).await, start);
    assert_eq!(clearcast_server::api::orders::expire_unpaid(&app.state).await.unwrap(), 0);
    assert_eq!(stock(&app, &d.rice).await, start);
}

#[tokio::test]
async fn an_unpaid_order_expires_at_exactly_the_end_of_the_window() {
    let app = TestApp::spawn_demo().await;
    let d = demo(&app).await;
    let o = placed(&app, &d.consumer, &d.main_show, &d.rice, 1).await;
    app.clock.set(start_time() + Duration::minutes(15) - Duration::seconds(1));
    assert_eq!(clearcast_server::api::orders::expire_unpaid(&app.state).await.unwrap(), 0);
    // Order::payment_expired: expired once now >= placed_at + 15 minutes.
    app.clock.set(start_time() + Duration::minutes(15));
    assert_eq!(clearcast_server::api::orders::expire_unpaid(&app.state).await.unwrap(), 1);
    assert_eq!(status_of(&app, &d.consumer, &o).await, "cancelled");
}

// 9. A qualification expiring mid-show.

#[tokio::test]
async fn a_qualification_that_lapses_mid_show_stops_orders_with_the_reason() {
    let app = TestApp::spawn_demo().await;
    let d = demo(&app).await;
    // 2026-11-25 12:00 in Beijing: the certificate is good through tomorrow, 26 November.
    let own = own_show(&app, &d, 300, 50, "2026-11-26").await;
    assert_eq!(place(&app, &d.consumer, order_body(&own.show, &own.product, 1)).await.status, 201);
    app.clock.advance(Duration::days(1));
    assert_eq!(
        place(&app, &d.consumer, order_body(&own.show, &own.product, 1)).await.status,
        201,
        "still good on its last day"
    );
    app.clock.advance(Duration::days(1));
    let a = place(&app, &d.consumer, order_body(&own.show, &own.product, 1)).await;
    assert_eq!((a.status, a.code()), (422, "not_eligible"), "{}", a.body);
    assert_eq!(a.body["unmet"].as_array().unwrap().len(), 1, "{}", a.body);
    assert_eq!(a.body["unmet"][0]["code"], "qualification_expired");
    assert_eq!(a.body["unmet"][0]["product_id"], own.product.as_str());
    assert_eq!(a.body["errors"][0]["field"], "product_id");
    assert_eq!(app.get(&format!("/api/v1/shows/{}", own.show), None).await.body["status"], "live");
    assert_eq!(stock(&app, &own.product).await, 48);
}

// 10. The dispute packet.

#[tokio::test]
async fn the_dispute_packet_names_everyone_behind_the_sale() {
    let app = TestApp::spawn_demo().await;
    let d = demo(&app).await;
    let o = placed(&app, &d.consumer, &d.main_show, &d.rice, 1).await;
    let url = format!("/api/v1/orders/{o}/dispute-packet");
    assert_eq!(act(&app, &d.consumer, &o, "pay").await.status, 200);
    let p = app.get(&url, Some(&d.consumer)).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert_eq!(p.body["order"]["id"], o.as_str());
    assert_eq!(p.body["order"]["status"], "paid");
    assert_eq!(p.body["seller"], p.body["order"]["snapshot"]["seller"]);
    assert_eq!(p.body["seller"]["name"], "杭州好物电子商务有限公司");
    assert_eq!(p.body["room_operator"]["name"], "星光直播间运营有限公司");
    assert_eq!(p.body["room_operator"]["address"], "浙江省杭州市余杭区文一西路 998 号");
    let anchors = p.body["anchors"].as_array().unwrap();
    assert_eq!(anchors.len(), 1);
    assert_eq!(anchors[0]["anchor_id"], d.lijia.as_str());
    assert_eq!(anchors[0]["stage_name"], "佳佳");
    assert_eq!(anchors[0]["verification"]["status"], "verified");
    let show_records = actions(&p.body["show_records"]);
    assert!(!show_records.is_empty());
    assert_eq!(show_records[0], "show.created", "{show_records:?}");
    assert!(show_records.contains(&"show.started".to_string()), "{show_records:?}");
    assert!(show_records.contains(&"lineup.verified".to_string()), "{show_records:?}");
    assert_eq!(p.body["show_records"][0]["seq"], 1);
    assert!(actions(&p.body["order_records"]).contains(&"order.pay".to_string()), "{}", p.body);
    assert_eq!(p.body["order_records"][0]["detail"]["detail"]["amount"], cny(5990));

    // The seller may not have it; another consumer cannot see the order at all; staff may.
    let a = app.get(&url, Some(&d.haowu)).await;
    assert_eq!((a.status, a.code()), (403, "forbidden"), "{}", a.body);
    let stranger = app.user(Role::Consumer).await;
    assert_eq!(app.get(&url, Some(&stranger)).await.status, 404);
    assert_eq!(app.get(&url, Some(&d.youxuan)).await.status, 404);
    assert_eq!(app.get(&url, Some(&d.op)).await.status, 200);
    assert_eq!(app.get(&url, Some(&d.reg)).await.status, 200);
    assert_eq!(app.get(&url, None).await.status, 401);

    // Outside a show there is no room and no show records.
    let off = place(&app, &d.consumer, json!({"product_id": d.rice, "quantity": 1, "shipping": shipping()})).await;
    let p = app.get(&format!("/api/v1/orders/{}/dispute-packet", s(&off.body["id"])), Some(&d.consumer)).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert_eq!(p.body["room_operator"], Value::Null);
    assert_eq!(p.body["anchors"], json!([]));
    assert_eq!(p.body["show_records"], json!([]));
}

// 11. The whole flow on both stores.

async fn whole_flow(app: &TestApp) {
    let d = demo(app).await;
    let start = stock(app, &d.rice).await;
    let o = place(app, &d.consumer, order_body(&d.main_show, &d.rice, 2)).await;
    assert_eq!(o.status, 201, "{}", o.body);
    assert_eq!(o.body["total"], cny(11980));
    let id = s(&o.body["id"]);
    assert_eq!(stock(app, &d.rice).await, start - 2);
    let (st, again) = keyed(app, &d.consumer, "flow-key", order_body(&d.main_show, &d.rice, 1)).await;
    assert_eq!(st, 201, "{again}");
    let (st, same) = keyed(app, &d.consumer, "flow-key", order_body(&d.main_show, &d.rice, 1)).await;
    assert_eq!((st, &same["id"]), (200, &again["id"]));
    assert_eq!(stock(app, &d.rice).await, start - 3);
    let over = place(app, &d.consumer, order_body(&d.main_show, &d.rice, 3)).await;
    assert_eq!((over.status, over.code()), (422, "purchase_limit_exceeded"));

    for (tok, action, status) in [
        (&d.consumer, "pay", "paid"),
        (&d.haowu, "ship", "shipped"),
        (&d.op, "deliver", "delivered"),
        (&d.consumer, "confirm", "completed"),
    ] {
        let a = if action == "ship" { ship(app, tok, &id).await } else { act(app, tok, &id, action).await };
        assert_eq!(a.status, 200, "{action}: {}", a.body);
        assert_eq!(a.body["status"], status);
        assert_eq!(a.body["snapshot"], o.body["snapshot"]);
    }
    let read = app.get(&format!("/api/v1/orders/{id}"), Some(&d.reg)).await;
    assert_eq!(read.body["status"], "completed");
    assert_eq!(read.body["shipment"]["tracking_number"], "SF1234567890");
    let c = act(app, &d.consumer, &s(&again["id"]), "cancel").await;
    assert_eq!(c.status, 200, "{}", c.body);
    assert_eq!(stock(app, &d.rice).await, start - 2);
    let packet = app.get(&format!("/api/v1/orders/{id}/dispute-packet"), Some(&d.consumer)).await;
    assert_eq!(actions(&packet.body["order_records"]), ["order.pay", "order.ship", "order.deliver", "order.confirm"]);
    assert_eq!(packet.body["room_operator"]["name"], "星光直播间运营有限公司");
    assert_eq!(actions(&packet.body["show_records"])[0], "show.created");
    assert_eq!(ids(&app.get("/api/v1/orders", Some(&d.youxuan)).await), Vec::<String>::new());
    assert_eq!(ids(&app.get("/api/v1/orders", Some(&d.haowu)).await).len(), 2);

    // Sold out.
    let own = own_show(app, &d, 400, 3, "2028-01-01").await;
    assert_eq!(place(app, &d.consumer, order_body(&own.show, &own.product, 2)).await.status, 201);
    let out = place(app, &d.consumer, order_body(&own.show, &own.product, 2)).await;
    assert_eq!((out.status, out.code()), (409, "sold_out"), "{}", out.body);
    assert_eq!(out.body["errors"][0]["message"], "1 left");
    assert_eq!(place(app, &d.consumer, order_body(&own.show, &own.product, 1)).await.status, 201);
    assert_eq!(stock(app, &own.product).await, 0);
    assert_eq!(place(app, &d.consumer, order_body(&own.show, &own.product, 1)).await.code(), "sold_out");
    assert_eq!(stock(app, &own.product).await, 0);

    // Expiry on this store too: the two unpaid orders of the sold-out product and one more.
    let unpaid = placed(app, &d.consumer, &d.main_show, &d.fishoil, 1).await;
    app.clock.advance(Duration::minutes(14));
    assert_eq!(clearcast_server::api::orders::expire_unpaid(&app.state).await.unwrap(), 0);
    app.clock.advance(Duration::minutes(2));
    assert_eq!(clearcast_server::api::orders::expire_unpaid(&app.state).await.unwrap(), 3);
    assert_eq!(status_of(app, &d.consumer, &unpaid).await, "cancelled");
    assert_eq!(stock(app, &d.fishoil).await, 2000);
    assert_eq!(stock(app, &own.product).await, 3);
    assert_eq!(status_of(app, &d.consumer, &id).await, "completed");

    let check = app.get("/api/v1/audit/verify", Some(&d.reg)).await;
    assert_eq!(check.body["ok"], true, "{}", check.body);
}

#[tokio::test]
async fn the_order_flow_on_sqlite() {
    whole_flow(&TestApp::spawn_demo().await).await;
}

#[tokio::test]
async fn the_order_flow_on_postgres() {
    let Some(app) = TestApp::spawn_postgres().await else { return };
    assert_eq!(app.state.store.backend(), "postgres");
    app.seed_demo().await;
    whole_flow(&app).await;
}

// Races between transitions.

/// Ten concurrent cancels of one order: one succeeds, the stock comes back once. (A product
/// without a per-buyer limit, so the race is all that is tested.)
async fn concurrent_cancels(app: &TestApp) {
    let d = demo(app).await;
    let own = own_show(app, &d, 600, 100, "2028-01-01").await;
    for round in 0..5 {
        let o = placed(app, &d.consumer, &own.show, &own.product, 1).await;
        assert_eq!(stock(app, &own.product).await, 99);
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..10 {
            let (client, url, tok) =
                (app.client.clone(), format!("{}/api/v1/orders/{o}/cancel", app.base), d.consumer.clone());
            set.spawn(async move {
                client.post(url).bearer_auth(tok).json(&json!({})).send().await.unwrap().status().as_u16()
            });
        }
        let mut statuses = Vec::new();
        while let Some(r) = set.join_next().await {
            statuses.push(r.unwrap());
        }
        statuses.sort_unstable();
        let left = stock(app, &own.product).await;
        assert_eq!(
            (statuses.iter().filter(|s| **s == 200).count(), statuses.iter().filter(|s| **s == 409).count(), left),
            (1, 9, 100),
            "round {round}: statuses {statuses:?}, stock {left} (99 before the cancels)"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_cancels_release_the_stock_once_on_sqlite() {
    concurrent_cancels(&TestApp::spawn_demo().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_cancels_release_the_stock_once_on_postgres() {
    let Some(app) = TestApp::spawn_postgres().await else { return };
    app.seed_demo().await;
    concurrent_cancels(&app).await;
}

/// A ship and a cancel of one paid order at once: exactly one wins, and the order and the stock
/// agree with the winner.
async fn ship_races_cancel(app: &TestApp) {
    let d = demo(app).await;
    let own = own_show(app, &d, 700, 100, "2028-01-01").await;
    let mut shipped = 0;
    for round in 0..10 {
        let o = placed(app, &d.consumer, &own.show, &own.product, 1).await;
        assert_eq!(act(app, &d.consumer, &o, "pay").await.status, 200);
        let ship_req = app
            .client
            .post(format!("{}/api/v1/orders/{o}/ship", app.base))
            .bearer_auth(&own.merchant)
            .json(&json!({"carrier": "顺丰速运", "tracking_number": "SF1234567890"}))
            .send();
        let cancel_req = app
            .client
            .post(format!("{}/api/v1/orders/{o}/cancel", app.base))
            .bearer_auth(&d.consumer)
            .json(&json!({}))
            .send();
        let (a, b) = tokio::join!(tokio::spawn(ship_req), tokio::spawn(cancel_req));
        let answers = (a.unwrap().unwrap().status().as_u16(), b.unwrap().unwrap().status().as_u16());
        let now = app.get(&format!("/api/v1/orders/{o}"), Some(&d.consumer)).await;
        let left = stock(app, &own.product).await;
        let seen = format!(
            "round {round}: (ship, cancel) answered {answers:?}; the order is {} with shipment {}; stock {left} ({} before the race)",
            now.body["status"],
            now.body["shipment"],
            99 - shipped
        );
        match answers {
            (200, 409) => {
                shipped += 1;
                assert_eq!(now.body["status"], "shipped", "{seen}");
            }
            (409, 200) => {
                assert_eq!(now.body["status"], "cancelled", "{seen}");
                assert_eq!(now.body["shipment"], Value::Null, "{seen}");
            }
            _ => panic!("{seen}"),
        }
        assert_eq!(left, 100 - shipped, "{seen}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ship_racing_a_cancel_has_one_winner_on_sqlite() {
    ship_races_cancel(&TestApp::spawn_demo().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ship_racing_a_cancel_has_one_winner_on_postgres() {
    let Some(app) = TestApp::spawn_postgres().await else { return };
    app.seed_demo().await;
    ship_races_cancel(&app).await;
}

#[tokio::test]
async fn a_rooms_sales_feed_its_tier() {
    let app = TestApp::spawn_demo().await;
    let consumer = app.login("consumer", "consumer-demo-pass").await;
    let shows = app.get("/api/v1/shows?status=live", None).await;
    let show = &shows.body["items"][0];
    let body = json!({"show_id": show["id"], "product_id": show["pinned"]["product_id"], "quantity": 2,
        "shipping": {"name": "张三", "phone": "13800000000", "address": "北京市朝阳区"}});
    let o = app.post("/api/v1/orders", Some(&consumer), body).await;
    assert_eq!(o.status, 201, "{}", o.body);
    let total = o.body["total"]["minor"].as_i64().unwrap();
    let room = show["room_operator_id"].as_str().unwrap();
    let tier = app.get(&format!("/api/v1/room-operators/{room}/tier"), None).await;
    assert_eq!(tier.body["criteria"][1]["input"], "sales_minor_90d");
    assert_eq!(tier.body["criteria"][1]["value"], total.to_string());
}

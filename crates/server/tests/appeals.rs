//! The rest of the safety net over HTTP: complaints about a show (no order), a liable party's
//! appeal of an upheld decision (the consumer keeps what was paid; only who bears it moves), and
//! payouts of what the platform owes a seller, which settle the seller's debt first.
#![allow(clippy::unwrap_used)]

mod common;

use common::TestApp;
use serde_json::{json, Value};

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

async fn balance(app: &TestApp, op: &str, account: &str) -> i64 {
    let tb = app.get("/api/v1/ledger/trial-balance", Some(op)).await.body;
    assert_eq!(tb["total"], 0, "the trial balance is zero");
    tb["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account"] == account)
        .map_or(0, |a| a["balance"].as_i64().unwrap())
}

async fn live_show(app: &TestApp, title: &str) -> Value {
    let live = app.get("/api/v1/shows?status=live", None).await;
    live.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["title"].as_str().unwrap().contains(title))
        .unwrap()
        .clone()
}

/// An order of the pinned product of the show titled `title`, paid.
async fn paid_order(app: &TestApp, consumer: &str, title: &str) -> String {
    let show = live_show(app, title).await;
    let body = json!({"show_id": show["id"], "product_id": show["pinned"]["product_id"], "quantity": 1,
                      "shipping": {"name": "张三", "phone": "13800000000", "address": "北京市朝阳区"}});
    let o = app.post("/api/v1/orders", Some(consumer), body).await;
    assert_eq!(o.status, 201, "{}", o.body);
    let id = s(&o.body["id"]);
    assert_eq!(app.post(&format!("/api/v1/orders/{id}/pay"), Some(consumer), json!({})).await.status, 200);
    id
}

/// Files, lets the seller answer, takes for review; returns the complaint id.
async fn under_review(app: &TestApp, consumer: &str, seller: &str, op: &str, body: Value) -> String {
    let c = app.post("/api/v1/complaints", Some(consumer), body).await;
    assert_eq!(c.status, 201, "{}", c.body);
    let id = s(&c.body["id"]);
    let r = app.post(&format!("/api/v1/complaints/{id}/response"), Some(seller), json!({"text": "已核实"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(app.post(&format!("/api/v1/complaints/{id}/review"), Some(op), json!({})).await.status, 200);
    id
}

async fn appeals(app: &TestApp) {
    let op = app.login("operator", "operator-demo-pass").await;
    let consumer = app.login("consumer", "consumer-demo-pass").await;
    let youxuan = app.login("youxuan", "merchant-demo-pass").await;
    let room = app.login("xingguang", "room-demo-pass").await;

    // Upheld against the seller alone and paid from the pool, recovered from its deposit.
    let order = paid_order(app, &consumer, "AI 数字人夜场").await;
    let body = json!({"order_id": order, "category": "counterfeit", "description": "防伪码查询为假"});
    let id = under_review(app, &consumer, &youxuan, &op, body).await;
    let url = format!("/api/v1/complaints/{id}");
    let all_seller = json!({"merchant_bps": 10000, "room_operator_bps": 0, "platform_bps": 0});
    let d = app
        .post(
            &format!("{url}/adjudicate"),
            Some(&op),
            json!({"upheld": true, "reason": "假冒", "liability": all_seller}),
        )
        .await;
    assert_eq!((d.status, s(&d.body["status"])), (200, "compensated".into()), "{}", d.body);
    let paid = d.body["paid"].as_i64().unwrap();
    assert_eq!(paid, d.body["decision"]["compensation"]["total"].as_i64().unwrap());
    assert_eq!(d.body["recovered"], paid, "the seller's deposit covered it");
    let (yx, rop) = (s(&d.body["merchant"]), s(&d.body["room_operator"]));
    let (yx_dep, rop_dep) = (format!("merchant_deposit:{yx}"), format!("room_operator_deposit:{rop}"));
    let (yx0, rop0) = (balance(app, &op, &yx_dep).await, balance(app, &op, &rop_dep).await);
    let pool0 = balance(app, &op, "guarantee_pool").await;

    // The room is liable for nothing and cannot appeal; the seller can, once.
    let r = app.post(&format!("{url}/appeal"), Some(&room), json!({"statement": "与我无关"})).await;
    assert_eq!((r.status, r.code()), (403, "not_liable"), "{}", r.body);
    let early = app.post(&format!("{url}/appeal"), Some(&consumer), json!({"statement": "x"})).await;
    assert_eq!((early.status, early.code()), (409, "invalid_complaint_state"), "the buyer won");
    let a = app.post(&format!("{url}/appeal"), Some(&youxuan), json!({"statement": "主播擅自承诺正品保证"})).await;
    assert_eq!((a.status, s(&a.body["status"])), (200, "under_review".into()), "{}", a.body);
    assert_eq!(
        (a.body["appeal"]["side"].clone(), a.body["appeal"]["appealed"]["upheld"].clone()),
        (json!("merchant"), json!(true))
    );
    let again = app.post(&format!("{url}/appeal"), Some(&youxuan), json!({"statement": "again"})).await;
    assert_eq!((again.status, again.code()), (409, "already_appealed"));

    // Upheld again, 40/60 between seller and room: the consumer is not paid twice; the seller
    // gets 60% back, the room pays it.
    let split = json!({"merchant_bps": 4000, "room_operator_bps": 6000, "platform_bps": 0});
    let d2 = app
        .post(
            &format!("{url}/adjudicate"),
            Some(&op),
            json!({"upheld": true, "reason": "主播承担主要责任", "liability": split}),
        )
        .await;
    assert_eq!((d2.status, s(&d2.body["status"])), (200, "compensated".into()), "{}", d2.body);
    assert_eq!(d2.body["paid"], paid, "what the consumer got is final");
    assert_eq!(d2.body["decision"]["compensation"]["total"], paid);
    let room_share = paid * 6000 / 10000;
    assert_eq!(balance(app, &op, &yx_dep).await, yx0 + room_share);
    assert_eq!(balance(app, &op, &rop_dep).await, rop0 - room_share);
    assert_eq!(balance(app, &op, "guarantee_pool").await, pool0);
    assert_eq!(d2.body["recovered"], paid);
    let paid_out: Vec<Value> = app
        .get(&format!("/api/v1/ledger/accounts/consumer_refund_payable:{}", s(&d2.body["consumer"])), Some(&op))
        .await
        .body["transfers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"] == "compensation")
        .cloned()
        .collect();
    assert_eq!(paid_out.len(), 1, "one compensation: {paid_out:?}");

    // Upheld 50/50, then overturned on the room's appeal: both deposits get their part back, the
    // consumer keeps the compensation, the platform bears it.
    let order2 = paid_order(app, &consumer, "AI 数字人夜场").await;
    let body = json!({"order_id": order2, "category": "price_fraud", "description": "划线价虚构"});
    let id2 = under_review(app, &consumer, &youxuan, &op, body).await;
    let url2 = format!("/api/v1/complaints/{id2}");
    let (yx1, rop1, pool1) = (
        balance(app, &op, &yx_dep).await,
        balance(app, &op, &rop_dep).await,
        balance(app, &op, "guarantee_pool").await,
    );
    let half = json!({"merchant_bps": 5000, "room_operator_bps": 5000, "platform_bps": 0});
    let d = app
        .post(
            &format!("{url2}/adjudicate"),
            Some(&op),
            json!({"upheld": true, "reason": "虚构原价", "liability": half}),
        )
        .await;
    let paid2 = d.body["paid"].as_i64().unwrap();
    assert!(paid2 >= 50_000, "{}", d.body);
    assert_eq!(balance(app, &op, &rop_dep).await, rop1 - paid2 / 2);
    let a = app.post(&format!("{url2}/appeal"), Some(&room), json!({"statement": "原价有进货凭证"})).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let rej = app.post(&format!("{url2}/adjudicate"), Some(&op), json!({"upheld": false, "reason": "凭证属实"})).await;
    assert_eq!((rej.status, s(&rej.body["status"])), (200, "rejected".into()), "{}", rej.body);
    assert_eq!((rej.body["paid"].as_i64(), rej.body["recovered"].as_i64()), (Some(paid2), Some(0)));
    assert_eq!((balance(app, &op, &yx_dep).await, balance(app, &op, &rop_dep).await), (yx1, rop1));
    assert_eq!(balance(app, &op, "guarantee_pool").await, pool1 - paid2);
    // The report still counts what was paid.
    let rep = app.get("/api/v1/reports/complaints?group_by=category", Some(&op)).await;
    let pf = rep.body["rows"].as_array().unwrap().iter().find(|r| r["key"] == "price_fraud").unwrap().clone();
    assert_eq!((pf["compensation_paid"].as_i64(), pf["upheld"].as_i64()), (Some(paid2), Some(0)), "{pf}");
}

#[tokio::test]
async fn a_liable_party_appeals_once_and_the_consumer_keeps_what_was_paid_on_sqlite() {
    appeals(&TestApp::spawn_demo().await).await;
}

#[tokio::test]
async fn a_liable_party_appeals_once_and_the_consumer_keeps_what_was_paid_on_postgres() {
    let Some(app) = TestApp::spawn_postgres().await else { return };
    app.seed_demo().await;
    appeals(&app).await;
}

#[tokio::test]
async fn a_consumer_complains_about_a_show_without_an_order() {
    let app = TestApp::spawn_demo().await;
    let op = app.login("operator", "operator-demo-pass").await;
    let consumer = app.login("consumer", "consumer-demo-pass").await;
    let haowu = app.login("haowu", "merchant-demo-pass").await;
    let show = live_show(&app, "双十二好物节").await;
    let (sid, product) = (s(&show["id"]), s(&show["pinned"]["product_id"]));
    let other = s(&live_show(&app, "AI 数字人夜场").await["pinned"]["product_id"]);
    let order = paid_order(&app, &consumer, "AI 数字人夜场").await;
    let desc = "主播称“全网最低价，吃了能治高血压”";
    for (body, status, field) in [
        (json!({"show_id": sid, "category": "false_advertising", "description": desc}), 422, "product_id"),
        (
            json!({"show_id": sid, "product_id": other, "category": "false_advertising", "description": desc}),
            422,
            "product_id",
        ),
        (
            json!({"show_id": sid, "order_id": order, "product_id": product, "category": "service", "description": "x"}),
            422,
            "show_id",
        ),
        (
            json!({"order_id": order, "product_id": product, "category": "service", "description": "x"}),
            422,
            "product_id",
        ),
        (json!({"category": "service", "description": "x"}), 422, "order_id"),
        (
            json!({"show_id": "sho_nonsense", "product_id": product, "category": "service", "description": "x"}),
            400,
            "show_id",
        ),
    ] {
        let r = app.post("/api/v1/complaints", Some(&consumer), body.clone()).await;
        assert_eq!((r.status, r.field()), (status, field), "{body}: {}", r.body);
    }
    let body = json!({"show_id": sid, "product_id": product, "category": "false_advertising", "description": desc,
                      "evidence": ["seg_demo-1"]});
    let pool0 = balance(&app, &op, "guarantee_pool").await;
    let id = under_review(&app, &consumer, &haowu, &op, body.clone()).await;
    let dup = app.post("/api/v1/complaints", Some(&consumer), body).await;
    assert_eq!((dup.status, dup.code()), (409, "complaint_exists"), "one per consumer and show");
    let c = app.get(&format!("/api/v1/complaints/{id}"), Some(&haowu)).await;
    assert_eq!(
        (c.body["order"].clone(), s(&c.body["show"]), s(&c.body["product"])),
        (Value::Null, sid, product.clone())
    );
    assert_eq!(c.body["price"]["minor"], 0);
    assert!(!c.body["anchors"].as_array().unwrap().is_empty(), "the show's anchors answer for what they said");
    let d = app
        .post(
            &format!("/api/v1/complaints/{id}/adjudicate"),
            Some(&op),
            json!({"upheld": true, "reason": "回放确认", "liability": {"merchant_bps": 2000, "room_operator_bps": 8000, "platform_bps": 0}}),
        )
        .await;
    assert_eq!((d.status, s(&d.body["status"])), (200, "upheld".into()), "{}", d.body);
    assert_eq!((d.body["decision"]["compensation"].clone(), d.body["paid"].clone()), (Value::Null, json!(0)));
    assert_eq!(d.body["transfers"], json!([]), "nothing was bought, nothing is paid");
    assert_eq!(balance(&app, &op, "guarantee_pool").await, pool0);
    // It counts against the product's seller.
    let rep = app.get(&format!("/api/v1/merchants/{}/reputation", s(&d.body["merchant"])), None).await;
    let line = rep.body["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["component"] == "upheld_complaints")
        .unwrap()
        .clone();
    assert!(line["value"].as_f64().unwrap() < 5.0, "{line}");
}

#[tokio::test]
async fn a_seller_is_paid_out_what_it_is_owed_after_its_debts() {
    let app = TestApp::spawn_demo().await;
    let op = app.login("operator", "operator-demo-pass").await;
    let consumer = app.login("consumer", "consumer-demo-pass").await;
    let haowu = app.login("haowu", "merchant-demo-pass").await;
    let youxuan = app.login("youxuan", "merchant-demo-pass").await;
    let order = paid_order(&app, &consumer, "双十二好物节").await;
    let sh = app
        .post(&format!("/api/v1/orders/{order}/ship"), Some(&haowu), json!({"carrier": "SF", "tracking_number": "SF1"}))
        .await;
    assert_eq!(sh.status, 200, "{}", sh.body);
    assert_eq!(app.post(&format!("/api/v1/orders/{order}/deliver"), Some(&op), json!({})).await.status, 200);
    let done = app.post(&format!("/api/v1/orders/{order}/confirm"), Some(&consumer), json!({})).await;
    assert_eq!(done.status, 200, "{}", done.body);
    let hz = s(&done.body["merchant"]);
    let payable = format!("merchant_payable:{hz}");
    let owed_to_seller = balance(&app, &op, &payable).await;
    assert!(owed_to_seller > 100, "settled: {owed_to_seller}");

    let pay = |token: String, body: Value, key: Option<&'static str>| {
        let app = &app;
        async move {
            let mut req = app.client.post(format!("{}/api/v1/payouts", app.base)).bearer_auth(token).json(&body);
            if let Some(k) = key {
                req = req.header("Idempotency-Key", k);
            }
            let r = req.send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (st, b) = pay(haowu.clone(), json!({"party_id": hz, "amount": owed_to_seller + 1}), None).await;
    assert_eq!((st, s(&b["code"])), (409, "insufficient_funds".into()), "{b}");
    let (st, b) = pay(youxuan.clone(), json!({"party_id": hz, "amount": 1}), None).await;
    assert_eq!(st, 403, "{b}");
    for bad in [json!({"party_id": hz, "amount": 0}), json!({"party_id": "shop-1", "amount": 5})] {
        let (st, b) = pay(haowu.clone(), bad.clone(), None).await;
        assert_eq!((st, s(&b["errors"][0]["field"]).is_empty()), (422, false), "{bad}: {b}");
    }
    let (st, first) = pay(haowu.clone(), json!({"party_id": hz, "amount": 100}), Some("w-1")).await;
    assert_eq!((st, first["balance"].as_i64()), (201, Some(owed_to_seller - 100)), "{first}");
    let (st, replay) = pay(haowu.clone(), json!({"party_id": hz, "amount": 100}), Some("w-1")).await;
    assert_eq!((st, replay["transfer"]["id"].clone()), (200, first["transfer"]["id"].clone()), "paid once");
    assert_eq!(balance(&app, &op, &payable).await, owed_to_seller - 100);

    // Owing the platform 30 fen, the seller's payout first pays that debt.
    let debt = json!({"transfers": [{"id": "debt-hz-1", "debit": format!("receivable:{hz}"), "credit": "guarantee_pool",
                                     "amount": 30, "kind": "shortfall"}]});
    assert_eq!(app.post("/api/v1/ledger/transfers", Some(&op), debt).await.status, 201);
    let left = owed_to_seller - 100;
    let (st, b) = pay(haowu.clone(), json!({"party_id": hz, "amount": left - 30 + 1}), Some("w-x")).await;
    assert_eq!((st, s(&b["code"])), (409, "insufficient_funds".into()), "{b}");
    assert!(s(&b["detail"]).contains("30 fen of it pays the party's debt first"), "{b}");
    assert_eq!(balance(&app, &op, &format!("receivable:{hz}")).await, -30, "a refused payout moves nothing");
    assert_eq!(balance(&app, &op, &payable).await, left);
    let (st, b) = pay(haowu.clone(), json!({"party_id": hz, "amount": 50}), Some("w-2")).await;
    assert_eq!((st, b["settled"]["amount"].as_i64(), b["owed"].as_i64()), (201, Some(30), Some(0)), "{b}");
    assert_eq!(b["balance"].as_i64(), Some(owed_to_seller - 100 - 30 - 50));
    assert_eq!(balance(&app, &op, &format!("receivable:{hz}")).await, 0);
    let (st, again) = pay(haowu.clone(), json!({"party_id": hz, "amount": 50}), Some("w-2")).await;
    assert_eq!((st, again["transfer"]["id"].clone()), (200, b["transfer"]["id"].clone()), "a retry replays");

    // The seller takes everything out; then the buyer's complaint is upheld. The refund of a
    // settled sale comes back from the payable as far as it holds; the rest the seller owes.
    let rest = balance(&app, &op, &payable).await;
    let (st, all) = pay(haowu.clone(), json!({"party_id": hz, "amount": rest}), Some("w-all")).await;
    assert_eq!(st, 201);
    // Retried after a timeout, with nothing left in the payable: the same payout, not a refusal.
    let (st, again) = pay(haowu.clone(), json!({"party_id": hz, "amount": rest}), Some("w-all")).await;
    assert_eq!(
        (st, again["transfer"].clone(), again["balance"].as_i64()),
        (200, all["transfer"].clone(), Some(0)),
        "{again}"
    );
    let (st, other) = pay(haowu.clone(), json!({"party_id": hz, "amount": rest + 1}), Some("w-all")).await;
    assert_eq!((st, s(&other["code"])), (409, "transfer_id_reused".into()), "{other}");
    // And the retry of the payout that settled the debt reports that settlement again.
    let (st, again) = pay(haowu.clone(), json!({"party_id": hz, "amount": 50}), Some("w-2")).await;
    assert_eq!((st, again["settled"]["amount"].as_i64()), (200, Some(30)), "{again}");
    let c = app
        .post(
            "/api/v1/complaints",
            Some(&consumer),
            json!({"order_id": order, "category": "quality", "description": "坏了"}),
        )
        .await;
    assert_eq!(c.status, 201, "{}", c.body);
    let cid = s(&c.body["id"]);
    app.post(&format!("/api/v1/complaints/{cid}/response"), Some(&haowu), json!({"text": "抱歉"})).await;
    app.post(&format!("/api/v1/complaints/{cid}/review"), Some(&op), json!({})).await;
    let d = app
        .post(
            &format!("/api/v1/complaints/{cid}/adjudicate"),
            Some(&op),
            json!({"upheld": true, "reason": "质量问题", "liability": {"merchant_bps": 10000, "room_operator_bps": 0, "platform_bps": 0}}),
        )
        .await;
    assert_eq!((d.status, s(&d.body["status"])), (200, "compensated".into()), "{}", d.body);
    assert_eq!(app.get(&format!("/api/v1/orders/{order}"), Some(&consumer)).await.body["status"], "refunded");
    assert_eq!(balance(&app, &op, &payable).await, 0);
    assert!(balance(&app, &op, &format!("receivable:{hz}")).await <= -owed_to_seller, "the paid-out sale is owed back");
}

#[tokio::test]
async fn complaint_lists_page_and_a_room_cannot_be_liable_for_a_sale_outside_a_show() {
    let app = TestApp::spawn_demo().await;
    let op = app.login("operator", "operator-demo-pass").await;
    let consumer = app.login("consumer", "consumer-demo-pass").await;
    let youxuan = app.login("youxuan", "merchant-demo-pass").await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let order = paid_order(&app, &consumer, "AI 数字人夜场").await;
        let c = app
            .post(
                "/api/v1/complaints",
                Some(&consumer),
                json!({"order_id": order, "category": "service", "description": "慢"}),
            )
            .await;
        ids.push(s(&c.body["id"]));
    }
    let first = app.get("/api/v1/complaints?limit=2", Some(&op)).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let page: Vec<String> = first.body["items"].as_array().unwrap().iter().map(|c| s(&c["id"])).collect();
    assert_eq!(page, ids[..2]);
    let next =
        app.get(&format!("/api/v1/complaints?limit=2&cursor={}", s(&first.body["next_cursor"])), Some(&op)).await;
    let rest: Vec<String> = next.body["items"].as_array().unwrap().iter().map(|c| s(&c["id"])).collect();
    assert_eq!((rest, next.body["next_cursor"].clone()), (ids[2..].to_vec(), Value::Null));
    assert_eq!(app.get("/api/v1/complaints?limit=0", Some(&op)).await.field(), "limit");
    assert_eq!(app.get("/api/v1/complaints?cursor=nonsense", Some(&op)).await.field(), "cursor");

    // An order outside any show: the room has no part in it.
    let show = live_show(&app, "AI 数字人夜场").await;
    let body = json!({"product_id": show["pinned"]["product_id"], "quantity": 1,
                      "shipping": {"name": "张三", "phone": "13800000000", "address": "北京市朝阳区"}});
    let o = app.post("/api/v1/orders", Some(&consumer), body).await;
    assert_eq!(o.status, 201, "{}", o.body);
    let order = s(&o.body["id"]);
    assert_eq!(app.post(&format!("/api/v1/orders/{order}/pay"), Some(&consumer), json!({})).await.status, 200);
    let bad_url = app
        .post(
            "/api/v1/complaints",
            Some(&consumer),
            json!({"order_id": order, "category": "quality", "description": "坏", "evidence": ["http://"]}),
        )
        .await;
    assert_eq!(bad_url.field(), "evidence[0]", "a URL names a host");
    let id = under_review(
        &app,
        &consumer,
        &youxuan,
        &op,
        json!({"order_id": order, "category": "quality", "description": "坏"}),
    )
    .await;
    let c = app.get(&format!("/api/v1/complaints/{id}"), Some(&op)).await;
    assert_eq!((c.body["room_operator"].clone(), c.body["response"]["late"].clone()), (Value::Null, json!(false)));
    let r = app
        .post(
            &format!("/api/v1/complaints/{id}/adjudicate"),
            Some(&op),
            json!({"upheld": true, "reason": "x", "liability": {"merchant_bps": 0, "room_operator_bps": 10000, "platform_bps": 0}}),
        )
        .await;
    assert_eq!((r.status, r.field()), (422, "liability.room_operator_bps"), "{}", r.body);
    let twice = app.post(&format!("/api/v1/complaints/{id}/review"), Some(&op), json!({})).await;
    assert!(!twice.body["detail"].as_str().unwrap().contains("still has time"), "{}", twice.body);
}

//! The ledger over HTTP: the demo's trial balance, linked transfers all or nothing, replays,
//! shortfalls recorded as receivables, deposits topped up once per key, statements for the
//! account's owner, and every bad input refused with its field.
#![allow(clippy::unwrap_used)]

mod common;

use common::TestApp;
use serde_json::{json, Value};

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

async fn merchant_id(app: &TestApp, name: &str) -> String {
    let list = app.get("/api/v1/merchants?limit=200", Some(&app.login("operator", "operator-demo-pass").await)).await;
    s(&list.body["items"].as_array().unwrap().iter().find(|m| s(&m["legal_name"]).contains(name)).unwrap()["id"])
}

fn balance(tb: &Value, account: &str) -> i64 {
    tb["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account"] == account)
        .map(|a| a["balance"].as_i64().unwrap())
        .unwrap_or(0)
}

async fn ledger_flow(app: &TestApp) {
    let op = app.login("operator", "operator-demo-pass").await;
    let reg = app.login("regulator", "regulator-demo-pass").await;
    let consumer = app.login("consumer", "consumer-demo-pass").await;
    let youxuan = merchant_id(app, "上海优选").await;
    let haowu = merchant_id(app, "杭州好物").await;
    let dep = format!("merchant_deposit:{youxuan}");
    let recv = format!("receivable:{youxuan}");

    let tb = app.get("/api/v1/ledger/trial-balance", Some(&reg)).await;
    assert_eq!(tb.status, 200, "{}", tb.body);
    assert_eq!(tb.body["total"], 0);
    assert_eq!(balance(&tb.body, "guarantee_pool"), 5_000_000);
    assert_eq!(balance(&tb.body, &dep), 1_000_000);
    assert_eq!(app.get("/api/v1/ledger/trial-balance", Some(&consumer)).await.status, 403);

    // Recovering ¥12,000 from a deposit of ¥10,000 in one transfer is refused, and nothing moves.
    let over = json!({"transfers": [
        {"id": "c1-pay", "debit": "guarantee_pool", "credit": "external_cash", "amount": 1_200_000, "kind": "compensation"},
        {"id": "c1-rec", "debit": dep, "credit": "guarantee_pool", "amount": 1_200_000, "kind": "recovery"}]});
    let r = app.post("/api/v1/ledger/transfers", Some(&op), over).await;
    assert_eq!((r.status, r.code()), (409, "insufficient_funds"), "{}", r.body);
    assert_eq!(balance(&app.get("/api/v1/ledger/trial-balance", Some(&op)).await.body, "guarantee_pool"), 5_000_000);
    // The deposit pays what it holds; the rest becomes a receivable.
    let ok = json!({"transfers": [
        {"id": "c1-pay", "debit": "guarantee_pool", "credit": "external_cash", "amount": 1_200_000, "kind": "compensation", "reference": "complaint 1"},
        {"id": "c1-rec", "debit": dep, "credit": "guarantee_pool", "amount": 1_000_000, "kind": "recovery"},
        {"id": "c1-short", "debit": recv, "credit": "guarantee_pool", "amount": 200_000, "kind": "shortfall"}]});
    let r = app.post("/api/v1/ledger/transfers", Some(&op), ok.clone()).await;
    assert_eq!((r.status, s(&r.body["outcome"])), (201, "applied".into()), "{}", r.body);
    let again = app.post("/api/v1/ledger/transfers", Some(&op), ok).await;
    assert_eq!((again.status, s(&again.body["outcome"])), (200, "replayed".into()));
    assert_eq!(again.body["transfers"], r.body["transfers"], "a replay returns the originals");
    let tb = app.get("/api/v1/ledger/trial-balance", Some(&op)).await;
    assert_eq!(tb.body["total"], 0);
    assert_eq!((balance(&tb.body, &dep), balance(&tb.body, &recv)), (0, -200_000));
    assert_eq!(balance(&tb.body, "guarantee_pool"), 5_000_000);
    let reused = json!({"transfers": [{"id": "c1-pay", "debit": "guarantee_pool", "credit": "external_cash", "amount": 1, "kind": "compensation", "reference": "complaint 1"}]});
    let r = app.post("/api/v1/ledger/transfers", Some(&op), reused).await;
    assert_eq!((r.status, r.code()), (409, "transfer_id_reused"), "{}", r.body);

    // Bad transfers, each with its field; nothing of them is applied.
    let t = |patch: Value| {
        let mut base = json!({"id": "bad-1", "debit": "external_cash", "credit": "guarantee_pool", "amount": 100, "kind": "funding"});
        for (k, v) in patch.as_object().unwrap() {
            base[k] = v.clone();
        }
        json!({"transfers": [base]})
    };
    for (patch, status, field_or_code) in [
        (json!({"amount": 0}), 422, "transfers[0].amount"),
        (json!({"amount": -5}), 422, "transfers[0].amount"),
        (json!({"amount": 100_000_000_000_001_i64}), 422, "transfers[0].amount"),
        (json!({"debit": "vault"}), 422, "transfers[0].debit"),
        (json!({"credit": "merchant_deposit:mer_0192f0c5a4c37d6a9b4f3e2d1c0b0a09"}), 422, "transfers[0].credit"),
        (json!({"currency": "USD"}), 422, "transfers[0].currency"),
        (json!({"id": "has space"}), 422, "transfers[0].id"),
        (json!({"id": "order:0192f0c5a4c37d6a9b4f3e2d1c0b0a09:paid"}), 422, "transfers[0].id"),
        (json!({"credit": "external_cash"}), 422, "same_account"),
    ] {
        let r = app.post("/api/v1/ledger/transfers", Some(&op), t(patch.clone())).await;
        assert_eq!(r.status, status, "{patch}: {}", r.body);
        assert!(r.field() == field_or_code || r.code() == field_or_code, "{patch}: {}", r.body);
    }
    assert_eq!(app.post("/api/v1/ledger/transfers", Some(&op), json!({"transfers": []})).await.field(), "transfers");
    let many: Vec<Value> = (0..101)
        .map(|i| json!({"id": format!("m{i}"), "debit": "external_cash", "credit": "guarantee_pool", "amount": 1, "kind": "funding"}))
        .collect();
    assert_eq!(app.post("/api/v1/ledger/transfers", Some(&op), json!({"transfers": many})).await.status, 422);
    assert_eq!(app.post("/api/v1/ledger/transfers", Some(&consumer), t(json!({}))).await.status, 403);
    assert_eq!(app.get("/api/v1/ledger/trial-balance", Some(&op)).await.body["transfers"], tb.body["transfers"]);

    // Deposits: the owner tops up once per key; others may not.
    let yx = app.login("youxuan", "merchant-demo-pass").await;
    let hw = app.login("haowu", "merchant-demo-pass").await;
    let top = |token: String, key: &'static str, body: Value| {
        let req = app
            .client
            .post(format!("{}/api/v1/deposits", app.base))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(&body);
        async move {
            let res = req.send().await.unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    // 上海优选 owes ¥2,000: a top-up pays the debt first.
    let (st, body) = top(yx.clone(), "topup-1", json!({"party_id": youxuan, "amount": 100_000})).await;
    assert_eq!(st, 201, "{body}");
    assert_eq!((body["balance"].clone(), body["owed"].clone()), (json!(0), json!(100_000)), "{body}");
    assert_eq!(
        (body["settled"]["amount"].clone(), body["settled"]["kind"].clone()),
        (json!(100_000), json!("recovery"))
    );
    let (st, again) = top(yx.clone(), "topup-1", json!({"party_id": youxuan, "amount": 100_000})).await;
    assert_eq!(
        (st, again["transfer"].clone(), again["balance"].clone(), again["settled"].clone()),
        (200, body["transfer"].clone(), json!(0), body["settled"].clone()),
        "a retry neither tops up nor settles twice, and answers as the first call did"
    );
    // Paying a receivable past zero is refused by the ledger.
    let overpay = json!({"transfers": [{"id": "overpay-1", "debit": "external_cash", "credit": recv, "amount": 100_001, "kind": "recovery"}]});
    let r = app.post("/api/v1/ledger/transfers", Some(&op), overpay).await;
    assert_eq!((r.status, r.code()), (409, "receivable_overpaid"), "{}", r.body);
    let (st, body) = top(yx.clone(), "topup-3", json!({"party_id": youxuan, "amount": 400_000})).await;
    assert_eq!(st, 201, "{body}");
    assert_eq!((body["balance"].clone(), body["owed"].clone()), (json!(300_000), json!(0)), "{body}");
    let (st, _) = top(hw.clone(), "topup-2", json!({"party_id": youxuan, "amount": 1})).await;
    assert_eq!(st, 403);
    for (b, st_want) in [
        (json!({"party_id": youxuan, "amount": 0}), 422),
        (json!({"party_id": "acme", "amount": 10}), 422),
        (json!({"party_id": "mer_0192f0c5a4c37d6a9b4f3e2d1c0b0a09", "amount": 10}), 404),
    ] {
        let r = app.post("/api/v1/deposits", Some(&op), b.clone()).await;
        assert_eq!(r.status, st_want, "{b}: {}", r.body);
    }
    // Statements: the owner and staff read; another merchant may not.
    let mine = app.get(&format!("/api/v1/ledger/accounts/{dep}"), Some(&yx)).await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    assert_eq!(mine.body["balance"], 300_000);
    let kinds: Vec<String> = mine.body["transfers"].as_array().unwrap().iter().map(|t| s(&t["kind"])).collect();
    assert_eq!(kinds, ["deposit", "recovery", "deposit", "recovery", "deposit", "recovery"]);
    assert_eq!(app.get(&format!("/api/v1/ledger/accounts/{dep}"), Some(&hw)).await.status, 403);
    assert_eq!(app.get(&format!("/api/v1/ledger/accounts/merchant_deposit:{haowu}"), Some(&reg)).await.status, 200);
    assert_eq!(app.get("/api/v1/ledger/accounts/vault", Some(&op)).await.status, 400);
    let bad = app.get(&format!("/api/v1/ledger/accounts/{dep}?cursor=-1"), Some(&yx)).await;
    assert_eq!((bad.status, bad.field()), (422, "cursor"), "{}", bad.body);
    assert_eq!(app.get("/api/v1/ledger/trial-balance", Some(&op)).await.body["total"], 0);
}

#[tokio::test]
async fn the_ledger_over_http_on_sqlite() {
    ledger_flow(&TestApp::spawn_demo().await).await;
}

#[tokio::test]
async fn the_ledger_over_http_on_postgres() {
    let Some(app) = TestApp::spawn_postgres().await else { return };
    app.seed_demo().await;
    ledger_flow(&app).await;
}

async fn order_money(app: &TestApp) {
    let op = app.login("operator", "operator-demo-pass").await;
    let consumer = app.login("consumer", "consumer-demo-pass").await;
    let haowu = app.login("haowu", "merchant-demo-pass").await;
    let hz = merchant_id(app, "杭州好物").await;
    let live = app.get("/api/v1/shows?status=live", None).await;
    let show = live.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["title"].as_str().unwrap().contains("双十二"))
        .unwrap()
        .clone();
    let room = s(&show["room_operator_id"]);
    let product = s(&show["pinned"]["product_id"]);
    let order = |n: u32| {
        json!({"show_id": show["id"], "product_id": product, "quantity": n,
               "shipping": {"name": "张三", "phone": "13800000000", "address": "北京市朝阳区"}})
    };
    let o = app.post("/api/v1/orders", Some(&consumer), order(2)).await;
    assert_eq!(o.status, 201, "{}", o.body);
    let id = s(&o.body["id"]);
    let total = o.body["total"]["minor"].as_i64().unwrap();
    let escrow0 = balance(&tb(app, &op).await, "escrow");
    assert_eq!(app.post(&format!("/api/v1/orders/{id}/pay"), Some(&consumer), json!({})).await.status, 200);
    assert_eq!(balance(&tb(app, &op).await, "escrow"), escrow0 + total, "the payment waits in escrow");
    let sh = app
        .post(&format!("/api/v1/orders/{id}/ship"), Some(&haowu), json!({"carrier": "SF", "tracking_number": "SF9"}))
        .await;
    assert_eq!(sh.status, 200, "{}", sh.body);
    assert_eq!(app.post(&format!("/api/v1/orders/{id}/deliver"), Some(&op), json!({})).await.status, 200);
    let c = app.post(&format!("/api/v1/orders/{id}/confirm"), Some(&consumer), json!({})).await;
    assert_eq!(c.status, 200, "{}", c.body);
    let after = tb(app, &op).await;
    assert_eq!(balance(&after, "escrow"), escrow0, "settled out of escrow");
    // The lineup's commission is 2,000 bp; the platform's fee 200 bp; the merchant the rest.
    let (room_cut, fee) = (total * 2_000 / 10_000, total * 200 / 10_000);
    assert_eq!(balance(&after, &format!("room_operator_payable:{room}")), room_cut);
    assert_eq!(balance(&after, "platform_revenue"), fee);
    assert_eq!(balance(&after, &format!("merchant_payable:{hz}")), total - room_cut - fee);
    assert_eq!(after["total"], 0);
    // Paid, then cancelled: the money goes back out of escrow.
    let o2 = app.post("/api/v1/orders", Some(&consumer), order(1)).await;
    let id2 = s(&o2.body["id"]);
    app.post(&format!("/api/v1/orders/{id2}/pay"), Some(&consumer), json!({})).await;
    let cancel = app.post(&format!("/api/v1/orders/{id2}/cancel"), Some(&consumer), json!({})).await;
    assert_eq!(cancel.status, 200, "{}", cancel.body);
    let end = tb(app, &op).await;
    assert_eq!(balance(&end, "escrow"), escrow0);
    assert_eq!(end["total"], 0);
    let statement = app.get(&format!("/api/v1/ledger/accounts/merchant_payable:{hz}"), Some(&haowu)).await;
    assert_eq!(statement.body["transfers"][0]["kind"], "settlement");
    assert_eq!(statement.body["transfers"][0]["reference"], json!(id));
}

#[tokio::test]
async fn an_orders_money_moves_through_escrow_on_sqlite() {
    order_money(&TestApp::spawn_demo().await).await;
}

#[tokio::test]
async fn an_orders_money_moves_through_escrow_on_postgres() {
    let Some(app) = TestApp::spawn_postgres().await else { return };
    app.seed_demo().await;
    order_money(&app).await;
}

async fn tb(app: &TestApp, op: &str) -> Value {
    app.get("/api/v1/ledger/trial-balance", Some(op)).await.body
}

//! Complaints over HTTP: the whole path from an order to advance compensation and recovery (with
//! a receivable when a deposit is short), the 3× and 10× rules with their floors, clocks and
//! overdue flags on a passed-in clock, abuse flags, one appeal, reports, and bad input.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::Duration;
use common::TestApp;
use serde_json::{json, Value};

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
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

/// A paid order of the pinned product of the live show titled `title`; returns (order, total).
async fn paid_order(app: &TestApp, consumer: &str, title: &str) -> (String, i64) {
    let live = app.get("/api/v1/shows?status=live", None).await;
    let show = live.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["title"].as_str().unwrap().contains(title))
        .unwrap()
        .clone();
    let body = json!({"show_id": show["id"], "product_id": show["pinned"]["product_id"], "quantity": 1,
                      "shipping": {"name": "张三", "phone": "13800000000", "address": "北京市朝阳区"}});
    let o = app.post("/api/v1/orders", Some(consumer), body).await;
    assert_eq!(o.status, 201, "{}", o.body);
    let id = s(&o.body["id"]);
    assert_eq!(app.post(&format!("/api/v1/orders/{id}/pay"), Some(consumer), json!({})).await.status, 200);
    (id, o.body["total"]["minor"].as_i64().unwrap())
}

async fn flow(app: &TestApp) {
    let op = app.login("operator", "operator-demo-pass").await;
    let reg = app.login("regulator", "regulator-demo-pass").await;
    let consumer = app.login("consumer", "consumer-demo-pass").await;
    let youxuan = app.login("youxuan", "merchant-demo-pass").await;
    let haowu = app.login("haowu", "merchant-demo-pass").await;

    // The AI show sells 上海优选's disinfectant.
    let (order, price) = paid_order(app, &consumer, "AI 数字人夜场").await;
    let c = app
        .post(
            "/api/v1/complaints",
            Some(&consumer),
            json!({"order_id": order, "category": "counterfeit", "description": "瓶身防伪码查询为假", "evidence": ["https://img.example.com/1.jpg", "demo-2"]}),
        )
        .await;
    assert_eq!(c.status, 201, "{}", c.body);
    let id = s(&c.body["id"]);
    assert_eq!(c.body["status"], "filed");
    assert!(c.body["overdue"].as_array().unwrap().is_empty());
    let again = app
        .post(
            "/api/v1/complaints",
            Some(&consumer),
            json!({"order_id": order, "category": "service", "description": "again"}),
        )
        .await;
    assert_eq!((again.status, again.code()), (409, "complaint_exists"));
    // Other sellers do not see it; its seller does.
    assert_eq!(app.get(&format!("/api/v1/complaints/{id}"), Some(&haowu)).await.status, 404);
    assert_eq!(app.get(&format!("/api/v1/complaints/{id}"), Some(&youxuan)).await.status, 200);
    // Too early to review: the seller still has time. Then it answers.
    let early = app.post(&format!("/api/v1/complaints/{id}/review"), Some(&op), json!({})).await;
    assert_eq!((early.status, early.code()), (409, "invalid_complaint_state"));
    let r = app
        .post(&format!("/api/v1/complaints/{id}/response"), Some(&youxuan), json!({"text": "已联系品牌方核实"}))
        .await;
    assert_eq!((r.status, s(&r.body["status"])), (200, "responded".into()), "{}", r.body);
    let not_yet = app
        .post(&format!("/api/v1/complaints/{id}/adjudicate"), Some(&op), json!({"upheld": false, "reason": "x"}))
        .await;
    assert_eq!((not_yet.status, not_yet.code()), (409, "invalid_complaint_state"));
    assert_eq!(app.post(&format!("/api/v1/complaints/{id}/review"), Some(&op), json!({})).await.status, 200);
    // A split that is not whole, or an upheld decision without one, is refused.
    let url = format!("/api/v1/complaints/{id}/adjudicate");
    let bad = app.post(&url, Some(&op), json!({"upheld": true, "reason": "假货", "liability": {"merchant_bps": 7000, "room_operator_bps": 2000, "platform_bps": 500}})).await;
    assert_eq!((bad.status, bad.field()), (422, "liability"));
    assert_eq!(app.post(&url, Some(&op), json!({"upheld": true, "reason": "假货"})).await.field(), "liability");
    assert_eq!(app.post(&url, Some(&consumer), json!({"upheld": true, "reason": "x"})).await.status, 403);
    // 上海优选 has taken ¥9,800 of its ¥10,000 deposit back: ¥200 is left to recover from.
    let yx_party = s(&app.get(&format!("/api/v1/complaints/{id}"), Some(&op)).await.body["merchant"]);
    let w = app
        .post(
            "/api/v1/ledger/transfers",
            Some(&op),
            json!({"transfers": [{"id": "withdraw-yx-1", "debit": format!("merchant_deposit:{yx_party}"), "credit": "external_cash", "amount": 980_000, "kind": "payout"}]}),
        )
        .await;
    assert_eq!(w.status, 201, "{}", w.body);
    let tb0 = app.get("/api/v1/ledger/trial-balance", Some(&op)).await.body;
    let d = app
        .post(&url, Some(&op), json!({"upheld": true, "reason": "品牌方确认为假冒", "liability": {"merchant_bps": 9900, "room_operator_bps": 100, "platform_bps": 0}}))
        .await;
    assert_eq!(d.status, 200, "{}", d.body);
    assert_eq!(d.body["status"], "compensated");
    // Counterfeit: the price back (with the order itself, out of escrow) plus three times the
    // price, at least ¥500, from the guarantee pool.
    let comp = &d.body["decision"]["compensation"];
    let extra = (price * 3).max(50_000);
    assert_eq!((comp["lines"][0]["amount"].clone(), comp["total"].clone()), (json!(0), json!(extra)), "{comp}");
    assert!(s(&comp["lines"][1]["basis"]).contains("Art. 55"));
    let total = extra;
    let tb = app.get("/api/v1/ledger/trial-balance", Some(&reg)).await.body;
    assert_eq!(tb["total"], 0);
    assert_eq!(balance(&tb, "escrow"), balance(&tb0, "escrow") - price, "the price left escrow with the order");
    let o = app.get(&format!("/api/v1/orders/{order}"), Some(&consumer)).await;
    assert_eq!(o.body["status"], "refunded");
    // The order cannot be refunded again, cancelled or settled.
    let cancel = app.post(&format!("/api/v1/orders/{order}/cancel"), Some(&consumer), json!({})).await;
    assert_eq!(cancel.status, 409, "{}", cancel.body);
    // The room it was sold in reads the complaint; another room would not.
    let room_login = app.login("xingguang", "room-demo-pass").await;
    assert_eq!(app.get(&format!("/api/v1/complaints/{id}"), Some(&room_login)).await.status, 200);
    let yx_id = s(&d.body["merchant"]);
    let room = s(&d.body["room_operator"]);
    let m_share = total * 9900 / 10000;
    let r_share = total * 100 / 10000;
    assert!(m_share > 20_000, "the seller's share exceeds what is left of its deposit");
    // The deposit held ¥200: it pays that, the rest of its share is a receivable.
    assert_eq!(balance(&tb, &format!("merchant_deposit:{yx_id}")), 0);
    assert_eq!(balance(&tb, &format!("receivable:{yx_id}")), -(m_share - 20_000));
    assert_eq!(d.body["recovered"], m_share + r_share, "borne by the parties: from deposits or as debts");
    assert_eq!(
        balance(&tb, &format!("room_operator_deposit:{room}")),
        balance(&tb0, &format!("room_operator_deposit:{room}")) - r_share
    );
    // The pool paid everything and got back the deposits' part and the receivables' promise.
    assert_eq!(balance(&tb, "guarantee_pool"), balance(&tb0, "guarantee_pool") - total + m_share + r_share);
    // Owing the platform, and below its minimum, 上海优选 cannot sell until it tops up; a top-up
    // pays the debt first.
    let product = s(&o.body["product"]);
    let elig = format!("/api/v1/products/{product}/eligibility");
    let e = app.get(&elig, Some(&youxuan)).await;
    let codes: Vec<String> = e.body["unmet"].as_array().unwrap().iter().map(|u| s(&u["code"])).collect();
    assert_eq!(codes, ["seller_receivable_unsettled", "seller_deposit_below_minimum"], "{}", e.body);
    assert_eq!(e.body["unmet"][0]["inputs"]["owed_fen"], (m_share - 20_000).to_string());
    let top =
        app.post("/api/v1/deposits", Some(&youxuan), json!({"party_id": yx_id, "amount": 1_000_000 + m_share})).await;
    assert_eq!(top.status, 201, "{}", top.body);
    assert_eq!((top.body["owed"].clone(), top.body["settled"]["amount"].clone()), (json!(0), json!(m_share - 20_000)));
    assert_eq!(app.get(&elig, Some(&youxuan)).await.body["eligible"], true);
    let twice = app.post(&url, Some(&op), json!({"upheld": false, "reason": "再议"})).await;
    assert_eq!((twice.status, twice.code()), (409, "invalid_complaint_state"));
    // The upheld complaint counts against the seller's reputation.
    let rep = app.get(&format!("/api/v1/merchants/{yx_id}/reputation"), None).await;
    let comp_line = rep.body["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["component"] == "upheld_complaints")
        .unwrap()
        .clone();
    assert!(comp_line["value"].as_f64().unwrap() < 4.0, "one upheld complaint weighs: {comp_line}");
    assert!(rep.body["unavailable"].as_array().unwrap().is_empty());

    // Food safety: ten times the price, at least ¥1,000; a rejection appealed once.
    let (rice_order, rice_price) = paid_order(app, &consumer, "双十二好物节").await;
    let f = app
        .post(
            "/api/v1/complaints",
            Some(&consumer),
            json!({"order_id": rice_order, "category": "food_safety", "description": "大米霉变"}),
        )
        .await;
    let fid = s(&f.body["id"]);
    // The seller lets the clock run: overdue after 48 hours, and the operator may take it.
    app.clock.advance(Duration::hours(49));
    let overdue = app.get("/api/v1/complaints?overdue=true", Some(&op)).await;
    let listed: Vec<String> = overdue.body["items"].as_array().unwrap().iter().map(|c| s(&c["id"])).collect();
    assert!(listed.contains(&fid), "{}", overdue.body);
    let one = app.get(&format!("/api/v1/complaints/{fid}"), Some(&consumer)).await;
    assert_eq!(one.body["overdue"], json!(["merchant_response"]));
    assert_eq!(app.post(&format!("/api/v1/complaints/{fid}/review"), Some(&op), json!({})).await.status, 200);
    let rej = app
        .post(
            &format!("/api/v1/complaints/{fid}/adjudicate"),
            Some(&op),
            json!({"upheld": false, "reason": "照片无法证明"}),
        )
        .await;
    assert_eq!(rej.body["status"], "rejected", "{}", rej.body);
    let ap = app
        .post(&format!("/api/v1/complaints/{fid}/appeal"), Some(&consumer), json!({"statement": "补充检测报告"}))
        .await;
    assert_eq!((ap.status, s(&ap.body["status"])), (200, "under_review".into()), "{}", ap.body);
    let up = app
        .post(&format!("/api/v1/complaints/{fid}/adjudicate"), Some(&op), json!({"upheld": true, "reason": "检测报告确认霉变", "liability": {"merchant_bps": 10000, "room_operator_bps": 0, "platform_bps": 0}}))
        .await;
    assert_eq!(up.status, 200, "{}", up.body);
    let k = &up.body["decision"]["compensation"];
    assert_eq!(k["lines"][1]["kind"], "punitive_10x");
    assert_eq!(k["total"], (rice_price * 10).max(100_000), "the price itself came back with the order");
    let ap2 =
        app.post(&format!("/api/v1/complaints/{fid}/appeal"), Some(&consumer), json!({"statement": "again"})).await;
    assert_eq!((ap2.status, ap2.code()), (409, "already_appealed"));
    assert_eq!(app.get("/api/v1/ledger/trial-balance", Some(&op)).await.body["total"], 0);

    // Reports.
    let rep = app.get("/api/v1/reports/complaints?group_by=category", Some(&reg)).await;
    assert_eq!(rep.status, 200, "{}", rep.body);
    let rows = rep.body["rows"].as_array().unwrap();
    let cf = rows.iter().find(|r| r["key"] == "counterfeit").unwrap();
    assert_eq!(
        (cf["filed"].clone(), cf["upheld"].clone(), cf["compensation_paid"].clone()),
        (json!(1), json!(1), json!(total))
    );
    let csv = app
        .client
        .get(format!("{}/api/v1/reports/complaints?group_by=month&format=csv", app.base))
        .bearer_auth(&reg)
        .send()
        .await
        .unwrap();
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = csv.text().await.unwrap();
    assert!(text.starts_with("key,filed,decided,upheld,"));
    assert!(text.lines().nth(1).unwrap().starts_with("2026-"), "{text}");
    assert_eq!(app.get("/api/v1/reports/complaints?group_by=week", Some(&reg)).await.field(), "group_by");
    assert_eq!(app.get("/api/v1/reports/complaints?from=2026-12-31&to=2026-01-01", Some(&reg)).await.field(), "from");
    assert_eq!(app.get("/api/v1/reports/complaints", Some(&consumer)).await.status, 403);
}

#[tokio::test]
async fn complaints_from_order_to_compensation_and_recovery_on_sqlite() {
    flow(&TestApp::spawn_demo().await).await;
}

#[tokio::test]
async fn complaints_from_order_to_compensation_and_recovery_on_postgres() {
    let Some(app) = TestApp::spawn_postgres().await else { return };
    app.seed_demo().await;
    flow(&app).await;
}

#[tokio::test]
async fn repeated_rejected_complaints_flag_the_consumer_for_review() {
    let app = TestApp::spawn_demo().await;
    let op = app.login("operator", "operator-demo-pass").await;
    let consumer = app.login("consumer", "consumer-demo-pass").await;
    let youxuan = app.login("youxuan", "merchant-demo-pass").await;
    for i in 0..4 {
        let (order, _) = paid_order(&app, &consumer, "AI 数字人夜场").await;
        let c = app
            .post(
                "/api/v1/complaints",
                Some(&consumer),
                json!({"order_id": order, "category": "service", "description": format!("客服态度 {i}")}),
            )
            .await;
        assert_eq!(c.status, 201, "{}", c.body);
        let id = s(&c.body["id"]);
        if i == 3 {
            let flags = c.body["abuse_flags"].as_array().unwrap();
            assert_eq!(flags[0]["kind"], "repeatedly_rejected", "{}", c.body);
            assert_eq!(flags[0]["complaints"].as_array().unwrap().len(), 3);
            let flagged = app.get("/api/v1/complaints?flagged=true", Some(&op)).await;
            assert_eq!(flagged.body["items"].as_array().unwrap().len(), 1);
            break;
        }
        app.post(&format!("/api/v1/complaints/{id}/response"), Some(&youxuan), json!({"text": "已处理"})).await;
        app.post(&format!("/api/v1/complaints/{id}/review"), Some(&op), json!({})).await;
        let r = app
            .post(
                &format!("/api/v1/complaints/{id}/adjudicate"),
                Some(&op),
                json!({"upheld": false, "reason": "无证据"}),
            )
            .await;
        assert_eq!(r.body["status"], "rejected");
    }
    // Bad input.
    let (order, _) = paid_order(&app, &consumer, "AI 数字人夜场").await;
    for (body, field) in [
        (json!({"order_id": order, "category": "service", "description": ""}), "description"),
        (json!({"order_id": "ord_nonsense", "category": "service", "description": "x"}), "order_id"),
        (json!({"order_id": order, "category": "service", "description": "x", "evidence": vec!["e"; 21]}), "evidence"),
    ] {
        let r = app.post("/api/v1/complaints", Some(&consumer), body.clone()).await;
        assert!(r.status == 422 || r.status == 400, "{body}: {}", r.body);
        assert_eq!(r.field(), field, "{body}: {}", r.body);
    }
    let r = app
        .post(
            "/api/v1/complaints",
            Some(&consumer),
            json!({"order_id": order, "category": "weather", "description": "x"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let stranger = app
        .post(
            "/api/v1/complaints",
            Some(&youxuan),
            json!({"order_id": order, "category": "service", "description": "x"}),
        )
        .await;
    assert_eq!(stranger.status, 403);
}

#[tokio::test]
async fn one_complaint_per_order_even_when_filed_at_once_and_food_safety_is_for_food() {
    let app = TestApp::spawn_demo().await;
    let consumer = app.login("consumer", "consumer-demo-pass").await;
    let (order, _) = paid_order(&app, &consumer, "AI 数字人夜场").await;
    let not_food = app
        .post(
            "/api/v1/complaints",
            Some(&consumer),
            json!({"order_id": order, "category": "food_safety", "description": "x"}),
        )
        .await;
    assert_eq!((not_food.status, not_food.field()), (422, "category"), "disinfectant is not food: {}", not_food.body);
    let mut tasks = Vec::new();
    for i in 0..10 {
        let req = app
            .client
            .post(format!("{}/api/v1/complaints", app.base))
            .bearer_auth(&consumer)
            .json(&json!({"order_id": order, "category": "quality", "description": format!("p{i}")}));
        tasks.push(tokio::spawn(async move { req.send().await.unwrap().status().as_u16() }));
    }
    let mut codes = Vec::new();
    for t in tasks {
        codes.push(t.await.unwrap());
    }
    assert_eq!(codes.iter().filter(|c| **c == 201).count(), 1, "{codes:?}");
    assert!(codes.iter().all(|c| *c == 201 || *c == 409), "{codes:?}");
}

#[tokio::test]
async fn evidence_is_a_url_or_an_id() {
    let app = TestApp::spawn_demo().await;
    let consumer = app.login("consumer", "consumer-demo-pass").await;
    let (order, _) = paid_order(&app, &consumer, "AI 数字人夜场").await;
    for bad in ["javascript:alert(1)", "hello world", "<img src=x>", "data:text/html,x"] {
        let r = app
            .post(
                "/api/v1/complaints",
                Some(&consumer),
                json!({"order_id": order, "category": "quality", "description": "x", "evidence": ["demo-2", bad]}),
            )
            .await;
        assert_eq!((r.status, r.field()), (422, "evidence[1]"), "{bad}: {}", r.body);
    }
    let ok = app
        .post("/api/v1/complaints", Some(&consumer), json!({"order_id": order, "category": "quality", "description": "x", "evidence": ["demo-2", "https://img.example.com/a.jpg?x=1", "platform#12"]}))
        .await;
    assert_eq!(ok.status, 201, "{}", ok.body);
}

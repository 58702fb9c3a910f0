//! Reviews over HTTP: only delivered orders, once, follow-ups by the buyer, one reply by the
//! seller, public reading, and no way to delete or edit one (E-commerce Law Art. 17, 39).
#![allow(clippy::unwrap_used)]

mod common;

use common::TestApp;
use serde_json::{json, Value};

async fn delivered_order(app: &TestApp) -> (String, String, String) {
    delivered_order_in(app, 0, "haowu").await
}

/// An order of the pinned product of live show `n`, paid, shipped by `seller`, delivered.
async fn delivered_order_in(app: &TestApp, n: usize, seller: &str) -> (String, String, String) {
    let consumer = app.login("consumer", "consumer-demo-pass").await;
    let shows = app.get("/api/v1/shows?status=live", None).await;
    let show = &shows.body["items"][n];
    let product = show["pinned"]["product_id"].as_str().unwrap().to_string();
    let body = json!({"show_id": show["id"], "product_id": product, "quantity": 1,
        "shipping": {"name": "张三", "phone": "13800000000", "address": "北京市朝阳区"}});
    let o = app.post("/api/v1/orders", Some(&consumer), body).await;
    assert_eq!(o.status, 201, "{}", o.body);
    let id = o.body["id"].as_str().unwrap().to_string();
    // Too early: not delivered.
    let early = app.post(&format!("/api/v1/orders/{id}/review"), Some(&consumer), ratings(5)).await;
    assert_eq!((early.status, early.code()), (409, "order_not_delivered"));
    app.post(&format!("/api/v1/orders/{id}/pay"), Some(&consumer), json!({})).await;
    let merchant = app.login(seller, "merchant-demo-pass").await;
    let s = app
        .post(
            &format!("/api/v1/orders/{id}/ship"),
            Some(&merchant),
            json!({"carrier": "SF", "tracking_number": "SF100"}),
        )
        .await;
    assert_eq!(s.status, 200, "{}", s.body);
    let op = app.login("operator", "operator-demo-pass").await;
    assert_eq!(app.post(&format!("/api/v1/orders/{id}/deliver"), Some(&op), json!({})).await.status, 200);
    (id, consumer, product)
}

fn ratings(v: u8) -> Value {
    json!({"ratings": {"product_quality": v, "as_described": v, "explanation": v, "logistics": v, "service": v}, "text": "米很香"})
}

#[tokio::test]
async fn a_delivered_order_is_reviewed_once_followed_up_and_replied_to_and_never_deleted() {
    let app = TestApp::spawn_demo().await;
    let (id, consumer, product) = delivered_order(&app).await;
    let merchant = app.login("haowu", "merchant-demo-pass").await;

    let bad = app.post(&format!("/api/v1/orders/{id}/review"), Some(&consumer), ratings(6)).await;
    assert_eq!((bad.status, bad.field()), (422, "ratings.product_quality"));
    let r = app.post(&format!("/api/v1/orders/{id}/review"), Some(&consumer), ratings(4)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["ratings"]["explanation"], 4);
    let again = app.post(&format!("/api/v1/orders/{id}/review"), Some(&consumer), ratings(1)).await;
    assert_eq!((again.status, again.code()), (409, "already_reviewed"));

    let f = app
        .post(&format!("/api/v1/orders/{id}/review/follow-ups"), Some(&consumer), json!({"text": "吃了一周，还是很好"}))
        .await;
    assert_eq!(f.status, 201);
    assert_eq!(f.body["follow_ups"][0]["text"], "吃了一周，还是很好");
    let not_buyer =
        app.post(&format!("/api/v1/orders/{id}/review/follow-ups"), Some(&merchant), json!({"text": "x"})).await;
    assert_eq!(not_buyer.status, 403);
    let reply =
        app.post(&format!("/api/v1/orders/{id}/review/reply"), Some(&merchant), json!({"text": "感谢支持"})).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.body["reply"]["text"], "感谢支持");
    let twice =
        app.post(&format!("/api/v1/orders/{id}/review/reply"), Some(&merchant), json!({"text": "再次感谢"})).await;
    assert_eq!((twice.status, twice.code()), (409, "already_replied"));
    let buyer_reply =
        app.post(&format!("/api/v1/orders/{id}/review/reply"), Some(&consumer), json!({"text": "x"})).await;
    assert_eq!(buyer_reply.status, 403);

    // Public, with the buyer unnamed.
    let list = app.get(&format!("/api/v1/products/{product}/reviews"), None).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(list.body["items"][0]["text"], "米很香");
    assert!(!list.body.to_string().contains(&consumer));

    // No endpoint deletes a review, and the database refuses it too.
    let del = app.delete(&format!("/api/v1/orders/{id}/review"), Some(&consumer)).await;
    assert_eq!(del.status, 405);
    assert!(app.db.execute("DELETE FROM review_entries").await.is_err());
    assert!(app.db.execute("UPDATE review_entries SET doc = '{}'").await.is_err());
    assert_eq!(app.get(&format!("/api/v1/orders/{id}/review"), Some(&consumer)).await.body["ratings"]["service"], 4);
}

#[tokio::test]
async fn the_buyer_and_the_seller_talk_in_a_thread_kept_as_records() {
    let app = TestApp::spawn_demo().await;
    let (id, consumer, _) = delivered_order(&app).await;
    let merchant = app.login("haowu", "merchant-demo-pass").await;
    let a = app
        .post(&format!("/api/v1/orders/{id}/messages"), Some(&consumer), json!({"text": "请问保质期到什么时候？"}))
        .await;
    assert_eq!((a.status, a.body["from"].as_str()), (201, Some("buyer")));
    let b =
        app.post(&format!("/api/v1/orders/{id}/messages"), Some(&merchant), json!({"text": "到 2027 年 10 月"})).await;
    assert_eq!((b.status, b.body["from"].as_str()), (201, Some("seller")));
    let empty = app.post(&format!("/api/v1/orders/{id}/messages"), Some(&consumer), json!({"text": "  "})).await;
    assert_eq!((empty.status, empty.field()), (422, "text"));
    let stranger = app.user(clearcast_domain::account::Role::Consumer).await;
    assert_eq!(
        app.post(&format!("/api/v1/orders/{id}/messages"), Some(&stranger), json!({"text": "hi"})).await.status,
        404
    );
    let thread = app.get(&format!("/api/v1/orders/{id}/messages"), Some(&merchant)).await;
    let from: Vec<&str> =
        thread.body["items"].as_array().unwrap().iter().map(|m| m["from"].as_str().unwrap()).collect();
    assert_eq!(from, ["buyer", "seller"]);
    let reg = app.login("regulator", "regulator-demo-pass").await;
    assert_eq!(app.get("/api/v1/audit/verify", Some(&reg)).await.body["ok"], true);
}

async fn stock_of(app: &TestApp, product: &str) -> i64 {
    app.get(&format!("/api/v1/products/{product}"), None).await.body["total_stock"].as_i64().unwrap()
}

#[tokio::test]
async fn returns_follow_the_seven_day_rule_with_its_exceptions() {
    let app = TestApp::spawn_demo().await;
    // The rice is food: no 7-day no-reason return, but a quality return is possible.
    let (rice_order, consumer, rice) = delivered_order(&app).await;
    let url = format!("/api/v1/orders/{rice_order}/returns");
    let no_reason = app.post(&url, Some(&consumer), json!({"kind": "no_reason"})).await;
    assert_eq!((no_reason.status, no_reason.code()), (422, "no_reason_return_excluded"));
    let unexplained = app.post(&url, Some(&consumer), json!({"kind": "quality"})).await;
    assert_eq!((unexplained.status, unexplained.field()), (422, "reason"));
    let quality = app.post(&url, Some(&consumer), json!({"kind": "quality", "reason": "米里有虫"})).await;
    assert_eq!(quality.status, 201, "{}", quality.body);
    assert_eq!(quality.body["return_request"]["status"], "requested");
    let twice = app.post(&url, Some(&consumer), json!({"kind": "quality", "reason": "again"})).await;
    assert_eq!((twice.status, twice.code()), (409, "return_already_requested"));
    let by_buyer = app.post(&format!("{url}/decide"), Some(&consumer), json!({})).await;
    assert_eq!(by_buyer.status, 403);
    let stock_before = stock_of(&app, &rice).await;
    let merchant = app.login("haowu", "merchant-demo-pass").await;
    let refunded = app.post(&format!("{url}/decide"), Some(&merchant), json!({"decision": "approve"})).await;
    assert_eq!(refunded.status, 200, "{}", refunded.body);
    assert_eq!(refunded.body["status"], "refunded");
    assert_eq!(stock_of(&app, &rice).await, stock_before, "defective goods are not restocked");
    let again = app.post(&format!("{url}/decide"), Some(&merchant), json!({})).await;
    assert_eq!((again.status, again.code()), (409, "already_decided"));

    // The disinfectant (second live show, sold by 上海优选) has the 7-day no-reason return.
    let (order, consumer, bleach) = delivered_order_in(&app, 1, "youxuan").await;
    let stock_before = stock_of(&app, &bleach).await;
    app.clock.advance(chrono::Duration::days(7));
    let r = app.post(&format!("/api/v1/orders/{order}/returns"), Some(&consumer), json!({"kind": "no_reason"})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let seller = app.login("youxuan", "merchant-demo-pass").await;
    let ok = app.post(&format!("/api/v1/orders/{order}/returns/decide"), Some(&seller), json!({})).await;
    assert_eq!(ok.body["status"], "refunded", "{}", ok.body);
    assert_eq!(stock_of(&app, &bleach).await, stock_before + 1, "a no-reason return is restocked");

    // Eight days after delivery the window has closed.
    let (late, consumer, _) = delivered_order_in(&app, 1, "youxuan").await;
    app.clock.advance(chrono::Duration::days(8));
    let consumer2 = app.login("consumer", "consumer-demo-pass").await;
    let _ = consumer;
    let r = app.post(&format!("/api/v1/orders/{late}/returns"), Some(&consumer2), json!({"kind": "no_reason"})).await;
    assert_eq!((r.status, r.code()), (422, "return_window_passed"));
    // A not-delivered order cannot be returned.
    let reg = app.login("regulator", "regulator-demo-pass").await;
    assert_eq!(
        app.post(&format!("/api/v1/orders/{late}/returns"), Some(&reg), json!({"kind": "no_reason"})).await.code(),
        "regulator_read_only"
    );
}

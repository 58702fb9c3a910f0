//! The consumer's orders page and the merchant's returns over HTTP: after a review the page shows
//! it (with the seller's reply and follow-ups) and never the review form again; a return shows on
//! the order with its decision, and the merchant decides it from the console; the complaint form
//! only where the API takes a complaint; no "¥0.00" lines; and a shipping phone must be a number.
#![allow(clippy::unwrap_used)]

mod common;

use common::{
    demo_delivered as delivered, demo_place as place, page_client as client, page_csrf as csrf,
    page_post as post_as_page, TestApp,
};
use serde_json::json;

/// A page's HTML for a signed-in cookie in `lang` (`en` or `zh`).
async fn html_in(app: &TestApp, path: &str, cookie: &str, lang: &str) -> String {
    let res = client()
        .get(format!("{}{path}", app.base))
        .header("cookie", format!("{cookie}; cc_lang={lang}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200, "{path}");
    res.text().await.unwrap()
}

async fn html(app: &TestApp, path: &str, cookie: &str) -> String {
    html_in(app, path, cookie, "en").await
}

/// One order's card on the consumer's page.
fn card(page: &str, order: &str) -> String {
    let marker = format!("<article class=\"card\" data-order=\"{order}\"");
    let rest = page.split(&marker).nth(1).unwrap_or_else(|| panic!("order {order} has a card"));
    rest.split("</article>").next().unwrap().to_string()
}

#[tokio::test]
async fn after_a_review_the_page_shows_it_with_the_reply_and_never_the_review_form_again() {
    let app = TestApp::spawn_demo().await;
    let consumer = app.login("consumer", "consumer-demo-pass").await;
    let haowu = app.login("haowu", "merchant-demo-pass").await;
    let (id, _) = delivered(&app, &consumer).await;
    let c = common::page_session(&app, "consumer", "consumer-demo-pass").await;

    // Delivered, not reviewed: the review form, no review.
    let page = html(&app, "/me/orders", &c).await;
    let before = card(&page, &id);
    assert!(before.contains(&format!("data-review-form=\"{id}\"")), "{before}");
    assert!(!before.contains("data-my-review") && !before.contains("data-follow-up-form"), "{before}");

    // The review is posted as the page's form posts it.
    let review = json!({"ratings": {"product_quality": 4, "as_described": 5, "explanation": 3, "logistics": 5, "service": 2},
                        "text": "米很香，包装结实"});
    let (status, body) = post_as_page(&app, &c, &csrf(&page), &format!("/api/v1/orders/{id}/review"), review).await;
    assert_eq!(status, 201, "{body}");

    let after = card(&html(&app, "/me/orders", &c).await, &id);
    assert!(!after.contains("data-review-form"), "the review form is gone: {after}");
    assert!(after.contains(&format!("data-my-review=\"{id}\"")), "{after}");
    assert!(after.contains("米很香，包装结实"), "the review's text");
    for (n, shown) in [(4, "★★★★☆"), (5, "★★★★★"), (3, "★★★☆☆"), (2, "★★☆☆☆")] {
        assert!(after.contains(&format!("data-stars=\"{n}\">{shown}<")), "{n} stars: {after}");
    }
    assert!(after.contains(&format!("data-follow-up-form=\"{id}\"")), "a follow-up is possible: {after}");
    assert!(!after.contains("data-review-reply"), "no reply yet");

    // The seller replies; the buyer's page shows it.
    let r = app
        .post(&format!("/api/v1/orders/{id}/review/reply"), Some(&haowu), json!({"text": "谢谢支持，欢迎再来"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let zh = card(&html_in(&app, "/me/orders", &c, "zh").await, &id);
    assert!(zh.contains("data-review-reply") && zh.contains("谢谢支持，欢迎再来"), "{zh}");
    assert!(zh.contains("商家回复") && zh.contains("我的评价"), "Chinese words: {zh}");

    // Follow-ups show; after the fifth the API takes no more, and the form is gone.
    for n in 1..=5 {
        let f = app
            .post(
                &format!("/api/v1/orders/{id}/review/follow-ups"),
                Some(&consumer),
                json!({"text": format!("追评 {n}")}),
            )
            .await;
        assert_eq!(f.status, 201, "{}", f.body);
    }
    let more = app.post(&format!("/api/v1/orders/{id}/review/follow-ups"), Some(&consumer), json!({"text": "6"})).await;
    assert_eq!((more.status, more.code()), (422, "too_many_follow_ups"));
    let full = card(&html(&app, "/me/orders", &c).await, &id);
    assert_eq!(full.matches("data-follow-up>").count(), 5, "{full}");
    assert!(full.contains("追评 5"));
    assert!(!full.contains("data-follow-up-form") && !full.contains("data-review-form"), "{full}");
}

#[tokio::test]
async fn a_return_is_decided_on_the_merchant_console_and_shown_on_the_order() {
    let app = TestApp::spawn_demo().await;
    let consumer = app.login("consumer", "consumer-demo-pass").await;
    let (refused, order) = delivered(&app, &consumer).await;
    let (approved, _) = delivered(&app, &consumer).await;
    assert_eq!(order["snapshot"]["category"], "food", "the demo rice: no no-reason return");
    let c = common::page_session(&app, "consumer", "consumer-demo-pass").await;
    let m = common::page_session(&app, "haowu", "merchant-demo-pass").await;

    // The return form offers only the kinds the API would take: food has no no-reason return.
    let before = card(&html(&app, "/me/orders", &c).await, &refused);
    assert!(before.contains(&format!("data-return-form=\"{refused}\"")), "{before}");
    assert!(before.contains("value=\"quality\"") && before.contains("value=\"not_as_described\""), "{before}");
    assert!(!before.contains("value=\"no_reason\""), "{before}");
    let console = html(&app, "/console/merchant", &m).await;
    assert!(console.contains("Returns to decide") && console.contains("No return waits for a decision."));

    for (id, reason) in [(&refused, "米发霉了"), (&approved, "米里有虫")] {
        let r = app
            .post(
                &format!("/api/v1/orders/{id}/returns"),
                Some(&consumer),
                json!({"kind": "quality", "reason": reason}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let waiting = card(&html(&app, "/me/orders", &c).await, &refused);
    assert!(waiting.contains(&format!("data-return=\"{refused}\" data-return-status=\"requested\"")), "{waiting}");
    assert!(waiting.contains("米发霉了") && waiting.contains("awaiting the seller"), "{waiting}");
    assert!(!waiting.contains("data-return-form"), "one return per order: {waiting}");

    // The merchant's console lists both with the buyer's reason and both answers.
    let console = html(&app, "/console/merchant", &m).await;
    for (id, reason) in [(&refused, "米发霉了"), (&approved, "米里有虫")] {
        let section =
            console.split(&format!("data-return-decide=\"{id}\"")).nth(1).unwrap().split("</article>").next().unwrap();
        assert!(section.contains(reason), "{section}");
        assert!(section.contains(&format!("data-return-approve=\"{id}\"")), "{section}");
        assert!(section.contains(&format!("data-return-refuse=\"{id}\"")), "{section}");
        assert!(section.contains(&format!("data-api=\"/api/v1/orders/{id}/returns/decide\"")), "{section}");
        assert!(
            section.contains("name=\"decision\" value=\"approve\"")
                && section.contains("name=\"decision\" value=\"reject\"")
        );
    }

    // The merchant refuses one and approves the other, as the console's forms post.
    let token = csrf(&console);
    let path = |id: &str| format!("/api/v1/orders/{id}/returns/decide");
    let (s, b) =
        post_as_page(&app, &m, &token, &path(&refused), json!({"decision": "reject", "note": "照片显示包装完好"}))
            .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = post_as_page(&app, &m, &token, &path(&approved), json!({"decision": "approve"})).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["status"], "refunded");
    let total = b["total"]["minor"].as_i64().unwrap();
    assert!(total > 0);

    let page = html(&app, "/me/orders", &c).await;
    let no = card(&page, &refused);
    assert!(no.contains("data-return-status=\"rejected\"") && no.contains("照片显示包装完好"), "{no}");
    assert!(!no.contains("data-refund"), "nothing was refunded: {no}");
    let yes = card(&page, &approved);
    assert!(yes.contains("data-return-status=\"refunded\"") && yes.contains("approved and refunded"), "{yes}");
    let money = format!("¥{}.{:02}", total / 100, total % 100);
    assert!(yes.contains(&format!("data-refund=\"{total}\"")) && yes.contains(&money), "{yes}");
    assert!(!yes.contains("data-return-form") && !yes.contains("¥0.00"), "{yes}");

    // Decided returns leave the list to decide and stay on record.
    let console = html(&app, "/console/merchant", &m).await;
    assert!(!console.contains("data-return-decide="), "nothing left to decide");
    assert!(console.contains(&format!("data-return-decided=\"{refused}\"")) && console.contains("照片显示包装完好"));
    assert!(console.contains(&format!("data-return-decided=\"{approved}\"")));
}

#[tokio::test]
async fn the_complaint_form_is_offered_only_where_the_api_takes_a_complaint() {
    let app = TestApp::spawn_demo().await;
    let consumer = app.login("consumer", "consumer-demo-pass").await;
    let (unpaid, _) = place(&app, &consumer).await;
    let (cancelled, _) = place(&app, &consumer).await;
    assert_eq!(app.post(&format!("/api/v1/orders/{cancelled}/cancel"), Some(&consumer), json!({})).await.status, 200);
    let c = common::page_session(&app, "consumer", "consumer-demo-pass").await;

    let page = html(&app, "/me/orders", &c).await;
    for id in [&unpaid, &cancelled] {
        let k = card(&page, id);
        assert!(!k.contains("data-complaint-form"), "no complaint form on {id}: {k}");
        assert!(!k.contains("data-review-form") && !k.contains("data-return-form"), "{k}");
        // The API agrees: a complaint about either is refused.
        let r = app
            .post(
                "/api/v1/complaints",
                Some(&consumer),
                json!({"order_id": id, "category": "quality", "description": "x"}),
            )
            .await;
        assert_eq!((r.status, r.code()), (409, "order_not_paid"));
    }
    assert!(!card(&page, &cancelled).contains("data-refund"), "an unpaid order cancelled refunds nothing");

    // Paid: the form is there (rice is food: food safety is offered).
    assert_eq!(app.post(&format!("/api/v1/orders/{unpaid}/pay"), Some(&consumer), json!({})).await.status, 200);
    let paid = card(&html(&app, "/me/orders", &c).await, &unpaid);
    assert!(paid.contains(&format!("data-complaint-form=\"{unpaid}\"")), "{paid}");
    assert!(paid.contains("value=\"food_safety\""), "{paid}");

    // Filed: the complaint shows, the form does not (one complaint per order).
    let r = app
        .post(
            "/api/v1/complaints",
            Some(&consumer),
            json!({"order_id": unpaid, "category": "quality", "description": "米里有虫"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let filed = card(&html(&app, "/me/orders", &c).await, &unpaid);
    assert!(filed.contains(&format!("data-complaint=\"{}\"", r.body["id"].as_str().unwrap())), "{filed}");
    assert!(!filed.contains("data-complaint-form"), "{filed}");
}

#[tokio::test]
async fn no_line_says_nothing_was_refunded_or_paid() {
    let app = TestApp::spawn_demo().await;
    let consumer = app.login("consumer", "consumer-demo-pass").await;
    let haowu = app.login("haowu", "merchant-demo-pass").await;
    let op = app.login("operator", "operator-demo-pass").await;
    let (id, order) = delivered(&app, &consumer).await;
    let total = order["total"]["minor"].as_i64().unwrap();

    // An upheld false-advertising complaint: the order itself is refunded, so the calculator's
    // refund line is ¥0 and the compensation is three times the price (at least ¥500).
    let k = app
        .post(
            "/api/v1/complaints",
            Some(&consumer),
            json!({"order_id": id, "category": "false_advertising", "description": "不是五常米"}),
        )
        .await;
    assert_eq!(k.status, 201, "{}", k.body);
    let kid = k.body["id"].as_str().unwrap().to_string();
    let r = app.post(&format!("/api/v1/complaints/{kid}/response"), Some(&haowu), json!({"text": "是五常米"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(app.post(&format!("/api/v1/complaints/{kid}/review"), Some(&op), json!({})).await.status, 200);
    let up = app
        .post(
            &format!("/api/v1/complaints/{kid}/adjudicate"),
            Some(&op),
            json!({"upheld": true, "reason": "产地证明不符", "liability": {"merchant_bps": 10000, "room_operator_bps": 0, "platform_bps": 0}}),
        )
        .await;
    assert_eq!(up.status, 200, "{}", up.body);
    let lines = up.body["decision"]["compensation"]["lines"].as_array().unwrap();
    assert_eq!((lines[0]["kind"].as_str(), lines[0]["amount"].as_i64()), (Some("refund"), Some(0)), "{}", up.body);
    let punitive = lines[1]["amount"].as_i64().unwrap();
    assert!(punitive >= 50_000);

    let c = common::page_session(&app, "consumer", "consumer-demo-pass").await;
    let k = card(&html(&app, "/me/orders", &c).await, &id);
    assert!(!k.contains("¥0.00"), "no zero line: {k}");
    assert!(!k.contains("data-compensation-line=\"refund\""), "{k}");
    assert!(k.contains("data-compensation-line=\"punitive_3x\""), "{k}");
    assert!(k.contains(&format!("¥{}.{:02}", punitive / 100, punitive % 100)), "{k}");
    // The price did come back, with the order: said once, on the order.
    assert!(k.contains(&format!("data-refund=\"{total}\"")) && k.contains("complaint upheld"), "{k}");
    // A refunded order can still be complained about no more (one per order), nor returned.
    assert!(!k.contains("data-complaint-form") && !k.contains("data-return-form"), "{k}");
}

#[tokio::test]
async fn a_shipping_phone_must_be_a_phone_number() {
    let app = TestApp::spawn_demo().await;
    let consumer = app.login("consumer", "consumer-demo-pass").await;
    let feed = app.get("/api/v1/feed", None).await;
    let show = feed.body["items"][0]["show_id"].as_str().unwrap().to_string();
    let detail = app.get(&format!("/api/v1/shows/{show}"), None).await;
    let order = |phone: &str| {
        json!({"product_id": detail.body["pinned"]["product_id"], "show_id": show, "quantity": 1,
               "shipping": {"name": "张三", "phone": phone, "address": "北京市朝阳区建国路 1 号"}})
    };
    for bad in ["abc", "1234", "138-abc-0000", "+", "１３８００１３８０００"] {
        let r = app.post("/api/v1/orders", Some(&consumer), order(bad)).await;
        assert_eq!((r.status, r.field(), r.code()), (422, "shipping.phone", "validation_failed"), "{bad}: {}", r.body);
        assert_eq!(r.body["errors"][0]["code"], "invalid_phone", "{}", r.body);
    }
    let none = app.get("/api/v1/orders", Some(&consumer)).await;
    assert_eq!(none.body["items"], json!([]), "a refused order leaves nothing behind");
    for good in ["13800138000", "+86 138-0013-8000"] {
        let r = app.post("/api/v1/orders", Some(&consumer), order(good)).await;
        assert_eq!(r.status, 201, "{good}: {}", r.body);
    }
}

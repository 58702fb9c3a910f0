//! The merchant's and the operator's consoles over HTTP: sign in through `/login`, then check the
//! HTML carries the records and the forms each role acts on.
#![allow(clippy::unwrap_used)]

mod common;

use common::{page_session as session, TestApp};
use serde_json::json;

/// A page's HTML for a signed-in cookie, in English.
async fn html(app: &TestApp, path: &str, cookie: &str) -> String {
    let res = app
        .client
        .get(format!("{}{path}", app.base))
        .header("cookie", format!("{cookie}; cc_lang=en"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200, "{path}");
    res.text().await.unwrap()
}

#[tokio::test]
async fn merchant_and_operator_consoles_show_what_each_acts_on() {
    let app = TestApp::spawn_demo().await;
    let consumer = app.login("consumer", "consumer-demo-pass").await;
    let haowu = app.login("haowu", "merchant-demo-pass").await;
    let op = app.login("operator", "operator-demo-pass").await;

    // The consumer buys 杭州好物's pinned rice in the live show and complains about two orders.
    let feed = app.get("/api/v1/feed", None).await;
    let show = feed.body["items"][0]["show_id"].as_str().unwrap().to_string();
    let detail = app.get(&format!("/api/v1/shows/{show}"), None).await;
    let product = detail.body["pinned"]["product_id"].as_str().unwrap().to_string();
    let mut orders = Vec::new();
    for _ in 0..2 {
        let o = app
            .post(
                "/api/v1/orders",
                Some(&consumer),
                json!({"product_id": product, "show_id": show, "quantity": 1,
                       "shipping": {"name": "张三", "phone": "13800000000", "address": "北京市朝阳区建国路 1 号"}}),
            )
            .await;
        assert_eq!(o.status, 201, "{}", o.body);
        let id = o.body["id"].as_str().unwrap().to_string();
        assert_eq!(app.post(&format!("/api/v1/orders/{id}/pay"), Some(&consumer), json!({})).await.status, 200);
        orders.push(id);
    }
    let mut complaints = Vec::new();
    for o in &orders {
        let c = app
            .post(
                "/api/v1/complaints",
                Some(&consumer),
                json!({"order_id": o, "category": "quality", "description": "米里有虫"}),
            )
            .await;
        assert_eq!(c.status, 201, "{}", c.body);
        complaints.push(c.body["id"].as_str().unwrap().to_string());
    }

    // The merchant sees both complaints with their clocks and a response form, the orders to
    // ship, and its deposit against the minimum.
    let m = session(&app, "haowu", "merchant-demo-pass").await;
    let page = html(&app, "/console/merchant", &m).await;
    for c in &complaints {
        assert!(page.contains(&format!("data-complaint=\"{c}\"")), "complaint {c} listed");
        assert!(page.contains(&format!("data-respond=\"{c}\"")), "response form for {c}");
    }
    assert!(page.contains("data-respond-by=") && page.contains("data-decide-by="), "clocks shown");
    for o in &orders {
        assert!(page.contains(&format!("data-ship=\"{o}\"")), "ship form for {o}");
    }
    assert!(page.contains("data-deposit-balance=\"2000000\""), "deposit balance");
    assert!(page.contains("data-api=\"/api/v1/deposits\""), "top-up form");
    assert!(page.contains("东北五常大米"), "products listed");

    // 上海优选's child seat has an expired CCC certificate: a badge says so.
    let y = session(&app, "youxuan", "merchant-demo-pass").await;
    let page = html(&app, "/console/merchant", &y).await;
    assert!(page.contains("data-expired"), "expired document flagged");

    // The merchant answers the first complaint; the operator can take it up, then adjudicate.
    let (first, second) = (&complaints[0], &complaints[1]);
    let r = app.post(&format!("/api/v1/complaints/{first}/response"), Some(&haowu), json!({"text": "已补发"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let o = session(&app, "operator", "operator-demo-pass").await;
    let page = html(&app, "/console/operator", &o).await;
    assert!(page.contains(&format!("data-review=\"{first}\"")), "take-for-review form");
    assert!(!page.contains(&format!("data-review=\"{second}\"")), "the merchant's clock still runs on the second");
    assert!(page.contains("data-party=\"rop_"), "the unverified room operator is in the queue");
    assert!(page.contains("data-response-hours=\"48\""), "policy figures");

    let r = app.post(&format!("/api/v1/complaints/{first}/review"), Some(&op), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let page = html(&app, "/console/operator", &o).await;
    assert!(page.contains(&format!("data-adjudicate=\"{first}\"")), "adjudication forms");
    assert!(page.contains(&format!("data-adjudicate-uphold=\"{first}\"")));
    assert!(page.contains(&format!("data-adjudicate-reject=\"{first}\"")));
    assert!(page.contains("name=\"liability.merchant_bps\""), "liability split");

    // Past both clocks, the second complaint is overdue on both consoles.
    app.clock.advance(chrono::Duration::days(8));
    let page = html(&app, "/console/operator", &o).await;
    assert!(page.contains(&format!("data-overdue-complaint=\"{second}\"")), "overdue list");
    let page = html(&app, "/console/merchant", &m).await;
    assert!(page.contains("merchant response overdue"), "overdue badge for the merchant");

    // Each console belongs to its role.
    let res =
        app.client.get(format!("{}/console/operator", app.base)).header("cookie", m.as_str()).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 403);
}

//! What a fresh-eyes review of the pages found missing, over HTTP against the real server with the
//! demo data: the buyer appeals a rejected complaint from the orders page; the room operator's
//! console lists the complaints about its shows and the room's reputation; receipt is not
//! confirmed while a return awaits a decision; the show page lists earlier comments; a show with
//! no products says so instead of offering "go live"; the pinned item has no pin button; the
//! regulator's measure counts leave out reversed measures; files download as files; the icon.
#![allow(clippy::unwrap_used)]

mod common;

use common::{demo_delivered, demo_place, page_csrf, page_get, page_post, page_session, TestApp};
use serde_json::json;

/// The HTML of a page that must answer 200.
async fn ok_page(app: &TestApp, path: &str, cookie: Option<&str>, lang: &str) -> String {
    let (status, html) = page_get(app, path, cookie, lang).await;
    assert_eq!(status, 200, "{path}: {}", &html[..html.len().min(300)]);
    html
}

/// The part of `html` from the element marked `marker` to the end of its card.
fn section<'a>(html: &'a str, marker: &str, end: &str) -> &'a str {
    let rest = html.split(marker).nth(1).unwrap_or_else(|| panic!("{marker} is on the page"));
    rest.split(end).next().unwrap()
}

#[tokio::test]
async fn a_rejected_complaint_is_appealed_from_the_orders_page_and_the_room_sees_its_complaints() {
    let app = TestApp::spawn_demo().await;
    let consumer = app.login("consumer", "consumer-demo-pass").await;
    let haowu = app.login("haowu", "merchant-demo-pass").await;
    let op = app.login("operator", "operator-demo-pass").await;
    let (id, _) = demo_delivered(&app, &consumer).await;
    let k = app
        .post(
            "/api/v1/complaints",
            Some(&consumer),
            json!({"order_id": id, "category": "quality", "description": "米里有虫子"}),
        )
        .await;
    assert_eq!(k.status, 201, "{}", k.body);
    let kid = k.body["id"].as_str().unwrap().to_string();
    assert_eq!(
        app.post(&format!("/api/v1/complaints/{kid}/response"), Some(&haowu), json!({"text": "出厂检验合格"}))
            .await
            .status,
        200
    );
    assert_eq!(app.post(&format!("/api/v1/complaints/{kid}/review"), Some(&op), json!({})).await.status, 200);
    let no = app
        .post(
            &format!("/api/v1/complaints/{kid}/adjudicate"),
            Some(&op),
            json!({"upheld": false, "reason": "证据不足"}),
        )
        .await;
    assert_eq!(no.status, 200, "{}", no.body);

    // The buyer's order shows the rejection with a form to appeal it once.
    let c = page_session(&app, "consumer", "consumer-demo-pass").await;
    let page = ok_page(&app, "/me/orders", Some(&c), "zh").await;
    let block = section(&page, &format!("data-complaint=\"{kid}\""), "</article>");
    assert!(block.contains("证据不足"), "{block}");
    assert!(block.contains(&format!("data-complaint-appeal=\"{kid}\"")), "{block}");
    assert!(block.contains(&format!("data-api=\"/api/v1/complaints/{kid}/appeal\"")), "{block}");

    // The form's request, as the page sends it, puts the complaint back under review.
    let (status, body) = page_post(
        &app,
        &c,
        &page_csrf(&page),
        &format!("/api/v1/complaints/{kid}/appeal"),
        json!({"statement": "有照片为证"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "under_review");
    let after = ok_page(&app, "/me/orders", Some(&c), "zh").await;
    let block = section(&after, &format!("data-complaint=\"{kid}\""), "</article>");
    assert!(block.contains("你的申诉") && block.contains("有照片为证"), "{block}");
    assert!(!block.contains("data-complaint-appeal"), "appealed once: {block}");

    // The room operator whose show sold the order sees the complaint, and the room's reputation.
    let room = page_session(&app, "xingguang", "room-demo-pass").await;
    let console = ok_page(&app, "/console/room", Some(&room), "zh").await;
    assert!(console.contains("关于本直播间的投诉"), "the complaints section");
    assert!(console.contains(&format!("data-room-complaint=\"{kid}\"")), "the complaint is listed");
    assert!(console.contains("直播间口碑"), "the room's reputation");
}

#[tokio::test]
async fn receipt_is_not_confirmed_while_a_return_awaits_the_seller() {
    let app = TestApp::spawn_demo().await;
    let consumer = app.login("consumer", "consumer-demo-pass").await;
    let (id, _) = demo_delivered(&app, &consumer).await;
    let c = page_session(&app, "consumer", "consumer-demo-pass").await;
    let confirm = format!("/api/v1/orders/{id}/confirm");
    assert!(ok_page(&app, "/me/orders", Some(&c), "en").await.contains(&confirm), "offered once delivered");

    let r = app
        .post(
            &format!("/api/v1/orders/{id}/returns"),
            Some(&consumer),
            json!({"kind": "quality", "reason": "米发霉了"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(!ok_page(&app, "/me/orders", Some(&c), "en").await.contains(&confirm), "not offered while pending");
    let refused = app.post(&confirm, Some(&consumer), json!({})).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(refused.body["detail"].as_str().unwrap().contains("return awaiting a decision"), "{}", refused.body);
    let order = app.get(&format!("/api/v1/orders/{id}"), Some(&consumer)).await;
    assert_eq!(order.body["status"], "delivered", "nothing changed");
}

#[tokio::test]
async fn the_show_page_lists_earlier_comments_newest_first() {
    let app = TestApp::spawn_demo().await;
    let consumer = app.login("consumer", "consumer-demo-pass").await;
    let feed = app.get("/api/v1/feed", None).await;
    let show = feed.body["items"][0]["show_id"].as_str().unwrap().to_string();
    for text in ["第一条评论", "第二条评论"] {
        let r = app.post(&format!("/api/v1/shows/{show}/chat"), Some(&consumer), json!({"text": text})).await;
        assert!(r.status == 200 || r.status == 201, "{}", r.body);
    }
    let page = ok_page(&app, &format!("/shows/{show}"), None, "zh").await;
    let list = section(&page, "data-comments", "</ul>");
    let (first, second) = (list.find("第一条评论").unwrap(), list.find("第二条评论").unwrap());
    assert!(second < first, "newest first: {list}");
    let c = page_session(&app, "consumer", "consumer-demo-pass").await;
    let signed_in = ok_page(&app, &format!("/shows/{show}"), Some(&c), "zh").await;
    assert!(signed_in.contains("maxlength=\"500\""), "the comment box takes what the API takes");
}

#[tokio::test]
async fn a_show_without_products_says_so_and_the_pinned_item_has_no_pin_button() {
    let app = TestApp::spawn_demo().await;
    let room = app.login("xingguang", "room-demo-pass").await;
    let shows = app.get("/api/v1/shows?status=live", Some(&room)).await;
    let live = shows.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| !s["pinned"].is_null() && s["lineup"].as_array().unwrap().len() > 1)
        .expect("a live demo show with a pinned item and others")
        .clone();
    let anchor = live["roster"][0]["anchor_id"].as_str().unwrap();
    let created = app
        .post(
            "/api/v1/shows",
            Some(&room),
            json!({"title": "空场次", "scheduled_start": "2026-11-26T12:00:00Z", "roster": [anchor],
                   "stream_url": "https://live.example.com/empty.m3u8"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let empty = created.body["id"].as_str().unwrap();

    let cookie = page_session(&app, "xingguang", "room-demo-pass").await;
    let page = ok_page(&app, &format!("/console/room/{empty}"), Some(&cookie), "zh").await;
    assert!(page.contains("data-empty-lineup") && page.contains("还没有商品"), "says why");
    assert!(!page.contains("data-go-live"), "no go-live button on an empty show");

    let page = ok_page(&app, &format!("/console/room/{}", live["id"].as_str().unwrap()), Some(&cookie), "zh").await;
    let pinned = live["pinned"]["id"].as_str().unwrap();
    let row = section(&page, &format!("data-lineup-item=\"{pinned}\""), "</tr>");
    assert!(row.contains("已置顶") && !row.contains("/pin"), "{row}");
    let other = live["lineup"].as_array().unwrap().iter().find(|i| i["id"] != live["pinned"]["id"]).unwrap();
    let row = section(&page, &format!("data-lineup-item=\"{}\"", other["id"].as_str().unwrap()), "</tr>");
    assert!(row.contains("/pin"), "the others can be pinned: {row}");
}

#[tokio::test]
async fn files_download_as_files_and_the_icon_is_served() {
    let app = TestApp::spawn_demo().await;
    let reg = app.login("regulator", "regulator-demo-pass").await;
    let res = common::page_client()
        .get(format!("{}/api/v1/reports/complaints?group_by=category&format=csv", app.base))
        .bearer_auth(&reg)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let disposition = res.headers().get("content-disposition").unwrap().to_str().unwrap().to_string();
    assert_eq!(disposition, "attachment; filename=\"complaints-by-category.csv\"");

    let icon = common::page_client().get(format!("{}/favicon.ico", app.base)).send().await.unwrap();
    assert_eq!(icon.status().as_u16(), 200);
    assert_eq!(icon.headers().get("content-type").unwrap(), "image/svg+xml");
    assert!(icon.text().await.unwrap().starts_with("<svg"));

    let consumer = app.login("consumer", "consumer-demo-pass").await;
    let (id, _) = demo_place(&app, &consumer).await;
    let c = page_session(&app, "consumer", "consumer-demo-pass").await;
    let page = ok_page(&app, "/me/orders", Some(&c), "zh").await;
    assert!(page.contains(&format!("download=\"dispute-packet-{id}.json\"")), "the dispute packet downloads");
}

#[tokio::test]
async fn chinese_pages_carry_chinese_words_for_the_apis_problems() {
    let app = TestApp::spawn_demo().await;
    let c = page_session(&app, "consumer", "consumer-demo-pass").await;
    let zh = ok_page(&app, "/me/orders", Some(&c), "zh").await;
    let names = zh.split("<meta name=\"names\" content=\"").nth(1).unwrap().split('"').next().unwrap();
    let names = names.replace("&quot;", "\"");
    let v: serde_json::Value = serde_json::from_str(&names).unwrap();
    assert_eq!(v["problem:purchase_limit_exceeded"], "超过了每人限购数量。");
    assert_eq!(v["field:invalid_phone"], "电话号码格式不对（5 到 20 位数字）");
    let en = ok_page(&app, "/me/orders", Some(&c), "en").await;
    assert!(!en.contains("problem:"), "English pages show the API's own words");
}

#[tokio::test]
async fn a_refused_script_is_revised_before_the_start_and_the_page_says_what_the_rules_find() {
    let app = TestApp::spawn_demo().await;
    let room = app.login("xingguang", "room-demo-pass").await;
    let live = app.get("/api/v1/shows?status=live", Some(&room)).await;
    let live_id = live.body["items"][0]["id"].as_str().unwrap().to_string();
    let anchor = live.body["items"][0]["roster"][0]["anchor_id"].as_str().unwrap().to_string();
    let created = app
        .post(
            "/api/v1/shows",
            Some(&room),
            json!({"title": "脚本场", "scheduled_start": "2026-11-26T12:00:00Z", "roster": [anchor],
                   "stream_url": "https://live.example.com/script.m3u8", "script": "全网最低价，加我微信"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_string();
    let cookie = page_session(&app, "xingguang", "room-demo-pass").await;
    let page = ok_page(&app, &format!("/console/room/{id}"), Some(&cookie), "zh").await;
    assert!(page.contains("data-script-red=\"") && !page.contains("data-script-red=\"0\""), "red findings shown");
    assert!(page.contains("全网最低价，加我微信</textarea>"), "the script is in the form");

    let put = |path: String, body: serde_json::Value| {
        let (base, token) = (app.base.clone(), room.clone());
        async move {
            let res =
                common::page_client().put(format!("{base}{path}")).bearer_auth(token).json(&body).send().await.unwrap();
            (res.status().as_u16(), res.json::<serde_json::Value>().await.unwrap())
        }
    };
    let (status, body) = put(format!("/api/v1/shows/{id}/script"), json!({"script": "今天给大家介绍当季的新米"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["findings"].as_array().unwrap().len(), 0, "{body}");
    let page = ok_page(&app, &format!("/console/room/{id}"), Some(&cookie), "zh").await;
    assert!(page.contains("data-script-clean"), "the revised script is clean");
    let records =
        app.get(&format!("/api/v1/records?show={id}"), Some(&app.login("operator", "operator-demo-pass").await)).await;
    assert!(records.body.to_string().contains("show.script_revised"), "{}", records.body);

    // Too long, and a show already live: refused, nothing written.
    let (status, body) = put(format!("/api/v1/shows/{id}/script"), json!({"script": "好".repeat(20_001)})).await;
    assert_eq!((status, body["errors"][0]["field"].as_str()), (422, Some("script")), "{body}");
    let (status, body) = put(format!("/api/v1/shows/{live_id}/script"), json!({"script": "x"})).await;
    assert_eq!((status, body["errors"][0]["code"].as_str()), (422, Some("not_scheduled")), "{body}");
}

#[tokio::test]
async fn the_operator_marks_shipped_orders_delivered_and_the_buyer_sees_whose_appeal_it_is() {
    let app = TestApp::spawn_demo().await;
    let consumer = app.login("consumer", "consumer-demo-pass").await;
    let haowu = app.login("haowu", "merchant-demo-pass").await;
    let op = app.login("operator", "operator-demo-pass").await;
    let (id, _) = demo_place(&app, &consumer).await;
    assert_eq!(app.post(&format!("/api/v1/orders/{id}/pay"), Some(&consumer), json!({})).await.status, 200);
    let s = app
        .post(&format!("/api/v1/orders/{id}/ship"), Some(&haowu), json!({"carrier": "SF", "tracking_number": "SF9"}))
        .await;
    assert_eq!(s.status, 200, "{}", s.body);
    let o = page_session(&app, "operator", "operator-demo-pass").await;
    let console = ok_page(&app, "/console/operator", Some(&o), "zh").await;
    let card = section(&console, &format!("data-shipped=\"{id}\""), "</article>");
    assert!(card.contains(&format!("/api/v1/orders/{id}/deliver")) && card.contains("SF9"), "{card}");

    // Delivered, complained about, upheld against the seller, and appealed by the seller: the
    // buyer's card says the appeal is the seller's, not theirs.
    let (status, body) =
        page_post(&app, &o, &page_csrf(&console), &format!("/api/v1/orders/{id}/deliver"), json!({})).await;
    assert_eq!(status, 200, "{body}");
    let k = app
        .post(
            "/api/v1/complaints",
            Some(&consumer),
            json!({"order_id": id, "category": "quality", "description": "米发霉"}),
        )
        .await;
    let kid = k.body["id"].as_str().unwrap().to_string();
    app.post(&format!("/api/v1/complaints/{kid}/response"), Some(&haowu), json!({"text": "不认可"})).await;
    app.post(&format!("/api/v1/complaints/{kid}/review"), Some(&op), json!({})).await;
    let up = app
        .post(
            &format!("/api/v1/complaints/{kid}/adjudicate"),
            Some(&op),
            json!({"upheld": true, "reason": "照片为证", "liability": {"merchant_bps": 10000, "room_operator_bps": 0, "platform_bps": 0}}),
        )
        .await;
    assert_eq!(up.status, 200, "{}", up.body);
    let ap = app
        .post(&format!("/api/v1/complaints/{kid}/appeal"), Some(&haowu), json!({"statement": "责任划分不合理"}))
        .await;
    assert_eq!(ap.status, 200, "{}", ap.body);
    let c = page_session(&app, "consumer", "consumer-demo-pass").await;
    let page = ok_page(&app, "/me/orders", Some(&c), "zh").await;
    let block = section(&page, &format!("data-complaint=\"{kid}\""), "</article>");
    assert!(block.contains("data-appeal-side=\"merchant\"") && block.contains("商家对裁决的申诉"), "{block}");
    assert!(!block.contains("你的申诉"), "{block}");
}

#[tokio::test]
async fn odd_requests_get_pages_not_plain_text() {
    let app = TestApp::spawn_demo().await;
    let res = common::page_client()
        .post(format!("{}/login", app.base))
        .header("sec-fetch-site", "same-origin")
        .json(&json!({"username": "consumer"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(res.text().await.unwrap().contains("请在登录表单中填写用户名和密码"));

    let room = page_session(&app, "xingguang", "room-demo-pass").await;
    let (status, html) = page_get(&app, "/console/room/%00", Some(&room), "zh").await;
    assert_eq!(status, 400);
    assert!(!html.contains('\0'), "no raw control characters in the page");
    assert!(html.contains("编号格式不对"), "the Chinese sentence for invalid_id");
}

#[tokio::test]
async fn the_ai_label_is_in_the_pages_language_and_a_typed_logout_address_goes_to_the_login_page() {
    let app = TestApp::spawn_demo().await;
    let live = app.get("/api/v1/shows?status=live", None).await;
    let ai = live.body["items"].as_array().unwrap().iter().find(|s| s["ai_presenter"] == true).expect("a demo AI show");
    let path = format!("/shows/{}", ai["id"].as_str().unwrap());
    let zh = ok_page(&app, &path, None, "zh").await;
    assert!(zh.contains("本直播间主播为人工智能生成") && !zh.contains("The presenter in this show"), "Chinese only");
    let en = ok_page(&app, &path, None, "en").await;
    assert!(en.contains("The presenter in this show is AI-generated") && !en.contains("本直播间主播为人工智能生成"));

    let res = common::page_client().get(format!("{}/logout", app.base)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(res.headers()["location"], "/login");
}

//! The pages in a real browser: headless Chromium driven over WebDriver (chromedriver), against
//! the real server on port 0 with the demo data.
//!
//! Screenshots of every page visited go to `target/screenshots/` (or `CLEARCAST_SCREENSHOTS`).
//! Without chromedriver the test says so and skips, unless `CLEARCAST_REQUIRE_SERVICES=1`, which
//! makes a missing browser a failure (CI installs Debian's `chromium` and `chromium-driver`).
#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::TestApp;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn chromedriver() -> Option<PathBuf> {
    let p =
        std::env::var_os("CLEARCAST_CHROMEDRIVER").map(PathBuf::from).unwrap_or_else(|| "/usr/bin/chromedriver".into());
    if p.exists() {
        return Some(p);
    }
    assert!(
        std::env::var("CLEARCAST_REQUIRE_SERVICES").as_deref() != Ok("1"),
        "CLEARCAST_REQUIRE_SERVICES=1 but chromedriver is not at {} (apt-get install chromium chromium-driver)",
        p.display()
    );
    eprintln!("skipping the browser tests: no chromedriver at {}", p.display());
    None
}

async fn browser(lang: &str) -> Option<(Driver, Client)> {
    let path = chromedriver()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver(child);
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let binary = std::env::var("CLEARCAST_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let caps: serde_json::Map<String, Value> = serde_json::from_value(json!({
        "goog:chromeOptions": {
            "binary": binary,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--no-first-run", "--disable-dev-shm-usage", format!("--lang={lang}"), "--window-size=1200,1500"],
            "prefs": {"intl.accept_languages": lang}
        }
    }))
    .unwrap();
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&url)
        .await
        .expect("a WebDriver session");
    Some((driver, client))
}

fn shots() -> PathBuf {
    let dir = std::env::var_os("CLEARCAST_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn shot(c: &Client, name: &str) {
    let png = c.screenshot().await.unwrap();
    std::fs::write(shots().join(format!("{name}.png")), png).unwrap();
}

async fn text(c: &Client, css: &str) -> String {
    c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(css)).await.unwrap().text().await.unwrap()
}

async fn sign_in(c: &Client, base: &str, username: &str, password: &str, next: &str) {
    c.goto(&format!("{base}/login?next={next}")).await.unwrap();
    c.find(Locator::Css("#username")).await.unwrap().send_keys(username).await.unwrap();
    c.find(Locator::Css("#password")).await.unwrap().send_keys(password).await.unwrap();
    c.find(Locator::Css("form.card button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_url(c, next).await;
}

async fn sign_out(c: &Client) {
    c.find(Locator::Css("header form[action='/logout'] button")).await.unwrap().click().await.unwrap();
    c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("a[href^='/login']")).await.unwrap();
}

async fn wait_url(c: &Client, path: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let u = c.current_url().await.unwrap();
        if u.path() == path.split('?').next().unwrap() {
            return;
        }
        assert!(Instant::now() < deadline, "still at {u}, expected {path}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Polls until `css` matches an element whose text contains `needle`; returns how long it took.
async fn wait_text(c: &Client, css: &str, needle: &str, within: Duration) -> Duration {
    let t = Instant::now();
    loop {
        for e in c.find_all(Locator::Css(css)).await.unwrap() {
            if e.text().await.unwrap_or_default().contains(needle) {
                return t.elapsed();
            }
        }
        assert!(t.elapsed() < within, "no `{css}` containing {needle:?} within {within:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn live_show(app: &TestApp) -> Value {
    let feed = app.get("/api/v1/feed", None).await;
    let id = feed.body["items"][0]["show_id"].as_str().unwrap().to_string();
    app.get(&format!("/api/v1/shows/{id}"), None).await.body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_sees_who_sells_buys_and_finds_the_order() {
    let app = TestApp::spawn_demo().await;
    let Some((_driver, c)) = browser("zh-CN").await else { return };
    let show = live_show(&app).await;
    let sid = show["id"].as_str().unwrap();
    let seller = show["pinned"]["disclosure"]["seller"]["name"].as_str().unwrap();
    let title = show["pinned"]["title"].as_str().unwrap();

    // Home lists the live shows and links each one.
    c.goto(&app.base).await.unwrap();
    shot(&c, "home").await;
    c.find(Locator::Css(&format!("a[href='/shows/{sid}']"))).await.unwrap().click().await.unwrap();
    wait_url(&c, &format!("/shows/{sid}")).await;
    // The disclosure card names the pinned product's actual seller, with nothing covering it.
    assert_eq!(text(&c, "#disclosure [data-seller]").await, seller);
    assert!(c.find(Locator::Css("#disclosure")).await.unwrap().is_displayed().await.unwrap());
    wait_text(&c, "[data-live-state]", "已连接", Duration::from_secs(10)).await;
    shot(&c, "show").await;

    sign_in(&c, &app.base, "consumer", "consumer-demo-pass", &format!("/shows/{sid}")).await;
    c.find(Locator::Css("#ship-name")).await.unwrap().send_keys("张三").await.unwrap();
    c.find(Locator::Css("#ship-phone")).await.unwrap().send_keys("13800138000").await.unwrap();
    c.find(Locator::Css("#ship-addr")).await.unwrap().send_keys("浙江省杭州市西湖区文三路 100 号").await.unwrap();
    c.find(Locator::Css("[data-buy]")).await.unwrap().click().await.unwrap();
    wait_url(&c, "/me/orders").await;
    let order = c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("[data-order]")).await.unwrap();
    assert!(order.text().await.unwrap().contains(title));
    assert_eq!(text(&c, "[data-order] [data-order-status]").await, "待付款");
    // Paying through the page moves the order on.
    c.find(Locator::Css("[data-order] form[data-api$='/pay'] button")).await.unwrap().click().await.unwrap();
    wait_text(&c, "[data-order] [data-order-status]", "已付款", Duration::from_secs(10)).await;
    shot(&c, "my-orders").await;

    // The order exists in the API with the show attributed and the card as seen.
    let token = app.login("consumer", "consumer-demo-pass").await;
    let orders = app.get("/api/v1/orders", Some(&token)).await;
    assert_eq!(orders.body["items"][0]["status"], "paid");
    assert_eq!(orders.body["items"][0]["show"], sid);
    assert_eq!(orders.body["items"][0]["snapshot"]["seller"]["name"], seller);

    // A phone-width screen keeps the card right under the video.
    c.set_window_size(390, 844).await.unwrap();
    c.goto(&format!("{}/shows/{sid}", app.base)).await.unwrap();
    assert!(c.find(Locator::Css("#disclosure")).await.unwrap().is_displayed().await.unwrap());
    shot(&c, "show-phone").await;
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_anchor_says_a_banned_phrase_and_sees_the_warning() {
    let app = TestApp::spawn_demo().await;
    let Some((_driver, c)) = browser("zh-CN").await else { return };
    let show = live_show(&app).await;
    let sid = show["id"].as_str().unwrap();
    sign_in(&c, &app.base, "lijia", "anchor-demo-pass", "/console/room").await;
    shot(&c, "room-console").await;
    c.find(Locator::Css(&format!("a[data-console-show='{sid}']"))).await.unwrap().click().await.unwrap();
    wait_url(&c, &format!("/console/room/{sid}")).await;
    wait_text(&c, "[data-live-state]", "已连接", Duration::from_secs(10)).await;
    c.find(Locator::Css("#speech")).await.unwrap().send_keys("这款大米是全网最低价，吃了能治疗糖尿病").await.unwrap();
    c.find(Locator::Css("form[data-transcript] button[type=submit]")).await.unwrap().click().await.unwrap();
    // The answer to the segment lists the findings; the room's staff get the warning live too.
    let answered = wait_text(&c, "[data-findings] li", "最低价", Duration::from_secs(5)).await;
    let pushed = wait_text(&c, "[data-warnings] li", "最低价", Duration::from_secs(5)).await;
    eprintln!("warning shown {answered:?} after sending; live warning after {pushed:?}");
    assert!(answered < Duration::from_secs(2), "the finding took {answered:?}");
    shot(&c, "room-console-warning").await;
    let v = app
        .get(&format!("/api/v1/violations?show={sid}"), Some(&app.login("operator", "operator-demo-pass").await))
        .await;
    assert!(v.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["finding"]["matched"].as_str().unwrap_or("").contains("最低价")));
    sign_out(&c).await;
    c.close().await.unwrap();
}

/// A paid order from the live show and a complaint about it that the merchant answered and the
/// operator took up: the state in which the operator adjudicates.
async fn complaint_under_review(app: &TestApp) -> (String, String) {
    let consumer = app.login("consumer", "consumer-demo-pass").await;
    let show = live_show(app).await;
    let o = app
        .post(
            "/api/v1/orders",
            Some(&consumer),
            json!({"product_id": show["pinned"]["product_id"], "show_id": show["id"], "quantity": 1,
                   "shipping": {"name": "张三", "phone": "13800000000", "address": "北京市朝阳区建国路 1 号"}}),
        )
        .await;
    assert_eq!(o.status, 201, "{}", o.body);
    let order = o.body["id"].as_str().unwrap().to_string();
    assert_eq!(app.post(&format!("/api/v1/orders/{order}/pay"), Some(&consumer), json!({})).await.status, 200);
    let c = app
        .post(
            "/api/v1/complaints",
            Some(&consumer),
            json!({"order_id": order, "category": "false_advertising", "description": "直播里说是有机大米，包装上没有有机认证"}),
        )
        .await;
    assert_eq!(c.status, 201, "{}", c.body);
    let id = c.body["id"].as_str().unwrap().to_string();
    let haowu = app.login("haowu", "merchant-demo-pass").await;
    let r = app.post(&format!("/api/v1/complaints/{id}/response"), Some(&haowu), json!({"text": "认证在办理中"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let op = app.login("operator", "operator-demo-pass").await;
    let r = app.post(&format!("/api/v1/complaints/{id}/review"), Some(&op), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    (order, id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_upholds_a_complaint_and_the_consumer_sees_the_compensation() {
    let app = TestApp::spawn_demo().await;
    let Some((_driver, c)) = browser("zh-CN").await else { return };
    let (order, id) = complaint_under_review(&app).await;

    // The merchant's console lists the complaint with its response.
    sign_in(&c, &app.base, "haowu", "merchant-demo-pass", "/console/merchant").await;
    assert!(text(&c, &format!("[data-complaint='{id}']")).await.contains("认证在办理中"));
    shot(&c, "merchant-console").await;
    sign_out(&c).await;

    sign_in(&c, &app.base, "operator", "operator-demo-pass", "/console/operator").await;
    shot(&c, "operator-console").await;
    let form = format!("form[data-adjudicate-uphold='{id}']");
    c.find(Locator::Css(&format!("{form} textarea[name=reason]")))
        .await
        .unwrap()
        .send_keys("主播宣称有机，商品无有机认证，构成虚假宣传")
        .await
        .unwrap();
    // Merchant 70 %, room operator 30 %.
    let merchant = c.find(Locator::Css(&format!("{form} input[name='liability.merchant_bps']"))).await.unwrap();
    merchant.clear().await.unwrap();
    merchant.send_keys("7000").await.unwrap();
    let room = c.find(Locator::Css(&format!("{form} input[name='liability.room_operator_bps']"))).await.unwrap();
    room.clear().await.unwrap();
    room.send_keys("3000").await.unwrap();
    c.find(Locator::Css(&format!("{form} button[type=submit]"))).await.unwrap().click().await.unwrap();
    // The page reloads; the complaint is no longer waiting for a decision.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !c.find_all(Locator::Css(&format!("[data-adjudicate='{id}']"))).await.unwrap().is_empty() {
        assert!(Instant::now() < deadline, "the adjudication forms are still there");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let op = app.login("operator", "operator-demo-pass").await;
    let k = app.get(&format!("/api/v1/complaints/{id}"), Some(&op)).await;
    assert_eq!(k.body["status"], "compensated", "{}", k.body);
    assert_eq!(k.body["decision"]["liability"]["merchant_bps"], 7000);
    assert_eq!(k.body["decision"]["liability"]["room_operator_bps"], 3000);
    let paid = k.body["paid"].as_i64().unwrap();
    // False advertising: refund plus three times the price, at least ¥500 (CPL Art. 55).
    assert!(paid >= 50_000, "{}", k.body);
    sign_out(&c).await;

    // The consumer's orders page shows what the platform paid.
    sign_in(&c, &app.base, "consumer", "consumer-demo-pass", "/me/orders").await;
    let shown = text(&c, &format!("[data-order='{order}'] [data-compensation]")).await;
    let yuan = format!("{}.{:02}", paid / 100, paid % 100);
    assert!(shown.contains(&yuan), "{shown:?} should show ¥{yuan}");
    shot(&c, "my-orders-compensated").await;
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_regulator_sees_the_charts_and_checks_the_audit_chain() {
    let app = TestApp::spawn_demo().await;
    let Some((_driver, c)) = browser("en").await else { return };
    let _ = complaint_under_review(&app).await;
    sign_in(&c, &app.base, "regulator", "regulator-demo-pass", "/console/regulator").await;
    for chart in ["complaints", "compensation"] {
        let svg = c.find(Locator::Css(&format!("[data-chart='{chart}'] svg"))).await.unwrap();
        assert!(svg.is_displayed().await.unwrap(), "{chart} chart drawn");
    }
    shot(&c, "regulator-console").await;
    assert!(text(&c, "[data-audit-result]").await.contains("intact"));
    c.close().await.unwrap();
}

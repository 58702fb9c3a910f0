//! The pages' polish (issue 9), over plain HTTP against the real server with the demo data, and
//! at phone width in a real browser: the regulator's dashboard fits a 390px screen, an agency
//! reads a note rather than the API's refusal, the pages say names instead of keys, ids and
//! RFC 3339 times, and the small things (the newcomer slot in the "why" table, the hidden
//! comments' reasons once each, the stock and the start time without JavaScript, errors inside
//! the site's frame, `/login` when signed in, the empty top-up field, the points' windows).
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, Utc};
use common::{page_client as client, TestApp};
use fantoccini::Locator;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

/// A page's status and HTML, in `lang` (`zh` or `en`), for a cookie or anonymously.
async fn page(base: &str, path: &str, cookie: Option<&str>, lang: &str) -> (u16, String) {
    let mut req = client()
        .get(format!("{base}{path}"))
        .header("accept", "text/html")
        .header("cookie", format!("cc_lang={lang}{}", cookie.map(|c| format!("; {c}")).unwrap_or_default()));
    if lang == "en" {
        req = req.header("accept-language", "en");
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// A page that must answer 200.
async fn ok_page(base: &str, path: &str, cookie: Option<&str>, lang: &str) -> String {
    let (status, html) = page(base, path, cookie, lang).await;
    assert_eq!(status, 200, "{path}: {}", &html[..html.len().min(400)]);
    html
}

/// What a reader sees of `<main>`: its text without tags and attributes (ids in `href` and
/// `data-` attributes are for programs and are allowed).
fn visible(html: &str) -> String {
    let main = html.split("<main").nth(1).unwrap_or(html).split("</main>").next().unwrap_or("");
    let mut out = String::new();
    let mut in_tag = false;
    for c in main.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&").replace("&quot;", "\"").replace("&#39;", "'")
}

/// Whether `text` holds an RFC 3339 time (`2026-11-25T04:00`).
fn has_rfc3339(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    b.windows(16).any(|w| {
        digits(&w[0..4])
            && w[4] == b'-'
            && digits(&w[5..7])
            && w[7] == b'-'
            && digits(&w[8..10])
            && w[10] == b'T'
            && digits(&w[11..13])
            && w[13] == b':'
            && digits(&w[14..16])
    })
}

/// Asserts the reader sees no record ids and no RFC 3339 times.
fn no_ids_or_raw_times(what: &str, html: &str) {
    let text = visible(html);
    for id in ["anc_", "rop_", "shw_", "msr_", "mer_", "vio_"] {
        assert!(!text.contains(id), "{what} shows an id {id}…: {text}");
    }
    assert!(!has_rfc3339(&text), "{what} shows a raw time: {text}");
}

/// The opening tag of the element with `id`.
fn tag_with_id<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id}"));
    let start = html[..at].rfind('<').unwrap();
    let end = at + html[at..].find('>').unwrap();
    &html[start..=end]
}

/// A time as the pages write it: China time, to the minute.
fn china(t: &str) -> String {
    let t: DateTime<Utc> = t.parse().unwrap();
    t.with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap()).format("%Y-%m-%d %H:%M").to_string()
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

#[tokio::test]
async fn the_regulator_dashboard_is_built_to_fit_a_phone() {
    let app = TestApp::spawn_demo().await;
    let r = common::page_session(&app, "regulator", "regulator-demo-pass").await;
    let html = ok_page(&app.base, "/console/regulator", Some(&r), "zh").await;

    // The head hash is marked so it wraps, and the stylesheet wraps hashes and ids anywhere.
    assert!(html.contains("<code class=\"hash\" data-audit-head"), "head hash marked");
    let css = client().get(format!("{}/assets/app.css", app.base)).send().await.unwrap().text().await.unwrap();
    assert!(css.contains("code, .hash { overflow-wrap: anywhere;"), "hashes wrap");
    assert!(css.contains(".table-wrap { overflow-x: auto;"), "tables scroll in their box");
    assert!(css.contains(".chart svg { display: block; width: 100%;"), "charts take the column's width");
    // Every table scrolls inside its own box.
    let tables = html.matches("<table").count();
    assert!(tables >= 3);
    assert_eq!(html.matches("<div class=\"table-wrap\"><table").count(), tables, "every table is wrapped");
    // Both charts scale with their column: a viewBox, width 100%, no fixed height; short month
    // labels and the period on the axis.
    let svgs: Vec<&str> = html.split("<svg").skip(1).map(|s| &s[..s.find('>').unwrap()]).collect();
    assert_eq!(svgs.len(), 2);
    for open in &svgs {
        assert!(open.contains("width=\"100%\"") && open.contains("viewBox=\"0 0 480 "), "{open}");
        assert!(!open.contains("height="), "{open}");
    }
    assert!(html.contains("月份（") && html.contains(" 至 "), "the axis names the period");
    // The key room reads in words, without the room's id.
    assert!(html.contains("近 90 天重点类目：<strong>保健食品</strong>"), "{}", visible(&html));
    let text = visible(&html);
    assert!(!text.contains("health_food") && !text.contains("rop_"), "{text}");
}

#[tokio::test]
async fn an_agency_reads_a_note_where_violations_and_measures_would_be() {
    let app = TestApp::spawn_demo().await;
    let g = common::page_session(&app, "xingyao", "agency-demo-pass").await;
    for (lang, note) in [("zh", "不向 MCN 机构展示"), ("en", "not to agencies")] {
        let html = ok_page(&app.base, "/console/room", Some(&g), lang).await;
        assert_eq!(html.matches("data-agency-note").count(), 2, "violations and measures each say so");
        assert!(html.contains(note), "{note}");
        // Not the API's refusal.
        assert!(!html.contains("staff, anchors and room operators read"), "{}", visible(&html));
    }
}

#[tokio::test]
async fn pages_say_names_not_keys_ids_or_raw_times() {
    let app = TestApp::spawn_demo().await;
    let show = live_show(&app, "双十二好物节").await;
    let sid = show["id"].as_str().unwrap();

    // Home: the why-table names each factor and words its input in the page language.
    let home = ok_page(&app.base, "/", None, "zh").await;
    assert!(home.contains("data-factor=\"anchor_reputation\"><td>主播口碑</td>"), "{home}");
    assert!(home.contains("位主播的平均口碑"), "Chinese inputs");
    let text = visible(&home);
    for key in ["anchor_reputation", "lineup_reputation", "conversion", "mean score", "newcomer boost"] {
        assert!(!text.contains(key), "home shows {key}: {text}");
    }
    let en = ok_page(&app.base, "/", None, "en").await;
    assert!(en.contains("<td>anchor reputation</td>") && en.contains("mean score"), "English names, the feed's words");

    // The room console (the anchor): reputation parts, the violation's state, the measure's
    // facts in words with the local time and the show's title, the appeal in words.
    let a = common::page_session(&app, "lijia", "anchor-demo-pass").await;
    let room = ok_page(&app.base, "/console/room", Some(&a), "zh").await;
    assert!(room.contains("data-component=\"product_quality\"><td>商品质量评分</td>"), "{}", visible(&room));
    assert!(room.contains("已确认（计分）"), "violation state named");
    let m = app.get("/api/v1/reports/measures", Some(&app.login("regulator", "regulator-demo-pass").await)).await;
    let on_anchor = m.body["items"].as_array().unwrap().iter().find(|x| x["subject"]["kind"] == "anchor").unwrap();
    let at = china(on_anchor["facts"].as_str().unwrap().split(": said").next().unwrap());
    let fact = format!(
        "{at} 在<a href=\"/shows/{sid}\">直播「双十二好物节 · 佳佳直播间」</a>中说了「全国第一」（绝对化用语）"
    );
    assert!(room.contains(&fact), "{fact} in {}", visible(&room));
    assert!(room.contains("data-appeal=") && room.contains("可以申诉一次"), "appeal in words, with its form");
    assert!(!room.contains("POST /api"), "no route for programs");
    assert!(!visible(&room).contains("永久"), "a warning has no term");
    no_ids_or_raw_times("the room console", &room);
    let room_en = ok_page(&app.base, "/console/room", Some(&a), "en").await;
    assert!(room_en.contains("said \u{201c}全国第一\u{201d} in <a href=") && room_en.contains("(absolute claim)"));
    assert!(room_en.contains("You may appeal this measure once"));

    // Show pages: the state as a word, and a scheduled show's start.
    let sched = app.get("/api/v1/shows?status=scheduled", None).await.body["items"][0].clone();
    let sched_page = ok_page(&app.base, &format!("/shows/{}", sched["id"].as_str().unwrap()), None, "zh").await;
    assert!(sched_page.contains("data-status>待开播</span>"), "{}", visible(&sched_page));
    let start = china(sched["scheduled_start"].as_str().unwrap());
    assert!(sched_page.contains(&format!("计划开播时间：<strong>{start}</strong>")), "{}", visible(&sched_page));
    assert!(!visible(&sched_page).contains("scheduled"));
    let sched_en = ok_page(&app.base, &format!("/shows/{}", sched["id"].as_str().unwrap()), None, "en").await;
    assert!(sched_en.contains(&format!("Starts at <strong>{start}</strong>")));

    // The operator's console: who a measure is on, the ladder's measures by name.
    let o = common::page_session(&app, "operator", "operator-demo-pass").await;
    let op = ok_page(&app.base, "/console/operator", Some(&o), "en").await;
    assert!(op.contains("<strong>warning</strong> · 佳佳 · "), "the anchor by name: {}", visible(&op));
    assert!(op.contains("<strong>warning</strong> · 星光直播间运营有限公司 · "), "the room by name");
    assert!(op.contains("<td>feature limit</td>") && !visible(&op).contains("feature_limit"), "ladder by name");
    for id in ["anc_", "rop_", "msr_"] {
        assert!(!visible(&op).contains(id), "the operator console shows {id}…");
    }
    assert!(!has_rfc3339(&visible(&op)));
}

#[tokio::test]
async fn measures_and_key_rooms_say_which_window_their_points_count() {
    let app = TestApp::spawn_demo().await;
    let days = app.state.policy.penalties.points_window_days;
    let a = common::page_session(&app, "lijia", "anchor-demo-pass").await;
    let room = ok_page(&app.base, "/console/room", Some(&a), "zh").await;
    assert!(room.contains(&format!("决定时近 {days} 天已确认违规的计分，含重复违规加分")), "{}", visible(&room));
    let o = common::page_session(&app, "operator", "operator-demo-pass").await;
    let op = ok_page(&app.base, "/console/operator", Some(&o), "en").await;
    assert!(op.contains(&format!("confirmed violations of the last {days} days, repeats added")));
    assert_ne!(days, 90, "the two windows differ, which is why both are named");
}

#[tokio::test]
async fn the_show_page_has_the_stock_without_javascript() {
    let app = TestApp::spawn_demo().await;
    let show = live_show(&app, "双十二好物节").await;
    let pid = show["pinned"]["product_id"].as_str().unwrap();
    let stock = app.get(&format!("/api/v1/products/{pid}"), None).await.body["total_stock"].as_i64().unwrap();
    assert!(stock > 0);
    let html = ok_page(&app.base, &format!("/shows/{}", show["id"].as_str().unwrap()), None, "zh").await;
    assert!(html.contains(&format!("<span data-stock>{stock}</span>")), "{}", visible(&html));
    assert!(!html.contains("data-stock>…"));
}

#[tokio::test]
async fn errors_are_pages_in_the_sites_frame() {
    let app = TestApp::spawn_demo().await;
    let c = common::page_session(&app, "consumer", "consumer-demo-pass").await;
    let unknown = format!("/shows/shw_{}", "0".repeat(32));
    // A record that does not exist, signed in: the header with the account, in Chinese.
    let (status, html) = page(&app.base, &unknown, Some(&c), "zh").await;
    assert_eq!(status, 404);
    assert!(html.contains("<header class=\"site\"") && html.contains("consumer · 消费者"), "{html}");
    assert!(html.contains("404 找不到") && html.contains("name=\"csrf-token\""), "{html}");
    // A page of another role: 403 in the frame.
    let (status, html) = page(&app.base, "/console/operator", Some(&c), "en").await;
    assert_eq!(status, 403);
    assert!(html.contains("<header class=\"site\"") && html.contains("403 Not allowed"), "{html}");
    assert!(html.contains("this page belongs to another role"));
    // No route at all, anonymous, in English.
    let (status, html) = page(&app.base, "/nope", None, "en").await;
    assert_eq!(status, 404);
    assert!(html.contains("<header class=\"site\"") && html.contains("lang=\"en\"") && html.contains("Sign in"));
    // The API's own 404 stays problem+json.
    let res = client().get(format!("{}/api/v1/nope", app.base)).header("accept", "text/html").send().await.unwrap();
    assert_eq!(res.headers()["content-type"], "application/problem+json");
}

#[tokio::test]
async fn the_login_page_says_who_is_signed_in() {
    let app = TestApp::spawn_demo().await;
    let c = common::page_session(&app, "consumer", "consumer-demo-pass").await;
    let html = ok_page(&app.base, "/login?next=/console/room", Some(&c), "zh").await;
    assert!(html.contains("data-signed-in=\"consumer\""), "{html}");
    assert!(!html.contains("id=\"password\""), "no second sign-in form");
    assert!(html.contains("href=\"/me/orders\"") && html.contains("href=\"/console/room\""), "where to go");
    assert!(html.contains("<form method=\"post\" action=\"/logout\">"), "and how to sign out");
    // Signed out, the form as before.
    let html = ok_page(&app.base, "/login", None, "zh").await;
    assert!(html.contains("id=\"password\""));
}

#[tokio::test]
async fn the_top_up_field_starts_empty() {
    let app = TestApp::spawn_demo().await;
    let m = common::page_session(&app, "haowu", "merchant-demo-pass").await;
    let html = ok_page(&app.base, "/console/merchant", Some(&m), "zh").await;
    let field = tag_with_id(&html, "topup-amount");
    assert!(!field.contains(" value="), "{field}");
    assert!(field.contains(" placeholder=\""), "{field}");
}

#[tokio::test]
async fn a_hidden_comment_lists_each_reason_once_on_the_room_console() {
    let app = TestApp::spawn_demo().await;
    let show = live_show(&app, "双十二好物节").await;
    let sid = show["id"].as_str().unwrap();
    // A comment the same rule matches twice (“加V” and “淘宝”).
    let consumer = app.login("consumer", "consumer-demo-pass").await;
    let t = app.post(&format!("/api/v1/shows/{sid}/live-ticket"), Some(&consumer), json!({})).await;
    assert_eq!(t.status, 201, "{}", t.body);
    let url = format!("{}{}", app.base.replacen("http://", "ws://", 1), t.body["url"].as_str().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    ws.send(Message::text(json!({"type": "comment", "text": "加V: abc123 去淘宝买"}).to_string())).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left = deadline.checked_duration_since(Instant::now()).expect("no comment_hidden");
        if let Ok(Some(Ok(Message::Text(t)))) = tokio::time::timeout(left, ws.next()).await {
            if serde_json::from_str::<Value>(t.as_str()).unwrap()["type"] == "comment_hidden" {
                break;
            }
        }
    }
    let room = app.login("xingguang", "room-demo-pass").await;
    let chat = app.get(&format!("/api/v1/shows/{sid}/chat"), Some(&room)).await;
    let hidden = chat.body["items"].as_array().unwrap().iter().find(|c| c["hidden"] == true).unwrap().clone();
    let findings = hidden["findings"].as_array().unwrap();
    assert!(findings.len() >= 2 && findings.iter().all(|f| f["rule"] == findings[0]["rule"]), "{findings:?}");

    let x = common::page_session(&app, "xingguang", "room-demo-pass").await;
    let html = ok_page(&app.base, &format!("/console/room/{sid}"), Some(&x), "zh").await;
    let id = hidden["id"].as_str().unwrap();
    let li =
        html.split(&format!("data-hidden-comment=\"{id}\"")).nth(1).expect("listed").split("</li>").next().unwrap();
    assert_eq!(li.matches("诱导站外交易").count(), 1, "one reason per rule: {li}");
    for f in findings {
        assert!(li.contains(&format!("「{}」", f["matched"].as_str().unwrap())), "{li}");
    }
    // The script that adds live ones keeps one reason per rule too.
    let js = client().get(format!("{}/assets/live.js", app.base)).send().await.unwrap().text().await.unwrap();
    assert!(js.contains("[data-hidden-comments]") && js.contains("seen[k]"), "live.js");
}

/// A server with the demo data under a policy that gives every second position to a newcomer.
async fn spawn_with_newcomer_slots() -> (String, clearcast_store::testing::TempDir) {
    let (store, dir) = clearcast_store::testing::fresh_sqlite().await.unwrap();
    let mut policy = clearcast_domain::policy::Policy::default_policy();
    policy.feed.newcomer_share = 0.5;
    let clock = Arc::new(clearcast_server::ManualClock::new(common::start_time()));
    let state = clearcast_server::AppState::new(Arc::new(store), policy, clock);
    assert!(clearcast_server::demo::seed(&state).await.unwrap());
    let app = clearcast_server::build(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), dir)
}

#[tokio::test]
async fn the_newcomer_slot_is_a_row_of_the_why_table() {
    let (base, _dir) = spawn_with_newcomer_slots().await;
    let feed: Value = client().get(format!("{base}/api/v1/feed")).send().await.unwrap().json().await.unwrap();
    let slotted = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["why"]["adjustments"].as_array().unwrap().iter().any(|a| a["kind"] == "newcomer_slot"))
        .expect("the feed gives a newcomer slot")
        .clone();
    let position = slotted["position"].as_u64().unwrap();
    let home = ok_page(&base, "/", None, "zh").await;
    let card = home
        .split(&format!("href=\"/shows/{}\"", slotted["show_id"].as_str().unwrap()))
        .nth(1)
        .unwrap()
        .split("</article>")
        .next()
        .unwrap();
    assert!(card.contains("data-newcomer=\"slot\""), "badge: {card}");
    assert!(card.contains("<tr data-adjustment=\"newcomer_slot\">"), "a row of the table: {card}");
    assert!(card.contains(&format!("第 {position} 位留给还没有公开口碑的新主播")), "{card}");
    assert!(!visible(card).contains("newcomer_slot") && !visible(card).contains("feed.newcomer_share"), "{card}");
    let en = ok_page(&base, "/", None, "en").await;
    assert!(en.contains(&format!("position {position} is kept for a newcomer")));
}

/// At phone width in a real browser no page is wider than the screen, and the charts' labels
/// are drawn at a readable size. Skipped without chromedriver, unless
/// `CLEARCAST_REQUIRE_SERVICES=1`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_phone_width_no_page_is_wider_than_the_screen() {
    let path = std::env::var_os("CLEARCAST_CHROMEDRIVER")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| "/usr/bin/chromedriver".into());
    if !path.exists() {
        assert!(
            std::env::var("CLEARCAST_REQUIRE_SERVICES").as_deref() != Ok("1"),
            "CLEARCAST_REQUIRE_SERVICES=1 but chromedriver is not at {}",
            path.display()
        );
        eprintln!("skipping: no chromedriver at {}", path.display());
        return;
    }
    let app = TestApp::spawn_demo().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let _driver = Driver(
        std::process::Command::new(path)
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let binary = std::env::var("CLEARCAST_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    // Device emulation: a headless window cannot be made narrower than 500px.
    let caps: serde_json::Map<String, Value> = serde_json::from_value(json!({
        "goog:chromeOptions": {
            "binary": binary,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=zh-CN"],
            "mobileEmulation": {"deviceMetrics": {"width": 390, "height": 844, "pixelRatio": 1}},
            "prefs": {"intl.accept_languages": "zh-CN"}
        }
    }))
    .unwrap();
    let c = fantoccini::ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .unwrap();
    let show = live_show(&app, "双十二好物节").await;
    let sid = show["id"].as_str().unwrap().to_string();
    let pages = [
        ("regulator", "regulator-demo-pass", "/console/regulator".to_string()),
        ("operator", "operator-demo-pass", "/console/operator".to_string()),
        ("lijia", "anchor-demo-pass", "/console/room".to_string()),
        ("xingguang", "room-demo-pass", format!("/console/room/{sid}")),
        ("haowu", "merchant-demo-pass", "/console/merchant".to_string()),
        ("consumer", "consumer-demo-pass", format!("/shows/{sid}")),
        ("consumer", "consumer-demo-pass", "/".to_string()),
    ];
    for (user, pass, path) in pages {
        // Sign out whoever is signed in, then sign in through the form and land on `path`.
        c.goto(&format!("{}/", app.base)).await.unwrap();
        if let Ok(out) = c.find(Locator::Css("header form[action='/logout'] button")).await {
            out.click().await.unwrap();
            c.wait().for_element(Locator::Css("header a[href^='/login']")).await.unwrap();
        }
        let next: String = form_urlencoded::byte_serialize(path.as_bytes()).collect();
        c.goto(&format!("{}/login?next={next}", app.base)).await.unwrap();
        c.find(Locator::Css("#username")).await.unwrap().send_keys(user).await.unwrap();
        c.find(Locator::Css("#password")).await.unwrap().send_keys(pass).await.unwrap();
        c.find(Locator::Css("form.card button[type=submit]")).await.unwrap().click().await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while c.current_url().await.unwrap().path() != path.split('?').next().unwrap() {
            assert!(Instant::now() < deadline, "{user} did not reach {path}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let m = c
            .execute(
                "document.querySelectorAll('details').forEach(function (d) { d.open = true; });
                 var svgs = Array.from(document.querySelectorAll('figure.chart svg')).map(function (s) {
                   return 18 * s.getBoundingClientRect().width / s.viewBox.baseVal.width; });
                 return [document.documentElement.scrollWidth, window.innerWidth, svgs];",
                vec![],
            )
            .await
            .unwrap();
        let (width, screen) = (m[0].as_f64().unwrap(), m[1].as_f64().unwrap());
        // A phone zooms out to show a page wider than itself, so its viewport grows past 390.
        assert!(
            width <= 390.0 && screen <= 390.0,
            "{path} as {user} is {width}px wide (viewport {screen}px) on a 390px screen"
        );
        for px in m[2].as_array().unwrap() {
            assert!(px.as_f64().unwrap() >= 11.5, "{path}: chart labels drawn at {px}px");
        }
        if path == "/console/regulator" {
            assert_eq!(m[2].as_array().unwrap().len(), 2, "both charts measured");
        }
    }
    c.close().await.unwrap();
}

/// Chromedriver, stopped when the test ends, whether it passed or not.
struct Driver(std::process::Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

//! The pages over plain HTTP, as a browser without JavaScript sees them: every page reachable
//! from home for each demo login, the disclosure card in the HTML, the language choice, and the
//! session cookie's guards (cross-site login, CSRF on the API).
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeSet, VecDeque};

use common::{page_client as client, TestApp};
use serde_json::json;

/// Signs in through the form; returns the `cc_session=…` pair and where the login sent us.
async fn sign_in(app: &TestApp, username: &str, password: &str) -> (String, String) {
    let res = client()
        .post(format!("{}/login", app.base))
        .header("sec-fetch-site", "same-origin")
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303, "login {username}");
    let to = res.headers()["location"].to_str().unwrap().to_string();
    (common::session_cookie(&res), to)
}

async fn get(app: &TestApp, path: &str, cookie: Option<&str>, lang: &str) -> (u16, String) {
    let mut req = client().get(format!("{}{path}", app.base)).header("accept-language", lang);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// The same-site page links of an HTML page (not the API, assets, sign-out or the language switch).
fn page_links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|h| h.replace("&amp;", "&"))
        .filter(|h| h.starts_with('/') && !h.starts_with("//"))
        .map(|h| h.split('#').next().unwrap_or_default().to_string())
        .filter(|h| !h.is_empty() && !h.starts_with("/api/") && !h.starts_with("/assets/") && !h.starts_with("/lang/"))
        .collect()
}

/// Every page a signed-in user reaches by following links from home; each must answer 200.
async fn crawl(app: &TestApp, cookie: Option<&str>) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = VecDeque::from(["/".to_string()]);
    while let Some(path) = todo.pop_front() {
        if !seen.insert(path.clone()) || seen.len() > 200 {
            continue;
        }
        let (status, html) = get(app, &path, cookie, "zh-CN").await;
        if path.starts_with("/login") {
            assert_eq!(status, 200, "{path}");
            continue;
        }
        assert_eq!(status, 200, "{path} for {cookie:?}: {}", &html[..html.len().min(300)]);
        todo.extend(page_links(&html));
    }
    seen
}

/// What a path is, with the ids taken out.
fn kind(path: &str) -> String {
    let p = path.split('?').next().unwrap();
    match p.rsplit_once('/') {
        Some((head, id)) if id.contains('_') && (head == "/shows" || head == "/console/room") => {
            format!("{head}/{{id}}")
        }
        _ => p.to_string(),
    }
}

#[tokio::test]
async fn every_page_is_reachable_from_home_with_the_demo_logins() {
    let app = TestApp::spawn_demo().await;
    let mut kinds = BTreeSet::new();
    kinds.extend(crawl(&app, None).await.iter().map(|p| kind(p)));
    for (user, pass, home) in [
        ("consumer", "consumer-demo-pass", "/me/orders"),
        ("lijia", "anchor-demo-pass", "/console/room"),
        ("xingguang", "room-demo-pass", "/console/room"),
        ("haowu", "merchant-demo-pass", "/console/merchant"),
        ("operator", "operator-demo-pass", "/console/operator"),
        ("regulator", "regulator-demo-pass", "/console/regulator"),
    ] {
        let (cookie, to) = sign_in(&app, user, pass).await;
        assert_eq!(to, home, "{user} lands on their own page");
        let reached = crawl(&app, Some(&cookie)).await;
        assert!(reached.contains(home), "{user} reaches {home} from home: {reached:?}");
        kinds.extend(reached.iter().map(|p| kind(p)));
    }
    for k in [
        "/",
        "/login",
        "/shows/{id}",
        "/me/orders",
        "/console/room",
        "/console/room/{id}",
        "/console/merchant",
        "/console/operator",
        "/console/regulator",
    ] {
        assert!(kinds.contains(k), "{k} is reachable; reached {kinds:?}");
    }
}

#[tokio::test]
async fn the_disclosure_card_is_in_the_html_and_home_links_every_live_show() {
    let app = TestApp::spawn_demo().await;
    let feed = app.get("/api/v1/feed", None).await;
    let (_, home) = get(&app, "/", None, "zh-CN").await;
    let live: Vec<&str> =
        feed.body["items"].as_array().unwrap().iter().map(|i| i["show_id"].as_str().unwrap()).collect();
    assert!(!live.is_empty());
    for id in &live {
        assert!(home.contains(&format!("href=\"/shows/{id}\"")), "home links {id}");
    }
    let show = app.get(&format!("/api/v1/shows/{}", live[0]), None).await.body;
    let d = &show["pinned"]["disclosure"];
    let (status, html) = get(&app, &format!("/shows/{}", live[0]), None, "zh-CN").await;
    assert_eq!(status, 200);
    let card =
        html.split("id=\"disclosure\"").nth(1).expect("the card is in the HTML").split("</section>").next().unwrap();
    for field in [&d["seller"]["name"], &d["seller"]["address"], &d["seller"]["contact"], &d["goods_owner"]["name"]] {
        let v = field.as_str().unwrap();
        assert!(card.contains(v), "the card shows {v}");
    }
    assert!(card.contains("data-seller"), "the seller is marked");
    // The reference price says what it is based on (Art. 32).
    if let Some(basis) = show["pinned"]["reference_price"]["basis"].as_str() {
        assert!(html.contains(basis), "reference price basis {basis}");
    }
    // An unknown show is a page that says so.
    let unknown = format!("shw_{}", "0".repeat(32));
    let (status, html) = get(&app, &format!("/shows/{unknown}"), None, "en").await;
    assert_eq!(status, 404, "{html}");
    assert!(html.contains("<html"), "an error page, not JSON");
    // So is a path nobody serves, for a browser; an API client still gets problem+json.
    let res = client().get(format!("{}/nope", app.base)).header("accept", "text/html").send().await.unwrap();
    assert_eq!(res.status().as_u16(), 404);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let res = client().get(format!("{}/api/v1/nope", app.base)).header("accept", "text/html").send().await.unwrap();
    assert_eq!(res.headers()["content-type"], "application/problem+json");
}

#[tokio::test]
async fn chinese_when_the_browser_asks_for_it_and_the_switch_wins() {
    let app = TestApp::spawn_demo().await;
    let (_, zh) = get(&app, "/", None, "zh-CN,zh;q=0.9,en;q=0.8").await;
    assert!(zh.contains("lang=\"zh-CN\"") && zh.contains("正在直播"));
    let (_, en) = get(&app, "/", None, "en-US,en;q=0.9").await;
    assert!(en.contains("lang=\"en\"") && en.contains("Live now"), "{}", &en[..400]);
    let res = client().get(format!("{}/lang/en?back=/login", app.base)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(res.headers()["location"], "/login");
    let c = res.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    assert_eq!(c, "cc_lang=en");
    let (_, chosen) = get(&app, "/", Some(&c), "zh-CN").await;
    assert!(chosen.contains("Live now"), "the choice beats the browser");
    // The switch never sends anyone to another site.
    let res = client().get(format!("{}/lang/zh?back=//evil.example", app.base)).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/");
    assert_eq!(client().get(format!("{}/lang/fr", app.base)).send().await.unwrap().status().as_u16(), 422);
}

#[tokio::test]
async fn the_session_cookie_is_guarded() {
    let app = TestApp::spawn_demo().await;
    // A console without a session sends to the login form and back.
    let res = client().get(format!("{}/console/merchant", app.base)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(res.headers()["location"], "/login?next=%2Fconsole%2Fmerchant");
    // Wrong password: the form again, with the reason, 401.
    let res = client()
        .post(format!("{}/login", app.base))
        .form(&[("username", "consumer"), ("password", "nope")])
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401);
    assert!(res.text().await.unwrap().contains("The user name or password is wrong."));
    // Another site cannot post the login form.
    let res = client()
        .post(format!("{}/login", app.base))
        .header("sec-fetch-site", "cross-site")
        .form(&[("username", "consumer"), ("password", "consumer-demo-pass")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
    assert!(res.headers().get("set-cookie").is_none());

    // With the cookie, the API reads freely but writes only with the page's CSRF token.
    let (cookie, _) = sign_in(&app, "consumer", "consumer-demo-pass").await;
    let res = client().get(format!("{}/api/v1/orders", app.base)).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let (_, page) = get(&app, "/me/orders", Some(&cookie), "en").await;
    let csrf = page.split("name=\"csrf-token\" content=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let feed = app.get("/api/v1/feed", None).await;
    let sid = feed.body["items"][0]["show_id"].as_str().unwrap().to_string();
    let show = app.get(&format!("/api/v1/shows/{sid}"), None).await.body;
    let order = json!({"product_id": show["pinned"]["product_id"], "show_id": sid, "quantity": 1,
                       "shipping": {"name": "张三", "phone": "13800000000", "address": "北京市朝阳区建国路 1 号"}});
    let post = |token: Option<&str>| {
        let mut r = client().post(format!("{}/api/v1/orders", app.base)).header("cookie", &cookie).json(&order);
        if let Some(t) = token {
            r = r.header("x-csrf-token", t);
        }
        r.send()
    };
    let res = post(None).await.unwrap();
    assert_eq!(res.status().as_u16(), 403);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "csrf_token_invalid");
    assert_eq!(post(Some("0000")).await.unwrap().status().as_u16(), 403);
    assert_eq!(post(Some(&csrf)).await.unwrap().status().as_u16(), 201);

    // Signing out needs the token too, then the cookie is dead.
    let res = client()
        .post(format!("{}/logout", app.base))
        .header("cookie", &cookie)
        .form(&[("csrf", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
    let res = client()
        .post(format!("{}/logout", app.base))
        .header("cookie", &cookie)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let res = client().get(format!("{}/api/v1/orders", app.base)).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 401);
}

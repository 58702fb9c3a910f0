#![allow(clippy::unwrap_used)]
//! The operator console (issue 9) over plain HTTP against the real server with the demo data, in
//! both languages: kinds and categories by name rather than API keys, complaints by their product
//! rather than their id, and the accessibility basics (a label for every field, headings in order,
//! table headers with a scope, real buttons).

mod common;

use common::{page_client as client, page_session as session, TestApp};
use serde_json::json;

/// The language cookie `/lang/{lang}` sets, taken from the switch itself so the test follows it.
async fn lang_cookie(app: &TestApp, lang: &str) -> String {
    let res = client().get(format!("{}/lang/{lang}?back=/", app.base)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
    res.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string()
}

/// The operator console's HTML in `lang`; the browser asks for the other language, so the page
/// follows the switch's cookie and not the header.
async fn console(app: &TestApp, cookie: &str, lang: &str) -> String {
    let other = if lang == "zh" { "en" } else { "zh-CN" };
    let res = client()
        .get(format!("{}/console/operator", app.base))
        .header("cookie", format!("{cookie}; {}", lang_cookie(app, lang).await))
        .header("accept-language", other)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let html = res.text().await.unwrap();
    let tag = if lang == "zh" { "lang=\"zh-CN\"" } else { "lang=\"en\"" };
    assert!(html.contains(tag), "the page is in {lang}");
    html
}

/// What a reader sees of `<main>`: its text without tags and attributes (ids in `href` and
/// `data-` attributes are for programs and are allowed). `<code>` is left out when `code` is
/// false: that is where an id an operator may need to quote is allowed to stay.
fn visible(html: &str, code: bool) -> String {
    let main = html.split("<main").nth(1).unwrap_or(html).split("</main>").next().unwrap_or("");
    // Past the rest of `<main …>` itself.
    let mut rest = main.split_once('>').map_or("", |(_, r)| r);
    let mut out = String::new();
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let tag_end = rest[i..].find('>').map_or(rest.len(), |j| i + j + 1);
        let tag = &rest[i..tag_end];
        rest = &rest[tag_end..];
        if !code && (tag == "<code>" || tag.starts_with("<code ")) {
            rest = rest.split_once("</code>").map_or("", |(_, r)| r);
        }
        out.push(' ');
    }
    out.push_str(rest);
    out.replace("&amp;", "&").replace("&quot;", "\"").replace("&#39;", "'")
}

/// An attribute's value in one start tag (`name="…"`), if it has it.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    tag[start..].split('"').next()
}

/// Whether a start tag carries a boolean attribute (`hidden`, `required`).
fn flag(tag: &str, name: &str) -> bool {
    tag.split(|c: char| c.is_whitespace() || c == '>' || c == '/').any(|w| w == name)
}

/// Every start tag of `element` in `html`, with where it starts.
fn tags<'a>(html: &'a str, element: &str) -> Vec<(usize, &'a str)> {
    let open = format!("<{element}");
    html.match_indices(&open)
        .filter(|(i, _)| html[i + open.len()..].starts_with([' ', '>', '/']))
        .map(|(i, _)| (i, &html[i..i + html[i..].find('>').unwrap() + 1]))
        .collect()
}

/// The form fields that no label names: no `aria-label`, no `<label for>` pointing at their id,
/// and not inside a `<label>`. Hidden inputs carry data, not questions, and need none.
fn unlabelled(html: &str) -> Vec<String> {
    let mut missing = Vec::new();
    for element in ["input", "select", "textarea"] {
        for (at, tag) in tags(html, element) {
            if attr(tag, "type") == Some("hidden") || attr(tag, "aria-label").is_some_and(|a| !a.trim().is_empty()) {
                continue;
            }
            let by_for = attr(tag, "id").is_some_and(|id| html.contains(&format!("for=\"{id}\"")));
            let before = &html[..at];
            let wrapped = before.rfind("<label").is_some_and(|o| before.rfind("</label>").is_none_or(|c| c < o));
            if !by_for && !wrapped {
                missing.push(tag.to_string());
            }
        }
    }
    missing
}

/// The levels of the headings in `<main>`, in document order.
fn heading_levels(html: &str) -> Vec<u8> {
    let main = html.split("<main").nth(1).unwrap_or(html);
    let b = main.as_bytes();
    (0..b.len().saturating_sub(3))
        .filter(|&i| {
            b[i] == b'<' && b[i + 1] == b'h' && (b'1'..=b'6').contains(&b[i + 2]) && matches!(b[i + 3], b' ' | b'>')
        })
        .map(|i| b[i + 2] - b'0')
        .collect()
}

/// Checks what every operator console must be, in either language: a label for each field,
/// headings that never skip a level, headers with a scope, and actions that are buttons.
fn assert_accessible(html: &str) {
    assert_eq!(unlabelled(html), Vec::<String>::new(), "every field has a label");
    let levels = heading_levels(html);
    assert_eq!(levels.first(), Some(&1), "the page starts with its h1: {levels:?}");
    assert_eq!(levels.iter().filter(|&&h| h == 1).count(), 1, "one h1");
    for w in levels.windows(2) {
        assert!(w[1] <= w[0] + 1, "h{} follows h{} ({levels:?})", w[1], w[0]);
    }
    let ths = tags(html, "th");
    assert!(!ths.is_empty(), "the policy's tables are there");
    for (_, th) in ths {
        assert!(matches!(attr(th, "scope"), Some("col" | "row")), "{th} has a scope");
    }
    // Keyboard users reach actions: every action is a <button> in a form, none a script-only
    // element pretending to be one.
    for bad in ["onclick=", "role=\"button\"", "<a>", "tabindex=\"0\""] {
        assert!(!html.contains(bad), "no {bad}");
    }
    for (_, b) in tags(html, "button") {
        assert!(attr(b, "type").is_some(), "{b} says what it does");
    }
}

#[test]
fn the_checks_themselves_catch_what_they_look_for() {
    // A field with neither a label nor a name for it is caught; the three ways of naming it pass.
    let page = r#"<main><label for="a">A</label><input id="a"><label>B <select name="b"></select></label>
        <textarea aria-label="C"></textarea><input type="hidden" name="d"><input name="e"></main>"#;
    assert_eq!(unlabelled(page), vec!["<input name=\"e\">".to_string()]);
    assert_eq!(heading_levels("<main><h1>x</h1><h2 id=\"y\">y</h2><h4>z</h4><hr></main>"), vec![1, 2, 4]);
    assert_eq!(
        visible("<main><p>a <code>cmp_1</code> b</p></main>", false).split_whitespace().collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert!(flag("<input hidden aria-hidden=\"true\">", "hidden"));
}

#[tokio::test]
async fn kinds_and_categories_read_as_names_in_both_languages() {
    let app = TestApp::spawn_demo().await;
    let o = session(&app, "operator", "operator-demo-pass").await;
    let zh = console(&app, &o, "zh").await;
    let en = console(&app, &o, "en").await;
    for (html, names) in [
        // The policy's food row asks for a production or a business licence; the face cream's
        // cosmetics filing waits in the verification queue.
        (&zh, ["食品经营许可证", "食品生产许可证", "保健食品", "普通化妆品备案", "强制性产品认证（CCC）"]),
        (
            &en,
            [
                "food business licence",
                "food production licence (SC)",
                "health food",
                "cosmetics filing",
                "compulsory certification (CCC)",
            ],
        ),
    ] {
        let text = visible(html, true);
        for key in [
            "food_business_licence",
            "food_production_licence",
            "health_food",
            "cosmetics_filing",
            "ccc_certificate",
            "conformity_certificate",
            "disinfectant_filing",
        ] {
            assert!(!text.contains(key), "{key} shows as a key: {text}");
        }
        for name in names {
            assert!(text.contains(name), "{name} is on the page: {text}");
        }
        // The key stays in the markup for programs.
        assert!(html.contains("data-category=\"health_food\"") && html.contains("data-kind=\"cosmetics_filing\""));
        assert_accessible(html);
    }
    // The categories table's rows are headed by the category's name.
    assert!(zh.contains("<th scope=\"row\">保健食品</th>"), "{}", visible(&zh, true));
    assert!(en.contains("<th scope=\"row\">health food</th>"));
}

#[tokio::test]
async fn complaints_say_their_product_and_flags_say_why_in_words() {
    let app = TestApp::spawn_demo().await;
    let consumer = app.login("consumer", "consumer-demo-pass").await;
    // Five complaints against one seller within a day raise the burst flag on the fifth
    // (the default policy's threshold), so a flag is on the page to be read.
    let feed = app.get("/api/v1/feed", None).await;
    let show = feed.body["items"][0]["show_id"].as_str().unwrap().to_string();
    let detail = app.get(&format!("/api/v1/shows/{show}"), None).await;
    let product = detail.body["pinned"]["product_id"].as_str().unwrap().to_string();
    let title = app.get(&format!("/api/v1/products/{product}"), None).await.body["title"].as_str().unwrap().to_string();
    let mut complaints = Vec::new();
    for _ in 0..5 {
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
        let c = app
            .post(
                "/api/v1/complaints",
                Some(&consumer),
                json!({"order_id": id, "category": "quality", "description": "米里有虫"}),
            )
            .await;
        assert_eq!(c.status, 201, "{}", c.body);
        complaints.push(c.body);
    }
    let flagged = complaints.last().unwrap();
    assert_eq!(flagged["abuse_flags"][0]["kind"], "burst_against_one_party", "{flagged}");
    let merchant = app.get(&format!("/api/v1/merchants/{}", flagged["merchant"].as_str().unwrap()), None).await;
    let merchant = merchant.body["legal_name"].as_str().unwrap().to_string();

    let o = session(&app, "operator", "operator-demo-pass").await;
    // Past both clocks, so the overdue table lists them too.
    app.clock.advance(chrono::Duration::days(8));
    for (lang, flag_name, flag_text) in [
        ("zh", "短时间内集中投诉同一商家", format!("24 小时内对{merchant}投诉 5 起（阈值 5）")),
        (
            "en",
            "many complaints against one seller",
            format!("5 complaints against {merchant} within 24 hours (threshold 5)"),
        ),
    ] {
        let html = console(&app, &o, lang).await;
        let text = visible(&html, false);
        for c in &complaints {
            let id = c["id"].as_str().unwrap();
            assert!(html.contains(&format!("data-overdue-complaint=\"{id}\"")), "{id} is overdue");
            assert!(html.contains(&format!("data-complaint=\"{id}\"")), "{id} has its card");
            let order = c["order_id"].as_str().or(c["order"].as_str()).unwrap();
            assert!(!text.contains(order), "order {order} only in code");
        }
        // Ids only in data attributes and small <code>: none in the text a reader reads.
        for prefix in ["cmp_", "ord_", "mer_", "prd_"] {
            assert!(!text.contains(prefix), "{lang}: {prefix}… shows: {text}");
        }
        assert!(html.contains(&format!(
            "<th scope=\"row\"><a href=\"#complaint-{}\">{title}</a>",
            complaints[0]["id"].as_str().unwrap()
        )));
        assert!(text.contains(flag_name) && text.contains(&flag_text), "{lang}: the flag in words: {text}");
        assert!(!text.contains("burst_against_one_party"));
        assert_accessible(&html);
    }
}

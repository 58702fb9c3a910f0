//! Reputation and the feed over HTTP: two anchors with the same audience, one whose buyers got
//! what was promised and one whose buyers sent the goods back as not-as-described and who broke
//! the talk rules. Quality-first ranks the good one first; the old engagement ranking lets the
//! loud one win; every position says why; a traffic-limit measure caps a show; a rebuild from
//! the store reproduces what the events built.
#![allow(clippy::unwrap_used)]

mod common;

use clearcast_domain::account::Role;
use common::{id_number, TestApp};
use serde_json::{json, Value};

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

struct World {
    op: String,
    reg: String,
    consumer: String,
    good_anchor: String,
    loud_anchor: String,
    good_show: String,
    loud_show: String,
    buds: String,
    fishoil: String,
}

async fn find(app: &TestApp, path: &str, title: &str) -> String {
    let list = app.get(path, None).await;
    s(&list.body["items"].as_array().unwrap().iter().find(|p| s(&p["title"]).contains(title)).unwrap()["id"])
}

/// An order of `product` in `show`, paid, shipped by `seller`, delivered by the operator.
async fn delivered(app: &TestApp, w: &World, show: &str, product: &str, seller: &str) -> String {
    let p = app.get(&format!("/api/v1/products/{product}"), None).await;
    let body = json!({"show_id": show, "product_id": product, "variant_id": p.body["variants"][0]["id"], "quantity": 1,
        "shipping": {"name": "张三", "phone": "13800000000", "address": "北京市朝阳区"}});
    let o = app.post("/api/v1/orders", Some(&w.consumer), body).await;
    assert_eq!(o.status, 201, "{}", o.body);
    let id = s(&o.body["id"]);
    assert_eq!(app.post(&format!("/api/v1/orders/{id}/pay"), Some(&w.consumer), json!({})).await.status, 200);
    let sh = app
        .post(&format!("/api/v1/orders/{id}/ship"), Some(seller), json!({"carrier": "SF", "tracking_number": "SF1"}))
        .await;
    assert_eq!(sh.status, 200, "{}", sh.body);
    assert_eq!(app.post(&format!("/api/v1/orders/{id}/deliver"), Some(&w.op), json!({})).await.status, 200);
    id
}

fn ratings(v: u8) -> Value {
    json!({"ratings": {"product_quality": v, "as_described": v, "explanation": v, "logistics": v, "service": v}})
}

async fn world(app: &TestApp) -> World {
    let op = app.login("operator", "operator-demo-pass").await;
    let reg = app.login("regulator", "regulator-demo-pass").await;
    let room = app.login("xingguang", "room-demo-pass").await;
    let consumer = app.login("consumer", "consumer-demo-pass").await;
    // Clear the stage: the demo's live shows end.
    for title in ["双十二好物节", "AI 数字人夜场"] {
        let id = find(app, "/api/v1/shows?status=live", title).await;
        let e = app.post(&format!("/api/v1/shows/{id}/end"), Some(&room), json!({})).await;
        assert_eq!(e.status, 200, "{}", e.body);
    }
    let main = find(app, "/api/v1/shows", "双十二好物节").await;
    let page = app.get(&format!("/api/v1/shows/{main}"), None).await;
    let loud_anchor = s(&page.body["roster"][0]["anchor_id"]);
    let room_id = s(&page.body["room_operator_id"]);
    // A second anchor, verified, trained and on the room's roster.
    let acct = app.user(Role::Anchor).await;
    let a = app
        .post(
            "/api/v1/anchors",
            Some(&acct),
            json!({"real_name": "周诚", "stage_name": "诚哥", "id_number": id_number("19900101", 77), "birth_date": "1990-01-01",
                   "address": "上海市静安区南京西路 1 号", "contact": "13800000000"}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let good_anchor = s(&a.body["id"]);
    assert_eq!(app.post(&format!("/api/v1/anchors/{good_anchor}/verify"), Some(&op), json!({})).await.status, 200);
    let t = app
        .post(
            &format!("/api/v1/anchors/{good_anchor}/training"),
            Some(&op),
            json!({"kind": "pre_first_show", "completed_on": "2026-11-01", "provider": "平台学院", "hours": 8}),
        )
        .await;
    assert_eq!(t.status, 201, "{}", t.body);
    let add = app
        .post(&format!("/api/v1/room-operators/{room_id}/roster"), Some(&room), json!({"anchor_id": good_anchor}))
        .await;
    assert_eq!(add.status, 201, "{}", add.body);
    let c = app
        .post(&format!("/api/v1/room-operators/{room_id}/roster/{good_anchor}/confirm"), Some(&room), json!({}))
        .await;
    assert_eq!(c.status, 200, "{}", c.body);
    let buds = find(app, "/api/v1/products?limit=200", "蓝牙耳机").await;
    let fishoil = find(app, "/api/v1/products?limit=200", "鱼油").await;
    let mut shows = Vec::new();
    for (title, anchor, product) in [("诚哥数码专场", &good_anchor, &buds), ("佳佳保健专场", &loud_anchor, &fishoil)]
    {
        let sh = app
            .post(
                "/api/v1/shows",
                Some(&room),
                json!({"title": title, "scheduled_start": "2026-11-25T04:00:00Z", "roster": [anchor],
                       "stream_url": format!("https://live.example.com/{}.m3u8", shows.len()), "ai_presenter": false,
                       "script": "今天介绍好物"}),
            )
            .await;
        assert_eq!(sh.status, 201, "{}", sh.body);
        let id = s(&sh.body["id"]);
        let l = app
            .post(
                &format!("/api/v1/shows/{id}/lineup"),
                Some(&room),
                json!({"product_id": product, "anchor_role": "commissioned", "commission_bps": 1000, "show_price_minor": 9900}),
            )
            .await;
        assert_eq!(l.status, 201, "{}", l.body);
        let st = app.post(&format!("/api/v1/shows/{id}/start"), Some(&room), json!({})).await;
        assert_eq!(st.status, 200, "{}", st.body);
        shows.push(id);
    }
    World {
        op,
        reg,
        consumer,
        good_anchor,
        loud_anchor,
        good_show: shows[0].clone(),
        loud_show: shows[1].clone(),
        buds,
        fishoil,
    }
}

fn component<'a>(why: &'a Value, name: &str) -> &'a Value {
    why["components"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap()
}

#[tokio::test]
async fn quality_first_ranks_what_buyers_received_and_engagement_ranks_noise() {
    quality_flow(&TestApp::spawn_demo().await).await;
}

#[tokio::test]
async fn quality_first_ranks_what_buyers_received_on_postgres() {
    let Some(app) = TestApp::spawn_postgres().await else { return };
    assert_eq!(app.state.store.backend(), "postgres");
    app.seed_demo().await;
    quality_flow(&app).await;
}

async fn quality_flow(app: &TestApp) {
    let w = world(app).await;
    let haowu = app.login("haowu", "merchant-demo-pass").await;
    let youxuan = app.login("youxuan", "merchant-demo-pass").await;

    // Both shows are live and have no history yet: the newcomer anchor has no score.
    let feed = app.get("/api/v1/feed", None).await;
    assert_eq!(feed.status, 200, "{}", feed.body);
    assert_eq!(feed.body["live_shows"], 2);
    let rep = app.get(&format!("/api/v1/anchors/{}/reputation", w.good_anchor), None).await;
    assert_eq!((rep.status, s(&rep.body["status"])), (200, "no_score_yet".to_string()), "{}", rep.body);
    assert_eq!(rep.body["score"], Value::Null);

    // The good anchor's buyers get what was promised: five delivered orders, five stars.
    for _ in 0..5 {
        let id = delivered(app, &w, &w.good_show, &w.buds, &haowu).await;
        let r = app.post(&format!("/api/v1/orders/{id}/review"), Some(&w.consumer), ratings(5)).await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    // The loud anchor's buyers send three of five back as not-as-described, rate the rest 2...
    for i in 0..5 {
        let id = delivered(app, &w, &w.loud_show, &w.fishoil, &youxuan).await;
        if i < 3 {
            let url = format!("/api/v1/orders/{id}/returns");
            let r = app
                .post(&url, Some(&w.consumer), json!({"kind": "not_as_described", "reason": "直播说进口，实物是国产"}))
                .await;
            assert_eq!(r.status, 201, "{}", r.body);
            let d = app.post(&format!("{url}/decide"), Some(&youxuan), json!({"decision": "approve"})).await;
            assert_eq!(d.status, 200, "{}", d.body);
        } else {
            let r = app.post(&format!("/api/v1/orders/{id}/review"), Some(&w.consumer), ratings(2)).await;
            assert_eq!(r.status, 201, "{}", r.body);
        }
    }
    // ...and the anchor breaks the talk rules on air (a red finding: a confirmed violation).
    let lijia = app.login("lijia", "anchor-demo-pass").await;
    let said = app
        .post(
            &format!("/api/v1/shows/{}/transcript", w.loud_show),
            Some(&lijia),
            json!({"segments": [{"id": "f-1", "at_ms": 1000, "text": "这个鱼油能治疗高血压，吃了就不用吃药"}]}),
        )
        .await;
    assert_eq!(said.status, 200, "{}", said.body);
    assert!(!said.body["violations"].as_array().unwrap().is_empty(), "{}", said.body);

    // The same four viewers watch both; one of them taps like 10 times on the good show and 300
    // times (bought, say) on the loud one.
    for _ in 0..3 {
        let viewer = app.user(Role::Consumer).await;
        for show in [&w.good_show, &w.loud_show] {
            let v = app.post(&format!("/api/v1/shows/{show}/views"), Some(&viewer), json!({})).await;
            assert_eq!(v.status, 200, "{}", v.body);
        }
    }
    let bought = app.user(Role::Consumer).await;
    for show in [&w.good_show, &w.loud_show] {
        app.post(&format!("/api/v1/shows/{show}/views"), Some(&bought), json!({})).await;
    }
    let l = app.post(&format!("/api/v1/shows/{}/likes", w.good_show), Some(&bought), json!({"count": 10})).await;
    assert_eq!((l.status, l.body["your_likes"].clone()), (200, json!(10)), "{}", l.body);
    for _ in 0..3 {
        let l = app.post(&format!("/api/v1/shows/{}/likes", w.loud_show), Some(&bought), json!({"count": 100})).await;
        assert_eq!(l.status, 200, "{}", l.body);
    }
    let last = app.post(&format!("/api/v1/shows/{}/views", w.loud_show), Some(&bought), json!({})).await;
    assert_eq!(last.body["viewers"], 4);
    assert_eq!(last.body["likes"], 300);
    assert_eq!(last.body["likes_counted"], 10, "one viewer's likes count up to the cap");

    // Scores: published, with their breakdowns.
    let good = app.get(&format!("/api/v1/anchors/{}/reputation", w.good_anchor), None).await;
    assert_eq!(good.body["status"], "published", "{}", good.body);
    let loud = app.get(&format!("/api/v1/anchors/{}/reputation", w.loud_anchor), None).await;
    assert_eq!(loud.body["status"], "published", "{}", loud.body);
    let (gs, ls) = (good.body["score"].as_f64().unwrap(), loud.body["score"].as_f64().unwrap());
    // Two anchors only: each is smoothed towards the other (the rest of its group), so the gap is
    // narrower than the raw ratings (5 against 1-2); the components below show where it comes from.
    assert!(gs > 3.0 && ls < gs, "good {gs}, loud {ls}");
    let comp = |r: &Value, c: &str| {
        r["components"].as_array().unwrap().iter().find(|x| x["component"] == c).unwrap()["value"].as_f64().unwrap()
    };
    assert!(comp(&loud.body, "not_as_described_returns") < 1.0, "{}", loud.body);
    assert!(comp(&loud.body, "violations") < 5.0, "{}", loud.body);
    assert_eq!(comp(&good.body, "violations"), 5.0);
    assert!(good.body["explanation"]["score"].as_f64().unwrap() > loud.body["explanation"]["score"].as_f64().unwrap());
    assert!(good.body["unavailable"].as_array().unwrap().is_empty(), "upheld complaints are an input now");
    let sum: f64 =
        good.body["components"].as_array().unwrap().iter().map(|c| c["contribution"].as_f64().unwrap()).sum();
    assert!((sum - good.body["raw"].as_f64().unwrap()).abs() < 0.01, "contributions add up");
    let p_good = app.get(&format!("/api/v1/products/{}/reputation", w.buds), None).await;
    let p_loud = app.get(&format!("/api/v1/products/{}/reputation", w.fishoil), None).await;
    assert!(p_good.body["raw"].as_f64().unwrap() > p_loud.body["raw"].as_f64().unwrap());

    // Quality first: the good show leads, and both say why.
    let feed = app.get("/api/v1/feed", None).await;
    let items = feed.body["items"].as_array().unwrap();
    assert_eq!(s(&items[0]["show_id"]), w.good_show, "{}", feed.body);
    assert_eq!(s(&items[1]["show_id"]), w.loud_show);
    let (wg, wl) = (&items[0]["why"], &items[1]["why"]);
    assert!(
        component(wg, "anchor_reputation")["contribution"].as_f64().unwrap()
            > component(wl, "anchor_reputation")["contribution"].as_f64().unwrap()
    );
    assert_eq!(component(wg, "engagement")["value"], component(wl, "engagement")["value"], "bought likes move nothing");
    assert!(s(&component(wl, "engagement")["input"]).contains("300 in all"));
    // The old way: the loud one wins, and only operators may look.
    assert_eq!(app.get("/api/v1/feed?policy=engagement", None).await.status, 403);
    assert_eq!(app.get("/api/v1/feed?policy=engagement", Some(&w.consumer)).await.code(), "policy_restricted");
    let old = app.get("/api/v1/feed?policy=engagement", Some(&w.op)).await;
    assert_eq!(old.status, 200, "{}", old.body);
    assert_eq!(s(&old.body["items"][0]["show_id"]), w.loud_show, "{}", old.body);
    // One show explained.
    let ex = app.get(&format!("/api/v1/feed/explain?show={}", w.loud_show), None).await;
    assert_eq!((ex.status, ex.body["position"].clone(), ex.body["in_feed"].clone()), (200, json!(2), json!(true)));
    assert_eq!(ex.body["why"], items[1]["why"]);

    // A traffic-limit measure (here on a regulator's notice) caps the loud show, and says so.
    let n = app
        .post(
            "/api/v1/notices",
            Some(&w.reg),
            json!({"kind": "violation", "subject_id": w.loud_anchor, "facts": "虚假宣传保健功效", "reference": "沪市监 2026-118"}),
        )
        .await;
    assert_eq!(n.status, 201, "{}", n.body);
    let act = app
        .post(
            &format!("/api/v1/notices/{}/actions", s(&n.body["id"])),
            Some(&w.op),
            json!({"kind": "measure_taken", "note": "限流 14 天", "measure": "traffic_limit", "days": 14}),
        )
        .await;
    assert_eq!(act.status, 200, "{}", act.body);
    let ex = app.get(&format!("/api/v1/feed/explain?show={}", w.loud_show), None).await;
    let adj = ex.body["why"]["adjustments"].as_array().unwrap();
    let limit = adj.iter().find(|a| a["kind"] == "traffic_limit").unwrap_or_else(|| panic!("{}", ex.body));
    assert!(s(&limit["detail"]).contains(&w.loud_anchor) && s(&limit["rule"]).contains("Art. 13"));
    assert_eq!(limit["factor"], 0.25);

    // A restart rebuilds the same scores from the store.
    let before: Vec<Value> = reputations(app, &w).await;
    clearcast_server::quality::rebuild(&app.state).await.unwrap();
    let after: Vec<Value> = reputations(app, &w).await;
    assert_eq!(before, after);
    let feed_after = app.get("/api/v1/feed", None).await;
    assert_eq!(feed_after.body["items"][0]["show_id"], json!(w.good_show));
    assert!(feed_after.body["items"][1]["why"]["adjustments"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["kind"] == "traffic_limit"));

    // An ended show leaves the feed and says why it is not there.
    let room = app.login("xingguang", "room-demo-pass").await;
    assert_eq!(app.post(&format!("/api/v1/shows/{}/end", w.good_show), Some(&room), json!({})).await.status, 200);
    let ex = app.get(&format!("/api/v1/feed/explain?show={}", w.good_show), None).await;
    assert_eq!((ex.body["in_feed"].clone(), ex.body["position"].clone()), (json!(false), Value::Null));
    assert!(s(&ex.body["reason"]).contains("ended"));
    assert_eq!(app.get("/api/v1/feed", None).await.body["live_shows"], 1);
    let v = app.post(&format!("/api/v1/shows/{}/views", w.good_show), Some(&w.consumer), json!({})).await;
    assert_eq!((v.status, v.code()), (409, "show_not_live"));
}

async fn reputations(app: &TestApp, w: &World) -> Vec<Value> {
    let mut out = Vec::new();
    for path in [
        format!("/api/v1/anchors/{}/reputation", w.good_anchor),
        format!("/api/v1/anchors/{}/reputation", w.loud_anchor),
        format!("/api/v1/products/{}/reputation", w.buds),
        format!("/api/v1/products/{}/reputation", w.fishoil),
    ] {
        let mut r = app.get(&path, None).await.body;
        r.as_object_mut().unwrap().remove("computed_at");
        out.push(r);
    }
    out
}

#[tokio::test]
async fn bad_feed_and_reputation_requests_get_clear_answers() {
    let app = TestApp::spawn_demo().await;
    let consumer = app.login("consumer", "consumer-demo-pass").await;
    let merchant = app.login("haowu", "merchant-demo-pass").await;
    for (q, status, field) in [
        ("limit=0", 422, "limit"),
        ("limit=101", 422, "limit"),
        ("limit=-5", 422, "limit"),
        ("limit=ten", 400, "limit"),
        ("policy=popularity", 422, "policy"),
        ("colour=red", 400, ""),
    ] {
        let a = app.get(&format!("/api/v1/feed?{q}"), None).await;
        assert_eq!(a.status, status, "{q}: {}", a.body);
        if !field.is_empty() {
            assert_eq!(a.field(), field, "{q}: {}", a.body);
        }
    }
    let ok = app.get("/api/v1/feed?limit=1", None).await;
    assert_eq!(ok.body["items"].as_array().unwrap().len(), 1);
    assert!(ok.body["items"][0]["why"]["components"].as_array().unwrap().len() == 4);
    assert_eq!(app.get("/api/v1/feed/explain", None).await.field(), "show");
    assert_eq!(app.get("/api/v1/feed/explain?show=shw_nonsense", None).await.status, 400);
    let unknown = "shw_0192f0c5a4c37d6a9b4f3e2d1c0b0a09";
    assert_eq!(app.get(&format!("/api/v1/feed/explain?show={unknown}"), None).await.status, 404);
    for kind in ["anchors/anc", "products/prd", "merchants/mer", "room-operators/rop"] {
        let (path, prefix) = kind.split_once('/').unwrap();
        let a = app.get(&format!("/api/v1/{path}/{prefix}_0192f0c5a4c37d6a9b4f3e2d1c0b0a09/reputation"), None).await;
        assert_eq!(a.status, 404, "{kind}: {}", a.body);
    }
    assert_eq!(app.get("/api/v1/anchors/prd_0192f0c5a4c37d6a9b4f3e2d1c0b0a09/reputation", None).await.status, 400);
    let live = app.get("/api/v1/shows?status=live", None).await;
    let show = s(&live.body["items"][0]["id"]);
    for count in [0, 101, -1] {
        let l = app.post(&format!("/api/v1/shows/{show}/likes"), Some(&consumer), json!({"count": count})).await;
        assert_eq!((l.status, l.field()), (422, "count"), "{count}: {}", l.body);
    }
    let l = app.post(&format!("/api/v1/shows/{show}/likes"), Some(&merchant), json!({"count": 1})).await;
    assert_eq!(l.status, 403, "{}", l.body);
    assert_eq!(app.post(&format!("/api/v1/shows/{show}/likes"), None, json!({"count": 1})).await.status, 401);
    let op = app.login("operator", "operator-demo-pass").await;
    let r = app.post("/api/v1/feed/policy/reload", Some(&op), json!({})).await;
    assert_eq!((r.status, r.code()), (409, "no_policy_file"), "{}", r.body);
    assert_eq!(app.get("/api/v1/feed/explain?show=abc", None).await.field(), "show");
    assert_eq!(app.post("/api/v1/feed/policy/reload", Some(&consumer), json!({})).await.status, 403);
    let p = app.get("/api/v1/feed/policy", None).await;
    assert_eq!(p.body["feed"]["weights"]["anchor"], 0.35);
}

#[tokio::test]
async fn a_policy_reload_swaps_weights_and_a_bad_file_leaves_the_old_policy() {
    let app = TestApp::spawn_demo().await;
    let op = app.login("operator", "operator-demo-pass").await;
    let dir = clearcast_store::testing::TempDir::new().unwrap();
    let file = dir.path.join("policy.toml");
    let base = clearcast_domain::policy::DEFAULT_POLICY_TOML;
    let consumer = app.login("consumer", "consumer-demo-pass").await;
    let live = app.get("/api/v1/shows?status=live", None).await;
    let show = s(&live.body["items"][0]["id"]);
    let l = app.post(&format!("/api/v1/shows/{show}/likes"), Some(&consumer), json!({"count": 8})).await;
    assert_eq!(l.body["likes_counted"], 8, "{}", l.body);
    std::fs::write(
        &file,
        base.replace("score_floor = 3.0", "score_floor = 3.5")
            .replace("likes_cap_per_viewer = 10", "likes_cap_per_viewer = 5"),
    )
    .unwrap();
    app.state.quality.set_source(file.clone());
    let r = app.post("/api/v1/feed/policy/reload", Some(&op), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["feed"]["score_floor"], 3.5);
    assert_eq!(r.body["reload_applies"], json!(["feed", "reputation"]));
    // Likes already given are recounted under the new cap.
    let ex = app.get(&format!("/api/v1/feed/explain?show={show}"), None).await;
    let eng =
        ex.body["why"]["components"].as_array().unwrap().iter().find(|c| c["name"] == "engagement").unwrap().clone();
    assert!(s(&eng["input"]).contains("5 likes counted (capped at 5"), "{eng}");
    for (bad, needle) in [
        (base.replace("engagement = 0.2\n", "engagement = -0.2\n"), "feed.weights.engagement"),
        (base.replace("lineup = 0.25", "lineup = \"high\""), "lineup"),
        (base.replace("explanation = 3.0", "explanation = -1.0"), "reputation.weights.anchor.explanation"),
    ] {
        std::fs::write(&file, bad).unwrap();
        let r = app.post("/api/v1/feed/policy/reload", Some(&op), json!({})).await;
        assert_eq!((r.status, r.code()), (422, "invalid_policy"), "{}", r.body);
        assert!(s(&r.body["detail"]).contains(needle), "{needle}: {}", r.body);
        assert_eq!(app.get("/api/v1/feed/policy", None).await.body["feed"]["score_floor"], 3.5, "the old policy stays");
    }
}

#[tokio::test]
async fn a_second_node_picks_up_shows_that_go_live_or_end_elsewhere() {
    let app = TestApp::spawn_demo().await;
    // Another node on the same store, started before anything went live there.
    let other = clearcast_server::AppState::new(
        app.state.store.clone(),
        clearcast_domain::policy::Policy::default_policy(),
        app.clock.clone(),
    );
    assert_eq!(other.quality.index().len(), 0);
    clearcast_server::quality::sync_live(&other).await.unwrap();
    assert_eq!(other.quality.index().len(), 2);
    let room = app.login("xingguang", "room-demo-pass").await;
    let live = app.get("/api/v1/shows?status=live", None).await;
    let ended = s(&live.body["items"][0]["id"]);
    assert_eq!(app.post(&format!("/api/v1/shows/{ended}/end"), Some(&room), json!({})).await.status, 200);
    assert_eq!(other.quality.index().len(), 2, "the other node has not looked yet");
    clearcast_server::quality::sync_live(&other).await.unwrap();
    let ids = other.quality.index().show_ids();
    assert_eq!(ids.len(), 1);
    assert_ne!(ids[0].to_string(), ended);
}

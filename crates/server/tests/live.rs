//! The live channel over real WebSockets: a snapshot on connect; a pin reaches every viewer with
//! the disclosure card; orders move stock and sales, coalesced; comments are moderated (a hidden
//! one reaches only its author and the staff); warnings reach only the show's staff; tickets are
//! one-time; bad frames and floods close with their codes; a lagging viewer is resynced while the
//! others keep up.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use clearcast_domain::account::Role;
use common::TestApp;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

async fn connect(app: &TestApp, path: &str) -> Ws {
    let url = format!("{}{path}", app.base.replacen("http://", "ws://", 1));
    let (ws, resp) = tokio_tungstenite::connect_async(url).await.unwrap();
    assert_eq!(resp.status().as_u16(), 101);
    ws
}

/// The HTTP status a refused upgrade answers with.
async fn refused(app: &TestApp, path: &str) -> u16 {
    let url = format!("{}{path}", app.base.replacen("http://", "ws://", 1));
    match tokio_tungstenite::connect_async(url).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => r.status().as_u16(),
        other => panic!("expected a refusal, got {:?}", other.map(|(_, r)| r.status())),
    }
}

/// The next JSON frame, or None after `wait`.
async fn next(ws: &mut Ws, wait: Duration) -> Option<Value> {
    let deadline = Instant::now() + wait;
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        match tokio::time::timeout(left, ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => return Some(serde_json::from_str(t.as_str()).unwrap()),
            Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
            Ok(Some(Ok(other))) => panic!("unexpected frame {other:?}"),
            Ok(Some(Err(e))) => panic!("socket error {e}"),
            Ok(None) => return None,
            Err(_) => return None,
        }
    }
}

/// Frames until one of `kind` arrives (within 5 s); returns it and the types passed on the way.
async fn until(ws: &mut Ws, kind: &str) -> (Value, Vec<String>) {
    let mut seen = Vec::new();
    loop {
        let f = next(ws, Duration::from_secs(5)).await.unwrap_or_else(|| panic!("no {kind} (saw {seen:?})"));
        if f["type"] == kind {
            return (f, seen);
        }
        seen.push(s(&f["type"]));
    }
}

/// The close code the server ends the connection with.
async fn closed_with(ws: &mut Ws) -> u16 {
    loop {
        match tokio::time::timeout(Duration::from_secs(5), ws.next()).await.unwrap() {
            Some(Ok(Message::Close(Some(f)))) => return u16::from(f.code),
            Some(Ok(_)) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
}

async fn show(app: &TestApp, title: &str) -> Value {
    let live = app.get("/api/v1/shows?status=live", None).await;
    live.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["title"].as_str().unwrap().contains(title))
        .unwrap()
        .clone()
}

async fn ticket(app: &TestApp, token: &str, show: &str) -> String {
    let t = app.post(&format!("/api/v1/shows/{show}/live-ticket"), Some(token), json!({})).await;
    assert_eq!(t.status, 201, "{}", t.body);
    s(&t.body["url"])
}

#[tokio::test]
async fn a_viewer_gets_a_snapshot_and_every_viewer_the_pinned_card() {
    let app = TestApp::spawn_demo().await;
    let sh = show(&app, "双十二好物节").await;
    let id = s(&sh["id"]);
    let path = format!("/api/v1/shows/{id}/live");
    let mut v1 = connect(&app, &path).await;
    let mut v2 = connect(&app, &path).await;
    let snap = next(&mut v1, Duration::from_secs(5)).await.unwrap();
    assert_eq!(snap["type"], "snapshot");
    assert_eq!((snap["show"]["status"].clone(), snap["show_id"].clone()), (json!("live"), json!(id)));
    assert_eq!(snap["show"]["pinned"]["id"], sh["pinned"]["id"]);
    assert_eq!(snap["show"]["disclosure"], sh["pinned"]["disclosure"], "the card of the pinned product");
    assert!(snap["stock"]["available"].as_i64().unwrap() > 0, "{snap}");
    assert!(snap["counters"]["buyers"].is_u64() && snap["ts"].as_f64().unwrap() > 1.7e12, "{snap}");
    let seq0 = snap["seq"].as_u64().unwrap();
    assert_eq!(next(&mut v2, Duration::from_secs(5)).await.unwrap()["type"], "snapshot");

    // The room pins the fish oil: both viewers see it with its disclosure card.
    let room = app.login("xingguang", "room-demo-pass").await;
    let other = sh["lineup"].as_array().unwrap().iter().find(|l| l["id"] != sh["pinned"]["id"]).unwrap().clone();
    let p = app.post(&format!("/api/v1/shows/{id}/pin"), Some(&room), json!({"lineup_item_id": other["id"]})).await;
    assert_eq!(p.status, 200, "{}", p.body);
    for v in [&mut v1, &mut v2] {
        let (pinned, _) = until(v, "pinned").await;
        assert_eq!(pinned["item"]["id"], other["id"]);
        assert_eq!(pinned["item"]["disclosure"], p.body["disclosure"]);
        assert!(s(&pinned["item"]["disclosure"]["seller"]["name"]).len() > 1, "{pinned}");
        assert!(pinned["seq"].as_u64().unwrap() > seq0);
    }
    // A viewer who comes later finds the new state.
    let mut v3 = connect(&app, &path).await;
    let late = next(&mut v3, Duration::from_secs(5)).await.unwrap();
    assert_eq!(
        (late["show"]["pinned"]["id"].clone(), late["show"]["disclosure"].clone()),
        (other["id"].clone(), p.body["disclosure"].clone())
    );
    assert!(late["seq"].as_u64().unwrap() > seq0);

    // Refused before any upgrade: an unknown show, a token in the URL, a bad ticket, no WebSocket.
    assert_eq!(refused(&app, "/api/v1/shows/shw_0190a0a0a0a07a0a8a0a0a0a0a0a0a0a/live").await, 404);
    assert_eq!(refused(&app, &format!("{path}?token=cc_x")).await, 422);
    assert_eq!(refused(&app, &format!("{path}?ticket=lt_nonsense")).await, 401);
    let plain = app.get(&path, None).await;
    assert_eq!((plain.status, plain.code()), (426, "websocket_required"));

    // The show ends: everyone is told.
    let end = app.post(&format!("/api/v1/shows/{id}/end"), Some(&room), json!({})).await;
    assert_eq!(end.status, 200, "{}", end.body);
    let (ended, _) = until(&mut v3, "ended").await;
    assert_eq!(ended["status"], "ended");
}

#[tokio::test]
async fn orders_move_stock_and_sales_at_most_ten_times_a_second() {
    let app = TestApp::spawn_demo().await;
    let sh = show(&app, "双十二好物节").await;
    let id = s(&sh["id"]);
    let mut v = connect(&app, &format!("/api/v1/shows/{id}/live")).await;
    let snap = next(&mut v, Duration::from_secs(5)).await.unwrap();
    let (stock0, buyers0) =
        (snap["stock"]["available"].as_i64().unwrap(), snap["counters"]["buyers"].as_u64().unwrap());
    let mut buyers = Vec::new();
    for _ in 0..12 {
        buyers.push(app.user(Role::Consumer).await);
    }
    let started = Instant::now();
    let orders = buyers.iter().map(|b| {
        let body = json!({"show_id": id, "product_id": sh["pinned"]["product_id"], "quantity": 1,
                          "shipping": {"name": "张三", "phone": "13800000000", "address": "北京市朝阳区"}});
        let app = &app;
        async move {
            let o = app.post("/api/v1/orders", Some(b), body).await;
            assert_eq!(o.status, 201, "{}", o.body);
            let pay = app.post(&format!("/api/v1/orders/{}/pay", s(&o.body["id"])), Some(b), json!({})).await;
            assert_eq!(pay.status, 200, "{}", pay.body);
        }
    });
    futures_util::future::join_all(orders).await;
    let busy = started.elapsed();
    let (mut sales, mut stock) = (Vec::new(), Vec::new());
    while let Some(f) = next(&mut v, Duration::from_millis(600)).await {
        match f["type"].as_str() {
            Some("sales") => sales.push(f),
            Some("stock") => stock.push(f),
            _ => {}
        }
    }
    let window = started.elapsed();
    let last = sales.last().unwrap();
    assert_eq!(last["buyers"].as_u64().unwrap(), buyers0 + 12, "{last}");
    assert_eq!(stock.last().unwrap()["available"].as_i64().unwrap(), stock0 - 12);
    // 24 changes (12 orders placed and paid), at most one `sales` per 100 ms tick.
    let ticks = (window.as_millis() / 100) as usize + 1;
    assert!(
        sales.len() <= ticks && sales.len() < 24,
        "{} sales events in {window:?} (orders took {busy:?})",
        sales.len()
    );
    let seqs: Vec<u64> = sales.iter().map(|f| f["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
}

#[tokio::test]
async fn comments_are_moderated_tickets_are_one_time_and_bad_frames_close() {
    let app = TestApp::spawn_demo().await;
    let id = s(&show(&app, "双十二好物节").await["id"]);
    let other = s(&show(&app, "AI 数字人夜场").await["id"]);
    let consumer = app.login("consumer", "consumer-demo-pass").await;
    let url = ticket(&app, &consumer, &id).await;
    let mut me = connect(&app, &url).await;
    assert_eq!(refused(&app, &url).await, 401, "a ticket is good once");
    let elsewhere = ticket(&app, &consumer, &id).await.replace(&id, &other);
    assert_eq!(refused(&app, &elsewhere).await, 401, "and for its show only");
    let mut anon = connect(&app, &format!("/api/v1/shows/{id}/live")).await;
    assert_eq!(next(&mut me, Duration::from_secs(5)).await.unwrap()["type"], "snapshot");
    assert_eq!(next(&mut anon, Duration::from_secs(5)).await.unwrap()["type"], "snapshot");

    me.send(Message::text(r#"{"type":"comment","text":"主播讲得很清楚"}"#)).await.unwrap();
    for v in [&mut me, &mut anon] {
        let (c, _) = until(v, "comment").await;
        assert_eq!(c["text"], "主播讲得很清楚");
    }
    me.send(Message::text(r#"{"type":"comment","text":"加我微信 abc12345 私聊更便宜"}"#)).await.unwrap();
    let (hidden, _) = until(&mut me, "comment_hidden").await;
    assert!(hidden["findings"].as_array().is_some_and(|f| !f.is_empty()), "{hidden}");
    me.send(Message::text(r#"{"type":"comment","text":"下单了"}"#)).await.unwrap();
    let (c, passed) = until(&mut anon, "comment").await;
    assert_eq!(c["text"], "下单了");
    assert!(!passed.iter().any(|t| t.starts_with("comment")), "the hidden one never reached others: {passed:?}");
    // The record keeps the hidden comment for the staff.
    let op = app.login("operator", "operator-demo-pass").await;
    let chat = app.get(&format!("/api/v1/shows/{id}/chat"), Some(&op)).await;
    assert!(chat.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["hidden"] == true && s(&m["text"]).contains("微信")));

    // Anonymous viewers watch; they do not write.
    anon.send(Message::text(r#"{"type":"like"}"#)).await.unwrap();
    let (e, _) = until(&mut anon, "error").await;
    assert_eq!(e["code"], "sign_in_required");
    // Likes count; a flood is refused, then closed.
    me.send(Message::text(r#"{"type":"like","count":3}"#)).await.unwrap();
    // (An earlier `sales` may still be on its way: the viewer counted on connect.)
    let mut sales = until(&mut anon, "sales").await.0;
    while sales["likes"].as_u64().unwrap() < 3 {
        sales = until(&mut anon, "sales").await.0;
    }
    assert_eq!(sales["viewers"], 1, "the signed-in viewer counts once: {sales}");
    // The feed's explanation counts the channel's view and likes as it counts the HTTP ones.
    let ex = app.get(&format!("/api/v1/feed/explain?show={id}"), None).await;
    assert!(ex.body.to_string().contains("1 unique signed-in viewers, 3 likes counted"), "{}", ex.body);
    for _ in 0..60 {
        if me.send(Message::text(r#"{"type":"like"}"#)).await.is_err() {
            break;
        }
    }
    let (limited, _) = until(&mut me, "error").await;
    assert_eq!(limited["code"], "rate_limited");
    assert_eq!(closed_with(&mut me).await, 1008);

    // Malformed, binary and oversize frames close with their codes.
    let path = format!("/api/v1/shows/{id}/live");
    for (frame, code) in [
        (Message::text("{not json"), 1007),
        (Message::text(r#"{"type":"warning","findings":[]}"#), 1007),
        (Message::binary(vec![1u8, 2, 3]), 1003),
        (Message::text(format!(r#"{{"type":"comment","text":"{}"}}"#, "长".repeat(3000))), 1009),
    ] {
        let mut ws = connect(&app, &path).await;
        next(&mut ws, Duration::from_secs(5)).await.unwrap();
        ws.send(frame).await.unwrap();
        assert_eq!(closed_with(&mut ws).await, code);
    }
    // A logout ends what the token opened: the connection cannot write, an unused ticket is void.
    let leaver = app.user(Role::Consumer).await;
    let mut gone = connect(&app, &ticket(&app, &leaver, &id).await).await;
    let spare = ticket(&app, &leaver, &id).await;
    next(&mut gone, Duration::from_secs(5)).await.unwrap();
    assert_eq!(app.delete("/api/v1/auth/token", Some(&leaver)).await.status, 204);
    gone.send(Message::text(r#"{"type":"comment","text":"我已退出"}"#)).await.unwrap();
    let (e, _) = until(&mut gone, "error").await;
    assert_eq!(e["code"], "signed_out");
    assert_eq!(refused(&app, &spare).await, 401);
    // None of that stalled the room.
    let again = app.post(&format!("/api/v1/shows/{id}/chat"), Some(&consumer), json!({"text": "还在吗"})).await;
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(until(&mut anon, "comment").await.0["text"], "还在吗");
}

#[tokio::test]
async fn warnings_reach_only_the_shows_staff_and_a_suspension_everyone() {
    let app = TestApp::spawn_demo().await;
    let id = s(&show(&app, "双十二好物节").await["id"]);
    let anchor = app.login("lijia", "anchor-demo-pass").await;
    let consumer = app.login("consumer", "consumer-demo-pass").await;
    let mut staff = connect(&app, &ticket(&app, &anchor, &id).await).await;
    let mut buyer = connect(&app, &ticket(&app, &consumer, &id).await).await;
    let mut anon = connect(&app, &format!("/api/v1/shows/{id}/live")).await;
    for v in [&mut staff, &mut buyer, &mut anon] {
        assert_eq!(next(v, Duration::from_secs(5)).await.unwrap()["type"], "snapshot");
    }
    let said = app
        .post(
            &format!("/api/v1/shows/{id}/transcript"),
            Some(&anchor),
            json!({"segments": [{"id": "live-1", "at_ms": 90_000, "text": "这款鱼油是全网最低价，吃了能治高血压"}]}),
        )
        .await;
    assert_eq!(said.status, 200, "{}", said.body);
    let (w, _) = until(&mut staff, "warning").await;
    assert_eq!(w["segment"], "live-1");
    let labels: Vec<String> = w["findings"].as_array().unwrap().iter().map(|f| s(&f["label"])).collect();
    assert!(!labels.is_empty(), "{w}");
    assert!(w["findings"][0]["suggestion"].is_string(), "with a compliant wording: {w}");
    // A marker comment: viewers get it with no warning before it.
    let m = app.post(&format!("/api/v1/shows/{id}/chat"), Some(&consumer), json!({"text": "标记"})).await;
    assert_eq!(m.status, 201, "{}", m.body);
    for v in [&mut buyer, &mut anon] {
        let (c, passed) = until(v, "comment").await;
        assert_eq!(c["text"], "标记");
        assert!(!passed.contains(&"warning".to_string()), "{passed:?}");
    }
    // An operator suspends the show: everyone sees the measure.
    let op = app.login("operator", "operator-demo-pass").await;
    let sus =
        app.post(&format!("/api/v1/shows/{id}/suspend"), Some(&op), json!({"reason": "虚假宣传，暂停整改"})).await;
    assert_eq!(sus.status, 200, "{}", sus.body);
    for v in [&mut staff, &mut buyer, &mut anon] {
        let (m, _) = until(v, "measure").await;
        assert_eq!((m["status"].clone(), m["kind"].clone()), (json!("suspended"), json!("suspension")));
    }
    // A connection opened while it was live cannot write to the suspended show.
    buyer.send(Message::text(r#"{"type":"comment","text":"还能说话吗"}"#)).await.unwrap();
    let (e, _) = until(&mut buyer, "error").await;
    assert_eq!(e["code"], "show_not_live");
    buyer.send(Message::text(r#"{"type":"like","count":5}"#)).await.unwrap();
    let (e, _) = until(&mut buyer, "error").await;
    assert_eq!(e["code"], "show_not_live");
}

#[tokio::test]
async fn a_lagging_viewer_is_resynced_and_never_slows_the_others() {
    let cfg = clearcast_server::live::LiveConfig {
        queue: 8,
        batch: Duration::from_millis(1),
        write_timeout: Duration::from_secs(60),
        ..Default::default()
    };
    let app = TestApp::spawn_demo_live(cfg).await;
    let sh = show(&app, "双十二好物节").await;
    let id: clearcast_domain::ids::ShowId = s(&sh["id"]).parse().unwrap();
    let path = format!("/api/v1/shows/{id}/live");
    let mut slow = connect(&app, &path).await;
    let mut fast = connect(&app, &path).await;
    let seq0 = next(&mut fast, Duration::from_secs(5)).await.unwrap()["seq"].as_u64().unwrap();
    // The slow viewer stops reading. Sixty 1 MB events fill its socket buffers many times over.
    let big = "评".repeat(350_000);
    let publisher = {
        let hub = app.state.live.clone();
        tokio::spawn(async move {
            for i in 0..60 {
                let e = clearcast_domain::live::Event::all(
                    clearcast_domain::live::Kind::Comment,
                    json!({"text": big, "n": i}),
                );
                hub.publish(id, e);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    let mut got = Vec::new();
    while got.len() < 60 {
        let f = next(&mut fast, Duration::from_secs(20)).await.expect("the fast viewer keeps up");
        if f["type"] == "comment" {
            got.push(f["seq"].as_u64().unwrap());
        }
    }
    publisher.await.unwrap();
    assert_eq!(got, (seq0 + 1..=seq0 + 60).collect::<Vec<_>>(), "every event, in order, none skipped");
    // The slow viewer reads again: behind the ring, it got the state afresh instead of history.
    let mut resynced = false;
    while let Some(f) = next(&mut slow, Duration::from_secs(3)).await {
        if f["type"] == "snapshot" && f["seq"].as_u64().unwrap() > seq0 {
            resynced = true;
        }
    }
    assert!(resynced, "a fresh snapshot");
    assert!(app.state.live.stats.resyncs.load(std::sync::atomic::Ordering::Relaxed) >= 1);
}

#[tokio::test]
async fn a_silent_viewer_is_closed_after_the_idle_timeout_and_a_live_one_is_kept() {
    let cfg = clearcast_server::live::LiveConfig {
        heartbeat: Duration::from_millis(100),
        idle: Duration::from_millis(400),
        ..Default::default()
    };
    let app = TestApp::spawn_demo_live(cfg).await;
    let id = s(&show(&app, "双十二好物节").await["id"]);
    let path = format!("/api/v1/shows/{id}/live");
    let mut silent = connect(&app, &path).await;
    let mut alive = connect(&app, &path).await;
    assert_eq!(next(&mut alive, Duration::from_secs(5)).await.unwrap()["type"], "snapshot");
    // The live viewer keeps reading (its client answers the pings); the silent one does not.
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(1200) {
        let _ = next(&mut alive, Duration::from_millis(100)).await;
    }
    // The server closed the silent one (1001; reading it now may instead meet the broken pipe its
    // queued pong replies run into) and keeps the live one.
    assert_eq!(app.state.live.stats.connections.load(std::sync::atomic::Ordering::Relaxed), 1);
    loop {
        match tokio::time::timeout(Duration::from_secs(5), silent.next()).await.unwrap() {
            Some(Ok(Message::Close(Some(f)))) => break assert_eq!(u16::from(f.code), 1001),
            Some(Ok(Message::Text(_) | Message::Ping(_))) => continue,
            Some(Err(_)) | None => break,
            other => panic!("expected the end of the connection, got {other:?}"),
        }
    }
    let op = app.login("operator", "operator-demo-pass").await;
    let n = app.post(&format!("/api/v1/shows/{id}/notices"), Some(&op), json!({"text": "理性消费"})).await;
    assert_eq!(n.status, 201, "{}", n.body);
    let (notice, _) = until(&mut alive, "notice").await;
    assert_eq!(notice["text"], "理性消费");
    let consumer = app.login("consumer", "consumer-demo-pass").await;
    let refused = app.post(&format!("/api/v1/shows/{id}/notices"), Some(&consumer), json!({"text": "x"})).await;
    assert_eq!(refused.status, 403);
    assert_eq!(app.post(&format!("/api/v1/shows/{id}/notices"), Some(&op), json!({"text": ""})).await.field(), "text");
}

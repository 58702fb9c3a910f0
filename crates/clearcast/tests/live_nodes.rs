//! The live channel across two server processes sharing one PostgreSQL and one NATS: an anchor's
//! room pins on node A and a viewer connected to node B receives `pinned` with the disclosure
//! card, with the same `seq` as a viewer on A; a comment taken on B reaches a viewer on A.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use clearcast_server::{AppState, SystemClock};
use clearcast_store::crypto::FieldCipher;
use clearcast_store::testing::TempDir;
use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn until(ws: &mut Ws, kind: &str) -> Value {
    loop {
        let m = tokio::time::timeout(Duration::from_secs(10), ws.next()).await.expect(kind).unwrap().unwrap();
        if let Message::Text(t) = m {
            let v: Value = serde_json::from_str(t.as_str()).unwrap();
            if v["type"] == kind {
                return v;
            }
        }
    }
}

async fn login(client: &reqwest::Client, base: &str, user: &str, password: &str) -> String {
    let r = client
        .post(format!("{base}/api/v1/auth/token"))
        .json(&json!({"username": user, "password": password}))
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    v["token"].as_str().expect("token").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pin_on_one_node_reaches_a_viewer_on_another() {
    let Some(pg) = clearcast_store::testing::pg_url() else { return };
    let Some(nats) = clearcast_store::testing::nats_url() else { return };
    let db = Some(clearcast_store::testing::create_database(&pg, "clearcast_test").await.unwrap());
    let key = FieldCipher::generate_secret();
    let (dir_a, dir_b) = (TempDir::new().unwrap(), TempDir::new().unwrap());
    {
        let state = AppState::new(
            support::open(&db, &dir_a, &key).await,
            clearcast_domain::policy::Policy::default_policy(),
            Arc::new(SystemClock),
        );
        assert!(clearcast_server::demo::seed(&state).await.expect("demo"));
    }
    let (mut a, base_a) = support::serve_with(&db, &dir_a, &key, &["--nats-url", &nats]);
    let (mut b, base_b) = support::serve_with(&db, &dir_b, &key, &["--nats-url", &nats]);
    let client = reqwest::Client::new();
    let shows: Value =
        client.get(format!("{base_a}/api/v1/shows?status=live")).send().await.unwrap().json().await.unwrap();
    let show = shows["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["title"].as_str().unwrap().contains("双十二"))
        .unwrap()
        .clone();
    let id = show["id"].as_str().unwrap();
    let ws = |base: &str| format!("{}/api/v1/shows/{id}/live", base.replacen("http://", "ws://", 1));
    let (mut on_b, _) = tokio_tungstenite::connect_async(ws(&base_b)).await.unwrap();
    let (mut on_a, _) = tokio_tungstenite::connect_async(ws(&base_a)).await.unwrap();
    until(&mut on_b, "snapshot").await;
    until(&mut on_a, "snapshot").await;

    let room = login(&client, &base_a, "xingguang", "room-demo-pass").await;
    let other = show["lineup"].as_array().unwrap().iter().find(|l| l["id"] != show["pinned"]["id"]).unwrap().clone();
    let pin = client
        .post(format!("{base_a}/api/v1/shows/{id}/pin"))
        .bearer_auth(&room)
        .json(&json!({"lineup_item_id": other["id"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(pin.status(), 200);
    let card: Value = pin.json::<Value>().await.unwrap()["disclosure"].clone();
    let (pb, pa) = (until(&mut on_b, "pinned").await, until(&mut on_a, "pinned").await);
    assert_eq!(pb["item"]["id"], other["id"]);
    assert_eq!(pb["item"]["disclosure"], card, "node B's viewer sees the card of the goods pinned on A");
    assert_eq!(pb["seq"], pa["seq"], "one numbering for the show across nodes");
    assert!(pb["seq"].as_u64().unwrap() > 0);

    // The other way: a comment taken on B reaches a viewer on A, numbered after the pin.
    let consumer = login(&client, &base_b, "consumer", "consumer-demo-pass").await;
    let c = client
        .post(format!("{base_b}/api/v1/shows/{id}/chat"))
        .bearer_auth(&consumer)
        .json(&json!({"text": "两个节点都在"}))
        .send()
        .await
        .unwrap();
    assert_eq!(c.status(), 201);
    let ca = until(&mut on_a, "comment").await;
    assert_eq!(ca["text"], "两个节点都在");
    assert!(ca["seq"].as_u64().unwrap() > pa["seq"].as_u64().unwrap());
    let cb = until(&mut on_b, "comment").await;
    assert_eq!(cb["seq"], ca["seq"]);

    a.kill().unwrap();
    b.kill().unwrap();
    let _ = (a.wait(), b.wait());
}

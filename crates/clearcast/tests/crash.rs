//! The crash test: a flash sale against the real server binary, `kill -9` in the middle, and the
//! store checked afterwards (DESIGN invariant 3): every order whose 2xx the client received
//! exists, nothing is oversold, and stock left + units sold == the initial stock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use clearcast_domain::policy::Policy;
use clearcast_server::{AppState, SystemClock};
use clearcast_store::crypto::FieldCipher;
use clearcast_store::testing::TempDir;

const BUYERS: usize = 3_000;
const STOCK: i64 = 2_000;

async fn crash_mid_sale(db: Option<String>) {
    let dir = TempDir::new().unwrap();
    let key = FieldCipher::generate_secret();
    let fixture = {
        let state =
            AppState::new(support::open(&db, &dir, &key).await, Policy::default_policy(), Arc::new(SystemClock));
        clearcast_server::fixture::seed_flash_sale(&state, BUYERS, STOCK).await.expect("seed")
    };

    let (mut child, base) = support::serve(&db, &dir, &key);

    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let client = reqwest::Client::new();
    let body = serde_json::json!({
        "show_id": fixture.show_id, "product_id": fixture.product_id, "quantity": 1,
        "shipping": {"name": "买家", "phone": "13800000000", "address": "杭州"},
    })
    .to_string();
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let (acked, next, client, body, base, tokens) =
            (acked.clone(), next.clone(), client.clone(), body.clone(), base.clone(), fixture.tokens.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= tokens.len() {
                    break;
                }
                let res = client
                    .post(format!("{base}/api/v1/orders"))
                    .bearer_auth(&tokens[i])
                    .header("content-type", "application/json")
                    .header("Idempotency-Key", format!("crash-{i}"))
                    .body(body.clone())
                    .send()
                    .await;
                let Ok(res) = res else { break };
                if res.status().as_u16() == 201 {
                    if let Ok(v) = res.json::<serde_json::Value>().await {
                        acked.lock().unwrap().push(v["id"].as_str().unwrap_or_default().to_string());
                    }
                }
            }
        }));
    }
    // Let the sale run, then kill -9 while requests are in flight.
    let acked = support::kill_when(&acked, 200, 200, Duration::from_millis(20), &mut child, tasks).await;
    assert!(!acked.is_empty(), "the sale was killed before any order was acknowledged");
    assert!(acked.len() < BUYERS, "the kill came after the sale ended; nothing was tested");

    // Restart on the same data and check the store.
    let store = support::open(&db, &dir, &key).await;
    for id in &acked {
        let found = store.get_order(id.parse().unwrap()).await.unwrap();
        assert!(found.is_some(), "acknowledged order {id} was lost");
    }
    let variant = fixture.variant_id.parse().unwrap();
    let sold = store.units_sold(variant).await.unwrap();
    let left = store.get_product(fixture.product_id.parse().unwrap()).await.unwrap().unwrap().total_stock();
    assert!(sold >= acked.len() as i64, "sold {sold} < acknowledged {}", acked.len());
    assert!(sold <= STOCK, "oversold: {sold} > {STOCK}");
    assert_eq!(left + sold, STOCK, "stock left {left} + sold {sold} != initial");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_acknowledged_order_survives_kill_9_on_sqlite() {
    crash_mid_sale(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_acknowledged_order_survives_kill_9_on_postgres() {
    let Some(base) = clearcast_store::testing::pg_url() else { return };
    let url = clearcast_store::testing::create_database(&base, "clearcast_test").await.unwrap();
    crash_mid_sale(Some(url)).await;
}

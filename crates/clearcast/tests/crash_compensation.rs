//! The crash test of the safety net: operators adjudicate many upheld complaints against the
//! real server binary, `kill -9` lands in the middle, and the store is checked afterwards. Each
//! complaint is either wholly compensated (decision, payment, recoveries and shortfalls all
//! there) or not at all, every acknowledged decision survived, and the trial balance is zero.
//! Then a second server on the same data takes the same decisions again: each consumer is paid
//! exactly once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clearcast_domain::complaint::ComplaintStatus;
use clearcast_domain::ids::ComplaintId;
use clearcast_domain::ledger::{AccountCode, AccountKind, Owner, Transfer, TransferId, TransferKind};
use clearcast_domain::money::Currency;
use clearcast_domain::order::OrderStatus;
use clearcast_domain::policy::Policy;
use clearcast_server::{AppState, SystemClock};
use clearcast_store::crypto::FieldCipher;
use clearcast_store::testing::TempDir;
use clearcast_store::Store;
use serde_json::{json, Value};

/// Complaints to decide. At ¥350 a decision from a ¥100,000 deposit, the last ones also leave
/// receivables, so shortfalls are in flight when the kill lands.
const COMPLAINTS: usize = 320;

async fn call(client: &reqwest::Client, base: &str, token: &str, path: &str, body: Value) -> (u16, Value) {
    let res = client.post(format!("{base}{path}")).bearer_auth(token).json(&body).send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap_or(Value::Null))
}

async fn login(client: &reqwest::Client, base: &str, user: &str) -> String {
    let body = json!({"username": user, "password": "bench-password-123"});
    let res = client.post(format!("{base}/api/v1/auth/token")).json(&body).send().await.unwrap();
    res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string()
}

/// Every transfer id in the ledger.
async fn transfer_ids(store: &dyn Store) -> HashSet<String> {
    let mut ids = HashSet::new();
    for (account, _) in store.ledger_balances().await.unwrap() {
        let mut after = 0;
        loop {
            let page = store.account_transfers(&account, after, 1000).await.unwrap();
            let Some(last) = page.last().map(|p| p.0) else { break };
            ids.extend(page.into_iter().map(|(_, t)| t.id.as_str().to_string()));
            after = last;
        }
    }
    ids
}

const ADJUDICATION: &str = r#"{"upheld": true, "reason": "鉴定为假冒", "liability": {"merchant_bps": 7000, "room_operator_bps": 2000, "platform_bps": 1000}}"#;

/// Sends every adjudication from 16 clients; returns the ids acknowledged with 200. With `kill`,
/// the server is killed once `kill` decisions were acknowledged.
async fn adjudicate_all(
    base: &str,
    op: &str,
    ids: &[String],
    kill: Option<(usize, &mut std::process::Child)>,
) -> Vec<String> {
    let client = reqwest::Client::new();
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let ids = Arc::new(ids.to_vec());
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (client, acked, next, ids, base, op) =
            (client.clone(), acked.clone(), next.clone(), ids.clone(), base.to_string(), op.to_string());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(id) = ids.get(i) else { break };
                let res = client
                    .post(format!("{base}/api/v1/complaints/{id}/adjudicate"))
                    .bearer_auth(&op)
                    .header("content-type", "application/json")
                    .body(ADJUDICATION)
                    .send()
                    .await;
                let Ok(res) = res else { break };
                let status = res.status().as_u16();
                let body: Value = res.json().await.unwrap_or(Value::Null);
                match status {
                    200 => acked.lock().unwrap().push(id.clone()),
                    409 if body["code"] == "invalid_complaint_state" => {}
                    _ => panic!("adjudicating {id}: {status} {body}"),
                }
            }
        }));
    }
    if let Some((after, child)) = kill {
        return support::kill_when(&acked, after, 2000, Duration::from_millis(2), child, tasks).await;
    }
    for t in tasks {
        let _ = t.await;
    }
    let acked = acked.lock().unwrap().clone();
    acked
}

async fn crash_mid_compensation(db: Option<String>) {
    let dir = TempDir::new().unwrap();
    let key = FieldCipher::generate_secret();
    let fixture = {
        let state =
            AppState::new(support::open(&db, &dir, &key).await, Policy::default_policy(), Arc::new(SystemClock));
        let f = clearcast_server::fixture::seed_flash_sale(&state, COMPLAINTS, COMPLAINTS as i64).await.expect("seed");
        let fund = Transfer {
            id: TransferId::try_from("crash-pool-funding".to_string()).unwrap(),
            debit: AccountCode::platform(AccountKind::ExternalCash),
            credit: AccountCode::platform(AccountKind::GuaranteePool),
            amount: 100_000_000,
            currency: Currency::CNY,
            kind: TransferKind::Funding,
            reference: None,
            at: chrono::Utc::now(),
        };
        state.store.post_transfers(vec![fund]).await.unwrap().unwrap();
        f
    };

    // Every buyer orders, pays and complains; the seller answers; an operator takes each up.
    let (mut child, base) = support::serve(&db, &dir, &key);
    let client = reqwest::Client::new();
    let (op, mer) = (login(&client, &base, "bench-op").await, login(&client, &base, "bench-mer").await);
    let mut complaints = Vec::new();
    for token in &fixture.tokens {
        let order = json!({"show_id": fixture.show_id, "product_id": fixture.product_id, "quantity": 1,
                           "shipping": {"name": "买家", "phone": "13800000000", "address": "杭州"}});
        let (st, o) = call(&client, &base, token, "/api/v1/orders", order).await;
        assert_eq!(st, 201, "{o}");
        let oid = o["id"].as_str().unwrap();
        assert_eq!(call(&client, &base, token, &format!("/api/v1/orders/{oid}/pay"), json!({})).await.0, 200);
        let file = json!({"order_id": oid, "category": "counterfeit", "description": "假货", "evidence": []});
        let (st, c) = call(&client, &base, token, "/api/v1/complaints", file).await;
        assert_eq!(st, 201, "{c}");
        complaints.push(c["id"].as_str().unwrap().to_string());
    }
    for id in &complaints {
        let (st, b) =
            call(&client, &base, &mer, &format!("/api/v1/complaints/{id}/response"), json!({"text": "核实中"})).await;
        assert_eq!(st, 200, "{b}");
        assert_eq!(call(&client, &base, &op, &format!("/api/v1/complaints/{id}/review"), json!({})).await.0, 200);
    }

    let acked = adjudicate_all(&base, &op, &complaints, Some((20, &mut child))).await;
    assert!(!acked.is_empty(), "the server was killed before any decision was acknowledged");
    assert!(acked.len() < COMPLAINTS, "the kill came after every decision; nothing was tested");

    // After the crash: all or nothing per complaint, nothing acknowledged lost, the books balance.
    let store = support::open(&db, &dir, &key).await;
    let ids = transfer_ids(store.as_ref()).await;
    let total: i64 = store.ledger_balances().await.unwrap().iter().map(|b| b.1).sum();
    assert_eq!(total, 0, "the trial balance after the crash");
    let mut decided = 0;
    for id in &complaints {
        let c = store.get_complaint(id.parse::<ComplaintId>().unwrap()).await.unwrap().unwrap();
        let prefix = format!("complaint:{}:", c.id.uuid().simple());
        let mine: HashSet<&String> = ids.iter().filter(|t| t.starts_with(&prefix)).collect();
        match c.status {
            ComplaintStatus::Compensated => {
                decided += 1;
                assert!(c.transfers.len() >= 3, "pay, out and at least one recovery: {:?}", c.transfers);
                let listed: HashSet<&String> = c.transfers.iter().collect();
                assert_eq!(mine, listed, "complaint {id}: its transfers are exactly those it lists");
                let order = store.get_order(c.order.unwrap()).await.unwrap().unwrap();
                assert_eq!(order.status, OrderStatus::Refunded);
            }
            ComplaintStatus::UnderReview => {
                assert!(!acked.contains(id), "acknowledged decision on {id} was lost");
                assert!(mine.is_empty(), "complaint {id} is undecided but money moved: {mine:?}");
            }
            other => panic!("complaint {id} is {other:?}"),
        }
    }
    assert!(decided >= acked.len());
    drop(store);

    // A second server on the same data; the operator retries every decision.
    let (mut child, base) = support::serve(&db, &dir, &key);
    let op = login(&client, &base, "bench-op").await;
    let second = adjudicate_all(&base, &op, &complaints, None).await;
    assert_eq!(second.len(), COMPLAINTS - decided, "the retry decides exactly the undecided ones");
    child.kill().unwrap();
    child.wait().unwrap();

    let store = support::open(&db, &dir, &key).await;
    let total: i64 = store.ledger_balances().await.unwrap().iter().map(|b| b.1).sum();
    assert_eq!(total, 0, "the trial balance after the retry");
    let mut shortfalls = 0;
    for id in &complaints {
        let c = store.get_complaint(id.parse::<ComplaintId>().unwrap()).await.unwrap().unwrap();
        assert_eq!(c.status, ComplaintStatus::Compensated, "{id}");
        let owed = c.decision.as_ref().unwrap().compensation.as_ref().unwrap().total;
        assert_eq!(owed, 50_000, "counterfeit at ¥9.90: the ¥500 floor");
        let payable = AccountCode { kind: AccountKind::ConsumerRefundPayable, owner: Owner::Consumer(c.consumer) };
        let paid: Vec<(TransferKind, i64)> = store
            .account_transfers(&payable, 0, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|(_, t)| (t.kind, t.amount))
            .collect();
        assert_eq!(paid, [(TransferKind::Compensation, owed), (TransferKind::Payout, owed)], "{id} paid once");
        shortfalls += c.transfers.iter().filter(|t| t.contains(":short:")).count();
    }
    assert!(shortfalls > 0, "the deposits ran out and receivables were booked");
    let ids = transfer_ids(store.as_ref()).await;
    let pays = ids.iter().filter(|t| t.starts_with("complaint:") && t.ends_with(":pay")).count();
    assert_eq!(pays, COMPLAINTS, "one payment per complaint in the whole ledger");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_compensation_is_all_or_nothing_across_kill_9_on_sqlite() {
    crash_mid_compensation(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_compensation_is_all_or_nothing_across_kill_9_on_postgres() {
    let Some(base) = clearcast_store::testing::pg_url() else { return };
    let url = clearcast_store::testing::create_database(&base, "clearcast_test").await.unwrap();
    crash_mid_compensation(Some(url)).await;
}

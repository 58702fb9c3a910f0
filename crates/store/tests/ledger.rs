//! The ledger on both backends, held to the domain's reference model: the same batches give the
//! same outcomes and the same balances; the trial balance is zero; a batch posted many times at
//! once is applied once; transfers cannot be changed.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use chrono::{DateTime, Utc};
use clearcast_domain::ids::MerchantId;
use clearcast_domain::ledger::{AccountCode, AccountKind, Ledger, Posted, Transfer, TransferId, TransferKind};
use clearcast_domain::money::Currency;
use clearcast_store::{testing, LedgerStore, Store};

fn at() -> DateTime<Utc> {
    // Whole microseconds: what PostgreSQL keeps.
    DateTime::parse_from_rfc3339("2026-12-01T08:00:00.123456Z").unwrap().with_timezone(&Utc)
}

fn tr(id: String, debit: AccountCode, credit: AccountCode, amount: i64, kind: TransferKind) -> Transfer {
    Transfer {
        id: TransferId::try_from(id).unwrap(),
        debit,
        credit,
        amount,
        currency: Currency::CNY,
        kind,
        reference: Some("test".into()),
        at: at(),
    }
}

struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

fn outcome(r: &Result<Posted, clearcast_domain::ledger::LedgerError>) -> String {
    match r {
        Ok(Posted::Applied(v)) => format!("applied {}", v.len()),
        Ok(Posted::Replayed(v)) => format!("replayed {}", v.len()),
        Err(e) => e.code().to_string(),
    }
}

async fn matches_the_model(store: Arc<dyn Store>) {
    let cash = AccountCode::platform(AccountKind::ExternalCash);
    let pool = AccountCode::platform(AccountKind::GuaranteePool);
    let escrow = AccountCode::platform(AccountKind::Escrow);
    let ms: Vec<MerchantId> = (0..4).map(|_| MerchantId::generate()).collect();
    let dep = |i: usize| AccountCode::merchant(AccountKind::MerchantDeposit, ms[i]);
    let recv = |i: usize| AccountCode::merchant(AccountKind::Receivable, ms[i]);
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let mut model = Ledger::default();
    let mut history: Vec<Vec<Transfer>> = Vec::new();
    let mut n = 0;
    for _round in 0..40 {
        let mut group: Vec<Vec<Transfer>> = Vec::new();
        for _ in 0..1 + rng.below(12) {
            n += 1;
            let m = rng.below(4) as usize;
            let a = 1 + rng.below(50_000) as i64;
            let b = match rng.below(9) {
                0 | 1 => vec![tr(format!("{n}-d"), cash, dep(m), a, TransferKind::Deposit)],
                2 => vec![tr(format!("{n}-p"), cash, escrow, a, TransferKind::Payment)],
                3 => vec![
                    tr(format!("{n}-f"), cash, pool, a, TransferKind::Funding),
                    tr(format!("{n}-r"), dep(m), pool, a, TransferKind::Recovery),
                ],
                4 => vec![tr(format!("{n}-s"), recv(m), pool, a, TransferKind::Shortfall)],
                5 if !history.is_empty() => history[rng.below(history.len() as u64) as usize].clone(),
                // The same request twice in one commit, and an id reused for a different transfer.
                6 if !group.is_empty() => group[rng.below(group.len() as u64) as usize].clone(),
                7 if !history.is_empty() => {
                    let mut b = history[rng.below(history.len() as u64) as usize].clone();
                    b[0].amount += 1;
                    b
                }
                _ => vec![tr(format!("{n}-x"), escrow, cash, a, TransferKind::Refund)],
            };
            group.push(b);
        }
        let got = store.post_batches(&group).await.unwrap();
        assert_eq!(got.len(), group.len());
        for (b, g) in group.iter().zip(&got) {
            let want = model.post(b.clone());
            assert_eq!(outcome(g), outcome(&want), "batch {:?}", b.iter().map(|t| t.id.as_str()).collect::<Vec<_>>());
            if let (Ok(Posted::Replayed(x)), Ok(Posted::Replayed(y))) = (g, &want) {
                assert_eq!(x, y, "a replay returns the originals");
            }
            if matches!(g, Ok(Posted::Applied(_))) {
                history.push(b.clone());
            }
        }
    }
    let balances = store.ledger_balances().await.unwrap();
    assert_eq!(balances.iter().map(|(_, b)| b).sum::<i64>(), 0, "trial balance");
    for (a, b) in &balances {
        assert_eq!(*b, model.balance(a), "{a}");
        assert!(*b >= 0 || a.kind.may_be_negative(), "{a} at {b}");
    }
    assert_eq!(store.ledger_transfer_count().await.unwrap(), model.len() as u64);
    let dep0 = store.account_transfers(&dep(0), 0, 1000).await.unwrap();
    assert!(dep0.iter().all(|(_, t)| t.debit == dep(0) || t.credit == dep(0)));
    assert!(dep0.windows(2).all(|w| w[0].0 < w[1].0));
}

/// A withdrawal retried after the money is gone is a replay (the original), not a refusal.
async fn a_replay_that_could_not_pass_again_is_still_a_replay(store: Arc<dyn Store>) {
    let cash = AccountCode::platform(AccountKind::ExternalCash);
    let dep = AccountCode::merchant(AccountKind::MerchantDeposit, MerchantId::generate());
    let top = tr("top".into(), cash, dep, 5_000, TransferKind::Deposit);
    let out = tr("out".into(), dep, cash, 5_000, TransferKind::Refund);
    assert!(matches!(store.post_transfers(vec![top]).await.unwrap(), Ok(Posted::Applied(_))));
    assert!(matches!(store.post_transfers(vec![out.clone()]).await.unwrap(), Ok(Posted::Applied(_))));
    // Alone, and inside a group beside fresh requests.
    match store.post_transfers(vec![out.clone()]).await.unwrap() {
        Ok(Posted::Replayed(v)) => assert_eq!(v, vec![out.clone()]),
        other => panic!("{other:?}"),
    }
    let fresh = tr("top-2".into(), cash, dep, 700, TransferKind::Deposit);
    let got = store.post_batches(&[vec![fresh], vec![out.clone()]]).await.unwrap();
    assert!(matches!(got[0], Ok(Posted::Applied(_))), "{:?}", got[0]);
    assert!(matches!(got[1], Ok(Posted::Replayed(_))), "{:?}", got[1]);
    assert_eq!(store.ledger_balance(&dep).await.unwrap(), 700);
}

async fn one_batch_posted_at_once_applies_once(store: Arc<dyn Store>) {
    let cash = AccountCode::platform(AccountKind::ExternalCash);
    let m = MerchantId::generate();
    let dep = AccountCode::merchant(AccountKind::MerchantDeposit, m);
    let batch = vec![
        tr("top-up-1".into(), cash, dep, 100_000, TransferKind::Deposit),
        tr("top-up-1-fee".into(), dep, AccountCode::platform(AccountKind::PlatformRevenue), 500, TransferKind::Funding),
    ];
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (s, b) = (store.clone(), batch.clone());
        tasks.push(tokio::spawn(async move { s.post_transfers(b).await.unwrap() }));
    }
    let mut applied = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(Posted::Applied(_)) => applied += 1,
            Ok(Posted::Replayed(v)) => assert_eq!(v.len(), 2),
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(applied, 1);
    assert_eq!(store.ledger_balance(&dep).await.unwrap(), 99_500);
}

#[tokio::test]
async fn the_ledger_matches_the_model_on_sqlite() {
    let (s, _dir) = testing::fresh_sqlite().await.unwrap();
    matches_the_model(Arc::new(s)).await;
}

#[tokio::test]
async fn the_ledger_matches_the_model_on_postgres() {
    let Some((s, _url)) = testing::fresh_postgres().await.unwrap() else { return };
    matches_the_model(Arc::new(s)).await;
}

#[tokio::test]
async fn concurrent_replays_apply_once_on_sqlite() {
    let (s, _dir) = testing::fresh_sqlite().await.unwrap();
    one_batch_posted_at_once_applies_once(Arc::new(s)).await;
}

#[tokio::test]
async fn concurrent_replays_apply_once_on_postgres() {
    let Some((s, _url)) = testing::fresh_postgres().await.unwrap() else { return };
    one_batch_posted_at_once_applies_once(Arc::new(s)).await;
}

#[tokio::test]
async fn transfers_cannot_be_changed_or_removed() {
    use sqlx::Connection;
    let (s, dir) = testing::fresh_sqlite().await.unwrap();
    let cash = AccountCode::platform(AccountKind::ExternalCash);
    let pool = AccountCode::platform(AccountKind::GuaranteePool);
    s.post_transfers(vec![tr("fund-1".into(), cash, pool, 10, TransferKind::Funding)]).await.unwrap().unwrap();
    let mut c =
        sqlx::SqliteConnection::connect(&format!("sqlite://{}", dir.path.join("test.db").display())).await.unwrap();
    for sql in ["UPDATE ledger_transfers SET amount = 1", "DELETE FROM ledger_transfers"] {
        assert!(sqlx::query(sql).execute(&mut c).await.is_err(), "{sql}");
    }
    // And the database itself refuses a negative deposit, whatever the application does.
    let d = AccountCode::merchant(AccountKind::MerchantDeposit, MerchantId::generate());
    let insert = format!(
        "INSERT INTO ledger_accounts (code, kind, currency, balance) VALUES ('{d}', 'merchant_deposit', 'CNY', -1)"
    );
    assert!(sqlx::query(&insert).execute(&mut c).await.is_err());
}

#[tokio::test]
async fn a_spent_replay_replays_on_sqlite() {
    let (s, _dir) = testing::fresh_sqlite().await.unwrap();
    a_replay_that_could_not_pass_again_is_still_a_replay(Arc::new(s)).await;
}

#[tokio::test]
async fn a_spent_replay_replays_on_postgres() {
    let Some((s, _url)) = testing::fresh_postgres().await.unwrap() else { return };
    a_replay_that_could_not_pass_again_is_still_a_replay(Arc::new(s)).await;
}

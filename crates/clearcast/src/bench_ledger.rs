//! `clearcast bench ledger`: transfers per second through the store's ledger API, in process
//! (no HTTP), with group commit — many independent single-transfer requests checked and written
//! in one database transaction — against one transaction per transfer, in the same run, on a
//! fresh SQLite file (or a fresh PostgreSQL database with `--database-url`).
//!
//! The traffic: payments into escrow, settlements from escrow to a thousand merchants' payables,
//! deposit top-ups, recoveries from deposits into the guarantee pool, each with its own
//! idempotency id, in the proportions of a busy day. Every transfer is durable (the store's
//! normal synchronous commit) before its outcome is counted. At the end the trial balance is
//! checked: it must be zero, and the transfer count must equal what was applied.

use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Result};
use chrono::Utc;
use clearcast_domain::ids::MerchantId;
use clearcast_domain::ledger::{AccountCode, AccountKind, Posted, Transfer, TransferId, TransferKind};
use clearcast_domain::money::Currency;
use clearcast_store::Store;
use serde::Serialize;

use crate::bench::Rng;

/// Options.
#[derive(clap::Args, Clone)]
pub struct LedgerBenchArgs {
    /// Transfers in the batched phase.
    #[arg(long, default_value_t = 200_000)]
    pub transfers: usize,
    /// Transfers in the one-transaction-per-transfer phase (it is slow).
    #[arg(long, default_value_t = 5_000)]
    pub per_transfer: usize,
    /// Requests committed together in the batched phase (a busy platform's queue depth: the
    /// larger, the fewer commits, the longer one request waits).
    #[arg(long, default_value_t = 20_000)]
    pub group: usize,
    /// A PostgreSQL server (a fresh database is created on it); default: a temporary SQLite file.
    #[arg(long)]
    pub database_url: Option<String>,
    /// One JSON object on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// The figures.
#[derive(Debug, Serialize)]
pub struct Report {
    /// `sqlite` or `postgres`.
    pub store: String,
    /// Transfers per second, group commit.
    pub batched_per_s: f64,
    /// Transfers per second, one transaction each.
    pub per_transfer_per_s: f64,
    /// batched / per-transfer.
    pub ratio: f64,
    /// Median time of one group commit, milliseconds (what a request waits at most, roughly).
    pub group_commit_ms: f64,
    /// Transfers applied in the batched phase.
    pub applied: usize,
    /// Refused (a deposit would have gone negative): checked, not applied.
    pub refused: usize,
    /// Sum of all balances afterwards (must be 0).
    pub trial_balance: i64,
}

fn traffic(n: usize, prefix: &str, merchants: &[MerchantId], rng: &mut Rng) -> Result<Vec<Transfer>> {
    let cash = AccountCode::platform(AccountKind::ExternalCash);
    let escrow = AccountCode::platform(AccountKind::Escrow);
    let pool = AccountCode::platform(AccountKind::GuaranteePool);
    let at = Utc::now();
    (0..n)
        .map(|i| {
            let m = merchants[rng.below(merchants.len() as u64) as usize];
            let amount = 100 + rng.below(50_000) as i64;
            let (debit, credit, kind) = match rng.below(10) {
                0..=3 => (cash, escrow, TransferKind::Payment),
                4..=6 => (escrow, AccountCode::merchant(AccountKind::MerchantPayable, m), TransferKind::Settlement),
                7 | 8 => (cash, AccountCode::merchant(AccountKind::MerchantDeposit, m), TransferKind::Deposit),
                _ => (AccountCode::merchant(AccountKind::MerchantDeposit, m), pool, TransferKind::Recovery),
            };
            Ok(Transfer {
                id: TransferId::try_from(format!("{prefix}-{i}")).map_err(|e| anyhow::anyhow!(e))?,
                debit,
                credit,
                amount,
                currency: Currency::CNY,
                kind,
                reference: None,
                at,
            })
        })
        .collect()
}

async fn open(args: &LedgerBenchArgs, dir: &std::path::Path) -> Result<Arc<dyn Store>> {
    crate::bench::fresh_store_args(args.database_url.as_deref(), dir).await?.open().await
}

/// Runs the benchmark and prints the report.
pub async fn run(args: LedgerBenchArgs) -> Result<()> {
    if args.transfers == 0 || args.per_transfer == 0 || args.group == 0 {
        bail!("--transfers, --per-transfer and --group must be at least 1");
    }
    let dir = clearcast_store::testing::TempDir::new().map_err(|e| anyhow::anyhow!("{e}"))?;
    let store = open(&args, &dir.path).await?;
    let merchants: Vec<MerchantId> = (0..1000).map(|_| MerchantId::generate()).collect();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);

    // Warm-up: every account exists and escrow holds money, as on a running platform.
    let warm = traffic(20_000, "warm", &merchants, &mut rng)?;
    for chunk in warm.chunks(args.group) {
        let batches: Vec<Vec<Transfer>> = chunk.iter().map(|t| vec![t.clone()]).collect();
        store.post_batches(&batches).await?;
    }

    let work = traffic(args.transfers, "b", &merchants, &mut rng)?;
    let (mut applied, mut refused) = (0usize, 0usize);
    let mut commits = Vec::new();
    let t = Instant::now();
    for chunk in work.chunks(args.group) {
        let batches: Vec<Vec<Transfer>> = chunk.iter().map(|t| vec![t.clone()]).collect();
        let c = Instant::now();
        let outcomes = store.post_batches(&batches).await?;
        commits.push(c.elapsed().as_secs_f64() * 1e3);
        for r in outcomes {
            match r {
                Ok(Posted::Applied(v)) => applied += v.len(),
                Ok(Posted::Replayed(_)) => bail!("a fresh id was taken for a replay"),
                Err(_) => refused += 1,
            }
        }
    }
    // Only applied transfers count; refusals (a recovery a deposit could not cover) were checked
    // and written nowhere.
    let batched = applied as f64 / t.elapsed().as_secs_f64();

    let one = traffic(args.per_transfer, "s", &merchants, &mut rng)?;
    let mut applied_one = 0usize;
    let t = Instant::now();
    for tr in one {
        match store.post_transfers(vec![tr]).await? {
            Ok(Posted::Applied(_)) => applied_one += 1,
            Ok(Posted::Replayed(_)) => bail!("a fresh id was taken for a replay"),
            Err(_) => {}
        }
    }
    let per = args.per_transfer as f64 / t.elapsed().as_secs_f64();

    let trial: i64 = store.ledger_balances().await?.iter().map(|(_, b)| b).sum();
    let count = store.ledger_transfer_count().await? as usize;
    if trial != 0 || count < applied + applied_one {
        bail!("the ledger does not add up: trial balance {trial}, {count} transfers stored, {applied} applied");
    }
    let report = Report {
        store: store.backend().to_string(),
        batched_per_s: batched,
        per_transfer_per_s: per,
        ratio: batched / per.max(1e-9),
        group_commit_ms: {
            commits.sort_by(|a, b| a.total_cmp(b));
            commits.get(commits.len() / 2).copied().unwrap_or(0.0)
        },
        applied,
        refused,
        trial_balance: trial,
    };
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!(
            "ledger — {} transfers through the store API in process, {} per group commit, {} store",
            args.transfers, args.group, report.store
        );
        println!(
            "{:<40} {:>12.0} transfers/s  ({:.1} ms per commit, median)",
            "group commit", report.batched_per_s, report.group_commit_ms
        );
        println!("{:<40} {:>12.0} transfers/s", "one transaction per transfer", report.per_transfer_per_s);
        println!(
            "group commit = {:.1} × per-transfer; {} applied, {} refused (not counted); trial balance {}",
            report.ratio, report.applied, report.refused, report.trial_balance
        );
        println!(
            "target >= 100,000 transfers/s batched: {}",
            if report.batched_per_s >= 100_000.0 { "met" } else { "not met" }
        );
    }
    Ok(())
}

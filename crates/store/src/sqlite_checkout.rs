//! The SQLite checkout writer: one thread that owns its own connection to the database file and
//! runs a whole checkout batch — reads, decision, stock update, order inserts, commit — without
//! leaving the thread.
//!
//! Why: through sqlx every statement is a round trip to its connection's worker thread, and a
//! batch takes about ten of them (begin, lookups, stock, update, inserts, commit). On a machine
//! whose cores also run the HTTP server, each hop waits to be scheduled, so a batch of a few dozen
//! orders took milliseconds of waiting for microseconds of work. Here a batch is one hop in and
//! one out. The connection is an ordinary second connection to the same WAL database with the same
//! settings (`synchronous=FULL`: an acknowledged order survives power loss); `BEGIN IMMEDIATE`
//! takes the single write lock, so it and the sqlx writer never interleave inside a transaction.

use std::collections::hash_map::Entry;
use std::collections::HashSet;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use clearcast_domain::ids::{AccountId, OrderId, VariantId};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use tokio::sync::oneshot;

use crate::checkout_batch::{decide, Holdings};
use crate::error::StoreError;
use crate::{PlaceOutcome, PlaceRequest};

type Reply = oneshot::Sender<Result<Vec<PlaceOutcome>, StoreError>>;

/// One order as its row: built on the caller's side (the JSON document is serialised there).
struct Row {
    id: String,
    consumer: String,
    merchant: String,
    product: String,
    variant: String,
    quantity: i64,
    total: i64,
    currency: &'static str,
    show: Option<String>,
    status: &'static str,
    placed_at: String,
    updated_at: String,
    doc: std::sync::Arc<str>,
}

struct Job {
    batch: Vec<PlaceRequest>,
    rows: Vec<Row>,
    reply: Reply,
}

/// The handle to the writer thread; dropping it ends the thread after its current batch.
pub(crate) struct SqliteCheckout {
    jobs: mpsc::Sender<Job>,
}

fn db_err(e: rusqlite::Error) -> StoreError {
    match e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::DatabaseBusy => {
            StoreError::Unavailable(e.to_string())
        }
        _ => StoreError::Database(e.to_string()),
    }
}

fn time(t: chrono::DateTime<chrono::Utc>) -> String {
    // The text sqlx writes for a timestamp, so both connections' rows read back the same.
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
}

impl SqliteCheckout {
    /// Opens the connection and starts the thread.
    pub(crate) fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open(path).map_err(db_err)?;
        conn.busy_timeout(Duration::from_secs(5)).map_err(db_err)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536;",
        )
        .map_err(db_err)?;
        let (jobs, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("checkout-writer".into())
            .spawn(move || {
                let mut conn = conn;
                while let Ok(job) = rx.recv() {
                    let out = run(&mut conn, &job.batch, &job.rows);
                    // The caller may have gone (its request was cancelled); the batch stands.
                    let _ = job.reply.send(out);
                }
            })
            .map_err(|e| StoreError::Database(format!("cannot start the checkout writer: {e}")))?;
        Ok(Self { jobs })
    }

    /// Runs one batch on the writer thread and waits for its commit.
    pub(crate) async fn place(&self, batch: &[PlaceRequest]) -> Result<Vec<PlaceOutcome>, StoreError> {
        self.submit(batch.to_vec()).await.map_err(|_| StoreError::Unavailable("the checkout writer stopped".into()))?
    }

    /// Queues one batch on the writer thread; the receiver answers once it committed. Queued
    /// before this returns, so batches run in the order they were submitted.
    pub(crate) fn submit(&self, batch: Vec<PlaceRequest>) -> crate::CheckoutTicket {
        let (reply, answer) = oneshot::channel();
        let rows = match batch.iter().map(row).collect::<Result<Vec<_>, _>>() {
            Ok(rows) => rows,
            Err(e) => {
                let _ = reply.send(Err(e));
                return answer;
            }
        };
        if let Err(mpsc::SendError(job)) = self.jobs.send(Job { batch, rows, reply }) {
            let _ = job.reply.send(Err(StoreError::Unavailable("the checkout writer stopped".into())));
        }
        answer
    }
}

fn row(req: &PlaceRequest) -> Result<Row, StoreError> {
    let o = &req.order;
    Ok(Row {
        id: o.id.to_string(),
        consumer: o.consumer.to_string(),
        merchant: o.merchant.to_string(),
        product: o.product.to_string(),
        variant: o.variant.to_string(),
        quantity: i64::from(o.quantity),
        total: o.total.minor,
        currency: o.total.currency.code(),
        show: o.show.map(|s| s.to_string()),
        status: o.status.as_str(),
        placed_at: time(o.placed_at),
        updated_at: time(o.updated_at),
        doc: req.doc().clone(),
    })
}

fn parse<T: std::str::FromStr>(s: &str) -> Result<T, StoreError>
where
    T::Err: std::fmt::Display,
{
    s.parse::<T>().map_err(StoreError::corrupt)
}

fn run(conn: &mut Connection, batch: &[PlaceRequest], rows: &[Row]) -> Result<Vec<PlaceOutcome>, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db_err)?;
    let mut h = Holdings::default();
    {
        let mut by_key = tx
            .prepare_cached("SELECT id FROM orders WHERE consumer_id = ?1 AND idempotency_key = ?2")
            .map_err(db_err)?;
        let mut held = tx
            .prepare_cached(
                "SELECT COALESCE(SUM(quantity), 0) FROM orders WHERE show_id = ?1 AND product_id = ?2 \
                 AND consumer_id = ?3 AND status <> 'cancelled'",
            )
            .map_err(db_err)?;
        let mut stock = tx.prepare_cached("SELECT stock FROM variants WHERE id = ?1").map_err(db_err)?;
        let mut seen_variants: HashSet<VariantId> = HashSet::new();
        for (req, r) in batch.iter().zip(rows) {
            let o = &req.order;
            if let Some(k) = &req.idempotency_key {
                if let Entry::Vacant(e) = h.known.entry((o.consumer, k.clone())) {
                    let id: Option<String> =
                        by_key.query_row(params![r.consumer, k], |x| x.get(0)).optional().map_err(db_err)?;
                    if let Some(id) = id {
                        e.insert(parse::<OrderId>(&id)?);
                    }
                }
            }
            if let (Some(_), Some(show)) = (req.limit, o.show) {
                let key: (AccountId, _, _) = (o.consumer, show, o.product);
                if let Entry::Vacant(e) = h.held.entry(key) {
                    let n: i64 =
                        held.query_row(params![r.show, r.product, r.consumer], |x| x.get(0)).map_err(db_err)?;
                    e.insert(n);
                }
            }
            if seen_variants.insert(o.variant) {
                let n: Option<i64> = stock.query_row(params![r.variant], |x| x.get(0)).optional().map_err(db_err)?;
                h.stock.insert(o.variant, n.unwrap_or(0));
            }
        }
    }
    let decided = decide(batch, h);
    {
        let mut update = tx
            .prepare_cached("UPDATE variants SET stock = ?1 WHERE id = ?2 AND stock = ?3 AND ?1 >= 0")
            .map_err(db_err)?;
        for (v, before, left) in &decided.stock_moves {
            if update.execute(params![left, v.to_string(), before]).map_err(db_err)? != 1 {
                return Err(StoreError::Database(format!("stock of {v} changed during the batch")));
            }
        }
        let mut insert = tx
            .prepare_cached(
                "INSERT INTO orders (id, consumer_id, merchant_id, product_id, variant_id, quantity, total_minor, \
                 currency, show_id, status, idempotency_key, placed_at, updated_at, doc) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )
            .map_err(db_err)?;
        for i in &decided.placed {
            let (req, r) = (&batch[*i], &rows[*i]);
            insert
                .execute(params![
                    r.id,
                    r.consumer,
                    r.merchant,
                    r.product,
                    r.variant,
                    r.quantity,
                    r.total,
                    r.currency,
                    r.show,
                    r.status,
                    req.idempotency_key,
                    r.placed_at,
                    r.updated_at,
                    &*r.doc
                ])
                .map_err(db_err)?;
        }
    }
    tx.commit().map_err(db_err)?;
    Ok(decided.outcomes)
}

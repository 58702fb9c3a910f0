//! The checkout engine: orders are placed in batches, one durable transaction per batch (group
//! commit). A single worker takes the first waiting order, drains whatever else is waiting (up to
//! [`MAX_BATCH`]) and commits them together, first come first served; while a commit runs, the
//! next batch gathers (and, where the store queues batches itself, is handed over at once, so the
//! store never idles between commits). Every buyer hears back only after the commit that holds
//! the order.
//!
//! The queue is bounded: when it is full the caller answers 503 with `Retry-After` instead of
//! letting memory and latency grow. `per-order` mode (one transaction per order) is kept for
//! comparison in the benchmark.

use std::sync::Arc;

use clearcast_store::{PlaceOutcome, PlaceRequest, Store, StoreError};
use tokio::sync::{mpsc, oneshot, Semaphore};

use crate::error::ApiError;

/// Most orders committed in one transaction.
pub const MAX_BATCH: usize = 512;
/// Orders that may wait for the engine before new ones are refused with 503.
pub const QUEUE_CAPACITY: usize = 8192;

/// How orders are committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Group commit through the engine.
    #[default]
    Batched,
    /// One transaction per order (the textbook design, for comparison).
    PerOrder,
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "batched" => Ok(Mode::Batched),
            "per-order" => Ok(Mode::PerOrder),
            other => Err(format!("unknown checkout mode `{other}` (batched or per-order)")),
        }
    }
}

struct Job {
    req: PlaceRequest,
    reply: oneshot::Sender<Result<PlaceOutcome, ApiError>>,
}

/// The engine handle (cheap to clone).
#[derive(Clone)]
pub struct Checkout {
    mode: Mode,
    store: Arc<dyn Store>,
    queue: Option<mpsc::Sender<Job>>,
}

impl Checkout {
    /// Starts the engine (spawns its worker in batched mode).
    pub fn start(store: Arc<dyn Store>, mode: Mode) -> Self {
        let queue = (mode == Mode::Batched).then(|| {
            let (tx, rx) = mpsc::channel(QUEUE_CAPACITY);
            tokio::spawn(worker(store.clone(), rx));
            tx
        });
        Self { mode, store, queue }
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Places one order and waits for its commit.
    pub async fn place(&self, req: PlaceRequest) -> Result<PlaceOutcome, ApiError> {
        let Some(queue) = &self.queue else {
            let mut out = self.store.place_orders(std::slice::from_ref(&req)).await?;
            return out.pop().ok_or_else(|| ApiError::internal("empty batch result"));
        };
        let (reply, rx) = oneshot::channel();
        queue.try_send(Job { req, reply }).map_err(|_| {
            ApiError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "checkout_busy",
                "too many orders are waiting; retry in a moment",
            )
        })?;
        rx.await.map_err(|_| ApiError::internal("the checkout engine stopped"))?
    }
}

/// Batches handed to a store with its own commit queue before the first of them committed: one
/// committing, one waiting its turn, so the writer never idles while the engine gathers.
const PIPELINE_DEPTH: usize = 2;

async fn worker(store: Arc<dyn Store>, mut rx: mpsc::Receiver<Job>) {
    let slots = Arc::new(Semaphore::new(PIPELINE_DEPTH));
    while let Some(first) = rx.recv().await {
        // Waiting for a slot lets the batch grow with the orders that arrive meanwhile.
        let Ok(slot) = slots.clone().acquire_owned().await else { return };
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let (reqs, replies): (Vec<PlaceRequest>, Vec<_>) = jobs.into_iter().map(|j| (j.req, j.reply)).unzip();
        // A store that queues batches itself takes this one now (so batches keep their order)
        // and the engine gathers the next while it commits; any other store is waited for, one
        // batch at a time, since its transactions could otherwise run side by side.
        let reqs = match store.submit_orders(reqs) {
            Ok(ticket) => {
                tokio::spawn(async move {
                    let result = ticket
                        .await
                        .unwrap_or_else(|_| Err(StoreError::Unavailable("the checkout writer stopped".into())));
                    answer(replies, result);
                    drop(slot);
                });
                continue;
            }
            Err(reqs) => reqs,
        };
        let result = store.place_orders(&reqs).await;
        answer(replies, result);
        drop(slot);
    }
}

/// Tells every buyer of a batch what happened to their order.
fn answer(
    replies: Vec<oneshot::Sender<Result<PlaceOutcome, ApiError>>>,
    result: Result<Vec<PlaceOutcome>, StoreError>,
) {
    match result {
        Ok(outcomes) => {
            for (reply, outcome) in replies.into_iter().zip(outcomes) {
                let _ = reply.send(Ok(outcome));
            }
        }
        Err(e) => {
            // Nothing of the batch was committed; every buyer hears the same failure.
            let err = ApiError::from(e);
            for reply in replies {
                let _ = reply.send(Err(err.clone()));
            }
        }
    }
}

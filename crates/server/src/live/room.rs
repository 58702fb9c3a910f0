//! One live show's room on this node.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::ws::Utf8Bytes;
use clearcast_domain::ids::ShowId;
use clearcast_domain::live::{Audience, Event, Kind, RoomState};
use serde_json::{Map, Value};
use tokio::sync::broadcast;

/// An event as sent: its number, who may see it, and its JSON text (shared by every connection).
#[derive(Debug, Clone)]
pub struct Frame {
    /// The show's sequence number.
    pub seq: u64,
    /// Who sees it.
    pub audience: Audience,
    /// The frame.
    pub text: Utf8Bytes,
}

/// Frames sent together: every connection writes a bundle with one flush (one system call), so
/// at a hundred events a second a viewer costs a few writes a second, not a hundred.
pub type Bundle = Arc<Vec<Frame>>;

struct Inner {
    seq: u64,
    state: RoomState,
    pending: Vec<Frame>,
}

/// A room.
pub struct Room {
    show: ShowId,
    tx: broadcast::Sender<Bundle>,
    inner: Mutex<Inner>,
    watching: AtomicUsize,
    batch: Duration,
}

/// Wall-clock milliseconds since the epoch (the `ts` of a frame: when the server sent it).
pub fn now_ms() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| (d.as_micros() as f64) / 1000.0)
}

fn frame(kind: Kind, seq: u64, show: ShowId, body: &Map<String, Value>) -> Utf8Bytes {
    let mut m = Map::with_capacity(body.len() + 4);
    m.insert("type".into(), kind.as_str().into());
    m.insert("seq".into(), seq.into());
    m.insert("ts".into(), now_ms().into());
    m.insert("show_id".into(), show.to_string().into());
    for (k, v) in body {
        m.insert(k.clone(), v.clone());
    }
    Value::Object(m).to_string().into()
}

impl Room {
    /// A room holding `state`, whose connections may fall `queue` bundles behind, sending what
    /// happened every `batch`.
    pub fn new(show: ShowId, state: RoomState, queue: usize, batch: Duration, start_seq: u64) -> Self {
        let (tx, _) = broadcast::channel(queue.max(1));
        let inner = Inner { seq: start_seq, state, pending: Vec::new() };
        Self { show, tx, inner: Mutex::new(inner), watching: AtomicUsize::new(0), batch }
    }

    /// Numbers (unless the relay did), applies and queues an event for the next bundle. An event
    /// the relay numbered at or below what this room has seen is a duplicate and is dropped.
    pub fn deliver(self: &Arc<Self>, seq: Option<u64>, e: &Event) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let seq = match seq {
            Some(s) if s <= inner.seq => return,
            Some(s) => s,
            None => inner.seq + 1,
        };
        inner.seq = seq;
        inner.state.apply(e);
        let first = inner.pending.is_empty();
        inner.pending.push(Frame { seq, audience: e.audience, text: frame(e.kind, seq, self.show, &e.body) });
        if first {
            // One flush per batch window, scheduled only when something waits: an idle room
            // costs nothing.
            let room = Arc::downgrade(self);
            let wait = self.batch;
            tokio::spawn(async move {
                tokio::time::sleep(wait).await;
                if let Some(r) = room.upgrade() {
                    r.flush();
                }
            });
        }
    }

    fn flush(&self) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if inner.pending.is_empty() {
            return;
        }
        let bundle = Arc::new(std::mem::take(&mut inner.pending));
        // Sent under the lock, so bundles enter the ring in `seq` order.
        let _no_receivers_is_fine = self.tx.send(bundle);
    }

    /// A snapshot of the room now (its `seq`: the last event it reflects; frames at or below it
    /// that arrive later are to be skipped) and a subscription to what follows.
    pub fn join(&self) -> (u64, Utf8Bytes, broadcast::Receiver<Bundle>) {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let rx = self.tx.subscribe();
        let mut body = inner.state.body();
        body.insert("watching".into(), self.watching().into());
        (inner.seq, frame(Kind::Snapshot, inner.seq, self.show, &body), rx)
    }

    /// The show.
    pub fn show(&self) -> ShowId {
        self.show
    }

    /// Connections on this node.
    pub fn watching(&self) -> usize {
        self.watching.load(Ordering::Relaxed)
    }

    /// A connection came.
    pub fn enter(&self) {
        self.watching.fetch_add(1, Ordering::Relaxed);
    }

    /// A connection left.
    pub fn leave(&self) {
        self.watching.fetch_sub(1, Ordering::Relaxed);
    }
}

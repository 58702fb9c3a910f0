//! One live show's room on this node.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

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

struct Inner {
    seq: u64,
    state: RoomState,
}

/// A room.
pub struct Room {
    show: ShowId,
    tx: broadcast::Sender<Frame>,
    inner: Mutex<Inner>,
    watching: AtomicUsize,
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
    /// A room holding `state`, whose connections may fall `queue` events behind.
    pub fn new(show: ShowId, state: RoomState, queue: usize) -> Self {
        let (tx, _) = broadcast::channel(queue.max(1));
        Self { show, tx, inner: Mutex::new(Inner { seq: 0, state }), watching: AtomicUsize::new(0) }
    }

    /// Numbers (unless the relay did), applies and broadcasts an event. An event the relay
    /// numbered at or below what this room has seen is a duplicate and is dropped.
    pub fn deliver(&self, seq: Option<u64>, e: &Event) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let seq = match seq {
            Some(s) if s <= inner.seq => return,
            Some(s) => s,
            None => inner.seq + 1,
        };
        inner.seq = seq;
        inner.state.apply(e);
        // Sent under the lock, so frames enter the ring in `seq` order and a joining connection's
        // snapshot is exactly the state before the first frame it receives.
        let _no_receivers_is_fine =
            self.tx.send(Frame { seq, audience: e.audience, text: frame(e.kind, seq, self.show, &e.body) });
    }

    /// A snapshot of the room now and a subscription to everything after it.
    pub fn join(&self) -> (Utf8Bytes, broadcast::Receiver<Frame>) {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let rx = self.tx.subscribe();
        let mut body = inner.state.body();
        body.insert("watching".into(), self.watching().into());
        (frame(Kind::Snapshot, inner.seq, self.show, &body), rx)
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

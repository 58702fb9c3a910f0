//! The live channel's hub: one room per live show on this node, holding the show's state (for
//! snapshots), its event sequence and a broadcast of framed events.
//!
//! Every event is numbered and serialized once, in the room, and the same bytes go to every
//! connection (a cheap reference-counted clone). Events are gathered for `batch` (10 ms) and sent
//! as one bundle, which each connection writes with one flush. The broadcast is a bounded ring
//! shared by all the room's connections: a connection that falls more than `queue` bundles
//! behind does not hold anyone up — it is told it lagged, gets a fresh `snapshot` and continues (counters are state,
//! not history). With a relay (NATS, several nodes) events go out through the relay and come back
//! numbered by the JetStream stream, so every node delivers the same `seq` for the same event.
//!
//! Sales and stock are coalesced: order handlers only mark the show; a ticker sends at most one
//! `stock` and one `sales` per show every `coalesce` (100 ms).

pub mod relay;
mod room;
pub mod socket;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use clearcast_domain::ids::{AccountId, ShowId};
use clearcast_domain::live::{Event, Kind, RoomState};
use clearcast_domain::rate::TokenBucket;
use clearcast_store::Store;
use serde_json::json;

pub use room::{Bundle, Frame, Room};

/// Tunables of the live channel.
#[derive(Debug, Clone)]
pub struct LiveConfig {
    /// Bundles a connection may fall behind before it is resynced.
    pub queue: usize,
    /// How long a room gathers events before it sends them as one bundle (every connection then
    /// writes them with one system call).
    pub batch: Duration,
    /// How often the server pings.
    pub heartbeat: Duration,
    /// A connection silent this long (no frame, no pong) is closed.
    pub idle: Duration,
    /// A write that takes longer than this drops the connection.
    pub write_timeout: Duration,
    /// The shortest interval between two `sales` (and `stock`) events of one show.
    pub coalesce: Duration,
    /// Comments: burst and per second, per connection and per account.
    pub comments: (u32, f64),
    /// Likes frames: burst and per second, per connection and per account.
    pub likes: (u32, f64),
    /// Frames refused by the rate limit before the connection is closed.
    pub strikes: u32,
}

impl Default for LiveConfig {
    fn default() -> Self {
        Self {
            queue: 64,
            batch: Duration::from_millis(10),
            heartbeat: Duration::from_secs(20),
            idle: Duration::from_secs(60),
            write_timeout: Duration::from_secs(10),
            coalesce: Duration::from_millis(100),
            comments: (3, 1.0),
            likes: (20, 10.0),
            strikes: 20,
        }
    }
}

/// Counters for operators and the benchmark.
#[derive(Debug, Default)]
pub struct LiveStats {
    /// Connections open now.
    pub connections: AtomicU64,
    /// Snapshots sent to connections that fell behind.
    pub resyncs: AtomicU64,
    /// Connections dropped for a stalled write.
    pub dropped: AtomicU64,
    /// Events the relay could not take (it was saturated).
    pub relay_shed: AtomicU64,
}

/// The hub of this node.
pub struct Hub {
    rooms: Mutex<HashMap<ShowId, Arc<Room>>>,
    dirty: Mutex<HashSet<ShowId>>,
    buckets: Mutex<HashMap<(AccountId, bool), TokenBucket>>,
    relay: OnceLock<relay::Relay>,
    origin: Instant,
    /// Tunables.
    pub config: LiveConfig,
    /// Counters.
    pub stats: LiveStats,
}

impl Default for Hub {
    fn default() -> Self {
        Self::new(LiveConfig::default())
    }
}

impl Hub {
    /// An empty hub.
    pub fn new(config: LiveConfig) -> Self {
        Self {
            rooms: Mutex::default(),
            dirty: Mutex::default(),
            buckets: Mutex::default(),
            relay: OnceLock::new(),
            origin: Instant::now(),
            config,
            stats: LiveStats::default(),
        }
    }

    /// Sends events through a relay from now on (set once, at start).
    pub fn set_relay(&self, r: relay::Relay) -> bool {
        self.relay.set(r).is_ok()
    }

    /// Whether events go through a relay.
    pub fn relayed(&self) -> bool {
        self.relay.get().is_some()
    }

    /// Time since the hub started (the rate limits' clock).
    pub fn elapsed(&self) -> Duration {
        self.origin.elapsed()
    }

    /// The show's room on this node, if anyone watches it here.
    pub fn room(&self, show: ShowId) -> Option<Arc<Room>> {
        self.rooms.lock().unwrap_or_else(|e| e.into_inner()).get(&show).cloned()
    }

    /// The show's room, made from `state` if there is none yet (another connection may have made
    /// it meanwhile: then that one is kept).
    pub fn open_room(&self, show: ShowId, state: RoomState) -> Arc<Room> {
        let mut rooms = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        // Numbers only grow per show: without a relay a new room starts from the clock (in
        // microseconds), so a room made again after everyone left never repeats a number; with a
        // relay the stream numbers the events.
        let start = if self.relayed() { 0 } else { (room::now_ms() * 1000.0) as u64 };
        rooms
            .entry(show)
            .or_insert_with(|| Arc::new(Room::new(show, state, self.config.queue, self.config.batch, start)))
            .clone()
    }

    /// Forgets a room nobody watches any more (its show's next viewer loads the state afresh).
    pub fn close_if_empty(&self, show: ShowId) {
        let mut rooms = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        if rooms.get(&show).is_some_and(|r| r.watching() == 0) {
            rooms.remove(&show);
        }
    }

    /// Sends an event to the show's viewers (on every node, with a relay).
    pub fn publish(&self, show: ShowId, e: Event) {
        match self.relay.get() {
            Some(r) => {
                if !r.send(show, e) {
                    self.stats.relay_shed.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(%show, "live relay saturated: event shed");
                }
            }
            None => self.deliver(show, None, &e),
        }
    }

    /// Delivers an event to this node's viewers: numbered here (`seq` none) or by the relay.
    pub fn deliver(&self, show: ShowId, seq: Option<u64>, e: &Event) {
        if let Some(room) = self.room(show) {
            room.deliver(seq, e);
        }
    }

    /// Marks the show's sales and stock as changed; the ticker sends them (coalesced).
    pub fn touch(&self, show: ShowId) {
        if self.relayed() || self.room(show).is_some() {
            self.dirty.lock().unwrap_or_else(|e| e.into_inner()).insert(show);
        }
    }

    fn take_dirty(&self) -> Vec<ShowId> {
        self.dirty.lock().unwrap_or_else(|e| e.into_inner()).drain().collect()
    }

    /// Whether an account may send another comment (`like` false) or likes frame now.
    pub fn account_allows(&self, account: AccountId, like: bool) -> bool {
        let now = self.elapsed();
        let (burst, rate) = if like { self.config.likes } else { self.config.comments };
        let mut b = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if b.len() > 100_000 {
            // Buckets of quiet accounts are full again after a few seconds; forgetting them all
            // at once keeps the map bounded and costs an idle account nothing.
            b.clear();
        }
        b.entry((account, like)).or_insert_with(|| TokenBucket::new(burst, rate, now)).take(now)
    }
}

/// The state a snapshot needs beyond the show itself: the pinned product's stock and counters.
pub async fn stock_and_counters(
    store: &dyn Store,
    show: ShowId,
) -> clearcast_store::StoreResult<(serde_json::Value, serde_json::Value)> {
    let stock = match store.get_show(show).await? {
        Some(s) => match s.pinned {
            Some(item) => {
                let product = store.lineup_list(show).await?.into_iter().find(|i| i.id == item).map(|i| i.product);
                match product {
                    Some(p) => match store.get_product(p).await? {
                        Some(p) => json!({"product_id": p.id, "available": p.total_stock()}),
                        None => serde_json::Value::Null,
                    },
                    None => serde_json::Value::Null,
                }
            }
            None => serde_json::Value::Null,
        },
        None => serde_json::Value::Null,
    };
    let buyers = store.show_net_sold(show).await?;
    let (viewers, _capped, likes) = store.show_engagement(show, u32::MAX).await?;
    Ok((stock, json!({"buyers": buyers, "viewers": viewers, "likes": likes})))
}

/// Sends the coalesced `stock` and `sales` of the shows touched since the last tick, until the
/// hub is gone.
pub async fn ticker(hub: Weak<Hub>, store: Arc<dyn Store>) {
    let every = hub.upgrade().map_or(Duration::from_millis(100), |h| h.config.coalesce);
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(h) = hub.upgrade() else { return };
        for show in h.take_dirty() {
            match stock_and_counters(store.as_ref(), show).await {
                Ok((stock, counters)) => {
                    if !stock.is_null() {
                        h.publish(show, Event::all(Kind::Stock, stock));
                    }
                    h.publish(show, Event::all(Kind::Sales, counters));
                }
                Err(e) => tracing::warn!(%show, error = %e, "live counters unavailable"),
            }
        }
    }
}

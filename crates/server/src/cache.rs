//! Short-lived caches for the hot paths (a flash sale asks the same questions thousands of times a
//! second): the context of ordering a product in a show (the show, its lineup
//! item, the product, the disclosure card and the gate's verdict).
//!
//! Entries live for [`TTL`] of the state's clock, so a test that moves the clock sees fresh
//! answers, and a change (an expiry, a revocation, a show ending) reaches the hot path within a
//! second. Actions on this node that change an answer (logout, pin, end, suspend) drop the entry at
//! once. Stock is never cached: the checkout's conditional update decides it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use clearcast_domain::ids::{ProductId, ShowId};

/// How long an entry is trusted.
pub fn ttl() -> Duration {
    Duration::seconds(1)
}

/// Most entries per cache before it is cleared (bounded memory under a flood of distinct keys).
const MAX_ENTRIES: usize = 100_000;

struct Entry<V> {
    at: DateTime<Utc>,
    value: V,
}

/// A map whose entries expire on the state's clock.
pub struct TtlMap<K, V> {
    inner: Mutex<HashMap<K, Entry<V>>>,
}

impl<K: std::hash::Hash + Eq, V: Clone> Default for TtlMap<K, V> {
    fn default() -> Self {
        Self { inner: Mutex::new(HashMap::new()) }
    }
}

impl<K: std::hash::Hash + Eq, V: Clone> TtlMap<K, V> {
    /// The value cached for `k` at most [`ttl`] before `now` (and not after it).
    pub fn get(&self, k: &K, now: DateTime<Utc>) -> Option<V> {
        let map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        map.get(k).filter(|e| e.at <= now && now - e.at < ttl()).map(|e| e.value.clone())
    }

    /// Caches `v` for `k` as of `now`.
    pub fn put(&self, k: K, v: V, now: DateTime<Utc>) {
        let mut map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(k, Entry { at: now, value: v });
    }

    /// Drops `k`.
    pub fn remove(&self, k: &K) {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).remove(k);
    }

    /// Drops every entry matching `f`.
    pub fn retain(&self, f: impl Fn(&K) -> bool) {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).retain(|k, _| f(k));
    }
}

/// What placing an order of a product needs to know besides the buyer: the product, who sells it,
/// and in a show the lineup item, the roster and the disclosure card, all checked by the gate.
/// Cached per (show, product) for a second (see `cache`).
#[derive(Debug)]
pub struct OrderContext {
    /// The product with its variants.
    pub product: clearcast_domain::product::Product,
    /// The seller's card.
    pub seller: clearcast_domain::disclosure::PartyCard,
    /// The goods owner's card.
    pub goods_owner: clearcast_domain::disclosure::PartyCard,
    /// The show, when bought in one.
    pub show: Option<ShowId>,
    /// The lineup item.
    pub item: Option<clearcast_domain::lineup::LineupItem>,
    /// The show's anchors.
    pub anchors: Vec<clearcast_domain::ids::AnchorId>,
    /// The show's disclosure card for this product.
    pub card: Option<clearcast_domain::disclosure::DisclosureCard>,
}

/// The caches of one server.
#[derive(Default)]
pub struct Caches {
    /// Live bearer tokens.
    pub sessions: crate::sessions::Sessions,
    /// (show, product) → what an order needs, or the reason it cannot be placed.
    pub order_context: TtlMap<(ShowId, ProductId), Arc<OrderContext>>,
}

impl Caches {
    /// Drops everything cached about a show (on pin, end, suspend).
    pub fn forget_show(&self, show: ShowId) {
        self.order_context.retain(|(s, _)| *s != show);
    }
}

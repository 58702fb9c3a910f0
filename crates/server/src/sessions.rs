//! Bearer tokens held in memory, so authenticating a request costs a hash and a map lookup, not a
//! database round trip (a flash sale authenticates tens of thousands of distinct buyers a second).
//!
//! The database stays the source of truth. A server loads every live token when it starts, adds
//! the tokens it issues, and looks up a token it does not know (issued by another server) once.
//! A logout on this server drops the token at once; logouts on other servers arrive through
//! [`Sessions::sync`], which the binary runs every second, so a revoked token stops working
//! everywhere within about a second, as with the one-second caches before. Accounts never change
//! role, so the account kept beside a token cannot go stale.

use std::collections::HashMap;
use std::sync::{Mutex, RwLock};

use chrono::{DateTime, Duration, Utc};
use clearcast_domain::account::Account;
use clearcast_store::{Store, StoreResult, TokenSession};

/// Most tokens kept in memory; beyond it, tokens are looked up in the database per request.
pub const MAX_SESSIONS: usize = 2_000_000;

/// Revocations are re-read this far back on every sync, so a server whose clock runs a little
/// ahead of another's still sees that server's logouts.
fn sync_overlap() -> Duration {
    Duration::seconds(60)
}

/// The in-memory token directory of one server.
#[derive(Default)]
pub struct Sessions {
    map: RwLock<HashMap<String, TokenSession>>,
    synced_until: Mutex<Option<DateTime<Utc>>>,
    pruned_at: Mutex<Option<DateTime<Utc>>>,
}

impl Sessions {
    /// Loads every live token (at start). Returns how many.
    pub async fn warm(&self, store: &dyn Store, now: DateTime<Utc>) -> StoreResult<usize> {
        let live = store.live_tokens(now, MAX_SESSIONS as i64).await?;
        let n = live.len();
        let mut map = self.map.write().unwrap_or_else(|p| p.into_inner());
        for s in live {
            map.insert(s.token_hash.clone(), s);
        }
        *self.synced_until.lock().unwrap_or_else(|p| p.into_inner()) = Some(now);
        Ok(n)
    }

    /// The account of a token this server knows to be live at `now`.
    pub fn get(&self, token_hash: &str, now: DateTime<Utc>) -> Option<Account> {
        let map = self.map.read().unwrap_or_else(|p| p.into_inner());
        map.get(token_hash).filter(|s| s.expires_at > now).map(|s| s.account.clone())
    }

    /// Remembers a live token (just issued, or found in the database).
    pub fn insert(&self, session: TokenSession) {
        let mut map = self.map.write().unwrap_or_else(|p| p.into_inner());
        if map.len() < MAX_SESSIONS || map.contains_key(&session.token_hash) {
            map.insert(session.token_hash.clone(), session);
        }
    }

    /// Forgets a token (revoked here).
    pub fn remove(&self, token_hash: &str) {
        self.map.write().unwrap_or_else(|p| p.into_inner()).remove(token_hash);
    }

    /// Drops tokens revoked anywhere since the last sync and tokens expired by `now`. Returns how
    /// many were dropped.
    pub async fn sync(&self, store: &dyn Store, now: DateTime<Utc>) -> StoreResult<usize> {
        let since = self.synced_until.lock().unwrap_or_else(|p| p.into_inner()).unwrap_or(now) - sync_overlap();
        let revoked = store.revoked_tokens_since(since).await?;
        let mut map = self.map.write().unwrap_or_else(|p| p.into_inner());
        let before = map.len();
        for h in &revoked {
            map.remove(h);
        }
        // Expired tokens are already refused by `get`; sweeping them out only frees memory, so it
        // runs every few minutes rather than holding the lock over the whole map every second.
        let mut pruned = self.pruned_at.lock().unwrap_or_else(|p| p.into_inner());
        if pruned.is_none_or(|at| now - at >= Duration::minutes(5)) {
            map.retain(|_, s| s.expires_at > now);
            *pruned = Some(now);
        }
        drop(pruned);
        let dropped = before - map.len();
        drop(map);
        *self.synced_until.lock().unwrap_or_else(|p| p.into_inner()) = Some(now);
        Ok(dropped)
    }

    /// Tokens held.
    pub fn len(&self) -> usize {
        self.map.read().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// True when no token is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

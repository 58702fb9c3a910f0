//! Shared application state: the store, the policy and the clock.

use std::sync::Arc;

use clearcast_domain::policy::Policy;
use clearcast_store::Store;

use crate::checkout::{Checkout, Mode};
use crate::clock::Clock;

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// Persistence.
    pub store: Arc<dyn Store>,
    /// Platform policy.
    pub policy: Arc<Policy>,
    /// Time source.
    pub clock: Arc<dyn Clock>,
    /// The checkout engine.
    pub checkout: Checkout,
    /// Hot-path caches.
    pub caches: Arc<crate::cache::Caches>,
    /// The speech rule catalogue in force.
    pub rules: Arc<crate::supervision::Rules>,
    /// Reputation scores and the live-show feed index.
    pub quality: Arc<crate::quality::Quality>,
    /// The live channel's rooms on this node.
    pub live: Arc<crate::live::Hub>,
}

impl AppState {
    /// New state with the batched checkout engine (call inside a tokio runtime).
    pub fn new(store: Arc<dyn Store>, policy: Policy, clock: Arc<dyn Clock>) -> Self {
        Self::with_checkout(store, policy, clock, Mode::Batched)
    }

    /// New state with a chosen checkout mode.
    pub fn with_checkout(store: Arc<dyn Store>, policy: Policy, clock: Arc<dyn Clock>, mode: Mode) -> Self {
        let checkout = Checkout::start(store.clone(), mode);
        let quality = crate::quality::Quality::new(policy.reputation.clone(), policy.feed.clone(), clock.now());
        let live = Arc::new(crate::live::Hub::default());
        tokio::spawn(crate::live::ticker(Arc::downgrade(&live), store.clone()));
        Self {
            live,
            quality: Arc::new(quality),
            store,
            policy: Arc::new(policy),
            clock,
            checkout,
            caches: Arc::default(),
            rules: Arc::new(crate::supervision::Rules::shipped()),
        }
    }

    /// The same state with a live-channel hub of other tunables (call before serving; inside a
    /// tokio runtime).
    pub fn with_live(mut self, config: crate::live::LiveConfig) -> Self {
        let live = Arc::new(crate::live::Hub::new(config));
        tokio::spawn(crate::live::ticker(Arc::downgrade(&live), self.store.clone()));
        self.live = live;
        self
    }
}

//! Shared application state: the store, the policy and the clock.

use std::sync::Arc;

use clearcast_domain::policy::Policy;
use clearcast_store::Store;

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
}

impl AppState {
    /// New state.
    pub fn new(store: Arc<dyn Store>, policy: Policy, clock: Arc<dyn Clock>) -> Self {
        Self { store, policy: Arc::new(policy), clock }
    }
}

//! clearcast's HTTP layer: translates HTTP to domain calls and back.
//!
//! `app::build` assembles the axum router from the handlers in `api/` (one file per concept, each
//! route carrying its OpenAPI description), the error policy in `error.rs`, authentication in
//! `auth.rs` and the request extractors in `extract.rs`. Nothing here decides a rule; the domain
//! crate does.
#![forbid(unsafe_code)]

pub mod api;
pub mod app;
pub mod archive;
pub mod auth;
pub mod cache;
pub mod checkout;
pub mod clock;
pub mod demo;
pub mod error;
pub mod extract;
pub mod fixture;
pub mod live;
pub mod pages;
pub mod quality;
pub mod sessions;
pub mod state;
pub mod supervision;
pub mod views;

pub use app::build;
pub use clock::{Clock, ManualClock, SystemClock};
pub use state::AppState;

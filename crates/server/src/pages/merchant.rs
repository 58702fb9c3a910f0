//! The merchant's console.

use axum::extract::State;
use clearcast_domain::account::Role;
use maud::html;

use super::layout::page;
use super::{ok, Ctx, PageResult};
use crate::state::AppState;

/// `GET /console/merchant`.
pub async fn merchant(State(_state): State<AppState>, ctx: Ctx) -> PageResult {
    ctx.require(&[Role::Merchant])?;
    ok(page(&ctx, "console", html! { h1 { "console" } }))
}

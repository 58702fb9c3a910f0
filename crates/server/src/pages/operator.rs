//! The platform operator's console.

use axum::extract::State;
use clearcast_domain::account::Role;
use maud::html;

use super::layout::page;
use super::{ok, Ctx, PageResult};
use crate::state::AppState;

/// `GET /console/operator`.
pub async fn operator(State(_state): State<AppState>, ctx: Ctx) -> PageResult {
    ctx.require(&[Role::Operator])?;
    ok(page(&ctx, "console", html! { h1 { "console" } }))
}

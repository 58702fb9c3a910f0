//! The regulator's dashboard.

use axum::extract::State;
use clearcast_domain::account::Role;
use maud::html;

use super::layout::page;
use super::{ok, Ctx, PageResult};
use crate::state::AppState;

/// `GET /regulator`.
pub async fn dashboard(State(_state): State<AppState>, ctx: Ctx) -> PageResult {
    ctx.require(&[Role::Regulator, Role::Operator])?;
    ok(page(&ctx, "regulator", html! { h1 { "regulator" } }))
}

//! The anchor's and room operator's console.

use axum::extract::{Path, State};
use clearcast_domain::account::Role;
use maud::html;

use super::layout::page;
use super::{ok, Ctx, PageResult};
use crate::state::AppState;

/// `GET /console/room`.
pub async fn room(State(_state): State<AppState>, ctx: Ctx) -> PageResult {
    ctx.require(&[Role::RoomOperator, Role::Anchor, Role::Agency])?;
    ok(page(&ctx, "console", html! { h1 { "console" } }))
}

/// `GET /console/room/{show}`.
pub async fn room_show(State(_state): State<AppState>, ctx: Ctx, Path(_show): Path<String>) -> PageResult {
    ctx.require(&[Role::RoomOperator, Role::Anchor, Role::Operator])?;
    ok(page(&ctx, "console", html! { h1 { "console" } }))
}

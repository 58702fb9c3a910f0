//! Reputation scores over HTTP: public, with every input, weight and contribution, for products,
//! anchors, merchants and room operators.

use axum::extract::{Path, State};
use axum::Json;
use chrono::{DateTime, Utc};
use clearcast_domain::party::{PartyId, PartyKind};
use clearcast_domain::reputation::{Reputation, ScoredSubject};
use serde::Serialize;

use crate::api::{anchors, parties, products};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// A score with the policy it was computed under.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReputationView {
    /// The subject's id.
    pub subject: String,
    /// When computed.
    pub computed_at: DateTime<Utc>,
    /// Observations older than this many days count for nothing.
    pub window_days: u32,
    /// Weights halve every this many days.
    pub half_life_days: f64,
    /// Pseudo-observations of the group mean in every component.
    pub prior_strength: f64,
    /// The score and its breakdown.
    #[serde(flatten)]
    pub reputation: Reputation,
}

fn view(state: &AppState, s: ScoredSubject) -> ReputationView {
    let now = state.clock.now();
    let book = state.quality.book();
    let p = book.policy();
    ReputationView {
        subject: s.to_string(),
        computed_at: now,
        window_days: p.window_days,
        half_life_days: p.half_life_days,
        prior_strength: p.prior_strength,
        reputation: book.reputation(s, now),
    }
}

/// An anchor's reputation, with the explanation score on its own (public).
#[utoipa::path(get, path = "/api/v1/anchors/{id}/reputation", tag = "reputation", params(("id" = String, Path)),
    responses((status = 200, body = ReputationView), (status = 404, body = crate::error::Problem)))]
pub async fn anchor(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<ReputationView>> {
    let a = anchors::load(&state, "id", &id).await?;
    Ok(Json(view(&state, ScoredSubject::Anchor(a.id))))
}

/// A product's reputation (public).
#[utoipa::path(get, path = "/api/v1/products/{id}/reputation", tag = "reputation", params(("id" = String, Path)),
    responses((status = 200, body = ReputationView), (status = 404, body = crate::error::Problem)))]
pub async fn product(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<ReputationView>> {
    let p = products::load(&state, &id).await?;
    Ok(Json(view(&state, ScoredSubject::Product(p.id))))
}

/// A merchant's reputation (public).
#[utoipa::path(get, path = "/api/v1/merchants/{id}/reputation", tag = "reputation", params(("id" = String, Path)),
    responses((status = 200, body = ReputationView), (status = 404, body = crate::error::Problem)))]
pub async fn merchant(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<ReputationView>> {
    let p = parties::load(&state, PartyKind::Merchant, "id", &id).await?;
    let PartyId::Merchant(m) = p.id else { return Err(ApiError::internal("merchant id of another kind")) };
    Ok(Json(view(&state, ScoredSubject::Merchant(m))))
}

/// A room operator's reputation (public).
#[utoipa::path(get, path = "/api/v1/room-operators/{id}/reputation", tag = "reputation", params(("id" = String, Path)),
    responses((status = 200, body = ReputationView), (status = 404, body = crate::error::Problem)))]
pub async fn room_operator(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<ReputationView>> {
    let p = parties::load(&state, PartyKind::RoomOperator, "id", &id).await?;
    let PartyId::RoomOperator(r) = p.id else { return Err(ApiError::internal("room operator id of another kind")) };
    Ok(Json(view(&state, ScoredSubject::RoomOperator(r))))
}

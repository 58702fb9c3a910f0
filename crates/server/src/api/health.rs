//! Liveness and metrics.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::Serialize;

use crate::state::AppState;

/// Health answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok` or `degraded`.
    pub status: &'static str,
    /// `sqlite` or `postgres`.
    pub database: &'static str,
    /// Whether the database answered.
    pub database_ok: bool,
    /// Server version.
    pub version: &'static str,
}

/// Health: 200 when the database answers, 503 otherwise.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    let ok = state.store.ping().await.is_ok();
    let body = Health {
        status: if ok { "ok" } else { "degraded" },
        database: state.store.backend(),
        database_ok: ok,
        version: env!("CARGO_PKG_VERSION"),
    };
    (if ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE }, Json(body))
}

/// Prometheus text exposition of request counts and latencies.
#[utoipa::path(get, path = "/metrics", tag = "health", responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
pub async fn metrics() -> impl IntoResponse {
    let body = crate::app::metrics_handle().render();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body)
}

/// A no-op through every layer (auth excepted): the HTTP ceiling the flash-sale benchmark compares
/// the checkout against.
#[utoipa::path(get, path = "/api/v1/ping", tag = "health", responses((status = 204, description = "nothing")))]
pub async fn ping() -> StatusCode {
    StatusCode::NO_CONTENT
}

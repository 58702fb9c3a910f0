//! The audit trail for staff and regulators: list it, and verify its hash chain.

use axum::extract::State;
use axum::Json;
use clearcast_domain::account::Role;
use clearcast_domain::audit::{verify_chain, ChainedEntry};
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use axum::http::StatusCode;

use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;
use crate::state::AppState;
use crate::views::List;

/// Paging through the trail by sequence number.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Entries after this sequence number (the previous page's `next_cursor`).
    pub cursor: Option<i64>,
    /// Page size, 1-1000 (default 100).
    pub limit: Option<u32>,
}

/// Audit entries, oldest first (operators and regulators).
#[utoipa::path(get, path = "/api/v1/audit", tag = "regulator", params(AuditQuery), security(("bearer" = [])),
    responses((status = 200, body = List<ChainedEntry>), (status = 403, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<List<ChainedEntry>>> {
    caller.require(&[Role::Operator, Role::Regulator], "read the audit trail")?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", "limit must be 1-1000").field(
            "limit",
            "out_of_range",
            "limit must be 1-1000",
        ));
    }
    if q.cursor.is_some_and(|c| c < 0) {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", "cursor must not be negative").field(
            "cursor",
            "out_of_range",
            "cursor must not be negative",
        ));
    }
    let items = state.store.audit_list(q.cursor.unwrap_or(0), limit).await?;
    let next_cursor = (items.len() as u32 == limit).then(|| items.last().map(|e| e.seq.to_string())).flatten();
    Ok(Json(List { items, next_cursor }))
}

/// Result of recomputing the chain.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChainCheck {
    /// True when every entry's hash and link hold.
    pub ok: bool,
    /// Entries checked.
    pub entries: i64,
    /// The first entry that does not hold, if any.
    pub first_bad_seq: Option<i64>,
    /// Hash of the last entry: publish it to pin the trail.
    pub head_hash: Option<String>,
}

/// Recompute the whole hash chain (operators and regulators).
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "regulator", security(("bearer" = [])),
    responses((status = 200, body = ChainCheck), (status = 403, body = crate::error::Problem)))]
pub async fn verify(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<ChainCheck>> {
    caller.require(&[Role::Operator, Role::Regulator], "verify the audit trail")?;
    let mut all = Vec::new();
    let mut after = 0;
    loop {
        let batch = state.store.audit_list(after, 10_000).await?;
        let Some(last) = batch.last() else { break };
        after = last.seq;
        all.extend(batch);
    }
    let result = verify_chain(&all);
    Ok(Json(ChainCheck {
        ok: result.is_ok(),
        entries: all.len() as i64,
        first_bad_seq: result.err(),
        head_hash: all.last().map(|e| e.hash.clone()),
    }))
}

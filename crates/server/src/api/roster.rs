//! A room operator's roster of anchors (Order 117 Art. 28: the room operator verifies who sells
//! in its room). Adding puts an anchor on the roster; confirming records that the room operator
//! checked the anchor's identity, which needs the platform's verification first.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use clearcast_domain::account::Role;
use clearcast_domain::anchor::RosterEntry;
use clearcast_domain::ids::{AnchorId, RoomOperatorId};
use clearcast_domain::party::{Party, PartyId, PartyKind};
use clearcast_domain::verification::{status, VerificationStatus};
use serde::Deserialize;

use crate::api::parties;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, ApiJson};
use crate::state::AppState;
use crate::views::List;

/// An anchor to add.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RosterInput {
    /// The anchor.
    #[schema(value_type = String)]
    pub anchor_id: String,
}

async fn own_room(state: &AppState, caller: &Caller, id: &str) -> ApiResult<(Party, RoomOperatorId)> {
    caller.require(&[Role::RoomOperator, Role::Operator], "manage rosters")?;
    let room = parties::load(state, PartyKind::RoomOperator, "id", id).await?;
    if caller.role() != Role::Operator && room.owner != Some(caller.account.id) {
        return Err(ApiError::forbidden("this room operator belongs to another account"));
    }
    let PartyId::RoomOperator(rid) = room.id else {
        return Err(ApiError::internal("room operator id of another kind"));
    };
    Ok((room, rid))
}

/// Add an anchor to the roster (the room's owner or operators).
#[utoipa::path(post, path = "/api/v1/room-operators/{id}/roster", tag = "room operators", params(("id" = String, Path)),
    request_body = RosterInput, security(("bearer" = [])),
    responses((status = 201, body = RosterEntry), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn add(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<RosterInput>,
) -> ApiResult<(StatusCode, Json<RosterEntry>)> {
    let (_, rid) = own_room(&state, &caller, &id).await?;
    let aid: AnchorId = input
        .anchor_id
        .parse()
        .map_err(|e: clearcast_domain::ids::IdError| ApiError::invalid("anchor_id", e.code(), e.to_string()))?;
    let Some(anchor) = state.store.get_anchor(aid).await? else {
        return Err(ApiError::invalid("anchor_id", "unknown_anchor", format!("no anchor {aid}")));
    };
    if state.store.is_blacklisted(&anchor.details.id_number).await? {
        return Err(ApiError::invalid(
            "anchor_id",
            "anchor_blacklisted",
            "this anchor's identity is on the platform blacklist (Order 117 Art. 14)",
        ));
    }
    let now = state.clock.now();
    let entry = RosterEntry { room_operator: rid, anchor: aid, added_at: now, confirmed_at: None };
    let record = crate::api::entry_by(
        &caller,
        now,
        "roster.added",
        rid,
        serde_json::json!({"anchor": aid, "basis": "Order 117 Art. 28"}),
    );
    state.store.roster_add(&entry, Some(record)).await?;
    Ok((StatusCode::CREATED, Json(entry)))
}

/// Confirm an anchor's identity for this room (Art. 28). The anchor must be verified by the platform.
#[utoipa::path(post, path = "/api/v1/room-operators/{id}/roster/{anchor_id}/confirm", tag = "room operators",
    params(("id" = String, Path), ("anchor_id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = RosterEntry), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn confirm(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, anchor_id)): Path<(String, String)>,
) -> ApiResult<Json<RosterEntry>> {
    let (_, rid) = own_room(&state, &caller, &id).await?;
    let aid: AnchorId = parse_id("anchor_id", &anchor_id)?;
    let anchor = state.store.get_anchor(aid).await?.ok_or_else(|| ApiError::not_found("anchor"))?;
    let now = state.clock.now();
    if status(anchor.verification.as_ref(), now) != VerificationStatus::Verified {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "anchor_unverified",
            "the platform has not verified this anchor (or the verification expired); confirm after it does",
        )
        .field("anchor_id", "anchor_unverified", "anchor is not currently verified"));
    }
    let record = crate::api::entry_by(
        &caller,
        now,
        "roster.confirmed",
        rid,
        serde_json::json!({
            "anchor": aid, "anchor_verified_until": anchor.verification.as_ref().and_then(|v| v.verified_until), "basis": "Order 117 Art. 28",
        }),
    );
    let entry = state.store.roster_confirm(rid, aid, now, Some(record)).await.map_err(|e| match e {
        clearcast_store::StoreError::NotFound => ApiError::not_found("roster entry"),
        other => other.into(),
    })?;
    Ok(Json(entry))
}

/// The roster.
#[utoipa::path(get, path = "/api/v1/room-operators/{id}/roster", tag = "room operators", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = List<RosterEntry>)))]
pub async fn list(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<List<RosterEntry>>> {
    let room = parties::load(&state, PartyKind::RoomOperator, "id", &id).await?;
    let PartyId::RoomOperator(rid) = room.id else {
        return Err(ApiError::internal("room operator id of another kind"));
    };
    Ok(Json(List { items: state.store.roster_list(rid).await?, next_cursor: None }))
}

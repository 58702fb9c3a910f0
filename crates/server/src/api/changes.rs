//! Change requests for disclosed party information (Order 117 Art. 15, 25): the party reports,
//! the operator verifies (or rejects); the clocks run on working days and overdue requests are
//! listed. A verified change is applied to the party record, and so to every disclosure card.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use clearcast_domain::account::Role;
use clearcast_domain::change_request::{ChangeInput, ChangeRequest, ChangeStatus};
use clearcast_domain::ids::ChangeRequestId;
use clearcast_domain::party::PartyId;
use clearcast_domain::text::Text;
use clearcast_domain::verification::Decision;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::api::{entry_by, DecisionInput};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, ApiJson, ApiQuery};
use crate::state::AppState;
use crate::views::List;

/// A change request with whether it is overdue now.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChangeView {
    /// The request and its clocks.
    #[serde(flatten)]
    pub request: ChangeRequest,
    /// Pending after its verification deadline.
    pub overdue: bool,
}

fn view(state: &AppState, r: ChangeRequest) -> ChangeView {
    let overdue = r.overdue(state.clock.now());
    ChangeView { request: r, overdue }
}

/// Report a change (the party's owning account).
#[utoipa::path(post, path = "/api/v1/change-requests", tag = "change requests", request_body = ChangeInput, security(("bearer" = [])),
    responses((status = 201, body = ChangeView), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn report(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<ChangeInput>,
) -> ApiResult<(StatusCode, Json<ChangeView>)> {
    caller.require(&[Role::Merchant, Role::RoomOperator, Role::Agency], "report changes")?;
    let pid = PartyId::parse_any(&input.party_id)
        .ok_or_else(|| ApiError::invalid("party_id", "malformed_id", "a mer_, gdo_, rop_ or agy_ id"))?;
    let party = state
        .store
        .get_party(pid)
        .await?
        .ok_or_else(|| ApiError::invalid("party_id", "unknown_party", "no such party"))?;
    if party.owner != Some(caller.account.id) && party.registered_by != caller.account.id {
        return Err(ApiError::forbidden("report changes only for parties you registered"));
    }
    let now = state.clock.now();
    let req = ChangeRequest::report(&input, pid, caller.account.id, now, &state.policy.calendar)?;
    let record = entry_by(
        &caller,
        now,
        "change.reported",
        pid,
        json!({
            "request": req.id, "fields": [req.changes.legal_name.is_some().then_some("legal_name"), req.changes.address.is_some().then_some("address"), req.changes.contact.is_some().then_some("contact")],
            "changed_on": req.changed_on, "report_due": req.report_due, "reported_late": req.reported_late, "verify_due": req.verify_due, "basis": "Order 117 Art. 15",
        }),
    );
    state.store.insert_change(&req, record).await?;
    Ok((StatusCode::CREATED, Json(view(&state, req))))
}

/// Filters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ChangeQuery {
    /// `pending`, `verified` or `rejected`.
    pub status: Option<ChangeStatus>,
    /// Only overdue requests.
    pub overdue: Option<bool>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1-200 (default 50).
    pub limit: Option<u32>,
}

/// Change requests (operators and regulators see all; others their own).
#[utoipa::path(get, path = "/api/v1/change-requests", tag = "change requests", params(ChangeQuery), security(("bearer" = [])),
    responses((status = 200, body = List<ChangeView>)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ChangeQuery>,
) -> ApiResult<Json<List<ChangeView>>> {
    let page = crate::extract::PageQuery { cursor: q.cursor, limit: q.limit }.request()?;
    let found = state.store.list_changes(q.status, &page).await?;
    let items = found
        .items
        .into_iter()
        .filter(|r| caller.is_staff() || r.reported_by == caller.account.id)
        .map(|r| view(&state, r))
        .filter(|v| q.overdue.is_none_or(|o| v.overdue == o))
        .collect();
    Ok(Json(List { items, next_cursor: found.next_cursor }))
}

/// Verify (apply) or reject a change (operators).
#[utoipa::path(post, path = "/api/v1/change-requests/{id}/verify", tag = "change requests", params(("id" = String, Path)),
    request_body = DecisionInput, security(("bearer" = [])),
    responses((status = 200, body = ChangeView), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn verify(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<DecisionInput>,
) -> ApiResult<Json<ChangeView>> {
    caller.require(&[Role::Operator], "verify changes")?;
    let note = input.note()?;
    let cid: ChangeRequestId = parse_id("id", &id)?;
    let mut req = state.store.get_change(cid).await?.ok_or_else(|| ApiError::not_found("change request"))?;
    let now = state.clock.now();
    let on_time = !req.overdue(now);
    req.decide(input.decision, caller.account.id, now, note.clone())
        .map_err(|m| ApiError::new(StatusCode::CONFLICT, "already_decided", m))?;
    let pid =
        PartyId::parse_any(&req.party).ok_or_else(|| ApiError::internal("change request for an unknown party kind"))?;
    let mut party =
        state.store.get_party(pid).await?.ok_or_else(|| ApiError::internal("change request without party"))?;
    let apply = if input.decision == Decision::Approve {
        if let Some(n) = &req.changes.legal_name {
            party.details.legal_name = Text::from_trusted(n.clone());
        }
        if let Some(a) = &req.changes.address {
            party.details.address = Text::from_trusted(a.clone());
        }
        if let Some(c) = &req.changes.contact {
            party.details.contact = Text::from_trusted(c.clone());
        }
        Some(&party)
    } else {
        None
    };
    let record = entry_by(
        &caller,
        now,
        "change.decided",
        pid,
        json!({"request": req.id, "decision": input.decision, "note": note, "on_time": on_time, "basis": "Order 117 Art. 25"}),
    );
    state.store.decide_change(&req, apply, record).await?;
    // Disclosure cards are built from party records: no order may snapshot the old one.
    state.caches.order_context.retain(|_| false);
    Ok(Json(view(&state, req)))
}

//! Anchors: registration by the anchor, verification and training by operators (Order 117 Art.
//! 8, 10, 28), and the blacklist (Art. 14: a blacklisted identity cannot register again).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use clearcast_domain::account::Role;
use clearcast_domain::anchor::{Anchor, AnchorInput, NewAnchor, TrainingInput, TrainingRecord};
use clearcast_domain::dates::china_date;
use clearcast_domain::ids::{AnchorId, TrainingId};
use clearcast_domain::party::PartyId;
use clearcast_domain::verification::Verification;
use serde::Deserialize;
use serde_json::json;

use crate::api::{entry_by, DecisionInput};
use crate::auth::{Caller, MaybeCaller};
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, ApiJson, ApiQuery, PageQuery};
use crate::state::AppState;
use crate::views::{self, AnchorView, List};

/// Registers the caller's anchor profile (shared with the demo seeder).
pub async fn register(state: &AppState, caller: &Caller, input: &AnchorInput) -> ApiResult<Anchor> {
    caller.require(&[Role::Anchor], "register an anchor profile")?;
    let now = state.clock.now();
    let details = NewAnchor::parse(input, china_date(now))?;
    if let Some(agency) = details.agency {
        if state.store.get_party(PartyId::Agency(agency)).await?.is_none() {
            return Err(ApiError::invalid("agency_id", "unknown_agency", format!("no agency {agency}")));
        }
    }
    if state.store.is_blacklisted(&details.id_number).await? {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "blacklisted",
            "this identity is on the platform blacklist and cannot register (Order 117 Art. 14)",
        )
        .field("id_number", "blacklisted", "blacklisted identity"));
    }
    let anchor =
        Anchor { id: AnchorId::generate(), owner: caller.account.id, details, verification: None, created_at: now };
    state.store.insert_anchor(&anchor).await.map_err(|e| ApiError::from(e).conflict_field("id_number"))?;
    Ok(anchor)
}

/// Loads an anchor by path id.
pub async fn load(state: &AppState, field: &str, id: &str) -> ApiResult<Anchor> {
    let aid: AnchorId = parse_id(field, id)?;
    state.store.get_anchor(aid).await?.ok_or_else(|| ApiError::not_found("anchor"))
}

/// Register an anchor profile (anchor accounts; one per account).
#[utoipa::path(post, path = "/api/v1/anchors", tag = "anchors", request_body = AnchorInput, security(("bearer" = [])),
    responses((status = 201, body = AnchorView), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<AnchorInput>,
) -> ApiResult<(StatusCode, Json<AnchorView>)> {
    let anchor = register(&state, &caller, &input).await?;
    Ok((StatusCode::CREATED, Json(views::anchor(&anchor, Some(&caller), state.clock.now(), false))))
}

/// List anchors, oldest first (personal data masked except for the anchor and staff).
#[utoipa::path(get, path = "/api/v1/anchors", tag = "anchors", params(PageQuery), security(("bearer" = [])),
    responses((status = 200, body = List<AnchorView>)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<List<AnchorView>>> {
    let page = state.store.list_anchors(&q.request()?).await?;
    let now = state.clock.now();
    Ok(Json(List {
        items: {
            let mut items = Vec::with_capacity(page.items.len());
            for a in &page.items {
                let listed = state.store.is_blacklisted(&a.details.id_number).await?;
                items.push(views::anchor(a, Some(&caller), now, listed));
            }
            items
        },
        next_cursor: page.next_cursor,
    }))
}

/// One anchor.
#[utoipa::path(get, path = "/api/v1/anchors/{id}", tag = "anchors", params(("id" = String, Path)),
    responses((status = 200, body = AnchorView), (status = 404, body = crate::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    caller: MaybeCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<AnchorView>> {
    let anchor = load(&state, "id", &id).await?;
    let listed = state.store.is_blacklisted(&anchor.details.id_number).await?;
    Ok(Json(views::anchor(&anchor, caller.0.as_ref(), state.clock.now(), listed)))
}

/// Verify or reject an anchor's identity (operators; Art. 8, 28).
#[utoipa::path(post, path = "/api/v1/anchors/{id}/verify", tag = "anchors", params(("id" = String, Path)), request_body = DecisionInput,
    security(("bearer" = [])), responses((status = 200, body = AnchorView), (status = 403, body = crate::error::Problem)))]
pub async fn verify(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<DecisionInput>,
) -> ApiResult<Json<AnchorView>> {
    caller.require(&[Role::Operator], "verify anchors")?;
    let note = input.note()?;
    let mut anchor = load(&state, "id", &id).await?;
    if input.decision == clearcast_domain::verification::Decision::Approve
        && state.store.is_blacklisted(&anchor.details.id_number).await?
    {
        return Err(ApiError::invalid(
            "decision",
            "anchor_blacklisted",
            "a blacklisted identity cannot be verified (Order 117 Art. 14)",
        ));
    }
    let now = state.clock.now();
    let v =
        Verification::decide(input.decision, now, state.policy.verification_months, caller.account.id, note.clone());
    let entry = entry_by(
        &caller,
        now,
        "anchor.verify",
        anchor.id,
        json!({"decision": v.decision, "verified_until": v.verified_until, "note": note, "basis": "Order 117 Art. 8, 28"}),
    );
    state.store.set_anchor_verification(anchor.id, &v, entry).await?;
    anchor.verification = Some(v);
    Ok(Json(views::anchor(&anchor, Some(&caller), now, false)))
}

/// Record a training (operators; Art. 10).
#[utoipa::path(post, path = "/api/v1/anchors/{id}/training", tag = "anchors", params(("id" = String, Path)), request_body = TrainingInput,
    security(("bearer" = [])), responses((status = 201, body = TrainingRecord), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn add_training(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<TrainingInput>,
) -> ApiResult<(StatusCode, Json<TrainingRecord>)> {
    caller.require(&[Role::Operator], "record trainings")?;
    let anchor = load(&state, "id", &id).await?;
    let now = state.clock.now();
    TrainingRecord::parse(&input, china_date(now))?;
    let t = TrainingRecord {
        id: TrainingId::generate(),
        anchor: anchor.id,
        kind: input.kind,
        category: input.category,
        completed_on: input.completed_on,
        provider: input.provider.trim().to_string(),
        hours: input.hours,
        recorded_by: caller.account.id,
        recorded_at: now,
    };
    let entry = entry_by(
        &caller,
        now,
        "anchor.training",
        anchor.id,
        json!({"training": t.id, "kind": t.kind, "category": t.category, "completed_on": t.completed_on, "basis": "Order 117 Art. 10"}),
    );
    state.store.insert_training(&t, entry).await?;
    Ok((StatusCode::CREATED, Json(t)))
}

/// An anchor's training records.
#[utoipa::path(get, path = "/api/v1/anchors/{id}/training", tag = "anchors", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = List<TrainingRecord>)))]
pub async fn list_training(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<List<TrainingRecord>>> {
    let anchor = load(&state, "id", &id).await?;
    Ok(Json(List { items: state.store.list_trainings(anchor.id).await?, next_cursor: None }))
}

/// Why an identity is blacklisted.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BlacklistInput {
    /// The facts and the rule (shown to the anchor on appeal).
    pub reason: String,
}

/// Blacklist an anchor's identity (operators; Art. 14). The identity can never register again and
/// the anchor is never eligible.
#[utoipa::path(post, path = "/api/v1/anchors/{id}/blacklist", tag = "anchors", params(("id" = String, Path)), request_body = BlacklistInput,
    security(("bearer" = [])), responses((status = 204, description = "blacklisted"), (status = 403, body = crate::error::Problem)))]
pub async fn blacklist(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<BlacklistInput>,
) -> ApiResult<StatusCode> {
    caller.require(&[Role::Operator], "blacklist anchors")?;
    let reason = clearcast_domain::text::Text::<1000>::parse(&input.reason)
        .map_err(|e| ApiError::invalid("reason", clearcast_domain::validation::CodedError::code(&e), e.to_string()))?;
    let reason = reason.as_str();
    let anchor = load(&state, "id", &id).await?;
    let now = state.clock.now();
    let entry =
        entry_by(&caller, now, "anchor.blacklist", anchor.id, json!({"reason": reason, "basis": "Order 117 Art. 14"}));
    state.store.blacklist_add(&anchor.details.id_number, reason, now, caller.account.id, entry).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Loads the agency of an anchor, if it names one.
pub async fn agency_of(state: &AppState, anchor: &Anchor) -> ApiResult<Option<clearcast_domain::party::Party>> {
    match anchor.details.agency {
        Some(a) => Ok(state.store.get_party(PartyId::Agency(a)).await?),
        None => Ok(None),
    }
}

//! Violations and measures (Order 117 Art. 12-14): operators decide yellow findings; subjects
//! read their record and appeal a measure; an operator decides the appeal. Regulators read all.

use axum::extract::{Path, State};
use axum::Json;
use clearcast_domain::account::Role;
use clearcast_domain::ids::{AnchorId, MeasureId, RoomOperatorId, ShowId, ViolationId};
use clearcast_domain::party::PartyId;
use clearcast_domain::penalty::{Measure, MeasureStatus, Subject};
use clearcast_domain::text::Text;
use clearcast_domain::validation::CodedError;
use clearcast_domain::violation::{Violation, ViolationStatus};
use clearcast_store::ViolationFilter;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::api::entry_by;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, ApiJson, ApiQuery, PageQuery};
use crate::state::AppState;
use crate::views::List;

/// Is the caller the subject (the anchor's or the room's own account)?
pub async fn owns(state: &AppState, caller: &Caller, subject: Subject) -> ApiResult<bool> {
    Ok(match subject {
        Subject::Anchor(a) => state.store.get_anchor(a).await?.is_some_and(|x| x.owner == caller.account.id),
        Subject::RoomOperator(r) => {
            state.store.get_party(PartyId::RoomOperator(r)).await?.is_some_and(|p| p.owner == Some(caller.account.id))
        }
    })
}

async fn own_subject(state: &AppState, caller: &Caller) -> ApiResult<Option<Subject>> {
    Ok(match caller.role() {
        Role::Anchor => state.store.anchor_of_owner(caller.account.id).await?.map(|a| Subject::Anchor(a.id)),
        Role::RoomOperator => state
            .store
            .party_of_owner(clearcast_domain::party::PartyKind::RoomOperator, caller.account.id)
            .await?
            .and_then(|p| match p.id {
                PartyId::RoomOperator(r) => Some(Subject::RoomOperator(r)),
                _ => None,
            }),
        _ => None,
    })
}

fn reason(field: &str, s: &str) -> ApiResult<String> {
    Text::<1000>::parse(s)
        .map(|t| t.as_str().to_string())
        .map_err(|e| ApiError::invalid(field, e.code(), e.to_string()))
}

/// Violation list filters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ViolationQuery {
    /// Only this show's.
    pub show: Option<String>,
    /// Only this anchor's.
    pub anchor: Option<String>,
    /// Only this room's.
    pub room_operator: Option<String>,
    /// `pending`, `confirmed`, `dismissed` or `reversed`.
    pub status: Option<String>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1-200.
    pub limit: Option<u32>,
}

/// Violations: staff see all; an anchor or room operator sees its own.
#[utoipa::path(get, path = "/api/v1/violations", tag = "supervision", params(ViolationQuery), security(("bearer" = [])),
    responses((status = 200, body = List<Violation>)))]
pub async fn list_violations(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ViolationQuery>,
) -> ApiResult<Json<List<Violation>>> {
    let mut f = ViolationFilter {
        show: q.show.as_deref().map(|s| parse_id::<ShowId>("show", s)).transpose()?,
        anchor: q.anchor.as_deref().map(|s| parse_id::<AnchorId>("anchor", s)).transpose()?,
        room_operator: q
            .room_operator
            .as_deref()
            .map(|s| parse_id::<RoomOperatorId>("room_operator", s))
            .transpose()?,
        status: q
            .status
            .as_deref()
            .map(|s| s.parse::<ViolationStatus>().map_err(|e| ApiError::invalid("status", "invalid", e)))
            .transpose()?,
    };
    if !caller.is_staff() {
        match own_subject(&state, &caller).await? {
            Some(Subject::Anchor(a)) => f.anchor = Some(a),
            Some(Subject::RoomOperator(r)) => f.room_operator = Some(r),
            None => return Err(ApiError::forbidden("staff, anchors and room operators read violations")),
        }
    }
    let page = state.store.list_violations(&f, &PageQuery { cursor: q.cursor, limit: q.limit }.request()?).await?;
    Ok(Json(List { items: page.items, next_cursor: page.next_cursor }))
}

/// An operator's decision on a pending (yellow) violation.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ViolationDecision {
    /// True confirms a pending violation (points apply); false dismisses a pending one or reverses
    /// a confirmed one.
    pub confirm: bool,
    /// Why.
    pub reason: String,
}

/// Confirm or dismiss a pending violation, or reverse a confirmed one on review (operators).
/// Confirming moves the ladder; reversing also reverses the measures that rested only on it.
#[utoipa::path(post, path = "/api/v1/violations/{id}/decision", tag = "supervision", params(("id" = String, Path)),
    request_body = ViolationDecision, security(("bearer" = [])),
    responses((status = 200, body = Violation), (status = 409, body = crate::error::Problem)))]
pub async fn decide_violation(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ViolationDecision>,
) -> ApiResult<Json<Violation>> {
    caller.require(&[Role::Operator], "decide violations")?;
    let why = reason("reason", &input.reason)?;
    let vid: ViolationId = parse_id("id", &id)?;
    let mut v = state.store.get_violation(vid).await?.ok_or_else(|| ApiError::not_found("violation"))?;
    let now = state.clock.now();
    if v.status == ViolationStatus::Confirmed && !input.confirm {
        // The scanner can be wrong (a quotation, a lawful context it does not know): an operator
        // who reviews the replay may reverse a confirmed violation, with reasons; measures that
        // rested only on it are reversed too.
        v.status = ViolationStatus::Reversed;
        v.decided_at = Some(now);
        v.decision_reason = Some(why.clone());
        let record = entry_by(
            &caller,
            now,
            "violation.reversed",
            v.show,
            json!({
                "violation": v.id, "reason": why, "by": "operator review", "basis": "Order 117 Art. 13",
            }),
        );
        state.store.save_violation(&v, ViolationStatus::Confirmed, record).await?;
        crate::quality::on_violation(&state, &v);
        let subjects = [Subject::Anchor(v.anchor), Subject::RoomOperator(v.room_operator)];
        crate::supervision::reverse_orphaned_measures(&state, &subjects, json!({"violation_reviewed": v.id}), now)
            .await?;
        return Ok(Json(v));
    }
    if v.status != ViolationStatus::Pending {
        return Err(ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "violation_decided",
            format!("the violation is {}; only pending ones are decided", v.status.as_str()),
        ));
    }
    v.status = if input.confirm { ViolationStatus::Confirmed } else { ViolationStatus::Dismissed };
    v.decided_at = Some(now);
    v.decision_reason = Some(why.clone());
    let record = entry_by(
        &caller,
        now,
        "violation.decided",
        v.show,
        json!({"violation": v.id, "status": v.status, "reason": why}),
    );
    state.store.save_violation(&v, ViolationStatus::Pending, record).await?;
    crate::quality::on_violation(&state, &v);
    if input.confirm {
        crate::supervision::apply_ladder(
            &state,
            &[Subject::Anchor(v.anchor), Subject::RoomOperator(v.room_operator)],
            now,
        )
        .await?;
    }
    Ok(Json(v))
}

/// A measure with its state now.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MeasureView {
    /// The measure.
    #[serde(flatten)]
    pub measure: Measure,
    /// `active`, `lifted` (term ended) or `reversed` (on appeal).
    pub status: MeasureStatus,
}

/// Measure list filters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MeasureQuery {
    /// Only this subject's (`anc_…` or `rop_…`).
    pub subject: Option<String>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1-200.
    pub limit: Option<u32>,
}

/// An anchor or room operator id as a subject (422 naming `field` otherwise).
pub fn parse_subject(field: &str, s: &str) -> ApiResult<Subject> {
    s.parse::<Subject>()
        .map_err(|e| ApiError::invalid(field, e.code(), format!("an anchor (anc_…) or a room operator (rop_…): {e}")))
}

/// Measures: staff see all; an anchor or room operator sees its own.
#[utoipa::path(get, path = "/api/v1/penalties", tag = "supervision", params(MeasureQuery), security(("bearer" = [])),
    responses((status = 200, body = List<MeasureView>)))]
pub async fn list_measures(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<MeasureQuery>,
) -> ApiResult<Json<List<MeasureView>>> {
    let mut subject = q.subject.as_deref().map(|s| parse_subject("subject", s)).transpose()?;
    if !caller.is_staff() {
        let own = own_subject(&state, &caller)
            .await?
            .ok_or_else(|| ApiError::forbidden("staff, anchors and room operators read measures"))?;
        if subject.is_some_and(|s| s != own) {
            return Err(ApiError::forbidden("anchors and room operators read their own measures"));
        }
        subject = Some(own);
    }
    let page = state.store.list_measures(subject, &PageQuery { cursor: q.cursor, limit: q.limit }.request()?).await?;
    let now = state.clock.now();
    let items = page.items.into_iter().map(|m| MeasureView { status: m.status(now), measure: m }).collect();
    Ok(Json(List { items, next_cursor: page.next_cursor }))
}

async fn load_measure(state: &AppState, caller: &Caller, id: &str) -> ApiResult<Measure> {
    let mid: MeasureId = parse_id("id", id)?;
    let m = state.store.get_measure(mid).await?.ok_or_else(|| ApiError::not_found("measure"))?;
    if !caller.is_staff() && !owns(state, caller, m.subject).await? {
        return Err(ApiError::not_found("measure"));
    }
    Ok(m)
}

/// One measure: facts, rules, basis, term, appeal route and state.
#[utoipa::path(get, path = "/api/v1/penalties/{id}", tag = "supervision", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = MeasureView), (status = 404, body = crate::error::Problem)))]
pub async fn get_measure(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<MeasureView>> {
    let m = load_measure(&state, &caller, &id).await?;
    Ok(Json(MeasureView { status: m.status(state.clock.now()), measure: m }))
}

/// An appeal.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealInput {
    /// The subject's statement.
    pub statement: String,
}

/// Appeal a measure (the anchor or room operator it is on; once).
#[utoipa::path(post, path = "/api/v1/penalties/{id}/appeal", tag = "supervision", params(("id" = String, Path)),
    request_body = AppealInput, security(("bearer" = [])),
    responses((status = 200, body = MeasureView), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn appeal(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<AppealInput>,
) -> ApiResult<Json<MeasureView>> {
    let statement = reason("statement", &input.statement)?;
    let prev = load_measure(&state, &caller, &id).await?;
    if !owns(&state, &caller, prev.subject).await? {
        return Err(ApiError::forbidden("only the anchor or room operator under the measure may appeal it"));
    }
    let now = state.clock.now();
    let mut m = prev.clone();
    m.file_appeal(statement.clone(), now)
        .map_err(|e| ApiError::new(axum::http::StatusCode::CONFLICT, "appeal_not_allowed", e))?;
    let record =
        entry_by(&caller, now, "measure.appealed", m.subject, json!({"measure": m.id, "statement": statement}));
    state.store.save_measure(&m, &prev, record).await?;
    Ok(Json(MeasureView { status: m.status(now), measure: m }))
}

/// An operator's decision on an appeal.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealDecision {
    /// True upholds the appeal: the measure and the violations behind it are reversed.
    pub upheld: bool,
    /// Why.
    pub reason: String,
}

/// Decide an appeal (operators). Upheld reverses the measure, lifts any identity bar and
/// reverses the violations behind it (their points no longer count).
#[utoipa::path(post, path = "/api/v1/penalties/{id}/appeal/decision", tag = "supervision", params(("id" = String, Path)),
    request_body = AppealDecision, security(("bearer" = [])),
    responses((status = 200, body = MeasureView), (status = 409, body = crate::error::Problem)))]
pub async fn decide_appeal(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<AppealDecision>,
) -> ApiResult<Json<MeasureView>> {
    caller.require(&[Role::Operator], "decide appeals")?;
    let why = reason("reason", &input.reason)?;
    let prev = load_measure(&state, &caller, &id).await?;
    let now = state.clock.now();
    let mut m = prev.clone();
    m.decide_appeal(input.upheld, why.clone(), now)
        .map_err(|e| ApiError::new(axum::http::StatusCode::CONFLICT, "appeal_not_pending", e))?;
    let record = entry_by(
        &caller,
        now,
        "measure.appeal_decided",
        m.subject,
        json!({
            "measure": m.id, "upheld": input.upheld, "reason": why, "basis": "Order 117 Art. 13",
        }),
    );
    state.store.save_measure(&m, &prev, record).await?;
    if input.upheld {
        let mut subjects = vec![m.subject];
        for vid in &m.violations {
            if let Some(mut v) = state.store.get_violation(*vid).await? {
                for sub in [Subject::Anchor(v.anchor), Subject::RoomOperator(v.room_operator)] {
                    if !subjects.contains(&sub) {
                        subjects.push(sub);
                    }
                }
                if v.status == ViolationStatus::Confirmed {
                    v.status = ViolationStatus::Reversed;
                    v.decided_at = Some(now);
                    v.decision_reason = Some(format!("appeal upheld on measure {}: {why}", m.id));
                    let r = entry_by(
                        &caller,
                        now,
                        "violation.reversed",
                        v.show,
                        json!({"violation": v.id, "measure": m.id}),
                    );
                    match state.store.save_violation(&v, ViolationStatus::Confirmed, r).await {
                        Ok(()) => crate::quality::on_violation(&state, &v),
                        Err(clearcast_store::StoreError::Conflict { .. }) => {}
                        Err(e) => return Err(e.into()),
                    }
                }
            }
        }
        crate::supervision::reverse_orphaned_measures(&state, &subjects, json!({"appeal_upheld_on": m.id}), now)
            .await?;
    }
    crate::quality::refresh_limits(&state).await;
    Ok(Json(MeasureView { status: m.status(now), measure: m }))
}

//! Regulators' notices (Order 117 Art. 12 ¶2, 22) — the one thing regulators write — and the
//! platform's actions on them, on the clock; and the measures report the regulator reads
//! (Art. 12 ¶3: closures, re-registration bans and blacklistings go to the provincial level).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use clearcast_domain::account::Role;
use clearcast_domain::ids::NoticeId;
use clearcast_domain::notice::{ActionKind, Notice, NoticeAction, NoticeKind};
use clearcast_domain::penalty::{LadderStep, Measure, MeasureKind, MeasureStatus, Subject};
use clearcast_domain::text::Text;
use clearcast_domain::validation::CodedError;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::api::entry_by;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, ApiJson, ApiQuery, PageQuery};
use crate::state::AppState;
use crate::views::List;

fn text<const N: usize>(field: &str, s: &str) -> ApiResult<String> {
    Text::<N>::parse(s).map(|t| t.as_str().to_string()).map_err(|e| ApiError::invalid(field, e.code(), e.to_string()))
}

async fn subject_of(state: &AppState, field: &str, id: &str) -> ApiResult<Subject> {
    let subject = crate::api::penalties::parse_subject(field, id)?;
    let exists = match subject {
        Subject::Anchor(a) => state.store.get_anchor(a).await?.is_some(),
        Subject::RoomOperator(r) => {
            state.store.get_party(clearcast_domain::party::PartyId::RoomOperator(r)).await?.is_some()
        }
    };
    if !exists {
        return Err(ApiError::invalid(field, "unknown_subject", format!("no {id}")));
    }
    Ok(subject)
}

/// A notice with its clock now.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NoticeView {
    /// The notice.
    #[serde(flatten)]
    pub notice: Notice,
    /// The deadline passed without action, or the action came late.
    pub overdue: bool,
    /// Closed by the platform.
    pub closed: bool,
}

fn view(n: Notice, now: chrono::DateTime<chrono::Utc>) -> NoticeView {
    NoticeView { overdue: n.overdue(now), closed: n.closed(), notice: n }
}

/// A regulator's notice.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeInput {
    /// `violation` (Art. 12 ¶2) or `unreachable` (Art. 22).
    pub kind: NoticeKind,
    /// The anchor (`anc_…`) or room operator (`rop_…`).
    pub subject_id: String,
    /// The facts found.
    pub facts: String,
    /// The regulator's case or document number.
    pub reference: String,
}

/// Post a notice (regulators). The platform must act within the policy's working days (five).
#[utoipa::path(post, path = "/api/v1/notices", tag = "regulators", request_body = NoticeInput, security(("bearer" = [])),
    responses((status = 201, body = NoticeView), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<NoticeInput>,
) -> ApiResult<(StatusCode, Json<NoticeView>)> {
    caller.require(&[Role::Regulator], "post notices")?;
    let facts = text::<2000>("facts", &input.facts)?;
    let reference = text::<200>("reference", &input.reference)?;
    let subject = subject_of(&state, "subject_id", &input.subject_id).await?;
    let now = state.clock.now();
    let n = Notice::receive(
        input.kind,
        subject,
        facts,
        reference,
        now,
        state.policy.supervision.notice_working_days,
        &state.policy.calendar,
    );
    let record = entry_by(
        &caller,
        now,
        "notice.received",
        n.id,
        json!({
            "kind": n.kind, "subject": n.subject, "reference": n.reference, "facts": n.facts, "due_on": n.due_on,
            "basis": match n.kind { NoticeKind::Violation => "Order 117 Art. 12", NoticeKind::Unreachable => "Order 117 Art. 22" },
        }),
    );
    state.store.insert_notice(&n, record).await?;
    Ok((StatusCode::CREATED, Json(view(n, now))))
}

/// Page options.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct NoticeQuery {
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1-200.
    pub limit: Option<u32>,
}

/// Notices with their clocks (regulators and operators).
#[utoipa::path(get, path = "/api/v1/notices", tag = "regulators", params(NoticeQuery), security(("bearer" = [])),
    responses((status = 200, body = List<NoticeView>)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<NoticeQuery>,
) -> ApiResult<Json<List<NoticeView>>> {
    caller.require(&[Role::Regulator, Role::Operator], "read notices")?;
    let page = state.store.list_notices(&PageQuery { cursor: q.cursor, limit: q.limit }.request()?).await?;
    let now = state.clock.now();
    Ok(Json(List { items: page.items.into_iter().map(|n| view(n, now)).collect(), next_cursor: page.next_cursor }))
}

/// The platform's action on a notice.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionInput {
    /// `reminded`, `measure_taken` or `closed`.
    pub kind: ActionKind,
    /// What was done and why.
    pub note: String,
    /// For `measure_taken`: the measure (`warning` … `blacklist`).
    pub measure: Option<MeasureKind>,
    /// Its term in days (none: permanent).
    pub days: Option<u32>,
}

/// Act on a notice (operators): remind the party, take a measure of the ladder (it is decided on
/// the subject with the notice's facts, and takes effect like any other), or close it with
/// reasons.
#[utoipa::path(post, path = "/api/v1/notices/{id}/actions", tag = "regulators", params(("id" = String, Path)),
    request_body = ActionInput, security(("bearer" = [])),
    responses((status = 200, body = NoticeView), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn act(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ActionInput>,
) -> ApiResult<Json<NoticeView>> {
    caller.require(&[Role::Operator], "act on notices")?;
    let note = text::<1000>("note", &input.note)?;
    let nid: NoticeId = parse_id("id", &id)?;
    let prev = state.store.get_notice(nid).await?.ok_or_else(|| ApiError::not_found("notice"))?;
    if prev.closed() {
        return Err(ApiError::new(StatusCode::CONFLICT, "notice_closed", "the notice is closed"));
    }
    let now = state.clock.now();
    let measure = match (input.kind, input.measure) {
        (ActionKind::MeasureTaken, Some(kind)) => {
            // Measures up to a timed stop run for a term; closures and bars are permanent.
            let timed = kind < MeasureKind::AccountClosure && kind != MeasureKind::Warning;
            match (timed, input.days) {
                (true, None) => {
                    return Err(ApiError::invalid(
                        "days",
                        "required",
                        format!("a {} runs for a term: give days", kind.as_str()),
                    ))
                }
                (true, Some(d)) if d == 0 || d > 3650 => {
                    return Err(ApiError::invalid("days", "out_of_range", "1-3650 days"))
                }
                (false, Some(_)) => {
                    return Err(ApiError::invalid("days", "not_allowed", format!("a {} has no term", kind.as_str())))
                }
                _ => {}
            }
            let step = LadderStep { min_points: 0, measure: kind, days: input.days };
            let m = Measure::decide(
                prev.subject,
                &step,
                format!("regulator's notice {} ({}): {}", prev.id, prev.reference, prev.facts),
                vec![],
                "Order 117 Art. 12".into(),
                vec![],
                0,
                &state.policy.penalties.appeal_route,
                now,
            );
            let record = entry_by(
                &caller,
                now,
                "measure.decided",
                prev.subject,
                json!({
                    "measure": m.id, "kind": m.kind, "notice": prev.id, "reference": prev.reference, "ends_at": m.ends_at,
                    "note": note, "basis": "Order 117 Art. 12", "appeal_route": m.appeal_route,
                }),
            );
            state.store.insert_measure(&m, record).await?;
            if m.kind.stops_live() {
                crate::supervision::stop_live_shows(&state, m.subject, &m, now).await?;
            }
            crate::quality::refresh_limits(&state).await;
            Some(m.id)
        }
        (ActionKind::MeasureTaken, None) => {
            return Err(ApiError::invalid("measure", "required", "name the measure taken"));
        }
        (_, Some(_)) => return Err(ApiError::invalid("measure", "not_allowed", "a measure goes with `measure_taken`")),
        _ => None,
    };
    let mut n = prev.clone();
    n.actions.push(NoticeAction { kind: input.kind, at: now, measure, note: note.clone() });
    let record = entry_by(
        &caller,
        now,
        "notice.acted",
        n.id,
        json!({
            "kind": input.kind, "measure": measure, "note": note, "due_on": n.due_on, "in_time": !n.overdue(now),
        }),
    );
    state.store.save_notice(&n, &prev, record).await?;
    Ok(Json(view(n, now)))
}

/// One line of the measures report.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MeasureReportLine {
    /// The measure.
    #[serde(flatten)]
    pub measure: Measure,
    /// Its state now.
    pub status: MeasureStatus,
    /// `provincial` for closures, re-registration bans and blacklistings (Art. 12 ¶3), else
    /// `county`.
    pub report_level: &'static str,
}

/// Measures report filters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MeasuresReportQuery {
    /// Only the severe ones (closures, re-registration bans, blacklistings).
    pub severe: Option<bool>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1-200.
    pub limit: Option<u32>,
}

/// The measures the platform took, for the regulator (Art. 12 ¶3), oldest first.
#[utoipa::path(get, path = "/api/v1/reports/measures", tag = "regulators", params(MeasuresReportQuery), security(("bearer" = [])),
    responses((status = 200, body = List<MeasureReportLine>)))]
pub async fn measures_report(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<MeasuresReportQuery>,
) -> ApiResult<Json<List<MeasureReportLine>>> {
    caller.require(&[Role::Regulator, Role::Operator], "read the measures report")?;
    let page = state.store.list_measures(None, &PageQuery { cursor: q.cursor, limit: q.limit }.request()?).await?;
    let now = state.clock.now();
    let items = page
        .items
        .into_iter()
        .filter(|m| !q.severe.unwrap_or(false) || m.kind >= MeasureKind::AccountClosure)
        .map(|m| MeasureReportLine {
            status: m.status(now),
            report_level: if m.kind >= MeasureKind::AccountClosure { "provincial" } else { "county" },
            measure: m,
        })
        .collect();
    Ok(Json(List { items, next_cursor: page.next_cursor }))
}

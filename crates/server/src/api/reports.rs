//! Regulator reports: the Art. 9 identity report of room operators and anchors active in a
//! half-year (JSON or CSV), the Art. 11 tiers of room operators with their reasons, and the
//! Art. 20 complaint figures.

use clearcast_domain::complaint::report::{report, to_csv, GroupBy, ReportRow};
use clearcast_domain::penalty::Subject;
use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use clearcast_domain::account::Role;
use clearcast_domain::dates::china;
use clearcast_domain::ids::{AnchorId, RoomOperatorId};
use clearcast_domain::party::{LegalIdentity, PartyId, PartyKind};
use clearcast_domain::tier::{tier, TierInputs, TierVerdict};
use clearcast_domain::verification::{status, VerificationStatus};
use serde::{Deserialize, Serialize};

use crate::api::parties;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;
use crate::state::AppState;
use crate::views::List;

/// Which half-year, and in what format.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct IdentityQuery {
    /// `YYYYH1` (January-June) or `YYYYH2` (July-December), China-local.
    pub half: String,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

/// One party in the identity report.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IdentityRow {
    /// `room_operator` or `anchor`.
    pub kind: &'static str,
    /// Id.
    pub id: String,
    /// Legal or real name.
    pub name: String,
    /// USCC (organisations) or ID number (natural persons and anchors), in full: this report goes
    /// to the regulator (Art. 9).
    pub identity_number: String,
    /// Address.
    pub address: String,
    /// Contact.
    pub contact: String,
    /// The anchor's agency, if any.
    pub agency_id: Option<String>,
    /// Verification status at the end of the half-year.
    pub verification: VerificationStatus,
    /// Until when verified.
    pub verified_until: Option<DateTime<Utc>>,
    /// Shows that went live in the half-year.
    pub shows: u32,
    /// First show start in the half-year.
    pub first_show_at: DateTime<Utc>,
    /// Last show start in the half-year.
    pub last_show_at: DateTime<Utc>,
}

/// The report.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IdentityReport {
    /// The half-year, e.g. `2026H2`.
    pub half: String,
    /// First instant covered.
    pub from: DateTime<Utc>,
    /// First instant after.
    pub to: DateTime<Utc>,
    /// Room operators and anchors with at least one show that went live in the half-year.
    pub items: Vec<IdentityRow>,
}

/// Parses `2026H2` into the China-local half-year as UTC instants.
pub fn half_year(s: &str) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let (y, h) = s.split_once(['H', 'h'])?;
    let y: i32 = y.parse().ok().filter(|y| (2000..=2100).contains(y))?;
    let (start, end) = match h {
        "1" => (NaiveDate::from_ymd_opt(y, 1, 1)?, NaiveDate::from_ymd_opt(y, 7, 1)?),
        "2" => (NaiveDate::from_ymd_opt(y, 7, 1)?, NaiveDate::from_ymd_opt(y + 1, 1, 1)?),
        _ => return None,
    };
    let at =
        |d: NaiveDate| china().from_local_datetime(&d.and_hms_opt(0, 0, 0)?).single().map(|t| t.with_timezone(&Utc));
    Some((at(start)?, at(end)?))
}

fn csv_field(s: &str) -> String {
    // Quote everything; neutralise spreadsheet formulas (CSV injection).
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_string() };
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Builds the identity report for `[from, to)`.
pub async fn identities(state: &AppState, half: &str) -> ApiResult<IdentityReport> {
    let (from, to) = half_year(half).ok_or_else(|| {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", "half must look like 2026H2").field(
            "half",
            "invalid_half",
            "YYYYH1 or YYYYH2",
        )
    })?;
    let shows = state.store.shows_started_between(from, to).await?;
    let mut rooms: BTreeMap<RoomOperatorId, Vec<DateTime<Utc>>> = BTreeMap::new();
    let mut anchors: BTreeMap<AnchorId, Vec<DateTime<Utc>>> = BTreeMap::new();
    for s in &shows {
        let Some(t) = s.started_at else { continue };
        rooms.entry(s.room_operator).or_default().push(t);
        for a in &s.roster {
            anchors.entry(*a).or_default().push(t);
        }
    }
    let judged_at = to - Duration::seconds(1);
    let mut items = Vec::new();
    for (rid, times) in rooms {
        let Some(p) = state.store.get_party(PartyId::RoomOperator(rid)).await? else { continue };
        items.push(IdentityRow {
            kind: "room_operator",
            id: rid.to_string(),
            name: p.details.legal_name.to_string(),
            identity_number: match &p.details.identity {
                LegalIdentity::Organisation(u) => u.to_string(),
                LegalIdentity::NaturalPerson(i) => i.expose().to_string(),
            },
            address: p.details.address.to_string(),
            contact: p.details.contact.to_string(),
            agency_id: None,
            verification: status(p.verification.as_ref(), judged_at),
            verified_until: p.verification.as_ref().and_then(|v| v.verified_until),
            shows: times.len() as u32,
            first_show_at: times.iter().min().copied().unwrap_or(from),
            last_show_at: times.iter().max().copied().unwrap_or(from),
        });
    }
    for (aid, times) in anchors {
        let Some(a) = state.store.get_anchor(aid).await? else { continue };
        items.push(IdentityRow {
            kind: "anchor",
            id: aid.to_string(),
            name: a.details.real_name.to_string(),
            identity_number: a.details.id_number.expose().to_string(),
            address: a.details.address.to_string(),
            contact: a.details.contact.to_string(),
            agency_id: a.details.agency.map(|x| x.to_string()),
            verification: status(a.verification.as_ref(), judged_at),
            verified_until: a.verification.as_ref().and_then(|v| v.verified_until),
            shows: times.len() as u32,
            first_show_at: times.iter().min().copied().unwrap_or(from),
            last_show_at: times.iter().max().copied().unwrap_or(from),
        });
    }
    Ok(IdentityReport { half: half.to_uppercase(), from, to, items })
}

/// The Art. 9 identity report of room operators and anchors active in a half-year (operators and
/// regulators). `?format=csv` for a spreadsheet.
#[utoipa::path(get, path = "/api/v1/reports/identities", tag = "regulator", params(IdentityQuery), security(("bearer" = [])),
    responses((status = 200, body = IdentityReport), (status = 403, body = crate::error::Problem)))]
pub async fn identity_report(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<IdentityQuery>,
) -> ApiResult<Response> {
    caller.require(&[Role::Operator, Role::Regulator], "read identity reports")?;
    let report = identities(&state, &q.half).await?;
    match q.format.as_deref().unwrap_or("json") {
        "json" => Ok(Json(report).into_response()),
        "csv" => {
            let mut out = String::from("kind,id,name,identity_number,address,contact,agency_id,verification,verified_until,shows,first_show_at,last_show_at\n");
            for r in &report.items {
                let cols = [
                    r.kind.to_string(),
                    r.id.clone(),
                    r.name.clone(),
                    r.identity_number.clone(),
                    r.address.clone(),
                    r.contact.clone(),
                    r.agency_id.clone().unwrap_or_default(),
                    serde_json::to_value(r.verification)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default(),
                    r.verified_until.map(|t| t.to_rfc3339()).unwrap_or_default(),
                    r.shows.to_string(),
                    r.first_show_at.to_rfc3339(),
                    r.last_show_at.to_rfc3339(),
                ];
                out.push_str(&cols.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(","));
                out.push('\n');
            }
            let name = format!("attachment; filename=\"identities-{}.csv\"", report.half);
            Ok((
                [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, name)],
                out,
            )
                .into_response())
        }
        _ => Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", "format is json or csv").field(
            "format",
            "unknown_value",
            "json or csv",
        )),
    }
}

/// A room's tier with its reasons.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TierView {
    /// The room operator.
    pub room_operator_id: RoomOperatorId,
    /// Legal name.
    pub name: String,
    /// Tier and every criterion.
    #[serde(flatten)]
    pub verdict: TierVerdict,
}

/// A room's tier now, with every criterion.
pub async fn tier_of(state: &AppState, rid: RoomOperatorId, name: String) -> ApiResult<TierView> {
    let now = state.clock.now();
    let inputs = TierInputs {
        followers: state.store.follower_count(rid).await?,
        sales_minor_90d: Some(state.store.room_sales_since(rid, now - Duration::days(90)).await?),
        categories_90d: state.store.room_categories_since(rid, now - Duration::days(90)).await?,
        violation_points_90d: Some(crate::supervision::points_since(state, Subject::RoomOperator(rid), now, 90).await?),
        reputation: state
            .quality
            .book()
            .reputation(clearcast_domain::reputation::ScoredSubject::RoomOperator(rid), now)
            .score,
    };
    Ok(TierView { room_operator_id: rid, name, verdict: tier(&inputs, &state.policy.tiers) })
}

/// A room operator's tier (Art. 11) with every criterion (public: it explains how the room is
/// supervised).
#[utoipa::path(get, path = "/api/v1/room-operators/{id}/tier", tag = "room operators", params(("id" = String, Path)),
    responses((status = 200, body = TierView)))]
pub async fn room_tier(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<TierView>> {
    let r = parties::load(&state, PartyKind::RoomOperator, "id", &id).await?;
    let PartyId::RoomOperator(rid) = r.id else { return Err(ApiError::internal("room operator id of another kind")) };
    Ok(Json(tier_of(&state, rid, r.details.legal_name.to_string()).await?))
}

/// Key rooms for live patrol (operators and regulators).
#[utoipa::path(get, path = "/api/v1/reports/key-rooms", tag = "regulator", security(("bearer" = [])),
    responses((status = 200, body = List<TierView>)))]
pub async fn key_rooms(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<List<TierView>>> {
    caller.require(&[Role::Operator, Role::Regulator], "read the key-room list")?;
    let mut items = Vec::new();
    let mut page = clearcast_store::PageRequest { after: None, limit: 200 };
    loop {
        let p = state.store.list_parties(PartyKind::RoomOperator, &page).await?;
        for r in &p.items {
            if let PartyId::RoomOperator(rid) = r.id {
                let t = tier_of(&state, rid, r.details.legal_name.to_string()).await?;
                if t.verdict.tier == clearcast_domain::tier::Tier::Key {
                    items.push(t);
                }
            }
        }
        match p.next_cursor {
            Some(c) => page.after = Some(c),
            None => break,
        }
    }
    Ok(Json(List { items, next_cursor: None }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_years_are_china_local() {
        let (from, to) = half_year("2026H2").unwrap();
        assert_eq!(from, Utc.with_ymd_and_hms(2026, 6, 30, 16, 0, 0).unwrap());
        assert_eq!(to, Utc.with_ymd_and_hms(2026, 12, 31, 16, 0, 0).unwrap());
        assert!(half_year("2026H3").is_none());
        assert!(half_year("H1").is_none());
        assert_eq!(csv_field("=SUM(A1)"), "\"'=SUM(A1)\"");
    }
}

/// Complaint report query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ComplaintReportQuery {
    /// First day (China time, `YYYY-MM-DD`), inclusive.
    pub from: Option<NaiveDate>,
    /// Last day, inclusive.
    pub to: Option<NaiveDate>,
    /// `month` (default), `category`, `anchor` or `merchant`.
    pub group_by: Option<String>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

/// Complaint figures for regulators.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ComplaintReport {
    /// The grouping.
    pub group_by: GroupBy,
    /// From (inclusive).
    pub from: Option<NaiveDate>,
    /// To (inclusive).
    pub to: Option<NaiveDate>,
    /// The groups.
    pub rows: Vec<ReportRow>,
}

/// Complaints by month, category, anchor or merchant: counts, upheld rate, median time to
/// decision, compensation paid and the share recovered (operators and regulators; JSON or CSV).
/// The figures are `complaint::report`'s.
#[utoipa::path(get, path = "/api/v1/reports/complaints", tag = "regulator", params(ComplaintReportQuery), security(("bearer" = [])),
    responses((status = 200, body = ComplaintReport), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn complaints(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ComplaintReportQuery>,
) -> ApiResult<Response> {
    caller.require(&[Role::Operator, Role::Regulator], "read complaint reports")?;
    let group_by: GroupBy = q
        .group_by
        .as_deref()
        .unwrap_or("month")
        .parse()
        .map_err(|why| ApiError::invalid("group_by", "unknown_value", why))?;
    let format = q.format.as_deref().unwrap_or("json");
    if !["json", "csv"].contains(&format) {
        return Err(ApiError::invalid("format", "unknown_value", "json or csv"));
    }
    if let (Some(f), Some(t)) = (q.from, q.to) {
        if f > t {
            return Err(ApiError::invalid("from", "after_to", "from must not be after to"));
        }
    }
    let all = crate::api::complaints::all_of(&state, &clearcast_store::ComplaintFilter::default()).await?;
    let rows = report(&all, q.from, q.to, group_by);
    if format == "csv" {
        // Saved as a file named after what it holds, as the identity report is.
        let name = format!("attachment; filename=\"complaints-by-{}.csv\"", q.group_by.as_deref().unwrap_or("month"));
        return Ok((
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, name)],
            to_csv(&rows),
        )
            .into_response());
    }
    Ok(Json(ComplaintReport { group_by, from: q.from, to: q.to, rows }).into_response())
}

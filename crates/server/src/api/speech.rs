//! Live supervision of what is said (Order 117 Art. 31, 34, 36): the anchor's client posts
//! speech-to-text segments; each is scanned with the rules in force, scoped by the pinned
//! product's category, recorded on the show's stream, and its findings come back as warnings.
//! Red findings are violations at once, yellow ones wait for an operator; points then move the
//! penalty ladder. A segment that corrects an earlier one (`corrects`, or said as a retraction:
//! 更正 / 说错了 / correction / I misspoke) is linked to it as a correction record.

use axum::extract::{Path, State};
use axum::Json;
use clearcast_domain::account::Role;
use clearcast_domain::compliance::{Finding, Lang, Scope};
use clearcast_domain::ids::AnchorId;
use clearcast_domain::live::{Audience, Event, Kind};
use clearcast_domain::penalty::{Measure, Subject};
use clearcast_domain::show::ShowStatus;
use clearcast_domain::violation::{Violation, ViolationStatus};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::api::{compliance::check_text, entry_by, shows};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, ApiJson};
use crate::state::AppState;

/// Most segments per request.
pub const MAX_SEGMENTS: usize = 100;

/// Phrases with which anchors retract what they just said.
const RETRACTIONS: &[&str] =
    &["更正一下", "更正", "说错了", "纠正一下", "口误", "收回刚才", "correction", "i misspoke", "let me correct"];

/// One speech-to-text segment.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SegmentInput {
    /// The client's id for the segment (1-64 visible ASCII), to be named by a later correction.
    pub id: String,
    /// Milliseconds since the show started.
    pub at_ms: u64,
    /// What was said.
    pub text: String,
    /// The id of an earlier segment this one corrects.
    pub corrects: Option<String>,
}

/// A batch of segments.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TranscriptInput {
    /// The speaking anchor (`anc_…`); defaults to the caller when the caller is an anchor.
    pub anchor_id: Option<String>,
    /// `zh` or `en`: the language of the suggestions.
    pub lang: Option<String>,
    /// The segments, in order (1-100).
    pub segments: Vec<SegmentInput>,
}

/// What one segment produced.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SegmentView {
    /// The client's id.
    pub id: String,
    /// Findings: the warnings to show the anchor, with a compliant wording.
    pub findings: Vec<Finding>,
    /// The earlier segment this one corrects, if any (its findings are recorded, not counted).
    pub corrects: Option<String>,
    /// Already taken in an earlier request (a retry): not scanned or counted again.
    pub duplicate: bool,
}

/// The answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TranscriptView {
    /// Per segment.
    pub segments: Vec<SegmentView>,
    /// Violations recorded (red: confirmed; yellow: pending an operator).
    pub violations: Vec<Violation>,
    /// Measures the ladder decided as a result.
    pub measures: Vec<Measure>,
    /// The show's state afterwards (`suspended` when a measure stopped it).
    pub show_status: ShowStatus,
}

/// Post transcript segments of a live show (a roster anchor or the room operator).
#[utoipa::path(post, path = "/api/v1/shows/{id}/transcript", tag = "supervision", params(("id" = String, Path)),
    request_body = TranscriptInput, security(("bearer" = [])),
    responses((status = 200, body = TranscriptView), (status = 409, body = crate::error::Problem), (status = 413, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn transcript(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<TranscriptInput>,
) -> ApiResult<Json<TranscriptView>> {
    let show = shows::load(&state, &id).await?;
    shows::require_runner(&state, &caller, &show, "post transcripts").await?;
    if show.status != ShowStatus::Live {
        return Err(ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "show_not_live",
            format!("the show is {}; transcripts are taken while it is live", show.status.as_str()),
        ));
    }
    let anchor: AnchorId = match (&input.anchor_id, caller.role()) {
        (Some(a), _) => parse_id("anchor_id", a)?,
        (None, Role::Anchor) => state
            .store
            .anchor_of_owner(caller.account.id)
            .await?
            .map(|a| a.id)
            .ok_or_else(|| ApiError::invalid("anchor_id", "required", "name the speaking anchor"))?,
        (None, _) => return Err(ApiError::invalid("anchor_id", "required", "name the speaking anchor")),
    };
    if !show.roster.contains(&anchor) {
        return Err(ApiError::invalid("anchor_id", "not_on_roster", "the anchor is not on this show's roster"));
    }
    if input.segments.is_empty() || input.segments.len() > MAX_SEGMENTS {
        return Err(ApiError::invalid("segments", "out_of_range", format!("send 1-{MAX_SEGMENTS} segments")));
    }
    let lang = input
        .lang
        .as_deref()
        .map(|l| l.parse::<Lang>().map_err(|e| ApiError::invalid("lang", "unknown_language", e)))
        .transpose()?;
    for (i, s) in input.segments.iter().enumerate() {
        if s.id.is_empty() || s.id.len() > 64 || !s.id.chars().all(|c| c.is_ascii_graphic()) {
            return Err(ApiError::invalid(&format!("segments[{i}].id"), "invalid", "1-64 visible ASCII characters"));
        }
        check_text(&state, &format!("segments[{i}].text"), &s.text, None)?;
        if input.segments[..i].iter().any(|o| o.id == s.id) {
            return Err(ApiError::invalid(&format!("segments[{i}].id"), "duplicate", "segment ids are unique"));
        }
    }
    // A retried request: segments already taken are answered as duplicates, not scanned again.
    let ids: Vec<String> = input.segments.iter().map(|s| s.id.clone()).collect();
    let known = state.store.known_segments(show.id, &ids).await?;
    let named: Vec<String> = input.segments.iter().filter_map(|s| s.corrects.clone()).collect();
    let mut said: Vec<String> = state.store.known_segments(show.id, &named).await?;
    let mut previous = state.store.last_segment(show.id).await?;
    for (i, s) in input.segments.iter().enumerate() {
        if let Some(c) = &s.corrects {
            if c == &s.id || !(said.contains(c) || input.segments[..i].iter().any(|o| &o.id == c)) {
                return Err(ApiError::invalid(
                    &format!("segments[{i}].corrects"),
                    "unknown_segment",
                    "name an earlier segment of this show",
                ));
            }
        }
        said.push(s.id.clone());
    }
    // The pinned product's category scopes the rules: what it may claim depends on what it is.
    let category = match show.pinned {
        Some(item) => {
            let items = state.store.lineup_list(show.id).await?;
            match items.into_iter().find(|i| i.id == item) {
                Some(i) => state.store.get_product(i.product).await?.map(|p| p.category.to_string()),
                None => None,
            }
        }
        None => None,
    };
    let catalogue = state.rules.current();
    let now = state.clock.now();
    let mut records = Vec::new();
    if let Some(since) = state.store.mark_heard(show.id, now).await? {
        records.push(entry_by(
            &caller,
            now,
            "speech.resumed",
            show.id,
            json!({"silent_since": since, "anchor": anchor}),
        ));
    }
    let mut violations = Vec::new();
    let mut views = Vec::new();
    let mut taken = Vec::new();
    for s in input.segments {
        if known.contains(&s.id) {
            views.push(SegmentView { id: s.id, findings: Vec::new(), corrects: None, duplicate: true });
            continue;
        }
        let findings = catalogue.scan(&s.text, Scope::Speech, category.as_deref(), lang);
        let lower = s.text.to_lowercase();
        // A retraction said without naming what it corrects corrects the segment before it.
        let corrects = s
            .corrects
            .clone()
            .or_else(|| RETRACTIONS.iter().any(|r| lower.contains(r)).then(|| previous.clone()).flatten());
        records.push(entry_by(
            &caller,
            now,
            "speech.segment",
            show.id,
            json!({
                "segment": s.id, "anchor": anchor, "at_ms": s.at_ms, "text": s.text,
                "product_category": category, "findings": findings.iter().map(|f| json!({
                    "rule": f.rule, "label": f.label, "severity": f.severity, "matched": f.matched, "basis": f.basis,
                    "char_start": f.char_start, "char_end": f.char_end,
                })).collect::<Vec<_>>(),
                "basis": "Order 117 Art. 16, 31",
            }),
        ));
        if let Some(c) = &corrects {
            records.push(entry_by(
                &caller,
                now,
                "speech.correction",
                show.id,
                json!({
                    "segment": s.id, "corrects": c, "anchor": anchor, "at_ms": s.at_ms,
                    "note": "findings in a correction are recorded, not counted: it quotes what it retracts",
                    "basis": "Order 117 Art. 31",
                }),
            ));
        }
        taken.push((s.id.clone(), s.at_ms));
        previous = Some(s.id.clone());
        if corrects.is_some() {
            views.push(SegmentView { id: s.id, findings, corrects, duplicate: false });
            continue;
        }
        for f in &findings {
            violations.push(Violation::from_finding(
                show.id,
                anchor,
                show.room_operator,
                f.clone(),
                s.at_ms,
                category.clone(),
                now,
            ));
        }
        views.push(SegmentView { id: s.id, findings, corrects, duplicate: false });
    }
    for v in &violations {
        records.push(entry_by(&caller, now, "violation.recorded", show.id, json!({
            "violation": v.id, "status": v.status, "rule": v.finding.rule, "label": v.finding.label,
            "points": v.finding.points, "anchor": v.anchor, "room_operator": v.room_operator, "basis": v.finding.basis,
        })));
    }
    state.store.record_speech(show.id, &taken, records, &violations).await.map_err(|e| match e {
        clearcast_store::StoreError::Conflict { message, .. } => {
            ApiError::new(axum::http::StatusCode::CONFLICT, "segment_taken", message)
        }
        other => other.into(),
    })?;
    for v in &violations {
        crate::quality::on_violation(&state, v);
    }
    // The anchor and the room see the warnings as they speak (Art. 31), over the live channel,
    // before any measure the same words bring.
    for v in views.iter().filter(|v| !v.duplicate && !v.findings.is_empty()) {
        let event = json!({"segment": v.id, "anchor": anchor, "corrects": v.corrects, "findings": v.findings});
        state.live.publish(show.id, Event::to(Kind::Warning, Audience::Staff, event));
    }
    let measures = if violations.iter().any(|v| v.status == ViolationStatus::Confirmed) {
        crate::supervision::apply_ladder(
            &state,
            &[Subject::Anchor(anchor), Subject::RoomOperator(show.room_operator)],
            now,
        )
        .await?
    } else {
        Vec::new()
    };
    let status = shows::load(&state, &id).await?.status;
    Ok(Json(TranscriptView { segments: views, violations, measures, show_status: status }))
}

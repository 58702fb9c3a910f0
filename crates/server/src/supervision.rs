//! Speech supervision as a service: the catalogue in force (swapped whole on reload), the
//! pre-show script review (Art. 30), and turning live findings into violations, points and
//! measures of the penalty ladder (Art. 12-14, 31).

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, Utc};
use clearcast_domain::audit::AuditEntry;
use clearcast_domain::compliance::{Catalogue, Finding, Scope};
use clearcast_domain::ids::AccountId;
use clearcast_domain::penalty::{self, Measure, MeasureStatus, Subject};
use clearcast_domain::show::Show;
use clearcast_domain::violation::{self, Violation};
use clearcast_store::PageRequest;
use serde_json::json;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The rule catalogue in force and where it came from.
pub struct Rules {
    current: RwLock<Arc<Catalogue>>,
    source: RwLock<Option<PathBuf>>,
}

impl Rules {
    /// The catalogue shipped with clearcast.
    pub fn shipped() -> Self {
        // The shipped catalogue is compiled into the binary and checked by unit tests; failing to
        // compile it would be a build defect, not a runtime condition.
        #[allow(clippy::expect_used)]
        let c = Catalogue::default_catalogue().expect("the shipped rule catalogue compiles");
        Self { current: RwLock::new(Arc::new(c)), source: RwLock::new(None) }
    }

    /// The catalogue in force (a snapshot: a reload does not change a scan under way).
    pub fn current(&self) -> Arc<Catalogue> {
        self.current.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Loads a rules file and makes it the one in force. On error the catalogue in force stays.
    pub fn load_file(&self, path: PathBuf) -> Result<usize, String> {
        let src = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let c = Catalogue::from_toml(&src).map_err(|e| format!("{}: {e}", path.display()))?;
        let n = c.rules().len();
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(c);
        *self.source.write().unwrap_or_else(|p| p.into_inner()) = Some(path);
        Ok(n)
    }

    /// Reloads from the file given at start (or the shipped catalogue). Returns the rule count.
    pub fn reload(&self) -> Result<usize, String> {
        let source = self.source.read().unwrap_or_else(|p| p.into_inner()).clone();
        match source {
            Some(p) => self.load_file(p),
            None => {
                let c = Catalogue::default_catalogue().map_err(|e| e.to_string())?;
                let n = c.rules().len();
                *self.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(c);
                Ok(n)
            }
        }
    }

    /// The file the catalogue came from, if not the shipped one.
    pub fn source(&self) -> Option<PathBuf> {
        self.source.read().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// Scans a show's script before it goes live (Art. 30). A script covers the whole lineup and
/// cannot be tied to one product, so a finding counts when it holds for every lineup category:
/// a disinfectant on the lineup excuses "kills 99.9% of germs", a face cream beside it does not
/// make it a violation either. The live transcript, scoped by the pinned product, is stricter.
pub async fn scan_script(state: &AppState, show: &Show) -> ApiResult<Vec<Finding>> {
    let Some(script) = show.script.as_deref().filter(|s| !s.trim().is_empty()) else { return Ok(Vec::new()) };
    let catalogue = state.rules.current();
    let mut categories = Vec::new();
    for item in state.store.lineup_list(show.id).await? {
        if let Some(p) = state.store.get_product(item.product).await? {
            let c = p.category.to_string();
            if !categories.contains(&c) {
                categories.push(c);
            }
        }
    }
    if categories.is_empty() {
        return Ok(catalogue.scan(script, Scope::Speech, None, None));
    }
    let mut per: Vec<Vec<Finding>> =
        categories.iter().map(|c| catalogue.scan(script, Scope::Speech, Some(c), None)).collect();
    let first = per.remove(0);
    Ok(first
        .into_iter()
        .filter(|f| per.iter().all(|o| o.iter().any(|g| g.rule == f.rule && g.start == f.start && g.end == f.end)))
        .collect())
}

/// Measures in force on a subject at `now`.
pub async fn active_measures(state: &AppState, subject: Subject, now: DateTime<Utc>) -> ApiResult<Vec<Measure>> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = state.store.list_measures(Some(subject), &PageRequest { after, limit: 200 }).await?;
        out.extend(page.items.into_iter().filter(|m| m.status(now) == MeasureStatus::Active));
        match page.next_cursor {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    Ok(out)
}

fn system_entry(now: DateTime<Utc>, action: &str, subject: impl ToString, detail: serde_json::Value) -> AuditEntry {
    // Automatic decisions are the platform's own: the nil account marks them in the records.
    AuditEntry {
        at: now,
        actor: AccountId::from_uuid(uuid::Uuid::nil()),
        action: action.into(),
        subject: subject.to_string(),
        detail,
    }
}

/// After new confirmed violations: recounts each subject's points and decides the ladder's next
/// measure if one is reached. Returns the measures decided.
pub async fn apply_ladder(state: &AppState, subjects: &[Subject], now: DateTime<Utc>) -> ApiResult<Vec<Measure>> {
    let policy = &state.policy.penalties;
    let since = now - Duration::days(i64::from(policy.points_window_days));
    let mut decided = Vec::new();
    for subject in subjects {
        let vs = state.store.subject_violations(*subject, since).await?;
        let points = violation::points(&vs, now, policy.points_window_days);
        let repeats = violation::repeats(&vs, now, policy.points_window_days);
        let score = points + repeats;
        let mut existing = Vec::new();
        let mut after = None;
        loop {
            let page = state.store.list_measures(Some(*subject), &PageRequest { after, limit: 200 }).await?;
            existing.extend(page.items.into_iter().filter(|m| m.starts_at > since));
            match page.next_cursor {
                Some(c) => after = Some(c),
                None => break,
            }
        }
        let Some(step) = penalty::next_step(policy, score, &existing) else { continue };
        let counted: Vec<&Violation> =
            vs.iter().filter(|v| v.status == clearcast_domain::violation::ViolationStatus::Confirmed).collect();
        let mut rules: Vec<String> = counted.iter().map(|v| v.finding.rule.clone()).collect();
        rules.sort();
        rules.dedup();
        let mut bases: Vec<String> = counted.iter().map(|v| v.finding.basis.clone()).collect();
        bases.sort();
        bases.dedup();
        let facts = counted
            .iter()
            .map(|v| {
                format!(
                    "{}: said “{}” in show {} ({})",
                    v.created_at.to_rfc3339(),
                    v.finding.matched,
                    v.show,
                    v.finding.label.as_str()
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        let m = Measure::decide(
            *subject,
            step,
            facts,
            rules,
            bases.join(" | "),
            counted.iter().map(|v| v.id).collect(),
            score,
            &policy.appeal_route,
            now,
        );
        let record = system_entry(
            now,
            "measure.decided",
            subject,
            json!({
                "measure": m.id, "kind": m.kind, "points": points, "repeats": repeats, "score": score,
                "step_min_points": step.min_points, "ends_at": m.ends_at, "violations": m.violations,
                "rules": m.rules, "basis": "Order 117 Art. 12-14", "appeal_route": m.appeal_route,
            }),
        );
        state.store.insert_measure(&m, record).await?;
        if m.kind.stops_live() {
            stop_live_shows(state, *subject, &m, now).await?;
        }
        decided.push(m);
    }
    if !decided.is_empty() {
        crate::quality::refresh_limits(state).await;
    }
    Ok(decided)
}

/// A live show whose anchor or room is suspended stops, with a record naming the measure.
pub async fn stop_live_shows(state: &AppState, subject: Subject, m: &Measure, now: DateTime<Utc>) -> ApiResult<()> {
    let filter = clearcast_store::ShowFilter {
        status: Some(clearcast_domain::show::ShowStatus::Live),
        room_operator: match subject {
            Subject::RoomOperator(r) => Some(r),
            Subject::Anchor(_) => None,
        },
    };
    let mut after = None;
    loop {
        let page = state.store.list_shows(&filter, &PageRequest { after, limit: 200 }).await?;
        for mut show in page.items {
            let hit = match subject {
                Subject::Anchor(a) => show.roster.contains(&a),
                Subject::RoomOperator(r) => show.room_operator == r,
            };
            if !hit {
                continue;
            }
            let from = show.status;
            if show.suspend().is_err() {
                continue;
            }
            let record = system_entry(
                now,
                "show.suspended",
                show.id,
                json!({
                    "reason": format!("measure {} ({}) on {}", m.id, m.kind.as_str(), subject), "measure": m.id,
                    "basis": "Order 117 Art. 12",
                }),
            );
            match state.store.save_show(&show, from, vec![record], None).await {
                Ok(()) | Err(clearcast_store::StoreError::Conflict { .. }) => {}
                Err(e) => return Err(e.into()),
            }
            state.caches.forget_show(show.id);
            crate::quality::on_show(state, show.id).await;
            state.live.publish(
                show.id,
                clearcast_domain::live::Event::all(
                    clearcast_domain::live::Kind::Measure,
                    json!({"status": show.status, "measure": m.id, "kind": m.kind.as_str(), "subject": subject.to_string(),
                           "basis": "Order 117 Art. 12"}),
                ),
            );
        }
        match page.next_cursor {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    Ok(())
}

/// Confirmed violation points (without repeats) of a subject over the last `days` days.
pub async fn points_since(state: &AppState, subject: Subject, now: DateTime<Utc>, days: u32) -> ApiResult<u32> {
    let vs = state.store.subject_violations(subject, now - Duration::days(i64::from(days))).await?;
    Ok(violation::points(&vs, now, days))
}

/// Refuses a feature while a feature limit (or a harsher measure) is in force on the room or a
/// roster anchor.
pub async fn ensure_feature(state: &AppState, show: &Show, now: DateTime<Utc>, feature: &str) -> ApiResult<()> {
    let mut subjects = vec![Subject::RoomOperator(show.room_operator)];
    subjects.extend(show.roster.iter().map(|a| Subject::Anchor(*a)));
    for s in subjects {
        let limited =
            active_measures(state, s, now).await?.into_iter().find(|m| m.kind >= penalty::MeasureKind::FeatureLimit);
        if let Some(m) = limited {
            return Err(ApiError::new(
                axum::http::StatusCode::CONFLICT,
                "measure_in_force",
                format!(
                    "{feature} are not allowed while {} is under measure {} ({}) until {}; appeal: {}",
                    s,
                    m.id,
                    m.kind.as_str(),
                    m.ends_at.map(|e| e.to_rfc3339()).unwrap_or_else(|| "further notice".into()),
                    m.appeal_route
                ),
            ));
        }
    }
    Ok(())
}

/// Refuses going live while a measure that stops live selling is in force on the room or an
/// anchor of the roster.
pub async fn ensure_may_go_live(state: &AppState, show: &Show, now: DateTime<Utc>) -> ApiResult<()> {
    let mut subjects = vec![Subject::RoomOperator(show.room_operator)];
    subjects.extend(show.roster.iter().map(|a| Subject::Anchor(*a)));
    for s in subjects {
        if let Some(m) = active_measures(state, s, now).await?.into_iter().find(|m| m.kind.stops_live()) {
            return Err(ApiError::new(
                axum::http::StatusCode::CONFLICT,
                "measure_in_force",
                format!(
                    "{} is under measure {} ({}) until {}; appeal: {}",
                    s,
                    m.id,
                    m.kind.as_str(),
                    m.ends_at.map(|e| e.to_rfc3339()).unwrap_or_else(|| "further notice".into()),
                    m.appeal_route
                ),
            ));
        }
    }
    Ok(())
}

/// Flags live shows that have not been heard for longer than the policy allows (a show cannot be
/// supervised if it is not heard). A key room's silence also raises a patrol alert on the
/// platform stream. Returns the shows flagged now. The binary runs it every 15 seconds.
pub async fn check_silence(state: &AppState, now: DateTime<Utc>) -> ApiResult<Vec<clearcast_domain::ids::ShowId>> {
    let policy = &state.policy.supervision;
    let filter =
        clearcast_store::ShowFilter { status: Some(clearcast_domain::show::ShowStatus::Live), room_operator: None };
    let mut flagged = Vec::new();
    let mut after = None;
    loop {
        let page = state.store.list_shows(&filter, &PageRequest { after, limit: 200 }).await?;
        for show in page.items {
            let (last, silent_since) = match state.store.speech_state(show.id).await? {
                Some(s) => s,
                None => (show.started_at.unwrap_or(now), None),
            };
            if silent_since.is_some() || !clearcast_domain::silence::is_silent(last, now, policy) {
                continue;
            }
            let room =
                state.store.get_party(clearcast_domain::party::PartyId::RoomOperator(show.room_operator)).await?;
            let name = room.map(|r| r.details.legal_name.as_str().to_string()).unwrap_or_default();
            let tier = crate::api::reports::tier_of(state, show.room_operator, name).await?;
            let key = tier.verdict.tier == clearcast_domain::tier::Tier::Key;
            let detail = json!({
                "last_heard_at": last, "silence_seconds": policy.silence_seconds, "key_room": key,
                "room_operator": show.room_operator, "basis": "Order 117 Art. 11, 13, 31",
            });
            let record = system_entry(now, "speech.silence", show.id, detail.clone());
            let alert = key.then(|| {
                system_entry(
                    now,
                    "patrol.alert",
                    show.id,
                    json!({"reason": "silent key room", "show": show.id, "detail": detail}),
                )
            });
            if state.store.mark_silent(show.id, last, now, vec![record], alert).await? {
                flagged.push(show.id);
            }
        }
        match page.next_cursor {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    Ok(flagged)
}

/// After violations were reversed (on appeal or on review): every other measure (on the anchor or the room)
/// that rests only on reversed violations is reversed too, with a record naming the appeal, and
/// any identity bar it set is lifted. Returns the measures reversed.
pub async fn reverse_orphaned_measures(
    state: &AppState,
    subjects: &[Subject],
    because: serde_json::Value,
    now: DateTime<Utc>,
) -> ApiResult<Vec<clearcast_domain::ids::MeasureId>> {
    let mut reversed = Vec::new();
    for subject in subjects {
        let mut after = None;
        loop {
            let page = state.store.list_measures(Some(*subject), &PageRequest { after, limit: 200 }).await?;
            for prev in page.items {
                if prev.reversed || prev.violations.is_empty() {
                    continue;
                }
                let mut all_reversed = true;
                for vid in &prev.violations {
                    let v = state.store.get_violation(*vid).await?;
                    if v.is_none_or(|v| v.status != clearcast_domain::violation::ViolationStatus::Reversed) {
                        all_reversed = false;
                        break;
                    }
                }
                if !all_reversed {
                    continue;
                }
                let mut m = prev.clone();
                m.reversed = true;
                let record = system_entry(
                    now,
                    "measure.reversed",
                    subject,
                    json!({
                        "measure": m.id, "because": because,
                        "reason": "every violation it rests on was reversed on appeal", "basis": "Order 117 Art. 13, 14",
                    }),
                );
                match state.store.save_measure(&m, &prev, record).await {
                    Ok(()) => reversed.push(m.id),
                    Err(clearcast_store::StoreError::Conflict { .. }) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            match page.next_cursor {
                Some(c) => after = Some(c),
                None => break,
            }
        }
    }
    if !reversed.is_empty() {
        crate::quality::refresh_limits(state).await;
    }
    Ok(reversed)
}

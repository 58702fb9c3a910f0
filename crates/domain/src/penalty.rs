//! The penalty ladder (Order 117 Art. 12–14): proportionate measures from a warning to a
//! blacklist, each stating the facts, the rule and its basis, the term and the way to appeal.
//!
//! Points (see [`crate::violation`]) plus one point per repeat offence within the window decide
//! the step. A measure lifts itself when its term ends: its status is computed from `now`, so
//! nothing has to run for it to lapse. An appeal upheld by an operator reverses the measure and
//! the violations behind it.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{AnchorId, MeasureId, RoomOperatorId, ViolationId};

/// The measures, mildest first (Art. 12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeasureKind {
    /// A recorded warning.
    Warning,
    /// No new lineup items with a purchase limit (flash sales) while it lasts.
    FeatureLimit,
    /// Less traffic from the feed while it lasts.
    TrafficLimit,
    /// May not go live while it lasts; a live show is stopped.
    LiveSuspension,
    /// A longer stop of all live selling.
    TimedStop,
    /// The account is closed.
    AccountClosure,
    /// Closed, and the identity may not register again (Art. 14).
    NoReregistration,
    /// Closed, barred from registering, and listed.
    Blacklist,
}

impl MeasureKind {
    /// As written in files and APIs.
    pub fn as_str(self) -> &'static str {
        match self {
            MeasureKind::Warning => "warning",
            MeasureKind::FeatureLimit => "feature_limit",
            MeasureKind::TrafficLimit => "traffic_limit",
            MeasureKind::LiveSuspension => "live_suspension",
            MeasureKind::TimedStop => "timed_stop",
            MeasureKind::AccountClosure => "account_closure",
            MeasureKind::NoReregistration => "no_reregistration",
            MeasureKind::Blacklist => "blacklist",
        }
    }

    /// True when the subject may not go live while it is in force.
    pub fn stops_live(self) -> bool {
        self >= MeasureKind::LiveSuspension
    }

    /// True when the identity is barred from registering again.
    pub fn bars_identity(self) -> bool {
        self >= MeasureKind::NoReregistration
    }
}

/// One step of the ladder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LadderStep {
    /// Points (with repeats) at or above which the step applies.
    pub min_points: u32,
    /// The measure.
    pub measure: MeasureKind,
    /// Its term in days; none for permanent measures.
    #[serde(default)]
    pub days: Option<u32>,
}

/// The ladder and the points window, from the policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PenaltyPolicy {
    /// Days a confirmed violation's points count.
    pub points_window_days: u32,
    /// Steps, by ascending `min_points`.
    pub ladder: Vec<LadderStep>,
    /// Where and how to appeal, stated on every measure.
    pub appeal_route: String,
    /// Working days an appeal waits for a decision at most.
    pub appeal_days: u32,
}

impl Default for PenaltyPolicy {
    fn default() -> Self {
        let step = |min_points, measure, days| LadderStep { min_points, measure, days };
        Self {
            points_window_days: 365,
            ladder: vec![
                step(2, MeasureKind::Warning, None),
                step(6, MeasureKind::FeatureLimit, Some(7)),
                step(10, MeasureKind::TrafficLimit, Some(14)),
                step(14, MeasureKind::LiveSuspension, Some(7)),
                step(20, MeasureKind::TimedStop, Some(30)),
                step(30, MeasureKind::AccountClosure, None),
                step(40, MeasureKind::NoReregistration, None),
                step(50, MeasureKind::Blacklist, None),
            ],
            appeal_route:
                "POST /api/v1/penalties/{id}/appeal within 15 days; an operator decides within the appeal period".into(),
            appeal_days: 5,
        }
    }
}

impl PenaltyPolicy {
    /// The highest step reached by `score` points.
    pub fn step_for(&self, score: u32) -> Option<&LadderStep> {
        self.ladder.iter().filter(|s| score >= s.min_points).max_by_key(|s| (s.min_points, s.measure))
    }

    /// Checks the ladder ascends.
    pub fn validate(&self) -> Result<(), String> {
        if self.ladder.windows(2).any(|w| w[0].min_points >= w[1].min_points || w[0].measure > w[1].measure) {
            return Err("penalty ladder steps must ascend in points and severity".into());
        }
        if self.points_window_days == 0 {
            return Err("points_window_days must be positive".into());
        }
        Ok(())
    }
}

/// Who a measure is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Subject {
    /// An anchor.
    Anchor(AnchorId),
    /// A room operator.
    RoomOperator(RoomOperatorId),
}

impl std::fmt::Display for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Subject::Anchor(a) => write!(f, "{a}"),
            Subject::RoomOperator(r) => write!(f, "{r}"),
        }
    }
}

impl std::str::FromStr for Subject {
    type Err = crate::ids::IdError;
    /// An anchor (`anc_…`) or a room operator (`rop_…`) by its id.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.parse::<AnchorId>() {
            Ok(a) => Ok(Subject::Anchor(a)),
            Err(_) if !s.starts_with("anc_") => s.parse::<RoomOperatorId>().map(Subject::RoomOperator),
            Err(e) => Err(e),
        }
    }
}

/// Where an appeal stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Appeal {
    /// The subject's statement.
    pub statement: String,
    /// When filed.
    pub filed_at: DateTime<Utc>,
    /// The operator's decision: true reverses the measure.
    pub upheld: Option<bool>,
    /// The operator's reasons.
    pub decision_reason: Option<String>,
    /// When decided.
    pub decided_at: Option<DateTime<Utc>>,
}

/// A measure in force, lapsed or reversed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Measure {
    /// Id.
    pub id: MeasureId,
    /// On whom.
    pub subject: Subject,
    /// What.
    pub kind: MeasureKind,
    /// The facts: what was said, where, when.
    pub facts: String,
    /// The rules broken (ids).
    pub rules: Vec<String>,
    /// The legal bases.
    pub basis: String,
    /// The violations behind it.
    #[schema(value_type = Vec<String>)]
    pub violations: Vec<ViolationId>,
    /// Points (with repeats) when decided.
    pub points: u32,
    /// From when.
    pub starts_at: DateTime<Utc>,
    /// Until when; none for permanent measures.
    pub ends_at: Option<DateTime<Utc>>,
    /// How to appeal.
    pub appeal_route: String,
    /// The appeal, if any.
    pub appeal: Option<Appeal>,
    /// True once reversed on appeal.
    pub reversed: bool,
}

/// A measure's state at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeasureStatus {
    /// In force.
    Active,
    /// Its term ended; lifted by itself.
    Lifted,
    /// Reversed on appeal.
    Reversed,
}

impl Measure {
    /// Decides a measure from a ladder step.
    #[allow(clippy::too_many_arguments)]
    pub fn decide(
        subject: Subject,
        step: &LadderStep,
        facts: String,
        rules: Vec<String>,
        basis: String,
        violations: Vec<ViolationId>,
        points: u32,
        appeal_route: &str,
        now: DateTime<Utc>,
    ) -> Self {
        Measure {
            id: MeasureId::generate(),
            subject,
            kind: step.measure,
            facts,
            rules,
            basis,
            violations,
            points,
            starts_at: now,
            ends_at: step.days.map(|d| now + Duration::days(i64::from(d))),
            appeal_route: appeal_route.to_string(),
            appeal: None,
            reversed: false,
        }
    }

    /// The state at `now`.
    pub fn status(&self, now: DateTime<Utc>) -> MeasureStatus {
        if self.reversed {
            MeasureStatus::Reversed
        } else if self.ends_at.is_some_and(|e| now >= e) {
            MeasureStatus::Lifted
        } else {
            MeasureStatus::Active
        }
    }

    /// Files an appeal (once, while not reversed).
    pub fn file_appeal(&mut self, statement: String, now: DateTime<Utc>) -> Result<(), &'static str> {
        if self.reversed {
            return Err("the measure is already reversed");
        }
        if self.appeal.is_some() {
            return Err("an appeal was already filed");
        }
        self.appeal = Some(Appeal { statement, filed_at: now, upheld: None, decision_reason: None, decided_at: None });
        Ok(())
    }

    /// Decides the appeal: upheld reverses the measure.
    pub fn decide_appeal(&mut self, upheld: bool, reason: String, now: DateTime<Utc>) -> Result<(), &'static str> {
        let Some(a) = &mut self.appeal else { return Err("no appeal was filed") };
        if a.upheld.is_some() {
            return Err("the appeal was already decided");
        }
        a.upheld = Some(upheld);
        a.decision_reason = Some(reason);
        a.decided_at = Some(now);
        if upheld {
            self.reversed = true;
        }
        Ok(())
    }
}

/// The measure a subject's record calls for now, if it is harsher than every measure already
/// decided on the same points (a subject is not punished twice for the same step).
pub fn next_step<'a>(policy: &'a PenaltyPolicy, score: u32, existing: &[Measure]) -> Option<&'a LadderStep> {
    let step = policy.step_for(score)?;
    let harshest = existing.iter().filter(|m| !m.reversed).map(|m| m.kind).max();
    match harshest {
        Some(k) if k >= step.measure => None,
        _ => Some(step),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-11-26T00:00:00Z".parse().unwrap()
    }

    #[test]
    fn the_default_ladder_ascends_and_maps_points_to_steps() {
        let p = PenaltyPolicy::default();
        p.validate().unwrap();
        assert_eq!(p.step_for(1), None);
        assert_eq!(p.step_for(2).unwrap().measure, MeasureKind::Warning);
        assert_eq!(p.step_for(15).unwrap().measure, MeasureKind::LiveSuspension);
        assert_eq!(p.step_for(500).unwrap().measure, MeasureKind::Blacklist);
    }

    #[test]
    fn a_step_already_taken_is_not_repeated() {
        let p = PenaltyPolicy::default();
        let warn = Measure::decide(
            Subject::Anchor(AnchorId::generate()),
            p.step_for(3).unwrap(),
            "f".into(),
            vec![],
            "b".into(),
            vec![],
            3,
            "route",
            now(),
        );
        assert!(next_step(&p, 4, std::slice::from_ref(&warn)).is_none());
        assert_eq!(next_step(&p, 6, &[warn]).unwrap().measure, MeasureKind::FeatureLimit);
    }

    #[test]
    fn measures_lift_at_the_end_of_term_and_reverse_on_upheld_appeal() {
        let p = PenaltyPolicy::default();
        let mut m = Measure::decide(
            Subject::Anchor(AnchorId::generate()),
            p.step_for(14).unwrap(),
            "f".into(),
            vec![],
            "b".into(),
            vec![],
            14,
            "route",
            now(),
        );
        assert_eq!(m.status(now() + Duration::days(6)), MeasureStatus::Active);
        assert_eq!(m.status(now() + Duration::days(7)), MeasureStatus::Lifted);
        assert!(m.decide_appeal(true, "r".into(), now()).is_err(), "no appeal yet");
        m.file_appeal("I was quoting the label".into(), now()).unwrap();
        assert!(m.file_appeal("again".into(), now()).is_err());
        m.decide_appeal(true, "the words were a quotation".into(), now()).unwrap();
        assert_eq!(m.status(now()), MeasureStatus::Reversed);
        assert!(m.decide_appeal(false, "x".into(), now()).is_err());
    }
}

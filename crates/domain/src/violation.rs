//! Violations of the speech rules (Order 117 Art. 31, 34, 36): a finding the scanner made in a
//! show's transcript becomes a violation, at once for red rules and when an operator confirms it
//! for yellow ones. Points count against the anchor and the room operator for a policy window,
//! then decay.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::compliance::{Finding, Label, Severity};
use crate::ids::{AnchorId, RoomOperatorId, ShowId, ViolationId};

/// Where a violation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ViolationStatus {
    /// A yellow finding waiting for an operator.
    Pending,
    /// Counts: points apply.
    Confirmed,
    /// An operator judged the yellow finding innocent.
    Dismissed,
    /// Reversed on appeal: points no longer apply.
    Reversed,
}

impl ViolationStatus {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            ViolationStatus::Pending => "pending",
            ViolationStatus::Confirmed => "confirmed",
            ViolationStatus::Dismissed => "dismissed",
            ViolationStatus::Reversed => "reversed",
        }
    }
}

impl std::str::FromStr for ViolationStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        [ViolationStatus::Pending, ViolationStatus::Confirmed, ViolationStatus::Dismissed, ViolationStatus::Reversed]
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| "pending, confirmed, dismissed or reversed".to_string())
    }
}

/// One violation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Violation {
    /// Id.
    pub id: ViolationId,
    /// The show it was said in.
    pub show: ShowId,
    /// Who said it.
    pub anchor: AnchorId,
    /// The room it was said in.
    pub room_operator: RoomOperatorId,
    /// What the scanner found: rule, label, basis, the words, the suggestion.
    pub finding: Finding,
    /// The transcript segment's time in the show, milliseconds from the start.
    pub at_ms: u64,
    /// The product pinned at the time, if any (its category scoped the rules).
    pub product_category: Option<String>,
    /// State.
    pub status: ViolationStatus,
    /// When it was found.
    pub created_at: DateTime<Utc>,
    /// When an operator decided a yellow one, or an appeal reversed it.
    pub decided_at: Option<DateTime<Utc>>,
    /// The operator's or the appeal's reason.
    pub decision_reason: Option<String>,
}

impl Violation {
    /// A violation from a finding: confirmed at once when red, pending when yellow.
    pub fn from_finding(
        show: ShowId,
        anchor: AnchorId,
        room_operator: RoomOperatorId,
        finding: Finding,
        at_ms: u64,
        product_category: Option<String>,
        now: DateTime<Utc>,
    ) -> Self {
        let status = match finding.severity {
            Severity::Red => ViolationStatus::Confirmed,
            Severity::Yellow => ViolationStatus::Pending,
        };
        Violation {
            id: ViolationId::generate(),
            show,
            anchor,
            room_operator,
            finding,
            at_ms,
            product_category,
            status,
            created_at: now,
            decided_at: None,
            decision_reason: None,
        }
    }

    /// The label.
    pub fn label(&self) -> Label {
        self.finding.label
    }
}

/// Points that count at `now`: confirmed violations within the window (Art. 13: measures are
/// proportionate to recent conduct; old points decay). One utterance is one offence per label:
/// several phrases of the same kind in one segment ("全网最低价，买不到更便宜的") count the
/// highest of their points once.
pub fn points(violations: &[Violation], now: DateTime<Utc>, window_days: u32) -> u32 {
    let since = now - Duration::days(i64::from(window_days));
    let mut per_utterance = std::collections::BTreeMap::<(ShowId, u64, &str), u32>::new();
    for v in violations
        .iter()
        .filter(|v| v.status == ViolationStatus::Confirmed && v.created_at > since && v.created_at <= now)
    {
        let e = per_utterance.entry((v.show, v.at_ms, v.finding.label.as_str())).or_default();
        *e = (*e).max(v.finding.points);
    }
    per_utterance.values().sum()
}

/// Repeat offences: for each rule, the confirmed utterances breaking it within the window beyond
/// the first (the same rule twice in one utterance is one offence).
pub fn repeats(violations: &[Violation], now: DateTime<Utc>, window_days: u32) -> u32 {
    let since = now - Duration::days(i64::from(window_days));
    let mut per_rule = std::collections::BTreeMap::<&str, std::collections::BTreeSet<(ShowId, u64)>>::new();
    for v in violations
        .iter()
        .filter(|v| v.status == ViolationStatus::Confirmed && v.created_at > since && v.created_at <= now)
    {
        per_rule.entry(v.finding.rule.as_str()).or_default().insert((v.show, v.at_ms));
    }
    per_rule.values().map(|n| (n.len() as u32).saturating_sub(1)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compliance::{Finding, Label, Severity};

    fn v(show: ShowId, at_ms: u64, rule: &str, label: Label, points: u32, at: DateTime<Utc>) -> Violation {
        let finding = Finding {
            rule: rule.into(),
            label,
            severity: Severity::Red,
            points,
            basis: "b".into(),
            matched: "m".into(),
            start: 0,
            end: 1,
            char_start: 0,
            char_end: 1,
            suggestion: String::new(),
        };
        Violation::from_finding(show, AnchorId::generate(), RoomOperatorId::generate(), finding, at_ms, None, at)
    }

    #[test]
    fn one_utterance_is_one_offence_per_label_and_repeats_need_another_utterance() {
        let now: DateTime<Utc> = "2026-11-26T00:00:00Z".parse().unwrap();
        let s = ShowId::generate();
        let vs = vec![
            v(s, 1000, "absolute.a", Label::AbsoluteClaim, 2, now),
            v(s, 1000, "absolute.b", Label::AbsoluteClaim, 2, now),
            v(s, 1000, "price.a", Label::PriceFraud, 3, now),
            v(s, 1000, "price.a", Label::PriceFraud, 3, now),
        ];
        assert_eq!(points(&vs, now, 365), 5, "2 for the absolute claim, 3 for the price claim");
        assert_eq!(repeats(&vs, now, 365), 0);
        let mut more = vs.clone();
        more.push(v(s, 9000, "price.a", Label::PriceFraud, 3, now));
        assert_eq!((points(&more, now, 365), repeats(&more, now, 365)), (8, 1));
        // Old points decay.
        let later = now + Duration::days(366);
        assert_eq!(points(&more, later, 365), 0);
    }
}

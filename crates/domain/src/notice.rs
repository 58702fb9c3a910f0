//! Regulators' notices (Order 117 Art. 12 ¶2, 22): a market regulator or the CAC notifies the
//! platform about a room operator or anchor (a violation found, or a party unreachable at its
//! address); the platform must act within the time limit (Art. 22: remind within five working
//! days) and keep the record of what it did and when.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{MeasureId, NoticeId};
use crate::penalty::Subject;
use crate::workdays::Calendar;

/// What the regulator reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// Investigated and found in violation (Art. 12 ¶2): the platform takes a measure.
    Violation,
    /// Cannot be reached at its business or home address (Art. 22): the platform reminds it to
    /// update its information.
    Unreachable,
}

/// What the platform did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// Reminded the party (Art. 22).
    Reminded,
    /// Took a measure of the ladder (Art. 12).
    MeasureTaken,
    /// Closed after review, with reasons.
    Closed,
}

/// One action on a notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NoticeAction {
    /// What.
    pub kind: ActionKind,
    /// When.
    pub at: DateTime<Utc>,
    /// The measure taken, if any.
    pub measure: Option<MeasureId>,
    /// The operator's note.
    pub note: String,
}

/// A notice with its clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Notice {
    /// Id.
    pub id: NoticeId,
    /// What is reported.
    pub kind: NoticeKind,
    /// About whom.
    pub subject: Subject,
    /// The regulator's facts.
    pub facts: String,
    /// The regulator's reference (case or document number).
    pub reference: String,
    /// When the platform received it.
    pub received_at: DateTime<Utc>,
    /// The last day (China) on which the platform must act.
    pub due_on: NaiveDate,
    /// What the platform did, in order.
    pub actions: Vec<NoticeAction>,
}

impl Notice {
    /// A notice received at `now`, due `working_days` China working days later.
    pub fn receive(
        kind: NoticeKind,
        subject: Subject,
        facts: String,
        reference: String,
        now: DateTime<Utc>,
        working_days: u32,
        calendar: &Calendar,
    ) -> Self {
        let due_on = calendar.add_working_days(crate::dates::china_date(now), working_days);
        Notice {
            id: NoticeId::generate(),
            kind,
            subject,
            facts,
            reference,
            received_at: now,
            due_on,
            actions: Vec::new(),
        }
    }

    /// When the platform first acted (a reminder, a measure, or closing it with reasons).
    pub fn acted_at(&self) -> Option<DateTime<Utc>> {
        self.actions.first().map(|a| a.at)
    }

    /// True when the deadline passed without an action, or the first action came after it.
    pub fn overdue(&self, now: DateTime<Utc>) -> bool {
        let by = |t: DateTime<Utc>| crate::dates::china_date(t) > self.due_on;
        match self.acted_at() {
            Some(t) => by(t),
            None => by(now),
        }
    }

    /// True once closed.
    pub fn closed(&self) -> bool {
        self.actions.iter().any(|a| a.kind == ActionKind::Closed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::AnchorId;

    #[test]
    fn a_notice_is_due_five_working_days_later_and_overdue_after() {
        // Friday 2026-11-27 (China): due the next Friday.
        let now: DateTime<Utc> = "2026-11-27T02:00:00Z".parse().unwrap();
        let mut n = Notice::receive(
            NoticeKind::Unreachable,
            Subject::Anchor(AnchorId::generate()),
            "地址无法联系".into(),
            "杭市监〔2026〕1号".into(),
            now,
            5,
            &Calendar::default(),
        );
        assert_eq!(n.due_on, "2026-12-04".parse::<NaiveDate>().unwrap());
        assert!(!n.overdue("2026-12-04T15:00:00Z".parse().unwrap()), "still the 4th in China");
        assert!(n.overdue("2026-12-04T16:30:00Z".parse().unwrap()), "the 5th in China");
        n.actions.push(NoticeAction {
            kind: ActionKind::Reminded,
            at: "2026-12-01T01:00:00Z".parse().unwrap(),
            measure: None,
            note: "已提醒".into(),
        });
        assert!(!n.overdue("2026-12-20T00:00:00Z".parse().unwrap()), "acted in time");
    }
}

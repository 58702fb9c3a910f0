//! Verification of parties and anchors by platform operators (Order 117 Art. 8, 28).
//!
//! A verification lasts a policy-set number of months (six by default: Art. 8 asks for
//! re-verification every six months); once `verified_until` has passed the party counts as
//! unverified everywhere. A rejection is kept too, so the party sees why.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::dates::add_months;
use crate::ids::AccountId;

/// The operator's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The documents were checked and match.
    Approve,
    /// The documents do not support the registration.
    Reject,
}

/// The latest verification decision on a party or anchor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Verification {
    /// Approve or reject.
    pub decision: Decision,
    /// When the operator decided.
    pub decided_at: DateTime<Utc>,
    /// Until when an approval counts; `None` for a rejection.
    pub verified_until: Option<DateTime<Utc>>,
    /// The operator account that decided.
    pub decided_by: AccountId,
    /// The operator's note (required for a rejection).
    pub note: Option<String>,
}

impl Verification {
    /// A decision taken at `now`, valid for `months` if approved.
    pub fn decide(decision: Decision, now: DateTime<Utc>, months: u32, by: AccountId, note: Option<String>) -> Self {
        let verified_until = match decision {
            Decision::Approve => Some(add_months(now, months)),
            Decision::Reject => None,
        };
        Self { decision, decided_at: now, verified_until, decided_by: by, note }
    }
}

/// Where a party stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VerificationStatus {
    /// Never verified.
    Unverified,
    /// Verified and not yet expired.
    Verified,
    /// Verified once, but `verified_until` has passed.
    Expired,
    /// The last decision was a rejection.
    Rejected,
}

/// The status of an optional verification at `now`.
pub fn status(v: Option<&Verification>, now: DateTime<Utc>) -> VerificationStatus {
    match v {
        None => VerificationStatus::Unverified,
        Some(v) => match (v.decision, v.verified_until) {
            (Decision::Reject, _) | (Decision::Approve, None) => VerificationStatus::Rejected,
            (Decision::Approve, Some(until)) if now < until => VerificationStatus::Verified,
            (Decision::Approve, Some(_)) => VerificationStatus::Expired,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn an_approval_lasts_six_months_to_the_second() {
        let at = Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap();
        let v = Verification::decide(Decision::Approve, at, 6, AccountId::generate(), None);
        let until = Utc.with_ymd_and_hms(2026, 9, 10, 9, 0, 0).unwrap();
        assert_eq!(v.verified_until, Some(until));
        assert_eq!(status(Some(&v), until - chrono::Duration::seconds(1)), VerificationStatus::Verified);
        assert_eq!(status(Some(&v), until), VerificationStatus::Expired);
    }

    #[test]
    fn rejection_and_absence_are_not_verified() {
        let at = Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap();
        let v = Verification::decide(Decision::Reject, at, 6, AccountId::generate(), Some("blurred licence".into()));
        assert_eq!(status(Some(&v), at), VerificationStatus::Rejected);
        assert_eq!(status(None, at), VerificationStatus::Unverified);
    }
}

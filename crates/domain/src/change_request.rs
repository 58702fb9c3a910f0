//! Changes of disclosed party information (Order 117 Art. 15, 25): the party reports a change
//! within 3 working days of it happening; the platform verifies it within 7 working days of the
//! report. Both clocks run on the working-day calendar; a late report is flagged, and a request
//! still pending after its verification deadline is overdue.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::dates::china_date;
use crate::ids::{AccountId, ChangeRequestId};
use crate::party::PartyId;
use crate::text::{Address, Contact, Name};
use crate::validation::{Errors, Invalid};
use crate::verification::Decision;
use crate::workdays::Calendar;

/// Working days a party has to report a change (Art. 15).
pub const REPORT_WITHIN: u32 = 3;
/// Working days the platform has to verify a reported change (Art. 25).
pub const VERIFY_WITHIN: u32 = 7;

/// A change as reported.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeInput {
    /// The party whose information changed (`mer_`, `gdo_`, `rop_`, `agy_`).
    #[schema(value_type = String)]
    pub party_id: String,
    /// New legal name.
    #[serde(default)]
    pub legal_name: Option<String>,
    /// New actual business address.
    #[serde(default)]
    pub address: Option<String>,
    /// New contact.
    #[serde(default)]
    pub contact: Option<String>,
    /// The day the change took effect (China-local).
    pub changed_on: NaiveDate,
}

/// The new values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Changes {
    /// New legal name.
    pub legal_name: Option<String>,
    /// New address.
    pub address: Option<String>,
    /// New contact.
    pub contact: Option<String>,
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeStatus {
    /// Awaiting the platform.
    Pending,
    /// Verified and applied to the party record.
    Verified,
    /// Rejected; the record is unchanged.
    Rejected,
}

/// A reported change with its clocks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChangeRequest {
    /// Id.
    pub id: ChangeRequestId,
    /// The party.
    #[schema(value_type = String)]
    pub party: String,
    /// New values.
    pub changes: Changes,
    /// When the change took effect.
    pub changed_on: NaiveDate,
    /// When reported.
    pub reported_at: DateTime<Utc>,
    /// Who reported.
    pub reported_by: AccountId,
    /// Last day to report (changed_on + 3 working days).
    pub report_due: NaiveDate,
    /// Whether the report came after `report_due`.
    pub reported_late: bool,
    /// Last day to verify (report day + 7 working days).
    pub verify_due: NaiveDate,
    /// State.
    pub status: ChangeStatus,
    /// Decision, once taken.
    pub decision: Option<Decision>,
    /// When decided.
    pub decided_at: Option<DateTime<Utc>>,
    /// Operator who decided.
    pub decided_by: Option<AccountId>,
    /// Operator's note.
    pub note: Option<String>,
}

impl ChangeRequest {
    /// Validates a report made at `now` and computes its clocks.
    pub fn report(
        input: &ChangeInput,
        party: PartyId,
        by: AccountId,
        now: DateTime<Utc>,
        cal: &Calendar,
    ) -> Result<Self, Invalid> {
        let mut e = Errors::new();
        let legal_name =
            input.legal_name.as_deref().and_then(|v| e.take("legal_name", Name::parse(v))).map(|v| v.to_string());
        let address =
            input.address.as_deref().and_then(|v| e.take("address", Address::parse(v))).map(|v| v.to_string());
        let contact =
            input.contact.as_deref().and_then(|v| e.take("contact", Contact::parse(v))).map(|v| v.to_string());
        if input.legal_name.is_none() && input.address.is_none() && input.contact.is_none() {
            e.push("legal_name", "required", "report at least one of legal_name, address, contact");
        }
        let today = china_date(now);
        if input.changed_on > today {
            e.push("changed_on", "in_future", "report a change once it has happened");
        }
        let report_due = cal.add_working_days(input.changed_on, REPORT_WITHIN);
        e.finish(|| ChangeRequest {
            id: ChangeRequestId::generate(),
            party: party.to_string(),
            changes: Changes { legal_name, address, contact },
            changed_on: input.changed_on,
            reported_at: now,
            reported_by: by,
            report_due,
            reported_late: today > report_due,
            verify_due: cal.add_working_days(today, VERIFY_WITHIN),
            status: ChangeStatus::Pending,
            decision: None,
            decided_at: None,
            decided_by: None,
            note: None,
        })
    }

    /// Still pending after its verification deadline.
    pub fn overdue(&self, now: DateTime<Utc>) -> bool {
        self.status == ChangeStatus::Pending && china_date(now) > self.verify_due
    }

    /// Records the platform's decision.
    pub fn decide(
        &mut self,
        d: Decision,
        by: AccountId,
        now: DateTime<Utc>,
        note: Option<String>,
    ) -> Result<(), &'static str> {
        if self.status != ChangeStatus::Pending {
            return Err("this change request has already been decided");
        }
        self.status = match d {
            Decision::Approve => ChangeStatus::Verified,
            Decision::Reject => ChangeStatus::Rejected,
        };
        self.decision = Some(d);
        self.decided_at = Some(now);
        self.decided_by = Some(by);
        self.note = note;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::party::PartyKind;
    use chrono::TimeZone;

    fn input(changed_on: NaiveDate) -> ChangeInput {
        ChangeInput {
            party_id: String::new(),
            legal_name: None,
            address: Some("新地址 8 号".into()),
            contact: None,
            changed_on,
        }
    }

    #[test]
    fn clocks_run_on_working_days_across_a_weekend_and_a_holiday() {
        let cal = Calendar {
            holidays: [NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()].into_iter().collect(),
            ..Default::default()
        };
        // Changed Thursday 26 Nov: Fri 27, (weekend), Mon 30, (holiday Tue 1 Dec), Wed 2 → due 2 Dec.
        let changed = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        // Reported Thursday 3 Dec 10:00 Beijing time: late.
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 2, 0, 0).unwrap();
        let r =
            ChangeRequest::report(&input(changed), PartyKind::RoomOperator.new_id(), AccountId::generate(), now, &cal)
                .unwrap();
        assert_eq!(r.report_due, NaiveDate::from_ymd_opt(2026, 12, 2).unwrap());
        assert!(r.reported_late);
        // Verify within 7 working days of 3 Dec: 4, 7, 8, 9, 10, 11, 14 → 14 Dec.
        assert_eq!(r.verify_due, NaiveDate::from_ymd_opt(2026, 12, 14).unwrap());
        assert!(!r.overdue(Utc.with_ymd_and_hms(2026, 12, 14, 15, 59, 0).unwrap()));
        assert!(r.overdue(Utc.with_ymd_and_hms(2026, 12, 14, 16, 0, 0).unwrap()), "midnight in Beijing");
    }

    #[test]
    fn a_report_needs_a_change_and_a_past_date() {
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 2, 0, 0).unwrap();
        let mut i = input(NaiveDate::from_ymd_opt(2026, 12, 5).unwrap());
        i.address = None;
        let err =
            ChangeRequest::report(&i, PartyKind::Merchant.new_id(), AccountId::generate(), now, &Calendar::default())
                .unwrap_err();
        let codes: Vec<_> = err.0.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(codes, ["required", "in_future"]);
    }
}

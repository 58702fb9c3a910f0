//! Anchors (直播营销人员): real identity, agency, professional qualifications, training, and the
//! room operators' rosters (Order 117 Art. 8, 10, 28).
//!
//! An anchor must be at least 16; at 16 or 17 a guardian's consent is recorded (Minors Protection
//! Law Art. 74 and the 2021 Live Marketing Measures Art. 17). Training is entered by operators: a
//! pre-first-show training and then one every year (Art. 10); categories with special risks
//! (health food) need a category training as well.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::dates::age_on;
use crate::id_number::IdNumber;
use crate::ids::{AccountId, AgencyId, AnchorId, RoomOperatorId, TrainingId};
use crate::product::Category;
use crate::text::{Address, Contact, Label, Name};
use crate::validation::{Errors, Invalid};
use crate::verification::Verification;

/// The youngest age at which anyone may sell on camera.
pub const MIN_AGE: i32 = 16;
/// From this age no guardian consent is needed.
pub const ADULT_AGE: i32 = 18;

/// A guardian's written consent for an anchor aged 16 or 17.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GuardianConsent {
    /// Guardian's name.
    pub guardian_name: String,
    /// Relationship (parent, legal guardian).
    pub relationship: String,
    /// Date the consent was signed.
    pub signed_on: NaiveDate,
}

/// A professional qualification (e.g. a licensed dietitian selling nutrition products).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfessionalQualification {
    /// Title of the qualification.
    pub name: String,
    /// Certificate number.
    pub number: String,
    /// Issuing body.
    pub issuer: String,
    /// Last day valid, if it expires.
    #[serde(default)]
    pub valid_until: Option<NaiveDate>,
}

/// An anchor registration as submitted.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnchorInput {
    /// Real name.
    pub real_name: String,
    /// Stage name shown to viewers.
    #[serde(default)]
    pub stage_name: Option<String>,
    /// Resident ID number.
    pub id_number: String,
    /// Birth date; must match the ID number.
    pub birth_date: NaiveDate,
    /// Regular address.
    pub address: String,
    /// Contact.
    pub contact: String,
    /// The agency (MCN) managing the anchor, if any.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub agency_id: Option<String>,
    /// Professional qualifications.
    #[serde(default)]
    pub qualifications: Vec<ProfessionalQualification>,
    /// Required at 16 and 17.
    #[serde(default)]
    pub guardian_consent: Option<GuardianConsent>,
}

/// A validated anchor registration.
#[derive(Debug, Clone)]
pub struct NewAnchor {
    /// Real name.
    pub real_name: Name,
    /// Stage name.
    pub stage_name: Option<Name>,
    /// ID number.
    pub id_number: IdNumber,
    /// Birth date.
    pub birth_date: NaiveDate,
    /// Address.
    pub address: Address,
    /// Contact.
    pub contact: Contact,
    /// Agency.
    pub agency: Option<AgencyId>,
    /// Professional qualifications.
    pub qualifications: Vec<ProfessionalQualification>,
    /// Guardian consent.
    pub guardian_consent: Option<GuardianConsent>,
}

impl NewAnchor {
    /// Parses a submission at `today` (China-local), naming every bad field.
    pub fn parse(input: &AnchorInput, today: NaiveDate) -> Result<Self, Invalid> {
        let mut e = Errors::new();
        let real_name = e.take("real_name", Name::parse(&input.real_name));
        let stage_name = match &input.stage_name {
            Some(s) => e.take("stage_name", Name::parse(s)).map(Some),
            None => Some(None),
        };
        let id_number = e.take("id_number", IdNumber::parse(&input.id_number));
        let address = e.take("address", Address::parse(&input.address));
        let contact = e.take("contact", Contact::parse(&input.contact));
        let agency = match &input.agency_id {
            Some(a) => e.take("agency_id", a.parse::<AgencyId>()).map(Some),
            None => Some(None),
        };
        if let Some(id) = &id_number {
            if id.birth_date() != Some(input.birth_date) {
                e.push("birth_date", "birth_date_mismatch", "birth date differs from the one in the ID number");
            }
        }
        if input.birth_date > today {
            e.push("birth_date", "in_future", "birth date is in the future");
        }
        let age = age_on(input.birth_date, today);
        if age < MIN_AGE {
            e.push("birth_date", "under_age", format!("anchors must be at least {MIN_AGE} years old"));
        } else if age < ADULT_AGE && input.guardian_consent.is_none() {
            e.push("guardian_consent", "required", "an anchor aged 16 or 17 needs a guardian's consent on record");
        }
        if let Some(g) = &input.guardian_consent {
            e.take("guardian_consent.guardian_name", Name::parse(&g.guardian_name));
            e.take("guardian_consent.relationship", Label::parse(&g.relationship));
            if g.signed_on > today {
                e.push("guardian_consent.signed_on", "in_future", "consent date is in the future");
            }
        }
        if input.qualifications.len() > 50 {
            e.push("qualifications", "too_many", "at most 50 qualifications");
        }
        for (i, q) in input.qualifications.iter().enumerate() {
            for (field, value) in [("name", &q.name), ("number", &q.number), ("issuer", &q.issuer)] {
                e.take(&format!("qualifications[{i}].{field}"), Label::parse(value));
            }
        }
        e.finish(|| NewAnchor {
            real_name: real_name.expect("checked by Errors::finish"),
            stage_name: stage_name.expect("checked by Errors::finish"),
            id_number: id_number.expect("checked by Errors::finish"),
            birth_date: input.birth_date,
            address: address.expect("checked by Errors::finish"),
            contact: contact.expect("checked by Errors::finish"),
            agency: agency.expect("checked by Errors::finish"),
            qualifications: input.qualifications.clone(),
            guardian_consent: input.guardian_consent.clone(),
        })
    }
}

/// A registered anchor.
#[derive(Debug, Clone)]
pub struct Anchor {
    /// Id.
    pub id: AnchorId,
    /// The anchor's own account.
    pub owner: AccountId,
    /// Registration details.
    pub details: NewAnchor,
    /// Latest verification decision (Art. 8, 28).
    pub verification: Option<Verification>,
    /// When registered.
    pub created_at: DateTime<Utc>,
}

/// What a training covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TrainingKind {
    /// Required before the first show (Art. 10).
    PreFirstShow,
    /// The yearly refresher (Art. 10).
    Annual,
    /// Category-specific training (e.g. health food claims).
    Category,
}

/// A training as entered by an operator.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrainingInput {
    /// Kind of training.
    pub kind: TrainingKind,
    /// For `category` trainings: the category covered.
    #[serde(default)]
    pub category: Option<Category>,
    /// Day completed (China-local).
    pub completed_on: NaiveDate,
    /// Who gave it.
    pub provider: String,
    /// Hours attended.
    pub hours: u16,
}

/// A training record.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrainingRecord {
    /// Id.
    pub id: TrainingId,
    /// The anchor trained.
    pub anchor: AnchorId,
    /// Kind.
    pub kind: TrainingKind,
    /// Category covered, for category trainings.
    pub category: Option<Category>,
    /// Day completed.
    pub completed_on: NaiveDate,
    /// Provider.
    pub provider: String,
    /// Hours.
    pub hours: u16,
    /// Operator who entered it.
    pub recorded_by: AccountId,
    /// When entered.
    pub recorded_at: DateTime<Utc>,
}

impl TrainingRecord {
    /// Validates an operator's entry at `today`.
    pub fn parse(input: &TrainingInput, today: NaiveDate) -> Result<(), Invalid> {
        let mut e = Errors::new();
        e.take("provider", Label::parse(&input.provider));
        if input.completed_on > today {
            e.push("completed_on", "in_future", "a training cannot be completed in the future");
        }
        if input.hours == 0 || input.hours > 200 {
            e.push("hours", "out_of_range", "hours must be between 1 and 200");
        }
        match (input.kind, input.category) {
            (TrainingKind::Category, None) => e.push("category", "required", "a category training names its category"),
            (TrainingKind::PreFirstShow | TrainingKind::Annual, Some(_)) => {
                e.push("category", "not_allowed", "only category trainings name a category")
            }
            _ => {}
        }
        e.finish(|| ())
    }
}

/// An anchor on a room operator's roster (Art. 28: the room operator verifies who appears).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RosterEntry {
    /// The room operator.
    pub room_operator: RoomOperatorId,
    /// The anchor.
    pub anchor: AnchorId,
    /// When added.
    pub added_at: DateTime<Utc>,
    /// When the room operator confirmed the anchor's identity; until then the anchor may not sell
    /// in this room.
    pub confirmed_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(id: &str, birth: NaiveDate) -> AnchorInput {
        AnchorInput {
            real_name: "李佳".into(),
            stage_name: None,
            id_number: id.into(),
            birth_date: birth,
            address: "上海市徐汇区".into(),
            contact: "13800000000".into(),
            agency_id: None,
            qualifications: vec![],
            guardian_consent: None,
        }
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn birth_date_must_match_the_id_number() {
        let id = IdNumber::complete("31010419900315123").unwrap();
        assert!(NewAnchor::parse(&input(id.expose(), d(1990, 3, 15)), d(2026, 11, 1)).is_ok());
        let err = NewAnchor::parse(&input(id.expose(), d(1990, 3, 16)), d(2026, 11, 1)).unwrap_err();
        assert_eq!(err.0[0].code, "birth_date_mismatch");
    }

    #[test]
    fn under_sixteen_is_refused_and_sixteen_needs_a_guardian() {
        let young = IdNumber::complete("31010420110101123").unwrap();
        let err = NewAnchor::parse(&input(young.expose(), d(2011, 1, 1)), d(2026, 11, 1)).unwrap_err();
        assert_eq!(err.0[0].code, "under_age");

        let sixteen = IdNumber::complete("31010420100101123").unwrap();
        let mut i = input(sixteen.expose(), d(2010, 1, 1));
        let err = NewAnchor::parse(&i, d(2026, 11, 1)).unwrap_err();
        assert_eq!(err.0[0].field, "guardian_consent");
        i.guardian_consent = Some(GuardianConsent {
            guardian_name: "李强".into(),
            relationship: "father".into(),
            signed_on: d(2026, 10, 1),
        });
        assert!(NewAnchor::parse(&i, d(2026, 11, 1)).is_ok());
    }

    #[test]
    fn training_entries_are_checked() {
        let t = TrainingInput {
            kind: TrainingKind::Category,
            category: None,
            completed_on: d(2027, 1, 1),
            provider: "平台学院".into(),
            hours: 0,
        };
        let err = TrainingRecord::parse(&t, d(2026, 11, 1)).unwrap_err();
        let codes: Vec<_> = err.0.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(codes, ["in_future", "out_of_range", "required"]);
    }
}

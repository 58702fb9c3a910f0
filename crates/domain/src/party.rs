//! Parties: merchants (the actual seller), goods owners ("whose goods"), room operators and
//! agencies. Each is an organisation with a unified social credit code or a natural person with an
//! ID number, an actual business address and a contact (Order 117 Art. 8, 26; E-commerce Law
//! Art. 15). The disclosure card shown on every live page is built from these records.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize, Serializer};

use crate::id_number::IdNumber;
use crate::ids::{AccountId, AgencyId, GoodsOwnerId, MerchantId, RoomOperatorId};
use crate::text::{Address, Contact, Label, Name};
use crate::uscc::Uscc;
use crate::validation::{Errors, Invalid};
use crate::verification::Verification;

/// The four kinds of registered party.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    /// The actual seller of goods.
    Merchant,
    /// Brand owner or manufacturer.
    GoodsOwner,
    /// Owner of live rooms.
    RoomOperator,
    /// Anchor agency (MCN).
    Agency,
}

impl PartyKind {
    /// The snake_case name, also the store's `kind` column.
    pub fn as_str(&self) -> &'static str {
        match self {
            PartyKind::Merchant => "merchant",
            PartyKind::GoodsOwner => "goods_owner",
            PartyKind::RoomOperator => "room_operator",
            PartyKind::Agency => "agency",
        }
    }

    /// A fresh id of this kind.
    pub fn new_id(&self) -> PartyId {
        match self {
            PartyKind::Merchant => PartyId::Merchant(MerchantId::generate()),
            PartyKind::GoodsOwner => PartyId::GoodsOwner(GoodsOwnerId::generate()),
            PartyKind::RoomOperator => PartyId::RoomOperator(RoomOperatorId::generate()),
            PartyKind::Agency => PartyId::Agency(AgencyId::generate()),
        }
    }

    /// Parses an id of this kind.
    pub fn parse_id(&self, s: &str) -> Result<PartyId, crate::ids::IdError> {
        Ok(match self {
            PartyKind::Merchant => PartyId::Merchant(s.parse()?),
            PartyKind::GoodsOwner => PartyId::GoodsOwner(s.parse()?),
            PartyKind::RoomOperator => PartyId::RoomOperator(s.parse()?),
            PartyKind::Agency => PartyId::Agency(s.parse()?),
        })
    }
}

/// The id of a party of any kind; the prefix says which.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum PartyId {
    /// `mer_…`
    Merchant(MerchantId),
    /// `gdo_…`
    GoodsOwner(GoodsOwnerId),
    /// `rop_…`
    RoomOperator(RoomOperatorId),
    /// `agy_…`
    Agency(AgencyId),
}

impl PartyId {
    /// Which kind of party.
    pub fn kind(&self) -> PartyKind {
        match self {
            PartyId::Merchant(_) => PartyKind::Merchant,
            PartyId::GoodsOwner(_) => PartyKind::GoodsOwner,
            PartyId::RoomOperator(_) => PartyKind::RoomOperator,
            PartyId::Agency(_) => PartyKind::Agency,
        }
    }

    /// Parses any party id by its prefix.
    pub fn parse_any(s: &str) -> Option<PartyId> {
        [PartyKind::Merchant, PartyKind::GoodsOwner, PartyKind::RoomOperator, PartyKind::Agency]
            .into_iter()
            .find_map(|k| k.parse_id(s).ok())
    }
}

impl fmt::Display for PartyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PartyId::Merchant(i) => i.fmt(f),
            PartyId::GoodsOwner(i) => i.fmt(f),
            PartyId::RoomOperator(i) => i.fmt(f),
            PartyId::Agency(i) => i.fmt(f),
        }
    }
}

impl Serialize for PartyId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Who the party is in law.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LegalIdentity {
    /// A company or other organisation with a unified social credit code.
    Organisation(Uscc),
    /// A natural person with a resident ID number.
    NaturalPerson(IdNumber),
}

impl LegalIdentity {
    /// The identifying string (USCC or full ID number) — for the store's blind index.
    pub fn key(&self) -> &str {
        match self {
            LegalIdentity::Organisation(u) => u.as_str(),
            LegalIdentity::NaturalPerson(i) => i.expose(),
        }
    }
}

/// An administrative licence the party holds (business licence, food business licence …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Licence {
    /// What licence, e.g. "营业执照" or "food business licence".
    pub kind: String,
    /// Licence number.
    pub number: String,
    /// Issuing authority.
    pub issuer: String,
    /// Last day of validity, if it expires.
    #[serde(default)]
    pub valid_until: Option<NaiveDate>,
}

/// A party registration as submitted.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartyInput {
    /// Registered legal name (or the person's real name).
    pub legal_name: String,
    /// Unified social credit code, for organisations.
    #[serde(default)]
    pub uscc: Option<String>,
    /// Resident ID number, for natural persons (exactly one of `uscc`, `id_number`).
    #[serde(default)]
    pub id_number: Option<String>,
    /// Actual business address.
    pub address: String,
    /// Contact: phone or e-mail.
    pub contact: String,
    /// Administrative licences held.
    #[serde(default)]
    pub licences: Vec<Licence>,
}

/// A validated registration.
#[derive(Debug, Clone)]
pub struct NewParty {
    /// Legal name.
    pub legal_name: Name,
    /// USCC or ID number.
    pub identity: LegalIdentity,
    /// Actual business address.
    pub address: Address,
    /// Contact.
    pub contact: Contact,
    /// Licences.
    pub licences: Vec<Licence>,
}

/// At most this many licences per party; more is abuse, not business.
pub const MAX_LICENCES: usize = 50;

impl NewParty {
    /// Parses a submission, naming every bad field.
    pub fn parse(input: &PartyInput) -> Result<Self, Invalid> {
        let mut e = Errors::new();
        let legal_name = e.take("legal_name", Name::parse(&input.legal_name));
        let address = e.take("address", Address::parse(&input.address));
        let contact = e.take("contact", Contact::parse(&input.contact));
        let identity = match (&input.uscc, &input.id_number) {
            (Some(u), None) => e.take("uscc", Uscc::parse(u)).map(LegalIdentity::Organisation),
            (None, Some(i)) => e.take("id_number", IdNumber::parse(i)).map(LegalIdentity::NaturalPerson),
            (Some(_), Some(_)) => {
                e.push("uscc", "exclusive", "give either uscc (organisation) or id_number (natural person), not both");
                None
            }
            (None, None) => {
                e.push("uscc", "required", "an organisation needs uscc; a natural person needs id_number");
                None
            }
        };
        if input.licences.len() > MAX_LICENCES {
            e.push("licences", "too_many", format!("at most {MAX_LICENCES} licences"));
        }
        for (i, l) in input.licences.iter().enumerate() {
            for (field, value) in [("kind", &l.kind), ("number", &l.number), ("issuer", &l.issuer)] {
                e.take(&format!("licences[{i}].{field}"), Label::parse(value));
            }
        }
        let licences = input.licences.clone();
        e.finish(|| NewParty {
            legal_name: legal_name.expect("checked by Errors::finish"),
            identity: identity.expect("checked by Errors::finish"),
            address: address.expect("checked by Errors::finish"),
            contact: contact.expect("checked by Errors::finish"),
            licences,
        })
    }
}

/// A registered party.
#[derive(Debug, Clone)]
pub struct Party {
    /// Id; its prefix tells the kind.
    pub id: PartyId,
    /// The account that owns and edits it (`None` for goods owners registered by others).
    pub owner: Option<AccountId>,
    /// The account that registered it.
    pub registered_by: AccountId,
    /// The registration details.
    pub details: NewParty,
    /// Latest verification decision.
    pub verification: Option<Verification>,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
}

impl Party {
    /// Kind of party.
    pub fn kind(&self) -> PartyKind {
        self.id.kind()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> PartyInput {
        PartyInput {
            legal_name: "杭州好物电子商务有限公司".into(),
            uscc: Some(Uscc::complete("91330106MA2B00001").unwrap().to_string()),
            id_number: None,
            address: "浙江省杭州市西湖区文三路 1 号".into(),
            contact: "0571-88880000".into(),
            licences: vec![],
        }
    }

    #[test]
    fn parses_an_organisation() {
        let p = NewParty::parse(&input()).unwrap();
        assert!(matches!(p.identity, LegalIdentity::Organisation(_)));
    }

    #[test]
    fn names_every_bad_field_at_once() {
        let mut i = input();
        i.legal_name = " ".into();
        i.uscc = Some("91330106MA2B000010".into());
        i.contact = String::new();
        let err = NewParty::parse(&i).unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["legal_name", "contact", "uscc"]);
    }

    #[test]
    fn needs_exactly_one_identity() {
        let mut i = input();
        i.uscc = None;
        assert_eq!(NewParty::parse(&i).unwrap_err().0[0].code, "required");
        i.uscc = Some("x".into());
        i.id_number = Some("11010519491231002X".into());
        assert_eq!(NewParty::parse(&i).unwrap_err().0[0].code, "exclusive");
    }

    #[test]
    fn party_ids_parse_by_prefix() {
        let id = PartyKind::GoodsOwner.new_id();
        assert_eq!(PartyId::parse_any(&id.to_string()), Some(id));
        assert!(PartyKind::Merchant.parse_id(&id.to_string()).is_err());
    }
}

//! The disclosure card (Order 117 Art. 26; CPL implementing regulations Art. 14; Art. 37): who is
//! selling, whose goods these are, who runs the room, in what role the anchor presents the goods,
//! and whether the presenter is AI-generated.
//!
//! The card is always derived from the party records, never typed by hand, so it cannot say
//! something the verified records do not. Its JSON keys are a public contract.

use serde::{Deserialize, Serialize};

use crate::party::{LegalIdentity, Party};

/// How the anchor stands to the goods on a lineup item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnchorRole {
    /// The room sells its own goods.
    OwnGoods,
    /// The room sells on commission for the seller.
    Commissioned,
    /// The anchor advertises; the sale happens with the seller.
    Advertising,
}

impl AnchorRole {
    /// The snake_case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            AnchorRole::OwnGoods => "own_goods",
            AnchorRole::Commissioned => "commissioned",
            AnchorRole::Advertising => "advertising",
        }
    }
}

/// A seller's or goods owner's public identification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PartyCard {
    /// Legal name.
    pub name: String,
    /// USCC, or the masked ID number of a natural person (see `natural_person`).
    pub uscc: String,
    /// Actual business address.
    pub address: String,
    /// Contact.
    pub contact: String,
    /// True when the party is a natural person and `uscc` holds a masked ID number.
    #[serde(default)]
    pub natural_person: bool,
}

/// The room operator's public identification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RoomOperatorCard {
    /// Legal name.
    pub name: String,
    /// USCC of an organisation, or the masked ID number of a natural person.
    pub uscc_or_masked_id: String,
    /// Actual business address.
    pub address: String,
    /// Contact.
    pub contact: String,
}

/// The card shown continuously with every live show and pinned product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DisclosureCard {
    /// The actual seller of the pinned product (`null` while nothing is pinned).
    pub seller: Option<PartyCard>,
    /// Whose goods these are (`null` while nothing is pinned).
    pub goods_owner: Option<PartyCard>,
    /// Who runs the room.
    pub room_operator: RoomOperatorCard,
    /// The anchor's role for the pinned product.
    pub anchor_role: Option<AnchorRole>,
    /// Whether the presenter is AI-generated (Art. 37).
    pub ai_presenter: bool,
}

fn public_id(p: &Party) -> String {
    match &p.details.identity {
        LegalIdentity::Organisation(u) => u.to_string(),
        LegalIdentity::NaturalPerson(i) => i.masked(),
    }
}

/// Whether two party records are the same legal entity (same USCC or ID number): a room may call
/// goods its own only when it is their seller.
pub fn same_entity(a: &Party, b: &Party) -> bool {
    a.details.identity.key() == b.details.identity.key()
}

/// The card of a seller or goods owner.
pub fn party_card(p: &Party) -> PartyCard {
    PartyCard {
        name: p.details.legal_name.to_string(),
        uscc: public_id(p),
        address: p.details.address.to_string(),
        contact: p.details.contact.to_string(),
        natural_person: matches!(p.details.identity, LegalIdentity::NaturalPerson(_)),
    }
}

/// The card of a room operator.
pub fn room_card(p: &Party) -> RoomOperatorCard {
    RoomOperatorCard {
        name: p.details.legal_name.to_string(),
        uscc_or_masked_id: public_id(p),
        address: p.details.address.to_string(),
        contact: p.details.contact.to_string(),
    }
}

/// The card for a pinned product: seller, goods owner, room, role, AI label.
pub fn card(seller: &Party, goods_owner: &Party, room: &Party, role: AnchorRole, ai_presenter: bool) -> DisclosureCard {
    DisclosureCard {
        seller: Some(party_card(seller)),
        goods_owner: Some(party_card(goods_owner)),
        room_operator: room_card(room),
        anchor_role: Some(role),
        ai_presenter,
    }
}

/// The card while nothing is pinned: the room and the AI label.
pub fn room_only(room: &Party, ai_presenter: bool) -> DisclosureCard {
    DisclosureCard { seller: None, goods_owner: None, room_operator: room_card(room), anchor_role: None, ai_presenter }
}

/// The label shown with every payload of a show with an AI presenter (Art. 37).
pub const AI_LABEL: &str = "本直播间主播为人工智能生成 / The presenter in this show is AI-generated";

//! What the API shows of each record, to whom. Personal data (ID numbers, an anchor's birth date,
//! address and contact) is shown in full only to its owner and to staff (operators verify,
//! regulators need it for the Art. 9 report); everyone else sees it masked or not at all.

use chrono::{DateTime, NaiveDate, Utc};
use clearcast_domain::anchor::{Anchor, GuardianConsent, ProfessionalQualification};
use clearcast_domain::disclosure::{party_card, PartyCard};
use clearcast_domain::ids::{AccountId, AgencyId, AnchorId, GoodsOwnerId, MerchantId, ProductId};
use clearcast_domain::money::Money;
use clearcast_domain::party::{LegalIdentity, Licence, Party, PartyKind};
use clearcast_domain::product::{Category, Product, Variant};
use clearcast_domain::verification::{status, Verification, VerificationStatus};
use serde::Serialize;

use crate::auth::Caller;

/// A verification as shown.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VerificationView {
    /// Status at the time of the answer.
    pub status: VerificationStatus,
    /// Until when an approval counts.
    pub verified_until: Option<DateTime<Utc>>,
    /// When decided.
    pub decided_at: Option<DateTime<Utc>>,
    /// Operator's note.
    pub note: Option<String>,
}

impl VerificationView {
    /// The view of an optional verification at `now`.
    pub fn of(v: Option<&Verification>, now: DateTime<Utc>) -> Self {
        Self {
            status: status(v, now),
            verified_until: v.and_then(|v| v.verified_until),
            decided_at: v.map(|v| v.decided_at),
            note: v.and_then(|v| v.note.clone()),
        }
    }
}

/// A party as shown.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PartyView {
    /// Id (`mer_`, `gdo_`, `rop_`, `agy_`).
    pub id: String,
    /// Kind.
    pub kind: PartyKind,
    /// Legal name.
    pub legal_name: String,
    /// Unified social credit code (organisations).
    pub uscc: Option<String>,
    /// ID number (natural persons): full for the owner and staff, masked for others.
    pub id_number: Option<String>,
    /// Whether the party is a natural person.
    pub natural_person: bool,
    /// Actual business address.
    pub address: String,
    /// Contact.
    pub contact: String,
    /// Licences.
    pub licences: Vec<Licence>,
    /// Verification state now.
    pub verification: VerificationView,
    /// Owning account.
    pub owner: Option<AccountId>,
    /// Registering account.
    pub registered_by: AccountId,
    /// Registered at.
    pub created_at: DateTime<Utc>,
}

fn sees_in_full(caller: Option<&Caller>, owners: &[Option<AccountId>]) -> bool {
    caller.is_some_and(|c| c.is_staff() || owners.contains(&Some(c.account.id)))
}

/// The view of a party for `caller` at `now`.
pub fn party(p: &Party, caller: Option<&Caller>, now: DateTime<Utc>) -> PartyView {
    let full = sees_in_full(caller, &[p.owner, Some(p.registered_by)]);
    let (uscc, id_number) = match &p.details.identity {
        LegalIdentity::Organisation(u) => (Some(u.to_string()), None),
        LegalIdentity::NaturalPerson(i) => (None, Some(if full { i.expose().to_string() } else { i.masked() })),
    };
    PartyView {
        id: p.id.to_string(),
        kind: p.kind(),
        legal_name: p.details.legal_name.to_string(),
        natural_person: id_number.is_some(),
        uscc,
        id_number,
        address: p.details.address.to_string(),
        contact: p.details.contact.to_string(),
        licences: p.details.licences.clone(),
        verification: VerificationView::of(p.verification.as_ref(), now),
        owner: p.owner,
        registered_by: p.registered_by,
        created_at: p.created_at,
    }
}

/// An anchor as shown.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AnchorView {
    /// Id.
    pub id: AnchorId,
    /// Stage name.
    pub stage_name: Option<String>,
    /// Real name (masked for others than the anchor and staff).
    pub real_name: String,
    /// ID number (masked for others).
    pub id_number: String,
    /// Birth date (owner and staff only).
    pub birth_date: Option<NaiveDate>,
    /// Regular address (owner and staff only).
    pub address: Option<String>,
    /// Contact (owner and staff only).
    pub contact: Option<String>,
    /// Agency.
    pub agency_id: Option<AgencyId>,
    /// Professional qualifications.
    pub qualifications: Vec<ProfessionalQualification>,
    /// Guardian consent (owner and staff only).
    pub guardian_consent: Option<GuardianConsent>,
    /// Verification state now.
    pub verification: VerificationView,
    /// Whether the identity is on the platform blacklist (Art. 14).
    pub blacklisted: bool,
    /// Owning account.
    pub owner: AccountId,
    /// Registered at.
    pub created_at: DateTime<Utc>,
}

fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => format!("{first}{}", "*".repeat(chars.count().max(1))),
        None => String::new(),
    }
}

/// The view of an anchor for `caller` at `now`.
pub fn anchor(a: &Anchor, caller: Option<&Caller>, now: DateTime<Utc>, blacklisted: bool) -> AnchorView {
    let full = sees_in_full(caller, &[Some(a.owner)]);
    let d = &a.details;
    AnchorView {
        id: a.id,
        stage_name: d.stage_name.as_ref().map(|s| s.to_string()),
        real_name: if full { d.real_name.to_string() } else { mask_name(d.real_name.as_str()) },
        id_number: if full { d.id_number.expose().to_string() } else { d.id_number.masked() },
        birth_date: full.then_some(d.birth_date),
        address: full.then(|| d.address.to_string()),
        contact: full.then(|| d.contact.to_string()),
        agency_id: d.agency,
        qualifications: d.qualifications.clone(),
        guardian_consent: if full { d.guardian_consent.clone() } else { None },
        verification: VerificationView::of(a.verification.as_ref(), now),
        blacklisted,
        owner: a.owner,
        created_at: a.created_at,
    }
}

/// Who sells the product and whose goods it is.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProductDisclosure {
    /// The actual seller.
    pub seller: PartyCard,
    /// The goods owner.
    pub goods_owner: PartyCard,
}

/// A product page.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProductView {
    /// Id.
    pub id: ProductId,
    /// The merchant selling it.
    pub seller_id: MerchantId,
    /// The goods owner.
    pub goods_owner_id: GoodsOwnerId,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Category.
    pub category: Category,
    /// Base price.
    pub price: Money,
    /// Pricing unit.
    pub unit: String,
    /// Variants with stock.
    pub variants: Vec<Variant>,
    /// Stock over all variants.
    pub total_stock: i64,
    /// Seller and goods owner (Order 117 Art. 26).
    pub disclosure: ProductDisclosure,
    /// Listed at.
    pub created_at: DateTime<Utc>,
}

/// The product page.
pub fn product(p: &Product, seller: &Party, goods_owner: &Party) -> ProductView {
    ProductView {
        id: p.id,
        seller_id: p.seller,
        goods_owner_id: p.goods_owner,
        title: p.title.clone(),
        description: p.description.clone(),
        category: p.category,
        price: p.price,
        unit: p.unit.clone(),
        total_stock: p.total_stock(),
        variants: p.variants.clone(),
        disclosure: ProductDisclosure { seller: party_card(seller), goods_owner: party_card(goods_owner) },
        created_at: p.created_at,
    }
}

/// A list answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct List<T> {
    /// Items.
    pub items: Vec<T>,
    /// Cursor for the next page, `null` on the last.
    pub next_cursor: Option<String>,
}

/// Returns the kind a party path serves.
pub fn kind_name(k: PartyKind) -> &'static str {
    match k {
        PartyKind::Merchant => "merchant",
        PartyKind::GoodsOwner => "goods owner",
        PartyKind::RoomOperator => "room operator",
        PartyKind::Agency => "agency",
    }
}

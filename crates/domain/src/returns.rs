//! Returns: the 7-day no-reason return for distance sales (Consumer Protection Law Art. 25) except
//! the categories the policy excludes (perishable food by default; custom-made goods and opened
//! digital goods where the platform marks them), and quality or not-as-described returns within a
//! longer policy window. Windows count China-local days from the delivery day.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::dates::china_date;
use crate::ids::AccountId;
use crate::order::OrderStatus;
use crate::product::Category;
use crate::text::Text;
use crate::validation::{Errors, Invalid};
use crate::verification::Decision;

/// Why the buyer returns the goods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReturnKind {
    /// No reason needed within 7 days (CPL Art. 25).
    NoReason,
    /// The goods are defective.
    Quality,
    /// The goods are not what the page or the anchor said.
    NotAsDescribed,
}

/// A return as requested.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnInput {
    /// Kind.
    pub kind: ReturnKind,
    /// What is wrong (required for quality and not-as-described returns).
    #[serde(default)]
    pub reason: Option<String>,
}

/// Where a return stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReturnStatus {
    /// Awaiting the seller (or an operator).
    Requested,
    /// Accepted; the order is refunded.
    Refunded,
    /// Refused, with a note (the buyer may complain).
    Rejected,
}

/// A return request on an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReturnRequest {
    /// Kind.
    pub kind: ReturnKind,
    /// Reason.
    pub reason: Option<String>,
    /// When requested.
    pub requested_at: DateTime<Utc>,
    /// The last day it could be requested.
    pub window_ends: chrono::NaiveDate,
    /// State.
    pub status: ReturnStatus,
    /// Who decided.
    pub decided_by: Option<AccountId>,
    /// When.
    pub decided_at: Option<DateTime<Utc>>,
    /// The decider's note.
    pub note: Option<String>,
}

/// Return windows from the policy.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnPolicy {
    /// Days for a no-reason return (CPL Art. 25: seven).
    pub no_reason_days: u32,
    /// Categories without the no-reason return.
    pub no_reason_excluded: Vec<Category>,
    /// Days for quality and not-as-described returns.
    pub quality_days: u32,
}

impl Default for ReturnPolicy {
    fn default() -> Self {
        Self { no_reason_days: 7, no_reason_excluded: vec![Category::Food], quality_days: 30 }
    }
}

/// Why a return is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReturnRefusal {
    /// Not delivered yet (or already refunded or cancelled).
    #[error("only delivered orders can be returned; this one is {0}")]
    NotDelivered(&'static str),
    /// A return was already requested.
    #[error("a return has already been requested for this order")]
    AlreadyRequested,
    /// The category has no no-reason return.
    #[error(
        "{0} goods have no 7-day no-reason return (policy; CPL Art. 25 exceptions); a quality return is still possible"
    )]
    Excluded(Category),
    /// Too late.
    #[error("the window for this return ended on {0}")]
    WindowPassed(chrono::NaiveDate),
}

impl ReturnRefusal {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            ReturnRefusal::NotDelivered(_) => "order_not_delivered",
            ReturnRefusal::AlreadyRequested => "return_already_requested",
            ReturnRefusal::Excluded(_) => "no_reason_return_excluded",
            ReturnRefusal::WindowPassed(_) => "return_window_passed",
        }
    }
}

/// The facts about an order that a return request is judged on.
#[derive(Debug, Clone, Copy)]
pub struct Returnable {
    /// The order's state.
    pub status: OrderStatus,
    /// When it was delivered.
    pub delivered_at: Option<DateTime<Utc>>,
    /// Whether a return was already requested.
    pub already_requested: bool,
    /// The product's category.
    pub category: Category,
}

/// Judges a return request at `now`.
pub fn request(
    input: &ReturnInput,
    order: Returnable,
    policy: &ReturnPolicy,
    now: DateTime<Utc>,
) -> Result<Result<ReturnRequest, ReturnRefusal>, Invalid> {
    let category = order.category;
    let mut e = Errors::new();
    let reason = match input.reason.as_deref().filter(|r| !r.trim().is_empty()) {
        Some(r) => e.take("reason", Text::<1000>::parse(r)).map(|t| t.to_string()),
        None => None,
    };
    if input.kind != ReturnKind::NoReason
        && reason.is_none()
        && input.reason.as_deref().is_none_or(|r| r.trim().is_empty())
    {
        e.push("reason", "required", "say what is wrong with the goods");
    }
    e.finish(|| ())?;
    let delivered = match (order.status, order.delivered_at) {
        (OrderStatus::Delivered | OrderStatus::Completed, Some(d)) => d,
        (s, _) => return Ok(Err(ReturnRefusal::NotDelivered(s.as_str()))),
    };
    if order.already_requested {
        return Ok(Err(ReturnRefusal::AlreadyRequested));
    }
    if input.kind == ReturnKind::NoReason && policy.no_reason_excluded.contains(&category) {
        return Ok(Err(ReturnRefusal::Excluded(category)));
    }
    let days = if input.kind == ReturnKind::NoReason { policy.no_reason_days } else { policy.quality_days };
    let window_ends = china_date(delivered) + Duration::days(i64::from(days));
    if china_date(now) > window_ends {
        return Ok(Err(ReturnRefusal::WindowPassed(window_ends)));
    }
    Ok(Ok(ReturnRequest {
        kind: input.kind,
        reason,
        requested_at: now,
        window_ends,
        status: ReturnStatus::Requested,
        decided_by: None,
        decided_at: None,
        note: None,
    }))
}

/// Whether an accepted return puts the goods back in stock: a no-reason return comes back sellable;
/// defective goods do not.
pub fn restocks(kind: ReturnKind) -> bool {
    kind == ReturnKind::NoReason
}

/// Records the decision; `Ok(true)` when the order is to be refunded.
pub fn decide(
    r: &mut ReturnRequest,
    d: Decision,
    by: AccountId,
    now: DateTime<Utc>,
    note: Option<String>,
) -> Result<bool, &'static str> {
    if r.status != ReturnStatus::Requested {
        return Err("this return has already been decided");
    }
    r.status = if d == Decision::Approve { ReturnStatus::Refunded } else { ReturnStatus::Rejected };
    r.decided_by = Some(by);
    r.decided_at = Some(now);
    r.note = note;
    Ok(d == Decision::Approve)
}

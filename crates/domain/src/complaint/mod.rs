//! Complaints with published clocks (Order 117 Art. 20), the compensation calculator (Consumer
//! Protection Law Art. 55, Food Safety Law Art. 148) and complaint-abuse detection.
//!
//! filed → responded (the merchant answers within `response_hours`) → under_review (an operator
//! takes it; a complaint the merchant let lapse can be taken too) → upheld / rejected (with a
//! liability split in basis points summing to 10,000) → compensated (the platform pays at once
//! from its guarantee pool and recovers from the liable parties' deposits). Either side may
//! appeal a decision once, which puts the complaint back under review: the buyer a rejection, a
//! liable party an upheld decision. Every step has its clock; a step past its clock is overdue.
//!
//! A complaint is about an order, or about a show the consumer watched without buying (for
//! instance a missing disclosure card or a false claim): then it names the lineup item it
//! concerns, so the seller who answers for the goods is known, and there is no price to refund or
//! multiply — an upheld show complaint counts against the parties and pays nothing.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, AnchorId, MerchantId, OrderId, ProductId, RoomOperatorId, ShowId};
use crate::ledger::{AccountKind, Transfer, TransferKind};
use crate::money::Money;

mod abuse;
mod appeal;
mod compensation;
pub mod report;

pub use crate::ids::ComplaintId;
pub use abuse::{abuse_flags, AbuseFlag};
pub use appeal::{Appeal, AppealError, Appellant};
pub use compensation::{compensation, Compensation, CompensationLine, FRAUD_LIKE};

/// What the complaint is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintCategory {
    /// Defective goods.
    Quality,
    /// The goods were not what was described.
    NotAsDescribed,
    /// False advertising in the show.
    FalseAdvertising,
    /// Counterfeit goods.
    Counterfeit,
    /// The seller's identity was not disclosed.
    DisclosureMissing,
    /// A fake reference price or other price fraud.
    PriceFraud,
    /// Customer service.
    Service,
    /// Food that violates food-safety standards.
    FoodSafety,
}

impl ComplaintCategory {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ComplaintCategory::Quality => "quality",
            ComplaintCategory::NotAsDescribed => "not_as_described",
            ComplaintCategory::FalseAdvertising => "false_advertising",
            ComplaintCategory::Counterfeit => "counterfeit",
            ComplaintCategory::DisclosureMissing => "disclosure_missing",
            ComplaintCategory::PriceFraud => "price_fraud",
            ComplaintCategory::Service => "service",
            ComplaintCategory::FoodSafety => "food_safety",
        }
    }
}

/// Where a complaint stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintStatus {
    /// Waiting for the merchant.
    Filed,
    /// The merchant answered.
    Responded,
    /// An operator is reviewing it.
    UnderReview,
    /// Decided for the consumer; compensation is due.
    Upheld,
    /// Decided against the consumer.
    Rejected,
    /// Upheld and paid.
    Compensated,
}

impl ComplaintStatus {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ComplaintStatus::Filed => "filed",
            ComplaintStatus::Responded => "responded",
            ComplaintStatus::UnderReview => "under_review",
            ComplaintStatus::Upheld => "upheld",
            ComplaintStatus::Rejected => "rejected",
            ComplaintStatus::Compensated => "compensated",
        }
    }
}

/// The clocks (`[complaints]` in the policy).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplaintPolicy {
    /// Hours the merchant has to respond.
    pub response_hours: u32,
    /// Days from filing to the platform's decision.
    pub decision_days: u32,
    /// Rejected complaints in `abuse_window_days` that flag a consumer for review.
    pub abuse_rejected: u32,
    /// Complaints against one merchant within `abuse_burst_hours` that flag a consumer.
    pub abuse_burst: u32,
    /// Window for counting rejected complaints.
    pub abuse_window_days: u32,
    /// Window for counting a burst against one merchant.
    pub abuse_burst_hours: u32,
}

impl Default for ComplaintPolicy {
    fn default() -> Self {
        Self {
            response_hours: 48,
            decision_days: 7,
            abuse_rejected: 3,
            abuse_burst: 5,
            abuse_window_days: 90,
            abuse_burst_hours: 24,
        }
    }
}

/// Liability in basis points (sums to 10,000).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Liability {
    /// The merchant's share.
    pub merchant_bps: u32,
    /// The room operator's (and its anchors') share.
    pub room_operator_bps: u32,
    /// The platform's own share (not recovered from anyone).
    pub platform_bps: u32,
}

impl Liability {
    /// Whether the shares add up to the whole.
    pub fn is_whole(&self) -> bool {
        u64::from(self.merchant_bps) + u64::from(self.room_operator_bps) + u64::from(self.platform_bps) == 10_000
    }

    /// Each share of `amount`, rounded down, the platform's taking the remainder.
    pub fn shares(&self, amount: i64) -> (i64, i64, i64) {
        let part = |bps: u32| i64::try_from(i128::from(amount) * i128::from(bps) / 10_000).unwrap_or(0);
        let (m, r) = (part(self.merchant_bps), part(self.room_operator_bps));
        (m, r, amount - m - r)
    }
}

/// The merchant's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Response {
    /// Words.
    pub text: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Given after `respond_by` (kept: an answer does not erase that the clock ran out).
    #[serde(default)]
    pub late: bool,
}

/// An operator's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Decision {
    /// For the consumer?
    pub upheld: bool,
    /// Who is liable (upheld only).
    pub liability: Option<Liability>,
    /// Why.
    pub reason: String,
    /// By whom.
    pub decided_by: AccountId,
    /// When.
    pub at: DateTime<Utc>,
    /// What it pays (upheld only).
    pub compensation: Option<Compensation>,
}

/// A complaint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Complaint {
    /// Id.
    #[schema(value_type = String)]
    pub id: ComplaintId,
    /// The order; none for a complaint about a show the consumer did not buy in.
    pub order: Option<OrderId>,
    /// Who complains.
    pub consumer: AccountId,
    /// The seller.
    pub merchant: MerchantId,
    /// The product.
    pub product: ProductId,
    /// The show it was bought in.
    pub show: Option<ShowId>,
    /// The show's room.
    pub room_operator: Option<RoomOperatorId>,
    /// The show's anchors.
    pub anchors: Vec<AnchorId>,
    /// What it is about.
    pub category: ComplaintCategory,
    /// In the consumer's words.
    pub description: String,
    /// Transcript segment ids, record ids, photo URLs.
    pub evidence: Vec<String>,
    /// The price paid (zero for a complaint about a show).
    pub price: Money,
    /// State.
    pub status: ComplaintStatus,
    /// When filed.
    pub filed_at: DateTime<Utc>,
    /// The merchant must respond by.
    pub respond_by: DateTime<Utc>,
    /// The platform must decide by.
    pub decide_by: DateTime<Utc>,
    /// The merchant's response.
    pub response: Option<Response>,
    /// The decision (the latest, after an appeal).
    pub decision: Option<Decision>,
    /// The appeal, if any (one).
    pub appeal: Option<Appeal>,
    /// Abuse flags raised when it was filed.
    pub abuse_flags: Vec<AbuseFlag>,
    /// The ledger transfers that paid and recovered it.
    pub transfers: Vec<String>,
    /// What the liable parties bear, fen: taken from their deposits, or owed as receivables until
    /// they pay (net of what an appeal gave back; the platform's own share is not recovered).
    #[serde(default)]
    pub recovered: i64,
    /// Compensation paid to the consumer, fen (final: a later appeal by a liable party changes who
    /// bears it, never what the consumer got).
    #[serde(default)]
    pub paid: i64,
}

/// Why a step is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the complaint is {current}; cannot {action}")]
pub struct ComplaintStateError {
    /// State now.
    pub current: &'static str,
    /// What was tried.
    pub action: &'static str,
}

impl Complaint {
    fn need(&self, from: &[ComplaintStatus], action: &'static str) -> Result<(), ComplaintStateError> {
        if from.contains(&self.status) {
            Ok(())
        } else {
            Err(ComplaintStateError { current: self.status.as_str(), action })
        }
    }

    /// The merchant responds.
    pub fn respond(&mut self, text: String, now: DateTime<Utc>) -> Result<(), ComplaintStateError> {
        self.need(&[ComplaintStatus::Filed], "respond")?;
        self.response = Some(Response { text, at: now, late: now > self.respond_by });
        self.status = ComplaintStatus::Responded;
        Ok(())
    }

    /// An operator takes it for review: after the response, or once the merchant's clock ran out.
    pub fn review(&mut self, now: DateTime<Utc>) -> Result<(), ComplaintStateError> {
        if self.status == ComplaintStatus::Filed && now >= self.respond_by {
            self.status = ComplaintStatus::UnderReview;
            return Ok(());
        }
        let action = if self.status == ComplaintStatus::Filed {
            "start the review (the merchant has not responded and still has time)"
        } else {
            "start the review (only a responded complaint, or one whose response clock ran out, is taken up)"
        };
        self.need(&[ComplaintStatus::Responded], action)?;
        self.status = ComplaintStatus::UnderReview;
        Ok(())
    }

    /// An operator decides.
    pub fn decide(&mut self, d: Decision) -> Result<(), ComplaintStateError> {
        self.need(&[ComplaintStatus::UnderReview], "adjudicate")?;
        self.status = if d.upheld { ComplaintStatus::Upheld } else { ComplaintStatus::Rejected };
        self.decision = Some(d);
        Ok(())
    }

    /// Records the money a decision moved: what the consumer was paid, and what the liable
    /// parties bear (from their deposits or as debts, net of what an appeal gave back — a debt
    /// settled later is still borne by the same party, so the figure never goes below zero). An
    /// upheld decision with a compensation is then `compensated` (even when it is nothing beyond
    /// a refund that already came back with the order).
    pub fn settle(&mut self, transfers: &[Transfer]) -> Result<(), ComplaintStateError> {
        self.need(&[ComplaintStatus::Upheld, ComplaintStatus::Rejected], "record the money of a decision")?;
        let party = |k: AccountKind| {
            matches!(k, AccountKind::MerchantDeposit | AccountKind::RoomOperatorDeposit | AccountKind::Receivable)
        };
        for t in transfers {
            match t.kind {
                TransferKind::Compensation => self.paid += t.amount,
                TransferKind::Recovery | TransferKind::Shortfall if party(t.debit.kind) => self.recovered += t.amount,
                TransferKind::Reversal if party(t.credit.kind) => self.recovered -= t.amount,
                _ => {}
            }
            self.transfers.push(t.id.to_string());
        }
        if self.status == ComplaintStatus::Upheld && self.decision.as_ref().is_some_and(|d| d.compensation.is_some()) {
            self.status = ComplaintStatus::Compensated;
        }
        Ok(())
    }

    /// Compensation paid to the consumer (older records kept it only in the decision).
    pub fn paid_total(&self) -> i64 {
        if self.paid > 0 || self.status != ComplaintStatus::Compensated {
            return self.paid;
        }
        self.decision.as_ref().and_then(|d| d.compensation.as_ref()).map_or(0, |k| k.total)
    }

    /// The steps past their clock now.
    pub fn overdue(&self, now: DateTime<Utc>) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.status == ComplaintStatus::Filed && now > self.respond_by {
            out.push("merchant_response");
        }
        let open =
            matches!(self.status, ComplaintStatus::Filed | ComplaintStatus::Responded | ComplaintStatus::UnderReview);
        if open && now > self.decide_by {
            out.push("platform_decision");
        }
        out
    }

    /// Clocks for a complaint filed at `now`.
    pub fn clocks(now: DateTime<Utc>, p: &ComplaintPolicy) -> (DateTime<Utc>, DateTime<Utc>) {
        (now + Duration::hours(i64::from(p.response_hours)), now + Duration::days(i64::from(p.decision_days)))
    }
}

/// A sample complaint for the domain's own tests.
#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;

    /// A filed quality complaint about a ¥1.00 order.
    pub(crate) fn sample_complaint() -> Complaint {
        let filed = Utc::now();
        let (respond_by, decide_by) = Complaint::clocks(filed, &ComplaintPolicy::default());
        Complaint {
            id: ComplaintId::generate(),
            order: Some(OrderId::generate()),
            consumer: AccountId::generate(),
            merchant: MerchantId::generate(),
            product: ProductId::generate(),
            show: None,
            room_operator: None,
            anchors: vec![],
            category: ComplaintCategory::Quality,
            description: "坏了".into(),
            evidence: vec![],
            price: Money::cny(100),
            status: ComplaintStatus::Filed,
            filed_at: filed,
            respond_by,
            decide_by,
            response: None,
            decision: None,
            appeal: None,
            abuse_flags: vec![],
            transfers: vec![],
            recovered: 0,
            paid: 0,
        }
    }
}

#[cfg(test)]
mod tests;

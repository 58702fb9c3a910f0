//! Appeals of a complaint's decision (Order 117 Art. 20): once per complaint, by the side the
//! decision went against — the buyer appeals a rejection; a party the decision holds liable (a
//! share above zero) appeals an upheld decision. The complaint goes back under review and the
//! appealed decision is kept beside the new one.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Complaint, ComplaintStatus, Decision};
use crate::ids::AccountId;

/// Who appeals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Appellant {
    /// The buyer, against a rejection.
    #[default]
    Consumer,
    /// The seller, against an upheld decision that holds it liable.
    Merchant,
    /// The room operator (for its anchors), against an upheld decision that holds it liable.
    RoomOperator,
}

/// An appeal of a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Appeal {
    /// Who appealed (the account).
    pub by: AccountId,
    /// On whose behalf.
    #[serde(default)]
    pub side: Appellant,
    /// Why.
    pub statement: String,
    /// When.
    pub at: DateTime<Utc>,
    /// The decision appealed against, kept for the record.
    #[serde(default)]
    pub appealed: Option<Decision>,
}

/// Why an appeal is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppealError {
    /// One appeal per complaint.
    #[error("a complaint is appealed once")]
    Already,
    /// Not a decision this side may appeal.
    #[error("the complaint is {current}; {rule}")]
    State {
        /// State now.
        current: &'static str,
        /// Who may appeal what.
        rule: &'static str,
    },
    /// The decision does not hold this party liable.
    #[error("the decision holds the {0} liable for nothing; only a liable party appeals an upheld decision")]
    NotLiable(&'static str),
}

impl AppealError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            AppealError::Already => "already_appealed",
            AppealError::State { .. } => "invalid_complaint_state",
            AppealError::NotLiable(_) => "not_liable",
        }
    }
}

impl Complaint {
    /// The share of the decided liability this side carries, in basis points (a complaint outside
    /// a show has no room: the seller carries the room's share).
    fn liable_bps(&self, side: Appellant) -> u32 {
        let Some(l) = self.decision.as_ref().and_then(|d| d.liability) else { return 0 };
        match (side, self.room_operator) {
            (Appellant::Consumer, _) => 0,
            (Appellant::Merchant, Some(_)) => l.merchant_bps,
            (Appellant::Merchant, None) => l.merchant_bps + l.room_operator_bps,
            (Appellant::RoomOperator, Some(_)) => l.room_operator_bps,
            (Appellant::RoomOperator, None) => 0,
        }
    }

    /// Appeals the decision once; back under review.
    pub fn appeal(
        &mut self,
        by: AccountId,
        side: Appellant,
        statement: String,
        now: DateTime<Utc>,
    ) -> Result<(), AppealError> {
        if self.appeal.is_some() {
            return Err(AppealError::Already);
        }
        let current = self.status.as_str();
        match side {
            Appellant::Consumer if self.status != ComplaintStatus::Rejected => {
                return Err(AppealError::State { current, rule: "the buyer appeals a rejection" })
            }
            Appellant::Merchant | Appellant::RoomOperator => {
                if !matches!(self.status, ComplaintStatus::Upheld | ComplaintStatus::Compensated) {
                    return Err(AppealError::State { current, rule: "a liable party appeals an upheld decision" });
                }
                if self.liable_bps(side) == 0 {
                    let who = if side == Appellant::Merchant { "seller" } else { "room operator" };
                    return Err(AppealError::NotLiable(who));
                }
            }
            Appellant::Consumer => {}
        }
        self.appeal = Some(Appeal { by, side, statement, at: now, appealed: self.decision.clone() });
        self.status = ComplaintStatus::UnderReview;
        Ok(())
    }
}

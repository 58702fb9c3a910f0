//! The JSON API under `/api/v1`, one module per concept. Each handler carries its OpenAPI
//! description (`#[utoipa::path]`), so the published document cannot drift from the code.

pub mod accounts;
pub mod anchors;
pub mod audit;
pub mod changes;
pub mod chat;
pub mod complaints;
pub mod compliance;
pub mod decisions;
pub mod eligibility;
pub mod feed;
pub mod health;
pub mod ledger;
pub mod live;
pub mod notices;
pub mod orders;
pub mod parties;
pub mod payouts;
pub mod penalties;
pub mod products;
pub mod reports;
pub mod reputation;
pub mod reviews;
pub mod roster;
pub mod scripts;
pub mod shows;
pub mod speech;

use chrono::{DateTime, Utc};
use clearcast_domain::audit::AuditEntry;
use clearcast_domain::verification::Decision;
use serde::Deserialize;

use crate::auth::Caller;
use crate::error::ApiError;

/// An operator's decision on a verification or document review.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// `approve` (default) or `reject`.
    #[serde(default = "approve")]
    pub decision: Decision,
    /// Why; required for a rejection.
    #[serde(default)]
    pub note: Option<String>,
}

fn approve() -> Decision {
    Decision::Approve
}

impl DecisionInput {
    /// The note, checked: required for a rejection, at most 1000 characters.
    pub fn note(&self) -> Result<Option<String>, ApiError> {
        let note = match self.note.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => Some(
                clearcast_domain::text::Text::<1000>::parse(n)
                    .map_err(|e| {
                        ApiError::invalid("note", clearcast_domain::validation::CodedError::code(&e), e.to_string())
                    })?
                    .to_string(),
            ),
            None => None,
        };
        if self.decision == Decision::Reject && note.is_none() {
            return Err(ApiError::invalid("note", "required", "a rejection must say why"));
        }
        Ok(note)
    }
}

/// An audit entry for an action by `caller`.
pub fn entry_by(
    caller: &Caller,
    now: DateTime<Utc>,
    action: &str,
    subject: impl ToString,
    detail: serde_json::Value,
) -> AuditEntry {
    AuditEntry { at: now, actor: caller.account.id, action: action.to_string(), subject: subject.to_string(), detail }
}

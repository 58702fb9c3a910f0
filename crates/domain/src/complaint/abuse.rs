//! Complaint-abuse detection (Order 117 Art. 20): a consumer whose complaints are repeatedly
//! rejected, or who files many against one seller in a short time, is flagged for review with
//! the complaints behind the flag. A flag is a reason to look, never a refusal to file.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{Complaint, ComplaintId, ComplaintPolicy, ComplaintStatus};
use crate::ids::MerchantId;

/// A reason to look at a consumer's complaints, with the evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AbuseFlag {
    /// `repeatedly_rejected` or `burst_against_one_party`.
    pub kind: String,
    /// The figures.
    pub detail: String,
    /// The complaints behind it.
    #[schema(value_type = Vec<String>)]
    pub complaints: Vec<ComplaintId>,
}

/// Flags for a consumer filing now, from their earlier complaints (Art. 20: detect abuse).
pub fn abuse_flags(
    earlier: &[Complaint],
    merchant: MerchantId,
    now: DateTime<Utc>,
    p: &ComplaintPolicy,
) -> Vec<AbuseFlag> {
    let mut flags = Vec::new();
    let since = now - Duration::days(i64::from(p.abuse_window_days));
    let rejected: Vec<ComplaintId> = earlier
        .iter()
        .filter(|c| c.status == ComplaintStatus::Rejected && c.decision.as_ref().is_some_and(|d| d.at >= since))
        .map(|c| c.id)
        .collect();
    if p.abuse_rejected > 0 && rejected.len() >= p.abuse_rejected as usize {
        flags.push(AbuseFlag {
            kind: "repeatedly_rejected".into(),
            detail: format!(
                "{} complaints rejected in the last {} days (threshold {})",
                rejected.len(),
                p.abuse_window_days,
                p.abuse_rejected
            ),
            complaints: rejected,
        });
    }
    let burst_since = now - Duration::hours(i64::from(p.abuse_burst_hours));
    let burst: Vec<ComplaintId> =
        earlier.iter().filter(|c| c.merchant == merchant && c.filed_at >= burst_since).map(|c| c.id).collect();
    // This complaint counts too.
    if p.abuse_burst > 0 && burst.len() + 1 >= p.abuse_burst as usize {
        flags.push(AbuseFlag {
            kind: "burst_against_one_party".into(),
            detail: format!(
                "{} complaints against {merchant} within {} hours (threshold {})",
                burst.len() + 1,
                p.abuse_burst_hours,
                p.abuse_burst
            ),
            complaints: burst,
        });
    }
    flags
}

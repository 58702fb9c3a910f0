//! A show cannot be supervised if it is not heard (Order 117 Art. 11, 13, 31): a live show whose
//! transcript stops arriving for longer than the policy's interval is flagged as silent, and a
//! key room's silence raises a patrol alert. Also the policy's clock for regulators' notices.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Supervision settings from the policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupervisionPolicy {
    /// Seconds without a transcript segment after which a live show is silent.
    pub silence_seconds: u32,
    /// Working days the platform has to act on a regulator's notice (Art. 22: five).
    pub notice_working_days: u32,
}

impl Default for SupervisionPolicy {
    fn default() -> Self {
        Self { silence_seconds: 120, notice_working_days: 5 }
    }
}

/// True when a live show last heard at `last_heard` (or started then, if never heard) is silent
/// at `now`.
pub fn is_silent(last_heard: DateTime<Utc>, now: DateTime<Utc>, policy: &SupervisionPolicy) -> bool {
    now - last_heard > Duration::seconds(i64::from(policy.silence_seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silence_starts_after_the_interval() {
        let p = SupervisionPolicy::default();
        let t: DateTime<Utc> = "2026-11-26T00:00:00Z".parse().unwrap();
        assert!(!is_silent(t, t + Duration::seconds(120), &p));
        assert!(is_silent(t, t + Duration::seconds(121), &p));
    }
}

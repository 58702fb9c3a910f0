//! Governance records: what the platform must keep (Order 117 Art. 16, 27, 28, 31) and for how
//! long. Records live in hash-chained streams (one per show, one for the platform; see `audit`).
//! Retention counts from the show's end or the record itself, and nothing is removed before it
//! has passed: [`archivable`] decides what an archive may take.

use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::dates::china_date;

/// The end of the retention period that starts at `from`.
pub fn retained_until(from: DateTime<Utc>, years: u32) -> NaiveDate {
    let d = china_date(from);
    d.checked_add_months(Months::new(years.saturating_mul(12))).unwrap_or(NaiveDate::MAX)
}

/// Whether a record whose retention starts at `from` may be archived by an archive run for
/// "before `before`" at `now`: its retention must have ended before `before`, and `before` may not
/// lie in the future.
pub fn archivable(from: DateTime<Utc>, years: u32, before: NaiveDate, now: DateTime<Utc>) -> bool {
    before <= china_date(now) && retained_until(from, years) < before
}

/// SHA-256 of a personal value, so records can reference it without holding it.
pub fn personal_hash(value: &str) -> String {
    Sha256::digest(value.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// A stable hash of any serialisable value (its canonical JSON), for cards and snapshots.
pub fn value_hash<T: Serialize>(v: &T) -> String {
    let canonical = serde_json::to_value(v).map(|v| v.to_string()).unwrap_or_default();
    personal_hash(&canonical)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn nothing_is_archivable_before_three_years() {
        let ended = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
        assert_eq!(retained_until(ended, 3), NaiveDate::from_ymd_opt(2029, 3, 1).unwrap());
        let late = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
        assert!(!archivable(ended, 3, NaiveDate::from_ymd_opt(2029, 3, 1).unwrap(), late));
        assert!(archivable(ended, 3, NaiveDate::from_ymd_opt(2029, 3, 2).unwrap(), late));
        // A cut-off in the future is refused even if retention would have passed by then.
        let early = Utc.with_ymd_and_hms(2029, 3, 1, 0, 0, 0).unwrap();
        assert!(!archivable(ended, 3, NaiveDate::from_ymd_opt(2029, 3, 2).unwrap(), early));
    }
}

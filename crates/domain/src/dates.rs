//! Legal dates. Instants are UTC; dates the law speaks of (birthdays, licence expiry, training
//! days) are China-local calendar dates. China has kept UTC+8 without daylight saving since 1991,
//! so a fixed offset is exact for every date clearcast handles.

use chrono::{DateTime, Datelike, FixedOffset, Months, NaiveDate, Utc};

/// China Standard Time, UTC+8.
pub fn china() -> FixedOffset {
    // 8 hours is inside the ±24 h range FixedOffset accepts; failure would be a chrono bug.
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// The China-local calendar date of an instant.
pub fn china_date(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&china()).date_naive()
}

/// `t` plus `months` calendar months (the 31st clamps to the month's last day), saturating at the
/// largest representable instant.
pub fn add_months(t: DateTime<Utc>, months: u32) -> DateTime<Utc> {
    t.checked_add_months(Months::new(months)).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// `d` minus `months` calendar months, saturating at the earliest representable date.
pub fn sub_months_date(d: NaiveDate, months: u32) -> NaiveDate {
    d.checked_sub_months(Months::new(months)).unwrap_or(NaiveDate::MIN)
}

/// Completed years of age on `on` for someone born on `birth`.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut age = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn china_date_crosses_midnight_before_utc() {
        let t = Utc.with_ymd_and_hms(2026, 3, 1, 16, 30, 0).unwrap();
        assert_eq!(china_date(t), NaiveDate::from_ymd_opt(2026, 3, 2).unwrap());
    }

    #[test]
    fn six_months_clamps_to_month_end() {
        let t = Utc.with_ymd_and_hms(2026, 8, 31, 10, 0, 0).unwrap();
        assert_eq!(add_months(t, 6), Utc.with_ymd_and_hms(2027, 2, 28, 10, 0, 0).unwrap());
    }

    #[test]
    fn age_counts_completed_years() {
        let b = NaiveDate::from_ymd_opt(2010, 6, 15).unwrap();
        assert_eq!(age_on(b, NaiveDate::from_ymd_opt(2026, 6, 14).unwrap()), 15);
        assert_eq!(age_on(b, NaiveDate::from_ymd_opt(2026, 6, 15).unwrap()), 16);
    }
}

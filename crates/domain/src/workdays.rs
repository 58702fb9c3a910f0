//! Working days in China: weekends and public holidays are off, and make-up working days (调休)
//! turn a weekend day into a working day. The calendar comes from the policy file, which the
//! platform updates when the State Council publishes each year's schedule.

use std::collections::BTreeSet;

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// Holidays and make-up working days.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Calendar {
    /// Days off that would otherwise be working days (and weekend days inside a holiday).
    #[serde(default)]
    pub holidays: BTreeSet<NaiveDate>,
    /// Weekend days that are working days.
    #[serde(default)]
    pub makeup_workdays: BTreeSet<NaiveDate>,
}

impl Calendar {
    /// Whether `d` is a working day.
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        if self.makeup_workdays.contains(&d) {
            return true;
        }
        if self.holidays.contains(&d) {
            return false;
        }
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
    }

    /// The day on which `n` working days after `from` have passed (`from` itself not counted):
    /// the last day of a "within n working days" deadline.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        let mut d = from;
        let mut left = n;
        while left > 0 {
            d += Duration::days(1);
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn weekends_do_not_count() {
        let c = Calendar::default();
        // Thursday 2026-11-26 + 3 working days: Fri, Mon, Tue.
        assert_eq!(c.add_working_days(d(2026, 11, 26), 3), d(2026, 12, 1));
        // Friday + 7: Mon..Fri, Mon, Tue.
        assert_eq!(c.add_working_days(d(2026, 11, 27), 7), d(2026, 12, 8));
    }

    #[test]
    fn holidays_skip_and_makeup_days_count() {
        let c = Calendar {
            holidays: (1..=7).map(|day| d(2026, 10, day)).collect(),
            makeup_workdays: [d(2026, 9, 20), d(2026, 10, 10)].into_iter().collect(),
        };
        // Wednesday 30 Sep + 3: the National Day week is off, Thu 8, Fri 9, Sat 10 (make-up).
        assert_eq!(c.add_working_days(d(2026, 9, 30), 3), d(2026, 10, 10));
        assert!(c.is_working_day(d(2026, 9, 20)), "a Sunday made a working day");
        assert!(!c.is_working_day(d(2026, 10, 5)));
    }
}

//! Complaint figures for regulators (Order 117 Art. 20): per month, category, anchor or seller —
//! complaints filed, decided and upheld, the upheld rate, the median time from filing to the
//! (latest) decision, the compensation paid to consumers and the share recovered from liable
//! parties' deposits. Days are China days; a complaint falls in the period it was filed in.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::Complaint;
use crate::dates::china_date;

/// How the rows are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// `2026-12`.
    #[default]
    Month,
    /// The complaint's category.
    Category,
    /// Each anchor of the show the goods were sold or talked about in (`none` outside a show); a
    /// complaint about a show with two anchors counts for both.
    Anchor,
    /// The seller.
    Merchant,
}

impl GroupBy {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Month => "month",
            GroupBy::Category => "category",
            GroupBy::Anchor => "anchor",
            GroupBy::Merchant => "merchant",
        }
    }
}

impl std::str::FromStr for GroupBy {
    type Err = &'static str;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "month" => GroupBy::Month,
            "category" => GroupBy::Category,
            "anchor" => GroupBy::Anchor,
            "merchant" => GroupBy::Merchant,
            _ => return Err("month, category, anchor or merchant"),
        })
    }
}

/// One group of complaints.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReportRow {
    /// The month (`2026-12`), category, anchor or merchant id.
    pub key: String,
    /// Complaints filed.
    pub filed: u64,
    /// Decided (upheld or rejected).
    pub decided: u64,
    /// Upheld.
    pub upheld: u64,
    /// upheld / decided (none before a decision).
    pub upheld_rate: Option<f64>,
    /// Median hours from filing to the (latest) decision.
    pub median_hours_to_decision: Option<f64>,
    /// Compensation paid to consumers, fen.
    pub compensation_paid: i64,
    /// Recovered from the liable parties, fen: taken from their deposits or owed by them as
    /// receivables (the platform's own share is not recovered).
    pub recovered: i64,
    /// recovered / compensation paid.
    pub recovered_share: Option<f64>,
}

fn median(mut xs: Vec<f64>) -> Option<f64> {
    xs.sort_by(|a, b| a.total_cmp(b));
    let n = xs.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(xs[n / 2]),
        _ => Some((xs[n / 2 - 1] + xs[n / 2]) / 2.0),
    }
}

fn row(key: String, cs: &[&Complaint]) -> ReportRow {
    let decided: Vec<&&Complaint> = cs.iter().filter(|c| c.decision.is_some()).collect();
    let upheld = decided.iter().filter(|c| c.decision.as_ref().is_some_and(|d| d.upheld)).count() as u64;
    let hours = decided
        .iter()
        .filter_map(|c| c.decision.as_ref().map(|d| (d.at - c.filed_at).num_seconds() as f64 / 3600.0))
        .collect();
    let paid: i64 = cs.iter().map(|c| c.paid_total()).sum();
    let recovered: i64 = cs.iter().map(|c| c.recovered).sum();
    ReportRow {
        key,
        filed: cs.len() as u64,
        decided: decided.len() as u64,
        upheld,
        upheld_rate: (!decided.is_empty()).then(|| upheld as f64 / decided.len() as f64),
        median_hours_to_decision: median(hours),
        compensation_paid: paid,
        recovered,
        recovered_share: (paid > 0).then(|| recovered as f64 / paid as f64),
    }
}

/// The rows, ordered by key, of the complaints filed from `from` to `to` (China days, inclusive).
pub fn report(all: &[Complaint], from: Option<NaiveDate>, to: Option<NaiveDate>, group_by: GroupBy) -> Vec<ReportRow> {
    let mut groups: BTreeMap<String, Vec<&Complaint>> = BTreeMap::new();
    for c in all {
        let day = china_date(c.filed_at);
        if from.is_some_and(|f| day < f) || to.is_some_and(|t| day > t) {
            continue;
        }
        let keys: Vec<String> = match group_by {
            GroupBy::Month => vec![day.format("%Y-%m").to_string()],
            GroupBy::Category => vec![c.category.as_str().to_string()],
            GroupBy::Merchant => vec![c.merchant.to_string()],
            GroupBy::Anchor if c.anchors.is_empty() => vec!["none".into()],
            GroupBy::Anchor => c.anchors.iter().map(|a| a.to_string()).collect(),
        };
        for k in keys {
            groups.entry(k).or_default().push(c);
        }
    }
    groups.into_iter().map(|(k, cs)| row(k, &cs)).collect()
}

/// The rows as CSV, with a header line.
pub fn to_csv(rows: &[ReportRow]) -> String {
    let mut out = String::from(
        "key,filed,decided,upheld,upheld_rate,median_hours_to_decision,compensation_paid,recovered,recovered_share\n",
    );
    let f = |x: Option<f64>| x.map(|v| format!("{v:.4}")).unwrap_or_default();
    for r in rows {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}\n",
            r.key,
            r.filed,
            r.decided,
            r.upheld,
            f(r.upheld_rate),
            f(r.median_hours_to_decision),
            r.compensation_paid,
            r.recovered,
            f(r.recovered_share)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::complaint::tests_support::sample_complaint;
    use crate::complaint::{ComplaintCategory, ComplaintStatus, Decision};
    use crate::ids::{AccountId, AnchorId};
    use chrono::{Duration, TimeZone, Utc};

    fn decided(upheld: bool, filed_day: u32, hours: i64, paid: i64, recovered: i64) -> Complaint {
        let mut c = sample_complaint();
        c.filed_at = Utc.with_ymd_and_hms(2026, 11, filed_day, 4, 0, 0).unwrap();
        c.status = if upheld { ComplaintStatus::Compensated } else { ComplaintStatus::Rejected };
        c.decision = Some(Decision {
            upheld,
            liability: None,
            reason: "r".into(),
            decided_by: AccountId::generate(),
            at: c.filed_at + Duration::hours(hours),
            compensation: None,
        });
        c.paid = paid;
        c.recovered = recovered;
        c
    }

    #[test]
    fn rows_count_rates_medians_and_money_per_group() {
        let a = AnchorId::generate();
        let mut cs = vec![
            decided(true, 3, 10, 60_000, 30_000),
            decided(false, 4, 30, 0, 0),
            decided(true, 5, 20, 40_000, 40_000),
            sample_complaint(),
        ];
        cs[0].anchors = vec![a];
        cs[1].category = ComplaintCategory::Counterfeit;
        cs[3].filed_at = Utc.with_ymd_and_hms(2026, 12, 1, 4, 0, 0).unwrap();
        let nov = NaiveDate::from_ymd_opt(2026, 11, 30);
        let rows = report(&cs, None, nov, GroupBy::Month);
        assert_eq!(rows.len(), 1, "December falls outside the period");
        let r = &rows[0];
        assert_eq!((r.key.as_str(), r.filed, r.decided, r.upheld), ("2026-11", 3, 3, 2));
        assert_eq!(r.median_hours_to_decision, Some(20.0));
        assert_eq!((r.compensation_paid, r.recovered), (100_000, 70_000));
        assert_eq!(r.recovered_share, Some(0.7));
        let by_cat = report(&cs, None, None, GroupBy::Category);
        assert_eq!(by_cat.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(), ["counterfeit", "quality"]);
        assert_eq!(by_cat[0].upheld_rate, Some(0.0));
        assert_eq!(by_cat[1].median_hours_to_decision, Some(15.0), "even count: the mean of the middle two");
        let by_anchor = report(&cs, None, None, GroupBy::Anchor);
        assert_eq!(by_anchor.iter().find(|r| r.key == a.to_string()).map(|r| r.filed), Some(1));
        assert_eq!(by_anchor.iter().find(|r| r.key == "none").map(|r| r.filed), Some(3));
        let csv = to_csv(&rows);
        assert_eq!(csv.lines().nth(1), Some("2026-11,3,3,2,0.6667,20.0000,100000,70000,0.7000"));
        assert_eq!("week".parse::<GroupBy>(), Err("month, category, anchor or merchant"));
    }
}

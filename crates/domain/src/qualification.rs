//! Product qualifications (licences, certificates, filings) and inspection reports (Order 117
//! Art. 27: the room operator and platform verify the seller's licences, compulsory certification
//! and conformity certificates). An operator reviews each document; unreviewed or rejected
//! documents do not count towards eligibility.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, InspectionId, ProductId, QualificationId};
use crate::text::Label;
use crate::validation::{Errors, Invalid};
use crate::verification::Decision;

/// Kinds of product qualification the policy can require.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QualificationKind {
    /// 食品生产许可证 (SC).
    FoodProductionLicence,
    /// 食品经营许可证.
    FoodBusinessLicence,
    /// 强制性产品认证 (CCC).
    CccCertificate,
    /// 普通化妆品备案.
    CosmeticsFiling,
    /// 特殊化妆品注册.
    CosmeticsRegistration,
    /// 保健食品注册证书.
    HealthFoodRegistration,
    /// 保健食品备案凭证.
    HealthFoodFiling,
    /// 产品合格证.
    ConformityCertificate,
    /// 消毒产品卫生安全评价报告备案.
    DisinfectantFiling,
    /// 贵金属纯度检测/标识.
    PreciousMetalCertificate,
    /// Anything else the merchant wants on record.
    Other,
}

impl QualificationKind {
    /// The snake_case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            QualificationKind::FoodProductionLicence => "food_production_licence",
            QualificationKind::FoodBusinessLicence => "food_business_licence",
            QualificationKind::CccCertificate => "ccc_certificate",
            QualificationKind::CosmeticsFiling => "cosmetics_filing",
            QualificationKind::CosmeticsRegistration => "cosmetics_registration",
            QualificationKind::HealthFoodRegistration => "health_food_registration",
            QualificationKind::HealthFoodFiling => "health_food_filing",
            QualificationKind::ConformityCertificate => "conformity_certificate",
            QualificationKind::DisinfectantFiling => "disinfectant_filing",
            QualificationKind::PreciousMetalCertificate => "precious_metal_certificate",
            QualificationKind::Other => "other",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
    }
}

/// An operator's review of a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Review {
    /// Approve or reject.
    pub decision: Decision,
    /// Reviewing operator.
    pub reviewed_by: AccountId,
    /// When.
    pub reviewed_at: DateTime<Utc>,
    /// Note (required for a rejection).
    pub note: Option<String>,
}

impl Review {
    /// Whether the document counts.
    pub fn approved(r: Option<&Review>) -> bool {
        matches!(r, Some(Review { decision: Decision::Approve, .. }))
    }
}

/// A qualification as submitted.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QualificationInput {
    /// Kind.
    pub kind: QualificationKind,
    /// Certificate or licence number.
    pub number: String,
    /// Issuing authority.
    pub issuer: String,
    /// First day valid.
    pub valid_from: NaiveDate,
    /// Last day valid.
    pub valid_until: NaiveDate,
}

/// A product qualification.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Qualification {
    /// Id.
    pub id: QualificationId,
    /// Product.
    pub product: ProductId,
    /// Kind.
    pub kind: QualificationKind,
    /// Number.
    pub number: String,
    /// Issuer.
    pub issuer: String,
    /// First day valid.
    pub valid_from: NaiveDate,
    /// Last day valid.
    pub valid_until: NaiveDate,
    /// Operator review.
    pub review: Option<Review>,
    /// When uploaded.
    pub created_at: DateTime<Utc>,
}

impl QualificationInput {
    /// Validates, naming every bad field.
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut e = Errors::new();
        e.take("number", Label::parse(&self.number));
        e.take("issuer", Label::parse(&self.issuer));
        if self.valid_until < self.valid_from {
            e.push("valid_until", "before_start", "valid_until is before valid_from");
        }
        for (field, d) in [("valid_from", self.valid_from), ("valid_until", self.valid_until)] {
            if !(1950..=2200).contains(&chrono::Datelike::year(&d)) {
                e.push(field, "out_of_range", "the year must be between 1950 and 2200");
            }
        }
        e.finish(|| ())
    }
}

/// An inspection report as submitted.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InspectionInput {
    /// Testing laboratory.
    pub lab: String,
    /// Report number.
    pub report_number: String,
    /// Day the samples were inspected.
    pub inspected_on: NaiveDate,
    /// Whether the goods passed.
    pub passed: bool,
    /// Last day the report is accepted, if the lab states one.
    #[serde(default)]
    pub valid_until: Option<NaiveDate>,
}

impl InspectionInput {
    /// Validates at `today`, naming every bad field.
    pub fn validate(&self, today: NaiveDate) -> Result<(), Invalid> {
        let mut e = Errors::new();
        e.take("lab", Label::parse(&self.lab));
        e.take("report_number", Label::parse(&self.report_number));
        if self.inspected_on > today {
            e.push("inspected_on", "in_future", "an inspection cannot be in the future");
        }
        if chrono::Datelike::year(&self.inspected_on) < 1950 {
            e.push("inspected_on", "out_of_range", "the year must be 1950 or later");
        }
        if let Some(until) = self.valid_until {
            if chrono::Datelike::year(&until) > 2200 {
                e.push("valid_until", "out_of_range", "the year must be 2200 or earlier");
            }
            if until < self.inspected_on {
                e.push("valid_until", "before_start", "valid_until is before inspected_on");
            }
        }
        e.finish(|| ())
    }
}

/// An inspection report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Inspection {
    /// Id.
    pub id: InspectionId,
    /// Product.
    pub product: ProductId,
    /// Laboratory.
    pub lab: String,
    /// Report number.
    pub report_number: String,
    /// Day inspected.
    pub inspected_on: NaiveDate,
    /// Pass or fail.
    pub passed: bool,
    /// Last day valid, if stated.
    pub valid_until: Option<NaiveDate>,
    /// Operator review.
    pub review: Option<Review>,
    /// When uploaded.
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn dates_out_of_order_are_refused() {
        let q = QualificationInput {
            kind: QualificationKind::CccCertificate,
            number: "2024010901000001".into(),
            issuer: "CQC".into(),
            valid_from: d(2026, 1, 1),
            valid_until: d(2025, 1, 1),
        };
        assert_eq!(q.validate().unwrap_err().0[0].field, "valid_until");
        let i = InspectionInput {
            lab: "SGS".into(),
            report_number: "R-1".into(),
            inspected_on: d(2027, 1, 1),
            passed: true,
            valid_until: None,
        };
        assert_eq!(i.validate(d(2026, 11, 1)).unwrap_err().0[0].code, "in_future");
    }

    #[test]
    fn kinds_round_trip() {
        assert_eq!(QualificationKind::parse("ccc_certificate"), Some(QualificationKind::CccCertificate));
        assert_eq!(QualificationKind::parse("nope"), None);
    }
}

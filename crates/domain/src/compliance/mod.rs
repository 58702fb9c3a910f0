//! Supervising the sales talk (Order 117 Art. 30, 31, 34, 36; Advertising Law Art. 9, 13, 17, 18,
//! 25, 28): a catalogue of rules ([`catalogue`]), a normaliser that defeats the usual filter
//! evasions ([`normalise`]), the scanner ([`scanner`]) and the measures of how well it does
//! ([`eval`]).
//!
//! A finding names the rule, its label (DESIGN §7), the legal basis, the severity, the points it
//! would carry, where in the text it is, and a compliant wording to suggest: every automated
//! decision carries its reasons.

pub mod catalogue;
pub mod eval;
mod matching;
pub mod normalise;
pub mod scanner;

use serde::{Deserialize, Serialize};

pub use catalogue::Scope;
pub use scanner::Catalogue;

/// What kind of violation a finding is (DESIGN §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    /// Superlatives and absolute terms (Advertising Law Art. 9(3)).
    AbsoluteClaim,
    /// Disease treatment or prevention claims for goods not registered for it (Art. 17, 18).
    MedicalClaim,
    /// Steering buyers to trade outside the platform.
    OffPlatform,
    /// Unverifiable price comparisons (Order 117 Art. 32; Price Law).
    PriceFraud,
    /// Invented endorsements, honours, certifications, state organs (Art. 9(2), 28).
    FalseAuthority,
    /// Guaranteed efficacy, returns or safety (Art. 18, 25).
    Guarantee,
    /// Running down competitors (Order 117 Art. 36; Advertising Law Art. 13).
    Disparagement,
    /// Abuse in the chat (chat moderation only).
    Abuse,
}

impl Label {
    /// The label as written in files and APIs.
    pub fn as_str(self) -> &'static str {
        match self {
            Label::AbsoluteClaim => "absolute_claim",
            Label::MedicalClaim => "medical_claim",
            Label::OffPlatform => "off_platform",
            Label::PriceFraud => "price_fraud",
            Label::FalseAuthority => "false_authority",
            Label::Guarantee => "guarantee",
            Label::Disparagement => "disparagement",
            Label::Abuse => "abuse",
        }
    }

    /// Every label.
    pub const ALL: [Label; 8] = [
        Label::AbsoluteClaim,
        Label::MedicalClaim,
        Label::OffPlatform,
        Label::PriceFraud,
        Label::FalseAuthority,
        Label::Guarantee,
        Label::Disparagement,
        Label::Abuse,
    ];
}

impl std::str::FromStr for Label {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Label::ALL.into_iter().find(|l| l.as_str() == s).ok_or_else(|| format!("unknown label `{s}`"))
    }
}

/// How grave a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// A violation as soon as it is said.
    Red,
    /// A warning; a violation only when an operator confirms it.
    Yellow,
}

/// The language of a text (chooses the suggestion's language; every rule is applied regardless,
/// since live rooms mix languages).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// Chinese.
    Zh,
    /// English.
    En,
}

impl std::str::FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "zh" => Ok(Lang::Zh),
            "en" => Ok(Lang::En),
            other => Err(format!("unknown language `{other}` (zh or en)")),
        }
    }
}

/// One thing the scanner found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Finding {
    /// The rule's id.
    pub rule: String,
    /// The label.
    pub label: Label,
    /// Severity.
    pub severity: Severity,
    /// Points a confirmed finding carries.
    pub points: u32,
    /// Legal basis.
    pub basis: String,
    /// The words as said.
    pub matched: String,
    /// Byte offset of the start in the text.
    pub start: usize,
    /// Byte offset of the end.
    pub end: usize,
    /// Character offset of the start.
    pub char_start: usize,
    /// Character offset of the end.
    pub char_end: usize,
    /// What to say instead.
    pub suggestion: String,
}

impl Finding {
    /// A finding of `rule` at bytes `start..end` of `text`, which is character `char_start`.
    fn at(rule: &catalogue::Rule, text: &str, start: usize, end: usize, char_start: usize, lang: Option<Lang>) -> Self {
        let matched = text[start..end].to_string();
        let suggestion = match (lang, rule.suggestion_zh.is_empty(), rule.suggestion_en.is_empty()) {
            (Some(Lang::En), _, false) | (None, true, false) => rule.suggestion_en.clone(),
            (_, false, _) => rule.suggestion_zh.clone(),
            _ => rule.suggestion_en.clone(),
        };
        Finding {
            rule: rule.id.clone(),
            label: rule.label,
            severity: rule.severity,
            points: rule.points,
            basis: rule.basis.clone(),
            char_end: char_start + matched.chars().count(),
            matched,
            start,
            end,
            char_start,
            suggestion,
        }
    }
}

/// The distinct labels of some findings, sorted by name.
pub fn labels_of(findings: &[Finding]) -> Vec<Label> {
    let mut l: Vec<Label> = findings.iter().map(|f| f.label).collect();
    l.sort_unstable_by_key(|x| x.as_str());
    l.dedup();
    l
}

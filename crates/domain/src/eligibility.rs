//! The selling threshold (Order 117 Art. 8, 10, 14, 27, 28, 33; DESIGN invariant 1).
//!
//! [`check`] is a pure function of the product, its documents, the parties, the anchor's record,
//! the policy and `now`. It never stops at the first problem: a refusal lists every unmet
//! requirement, each with a stable code, a message, the article it comes from and the inputs it
//! judged, so the party knows everything to fix at once and a regulator can see why.
//!
//! When no anchor or room operator is named, only the product-side requirements are judged and the
//! verdict says which person-side checks it did not run.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::anchor::{Anchor, RosterEntry, TrainingKind, TrainingRecord, ADULT_AGE, MIN_AGE};
use crate::dates::{age_on, china_date, sub_months_date};
use crate::party::Party;
use crate::policy::Policy;
use crate::product::Product;
use crate::qualification::{Inspection, Qualification, Review};
use crate::verification::{status, Decision, VerificationStatus};

/// Whose requirement it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// The product itself.
    Product,
    /// The merchant (actual seller).
    Seller,
    /// The goods owner.
    GoodsOwner,
    /// The room operator.
    RoomOperator,
    /// The anchor.
    Anchor,
    /// The anchor's agency.
    Agency,
}

impl Subject {
    fn as_str(&self) -> &'static str {
        match self {
            Subject::Product => "product",
            Subject::Seller => "seller",
            Subject::GoodsOwner => "goods_owner",
            Subject::RoomOperator => "room_operator",
            Subject::Anchor => "anchor",
            Subject::Agency => "agency",
        }
    }
}

/// One unmet requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Unmet {
    /// Stable code, e.g. `seller_verification_expired`, `inspection_too_old`.
    pub code: String,
    /// Whose requirement.
    pub subject: Subject,
    /// Id of the subject.
    pub subject_id: String,
    /// What is wrong and what to do.
    pub message: String,
    /// The legal basis.
    pub article: String,
    /// The facts the rule judged.
    pub inputs: BTreeMap<String, String>,
}

/// The verdict.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Verdict {
    /// True when nothing is unmet.
    pub eligible: bool,
    /// Every unmet requirement.
    pub unmet: Vec<Unmet>,
    /// Person-side checks not run because no anchor or room operator was named.
    pub not_evaluated: Vec<String>,
    /// The instant judged.
    pub checked_at: DateTime<Utc>,
}

/// What is known about the anchor.
#[derive(Debug, Clone, Copy)]
pub struct AnchorFacts<'a> {
    /// The anchor.
    pub anchor: &'a Anchor,
    /// The anchor's training records.
    pub trainings: &'a [TrainingRecord],
    /// Whether the anchor's identity is on the platform blacklist (Art. 14).
    pub blacklisted: bool,
    /// The anchor's agency, when one is named.
    pub agency: Option<&'a Party>,
}

/// What a party holds on the platform's ledger (E-commerce Law Art. 58), in fen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Funds {
    /// Its consumer-protection deposit.
    pub deposit: i64,
    /// What it still owes the platform for compensation its deposit could not cover (≥ 0).
    pub owed: i64,
}

/// Everything [`check`] judges.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The product.
    pub product: &'a Product,
    /// Its qualifications.
    pub qualifications: &'a [Qualification],
    /// Its inspection reports.
    pub inspections: &'a [Inspection],
    /// The merchant selling it.
    pub seller: &'a Party,
    /// Its goods owner.
    pub goods_owner: &'a Party,
    /// The room operator, when judging a particular room.
    pub room_operator: Option<&'a Party>,
    /// The anchor, when judging a particular anchor.
    pub anchor: Option<AnchorFacts<'a>>,
    /// The room operator's roster entry for the anchor, when both are named.
    pub roster: Option<&'a RosterEntry>,
    /// The seller's (merchant's) deposit and debt.
    pub seller_funds: Funds,
    /// The room operator's deposit and debt, when judging a particular room.
    pub room_funds: Option<Funds>,
    /// The policy.
    pub policy: &'a Policy,
    /// The instant to judge.
    pub now: DateTime<Utc>,
}

struct Out(Vec<Unmet>);

impl Out {
    fn push(
        &mut self,
        code: impl Into<String>,
        subject: Subject,
        id: String,
        message: String,
        article: &str,
        inputs: &[(&str, String)],
    ) {
        self.0.push(Unmet {
            code: code.into(),
            subject,
            subject_id: id,
            message,
            article: article.into(),
            inputs: inputs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
        });
    }
}

/// Judges whether the product may be sold (by the anchor, in the room) at `now`.
pub fn check(ctx: &Context<'_>) -> Verdict {
    let mut out = Out(Vec::new());
    let today = china_date(ctx.now);
    let p = ctx.product;

    if let Some(why) = ctx.policy.prohibited_reason(p.category, &p.title) {
        out.push(
            "prohibited_goods",
            Subject::Product,
            p.id.to_string(),
            format!("this product is prohibited from live sale ({why})"),
            "Order 117 Art. 33",
            &[("title", p.title.clone()), ("category", p.category.to_string()), ("matched", why)],
        );
    }

    party(&mut out, ctx, Subject::Seller, ctx.seller, "Order 117 Art. 27; E-commerce Law Art. 27", today);
    party(&mut out, ctx, Subject::GoodsOwner, ctx.goods_owner, "Order 117 Art. 26, 27", today);
    let rule = ctx.policy.category(p.category);
    funds(&mut out, p.category, Subject::Seller, ctx.seller, ctx.seller_funds, rule.merchant_deposit_fen);
    if let Some(r) = ctx.room_operator {
        party(&mut out, ctx, Subject::RoomOperator, r, "Order 117 Art. 8", today);
        let f = ctx.room_funds.unwrap_or_default();
        funds(&mut out, p.category, Subject::RoomOperator, r, f, rule.room_operator_deposit_fen);
    }
    documents(&mut out, ctx, today);
    if let Some(a) = &ctx.anchor {
        anchor(&mut out, ctx, a, today);
        if let Some(agency) = a.agency {
            party(&mut out, ctx, Subject::Agency, agency, "Order 117 Art. 8, 28", today);
        }
        if let Some(room) = ctx.room_operator {
            let (code, msg) = match ctx.roster {
                None => ("anchor_not_on_roster", "the anchor is not on this room operator's roster"),
                Some(e) if e.confirmed_at.is_none() => {
                    ("anchor_roster_unconfirmed", "the room operator has not confirmed this anchor's identity")
                }
                Some(_) => ("", ""),
            };
            if !code.is_empty() {
                out.push(
                    code,
                    Subject::Anchor,
                    a.anchor.id.to_string(),
                    msg.into(),
                    "Order 117 Art. 28",
                    &[("room_operator", room.id.to_string())],
                );
            }
        }
    }

    let mut not_evaluated = Vec::new();
    if ctx.anchor.is_none() {
        not_evaluated.push("anchor".to_string());
    }
    if ctx.room_operator.is_none() {
        not_evaluated.push("room_operator".to_string());
    }
    Verdict { eligible: out.0.is_empty(), unmet: out.0, not_evaluated, checked_at: ctx.now }
}

fn verification_unmet(
    out: &mut Out,
    subject: Subject,
    id: String,
    v: Option<&crate::verification::Verification>,
    now: DateTime<Utc>,
    article: &str,
) {
    let s = subject.as_str();
    match status(v, now) {
        VerificationStatus::Verified => {}
        VerificationStatus::Unverified => out.push(
            format!("{s}_unverified"),
            subject,
            id,
            format!("the {} has not been verified by the platform", s.replace('_', " ")),
            article,
            &[],
        ),
        VerificationStatus::Rejected => out.push(
            format!("{s}_verification_rejected"),
            subject,
            id,
            format!(
                "the platform rejected the {}'s verification: {}",
                s.replace('_', " "),
                v.and_then(|v| v.note.clone()).unwrap_or_default()
            ),
            article,
            &[],
        ),
        VerificationStatus::Expired => out.push(
            format!("{s}_verification_expired"),
            subject,
            id,
            format!("the {}'s verification has expired and must be renewed", s.replace('_', " ")),
            article,
            &[("verified_until", v.and_then(|v| v.verified_until).map(|t| t.to_rfc3339()).unwrap_or_default())],
        ),
    }
}

fn party(out: &mut Out, ctx: &Context<'_>, subject: Subject, p: &Party, article: &str, today: NaiveDate) {
    verification_unmet(out, subject, p.id.to_string(), p.verification.as_ref(), ctx.now, article);
    for l in &p.details.licences {
        if let Some(until) = l.valid_until {
            if until < today {
                out.push(
                    format!("{}_licence_expired", subject.as_str()),
                    subject,
                    p.id.to_string(),
                    format!("licence {} ({}) expired on {until}", l.number, l.kind),
                    "Order 117 Art. 27",
                    &[("licence", l.kind.clone()), ("valid_until", until.to_string())],
                );
            }
        }
    }
}

/// The safety net behind a sale: a deposit of at least the category's minimum, and no debt left
/// from an advance compensation the deposit could not cover (it is settled before selling again).
fn funds(out: &mut Out, category: crate::product::Category, subject: Subject, p: &Party, f: Funds, minimum: i64) {
    let s = subject.as_str();
    let who = s.replace('_', " ");
    let yuan = |fen: i64| crate::money::Money::cny(fen).to_string();
    if f.owed > 0 {
        out.push(
            format!("{s}_receivable_unsettled"),
            subject,
            p.id.to_string(),
            format!(
                "the {who} owes the platform {} of compensation its deposit could not cover; a deposit top-up settles it first",
                yuan(f.owed)
            ),
            "E-commerce Law Art. 58; Consumer Protection Law Art. 44",
            &[("owed_fen", f.owed.to_string())],
        );
    }
    if f.deposit < minimum {
        out.push(
            format!("{s}_deposit_below_minimum"),
            subject,
            p.id.to_string(),
            format!(
                "selling {category} needs a consumer-protection deposit of at least {}; the {who} holds {}",
                yuan(minimum),
                yuan(f.deposit)
            ),
            "E-commerce Law Art. 58",
            &[
                ("category", category.to_string()),
                ("deposit_fen", f.deposit.to_string()),
                ("minimum_fen", minimum.to_string()),
            ],
        );
    }
}

fn documents(out: &mut Out, ctx: &Context<'_>, today: NaiveDate) {
    let p = ctx.product;
    let rule = ctx.policy.category(p.category);
    for group in &rule.qualifications {
        let names: Vec<&str> = group.iter().map(|k| k.as_str()).collect();
        let required = names.join(" or ");
        let candidates: Vec<&Qualification> = ctx.qualifications.iter().filter(|q| group.contains(&q.kind)).collect();
        let valid = |q: &&Qualification| q.valid_from <= today && today <= q.valid_until;
        if candidates.iter().any(|q| Review::approved(q.review.as_ref()) && valid(q)) {
            continue;
        }
        let (code, message) = if candidates.is_empty() {
            ("qualification_missing", format!("{} requires {required}; none is on file", p.category))
        } else if candidates.iter().any(|q| Review::approved(q.review.as_ref()) && q.valid_until < today) {
            ("qualification_expired", format!("the {required} on file has expired"))
        } else if candidates.iter().any(|q| Review::approved(q.review.as_ref()) && q.valid_from > today) {
            ("qualification_not_yet_valid", format!("the {required} on file is not valid yet"))
        } else if candidates.iter().any(|q| matches!(&q.review, Some(r) if r.decision == Decision::Reject)) {
            ("qualification_rejected", format!("the platform rejected the {required} on file"))
        } else {
            ("qualification_unverified", format!("the {required} on file awaits platform review"))
        };
        let on_file =
            candidates.iter().map(|q| format!("{} until {}", q.id, q.valid_until)).collect::<Vec<_>>().join(", ");
        out.push(
            code,
            Subject::Product,
            p.id.to_string(),
            message,
            "Order 117 Art. 27",
            &[
                ("category", p.category.to_string()),
                ("required", required),
                ("on_file", on_file),
                ("policy_note", rule.note.clone()),
            ],
        );
    }

    if let Some(ir) = &rule.inspection {
        let oldest = sub_months_date(today, ir.max_age_months);
        let latest_reviewed = ctx
            .inspections
            .iter()
            .filter(|i| Review::approved(i.review.as_ref()))
            .max_by_key(|i| (i.inspected_on, i.created_at));
        let max_age = ("max_age_months", ir.max_age_months.to_string());
        let problem = match latest_reviewed {
            Some(i) if !i.passed => Some((
                "inspection_failed",
                format!("the latest inspection ({}, {}) failed", i.report_number, i.inspected_on),
                Some(i),
            )),
            Some(i) if i.inspected_on < oldest => Some((
                "inspection_too_old",
                format!(
                    "the latest passing inspection ({}) is older than {} months",
                    i.inspected_on, ir.max_age_months
                ),
                Some(i),
            )),
            Some(i) if i.valid_until.is_some_and(|u| u < today) => Some((
                "inspection_expired",
                format!("inspection report {} is no longer valid", i.report_number),
                Some(i),
            )),
            Some(_) => None,
            None if ctx.inspections.is_empty() => {
                Some(("inspection_missing", format!("{} requires a passing inspection report", p.category), None))
            }
            None => Some((
                "inspection_unverified",
                "no inspection report on file has been approved by the platform".into(),
                None,
            )),
        };
        if let Some((code, message, i)) = problem {
            let mut inputs = vec![("category", p.category.to_string()), max_age];
            if let Some(i) = i {
                inputs.push(("inspection", i.id.to_string()));
                inputs.push(("inspected_on", i.inspected_on.to_string()));
            }
            out.push(
                code,
                Subject::Product,
                p.id.to_string(),
                message,
                "Order 117 Art. 27; Product Quality Law Art. 15",
                &inputs,
            );
        }
    }
}

fn anchor(out: &mut Out, ctx: &Context<'_>, a: &AnchorFacts<'_>, today: NaiveDate) {
    let id = a.anchor.id.to_string();
    verification_unmet(
        out,
        Subject::Anchor,
        id.clone(),
        a.anchor.verification.as_ref(),
        ctx.now,
        "Order 117 Art. 8, 28",
    );
    if a.blacklisted {
        out.push(
            "anchor_blacklisted",
            Subject::Anchor,
            id.clone(),
            "the anchor's identity is on the platform blacklist".into(),
            "Order 117 Art. 14",
            &[],
        );
    }
    let age = age_on(a.anchor.details.birth_date, today);
    if age < MIN_AGE {
        out.push(
            "anchor_under_age",
            Subject::Anchor,
            id.clone(),
            format!("anchors must be at least {MIN_AGE}"),
            "Minors Protection Law Art. 74",
            &[("age", age.to_string())],
        );
    } else if age < ADULT_AGE && a.anchor.details.guardian_consent.is_none() {
        out.push(
            "anchor_guardian_consent_missing",
            Subject::Anchor,
            id.clone(),
            "an anchor aged 16 or 17 needs a guardian's consent".into(),
            "Minors Protection Law Art. 74",
            &[("age", age.to_string())],
        );
    }

    let months = ctx.policy.training_validity_months;
    let since = sub_months_date(today, months);
    let months_s = ("training_validity_months", months.to_string());
    if !a.trainings.iter().any(|t| t.kind == TrainingKind::PreFirstShow) {
        out.push(
            "anchor_training_missing",
            Subject::Anchor,
            id.clone(),
            "the anchor has no pre-first-show training on record".into(),
            "Order 117 Art. 10",
            &[],
        );
    } else {
        let latest = a.trainings.iter().map(|t| t.completed_on).max();
        if latest.is_some_and(|d| d < since) {
            out.push(
                "anchor_training_expired",
                Subject::Anchor,
                id.clone(),
                format!("the anchor's last training is more than {months} months ago; the annual training is due"),
                "Order 117 Art. 10",
                &[("last_training", latest.map(|d| d.to_string()).unwrap_or_default()), months_s.clone()],
            );
        }
    }
    let category = ctx.product.category;
    if ctx.policy.category(category).anchor_category_training
        && !a
            .trainings
            .iter()
            .any(|t| t.kind == TrainingKind::Category && t.category == Some(category) && t.completed_on >= since)
    {
        out.push(
            "anchor_category_training_missing",
            Subject::Anchor,
            id,
            format!("selling {category} needs a {category} training within {months} months"),
            "Order 117 Art. 10, 27",
            &[("category", category.to_string()), months_s],
        );
    }
}

#[cfg(test)]
mod tests;

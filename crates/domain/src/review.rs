//! Reviews (E-commerce Law Art. 17, 39): only a buyer whose order was delivered may review it,
//! once, rating product quality, how far the goods matched their description, the accuracy of the
//! anchor's explanation, logistics and service from 1 to 5. Later the buyer may add follow-ups and
//! the seller may reply once. Nothing ever deletes or hides a review: entries are append-only.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, OrderId};
use crate::order::OrderStatus;
use crate::text::Text;
use crate::validation::{Errors, Invalid};

/// The five dimensions, each 1-5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Ratings {
    /// Quality of the goods.
    pub product_quality: u8,
    /// Did the goods match their description.
    pub as_described: u8,
    /// Was the anchor's explanation accurate.
    pub explanation: u8,
    /// Delivery.
    pub logistics: u8,
    /// Customer service.
    pub service: u8,
}

/// An initial review as submitted.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewInput {
    /// Ratings.
    pub ratings: Ratings,
    /// Words, optional.
    #[serde(default)]
    pub text: Option<String>,
}

/// A follow-up or a reply.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextInput {
    /// Words.
    pub text: String,
}

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// The buyer's review with ratings.
    Initial,
    /// A later addition by the buyer.
    FollowUp,
    /// The seller's answer.
    Reply,
}

/// One append-only entry of a review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReviewEntry {
    /// The order reviewed.
    pub order: OrderId,
    /// Kind.
    pub kind: EntryKind,
    /// Who wrote it.
    pub author: AccountId,
    /// When.
    pub at: DateTime<Utc>,
    /// Ratings (initial entries only).
    pub ratings: Option<Ratings>,
    /// Words.
    pub text: Option<String>,
}

/// Most follow-ups a buyer may add.
pub const MAX_FOLLOW_UPS: usize = 5;

/// Why a review entry is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    /// The order has not been delivered.
    #[error("only delivered orders can be reviewed; this one is {0}")]
    NotDelivered(&'static str),
    /// There is already an initial review.
    #[error("this order already has its review; add a follow-up instead")]
    AlreadyReviewed,
    /// A follow-up or reply without a review to attach to.
    #[error("there is no review on this order yet")]
    NoReview,
    /// The seller already replied.
    #[error("the seller has already replied")]
    AlreadyReplied,
    /// Too many follow-ups.
    #[error("at most {MAX_FOLLOW_UPS} follow-ups")]
    TooManyFollowUps,
}

impl ReviewError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            ReviewError::NotDelivered(_) => "order_not_delivered",
            ReviewError::AlreadyReviewed => "already_reviewed",
            ReviewError::NoReview => "no_review",
            ReviewError::AlreadyReplied => "already_replied",
            ReviewError::TooManyFollowUps => "too_many_follow_ups",
        }
    }
}

fn text(e: &mut Errors, field: &str, t: &str) -> Option<String> {
    e.take(field, Text::<2000>::parse(t)).map(|t| t.to_string())
}

/// Validates an initial review of an order in `status` with the entries it already has.
pub fn initial(
    input: &ReviewInput,
    status: OrderStatus,
    existing: &[ReviewEntry],
) -> Result<Result<(Ratings, Option<String>), ReviewError>, Invalid> {
    let mut e = Errors::new();
    let r = input.ratings;
    for (f, v) in [
        ("ratings.product_quality", r.product_quality),
        ("ratings.as_described", r.as_described),
        ("ratings.explanation", r.explanation),
        ("ratings.logistics", r.logistics),
        ("ratings.service", r.service),
    ] {
        if !(1..=5).contains(&v) {
            e.push(f, "out_of_range", "ratings are 1 to 5");
        }
    }
    let t = input.text.as_deref().filter(|t| !t.trim().is_empty()).and_then(|t| text(&mut e, "text", t));
    e.finish(|| ())?;
    if !matches!(status, OrderStatus::Delivered | OrderStatus::Completed) {
        return Ok(Err(ReviewError::NotDelivered(status.as_str())));
    }
    if existing.iter().any(|x| x.kind == EntryKind::Initial) {
        return Ok(Err(ReviewError::AlreadyReviewed));
    }
    Ok(Ok((r, t)))
}

/// Validates a follow-up (buyer) or reply (seller) against the existing entries.
pub fn addition(
    kind: EntryKind,
    input: &TextInput,
    existing: &[ReviewEntry],
) -> Result<Result<String, ReviewError>, Invalid> {
    let mut e = Errors::new();
    let t = text(&mut e, "text", &input.text);
    e.finish(|| ())?;
    if !existing.iter().any(|x| x.kind == EntryKind::Initial) {
        return Ok(Err(ReviewError::NoReview));
    }
    if kind == EntryKind::Reply && existing.iter().any(|x| x.kind == EntryKind::Reply) {
        return Ok(Err(ReviewError::AlreadyReplied));
    }
    if kind == EntryKind::FollowUp
        && existing.iter().filter(|x| x.kind == EntryKind::FollowUp).count() >= MAX_FOLLOW_UPS
    {
        return Ok(Err(ReviewError::TooManyFollowUps));
    }
    Ok(Ok(t.unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ratings(v: u8) -> Ratings {
        Ratings { product_quality: v, as_described: v, explanation: v, logistics: v, service: v }
    }

    fn entry(kind: EntryKind) -> ReviewEntry {
        ReviewEntry {
            order: OrderId::generate(),
            kind,
            author: AccountId::generate(),
            at: Utc::now(),
            ratings: None,
            text: None,
        }
    }

    #[test]
    fn only_delivered_orders_once_and_in_range() {
        let ok = ReviewInput { ratings: ratings(5), text: Some("好".into()) };
        assert_eq!(initial(&ok, OrderStatus::Shipped, &[]).unwrap().unwrap_err().code(), "order_not_delivered");
        assert!(initial(&ok, OrderStatus::Delivered, &[]).unwrap().is_ok());
        assert_eq!(
            initial(&ok, OrderStatus::Completed, &[entry(EntryKind::Initial)]).unwrap().unwrap_err().code(),
            "already_reviewed"
        );
        let bad = ReviewInput { ratings: ratings(6), text: None };
        assert_eq!(initial(&bad, OrderStatus::Delivered, &[]).unwrap_err().0.len(), 5);
    }

    #[test]
    fn one_reply_and_bounded_follow_ups() {
        let t = TextInput { text: "补充".into() };
        assert_eq!(addition(EntryKind::FollowUp, &t, &[]).unwrap().unwrap_err().code(), "no_review");
        let mut log = vec![entry(EntryKind::Initial)];
        assert!(addition(EntryKind::Reply, &t, &log).unwrap().is_ok());
        log.push(entry(EntryKind::Reply));
        assert_eq!(addition(EntryKind::Reply, &t, &log).unwrap().unwrap_err().code(), "already_replied");
        log.extend((0..MAX_FOLLOW_UPS).map(|_| entry(EntryKind::FollowUp)));
        assert_eq!(addition(EntryKind::FollowUp, &t, &log).unwrap().unwrap_err().code(), "too_many_follow_ups");
    }
}

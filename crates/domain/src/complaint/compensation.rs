//! The compensation calculator (Consumer Protection Law Art. 24, 55; Food Safety Law Art. 148):
//! what an upheld complaint pays, each line with its legal basis.

use serde::{Deserialize, Serialize};

use super::{Complaint, ComplaintCategory};
use crate::money::Money;

/// One line of a compensation, with its legal basis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CompensationLine {
    /// `refund`, `punitive_3x` or `punitive_10x`.
    pub kind: String,
    /// Minor units.
    pub amount: i64,
    /// How it was computed.
    pub explanation: String,
    /// The law.
    pub basis: String,
}

/// What an upheld complaint pays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Compensation {
    /// The lines.
    pub lines: Vec<CompensationLine>,
    /// Their sum.
    pub total: i64,
}

/// The categories the policy treats as fraud (refund plus three times the price, CPL Art. 55).
pub const FRAUD_LIKE: [ComplaintCategory; 3] =
    [ComplaintCategory::FalseAdvertising, ComplaintCategory::Counterfeit, ComplaintCategory::PriceFraud];

/// Computes the compensation for an upheld complaint about an order that cost `price`;
/// `already_refunded` when a return already gave the price back.
pub fn compensation(category: ComplaintCategory, price: Money, already_refunded: bool) -> Compensation {
    let p = price.minor;
    let mut lines = vec![if already_refunded {
        CompensationLine {
            kind: "refund".into(),
            amount: 0,
            explanation: "the price paid was refunded to the buyer with the order itself (out of escrow, or \
                          back from the seller if it had been settled)"
                .into(),
            basis: "Consumer Protection Law Art. 24".into(),
        }
    } else {
        CompensationLine {
            kind: "refund".into(),
            amount: p,
            explanation: format!("refund of the price paid, {p} fen"),
            basis: "Consumer Protection Law Art. 24".into(),
        }
    }];
    if FRAUD_LIKE.contains(&category) {
        let three = p.saturating_mul(3);
        let amount = three.max(50_000);
        lines.push(CompensationLine {
            kind: "punitive_3x".into(),
            amount,
            explanation: if amount == three {
                format!("three times the price paid: 3 × {p} = {three} fen")
            } else {
                format!("three times the price paid ({three} fen) is below the floor of ¥500: 50000 fen")
            },
            basis: "Consumer Protection Law Art. 55 (fraud: three times the price, at least ¥500)".into(),
        });
    }
    if category == ComplaintCategory::FoodSafety {
        let ten = p.saturating_mul(10);
        let amount = ten.max(100_000);
        lines.push(CompensationLine {
            kind: "punitive_10x".into(),
            amount,
            explanation: if amount == ten {
                format!("ten times the price paid: 10 × {p} = {ten} fen")
            } else {
                format!("ten times the price paid ({ten} fen) is below the floor of ¥1,000: 100000 fen")
            },
            basis: "Food Safety Law Art. 148 (food not meeting safety standards: ten times the price, at least ¥1,000)"
                .into(),
        });
    }
    let total = lines.iter().map(|l| l.amount).fold(0i64, i64::saturating_add);
    Compensation { lines, total }
}

impl Complaint {
    /// What an upheld decision pays the consumer now (`refunded`: the price already came back with
    /// the order). Nothing for a complaint about a show (nothing was bought); after a liable
    /// party's appeal of a paid decision, the compensation already paid stands (it is final) and
    /// nothing more is paid.
    pub fn compensation_due(&self, upheld: bool, refunded: bool) -> Option<Compensation> {
        if !upheld {
            return None;
        }
        if self.paid_total() > 0 {
            return self.appeal.as_ref().and_then(|a| a.appealed.as_ref()).and_then(|d| d.compensation.clone());
        }
        self.order.map(|_| compensation(self.category, self.price, refunded))
    }
}

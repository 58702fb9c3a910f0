//! How an order's money moves through the ledger (E-commerce Law Art. 58; the platform holds the
//! buyer's money until the buyer has what was paid for).
//!
//! Paying puts the total into escrow. Completion settles it: the room operator's commission (the
//! lineup's basis points of the total), the platform's fee (`platform_fee_bps`), and the rest to
//! the merchant — each rounded down to the fen, the merchant's share taking the remainder, so the
//! legs always add up to the total. A cancellation after payment, or a refund before completion,
//! returns the escrow to the buyer; a refund after completion first reverses the settlement.
//!
//! Each step is a list of batches with ids derived from the order (`order:<id>:paid`, …): the
//! earlier steps come first and replay as no-ops when they were already posted, so an order paid
//! before the ledger existed still settles correctly, and a retried transition never pays twice.

use crate::ids::RoomOperatorId;
use crate::order::{Order, OrderStatus};

use super::{AccountCode, AccountKind, Transfer, TransferId, TransferKind};

/// How the total of an order splits on settlement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    /// To the merchant.
    pub merchant: i64,
    /// To the room operator (commission).
    pub room: i64,
    /// To the platform (fee).
    pub fee: i64,
}

/// The split of `total` with a commission and a fee in basis points (each 0-10,000).
pub fn split(total: i64, commission_bps: u32, fee_bps: u32) -> Split {
    let part = |bps: u32| -> i64 {
        let v = i128::from(total) * i128::from(bps.min(10_000)) / 10_000;
        i64::try_from(v).unwrap_or(0)
    };
    let room = part(commission_bps);
    let fee = part(fee_bps).min(total - room);
    Split { merchant: total - room - fee, room, fee }
}

fn tr(
    order: &Order,
    leg: &str,
    debit: AccountCode,
    credit: AccountCode,
    amount: i64,
    kind: TransferKind,
) -> Option<Transfer> {
    let id = TransferId::try_from(format!("order:{}:{leg}", order.id.uuid().simple())).ok()?;
    (amount > 0).then(|| Transfer {
        id,
        debit,
        credit,
        amount,
        currency: order.total.currency,
        kind,
        reference: Some(order.id.to_string()),
        at: order.updated_at,
    })
}

fn paid(o: &Order) -> Vec<Transfer> {
    let cash = AccountCode::platform(AccountKind::ExternalCash);
    let escrow = AccountCode::platform(AccountKind::Escrow);
    tr(o, "paid", cash, escrow, o.total.minor, TransferKind::Payment).into_iter().collect()
}

fn settle_legs(o: &Order, room: Option<RoomOperatorId>, fee_bps: u32, undo: bool) -> Vec<Transfer> {
    let escrow = AccountCode::platform(AccountKind::Escrow);
    // Without a room (an order outside a show) there is no commission.
    let s = split(o.total.minor, if room.is_some() { o.commission_bps } else { 0 }, fee_bps);
    let mut legs = vec![("merchant", AccountCode::merchant(AccountKind::MerchantPayable, o.merchant), s.merchant)];
    if let Some(r) = room {
        legs.push(("room", AccountCode::room(AccountKind::RoomOperatorPayable, r), s.room));
    }
    legs.push(("fee", AccountCode::platform(AccountKind::PlatformRevenue), s.fee));
    legs.into_iter()
        .filter_map(|(leg, to, amount)| {
            if undo {
                tr(o, &format!("unsettle:{leg}"), to, escrow, amount, TransferKind::Refund)
            } else {
                tr(o, &format!("settle:{leg}"), escrow, to, amount, TransferKind::Settlement)
            }
        })
        .collect()
}

fn refund(o: &Order) -> Vec<Transfer> {
    let cash = AccountCode::platform(AccountKind::ExternalCash);
    let escrow = AccountCode::platform(AccountKind::Escrow);
    tr(o, "refund", escrow, cash, o.total.minor, TransferKind::Refund).into_iter().collect()
}

/// The batches a transition from `from` to the order's current state posts (empty: no money
/// moves). `room` is the show's room operator, if the order was placed in a show.
pub fn order_flows(o: &Order, from: OrderStatus, room: Option<RoomOperatorId>, fee_bps: u32) -> Vec<Vec<Transfer>> {
    use OrderStatus::*;
    let batches = match (from, o.status) {
        (Placed, Paid) => vec![paid(o)],
        (_, Completed) => vec![paid(o), settle_legs(o, room, fee_bps, false)],
        (Paid, Cancelled) | (Paid, Refunded) | (Delivered, Refunded) | (Shipped, Refunded) => {
            vec![paid(o), refund(o)]
        }
        (Completed, Refunded) => {
            let mut back = settle_legs(o, room, fee_bps, true);
            back.extend(refund(o));
            vec![paid(o), settle_legs(o, room, fee_bps, false), back]
        }
        _ => vec![],
    };
    batches.into_iter().filter(|b| !b.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Ledger;

    #[test]
    fn the_split_always_adds_up_to_the_total() {
        assert_eq!(split(9_900, 2_000, 200), Split { merchant: 7_722, room: 1_980, fee: 198 });
        assert_eq!(split(1, 2_000, 200), Split { merchant: 1, room: 0, fee: 0 });
        assert_eq!(split(100, 10_000, 200), Split { merchant: 0, room: 100, fee: 0 });
        for total in [1, 7, 99, 12_345, 10_000_000_000] {
            for (c, f) in [(0, 0), (333, 250), (9_999, 9_999), (10_000, 0)] {
                let s = split(total, c, f);
                assert_eq!(s.merchant + s.room + s.fee, total);
                assert!(s.merchant >= 0 && s.room >= 0 && s.fee >= 0);
            }
        }
    }

    #[test]
    fn an_order_pays_settles_and_refunds_through_escrow_and_replays_cleanly() {
        let mut o = crate::order::tests_support::sample_order(12_345, 1_500);
        let room = Some(RoomOperatorId::generate());
        let mut l = Ledger::default();
        let post = |l: &mut Ledger, bs: Vec<Vec<Transfer>>| {
            for b in bs {
                l.post(b).unwrap();
            }
        };
        o.status = OrderStatus::Paid;
        post(&mut l, order_flows(&o, OrderStatus::Placed, room, 200));
        let escrow = AccountCode::platform(AccountKind::Escrow);
        assert_eq!(l.balance(&escrow), 12_345);
        o.status = OrderStatus::Completed;
        post(&mut l, order_flows(&o, OrderStatus::Delivered, room, 200));
        assert_eq!(l.balance(&escrow), 0);
        let s = split(12_345, 1_500, 200);
        assert_eq!(l.balance(&AccountCode::merchant(AccountKind::MerchantPayable, o.merchant)), s.merchant);
        // Replaying the same step moves nothing.
        post(&mut l, order_flows(&o, OrderStatus::Delivered, room, 200));
        assert_eq!(l.balance(&AccountCode::platform(AccountKind::PlatformRevenue)), s.fee);
        o.status = OrderStatus::Refunded;
        post(&mut l, order_flows(&o, OrderStatus::Completed, room, 200));
        assert_eq!(l.balance(&AccountCode::merchant(AccountKind::MerchantPayable, o.merchant)), 0);
        assert_eq!(l.balance(&escrow), 0);
        assert_eq!(l.balance(&AccountCode::platform(AccountKind::ExternalCash)), 0, "the buyer got it all back");
        assert_eq!(l.balances().values().sum::<i64>(), 0);
        // An order paid before the ledger existed still settles: the payment leg applies first.
        let mut legacy = crate::order::tests_support::sample_order(500, 0);
        legacy.status = OrderStatus::Completed;
        post(&mut l, order_flows(&legacy, OrderStatus::Delivered, None, 200));
        assert_eq!(l.balance(&AccountCode::merchant(AccountKind::MerchantPayable, legacy.merchant)), 490);
    }
}

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

/// What the seller's and the room's payable accounts hold now (a settled sale may have been paid
/// out since).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Payables {
    /// The merchant's payable.
    pub merchant: i64,
    /// The room operator's payable.
    pub room: i64,
}

fn settle_legs(o: &Order, room: Option<RoomOperatorId>, fee_bps: u32, undo: Option<Payables>) -> Vec<Transfer> {
    let escrow = AccountCode::platform(AccountKind::Escrow);
    // Without a room (an order outside a show) there is no commission.
    let s = split(o.total.minor, if room.is_some() { o.commission_bps } else { 0 }, fee_bps);
    let m = |k| AccountCode::merchant(k, o.merchant);
    let mut legs = vec![("merchant", m(AccountKind::MerchantPayable), m(AccountKind::Receivable), s.merchant)];
    if let Some(r) = room {
        let a = |k| AccountCode::room(k, r);
        legs.push(("room", a(AccountKind::RoomOperatorPayable), a(AccountKind::Receivable), s.room));
    }
    let revenue = AccountCode::platform(AccountKind::PlatformRevenue);
    legs.push(("fee", revenue, revenue, s.fee));
    let mut out = Vec::new();
    for (leg, to, owes, amount) in legs {
        match undo {
            None => out.extend(tr(o, &format!("settle:{leg}"), escrow, to, amount, TransferKind::Settlement)),
            Some(p) => {
                // What was paid out since cannot come back from the payable: the party owes it
                // (its receivable), and the buyer is refunded all the same.
                let held = match leg {
                    "merchant" => p.merchant,
                    "room" => p.room,
                    _ => amount,
                };
                let back = amount.min(held.max(0));
                out.extend(tr(o, &format!("unsettle:{leg}"), to, escrow, back, TransferKind::Refund));
                out.extend(tr(
                    o,
                    &format!("unsettle:{leg}:owed"),
                    owes,
                    escrow,
                    amount - back,
                    TransferKind::Shortfall,
                ));
            }
        }
    }
    out
}

fn refund(o: &Order) -> Vec<Transfer> {
    let cash = AccountCode::platform(AccountKind::ExternalCash);
    let escrow = AccountCode::platform(AccountKind::Escrow);
    tr(o, "refund", escrow, cash, o.total.minor, TransferKind::Refund).into_iter().collect()
}

/// The batches a transition from `from` to the order's current state posts (empty: no money
/// moves). `room` is the show's room operator, if the order was placed in a show; `payables` what
/// the seller's and room's payables hold now (read only by a refund after completion).
pub fn order_flows(
    o: &Order,
    from: OrderStatus,
    room: Option<RoomOperatorId>,
    fee_bps: u32,
    payables: Payables,
) -> Vec<Vec<Transfer>> {
    use OrderStatus::*;
    let batches = match (from, o.status) {
        (Placed, Paid) => vec![paid(o)],
        (_, Completed) => vec![paid(o), settle_legs(o, room, fee_bps, None)],
        (Paid, Cancelled) | (Paid, Refunded) | (Delivered, Refunded) | (Shipped, Refunded) => {
            vec![paid(o), refund(o)]
        }
        (Completed, Refunded) => {
            let mut back = settle_legs(o, room, fee_bps, Some(payables));
            back.extend(refund(o));
            vec![paid(o), settle_legs(o, room, fee_bps, None), back]
        }
        _ => vec![],
    };
    batches.into_iter().filter(|b| !b.is_empty()).collect()
}

/// The money of an upheld complaint (CPL Art. 44): the guarantee pool pays the consumer `total`
/// at once (through their refund-payable account, one linked batch), then recovers each liable
/// party's share from its deposit, as far as the deposit (`merchant_deposit`, `room_deposit`:
/// balances now) goes; the rest of the share is booked to the party's receivable. The platform's
/// own share is not recovered. Without a room (an order outside a show) the merchant carries the
/// room's share. `round` distinguishes a decision after an appeal from the first.
pub fn complaint_flows(
    c: &crate::complaint::Complaint,
    total: i64,
    l: &crate::complaint::Liability,
    merchant_deposit: i64,
    room_deposit: i64,
    round: u8,
    at: chrono::DateTime<chrono::Utc>,
) -> Vec<Vec<Transfer>> {
    use super::Owner;
    let t = |leg: &str, debit: AccountCode, credit: AccountCode, amount: i64, kind: TransferKind| {
        // `complaint:` + 32 hex + `:n:` + a leg of at most 8 characters stays within 64.
        let id = TransferId::try_from(format!("complaint:{}:{round}:{leg}", c.id.uuid().simple())).ok()?;
        (amount > 0).then(|| Transfer {
            id,
            debit,
            credit,
            amount,
            currency: c.price.currency,
            kind,
            reference: Some(c.id.to_string()),
            at,
        })
    };
    let pool = AccountCode::platform(AccountKind::GuaranteePool);
    let payable = AccountCode { kind: AccountKind::ConsumerRefundPayable, owner: Owner::Consumer(c.consumer) };
    let cash = AccountCode::platform(AccountKind::ExternalCash);
    let pay: Vec<Transfer> = [
        t("pay", pool, payable, total, TransferKind::Compensation),
        t("out", payable, cash, total, TransferKind::Payout),
    ]
    .into_iter()
    .flatten()
    .collect();
    let (m_share, r_share, _platform) = l.shares(total);
    let mut recovery = Vec::new();
    let mut recover = |who: &str, deposit: AccountCode, receivable: AccountCode, share: i64, have: i64| {
        let from_deposit = have.clamp(0, share.max(0));
        recovery.extend(t(&format!("rec:{who}"), deposit, pool, from_deposit, TransferKind::Recovery));
        recovery.extend(t(&format!("short:{who}"), receivable, pool, share - from_deposit, TransferKind::Shortfall));
    };
    let md = AccountCode::merchant(AccountKind::MerchantDeposit, c.merchant);
    let mr = AccountCode::merchant(AccountKind::Receivable, c.merchant);
    recover("m", md, mr, m_share, merchant_deposit);
    match c.room_operator {
        Some(r) => recover(
            "r",
            AccountCode::room(AccountKind::RoomOperatorDeposit, r),
            AccountCode::room(AccountKind::Receivable, r),
            r_share,
            room_deposit,
        ),
        None => recover("mr", md, mr, r_share, (merchant_deposit - m_share).max(0)),
    }
    [pay, recovery].into_iter().filter(|b| !b.is_empty()).collect()
}

/// Each liable party's part of `total` under `l` as (seller, room); a complaint outside a show
/// has no room, and the seller carries the room's share.
fn party_shares(c: &crate::complaint::Complaint, l: &crate::complaint::Liability, total: i64) -> (i64, i64) {
    let (m, r, _platform) = l.shares(total);
    match c.room_operator {
        Some(_) => (m, r),
        None => (m + r, 0),
    }
}

/// The recovery after a liable party's appeal of a paid decision (CPL Art. 44): the consumer keeps
/// what was paid (`paid`), and each party's share moves from what the appealed decision said
/// (`before`) to what the new one says (`after`; none when the appeal succeeded and the complaint
/// is rejected). A party whose share grew pays the difference from its deposit, the rest booked to
/// its receivable; a party whose share fell first has its debt to the platform forgiven by the
/// difference, and what is left goes back to its deposit. The platform bears what no party does.
pub fn appeal_flows(
    c: &crate::complaint::Complaint,
    paid: i64,
    before: &crate::complaint::Liability,
    after: Option<&crate::complaint::Liability>,
    merchant: crate::eligibility::Funds,
    room: crate::eligibility::Funds,
    at: chrono::DateTime<chrono::Utc>,
) -> Vec<Vec<Transfer>> {
    let t = |leg: &str, debit: AccountCode, credit: AccountCode, amount: i64, kind: TransferKind| {
        // `complaint:` + 32 hex + `:2:` + a leg of at most 8 characters stays within 64.
        let id = TransferId::try_from(format!("complaint:{}:2:{leg}", c.id.uuid().simple())).ok()?;
        (amount > 0).then(|| Transfer {
            id,
            debit,
            credit,
            amount,
            currency: c.price.currency,
            kind,
            reference: Some(c.id.to_string()),
            at,
        })
    };
    let pool = AccountCode::platform(AccountKind::GuaranteePool);
    let (m1, r1) = party_shares(c, before, paid);
    let (m2, r2) = after.map_or((0, 0), |l| party_shares(c, l, paid));
    let mut out = Vec::new();
    let mut adjust =
        |who: &str, deposit: AccountCode, receivable: AccountCode, delta: i64, f: crate::eligibility::Funds| {
            if delta > 0 {
                let from_deposit = f.deposit.clamp(0, delta);
                out.extend(t(&format!("rec:{who}"), deposit, pool, from_deposit, TransferKind::Recovery));
                out.extend(t(&format!("short:{who}"), receivable, pool, delta - from_deposit, TransferKind::Shortfall));
            } else if delta < 0 {
                let back = delta.saturating_neg();
                let forgive = f.owed.clamp(0, back);
                out.extend(t(&format!("forg:{who}"), pool, receivable, forgive, TransferKind::Reversal));
                out.extend(t(&format!("back:{who}"), pool, deposit, back - forgive, TransferKind::Reversal));
            }
        };
    adjust(
        "m",
        AccountCode::merchant(AccountKind::MerchantDeposit, c.merchant),
        AccountCode::merchant(AccountKind::Receivable, c.merchant),
        m2 - m1,
        merchant,
    );
    if let Some(r) = c.room_operator {
        adjust(
            "r",
            AccountCode::room(AccountKind::RoomOperatorDeposit, r),
            AccountCode::room(AccountKind::Receivable, r),
            r2 - r1,
            room,
        );
    }
    if out.is_empty() {
        vec![]
    } else {
        vec![out]
    }
}

/// The money a decision moves: for a first decision (or one after the buyer's appeal of a
/// rejection) the advance compensation `total` and its recovery (see [`complaint_flows`]); after a
/// liable party's appeal of a paid decision, only the change in who bears it (see
/// [`appeal_flows`]). `c` is the complaint before the decision.
pub fn decision_flows(
    c: &crate::complaint::Complaint,
    total: i64,
    liability: Option<&crate::complaint::Liability>,
    merchant: crate::eligibility::Funds,
    room: crate::eligibility::Funds,
    at: chrono::DateTime<chrono::Utc>,
) -> Vec<Vec<Transfer>> {
    let appealed = c.appeal.as_ref().and_then(|a| a.appealed.as_ref());
    if c.paid_total() > 0 {
        return match appealed.and_then(|d| d.liability.as_ref()) {
            Some(before) => appeal_flows(c, c.paid_total(), before, liability, merchant, room, at),
            None => vec![],
        };
    }
    match liability {
        Some(l) if total > 0 => {
            let round = if c.appeal.is_some() { 2 } else { 1 };
            complaint_flows(c, total, l, merchant.deposit, room.deposit, round, at)
        }
        _ => vec![],
    }
}

/// Paying off a debt (CPL Art. 44 recovery): when a party owes the platform (its receivable is
/// negative) and its deposit (or, before a payout, its payable) holds money, it pays what it can
/// of the debt. A top-up thus
/// settles the debt first and only the rest counts towards the deposit minimum. `None` when
/// nothing is owed or the deposit is empty.
pub fn settle_debt(
    id: TransferId,
    deposit: AccountCode,
    deposit_balance: i64,
    receivable: AccountCode,
    receivable_balance: i64,
    at: chrono::DateTime<chrono::Utc>,
) -> Option<Transfer> {
    let amount = deposit_balance.min(receivable_balance.saturating_neg());
    (amount > 0).then(|| Transfer {
        id,
        debit: deposit,
        credit: receivable,
        amount,
        currency: crate::money::Currency::CNY,
        kind: TransferKind::Recovery,
        reference: Some(format!("debt settled from the {}", deposit.kind.as_str())),
        at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Ledger;

    #[test]
    fn a_short_deposit_pays_what_it_holds_and_the_rest_is_a_receivable() {
        use crate::complaint::Liability;
        let mut c = crate::complaint::tests_support::sample_complaint();
        c.room_operator = Some(RoomOperatorId::generate());
        let l = Liability { merchant_bps: 8_000, room_operator_bps: 1_000, platform_bps: 1_000 };
        let mut ledger = Ledger::default();
        let pool = AccountCode::platform(AccountKind::GuaranteePool);
        let cash = AccountCode::platform(AccountKind::ExternalCash);
        let md = AccountCode::merchant(AccountKind::MerchantDeposit, c.merchant);
        let rd = AccountCode::room(AccountKind::RoomOperatorDeposit, c.room_operator.unwrap());
        let fund = |id: &str, to: AccountCode, amount: i64| Transfer {
            id: TransferId::try_from(id.to_string()).unwrap(),
            debit: cash,
            credit: to,
            amount,
            currency: crate::money::Currency::CNY,
            kind: TransferKind::Funding,
            reference: None,
            at: c.filed_at,
        };
        ledger.post(vec![fund("f1", pool, 100_000), fund("f2", md, 30_000), fund("f3", rd, 50_000)]).unwrap();
        let batches = complaint_flows(&c, 60_000, &l, 30_000, 50_000, 1, c.filed_at);
        assert_eq!(batches.len(), 2);
        for b in batches {
            ledger.post(b).unwrap();
        }
        // Merchant share 48,000: 30,000 from the deposit, 18,000 owed; room share 6,000 from its
        // deposit; the platform's 6,000 stays with the pool.
        assert_eq!(ledger.balance(&md), 0);
        assert_eq!(ledger.balance(&AccountCode::merchant(AccountKind::Receivable, c.merchant)), -18_000);
        assert_eq!(ledger.balance(&rd), 44_000);
        assert_eq!(ledger.balance(&pool), 100_000 - 60_000 + 48_000 + 6_000);
        assert_eq!(ledger.balances().values().sum::<i64>(), 0);
    }

    #[test]
    fn an_appeal_moves_the_burden_between_parties_and_the_consumer_keeps_what_was_paid() {
        use crate::complaint::{Appellant, Decision, Liability};
        use crate::eligibility::Funds;
        let mut c = crate::complaint::tests_support::sample_complaint();
        let room = RoomOperatorId::generate();
        c.room_operator = Some(room);
        let mut ledger = Ledger::default();
        let pool = AccountCode::platform(AccountKind::GuaranteePool);
        let cash = AccountCode::platform(AccountKind::ExternalCash);
        let md = AccountCode::merchant(AccountKind::MerchantDeposit, c.merchant);
        let mr = AccountCode::merchant(AccountKind::Receivable, c.merchant);
        let rd = AccountCode::room(AccountKind::RoomOperatorDeposit, room);
        let fund = |id: &str, to: AccountCode, amount: i64| Transfer {
            id: TransferId::try_from(id.to_string()).unwrap(),
            debit: cash,
            credit: to,
            amount,
            currency: crate::money::Currency::CNY,
            kind: TransferKind::Funding,
            reference: None,
            at: c.filed_at,
        };
        ledger.post(vec![fund("f1", pool, 100_000), fund("f2", md, 20_000), fund("f3", rd, 50_000)]).unwrap();
        let all_seller = Liability { merchant_bps: 10_000, room_operator_bps: 0, platform_bps: 0 };
        let funds = |l: &Ledger, d: &AccountCode, r: &AccountCode| Funds { deposit: l.balance(d), owed: -l.balance(r) };
        let rr = AccountCode::room(AccountKind::Receivable, room);
        let first = decision_flows(
            &c,
            50_000,
            Some(&all_seller),
            funds(&ledger, &md, &mr),
            funds(&ledger, &rd, &rr),
            c.filed_at,
        );
        let ts: Vec<Transfer> = first.iter().flatten().cloned().collect();
        for b in first {
            ledger.post(b).unwrap();
        }
        c.status = crate::complaint::ComplaintStatus::UnderReview;
        c.decide(Decision {
            upheld: true,
            liability: Some(all_seller),
            reason: "r".into(),
            decided_by: c.consumer,
            at: c.filed_at,
            compensation: c.compensation_due(true, true),
        })
        .unwrap();
        c.settle(&ts).unwrap();
        assert_eq!((c.paid, c.recovered, ledger.balance(&mr)), (50_000, 50_000, -30_000));
        // The seller appeals; the review puts 60% on the room. The seller's debt is forgiven first
        // (30,000 of its 20,000 + 30,000), nothing goes back to its deposit; the room pays 30,000.
        c.appeal(c.consumer, Appellant::Merchant, "s".into(), c.filed_at).unwrap();
        let split = Liability { merchant_bps: 4_000, room_operator_bps: 6_000, platform_bps: 0 };
        let again = decision_flows(&c, 0, Some(&split), funds(&ledger, &md, &mr), funds(&ledger, &rd, &rr), c.filed_at);
        assert!(again.iter().flatten().all(|t| t.kind != TransferKind::Compensation), "paid once");
        let mut ledger2 = ledger.clone();
        for b in again {
            ledger.post(b).unwrap();
        }
        assert_eq!((ledger.balance(&md), ledger.balance(&mr), ledger.balance(&rd)), (0, 0, 20_000));
        // Rejected on appeal instead: everything recovered goes back; the pool bears it.
        let none = decision_flows(&c, 0, None, funds(&ledger2, &md, &mr), funds(&ledger2, &rd, &rr), c.filed_at);
        for b in none {
            ledger2.post(b).unwrap();
        }
        // Before that appeal the seller had paid 20,000 and owed 30,000 (its share was 50,000).
        assert_eq!((ledger2.balance(&md), ledger2.balance(&mr), ledger2.balance(&rd)), (20_000, 0, 50_000));
        assert_eq!(ledger2.balance(&pool), 100_000 - 50_000);
        assert_eq!(ledger2.balances().values().sum::<i64>(), 0);
    }

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
        let room_id = RoomOperatorId::generate();
        let room = Some(room_id);
        let mut l = Ledger::default();
        let post = |l: &mut Ledger, bs: Vec<Vec<Transfer>>| {
            for b in bs {
                l.post(b).unwrap();
            }
        };
        o.status = OrderStatus::Paid;
        post(&mut l, order_flows(&o, OrderStatus::Placed, room, 200, Payables::default()));
        let escrow = AccountCode::platform(AccountKind::Escrow);
        assert_eq!(l.balance(&escrow), 12_345);
        o.status = OrderStatus::Completed;
        post(&mut l, order_flows(&o, OrderStatus::Delivered, room, 200, Payables::default()));
        assert_eq!(l.balance(&escrow), 0);
        let s = split(12_345, 1_500, 200);
        assert_eq!(l.balance(&AccountCode::merchant(AccountKind::MerchantPayable, o.merchant)), s.merchant);
        // Replaying the same step moves nothing.
        post(&mut l, order_flows(&o, OrderStatus::Delivered, room, 200, Payables::default()));
        assert_eq!(l.balance(&AccountCode::platform(AccountKind::PlatformRevenue)), s.fee);
        // The seller took 5,000 of its payable out before the refund: that part it owes.
        let mp = AccountCode::merchant(AccountKind::MerchantPayable, o.merchant);
        let cash = AccountCode::platform(AccountKind::ExternalCash);
        let out = Transfer {
            id: TransferId::try_from("payout-1".to_string()).unwrap(),
            debit: mp,
            credit: cash,
            amount: 5_000,
            currency: crate::money::Currency::CNY,
            kind: TransferKind::Payout,
            reference: None,
            at: o.updated_at,
        };
        l.post(vec![out]).unwrap();
        let rp = AccountCode::room(AccountKind::RoomOperatorPayable, room_id);
        let held = Payables { merchant: l.balance(&mp), room: l.balance(&rp) };
        o.status = OrderStatus::Refunded;
        post(&mut l, order_flows(&o, OrderStatus::Completed, room, 200, held));
        assert_eq!(l.balance(&AccountCode::merchant(AccountKind::Receivable, o.merchant)), -5_000);
        assert_eq!(l.balance(&cash), 5_000, "out: the seller's payout; the buyer got it all back (the seller owes it)");
        assert_eq!(l.balance(&AccountCode::merchant(AccountKind::MerchantPayable, o.merchant)), 0);
        assert_eq!(l.balance(&escrow), 0);
        assert_eq!(l.balances().values().sum::<i64>(), 0);
        // An order paid before the ledger existed still settles: the payment leg applies first.
        let mut legacy = crate::order::tests_support::sample_order(500, 0);
        legacy.status = OrderStatus::Completed;
        post(&mut l, order_flows(&legacy, OrderStatus::Delivered, None, 200, Payables::default()));
        assert_eq!(l.balance(&AccountCode::merchant(AccountKind::MerchantPayable, legacy.merchant)), 490);
    }

    #[test]
    fn a_debt_is_settled_from_the_deposit_as_far_as_it_goes_and_never_overpaid() {
        let m = crate::ids::MerchantId::generate();
        let dep = AccountCode::merchant(AccountKind::MerchantDeposit, m);
        let recv = AccountCode::merchant(AccountKind::Receivable, m);
        let cash = AccountCode::platform(AccountKind::ExternalCash);
        let pool = AccountCode::platform(AccountKind::GuaranteePool);
        let now = chrono::Utc::now();
        let id = |s: &str| TransferId::try_from(s.to_string()).unwrap();
        let mut ledger = Ledger::default();
        let mv = |i: &str, debit, credit, amount| Transfer {
            id: id(i),
            debit,
            credit,
            amount,
            currency: crate::money::Currency::CNY,
            kind: TransferKind::Shortfall,
            reference: None,
            at: now,
        };
        ledger.post(vec![mv("owe", recv, pool, 30_000)]).unwrap();
        ledger.post(vec![mv("top1", cash, dep, 10_000)]).unwrap();
        let t = settle_debt(id("s1"), dep, ledger.balance(&dep), recv, ledger.balance(&recv), now).unwrap();
        assert_eq!(t.amount, 10_000, "the deposit pays all it holds");
        ledger.post(vec![t]).unwrap();
        ledger.post(vec![mv("top2", cash, dep, 50_000)]).unwrap();
        let t = settle_debt(id("s2"), dep, ledger.balance(&dep), recv, ledger.balance(&recv), now).unwrap();
        assert_eq!(t.amount, 20_000, "only what is still owed");
        ledger.post(vec![t]).unwrap();
        assert_eq!((ledger.balance(&dep), ledger.balance(&recv)), (30_000, 0));
        assert!(settle_debt(id("s3"), dep, ledger.balance(&dep), recv, 0, now).is_none());
        // Paying a receivable past zero is refused by the ledger itself.
        let over = ledger.post(vec![mv("over", dep, recv, 1)]).unwrap_err();
        assert_eq!(over.code(), "receivable_overpaid");
    }
}

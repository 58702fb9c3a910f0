//! Property test of the complaint money (CPL Art. 44): any history of deposit top-ups, upheld
//! complaints and appeals by liable parties, planned by `flows::decision_flows` on the balances
//! of the moment, is always accepted whole by the ledger, keeps the trial balance at zero, never
//! takes a deposit below zero or a debt above zero, pays each consumer exactly once, and leaves
//! each party bearing exactly its share of the final decision.

use std::collections::HashMap;

use proptest::prelude::*;

use super::flows::{decision_flows, settle_debt};
use super::{AccountCode, AccountKind, Ledger, Transfer, TransferId, TransferKind};
use crate::complaint::{Appellant, Complaint, ComplaintStatus, Decision, Liability};
use crate::eligibility::Funds;
use crate::ids::{MerchantId, RoomOperatorId};
use crate::money::Currency;

#[derive(Debug, Clone)]
enum Step {
    TopUp { party: usize, amount: i64 },
    Complaint { merchant: usize, in_room: bool, total: i64, split: (u32, u32) },
    Appeal { k: usize, room: bool, split: Option<(u32, u32)> },
}

fn split() -> impl Strategy<Value = (u32, u32)> {
    (0u32..=10_000).prop_flat_map(|m| (Just(m), 0u32..=(10_000 - m)))
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0usize..3, 1i64..60_000).prop_map(|(party, amount)| Step::TopUp { party, amount }),
        (0usize..2, any::<bool>(), 1i64..120_000, split())
            .prop_map(|(merchant, in_room, total, split)| Step::Complaint { merchant, in_room, total, split }),
        (0usize..40, any::<bool>(), proptest::option::of(split())).prop_map(|(k, room, split)| Step::Appeal {
            k,
            room,
            split
        }),
    ]
}

fn liability((m, r): (u32, u32)) -> Liability {
    Liability { merchant_bps: m, room_operator_bps: r, platform_bps: 10_000 - m - r }
}

struct World {
    ledger: Ledger,
    merchants: [MerchantId; 2],
    room: RoomOperatorId,
    n: usize,
}

impl World {
    fn deposit(&self, party: usize) -> AccountCode {
        match party {
            0 | 1 => AccountCode::merchant(AccountKind::MerchantDeposit, self.merchants[party]),
            _ => AccountCode::room(AccountKind::RoomOperatorDeposit, self.room),
        }
    }

    fn funds(&self, party: usize) -> Funds {
        let d = self.deposit(party);
        let r = AccountCode { kind: AccountKind::Receivable, owner: d.owner };
        Funds { deposit: self.ledger.balance(&d), owed: -self.ledger.balance(&r) }
    }

    fn post(&mut self, batches: &[Vec<Transfer>]) {
        for b in batches {
            assert!(self.ledger.post(b.clone()).is_ok(), "a plan on fresh balances is accepted: {b:?}");
        }
    }

    /// Plans, decides and settles the complaint's (next) decision.
    fn decide(&mut self, c: &mut Complaint, l: Option<Liability>) {
        let m = self.merchants.iter().position(|x| *x == c.merchant).unwrap_or(0);
        let comp = c.compensation_due(l.is_some(), true);
        let total = comp.as_ref().map_or(0, |k| k.total);
        let plan = decision_flows(c, total, l.as_ref(), self.funds(m), self.funds(2), c.filed_at);
        self.post(&plan);
        let at = c.filed_at;
        c.decide(Decision {
            upheld: l.is_some(),
            liability: l,
            reason: "r".into(),
            decided_by: c.consumer,
            at,
            compensation: comp,
        })
        .unwrap();
        c.settle(&plan.concat()).unwrap();
    }
}

proptest! {
    #[test]
    fn complaint_money_balances_pays_once_and_leaves_each_party_its_share(steps in prop::collection::vec(step(), 1..40)) {
        let mut w = World {
            ledger: Ledger::default(),
            merchants: [MerchantId::generate(), MerchantId::generate()],
            room: RoomOperatorId::generate(),
            n: 0,
        };
        let pool = AccountCode::platform(AccountKind::GuaranteePool);
        let cash = AccountCode::platform(AccountKind::ExternalCash);
        let fund = Transfer {
            id: TransferId::try_from("fund".to_string()).unwrap(),
            debit: cash,
            credit: pool,
            amount: 100_000_000,
            currency: Currency::CNY,
            kind: TransferKind::Funding,
            reference: None,
            at: chrono::Utc::now(),
        };
        w.post(&[vec![fund]]);
        let mut complaints: Vec<Complaint> = Vec::new();
        for s in steps {
            w.n += 1;
            match s {
                Step::TopUp { party, amount } => {
                    let d = w.deposit(party);
                    let top = Transfer {
                        id: TransferId::try_from(format!("top-{}", w.n)).unwrap(),
                        debit: cash,
                        credit: d,
                        amount,
                        currency: Currency::CNY,
                        kind: TransferKind::Deposit,
                        reference: None,
                        at: chrono::Utc::now(),
                    };
                    w.post(&[vec![top]]);
                    let r = AccountCode { kind: AccountKind::Receivable, owner: d.owner };
                    let id = TransferId::try_from(format!("settle-{}", w.n)).unwrap();
                    let (have, owes) = (w.ledger.balance(&d), w.ledger.balance(&r));
                    if let Some(t) = settle_debt(id, d, have, r, owes, chrono::Utc::now()) {
                        w.post(&[vec![t]]);
                    }
                }
                Step::Complaint { merchant, in_room, total, split } => {
                    let mut c = crate::complaint::tests_support::sample_complaint();
                    c.merchant = w.merchants[merchant];
                    c.room_operator = in_room.then_some(w.room);
                    c.category = crate::complaint::ComplaintCategory::Counterfeit;
                    c.price = crate::money::Money::cny(total);
                    c.status = ComplaintStatus::UnderReview;
                    w.decide(&mut c, Some(liability(split)));
                    complaints.push(c);
                }
                Step::Appeal { k, room, split } => {
                    if complaints.is_empty() {
                        continue;
                    }
                    let k = k % complaints.len();
                    let mut c = complaints[k].clone();
                    let side = if room { Appellant::RoomOperator } else { Appellant::Merchant };
                    if c.appeal(c.consumer, side, "s".into(), c.filed_at).is_err() {
                        continue;
                    }
                    w.decide(&mut c, split.map(liability));
                    complaints[k] = c;
                }
            }
            prop_assert_eq!(w.ledger.balances().values().sum::<i64>(), 0, "the trial balance");
            for (a, b) in w.ledger.balances() {
                prop_assert!(*b >= 0 || a.kind.may_be_negative(), "{} went to {}", a, b);
                prop_assert!(a.kind != AccountKind::Receivable || *b <= 0, "{} owes the party {}", a, b);
            }
        }
        // Per complaint: paid once, and each party bears its share of the final decision.
        let transfers: HashMap<String, Transfer> = w.ledger.transfers().map(|t| (t.id.to_string(), t.clone())).collect();
        for c in &complaints {
            let mine: Vec<&Transfer> = c.transfers.iter().map(|id| &transfers[id]).collect();
            let paid: i64 = mine.iter().filter(|t| t.kind == TransferKind::Compensation).map(|t| t.amount).sum();
            prop_assert_eq!(paid, c.paid);
            let first = c.appeal.as_ref().and_then(|a| a.appealed.as_ref()).or(c.decision.as_ref());
            prop_assert_eq!(paid, first.and_then(|d| d.compensation.as_ref()).map_or(0, |k| k.total), "paid once");
            let burden = |owner: super::Owner| -> i64 {
                mine.iter()
                    .map(|t| {
                        let party = |a: &AccountCode| a.owner == owner && a.kind != AccountKind::ConsumerRefundPayable;
                        if party(&t.debit) { t.amount } else if party(&t.credit) { -t.amount } else { 0 }
                    })
                    .sum()
            };
            let l = c.decision.as_ref().and_then(|d| d.liability.filter(|_| d.upheld));
            let (m, r, _) = l.map_or((0, 0, 0), |l| l.shares(paid));
            let (m, r) = if c.room_operator.is_some() { (m, r) } else { (m + r, 0) };
            prop_assert_eq!(burden(super::Owner::Merchant(c.merchant)), m, "the seller's share");
            prop_assert_eq!(c.recovered, m + r, "what the parties bear, never below zero");
            prop_assert_eq!(burden(super::Owner::RoomOperator(w.room)) * i64::from(c.room_operator.is_some()), r);
        }
    }
}

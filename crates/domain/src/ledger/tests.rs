use proptest::prelude::*;

use super::*;

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z").unwrap().with_timezone(&Utc)
}

fn tr(id: &str, debit: AccountCode, credit: AccountCode, amount: i64, kind: TransferKind) -> Transfer {
    Transfer {
        id: TransferId::try_from(id.to_string()).unwrap(),
        debit,
        credit,
        amount,
        currency: Currency::CNY,
        kind,
        reference: None,
        at: t0(),
    }
}

fn cash() -> AccountCode {
    AccountCode::platform(AccountKind::ExternalCash)
}

fn pool() -> AccountCode {
    AccountCode::platform(AccountKind::GuaranteePool)
}

#[test]
fn account_codes_parse_and_print_back() {
    let m = MerchantId::generate();
    for s in [
        "escrow".to_string(),
        "guarantee_pool".into(),
        format!("merchant_deposit:{m}"),
        format!("receivable:{m}"),
        format!("receivable:{}", RoomOperatorId::generate()),
        format!("consumer_refund_payable:{}", AccountId::generate()),
    ] {
        let a: AccountCode = s.parse().unwrap();
        assert_eq!(a.to_string(), s);
    }
    for bad in [
        "",
        "escrow:mer_x",
        "merchant_deposit",
        format!("merchant_deposit:{}", RoomOperatorId::generate()).as_str(),
        "vault",
    ] {
        assert!(bad.parse::<AccountCode>().is_err(), "{bad}");
    }
    assert!(TransferId::try_from("a b".to_string()).is_err());
    assert!(TransferId::try_from("x".repeat(65)).is_err());
}

#[test]
fn a_batch_is_all_or_nothing_and_deposits_never_go_negative() {
    let m = MerchantId::generate();
    let dep = AccountCode::merchant(AccountKind::MerchantDeposit, m);
    let mut l = Ledger::default();
    l.post(vec![tr("d1", cash(), dep, 100, TransferKind::Deposit)]).unwrap();
    // The second leg overdraws the deposit: neither leg applies.
    let r = l.post(vec![
        tr("c1", cash(), pool(), 50, TransferKind::Funding),
        tr("r1", dep, pool(), 150, TransferKind::Recovery),
    ]);
    assert_eq!(r.unwrap_err().code(), "insufficient_funds");
    assert_eq!((l.balance(&dep), l.balance(&pool()), l.len()), (100, 0, 1));
    // Recovering 150 from a deposit of 100: 100 from the deposit, 50 as a receivable.
    let recv = AccountCode::merchant(AccountKind::Receivable, m);
    l.post(vec![
        tr("r2", dep, pool(), 100, TransferKind::Recovery),
        tr("r3", recv, pool(), 50, TransferKind::Shortfall),
    ])
    .unwrap();
    assert_eq!((l.balance(&dep), l.balance(&recv), l.balance(&pool())), (0, -50, 150));
    assert_eq!(l.balances().values().sum::<i64>(), 0);
}

#[test]
fn a_replayed_id_returns_the_original_and_a_reused_id_is_refused() {
    let mut l = Ledger::default();
    let a = tr("pay-1", cash(), AccountCode::platform(AccountKind::Escrow), 990, TransferKind::Payment);
    assert!(matches!(l.post(vec![a.clone()]).unwrap(), Posted::Applied(_)));
    let mut later = a.clone();
    later.at = t0() + chrono::Duration::hours(1);
    assert!(matches!(l.post(vec![later]).unwrap(), Posted::Replayed(v) if v[0].at == t0()));
    assert_eq!(l.balance(&AccountCode::platform(AccountKind::Escrow)), 990);
    let mut other = a.clone();
    other.amount = 1;
    assert_eq!(l.post(vec![other]).unwrap_err().code(), "transfer_id_reused");
    let mixed = vec![a.clone(), tr("pay-2", cash(), pool(), 5, TransferKind::Funding)];
    assert_eq!(l.post(mixed).unwrap_err().code(), "partly_replayed");
    let twice =
        vec![tr("x", cash(), pool(), 5, TransferKind::Funding), tr("x", cash(), pool(), 5, TransferKind::Funding)];
    assert_eq!(l.post(twice).unwrap_err().code(), "duplicate_transfer_id");
    for bad in [0, -5] {
        assert_eq!(
            l.post(vec![tr("z", cash(), pool(), bad, TransferKind::Funding)]).unwrap_err().code(),
            "amount_not_positive"
        );
    }
    assert_eq!(l.post(vec![tr("z", pool(), pool(), 5, TransferKind::Funding)]).unwrap_err().code(), "same_account");
    assert_eq!(l.len(), 1);
}

/// Steps of a random history: deposits, payments, compensations with recovery (shortfalls become
/// receivables), refunds out of escrow, and replays of earlier batches.
#[derive(Debug, Clone)]
enum Step {
    Deposit(usize, i64),
    Pay(i64),
    Refund(i64),
    Compensate { amount: i64, liable: usize },
    Replay(usize),
    Overdraw(usize, i64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0usize..3, 1i64..100_000).prop_map(|(m, a)| Step::Deposit(m, a)),
        (1i64..50_000).prop_map(Step::Pay),
        (1i64..50_000).prop_map(Step::Refund),
        (1i64..80_000, 0usize..3).prop_map(|(amount, liable)| Step::Compensate { amount, liable }),
        (0usize..50).prop_map(Step::Replay),
        (0usize..3, 1i64..1_000_000).prop_map(|(m, a)| Step::Overdraw(m, a)),
    ]
}

proptest! {
    #[test]
    fn any_history_balances_to_zero_keeps_deposits_whole_and_applies_each_id_once(steps in prop::collection::vec(step(), 1..60)) {
        let merchants: Vec<MerchantId> = (0..3).map(|_| MerchantId::generate()).collect();
        let dep = |i: usize| AccountCode::merchant(AccountKind::MerchantDeposit, merchants[i]);
        let recv = |i: usize| AccountCode::merchant(AccountKind::Receivable, merchants[i]);
        let escrow = AccountCode::platform(AccountKind::Escrow);
        let mut l = Ledger::default();
        let mut batches: Vec<Vec<Transfer>> = Vec::new();
        let mut applied = 0usize;
        for (n, s) in steps.into_iter().enumerate() {
            let id = |leg: &str| format!("{n}-{leg}");
            let batch = match s {
                Step::Deposit(m, a) => vec![tr(&id("d"), cash(), dep(m), a, TransferKind::Deposit)],
                Step::Pay(a) => vec![tr(&id("p"), cash(), escrow, a, TransferKind::Payment)],
                Step::Refund(a) => vec![tr(&id("r"), escrow, cash(), a.min(l.balance(&escrow).max(1)), TransferKind::Refund)],
                Step::Compensate { amount, liable } => {
                    // The pool pays at once (funded from outside), then recovers what the
                    // deposit holds; the rest is a receivable.
                    let have = l.balance(&dep(liable));
                    let from_deposit = have.min(amount);
                    let mut b = vec![
                        tr(&id("f"), cash(), pool(), amount, TransferKind::Funding),
                        tr(&id("c"), pool(), cash(), amount, TransferKind::Compensation),
                    ];
                    if from_deposit > 0 {
                        b.push(tr(&id("rec"), dep(liable), pool(), from_deposit, TransferKind::Recovery));
                    }
                    if amount > from_deposit {
                        b.push(tr(&id("s"), recv(liable), pool(), amount - from_deposit, TransferKind::Shortfall));
                    }
                    b
                }
                Step::Replay(k) if !batches.is_empty() => batches[k % batches.len()].clone(),
                Step::Replay(_) => continue,
                Step::Overdraw(m, a) => vec![tr(&id("o"), dep(m), cash(), l.balance(&dep(m)) + a, TransferKind::Payout)],
            };
            let before = l.balances().clone();
            match l.post(batch.clone()) {
                Ok(Posted::Applied(v)) => {
                    applied += v.len();
                    batches.push(batch);
                }
                Ok(Posted::Replayed(_)) => prop_assert_eq!(&before, l.balances(), "a replay moved money"),
                Err(_) => prop_assert_eq!(&before, l.balances(), "a refused batch moved money"),
            }
            prop_assert_eq!(l.balances().values().sum::<i64>(), 0, "the trial balance");
            for (a, b) in l.balances() {
                prop_assert!(*b >= 0 || a.kind.may_be_negative(), "{} went to {}", a, b);
            }
            prop_assert_eq!(l.len(), applied, "each id applied once");
        }
    }
}

//! The double-entry ledger of the safety net (E-commerce Law Art. 58 deposits; CPL Art. 44
//! advance compensation): accounts, immutable transfers, and the rules every batch obeys.
//!
//! A transfer moves a positive amount from one account (debit: its balance falls) to another
//! (credit: its balance rises), so the balances of all accounts always sum to zero — the trial
//! balance. Transfers carry a client-chosen id: posting the same id again returns the original
//! and moves nothing (a retry after a timeout pays exactly once); the same id with other content
//! is refused. Transfers posted together commit all or nothing. Accounts that hold real money
//! (deposits, escrow, payables, the guarantee pool) never go below zero; what a party cannot pay
//! is recorded as a receivable — an explicit debt, not a hidden negative deposit. Only the
//! outside world (external cash) and receivables may be negative.
//!
//! `Ledger` here is the reference model: pure, in memory, used by the property tests and as the
//! oracle the stores are checked against.

pub mod flows;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, MerchantId, RoomOperatorId};
use crate::money::Currency;

/// What an account is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// Money outside the platform (payments in, refunds and payouts out). May be negative.
    ExternalCash,
    /// Consumers' payments held until the order completes or is refunded.
    Escrow,
    /// The platform's fund for advance compensation.
    GuaranteePool,
    /// The platform's fees.
    PlatformRevenue,
    /// A merchant's consumer-protection deposit.
    MerchantDeposit,
    /// A room operator's deposit.
    RoomOperatorDeposit,
    /// What the platform owes a merchant (settled sales).
    MerchantPayable,
    /// What the platform owes a room operator (commissions).
    RoomOperatorPayable,
    /// Compensation owed to a consumer, until paid out.
    ConsumerRefundPayable,
    /// What a party owes the platform when its deposit fell short. Negative while owed.
    Receivable,
}

impl AccountKind {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::ExternalCash => "external_cash",
            AccountKind::Escrow => "escrow",
            AccountKind::GuaranteePool => "guarantee_pool",
            AccountKind::PlatformRevenue => "platform_revenue",
            AccountKind::MerchantDeposit => "merchant_deposit",
            AccountKind::RoomOperatorDeposit => "room_operator_deposit",
            AccountKind::MerchantPayable => "merchant_payable",
            AccountKind::RoomOperatorPayable => "room_operator_payable",
            AccountKind::ConsumerRefundPayable => "consumer_refund_payable",
            AccountKind::Receivable => "receivable",
        }
    }

    const ALL: [AccountKind; 10] = [
        AccountKind::ExternalCash,
        AccountKind::Escrow,
        AccountKind::GuaranteePool,
        AccountKind::PlatformRevenue,
        AccountKind::MerchantDeposit,
        AccountKind::RoomOperatorDeposit,
        AccountKind::MerchantPayable,
        AccountKind::RoomOperatorPayable,
        AccountKind::ConsumerRefundPayable,
        AccountKind::Receivable,
    ];

    /// Whether the balance may fall below zero.
    pub fn may_be_negative(self) -> bool {
        matches!(self, AccountKind::ExternalCash | AccountKind::Receivable)
    }
}

/// Whose account it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Owner {
    /// The platform itself (and the outside world).
    Platform,
    /// A merchant.
    Merchant(MerchantId),
    /// A room operator.
    RoomOperator(RoomOperatorId),
    /// A consumer.
    Consumer(AccountId),
}

/// An account: `escrow`, `guarantee_pool`, `platform_revenue`, `external_cash`, or
/// `<kind>:<owner id>` such as `merchant_deposit:mer_…`, `receivable:rop_…`,
/// `consumer_refund_payable:acc_…`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountCode {
    /// The kind.
    pub kind: AccountKind,
    /// The owner.
    pub owner: Owner,
}

/// Why an account code does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a ledger account: use external_cash, escrow, guarantee_pool, platform_revenue, or <kind>:<owner id> (merchant_deposit:mer_…, room_operator_deposit:rop_…, merchant_payable:mer_…, room_operator_payable:rop_…, consumer_refund_payable:acc_…, receivable:mer_…|rop_…)")]
pub struct BadAccount(pub String);

impl FromStr for AccountCode {
    type Err = BadAccount;
    fn from_str(s: &str) -> Result<Self, BadAccount> {
        let bad = || BadAccount(s.chars().take(120).collect());
        let (k, owner) = match s.split_once(':') {
            Some((k, o)) => (k, Some(o)),
            None => (s, None),
        };
        let kind = AccountKind::ALL.into_iter().find(|x| x.as_str() == k).ok_or_else(bad)?;
        use AccountKind as K;
        let owner = match (kind, owner) {
            (K::ExternalCash | K::Escrow | K::GuaranteePool | K::PlatformRevenue, None) => Owner::Platform,
            (K::MerchantDeposit | K::MerchantPayable, Some(o)) => Owner::Merchant(o.parse().map_err(|_| bad())?),
            (K::RoomOperatorDeposit | K::RoomOperatorPayable, Some(o)) => {
                Owner::RoomOperator(o.parse().map_err(|_| bad())?)
            }
            (K::ConsumerRefundPayable, Some(o)) => Owner::Consumer(o.parse().map_err(|_| bad())?),
            (K::Receivable, Some(o)) => match o.parse::<MerchantId>() {
                Ok(m) => Owner::Merchant(m),
                Err(_) => Owner::RoomOperator(o.parse().map_err(|_| bad())?),
            },
            _ => return Err(bad()),
        };
        Ok(AccountCode { kind, owner })
    }
}

impl fmt::Display for AccountCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.owner {
            Owner::Platform => write!(f, "{}", self.kind.as_str()),
            Owner::Merchant(m) => write!(f, "{}:{m}", self.kind.as_str()),
            Owner::RoomOperator(r) => write!(f, "{}:{r}", self.kind.as_str()),
            Owner::Consumer(a) => write!(f, "{}:{a}", self.kind.as_str()),
        }
    }
}

impl Serialize for AccountCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for AccountCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl AccountCode {
    /// A platform account.
    pub fn platform(kind: AccountKind) -> Self {
        AccountCode { kind, owner: Owner::Platform }
    }

    /// A merchant's account of `kind`.
    pub fn merchant(kind: AccountKind, m: MerchantId) -> Self {
        AccountCode { kind, owner: Owner::Merchant(m) }
    }

    /// A room operator's account of `kind`.
    pub fn room(kind: AccountKind, r: RoomOperatorId) -> Self {
        AccountCode { kind, owner: Owner::RoomOperator(r) }
    }
}

/// A transfer id chosen by the client: 1-64 characters of letters, digits, `-`, `_`, `:`, `.`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
pub struct TransferId(String);

impl TryFrom<String> for TransferId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if s.is_empty() || s.len() > 64 {
            return Err("a transfer id is 1-64 characters".into());
        }
        if !s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.')) {
            return Err("a transfer id uses letters, digits, '-', '_', ':' and '.' only".into());
        }
        Ok(TransferId(s))
    }
}

impl From<TransferId> for String {
    fn from(t: TransferId) -> String {
        t.0
    }
}

impl TransferId {
    /// As text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TransferId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why money moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransferKind {
    /// A deposit top-up.
    Deposit,
    /// A consumer's payment into escrow.
    Payment,
    /// Escrow settled to the seller, the room and the platform.
    Settlement,
    /// Money back to a consumer.
    Refund,
    /// Advance compensation from the guarantee pool.
    Compensation,
    /// Recovery from a liable party.
    Recovery,
    /// A shortfall recorded as a receivable.
    Shortfall,
    /// Funding the guarantee pool, or other platform movements.
    Funding,
    /// Paying out to the outside world.
    Payout,
    /// A recovery given back (to the deposit, or by forgiving the debt) after an appeal lowered a
    /// party's share.
    Reversal,
}

/// A transfer as posted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Transfer {
    /// The idempotency id.
    pub id: TransferId,
    /// Whose balance falls.
    #[schema(value_type = String)]
    pub debit: AccountCode,
    /// Whose balance rises.
    #[schema(value_type = String)]
    pub credit: AccountCode,
    /// Minor units, > 0.
    pub amount: i64,
    /// Currency.
    pub currency: Currency,
    /// Why.
    pub kind: TransferKind,
    /// What it is about (an order, a complaint), free text up to 200 characters.
    pub reference: Option<String>,
    /// When it was applied.
    pub at: DateTime<Utc>,
}

impl Transfer {
    /// Same movement (ignoring the time it was applied): a replay, not a conflicting reuse.
    pub fn same_as(&self, other: &Transfer) -> bool {
        self.id == other.id
            && self.debit == other.debit
            && self.credit == other.credit
            && self.amount == other.amount
            && self.currency == other.currency
            && self.kind == other.kind
            && self.reference == other.reference
    }
}

/// Why a batch is refused (nothing of it is applied).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    /// Zero or negative amount.
    #[error("transfer {0}: the amount must be greater than zero")]
    NotPositive(TransferId),
    /// Debit and credit are the same account.
    #[error("transfer {0}: debit and credit are the same account")]
    SameAccount(TransferId),
    /// An account would fall below zero.
    #[error("transfer {id}: {account} holds {balance} and cannot pay {amount}; it may not go below zero")]
    Insufficient {
        /// The transfer.
        id: TransferId,
        /// The account.
        account: String,
        /// Its balance at that point of the batch.
        balance: i64,
        /// The amount.
        amount: i64,
    },
    /// A receivable would rise above zero: the party would be paying more than it owes.
    #[error("transfer {id}: {account} is owed {owed} and cannot take {amount}; a receivable never goes above zero")]
    Overpaid {
        /// The transfer.
        id: TransferId,
        /// The receivable.
        account: String,
        /// What was still owed at that point of the batch.
        owed: i64,
        /// The amount.
        amount: i64,
    },
    /// The id was used for another movement.
    #[error("transfer id {0} was already used for a different transfer")]
    IdReused(TransferId),
    /// A batch mixing transfers applied before with new ones.
    #[error("transfer {0} was applied before but {1} was not: post new transfers in a batch of their own")]
    PartlyReplayed(TransferId, TransferId),
    /// The same id twice in one batch.
    #[error("transfer id {0} appears twice in the batch")]
    DuplicateInBatch(TransferId),
    /// A balance would not fit in 64 bits.
    #[error("transfer {0}: a balance would overflow")]
    Overflow(TransferId),
}

impl LedgerError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            LedgerError::NotPositive(_) => "amount_not_positive",
            LedgerError::SameAccount(_) => "same_account",
            LedgerError::Insufficient { .. } => "insufficient_funds",
            LedgerError::Overpaid { .. } => "receivable_overpaid",
            LedgerError::IdReused(_) => "transfer_id_reused",
            LedgerError::PartlyReplayed(..) => "partly_replayed",
            LedgerError::DuplicateInBatch(_) => "duplicate_transfer_id",
            LedgerError::Overflow(_) => "balance_overflow",
        }
    }
}

/// What posting a batch did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Posted {
    /// Applied now.
    Applied(Vec<Transfer>),
    /// Every transfer of the batch had been applied before: the originals, nothing moved.
    Replayed(Vec<Transfer>),
}

/// Checks a batch against the balances it starts from; returns the balance changes per account,
/// or why nothing may be applied. `known` holds the batch's ids that already exist, with the
/// original transfer. A batch is either wholly new or wholly a replay (partly known batches are
/// refused: the client is mixing two different requests).
pub fn check_batch(
    batch: &[Transfer],
    known: &HashMap<TransferId, Transfer>,
    balance: impl Fn(&AccountCode) -> i64,
) -> Result<Option<BTreeMap<AccountCode, i64>>, LedgerError> {
    let mut seen = std::collections::HashSet::new();
    for t in batch {
        if !seen.insert(&t.id) {
            return Err(LedgerError::DuplicateInBatch(t.id.clone()));
        }
    }
    let replayed: Vec<&Transfer> = batch.iter().filter(|t| known.contains_key(&t.id)).collect();
    if let Some(first) = replayed.first() {
        for t in batch {
            match known.get(&t.id) {
                Some(o) if o.same_as(t) => {}
                Some(_) => return Err(LedgerError::IdReused(t.id.clone())),
                None => return Err(LedgerError::PartlyReplayed(first.id.clone(), t.id.clone())),
            }
        }
        return Ok(None);
    }
    let mut delta: BTreeMap<AccountCode, i64> = BTreeMap::new();
    for t in batch {
        if t.amount <= 0 {
            return Err(LedgerError::NotPositive(t.id.clone()));
        }
        if t.debit == t.credit {
            return Err(LedgerError::SameAccount(t.id.clone()));
        }
        let d = delta.entry(t.debit).or_insert(0);
        *d = d.checked_sub(t.amount).ok_or_else(|| LedgerError::Overflow(t.id.clone()))?;
        let now_debit = balance(&t.debit).checked_add(*d).ok_or_else(|| LedgerError::Overflow(t.id.clone()))?;
        if now_debit < 0 && !t.debit.kind.may_be_negative() {
            return Err(LedgerError::Insufficient {
                id: t.id.clone(),
                account: t.debit.to_string(),
                balance: now_debit + t.amount,
                amount: t.amount,
            });
        }
        let c = delta.entry(t.credit).or_insert(0);
        *c = c.checked_add(t.amount).ok_or_else(|| LedgerError::Overflow(t.id.clone()))?;
        let now_credit = balance(&t.credit).checked_add(*c).ok_or_else(|| LedgerError::Overflow(t.id.clone()))?;
        // A receivable is a debt: paying it off brings it to zero, never past.
        if now_credit > 0 && t.credit.kind == AccountKind::Receivable {
            return Err(LedgerError::Overpaid {
                id: t.id.clone(),
                account: t.credit.to_string(),
                owed: t.amount - now_credit,
                amount: t.amount,
            });
        }
    }
    Ok(Some(delta))
}

/// The reference ledger, in memory.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    balances: BTreeMap<AccountCode, i64>,
    transfers: HashMap<TransferId, Transfer>,
}

impl Ledger {
    /// Posts a batch all or nothing.
    pub fn post(&mut self, batch: Vec<Transfer>) -> Result<Posted, LedgerError> {
        let known: HashMap<TransferId, Transfer> =
            batch.iter().filter_map(|t| self.transfers.get(&t.id).map(|o| (t.id.clone(), o.clone()))).collect();
        match check_batch(&batch, &known, |a| self.balance(a))? {
            None => Ok(Posted::Replayed(batch.iter().filter_map(|t| known.get(&t.id).cloned()).collect())),
            Some(delta) => {
                for (a, d) in delta {
                    *self.balances.entry(a).or_insert(0) += d;
                }
                for t in &batch {
                    self.transfers.insert(t.id.clone(), t.clone());
                }
                Ok(Posted::Applied(batch))
            }
        }
    }

    /// An account's balance (0 when never used).
    pub fn balance(&self, a: &AccountCode) -> i64 {
        self.balances.get(a).copied().unwrap_or(0)
    }

    /// Every account's balance.
    pub fn balances(&self) -> &BTreeMap<AccountCode, i64> {
        &self.balances
    }

    /// Every transfer applied, in no particular order.
    pub fn transfers(&self) -> impl Iterator<Item = &Transfer> {
        self.transfers.values()
    }

    /// Transfers applied.
    pub fn len(&self) -> usize {
        self.transfers.len()
    }

    /// Whether nothing was ever applied.
    pub fn is_empty(&self) -> bool {
        self.transfers.is_empty()
    }
}

#[cfg(test)]
mod complaint_props;
#[cfg(test)]
mod tests;

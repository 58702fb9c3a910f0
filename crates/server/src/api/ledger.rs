//! The ledger over HTTP: post linked transfers (operators), the trial balance and account
//! statements (operators and regulators; a party reads its own), and deposit top-ups.
//!
//! Every transfer is balanced by construction (one debit, one credit, one amount), so an
//! "unbalanced transfer" cannot be expressed; what can go wrong — a zero or negative amount, an
//! account that does not exist, another currency, an overdrawn deposit, a reused id — is refused
//! with its reason and nothing of the request is applied.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use chrono::{DateTime, Utc};
use clearcast_domain::account::Role;
use clearcast_domain::ledger::{
    AccountCode, AccountKind, LedgerError, Owner, Posted, Transfer, TransferId, TransferKind,
};
use clearcast_domain::money::Currency;
use clearcast_domain::party::{PartyId, PartyKind};
use serde::{Deserialize, Serialize};

use crate::api::entry_by;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;

/// The most one posted transfer may move, fen (¥1 trillion): far above any real movement, far
/// below where sums of many could overflow; a typo of extra zeros gets a clear 422.
const MAX_TRANSFER_MINOR: i64 = 100_000_000_000_000;

/// Id prefixes the platform's own flows use; hand-posted transfers may not take them.
pub const RESERVED: [&str; 4] = ["order:", "complaint:", "dep:", "pay:"];

/// Most transfers one request links.
pub const MAX_LINKED: usize = 100;

/// A transfer as posted by a client.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferInput {
    /// The idempotency id, chosen by the client (1-64 of letters, digits, `-_:.`).
    pub id: String,
    /// The account whose balance falls (`escrow`, `merchant_deposit:mer_…`, …).
    pub debit: String,
    /// The account whose balance rises.
    pub credit: String,
    /// Minor units (fen), > 0.
    pub amount: i64,
    /// `CNY` (the only currency the ledger keeps).
    #[serde(default)]
    pub currency: Option<String>,
    /// Why money moves.
    pub kind: TransferKind,
    /// What it is about, up to 200 characters.
    #[serde(default)]
    pub reference: Option<String>,
}

/// Transfers that commit together or not at all.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransfersInput {
    /// 1-100 transfers.
    pub transfers: Vec<TransferInput>,
}

/// What was posted.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PostedView {
    /// `applied` now, or `replayed`: every id had been applied before and nothing moved.
    pub outcome: &'static str,
    /// The transfers (the originals on a replay).
    pub transfers: Vec<Transfer>,
}

pub(crate) fn ledger_error(e: LedgerError) -> ApiError {
    let status = match e {
        LedgerError::Insufficient { .. } | LedgerError::Overpaid { .. } | LedgerError::IdReused(_) => {
            StatusCode::CONFLICT
        }
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    ApiError::new(status, e.code(), e.to_string())
}

/// Checks an account exists: the platform's always do; a party's or consumer's when they do.
async fn known_account(state: &AppState, field: &str, a: &AccountCode) -> ApiResult<()> {
    let exists = match a.owner {
        Owner::Platform => true,
        Owner::Merchant(m) => state.store.get_party(PartyId::Merchant(m)).await?.is_some(),
        Owner::RoomOperator(r) => state.store.get_party(PartyId::RoomOperator(r)).await?.is_some(),
        Owner::Consumer(c) => state.store.get_account(c).await?.is_some(),
    };
    if exists {
        Ok(())
    } else {
        Err(ApiError::invalid(field, "unknown_account", format!("{a}: no such party or account")))
    }
}

/// Parses and checks posted transfers, naming the field of the first problem.
pub async fn parse_transfers(
    state: &AppState,
    input: Vec<TransferInput>,
    now: DateTime<Utc>,
) -> ApiResult<Vec<Transfer>> {
    if input.is_empty() || input.len() > MAX_LINKED {
        return Err(ApiError::invalid("transfers", "out_of_range", format!("1-{MAX_LINKED} transfers")));
    }
    let mut out = Vec::with_capacity(input.len());
    for (i, t) in input.into_iter().enumerate() {
        let f = |k: &str| format!("transfers[{i}].{k}");
        let id = TransferId::try_from(t.id).map_err(|e| ApiError::invalid(&f("id"), "invalid", e))?;
        if RESERVED.iter().any(|p| id.as_str().starts_with(p)) {
            return Err(ApiError::invalid(
                &f("id"),
                "reserved",
                format!(
                    "ids starting with {} are the platform's own (orders, complaints, deposits)",
                    RESERVED.join(", ")
                ),
            ));
        }
        let debit: AccountCode = t.debit.parse().map_err(|e: clearcast_domain::ledger::BadAccount| {
            ApiError::invalid(&f("debit"), "unknown_account", e.to_string())
        })?;
        let credit: AccountCode = t.credit.parse().map_err(|e: clearcast_domain::ledger::BadAccount| {
            ApiError::invalid(&f("credit"), "unknown_account", e.to_string())
        })?;
        known_account(state, &f("debit"), &debit).await?;
        known_account(state, &f("credit"), &credit).await?;
        if t.amount <= 0 {
            return Err(ApiError::invalid(&f("amount"), "must_be_positive", "the amount must be greater than zero"));
        }
        if t.amount > MAX_TRANSFER_MINOR {
            return Err(ApiError::invalid(
                &f("amount"),
                "out_of_range",
                "one transfer moves at most ¥1,000,000,000,000",
            ));
        }
        let currency = match t.currency.as_deref() {
            None | Some("CNY") => Currency::CNY,
            Some(other) => {
                return Err(ApiError::invalid(
                    &f("currency"),
                    "currency_mismatch",
                    format!("the ledger keeps CNY; a transfer in {other} cannot move between its accounts"),
                ))
            }
        };
        if t.reference.as_ref().is_some_and(|r| r.chars().count() > 200) {
            return Err(ApiError::invalid(&f("reference"), "too_long", "at most 200 characters"));
        }
        out.push(Transfer {
            id,
            debit,
            credit,
            amount: t.amount,
            currency,
            kind: t.kind,
            reference: t.reference,
            at: now,
        });
    }
    Ok(out)
}

/// Posts a batch, answering 201 (applied) or 200 (a replay).
pub async fn post(state: &AppState, batch: Vec<Transfer>) -> ApiResult<(StatusCode, PostedView)> {
    match state.store.post_transfers(batch).await?.map_err(ledger_error)? {
        Posted::Applied(v) => Ok((StatusCode::CREATED, PostedView { outcome: "applied", transfers: v })),
        Posted::Replayed(v) => Ok((StatusCode::OK, PostedView { outcome: "replayed", transfers: v })),
    }
}

/// Post linked transfers (operators): all of them or none.
#[utoipa::path(post, path = "/api/v1/ledger/transfers", tag = "ledger", request_body = TransfersInput, security(("bearer" = [])),
    responses((status = 201, body = PostedView), (status = 200, description = "a replay: the originals", body = PostedView),
              (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn transfers(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<TransfersInput>,
) -> ApiResult<(StatusCode, Json<PostedView>)> {
    caller.require(&[Role::Operator], "post ledger transfers")?;
    let now = state.clock.now();
    let batch = parse_transfers(&state, input.transfers, now).await?;
    let (status, view) = post(&state, batch).await?;
    if status == StatusCode::CREATED {
        let ids: Vec<&str> = view.transfers.iter().map(|t| t.id.as_str()).collect();
        state
            .store
            .audit_append(entry_by(&caller, now, "ledger.transfers_posted", "ledger", serde_json::json!({"ids": ids})))
            .await?;
    }
    Ok((status, Json(view)))
}

/// One account's balance.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BalanceLine {
    /// The account.
    #[schema(value_type = String)]
    pub account: AccountCode,
    /// Its kind.
    pub kind: AccountKind,
    /// Minor units (negative: external cash paid in, or a receivable owed).
    pub balance: i64,
}

/// Every balance and their sum.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TrialBalance {
    /// Every account ever used.
    pub accounts: Vec<BalanceLine>,
    /// The sum of all balances: always 0.
    pub total: i64,
    /// Transfers applied in all.
    pub transfers: u64,
    /// Currency.
    pub currency: Currency,
}

/// The trial balance (operators and regulators).
#[utoipa::path(get, path = "/api/v1/ledger/trial-balance", tag = "ledger", security(("bearer" = [])),
    responses((status = 200, body = TrialBalance), (status = 403, body = crate::error::Problem)))]
pub async fn trial_balance(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<TrialBalance>> {
    caller.require(&[Role::Operator, Role::Regulator], "read the trial balance")?;
    let lines = state.store.ledger_balances().await?;
    let total = lines.iter().map(|(_, b)| i128::from(*b)).sum::<i128>();
    Ok(Json(TrialBalance {
        total: i64::try_from(total).unwrap_or(i64::MAX),
        accounts: lines.into_iter().map(|(a, b)| BalanceLine { account: a, kind: a.kind, balance: b }).collect(),
        transfers: state.store.ledger_transfer_count().await?,
        currency: Currency::CNY,
    }))
}

/// Statement query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StatementQuery {
    /// The previous page's `next_cursor`.
    pub cursor: Option<i64>,
    /// 1-200 (default 50).
    pub limit: Option<i64>,
}

/// An account's statement.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Statement {
    /// The account.
    #[schema(value_type = String)]
    pub account: AccountCode,
    /// Its balance now.
    pub balance: i64,
    /// Its transfers, oldest first.
    pub transfers: Vec<Transfer>,
    /// Cursor for the next page.
    pub next_cursor: Option<i64>,
}

async fn may_read(state: &AppState, caller: &Caller, a: &AccountCode) -> ApiResult<()> {
    if matches!(caller.role(), Role::Operator | Role::Regulator) {
        return Ok(());
    }
    let own = match a.owner {
        Owner::Merchant(m) => state
            .store
            .party_of_owner(PartyKind::Merchant, caller.account.id)
            .await?
            .is_some_and(|p| p.id == PartyId::Merchant(m)),
        Owner::RoomOperator(r) => state
            .store
            .party_of_owner(PartyKind::RoomOperator, caller.account.id)
            .await?
            .is_some_and(|p| p.id == PartyId::RoomOperator(r)),
        Owner::Consumer(c) => c == caller.account.id,
        Owner::Platform => false,
    };
    if own {
        Ok(())
    } else {
        Err(ApiError::forbidden("only staff, regulators and the account's owner read a ledger account"))
    }
}

/// An account's balance and transfers (operators, regulators, the account's owner).
#[utoipa::path(get, path = "/api/v1/ledger/accounts/{code}", tag = "ledger", params(("code" = String, Path), StatementQuery),
    security(("bearer" = [])), responses((status = 200, body = Statement), (status = 403, body = crate::error::Problem)))]
pub async fn statement(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<StatementQuery>,
) -> ApiResult<Json<Statement>> {
    let a: AccountCode = code.parse().map_err(|e: clearcast_domain::ledger::BadAccount| {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_account", e.to_string()).field("code", "invalid", e.to_string())
    })?;
    may_read(&state, &caller, &a).await?;
    known_account(&state, "code", &a).await.map_err(|_| ApiError::not_found("ledger account"))?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::invalid("limit", "out_of_range", "limit is 1-200"));
    }
    let cursor = q.cursor.unwrap_or(0);
    if cursor < 0 {
        return Err(ApiError::invalid(
            "cursor",
            "out_of_range",
            "a cursor is a previous page's next_cursor (0 or more)",
        ));
    }
    let rows = state.store.account_transfers(&a, cursor, limit as u32 + 1).await?;
    let more = rows.len() > limit as usize;
    let rows: Vec<(i64, Transfer)> = rows.into_iter().take(limit as usize).collect();
    Ok(Json(Statement {
        account: a,
        balance: state.store.ledger_balance(&a).await?,
        next_cursor: if more { rows.last().map(|r| r.0) } else { None },
        transfers: rows.into_iter().map(|r| r.1).collect(),
    }))
}

/// A deposit top-up.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepositInput {
    /// The merchant (`mer_…`) or room operator (`rop_…`).
    pub party_id: String,
    /// Minor units (fen), 1 to 10,000,000,000.
    pub amount: i64,
}

/// A party's deposit.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DepositView {
    /// The top-up (a replay returns the original).
    pub transfer: Transfer,
    /// The deposit account.
    #[schema(value_type = String)]
    pub account: AccountCode,
    /// Its balance now.
    pub balance: i64,
    /// What this call paid from the deposit towards the party's debt (its receivable), if any.
    pub settled: Option<Transfer>,
    /// What the party still owes the platform (fen).
    pub owed: i64,
}

/// Top up a deposit (simulated payment from outside; the party's owner or an operator). An
/// `Idempotency-Key` header makes a retry return the same top-up. When the party owes the
/// platform (a compensation its deposit could not cover), the deposit pays that debt first: a
/// debt left unsettled keeps the party below the selling threshold.
#[utoipa::path(post, path = "/api/v1/deposits", tag = "ledger", request_body = DepositInput, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "makes retries return the same top-up")),
    responses((status = 201, body = DepositView), (status = 200, description = "a retry", body = DepositView),
              (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn deposit(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(input): ApiJson<DepositInput>,
) -> ApiResult<(StatusCode, Json<DepositView>)> {
    let (code, party) = party_account(&state, &input.party_id, AccountKind::MerchantDeposit).await?;
    let receivable = AccountCode { kind: AccountKind::Receivable, owner: code.owner };
    if caller.role() != Role::Operator && party.owner != Some(caller.account.id) {
        return Err(ApiError::forbidden("only the party's owner or an operator tops up its deposit"));
    }
    if !(1..=clearcast_domain::money::MAX_PRICE_MINOR).contains(&input.amount) {
        return Err(ApiError::invalid("amount", "out_of_range", "1 to 10,000,000,000 fen"));
    }
    let key = transfer_key("dep", &caller, &headers)?;
    let now = state.clock.now();
    let t = Transfer {
        id: key,
        debit: AccountCode::platform(AccountKind::ExternalCash),
        credit: code,
        amount: input.amount,
        currency: Currency::CNY,
        kind: TransferKind::Deposit,
        reference: Some(format!("top-up of {}", input.party_id)),
        at: now,
    };
    let (status, view) = post(&state, vec![t]).await?;
    let transfer = view.transfers.into_iter().next().ok_or_else(|| ApiError::internal("a posted top-up vanished"))?;
    let audit = |action: &'static str, t: &Transfer| {
        entry_by(&caller, now, action, &input.party_id, serde_json::json!({"transfer": t.id, "amount": t.amount}))
    };
    if status == StatusCode::CREATED {
        state.store.audit_append(audit("deposit.topped_up", &transfer)).await?;
    }
    // Settled after the top-up under an id derived from it: a retry reports the settlement the
    // first call made, or makes it if a crash came between the two steps.
    let settle_id = TransferId::try_from(format!("{}:s", transfer.id)).map_err(ApiError::internal)?;
    let (settled, new) = settle_from(&state, code, settle_id).await?;
    if let (Some(t), true) = (&settled, new) {
        state.store.audit_append(audit("deposit.debt_settled", t)).await?;
    }
    let owed = state.store.ledger_balance(&receivable).await?.saturating_neg().max(0);
    let balance = state.store.ledger_balance(&code).await?;
    Ok((status, Json(DepositView { transfer, account: code, balance, settled, owed })))
}

/// A party's account of the kind of `merchant_kind` (`merchant_deposit` or `merchant_payable`; a
/// room operator gets the room's counterpart), and the party, from a `mer_…` or `rop_…` id.
pub(crate) async fn party_account(
    state: &AppState,
    party_id: &str,
    merchant_kind: AccountKind,
) -> ApiResult<(AccountCode, clearcast_domain::party::Party)> {
    if party_id.starts_with("mer_") {
        let p = crate::api::parties::load(state, PartyKind::Merchant, "party_id", party_id).await?;
        let PartyId::Merchant(m) = p.id else { return Err(ApiError::internal("merchant id of another kind")) };
        Ok((AccountCode::merchant(merchant_kind, m), p))
    } else if party_id.starts_with("rop_") {
        let p = crate::api::parties::load(state, PartyKind::RoomOperator, "party_id", party_id).await?;
        let PartyId::RoomOperator(r) = p.id else { return Err(ApiError::internal("room operator id of another kind")) };
        let kind = match merchant_kind {
            AccountKind::MerchantPayable => AccountKind::RoomOperatorPayable,
            _ => AccountKind::RoomOperatorDeposit,
        };
        Ok((AccountCode::room(kind, r), p))
    } else {
        Err(ApiError::invalid("party_id", "invalid", "a merchant (mer_…) or room operator (rop_…)"))
    }
}

/// A fresh transfer id under a platform prefix.
pub(crate) fn fresh_id(prefix: &str) -> ApiResult<TransferId> {
    TransferId::try_from(format!("{prefix}:{}", uuid::Uuid::now_v7().simple())).map_err(ApiError::internal)
}

/// The transfer id of a caller's request: from its `Idempotency-Key` header, so a retry returns
/// the same transfer, or fresh without one. Keys are the caller's own: the same key from two
/// accounts is two transfers.
pub(crate) fn transfer_key(prefix: &str, caller: &Caller, headers: &HeaderMap) -> ApiResult<TransferId> {
    // A simple UUID is always 32 ASCII hex digits, so its last 16 are there to slice.
    let mine = caller.account.id.uuid().simple().to_string();
    let key = match headers.get("idempotency-key").map(|v| v.to_str().map(str::trim)) {
        None => return fresh_id(prefix),
        Some(Ok(k))
            if !k.is_empty() && k.len() <= 40 && k.chars().all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c)) =>
        {
            format!("{prefix}:{}:{k}", &mine[mine.len() - 16..])
        }
        Some(_) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_idempotency_key",
                "Idempotency-Key must be 1-40 letters, digits, '-', '_', '.' or ':'",
            )
            .field("Idempotency-Key", "invalid", "1-40 letters, digits, '-', '_', '.' or ':'"))
        }
    };
    TransferId::try_from(key).map_err(|e| ApiError::invalid("Idempotency-Key", "invalid", e))
}

/// Pays what the owner of `from` (a deposit or a payable) owes the platform out of `from`, as far
/// as it goes, as transfer `id` — or returns the transfer made under `id` before (a retry). The
/// ledger refuses to pay a receivable past zero, so two concurrent requests never settle one
/// debt twice. The flag says whether this call made it.
pub(crate) async fn settle_from(
    state: &AppState,
    from: AccountCode,
    id: TransferId,
) -> ApiResult<(Option<Transfer>, bool)> {
    if let Some(done) = state.store.ledger_transfer(&id).await? {
        return Ok((Some(done), false));
    }
    let receivable = AccountCode { kind: AccountKind::Receivable, owner: from.owner };
    let have = state.store.ledger_balance(&from).await?;
    let owes = state.store.ledger_balance(&receivable).await?;
    let Some(t) = clearcast_domain::ledger::flows::settle_debt(id, from, have, receivable, owes, state.clock.now())
    else {
        return Ok((None, false));
    };
    match state.store.post_transfers(vec![t]).await? {
        Ok(Posted::Applied(mut ts)) => Ok((ts.pop(), true)),
        // The same retry, a moment earlier.
        Ok(Posted::Replayed(mut ts)) => Ok((ts.pop(), false)),
        Err(LedgerError::IdReused(id)) => Ok((state.store.ledger_transfer(&id).await?, false)),
        // Another request settled it meanwhile.
        Err(LedgerError::Overpaid { .. } | LedgerError::Insufficient { .. }) => Ok((None, false)),
        Err(e) => Err(ledger_error(e)),
    }
}

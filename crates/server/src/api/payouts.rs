//! Payouts (simulated bank transfers): a seller or room operator withdraws what the platform owes
//! it — settled sales and commissions, its payable account — to the outside world.
//!
//! Choice where the issue is silent: what the platform owes a party first pays what the party
//! owes the platform (a receivable from a compensation its deposit could not cover, CPL Art. 44);
//! the payout comes from what is left, in the same all-or-nothing batch, and asking for more is
//! refused with the figures (nothing moves then). Deposits
//! are not paid out here: they back the selling threshold (E-commerce Law Art. 58).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use clearcast_domain::account::Role;
use clearcast_domain::ledger::{AccountCode, AccountKind, LedgerError, Posted, Transfer, TransferId, TransferKind};
use clearcast_domain::money::Currency;
use serde::{Deserialize, Serialize};

use crate::api::entry_by;
use crate::api::ledger::{ledger_error, party_account, transfer_key};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;

/// A payout request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayoutInput {
    /// The merchant (`mer_…`) or room operator (`rop_…`).
    pub party_id: String,
    /// Minor units (fen), 1 to 10,000,000,000.
    pub amount: i64,
}

/// A payout.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PayoutView {
    /// The payout (a replay returns the original).
    pub transfer: Transfer,
    /// The payable account.
    #[schema(value_type = String)]
    pub account: AccountCode,
    /// Its balance now.
    pub balance: i64,
    /// What this call paid from the payable towards the party's debt first, if anything.
    pub settled: Option<Transfer>,
    /// What the party still owes the platform (fen).
    pub owed: i64,
}

fn payout_of(id: &TransferId, code: AccountCode, input: &PayoutInput, now: chrono::DateTime<chrono::Utc>) -> Transfer {
    Transfer {
        id: id.clone(),
        debit: code,
        credit: AccountCode::platform(AccountKind::ExternalCash),
        amount: input.amount,
        currency: Currency::CNY,
        kind: TransferKind::Payout,
        reference: Some(format!("payout to {}", input.party_id)),
        at: now,
    }
}

/// Pay out a seller's or room operator's payable (its owner or an operator). An `Idempotency-Key`
/// header makes a retry return the same payout. A debt to the platform is settled first.
#[utoipa::path(post, path = "/api/v1/payouts", tag = "ledger", request_body = PayoutInput, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "makes retries return the same payout")),
    responses((status = 201, body = PayoutView), (status = 200, description = "a retry", body = PayoutView),
              (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn payout(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(input): ApiJson<PayoutInput>,
) -> ApiResult<(StatusCode, Json<PayoutView>)> {
    let (code, party) = party_account(&state, &input.party_id, AccountKind::MerchantPayable).await?;
    if caller.role() != Role::Operator && party.owner != Some(caller.account.id) {
        return Err(ApiError::forbidden("only the party's owner or an operator pays out its payable"));
    }
    if !(1..=clearcast_domain::money::MAX_PRICE_MINOR).contains(&input.amount) {
        return Err(ApiError::invalid("amount", "out_of_range", "1 to 10,000,000,000 fen"));
    }
    let id = transfer_key("pay", &caller, &headers)?;
    let now = state.clock.now();
    let receivable = AccountCode { kind: AccountKind::Receivable, owner: code.owner };
    let (have, owes) = (state.store.ledger_balance(&code).await?, state.store.ledger_balance(&receivable).await?);
    // The debt is paid in the same batch as the payout: both or neither.
    let settle_key = TransferId::try_from(format!("{id}:s")).map_err(ApiError::internal)?;
    // A retry of a payout already made replays it, whatever the balances are now.
    if let Some(done) = state.store.ledger_transfer(&id).await? {
        let settled = state.store.ledger_transfer(&settle_key).await?;
        let owed = state.store.ledger_balance(&receivable).await?.saturating_neg().max(0);
        let balance = state.store.ledger_balance(&code).await?;
        if !done.same_as(&payout_of(&id, code, &input, now)) {
            return Err(ledger_error(LedgerError::IdReused(id)));
        }
        return Ok((StatusCode::OK, Json(PayoutView { transfer: done, account: code, balance, settled, owed })));
    }
    let settle = clearcast_domain::ledger::flows::settle_debt(settle_key.clone(), code, have, receivable, owes, now);
    let payout = payout_of(&id, code, &input, now);
    let first_debt = settle.as_ref().map_or(0, |t| t.amount);
    let mut batch: Vec<Transfer> = settle.into_iter().collect();
    batch.push(payout.clone());
    let posted = match state.store.post_transfers(batch).await? {
        Ok(p) => p,
        // A retry of a payout made when the debt stood otherwise: the payout alone replays.
        Err(LedgerError::PartlyReplayed(..) | LedgerError::IdReused(_)) if first_debt > 0 => {
            state.store.post_transfers(vec![payout]).await?.map_err(ledger_error)?
        }
        Err(LedgerError::Insufficient { .. }) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "insufficient_funds",
                format!(
                    "the payable holds {have} fen; {first_debt} fen of it pays the party's debt first; at most {} fen can be paid out",
                    have - first_debt
                ),
            ))
        }
        Err(e) => return Err(ledger_error(e)),
    };
    let (status, moved) = match posted {
        Posted::Applied(v) => (StatusCode::CREATED, v),
        Posted::Replayed(v) => (StatusCode::OK, v),
    };
    // A retry reports the settlement the first call made with it, whatever this one posted.
    let settled = match moved.iter().find(|t| t.kind == TransferKind::Recovery).cloned() {
        Some(t) => Some(t),
        None if status == StatusCode::OK => state.store.ledger_transfer(&settle_key).await?,
        None => None,
    };
    let transfer = moved
        .into_iter()
        .find(|t| t.kind == TransferKind::Payout)
        .ok_or_else(|| ApiError::internal("a posted payout vanished"))?;
    if status == StatusCode::CREATED {
        let audit = |action: &'static str, t: &Transfer| {
            entry_by(&caller, now, action, &input.party_id, serde_json::json!({"transfer": t.id, "amount": t.amount}))
        };
        if let Some(t) = &settled {
            state.store.audit_append(audit("payout.debt_settled", t)).await?;
        }
        state.store.audit_append(audit("payout.paid", &transfer)).await?;
    }
    let owed = state.store.ledger_balance(&receivable).await?.saturating_neg().max(0);
    let balance = state.store.ledger_balance(&code).await?;
    Ok((status, Json(PayoutView { transfer, account: code, balance, settled, owed })))
}

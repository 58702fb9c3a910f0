//! Deciding complaints over HTTP (Order 117 Art. 20; CPL Art. 44, 55; Food Safety Law Art. 148):
//! an operator upholds (with a liability split) or rejects a complaint under review. An upheld
//! complaint about an order refunds the order, pays the compensation at once from the guarantee
//! pool and recovers it from the liable parties' deposits — what a deposit cannot cover becomes a
//! receivable — in the transaction that records the decision. Either side appeals once: the buyer
//! a rejection, a liable seller or room operator an upheld decision. After a liable party's
//! appeal the consumer keeps what was paid; the new decision only moves who bears it (the rule is
//! `ledger::flows::decision_flows`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use clearcast_domain::account::Role;
use clearcast_domain::complaint::{Appellant, Complaint, ComplaintStatus, Decision, Liability};
use clearcast_domain::eligibility::Funds;
use clearcast_domain::order::OrderStatus;
use clearcast_domain::party::{PartyId, PartyKind};
use serde::Deserialize;
use serde_json::json;

use crate::api::complaints::{load, save, state_err, text, view, ComplaintView};
use crate::api::eligibility::funds_of;
use crate::api::entry_by;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;

/// An operator's decision.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjudicationInput {
    /// For the consumer?
    pub upheld: bool,
    /// Why, 1-2000 characters.
    pub reason: String,
    /// Who is liable (required when upheld; basis points summing to 10,000).
    #[serde(default)]
    pub liability: Option<Liability>,
}

fn liability_of(input: &AdjudicationInput) -> ApiResult<Option<Liability>> {
    match (input.upheld, input.liability) {
        (true, None) => Err(ApiError::invalid("liability", "required", "an upheld complaint names who is liable")),
        (true, Some(l)) if !l.is_whole() => Err(ApiError::invalid(
            "liability",
            "not_whole",
            "merchant_bps + room_operator_bps + platform_bps must be 10000",
        )),
        (false, Some(_)) => Err(ApiError::invalid("liability", "not_allowed", "a rejected complaint has no liability")),
        (_, l) => Ok(l),
    }
}

/// Refunds the complaint's order (out of escrow, or back from the parties the sale was settled
/// to) so it can never be refunded, cancelled or settled again. Whether the price came back.
async fn refund_order(state: &AppState, caller: &Caller, c: &Complaint) -> ApiResult<bool> {
    let Some(oid) = c.order else { return Ok(false) };
    let mut order =
        state.store.get_order(oid).await?.ok_or_else(|| ApiError::internal("a complaint's order vanished"))?;
    if !matches!(order.status, OrderStatus::Refunded | OrderStatus::Cancelled) {
        let (from, now) = (order.status, state.clock.now());
        order
            .refund_on_complaint(now)
            .map_err(|e| ApiError::new(StatusCode::CONFLICT, "invalid_order_state", e.to_string()))?;
        let money = crate::api::orders::money_for(state, &order, from).await?;
        let record =
            entry_by(caller, now, "order.refunded_on_complaint", order.id, json!({"complaint": c.id, "from": from}));
        state.store.save_order(&order, from, false, record, &money).await.map_err(|e| match e {
            clearcast_store::StoreError::Conflict { code, message } => {
                ApiError::new(StatusCode::CONFLICT, code, message)
            }
            other => other.into(),
        })?;
    }
    Ok(matches!(order.status, OrderStatus::Refunded | OrderStatus::Cancelled))
}

/// Adjudicate (operators): reject, or uphold with a liability split — the compensation is paid
/// at once and recovered in the same transaction.
#[utoipa::path(post, path = "/api/v1/complaints/{id}/adjudicate", tag = "complaints", params(("id" = String, Path)),
    request_body = AdjudicationInput, security(("bearer" = [])),
    responses((status = 200, body = ComplaintView), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn adjudicate(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<AdjudicationInput>,
) -> ApiResult<Json<ComplaintView>> {
    caller.require(&[Role::Operator], "adjudicate complaints")?;
    let reason = text("reason", &input.reason, 2000)?;
    let c = load(&state, &caller, &id).await?;
    let (from, now) = (c.status, state.clock.now());
    if from != ComplaintStatus::UnderReview {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "invalid_complaint_state",
            format!("the complaint is {}; only complaints under review are adjudicated", from.as_str()),
        ));
    }
    let liability = liability_of(&input)?;
    if c.room_operator.is_none() && liability.is_some_and(|l| l.room_operator_bps > 0) {
        return Err(ApiError::invalid(
            "liability.room_operator_bps",
            "no_room",
            "the goods were not sold in a show: there is no room operator to hold liable",
        ));
    }
    // A first upheld decision refunds the order; after an appeal the order was refunded already.
    let refunded = if input.upheld && c.paid_total() == 0 { refund_order(&state, &caller, &c).await? } else { true };
    let comp = c.compensation_due(input.upheld, refunded);
    // The recovery plan reads the deposits' balances; another decision against the same party may
    // spend them between the read and the write, and the ledger then refuses the plan whole. The
    // decision is planned again on fresh balances (a few times; each try is all or nothing).
    let mut tries = 0;
    let c = loop {
        let merchant = funds_of(&state, PartyId::Merchant(c.merchant)).await?;
        let room = match c.room_operator {
            Some(r) => funds_of(&state, PartyId::RoomOperator(r)).await?,
            None => Funds::default(),
        };
        let total = comp.as_ref().map_or(0, |k| k.total);
        let money = clearcast_domain::ledger::flows::decision_flows(&c, total, liability.as_ref(), merchant, room, now);
        let mut d = c.clone();
        d.decide(Decision {
            upheld: input.upheld,
            liability,
            reason: reason.clone(),
            decided_by: caller.account.id,
            at: now,
            compensation: comp.clone(),
        })
        .map_err(state_err)?;
        let moved: Vec<_> = money.iter().flatten().cloned().collect();
        d.settle(&moved).map_err(state_err)?;
        let detail = json!({"upheld": input.upheld, "reason": reason, "liability": liability, "compensation": comp,
                            "transfers": moved.iter().map(|t| t.id.to_string()).collect::<Vec<_>>(),
                            "after_appeal_by": c.appeal.as_ref().map(|a| a.side)});
        let record = entry_by(&caller, now, "complaint.adjudicated", d.id, detail);
        match state.store.save_complaint(&d, from, record, &money).await {
            Ok(()) => break d,
            Err(clearcast_store::StoreError::Conflict { code: "ledger_refused", .. }) if tries < 5 => tries += 1,
            Err(clearcast_store::StoreError::Conflict { code, message }) => {
                return Err(ApiError::new(StatusCode::CONFLICT, code, message))
            }
            Err(other) => return Err(other.into()),
        }
    };
    // Upheld complaints count against the parties; one overturned on appeal stops counting.
    crate::quality::on_complaint(&state, &c);
    Ok(Json(view(c, now)))
}

/// An appeal.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealInput {
    /// Why, 1-2000 characters.
    pub statement: String,
}

/// Which side the caller appeals for.
async fn side_of(state: &AppState, caller: &Caller) -> ApiResult<Appellant> {
    Ok(match caller.role() {
        Role::Consumer => Appellant::Consumer,
        Role::Merchant => Appellant::Merchant,
        Role::RoomOperator => {
            // `load` already checked the complaint is this room's.
            state
                .store
                .party_of_owner(PartyKind::RoomOperator, caller.account.id)
                .await?
                .ok_or_else(|| ApiError::forbidden("register your room first"))?;
            Appellant::RoomOperator
        }
        _ => return Err(ApiError::forbidden("the buyer, or a party the decision holds liable, appeals")),
    })
}

/// Appeal a decision once: the buyer a rejection, a liable seller or room operator an upheld
/// decision. The complaint goes back under review; the appealed decision is kept beside it.
#[utoipa::path(post, path = "/api/v1/complaints/{id}/appeal", tag = "complaints", params(("id" = String, Path)), request_body = AppealInput,
    security(("bearer" = [])), responses((status = 200, body = ComplaintView), (status = 403, body = crate::error::Problem),
    (status = 409, body = crate::error::Problem)))]
pub async fn appeal(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<AppealInput>,
) -> ApiResult<Json<ComplaintView>> {
    let side = side_of(&state, &caller).await?;
    let statement = text("statement", &input.statement, 2000)?;
    let mut c = load(&state, &caller, &id).await?;
    let (from, now) = (c.status, state.clock.now());
    c.appeal(caller.account.id, side, statement.clone(), now).map_err(|e| {
        let status = if e.code() == "not_liable" { StatusCode::FORBIDDEN } else { StatusCode::CONFLICT };
        ApiError::new(status, e.code(), e.to_string())
    })?;
    save(&state, &caller, &c, from, "complaint.appealed", json!({"statement": statement, "side": side}), &[]).await?;
    Ok(Json(view(c, now)))
}

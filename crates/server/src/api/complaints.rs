//! Complaints over HTTP (Order 117 Art. 20; CPL Art. 44, 55; Food Safety Law Art. 148): a buyer
//! files about their order, the seller responds, an operator reviews and adjudicates with a
//! liability split, and an upheld complaint is paid at once from the guarantee pool and recovered
//! from the liable parties' deposits — what a deposit cannot cover becomes a receivable — all in
//! the transaction that records the decision.
//!
//! Choices where the issue is silent: one complaint per order; the buyer may appeal a rejection
//! once (a seller's appeal of an upheld decision is not built yet); compensation paid to a
//! consumer is final.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use clearcast_domain::account::Role;
use clearcast_domain::complaint::{
    abuse_flags, compensation, Appeal, Complaint, ComplaintCategory, ComplaintId, ComplaintStatus, Decision, Liability,
};
use clearcast_domain::ledger::{AccountCode, AccountKind, Transfer, TransferKind};
use clearcast_domain::order::OrderStatus;
use clearcast_domain::party::{PartyId, PartyKind};
use clearcast_store::{ComplaintFilter, PageRequest};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::api::entry_by;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, ApiJson, ApiQuery};
use crate::state::AppState;
use crate::views::List;

/// A complaint as filed.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplaintInput {
    /// The order (`ord_…`).
    pub order_id: String,
    /// What it is about.
    pub category: ComplaintCategory,
    /// In the buyer's words, 1-2000 characters.
    pub description: String,
    /// Transcript segment ids, record ids, photo URLs (up to 20, each up to 500 characters).
    #[serde(default)]
    pub evidence: Vec<String>,
}

/// A complaint with its clocks now.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ComplaintView {
    /// The complaint.
    #[serde(flatten)]
    pub complaint: Complaint,
    /// Steps past their clock now (`merchant_response`, `platform_decision`).
    pub overdue: Vec<&'static str>,
}

fn view(c: Complaint, now: DateTime<Utc>) -> ComplaintView {
    let overdue = c.overdue(now);
    ComplaintView { complaint: c, overdue }
}

fn text(field: &str, s: &str, max: usize) -> ApiResult<String> {
    let t = s.trim();
    if t.is_empty() {
        return Err(ApiError::invalid(field, "required", "must not be empty"));
    }
    if t.chars().count() > max || t.chars().any(|c| c.is_control() && c != '\n') {
        return Err(ApiError::invalid(field, "invalid", format!("1-{max} characters, no control characters")));
    }
    Ok(t.to_string())
}

/// An evidence item: an `https://` or `http://` URL (a photo), or an id (a transcript segment id,
/// a record id) of letters, digits and `-_:.#`. Anything else — `javascript:` and other schemes,
/// spaces, markup — is refused, so a page showing the evidence can link it safely.
fn evidence_item(field: &str, e: &str) -> ApiResult<String> {
    let e = text(field, e, 500)?;
    let url = (e.starts_with("https://") || e.starts_with("http://"))
        && !e.chars().any(|c| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'' | '`'));
    let id = e.chars().all(|c| c.is_ascii_alphanumeric() || "-_:.#".contains(c));
    if url || id {
        Ok(e)
    } else {
        Err(ApiError::invalid(field, "invalid", "an http(s) URL or an id (letters, digits, - _ : . #)"))
    }
}

async fn all_of(state: &AppState, f: &ComplaintFilter) -> ApiResult<Vec<Complaint>> {
    let mut out = Vec::new();
    let mut page = PageRequest { after: None, limit: 200 };
    loop {
        let p = state.store.list_complaints(f, &page).await?;
        out.extend(p.items);
        match p.next_cursor {
            Some(c) => page.after = Some(c),
            None => return Ok(out),
        }
    }
}

/// File a complaint about one of your orders (consumers).
#[utoipa::path(post, path = "/api/v1/complaints", tag = "complaints", request_body = ComplaintInput, security(("bearer" = [])),
    responses((status = 201, body = ComplaintView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn file(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<ComplaintInput>,
) -> ApiResult<(StatusCode, Json<ComplaintView>)> {
    caller.require(&[Role::Consumer], "file complaints")?;
    let description = text("description", &input.description, 2000)?;
    if input.evidence.len() > 20 {
        return Err(ApiError::invalid("evidence", "too_many", "at most 20 items"));
    }
    let evidence = input
        .evidence
        .iter()
        .enumerate()
        .map(|(i, e)| evidence_item(&format!("evidence[{i}]"), e))
        .collect::<ApiResult<Vec<_>>>()?;
    let oid = parse_id("order_id", &input.order_id)?;
    let order = state.store.get_order(oid).await?.filter(|o| o.consumer == caller.account.id);
    let Some(order) = order else { return Err(ApiError::not_found("order")) };
    if matches!(order.status, OrderStatus::Placed | OrderStatus::Cancelled) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "order_not_paid",
            format!("the order is {}; complaints are about paid orders", order.status.as_str()),
        ));
    }
    let mine = all_of(&state, &ComplaintFilter { consumer: Some(caller.account.id), ..Default::default() }).await?;
    if input.category == ComplaintCategory::FoodSafety {
        let food = ["food", "health_food", "baby"];
        if !food.contains(&order.snapshot.category.as_str()) {
            return Err(ApiError::invalid(
                "category",
                "not_food",
                format!(
                    "food_safety is for food, health food and baby food (Food Safety Law); this order is {}",
                    order.snapshot.category
                ),
            ));
        }
    }
    if let Some(c) = mine.iter().find(|c| c.order == order.id) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "complaint_exists",
            format!("this order already has complaint {}; add to it by appeal if it is rejected", c.id),
        ));
    }
    let now = state.clock.now();
    let policy = &state.policy.complaints;
    let (respond_by, decide_by) = Complaint::clocks(now, policy);
    let room = match order.show {
        Some(s) => state.store.get_show(s).await?.map(|s| s.room_operator),
        None => None,
    };
    let c = Complaint {
        id: ComplaintId::generate(),
        order: order.id,
        consumer: caller.account.id,
        merchant: order.merchant,
        product: order.product,
        show: order.show,
        room_operator: room,
        anchors: order.anchors.clone(),
        category: input.category,
        description,
        evidence,
        price: order.total,
        status: ComplaintStatus::Filed,
        filed_at: now,
        respond_by,
        decide_by,
        response: None,
        decision: None,
        appeal: None,
        abuse_flags: abuse_flags(&mine, order.merchant, now, policy),
        transfers: vec![],
        recovered: 0,
    };
    let record = entry_by(
        &caller,
        now,
        "complaint.filed",
        c.id,
        json!({"order": c.order, "category": c.category, "respond_by": respond_by, "decide_by": decide_by, "abuse_flags": c.abuse_flags}),
    );
    state.store.insert_complaint(&c, record).await.map_err(|e| match e {
        clearcast_store::StoreError::Conflict { code, message } => ApiError::new(StatusCode::CONFLICT, code, message),
        other => other.into(),
    })?;
    Ok((StatusCode::CREATED, Json(view(c, now))))
}

/// Which complaints a caller may see.
async fn scope(state: &AppState, caller: &Caller) -> ApiResult<ComplaintFilter> {
    Ok(match caller.role() {
        Role::Operator | Role::Regulator => ComplaintFilter::default(),
        Role::Consumer => ComplaintFilter { consumer: Some(caller.account.id), ..Default::default() },
        Role::Merchant => match state.store.party_of_owner(PartyKind::Merchant, caller.account.id).await? {
            Some(p) => match p.id {
                PartyId::Merchant(m) => ComplaintFilter { merchant: Some(m), ..Default::default() },
                _ => return Err(ApiError::internal("merchant id of another kind")),
            },
            None => return Err(ApiError::forbidden("register your shop first")),
        },
        Role::RoomOperator => match state.store.party_of_owner(PartyKind::RoomOperator, caller.account.id).await? {
            Some(p) => match p.id {
                PartyId::RoomOperator(r) => ComplaintFilter { room_operator: Some(r), ..Default::default() },
                _ => return Err(ApiError::internal("room operator id of another kind")),
            },
            None => return Err(ApiError::forbidden("register your room first")),
        },
        _ => return Err(ApiError::forbidden(
            "complaints are read by their buyer, their seller, the room they were sold in, operators and regulators",
        )),
    })
}

/// Complaint list query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ComplaintQuery {
    /// Only this state.
    pub status: Option<ComplaintStatus>,
    /// Only complaints with a step past its clock.
    pub overdue: Option<bool>,
    /// Only complaints flagged for possible abuse.
    pub flagged: Option<bool>,
}

/// Complaints (each party its own; operators and regulators all), with overdue steps.
#[utoipa::path(get, path = "/api/v1/complaints", tag = "complaints", params(ComplaintQuery), security(("bearer" = [])),
    responses((status = 200, body = List<ComplaintView>), (status = 403, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ComplaintQuery>,
) -> ApiResult<Json<List<ComplaintView>>> {
    let mut f = scope(&state, &caller).await?;
    f.status = q.status;
    let now = state.clock.now();
    let items = all_of(&state, &f)
        .await?
        .into_iter()
        .filter(|c| f.room_operator.is_none_or(|r| c.room_operator == Some(r)))
        .map(|c| view(c, now))
        .filter(|v| q.overdue != Some(true) || !v.overdue.is_empty())
        .filter(|v| q.flagged != Some(true) || !v.complaint.abuse_flags.is_empty())
        .collect();
    Ok(Json(List { items, next_cursor: None }))
}

async fn load(state: &AppState, caller: &Caller, id: &str) -> ApiResult<Complaint> {
    let cid: ComplaintId = parse_id("id", id)?;
    let c = state.store.get_complaint(cid).await?.ok_or_else(|| ApiError::not_found("complaint"))?;
    let f = scope(state, caller).await?;
    let visible = f.consumer.is_none_or(|x| x == c.consumer)
        && f.merchant.is_none_or(|m| m == c.merchant)
        && f.room_operator.is_none_or(|r| c.room_operator == Some(r));
    if visible {
        Ok(c)
    } else {
        Err(ApiError::not_found("complaint"))
    }
}

/// One complaint.
#[utoipa::path(get, path = "/api/v1/complaints/{id}", tag = "complaints", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = ComplaintView), (status = 404, body = crate::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ComplaintView>> {
    let c = load(&state, &caller, &id).await?;
    Ok(Json(view(c, state.clock.now())))
}

async fn save(
    state: &AppState,
    caller: &Caller,
    c: &Complaint,
    from: ComplaintStatus,
    action: &str,
    detail: serde_json::Value,
    money: &[Vec<Transfer>],
) -> ApiResult<()> {
    let record = entry_by(caller, state.clock.now(), action, c.id, detail);
    state.store.save_complaint(c, from, record, money).await.map_err(|e| match e {
        clearcast_store::StoreError::Conflict { code, message } => ApiError::new(StatusCode::CONFLICT, code, message),
        other => other.into(),
    })
}

fn state_err(e: clearcast_domain::complaint::ComplaintStateError) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, "invalid_complaint_state", e.to_string())
}

/// A text.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextInput {
    /// 1-2000 characters.
    pub text: String,
}

/// The seller responds (within `response_hours`).
#[utoipa::path(post, path = "/api/v1/complaints/{id}/response", tag = "complaints", params(("id" = String, Path)), request_body = TextInput,
    security(("bearer" = [])), responses((status = 200, body = ComplaintView), (status = 403, body = crate::error::Problem),
    (status = 409, body = crate::error::Problem)))]
pub async fn respond(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<TextInput>,
) -> ApiResult<Json<ComplaintView>> {
    caller.require(&[Role::Merchant], "respond to complaints (the seller)")?;
    let mut c = load(&state, &caller, &id).await?;
    let t = text("text", &input.text, 2000)?;
    let (from, now) = (c.status, state.clock.now());
    c.respond(t, now).map_err(state_err)?;
    save(&state, &caller, &c, from, "complaint.responded", json!({"late": now > c.respond_by}), &[]).await?;
    Ok(Json(view(c, now)))
}

/// An operator takes the complaint for review.
#[utoipa::path(post, path = "/api/v1/complaints/{id}/review", tag = "complaints", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = ComplaintView), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn review(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ComplaintView>> {
    caller.require(&[Role::Operator], "review complaints")?;
    let mut c = load(&state, &caller, &id).await?;
    let (from, now) = (c.status, state.clock.now());
    c.review(now).map_err(state_err)?;
    save(&state, &caller, &c, from, "complaint.under_review", json!({"merchant_responded": c.response.is_some()}), &[])
        .await?;
    Ok(Json(view(c, now)))
}

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

/// The money of an upheld complaint, from the deposits' balances now (the rule is the domain's).
async fn money(
    state: &AppState,
    c: &Complaint,
    total: i64,
    l: &Liability,
    now: DateTime<Utc>,
) -> ApiResult<Vec<Vec<Transfer>>> {
    let md = state.store.ledger_balance(&AccountCode::merchant(AccountKind::MerchantDeposit, c.merchant)).await?;
    let rd = match c.room_operator {
        Some(r) => state.store.ledger_balance(&AccountCode::room(AccountKind::RoomOperatorDeposit, r)).await?,
        None => 0,
    };
    let round = if c.appeal.is_some() { 2 } else { 1 };
    Ok(clearcast_domain::ledger::flows::complaint_flows(c, total, l, md, rd, round, now))
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
    let liability = match (input.upheld, input.liability) {
        (true, None) => {
            return Err(ApiError::invalid("liability", "required", "an upheld complaint names who is liable"))
        }
        (true, Some(l)) if !l.is_whole() => {
            return Err(ApiError::invalid(
                "liability",
                "not_whole",
                "merchant_bps + room_operator_bps + platform_bps must be 10000",
            ))
        }
        (false, Some(_)) => {
            return Err(ApiError::invalid("liability", "not_allowed", "a rejected complaint has no liability"))
        }
        (_, l) => l,
    };
    let mut order =
        state.store.get_order(c.order).await?.ok_or_else(|| ApiError::internal("a complaint's order vanished"))?;
    if input.upheld && !matches!(order.status, OrderStatus::Refunded | OrderStatus::Cancelled) {
        // The price goes back with the order itself (out of escrow, or back from the parties the
        // sale was settled to), so the order can never be refunded, cancelled or settled again.
        let from = order.status;
        order
            .refund_on_complaint(now)
            .map_err(|e| ApiError::new(StatusCode::CONFLICT, "invalid_order_state", e.to_string()))?;
        let money = crate::api::orders::money_for(&state, &order, from).await?;
        let record =
            entry_by(&caller, now, "order.refunded_on_complaint", order.id, json!({"complaint": c.id, "from": from}));
        state.store.save_order(&order, from, false, record, &money).await.map_err(|e| match e {
            clearcast_store::StoreError::Conflict { code, message } => {
                ApiError::new(StatusCode::CONFLICT, code, message)
            }
            other => other.into(),
        })?;
    }
    let refunded = matches!(order.status, OrderStatus::Refunded | OrderStatus::Cancelled);
    let comp = input.upheld.then(|| compensation(c.category, c.price, refunded));
    // The recovery plan reads the deposits' balances; another decision against the same party may
    // spend them between the read and the write, and the ledger then refuses the plan whole. The
    // decision is planned again on fresh balances (a few times; each try is all or nothing).
    let mut tries = 0;
    let c = loop {
        let money = match (&comp, &liability) {
            (Some(k), Some(l)) if k.total > 0 => money(&state, &c, k.total, l, now).await?,
            _ => vec![],
        };
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
        if input.upheld {
            let ids: Vec<String> = money.iter().flatten().map(|t| t.id.to_string()).collect();
            d.recovered =
                money.iter().flatten().filter(|t| t.kind == TransferKind::Recovery).map(|t| t.amount).sum::<i64>();
            d.compensated(ids).map_err(state_err)?;
        }
        let detail = json!({"upheld": input.upheld, "reason": reason, "liability": liability, "compensation": comp,
                            "transfers": d.transfers});
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
    if c.status == ComplaintStatus::Compensated {
        crate::quality::on_complaint(&state, &c);
    }
    Ok(Json(view(c, now)))
}

/// An appeal.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealInput {
    /// Why, 1-2000 characters.
    pub statement: String,
}

/// Appeal a rejection once (the buyer): the complaint goes back under review.
#[utoipa::path(post, path = "/api/v1/complaints/{id}/appeal", tag = "complaints", params(("id" = String, Path)), request_body = AppealInput,
    security(("bearer" = [])), responses((status = 200, body = ComplaintView), (status = 403, body = crate::error::Problem),
    (status = 409, body = crate::error::Problem)))]
pub async fn appeal(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<AppealInput>,
) -> ApiResult<Json<ComplaintView>> {
    caller.require(&[Role::Consumer], "appeal a complaint's rejection (the buyer)")?;
    let statement = text("statement", &input.statement, 2000)?;
    let mut c = load(&state, &caller, &id).await?;
    let (from, now) = (c.status, state.clock.now());
    if c.appeal.is_some() {
        return Err(ApiError::new(StatusCode::CONFLICT, "already_appealed", "a complaint is appealed once"));
    }
    if from != ComplaintStatus::Rejected {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "invalid_complaint_state",
            format!("the complaint is {}; the buyer appeals a rejection", from.as_str()),
        ));
    }
    c.appeal(Appeal { by: caller.account.id, statement: statement.clone(), at: now }).map_err(state_err)?;
    save(&state, &caller, &c, from, "complaint.appealed", json!({"statement": statement}), &[]).await?;
    Ok(Json(view(c, now)))
}

/// Report query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// First day (China time, `YYYY-MM-DD`), inclusive.
    pub from: Option<chrono::NaiveDate>,
    /// Last day, inclusive.
    pub to: Option<chrono::NaiveDate>,
    /// `month` (default), `category`, `anchor` or `merchant`.
    pub group_by: Option<String>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

/// One group of complaints.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReportRow {
    /// The month (`2026-12`), category, anchor or merchant id.
    pub key: String,
    /// Complaints filed.
    pub filed: u64,
    /// Decided (upheld or rejected).
    pub decided: u64,
    /// Upheld.
    pub upheld: u64,
    /// upheld / decided (none before a decision).
    pub upheld_rate: Option<f64>,
    /// Median hours from filing to the (latest) decision.
    pub median_hours_to_decision: Option<f64>,
    /// Compensation paid to consumers, fen.
    pub compensation_paid: i64,
    /// Recovered from liable parties' deposits, fen.
    pub recovered: i64,
    /// recovered / compensation paid.
    pub recovered_share: Option<f64>,
}

/// Complaint figures for regulators.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ComplaintReport {
    /// The grouping.
    pub group_by: String,
    /// From (inclusive).
    pub from: Option<chrono::NaiveDate>,
    /// To (inclusive).
    pub to: Option<chrono::NaiveDate>,
    /// The groups.
    pub rows: Vec<ReportRow>,
}

/// Complaints by month, category, anchor or merchant: counts, upheld rate, median time to
/// decision, compensation paid and the share recovered (operators and regulators; JSON or CSV).
#[utoipa::path(get, path = "/api/v1/reports/complaints", tag = "regulator", params(ReportQuery), security(("bearer" = [])),
    responses((status = 200, body = ComplaintReport), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn report(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    caller.require(&[Role::Operator, Role::Regulator], "read complaint reports")?;
    let group_by = q.group_by.clone().unwrap_or_else(|| "month".into());
    if !["month", "category", "anchor", "merchant"].contains(&group_by.as_str()) {
        return Err(ApiError::invalid("group_by", "unknown_value", "month, category, anchor or merchant"));
    }
    let format = q.format.clone().unwrap_or_else(|| "json".into());
    if !["json", "csv"].contains(&format.as_str()) {
        return Err(ApiError::invalid("format", "unknown_value", "json or csv"));
    }
    if let (Some(f), Some(t)) = (q.from, q.to) {
        if f > t {
            return Err(ApiError::invalid("from", "after_to", "from must not be after to"));
        }
    }
    let all = all_of(&state, &ComplaintFilter::default()).await?;
    let mut groups: std::collections::BTreeMap<String, Vec<&Complaint>> = std::collections::BTreeMap::new();
    for c in &all {
        let day = clearcast_domain::dates::china_date(c.filed_at);
        if q.from.is_some_and(|f| day < f) || q.to.is_some_and(|t| day > t) {
            continue;
        }
        let keys: Vec<String> = match group_by.as_str() {
            "month" => vec![day.format("%Y-%m").to_string()],
            "category" => vec![c.category.as_str().to_string()],
            "merchant" => vec![c.merchant.to_string()],
            _ if c.anchors.is_empty() => vec!["none".into()],
            _ => c.anchors.iter().map(|a| a.to_string()).collect(),
        };
        for k in keys {
            groups.entry(k).or_default().push(c);
        }
    }
    let rows: Vec<ReportRow> = groups
        .into_iter()
        .map(|(key, cs)| {
            let decided: Vec<&&Complaint> = cs.iter().filter(|c| c.decision.is_some()).collect();
            let upheld = decided.iter().filter(|c| c.decision.as_ref().is_some_and(|d| d.upheld)).count() as u64;
            let mut hours: Vec<f64> = decided
                .iter()
                .filter_map(|c| c.decision.as_ref().map(|d| (d.at - c.filed_at).num_seconds() as f64 / 3600.0))
                .collect();
            hours.sort_by(|a, b| a.total_cmp(b));
            let median = (!hours.is_empty()).then(|| {
                let n = hours.len();
                if n % 2 == 1 {
                    hours[n / 2]
                } else {
                    (hours[n / 2 - 1] + hours[n / 2]) / 2.0
                }
            });
            let paid: i64 = cs
                .iter()
                .filter(|c| c.status == ComplaintStatus::Compensated)
                .filter_map(|c| c.decision.as_ref().and_then(|d| d.compensation.as_ref()).map(|k| k.total))
                .sum();
            let recovered: i64 = cs.iter().map(|c| c.recovered).sum();
            ReportRow {
                key,
                filed: cs.len() as u64,
                decided: decided.len() as u64,
                upheld,
                upheld_rate: (!decided.is_empty()).then(|| upheld as f64 / decided.len() as f64),
                median_hours_to_decision: median,
                compensation_paid: paid,
                recovered,
                recovered_share: (paid > 0).then(|| recovered as f64 / paid as f64),
            }
        })
        .collect();
    if format == "csv" {
        let mut out = String::from("key,filed,decided,upheld,upheld_rate,median_hours_to_decision,compensation_paid,recovered,recovered_share\n");
        let f = |x: Option<f64>| x.map(|v| format!("{v:.4}")).unwrap_or_default();
        for r in &rows {
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{}\n",
                r.key,
                r.filed,
                r.decided,
                r.upheld,
                f(r.upheld_rate),
                f(r.median_hours_to_decision),
                r.compensation_paid,
                r.recovered,
                f(r.recovered_share)
            ));
        }
        return Ok(([(axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8")], out).into_response());
    }
    Ok(Json(ComplaintReport { group_by, from: q.from, to: q.to, rows }).into_response())
}

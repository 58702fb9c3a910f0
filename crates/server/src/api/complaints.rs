//! Complaints over HTTP (Order 117 Art. 20; CPL Art. 44, 55; Food Safety Law Art. 148): a buyer
//! files about their order, the seller responds, an operator reviews and adjudicates with a
//! liability split, and an upheld complaint is paid at once from the guarantee pool and recovered
//! from the liable parties' deposits — what a deposit cannot cover becomes a receivable — all in
//! the transaction that records the decision.
//!
//! A complaint is about an order, or about a show the consumer watched (naming the lineup item it
//! concerns: the seller of those goods answers it). Decisions and appeals are in `decisions.rs`,
//! the regulators' figures in `reports.rs`.
//!
//! Choices where the issue is silent: one complaint per order, and one per consumer and show
//! without an order; compensation paid to a consumer is final.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use clearcast_domain::account::Role;
use clearcast_domain::complaint::{abuse_flags, Complaint, ComplaintCategory, ComplaintId, ComplaintStatus};
use clearcast_domain::ids::{AnchorId, MerchantId, OrderId, ProductId, RoomOperatorId, ShowId};
use clearcast_domain::ledger::Transfer;
use clearcast_domain::money::Money;
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

/// A complaint as filed: about an order, or about a show (with the lineup item it concerns).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplaintInput {
    /// The order (`ord_…`); or leave it out and name `show_id` and `product_id`.
    #[serde(default)]
    pub order_id: Option<String>,
    /// A show the consumer watched (`sho_…`), for a complaint without an order.
    #[serde(default)]
    pub show_id: Option<String>,
    /// The lineup item's product (`prd_…`) the show complaint concerns.
    #[serde(default)]
    pub product_id: Option<String>,
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

pub(crate) fn view(c: Complaint, now: DateTime<Utc>) -> ComplaintView {
    let overdue = c.overdue(now);
    ComplaintView { complaint: c, overdue }
}

pub(crate) fn text(field: &str, s: &str, max: usize) -> ApiResult<String> {
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
    let host = e
        .strip_prefix("https://")
        .or_else(|| e.strip_prefix("http://"))
        .and_then(|rest| rest.split(['/', '?', '#']).next());
    let url = host.is_some_and(|h| !h.is_empty())
        && !e.chars().any(|c| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'' | '`'));
    let id = e.chars().all(|c| c.is_ascii_alphanumeric() || "-_:.#".contains(c));
    if url || id {
        Ok(e)
    } else {
        Err(ApiError::invalid(field, "invalid", "an http(s) URL or an id (letters, digits, - _ : . #)"))
    }
}

pub(crate) async fn all_of(state: &AppState, f: &ComplaintFilter) -> ApiResult<Vec<Complaint>> {
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

/// What a complaint is about, resolved from the input.
struct Subject {
    order: Option<OrderId>,
    show: Option<ShowId>,
    merchant: MerchantId,
    product: ProductId,
    room_operator: Option<RoomOperatorId>,
    anchors: Vec<AnchorId>,
    price: Money,
    category: String,
}

/// One of the caller's paid orders.
async fn order_subject(state: &AppState, caller: &Caller, order_id: &str) -> ApiResult<Subject> {
    let oid = parse_id("order_id", order_id)?;
    let order = state.store.get_order(oid).await?.filter(|o| o.consumer == caller.account.id);
    let Some(order) = order else { return Err(ApiError::not_found("order")) };
    if !order.may_be_complained_about() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "order_not_paid",
            format!("the order is {}; complaints are about paid orders", order.status.as_str()),
        ));
    }
    let room = match order.show {
        Some(s) => state.store.get_show(s).await?.map(|s| s.room_operator),
        None => None,
    };
    Ok(Subject {
        order: Some(order.id),
        show: order.show,
        merchant: order.merchant,
        product: order.product,
        room_operator: room,
        anchors: order.anchors.clone(),
        price: order.total,
        category: order.snapshot.category.clone(),
    })
}

/// A show that has gone on air, and one of its lineup items.
async fn show_subject(state: &AppState, show_id: &str, product_id: Option<&str>) -> ApiResult<Subject> {
    let sid: ShowId = parse_id("show_id", show_id)?;
    let show = state.store.get_show(sid).await?.ok_or_else(|| ApiError::not_found("show"))?;
    if show.started_at.is_none() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "show_not_started",
            "a complaint about a show is about what it showed or said; this show has not gone on air",
        ));
    }
    let Some(pid) = product_id else {
        return Err(ApiError::invalid(
            "product_id",
            "required",
            "name the lineup item's product the complaint is about",
        ));
    };
    let pid: ProductId = parse_id("product_id", pid)?;
    if !state.store.lineup_list(sid).await?.iter().any(|i| i.product == pid) {
        return Err(ApiError::invalid("product_id", "not_in_lineup", "the product is not in this show's lineup"));
    }
    let product = state.store.get_product(pid).await?.ok_or_else(|| ApiError::not_found("product"))?;
    Ok(Subject {
        order: None,
        show: Some(sid),
        merchant: product.seller,
        product: pid,
        room_operator: Some(show.room_operator),
        anchors: show.roster.clone(),
        price: Money::zero(product.price.currency),
        category: product.category.as_str().to_string(),
    })
}

/// File a complaint about one of your orders, or about a show you watched (consumers).
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
    let subject = match (&input.order_id, &input.show_id) {
        (Some(o), None) => {
            if input.product_id.is_some() {
                return Err(ApiError::invalid("product_id", "not_allowed", "an order names its product already"));
            }
            order_subject(&state, &caller, o).await?
        }
        (None, Some(s)) => show_subject(&state, s, input.product_id.as_deref()).await?,
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "show_id",
                "not_allowed",
                "a complaint is about an order or a show, not both",
            ))
        }
        (None, None) => {
            return Err(ApiError::invalid("order_id", "required", "name the order, or the show_id and product_id"))
        }
    };
    if input.category == ComplaintCategory::FoodSafety
        && !["food", "health_food", "baby"].contains(&subject.category.as_str())
    {
        return Err(ApiError::invalid(
            "category",
            "not_food",
            format!(
                "food_safety is for food, health food and baby food (Food Safety Law); this product is {}",
                subject.category
            ),
        ));
    }
    let mine = all_of(&state, &ComplaintFilter { consumer: Some(caller.account.id), ..Default::default() }).await?;
    let same = |c: &&Complaint| match subject.order {
        Some(o) => c.order == Some(o),
        None => c.order.is_none() && c.show == subject.show,
    };
    if let Some(c) = mine.iter().find(same) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "complaint_exists",
            format!("you already have complaint {} about this; add to it by appeal if it is rejected", c.id),
        ));
    }
    let now = state.clock.now();
    let policy = &state.policy.complaints;
    let (respond_by, decide_by) = Complaint::clocks(now, policy);
    let c = Complaint {
        id: ComplaintId::generate(),
        order: subject.order,
        consumer: caller.account.id,
        merchant: subject.merchant,
        product: subject.product,
        show: subject.show,
        room_operator: subject.room_operator,
        anchors: subject.anchors,
        category: input.category,
        description,
        evidence,
        price: subject.price,
        status: ComplaintStatus::Filed,
        filed_at: now,
        respond_by,
        decide_by,
        response: None,
        decision: None,
        appeal: None,
        abuse_flags: abuse_flags(&mine, subject.merchant, now, policy),
        transfers: vec![],
        recovered: 0,
        paid: 0,
    };
    let record = entry_by(
        &caller,
        now,
        "complaint.filed",
        c.id,
        json!({"order": c.order, "show": c.show, "product": c.product, "category": c.category,
               "respond_by": respond_by, "decide_by": decide_by, "abuse_flags": c.abuse_flags}),
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
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1-200 (default 50).
    pub limit: Option<u32>,
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
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::invalid("limit", "out_of_range", "limit is 1-200"));
    }
    let after: Option<ComplaintId> = q.cursor.as_deref().map(|c| parse_id("cursor", c)).transpose()?;
    let now = state.clock.now();
    let mut items: Vec<ComplaintView> = all_of(&state, &f)
        .await?
        .into_iter()
        .filter(|c| f.room_operator.is_none_or(|r| c.room_operator == Some(r)))
        .filter(|c| after.is_none_or(|a| c.id.to_string() > a.to_string()))
        .map(|c| view(c, now))
        .filter(|v| q.overdue != Some(true) || !v.overdue.is_empty())
        .filter(|v| q.flagged != Some(true) || !v.complaint.abuse_flags.is_empty())
        .take(limit as usize + 1)
        .collect();
    let more = items.len() > limit as usize;
    items.truncate(limit as usize);
    let next_cursor = if more { items.last().map(|v| v.complaint.id.to_string()) } else { None };
    Ok(Json(List { items, next_cursor }))
}

pub(crate) async fn load(state: &AppState, caller: &Caller, id: &str) -> ApiResult<Complaint> {
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

pub(crate) async fn save(
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

pub(crate) fn state_err(e: clearcast_domain::complaint::ComplaintStateError) -> ApiError {
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

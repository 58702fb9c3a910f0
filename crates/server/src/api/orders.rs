//! Orders: placing (through the checkout engine), paying, shipping, delivering, confirming and
//! cancelling, each by the party the law and common sense give it to, and the consumer's dispute
//! packet (Order 117 Art. 18).
//!
//! Placing re-runs the gate now (a product whose qualification expired mid-show is refused with
//! the reason), prices from the show's lineup, applies the per-buyer limit, and stores an
//! immutable order-time snapshot of the product page and the disclosure card (Art. 16).

use async_trait::async_trait;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use clearcast_domain::account::Role;
use clearcast_domain::disclosure::{self, PartyCard};
use clearcast_domain::ids::{AnchorId, OrderId, ProductId, ShowId, VariantId};
use clearcast_domain::order::{Order, OrderInput, OrderSnapshot, OrderStatus, Shipment, MAX_QUANTITY};
use clearcast_domain::party::{PartyId, PartyKind};
use clearcast_domain::show::ShowStatus;
use clearcast_domain::text::Label;
use clearcast_store::{OrderFilter, PlaceOutcome, PlaceRequest};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::api::{eligibility, entry_by, products, shows};
use crate::auth::Caller;
use crate::cache::OrderContext;
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, ApiJson, ApiQuery, PageQuery};
use crate::state::AppState;
use crate::views::List;

/// A payment provider. clearcast ships a simulated one; a real deployment plugs in its own.
#[async_trait]
pub trait PaymentGateway: Send + Sync {
    /// Charges an order; returns the provider's reference.
    async fn charge(&self, order: &Order) -> Result<String, String>;
}

/// Accepts every payment (demo and tests).
pub struct SimulatedPayments;

#[async_trait]
impl PaymentGateway for SimulatedPayments {
    async fn charge(&self, order: &Order) -> Result<String, String> {
        Ok(format!("sim_{}", order.id.uuid().simple()))
    }
}

fn idempotency_key(headers: &HeaderMap) -> ApiResult<Option<String>> {
    let Some(v) = headers.get("idempotency-key") else { return Ok(None) };
    let k = v
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 128 && k.chars().all(|c| c.is_ascii_graphic()));
    k.map(|k| Some(k.to_string())).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_idempotency_key",
            "Idempotency-Key must be 1-128 visible ASCII characters",
        )
        .field("Idempotency-Key", "invalid", "1-128 visible ASCII characters")
    })
}

async fn load_product(state: &AppState, pid: ProductId) -> ApiResult<clearcast_domain::product::Product> {
    state
        .store
        .get_product(pid)
        .await?
        .ok_or_else(|| ApiError::invalid("product_id", "unknown_product", format!("no product {pid}")))
}

/// Ordering outside a show: the product-side threshold, judged now.
async fn plain_context(state: &AppState, pid: ProductId) -> ApiResult<std::sync::Arc<OrderContext>> {
    let product = load_product(state, pid).await?;
    let v = eligibility::judge(state, product.id, None, None).await?;
    if !v.eligible {
        let unmet = clearcast_domain::gate::combine(&[(product.id, AnchorId::from_uuid(uuid::Uuid::nil()), v)])
            .into_iter()
            .map(|mut u| {
                u.anchor_ids.clear();
                u
            })
            .collect();
        return Err(ApiError::not_eligible("order this product now", unmet));
    }
    let (seller, goods_owner) = products::parties_of(state, &product).await?;
    Ok(std::sync::Arc::new(OrderContext {
        seller: disclosure::party_card(&seller),
        goods_owner: disclosure::party_card(&goods_owner),
        product,
        show: None,
        item: None,
        anchors: Vec::new(),
        card: None,
    }))
}

/// Ordering in a show: live, on the lineup, through the gate with every roster anchor.
async fn show_context(
    state: &AppState,
    show_id: &str,
    pid: ProductId,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<std::sync::Arc<OrderContext>> {
    let sid: ShowId = show_id
        .parse()
        .map_err(|e: clearcast_domain::ids::IdError| ApiError::invalid("show_id", e.code(), e.to_string()))?;
    if let Some(ctx) = state.caches.order_context.get(&(sid, pid), now) {
        return Ok(ctx);
    }
    let show = state
        .store
        .get_show(sid)
        .await?
        .ok_or_else(|| ApiError::invalid("show_id", "unknown_show", format!("no show {sid}")))?;
    if show.status != ShowStatus::Live {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "show_not_live",
            format!("the show is {}; it sells only while live", show.status.as_str()),
        )
        .field("show_id", "show_not_live", "the show is not live"));
    }
    let product = load_product(state, pid).await?;
    let lineup = state.store.lineup_list(show.id).await?;
    let item = lineup
        .into_iter()
        .find(|i| i.product == product.id)
        .ok_or_else(|| ApiError::invalid("product_id", "not_in_lineup", "this product is not on the show's lineup"))?;
    let unmet = shows::gate(state, &show, &[product.id]).await?;
    if !unmet.is_empty() {
        return Err(ApiError::not_eligible("order this product now", unmet));
    }
    let (seller, goods_owner) = products::parties_of(state, &product).await?;
    let room = state
        .store
        .get_party(PartyId::RoomOperator(show.room_operator))
        .await?
        .ok_or_else(|| ApiError::internal("show without room"))?;
    let card = disclosure::card(&seller, &goods_owner, &room, item.anchor_role, show.ai_presenter);
    let ctx = std::sync::Arc::new(OrderContext {
        seller: disclosure::party_card(&seller),
        goods_owner: disclosure::party_card(&goods_owner),
        product,
        show: Some(show.id),
        item: Some(item),
        anchors: show.roster.clone(),
        card: Some(card),
    });
    state.caches.order_context.put((sid, pid), ctx.clone(), now);
    Ok(ctx)
}

/// Place an order (consumers). `Idempotency-Key` makes retries safe: the same key returns the same
/// order (200), never a second one. Sold out is 409 `sold_out`; over the per-buyer limit 422
/// `purchase_limit_exceeded`; a full engine 503 `checkout_busy` with `Retry-After`.
#[utoipa::path(post, path = "/api/v1/orders", tag = "orders", request_body = OrderInput, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "makes retries return the same order")),
    responses((status = 201, body = Order), (status = 200, description = "a retry: the order this key created", body = Order),
              (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem), (status = 503, body = crate::error::Problem)))]
pub async fn place(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(input): ApiJson<OrderInput>,
) -> ApiResult<Response> {
    caller.require(&[Role::Consumer], "place orders")?;
    let key = idempotency_key(&headers)?;
    if input.quantity == 0 || input.quantity > MAX_QUANTITY {
        return Err(ApiError::invalid("quantity", "out_of_range", format!("quantity is 1-{MAX_QUANTITY}")));
    }
    input.shipping.validate()?;
    let pid: ProductId = input
        .product_id
        .parse()
        .map_err(|e: clearcast_domain::ids::IdError| ApiError::invalid("product_id", e.code(), e.to_string()))?;
    let now = state.clock.now();
    let ctx = match &input.show_id {
        Some(s) => show_context(&state, s, pid, now).await?,
        None => plain_context(&state, pid).await?,
    };
    let product = &ctx.product;
    let variant = match &input.variant_id {
        Some(v) => {
            let vid: VariantId = v.parse().map_err(|e: clearcast_domain::ids::IdError| {
                ApiError::invalid("variant_id", e.code(), e.to_string())
            })?;
            product
                .variants
                .iter()
                .find(|x| x.id == vid)
                .ok_or_else(|| ApiError::invalid("variant_id", "unknown_variant", "not a variant of this product"))?
        }
        None if product.variants.len() == 1 => &product.variants[0],
        None => return Err(ApiError::invalid("variant_id", "required", "this product has several variants; name one")),
    };
    let item = ctx.item.clone();
    let (show, anchors, show_card) = (ctx.show, ctx.anchors.clone(), ctx.card.clone());
    // A variant priced apart from the product keeps its own price outside shows; in a show the
    // lineup's show price applies.
    let unit_price = item.as_ref().map(|i| i.show_price).unwrap_or(variant.price);
    let total = unit_price
        .checked_mul(i64::from(input.quantity))
        .map_err(|_| ApiError::invalid("quantity", "too_large", "the total is out of range"))?;
    let order = Order {
        id: OrderId::generate(),
        consumer: caller.account.id,
        merchant: product.seller,
        product: product.id,
        variant: variant.id,
        quantity: input.quantity,
        total,
        show,
        lineup_item: item.as_ref().map(|i| i.id),
        anchors,
        commission_bps: item.as_ref().map(|i| i.commission_bps).unwrap_or(0),
        shipping: input.shipping.clone(),
        snapshot: OrderSnapshot {
            title: product.title.clone(),
            category: product.category.to_string(),
            variant: variant.label.clone(),
            unit_price,
            unit: item.as_ref().map(|i| i.unit.clone()).unwrap_or_else(|| product.unit.clone()),
            reference: item.as_ref().and_then(|i| i.reference.clone()),
            seller: ctx.seller.clone(),
            goods_owner: ctx.goods_owner.clone(),
            disclosure: show_card,
        },
        status: OrderStatus::Placed,
        shipment: None,
        placed_at: now,
        updated_at: now,
        paid_at: None,
        shipped_at: None,
        delivered_at: None,
        return_request: None,
    };
    let limit = item.as_ref().and_then(|i| i.purchase_limit);
    let asked = (order.product, order.variant, order.quantity, order.show);
    let req = PlaceRequest::new(order, key, limit)?;
    // The answer is the document the store keeps: the order is serialised once.
    let doc = req.doc().clone();
    match state.checkout.place(req).await? {
        PlaceOutcome::Placed => {
            if let Some(show) = show {
                state.live.touch(show);
            }
            Ok((StatusCode::CREATED, [(header::CONTENT_TYPE, "application/json")], doc.to_string()).into_response())
        }
        PlaceOutcome::Duplicate(id) => {
            let existing =
                state.store.get_order(id).await?.ok_or_else(|| ApiError::internal("idempotent order vanished"))?;
            // A retry asks for the same thing; a key reused for another order is a client's
            // mistake, said rather than answered with an order the buyer did not ask for.
            if (existing.product, existing.variant, existing.quantity, existing.show) != asked {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "idempotency_key_reused",
                    format!(
                        "this Idempotency-Key placed order {} for another product, variant, quantity or show; use a new key for a new order",
                        existing.id
                    ),
                ));
            }
            Ok((StatusCode::OK, Json(existing)).into_response())
        }
        PlaceOutcome::SoldOut { available } => Err(ApiError::new(
            StatusCode::CONFLICT,
            "sold_out",
            format!("sold out: {available} left"),
        )
        .field("quantity", "sold_out", format!("{available} left"))),
        PlaceOutcome::OverLimit { limit, already } => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "purchase_limit_exceeded",
            format!("at most {limit} per buyer in this show; you already hold {already}"),
        )
        .field("quantity", "purchase_limit_exceeded", format!("limit {limit}, already {already}"))),
    }
}

/// Order list filters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OrderQuery {
    /// Only this show's orders (`shw_…`).
    pub show: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1-200 (default 50).
    pub limit: Option<u32>,
}

/// Orders: a consumer's own, a merchant's sales, everything for staff.
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders", params(OrderQuery), security(("bearer" = [])), responses((status = 200, body = List<Order>)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<OrderQuery>,
) -> ApiResult<Json<List<Order>>> {
    let mut f = OrderFilter {
        show: q.show.as_deref().map(|s| parse_id::<ShowId>("show", s)).transpose()?,
        ..Default::default()
    };
    match caller.role() {
        Role::Consumer => f.consumer = Some(caller.account.id),
        Role::Merchant => {
            let m = state.store.party_of_owner(PartyKind::Merchant, caller.account.id).await?;
            match m.map(|m| m.id) {
                Some(PartyId::Merchant(mid)) => f.merchant = Some(mid),
                _ => return Ok(Json(List { items: vec![], next_cursor: None })),
            }
        }
        Role::Operator | Role::Regulator => {}
        _ => return Err(ApiError::forbidden("consumers, merchants and staff read orders")),
    }
    let page = state.store.list_orders(&f, &PageQuery { cursor: q.cursor, limit: q.limit }.request()?).await?;
    Ok(Json(List { items: page.items, next_cursor: page.next_cursor }))
}

/// Who is asking about an order.
#[derive(PartialEq)]
pub(crate) enum Party {
    Buyer,
    Seller,
    Staff,
}

pub(crate) async fn load_for(state: &AppState, caller: &Caller, id: &str) -> ApiResult<(Order, Party)> {
    let oid: OrderId = parse_id("id", id)?;
    let order = state.store.get_order(oid).await?.ok_or_else(|| ApiError::not_found("order"))?;
    let who = if order.consumer == caller.account.id {
        Party::Buyer
    } else if caller.is_staff() {
        Party::Staff
    } else if caller.role() == Role::Merchant
        && state.store.party_of_owner(PartyKind::Merchant, caller.account.id).await?.map(|m| m.id)
            == Some(PartyId::Merchant(order.merchant))
    {
        Party::Seller
    } else {
        // Someone else's order does not exist as far as this caller can tell.
        return Err(ApiError::not_found("order"));
    };
    Ok((order, who))
}

/// One order (its buyer, its seller, staff).
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Order), (status = 404, body = crate::error::Problem)))]
pub async fn get(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> ApiResult<Json<Order>> {
    Ok(Json(load_for(&state, &caller, &id).await?.0))
}

fn state_err(e: clearcast_domain::order::OrderStateError) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, "invalid_order_state", e.to_string())
}

/// The ledger batches a transition posts with it (payment into escrow, settlement, refunds).
pub(crate) async fn money_for(
    state: &AppState,
    order: &Order,
    from: clearcast_domain::order::OrderStatus,
) -> ApiResult<Vec<Vec<clearcast_domain::ledger::Transfer>>> {
    let room = match order.show {
        Some(s) => state.store.get_show(s).await?.map(|s| s.room_operator),
        None => None,
    };
    use clearcast_domain::ledger::{AccountCode, AccountKind};
    // A refund after completion takes the settlement back from the payables as far as they hold.
    let mut held = clearcast_domain::ledger::flows::Payables::default();
    if order.status == clearcast_domain::order::OrderStatus::Refunded {
        held.merchant =
            state.store.ledger_balance(&AccountCode::merchant(AccountKind::MerchantPayable, order.merchant)).await?;
        if let Some(r) = room {
            held.room = state.store.ledger_balance(&AccountCode::room(AccountKind::RoomOperatorPayable, r)).await?;
        }
    }
    Ok(clearcast_domain::ledger::flows::order_flows(order, from, room, state.policy.platform_fee_bps, held))
}

#[allow(clippy::too_many_arguments)] // one place that checks every transition the same way
async fn transition(
    state: &AppState,
    caller: &Caller,
    id: &str,
    allowed: &[Party],
    action: &str,
    f: impl FnOnce(&mut Order, chrono::DateTime<chrono::Utc>) -> Result<(), clearcast_domain::order::OrderStateError>,
    release: bool,
    detail: serde_json::Value,
) -> ApiResult<Order> {
    if caller.role() == Role::Regulator {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "regulator_read_only", "regulators read; they do not write"));
    }
    let (mut order, who) = load_for(state, caller, id).await?;
    if !allowed.contains(&who) {
        return Err(ApiError::forbidden(format!("you may not {action} this order")));
    }
    let now = state.clock.now();
    let from = order.status;
    f(&mut order, now).map_err(state_err)?;
    let record =
        entry_by(caller, now, &format!("order.{action}"), order.id, json!({"status": order.status, "detail": detail}));
    let money = money_for(state, &order, from).await?;
    state.store.save_order(&order, from, release, record, &money).await.map_err(|e| match e {
        clearcast_store::StoreError::Conflict { code: "ledger_refused", message } => {
            ApiError::new(StatusCode::CONFLICT, "ledger_refused", message)
        }
        clearcast_store::StoreError::Conflict { .. } => ApiError::new(
            StatusCode::CONFLICT,
            "invalid_order_state",
            "the order changed meanwhile (another action won); read it again",
        ),
        other => other.into(),
    })?;
    crate::quality::on_order(state, &order).await;
    if let Some(show) = order.show {
        state.live.touch(show);
    }
    Ok(order)
}

/// Pay (the buyer, through the payment gateway).
#[utoipa::path(post, path = "/api/v1/orders/{id}/pay", tag = "orders", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Order), (status = 409, body = crate::error::Problem)))]
pub async fn pay(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> ApiResult<Json<Order>> {
    if caller.role() == Role::Regulator {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "regulator_read_only", "regulators read; they do not write"));
    }
    let (order, who) = load_for(&state, &caller, &id).await?;
    if who != Party::Buyer {
        return Err(ApiError::forbidden("only the buyer pays"));
    }
    if order.status != OrderStatus::Placed {
        return Err(state_err(clearcast_domain::order::OrderStateError {
            current: order.status.as_str(),
            action: "pay",
        }));
    }
    let reference = SimulatedPayments
        .charge(&order)
        .await
        .map_err(|e| ApiError::new(StatusCode::PAYMENT_REQUIRED, "payment_failed", e))?;
    Ok(Json(
        transition(
            &state,
            &caller,
            &id,
            &[Party::Buyer],
            "pay",
            |o, t| o.pay(t),
            false,
            json!({"payment": reference, "amount": order.total}),
        )
        .await?,
    ))
}

/// Ship (the seller) with carrier and tracking number.
#[utoipa::path(post, path = "/api/v1/orders/{id}/ship", tag = "orders", params(("id" = String, Path)), request_body = Shipment, security(("bearer" = [])),
    responses((status = 200, body = Order), (status = 409, body = crate::error::Problem)))]
pub async fn ship(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(s): ApiJson<Shipment>,
) -> ApiResult<Json<Order>> {
    let mut e = clearcast_domain::validation::Errors::new();
    e.take("carrier", Label::parse(&s.carrier));
    e.take("tracking_number", Label::parse(&s.tracking_number));
    e.finish(|| ())?;
    let detail = json!({"carrier": s.carrier, "tracking_number": s.tracking_number});
    Ok(Json(transition(&state, &caller, &id, &[Party::Seller], "ship", move |o, t| o.ship(s, t), false, detail).await?))
}

/// Delivered (the logistics callback, simulated by an operator).
#[utoipa::path(post, path = "/api/v1/orders/{id}/deliver", tag = "orders", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Order), (status = 409, body = crate::error::Problem)))]
pub async fn deliver(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> ApiResult<Json<Order>> {
    caller.require(&[Role::Operator], "report deliveries")?;
    Ok(Json(transition(&state, &caller, &id, &[Party::Staff], "deliver", |o, t| o.deliver(t), false, json!({})).await?))
}

/// Confirm receipt (the buyer).
#[utoipa::path(post, path = "/api/v1/orders/{id}/confirm", tag = "orders", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Order), (status = 409, body = crate::error::Problem)))]
pub async fn confirm(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> ApiResult<Json<Order>> {
    Ok(Json(transition(&state, &caller, &id, &[Party::Buyer], "confirm", |o, t| o.confirm(t), false, json!({})).await?))
}

/// Cancel before shipping (the buyer, the seller or an operator); the stock comes back.
#[utoipa::path(post, path = "/api/v1/orders/{id}/cancel", tag = "orders", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Order), (status = 409, body = crate::error::Problem)))]
pub async fn cancel(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> ApiResult<Json<Order>> {
    Ok(Json(
        transition(
            &state,
            &caller,
            &id,
            &[Party::Buyer, Party::Seller, Party::Staff],
            "cancel",
            |o, t| o.cancel(t),
            true,
            json!({}),
        )
        .await?,
    ))
}

/// Cancels orders left unpaid past the payment window and releases their stock; returns how many.
pub async fn expire_unpaid(state: &AppState) -> ApiResult<usize> {
    let now = state.clock.now();
    let window = state.policy.payment_window_minutes;
    let due = state.store.unpaid_before(now - chrono::Duration::minutes(i64::from(window)), 1000).await?;
    let mut n = 0;
    for mut o in due {
        if o.payment_expired(now, window) && o.cancel(now).is_ok() {
            let from = OrderStatus::Placed;
            let record = clearcast_domain::audit::AuditEntry {
                at: now,
                actor: o.consumer,
                action: "order.expired".into(),
                subject: o.id.to_string(),
                detail: json!({"payment_window_minutes": window, "released": o.quantity}),
            };
            match state.store.save_order(&o, from, true, record, &[]).await {
                Ok(()) => {
                    n += 1;
                    if let Some(show) = o.show {
                        state.live.touch(show);
                    }
                }
                Err(clearcast_store::StoreError::Conflict { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(n)
}

/// What a consumer needs in a dispute (Art. 18).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DisputePacket {
    /// The order with its order-time snapshot.
    pub order: Order,
    /// The actual seller.
    pub seller: PartyCard,
    /// The room operator of the show, if bought in a show.
    pub room_operator: Option<clearcast_domain::disclosure::RoomOperatorCard>,
    /// The anchors of the show: names, agency and whether verified at the time of asking.
    pub anchors: Vec<serde_json::Value>,
    /// The show's records (created, lineup verified, started, pinned, disclosure shown …).
    pub show_records: Vec<clearcast_domain::audit::ChainedEntry>,
    /// The order's own records (payment, shipment, delivery …).
    pub order_records: Vec<clearcast_domain::audit::ChainedEntry>,
}

/// The dispute packet for the buyer's own order (Art. 18): who sold, who ran the room, who
/// presented, and the records of that show and of the order.
#[utoipa::path(get, path = "/api/v1/orders/{id}/dispute-packet", tag = "orders", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = DisputePacket), (status = 404, body = crate::error::Problem)))]
pub async fn dispute_packet(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<DisputePacket>> {
    let (order, who) = load_for(&state, &caller, &id).await?;
    if who == Party::Seller {
        return Err(ApiError::forbidden("the dispute packet is the buyer's (and staff's)"));
    }
    let mut anchors = Vec::new();
    for a in &order.anchors {
        if let Some(x) = state.store.get_anchor(*a).await? {
            anchors.push(json!({
                "anchor_id": x.id, "real_name": x.details.real_name.as_str(), "stage_name": x.details.stage_name.as_ref().map(|s| s.as_str()),
                "agency_id": x.details.agency, "contact_via": "the room operator's contact",
                "verification": crate::views::VerificationView::of(x.verification.as_ref(), state.clock.now()),
            }));
        }
    }
    let (room_operator, show_records) = match order.show {
        Some(s) => {
            let show = state.store.get_show(s).await?.ok_or_else(|| ApiError::internal("order of a missing show"))?;
            let room = state
                .store
                .get_party(PartyId::RoomOperator(show.room_operator))
                .await?
                .map(|r| disclosure::room_card(&r));
            (room, crate::api::audit::whole_stream(&state, &s.to_string(), 0).await?)
        }
        None => (None, Vec::new()),
    };
    let order_records = crate::api::audit::whole_stream(&state, &order.id.to_string(), 0).await?;
    Ok(Json(DisputePacket {
        seller: order.snapshot.seller.clone(),
        order,
        room_operator,
        anchors,
        show_records,
        order_records,
    }))
}

/// A customer-service message.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageInput {
    /// Words (1-2000 characters).
    pub text: String,
}

/// A message as shown.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MessageView {
    /// `buyer`, `seller` or `platform`.
    pub from: &'static str,
    /// Words.
    pub text: String,
    /// When.
    pub at: chrono::DateTime<chrono::Utc>,
}

fn side(p: &Party) -> &'static str {
    match p {
        Party::Buyer => "buyer",
        Party::Seller => "seller",
        Party::Staff => "platform",
    }
}

/// Write in the order's customer-service thread (buyer, seller or operator). Messages are kept as
/// records in the order's hash-chained stream (Art. 16): they cannot be edited or deleted.
#[utoipa::path(post, path = "/api/v1/orders/{id}/messages", tag = "orders", params(("id" = String, Path)), request_body = MessageInput,
    security(("bearer" = [])), responses((status = 201, body = MessageView), (status = 404, body = crate::error::Problem)))]
pub async fn post_message(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<MessageInput>,
) -> ApiResult<(StatusCode, Json<MessageView>)> {
    if caller.role() == Role::Regulator {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "regulator_read_only", "regulators read; they do not write"));
    }
    let (order, who) = load_for(&state, &caller, &id).await?;
    let text = clearcast_domain::text::Text::<2000>::parse(&input.text)
        .map_err(|e| ApiError::invalid("text", clearcast_domain::validation::CodedError::code(&e), e.to_string()))?
        .to_string();
    let now = state.clock.now();
    let record = entry_by(&caller, now, "order.message", order.id, json!({"from": side(&who), "text": text}));
    state.store.record_append(&order.id.to_string(), record).await?;
    Ok((StatusCode::CREATED, Json(MessageView { from: side(&who), text, at: now })))
}

/// The order's customer-service thread, oldest first (buyer, seller, staff).
#[utoipa::path(get, path = "/api/v1/orders/{id}/messages", tag = "orders", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = List<MessageView>)))]
pub async fn messages(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<List<MessageView>>> {
    let (order, _) = load_for(&state, &caller, &id).await?;
    let records = crate::api::audit::whole_stream(&state, &order.id.to_string(), 0).await?;
    let items = records
        .into_iter()
        .filter(|r| r.entry.action == "order.message")
        .map(|r| MessageView {
            from: match r.entry.detail["from"].as_str() {
                Some("buyer") => "buyer",
                Some("seller") => "seller",
                _ => "platform",
            },
            text: r.entry.detail["text"].as_str().unwrap_or_default().to_string(),
            at: r.entry.at,
        })
        .collect();
    Ok(Json(List { items, next_cursor: None }))
}

/// Request a return of a delivered order (the buyer): `no_reason` within 7 days unless the
/// category is excluded, `quality` or `not_as_described` (with a reason) within 30 days.
#[utoipa::path(post, path = "/api/v1/orders/{id}/returns", tag = "orders", params(("id" = String, Path)),
    request_body = clearcast_domain::returns::ReturnInput, security(("bearer" = [])),
    responses((status = 201, body = Order), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn request_return(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<clearcast_domain::returns::ReturnInput>,
) -> ApiResult<(StatusCode, Json<Order>)> {
    if caller.role() == Role::Regulator {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "regulator_read_only", "regulators read; they do not write"));
    }
    let (mut order, who) = load_for(&state, &caller, &id).await?;
    if who != Party::Buyer {
        return Err(ApiError::forbidden("only the buyer requests a return"));
    }
    let category =
        order.snapshot.category.parse::<clearcast_domain::product::Category>().map_err(ApiError::internal)?;
    let now = state.clock.now();
    let facts = clearcast_domain::returns::Returnable {
        status: order.status,
        delivered_at: order.delivered_at,
        already_requested: order.return_request.is_some(),
        category,
    };
    let req = clearcast_domain::returns::request(&input, facts, &state.policy.returns, now)?.map_err(|r| {
        let status = match r {
            clearcast_domain::returns::ReturnRefusal::Excluded(_)
            | clearcast_domain::returns::ReturnRefusal::WindowPassed(_) => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::CONFLICT,
        };
        ApiError::new(status, r.code(), r.to_string())
    })?;
    let from = order.status;
    let detail = json!({"kind": req.kind, "reason": req.reason, "window_ends": req.window_ends, "basis": "Consumer Protection Law Art. 25"});
    order.return_request = Some(req);
    order.updated_at = now;
    let record = entry_by(&caller, now, "order.return_requested", order.id, detail);
    state.store.save_order(&order, from, false, record, &[]).await.map_err(|e| match e {
        clearcast_store::StoreError::Conflict { .. } => {
            ApiError::new(StatusCode::CONFLICT, "invalid_order_state", "the order changed meanwhile; read it again")
        }
        other => other.into(),
    })?;
    Ok((StatusCode::CREATED, Json(order)))
}

/// Accept (refund) or reject a return (the seller or an operator). A no-reason return puts the
/// goods back in stock; defective goods do not.
#[utoipa::path(post, path = "/api/v1/orders/{id}/returns/decide", tag = "orders", params(("id" = String, Path)),
    request_body = crate::api::DecisionInput, security(("bearer" = [])),
    responses((status = 200, body = Order), (status = 409, body = crate::error::Problem)))]
pub async fn decide_return(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<crate::api::DecisionInput>,
) -> ApiResult<Json<Order>> {
    if caller.role() == Role::Regulator {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "regulator_read_only", "regulators read; they do not write"));
    }
    let note = input.note()?;
    let (mut order, who) = load_for(&state, &caller, &id).await?;
    if who == Party::Buyer {
        return Err(ApiError::forbidden("the seller or the platform decides a return"));
    }
    let now = state.clock.now();
    let from = order.status;
    let Some(mut req) = order.return_request.clone() else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "no_return_requested",
            "no return was requested for this order",
        ));
    };
    let refund = clearcast_domain::returns::decide(&mut req, input.decision, caller.account.id, now, note.clone())
        .map_err(|m| ApiError::new(StatusCode::CONFLICT, "already_decided", m))?;
    let restock = refund && clearcast_domain::returns::restocks(req.kind);
    if refund {
        order.refund(now).map_err(state_err)?;
    }
    order.updated_at = now;
    let detail = json!({"decision": input.decision, "note": note, "restocked": restock, "refund": if refund { Some(order.total) } else { None }});
    order.return_request = Some(req);
    let record = entry_by(&caller, now, "order.return_decided", order.id, detail);
    let money = money_for(&state, &order, from).await?;
    state.store.save_order(&order, from, restock, record, &money).await.map_err(|e| match e {
        clearcast_store::StoreError::Conflict { code: "ledger_refused", message } => {
            ApiError::new(StatusCode::CONFLICT, "ledger_refused", message)
        }
        clearcast_store::StoreError::Conflict { .. } => {
            ApiError::new(StatusCode::CONFLICT, "invalid_order_state", "the order changed meanwhile; read it again")
        }
        other => other.into(),
    })?;
    crate::quality::on_order(&state, &order).await;
    if let Some(show) = order.show {
        state.live.touch(show);
    }
    Ok(Json(order))
}

//! Live shows: creation, the lineup, going live, pinning, ending (Order 117 Art. 16, 26-32, 37).
//!
//! The gate runs at every step: joining the lineup, starting (every roster anchor with every
//! lineup item) and pinning. A refusal is 422 `not_eligible` listing every unmet requirement.
//! Every show payload carries the disclosure card, derived from the party records; every step
//! leaves a record in the show's hash-chained stream.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use clearcast_domain::account::Role;
use clearcast_domain::compliance::Severity;
use clearcast_domain::disclosure::{self, DisclosureCard, AI_LABEL};
use clearcast_domain::gate::{combine, ShowUnmet};
use clearcast_domain::ids::{AnchorId, LineupItemId, ProductId, RoomOperatorId, ShowId};
use clearcast_domain::lineup::{LineupInput, LineupItem, NewLineupItem, ReferencePrice};
use clearcast_domain::live::{Event, Kind};
use clearcast_domain::money::Money;
use clearcast_domain::party::{Party, PartyId, PartyKind};
use clearcast_domain::records::value_hash;
use clearcast_domain::show::{NewShow, Show, ShowInput, ShowStatus};
use clearcast_store::ShowFilter;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::api::{eligibility, entry_by, parties, products};
use crate::auth::{Caller, MaybeCaller};
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, ApiJson, ApiQuery, PageQuery};
use crate::state::AppState;
use crate::views::List;

/// An anchor on a show.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RosterView {
    /// Anchor id.
    pub anchor_id: AnchorId,
    /// Stage name (or masked real name).
    pub name: String,
}

/// A lineup item as shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LineupView {
    /// Item id (pin this).
    pub id: LineupItemId,
    /// Product.
    pub product_id: ProductId,
    /// Product title.
    pub title: String,
    /// Show price.
    pub show_price: Money,
    /// Pricing unit (Art. 32).
    pub unit: String,
    /// Comparison price and its basis (Art. 32).
    pub reference: Option<ReferencePrice>,
    /// Commission in basis points.
    pub commission_bps: u32,
    /// Per-buyer limit.
    pub purchase_limit: Option<u32>,
    /// Who sells it, whose goods, the room, the anchor's role, the AI flag.
    pub disclosure: DisclosureCard,
    /// The AI label to show with the item when the presenter is AI-generated (Art. 37).
    pub ai_label: Option<&'static str>,
}

/// A show page.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ShowView {
    /// Id.
    pub id: ShowId,
    /// Room operator.
    pub room_operator_id: RoomOperatorId,
    /// Title.
    pub title: String,
    /// State.
    pub status: ShowStatus,
    /// Scheduled start.
    pub scheduled_start: DateTime<Utc>,
    /// When it went live.
    pub started_at: Option<DateTime<Utc>>,
    /// When it ended.
    pub ended_at: Option<DateTime<Utc>>,
    /// Stream (HLS/RTMP).
    pub stream_url: String,
    /// Replay, kept after the end (Art. 16).
    pub replay_url: Option<String>,
    /// AI-generated presenter (Art. 37).
    pub ai_presenter: bool,
    /// The AI label to show continuously, when the presenter is AI-generated.
    pub ai_label: Option<&'static str>,
    /// Anchors.
    pub roster: Vec<RosterView>,
    /// The lineup.
    pub lineup: Vec<LineupView>,
    /// The pinned item.
    pub pinned: Option<LineupView>,
    /// The disclosure card of the pinned product (room only while nothing is pinned; Art. 26).
    pub disclosure: DisclosureCard,
}

/// Loads a show by path id.
pub async fn load(state: &AppState, id: &str) -> ApiResult<Show> {
    let sid: ShowId = parse_id("id", id)?;
    state.store.get_show(sid).await?.ok_or_else(|| ApiError::not_found("show"))
}

async fn room(state: &AppState, show: &Show) -> ApiResult<Party> {
    state
        .store
        .get_party(PartyId::RoomOperator(show.room_operator))
        .await?
        .ok_or_else(|| ApiError::internal("show without room operator"))
}

/// 403 unless the caller's account owns the show's room.
async fn require_room_owner(state: &AppState, caller: &Caller, show: &Show, action: &str) -> ApiResult<Party> {
    caller.require(&[Role::RoomOperator], action)?;
    let r = room(state, show).await?;
    if r.owner != Some(caller.account.id) {
        return Err(ApiError::forbidden("this show belongs to another room operator"));
    }
    Ok(r)
}

/// 403 unless the caller owns the room or is an anchor on the show's roster.
pub async fn require_runner(state: &AppState, caller: &Caller, show: &Show, action: &str) -> ApiResult<Party> {
    caller.require(&[Role::RoomOperator, Role::Anchor], action)?;
    let r = room(state, show).await?;
    let allowed = match caller.role() {
        Role::RoomOperator => r.owner == Some(caller.account.id),
        _ => state.store.anchor_of_owner(caller.account.id).await?.is_some_and(|a| show.roster.contains(&a.id)),
    };
    if !allowed {
        return Err(ApiError::forbidden("only the room operator and the show's anchors may do this"));
    }
    Ok(r)
}

/// Judges `products` with every roster anchor in the show's room, now.
pub async fn gate(state: &AppState, show: &Show, products: &[ProductId]) -> ApiResult<Vec<ShowUnmet>> {
    let mut verdicts = Vec::new();
    for p in products {
        for a in &show.roster {
            let v = eligibility::judge(state, *p, Some(*a), Some(show.room_operator)).await?;
            verdicts.push((*p, *a, v));
        }
    }
    Ok(combine(&verdicts))
}

async fn lineup_view(state: &AppState, item: &LineupItem, room: &Party, ai: bool) -> ApiResult<LineupView> {
    let p = state
        .store
        .get_product(item.product)
        .await?
        .ok_or_else(|| ApiError::internal("lineup item without product"))?;
    let (seller, owner) = products::parties_of(state, &p).await?;
    Ok(LineupView {
        id: item.id,
        product_id: item.product,
        title: p.title,
        show_price: item.show_price,
        unit: item.unit.clone(),
        reference: item.reference.clone(),
        commission_bps: item.commission_bps,
        purchase_limit: item.purchase_limit,
        disclosure: disclosure::card(&seller, &owner, room, item.anchor_role, ai),
        ai_label: ai.then_some(AI_LABEL),
    })
}

/// The full show payload.
pub async fn view(state: &AppState, show: &Show) -> ApiResult<ShowView> {
    let r = room(state, show).await?;
    let items = state.store.lineup_list(show.id).await?;
    let mut lineup = Vec::with_capacity(items.len());
    for i in &items {
        lineup.push(lineup_view(state, i, &r, show.ai_presenter).await?);
    }
    let mut roster = Vec::new();
    for a in &show.roster {
        let name = match state.store.get_anchor(*a).await? {
            Some(x) => {
                let v = crate::views::anchor(&x, None, state.clock.now(), false);
                v.stage_name.unwrap_or(v.real_name)
            }
            None => String::new(),
        };
        roster.push(RosterView { anchor_id: *a, name });
    }
    let pinned = show.pinned.and_then(|p| lineup.iter().find(|l| l.id == p).cloned());
    let disclosure = match &pinned {
        Some(p) => p.disclosure.clone(),
        None => disclosure::room_only(&r, show.ai_presenter),
    };
    Ok(ShowView {
        id: show.id,
        room_operator_id: show.room_operator,
        title: show.title.clone(),
        status: show.status,
        scheduled_start: show.scheduled_start,
        started_at: show.started_at,
        ended_at: show.ended_at,
        stream_url: show.stream_url.clone(),
        replay_url: show.replay_url.clone(),
        ai_presenter: show.ai_presenter,
        ai_label: show.ai_presenter.then_some(AI_LABEL),
        roster,
        lineup,
        pinned,
        disclosure,
    })
}

/// Show list filters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ShowQuery {
    /// `scheduled`, `live`, `suspended` or `ended`.
    pub status: Option<ShowStatus>,
    /// Only this room's shows (`rop_…`).
    pub room_operator: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1-200 (default 50).
    pub limit: Option<u32>,
}

/// Create a show (the room operator's account). Anchors must exist; whether they may sell is
/// judged at the lineup, the start and every pin.
#[utoipa::path(post, path = "/api/v1/shows", tag = "shows", request_body = ShowInput, security(("bearer" = [])),
    responses((status = 201, body = ShowView), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<ShowInput>,
) -> ApiResult<(StatusCode, Json<ShowView>)> {
    caller.require(&[Role::RoomOperator], "create shows")?;
    let new = NewShow::parse(&input)?;
    let own = state.store.party_of_owner(PartyKind::RoomOperator, caller.account.id).await?.ok_or_else(|| {
        ApiError::invalid(
            "room_operator_id",
            "no_room_operator",
            "register your room operator (POST /api/v1/room-operators) first",
        )
    })?;
    let PartyId::RoomOperator(rid) = own.id else { return Err(ApiError::internal("room operator id of another kind")) };
    if let Some(named) = &input.room_operator_id {
        let named: RoomOperatorId = named.parse().map_err(|e: clearcast_domain::ids::IdError| {
            ApiError::invalid("room_operator_id", e.code(), e.to_string())
        })?;
        if named != rid {
            return Err(ApiError::forbidden("you can create shows only for your own room").field(
                "room_operator_id",
                "not_yours",
                "not your room operator",
            ));
        }
    }
    for (i, a) in new.roster.iter().enumerate() {
        if state.store.get_anchor(*a).await?.is_none() {
            return Err(ApiError::invalid(&format!("roster[{i}]"), "unknown_anchor", format!("no anchor {a}")));
        }
    }
    let now = state.clock.now();
    let show = Show {
        id: ShowId::generate(),
        room_operator: rid,
        title: new.title.to_string(),
        scheduled_start: new.scheduled_start,
        roster: new.roster,
        stream_url: new.stream_url,
        replay_url: None,
        ai_presenter: new.ai_presenter,
        script: new.script.map(|s| s.to_string()),
        status: ShowStatus::Scheduled,
        pinned: None,
        started_at: None,
        ended_at: None,
        created_at: now,
    };
    let record = entry_by(
        &caller,
        now,
        "show.created",
        show.id,
        json!({
            "room_operator": rid, "title": show.title, "roster": show.roster, "scheduled_start": show.scheduled_start,
            "stream_url": show.stream_url, "ai_presenter": show.ai_presenter,
            "script_sha256": show.script.as_deref().map(clearcast_domain::records::personal_hash),
        }),
    );
    state.store.insert_show(&show, record).await?;
    Ok((StatusCode::CREATED, Json(view(&state, &show).await?)))
}

/// Shows, oldest first (public: viewers need no account). `?status=live` lists what is on air.
#[utoipa::path(get, path = "/api/v1/shows", tag = "shows", params(ShowQuery), responses((status = 200, body = List<ShowView>)))]
pub async fn list(State(state): State<AppState>, ApiQuery(q): ApiQuery<ShowQuery>) -> ApiResult<Json<List<ShowView>>> {
    let room = q.room_operator.as_deref().map(|r| parse_id::<RoomOperatorId>("room_operator", r)).transpose()?;
    let page = PageQuery { cursor: q.cursor, limit: q.limit }.request()?;
    let found = state.store.list_shows(&ShowFilter { status: q.status, room_operator: room }, &page).await?;
    let mut items = Vec::with_capacity(found.items.len());
    for s in &found.items {
        items.push(view(&state, s).await?);
    }
    Ok(Json(List { items, next_cursor: found.next_cursor }))
}

/// A show page (public), with the disclosure card.
#[utoipa::path(get, path = "/api/v1/shows/{id}", tag = "shows", params(("id" = String, Path)),
    responses((status = 200, body = ShowView), (status = 404, body = crate::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    _caller: MaybeCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<ShowView>> {
    let show = load(&state, &id).await?;
    Ok(Json(view(&state, &show).await?))
}

/// The facts a lineup verification relied on, for the record (Art. 27).
async fn evidence(state: &AppState, product: ProductId) -> ApiResult<serde_json::Value> {
    let quals = state.store.list_qualifications(product).await?;
    let insps = state.store.list_inspections(product).await?;
    Ok(json!({
        "qualifications": quals.iter().map(|q| json!({"id": q.id, "kind": q.kind, "number": q.number, "valid_until": q.valid_until, "review": q.review.as_ref().map(|r| r.decision)})).collect::<Vec<_>>(),
        "inspections": insps.iter().map(|i| json!({"id": i.id, "report_number": i.report_number, "inspected_on": i.inspected_on, "passed": i.passed, "review": i.review.as_ref().map(|r| r.decision)})).collect::<Vec<_>>(),
    }))
}

/// Add a product to the lineup (the room operator). Runs the gate with every roster anchor; a
/// reference price needs its basis (Art. 32).
#[utoipa::path(post, path = "/api/v1/shows/{id}/lineup", tag = "shows", params(("id" = String, Path)), request_body = LineupInput,
    security(("bearer" = [])), responses((status = 201, body = LineupView), (status = 409, body = crate::error::Problem),
    (status = 422, description = "not eligible, with every unmet requirement; or a bad field", body = crate::error::Problem)))]
pub async fn add_lineup(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<LineupInput>,
) -> ApiResult<(StatusCode, Json<LineupView>)> {
    let show = load(&state, &id).await?;
    let r = require_room_owner(&state, &caller, &show, "manage lineups").await?;
    show.editable().map_err(ApiError::state)?;
    let new = NewLineupItem::parse(&input)?;
    let product = state
        .store
        .get_product(new.product)
        .await?
        .ok_or_else(|| ApiError::invalid("product_id", "unknown_product", format!("no product {}", new.product)))?;
    if new.anchor_role == clearcast_domain::disclosure::AnchorRole::OwnGoods {
        let (seller, _) = products::parties_of(&state, &product).await?;
        if !clearcast_domain::disclosure::same_entity(&seller, &r) {
            return Err(ApiError::invalid(
                "anchor_role",
                "not_own_goods",
                "own_goods means the room operator itself sells these goods; this product's seller is another party (use commissioned or advertising)",
            ));
        }
    }
    let unmet = gate(&state, &show, &[product.id]).await?;
    if !unmet.is_empty() {
        return Err(ApiError::not_eligible("add this product to the lineup", unmet));
    }
    let now = state.clock.now();
    if new.purchase_limit.is_some() {
        // A feature limit (Art. 12) takes flash sales away: no limited-quantity items meanwhile.
        crate::supervision::ensure_feature(&state, &show, now, "flash-sale items (a purchase limit)").await?;
    }
    let item = LineupItem {
        id: LineupItemId::generate(),
        show: show.id,
        product: product.id,
        anchor_role: new.anchor_role,
        commission_bps: new.commission_bps,
        show_price: new.show_price,
        unit: new.unit.unwrap_or_else(|| product.unit.clone()),
        reference: new.reference,
        purchase_limit: new.purchase_limit,
        added_at: now,
    };
    let record = entry_by(
        &caller,
        now,
        "lineup.verified",
        item.id,
        json!({
            "product": product.id, "anchors_checked": show.roster, "room_operator": show.room_operator, "eligible": true,
            "anchor_role": item.anchor_role, "show_price": item.show_price, "unit": item.unit, "reference": item.reference,
            "evidence": evidence(&state, product.id).await?, "basis": "Order 117 Art. 27, 32",
        }),
    );
    state.store.lineup_add(&item, record).await?;
    crate::quality::on_show(&state, show.id).await;
    Ok((StatusCode::CREATED, Json(lineup_view(&state, &item, &r, show.ai_presenter).await?)))
}

/// The lineup (public).
#[utoipa::path(get, path = "/api/v1/shows/{id}/lineup", tag = "shows", params(("id" = String, Path)), responses((status = 200, body = List<LineupView>)))]
pub async fn list_lineup(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<List<LineupView>>> {
    let show = load(&state, &id).await?;
    Ok(Json(List { items: view(&state, &show).await?.lineup, next_cursor: None }))
}

/// Go live (the room operator or a roster anchor). Every roster anchor and every lineup item are
/// judged again now; the script's review is recorded (Art. 30).
#[utoipa::path(post, path = "/api/v1/shows/{id}/start", tag = "shows", params(("id" = String, Path)), request_body = StartInput, security(("bearer" = [])),
    responses((status = 200, body = ShowView), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn start(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<StartInput>,
) -> ApiResult<Json<ShowView>> {
    let mut show = load(&state, &id).await?;
    if input.override_reason.is_some() {
        // Only the platform may let a script with red findings go live (Art. 30), and says why.
        caller.require(&[Role::Operator], "override the script review")?;
    } else {
        require_runner(&state, &caller, &show, "start shows").await?;
    }
    if show.status != ShowStatus::Scheduled {
        return Err(ApiError::state(clearcast_domain::show::TransitionError::WrongState {
            current: show.status.as_str(),
            action: "start",
        }));
    }
    let items = state.store.lineup_list(show.id).await?;
    if items.is_empty() {
        return Err(ApiError::invalid(
            "lineup",
            "empty_lineup",
            "add at least one product to the lineup before going live",
        ));
    }
    let products: Vec<ProductId> = items.iter().map(|i| i.product).collect();
    let unmet = gate(&state, &show, &products).await?;
    if !unmet.is_empty() {
        return Err(ApiError::not_eligible("start this show", unmet));
    }
    let now = state.clock.now();
    let mut records = Vec::new();
    for a in &show.roster {
        let anchor = state.store.get_anchor(*a).await?.ok_or_else(|| ApiError::internal("roster anchor missing"))?;
        let trainings = state.store.list_trainings(*a).await?;
        let roster = state.store.roster_get(show.room_operator, *a).await?;
        records.push(entry_by(&caller, now, "roster.verified", a, json!({
            "anchor": a, "verified_until": anchor.verification.as_ref().and_then(|v| v.verified_until),
            "id_number_digest": state.store.keyed_digest(anchor.details.id_number.expose()),
            "trainings": trainings.iter().map(|t| json!({"id": t.id, "kind": t.kind, "category": t.category, "completed_on": t.completed_on})).collect::<Vec<_>>(),
            "roster_confirmed_at": roster.and_then(|r| r.confirmed_at), "blacklisted": false, "basis": "Order 117 Art. 8, 10, 28",
        })));
    }
    crate::supervision::ensure_may_go_live(&state, &show, now).await?;
    let findings = crate::supervision::scan_script(&state, &show).await?;
    let red: Vec<_> = findings.iter().filter(|f| f.severity == Severity::Red).cloned().collect();
    let override_reason = match &input.override_reason {
        Some(r) => Some(
            clearcast_domain::text::Text::<1000>::parse(r)
                .map_err(|e| {
                    ApiError::invalid(
                        "override_reason",
                        clearcast_domain::validation::CodedError::code(&e),
                        e.to_string(),
                    )
                })?
                .as_str()
                .to_string(),
        ),
        None => None,
    };
    if !red.is_empty() && override_reason.is_none() {
        let mut e = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "script_not_compliant",
            format!(
                "the script has {} red finding(s): {}; revise it, or an operator may override with a reason (Order 117 Art. 30)",
                red.len(),
                red.iter().map(|f| format!("“{}” ({}, {})", f.matched, f.label.as_str(), f.rule)).collect::<Vec<_>>().join(", ")
            ),
        )
        .field("script", "not_compliant", "red findings in the script");
        e.findings = findings;
        return Err(e);
    }
    records.push(entry_by(&caller, now, "script.reviewed", show.id, json!({
        "script_sha256": show.script.as_deref().map(clearcast_domain::records::personal_hash),
        "scanned": show.script.as_deref().is_some_and(|s| !s.trim().is_empty()), "rules_source": state.rules.source().map(|p| p.display().to_string()).unwrap_or_else(|| "shipped".into()),
        "findings": findings, "red": red.len(), "override_reason": override_reason, "basis": "Order 117 Art. 30",
    })));
    let from = show.status;
    show.start(now).map_err(ApiError::state)?;
    records.push(entry_by(&caller, now, "show.started", show.id, json!({"lineup": products, "roster": show.roster})));
    state.store.save_show(&show, from, records, None).await.map_err(show_conflict)?;
    crate::quality::on_show(&state, show.id).await;
    Ok(Json(view(&state, &show).await?))
}

pub(crate) fn show_conflict(e: clearcast_store::StoreError) -> ApiError {
    match e {
        clearcast_store::StoreError::Conflict { message, .. } => {
            ApiError::new(axum::http::StatusCode::CONFLICT, "invalid_show_state", message)
        }
        other => other.into(),
    }
}

/// Options for going live.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartInput {
    /// Operators only: start although the script has red findings, saying why (recorded).
    pub override_reason: Option<String>,
}

/// Which lineup item to pin.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PinInput {
    /// The lineup item (`lni_…`).
    #[schema(value_type = String)]
    pub lineup_item_id: String,
}

/// Pin a lineup item (the room operator or a roster anchor; live shows only). The gate runs again,
/// so a qualification that expired mid-show stops the item here, with the reason.
#[utoipa::path(post, path = "/api/v1/shows/{id}/pin", tag = "shows", params(("id" = String, Path)), request_body = PinInput,
    security(("bearer" = [])), responses((status = 200, body = LineupView), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn pin(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<PinInput>,
) -> ApiResult<Json<LineupView>> {
    let mut show = load(&state, &id).await?;
    let r = require_runner(&state, &caller, &show, "pin products").await?;
    let item_id: LineupItemId = input
        .lineup_item_id
        .parse()
        .map_err(|e: clearcast_domain::ids::IdError| ApiError::invalid("lineup_item_id", e.code(), e.to_string()))?;
    if show.status != ShowStatus::Live {
        return Err(ApiError::state(clearcast_domain::show::TransitionError::WrongState {
            current: show.status.as_str(),
            action: "pin a product",
        }));
    }
    let items = state.store.lineup_list(show.id).await?;
    let item = items
        .iter()
        .find(|i| i.id == item_id)
        .ok_or_else(|| ApiError::invalid("lineup_item_id", "not_in_lineup", "this item is not on the show's lineup"))?;
    let unmet = gate(&state, &show, &[item.product]).await?;
    if !unmet.is_empty() {
        return Err(ApiError::not_eligible("pin this product", unmet));
    }
    let now = state.clock.now();
    let v = lineup_view(&state, item, &r, show.ai_presenter).await?;
    let from = show.status;
    show.pin(item.id).map_err(ApiError::state)?;
    let records = vec![
        entry_by(
            &caller,
            now,
            "product.pinned",
            item.id,
            json!({"product": item.product, "show_price": item.show_price, "reference": item.reference, "eligible": true}),
        ),
        entry_by(
            &caller,
            now,
            "disclosure.shown",
            item.id,
            json!({"card": v.disclosure, "card_sha256": value_hash(&v.disclosure), "basis": "Order 117 Art. 26, 37"}),
        ),
    ];
    state.store.save_show(&show, from, records, None).await.map_err(show_conflict)?;
    state.caches.forget_show(show.id);
    state.live.publish(show.id, Event::all(Kind::Pinned, json!({"item": v})));
    state.live.touch(show.id);
    Ok(Json(v))
}

/// How a show ended.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndInput {
    /// Where the replay is kept (defaults to the stream URL; Art. 16).
    #[serde(default)]
    pub replay_url: Option<String>,
}

/// End a live or suspended show (the room operator or a roster anchor). The show's record chain
/// head is anchored in the platform chain.
#[utoipa::path(post, path = "/api/v1/shows/{id}/end", tag = "shows", params(("id" = String, Path)), request_body = EndInput,
    security(("bearer" = [])), responses((status = 200, body = ShowView), (status = 409, body = crate::error::Problem)))]
pub async fn end(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<EndInput>,
) -> ApiResult<Json<ShowView>> {
    let mut show = load(&state, &id).await?;
    require_runner(&state, &caller, &show, "end shows").await?;
    let replay = input
        .replay_url
        .as_deref()
        .map(clearcast_domain::show::parse_stream_url)
        .transpose()
        .map_err(|m| ApiError::invalid("replay_url", "invalid_url", m))?;
    let now = state.clock.now();
    let from = show.status;
    show.end(now, replay).map_err(ApiError::state)?;
    let records = vec![entry_by(
        &caller,
        now,
        "show.ended",
        show.id,
        json!({"replay_url": show.replay_url, "retained_until": clearcast_domain::records::retained_until(now, state.policy.retention_years)}),
    )];
    let anchor = entry_by(&caller, now, "records.anchor", show.id, json!("show ended"));
    state.store.save_show(&show, from, records, Some(anchor)).await.map_err(show_conflict)?;
    state.caches.forget_show(show.id);
    crate::quality::on_show(&state, show.id).await;
    state.live.publish(
        show.id,
        Event::all(
            Kind::Ended,
            json!({"status": show.status, "ended_at": show.ended_at, "replay_url": show.replay_url}),
        ),
    );
    Ok(Json(view(&state, &show).await?))
}

/// Why a show is suspended.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuspendInput {
    /// The facts and the rule.
    pub reason: String,
}

/// Suspend a live show (operators; a measure under Art. 12). Its open orders stay serviceable.
#[utoipa::path(post, path = "/api/v1/shows/{id}/suspend", tag = "shows", params(("id" = String, Path)), request_body = SuspendInput,
    security(("bearer" = [])), responses((status = 200, body = ShowView), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn suspend(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<SuspendInput>,
) -> ApiResult<Json<ShowView>> {
    caller.require(&[Role::Operator], "suspend shows")?;
    let reason = input.reason.trim();
    if reason.is_empty() || reason.chars().count() > 1000 {
        return Err(ApiError::invalid(
            "reason",
            if reason.is_empty() { "required" } else { "too_long" },
            "say why, in at most 1000 characters",
        ));
    }
    let mut show = load(&state, &id).await?;
    let from = show.status;
    show.suspend().map_err(ApiError::state)?;
    let now = state.clock.now();
    let records = vec![entry_by(
        &caller,
        now,
        "show.suspended",
        show.id,
        json!({"reason": reason, "basis": "Order 117 Art. 12"}),
    )];
    state.store.save_show(&show, from, records, None).await.map_err(show_conflict)?;
    state.caches.forget_show(show.id);
    crate::quality::on_show(&state, show.id).await;
    state.live.publish(
        show.id,
        Event::all(
            Kind::Measure,
            json!({"status": show.status, "kind": "suspension", "reason": reason, "basis": "Order 117 Art. 12"}),
        ),
    );
    Ok(Json(view(&state, &show).await?))
}

/// Follow a room operator (any signed-in account); feeds tiering (Art. 11).
#[utoipa::path(post, path = "/api/v1/room-operators/{id}/follow", tag = "room operators", params(("id" = String, Path)),
    security(("bearer" = [])), responses((status = 200, body = FollowView)))]
pub async fn follow(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<FollowView>> {
    caller.require(FOLLOWERS, "follow rooms")?;
    let r = parties::load(&state, PartyKind::RoomOperator, "id", &id).await?;
    if r.owner == Some(caller.account.id) {
        return Err(ApiError::invalid(
            "id",
            "own_room",
            "a room operator cannot follow its own room (followers count towards tiering)",
        ));
    }
    let PartyId::RoomOperator(rid) = r.id else { return Err(ApiError::internal("room operator id of another kind")) };
    state.store.follow(rid, caller.account.id, state.clock.now()).await?;
    Ok(Json(FollowView { following: true, followers: state.store.follower_count(rid).await? }))
}

/// Who may follow rooms: everyone but regulators, who read and never write.
const FOLLOWERS: &[Role] =
    &[Role::Consumer, Role::Merchant, Role::RoomOperator, Role::Anchor, Role::Agency, Role::Operator];

/// Stop following.
#[utoipa::path(delete, path = "/api/v1/room-operators/{id}/follow", tag = "room operators", params(("id" = String, Path)),
    security(("bearer" = [])), responses((status = 200, body = FollowView)))]
pub async fn unfollow(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<FollowView>> {
    caller.require(FOLLOWERS, "follow rooms")?;
    let r = parties::load(&state, PartyKind::RoomOperator, "id", &id).await?;
    let PartyId::RoomOperator(rid) = r.id else { return Err(ApiError::internal("room operator id of another kind")) };
    state.store.unfollow(rid, caller.account.id).await?;
    Ok(Json(FollowView { following: false, followers: state.store.follower_count(rid).await? }))
}

/// Following state.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FollowView {
    /// Whether the caller follows the room now.
    pub following: bool,
    /// The room's followers.
    pub followers: u64,
}

//! Reviews of delivered orders (E-commerce Law Art. 17, 39): the buyer reviews once and may add
//! follow-ups, the seller may reply once, everyone can read them, and no endpoint deletes or hides
//! one. The rules are in `clearcast_domain::review`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use clearcast_domain::account::Role;
use clearcast_domain::ids::{OrderId, ProductId};
use clearcast_domain::review::{self, EntryKind, Ratings, ReviewEntry, ReviewError, ReviewInput, TextInput};
use serde::{Deserialize, Serialize};

use crate::api::orders::{load_for, Party};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, ApiJson, ApiQuery};
use crate::state::AppState;
use crate::views::List;

/// A text entry as shown.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TextEntry {
    /// Words.
    pub text: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// A review as shown: the buyer's ratings and words, follow-ups, the seller's reply. Buyers are
/// not named publicly.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReviewView {
    /// The order reviewed.
    pub order_id: OrderId,
    /// Ratings 1-5.
    pub ratings: Ratings,
    /// Words.
    pub text: Option<String>,
    /// When reviewed.
    pub at: DateTime<Utc>,
    /// The buyer's follow-ups.
    pub follow_ups: Vec<TextEntry>,
    /// The seller's reply.
    pub reply: Option<TextEntry>,
}

fn assemble(entries: &[ReviewEntry]) -> Option<ReviewView> {
    let first = entries.iter().find(|e| e.kind == EntryKind::Initial)?;
    Some(ReviewView {
        order_id: first.order,
        ratings: first.ratings?,
        text: first.text.clone(),
        at: first.at,
        follow_ups: entries
            .iter()
            .filter(|e| e.kind == EntryKind::FollowUp)
            .map(|e| TextEntry { text: e.text.clone().unwrap_or_default(), at: e.at })
            .collect(),
        reply: entries
            .iter()
            .find(|e| e.kind == EntryKind::Reply)
            .map(|e| TextEntry { text: e.text.clone().unwrap_or_default(), at: e.at }),
    })
}

fn refused(e: ReviewError) -> ApiError {
    let status = match e {
        ReviewError::NotDelivered(_)
        | ReviewError::AlreadyReviewed
        | ReviewError::AlreadyReplied
        | ReviewError::NoReview => StatusCode::CONFLICT,
        ReviewError::TooManyFollowUps => StatusCode::UNPROCESSABLE_ENTITY,
    };
    ApiError::new(status, e.code(), e.to_string())
}

async fn current(state: &AppState, order: OrderId) -> ApiResult<ReviewView> {
    let entries = state.store.review_entries(order).await?;
    assemble(&entries).ok_or_else(|| ApiError::internal("review entry without its review"))
}

/// Review a delivered order (its buyer, once).
#[utoipa::path(post, path = "/api/v1/orders/{id}/review", tag = "orders", params(("id" = String, Path)), request_body = ReviewInput,
    security(("bearer" = [])), responses((status = 201, body = ReviewView), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ReviewInput>,
) -> ApiResult<(StatusCode, Json<ReviewView>)> {
    caller.require(&[Role::Consumer], "review orders")?;
    let (order, who) = load_for(&state, &caller, &id).await?;
    if who != Party::Buyer {
        return Err(ApiError::forbidden("only the buyer reviews an order"));
    }
    let existing = state.store.review_entries(order.id).await?;
    let (ratings, text) = review::initial(&input, order.status, &existing)?.map_err(refused)?;
    let entry = ReviewEntry {
        order: order.id,
        kind: EntryKind::Initial,
        author: caller.account.id,
        at: state.clock.now(),
        ratings: Some(ratings),
        text,
    };
    state.store.add_review_entry(order.product, &entry).await?;
    crate::quality::on_order(&state, &order).await;
    Ok((StatusCode::CREATED, Json(current(&state, order.id).await?)))
}

async fn add(
    state: AppState,
    caller: Caller,
    id: String,
    kind: EntryKind,
    input: TextInput,
) -> ApiResult<(StatusCode, Json<ReviewView>)> {
    let (order, who) = load_for(&state, &caller, &id).await?;
    let allowed = match kind {
        EntryKind::FollowUp => who == Party::Buyer,
        _ => who == Party::Seller,
    };
    if !allowed || caller.role() == Role::Regulator {
        return Err(if caller.role() == Role::Regulator {
            ApiError::new(StatusCode::FORBIDDEN, "regulator_read_only", "regulators read; they do not write")
        } else {
            ApiError::forbidden(if kind == EntryKind::FollowUp {
                "only the buyer adds follow-ups"
            } else {
                "only the seller replies"
            })
        });
    }
    let existing = state.store.review_entries(order.id).await?;
    let text = review::addition(kind, &input, &existing)?.map_err(refused)?;
    let entry = ReviewEntry {
        order: order.id,
        kind,
        author: caller.account.id,
        at: state.clock.now(),
        ratings: None,
        text: Some(text),
    };
    state.store.add_review_entry(order.product, &entry).await?;
    Ok((StatusCode::CREATED, Json(current(&state, order.id).await?)))
}

/// Add a follow-up (the buyer; up to five).
#[utoipa::path(post, path = "/api/v1/orders/{id}/review/follow-ups", tag = "orders", params(("id" = String, Path)), request_body = TextInput,
    security(("bearer" = [])), responses((status = 201, body = ReviewView), (status = 409, body = crate::error::Problem)))]
pub async fn follow_up(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<TextInput>,
) -> ApiResult<(StatusCode, Json<ReviewView>)> {
    add(state, caller, id, EntryKind::FollowUp, input).await
}

/// Reply (the seller, once).
#[utoipa::path(post, path = "/api/v1/orders/{id}/review/reply", tag = "orders", params(("id" = String, Path)), request_body = TextInput,
    security(("bearer" = [])), responses((status = 201, body = ReviewView), (status = 409, body = crate::error::Problem)))]
pub async fn reply(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<TextInput>,
) -> ApiResult<(StatusCode, Json<ReviewView>)> {
    add(state, caller, id, EntryKind::Reply, input).await
}

/// An order's review (its buyer, its seller, staff).
#[utoipa::path(get, path = "/api/v1/orders/{id}/review", tag = "orders", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = ReviewView), (status = 404, body = crate::error::Problem)))]
pub async fn get(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> ApiResult<Json<ReviewView>> {
    let (order, _) = load_for(&state, &caller, &id).await?;
    let entries = state.store.review_entries(order.id).await?;
    assemble(&entries).map(Json).ok_or_else(|| ApiError::not_found("review"))
}

/// Paging through a product's reviews.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReviewQuery {
    /// The previous page's `next_cursor`.
    pub cursor: Option<i64>,
    /// Page size, 1-200 (default 50).
    pub limit: Option<u32>,
}

/// A product's reviews (public), oldest first.
#[utoipa::path(get, path = "/api/v1/products/{id}/reviews", tag = "products", params(("id" = String, Path), ReviewQuery),
    responses((status = 200, body = List<ReviewView>)))]
pub async fn for_product(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ReviewQuery>,
) -> ApiResult<Json<List<ReviewView>>> {
    let pid: ProductId = parse_id("id", &id)?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) || q.cursor.is_some_and(|c| c < 0) {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", "limit is 1-200 and cursor not negative")
            .field("limit", "out_of_range", "1-200"));
    }
    // Page over initial entries; gather each review's later entries.
    let mut items = Vec::new();
    let mut after = q.cursor.unwrap_or(0);
    let mut next = None;
    loop {
        let batch = state.store.product_review_entries(pid, after, 500).await?;
        let Some(last) = batch.last() else { break };
        after = last.0;
        for (n, e) in batch {
            if e.kind == EntryKind::Initial {
                if items.len() as u32 == limit {
                    next = Some(n - 1);
                    break;
                }
                items.push(current(&state, e.order).await?);
            }
        }
        if next.is_some() {
            break;
        }
    }
    Ok(Json(List { items, next_cursor: next.map(|n| n.to_string()) }))
}

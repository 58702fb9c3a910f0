//! Products with their variants, qualifications and inspection reports (Order 117 Art. 27, 32).
//! Merchants list and document their own goods; operators review the documents. Product pages
//! are public and carry who sells the goods and whose goods they are (Art. 26).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use clearcast_domain::account::Role;
use clearcast_domain::dates::china_date;
use clearcast_domain::ids::{InspectionId, MerchantId, ProductId, QualificationId};
use clearcast_domain::party::{Party, PartyId, PartyKind};
use clearcast_domain::product::{Category, NewProduct, Product, ProductInput};
use clearcast_domain::qualification::{Inspection, InspectionInput, Qualification, QualificationInput, Review};
use clearcast_store::ProductFilter;
use serde::Deserialize;
use serde_json::json;

use crate::api::{entry_by, DecisionInput};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, ApiJson, ApiQuery};
use crate::state::AppState;
use crate::views::{self, List, ProductView};

/// Lists a product for the caller (shared with the demo seeder).
pub async fn register(state: &AppState, caller: &Caller, input: &ProductInput) -> ApiResult<Product> {
    caller.require(&[Role::Merchant, Role::Operator], "list products")?;
    let p = NewProduct::parse(input)?;
    let seller = match (caller.role(), p.merchant) {
        (Role::Operator, Some(m)) => {
            state
                .store
                .get_party(PartyId::Merchant(m))
                .await?
                .ok_or_else(|| ApiError::invalid("merchant_id", "unknown_merchant", format!("no merchant {m}")))?;
            m
        }
        (Role::Operator, None) => {
            return Err(ApiError::invalid("merchant_id", "required", "an operator must name the merchant"))
        }
        (_, named) => {
            let own = state.store.party_of_owner(PartyKind::Merchant, caller.account.id).await?.ok_or_else(|| {
                ApiError::invalid(
                    "merchant_id",
                    "no_merchant",
                    "register your merchant (POST /api/v1/merchants) before listing products",
                )
            })?;
            let PartyId::Merchant(mine) = own.id else { return Err(ApiError::internal("merchant id of another kind")) };
            if named.is_some_and(|n| n != mine) {
                return Err(ApiError::forbidden("merchants list only their own products").field(
                    "merchant_id",
                    "not_yours",
                    "not your merchant",
                ));
            }
            mine
        }
    };
    if state.store.get_party(PartyId::GoodsOwner(p.goods_owner)).await?.is_none() {
        return Err(ApiError::invalid(
            "goods_owner_id",
            "unknown_goods_owner",
            format!("no goods owner {}; register it first", p.goods_owner),
        ));
    }
    let product = Product {
        id: ProductId::generate(),
        seller,
        goods_owner: p.goods_owner,
        title: p.title.to_string(),
        description: p.description.map(|d| d.to_string()),
        category: p.category,
        price: p.price,
        unit: p.unit.to_string(),
        variants: p.variants,
        created_at: state.clock.now(),
    };
    let record = (caller.role() == Role::Operator).then(|| {
        entry_by(
            caller,
            product.created_at,
            "product.registered",
            product.id,
            json!({"seller": product.seller, "title": product.title}),
        )
    });
    state.store.insert_product(&product, record).await?;
    Ok(product)
}

/// Loads a product by path id.
pub async fn load(state: &AppState, id: &str) -> ApiResult<Product> {
    let pid: ProductId = parse_id("id", id)?;
    state.store.get_product(pid).await?.ok_or_else(|| ApiError::not_found("product"))
}

/// The seller and goods owner of a product; their absence means the store lost a referenced row.
pub async fn parties_of(state: &AppState, p: &Product) -> ApiResult<(Party, Party)> {
    let seller = state
        .store
        .get_party(PartyId::Merchant(p.seller))
        .await?
        .ok_or_else(|| ApiError::internal("product without seller"))?;
    let owner = state
        .store
        .get_party(PartyId::GoodsOwner(p.goods_owner))
        .await?
        .ok_or_else(|| ApiError::internal("product without goods owner"))?;
    Ok((seller, owner))
}

async fn view(state: &AppState, p: &Product) -> ApiResult<ProductView> {
    let (seller, owner) = parties_of(state, p).await?;
    Ok(views::product(p, &seller, &owner))
}

/// Only the selling merchant's account (or an operator) may document a product.
async fn require_seller(state: &AppState, caller: &Caller, p: &Product) -> ApiResult<()> {
    caller.require(&[Role::Merchant, Role::Operator], "document products")?;
    if caller.role() == Role::Operator {
        return Ok(());
    }
    let own = state.store.party_of_owner(PartyKind::Merchant, caller.account.id).await?;
    if own.map(|m| m.id) == Some(PartyId::Merchant(p.seller)) {
        Ok(())
    } else {
        Err(ApiError::forbidden("this product belongs to another merchant"))
    }
}

/// List a product (merchants for themselves; operators naming `merchant_id`).
#[utoipa::path(post, path = "/api/v1/products", tag = "products", request_body = ProductInput, security(("bearer" = [])),
    responses((status = 201, body = ProductView), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<ProductInput>,
) -> ApiResult<(StatusCode, Json<ProductView>)> {
    let p = register(&state, &caller, &input).await?;
    Ok((StatusCode::CREATED, Json(view(&state, &p).await?)))
}

/// Product list filters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ProductQuery {
    /// Only this merchant's products.
    pub seller: Option<String>,
    /// Only this category.
    pub category: Option<Category>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1-200 (default 50).
    pub limit: Option<u32>,
}

/// Products, oldest first (public).
#[utoipa::path(get, path = "/api/v1/products", tag = "products", params(ProductQuery), responses((status = 200, body = List<ProductView>)))]
pub async fn list(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ProductQuery>,
) -> ApiResult<Json<List<ProductView>>> {
    let seller = q.seller.as_deref().map(|s| parse_id::<MerchantId>("seller", s)).transpose()?;
    let page = crate::extract::PageQuery { cursor: q.cursor, limit: q.limit }.request()?;
    let filter = ProductFilter { seller, category: q.category.map(|c| c.as_str().to_string()) };
    let found = state.store.list_products(&filter, &page).await?;
    let mut items = Vec::with_capacity(found.items.len());
    for p in &found.items {
        items.push(view(&state, p).await?);
    }
    Ok(Json(List { items, next_cursor: found.next_cursor }))
}

/// A product page (public).
#[utoipa::path(get, path = "/api/v1/products/{id}", tag = "products", params(("id" = String, Path)),
    responses((status = 200, body = ProductView), (status = 404, body = crate::error::Problem)))]
pub async fn get(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<ProductView>> {
    let p = load(&state, &id).await?;
    Ok(Json(view(&state, &p).await?))
}

/// Upload a qualification (the selling merchant or operators). It counts once an operator approves it.
#[utoipa::path(post, path = "/api/v1/products/{id}/qualifications", tag = "products", params(("id" = String, Path)),
    request_body = QualificationInput, security(("bearer" = [])),
    responses((status = 201, body = Qualification), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn add_qualification(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<QualificationInput>,
) -> ApiResult<(StatusCode, Json<Qualification>)> {
    let p = load(&state, &id).await?;
    require_seller(&state, &caller, &p).await?;
    input.validate()?;
    let q = Qualification {
        id: QualificationId::generate(),
        product: p.id,
        kind: input.kind,
        number: input.number.trim().to_string(),
        issuer: input.issuer.trim().to_string(),
        valid_from: input.valid_from,
        valid_until: input.valid_until,
        review: None,
        created_at: state.clock.now(),
    };
    state.store.insert_qualification(&q).await?;
    Ok((StatusCode::CREATED, Json(q)))
}

/// A product's qualifications (public).
#[utoipa::path(get, path = "/api/v1/products/{id}/qualifications", tag = "products", params(("id" = String, Path)),
    responses((status = 200, body = List<Qualification>)))]
pub async fn list_qualifications(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<List<Qualification>>> {
    let p = load(&state, &id).await?;
    Ok(Json(List { items: state.store.list_qualifications(p.id).await?, next_cursor: None }))
}

/// An operator's review of a product document (`what` is `qualification` or `inspection`): the
/// review itself and its record (Art. 27).
fn review_of(
    state: &AppState,
    caller: &Caller,
    product_id: &str,
    what: &str,
    document: impl ToString,
    input: &DecisionInput,
) -> ApiResult<(ProductId, Review, clearcast_domain::audit::AuditEntry)> {
    caller.require(&[Role::Operator], &format!("review {what}s"))?;
    let note = input.note()?;
    let pid: ProductId = parse_id("id", product_id)?;
    let now = state.clock.now();
    let review =
        Review { decision: input.decision, reviewed_by: caller.account.id, reviewed_at: now, note: note.clone() };
    let detail = json!({"product": pid, "decision": input.decision, "note": note, "basis": "Order 117 Art. 27"});
    let entry = entry_by(caller, now, &format!("{what}.review"), document, detail);
    Ok((pid, review, entry))
}

fn not_found_as(e: clearcast_store::StoreError, what: &str) -> ApiError {
    match e {
        clearcast_store::StoreError::NotFound => ApiError::not_found(what),
        other => other.into(),
    }
}

/// Approve or reject a qualification (operators).
#[utoipa::path(post, path = "/api/v1/products/{id}/qualifications/{qid}/verify", tag = "products",
    params(("id" = String, Path), ("qid" = String, Path)), request_body = DecisionInput, security(("bearer" = [])),
    responses((status = 200, body = Qualification), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn verify_qualification(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, qid)): Path<(String, String)>,
    ApiJson(input): ApiJson<DecisionInput>,
) -> ApiResult<Json<Qualification>> {
    let qid: QualificationId = parse_id("qid", &qid)?;
    let (pid, review, entry) = review_of(&state, &caller, &id, "qualification", qid, &input)?;
    let q = state
        .store
        .review_qualification(pid, qid, &review, entry)
        .await
        .map_err(|e| not_found_as(e, "qualification"))?;
    Ok(Json(q))
}

/// Upload an inspection report (the selling merchant or operators).
#[utoipa::path(post, path = "/api/v1/products/{id}/inspections", tag = "products", params(("id" = String, Path)),
    request_body = InspectionInput, security(("bearer" = [])),
    responses((status = 201, body = Inspection), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn add_inspection(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<InspectionInput>,
) -> ApiResult<(StatusCode, Json<Inspection>)> {
    let p = load(&state, &id).await?;
    require_seller(&state, &caller, &p).await?;
    let now = state.clock.now();
    input.validate(china_date(now))?;
    let i = Inspection {
        id: InspectionId::generate(),
        product: p.id,
        lab: input.lab.trim().to_string(),
        report_number: input.report_number.trim().to_string(),
        inspected_on: input.inspected_on,
        passed: input.passed,
        valid_until: input.valid_until,
        review: None,
        created_at: now,
    };
    state.store.insert_inspection(&i).await?;
    Ok((StatusCode::CREATED, Json(i)))
}

/// A product's inspection reports (public).
#[utoipa::path(get, path = "/api/v1/products/{id}/inspections", tag = "products", params(("id" = String, Path)),
    responses((status = 200, body = List<Inspection>)))]
pub async fn list_inspections(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<List<Inspection>>> {
    let p = load(&state, &id).await?;
    Ok(Json(List { items: state.store.list_inspections(p.id).await?, next_cursor: None }))
}

/// Approve or reject an inspection report (operators).
#[utoipa::path(post, path = "/api/v1/products/{id}/inspections/{iid}/verify", tag = "products",
    params(("id" = String, Path), ("iid" = String, Path)), request_body = DecisionInput, security(("bearer" = [])),
    responses((status = 200, body = Inspection), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn verify_inspection(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, iid)): Path<(String, String)>,
    ApiJson(input): ApiJson<DecisionInput>,
) -> ApiResult<Json<Inspection>> {
    let iid: InspectionId = parse_id("iid", &iid)?;
    let (pid, review, entry) = review_of(&state, &caller, &id, "inspection", iid, &input)?;
    let i = state.store.review_inspection(pid, iid, &review, entry).await.map_err(|e| not_found_as(e, "inspection"))?;
    crate::quality::on_inspection(&state, &i).await;
    Ok(Json(i))
}

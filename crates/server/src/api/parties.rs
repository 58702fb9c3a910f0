//! Merchants, goods owners, room operators and agencies: registration, reading, and verification
//! by operators (Order 117 Art. 8: verified, re-verified every six months).
//!
//! Who registers what: a merchant account registers its one merchant and any goods owners whose
//! goods it sells; a room-operator account its room operator; an agency account its agency;
//! operators may register any of them on a party's behalf.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use clearcast_domain::account::Role;
use clearcast_domain::party::{NewParty, Party, PartyInput, PartyKind};
use clearcast_domain::verification::Verification;
use serde_json::json;

use crate::api::{entry_by, DecisionInput};
use crate::auth::{Caller, MaybeCaller};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, PageQuery};
use crate::state::AppState;
use crate::views::{self, kind_name, List, PartyView};

fn creators(kind: PartyKind) -> &'static [Role] {
    match kind {
        PartyKind::Merchant | PartyKind::GoodsOwner => &[Role::Merchant, Role::Operator],
        PartyKind::RoomOperator => &[Role::RoomOperator, Role::Operator],
        PartyKind::Agency => &[Role::Agency, Role::Operator],
    }
}

/// Registers a party of `kind` for `caller` (shared with the demo seeder).
pub async fn register(state: &AppState, caller: &Caller, kind: PartyKind, input: &PartyInput) -> ApiResult<Party> {
    caller.require(creators(kind), &format!("register a {}", kind_name(kind)))?;
    let details = NewParty::parse(input)?;
    // Goods owners belong to no account; the others belong to the account of their own role.
    let owner = (kind != PartyKind::GoodsOwner && caller.role() != Role::Operator).then_some(caller.account.id);
    let party = Party {
        id: kind.new_id(),
        owner,
        registered_by: caller.account.id,
        details,
        verification: None,
        created_at: state.clock.now(),
    };
    let field = match &party.details.identity {
        clearcast_domain::party::LegalIdentity::Organisation(_) => "uscc",
        clearcast_domain::party::LegalIdentity::NaturalPerson(_) => "id_number",
    };
    let record = (caller.role() == Role::Operator).then(|| {
        entry_by(
            caller,
            party.created_at,
            &format!("{}.registered", kind.as_str()),
            party.id,
            json!({"legal_name": party.details.legal_name.as_str()}),
        )
    });
    state.store.insert_party(&party, record).await.map_err(|e| ApiError::from(e).conflict_field(field))?;
    Ok(party)
}

async fn create(
    state: AppState,
    caller: Caller,
    kind: PartyKind,
    input: PartyInput,
) -> ApiResult<(StatusCode, Json<PartyView>)> {
    let party = register(&state, &caller, kind, &input).await?;
    Ok((StatusCode::CREATED, Json(views::party(&party, Some(&caller), state.clock.now()))))
}

async fn list(state: AppState, caller: Caller, kind: PartyKind, q: PageQuery) -> ApiResult<Json<List<PartyView>>> {
    let page = state.store.list_parties(kind, &q.request()?).await?;
    let now = state.clock.now();
    Ok(Json(List {
        items: page.items.iter().map(|p| views::party(p, Some(&caller), now)).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Loads a party of `kind` by its path id: 400 for a malformed id, 404 when absent.
pub async fn load(state: &AppState, kind: PartyKind, field: &str, id: &str) -> ApiResult<Party> {
    let pid = kind.parse_id(id).map_err(|e| ApiError::bad_id(field, e))?;
    state.store.get_party(pid).await?.ok_or_else(|| ApiError::not_found(kind_name(kind)))
}

async fn get(state: AppState, caller: MaybeCaller, kind: PartyKind, id: String) -> ApiResult<Json<PartyView>> {
    let party = load(&state, kind, "id", &id).await?;
    Ok(Json(views::party(&party, caller.0.as_ref(), state.clock.now())))
}

async fn verify(
    state: AppState,
    caller: Caller,
    kind: PartyKind,
    id: String,
    input: DecisionInput,
) -> ApiResult<Json<PartyView>> {
    caller.require(&[Role::Operator], "verify parties")?;
    let note = input.note()?;
    let mut party = load(&state, kind, "id", &id).await?;
    let now = state.clock.now();
    let v =
        Verification::decide(input.decision, now, state.policy.verification_months, caller.account.id, note.clone());
    let entry = entry_by(
        &caller,
        now,
        &format!("{}.verify", kind.as_str()),
        party.id,
        json!({"decision": v.decision, "verified_until": v.verified_until, "note": note, "basis": "Order 117 Art. 8"}),
    );
    state.store.set_party_verification(party.id, &v, entry).await?;
    party.verification = Some(v);
    Ok(Json(views::party(&party, Some(&caller), now)))
}

macro_rules! party_routes {
    ($m:ident, $kind:expr, $tag:tt, $base:tt, $item:tt, $verify:tt, $c:tt, $l:tt, $g:tt, $v:tt) => {
        /// Routes for one kind of party.
        pub mod $m {
            use super::*;

            /// Register.
            #[utoipa::path(post, path = $base, tag = $tag, operation_id = $c, request_body = PartyInput, security(("bearer" = [])),
                responses((status = 201, body = PartyView), (status = 403, body = crate::error::Problem),
                          (status = 409, description = "duplicate identity or already registered", body = crate::error::Problem),
                          (status = 422, body = crate::error::Problem)))]
            pub async fn create(State(s): State<AppState>, caller: Caller, ApiJson(input): ApiJson<PartyInput>) -> ApiResult<(StatusCode, Json<PartyView>)> {
                super::create(s, caller, $kind, input).await
            }

            /// List, oldest first.
            #[utoipa::path(get, path = $base, tag = $tag, operation_id = $l, params(PageQuery), security(("bearer" = [])),
                responses((status = 200, body = List<PartyView>)))]
            pub async fn list(State(s): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<PageQuery>) -> ApiResult<Json<List<PartyView>>> {
                super::list(s, caller, $kind, q).await
            }

            /// One, by id. Public: these are the details a disclosure card shows; ID numbers of
            /// natural persons are masked for everyone but the owner and staff.
            #[utoipa::path(get, path = $item, tag = $tag, operation_id = $g, params(("id" = String, Path)),
                responses((status = 200, body = PartyView), (status = 404, body = crate::error::Problem)))]
            pub async fn get(State(s): State<AppState>, caller: MaybeCaller, Path(id): Path<String>) -> ApiResult<Json<PartyView>> {
                super::get(s, caller, $kind, id).await
            }

            /// Verify or reject (operators). An approval lasts `verification_months` (six).
            #[utoipa::path(post, path = $verify, tag = $tag, operation_id = $v, params(("id" = String, Path)),
                request_body = DecisionInput, security(("bearer" = [])),
                responses((status = 200, body = PartyView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
            pub async fn verify(State(s): State<AppState>, caller: Caller, Path(id): Path<String>, ApiJson(input): ApiJson<DecisionInput>) -> ApiResult<Json<PartyView>> {
                super::verify(s, caller, $kind, id, input).await
            }
        }
    };
}

party_routes!(
    merchants,
    PartyKind::Merchant,
    "merchants",
    "/api/v1/merchants",
    "/api/v1/merchants/{id}",
    "/api/v1/merchants/{id}/verify",
    "create_merchant",
    "list_merchants",
    "get_merchant",
    "verify_merchant"
);
party_routes!(
    goods_owners,
    PartyKind::GoodsOwner,
    "goods owners",
    "/api/v1/goods-owners",
    "/api/v1/goods-owners/{id}",
    "/api/v1/goods-owners/{id}/verify",
    "create_goods_owner",
    "list_goods_owners",
    "get_goods_owner",
    "verify_goods_owner"
);
party_routes!(
    room_operators,
    PartyKind::RoomOperator,
    "room operators",
    "/api/v1/room-operators",
    "/api/v1/room-operators/{id}",
    "/api/v1/room-operators/{id}/verify",
    "create_room_operator",
    "list_room_operators",
    "get_room_operator",
    "verify_room_operator"
);
party_routes!(
    agencies,
    PartyKind::Agency,
    "agencies",
    "/api/v1/agencies",
    "/api/v1/agencies/{id}",
    "/api/v1/agencies/{id}/verify",
    "create_agency",
    "list_agencies",
    "get_agency",
    "verify_agency"
);

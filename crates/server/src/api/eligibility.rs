//! `GET /api/v1/products/{id}/eligibility`: the selling threshold, answered with every reason.
//! The handler only gathers facts; `clearcast_domain::eligibility::check` decides.

use axum::extract::{Path, State};
use axum::Json;
use clearcast_domain::eligibility::{check, AnchorFacts, Context, Funds, Verdict};
use clearcast_domain::ids::{AnchorId, ProductId, RoomOperatorId};
use clearcast_domain::ledger::{AccountCode, AccountKind};
use clearcast_domain::party::PartyId;
use serde::{Deserialize, Serialize};

use crate::api::{anchors, products};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, ApiQuery};
use crate::state::AppState;

/// Whom to judge the product with.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EligibilityQuery {
    /// The anchor who would sell it (`anc_…`).
    pub anchor: Option<String>,
    /// The room it would be sold in (`rop_…`).
    pub room_operator: Option<String>,
}

/// The answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EligibilityView {
    /// The product judged.
    pub product_id: ProductId,
    /// The anchor judged, if any.
    pub anchor_id: Option<AnchorId>,
    /// The room operator judged, if any.
    pub room_operator_id: Option<RoomOperatorId>,
    /// The verdict with every unmet requirement.
    #[serde(flatten)]
    pub verdict: Verdict,
}

/// What a merchant or room operator holds on the ledger and owes (other parties hold nothing).
pub async fn funds_of(state: &AppState, party: PartyId) -> ApiResult<Funds> {
    let (deposit, receivable) = match party {
        PartyId::Merchant(m) => {
            (AccountCode::merchant(AccountKind::MerchantDeposit, m), AccountCode::merchant(AccountKind::Receivable, m))
        }
        PartyId::RoomOperator(r) => {
            (AccountCode::room(AccountKind::RoomOperatorDeposit, r), AccountCode::room(AccountKind::Receivable, r))
        }
        _ => return Ok(Funds::default()),
    };
    let deposit = state.store.ledger_balance(&deposit).await?;
    let owed = state.store.ledger_balance(&receivable).await?.saturating_neg().max(0);
    Ok(Funds { deposit, owed })
}

/// Judges a product (with an anchor and room, when given) now (shared with later capabilities).
pub async fn judge(
    state: &AppState,
    product: ProductId,
    anchor: Option<AnchorId>,
    room: Option<RoomOperatorId>,
) -> ApiResult<Verdict> {
    let p = state.store.get_product(product).await?.ok_or_else(|| ApiError::not_found("product"))?;
    let (seller, goods_owner) = products::parties_of(state, &p).await?;
    let quals = state.store.list_qualifications(p.id).await?;
    let insps = state.store.list_inspections(p.id).await?;
    let room_party = match room {
        Some(r) => Some(state.store.get_party(PartyId::RoomOperator(r)).await?.ok_or_else(|| {
            ApiError::not_found("room operator").field(
                "room_operator",
                "unknown_room_operator",
                format!("no room operator {r}"),
            )
        })?),
        None => None,
    };
    let (anchor_rec, trainings, blacklisted, agency) = match anchor {
        Some(a) => {
            let rec = state.store.get_anchor(a).await?.ok_or_else(|| {
                ApiError::not_found("anchor").field("anchor", "unknown_anchor", format!("no anchor {a}"))
            })?;
            let trainings = state.store.list_trainings(a).await?;
            let blacklisted = state.store.is_blacklisted(&rec.details.id_number).await?;
            let agency = anchors::agency_of(state, &rec).await?;
            (Some(rec), trainings, blacklisted, agency)
        }
        None => (None, Vec::new(), false, None),
    };
    let roster = match (room, anchor) {
        (Some(r), Some(a)) => state.store.roster_get(r, a).await?,
        _ => None,
    };
    let seller_funds = funds_of(state, seller.id).await?;
    let room_funds = match &room_party {
        Some(r) => Some(funds_of(state, r.id).await?),
        None => None,
    };
    let ctx = Context {
        product: &p,
        qualifications: &quals,
        inspections: &insps,
        seller: &seller,
        goods_owner: &goods_owner,
        room_operator: room_party.as_ref(),
        anchor: anchor_rec.as_ref().map(|anchor| AnchorFacts {
            anchor,
            trainings: &trainings,
            blacklisted,
            agency: agency.as_ref(),
        }),
        roster: roster.as_ref(),
        seller_funds,
        room_funds,
        policy: &state.policy,
        now: state.clock.now(),
    };
    Ok(check(&ctx))
}

/// May this product be sold (by this anchor, in this room) right now? Lists every unmet requirement
/// with its code, message, article and inputs. Without `anchor`/`room_operator` only the product
/// side is judged and `not_evaluated` says so.
#[utoipa::path(get, path = "/api/v1/products/{id}/eligibility", tag = "products", params(("id" = String, Path), EligibilityQuery),
    security(("bearer" = [])), responses((status = 200, body = EligibilityView), (status = 404, body = crate::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<EligibilityQuery>,
) -> ApiResult<Json<EligibilityView>> {
    let product: ProductId = parse_id("id", &id)?;
    let anchor = q.anchor.as_deref().map(|a| parse_id::<AnchorId>("anchor", a)).transpose()?;
    let room = q.room_operator.as_deref().map(|r| parse_id::<RoomOperatorId>("room_operator", r)).transpose()?;
    let verdict = judge(&state, product, anchor, room).await?;
    Ok(Json(EligibilityView { product_id: product, anchor_id: anchor, room_operator_id: room, verdict }))
}

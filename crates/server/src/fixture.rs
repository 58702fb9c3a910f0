//! A flash-sale fixture for the benchmark and the crash test: one live show selling one product
//! with a given stock, and many consumers with ready tokens. Built through the same registration
//! functions as the API (so every rule holds), except that the buyers share one password hash and
//! their tokens are written directly: hashing thousands of passwords would measure Argon2, not
//! checkout.

use chrono::Duration;
use clearcast_domain::account::{Account, Role};
use clearcast_domain::anchor::{AnchorInput, RosterEntry, TrainingKind, TrainingRecord};
use clearcast_domain::audit::AuditEntry;
use clearcast_domain::disclosure::AnchorRole;
use clearcast_domain::id_number::IdNumber;
use clearcast_domain::ids::{AccountId, TrainingId};
use clearcast_domain::lineup::LineupInput;
use clearcast_domain::money::Currency;
use clearcast_domain::party::{PartyId, PartyInput, PartyKind};
use clearcast_domain::product::{Category, ProductInput};
use clearcast_domain::show::ShowInput;
use clearcast_domain::uscc::Uscc;
use clearcast_domain::verification::{Decision, Verification};
use clearcast_store::TokenRecord;
use serde::{Deserialize, Serialize};

use axum::extract::{Path, State};
use axum::Json;

use crate::api::shows::{self, PinInput};
use crate::api::{anchors, parties, products};
use crate::auth::{new_token, token_hash, Caller};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;

/// What the driver needs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fixture {
    /// The live show.
    pub show_id: String,
    /// The product on sale.
    pub product_id: String,
    /// Its only variant.
    pub variant_id: String,
    /// Units in stock at the start.
    pub stock: i64,
    /// One bearer token per buyer.
    pub tokens: Vec<String>,
}

fn staff(username: &str, role: Role, state: &AppState) -> Account {
    Account { id: AccountId::generate(), username: username.into(), role, created_at: state.clock.now() }
}

fn org(name: &str, code17: &str) -> ApiResult<PartyInput> {
    Ok(PartyInput {
        legal_name: name.into(),
        uscc: Some(Uscc::complete(code17).map_err(ApiError::internal)?.to_string()),
        id_number: None,
        address: "浙江省杭州市".into(),
        contact: "0571-0000 0000".into(),
        licences: vec![],
    })
}

/// Seeds a flash sale into an empty store.
pub async fn seed_flash_sale(state: &AppState, buyers: usize, stock: i64) -> ApiResult<Fixture> {
    let now = state.clock.now();
    let hash = crate::auth::hash_password_async("bench-password-123".into()).await?;
    let who = |name: &str, role: Role| staff(name, role, state);
    let (op, merchant, room, anchor) = (
        who("bench-op", Role::Operator),
        who("bench-mer", Role::Merchant),
        who("bench-room", Role::RoomOperator),
        who("bench-anchor", Role::Anchor),
    );
    for a in [&op, &merchant, &room, &anchor] {
        state.store.create_account(a, &hash, None).await?;
    }
    let c = |a: &Account| Caller { account: a.clone(), token_hash: String::new() };
    let (mc, rc, ac) = (c(&merchant), c(&room), c(&anchor));
    let m = parties::register(state, &mc, PartyKind::Merchant, &org("闪购商贸有限公司", "91330106MA2FK0001")?).await?;
    let g =
        parties::register(state, &mc, PartyKind::GoodsOwner, &org("闪购品牌有限公司", "91330106MA2FK0002")?).await?;
    let r = parties::register(state, &rc, PartyKind::RoomOperator, &org("闪购直播间有限公司", "91330106MA2FK0003")?)
        .await?;
    let verify = |at| Verification::decide(Decision::Approve, at, state.policy.verification_months, op.id, None);
    let entry = |subject: String| AuditEntry {
        at: now,
        actor: op.id,
        action: "bench.verify".into(),
        subject,
        detail: serde_json::json!({}),
    };
    for p in [&m, &g, &r] {
        state.store.set_party_verification(p.id, &verify(now), entry(p.id.to_string())).await?;
    }
    // Deposits above every category's minimum, so the threshold's money check passes.
    {
        use clearcast_domain::ledger::{AccountCode, AccountKind, Transfer, TransferId, TransferKind};
        let (PartyId::Merchant(mid), PartyId::RoomOperator(rid)) = (m.id, r.id) else {
            return Err(ApiError::internal("bench party ids of another kind"));
        };
        let deposit = |id: &str, credit| -> ApiResult<Transfer> {
            Ok(Transfer {
                id: TransferId::try_from(format!("fixture:{id}:{}", uuid::Uuid::now_v7().simple()))
                    .map_err(ApiError::internal)?,
                debit: AccountCode::platform(AccountKind::ExternalCash),
                credit,
                amount: 10_000_000,
                currency: clearcast_domain::money::Currency::CNY,
                kind: TransferKind::Deposit,
                reference: Some("fixture".into()),
                at: now,
            })
        };
        let batch = vec![
            deposit("m", AccountCode::merchant(AccountKind::MerchantDeposit, mid))?,
            deposit("r", AccountCode::room(AccountKind::RoomOperatorDeposit, rid))?,
        ];
        state.store.post_transfers(batch).await?.map_err(|e| ApiError::internal(e.to_string()))?;
    }
    let idn = IdNumber::complete("33010619950101001").map_err(ApiError::internal)?;
    let a = anchors::register(
        state,
        &ac,
        &AnchorInput {
            real_name: "闪购主播".into(),
            stage_name: None,
            id_number: idn.expose().into(),
            birth_date: idn.birth_date().ok_or_else(|| ApiError::internal("birth date"))?,
            address: "杭州".into(),
            contact: "138".into(),
            agency_id: None,
            qualifications: vec![],
            guardian_consent: None,
        },
    )
    .await?;
    state.store.set_anchor_verification(a.id, &verify(now), entry(a.id.to_string())).await?;
    let t = TrainingRecord {
        id: TrainingId::generate(),
        anchor: a.id,
        kind: TrainingKind::PreFirstShow,
        category: None,
        completed_on: clearcast_domain::dates::china_date(now) - Duration::days(1),
        provider: "bench".into(),
        hours: 4,
        recorded_by: op.id,
        recorded_at: now,
    };
    state.store.insert_training(&t, entry(a.id.to_string())).await?;
    let PartyId::RoomOperator(rid) = r.id else { return Err(ApiError::internal("room id")) };
    state
        .store
        .roster_add(&RosterEntry { room_operator: rid, anchor: a.id, added_at: now, confirmed_at: Some(now) }, None)
        .await?;
    let product = products::register(
        state,
        &mc,
        &ProductInput {
            goods_owner_id: g.id.to_string(),
            merchant_id: None,
            title: "闪购收纳盒".into(),
            description: None,
            category: Category::Other,
            price_minor: 1990,
            currency: Currency::CNY,
            unit: "个".into(),
            stock: Some(stock),
            variants: vec![],
        },
    )
    .await?;
    let (_, Json(show)) = shows::create(
        State(state.clone()),
        rc.clone(),
        ApiJson(ShowInput {
            room_operator_id: None,
            title: "闪购".into(),
            scheduled_start: now,
            roster: vec![a.id.to_string()],
            stream_url: "https://live.example.com/flash.m3u8".into(),
            ai_presenter: false,
            script: None,
        }),
    )
    .await?;
    let sid = show.id.to_string();
    let (_, Json(item)) = shows::add_lineup(
        State(state.clone()),
        rc.clone(),
        Path(sid.clone()),
        ApiJson(LineupInput {
            product_id: product.id.to_string(),
            anchor_role: AnchorRole::Commissioned,
            commission_bps: 1000,
            show_price_minor: 990,
            unit: None,
            reference_price_minor: None,
            reference_basis: None,
            purchase_limit: Some(1),
        }),
    )
    .await?;
    let _started =
        shows::start(State(state.clone()), rc.clone(), Path(sid.clone()), ApiJson(shows::StartInput::default()))
            .await?;
    let _pinned = shows::pin(
        State(state.clone()),
        rc,
        Path(sid.clone()),
        ApiJson(PinInput { lineup_item_id: item.id.to_string() }),
    )
    .await?;
    let mut tokens = Vec::with_capacity(buyers);
    for i in 0..buyers {
        let buyer = staff(&format!("buyer-{i:06}"), Role::Consumer, state);
        state.store.create_account(&buyer, &hash, None).await?;
        let token = new_token();
        let rec = TokenRecord {
            token_hash: token_hash(&token),
            account: buyer.id,
            created_at: now,
            expires_at: now + Duration::hours(24),
        };
        state.store.insert_token(&rec).await?;
        tokens.push(token);
    }
    Ok(Fixture {
        show_id: sid,
        product_id: product.id.to_string(),
        variant_id: product.variants[0].id.to_string(),
        stock,
        tokens,
    })
}

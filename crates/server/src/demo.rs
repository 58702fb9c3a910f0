//! Demo data for `clearcast serve --demo`: a small, believable platform in which some goods may be
//! sold and others may not, each for a visible reason.
//!
//! Seeding goes through the same registration functions the API uses, so demo records obey every
//! rule real ones do. It runs once (when the demo operator account does not exist yet); every start
//! issues fresh tokens for the demo logins.

use chrono::{Duration, NaiveDate};
use clearcast_domain::account::{Account, Role};
use clearcast_domain::anchor::{AnchorInput, GuardianConsent, RosterEntry, TrainingKind, TrainingRecord};
use clearcast_domain::audit::AuditEntry;
use clearcast_domain::dates::{china_date, sub_months_date};
use clearcast_domain::id_number::IdNumber;
use clearcast_domain::ids::{AnchorId, TrainingId};
use clearcast_domain::ids::{InspectionId, QualificationId};
use clearcast_domain::money::Currency;
use clearcast_domain::party::{Licence, Party, PartyId, PartyInput, PartyKind};
use clearcast_domain::product::{Category, Product, ProductInput, VariantInput};
use clearcast_domain::qualification::{Inspection, Qualification, QualificationKind, Review};
use clearcast_domain::uscc::Uscc;
use clearcast_domain::verification::{Decision, Verification};
use serde_json::json;

use crate::api::shows::{self, PinInput};
use crate::api::{accounts, anchors, parties, products};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::Json;
use clearcast_domain::disclosure::AnchorRole;
use clearcast_domain::ids::ShowId;
use clearcast_domain::lineup::LineupInput;
use clearcast_domain::show::ShowInput;

/// One demo login.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    /// User name.
    pub username: &'static str,
    /// Password (demo only; printed at start).
    pub password: &'static str,
    /// Role.
    pub role: Role,
    /// What this account shows.
    pub about: &'static str,
}

/// The demo logins, one or more per role.
pub const LOGINS: &[DemoLogin] = &[
    DemoLogin {
        username: "operator",
        password: "operator-demo-pass",
        role: Role::Operator,
        about: "platform staff: verifies, reviews",
    },
    DemoLogin {
        username: "regulator",
        password: "regulator-demo-pass",
        role: Role::Regulator,
        about: "market regulator: reads everything",
    },
    DemoLogin {
        username: "haowu",
        password: "merchant-demo-pass",
        role: Role::Merchant,
        about: "杭州好物: sells its own brand",
    },
    DemoLogin {
        username: "youxuan",
        password: "merchant-demo-pass",
        role: Role::Merchant,
        about: "上海优选: sells other brands' goods",
    },
    DemoLogin {
        username: "xingguang",
        password: "room-demo-pass",
        role: Role::RoomOperator,
        about: "星光直播间: verified room operator",
    },
    DemoLogin {
        username: "chenxiaoyu",
        password: "room-demo-pass",
        role: Role::RoomOperator,
        about: "陈小鱼: a natural-person room operator, unverified",
    },
    DemoLogin { username: "xingyao", password: "agency-demo-pass", role: Role::Agency, about: "星耀 MCN: an agency" },
    DemoLogin {
        username: "lijia",
        password: "anchor-demo-pass",
        role: Role::Anchor,
        about: "李佳: verified, trained (incl. health food), on 星光's roster",
    },
    DemoLogin {
        username: "wangxm",
        password: "anchor-demo-pass",
        role: Role::Anchor,
        about: "王小明: verified, never trained",
    },
    DemoLogin {
        username: "zhaolei",
        password: "anchor-demo-pass",
        role: Role::Anchor,
        about: "赵磊: trained, verification expired",
    },
    DemoLogin {
        username: "consumer",
        password: "consumer-demo-pass",
        role: Role::Consumer,
        about: "a viewer and buyer",
    },
];

fn caller(account: Account) -> Caller {
    Caller { account, token_hash: String::new() }
}

async fn account(state: &AppState, username: &str) -> ApiResult<Account> {
    state
        .store
        .account_by_username(username)
        .await?
        .map(|(a, _)| a)
        .ok_or_else(|| ApiError::internal(format!("demo account {username} missing")))
}

/// Whether the demo has been seeded already.
pub async fn is_seeded(state: &AppState) -> ApiResult<bool> {
    Ok(state.store.account_by_username("operator").await?.is_some())
}

/// Issues a fresh token for every demo login: (login, token).
pub async fn tokens(state: &AppState) -> ApiResult<Vec<(DemoLogin, String)>> {
    let mut out = Vec::new();
    for l in LOGINS {
        let a = account(state, l.username).await?;
        let t = accounts::issue_token(state, a).await?;
        out.push((l.clone(), t.token));
    }
    Ok(out)
}

fn uscc(first17: &str) -> ApiResult<String> {
    Uscc::complete(first17).map(|u| u.to_string()).map_err(ApiError::internal)
}

fn id_number(first17: &str) -> ApiResult<IdNumber> {
    IdNumber::complete(first17).map_err(ApiError::internal)
}

fn org(name: &str, code17: &str, address: &str, contact: &str) -> ApiResult<PartyInput> {
    Ok(PartyInput {
        legal_name: name.into(),
        uscc: Some(uscc(code17)?),
        id_number: None,
        address: address.into(),
        contact: contact.into(),
        licences: vec![],
    })
}

async fn verify_party(state: &AppState, op: &Caller, p: &Party, at: chrono::DateTime<chrono::Utc>) -> ApiResult<()> {
    let v = Verification::decide(
        Decision::Approve,
        at,
        state.policy.verification_months,
        op.account.id,
        Some("demo: documents checked".into()),
    );
    let entry = AuditEntry {
        at: state.clock.now(),
        actor: op.account.id,
        action: format!("{}.verify", p.kind().as_str()),
        subject: p.id.to_string(),
        detail: json!({"decision": "approve", "demo": true}),
    };
    state.store.set_party_verification(p.id, &v, entry).await?;
    Ok(())
}

async fn verify_anchor(
    state: &AppState,
    op: &Caller,
    id: AnchorId,
    at: chrono::DateTime<chrono::Utc>,
) -> ApiResult<()> {
    let v = Verification::decide(
        Decision::Approve,
        at,
        state.policy.verification_months,
        op.account.id,
        Some("demo: identity checked".into()),
    );
    let entry = AuditEntry {
        at: state.clock.now(),
        actor: op.account.id,
        action: "anchor.verify".into(),
        subject: id.to_string(),
        detail: json!({"decision": "approve", "demo": true}),
    };
    state.store.set_anchor_verification(id, &v, entry).await?;
    Ok(())
}

async fn train(
    state: &AppState,
    op: &Caller,
    anchor: AnchorId,
    kind: TrainingKind,
    category: Option<Category>,
    on: NaiveDate,
) -> ApiResult<()> {
    let t = TrainingRecord {
        id: TrainingId::generate(),
        anchor,
        kind,
        category,
        completed_on: on,
        provider: "clearcast 主播学院".into(),
        hours: 8,
        recorded_by: op.account.id,
        recorded_at: state.clock.now(),
    };
    let entry = AuditEntry {
        at: state.clock.now(),
        actor: op.account.id,
        action: "anchor.training".into(),
        subject: anchor.to_string(),
        detail: json!({"training": t.id, "demo": true}),
    };
    state.store.insert_training(&t, entry).await?;
    Ok(())
}

struct Doc {
    kind: QualificationKind,
    number: &'static str,
    until_days: i64,
    reviewed: bool,
}

async fn document(
    state: &AppState,
    op: &Caller,
    p: &Product,
    docs: &[Doc],
    inspection: Option<(i64, bool)>,
) -> ApiResult<()> {
    let now = state.clock.now();
    let today = china_date(now);
    let review = Review { decision: Decision::Approve, reviewed_by: op.account.id, reviewed_at: now, note: None };
    for d in docs {
        let q = Qualification {
            id: QualificationId::generate(),
            product: p.id,
            kind: d.kind,
            number: d.number.into(),
            issuer: "市场监督管理局".into(),
            valid_from: today - Duration::days(700),
            valid_until: today + Duration::days(d.until_days),
            review: None,
            created_at: now,
        };
        state.store.insert_qualification(&q).await?;
        if d.reviewed {
            let entry = AuditEntry {
                at: now,
                actor: op.account.id,
                action: "qualification.review".into(),
                subject: q.id.to_string(),
                detail: json!({"decision": "approve", "demo": true}),
            };
            state.store.review_qualification(p.id, q.id, &review, entry).await?;
        }
    }
    if let Some((days_ago, passed)) = inspection {
        let i = Inspection {
            id: InspectionId::generate(),
            product: p.id,
            lab: "华测检测认证集团".into(),
            report_number: format!("CTI-{}", p.id.to_string().get(4..12).unwrap_or("00000000")),
            inspected_on: today - Duration::days(days_ago),
            passed,
            valid_until: None,
            review: None,
            created_at: now,
        };
        state.store.insert_inspection(&i).await?;
        let entry = AuditEntry {
            at: now,
            actor: op.account.id,
            action: "inspection.review".into(),
            subject: i.id.to_string(),
            detail: json!({"decision": "approve", "demo": true}),
        };
        state.store.review_inspection(p.id, i.id, &review, entry).await?;
    }
    Ok(())
}

fn product(
    goods_owner: &Party,
    title: &str,
    category: Category,
    price_minor: i64,
    unit: &str,
    stock: i64,
) -> ProductInput {
    ProductInput {
        goods_owner_id: goods_owner.id.to_string(),
        merchant_id: None,
        title: title.into(),
        description: None,
        category,
        price_minor,
        currency: Currency::CNY,
        unit: unit.into(),
        stock: Some(stock),
        variants: vec![],
    }
}

/// Seeds the demo platform once. Returns false if it was already there.
pub async fn seed(state: &AppState) -> ApiResult<bool> {
    if is_seeded(state).await? {
        return Ok(false);
    }
    for l in LOGINS {
        accounts::create_account(state, l.username, l.password, l.role).await?;
    }
    let now = state.clock.now();
    let today = china_date(now);
    let op = caller(account(state, "operator").await?);
    let haowu = caller(account(state, "haowu").await?);
    let youxuan = caller(account(state, "youxuan").await?);

    // Merchants; 杭州好物 is also the goods owner of its own brand (same USCC in both registries).
    let mut hz =
        org("杭州好物电子商务有限公司", "91330106MA2H0W001", "浙江省杭州市西湖区文三路 478 号 6 楼", "0571-8766 1200")?;
    hz.licences = vec![Licence {
        kind: "食品经营许可证".into(),
        number: "JY13301060012345".into(),
        issuer: "杭州市西湖区市场监督管理局".into(),
        valid_until: Some(today + Duration::days(900)),
    }];
    let m_hz = parties::register(state, &haowu, PartyKind::Merchant, &hz).await?;
    let m_sh = parties::register(
        state,
        &youxuan,
        PartyKind::Merchant,
        &org("上海优选商贸有限公司", "91310115MA1YX0002", "上海市浦东新区张杨路 1588 号", "021-5088 6600")?,
    )
    .await?;
    let g_hz = parties::register(state, &haowu, PartyKind::GoodsOwner, &hz).await?;
    let g_milk = parties::register(
        state,
        &youxuan,
        PartyKind::GoodsOwner,
        &org("内蒙古草原乳业有限公司", "91150100MA0RY0003", "内蒙古呼和浩特市金川开发区乳业路 1 号", "0471-330 2200")?,
    )
    .await?;
    let g_health = parties::register(
        state,
        &youxuan,
        PartyKind::GoodsOwner,
        &org(
            "健康源生物科技(广州)有限公司",
            "91440101MA5JK0004",
            "广东省广州市黄埔区科学城开源大道 11 号",
            "020-3206 8800",
        )?,
    )
    .await?;
    let g_beauty = parties::register(
        state,
        &haowu,
        PartyKind::GoodsOwner,
        &org("美丽日化(苏州)有限公司", "91320500MA1ML0005", "江苏省苏州市工业园区星湖街 328 号", "0512-6288 0100")?,
    )
    .await?;
    let g_seat = parties::register(
        state,
        &youxuan,
        PartyKind::GoodsOwner,
        &org(
            "安途童车制造(宁波)有限公司",
            "91330200MA2AT0006",
            "浙江省宁波市北仑区新碶街道明州路 66 号",
            "0574-8690 3300",
        )?,
    )
    .await?;
    let g_clean = parties::register(
        state,
        &youxuan,
        PartyKind::GoodsOwner,
        &org("洁康消毒用品有限公司", "91370100MA3JK0007", "山东省济南市历城区工业北路 9 号", "0531-8812 4400")?,
    )
    .await?;
    for p in [&m_hz, &m_sh, &g_hz, &g_milk, &g_health, &g_seat, &g_clean] {
        verify_party(state, &op, p, now - Duration::days(20)).await?;
    }
    // 美丽日化 stays unverified: its cosmetics cannot be sold.

    // Room operators: one verified company, one natural person awaiting verification.
    let xingguang = caller(account(state, "xingguang").await?);
    let r_xg = parties::register(
        state,
        &xingguang,
        PartyKind::RoomOperator,
        &org("星光直播间运营有限公司", "91330110MA2XG0008", "浙江省杭州市余杭区文一西路 998 号", "0571-8888 0808")?,
    )
    .await?;
    verify_party(state, &op, &r_xg, now - Duration::days(10)).await?;
    // The safety net's money: the platform funds its guarantee pool; the merchants and the room
    // hold consumer-protection deposits of at least their categories' minimums (上海优选 exactly the
    // health-food and baby minimum, so a recovery takes it below and stops its sales until topped up).
    {
        use clearcast_domain::ledger::{AccountCode as A, AccountKind as K, Transfer, TransferId, TransferKind};
        let (PartyId::Merchant(hz_id), PartyId::Merchant(sh_id), PartyId::RoomOperator(xg_id)) =
            (m_hz.id, m_sh.id, r_xg.id)
        else {
            return Err(ApiError::internal("demo party ids of another kind"));
        };
        let cash = A::platform(K::ExternalCash);
        let moves = [
            ("demo-pool-funding", A::platform(K::GuaranteePool), 5_000_000, TransferKind::Funding),
            ("demo-deposit-haowu", A::merchant(K::MerchantDeposit, hz_id), 2_000_000, TransferKind::Deposit),
            ("demo-deposit-youxuan", A::merchant(K::MerchantDeposit, sh_id), 1_000_000, TransferKind::Deposit),
            ("demo-deposit-xingguang", A::room(K::RoomOperatorDeposit, xg_id), 1_000_000, TransferKind::Deposit),
        ];
        let batch = moves
            .into_iter()
            .map(|(id, credit, amount, kind)| {
                Ok(Transfer {
                    id: TransferId::try_from(id.to_string()).map_err(ApiError::internal)?,
                    debit: cash,
                    credit,
                    amount,
                    currency: clearcast_domain::money::Currency::CNY,
                    kind,
                    reference: Some("demo".into()),
                    at: now,
                })
            })
            .collect::<ApiResult<Vec<_>>>()?;
        state.store.post_transfers(batch).await?.map_err(|e| ApiError::internal(e.to_string()))?;
    }
    let chen = caller(account(state, "chenxiaoyu").await?);
    let chen_id = id_number("33010619950705202")?;
    parties::register(
        state,
        &chen,
        PartyKind::RoomOperator,
        &PartyInput {
            legal_name: "陈小鱼".into(),
            uscc: None,
            id_number: Some(chen_id.expose().to_string()),
            address: "浙江省杭州市拱墅区湖墅南路 100 号".into(),
            contact: "138 0571 0000".into(),
            licences: vec![],
        },
    )
    .await?;

    let agency_caller = caller(account(state, "xingyao").await?);
    let agency = parties::register(
        state,
        &agency_caller,
        PartyKind::Agency,
        &org("星耀文化传媒有限公司", "91330106MA2XY0009", "浙江省杭州市滨江区网商路 699 号", "0571-8600 9900")?,
    )
    .await?;
    verify_party(state, &op, &agency, now - Duration::days(30)).await?;

    // Anchors.
    let mk = |name: &str, stage: &str, id: &IdNumber, agency: Option<&Party>| AnchorInput {
        real_name: name.into(),
        stage_name: Some(stage.into()),
        id_number: id.expose().to_string(),
        birth_date: id.birth_date().unwrap_or(NaiveDate::MIN),
        address: "浙江省杭州市".into(),
        contact: "139 0000 0000".into(),
        agency_id: agency.map(|a| a.id.to_string()),
        qualifications: vec![],
        guardian_consent: None::<GuardianConsent>,
    };
    let li = anchors::register(
        state,
        &caller(account(state, "lijia").await?),
        &mk("李佳", "佳佳", &id_number("33010219920314182")?, Some(&agency)),
    )
    .await?;
    let wang = anchors::register(
        state,
        &caller(account(state, "wangxm").await?),
        &mk("王小明", "小明哥", &id_number("31010419980808123")?, Some(&agency)),
    )
    .await?;
    let zhao = anchors::register(
        state,
        &caller(account(state, "zhaolei").await?),
        &mk("赵磊", "磊哥", &id_number("11010519900101301")?, None),
    )
    .await?;
    verify_anchor(state, &op, li.id, now - Duration::days(15)).await?;
    verify_anchor(state, &op, wang.id, now - Duration::days(15)).await?;
    verify_anchor(state, &op, zhao.id, now - Duration::days(220)).await?;
    train(state, &op, li.id, TrainingKind::PreFirstShow, None, today - Duration::days(90)).await?;
    train(state, &op, li.id, TrainingKind::Category, Some(Category::HealthFood), today - Duration::days(60)).await?;
    train(state, &op, zhao.id, TrainingKind::PreFirstShow, None, sub_months_date(today, 5)).await?;
    let PartyId::RoomOperator(rid) = r_xg.id else { return Err(ApiError::internal("room id kind")) };
    for (a, confirmed) in [(li.id, true), (wang.id, true), (zhao.id, false)] {
        let entry =
            RosterEntry { room_operator: rid, anchor: a, added_at: now, confirmed_at: confirmed.then_some(now) };
        state.store.roster_add(&entry, None).await?;
    }

    // Products, each eligible or not for a visible reason.
    use QualificationKind as Q;
    let rice = products::register(
        state,
        &haowu,
        &product(&g_hz, "东北五常大米 稻花香 5kg", Category::Food, 6990, "袋 (5 kg)", 5000),
    )
    .await?;
    document(
        state,
        &op,
        &rice,
        &[Doc { kind: Q::FoodProductionLicence, number: "SC10123018400123", until_days: 800, reviewed: true }],
        Some((40, true)),
    )
    .await?;
    let milk = products::register(
        state,
        &youxuan,
        &product(&g_milk, "草原有机纯牛奶 250ml×12", Category::Food, 5990, "箱", 3000),
    )
    .await?;
    document(
        state,
        &op,
        &milk,
        &[Doc { kind: Q::FoodProductionLicence, number: "SC10615010500456", until_days: 500, reviewed: true }],
        Some((430, true)),
    )
    .await?;
    let fishoil = products::register(
        state,
        &youxuan,
        &product(&g_health, "深海鱼油软胶囊 120 粒", Category::HealthFood, 12800, "瓶", 2000),
    )
    .await?;
    document(
        state,
        &op,
        &fishoil,
        &[
            Doc { kind: Q::HealthFoodRegistration, number: "国食健注G20190123", until_days: 600, reviewed: true },
            Doc { kind: Q::FoodProductionLicence, number: "SC12744011200789", until_days: 600, reviewed: true },
        ],
        Some((60, true)),
    )
    .await?;
    let cream = products::register(
        state,
        &haowu,
        &product(&g_beauty, "玻尿酸保湿面霜 50g", Category::Cosmetics, 15900, "瓶", 800),
    )
    .await?;
    document(
        state,
        &op,
        &cream,
        &[Doc { kind: Q::CosmeticsFiling, number: "苏G妆网备字2025001234", until_days: 900, reviewed: false }],
        Some((30, true)),
    )
    .await?;
    let seat = products::register(
        state,
        &youxuan,
        &product(&g_seat, "儿童安全座椅 ISOFIX 9个月-12岁", Category::Baby, 89900, "台", 300),
    )
    .await?;
    document(
        state,
        &op,
        &seat,
        &[Doc { kind: Q::CccCertificate, number: "2021011119000123", until_days: -20, reviewed: true }],
        Some((100, true)),
    )
    .await?;
    let buds = products::register(
        state,
        &haowu,
        &ProductInput {
            variants: vec![
                VariantInput { label: "白色".into(), stock: 1200, price_minor: None },
                VariantInput { label: "黑色".into(), stock: 800, price_minor: None },
            ],
            stock: None,
            ..product(&g_hz, "好物 真无线蓝牙耳机 Pro", Category::Electronics, 29900, "副", 0)
        },
    )
    .await?;
    document(
        state,
        &op,
        &buds,
        &[Doc { kind: Q::CccCertificate, number: "2024011606000456", until_days: 1000, reviewed: true }],
        None,
    )
    .await?;
    let tee = products::register(
        state,
        &haowu,
        &ProductInput {
            variants: ["S", "M", "L", "XL"]
                .iter()
                .map(|s| VariantInput { label: (*s).into(), stock: 500, price_minor: None })
                .collect(),
            stock: None,
            ..product(&g_hz, "好物 新疆长绒棉短袖 T 恤", Category::Apparel, 7900, "件", 0)
        },
    )
    .await?;
    document(state, &op, &tee, &[], None).await?;
    products::register(state, &haowu, &product(&g_hz, "一次性电子烟 薄荷味", Category::Other, 3900, "支", 1000))
        .await?;
    let bleach = products::register(
        state,
        &youxuan,
        &product(&g_clean, "84 消毒液 1.2L", Category::Disinfectant, 1990, "瓶", 6000),
    )
    .await?;
    document(
        state,
        &op,
        &bleach,
        &[Doc {
            kind: Q::DisinfectantFiling, number: "鲁卫消备字2024第0123号", until_days: 700, reviewed: true
        }],
        Some((90, true)),
    )
    .await?;

    // Shows: two on air in 星光's room (one with an AI presenter), one scheduled for 王小明.
    let room = caller(account(state, "xingguang").await?);
    let item = |p: &Product, role: AnchorRole, price: i64, reference: Option<(i64, &str)>| LineupInput {
        product_id: p.id.to_string(),
        anchor_role: role,
        commission_bps: if role == AnchorRole::OwnGoods { 0 } else { 2000 },
        show_price_minor: price,
        unit: None,
        reference_price_minor: reference.map(|r| r.0),
        reference_basis: reference.map(|r| r.1.to_string()),
        purchase_limit: Some(5),
    };
    let main_show = live_show(
        state,
        &room,
        "双十二好物节 · 佳佳直播间",
        &li.id,
        false,
        &[
            item(&rice, AnchorRole::Commissioned, 5990, Some((6990, "直播前 7 日最低成交价"))),
            item(&fishoil, AnchorRole::Commissioned, 9900, Some((12800, "品牌官方旗舰店标价"))),
            item(&buds, AnchorRole::Advertising, 25900, None),
        ],
    )
    .await?;
    // 李佳's first minutes on air: a clean line, a slip that the scanner catches, and her
    // correction on the spot (Art. 31). The slip is a red finding: a violation and a warning.
    let _said = crate::api::speech::transcript(
        State(state.clone()),
        caller(account(state, "lijia").await?),
        Path(main_show.to_string()),
        ApiJson(crate::api::speech::TranscriptInput {
            anchor_id: None,
            lang: Some("zh".into()),
            segments: vec![
                segment("demo-1", 15_000, "家人们晚上好，今天的五常大米是今年的新米，十斤一袋。", None),
                segment("demo-2", 42_000, "五常大米，全国第一的好米！", None),
                segment("demo-3", 51_000, "更正一下，是我们家卖得比较好的一款，口感软糯。", Some("demo-2")),
            ],
        }),
    )
    .await?;
    live_show(
        state,
        &room,
        "AI 数字人夜场 · 居家清洁",
        &li.id,
        true,
        &[item(&bleach, AnchorRole::Commissioned, 1590, None)],
    )
    .await?;
    let _scheduled = shows::create(
        State(state.clone()),
        room.clone(),
        ApiJson(ShowInput {
            room_operator_id: None,
            title: "明晚 8 点 · 小明哥数码专场".into(),
            // "Tomorrow at 8 pm", China time (UTC+8): 12:00 UTC of the next China day.
            scheduled_start: tomorrow_8pm_china(now),
            roster: vec![wang.id.to_string()],
            stream_url: "https://live.clearcast.example/xingguang/xiaoming.m3u8".into(),
            ai_presenter: false,
            script: Some("今天给大家带来好物耳机，音质清晰，续航 30 小时。".into()),
        }),
    )
    .await?;
    // Inspections were reviewed straight in the store above: read every fact in once more.
    crate::quality::rebuild(state).await?;
    Ok(true)
}

fn segment(id: &str, at_ms: u64, text: &str, corrects: Option<&str>) -> crate::api::speech::SegmentInput {
    crate::api::speech::SegmentInput { id: id.into(), at_ms, text: text.into(), corrects: corrects.map(str::to_string) }
}

/// Creates a show with one anchor and a lineup, starts it and pins the first item.
async fn live_show(
    state: &AppState,
    room: &Caller,
    title: &str,
    anchor: &AnchorId,
    ai: bool,
    lineup: &[LineupInput],
) -> ApiResult<ShowId> {
    let (_, Json(show)) = shows::create(
        State(state.clone()),
        room.clone(),
        ApiJson(ShowInput {
            room_operator_id: None,
            title: title.into(),
            scheduled_start: state.clock.now(),
            roster: vec![anchor.to_string()],
            stream_url: format!(
                "https://live.clearcast.example/xingguang/{}.m3u8",
                if ai { "ai-night" } else { "main" }
            ),
            ai_presenter: ai,
            script: Some(
                "家人们好！今天的大米是五常核心产区的稻花香，直播间价 59.9 元一袋，比直播前 7 天最低成交价便宜 10 元。"
                    .into(),
            ),
        }),
    )
    .await?;
    let id = show.id.to_string();
    let mut first = None;
    for l in lineup {
        let (_, Json(item)) =
            shows::add_lineup(State(state.clone()), room.clone(), Path(id.clone()), ApiJson(l.clone())).await?;
        first.get_or_insert(item.id);
    }
    let _started =
        shows::start(State(state.clone()), room.clone(), Path(id.clone()), ApiJson(shows::StartInput::default()))
            .await?;
    if let Some(item) = first {
        let _pinned = shows::pin(
            State(state.clone()),
            room.clone(),
            Path(id.clone()),
            ApiJson(PinInput { lineup_item_id: item.to_string() }),
        )
        .await?;
    }
    Ok(show.id)
}

/// 20:00 China time (UTC+8, no daylight saving) on the day after `now`'s China day.
fn tomorrow_8pm_china(now: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    let china_day = (now + Duration::hours(8)).date_naive();
    let next = china_day.succ_opt().unwrap_or(china_day);
    // 20:00 is a valid time of day; `and_hms_opt` fails only for out-of-range fields.
    next.and_hms_opt(12, 0, 0).map(|t| t.and_utc()).unwrap_or(now + Duration::days(1))
}

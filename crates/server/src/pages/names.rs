//! What the pages call the platform's states and kinds, in Chinese and English. The API keeps
//! its snake_case keys; a page shows people words. One place, so a complaint status reads the same
//! on every console.

use clearcast_domain::complaint::{ComplaintCategory, ComplaintStatus};
use clearcast_domain::compliance::Label;
use clearcast_domain::penalty::MeasureKind;

use super::Lang;

/// Complaint categories in the order the charts stack them, with their names.
pub const CATEGORIES: [(&str, &str, &str); 8] = [
    ("quality", "质量问题", "quality"),
    ("not_as_described", "与描述不符", "not as described"),
    ("false_advertising", "虚假宣传", "false advertising"),
    ("counterfeit", "假冒伪劣", "counterfeit"),
    ("disclosure_missing", "未亮明经营者信息", "disclosure missing"),
    ("price_fraud", "价格欺诈", "price fraud"),
    ("service", "服务", "service"),
    ("food_safety", "食品安全", "food safety"),
];

/// A complaint category's name from its API key; an unknown key is shown as it is.
pub fn category_key(l: Lang, key: &str) -> String {
    CATEGORIES.iter().find(|(k, _, _)| *k == key).map(|(_, zh, en)| l.t(zh, en).to_string()).unwrap_or(key.to_string())
}

/// Where a category sorts: the fixed order first, unknown keys after.
pub fn category_rank(key: &str) -> usize {
    CATEGORIES.iter().position(|(k, _, _)| *k == key).unwrap_or(CATEGORIES.len())
}

/// A complaint category's name.
pub fn category(l: Lang, c: ComplaintCategory) -> String {
    category_key(l, c.as_str())
}

/// A complaint status's name.
pub fn complaint_status(l: Lang, s: ComplaintStatus) -> &'static str {
    match s {
        ComplaintStatus::Filed => l.t("待商家回应", "awaiting the merchant"),
        ComplaintStatus::Responded => l.t("商家已回应，待平台受理", "responded, awaiting review"),
        ComplaintStatus::UnderReview => l.t("平台审理中", "under review"),
        ComplaintStatus::Upheld => l.t("投诉成立", "upheld"),
        ComplaintStatus::Rejected => l.t("投诉不成立", "rejected"),
        ComplaintStatus::Compensated => l.t("成立并已先行赔付", "upheld and compensated"),
    }
}

/// A measure's name.
pub fn measure(l: Lang, k: MeasureKind) -> &'static str {
    match k {
        MeasureKind::Warning => l.t("警告", "warning"),
        MeasureKind::FeatureLimit => l.t("限制功能", "feature limit"),
        MeasureKind::TrafficLimit => l.t("限制流量", "traffic limit"),
        MeasureKind::LiveSuspension => l.t("暂停直播", "live suspension"),
        MeasureKind::TimedStop => l.t("限期停止直播", "timed stop"),
        MeasureKind::AccountClosure => l.t("关闭账号", "account closure"),
        MeasureKind::NoReregistration => l.t("关闭账号并禁止重新注册", "closure, no re-registration"),
        MeasureKind::Blacklist => l.t("列入黑名单", "blacklisted"),
    }
}

/// A speech finding's label.
pub fn label(l: Lang, x: Label) -> &'static str {
    match x {
        Label::AbsoluteClaim => l.t("绝对化用语", "absolute claim"),
        Label::MedicalClaim => l.t("医疗功效宣称", "medical claim"),
        Label::OffPlatform => l.t("诱导站外交易", "off-platform trading"),
        Label::PriceFraud => l.t("虚假价格比较", "fake price comparison"),
        Label::FalseAuthority => l.t("虚构权威背书", "false authority"),
        Label::Guarantee => l.t("保证性承诺", "guarantee"),
        Label::Disparagement => l.t("贬低竞品", "disparaging rivals"),
        Label::Abuse => l.t("辱骂", "abuse"),
    }
}

/// Every measure kind.
const MEASURES: [MeasureKind; 8] = [
    MeasureKind::Warning,
    MeasureKind::FeatureLimit,
    MeasureKind::TrafficLimit,
    MeasureKind::LiveSuspension,
    MeasureKind::TimedStop,
    MeasureKind::AccountClosure,
    MeasureKind::NoReregistration,
    MeasureKind::Blacklist,
];

/// The names the pages' scripts need for what arrives as API keys (speech labels, severities,
/// measures), as a JSON object for a `<meta>` tag: the scripts show words, not keys.
pub fn script_names(l: Lang) -> String {
    let mut m = serde_json::Map::new();
    for x in Label::ALL {
        m.insert(x.as_str().into(), label(l, x).into());
    }
    for k in MEASURES {
        m.insert(k.as_str().into(), measure(l, k).into());
    }
    m.insert("red".into(), l.t("严重", "serious").into());
    m.insert("yellow".into(), l.t("提醒", "caution").into());
    m.insert("room_operator".into(), l.t("直播间运营者", "the room operator").into());
    m.insert("anchor".into(), l.t("主播", "the anchor").into());
    if l == Lang::Zh {
        for (code, zh) in super::reasons::PROBLEMS {
            m.insert(format!("problem:{code}"), (*zh).into());
        }
        for (code, zh) in super::reasons::FIELD_PROBLEMS {
            m.insert(format!("field:{code}"), (*zh).into());
        }
    }
    serde_json::Value::Object(m).to_string()
}

// Names for the viewer pages and the room, operator and regulator consoles (issue 9 polish).

/// A show's status, as its badge says it.
pub fn show_status(l: Lang, s: clearcast_domain::show::ShowStatus) -> &'static str {
    use clearcast_domain::show::ShowStatus;
    match s {
        ShowStatus::Scheduled => l.t("待开播", "scheduled"),
        ShowStatus::Live => l.t("直播中", "live"),
        ShowStatus::Suspended => l.t("已被暂停", "suspended"),
        ShowStatus::Ended => l.t("已结束", "ended"),
    }
}

/// A part of a reputation score.
pub fn reputation_component(l: Lang, c: clearcast_domain::reputation::Component) -> &'static str {
    use clearcast_domain::reputation::Component;
    match c {
        Component::ProductQuality => l.t("商品质量评分", "product quality rating"),
        Component::AsDescribed => l.t("描述相符评分", "as-described rating"),
        Component::Explanation => l.t("讲解准确评分", "explanation accuracy rating"),
        Component::Logistics => l.t("物流评分", "delivery rating"),
        Component::Service => l.t("服务评分", "service rating"),
        Component::QualityReturns => l.t("质量问题退货", "quality returns"),
        Component::NotAsDescribedReturns => l.t("与描述不符退货", "not-as-described returns"),
        Component::LateShipments => l.t("延迟发货", "late shipments"),
        Component::Inspections => l.t("抽检不合格", "failed inspections"),
        Component::Violations => l.t("讲解违规扣分", "talk violation points"),
        Component::UpheldComplaints => l.t("成立的投诉", "upheld complaints"),
    }
}

/// A violation's status.
pub fn violation_status(l: Lang, s: clearcast_domain::violation::ViolationStatus) -> &'static str {
    use clearcast_domain::violation::ViolationStatus;
    match s {
        ViolationStatus::Pending => l.t("待平台确认", "awaiting review"),
        ViolationStatus::Confirmed => l.t("已确认（计分）", "confirmed (points apply)"),
        ViolationStatus::Dismissed => l.t("不构成违规", "dismissed"),
        ViolationStatus::Reversed => l.t("已撤销", "reversed"),
    }
}

/// A feed ranking factor (`why.components[].name`); an unknown key is shown as it is.
pub fn feed_factor(l: Lang, key: &str) -> String {
    match key {
        "anchor_reputation" => l.t("主播口碑", "anchor reputation"),
        "lineup_reputation" => l.t("商品口碑", "product reputation"),
        "conversion" => l.t("真实成交转化", "net conversion"),
        "engagement" => l.t("观看与点赞", "viewers and likes"),
        other => return other.to_string(),
    }
    .to_string()
}

/// A feed adjustment (`why.adjustments[].kind`); an unknown key is shown as it is.
pub fn feed_adjustment(l: Lang, key: &str) -> String {
    match key {
        "traffic_limit" => l.t("处罚限流", "traffic limit (a measure)"),
        "score_floor" => l.t("口碑低于下限", "below the score floor"),
        "newcomer_slot" => l.t("新主播扶持位", "newcomer slot"),
        "merchant_cap" => l.t("同一商家限位", "one-merchant cap"),
        other => return other.to_string(),
    }
    .to_string()
}

/// A product category (`food`, `health_food`, …); an unknown key is shown as it is.
pub fn product_category_key(l: Lang, key: &str) -> String {
    use clearcast_domain::product::Category;
    let Some(c) = Category::ALL.into_iter().find(|c| c.as_str() == key) else { return key.to_string() };
    match c {
        Category::Food => l.t("食品", "food"),
        Category::HealthFood => l.t("保健食品", "health food"),
        Category::Cosmetics => l.t("化妆品", "cosmetics"),
        Category::Baby => l.t("母婴用品", "baby goods"),
        Category::Apparel => l.t("服装纺织", "apparel"),
        Category::Electronics => l.t("电子电器", "electronics"),
        Category::Home => l.t("家居日用", "household goods"),
        Category::Jewelry => l.t("珠宝首饰", "jewellery"),
        Category::Disinfectant => l.t("消毒产品", "disinfectants"),
        Category::Other => l.t("其他", "other"),
    }
    .to_string()
}

// Names for the consumer's orders page and the merchant's returns (issue 9, orders and returns).

/// An order's status, as the consumer's order card and the merchant's console say it.
pub fn order_status(l: Lang, s: clearcast_domain::order::OrderStatus) -> &'static str {
    use clearcast_domain::order::OrderStatus;
    match s {
        OrderStatus::Placed => l.t("待付款", "awaiting payment"),
        OrderStatus::Paid => l.t("已付款，待发货", "paid, awaiting shipment"),
        OrderStatus::Shipped => l.t("已发货", "shipped"),
        OrderStatus::Delivered => l.t("已送达", "delivered"),
        OrderStatus::Completed => l.t("已完成", "completed"),
        OrderStatus::Cancelled => l.t("已取消", "cancelled"),
        OrderStatus::Refunded => l.t("已退款", "refunded"),
    }
}

/// Why goods are returned.
pub fn return_kind(l: Lang, k: clearcast_domain::returns::ReturnKind) -> &'static str {
    use clearcast_domain::returns::ReturnKind;
    match k {
        ReturnKind::NoReason => l.t("七天无理由退货", "7-day no-reason return"),
        ReturnKind::Quality => l.t("质量问题", "quality problem"),
        ReturnKind::NotAsDescribed => l.t("与描述不符", "not as described"),
    }
}

/// Where a return stands.
pub fn return_status(l: Lang, s: clearcast_domain::returns::ReturnStatus) -> &'static str {
    use clearcast_domain::returns::ReturnStatus;
    match s {
        ReturnStatus::Requested => l.t("待商家处理", "awaiting the seller's decision"),
        ReturnStatus::Refunded => l.t("已同意，已退款", "approved and refunded"),
        ReturnStatus::Rejected => l.t("已拒绝", "refused"),
    }
}

/// A compensation line in words: how it was computed and the law, in the page's language. The API
/// keeps its English explanation; `price` (minor units, what the consumer paid) tells a multiple of
/// the price from the statutory floor.
pub fn compensation_line(l: Lang, line: &clearcast_domain::complaint::CompensationLine, price: i64) -> String {
    let y = super::layout::yuan;
    match line.kind.as_str() {
        "refund" if line.amount == 0 => l
            .t(
                "价款已随订单退还（《消费者权益保护法》第二十四条）",
                "the price paid came back with the order itself (Consumer Protection Law Art. 24)",
            )
            .to_string(),
        "refund" => match l {
            Lang::Zh => format!("退还所付价款 {}（《消费者权益保护法》第二十四条）", y(line.amount)),
            Lang::En => format!("refund of the price paid, {} (Consumer Protection Law Art. 24)", y(line.amount)),
        },
        "punitive_3x" if line.amount == price.saturating_mul(3) => match l {
            Lang::Zh => format!(
                "价款的三倍：3 × {} = {}（《消费者权益保护法》第五十五条：经营者有欺诈行为的，增加赔偿价款的三倍）",
                y(price),
                y(line.amount)
            ),
            Lang::En => format!(
                "three times the price paid: 3 × {} = {} (Consumer Protection Law Art. 55: fraud)",
                y(price),
                y(line.amount)
            ),
        },
        "punitive_3x" => match l {
            Lang::Zh => format!(
                "价款的三倍 {} 不足五百元，按 {} 赔偿（《消费者权益保护法》第五十五条）",
                y(price.saturating_mul(3)),
                y(line.amount)
            ),
            Lang::En => format!(
                "three times the price paid ({}) is below the floor of ¥500: {} (Consumer Protection Law Art. 55)",
                y(price.saturating_mul(3)),
                y(line.amount)
            ),
        },
        "punitive_10x" if line.amount == price.saturating_mul(10) => match l {
            Lang::Zh => format!(
                "价款的十倍：10 × {} = {}（《食品安全法》第一百四十八条：不符合食品安全标准的食品）",
                y(price),
                y(line.amount)
            ),
            Lang::En => {
                format!("ten times the price paid: 10 × {} = {} (Food Safety Law Art. 148)", y(price), y(line.amount))
            }
        },
        "punitive_10x" => match l {
            Lang::Zh => format!(
                "价款的十倍 {} 不足一千元，按 {} 赔偿（《食品安全法》第一百四十八条）",
                y(price.saturating_mul(10)),
                y(line.amount)
            ),
            Lang::En => format!(
                "ten times the price paid ({}) is below the floor of ¥1,000: {} (Food Safety Law Art. 148)",
                y(price.saturating_mul(10)),
                y(line.amount)
            ),
        },
        // A kind this page does not know yet: the API's own words.
        _ => format!("{} ({})", line.explanation, line.basis),
    }
}

// Names for the operator console (issue 9, operator console).

/// A product qualification's kind (`food_business_licence`, `cosmetics_filing`, …).
pub fn qualification_kind(l: Lang, k: clearcast_domain::qualification::QualificationKind) -> &'static str {
    use clearcast_domain::qualification::QualificationKind as Q;
    match k {
        Q::FoodProductionLicence => l.t("食品生产许可证（SC）", "food production licence (SC)"),
        Q::FoodBusinessLicence => l.t("食品经营许可证", "food business licence"),
        Q::CccCertificate => l.t("强制性产品认证（CCC）", "compulsory certification (CCC)"),
        Q::CosmeticsFiling => l.t("普通化妆品备案", "cosmetics filing"),
        Q::CosmeticsRegistration => l.t("特殊化妆品注册证", "special cosmetics registration"),
        Q::HealthFoodRegistration => l.t("保健食品注册证书", "health food registration"),
        Q::HealthFoodFiling => l.t("保健食品备案凭证", "health food filing"),
        Q::ConformityCertificate => l.t("产品合格证", "conformity certificate"),
        Q::DisinfectantFiling => l.t("消毒产品卫生安全评价备案", "disinfectant safety filing"),
        Q::PreciousMetalCertificate => l.t("贵金属纯度检测证书", "precious metal certificate"),
        Q::Other => l.t("其他资质", "other document"),
    }
}

/// A party's licence kind. The API takes free text here, so a merchant may have written a name
/// ("食品经营许可证") or a key: a qualification key or `business_licence` gets its name, anything
/// else is shown as written.
pub fn licence_kind(l: Lang, key: &str) -> String {
    if let Some(k) = clearcast_domain::qualification::QualificationKind::parse(key) {
        return qualification_kind(l, k).to_string();
    }
    match key {
        "business_licence" | "business_license" => l.t("营业执照", "business licence").to_string(),
        other => other.to_string(),
    }
}

/// A complaint's abuse flag (`AbuseFlag::kind`); an unknown key is shown as it is.
pub fn abuse_flag(l: Lang, key: &str) -> String {
    match key {
        "repeatedly_rejected" => l.t("多次投诉不成立", "repeatedly rejected"),
        "burst_against_one_party" => l.t("短时间内集中投诉同一商家", "many complaints against one seller"),
        other => return other.to_string(),
    }
    .to_string()
}

/// A variant after the product's title: " · 红色 500ml", or nothing for a product sold in one
/// variant (the API calls that one `default`).
pub fn variant(v: &str) -> String {
    if v == "default" || v.is_empty() {
        String::new()
    } else {
        format!(" · {v}")
    }
}

#[cfg(test)]
mod operator_name_tests {
    use clearcast_domain::qualification::QualificationKind;

    use super::*;

    #[test]
    fn licence_and_flag_keys_have_names_and_unknown_ones_stay() {
        assert_eq!(licence_kind(Lang::Zh, "food_business_licence"), "食品经营许可证");
        assert_eq!(licence_kind(Lang::En, "cosmetics_filing"), "cosmetics filing");
        assert_eq!(licence_kind(Lang::Zh, "食品经营许可证"), "食品经营许可证");
        assert_eq!(qualification_kind(Lang::En, QualificationKind::CccCertificate), "compulsory certification (CCC)");
        assert_eq!(abuse_flag(Lang::Zh, "repeatedly_rejected"), "多次投诉不成立");
        assert_eq!(abuse_flag(Lang::En, "new_kind"), "new_kind");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_have_names_and_a_fixed_order() {
        assert_eq!(category_key(Lang::En, "price_fraud"), "price fraud");
        assert_eq!(category_key(Lang::Zh, "quality"), "质量问题");
        assert_eq!(category_key(Lang::En, "new_kind"), "new_kind");
        assert_eq!(category(Lang::Zh, ComplaintCategory::FoodSafety), "食品安全");
        assert!(category_rank("quality") < category_rank("food_safety"));
        assert_eq!(category_rank("new_kind"), CATEGORIES.len());
    }

    #[test]
    fn scripts_get_a_name_for_every_label_and_measure() {
        let v: serde_json::Value = serde_json::from_str(&script_names(Lang::Zh)).unwrap();
        assert_eq!(v["medical_claim"], "医疗功效宣称");
        assert_eq!(v["traffic_limit"], "限制流量");
        assert_eq!(v["red"], "严重");
        let fixed = Label::ALL.len() + MEASURES.len() + 4;
        assert_eq!(
            v.as_object().unwrap().len(),
            fixed + super::super::reasons::PROBLEMS.len() + super::super::reasons::FIELD_PROBLEMS.len()
        );
        assert_eq!(v["problem:sold_out"], "已售罄。");
        let en: serde_json::Value = serde_json::from_str(&script_names(Lang::En)).unwrap();
        assert_eq!(en.as_object().unwrap().len(), fixed, "English pages show the API's own detail");
    }

    #[test]
    fn every_category_has_a_name() {
        for (k, _, en) in CATEGORIES {
            let c: ComplaintCategory = serde_json::from_value(serde_json::json!(k)).unwrap();
            assert_eq!(category(Lang::En, c), en);
        }
    }
}

#[cfg(test)]
mod compensation_tests {
    use clearcast_domain::complaint::{compensation, ComplaintCategory};
    use clearcast_domain::money::Money;

    use super::*;

    #[test]
    fn compensation_lines_read_in_both_languages_with_the_floor_named() {
        let price = Money::cny(5990);
        let c = compensation(ComplaintCategory::FalseAdvertising, price, false);
        let zh: Vec<String> = c.lines.iter().map(|x| compensation_line(Lang::Zh, x, price.minor)).collect();
        assert_eq!(zh[0], "退还所付价款 ¥59.90（《消费者权益保护法》第二十四条）");
        assert_eq!(zh[1], "价款的三倍 ¥179.70 不足五百元，按 ¥500.00 赔偿（《消费者权益保护法》第五十五条）");
        let big = Money::cny(100_000);
        let c = compensation(ComplaintCategory::FoodSafety, big, true);
        let en: Vec<String> = c.lines.iter().map(|x| compensation_line(Lang::En, x, big.minor)).collect();
        assert_eq!(en[0], "the price paid came back with the order itself (Consumer Protection Law Art. 24)");
        assert_eq!(en[1], "ten times the price paid: 10 × ¥1000.00 = ¥10000.00 (Food Safety Law Art. 148)");
    }
}

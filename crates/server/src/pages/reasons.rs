//! Reasons in the page's language: legal bases, unmet requirements and the API's problems. The
//! API speaks English with stable codes; a Chinese page turns the codes into sentences and keeps
//! the English detail one click away, so nothing the API said is lost.

use super::Lang;

/// What a Chinese page says for the API's problem codes (the API's `detail` is English and
/// stays one click away, under the sentence). English pages show the API's `detail` itself.
pub const PROBLEMS: &[(&str, &str)] = &[
    ("validation_failed", "填写的内容有误，请按提示修改。"),
    ("malformed_json", "提交的内容格式不对，请检查各项填写。"),
    ("unreadable_body", "提交的内容无法读取，请检查各项填写。"),
    ("invalid_id", "编号格式不对。"),
    ("not_found", "找不到这项记录，可能已被删除或编号有误。"),
    ("forbidden", "你的账号没有权限做这件事。"),
    ("unauthorized", "请先登录。"),
    ("invalid_credentials", "用户名或密码不对。"),
    ("regulator_read_only", "监管账号只能查看，不能修改平台数据。"),
    ("invalid_order_state", "订单当前的状态不允许这样操作。"),
    ("order_state_changed", "订单刚刚被其他操作改变了，请刷新后再试。"),
    ("order_not_paid", "只有已付款的订单可以投诉。"),
    ("complaint_exists", "这笔订单已经有一个投诉了；被驳回后可以申诉。"),
    ("invalid_complaint_state", "投诉当前的状态不允许这样操作。"),
    ("complaint_state_changed", "投诉刚刚被其他操作改变了，请刷新后再试。"),
    ("already_appealed", "已经申诉过一次，不能再次申诉。"),
    ("not_liable", "裁决没有让你承担责任，无需申诉。"),
    ("appeal_not_allowed", "这项措施不能申诉（已申诉过或已不在执行中）。"),
    ("appeal_not_pending", "这项申诉已经处理过了。"),
    ("already_decided", "已经处理过了，请刷新。"),
    ("show_not_live", "直播没有在进行中。"),
    ("invalid_show_state", "直播当前的状态不允许这样操作。"),
    ("show_state_changed", "直播状态刚刚改变了，请刷新后再试。"),
    ("not_eligible", "准入条件未满足，不能进行：见下面列出的原因。"),
    ("script_not_compliant", "脚本有严重违规，不能开播：修改下面列出的说法，或由平台运营填写理由强制开播。"),
    ("sold_out", "已售罄。"),
    ("purchase_limit_exceeded", "超过了每人限购数量。"),
    ("checkout_busy", "下单人数太多，请几秒后再试。"),
    ("payment_failed", "付款没有成功，请重试。"),
    ("ledger_refused", "账户余额不足或款项不符，未执行。"),
    ("database_unavailable", "平台暂时无法保存，请稍后再试。"),
    ("order_not_delivered", "订单送达后才可以这样操作。"),
    ("return_already_requested", "已经申请过退货。"),
    ("no_reason_return_excluded", "这类商品不适用七天无理由退货，仍可因质量问题退货。"),
    ("return_window_passed", "已经过了可以申请退货的期限。"),
    ("already_reviewed", "这笔订单已经评价过了，可以追加评价。"),
    ("too_many_follow_ups", "追加评价已达上限。"),
    ("already_replied", "已经回复过这条评价。"),
    ("no_review", "这笔订单还没有评价。"),
    ("username_taken", "用户名已被使用。"),
    ("duplicate_identity", "这个身份已经注册过。"),
    ("already_in_lineup", "商品已经在本场直播的商品列表中。"),
    ("already_on_roster", "主播已经在直播间名单中。"),
    ("notice_closed", "这份监管通知已经处理完毕。"),
    ("internal", "平台出了错误，已记录，请稍后再试。"),
];

/// What a Chinese page says for the API's field error codes, after the field's label.
pub const FIELD_PROBLEMS: &[(&str, &str)] = &[
    ("required", "必填"),
    ("out_of_range", "超出允许的范围"),
    ("too_long", "太长"),
    ("too_short", "太短"),
    ("too_many", "数量太多"),
    ("too_large", "太大"),
    ("invalid", "格式不对"),
    ("invalid_phone", "电话号码格式不对（5 到 20 位数字）"),
    ("invalid_url", "网址格式不对"),
    ("in_future", "不能晚于现在"),
    ("before_start", "不能早于开始时间"),
    ("not_allowed", "不允许"),
    ("unknown_value", "不是可选的值"),
    ("unknown_product", "找不到这个商品"),
    ("unknown_variant", "找不到这个规格"),
    ("unknown_show", "找不到这场直播"),
    ("unknown_anchor", "找不到这位主播"),
    ("not_in_lineup", "不在本场直播的商品列表中"),
    ("sold_out", "已售罄"),
    ("purchase_limit_exceeded", "超过每人限购数量"),
    ("malformed_id", "编号格式不对"),
    ("invalid_type", "类型不对"),
    ("under_age", "未满年龄要求"),
    ("blacklisted", "已被列入黑名单"),
];

/// A finding's suggestion in the page's language: the rule's own, from the catalogue in force
/// (a recorded finding keeps the suggestion in the language the anchor's client asked for); the
/// recorded one when the rule is no longer in the catalogue.
pub fn suggestion(
    l: Lang,
    rules: &clearcast_domain::compliance::Catalogue,
    f: &clearcast_domain::compliance::Finding,
) -> String {
    match rules.rules().iter().find(|r| r.id == f.rule) {
        Some(r) => match l {
            Lang::Zh => r.suggestion_zh.clone(),
            Lang::En => r.suggestion_en.clone(),
        },
        None => f.suggestion.clone(),
    }
}

/// The sentence a Chinese page says for an API problem code, if it has one.
pub fn problem(l: Lang, code: &str) -> Option<&'static str> {
    match l {
        Lang::En => None,
        Lang::Zh => PROBLEMS.iter().find(|(c, _)| *c == code).map(|(_, zh)| *zh),
    }
}

/// An unmet requirement in the page's language: a Chinese page names whose requirement it is and
/// what is missing from the code (the API's message is English); the article follows.
pub fn unmet(l: Lang, u: &clearcast_domain::eligibility::Unmet) -> String {
    let said = match l {
        Lang::En => u.message.clone(),
        Lang::Zh => unmet_zh(&u.code).unwrap_or_else(|| u.message.clone()),
    };
    match l {
        Lang::Zh => format!("{said}（{}）", basis(l, &u.article)),
        Lang::En => format!("{said} ({})", u.article),
    }
}

fn unmet_zh(code: &str) -> Option<String> {
    const WHOLE: &[(&str, &str)] = &[
        ("prohibited_goods", "禁止在直播中销售的商品"),
        ("qualification_missing", "缺少该类目要求的资质证明"),
        ("qualification_expired", "资质证明已过期"),
        ("qualification_not_yet_valid", "资质证明尚未生效"),
        ("qualification_rejected", "资质证明被平台驳回"),
        ("qualification_unverified", "资质证明等待平台审核"),
        ("inspection_missing", "缺少合格的检验报告"),
        ("inspection_failed", "检验报告结论为不合格"),
        ("inspection_too_old", "检验报告过旧，需要新的报告"),
        ("inspection_expired", "检验报告已过有效期"),
        ("inspection_unverified", "检验报告等待平台审核"),
        ("anchor_not_on_roster", "主播不在该直播间的主播名单中"),
        ("anchor_roster_unconfirmed", "直播间尚未确认这位主播的身份"),
        ("anchor_blacklisted", "主播已被列入黑名单"),
        ("anchor_under_age", "主播未满 16 周岁，不能担任主播"),
        ("anchor_guardian_consent_missing", "未成年主播缺少监护人同意"),
        ("anchor_training_missing", "主播未完成平台培训"),
        ("anchor_training_expired", "主播的培训已过期，需要重新培训"),
        ("anchor_category_training_missing", "主播未完成该类目的专门培训"),
    ];
    const SUBJECTS: &[(&str, &str)] = &[
        ("goods_owner", "货主"),
        ("room_operator", "直播间运营者"),
        ("seller", "销售者"),
        ("anchor", "主播"),
        ("agency", "MCN 机构"),
        ("product", "商品"),
    ];
    const WHAT: &[(&str, &str)] = &[
        ("unverified", "尚未通过平台核验"),
        ("verification_rejected", "的核验被平台驳回"),
        ("verification_expired", "的核验已过期，需要重新核验"),
        ("licence_expired", "的许可证已过期"),
        ("receivable_unsettled", "有未结清的平台先行赔付款"),
        ("deposit_below_minimum", "的保证金低于该类目的最低要求"),
    ];
    if let Some((_, zh)) = WHOLE.iter().find(|(c, _)| *c == code) {
        return Some((*zh).to_string());
    }
    let (who, rest) = SUBJECTS.iter().find_map(|(s, zh)| code.strip_prefix(s)?.strip_prefix('_').map(|r| (*zh, r)))?;
    WHAT.iter().find(|(w, _)| *w == rest).map(|(_, what)| format!("{who}{what}"))
}

/// A legal basis in the page's language. Rules write theirs "中文 / English" and a page shows
/// its own half; the platform's own bases are English ("Order 117 Art. 12-14; E-commerce Law
/// Art. 58"), which a Chinese page reads as 《直播电商监督管理办法》第 12-14 条 and so on.
/// Anything not recognised is shown as written.
pub fn basis(l: Lang, s: &str) -> String {
    // A measure over several rules joins their bases with " | ": each is said in turn.
    if s.contains(" | ") {
        let parts: Vec<String> = s.split(" | ").map(|p| basis(l, p)).collect();
        let mut unique: Vec<String> = Vec::new();
        for p in parts {
            if !unique.contains(&p) {
                unique.push(p);
            }
        }
        return unique.join(l.t("；", "; "));
    }
    if let Some((zh, en)) = s.split_once(" / ") {
        return match l {
            Lang::Zh => zh.to_string(),
            Lang::En => en.to_string(),
        };
    }
    if l == Lang::En {
        return s.to_string();
    }
    const LAWS: &[(&str, &str)] = &[
        ("Order 117 ", "《直播电商监督管理办法》"),
        ("Consumer Protection Law ", "《消费者权益保护法》"),
        ("CPL ", "《消费者权益保护法》"),
        ("E-commerce Law ", "《电子商务法》"),
        ("Food Safety Law ", "《食品安全法》"),
        ("Product Quality Law ", "《产品质量法》"),
        ("Minors Protection Law ", "《未成年人保护法》"),
        ("Advertising Law ", "《广告法》"),
        ("Price Law ", "《价格法》"),
    ];
    s.split("; ")
        .map(|part| {
            let (law, rest) =
                LAWS.iter().find_map(|(en, zh)| part.strip_prefix(en).map(|r| (Some(*zh), r))).unwrap_or((None, part));
            let Some(articles) = rest.strip_prefix("Art. ") else { return part.to_string() };
            // "12-14", "8, 28" or "13 (measure)": the numbers, then anything after them as written.
            let end = articles
                .find(|c: char| !(c.is_ascii_digit() || matches!(c, ',' | ' ' | '-' | '¶')))
                .unwrap_or(articles.len());
            let (nums, tail) = articles.split_at(end);
            let nums = nums.trim_end();
            format!("{}第 {} 条{}", law.unwrap_or(""), nums.trim(), if tail.is_empty() { "" } else { " " }) + tail
        })
        .collect::<Vec<_>>()
        .join("；")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clearcast_domain::eligibility::{Subject, Unmet};

    #[test]
    fn bases_read_in_the_page_language() {
        assert_eq!(basis(Lang::Zh, "Order 117 Art. 12"), "《直播电商监督管理办法》第 12 条");
        assert_eq!(
            basis(Lang::Zh, "Order 117 Art. 8, 28; E-commerce Law Art. 58"),
            "《直播电商监督管理办法》第 8, 28 条；《电子商务法》第 58 条"
        );
        assert_eq!(basis(Lang::Zh, "Order 117 Art. 13 (measure)"), "《直播电商监督管理办法》第 13 条 (measure)");
        assert_eq!(basis(Lang::Zh, "广告法第九条 / Advertising Law Art. 9"), "广告法第九条");
        assert_eq!(basis(Lang::En, "广告法第九条 / Advertising Law Art. 9"), "Advertising Law Art. 9");
        assert_eq!(basis(Lang::En, "Order 117 Art. 12"), "Order 117 Art. 12");
        assert_eq!(basis(Lang::Zh, "policy feed.traffic_limit_factor"), "policy feed.traffic_limit_factor");
        let two = "价格法第十四条 / Price Law Art. 14 | 广告法第九条 / Advertising Law Art. 9 | 价格法第十四条 / Price Law Art. 14";
        assert_eq!(basis(Lang::Zh, two), "价格法第十四条；广告法第九条");
        assert_eq!(basis(Lang::En, two), "Price Law Art. 14; Advertising Law Art. 9");
    }

    fn u(code: &str) -> Unmet {
        Unmet {
            code: code.into(),
            subject: Subject::Seller,
            subject_id: "mer_1".into(),
            message: "english message".into(),
            article: "Order 117 Art. 27".into(),
            inputs: Default::default(),
        }
    }

    #[test]
    fn unmet_requirements_are_said_in_chinese_by_their_codes() {
        assert_eq!(
            unmet(Lang::Zh, &u("seller_verification_expired")),
            "销售者的核验已过期，需要重新核验（《直播电商监督管理办法》第 27 条）"
        );
        assert_eq!(
            unmet(Lang::Zh, &u("goods_owner_unverified")),
            "货主尚未通过平台核验（《直播电商监督管理办法》第 27 条）"
        );
        assert_eq!(unmet(Lang::Zh, &u("inspection_missing")), "缺少合格的检验报告（《直播电商监督管理办法》第 27 条）");
        assert_eq!(unmet(Lang::Zh, &u("something_new")), "english message（《直播电商监督管理办法》第 27 条）");
        assert_eq!(unmet(Lang::En, &u("inspection_missing")), "english message (Order 117 Art. 27)");
    }
}

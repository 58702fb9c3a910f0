//! The viewer's pages: the home feed (every card explains its place) and a show page with the
//! disclosure card always in view. The consumer's orders are in [`super::orders`].

use axum::extract::{Path, State};
use clearcast_domain::account::Role;
use clearcast_domain::disclosure::{AnchorRole, DisclosureCard};
use clearcast_domain::feed::{Adjustment, FeedPolicy};
use clearcast_domain::show::ShowStatus;
use maud::{html, Markup};

use super::layout::{form_status, page, when, yuan};
use super::{names, ok, Ctx, Lang, PageResult};
use crate::api::chat::{self, ChatQuery, ChatView};
use crate::api::feed::{self, FeedQuery};
use crate::api::products;
use crate::api::shows::{self, LineupView, ShowView};
use crate::auth::MaybeCaller;
use crate::extract::ApiQuery;
use crate::state::AppState;

/// The numbers in a text, in order (`4.50`, `2`, `0.2`), to reword it.
fn numbers_in(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices() {
        let part = c.is_ascii_digit() || (c == '.' && start.is_some());
        match (part, start) {
            (true, None) => start = Some(i),
            (false, Some(b)) => {
                out.push(s[b..i].trim_end_matches('.'));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(b) = start {
        out.push(s[b..].trim_end_matches('.'));
    }
    out
}

/// A ranking factor's input in the page language. The feed states it in English with its figures
/// (see `clearcast_domain::feed::quality_first`); in Chinese the same figures go into Chinese
/// words. A text whose figures do not fit the known form is shown as the feed wrote it.
fn factor_input(l: Lang, name: &str, input: &str) -> String {
    if l == Lang::En {
        return input.to_string();
    }
    match (name, numbers_in(input).as_slice()) {
        ("anchor_reputation", [score, n, published]) => {
            format!("{n} 位主播的平均口碑 {score}（{published} 位已公布评分）")
        }
        ("lineup_reputation", [score, n]) => format!("{n} 件商品的平均口碑 {score}"),
        ("conversion", [buyers, viewers, rate, full]) => {
            format!("已付款且未退款的买家 {buyers} 人 / 观众 {viewers} 人 = {rate}；达到 {full} 即满分")
        }
        ("engagement", [viewers, counted, cap, all]) => {
            format!("登录观众 {viewers} 人，计入点赞 {counted} 个（每人最多计 {cap} 个；共 {all} 个）")
        }
        _ => input.to_string(),
    }
}

/// An adjustment's row in the "why" table: its name, what triggered it, and what it did. The
/// words come from the kind and the policy's figures, not the feed's `detail`, which names
/// records by id (`anc_…`, `msr_…`, `mch_…`) and is written in English.
fn adjustment_row(l: Lang, a: &Adjustment, position: u32, p: &FeedPolicy) -> Markup {
    let input = match a.kind {
        "traffic_limit" => l
            .t(
                "主播或直播间有限制流量的处罚措施正在执行（第 13 条）",
                "a traffic-limit measure is in force on an anchor or the room (Art. 13)",
            )
            .to_string(),
        "score_floor" => match l {
            Lang::Zh => format!("有主播的公开口碑低于下限 {}", p.score_floor),
            Lang::En => format!("an anchor's published score is below the floor of {}", p.score_floor),
        },
        "newcomer_slot" => match l {
            Lang::Zh => format!("第 {position} 位留给还没有公开口碑的新主播（冷启动扶持）"),
            Lang::En => format!("position {position} is kept for a newcomer without a published score yet"),
        },
        "merchant_cap" => match l {
            Lang::Zh => format!("同一商家在前 {} 位中最多占 {} 个，此场顺延", p.merchant_cap_top, p.merchant_cap),
            Lang::En => format!(
                "one merchant holds at most {} of the top {} positions; this show waited",
                p.merchant_cap, p.merchant_cap_top
            ),
        },
        _ => a.detail.clone(),
    };
    html! {
        tr data-adjustment=(a.kind) {
            td { span.badge.warn { (names::feed_adjustment(l, a.kind)) } }
            td { (input) }
            td { @match a.factor {
                Some(f) => { "× " (format!("{f:.2}")) }
                None if a.kind == "newcomer_slot" => { (l.t("扶持位", "reserved slot")) }
                None => { (l.t("顺延", "moved down")) }
            } }
        }
    }
}

/// `GET /`: the live shows in the order the quality-first feed gives, each with its reasons.
pub async fn home(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let l = ctx.lang;
    let q = FeedQuery { policy: None, limit: Some(50) };
    let policy = state.policy.feed.clone();
    let axum::Json(feed) = feed::feed(State(state), MaybeCaller(ctx.user.clone()), ApiQuery(q)).await?;
    let body = html! {
        h1 { (l.t("正在直播", "Live now")) }
        p.muted { (l.t(
            "排序看商品口碑、主播讲解是否真实、消费者反馈，而不只是热闹。每张卡片都说明它为什么在这里。",
            "Shows are ranked by product reputation, the honesty of the anchor's explanations and consumer feedback, not entertainment alone. Every card says why it is here."
        )) }
        @if feed.items.is_empty() {
            p.card { (l.t("现在没有直播。", "No show is live right now.")) }
        }
        div.grid {
            @for item in &feed.items {
                article.card {
                    h2 { a href={"/shows/" (item.show_id)} { (item.title) } }
                    @let slot = item.why.adjustments.iter().any(|a| a.kind == "newcomer_slot");
                    p { span.badge.live { (names::show_status(l, ShowStatus::Live)) } " "
                        span.muted { (l.t("第 ", "#")) (item.position) (l.t(" 位 · 得分 ", " · score ")) (format!("{:.3}", item.why.score)) }
                        @if slot { " " span.badge.ok data-newcomer="slot" { (l.t("新主播扶持位", "newcomer slot")) } }
                        @else if item.why.newcomer { " " span.badge data-newcomer { (l.t("新主播", "newcomer")) } }
                    }
                    details.why {
                        summary { (l.t("我为什么看到这个？", "Why am I seeing this?")) }
                        div.table-wrap { table {
                            thead { tr { th { (l.t("因素", "Factor")) } th { (l.t("依据", "Input")) } th { (l.t("贡献", "Contribution")) } } }
                            tbody {
                                @for c in &item.why.components {
                                    tr data-factor=(c.name) { td { (names::feed_factor(l, c.name)) } td { (factor_input(l, c.name, &c.input)) }
                                        td { (format!("{:.3} × {:.2} = {:.3}", c.value, c.weight, c.contribution)) } }
                                }
                                @for a in &item.why.adjustments { (adjustment_row(l, a, item.position, &policy)) }
                            }
                            tfoot { tr { th scope="row" colspan="2" { (l.t("得分", "Score")) } td { (format!("{:.3}", item.why.score)) } } }
                        } }
                    }
                }
            }
        }
        p.muted { a href="/api/v1/feed/policy" { (l.t("排序规则（JSON）", "The ranking policy (JSON)")) } }
    };
    ok(page(&ctx, l.t("正在直播", "Live now"), body))
}

fn anchor_role(l: Lang, r: Option<AnchorRole>) -> &'static str {
    match r {
        Some(AnchorRole::OwnGoods) => l.t("主播销售自有商品", "the anchor sells their own goods"),
        Some(AnchorRole::Commissioned) => {
            l.t("主播受商家委托带货（收取佣金）", "the anchor sells on commission for the seller")
        }
        Some(AnchorRole::Advertising) => l.t("主播为商品做广告代言", "the anchor advertises the goods"),
        None => l.t("未置顶商品", "no product pinned"),
    }
}

/// The disclosure card (Order 117 Art. 26): who sells, whose goods, who runs the room, in what
/// role the anchor speaks.
pub fn disclosure(l: Lang, card: &DisclosureCard) -> Markup {
    html! {
        section.card.disclosure #disclosure aria-labelledby="disclosure-h" {
            h2 #disclosure-h { (l.t("经营者信息（亮照亮证）", "Who is selling (disclosure)")) }
            dl {
                @if let Some(s) = &card.seller {
                    dt { (l.t("销售者", "Seller")) } dd data-seller { (s.name) }
                    dt { (l.t("统一社会信用代码", "USCC")) } dd { (s.uscc) }
                    dt { (l.t("地址", "Address")) } dd { (s.address) }
                    dt { (l.t("联系方式", "Contact")) } dd { (s.contact) }
                }
                @if let Some(g) = &card.goods_owner {
                    dt { (l.t("货源方（商品所有者）", "Goods owner")) } dd data-goods-owner { (g.name) }
                    dt { (l.t("货源方统一社会信用代码", "Owner's USCC")) } dd { (g.uscc) }
                    dt { (l.t("货源方地址", "Owner's address")) } dd { (g.address) " · " (g.contact) }
                }
                dt { (l.t("直播间运营者", "Room operator")) } dd { (card.room_operator.name) }
                // A company's code in full; a person's ID number masked (the card's own rule).
                dt { (l.t("运营者证照号码", "Operator's registration")) } dd { (card.room_operator.uscc_or_masked_id) }
                dt { (l.t("运营者地址", "Operator's address")) } dd { (card.room_operator.address) " · " (card.room_operator.contact) }
                dt { (l.t("主播身份", "Anchor's role")) } dd { (anchor_role(l, card.anchor_role)) }
                @if card.ai_presenter {
                    dt { (l.t("主播", "Presenter")) } dd { strong { (l.t("AI 数字人", "AI-generated presenter")) } }
                }
            }
        }
    }
}

/// The pinned product, with its stock as it is now (`stock`, when it could be read): the live
/// channel keeps it current, and a page without JavaScript still shows the figure.
fn pinned(ctx: &Ctx, show: &ShowView, item: Option<&LineupView>, stock: Option<i64>) -> Markup {
    let l = ctx.lang;
    let Some(item) = item else {
        return html! { section.card #pinned { p { (l.t("主播还没有置顶商品。", "Nothing is pinned yet.")) } } };
    };
    let key = format!("page-{:032x}", rand::random::<u128>());
    html! {
        section.card #pinned aria-labelledby="pinned-h" {
            h2 #pinned-h { (item.title) }
            p { span.price { (yuan(item.show_price.minor)) } " / " (item.unit) }
            @if let Some(r) = &item.reference {
                p.muted { (l.t("参考价 ", "Reference price ")) s { (yuan(r.price.minor)) } " — " (l.t("依据：", "basis: ")) (r.basis) }
            }
            p.muted { (l.t("库存 ", "In stock ")) span data-stock { @match stock { Some(n) => { (n) } None => { "—" } } }
                @if let Some(n) = item.purchase_limit { " · " (l.t("每人限购 ", "limit per buyer ")) (n) } }
            @if show.status == ShowStatus::Live {
                @match ctx.role() {
                    Some(Role::Consumer) => {
                        form.stack data-api="/api/v1/orders" data-idempotency=(key) data-then="go:/me/orders"
                            data-ok=(l.t("下单成功，正在前往我的订单…", "Order placed; opening your orders…")) {
                            input type="hidden" name="product_id" value=(item.product_id);
                            input type="hidden" name="show_id" value=(show.id);
                            label for="qty" { (l.t("数量", "Quantity")) }
                            input #qty name="quantity" type="number" min="1" max=(item.purchase_limit.unwrap_or(999).min(999)) value="1" data-type="int" required;
                            label for="ship-name" { (l.t("收货人", "Recipient")) }
                            input #ship-name name="shipping.name" autocomplete="name" required;
                            label for="ship-phone" { (l.t("手机号", "Phone")) }
                            input #ship-phone name="shipping.phone" autocomplete="tel" required;
                            label for="ship-addr" { (l.t("收货地址", "Address")) }
                            input #ship-addr name="shipping.address" autocomplete="street-address" required;
                            button type="submit" data-buy { (l.t("立即购买", "Buy now")) }
                            (form_status())
                        }
                    }
                    Some(_) => { p.muted { (l.t("以消费者账号登录后可购买。", "Sign in as a consumer to buy.")) } }
                    None => { p { a href={"/login?next=/shows/" (show.id)} { (l.t("登录后购买", "Sign in to buy")) } } }
                }
            }
        }
    }
}

/// Comments listed on a show page when it opens (the live channel adds new ones above them).
const EARLIER_COMMENTS: usize = 50;
/// Pages of the chat read to find its newest comments: the chat lists oldest first, and a show
/// page must not read without end (a show with more than this many pages shows the first part).
const EARLIER_PAGES: usize = 10;

/// The show's newest comments, newest first, as the chat API gives them to this visitor (the
/// room and staff also see hidden ones). A chat that cannot be read leaves the list empty rather
/// than failing the page that carries the disclosure card.
async fn earlier_comments(state: &AppState, ctx: &Ctx, id: &str) -> Vec<ChatView> {
    let mut all: Vec<ChatView> = Vec::new();
    let mut cursor = None;
    for _ in 0..EARLIER_PAGES {
        let q = ChatQuery { cursor: cursor.take(), limit: Some(200) };
        let Ok(axum::Json(page)) =
            chat::list(State(state.clone()), MaybeCaller(ctx.user.clone()), Path(id.to_string()), ApiQuery(q)).await
        else {
            break;
        };
        all.extend(page.items);
        if all.len() > EARLIER_COMMENTS {
            all.drain(..all.len() - EARLIER_COMMENTS);
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    all.reverse();
    all
}

/// `GET /shows/{id}`.
pub async fn show(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> PageResult {
    let l = ctx.lang;
    let axum::Json(show) = shows::get(State(state.clone()), MaybeCaller(ctx.user.clone()), Path(id)).await?;
    let card = show.pinned.as_ref().map(|p| &p.disclosure).unwrap_or(&show.disclosure);
    // The stock from the public product page; without it the page says "—" rather than failing.
    let stock = match &show.pinned {
        Some(p) => {
            products::get(State(state.clone()), Path(p.product_id.to_string())).await.ok().map(|j| j.0.total_stock)
        }
        None => None,
    };
    let earlier = earlier_comments(&state, &ctx, &show.id.to_string()).await;
    let body = html! {
        div data-live-show=(show.id) {
            h1 { (show.title) " "
                @if show.status == ShowStatus::Live { span.badge.live data-status { (names::show_status(l, show.status)) } }
                @else { span.badge data-status { (names::show_status(l, show.status)) } }
            }
            @match show.status {
                ShowStatus::Scheduled => { p data-scheduled-start { (l.t("计划开播时间：", "Starts at ")) strong { (when(show.scheduled_start)) } (l.t("（北京时间）", " (China time)")) } }
                ShowStatus::Ended => { @if let Some(t) = show.ended_at { p.muted { (l.t("已于 ", "Ended at ")) (when(t)) (l.t(" 结束", "")) } } }
                _ => {}
            }
            // The label is written "中文 / English" for the API; a page shows its own language.
            @if let Some(label) = show.ai_label { p.ai-label { (super::reasons::basis(l, label)) } }
            p.muted { (l.t("主播：", "Anchors: ")) @for (i, a) in show.roster.iter().enumerate() { @if i > 0 { "、" } (a.name) } }
            div.show-layout {
                div.stack {
                    video.player controls playsinline poster="/assets/poster.svg" src=(show.stream_url)
                        aria-label=(l.t("直播画面", "Live video")) {}
                    p.ticker aria-live="off" {
                        span { (l.t("成交 ", "Buyers ")) b data-buyers { "0" } }
                        span { (l.t("观看 ", "Viewers ")) b data-viewers { "0" } }
                        span { (l.t("点赞 ", "Likes ")) b data-likes { "0" } }
                        span.muted hidden data-live-line { (l.t("实时连接：", "Live link: ")) span data-live-state { "…" } }
                    }
                    ul.findings data-notices aria-live="polite" aria-label=(l.t("平台通知", "Platform notices")) {}
                }
                div.stack {
                    (disclosure(l, card))
                    (pinned(&ctx, &show, show.pinned.as_ref(), stock))
                }
            }
            section.card aria-labelledby="comments-h" {
                h2 #comments-h { (l.t("评论", "Comments")) }
                // Regulators read; the channel refuses their comments and likes, so none are offered.
                @if ctx.user.is_some() && ctx.role() != Some(Role::Regulator) && show.status == ShowStatus::Live {
                    form data-comment-form {
                        label for="comment" { (l.t("说点什么", "Say something")) }
                        input #comment name="text" maxlength="500" autocomplete="off";
                        button type="submit" { (l.t("发送", "Send")) }
                        " " button.secondary type="button" data-like { (l.t("点赞", "Like")) }
                        (form_status())
                    }
                }
                ul.comments data-comments aria-live="polite" {
                    @for c in &earlier {
                        li.hidden[c.hidden] data-comment=(c.id) {
                            @if c.hidden { (l.t("（已隐藏，仅发送者、直播间和平台可见）", "(hidden; only its author, the room and the platform see it) ")) }
                            (c.text) " " span.muted { (when(c.at)) }
                        }
                    }
                }
                @if earlier.is_empty() && show.status != ShowStatus::Live { p.muted { (l.t("没有评论。", "No comments.")) } }
            }
            section.card aria-labelledby="lineup-h" {
                h2 #lineup-h { (l.t("本场商品", "Lineup")) }
                div.table-wrap { table {
                    thead { tr { th { (l.t("商品", "Product")) } th { (l.t("价格", "Price")) } th { (l.t("销售者", "Seller")) } th { (l.t("主播身份", "Anchor's role")) } } }
                    tbody { @for i in &show.lineup { tr {
                        td { (i.title) }
                        td { (yuan(i.show_price.minor)) " / " (i.unit)
                            @if let Some(r) = &i.reference { br; span.muted { s { (yuan(r.price.minor)) } " " (r.basis) } } }
                        td { (i.disclosure.seller.as_ref().map(|s| s.name.as_str()).unwrap_or("—")) }
                        td { (anchor_role(l, i.disclosure.anchor_role)) }
                    } } }
                } }
            }
        }
        script src="/assets/live.js" defer {}
    };
    ok(page(&ctx, &show.title, body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clearcast_domain::feed::{quality_first, Counters, Standing};

    #[test]
    fn every_factor_input_the_feed_writes_reads_in_chinese() {
        let p = FeedPolicy::default();
        let s = |published, raw| Standing { published, raw };
        let c = Counters { viewers: 120, likes_capped: 40, likes_raw: 95, net_sold: 6 };
        let why = quality_first(&[s(Some(4.5), 4.5), s(None, 3.9)], &[s(None, 4.2)], c, &[], &p);
        let zh: Vec<String> = why.components.iter().map(|c| factor_input(Lang::Zh, c.name, &c.input)).collect();
        assert_eq!(zh[0], "2 位主播的平均口碑 4.20（1 位已公布评分）");
        assert_eq!(zh[1], "1 件商品的平均口碑 4.20");
        assert_eq!(zh[2], "已付款且未退款的买家 6 人 / 观众 120 人 = 0.050；达到 0.2 即满分");
        assert_eq!(zh[3], "登录观众 120 人，计入点赞 40 个（每人最多计 10 个；共 95 个）");
        for (c, z) in why.components.iter().zip(&zh) {
            assert_ne!(&c.input, z, "{} is reworded", c.name);
            assert_eq!(factor_input(Lang::En, c.name, &c.input), c.input, "English keeps the feed's words");
        }
        assert_eq!(
            factor_input(Lang::Zh, "engagement", "12 viewers, 3 likes (uncapped)"),
            "12 viewers, 3 likes (uncapped)"
        );
        assert_eq!(numbers_in("mean score 4.50 of 2 anchor(s)."), ["4.50", "2"]);
    }
}

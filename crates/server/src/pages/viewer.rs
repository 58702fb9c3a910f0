//! The viewer's pages: the home feed (every card explains its place), a show page with the
//! disclosure card always in view, and the consumer's orders with what can be done next.

use axum::extract::{Path, State};
use clearcast_domain::account::Role;
use clearcast_domain::disclosure::{AnchorRole, DisclosureCard};
use clearcast_domain::order::{Order, OrderStatus};
use clearcast_domain::show::ShowStatus;
use maud::{html, Markup};

use super::layout::{form_status, page, when, yuan};
use super::names;
use super::{ok, Ctx, Lang, PageResult};
use crate::api::complaints::{self, ComplaintQuery, ComplaintView};
use crate::api::feed::{self, FeedQuery};
use crate::api::orders::{self, OrderQuery};
use crate::api::shows::{self, LineupView, ShowView};
use crate::auth::MaybeCaller;
use crate::extract::ApiQuery;
use crate::state::AppState;

/// `GET /`: the live shows in the order the quality-first feed gives, each with its reasons.
pub async fn home(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let l = ctx.lang;
    let q = FeedQuery { policy: None, limit: Some(50) };
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
                    p { span.badge.live { (l.t("直播中", "LIVE")) } " "
                        span.muted { (l.t("第 ", "#")) (item.position) (l.t(" 位 · 得分 ", " · score ")) (format!("{:.3}", item.why.score)) }
                        @if item.why.newcomer { " " span.badge { (l.t("新主播扶持", "newcomer boost")) } }
                    }
                    details.why {
                        summary { (l.t("我为什么看到这个？", "Why am I seeing this?")) }
                        table {
                            thead { tr { th { (l.t("因素", "Factor")) } th { (l.t("依据", "Input")) } th { (l.t("贡献", "Contribution")) } } }
                            tbody {
                                @for c in &item.why.components {
                                    tr { td { (c.name) } td { (c.input) } td { (format!("{:.3} × {:.2} = {:.3}", c.value, c.weight, c.contribution)) } }
                                }
                            }
                        }
                        @for a in &item.why.adjustments {
                            p { span.badge.warn { (a.kind) } " " (a.detail) " (" (a.rule) ")" }
                        }
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
                    dt { (l.t("货源方地址", "Owner's address")) } dd { (g.address) " · " (g.contact) }
                }
                dt { (l.t("直播间运营者", "Room operator")) } dd { (card.room_operator.name) }
                dt { (l.t("运营者地址", "Operator's address")) } dd { (card.room_operator.address) " · " (card.room_operator.contact) }
                dt { (l.t("主播身份", "Anchor's role")) } dd { (anchor_role(l, card.anchor_role)) }
                @if card.ai_presenter {
                    dt { (l.t("主播", "Presenter")) } dd { strong { (l.t("AI 数字人", "AI-generated presenter")) } }
                }
            }
        }
    }
}

fn pinned(ctx: &Ctx, show: &ShowView, item: Option<&LineupView>) -> Markup {
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
            p.muted { (l.t("库存 ", "In stock ")) span data-stock { "…" }
                @if let Some(n) = item.purchase_limit { " · " (l.t("每人限购 ", "limit per buyer ")) (n) } }
            @if show.status == ShowStatus::Live {
                @match ctx.role() {
                    Some(Role::Consumer) => {
                        form.stack data-api="/api/v1/orders" data-idempotency=(key) data-then="go:/me/orders"
                            data-ok=(l.t("下单成功，正在前往我的订单…", "Order placed; opening your orders…")) {
                            input type="hidden" name="product_id" value=(item.product_id);
                            input type="hidden" name="show_id" value=(show.id);
                            label for="qty" { (l.t("数量", "Quantity")) }
                            input #qty name="quantity" type="number" min="1" max="999" value="1" data-type="int" required;
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

/// `GET /shows/{id}`.
pub async fn show(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> PageResult {
    let l = ctx.lang;
    let axum::Json(show) = shows::get(State(state), MaybeCaller(ctx.user.clone()), Path(id)).await?;
    let card = show.pinned.as_ref().map(|p| &p.disclosure).unwrap_or(&show.disclosure);
    let body = html! {
        div data-live-show=(show.id) {
            h1 { (show.title) " "
                @if show.status == ShowStatus::Live { span.badge.live data-status { (l.t("直播中", "LIVE")) } }
                @else { span.badge data-status { (show.status.as_str()) } }
            }
            @if let Some(label) = show.ai_label { p.ai-label { (label) } }
            p.muted { (l.t("主播：", "Anchors: ")) @for (i, a) in show.roster.iter().enumerate() { @if i > 0 { "、" } (a.name) } }
            div.show-layout {
                div.stack {
                    video.player controls playsinline poster="/assets/poster.svg" src=(show.stream_url)
                        aria-label=(l.t("直播画面", "Live video")) {}
                    p.ticker aria-live="off" {
                        span { (l.t("成交 ", "Buyers ")) b data-buyers { "0" } }
                        span { (l.t("观看 ", "Viewers ")) b data-viewers { "0" } }
                        span { (l.t("点赞 ", "Likes ")) b data-likes { "0" } }
                        span.muted { (l.t("实时连接：", "Live link: ")) span data-live-state { "…" } }
                    }
                    ul.findings data-notices aria-live="polite" aria-label=(l.t("平台通知", "Platform notices")) {}
                }
                div.stack {
                    (disclosure(l, card))
                    (pinned(&ctx, &show, show.pinned.as_ref()))
                }
            }
            section.card aria-labelledby="comments-h" {
                h2 #comments-h { (l.t("评论", "Comments")) }
                @if ctx.user.is_some() && show.status == ShowStatus::Live {
                    form data-comment-form {
                        label for="comment" { (l.t("说点什么", "Say something")) }
                        input #comment name="text" maxlength="200" autocomplete="off";
                        button type="submit" { (l.t("发送", "Send")) }
                        " " button.secondary type="button" data-like { (l.t("点赞", "Like")) }
                    }
                }
                ul.comments data-comments aria-live="polite" {}
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

fn status_name(l: Lang, s: OrderStatus) -> &'static str {
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

fn action(api: String, label: &str, then: &str) -> Markup {
    html! { form.inline data-api=(api) data-then=(then) { button type="submit" { (label) } (form_status()) } }
}

fn complaint_block(l: Lang, c: &ComplaintView) -> Markup {
    let k = &c.complaint;
    html! {
        div.card data-complaint=(k.id) {
            p { strong { (l.t("投诉 ", "Complaint ")) } (names::category(l, k.category)) " · "
                span.badge data-complaint-status { (names::complaint_status(l, k.status)) }
                @for o in &c.overdue { " " span.badge.bad { (l.t("超时：", "overdue: ")) (o) } } }
            @if let Some(d) = &k.decision {
                p { (d.reason) }
                @if let Some(comp) = &d.compensation {
                    ul.findings { @for line in &comp.lines { li { (yuan(line.amount)) " — " (line.explanation) " (" (line.basis) ")" } } }
                }
            }
            @if k.paid > 0 {
                p data-compensation { strong { (l.t("平台已先行赔付 ", "Paid to you by the platform: ")) (yuan(k.paid)) } }
            }
        }
    }
}

fn order_card(l: Lang, o: &Order, complaints: &[&ComplaintView]) -> Markup {
    let id = o.id.to_string();
    let s = &o.snapshot;
    html! {
        article.card data-order=(id) {
            h2 { (s.title) }
            p { span.badge data-order-status { (status_name(l, o.status)) } " "
                (yuan(o.total.minor)) " · " (o.quantity) " × " (yuan(s.unit_price.minor)) " / " (s.unit)
                " · " span.muted { (when(o.placed_at)) } }
            p.muted { (l.t("销售者：", "Seller: ")) (s.seller.name) " · " (s.seller.address) " · " (s.seller.contact) }
            @if let Some(sh) = &o.shipment { p.muted { (l.t("物流：", "Shipment: ")) (sh.carrier) " " (sh.tracking_number) } }
            div {
                @match o.status {
                    OrderStatus::Placed => {
                        (action(format!("/api/v1/orders/{id}/pay"), l.t("付款（模拟）", "Pay (simulated)"), "reload"))
                        " " (action(format!("/api/v1/orders/{id}/cancel"), l.t("取消订单", "Cancel"), "reload"))
                    }
                    OrderStatus::Paid => { (action(format!("/api/v1/orders/{id}/cancel"), l.t("取消并退款", "Cancel and refund"), "reload")) }
                    OrderStatus::Delivered => { (action(format!("/api/v1/orders/{id}/confirm"), l.t("确认收货", "Confirm receipt"), "reload")) }
                    _ => {}
                }
                " " a href={"/api/v1/orders/" (id) "/dispute-packet"} { (l.t("纠纷证据包（JSON）", "Dispute packet (JSON)")) }
            }
            @if matches!(o.status, OrderStatus::Delivered | OrderStatus::Completed) {
                details {
                    summary { (l.t("申请退货", "Return")) }
                    form data-api={"/api/v1/orders/" (id) "/returns"} data-then="reload" {
                        label for={"rk-" (id)} { (l.t("类型", "Kind")) }
                        select #{"rk-" (id)} name="kind" {
                            option value="no_reason" { (l.t("七天无理由", "7-day no reason")) }
                            option value="quality" { (l.t("质量问题", "quality")) }
                            option value="not_as_described" { (l.t("与描述不符", "not as described")) }
                        }
                        label for={"rr-" (id)} { (l.t("原因", "Reason")) }
                        input #{"rr-" (id)} name="reason" data-optional;
                        button type="submit" { (l.t("提交", "Submit")) }
                        (form_status())
                    }
                }
                details {
                    summary { (l.t("评价", "Review")) }
                    form data-api={"/api/v1/orders/" (id) "/review"} data-then="reload" {
                        @for (name, zh, en) in [("product_quality", "商品质量", "product quality"), ("as_described", "与描述相符", "as described"),
                            ("explanation", "主播讲解准确", "anchor's explanation"), ("logistics", "物流", "logistics"), ("service", "服务", "service")] {
                            label for={"rv-" (name) "-" (id)} { (l.t(zh, en)) " (1–5)" }
                            input #{"rv-" (name) "-" (id)} name={"ratings." (name)} type="number" min="1" max="5" value="5" data-type="int" required;
                        }
                        label for={"rt-" (id)} { (l.t("评价内容", "Text")) }
                        textarea #{"rt-" (id)} name="text" data-optional {}
                        button type="submit" { (l.t("发表评价", "Post review")) }
                        (form_status())
                    }
                }
            }
            @if o.status != OrderStatus::Cancelled {
                details {
                    summary { (l.t("投诉", "Complain")) }
                    form data-api="/api/v1/complaints" data-then="reload" {
                        input type="hidden" name="order_id" value=(id);
                        label for={"cc-" (id)} { (l.t("类别", "Category")) }
                        select #{"cc-" (id)} name="category" {
                            @for (v, zh, en) in [("quality", "质量问题", "quality"), ("not_as_described", "与描述不符", "not as described"),
                                ("false_advertising", "虚假宣传", "false advertising"), ("counterfeit", "假冒伪劣", "counterfeit"),
                                ("disclosure_missing", "未亮明经营者信息", "disclosure missing"), ("price_fraud", "价格欺诈", "price fraud"),
                                ("service", "服务", "service"), ("food_safety", "食品安全", "food safety")] {
                                option value=(v) { (l.t(zh, en)) }
                            }
                        }
                        label for={"cd-" (id)} { (l.t("描述", "Description")) }
                        textarea #{"cd-" (id)} name="description" required {}
                        label for={"ce-" (id)} { (l.t("证据（链接，逗号分隔，可不填）", "Evidence (URLs, comma separated, optional)")) }
                        input #{"ce-" (id)} name="evidence" data-type="list";
                        button type="submit" { (l.t("提交投诉", "File complaint")) }
                        (form_status())
                    }
                }
            }
            @for c in complaints { (complaint_block(l, c)) }
        }
    }
}

/// `GET /me/orders`: the consumer's orders, their complaints and what each allows now.
pub async fn orders(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let l = ctx.lang;
    let caller = ctx.require(&[Role::Consumer])?.clone();
    let q = OrderQuery { show: None, cursor: None, limit: Some(100) };
    let axum::Json(list) = orders::list(State(state.clone()), caller.clone(), ApiQuery(q)).await?;
    let cq = ComplaintQuery { status: None, overdue: None, flagged: None, cursor: None, limit: Some(200) };
    let axum::Json(cs) = complaints::list(State(state), caller, ApiQuery(cq)).await?;
    let body = html! {
        h1 { (l.t("我的订单", "My orders")) }
        @if list.items.is_empty() { p.card { (l.t("还没有订单。", "No orders yet.")) " " a href="/" { (l.t("去看直播", "Watch a show")) } } }
        @for o in &list.items {
            @let mine: Vec<&ComplaintView> = cs.items.iter().filter(|c| c.complaint.order == Some(o.id)).collect();
            (order_card(l, o, &mine))
        }
    };
    ok(page(&ctx, l.t("我的订单", "My orders"), body))
}

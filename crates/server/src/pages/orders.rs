//! The consumer's orders page: every order with what can be done next, and what has happened to
//! it since (the review with the seller's reply, the return with its decision and refund, the
//! complaints with their compensation).
//!
//! A form is offered only when the JSON API would accept it now, so the page never invites a
//! step that can only end in a 409: the rules are the API's own (`crate::api::orders`,
//! `crate::api::complaints`, `clearcast_domain::review`, `clearcast_domain::returns`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use clearcast_domain::account::Role;
use clearcast_domain::complaint::{Appellant, ComplaintStatus};
use clearcast_domain::order::{Order, OrderStatus};
use clearcast_domain::product::Category;
use clearcast_domain::returns::{self, ReturnInput, ReturnKind, ReturnPolicy, ReturnRequest, ReturnStatus, Returnable};
use clearcast_domain::review::MAX_FOLLOW_UPS;
use maud::{html, Markup};

use super::layout::{form_status, page, when, yuan};
use super::names;
use super::{ok, Ctx, Lang, PageResult};
use crate::api::complaints::{self, ComplaintQuery, ComplaintView};
use crate::api::orders::{self, OrderQuery};
use crate::api::reviews::{self, ReviewView};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;

/// The categories a `food_safety` complaint may be about (`api::complaints::file` refuses it for
/// any other with 422 `not_food`).
const FOOD_CATEGORIES: [&str; 3] = ["food", "health_food", "baby"];

/// The five review dimensions: the API's key and the names.
const DIMENSIONS: [(&str, &str, &str); 5] = [
    ("product_quality", "商品质量", "product quality"),
    ("as_described", "与描述相符", "as described"),
    ("explanation", "主播讲解准确", "anchor's explanation"),
    ("logistics", "物流", "logistics"),
    ("service", "服务", "service"),
];

/// What one order's card needs besides the order.
struct Extras<'a> {
    /// The order's review, when the buyer posted one.
    review: Option<&'a ReviewView>,
    /// The consumer's complaints about this order (the API allows one).
    complaints: &'a [&'a ComplaintView],
    /// The return kinds the API would accept now (empty when no return can be requested).
    returnable: Vec<ReturnKind>,
}

fn action(api: String, label: &str, then: &str) -> Markup {
    html! { form.inline data-api=(api) data-then=(then) { button type="submit" { (label) } (form_status()) } }
}

/// A 1-5 rating as stars, with the figure for screen readers and tests.
fn stars(l: Lang, v: u8) -> Markup {
    let v = v.min(5);
    let shown: String = "★".repeat(usize::from(v)) + &"☆".repeat(usize::from(5 - v));
    let label = format!("{v}{}", l.t(" 星（满分 5）", " of 5 stars"));
    html! { span.stars role="img" aria-label=(label) data-stars=(v) { (shown) } }
}

/// The return kinds a request would be accepted for now: the domain's own judgement
/// (`returns::request`, which the API applies) tried for each kind with a stand-in reason, since
/// the reason is the buyer's to write and only its presence matters to the rule.
fn returnable(o: &Order, policy: &ReturnPolicy, now: DateTime<Utc>) -> Vec<ReturnKind> {
    if o.return_request.is_some() || !matches!(o.status, OrderStatus::Delivered | OrderStatus::Completed) {
        return vec![];
    }
    let Ok(category) = o.snapshot.category.parse::<Category>() else {
        // A category this build does not know: let the API judge (it answers with its reason).
        return vec![ReturnKind::NoReason, ReturnKind::Quality, ReturnKind::NotAsDescribed];
    };
    let facts = Returnable { status: o.status, delivered_at: o.delivered_at, already_requested: false, category };
    [ReturnKind::NoReason, ReturnKind::Quality, ReturnKind::NotAsDescribed]
        .into_iter()
        .filter(|&kind| {
            let input = ReturnInput { kind, reason: Some("reason".into()) };
            matches!(returns::request(&input, facts, policy, now), Ok(Ok(_)))
        })
        .collect()
}

/// Whether the API would take a complaint about this order now (`Order::may_be_complained_about`,
/// and one complaint per order: `api::complaints::file`'s `complaint_exists`).
fn complaint_allowed(o: &Order, complaints: &[&ComplaintView]) -> bool {
    o.may_be_complained_about() && complaints.is_empty()
}

fn complaint_block(l: Lang, c: &ComplaintView) -> Markup {
    let k = &c.complaint;
    let id = k.id.to_string();
    html! {
        div.card data-complaint=(k.id) {
            p { strong { (l.t("投诉 ", "Complaint ")) } (names::category(l, k.category)) " · "
                span.badge data-complaint-status { (names::complaint_status(l, k.status)) }
                @for o in &c.overdue { " " span.badge.bad { (super::merchant::overdue_name(l, o)) } } }
            @if let Some(d) = &k.decision {
                p { (d.reason) }
                @if let Some(comp) = &d.compensation {
                    // A line of nothing (the refund line when a return had already refunded the
                    // order) would read as "¥0.00 refunded": only what was paid is listed.
                    @let paid: Vec<_> = comp.lines.iter().filter(|line| line.amount != 0).collect();
                    @if !paid.is_empty() {
                        ul.findings { @for line in paid {
                            li data-compensation-line=(line.kind) { (yuan(line.amount)) " — " (names::compensation_line(l, line, k.price.minor)) }
                        } }
                    }
                }
            }
            @if k.paid > 0 {
                p data-compensation { strong { (l.t("平台已先行赔付 ", "Paid to you by the platform: ")) (yuan(k.paid)) } }
            }
            // The appeal is the buyer's own, or the seller's or room's against an upheld decision.
            @if let Some(a) = &k.appeal {
                p data-appeal-side=(match a.side { Appellant::Consumer => "consumer", Appellant::Merchant => "merchant", Appellant::RoomOperator => "room_operator" }) {
                    strong { @match a.side {
                        Appellant::Consumer => { (l.t("你的申诉：", "Your appeal: ")) }
                        Appellant::Merchant => { (l.t("商家对裁决的申诉：", "The seller's appeal of the decision: ")) }
                        Appellant::RoomOperator => { (l.t("直播间对裁决的申诉：", "The room's appeal of the decision: ")) }
                    } }
                    (a.statement) " " span.muted { (when(a.at)) } }
            }
            // The buyer appeals a rejection, once (`Complaint::appeal`, Order 117 Art. 20).
            @if k.status == ComplaintStatus::Rejected && k.appeal.is_none() {
                form data-api={"/api/v1/complaints/" (id) "/appeal"} data-then="reload" data-complaint-appeal=(id) {
                    p.muted { (l.t("不同意这个裁决，可以申诉一次，平台会重新审理。", "If you disagree with this decision, you may appeal once; the platform reviews it again.")) }
                    label for={"cap-" (id)} { (l.t("申诉理由", "Why the decision is wrong")) }
                    textarea #{"cap-" (id)} name="statement" required maxlength="2000" {}
                    button type="submit" { (l.t("提交申诉", "Appeal")) }
                    (form_status())
                }
            }
        }
    }
}

/// The return on the order: what was asked, what was decided and why, and the refund.
fn return_block(l: Lang, o: &Order, r: &ReturnRequest) -> Markup {
    let id = o.id.to_string();
    html! {
        div.card data-return=(id) data-return-status=(match r.status {
            ReturnStatus::Requested => "requested",
            ReturnStatus::Refunded => "refunded",
            ReturnStatus::Rejected => "rejected",
        }) {
            p { strong { (l.t("退货申请 ", "Return ")) } (names::return_kind(l, r.kind)) " · "
                span.badge.(match r.status { ReturnStatus::Requested => "warn", ReturnStatus::Refunded => "ok", ReturnStatus::Rejected => "bad" }) {
                    (names::return_status(l, r.status)) }
                " · " span.muted { (l.t("申请于 ", "requested ")) (when(r.requested_at)) } }
            @if let Some(reason) = &r.reason {
                p data-return-reason { (l.t("原因：", "Reason: ")) (reason) }
            }
            @if let Some(at) = r.decided_at {
                p data-return-decision {
                    (l.t("处理结果：", "Decision: "))
                    @if r.status == ReturnStatus::Refunded { (l.t("同意退货", "approved")) } @else { (l.t("拒绝退货", "refused")) }
                    " " span.muted { (when(at)) }
                }
            }
            @if let Some(note) = &r.note {
                p data-return-note { (l.t("说明：", "Why: ")) (note) }
            }
            @if r.status == ReturnStatus::Rejected {
                p.muted { (l.t("对拒绝有异议，可以在下方投诉。", "If you disagree with the refusal, you can complain below.")) }
            }
        }
    }
}

/// The buyer's posted review with follow-ups and the seller's reply, and the follow-up form while
/// the API takes another (`review::addition`: at most [`MAX_FOLLOW_UPS`]).
fn review_block(l: Lang, id: &str, r: &ReviewView) -> Markup {
    let g = &r.ratings;
    let values = [g.product_quality, g.as_described, g.explanation, g.logistics, g.service];
    html! {
        div.card data-my-review=(id) {
            p { strong { (l.t("我的评价", "My review")) } " " span.muted { (when(r.at)) } }
            ul.ratings {
                @for ((_, zh, en), v) in DIMENSIONS.iter().zip(values) {
                    li { (l.t(zh, en)) " " (stars(l, v)) }
                }
            }
            @if let Some(t) = &r.text { p data-review-text { (t) } }
            @for f in &r.follow_ups {
                p data-follow-up { strong { (l.t("追评：", "Follow-up: ")) } (f.text) " " span.muted { (when(f.at)) } }
            }
            @if let Some(rep) = &r.reply {
                p data-review-reply { strong { (l.t("商家回复：", "The seller's reply: ")) } (rep.text) " " span.muted { (when(rep.at)) } }
            }
            @if r.follow_ups.len() < MAX_FOLLOW_UPS {
                details {
                    summary { (l.t("追加评价", "Add a follow-up")) }
                    form data-api={"/api/v1/orders/" (id) "/review/follow-ups"} data-then="reload" data-follow-up-form=(id) {
                        label for={"fu-" (id)} { (l.t("追评内容（还可追加 ", "Follow-up (")) (MAX_FOLLOW_UPS - r.follow_ups.len()) (l.t(" 次）", " left)")) }
                        textarea #{"fu-" (id)} name="text" required maxlength="2000" {}
                        button type="submit" { (l.t("追加", "Add")) }
                        (form_status())
                    }
                }
            }
        }
    }
}

fn review_form(l: Lang, id: &str) -> Markup {
    html! {
        details {
            summary { (l.t("评价", "Review")) }
            form data-api={"/api/v1/orders/" (id) "/review"} data-then="reload" data-review-form=(id) {
                @for (name, zh, en) in DIMENSIONS {
                    label for={"rv-" (name) "-" (id)} { (l.t(zh, en)) " (1–5)" }
                    input #{"rv-" (name) "-" (id)} name={"ratings." (name)} type="number" min="1" max="5" value="5" data-type="int" required;
                }
                label for={"rt-" (id)} { (l.t("评价内容", "Text")) }
                textarea #{"rt-" (id)} name="text" maxlength="2000" data-optional {}
                button type="submit" { (l.t("发表评价", "Post review")) }
                (form_status())
            }
        }
    }
}

fn return_form(l: Lang, id: &str, kinds: &[ReturnKind]) -> Markup {
    html! {
        details {
            summary { (l.t("申请退货", "Return")) }
            form data-api={"/api/v1/orders/" (id) "/returns"} data-then="reload" data-return-form=(id) {
                label for={"rk-" (id)} { (l.t("类型", "Kind")) }
                select #{"rk-" (id)} name="kind" {
                    @for k in kinds {
                        option value=(match k {
                            ReturnKind::NoReason => "no_reason",
                            ReturnKind::Quality => "quality",
                            ReturnKind::NotAsDescribed => "not_as_described",
                        }) { (names::return_kind(l, *k)) }
                    }
                }
                label for={"rr-" (id)} { (l.t("原因（质量问题、与描述不符时必填）", "Reason (required unless no-reason)")) }
                input #{"rr-" (id)} name="reason" maxlength="1000" data-optional;
                button type="submit" { (l.t("提交", "Submit")) }
                (form_status())
            }
        }
    }
}

fn complaint_form(l: Lang, o: &Order) -> Markup {
    let id = o.id.to_string();
    let food = FOOD_CATEGORIES.contains(&o.snapshot.category.as_str());
    html! {
        details {
            summary { (l.t("投诉", "Complain")) }
            form data-api="/api/v1/complaints" data-then="reload" data-complaint-form=(id) {
                input type="hidden" name="order_id" value=(id);
                label for={"cc-" (id)} { (l.t("类别", "Category")) }
                select #{"cc-" (id)} name="category" {
                    @for (v, zh, en) in names::CATEGORIES {
                        @if v != "food_safety" || food { option value=(v) { (l.t(zh, en)) } }
                    }
                }
                label for={"cd-" (id)} { (l.t("描述", "Description")) }
                textarea #{"cd-" (id)} name="description" required maxlength="2000" {}
                label for={"ce-" (id)} { (l.t("证据（链接，逗号分隔，可不填）", "Evidence (URLs, comma separated, optional)")) }
                input #{"ce-" (id)} name="evidence" data-type="list";
                button type="submit" { (l.t("提交投诉", "File complaint")) }
                (form_status())
            }
        }
    }
}

/// The price that went back to the buyer, when it did and was more than nothing. The order says
/// so, not a complaint's compensation: an upheld complaint refunds the order itself and lists its
/// refund line as ¥0, and an approved return or a cancellation after payment has no other place.
fn refund_line(l: Lang, o: &Order) -> Markup {
    let why = match o.status {
        OrderStatus::Refunded => match &o.return_request {
            Some(r) if r.status == ReturnStatus::Refunded => l.t("（退货已同意）", " (return approved)"),
            _ => l.t("（投诉成立）", " (complaint upheld)"),
        },
        OrderStatus::Cancelled if o.paid_at.is_some() => l.t("（订单已取消）", " (order cancelled)"),
        _ => return html! {},
    };
    html! {
        @if o.total.minor > 0 {
            p data-refund=(o.total.minor) { strong { (l.t("已退款 ", "Refunded ")) (yuan(o.total.minor)) } (why) }
        }
    }
}

fn order_card(l: Lang, o: &Order, x: &Extras<'_>) -> Markup {
    let id = o.id.to_string();
    let s = &o.snapshot;
    // The API reviews a delivered or completed order once (`review::initial`).
    let may_review = x.review.is_none() && matches!(o.status, OrderStatus::Delivered | OrderStatus::Completed);
    html! {
        article.card data-order=(id) {
            h2 { (s.title) }
            p { span.badge data-order-status { (names::order_status(l, o.status)) } " "
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
                    OrderStatus::Delivered if !o.return_pending() => { (action(format!("/api/v1/orders/{id}/confirm"), l.t("确认收货", "Confirm receipt"), "reload")) }
                    _ => {}
                }
                " " a href={"/api/v1/orders/" (id) "/dispute-packet"} download={"dispute-packet-" (id) ".json"} { (l.t("下载纠纷证据包（JSON 文件）", "Download the dispute packet (JSON file)")) }
            }
            (refund_line(l, o))
            @if let Some(r) = &o.return_request { (return_block(l, o, r)) }
            @if let Some(r) = x.review { (review_block(l, &id, r)) }
            @if !x.returnable.is_empty() { (return_form(l, &id, &x.returnable)) }
            @if may_review { (review_form(l, &id)) }
            @if complaint_allowed(o, x.complaints) { (complaint_form(l, o)) }
            @for c in x.complaints { (complaint_block(l, c)) }
        }
    }
}

/// The order's review, or `None` when it has none (the API's 404).
async fn review_of(state: &AppState, caller: &Caller, o: &Order) -> Result<Option<ReviewView>, ApiError> {
    // Only a delivered order is ever reviewed; it may since have been refunded. Other orders
    // cannot have a review, so they cost no read.
    if !matches!(o.status, OrderStatus::Delivered | OrderStatus::Completed | OrderStatus::Refunded) {
        return Ok(None);
    }
    match reviews::get(State(state.clone()), caller.clone(), Path(o.id.to_string())).await {
        Ok(axum::Json(r)) => Ok(Some(r)),
        Err(e) if e.status == StatusCode::NOT_FOUND => Ok(None),
        Err(e) => Err(e),
    }
}

/// Orders listed on the page, newest first.
const ORDERS_SHOWN: usize = 100;
/// Pages of the order list read (the API lists oldest first, 200 a page); a buyer with more
/// orders than this sees the newest of those read.
const ORDER_PAGES: usize = 20;

/// The buyer's newest orders, newest first.
async fn newest_orders(state: &AppState, caller: &Caller) -> Result<Vec<Order>, ApiError> {
    let mut all = Vec::new();
    let mut cursor = None;
    for _ in 0..ORDER_PAGES {
        let q = OrderQuery { show: None, cursor: cursor.take(), limit: Some(200) };
        let axum::Json(page) = orders::list(State(state.clone()), caller.clone(), ApiQuery(q)).await?;
        all.extend(page.items);
        if all.len() > ORDERS_SHOWN {
            all.drain(..all.len() - ORDERS_SHOWN);
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    all.reverse();
    Ok(all)
}

/// `GET /me/orders`: the consumer's orders, their reviews, returns and complaints, and what each
/// allows now.
pub async fn orders(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let l = ctx.lang;
    let caller = ctx.require(&[Role::Consumer])?.clone();
    let items = newest_orders(&state, &caller).await?;
    let cq = ComplaintQuery { status: None, overdue: None, flagged: None, cursor: None, limit: Some(200) };
    let axum::Json(cs) = complaints::list(State(state.clone()), caller.clone(), ApiQuery(cq)).await?;
    let mut reviews = Vec::with_capacity(items.len());
    for o in &items {
        reviews.push(review_of(&state, &caller, o).await?);
    }
    let now = state.clock.now();
    let body = html! {
        h1 { (l.t("我的订单", "My orders")) }
        @if items.is_empty() { p.card { (l.t("还没有订单。", "No orders yet.")) " " a href="/" { (l.t("去看直播", "Watch a show")) } } }
        @for (o, review) in items.iter().zip(&reviews) {
            @let mine: Vec<&ComplaintView> = cs.items.iter().filter(|c| c.complaint.order == Some(o.id)).collect();
            @let x = Extras { review: review.as_ref(), complaints: &mine, returnable: returnable(o, &state.policy.returns, now) };
            (order_card(l, o, &x))
        }
    };
    ok(page(&ctx, l.t("我的订单", "My orders"), body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_show_the_rating_out_of_five() {
        let s = stars(Lang::En, 4).into_string();
        assert!(s.contains("★★★★☆") && s.contains("data-stars=\"4\"") && s.contains("4 of 5 stars"), "{s}");
        // A value out of range (never stored: the API refuses it) cannot draw more than five.
        assert!(stars(Lang::Zh, 9).into_string().contains("★★★★★<"));
    }
}

//! The merchant's console: the shop's products with their documents and what expires soon, the
//! consumer-protection deposit against the categories' minimums, complaints with their clocks,
//! paid orders to ship, returns to decide and reviews to answer.
//!
//! Everything is read through the API handlers as the signed-in merchant, so the page shows what
//! `GET /api/v1/...` would show the same account; every form writes through the JSON API.

use axum::extract::{Path, State};
use chrono::{DateTime, NaiveDate, Utc};
use clearcast_domain::account::Role;
use clearcast_domain::complaint::ComplaintStatus;
use clearcast_domain::dates::china_date;
use clearcast_domain::order::{Order, OrderStatus};
use clearcast_domain::party::PartyKind;
use clearcast_domain::qualification::{Inspection, Qualification, Review};
use clearcast_domain::returns::{self, ReturnRequest, ReturnStatus};
use clearcast_domain::verification::{Decision, VerificationStatus};
use maud::{html, Markup};

use super::layout::{form_status, page, when, yuan};
use super::names;
use super::{ok, Ctx, Lang, PageResult};
use crate::api::complaints::{self, ComplaintQuery, ComplaintView};
use crate::api::eligibility::{self, EligibilityQuery, EligibilityView};
use crate::api::ledger::{self, StatementQuery};
use crate::api::orders::{self, OrderQuery};
use crate::api::parties::merchants;
use crate::api::products::{self, ProductQuery};
use crate::api::reviews::{self, ReviewQuery, ReviewView};
use crate::auth::{Caller, MaybeCaller};
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;
use crate::views::ProductView;

/// Days ahead a document counts as "expiring soon".
const WARN_DAYS: i64 = 30;

/// Pages of 200 a list on this console reads at most: a shop with more than this many products or
/// paid orders needs search and paging, which the console does not offer yet.
const MAX_PAGES: usize = 5;

/// How a dated document stands today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Expiry {
    /// Its last valid day has passed.
    Expired,
    /// Valid for this many more days (at most [`WARN_DAYS`]).
    Soon(i64),
    /// Valid beyond the warning window.
    Fine,
}

/// How a document valid until `until` (its last valid day) stands on `today`.
pub(super) fn expiry(until: NaiveDate, today: NaiveDate) -> Expiry {
    let left = (until - today).num_days();
    if left < 0 {
        Expiry::Expired
    } else if left <= WARN_DAYS {
        Expiry::Soon(left)
    } else {
        Expiry::Fine
    }
}

/// The badge for an expiry (nothing when the document is fine).
pub(super) fn expiry_badge(l: Lang, e: Expiry) -> Markup {
    html! {
        @match e {
            Expiry::Expired => { span.badge.bad data-expired { (l.t("已过期", "expired")) } }
            Expiry::Soon(d) => { span.badge.warn data-expiring {
                (l.t("即将到期：剩 ", "expires in ")) (d) (l.t(" 天", if d == 1 { " day" } else { " days" }))
            } }
            Expiry::Fine => {}
        }
    }
}

/// The badge for an operator's review of a product document.
pub(super) fn review_badge(l: Lang, r: Option<&Review>) -> Markup {
    html! {
        @match r {
            None => { span.badge.warn { (l.t("待平台审核", "awaiting platform review")) } }
            Some(Review { decision: Decision::Approve, .. }) => { span.badge.ok { (l.t("已审核通过", "approved")) } }
            Some(Review { decision: Decision::Reject, note, .. }) => {
                span.badge.bad { (l.t("已驳回", "rejected")) }
                @if let Some(n) = note { " " span.muted { (n) } }
            }
        }
    }
}

/// The name of a verification status.
pub(super) fn verification_badge(l: Lang, s: VerificationStatus) -> Markup {
    html! {
        @match s {
            VerificationStatus::Verified => { span.badge.ok { (l.t("已核验", "verified")) } }
            VerificationStatus::Unverified => { span.badge.warn { (l.t("待核验", "awaiting verification")) } }
            VerificationStatus::Expired => { span.badge.bad { (l.t("核验已过期", "verification expired")) } }
            VerificationStatus::Rejected => { span.badge.bad { (l.t("核验未通过", "verification rejected")) } }
        }
    }
}

/// Whether a complaint still waits for a step (the merchant's or the platform's).
pub(super) fn open(s: ComplaintStatus) -> bool {
    matches!(s, ComplaintStatus::Filed | ComplaintStatus::Responded | ComplaintStatus::UnderReview)
}

/// Time left until `t` from `now`, in words ("3 h 20 min left", or how long ago it passed).
pub(super) fn left(l: Lang, t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let mins = (t - now).num_minutes();
    let (h, m) = (mins.abs() / 60, mins.abs() % 60);
    let span = if h >= 48 {
        format!("{}{}", h / 24, l.t(" 天", " d"))
    } else {
        format!("{h}{}{m}{}", l.t(" 小时 ", " h "), l.t(" 分", " min"))
    };
    match (mins >= 0, l) {
        (true, Lang::Zh) => format!("剩余 {span}"),
        (true, Lang::En) => format!("{span} left"),
        (false, Lang::Zh) => format!("已超出 {span}"),
        (false, Lang::En) => format!("passed {span} ago"),
    }
}

/// A step's overdue name in the page language.
pub(super) fn overdue_name(l: Lang, step: &str) -> &'static str {
    match step {
        "merchant_response" => l.t("商家回应超时", "merchant response overdue"),
        "platform_decision" => l.t("平台裁决超时", "platform decision overdue"),
        _ => l.t("超时", "overdue"),
    }
}

/// A complaint's clocks: respond-by and decide-by with the time left, and overdue badges.
pub(super) fn clocks(l: Lang, c: &ComplaintView, now: DateTime<Utc>) -> Markup {
    let k = &c.complaint;
    let soon = |t: DateTime<Utc>| t > now && (t - now).num_hours() < 12;
    html! {
        dl.clocks {
            dt { (l.t("商家回应期限", "Respond by")) }
            dd data-respond-by=(k.respond_by.to_rfc3339()) {
                (when(k.respond_by))
                @if k.status == ComplaintStatus::Filed {
                    " · " (left(l, k.respond_by, now))
                    @if soon(k.respond_by) { " " span.badge.warn { (l.t("即将到期", "due soon")) } }
                } @else if let Some(r) = &k.response {
                    " · " (l.t("已于 ", "answered ")) (when(r.at)) (l.t(" 回应", ""))
                    @if r.late { " " span.badge.warn { (l.t("逾期回应", "late")) } }
                }
            }
            dt { (l.t("平台裁决期限", "Decide by")) }
            dd data-decide-by=(k.decide_by.to_rfc3339()) {
                (when(k.decide_by))
                @if open(k.status) {
                    " · " (left(l, k.decide_by, now))
                    @if soon(k.decide_by) { " " span.badge.warn { (l.t("即将到期", "due soon")) } }
                }
            }
        }
        @if !c.overdue.is_empty() {
            p data-overdue { @for o in &c.overdue { span.badge.bad { (overdue_name(l, o)) } " " } }
        }
    }
}

/// A complaint's facts: category, description, evidence, the response and the decision.
pub(super) fn complaint_facts(l: Lang, c: &ComplaintView) -> Markup {
    let k = &c.complaint;
    html! {
        p { strong { (names::category(l, k.category)) } " · "
            span.badge data-complaint-status=(k.status.as_str()) { (names::complaint_status(l, k.status)) }
            " · " span.muted { (l.t("提交于 ", "filed ")) (when(k.filed_at)) }
            @if let Some(o) = k.order { " · " span.muted { (l.t("订单 ", "order ")) code { (o) } " " (yuan(k.price.minor)) } }
            @if let Some(s) = k.show { " · " a href={"/shows/" (s)} { (l.t("直播场次", "show")) } }
        }
        p { (k.description) }
        @if !k.evidence.is_empty() {
            ul {
                @for e in &k.evidence {
                    // Evidence is an http(s) URL or a plain id (the API refuses anything else), so a
                    // link is safe for URLs and ids are shown as text.
                    li { @if e.starts_with("https://") || e.starts_with("http://") { a href=(e) rel="noopener noreferrer nofollow" { (e) } } @else { code { (e) } } }
                }
            }
        }
        @if let Some(r) = &k.response {
            p { strong { (l.t("商家回应：", "Merchant's response: ")) } (r.text) }
        }
        @if let Some(a) = &k.appeal {
            p { strong { (l.t("申诉：", "Appeal: ")) } (a.statement) " " span.muted { (when(a.at)) } }
        }
        @if let Some(d) = &k.decision {
            p data-complaint-decision {
                @if d.upheld { span.badge.bad { (l.t("成立", "upheld")) } } @else { span.badge.ok { (l.t("不成立", "rejected")) } }
                " " (d.reason) " " span.muted { (when(d.at)) }
            }
            @if let Some(li) = &d.liability {
                p.muted { (l.t("责任划分：商家 ", "Liability: merchant ")) (bps(li.merchant_bps))
                    (l.t("，直播间 ", ", room ")) (bps(li.room_operator_bps))
                    (l.t("，平台 ", ", platform ")) (bps(li.platform_bps)) }
            }
            @if let Some(comp) = &d.compensation {
                ul.findings { @for line in &comp.lines { li { (yuan(line.amount)) " — " (names::compensation_line(l, line, c.complaint.price.minor)) } } }
            }
            @if k.paid > 0 || k.recovered > 0 {
                p.muted { (l.t("已赔付 ", "Paid to the consumer ")) (yuan(k.paid))
                    (l.t("，已向责任方追偿 ", "; recovered from liable parties ")) (yuan(k.recovered)) }
            }
        }
    }
}

/// Basis points as a percentage.
pub(super) fn bps(b: u32) -> String {
    format!("{}.{:02}%", b / 100, b % 100)
}

/// The merchant's products with every page read (up to [`MAX_PAGES`]).
async fn my_products(state: &AppState, merchant_id: &str) -> Result<Vec<ProductView>, ApiError> {
    let mut out = Vec::new();
    let mut cursor = None;
    for _ in 0..MAX_PAGES {
        let q = ProductQuery { seller: Some(merchant_id.to_string()), category: None, cursor, limit: Some(200) };
        let axum::Json(page) = products::list(State(state.clone()), ApiQuery(q)).await?;
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    Ok(out)
}

/// The merchant's orders (their sales, as `GET /api/v1/orders` answers a merchant).
async fn my_orders(state: &AppState, caller: &Caller) -> Result<Vec<Order>, ApiError> {
    let mut out = Vec::new();
    let mut cursor = None;
    for _ in 0..MAX_PAGES {
        let q = OrderQuery { show: None, cursor, limit: Some(200) };
        let axum::Json(page) = orders::list(State(state.clone()), caller.clone(), ApiQuery(q)).await?;
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    Ok(out)
}

/// A ledger balance the merchant may read (`GET /api/v1/ledger/accounts/{code}`).
async fn balance(state: &AppState, caller: &Caller, code: String) -> Result<i64, ApiError> {
    let q = StatementQuery { cursor: None, limit: Some(1) };
    let axum::Json(s) = ledger::statement(State(state.clone()), caller.clone(), Path(code), ApiQuery(q)).await?;
    Ok(s.balance)
}

/// One product with what it needs to show.
struct ProductDocs {
    product: ProductView,
    qualifications: Vec<Qualification>,
    inspections: Vec<Inspection>,
    verdict: EligibilityView,
    reviews: Vec<ReviewView>,
}

fn product_card(l: Lang, d: &ProductDocs, today: NaiveDate, max_age_months: Option<u32>) -> Markup {
    let p = &d.product;
    html! {
        article.card data-product=(p.id) {
            h3 { (p.title) }
            p { span.badge { (names::product_category_key(l, p.category.as_str())) } " " (yuan(p.price.minor)) " / " (p.unit) " · "
                (l.t("库存 ", "stock ")) strong data-stock { (p.total_stock) }
                @if p.variants.len() > 1 {
                    " (" @for (i, v) in p.variants.iter().enumerate() { @if i > 0 { ", " } (v.label) " " (v.stock) } ")"
                }
                " · " (l.t("货源方 ", "goods owner ")) (p.disclosure.goods_owner.name)
            }
            p data-eligible=(d.verdict.verdict.eligible) {
                @if d.verdict.verdict.eligible { span.badge.ok { (l.t("可以销售", "may be sold")) } }
                @else { span.badge.bad { (l.t("暂不能销售", "may not be sold")) } }
            }
            @if !d.verdict.verdict.unmet.is_empty() {
                ul.findings { @for u in &d.verdict.verdict.unmet { li { (super::reasons::unmet(l, u)) } } }
            }
            h4 { (l.t("资质", "Qualifications")) }
            @if d.qualifications.is_empty() { p.muted { (l.t("没有资质文件。", "No qualification on file.")) } }
            @else {
                div.table-wrap { table {
                    thead { tr { th { (l.t("类型", "Kind")) } th { (l.t("编号", "Number")) } th { (l.t("发证机关", "Issuer")) }
                        th { (l.t("有效期至", "Valid until")) } th { (l.t("审核", "Review")) } } }
                    tbody { @for q in &d.qualifications { tr data-qualification=(q.id) {
                        td data-kind=(q.kind.as_str()) { (names::qualification_kind(l, q.kind)) } td { (q.number) } td { (q.issuer) }
                        td { (q.valid_until) " " (expiry_badge(l, expiry(q.valid_until, today))) }
                        td { (review_badge(l, q.review.as_ref())) }
                    } } }
                } }
            }
            h4 { (l.t("检验报告", "Inspection reports")) }
            @if d.inspections.is_empty() { p.muted { (l.t("没有检验报告。", "No inspection report on file.")) } }
            @else {
                div.table-wrap { table {
                    thead { tr { th { (l.t("检验机构", "Lab")) } th { (l.t("报告编号", "Report")) } th { (l.t("检验日期", "Inspected")) }
                        th { (l.t("结果", "Result")) } th { (l.t("有效期", "Validity")) } th { (l.t("审核", "Review")) } } }
                    tbody { @for i in &d.inspections { tr data-inspection=(i.id) {
                        td { (i.lab) } td { (i.report_number) } td { (i.inspected_on) }
                        td { @if i.passed { span.badge.ok { (l.t("合格", "passed")) } } @else { span.badge.bad { (l.t("不合格", "failed")) } } }
                        td {
                            @if let Some(u) = i.valid_until { (l.t("至 ", "until ")) (u) " " (expiry_badge(l, expiry(u, today))) }
                            // The category may require an inspection no older than some months
                            // (eligibility says `inspection_too_old`): warn before that day too.
                            @if let Some(m) = max_age_months {
                                @if let Some(stale) = i.inspected_on.checked_add_months(chrono::Months::new(m)) {
                                    @if i.valid_until.is_some() { br; } span.muted { (l.t("本类目要求 ", "category needs ≤ ")) (m) (l.t(" 个月内检验", " months old")) }
                                    " " (expiry_badge(l, expiry(stale, today)))
                                }
                            }
                        }
                        td { (review_badge(l, i.review.as_ref())) }
                    } } }
                } }
            }
            @if !d.reviews.is_empty() {
                p.muted { (l.t("评价 ", "Reviews: ")) (d.reviews.len())
                    @let waiting = d.reviews.iter().filter(|r| r.reply.is_none()).count();
                    @if waiting > 0 { " · " a href="#reviews-h" { (waiting) (l.t(" 条待回复", " to answer")) } } }
            }
        }
    }
}

fn review_block(l: Lang, r: &ReviewView) -> Markup {
    let id = r.order_id.to_string();
    let g = &r.ratings;
    html! {
        div.card data-review=(id) {
            p { span.muted { (when(r.at)) } " · "
                (l.t("质量 ", "quality ")) (g.product_quality) " · " (l.t("相符 ", "as described ")) (g.as_described) " · "
                (l.t("讲解 ", "explanation ")) (g.explanation) " · " (l.t("物流 ", "logistics ")) (g.logistics) " · "
                (l.t("服务 ", "service ")) (g.service) }
            @if let Some(t) = &r.text { p { (t) } }
            @for f in &r.follow_ups { p.muted { (l.t("追评：", "Follow-up: ")) (f.text) } }
            @match &r.reply {
                Some(rep) => { p { strong { (l.t("商家回复：", "Your reply: ")) } (rep.text) } }
                None => {
                    form data-api={"/api/v1/orders/" (id) "/review/reply"} data-then="reload" data-reply=(id) {
                        label for={"reply-" (id)} { (l.t("回复这条评价（只能回复一次）", "Reply to this review (once)")) }
                        textarea #{"reply-" (id)} name="text" required maxlength="2000" {}
                        button type="submit" { (l.t("回复", "Reply")) }
                        (form_status())
                    }
                }
            }
        }
    }
}

/// The form a liable party (the seller, or the room) appeals an upheld decision with, once.
pub(super) fn decision_appeal(l: Lang, id: &str) -> Markup {
    html! {
        details {
            summary { (l.t("对裁决申诉（仅一次）", "Appeal the decision (once)")) }
            form data-api={"/api/v1/complaints/" (id) "/appeal"} data-then="reload" data-appeal=(id) {
                label for={"appeal-" (id)} { (l.t("申诉理由", "Why the decision is wrong")) }
                textarea #{"appeal-" (id)} name="statement" required maxlength="2000" {}
                button type="submit" { (l.t("提交申诉", "Appeal")) }
                (form_status())
            }
        }
    }
}

fn complaint_card(l: Lang, c: &ComplaintView, now: DateTime<Utc>) -> Markup {
    let k = &c.complaint;
    let id = k.id.to_string();
    // The seller appeals an upheld decision that holds it liable, once (decisions.rs).
    let may_appeal = matches!(k.status, ComplaintStatus::Upheld | ComplaintStatus::Compensated)
        && k.appeal.is_none()
        && k.decision.as_ref().and_then(|d| d.liability).is_some_and(|li| li.merchant_bps > 0);
    html! {
        article.card data-complaint=(id) {
            (complaint_facts(l, c))
            (clocks(l, c, now))
            @if k.status == ComplaintStatus::Filed {
                form data-api={"/api/v1/complaints/" (id) "/response"} data-then="reload" data-respond=(id) {
                    label for={"resp-" (id)} { (l.t("回应消费者（平台裁决时会看到）", "Your response (the platform reads it when deciding)")) }
                    textarea #{"resp-" (id)} name="text" required maxlength="2000" {}
                    button type="submit" { (l.t("提交回应", "Send response")) }
                    (form_status())
                }
            }
            @if may_appeal { (decision_appeal(l, &id)) }
        }
    }
}

fn ship_card(l: Lang, o: &Order) -> Markup {
    let id = o.id.to_string();
    let s = &o.snapshot;
    html! {
        article.card data-order=(id) {
            p { strong { (s.title) } (names::variant(&s.variant)) " · " (o.quantity) " × " (yuan(s.unit_price.minor))
                " = " (yuan(o.total.minor)) }
            p.muted { (l.t("已付款于 ", "paid ")) (o.paid_at.map(when).unwrap_or_default()) " · "
                (l.t("收货人 ", "ship to ")) (o.shipping.name) " · " (o.shipping.phone) " · " (o.shipping.address) }
            form data-api={"/api/v1/orders/" (id) "/ship"} data-then="reload" data-ship=(id) {
                label for={"carrier-" (id)} { (l.t("承运商", "Carrier")) }
                input #{"carrier-" (id)} name="carrier" required maxlength="100" autocomplete="off";
                label for={"tracking-" (id)} { (l.t("运单号", "Tracking number")) }
                input #{"tracking-" (id)} name="tracking_number" required maxlength="100" autocomplete="off";
                button type="submit" { (l.t("发货", "Mark shipped")) }
                (form_status())
            }
        }
    }
}

/// An order with the return requested on it.
type Returned<'a> = (&'a Order, &'a ReturnRequest);

/// A return waiting for the seller: what was bought, what the buyer asks and why, and the two
/// answers (`POST /api/v1/orders/{id}/returns/decide`).
fn return_card(l: Lang, o: &Order, r: &ReturnRequest) -> Markup {
    let id = o.id.to_string();
    let s = &o.snapshot;
    // Approval refunds the order (`Order::refund`), which only a delivered or completed order
    // allows; an order refunded meanwhile (an upheld complaint) can only have the return refused.
    let refundable = matches!(o.status, OrderStatus::Delivered | OrderStatus::Completed);
    html! {
        article.card data-return-decide=(id) {
            p { strong { (s.title) } (names::variant(&s.variant)) " · " (o.quantity) " × " (yuan(s.unit_price.minor))
                " = " (yuan(o.total.minor)) " · " span.badge { (names::order_status(l, o.status)) } }
            p { span.badge.warn { (names::return_kind(l, r.kind)) } " "
                span.muted { (l.t("申请于 ", "requested ")) (when(r.requested_at))
                    @if let Some(d) = o.delivered_at { " · " (l.t("送达于 ", "delivered ")) (when(d)) } } }
            @if let Some(reason) = &r.reason { p data-return-reason { (l.t("买家说明：", "The buyer says: ")) (reason) } }
            p.muted { (l.t("同意即退款 ", "Approving refunds ")) (yuan(o.total.minor))
                @if returns::restocks(r.kind) { (l.t("，商品退回后重新入库。", "; the goods come back into stock.")) }
                @else { (l.t("；有问题的商品不再入库。", "; defective goods are not restocked.")) } }
            @if refundable {
                form.stack data-api={"/api/v1/orders/" (id) "/returns/decide"} data-then="reload" data-return-approve=(id) {
                    input type="hidden" name="decision" value="approve";
                    label for={"ra-" (id)} { (l.t("说明（可不填）", "Note (optional)")) }
                    input #{"ra-" (id)} name="note" maxlength="1000" data-optional autocomplete="off";
                    button type="submit" { (l.t("同意退货并退款", "Approve and refund")) }
                    (form_status())
                }
            } @else {
                p.muted { (l.t("订单已不能退款（", "The order can no longer be refunded (")) (names::order_status(l, o.status))
                    (l.t("），只能拒绝这项退货申请。", "); the return can only be refused.")) }
            }
            form.stack data-api={"/api/v1/orders/" (id) "/returns/decide"} data-then="reload" data-return-refuse=(id) {
                input type="hidden" name="decision" value="reject";
                label for={"rf-" (id)} { (l.t("拒绝理由（买家会看到，可据此投诉）", "Why you refuse (the buyer sees it and may complain)")) }
                textarea #{"rf-" (id)} name="note" required maxlength="1000" {}
                button.secondary type="submit" { (l.t("拒绝退货", "Refuse the return")) }
                (form_status())
            }
        }
    }
}

/// A return already decided, for the record.
fn decided_return(l: Lang, o: &Order, r: &ReturnRequest) -> Markup {
    html! {
        p data-return-decided=(o.id) { strong { (o.snapshot.title) } " · " (names::return_kind(l, r.kind)) " · "
            span.badge { (names::return_status(l, r.status)) }
            @if let Some(at) = r.decided_at { " " span.muted { (when(at)) } }
            @if let Some(n) = &r.note { " — " (n) } }
    }
}

/// `GET /console/merchant`: the signed-in merchant's products and documents, deposit, complaints,
/// orders to ship, returns to decide and reviews.
pub async fn merchant(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let l = ctx.lang;
    let caller = ctx.require(&[Role::Merchant])?.clone();
    let title = l.t("商家工作台", "Merchant console");
    // Read from the store: no API handler answers "which merchant is mine" (GET /merchants lists
    // every merchant); what is shown of it comes from GET /merchants/{id} below.
    let mine = state.store.party_of_owner(PartyKind::Merchant, caller.account.id).await.map_err(ApiError::from)?;
    let Some(mine) = mine else {
        let body = html! {
            h1 { (title) }
            p.card data-no-merchant { (l.t(
                "还没有登记商家主体。请先通过 POST /api/v1/merchants 登记，平台核验后即可上架商品。",
                "No merchant is registered for this account yet. Register it with POST /api/v1/merchants; once the platform verifies it you can list products."
            )) }
        };
        return ok(page(&ctx, title, body));
    };
    let mid = mine.id.to_string();
    let axum::Json(shop) =
        merchants::get(State(state.clone()), MaybeCaller(Some(caller.clone())), Path(mid.clone())).await?;
    let now = state.clock.now();
    let today = china_date(now);

    let mut docs = Vec::new();
    for p in my_products(&state, &mid).await? {
        let pid = p.id.to_string();
        let axum::Json(q) = products::list_qualifications(State(state.clone()), Path(pid.clone())).await?;
        let axum::Json(i) = products::list_inspections(State(state.clone()), Path(pid.clone())).await?;
        let eq = EligibilityQuery { anchor: None, room_operator: None };
        let axum::Json(verdict) =
            eligibility::get(State(state.clone()), caller.clone(), Path(pid.clone()), ApiQuery(eq)).await?;
        let rq = ReviewQuery { cursor: None, limit: Some(50) };
        let axum::Json(r) = reviews::for_product(State(state.clone()), Path(pid), ApiQuery(rq)).await?;
        docs.push(ProductDocs { product: p, qualifications: q.items, inspections: i.items, verdict, reviews: r.items });
    }
    // Documents to act on: per qualification kind and for inspections only the latest counts, so
    // a renewed licence does not keep its expired predecessor in the tally.
    let warnings = docs
        .iter()
        .flat_map(|d| {
            let q = d
                .qualifications
                .iter()
                .filter(|q| !d.qualifications.iter().any(|o| o.kind == q.kind && o.valid_until > q.valid_until))
                .map(|q| expiry(q.valid_until, today));
            let latest = d.inspections.iter().max_by_key(|i| i.inspected_on);
            let until = latest.and_then(|i| i.valid_until).map(|u| expiry(u, today));
            // An inspection also goes stale when older than the category allows.
            let max_age = state.policy.category(d.product.category).inspection.map(|r| r.max_age_months);
            let stale = latest
                .zip(max_age)
                .and_then(|(i, m)| i.inspected_on.checked_add_months(chrono::Months::new(m)))
                .map(|u| expiry(u, today));
            q.chain(until).chain(stale).collect::<Vec<_>>()
        })
        .filter(|e| *e != Expiry::Fine)
        .count();

    // The least deposit the shop must hold: the highest minimum of the categories it lists.
    let minimum =
        docs.iter().map(|d| state.policy.category(d.product.category).merchant_deposit_fen).max().unwrap_or(0);
    let deposit = balance(&state, &caller, format!("merchant_deposit:{mid}")).await?;
    // A receivable's balance is negative while the merchant owes the platform.
    let owed = balance(&state, &caller, format!("receivable:{mid}")).await?.saturating_neg().max(0);

    let cq = ComplaintQuery { status: None, overdue: None, flagged: None, cursor: None, limit: Some(200) };
    let axum::Json(cs) = complaints::list(State(state.clone()), caller.clone(), ApiQuery(cq)).await?;
    let (open_cs, closed_cs): (Vec<&ComplaintView>, Vec<&ComplaintView>) =
        cs.items.iter().partition(|c| open(c.complaint.status));
    let sales = my_orders(&state, &caller).await?;
    let to_ship: Vec<&Order> = sales.iter().filter(|o| o.status == OrderStatus::Paid).collect();
    let (to_decide, decided): (Vec<Returned<'_>>, Vec<Returned<'_>>) = sales
        .iter()
        .filter_map(|o| o.return_request.as_ref().map(|r| (o, r)))
        .partition(|(_, r)| r.status == ReturnStatus::Requested);
    let unanswered = docs.iter().flat_map(|d| &d.reviews).filter(|r| r.reply.is_none()).count();
    let key = format!("page-{:032x}", rand::random::<u128>());

    let body = html! {
        h1 { (title) }
        section.card aria-labelledby="shop-h" data-merchant=(mid) {
            h2 #shop-h { (shop.legal_name) " " (verification_badge(l, shop.verification.status)) }
            p.muted { (shop.uscc.as_deref().or(shop.id_number.as_deref()).unwrap_or("")) " · " (shop.address) " · " (shop.contact)
                @if let Some(u) = shop.verification.verified_until { " · " (l.t("核验有效期至 ", "verified until ")) (when(u)) } }
            ul {
                li { a href="#products-h" { (l.t("商品 ", "Products ")) (docs.len()) }
                    @if warnings > 0 { " " span.badge.warn data-expiry-count=(warnings) { (warnings) (l.t(" 项证照需处理", " documents expiring or expired")) } } }
                li { a href="#complaints-h" { (l.t("待处理投诉 ", "Open complaints ")) (open_cs.len()) } }
                li { a href="#ship-h" { (l.t("待发货 ", "To ship ")) (to_ship.len()) } }
                li { a href="#returns-h" { (l.t("待处理退货 ", "Returns to decide ")) (to_decide.len()) } }
                li { a href="#reviews-h" { (l.t("待回复评价 ", "Reviews to answer ")) (unanswered) } }
            }
        }

        section.card aria-labelledby="deposit-h" data-deposit {
            h2 #deposit-h { (l.t("消费者权益保证金", "Consumer-protection deposit")) }
            p { (l.t("余额 ", "Balance ")) strong data-deposit-balance=(deposit) { (yuan(deposit)) } " · "
                (l.t("所售类目最低要求 ", "minimum for your categories ")) strong data-deposit-minimum=(minimum) { (yuan(minimum)) } " "
                @if deposit < minimum { span.badge.bad { (l.t("低于最低要求，相关商品暂停销售", "below the minimum: those goods cannot be sold")) } }
                @else { span.badge.ok { (l.t("达标", "sufficient")) } }
            }
            @if owed > 0 {
                p data-owed=(owed) { span.badge.bad { (l.t("欠平台 ", "You owe the platform ")) (yuan(owed)) }
                    " " span.muted { (l.t("（先行赔付中保证金不足的部分；充值会先抵扣）", "(compensation your deposit could not cover; a top-up settles it first)")) } }
            }
            form.stack data-api="/api/v1/deposits" data-then="reload" data-idempotency=(key) data-topup {
                input type="hidden" name="party_id" value=(mid);
                label for="topup-amount" { (l.t("充值金额（元，模拟支付）", "Top-up amount (yuan, simulated payment)")) }
                // Empty, so nobody submits a figure they did not type; the placeholder suggests the
                // shortfall to the minimum when there is one.
                input #topup-amount name="amount" type="number" min="0.01" step="0.01" required data-type="yuan"
                    placeholder=(match (minimum - deposit).max(0) {
                        0 => l.t("例如 1000.00", "e.g. 1000.00").to_string(),
                        gap => format!("{}{}.{:02}", l.t("差额 ", "shortfall "), gap / 100, gap % 100),
                    });
                button type="submit" { (l.t("充值", "Top up")) }
                (form_status())
            }
        }

        section aria-labelledby="complaints-h" {
            h2 #complaints-h { (l.t("投诉", "Complaints")) }
            p.muted { (l.t("商家须在回应期限内回应；平台在裁决期限内裁决。", "Respond before the respond-by time; the platform decides before the decide-by time.")) }
            @if open_cs.is_empty() { p.card { (l.t("没有待处理的投诉。", "No open complaint.")) } }
            @for c in &open_cs { (complaint_card(l, c, now)) }
            @if !closed_cs.is_empty() {
                details {
                    summary { (l.t("已结案的投诉 ", "Closed complaints ")) "(" (closed_cs.len()) ")" }
                    @for c in &closed_cs { (complaint_card(l, c, now)) }
                }
            }
        }

        section aria-labelledby="ship-h" {
            h2 #ship-h { (l.t("待发货订单", "Paid orders to ship")) }
            @if to_ship.is_empty() { p.card { (l.t("没有待发货的订单。", "Nothing to ship.")) } }
            @for o in &to_ship { (ship_card(l, o)) }
        }

        section aria-labelledby="returns-h" {
            h2 #returns-h { (l.t("待处理的退货", "Returns to decide")) }
            p.muted { (l.t("同意即向买家全额退款；拒绝须说明理由，买家可以投诉。",
                "Approving refunds the buyer in full; a refusal needs a reason, and the buyer may complain.")) }
            @if to_decide.is_empty() { p.card { (l.t("没有待处理的退货。", "No return waits for a decision.")) } }
            @for (o, r) in &to_decide { (return_card(l, o, r)) }
            @if !decided.is_empty() {
                details {
                    summary { (l.t("已处理的退货 ", "Decided returns ")) "(" (decided.len()) ")" }
                    div.card { @for (o, r) in &decided { (decided_return(l, o, r)) } }
                }
            }
        }

        section aria-labelledby="products-h" {
            h2 #products-h { (l.t("商品与资质", "Products and documents")) }
            p.muted { (l.t("证照在 30 天内到期会提示；过期或未审核的证照不计入销售资格。",
                "Documents expiring within 30 days are flagged; expired or unreviewed documents do not count towards eligibility.")) }
            @if docs.is_empty() { p.card { (l.t("还没有商品。", "No products yet.")) } }
            @for d in &docs {
                (product_card(l, d, today, state.policy.category(d.product.category).inspection.map(|r| r.max_age_months)))
            }
        }

        section aria-labelledby="reviews-h" {
            h2 #reviews-h { (l.t("待回复的评价", "Reviews to answer")) }
            p.muted { (l.t("每条评价可回复一次；评价不能删除或隐藏。", "Each review can be answered once; reviews are never deleted or hidden.")) }
            @if unanswered == 0 { p.card { (l.t("没有待回复的评价。", "No review waits for a reply.")) } }
            @for d in &docs {
                @let waiting: Vec<&ReviewView> = d.reviews.iter().filter(|r| r.reply.is_none()).collect();
                @if !waiting.is_empty() {
                    h3 { (d.product.title) }
                    @for r in waiting { (review_block(l, r)) }
                }
            }
            // Answered reviews stay readable with the reply given, as the buyers see them.
            @let answered = docs.iter().map(|d| d.reviews.iter().filter(|r| r.reply.is_some()).count()).sum::<usize>();
            @if answered > 0 {
                details data-answered-reviews {
                    summary { (l.t("已回复的评价 ", "Answered reviews ")) "(" (answered) ")" }
                    @for d in &docs {
                        @let done: Vec<&ReviewView> = d.reviews.iter().filter(|r| r.reply.is_some()).collect();
                        @if !done.is_empty() {
                            h3 { (d.product.title) }
                            @for r in done { (review_block(l, r)) }
                        }
                    }
                }
            }
        }
    };
    ok(page(&ctx, title, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_warns_thirty_days_ahead() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap_or_default();
        let day = |n: i64| today + chrono::Duration::days(n);
        assert_eq!(expiry(day(-1), today), Expiry::Expired);
        assert_eq!(expiry(day(0), today), Expiry::Soon(0));
        assert_eq!(expiry(day(30), today), Expiry::Soon(30));
        assert_eq!(expiry(day(31), today), Expiry::Fine);
    }

    #[test]
    fn basis_points_read_as_percent() {
        assert_eq!(bps(10_000), "100.00%");
        assert_eq!(bps(2_550), "25.50%");
    }
}

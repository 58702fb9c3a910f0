//! The platform operator's console: the verification queue (parties, anchors, product documents),
//! violations to decide, complaints to take up and adjudicate (with the clocks and what is
//! overdue), measures and their appeals, and the policy's key figures.
//!
//! Every list is read through the API handler an operator would call; every form posts to the
//! JSON API. A decision that is a boolean in the API (`upheld`, `confirm`) is two forms, one per
//! outcome, each carrying its value in a hidden checkbox: `app.js` sends only checkboxes as JSON
//! booleans, and one button per outcome leaves no room to send the wrong one.

use axum::extract::{Path, State};
use chrono::{DateTime, NaiveDate, Utc};
use clearcast_domain::account::Role;
use clearcast_domain::complaint::{AbuseFlag, ComplaintStatus};
use clearcast_domain::compliance::Catalogue;
use clearcast_domain::dates::china_date;
use clearcast_domain::order::{Order, OrderStatus};
use clearcast_domain::penalty::{MeasureKind, MeasureStatus};
use clearcast_domain::qualification::{Inspection, Qualification};
use clearcast_domain::verification::VerificationStatus;
use clearcast_domain::violation::Violation;
use maud::{html, Markup};

use super::layout::{form_status, measure_facts, page, when, yuan};
use super::merchant::{bps, clocks, complaint_facts, expiry, expiry_badge, open, overdue_name, verification_badge};
use super::names;
use super::room::points_window;
use super::{ok, Ctx, Lang, PageResult};
use crate::api::anchors;
use crate::api::complaints::{self, ComplaintQuery, ComplaintView};
use crate::api::orders::{self, OrderQuery};
use crate::api::parties::{agencies, goods_owners, merchants, room_operators};
use crate::api::penalties::{self, MeasureQuery, MeasureView, ViolationQuery};
use crate::api::products::{self, ProductQuery};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{ApiQuery, PageQuery};
use crate::state::AppState;
use crate::views::{AnchorView, List, PartyView, ProductView};

/// Pages of 200 each list reads at most: past that the console needs search and paging of its own.
const MAX_PAGES: usize = 5;

/// Reads every page of a cursor-paged list (up to [`MAX_PAGES`]).
async fn all_pages<T, F, Fut>(mut fetch: F) -> Result<Vec<T>, ApiError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = Result<axum::Json<List<T>>, ApiError>>,
{
    let mut out = Vec::new();
    let mut cursor = None;
    for _ in 0..MAX_PAGES {
        let axum::Json(page) = fetch(cursor).await?;
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    Ok(out)
}

fn page_query(cursor: Option<String>) -> ApiQuery<PageQuery> {
    ApiQuery(PageQuery { cursor, limit: Some(200) })
}

/// The names of the parties and anchors on record, so cards show who rather than an id. Built
/// from the lists the console reads anyway; an id it does not know is shown as it is.
#[derive(Default)]
struct Who(std::collections::HashMap<String, String>);

impl Who {
    fn of(&self, id: &dyn std::fmt::Display) -> String {
        let id = id.to_string();
        self.0.get(&id).cloned().unwrap_or(id)
    }

    /// The name only when it is known, for places where an id would be no help at all.
    fn known(&self, id: &dyn std::fmt::Display) -> Option<&str> {
        self.0.get(&id.to_string()).map(String::as_str)
    }
}

/// The numbers in an abuse flag's detail (`3 complaints rejected in the last 90 days (threshold
/// 3)`), in order. The flag keeps the figures of the policy it was raised under only in that
/// English sentence, so they are read back from it rather than taken from today's policy.
fn flag_figures(detail: &str) -> Vec<u32> {
    detail.split_whitespace().filter_map(|w| w.trim_matches(|c| c == '(' || c == ')').parse().ok()).collect()
}

/// An abuse flag in the page's language: its name and its figures. A kind or a detail this page
/// does not know is shown in the API's own words.
fn abuse_flag(l: Lang, f: &AbuseFlag, merchant: &str) -> Markup {
    let figures = flag_figures(&f.detail);
    let detail = match (f.kind.as_str(), figures.as_slice(), l) {
        ("repeatedly_rejected", [n, days, t], Lang::Zh) => format!("近 {days} 天内 {n} 起投诉不成立（阈值 {t}）"),
        ("repeatedly_rejected", [n, days, t], Lang::En) => {
            format!("{n} complaints rejected in the last {days} days (threshold {t})")
        }
        ("burst_against_one_party", [n, hours, t], Lang::Zh) => {
            format!("{hours} 小时内对{merchant}投诉 {n} 起（阈值 {t}）")
        }
        ("burst_against_one_party", [n, hours, t], Lang::En) => {
            format!("{n} complaints against {merchant} within {hours} hours (threshold {t})")
        }
        _ => f.detail.clone(),
    };
    html! {
        li data-abuse-flag=(f.kind) { span.badge.warn { (names::abuse_flag(l, &f.kind)) } " " (detail) }
    }
}

/// Not (or no longer) verified: what the queue shows.
fn waiting(s: VerificationStatus) -> bool {
    s != VerificationStatus::Verified
}

/// The approve/reject form every verify endpoint takes (`DecisionInput`).
fn verify_form(l: Lang, api: String, key: &str) -> Markup {
    html! {
        form.stack data-api=(api) data-then="reload" data-verify=(key) {
            label for={"dec-" (key)} { (l.t("决定", "Decision")) }
            select #{"dec-" (key)} name="decision" {
                option value="approve" { (l.t("通过", "approve")) }
                option value="reject" { (l.t("驳回", "reject")) }
            }
            label for={"note-" (key)} { (l.t("说明（驳回时必填）", "Note (required to reject)")) }
            input #{"note-" (key)} name="note" maxlength="1000" data-optional autocomplete="off";
            button type="submit" { (l.t("提交", "Submit")) }
            (form_status())
        }
    }
}

/// A boolean decision as one form: `field` is sent as `value`, with a reason.
fn bool_form(api: &str, field: &str, value: bool, hook: (&str, &str), reason: (&str, &str), button: &str) -> Markup {
    let (hook_name, id) = hook;
    let (reason_field, reason_label) = reason;
    let key = format!("{hook_name}-{id}");
    html! {
        form data-api=(api) data-then="reload" data-decision=(hook_name) data-for=(id) {
            // Hidden: the button says the outcome (see the module comment). The label is for
            // checkers and tools that list a form's fields; nobody sees or tabs to it.
            input type="checkbox" name=(field) data-type="bool" checked[value] hidden aria-hidden="true" tabindex="-1" aria-label=(button);
            label for={"r-" (key)} { (reason_label) }
            textarea #{"r-" (key)} name=(reason_field) required maxlength="1000" {}
            button type="submit" { (button) }
            (form_status())
        }
    }
}

fn party_row(l: Lang, p: &PartyView, path: &str, today: NaiveDate) -> Markup {
    html! {
        article.card data-party=(p.id) {
            p { strong { (p.legal_name) } " " (verification_badge(l, p.verification.status)) " "
                span.muted { (l.t("登记于 ", "registered ")) (when(p.created_at)) } }
            p.muted {
                @if let Some(u) = &p.uscc { (l.t("统一社会信用代码 ", "USCC ")) (u) }
                @if let Some(i) = &p.id_number { (l.t("身份证号 ", "ID number ")) (i) " (" (l.t("自然人", "natural person")) ")" }
                " · " (p.address) " · " (p.contact)
            }
            @if let Some(n) = &p.verification.note { p.muted { (l.t("上次说明：", "Last note: ")) (n) } }
            @if !p.licences.is_empty() {
                ul { @for lic in &p.licences { li data-licence-kind=(lic.kind) { (names::licence_kind(l, &lic.kind)) " " (lic.number) " · " (lic.issuer)
                    @if let Some(u) = lic.valid_until { " · " (l.t("至 ", "until ")) (u) " " (expiry_badge(l, expiry(u, today))) } } } }
            }
            (verify_form(l, format!("/api/v1/{path}/{}/verify", p.id), &p.id))
        }
    }
}

fn anchor_row(l: Lang, a: &AnchorView, who: &Who) -> Markup {
    let id = a.id.to_string();
    html! {
        article.card data-anchor=(id) {
            p { strong { (a.stage_name.as_deref().unwrap_or(&a.real_name)) } " " (verification_badge(l, a.verification.status))
                @if a.blacklisted { " " span.badge.bad { (l.t("黑名单", "blacklisted")) } } }
            p.muted { (a.real_name) " · " (a.id_number)
                @if let Some(b) = a.birth_date { " · " (l.t("生于 ", "born ")) (b) }
                @if let Some(ag) = a.agency_id { " · " (l.t("机构 ", "agency ")) (who.of(&ag)) } }
            @if a.guardian_consent.is_some() { p { span.badge.warn { (l.t("未成年人：已附监护人同意", "minor: guardian consent attached")) } } }
            (verify_form(l, format!("/api/v1/anchors/{id}/verify"), &id))
        }
    }
}

/// A product with its documents awaiting review.
struct DocsToReview {
    product: ProductView,
    qualifications: Vec<Qualification>,
    inspections: Vec<Inspection>,
}

fn documents_card(l: Lang, d: &DocsToReview, today: NaiveDate) -> Markup {
    let p = &d.product;
    let pid = p.id.to_string();
    html! {
        article.card data-product=(pid) {
            p { strong { (p.title) } " " span.badge { (names::product_category_key(l, p.category.as_str())) } " · " (p.disclosure.seller.name) }
            @for q in &d.qualifications {
                @let qid = q.id.to_string();
                div.card data-qualification=(qid) data-kind=(q.kind.as_str()) {
                    p { (l.t("资质 ", "Qualification ")) strong { (names::qualification_kind(l, q.kind)) } " " (q.number) " · " (q.issuer) " · "
                        (q.valid_from) " – " (q.valid_until) " " (expiry_badge(l, expiry(q.valid_until, today))) }
                    (verify_form(l, format!("/api/v1/products/{pid}/qualifications/{qid}/verify"), &qid))
                }
            }
            @for i in &d.inspections {
                @let iid = i.id.to_string();
                div.card data-inspection=(iid) {
                    p { (l.t("检验报告 ", "Inspection ")) strong { (i.report_number) } " · " (i.lab) " · " (i.inspected_on) " "
                        @if i.passed { span.badge.ok { (l.t("合格", "passed")) } } @else { span.badge.bad { (l.t("不合格", "failed")) } }
                        @if let Some(u) = i.valid_until { " · " (l.t("至 ", "until ")) (u) " " (expiry_badge(l, expiry(u, today))) } }
                    (verify_form(l, format!("/api/v1/products/{pid}/inspections/{iid}/verify"), &iid))
                }
            }
        }
    }
}

fn violation_card(l: Lang, v: &Violation, who: &Who, rules: &Catalogue) -> Markup {
    let id = v.id.to_string();
    let f = &v.finding;
    let api = format!("/api/v1/violations/{id}/decision");
    let secs = v.at_ms / 1000;
    html! {
        article.card data-violation=(id) {
            p { span.badge.warn { (names::label(l, f.label)) } " " strong { "「" (f.matched) "」" } " · " (f.points) (l.t(" 分", " points"))
                " · " a href={"/shows/" (v.show)} { (l.t("直播场次", "show")) } " "
                span.muted { (format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)) " · " (when(v.created_at)) } }
            p.muted { (l.t("主播 ", "anchor ")) (who.of(&v.anchor)) " · " (l.t("直播间 ", "room ")) (who.of(&v.room_operator))
                @if let Some(c) = &v.product_category { " · " (names::product_category_key(l, c)) } }
            p.muted { (super::reasons::basis(l, &f.basis)) " → " (super::reasons::suggestion(l, rules, f)) }
            div.grid {
                (bool_form(&api, "confirm", true, ("violation-confirm", &id), ("reason", l.t("确认理由", "Why it is a violation")), l.t("确认违规（计分）", "Confirm (points apply)")))
                (bool_form(&api, "confirm", false, ("violation-dismiss", &id), ("reason", l.t("驳回理由", "Why it is not")), l.t("不构成违规", "Dismiss")))
            }
        }
    }
}

fn adjudicate_forms(l: Lang, c: &ComplaintView) -> Markup {
    let k = &c.complaint;
    let id = k.id.to_string();
    let api = format!("/api/v1/complaints/{id}/adjudicate");
    let has_room = k.room_operator.is_some();
    html! {
        div.grid data-adjudicate=(id) {
            form.stack data-api=(api) data-then="reload" data-adjudicate-uphold=(id) {
                h4 { (l.t("投诉成立", "Uphold")) }
                // Hidden: this form is the "upheld" outcome (see the module comment).
                input type="checkbox" name="upheld" data-type="bool" checked hidden aria-hidden="true" tabindex="-1" aria-label=(l.t("投诉成立", "Upheld"));
                label for={"up-reason-" (id)} { (l.t("裁决理由", "Reason")) }
                textarea #{"up-reason-" (id)} name="reason" required maxlength="2000" {}
                fieldset {
                    legend { (l.t("责任划分（基点，合计 10000）", "Liability (basis points, summing to 10000)")) }
                    label for={"up-m-" (id)} { (l.t("商家", "Merchant")) }
                    input #{"up-m-" (id)} name="liability.merchant_bps" type="number" min="0" max="10000" step="1" value="10000" data-type="int" required;
                    @if has_room {
                        label for={"up-r-" (id)} { (l.t("直播间运营者", "Room operator")) }
                        input #{"up-r-" (id)} name="liability.room_operator_bps" type="number" min="0" max="10000" step="1" value="0" data-type="int" required;
                    } @else {
                        // Not sold in a show: there is no room to hold liable, and the API refuses a share for one.
                        input type="hidden" name="liability.room_operator_bps" value="0" data-type="int";
                    }
                    label for={"up-p-" (id)} { (l.t("平台", "Platform")) }
                    input #{"up-p-" (id)} name="liability.platform_bps" type="number" min="0" max="10000" step="1" value="0" data-type="int" required;
                }
                p.muted { (l.t("成立后：订单退款，赔付从保障金先行支付，再按责任从保证金追偿。",
                    "Upholding refunds the order, pays the compensation from the guarantee pool at once and recovers it from the liable parties' deposits.")) }
                button type="submit" { (l.t("裁决：成立", "Decide: upheld")) }
                (form_status())
            }
            form.stack data-api=(api) data-then="reload" data-adjudicate-reject=(id) {
                h4 { (l.t("投诉不成立", "Reject")) }
                // Hidden: this form is the "rejected" outcome.
                input type="checkbox" name="upheld" data-type="bool" hidden aria-hidden="true" tabindex="-1" aria-label=(l.t("投诉不成立", "Rejected"));
                label for={"rej-reason-" (id)} { (l.t("裁决理由", "Reason")) }
                textarea #{"rej-reason-" (id)} name="reason" required maxlength="2000" {}
                button type="submit" { (l.t("裁决：不成立", "Decide: rejected")) }
                (form_status())
            }
        }
    }
}

/// What a person calls a complaint: the product it is about (the page has every product's
/// title), else its category.
fn complaint_title(l: Lang, c: &ComplaintView, who: &Who) -> String {
    let k = &c.complaint;
    match who.known(&k.product) {
        Some(title) => title.to_string(),
        None => format!("{}{}", l.t("投诉：", "Complaint: "), names::category(l, k.category)),
    }
}

fn complaint_card(l: Lang, c: &ComplaintView, now: DateTime<Utc>, action: Markup, who: &Who) -> Markup {
    let k = &c.complaint;
    let merchant = who.of(&k.merchant);
    html! {
        article.card data-complaint=(k.id) id={"complaint-" (k.id)} {
            // h3 under the sections' h2; the adjudication forms below are h4.
            h3 data-complaint-product=(k.product) { (complaint_title(l, c, who)) }
            (complaint_facts(l, c))
            // The id stays, small, for an operator who has to quote it to the parties.
            p.muted { (l.t("商家 ", "merchant ")) (merchant)
                @if let Some(r) = k.room_operator { " · " (l.t("直播间 ", "room ")) (who.of(&r)) }
                " · " small { (l.t("投诉编号 ", "complaint no. ")) code { (k.id) } } }
            @if !k.abuse_flags.is_empty() {
                ul.findings { @for f in &k.abuse_flags { (abuse_flag(l, f, &merchant)) } }
            }
            (clocks(l, c, now))
            (action)
        }
    }
}

/// Where a measure's term ends: its end, "permanent" for the closures, nothing for a warning
/// (which has no term).
fn term_end(l: Lang, kind: MeasureKind, ends_at: Option<DateTime<Utc>>) -> String {
    match ends_at {
        Some(end) => format!(" – {}", when(end)),
        None if kind >= MeasureKind::AccountClosure => format!(" – {}", l.t("永久", "permanent")),
        None => String::new(),
    }
}

fn measure_card(l: Lang, m: &MeasureView, who: &Who, points_days: u32) -> Markup {
    let x = &m.measure;
    let id = x.id.to_string();
    let api = format!("/api/v1/penalties/{id}/appeal/decision");
    let pending = x.appeal.as_ref().is_some_and(|a| a.upheld.is_none());
    html! {
        article.card data-measure=(id) {
            p { strong { (names::measure(l, x.kind)) } " · " (who.of(&x.subject)) " · "
                span data-measure-points { (x.points) (l.t(" 分", " points")) } span.muted { (points_window(l, points_days)) } " "
                @match m.status {
                    MeasureStatus::Active => { span.badge.bad { (l.t("生效中", "active")) } }
                    MeasureStatus::Lifted => { span.badge { (l.t("已到期解除", "lifted")) } }
                    MeasureStatus::Reversed => { span.badge.ok { (l.t("已撤销", "reversed")) } }
                }
                " " span.muted { (when(x.starts_at)) (term_end(l, x.kind, x.ends_at)) } }
            (measure_facts(l, &x.facts, &|_| None))
            p.muted { (super::reasons::basis(l, &x.basis)) }
            @if let Some(a) = &x.appeal {
                p { strong { (l.t("申诉：", "Appeal: ")) } (a.statement) " " span.muted { (when(a.filed_at)) } " "
                    @match a.upheld {
                        None => { span.badge.warn data-appeal-pending { (l.t("待决定", "awaiting decision")) } }
                        Some(true) => { span.badge.ok { (l.t("申诉成立", "appeal upheld")) } }
                        Some(false) => { span.badge.bad { (l.t("申诉驳回", "appeal rejected")) } }
                    }
                    @if let Some(r) = &a.decision_reason { " " (r) } }
            }
            @if pending {
                div.grid {
                    (bool_form(&api, "upheld", true, ("appeal-uphold", &id), ("reason", l.t("理由（撤销措施及其违规记录）", "Reason (reverses the measure and its violations)")), l.t("申诉成立，撤销", "Uphold the appeal")))
                    (bool_form(&api, "upheld", false, ("appeal-reject", &id), ("reason", l.t("驳回理由", "Reason")), l.t("驳回申诉", "Reject the appeal")))
                }
            }
        }
    }
}

fn policy_card(l: Lang, state: &AppState) -> Markup {
    let p = &state.policy;
    html! {
        section.card aria-labelledby="policy-h" data-policy {
            h2 #policy-h { (l.t("平台规则（要点）", "Policy (key figures)")) }
            ul {
                li { (l.t("主体核验有效期 ", "Verification lasts ")) strong { (p.verification_months) } (l.t(" 个月", " months")) }
                li { (l.t("商家回应投诉时限 ", "Merchant response clock ")) strong data-response-hours=(p.complaints.response_hours) { (p.complaints.response_hours) } (l.t(" 小时", " hours")) }
                li { (l.t("平台裁决时限 ", "Platform decision clock ")) strong data-decision-days=(p.complaints.decision_days) { (p.complaints.decision_days) } (l.t(" 天", " days")) }
                li { (l.t("平台服务费 ", "Platform fee ")) strong { (bps(p.platform_fee_bps)) } }
                li { (l.t("付款时限 ", "Payment window ")) strong { (p.payment_window_minutes) } (l.t(" 分钟", " minutes")) }
                li { (l.t("违规计分有效期 ", "Violation points count for ")) strong { (p.penalties.points_window_days) } (l.t(" 天", " days"))
                    " · " (l.t("申诉处理 ", "appeals decided within ")) strong { (p.penalties.appeal_days) } (l.t(" 个工作日", " working days")) }
            }
            h3 { (l.t("处罚阶梯", "Penalty ladder")) }
            div.table-wrap { table {
                thead { tr { th scope="col" { (l.t("分数 ≥", "Points ≥")) } th scope="col" { (l.t("措施", "Measure")) } th scope="col" { (l.t("期限", "Term")) } } }
                tbody { @for s in &p.penalties.ladder { tr { th scope="row" { (s.min_points) } td { (names::measure(l, s.measure)) }
                    td { @match s.days { Some(d) => { (d) (l.t(" 天", " days")) } None if s.measure == MeasureKind::Warning => { "—" }
                        None => { (l.t("永久", "permanent")) } } } } } }
            } }
            h3 { (l.t("类目门槛", "Category thresholds")) }
            div.table-wrap { table {
                thead { tr { th scope="col" { (l.t("类目", "Category")) } th scope="col" { (l.t("商家保证金", "Merchant deposit")) }
                    th scope="col" { (l.t("直播间保证金", "Room deposit")) }
                    th scope="col" { (l.t("检验报告", "Inspection")) } th scope="col" { (l.t("资质", "Qualifications")) } } }
                tbody { @for (name, r) in &p.categories { tr data-category=(name) {
                    th scope="row" { (names::product_category_key(l, name)) } td { (yuan(r.merchant_deposit_fen)) } td { (yuan(r.room_operator_deposit_fen)) }
                    td { @if let Some(i) = &r.inspection { "≤ " (i.max_age_months) (l.t(" 个月", " months")) } @else { "—" } }
                    // Each group is "one of these"; every group is needed.
                    td { @for (i, any) in r.qualifications.iter().enumerate() { @if i > 0 { (l.t("；并且 ", "; and ")) }
                        (any.iter().map(|k| names::qualification_kind(l, *k)).collect::<Vec<_>>().join(l.t(" 或 ", " or "))) } }
                } } }
            } }
            p.muted {
                a href="/api/v1/feed/policy" { (l.t("推荐排序规则（JSON）", "Feed ranking policy (JSON)")) } " · "
                a href="/api/v1/compliance/rules" { (l.t("话术规则（JSON）", "Speech rules (JSON)")) } " · "
                a href="/api/v1/openapi.json" { "OpenAPI" }
            }
        }
    }
}

/// `GET /console/operator`: the operator's queues and decisions.
pub async fn operator(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let l = ctx.lang;
    let caller: Caller = ctx.require(&[Role::Operator])?.clone();
    let title = l.t("平台运营工作台", "Operator console");
    let now = state.clock.now();
    let today = china_date(now);
    let (s, c) = (&state, &caller);

    // The verification queue: every party and anchor not verified now.
    let mut parties: Vec<(&str, &str, Vec<PartyView>)> = Vec::new();
    let merchants = all_pages(|cur| merchants::list(State(s.clone()), c.clone(), page_query(cur))).await?;
    parties.push(("merchants", l.t("商家", "Merchants"), merchants));
    let owners = all_pages(|cur| goods_owners::list(State(s.clone()), c.clone(), page_query(cur))).await?;
    parties.push(("goods-owners", l.t("货源方", "Goods owners"), owners));
    let rooms = all_pages(|cur| room_operators::list(State(s.clone()), c.clone(), page_query(cur))).await?;
    parties.push(("room-operators", l.t("直播间运营者", "Room operators"), rooms));
    let agencies = all_pages(|cur| agencies::list(State(s.clone()), c.clone(), page_query(cur))).await?;
    parties.push(("agencies", l.t("MCN 机构", "Agencies"), agencies));
    let mut anchors = all_pages(|cur| anchors::list(State(s.clone()), c.clone(), page_query(cur))).await?;
    let mut who = Who::default();
    for (_, _, list) in &parties {
        who.0.extend(list.iter().map(|p| (p.id.clone(), p.legal_name.clone())));
    }
    who.0.extend(
        anchors.iter().map(|a| (a.id.to_string(), a.stage_name.clone().unwrap_or_else(|| a.real_name.clone()))),
    );
    for (_, _, list) in &mut parties {
        list.retain(|p| waiting(p.verification.status));
    }
    anchors.retain(|a| waiting(a.verification.status));
    let points_days = state.policy.penalties.points_window_days;
    let rules = state.rules.current();
    let mut shipped = all_pages(|cursor| {
        orders::list(State(s.clone()), c.clone(), ApiQuery(OrderQuery { show: None, cursor, limit: Some(200) }))
    })
    .await?;
    shipped.retain(|o| o.status == OrderStatus::Shipped);
    shipped.sort_by_key(|o| o.shipped_at);

    // Product documents nobody has reviewed yet.
    let all_products = all_pages(|cursor| {
        products::list(
            State(s.clone()),
            ApiQuery(ProductQuery { seller: None, category: None, cursor, limit: Some(200) }),
        )
    })
    .await?;
    // Complaints name their product, so the cards can say which one it is.
    who.0.extend(all_products.iter().map(|p| (p.id.to_string(), p.title.clone())));
    let mut docs = Vec::new();
    for p in all_products {
        let pid = p.id.to_string();
        let axum::Json(q) = products::list_qualifications(State(s.clone()), Path(pid.clone())).await?;
        let axum::Json(i) = products::list_inspections(State(s.clone()), Path(pid)).await?;
        let qualifications: Vec<Qualification> = q.items.into_iter().filter(|q| q.review.is_none()).collect();
        let inspections: Vec<Inspection> = i.items.into_iter().filter(|i| i.review.is_none()).collect();
        if !qualifications.is_empty() || !inspections.is_empty() {
            docs.push(DocsToReview { product: p, qualifications, inspections });
        }
    }
    let queue = parties.iter().map(|p| p.2.len()).sum::<usize>()
        + anchors.len()
        + docs.iter().map(|d| d.qualifications.len() + d.inspections.len()).sum::<usize>();

    let violations = all_pages(|cursor| {
        let q = ViolationQuery {
            show: None,
            anchor: None,
            room_operator: None,
            status: Some("pending".into()),
            cursor,
            limit: Some(200),
        };
        penalties::list_violations(State(s.clone()), c.clone(), ApiQuery(q))
    })
    .await?;

    let all_complaints = all_pages(|cursor| {
        let q = ComplaintQuery { status: None, overdue: None, flagged: None, cursor, limit: Some(200) };
        complaints::list(State(s.clone()), c.clone(), ApiQuery(q))
    })
    .await?;
    let overdue: Vec<&ComplaintView> = all_complaints.iter().filter(|c| !c.overdue.is_empty()).collect();
    // The same rule as `Complaint::review`: after the response, or once the merchant's clock ran out.
    let to_take: Vec<&ComplaintView> = all_complaints
        .iter()
        .filter(|c| {
            let k = &c.complaint;
            k.status == ComplaintStatus::Responded || (k.status == ComplaintStatus::Filed && now >= k.respond_by)
        })
        .collect();
    let with_merchant: Vec<&ComplaintView> = all_complaints
        .iter()
        .filter(|c| c.complaint.status == ComplaintStatus::Filed && now < c.complaint.respond_by)
        .collect();
    let to_decide: Vec<&ComplaintView> =
        all_complaints.iter().filter(|c| c.complaint.status == ComplaintStatus::UnderReview).collect();
    let closed = all_complaints.iter().filter(|c| !open(c.complaint.status)).count();

    let measures = all_pages(|cursor| {
        let q = MeasureQuery { subject: None, cursor, limit: Some(200) };
        penalties::list_measures(State(s.clone()), c.clone(), ApiQuery(q))
    })
    .await?;
    let (appeals, others): (Vec<&MeasureView>, Vec<&MeasureView>) =
        measures.iter().partition(|m| m.measure.appeal.as_ref().is_some_and(|a| a.upheld.is_none()));

    let body = html! {
        h1 { (title) }
        nav.card aria-label=(l.t("待办", "To do")) {
            ul {
                li { a href="#verify-h" { (l.t("核验队列 ", "Verification queue ")) } strong data-count="verify" { (queue) } }
                li { a href="#violations-h" { (l.t("待确认违规 ", "Violations to decide ")) } strong data-count="violations" { (violations.len()) } }
                li { a href="#overdue-h" { (l.t("超时投诉 ", "Overdue complaints ")) } strong data-count="overdue" { (overdue.len()) }
                    @if !overdue.is_empty() { " " span.badge.bad { (l.t("超时", "overdue")) } } }
                li { a href="#take-h" { (l.t("待受理投诉 ", "Complaints to take up ")) } strong data-count="take" { (to_take.len()) } }
                li { a href="#decide-h" { (l.t("待裁决投诉 ", "Complaints to adjudicate ")) } strong data-count="decide" { (to_decide.len()) } }
                li { a href="#appeals-h" { (l.t("待决定申诉 ", "Appeals to decide ")) } strong data-count="appeals" { (appeals.len()) } }
            }
            // Operators read the regulator's dashboard too: the same figures the regulator sees.
            p { a href="/console/regulator" { (l.t("监管看板（投诉趋势、赔付、重点直播间、审计链）", "Regulator dashboard (complaint trends, compensation, key rooms, audit chain)")) } }
        }

        section aria-labelledby="overdue-h" data-overdue-list {
            h2 #overdue-h { (l.t("超时投诉", "Overdue complaints")) }
            @if overdue.is_empty() { p.card { (l.t("没有超时的投诉。", "Nothing is overdue.")) } }
            @else {
                div.table-wrap { table {
                    thead { tr { th scope="col" { (l.t("投诉", "Complaint")) } th scope="col" { (l.t("状态", "Status")) }
                        th scope="col" { (l.t("超时环节", "Overdue")) } th scope="col" { (l.t("裁决期限", "Decide by")) } } }
                    tbody { @for c in &overdue { tr data-overdue-complaint=(c.complaint.id) {
                        // The product and the category say which complaint; the id is in the row's data.
                        th scope="row" { a href={"#complaint-" (c.complaint.id)} { (complaint_title(l, c, &who)) } " · " (names::category(l, c.complaint.category)) }
                        td { (names::complaint_status(l, c.complaint.status)) }
                        td { @for o in &c.overdue { span.badge.bad { (overdue_name(l, o)) } " " } }
                        td { (when(c.complaint.decide_by)) }
                    } } }
                } }
            }
        }

        section aria-labelledby="take-h" {
            h2 #take-h { (l.t("待受理投诉", "Complaints to take up for review")) }
            p.muted { (l.t("商家已回应，或回应期限已过的投诉可以受理。", "A complaint is taken up once the merchant responded or its response clock ran out.")) }
            @if to_take.is_empty() { p.card { (l.t("没有待受理的投诉。", "Nothing to take up.")) } }
            @for c in &to_take {
                (complaint_card(l, c, now, html! {
                    form.inline data-api={"/api/v1/complaints/" (c.complaint.id) "/review"} data-then="reload" data-review=(c.complaint.id) {
                        button type="submit" { (l.t("受理审理", "Take for review")) } (form_status())
                    }
                }, &who))
            }
        }

        section aria-labelledby="decide-h" {
            h2 #decide-h { (l.t("待裁决投诉", "Complaints to adjudicate")) }
            @if to_decide.is_empty() { p.card { (l.t("没有审理中的投诉。", "Nothing under review.")) } }
            @for c in &to_decide { (complaint_card(l, c, now, adjudicate_forms(l, c), &who)) }
        }

        @if !with_merchant.is_empty() {
            section aria-labelledby="waiting-h" {
                h2 #waiting-h { (l.t("等待商家回应", "Waiting for the merchant")) }
                @for c in &with_merchant { (complaint_card(l, c, now, html! {}, &who)) }
            }
        }
        p.muted { (l.t("已结案投诉 ", "Closed complaints: ")) (closed) " · "
            a href="/api/v1/complaints?overdue=true" { (l.t("超时投诉（JSON）", "overdue (JSON)")) } " · "
            a href="/api/v1/complaints?flagged=true" { (l.t("疑似滥用（JSON）", "flagged for abuse (JSON)")) } }

        section aria-labelledby="verify-h" {
            h2 #verify-h { (l.t("核验队列", "Verification queue")) }
            p.muted { (l.t("未核验、核验过期或被驳回的主体与主播，以及未审核的商品资质和检验报告（《直播电商监督管理办法》第 8、27 条）。",
                "Parties and anchors not verified now (never, expired or rejected), and product documents nobody has reviewed (Order 117 Art. 8, 27).")) }
            @if queue == 0 { p.card { (l.t("队列为空。", "The queue is empty.")) } }
            @for (path, name, list) in &parties {
                @if !list.is_empty() {
                    h3 { (name) " (" (list.len()) ")" }
                    @for p in list { (party_row(l, p, path, today)) }
                }
            }
            @if !anchors.is_empty() {
                h3 { (l.t("主播", "Anchors")) " (" (anchors.len()) ")" }
                @for a in &anchors { (anchor_row(l, a, &who)) }
            }
            @if !docs.is_empty() {
                h3 { (l.t("商品资质与检验报告", "Product qualifications and inspections")) }
                @for d in &docs { (documents_card(l, d, today)) }
            }
        }

        section aria-labelledby="violations-h" {
            h2 #violations-h { (l.t("待确认的违规（黄色）", "Violations to decide (yellow findings)")) }
            @if violations.is_empty() { p.card { (l.t("没有待确认的违规。", "No pending violation.")) } }
            @for v in &violations { (violation_card(l, v, &who, &rules)) }
        }

        section aria-labelledby="appeals-h" {
            h2 #appeals-h { (l.t("处罚措施与申诉", "Measures and appeals")) }
            @if appeals.is_empty() { p.card { (l.t("没有待决定的申诉。", "No appeal waits for a decision.")) } }
            @for m in &appeals { (measure_card(l, m, &who, points_days)) }
            @if !others.is_empty() {
                details {
                    summary { (l.t("全部措施 ", "All measures ")) "(" (others.len()) ")" }
                    @for m in &others { (measure_card(l, m, &who, points_days)) }
                }
            }
        }

        (deliveries(l, &shipped))

        (policy_card(l, &state))
    };
    ok(page(&ctx, title, body))
}

/// Shipped orders not yet delivered: the operator stands in for the carrier's callback
/// (`POST /api/v1/orders/{id}/deliver`), which starts the return windows and lets the buyer
/// confirm, review and return. Oldest shipment first.
fn deliveries(l: Lang, shipped: &[Order]) -> Markup {
    html! {
        section aria-labelledby="deliver-h" data-deliveries {
            h2 #deliver-h { (l.t("已发货待送达（模拟物流回调）", "Shipped, awaiting delivery (simulated carrier callback)")) }
            @if shipped.is_empty() { p.card { (l.t("没有在途的订单。", "No order is in transit.")) } }
            @for o in shipped {
                article.card data-shipped=(o.id) {
                    p { strong { (o.snapshot.title) } (names::variant(&o.snapshot.variant)) " · " (o.quantity) " × " (yuan(o.snapshot.unit_price.minor))
                        " · " span.muted { (l.t("销售者 ", "seller ")) (o.snapshot.seller.name) } }
                    p.muted { (l.t("发货于 ", "shipped ")) (o.shipped_at.map(when).unwrap_or_default())
                        @if let Some(sh) = &o.shipment { " · " (sh.carrier) " " (sh.tracking_number) } }
                    form.inline data-api={"/api/v1/orders/" (o.id) "/deliver"} data-then="reload" {
                        button type="submit" { (l.t("确认已送达", "Mark delivered")) }
                        (form_status())
                    }
                }
            }
        }
    }
}

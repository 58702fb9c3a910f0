//! The regulator's dashboard (operators see it too): complaint trends by month and category,
//! compensation paid and recovered, the key rooms under live patrol, the measures the platform
//! took, the Art. 9 identity report and a check of the audit chain.
//!
//! Every figure comes from the handler the JSON API serves it with (`reports::complaints`,
//! `reports::key_rooms`, `notices::measures_report`, `audit::verify`), called with the signed-in
//! caller, so the page shows exactly what the API would and refuses whom it would refuse. The
//! charts are SVG drawn on the server ([`super::charts`]); each has its numbers in a table too.

use axum::extract::{Path, State};
use chrono::{Datelike, NaiveDate};
use clearcast_domain::account::Role;
use clearcast_domain::dates::china_date;
use clearcast_domain::penalty::{MeasureKind, MeasureStatus, Subject};
use maud::{html, Markup, PreEscaped};
use serde::Deserialize;

use super::charts::{self, ChartText};
use super::layout::{measure_facts, page, when, yuan};
use super::names;
use super::room::points_window;
use super::{ok, Ctx, Lang, PageResult};
use crate::api::anchors;
use crate::api::audit::{self, ChainCheck};
use crate::api::notices::{self, MeasureReportLine, MeasuresReportQuery};
use crate::api::parties::room_operators;
use crate::api::reports::{self, ComplaintReportQuery, TierView};
use crate::auth::{Caller, MaybeCaller};
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;

/// How many months the trends cover, the current one included.
const MONTHS: u32 = 12;
/// Pages of the measures report read at most (200 measures each); past that the page says so
/// and points to the API, rather than rendering without end.
const MEASURE_PAGES: usize = 50;

/// One row of `GET /api/v1/reports/complaints` as JSON (the fields the page uses).
#[derive(Debug, Clone, Default, Deserialize)]
struct Figures {
    key: String,
    filed: u64,
    decided: u64,
    upheld: u64,
    upheld_rate: Option<f64>,
    median_hours_to_decision: Option<f64>,
    compensation_paid: i64,
    recovered: i64,
}

/// The complaint report's JSON body.
#[derive(Debug, Deserialize)]
struct ComplaintFigures {
    rows: Vec<Figures>,
}

/// A calendar month of the trends, China-local.
#[derive(Debug, Clone, PartialEq)]
struct Month {
    /// `2026-03`, as the complaint report keys months.
    key: String,
    /// First day.
    first: NaiveDate,
    /// Last day, or today for the current month.
    last: NaiveDate,
}

/// The `n` months up to the one holding `today`, oldest first.
fn months_up_to(today: NaiveDate, n: u32) -> Vec<Month> {
    let now = today.year() * 12 + today.month0() as i32;
    (now - n as i32 + 1..=now)
        .filter_map(|i| {
            let (y, m0) = (i.div_euclid(12), i.rem_euclid(12) as u32);
            let first = NaiveDate::from_ymd_opt(y, m0 + 1, 1)?;
            let next =
                if m0 == 11 { NaiveDate::from_ymd_opt(y + 1, 1, 1)? } else { NaiveDate::from_ymd_opt(y, m0 + 2, 1)? };
            let last = next.pred_opt()?.min(today);
            Some(Month { key: first.format("%Y-%m").to_string(), first, last })
        })
        .collect()
}

/// The label under a month's bar: the month alone (`04`). On a phone a bar is about 25px wide,
/// too narrow for `2026-04`, which would run into its neighbours' labels; the axis description
/// says which months they are ([`months_desc`]) and the tables carry the full month.
fn axis_label(m: &Month) -> String {
    m.first.format("%m").to_string()
}

/// The month axis's description, with the period it covers.
fn months_desc(l: Lang, months: &[Month]) -> String {
    let (from, to) = (months.first().map(|m| m.key.as_str()), months.last().map(|m| m.key.as_str()));
    match l {
        Lang::Zh => format!("月份（{} 至 {}）", from.unwrap_or(""), to.unwrap_or("")),
        Lang::En => format!("Month ({} to {})", from.unwrap_or(""), to.unwrap_or("")),
    }
}

/// The half-year holding `today` and the one before, as the identity report names them.
fn halves(today: NaiveDate) -> [String; 2] {
    let y = today.year();
    if today.month() <= 6 {
        [format!("{y}H1"), format!("{}H2", y - 1)]
    } else {
        [format!("{y}H2"), format!("{y}H1")]
    }
}

fn measure_status(l: Lang, s: MeasureStatus) -> Markup {
    match s {
        MeasureStatus::Active => html! { span.badge.bad { (l.t("执行中", "in force")) } },
        MeasureStatus::Lifted => html! { span.badge { (l.t("已到期解除", "lifted")) } },
        MeasureStatus::Reversed => html! { span.badge.ok { (l.t("申诉后撤销", "reversed on appeal")) } },
    }
}

fn criterion_name(l: Lang, input: &str) -> String {
    match input {
        "followers" => l.t("粉丝数", "followers"),
        "sales_minor_90d" => l.t("近 90 天销售额", "sales, last 90 days"),
        "categories_90d" => l.t("近 90 天重点类目", "key categories, last 90 days"),
        // Not the figure a measure states: see `room::points_window`.
        "violation_points_90d" => l.t(
            "近 90 天违规积分（现在；已确认违规，不含重复违规加分）",
            "violation points, last 90 days (now; confirmed violations, without repeat offences)",
        ),
        "reputation" => l.t("口碑分", "reputation"),
        other => other,
    }
    .to_string()
}

/// A key-room criterion's figure for people: fen as yuan, category keys as names, the tier's
/// English fill-ins ("no score yet", "unavailable") in the page language.
fn criterion_value(l: Lang, input: &str, value: &str) -> String {
    match (input, value) {
        (_, "unavailable") => l.t("无法获取", "unavailable").to_string(),
        ("reputation", "no score yet") => l.t("尚无评分", "no score yet").to_string(),
        ("categories_90d", "none of the key categories") => l.t("无", "none").to_string(),
        ("categories_90d", v) => {
            v.split(", ").map(|k| names::product_category_key(l, k)).collect::<Vec<_>>().join(l.t("、", ", "))
        }
        ("sales_minor_90d", v) => v.parse::<i64>().map(yuan).unwrap_or_else(|_| v.to_string()),
        (_, v) => v.to_string(),
    }
}

/// A key-room criterion's threshold for people (`>= 12` → `≥ 12`, `any of a, b` → the names).
fn criterion_threshold(l: Lang, input: &str, threshold: &str) -> String {
    if let Some(keys) = threshold.strip_prefix("any of ") {
        return format!("{}{}", l.t("任一：", "any of "), criterion_value(l, input, keys));
    }
    match threshold.strip_prefix(">= ") {
        Some(n) => format!("≥ {}", criterion_value(l, input, n)),
        None => threshold.to_string(),
    }
}

/// The names of measures' subjects, read through the getters a disclosure card uses; a subject
/// that cannot be read keeps its id.
async fn subject_names(state: &AppState, caller: &Caller, subjects: &[Subject]) -> Vec<(Subject, String)> {
    let mut out: Vec<(Subject, String)> = Vec::new();
    for s in subjects {
        if out.iter().any(|(k, _)| k == s) {
            continue;
        }
        let who = MaybeCaller(Some(caller.clone()));
        let name = match s {
            Subject::Anchor(a) => anchors::get(State(state.clone()), who, Path(a.to_string()))
                .await
                .ok()
                .map(|j| j.0.stage_name.unwrap_or(j.0.real_name)),
            Subject::RoomOperator(r) => {
                room_operators::get(State(state.clone()), who, Path(r.to_string())).await.ok().map(|j| j.0.legal_name)
            }
        };
        out.push((*s, name.unwrap_or_else(|| s.to_string())));
    }
    out
}

fn percent(x: Option<f64>) -> String {
    x.map(|v| format!("{:.0}%", v * 100.0)).unwrap_or_else(|| "—".into())
}

/// The complaint report from its handler, for `[from, to]` grouped by `group_by`.
async fn complaint_figures(
    state: &AppState,
    caller: &Caller,
    from: NaiveDate,
    to: NaiveDate,
    group_by: &str,
) -> Result<Vec<Figures>, ApiError> {
    let q = ComplaintReportQuery { from: Some(from), to: Some(to), group_by: Some(group_by.into()), format: None };
    // The handler answers a `Response` (it also speaks CSV); its JSON body is read back here.
    let resp = reports::complaints(State(state.clone()), caller.clone(), ApiQuery(q)).await?;
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX).await.map_err(ApiError::internal)?;
    let figures: ComplaintFigures = serde_json::from_slice(&body).map_err(ApiError::internal)?;
    Ok(figures.rows)
}

/// Every measure on record through the measures report, up to [`MEASURE_PAGES`] pages; true when
/// there were more.
async fn all_measures(state: &AppState, caller: &Caller) -> Result<(Vec<MeasureReportLine>, bool), ApiError> {
    let mut items = Vec::new();
    let mut cursor = None;
    for _ in 0..MEASURE_PAGES {
        let q = MeasuresReportQuery { severe: None, cursor: cursor.take(), limit: Some(200) };
        let axum::Json(p) = notices::measures_report(State(state.clone()), caller.clone(), ApiQuery(q)).await?;
        items.extend(p.items);
        match p.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok((items, false)),
        }
    }
    Ok((items, true))
}

/// The trends: each month's figures, and each month's figures by category.
struct Trends {
    months: Vec<Month>,
    by_month: Vec<Figures>,
    by_category: Vec<Vec<Figures>>,
    categories: Vec<String>,
}

async fn trends(state: &AppState, caller: &Caller, today: NaiveDate) -> Result<Trends, ApiError> {
    let months = months_up_to(today, MONTHS);
    let (Some(start), Some(end)) = (months.first(), months.last()) else {
        return Err(ApiError::internal("no months in the trend period"));
    };
    let rows = complaint_figures(state, caller, start.first, end.last, "month").await?;
    let by_month: Vec<Figures> = months
        .iter()
        .map(|m| {
            rows.iter()
                .find(|r| r.key == m.key)
                .cloned()
                .unwrap_or(Figures { key: m.key.clone(), ..Default::default() })
        })
        .collect();
    // The report groups by one thing at a time: one call per month that had complaints gives
    // month × category; quiet months cost nothing.
    let mut by_category = Vec::with_capacity(months.len());
    for (m, f) in months.iter().zip(&by_month) {
        by_category.push(if f.filed == 0 {
            Vec::new()
        } else {
            complaint_figures(state, caller, m.first, m.last, "category").await?
        });
    }
    let mut categories: Vec<String> = by_category.iter().flatten().map(|r| r.key.clone()).collect();
    categories.sort_by_key(|k| (names::category_rank(k), k.clone()));
    categories.dedup();
    Ok(Trends { months, by_month, by_category, categories })
}

/// `GET /regulator`.
pub async fn dashboard(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let l = ctx.lang;
    let caller = ctx.require(&[Role::Regulator, Role::Operator])?.clone();
    let now = state.clock.now();
    let today = china_date(now);
    let (t, key, measures, check) = tokio::join!(
        trends(&state, &caller, today),
        reports::key_rooms(State(state.clone()), caller.clone()),
        all_measures(&state, &caller),
        audit::verify(State(state.clone()), caller.clone()),
    );
    let t = t?;
    let axum::Json(key) = key?;
    let (measures, more_measures) = measures?;
    let severe: Vec<Subject> =
        measures.iter().filter(|m| m.report_level == "provincial").map(|m| m.measure.subject).collect();
    let who = subject_names(&state, &caller, &severe).await;
    // A failed check is shown, not turned into an error page: the rest of the dashboard still
    // matters, and "could not verify" is itself something a regulator must see.
    let check = check.map(|axum::Json(c)| c);

    let body = html! {
        h1 { (l.t("监管看板", "Regulator dashboard")) }
        p.muted { (l.t("数据截至 ", "Figures as of ")) (when(now)) (l.t("（北京时间）。趋势覆盖 ", " (China time). Trends cover ")) (t.months.first().map(|m| m.key.as_str()).unwrap_or("")) " – " (t.months.last().map(|m| m.key.as_str()).unwrap_or("")) "." }
        (audit_section(l, &check))
        (complaints_section(l, &t))
        (compensation_section(l, &t))
        (key_rooms_section(l, &key.items))
        (measures_section(l, &measures, more_measures, &who, state.policy.penalties.points_window_days))
        (identity_section(l, today))
    };
    ok(page(&ctx, l.t("监管看板", "Regulator dashboard"), body))
}

fn audit_section(l: Lang, check: &Result<ChainCheck, ApiError>) -> Markup {
    html! {
        section.card aria-labelledby="audit-h" {
            h2 #audit-h { (l.t("审计链校验", "Audit chain verification")) }
            @match check {
                Ok(c) if c.ok => {
                    p data-audit-result="ok" { span.badge.ok { (l.t("完整", "intact")) } " "
                        (l.t("全部记录的哈希与链接均一致。", "Every record's hash and link hold.")) }
                }
                Ok(c) => {
                    p data-audit-result="broken" { span.badge.bad { (l.t("已损坏", "broken")) } " "
                        (l.t("记录链不完整：", "The record chain does not hold: ")) (c.problem.as_deref().unwrap_or("—")) }
                    dl {
                        dt { (l.t("首个损坏的流", "First broken stream")) } dd { code { (c.first_bad_stream.as_deref().unwrap_or("—")) } }
                        dt { (l.t("首条损坏记录序号", "First broken record (seq)")) } dd { (c.first_bad_seq.map(|s| s.to_string()).unwrap_or("—".into())) }
                    }
                }
                Err(e) => {
                    p data-audit-result="error" { span.badge.warn { (l.t("无法校验", "could not verify")) } " " (e.detail) }
                }
            }
            @if let Ok(c) = check {
                p.muted { (l.t("已校验 ", "Checked ")) strong data-audit-streams { (c.streams) } (l.t(" 条记录流、", " streams, ")) strong data-audit-entries { (c.entries) } (l.t(" 条记录。", " records.")) }
                @if let Some(h) = &c.head_hash {
                    p.muted { (l.t("平台链头哈希（可公开以锁定全部记录）：", "Platform head hash (publish it to pin the whole trail): ")) code.hash data-audit-head { (h) } }
                }
            }
            p.muted { a href="/api/v1/audit/verify" { (l.t("校验结果（JSON）", "The check (JSON)")) } }
        }
    }
}

fn complaints_section(l: Lang, t: &Trends) -> Markup {
    // Every month lists every category (zero where none), in the fixed order: the chart stacks
    // and colours categories in the order they first appear, so this keeps both stable.
    let data: Vec<(String, Vec<(String, u64)>)> = t
        .months
        .iter()
        .zip(&t.by_category)
        .map(|(m, rows)| {
            let cells = t
                .categories
                .iter()
                .map(|c| (names::category_key(l, c), rows.iter().find(|r| &r.key == c).map(|r| r.filed).unwrap_or(0)))
                .collect();
            (axis_label(m), cells)
        })
        .collect();
    let title = l.t("每月投诉数（按类别）", "Complaints per month, by category");
    let x_desc = months_desc(l, &t.months);
    let svg = charts::complaints_by_month(
        &data,
        &ChartText {
            title,
            x_desc: &x_desc,
            y_desc: l.t("投诉数", "Complaints"),
            empty: l.t("此期间没有投诉", "No complaints in this period"),
        },
    );
    let from = t.months.first().map(|m| m.first.to_string()).unwrap_or_default();
    let to = t.months.last().map(|m| m.last.to_string()).unwrap_or_default();
    let total: u64 = t.by_month.iter().map(|f| f.filed).sum();
    html! {
        section.card aria-labelledby="complaints-h" {
            h2 #complaints-h { (l.t("投诉趋势", "Complaint trends")) }
            p { (l.t("近 12 个月共 ", "In the last 12 months: ")) strong data-complaints-total { (total) } (l.t(" 件投诉。", " complaints.")) }
            figure.chart data-chart="complaints" {
                (PreEscaped(svg))
                figcaption.muted { (title) (l.t("。数据见下表。", ". The figures are in the table below.")) }
            }
            div.table-wrap { table {
                caption.muted { (title) }
                thead { tr {
                    th scope="col" { (l.t("月份", "Month")) }
                    @for c in &t.categories { th scope="col" { (names::category_key(l, c)) } }
                    th scope="col" { (l.t("合计", "Total")) }
                    th scope="col" { (l.t("已决定", "Decided")) }
                    th scope="col" { (l.t("成立率", "Upheld rate")) }
                    th scope="col" { (l.t("决定用时中位数（小时）", "Median hours to decision")) }
                } }
                tbody {
                    @for ((m, f), rows) in t.months.iter().zip(&t.by_month).zip(&t.by_category) {
                        tr {
                            th scope="row" { (m.key) }
                            @for c in &t.categories { td { (rows.iter().find(|r| &r.key == c).map(|r| r.filed).unwrap_or(0)) } }
                            td { strong { (f.filed) } }
                            td { (f.decided) " (" (f.upheld) (l.t(" 成立", " upheld")) ")" }
                            td { (percent(f.upheld_rate)) }
                            td { (f.median_hours_to_decision.map(|h| format!("{h:.1}")).unwrap_or_else(|| "—".into())) }
                        }
                    }
                }
            } }
            p.muted { (l.t("下载：", "Download: "))
                a href={"/api/v1/reports/complaints?group_by=month&format=csv&from=" (from) "&to=" (to)} { (l.t("按月（CSV）", "by month (CSV)")) } " · "
                a href={"/api/v1/reports/complaints?group_by=category&format=csv&from=" (from) "&to=" (to)} { (l.t("按类别（CSV）", "by category (CSV)")) } " · "
                a href={"/api/v1/reports/complaints?group_by=merchant&format=csv&from=" (from) "&to=" (to)} { (l.t("按商家（CSV）", "by merchant (CSV)")) } " · "
                a href={"/api/v1/reports/complaints?group_by=anchor&format=csv&from=" (from) "&to=" (to)} { (l.t("按主播（CSV）", "by anchor (CSV)")) } }
        }
    }
}

fn compensation_section(l: Lang, t: &Trends) -> Markup {
    let paid: i64 = t.by_month.iter().map(|f| f.compensation_paid).sum();
    let recovered: i64 = t.by_month.iter().map(|f| f.recovered).sum();
    let share = (paid > 0).then(|| recovered as f64 / paid as f64);
    let data: Vec<(String, i64, i64)> =
        t.months.iter().zip(&t.by_month).map(|(m, f)| (axis_label(m), f.compensation_paid, f.recovered)).collect();
    let x_desc = months_desc(l, &t.months);
    let title = l.t("每月先行赔付与追偿金额", "Compensation paid and recovered per month");
    let series = (l.t("已赔付", "paid"), l.t("已追偿", "recovered"));
    let svg = charts::compensation_by_month(
        &data,
        series,
        &ChartText {
            title,
            x_desc: &x_desc,
            y_desc: l.t("金额（元）", "Amount (yuan)"),
            empty: l.t("此期间没有赔付", "No compensation paid in this period"),
        },
    );
    html! {
        section.card aria-labelledby="comp-h" {
            h2 #comp-h { (l.t("先行赔付与追偿", "Compensation paid and recovered")) }
            div.grid {
                p { (l.t("近 12 个月已赔付消费者", "Paid to consumers, last 12 months")) br; strong.price data-compensation-paid { (yuan(paid)) } }
                p { (l.t("已向责任方追偿", "Recovered from the liable parties")) br; strong.price data-compensation-recovered { (yuan(recovered)) } }
                p { (l.t("追偿比例", "Share recovered")) br; strong.price { (percent(share)) } }
            }
            p.muted { (l.t("追偿金额为从责任方保证金扣除或记为其应付的部分；平台自担部分不追偿。",
                "Recovered means taken from the liable parties' deposits or owed by them; the platform's own share is not recovered.")) }
            figure.chart data-chart="compensation" {
                (PreEscaped(svg))
                figcaption.muted { (title) (l.t("。数据见下表。", ". The figures are in the table below.")) }
            }
            div.table-wrap { table {
                caption.muted { (title) }
                thead { tr {
                    th scope="col" { (l.t("月份", "Month")) }
                    th scope="col" { (series.0) }
                    th scope="col" { (series.1) }
                    th scope="col" { (l.t("追偿比例", "Share recovered")) }
                } }
                tbody {
                    @for (m, f) in t.months.iter().zip(&t.by_month) {
                        tr {
                            th scope="row" { (m.key) }
                            td { (yuan(f.compensation_paid)) }
                            td { (yuan(f.recovered)) }
                            td { (percent((f.compensation_paid > 0).then(|| f.recovered as f64 / f.compensation_paid as f64))) }
                        }
                    }
                }
                tfoot { tr { th scope="row" { (l.t("合计", "Total")) } td { (yuan(paid)) } td { (yuan(recovered)) } td { (percent(share)) } } }
            } }
        }
    }
}

fn key_rooms_section(l: Lang, rooms: &[TierView]) -> Markup {
    html! {
        section.card aria-labelledby="key-h" data-key-rooms=(rooms.len()) {
            h2 #key-h { (l.t("重点直播间", "Key rooms")) }
            p.muted { (l.t("满足任一条件即列为重点直播间，实时巡查（《直播电商监督管理办法》第 11 条）。",
                "A room meeting any criterion is a key room, patrolled in real time (Order 117 Art. 11).")) }
            @if rooms.is_empty() {
                p { (l.t("目前没有重点直播间。", "No room is a key room now.")) }
            } @else {
                div.table-wrap { table {
                    thead { tr {
                        th scope="col" { (l.t("直播间运营者", "Room operator")) }
                        th scope="col" { (l.t("触发条件", "Criteria met")) }
                    } }
                    tbody { @for r in rooms { tr data-key-room=(r.room_operator_id) {
                        th scope="row" { (r.name) " " a.muted href={"/api/v1/room-operators/" (r.room_operator_id) "/tier"} { (l.t("（分级数据 JSON）", "(tier data, JSON)")) } }
                        td { ul.findings {
                            @for c in r.verdict.criteria.iter().filter(|c| c.met) {
                                li data-criterion=(c.input) { (criterion_name(l, c.input)) (l.t("：", ": ")) strong { (criterion_value(l, c.input, &c.value)) }
                                    " (" (l.t("阈值 ", "threshold ")) (criterion_threshold(l, c.input, &c.threshold)) ")" }
                            }
                        } }
                    } } }
                } }
            }
            p.muted { a href="/api/v1/reports/key-rooms" { (l.t("重点直播间（JSON）", "Key rooms (JSON)")) } }
        }
    }
}

fn measures_section(
    l: Lang,
    all: &[MeasureReportLine],
    more: bool,
    who: &[(Subject, String)],
    points_days: u32,
) -> Markup {
    let name = |s: &Subject| who.iter().find(|(k, _)| k == s).map(|(_, n)| n.clone()).unwrap_or_else(|| s.to_string());
    let severe: Vec<&MeasureReportLine> = all.iter().filter(|m| m.report_level == "provincial").collect();
    // Measures reversed on appeal did not stand: counted apart, not as measures taken.
    let reversed = all.iter().filter(|m| m.status == MeasureStatus::Reversed).count();
    let mut counts: Vec<(MeasureKind, usize)> = Vec::new();
    for m in all.iter().filter(|m| m.status != MeasureStatus::Reversed) {
        match counts.iter_mut().find(|(k, _)| *k == m.measure.kind) {
            Some((_, n)) => *n += 1,
            None => counts.push((m.measure.kind, 1)),
        }
    }
    counts.sort_by_key(|(k, _)| *k);
    html! {
        section.card aria-labelledby="measures-h" {
            h2 #measures-h { (l.t("处置措施报告", "Measures report")) }
            p.muted { (l.t("关闭账号、禁止重新注册和列入黑名单须向省级部门报告（第 12 条第 3 款）。",
                "Closures, re-registration bans and blacklistings are reported to the provincial authority (Art. 12 ¶3).")) }
            @if all.is_empty() {
                p { (l.t("平台尚未采取处置措施。", "The platform has taken no measures.")) }
            } @else {
                p data-measure-counts { @for (i, (k, n)) in counts.iter().enumerate() { @if i > 0 { " · " } (names::measure(l, *k)) " " strong { (n) } } }
                @if reversed > 0 { p.muted data-reversed-measures { (l.t("另有 ", "Besides these, ")) (reversed) (l.t(" 项措施经申诉已撤销，未计入。", " measures were reversed on appeal and are not counted.")) } }
            }
            @if more {
                p.muted { (l.t("措施过多，此处只统计前一部分；完整报告见 JSON。", "Too many measures to count here; the full report is in the JSON.")) }
            }
            h3 { (l.t("关闭与黑名单", "Closures and blacklistings")) " (" span data-severe-measures { (severe.len()) } ")" }
            @if severe.is_empty() {
                p.muted { (l.t("没有。", "None.")) }
            } @else {
                div.table-wrap { table {
                    thead { tr {
                        th scope="col" { (l.t("对象", "Subject")) }
                        th scope="col" { (l.t("措施", "Measure")) }
                        th scope="col" { (l.t("状态", "Status")) }
                        th scope="col" { (l.t("起止", "From – until")) }
                        th scope="col" { (l.t("计分", "Points")) }
                        th scope="col" { (l.t("事实与依据", "Facts and basis")) }
                    } }
                    tbody { @for m in &severe { tr data-measure=(m.measure.id) {
                        td { (name(&m.measure.subject)) }
                        td { (names::measure(l, m.measure.kind)) }
                        td { (measure_status(l, m.status)) }
                        td { (when(m.measure.starts_at)) " – " (m.measure.ends_at.map(when).unwrap_or_else(|| l.t("永久", "permanent").to_string())) }
                        td { (m.measure.points) }
                        td { (measure_facts(l, &m.measure.facts, &|_| None)) span.muted { (super::reasons::basis(l, &m.measure.basis)) } }
                    } } }
                } }
                p.muted { (points_window(l, points_days)) }
            }
            p.muted { a href="/api/v1/reports/measures?severe=true" { (l.t("严重措施（JSON）", "Severe measures (JSON)")) } " · "
                a href="/api/v1/reports/measures" { (l.t("全部措施（JSON）", "All measures (JSON)")) } }
        }
    }
}

fn identity_section(l: Lang, today: NaiveDate) -> Markup {
    html! {
        section.card aria-labelledby="ident-h" {
            h2 #ident-h { (l.t("身份信息报告", "Identity report")) }
            p.muted { (l.t("每半年内开播的直播间运营者与主播的身份信息（第 9 条），含完整证件号码，请妥善保管。",
                "Room operators and anchors who went live in a half-year, with their identity details in full (Art. 9). Keep the file safe.")) }
            ul {
                @for h in halves(today) {
                    li data-identity-report=(h) { strong { (h) } " — "
                        a href={"/api/v1/reports/identities?half=" (h) "&format=csv"} download { (l.t("下载 CSV", "Download CSV")) } " · "
                        a href={"/api/v1/reports/identities?half=" (h)} { "JSON" } }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn twelve_months_end_today_and_cross_the_year() {
        let ms = months_up_to(d(2026, 3, 15), 12);
        assert_eq!(ms.len(), 12);
        assert_eq!((ms[0].key.as_str(), ms[0].first, ms[0].last), ("2025-04", d(2025, 4, 1), d(2025, 4, 30)));
        assert_eq!(ms[8].key, "2025-12");
        assert_eq!(ms[8].last, d(2025, 12, 31));
        assert_eq!(ms[10].last, d(2026, 2, 28));
        assert_eq!((ms[11].key.as_str(), ms[11].last), ("2026-03", d(2026, 3, 15)), "the current month ends today");
        let labels: Vec<String> = ms.iter().map(axis_label).collect();
        assert_eq!(
            (labels[0].as_str(), labels[1].as_str(), labels[9].as_str()),
            ("04", "05", "01"),
            "short enough for a phone"
        );
        assert_eq!(months_desc(Lang::Zh, &ms), "月份（2025-04 至 2026-03）", "the axis says which year");
        assert_eq!(months_desc(Lang::En, &ms), "Month (2025-04 to 2026-03)");
    }

    #[test]
    fn key_room_criteria_read_as_words() {
        assert_eq!(criterion_value(Lang::Zh, "categories_90d", "health_food, baby"), "保健食品、母婴用品");
        assert_eq!(
            criterion_threshold(Lang::En, "categories_90d", "any of health_food, baby"),
            "any of health food, baby goods"
        );
        assert_eq!(criterion_value(Lang::Zh, "sales_minor_90d", "123456"), "¥1234.56");
        assert_eq!(criterion_threshold(Lang::Zh, "sales_minor_90d", ">= 100000000"), "≥ ¥1000000.00");
        assert_eq!(criterion_threshold(Lang::En, "violation_points_90d", ">= 12"), "≥ 12");
        assert_eq!(criterion_value(Lang::Zh, "reputation", "no score yet"), "尚无评分");
        assert_eq!(criterion_value(Lang::En, "followers", "unavailable"), "unavailable");
        // The key-room points and a measure's points count different windows: each says which.
        assert!(criterion_name(Lang::Zh, "violation_points_90d").contains("近 90 天"));
        assert!(criterion_name(Lang::En, "violation_points_90d").contains("without repeat offences"));
        assert!(points_window(Lang::En, 365).contains("last 365 days, repeats added"));
    }

    #[test]
    fn identity_halves_are_this_one_and_the_last() {
        assert_eq!(halves(d(2026, 3, 1)), ["2026H1".to_string(), "2025H2".to_string()]);
        assert_eq!(halves(d(2026, 7, 1)), ["2026H2".to_string(), "2026H1".to_string()]);
        assert!(reports::half_year(&halves(d(2026, 12, 31))[0]).is_some(), "the report accepts the name");
    }
}

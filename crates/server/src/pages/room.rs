//! The anchor's and room operator's console: their shows, each with its lineup and the
//! eligibility verdict of every item with its reasons, going live, pinning, the transcript box
//! whose findings appear as soon as the words are sent (and the room's warnings over the live
//! channel), their reputation with its breakdown, violations, measures and appeals.

use axum::extract::{Path, State};
use clearcast_domain::account::Role;
use clearcast_domain::complaint::ComplaintStatus;
use clearcast_domain::compliance::Finding;
use clearcast_domain::ids::AnchorId;
use clearcast_domain::party::PartyKind;
use clearcast_domain::penalty::{MeasureKind, MeasureStatus};
use clearcast_domain::show::ShowStatus;
use clearcast_domain::violation::ViolationStatus;
use maud::{html, Markup};

use super::layout::{form_status, measure_facts, page, when};
use super::merchant::{clocks, complaint_facts, decision_appeal};
use super::names;
use super::{ok, Ctx, Lang, PageResult};
use crate::api::chat::{self, ChatQuery, ChatView};
use crate::api::complaints::{self, ComplaintQuery, ComplaintView};
use crate::api::penalties::{self, MeasureQuery, ViolationQuery};
use crate::api::reputation;
use crate::api::shows::{self, ShowQuery, ShowView};
use crate::auth::{Caller, MaybeCaller};
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;

/// The shows this caller runs: the room operator's own, or those with the anchor on the roster.
async fn my_shows(
    state: &AppState,
    caller: &Caller,
) -> Result<(Vec<ShowView>, Option<AnchorId>, Option<String>), ApiError> {
    let (room, anchor) = match caller.role() {
        Role::RoomOperator => {
            let room = state.store.party_of_owner(PartyKind::RoomOperator, caller.account.id).await?;
            (room.map(|r| r.id.to_string()), None)
        }
        Role::Anchor => (None, state.store.anchor_of_owner(caller.account.id).await?.map(|a| a.id)),
        _ => (None, None),
    };
    if room.is_none() && anchor.is_none() {
        return Ok((Vec::new(), None, None));
    }
    let q = ShowQuery { status: None, room_operator: room.clone(), cursor: None, limit: Some(200) };
    let axum::Json(list) = shows::list(State(state.clone()), ApiQuery(q)).await?;
    let shows = list
        .items
        .into_iter()
        .filter(|s| room.is_some() || anchor.is_some_and(|a| s.roster.iter().any(|r| r.anchor_id == a)))
        .collect();
    Ok((shows, anchor, room))
}

fn status_badge(ctx: &Ctx, s: ShowStatus) -> Markup {
    let name = names::show_status(ctx.lang, s);
    html! {
        @match s {
            ShowStatus::Live => span.badge.live { (name) },
            ShowStatus::Suspended => span.badge.bad { (name) },
            ShowStatus::Scheduled | ShowStatus::Ended => span.badge { (name) },
        }
    }
}

/// What an agency is told where violations and measures would be: the API gives those records
/// only to staff and to the anchor or room operator they are on, and the page does not widen that.
fn not_for_agencies(l: Lang) -> Markup {
    html! {
        p.muted data-agency-note { (l.t(
            "违规记录和处罚措施只向被记录的主播或直播间运营者本人，以及平台和监管部门展示，不向 MCN 机构展示。请向旗下主播本人了解。",
            "Violations and measures are shown only to the anchor or room operator they are on, the platform and regulators, not to agencies. Ask your anchors."
        )) }
    }
}

/// `GET /console/room`: the caller's shows, reputation, violations and measures.
///
/// **Agencies** see a plain note in place of violations and measures: the API lists those only
/// for staff and for the anchor or room operator they are on (`penalties::list_violations`,
/// `penalties::list_measures`) and refuses agencies, so the page does not ask and does not show
/// the refusal. An agency's anchors see their own records on their own console.
pub async fn room(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let l = ctx.lang;
    let caller = ctx.require(&[Role::RoomOperator, Role::Anchor, Role::Agency])?.clone();
    let agency = caller.role() == Role::Agency;
    let (shows, anchor, room) = my_shows(&state, &caller).await?;
    let rep = match (anchor, &room) {
        (Some(a), _) => Some(reputation::anchor(State(state.clone()), Path(a.to_string())).await?.0),
        (None, Some(r)) => Some(reputation::room_operator(State(state.clone()), Path(r.clone())).await?.0),
        (None, None) => None,
    };
    // The room's complaints (about its shows), with the decision and, where it holds the room
    // liable, the appeal form: the same list the API gives a room operator.
    let room_complaints = match &room {
        Some(_) => {
            let q = ComplaintQuery { status: None, overdue: None, flagged: None, cursor: None, limit: Some(200) };
            let mut items = complaints::list(State(state.clone()), caller.clone(), ApiQuery(q)).await?.0.items;
            items.sort_by_key(|c| std::cmp::Reverse(c.complaint.filed_at));
            items
        }
        None => Vec::new(),
    };
    let now = state.clock.now();
    let (violations, measures) = if agency {
        (Ok(Vec::new()), Ok(Vec::new()))
    } else {
        let vq = ViolationQuery {
            show: None,
            anchor: None,
            room_operator: None,
            status: None,
            cursor: None,
            limit: Some(50),
        };
        let mq = MeasureQuery { subject: None, cursor: None, limit: Some(50) };
        (
            penalties::list_violations(State(state.clone()), caller.clone(), ApiQuery(vq)).await.map(|j| j.0.items),
            penalties::list_measures(State(state.clone()), caller.clone(), ApiQuery(mq)).await.map(|j| j.0.items),
        )
    };
    // Shows are named by their titles wherever the caller's own shows are concerned.
    let title_of = |id: &str| shows.iter().find(|s| s.id.to_string() == id).map(|s| s.title.clone());
    let penalties = &state.policy.penalties;
    let body = html! {
        h1 { (l.t("直播工作台", "Room console")) }
        section aria-labelledby="shows-h" {
            h2 #shows-h { (l.t("我的直播", "My shows")) }
            @if shows.is_empty() { p.card { (l.t("还没有直播。", "No shows yet.")) } }
            @else { div.table-wrap { table {
                thead { tr { th { (l.t("直播", "Show")) } th { (l.t("状态", "Status")) } th { (l.t("计划开播", "Scheduled")) } th { (l.t("商品数", "Items")) } } }
                tbody { @for s in &shows { tr {
                    td { a href={"/console/room/" (s.id)} data-console-show=(s.id) { (s.title) } }
                    td { (status_badge(&ctx, s.status)) }
                    td { (when(s.scheduled_start)) }
                    td { (s.lineup.len()) }
                } } }
            } } }
        }
        @if let Some(r) = rep {
            section.card aria-labelledby="rep-h" {
                h2 #rep-h { @if anchor.is_some() { (l.t("我的口碑", "My reputation")) } @else { (l.t("直播间口碑", "The room's reputation")) } }
                p { (l.t("得分 ", "Score ")) strong { (r.reputation.score.map(|s| format!("{s:.2}")).unwrap_or_else(|| l.t("样本不足，暂不公布", "not published yet (too few orders)").into())) }
                    span.muted { " · " (r.reputation.delivered_orders) (l.t(" 笔已送达订单", " delivered orders")) } }
                div.table-wrap { table {
                    thead { tr { th { (l.t("维度", "Component")) } th { (l.t("得分", "Value")) } th { (l.t("权重", "Weight")) } th { (l.t("观测", "Observations")) } } }
                    tbody { @for c in &r.reputation.components { tr data-component=(c.component.as_str()) {
                        td { (names::reputation_component(l, c.component)) } td { (format!("{:.2}", c.value)) } td { (format!("{:.2}", c.weight)) } td { (format!("{:.0}", c.observations)) }
                    } } }
                } }
            }
        }
        section.card aria-labelledby="vio-h" {
            h2 #vio-h { (l.t("违规记录", "Violations")) }
            @match &violations {
                _ if agency => { (not_for_agencies(l)) }
                Ok(v) if v.is_empty() => p.muted { (l.t("没有违规记录。", "No violations.")) },
                Ok(v) => ul.findings { @for x in v { li.red[x.finding.severity == clearcast_domain::compliance::Severity::Red] data-violation=(x.id) {
                    "「" (x.finding.matched) "」 " (names::label(l, x.finding.label)) " · " (x.finding.points) (l.t(" 分", " points")) " · " (super::reasons::basis(l, &x.finding.basis)) " · "
                    strong { (names::violation_status(l, x.status)) } " · " span.muted { (when(x.created_at))
                        @if let Some(t) = title_of(&x.show.to_string()) { " · " a href={"/shows/" (x.show)} { (t) } } }
                } } },
                Err(e) => p.muted { (e.detail) },
            }
        }
        section.card aria-labelledby="mea-h" {
            h2 #mea-h { (l.t("处罚措施与申诉", "Measures and appeals")) }
            @match &measures {
                _ if agency => { (not_for_agencies(l)) }
                Ok(m) if m.is_empty() => p.muted { (l.t("没有处罚措施。", "No measures.")) },
                Ok(m) => @for x in m { div.card data-measure=(x.measure.id) {
                    p { strong { (names::measure(l, x.measure.kind)) } " " (measure_status(l, x.status)) " · "
                        span data-measure-points { (x.measure.points) (l.t(" 分", " points")) }
                        span.muted { (points_window(l, penalties.points_window_days)) } }
                    (measure_facts(l, &x.measure.facts, &title_of))
                    @if let Ok(v) = &violations {
                        @let undone = x.measure.violations.iter().filter(|id| v.iter().any(|w| w.id == **id && matches!(w.status, ViolationStatus::Dismissed | ViolationStatus::Reversed))).count();
                        @if undone > 0 && x.status == MeasureStatus::Active {
                            p.muted data-measure-undone { (undone_words(l, undone)) }
                        }
                    }
                    p.muted { (super::reasons::basis(l, &x.measure.basis)) " · " (when(x.measure.starts_at))
                        // A warning has no term; only the closures are "permanent".
                        @match x.measure.ends_at {
                            Some(end) => { " → " (when(end)) }
                            None if x.measure.kind >= MeasureKind::AccountClosure => { " → " (l.t("永久", "permanent")) }
                            None => {}
                        } }
                    @match &x.measure.appeal {
                        None if x.status == MeasureStatus::Active => {
                            form data-api={"/api/v1/penalties/" (x.measure.id) "/appeal"} data-then="reload" data-appeal=(x.measure.id) {
                                p.muted { (appeal_words(l, penalties.appeal_days)) }
                                label for={"ap-" (x.measure.id)} { (l.t("申诉理由", "Your statement")) }
                                textarea #{"ap-" (x.measure.id)} name="statement" required {}
                                button type="submit" { (l.t("提交申诉", "Appeal")) }
                                (form_status())
                            }
                        }
                        None => {}
                        Some(a) => {
                            p { (l.t("已申诉：", "Appealed: ")) (a.statement) " " span.muted { (when(a.filed_at)) } " "
                                @match a.upheld {
                                    None => { span.badge.warn { (l.t("等待平台决定", "awaiting the platform's decision")) } }
                                    Some(true) => { span.badge.ok { (l.t("申诉成立，措施已撤销", "upheld: the measure is reversed")) } }
                                    Some(false) => { span.badge.bad { (l.t("申诉被驳回", "rejected")) } }
                                }
                                @if let Some(r) = &a.decision_reason { " " (r) } }
                        }
                    }
                } },
                Err(e) => p.muted { (e.detail) },
            }
        }
    };
    let body = html! {
        (body)
        @if room.is_some() {
            section.card aria-labelledby="cmp-h" {
                h2 #cmp-h { (l.t("关于本直播间的投诉", "Complaints about the room's shows")) }
                @if room_complaints.is_empty() { p.muted { (l.t("没有投诉。", "No complaints.")) } }
                @for c in &room_complaints { (room_complaint(l, c, now)) }
            }
        }
    };
    ok(page(&ctx, l.t("直播工作台", "Room console"), body))
}

/// A complaint about one of the room's shows: its facts and clocks as the merchant sees them, and
/// the room's appeal when the decision holds it liable (`decisions::appeal`, once).
fn room_complaint(l: Lang, c: &ComplaintView, now: chrono::DateTime<chrono::Utc>) -> Markup {
    let k = &c.complaint;
    let id = k.id.to_string();
    let may_appeal = matches!(k.status, ComplaintStatus::Upheld | ComplaintStatus::Compensated)
        && k.appeal.is_none()
        && k.decision.as_ref().and_then(|d| d.liability).is_some_and(|li| li.room_operator_bps > 0);
    html! {
        article.card data-room-complaint=(id) {
            (complaint_facts(l, c))
            (clocks(l, c, now))
            @if may_appeal { (decision_appeal(l, &id)) }
        }
    }
}

/// The pre-show script with what the speech rules find in it now, and the form to revise it.
fn script_card(l: Lang, sid: &str, script: Option<&str>, findings: &[Finding]) -> Markup {
    let red = findings.iter().filter(|f| f.severity == clearcast_domain::compliance::Severity::Red).count();
    html! {
        section.card aria-labelledby="script-h" data-script {
            h2 #script-h { (l.t("开播脚本", "Pre-show script")) }
            @if script.is_none() { p.muted { (l.t("还没有脚本。", "No script yet.")) } }
            @else if findings.is_empty() { p data-script-clean { span.badge.ok { (l.t("未发现问题", "nothing found")) } } }
            @else {
                p data-script-red=(red) {
                    @if red > 0 { span.badge.bad { (l.t("有严重违规，开播会被拒绝", "serious findings: the start will be refused")) } }
                    @else { span.badge.warn { (l.t("有提醒", "cautions")) } }
                }
                ul.findings { @for f in findings {
                    li.red[f.severity == clearcast_domain::compliance::Severity::Red] {
                        "「" (f.matched) "」 " (names::label(l, f.label)) " · " (super::reasons::basis(l, &f.basis)) " → " (f.suggestion)
                    }
                } }
            }
            form data-api={"/api/v1/shows/" (sid) "/script"} data-method="PUT" data-then="reload" data-script-form {
                label for="script" { (l.t("脚本（开播前可修改，最多 20,000 字）", "Script (editable until the show starts; up to 20,000 characters)")) }
                textarea #script name="script" rows="6" maxlength="20000" { (script.unwrap_or("")) }
                button type="submit" { (l.t("保存脚本", "Save the script")) }
                (form_status())
            }
        }
    }
}

/// Why an active measure lists violations that no longer stand.
fn undone_words(l: Lang, n: usize) -> String {
    match l {
        Lang::Zh => format!("其中 {n} 条违规此后已被撤销或驳回。措施按决定时的计分作出；如认为不应继续执行，可以申诉。"),
        Lang::En => format!(
            "{n} of these violations have since been reversed or dismissed. The measure was decided on the points at the time; appeal if it should no longer stand."
        ),
    }
}

/// A measure's state.
fn measure_status(l: Lang, s: MeasureStatus) -> Markup {
    match s {
        MeasureStatus::Active => html! { span.badge.bad { (l.t("执行中", "in force")) } },
        MeasureStatus::Lifted => html! { span.badge { (l.t("已到期解除", "lifted")) } },
        MeasureStatus::Reversed => html! { span.badge.ok { (l.t("申诉后撤销", "reversed on appeal")) } },
    }
}

/// What a measure's points are: the ladder's count when it was decided, over the policy's
/// points window and with repeat offences added. Said next to the figure, because the key-room
/// criterion counts a shorter window without repeats and the two would otherwise look at odds.
pub fn points_window(l: Lang, days: u32) -> String {
    match l {
        Lang::Zh => format!("（决定时近 {days} 天已确认违规的计分，含重复违规加分）"),
        Lang::En => format!(" (at the decision: confirmed violations of the last {days} days, repeats added)"),
    }
}

/// How to appeal, in words: the route the API states is for programs.
fn appeal_words(l: Lang, days: u32) -> String {
    match l {
        Lang::Zh => format!("对此措施有异议，可以申诉一次：写明理由后提交，平台会在 {days} 个工作日内作出决定。"),
        Lang::En => format!(
            "You may appeal this measure once: write your statement and submit it; the platform decides within {days} working days."
        ),
    }
}

/// Pages of the show's chat read for its hidden comments (200 comments each): the chat lists
/// oldest first, and a console page must not read without end.
const CHAT_PAGES: usize = 20;

/// The show's hidden comments, newest first, through the chat list the runner reads (which gives
/// them the hidden ones with their findings); true when the chat was longer than was read.
async fn hidden_comments(state: &AppState, caller: &Caller, id: &str) -> Result<(Vec<ChatView>, bool), ApiError> {
    let mut hidden = Vec::new();
    let mut cursor = None;
    for _ in 0..CHAT_PAGES {
        let q = ChatQuery { cursor: cursor.take(), limit: Some(200) };
        let axum::Json(page) =
            chat::list(State(state.clone()), MaybeCaller(Some(caller.clone())), Path(id.to_string()), ApiQuery(q))
                .await?;
        hidden.extend(page.items.into_iter().filter(|c| c.hidden));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => {
                hidden.reverse();
                return Ok((hidden, false));
            }
        }
    }
    hidden.reverse();
    Ok((hidden, true))
}

/// Why a comment was hidden: each rule once, with what matched it. A rule can match a comment
/// in several places; listing every finding would repeat the same reason.
fn hidden_why(l: Lang, findings: &[Finding]) -> String {
    let mut rules: Vec<(&str, String, Vec<&str>)> = Vec::new();
    for f in findings {
        match rules.iter_mut().find(|(r, _, _)| *r == f.rule) {
            Some((_, _, matched)) => {
                if !matched.contains(&f.matched.as_str()) {
                    matched.push(&f.matched);
                }
            }
            None => rules.push((&f.rule, names::label(l, f.label).to_string(), vec![&f.matched])),
        }
    }
    rules
        .iter()
        .map(|(_, name, matched)| {
            format!("{name}（{}）", matched.iter().map(|m| format!("「{m}」")).collect::<Vec<_>>().join(""))
        })
        .collect::<Vec<_>>()
        .join(l.t("；", "; "))
}

/// `GET /console/room/{show}`: one show's lineup with verdicts, go live, pin, the transcript box
/// and the room's live warnings.
pub async fn room_show(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> PageResult {
    let l = ctx.lang;
    let caller = ctx.require(&[Role::RoomOperator, Role::Anchor, Role::Operator])?.clone();
    let show = shows::load(&state, &id).await?;
    if caller.role() != Role::Operator {
        shows::require_runner(&state, &caller, &show, "run this show").await?;
    }
    let products: Vec<_> =
        state.store.lineup_list(show.id).await.map_err(ApiError::from)?.iter().map(|i| i.product).collect();
    let unmet = shows::gate(&state, &show, &products).await?;
    let axum::Json(view) =
        shows::get(State(state.clone()), MaybeCaller(Some(caller.clone())), Path(id.clone())).await?;
    let (hidden, more_hidden) = hidden_comments(&state, &caller, &id).await?;
    // A scheduled show's script as the start will judge it (Art. 30), beside the form to revise it.
    let script_findings = match show.status {
        ShowStatus::Scheduled => crate::supervision::scan_script(&state, &show).await?,
        _ => Vec::new(),
    };
    let sid = view.id.to_string();
    let is_anchor = caller.role() == Role::Anchor;
    let body = html! {
        div data-live-show=(sid) {
            h1 { (view.title) " " (status_badge(&ctx, view.status)) }
            p { a href={"/shows/" (sid)} { (l.t("观众看到的页面", "The viewers' page")) } }
            @match view.status {
                ShowStatus::Scheduled if view.lineup.is_empty() => {
                    p.card data-empty-lineup { (l.t(
                        "本场直播还没有商品，不能开播：先把要销售的商品加入商品列表（通过 API POST /api/v1/shows/{id}/lineup），平台会逐一审核准入条件。",
                        "This show has no products yet, so it cannot go live: add the products to sell to its lineup first (API POST /api/v1/shows/{id}/lineup); the platform checks each one's eligibility."
                    )) }
                }
                ShowStatus::Scheduled => {
                    form data-api={"/api/v1/shows/" (sid) "/start"} data-then="reload" data-go-live {
                        p.muted { (l.t("开播前会审查脚本；红色违规会阻止开播（第 30 条）。", "Starting reviews the script first; red findings block the start (Art. 30).")) }
                        @if caller.role() == Role::Operator {
                            label for="override" { (l.t("运营强制开播理由（会被记录）", "Operator override reason (recorded)")) }
                            input #override name="override_reason" data-optional;
                        }
                        button type="submit" { (l.t("开播", "Go live")) }
                        (form_status())
                    }
                }
                ShowStatus::Live => {
                    form data-api={"/api/v1/shows/" (sid) "/end"} data-then="reload"
                        data-confirm=(l.t("确定结束本场直播吗？结束后不能再开播。", "End this show? It cannot go live again.")) {
                        label for="replay" { (l.t("回放地址（可选，https）", "Replay URL (optional, https)")) }
                        input #replay name="replay_url" type="url" data-optional placeholder="https://";
                        button.secondary type="submit" { (l.t("结束直播", "End the show")) }
                        (form_status())
                    }
                }
                _ => {}
            }
            @if view.status == ShowStatus::Scheduled {
                (script_card(l, &sid, show.script.as_deref(), &script_findings))
            }
            section.card aria-labelledby="lineup-h" {
                h2 #lineup-h { (l.t("商品与准入结论", "Lineup and eligibility")) }
                div.table-wrap { table {
                    thead { tr { th { (l.t("商品", "Product")) } th { (l.t("准入", "Eligible now")) } th { (l.t("操作", "Action")) } } }
                    tbody { @for item in &view.lineup {
                        @let reasons: Vec<_> = unmet.iter().filter(|u| u.product_id == item.product_id).collect();
                        tr data-lineup-item=(item.id) {
                            td { (item.title) @if view.pinned.as_ref().is_some_and(|p| p.id == item.id) { " " span.badge.live { (l.t("已置顶", "pinned")) } } }
                            td {
                                @if reasons.is_empty() { span.badge.ok { (l.t("可以销售", "may sell")) } }
                                @else { span.badge.bad { (l.t("不可销售", "may not sell")) }
                                    ul.findings { @for u in &reasons { li.red { (super::reasons::unmet(l, &u.unmet)) } } } }
                            }
                            td { @if view.status == ShowStatus::Live && view.pinned.as_ref().is_none_or(|p| p.id != item.id) {
                                form.inline data-api={"/api/v1/shows/" (sid) "/pin"} data-then="reload" {
                                    input type="hidden" name="lineup_item_id" value=(item.id);
                                    button type="submit" { (l.t("置顶", "Pin")) }
                                    (form_status())
                                }
                            } }
                        }
                    } }
                } }
            }
            @if view.status == ShowStatus::Live {
                section.card aria-labelledby="talk-h" {
                    h2 #talk-h { (l.t("讲解实时监督", "Sales talk supervision")) }
                    p.muted { (l.t(
                        "语音转写的片段发送到平台，立即检查：绝对化用语、医疗功效、站外交易、虚假价格、虚假权威、保证承诺、贬低同行。",
                        "Speech-to-text segments are checked the moment they arrive: absolute claims, medical claims, off-platform trading, fake prices, fake authority, guarantees, disparaging rivals."
                    )) }
                    form data-api={"/api/v1/shows/" (sid) "/transcript"} data-build="transcript" data-transcript
                        data-started=(view.started_at.map(|t| t.timestamp_millis()).unwrap_or(0)) {
                        input type="hidden" name="lang" value=(l.code());
                        @if !is_anchor {
                            label for="anchor" { (l.t("讲话的主播", "Speaking anchor")) }
                            select #anchor name="anchor_id" {
                                @for a in &view.roster { option value=(a.anchor_id) { (a.name) } }
                            }
                        }
                        label for="speech" { (l.t("转写文本", "Transcript text")) }
                        textarea #speech name="text" required {}
                        button type="submit" { (l.t("发送", "Send")) }
                        (form_status())
                    }
                    h3 { (l.t("本次发送的检查结果", "Findings in what you just sent")) }
                    ul.findings data-findings aria-live="assertive" {}
                    h3 { (l.t("直播间实时提醒", "The room's live warnings")) }
                    ul.findings data-warnings aria-live="polite" {}
                    p.muted hidden data-live-line { (l.t("实时连接：", "Live link: ")) span data-live-state { "…" } }
                }
            }
            @if view.status == ShowStatus::Live || !hidden.is_empty() {
                section.card aria-labelledby="hidden-h" {
                    h2 #hidden-h { (l.t("被隐藏的评论", "Hidden comments")) }
                    p.muted { (l.t(
                        "违规评论（如诱导站外交易、辱骂）会被自动隐藏，只有发送者、直播间和平台看得到，处置记录依法保存（第 16 条、第 31 条第 2 款）。",
                        "Comments breaking the rules (off-platform trading, abuse…) are hidden at once; only their author, the room and the platform see them; the handling is kept on record (Art. 16, Art. 31 ¶2)."
                    )) }
                    ul.comments data-hidden-comments aria-live="polite" {
                        @for c in &hidden {
                            li.hidden data-hidden-comment=(c.id) { (c.text) " — " (hidden_why(l, &c.findings)) " " span.muted { (when(c.at)) } }
                        }
                    }
                    @if hidden.is_empty() { p.muted data-hidden-none { (l.t("暂无。", "None so far.")) } }
                    @if more_hidden { p.muted { (l.t("评论太多，只列出了前一部分。", "Too many comments to list here; only the first part is shown.")) } }
                }
            }
        }
        script src="/assets/console.js" defer {}
        script src="/assets/live.js" defer {}
    };
    ok(page(&ctx, &view.title, body))
}

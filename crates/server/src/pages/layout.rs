//! The frame every page shares: the head, a skip link, the navigation for the signed-in role,
//! the language switch, and the page headers (a strict content-security policy: scripts, styles
//! and connections only from this server, no inline script or style).

use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use clearcast_domain::account::Role;
use maud::{html, Markup, DOCTYPE};

use super::{Ctx, Lang};

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   media-src 'self' https: blob:; connect-src 'self'; frame-ancestors 'none'; \
                   base-uri 'none'; form-action 'self'";

/// Headers of an HTML page.
pub fn html_headers() -> [(HeaderName, HeaderValue); 2] {
    [
        (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
        (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)),
    ]
}

/// Where a role works after signing in.
pub fn home_of(role: Role) -> &'static str {
    match role {
        Role::Consumer => "/me/orders",
        Role::RoomOperator | Role::Anchor | Role::Agency => "/console/room",
        Role::Merchant => "/console/merchant",
        Role::Operator => "/console/operator",
        Role::Regulator => "/console/regulator",
    }
}

/// The name of a role in the page language.
pub fn role_name(lang: Lang, role: Role) -> &'static str {
    match role {
        Role::Consumer => lang.t("消费者", "consumer"),
        Role::Merchant => lang.t("商家", "merchant"),
        Role::RoomOperator => lang.t("直播间运营者", "room operator"),
        Role::Anchor => lang.t("主播", "anchor"),
        Role::Agency => lang.t("MCN 机构", "agency"),
        Role::Operator => lang.t("平台运营", "platform operator"),
        Role::Regulator => lang.t("监管部门", "regulator"),
    }
}

fn nav(ctx: &Ctx) -> Markup {
    let l = ctx.lang;
    let switch = format!(
        "/lang/{}?back={}",
        l.other().code(),
        form_urlencoded::byte_serialize(ctx.path.as_bytes()).collect::<String>()
    );
    html! {
        header.site {
            nav aria-label=(l.t("主导航", "Main")) {
                a.brand href="/" { "clearcast" }
                ul {
                    li { a href="/" { (l.t("正在直播", "Live now")) } }
                    @if let Some(u) = &ctx.user {
                        li { a href=(home_of(u.account.role)) {
                            @if u.account.role == Role::Consumer { (l.t("我的订单", "My orders")) }
                            @else { (l.t("工作台", "Console")) }
                        } }
                    }
                    li { a href=(switch) lang=(l.other().tag()) hreflang=(l.other().tag()) {
                        (l.other().t("中文", "English"))
                    } }
                    @match &ctx.user {
                        Some(u) => {
                            li.who { (u.account.username) " · " (role_name(l, u.account.role)) }
                            li { form method="post" action="/logout" {
                                input type="hidden" name="csrf" value=(ctx.csrf.as_deref().unwrap_or(""));
                                button type="submit" { (l.t("退出", "Sign out")) }
                            } }
                        }
                        None => {
                            li { a href={"/login?next=" (form_urlencoded::byte_serialize(ctx.path.as_bytes()).collect::<String>())} {
                                (l.t("登录", "Sign in"))
                            } }
                        }
                    }
                }
            }
        }
    }
}

/// A whole page.
pub fn page(ctx: &Ctx, title: &str, body: Markup) -> Markup {
    let l = ctx.lang;
    html! {
        (DOCTYPE)
        html lang=(l.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                @if let Some(c) = &ctx.csrf { meta name="csrf-token" content=(c); }
                meta name="lang" content=(l.code());
                meta name="names" content=(super::names::script_names(l));
                title { (title) " · clearcast" }
                link rel="stylesheet" href="/assets/app.css";
                link rel="icon" type="image/svg+xml" href="/assets/icon.svg";
                script src="/assets/app.js" defer {}
            }
            body {
                a.skip href="#main" { (l.t("跳到正文", "Skip to content")) }
                (nav(ctx))
                main #main { (body) }
                footer.site {
                    p { (l.t(
                        "clearcast · 质量优先的直播电商平台 · 依《直播电商监督管理办法》(第 117 号令) 运行",
                        "clearcast · quality-first live commerce · run under SAMR/CAC Order 117"
                    )) }
                }
            }
        }
    }
}

/// A page for an error, inside the normal frame (header, navigation, language switch), so a
/// visitor who hit one can go on from there. The detail is the API's own words.
pub fn error_page(ctx: &Ctx, status: StatusCode, code: &str, detail: &str) -> Markup {
    let l = ctx.lang;
    let head = match status.as_u16() {
        400 | 422 => l.t("请求有误", "Bad request"),
        401 => l.t("需要登录", "Sign-in needed"),
        403 => l.t("无权查看", "Not allowed"),
        404 => l.t("找不到", "Not found"),
        409 => l.t("与当前状态冲突", "Conflict"),
        s if s >= 500 => l.t("服务器出错，请稍后再试", "Server error; try again later"),
        _ => l.t("出错了", "Something went wrong"),
    };
    let title = format!("{} {head}", status.as_u16());
    page(
        ctx,
        &title,
        html! {
            h1 data-error=(status.as_u16()) { (title) }
            @match super::reasons::problem(l, code) {
                // A Chinese sentence for the code, the API's own words one click away.
                Some(said) => {
                    p.problem role="alert" { (said) }
                    details { summary { (l.t("详细说明", "Details")) } p.muted { (printable(detail)) " (" code { (code) } ")" } }
                }
                None => { p.problem role="alert" { (printable(detail)) " " span.muted { "(" code { (code) } ")" } } }
            }
            p { a href="/" { (l.t("返回首页", "Back to the home page")) } }
        },
    )
}

/// Text as a page may show it: control characters (a NUL from a request path) become U+FFFD.
fn printable(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { '\u{fffd}' } else { c }).collect()
}

/// Money in yuan with two decimals.
pub fn yuan(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let m = minor.unsigned_abs();
    format!("{sign}¥{}.{:02}", m / 100, m % 100)
}

/// A timestamp in China time (where the platform and its users are), to the minute.
pub fn when(t: chrono::DateTime<chrono::Utc>) -> String {
    let cn = chrono::FixedOffset::east_opt(8 * 3600).map(|o| t.with_timezone(&o));
    match cn {
        Some(t) => t.format("%Y-%m-%d %H:%M").to_string(),
        None => t.format("%Y-%m-%d %H:%MZ").to_string(),
    }
}

/// One fact of a measure decided on the points ladder, as `supervision::apply_ladder` words it:
/// `<RFC 3339>: said “<words>” in show <show id> (<label key>)`, facts joined by `; `.
struct Said<'a> {
    at: chrono::DateTime<chrono::Utc>,
    words: &'a str,
    show: &'a str,
    label: &'a str,
}

/// The first fact of `facts` and what follows it, or `None` when it is not in that form.
fn said(facts: &str) -> Option<(Said<'_>, &str)> {
    let (at, rest) = facts.split_once(": said \u{201c}")?;
    let at = chrono::DateTime::parse_from_rfc3339(at.trim()).ok()?.with_timezone(&chrono::Utc);
    let (words, rest) = rest.split_once("\u{201d} in show ")?;
    let (show, rest) = rest.split_once(" (")?;
    let (label, rest) = rest.split_once(')')?;
    let rest = match rest.strip_prefix("; ") {
        Some(r) => r,
        None if rest.is_empty() => rest,
        None => return None,
    };
    Some((Said { at, words, show, label }, rest))
}

/// A measure's facts for people. The API states them for the record (RFC 3339 times, show ids,
/// label keys); a page shows the local time, the show's title where `show_title` knows it (else
/// a link to the show) and the label's name. A measure on a regulator's notice names the notice
/// by its reference. Anything else (an operator's own words) is shown as written.
pub fn measure_facts(l: Lang, facts: &str, show_title: &dyn Fn(&str) -> Option<String>) -> Markup {
    let mut items: Vec<Said<'_>> = Vec::new();
    let mut rest = facts;
    while let Some((s, r)) = said(rest) {
        items.push(s);
        rest = r;
    }
    let notice = rest
        .strip_prefix("regulator's notice ")
        .and_then(|r| r.split_once(" ("))
        .and_then(|(_, r)| r.split_once("): "));
    let label = |key: &str| {
        clearcast_domain::compliance::Label::ALL
            .into_iter()
            .find(|x| x.as_str() == key)
            .map(|x| super::names::label(l, x).to_string())
            .unwrap_or_else(|| key.to_string())
    };
    html! {
        @if !items.is_empty() {
            ul.facts { @for s in &items {
                @let title = show_title(s.show);
                @let show = html! { a href={"/shows/" (s.show)} { @match (&title, l) {
                    (Some(t), Lang::Zh) => { "直播「" (t) "」" }
                    (Some(t), Lang::En) => { "the show \u{201c}" (t) "\u{201d}" }
                    (None, _) => { (l.t("一场直播", "a show")) }
                } } };
                li { (when(s.at)) " "
                    @match l {
                        Lang::Zh => { "在" (show) "中说了「" (s.words) "」（" (label(s.label)) "）" }
                        Lang::En => { "said \u{201c}" (s.words) "\u{201d} in " (show) " (" (label(s.label)) ")" }
                    }
                }
            } }
        }
        @match notice {
            Some((reference, text)) => { p { (l.t("监管部门通知 ", "Regulator's notice ")) (reference) (l.t("：", ": ")) (text) } }
            None => { @if !rest.is_empty() { p { (rest) } } }
        }
    }
}

/// A `problem` box a form fills in (see `app.js`).
pub fn form_status() -> Markup {
    html! { p.form-status role="status" aria-live="polite" {} }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ladder_facts_read_as_words() {
        let facts = "2026-11-25T04:00:00+00:00: said \u{201c}最好的; 第一\u{201d} in show shw_01 (absolute_claim); \
                     2026-11-25T05:30:00Z: said \u{201c}治百病\u{201d} in show shw_02 (medical_claim)";
        let titles = |id: &str| (id == "shw_01").then(|| "春季好物".to_string());
        let zh = measure_facts(Lang::Zh, facts, &titles).into_string();
        assert!(
            zh.contains(
                "2026-11-25 12:00 在<a href=\"/shows/shw_01\">直播「春季好物」</a>中说了「最好的; 第一」（绝对化用语）"
            ),
            "{zh}"
        );
        assert!(
            zh.contains("2026-11-25 13:30 在<a href=\"/shows/shw_02\">一场直播</a>") && zh.contains("医疗功效宣称"),
            "{zh}"
        );
        assert!(!zh.contains("T04:00") && !zh.contains("absolute_claim") && !zh.contains(">shw_"), "{zh}");
        let en = measure_facts(Lang::En, facts, &titles).into_string();
        assert!(
            en.contains("said \u{201c}治百病\u{201d} in <a href=\"/shows/shw_02\">a show</a> (medical claim)"),
            "{en}"
        );
        let notice =
            measure_facts(Lang::En, "regulator's notice ntc_9 (SAMR-2026-7): sold fakes", &titles).into_string();
        assert_eq!(notice, "<p>Regulator's notice SAMR-2026-7: sold fakes</p>");
        let own = measure_facts(Lang::Zh, "operator's own words", &titles).into_string();
        assert_eq!(own, "<p>operator's own words</p>");
    }

    #[test]
    fn money_reads_as_yuan() {
        assert_eq!(yuan(5990), "¥59.90");
        assert_eq!(yuan(5), "¥0.05");
        assert_eq!(yuan(-12345), "-¥123.45");
    }
}

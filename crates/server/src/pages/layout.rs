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
                script src="/assets/app.js" defer {}
            }
            body {
                a.skip href="#main" { (l.t("跳到正文", "Skip to content")) }
                (nav(ctx))
                main #main { (body) }
                footer.site {
                    p { (l.t(
                        "clearcast · 质量优先的直播电商平台 · 依《网络直播营销管理办法》(第 117 号令) 运行",
                        "clearcast · quality-first live commerce · run under SAMR/CAC Order 117"
                    )) }
                }
            }
        }
    }
}

/// A page for an error (both languages: it may come before the language is known).
pub fn error_page(status: StatusCode, code: &str, detail: &str) -> Markup {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (status.as_u16()) " · clearcast" }
                link rel="stylesheet" href="/assets/app.css";
            }
            body {
                main #main {
                    h1 { (status.as_u16()) " " (status.canonical_reason().unwrap_or("")) }
                    p.problem { code { (code) } " — " (detail) }
                    p { a href="/" { "返回首页 · Back to the home page" } }
                }
            }
        }
    }
}

/// Money in yuan with two decimals.
pub fn yuan(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let m = minor.unsigned_abs();
    format!("{sign}¥{}.{:02}", m / 100, m % 100)
}

/// A timestamp in China time, to the minute.
pub fn when(t: chrono::DateTime<chrono::Utc>) -> String {
    let cn = chrono::FixedOffset::east_opt(8 * 3600).map(|o| t.with_timezone(&o));
    match cn {
        Some(t) => t.format("%Y-%m-%d %H:%M").to_string(),
        None => t.format("%Y-%m-%d %H:%MZ").to_string(),
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
    fn money_reads_as_yuan() {
        assert_eq!(yuan(5990), "¥59.90");
        assert_eq!(yuan(5), "¥0.05");
        assert_eq!(yuan(-12345), "-¥123.45");
    }
}

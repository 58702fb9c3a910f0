//! Signing in and out of the pages, and the language switch.
//!
//! Signing in exchanges the user name and password for an ordinary account token (the same one
//! `POST /api/v1/auth/token` issues, with the same expiry) and keeps it in the session cookie.
//! The login form is checked against cross-site posting by `Sec-Fetch-Site` / `Origin` (see
//! [`same_origin`]); signing out needs the session's CSRF token.

use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::Form;
use clearcast_domain::account::Role;
use maud::html;
use serde::Deserialize;

use super::layout::{home_of, page, role_name};
use super::{ok, Ctx, Lang, PageError, PageResult};
use crate::api::accounts::{self, LoginInput};
use crate::auth::{csrf_token, session_cookie, token_hash, SESSION_COOKIE};
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::state::AppState;

/// Where to go after signing in.
#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// Only paths of this site: never another host (`//evil`, `https://…`).
fn local(next: Option<&str>) -> Option<&str> {
    // Browsers drop tabs and newlines from a Location, so `/\t/evil` would become `//evil`; and a
    // control character cannot go in a header at all. Only printable, non-space characters pass.
    next.filter(|n| {
        n.starts_with('/')
            && !n.starts_with("//")
            && !n.contains('\\')
            && n.chars().all(|c| !c.is_control() && !c.is_whitespace())
    })
}

fn login_form(ctx: &Ctx, next: Option<&str>, error: Option<&str>, username: &str) -> maud::Markup {
    let l = ctx.lang;
    page(
        ctx,
        l.t("登录", "Sign in"),
        html! {
            h1 { (l.t("登录", "Sign in")) }
            @if let Some(e) = error { p.problem role="alert" { (e) } }
            form.card method="post" action="/login" {
                label for="username" { (l.t("用户名", "User name")) }
                input #username name="username" autocomplete="username" required value=(username);
                label for="password" { (l.t("密码", "Password")) }
                input #password name="password" type="password" autocomplete="current-password" required;
                @if let Some(n) = local(next) { input type="hidden" name="next" value=(n); }
                button type="submit" { (l.t("登录", "Sign in")) }
            }
            p.hint { (l.t(
                "演示账号与密码在 `clearcast serve --demo` 启动时打印。",
                "The demo accounts and passwords are printed when `clearcast serve --demo` starts."
            )) }
        },
    )
}

/// `GET /login`. Someone already signed in is told so, with where to go from here and the way
/// to sign out, rather than shown a form that would quietly swap their session for another.
pub async fn login_page(ctx: Ctx, Query(q): Query<Next>) -> PageResult {
    let Some(user) = &ctx.user else { return ok(login_form(&ctx, q.next.as_deref(), None, "")) };
    let l = ctx.lang;
    let role = user.account.role;
    let body = html! {
        h1 { (l.t("你已登录", "You are signed in")) }
        section.card data-signed-in=(user.account.username) {
            p { (l.t("当前账号：", "Signed in as ")) strong { (user.account.username) } " · " (role_name(l, role)) }
            ul {
                @if let Some(n) = local(q.next.as_deref()) { li { a href=(n) { (l.t("继续前往刚才的页面", "Go on to the page you asked for")) } } }
                li { a href=(home_of(role)) {
                    @if role == Role::Consumer { (l.t("我的订单", "My orders")) } @else { (l.t("我的工作台", "My console")) }
                } }
                li { a href="/" { (l.t("正在直播", "Live now")) } }
            }
            form method="post" action="/logout" {
                input type="hidden" name="csrf" value=(ctx.csrf.as_deref().unwrap_or(""));
                p.muted { (l.t("要使用其他账号，请先退出。", "To use another account, sign out first.")) }
                button.secondary type="submit" { (l.t("退出", "Sign out")) }
            }
        }
    };
    ok(page(&ctx, l.t("你已登录", "Signed in"), body))
}

/// The login form's fields.
#[derive(Deserialize)]
pub struct LoginForm {
    // Missing fields are empty ones: the account check then refuses them like a wrong password.
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

/// Whether a form post comes from this site. Browsers say where a request comes from in
/// `Sec-Fetch-Site`; older ones only in `Origin` (which is `null` under our `no-referrer` policy,
/// so it is consulted only when the first is missing). A client that sends neither is not a
/// browser another site could have steered.
fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else { return true };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    origin.split_once("://").is_some_and(|(_, h)| h == host)
}

fn cookie(name: &str, value: &str, max_age: i64, headers: &HeaderMap) -> Result<HeaderValue, ApiError> {
    let secure = headers.get("x-forwarded-proto").is_some_and(|v| v.as_bytes() == b"https");
    let v = format!(
        "{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&v).map_err(ApiError::internal)
}

/// `POST /login`.
pub async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, FormRejection>,
) -> PageResult {
    if !same_origin(&headers) {
        return Err(PageError::Api(ApiError::forbidden("the login form was posted from another site")));
    }
    // Not the form a browser posts (another content type, a body that does not parse): the
    // form again, saying so, rather than the extractor's plain-text refusal.
    let Ok(Form(f)) = form else {
        let msg = ctx.lang.t("请在登录表单中填写用户名和密码。", "Fill in the user name and password in the form.");
        let mut res = ok(login_form(&ctx, None, Some(msg), ""))?;
        *res.status_mut() = StatusCode::BAD_REQUEST;
        return Ok(res);
    };
    let input = LoginInput { username: f.username.clone(), password: f.password };
    match accounts::login(State(state.clone()), ApiJson(input)).await {
        Ok(axum::Json(t)) => {
            let max_age = (t.expires_at - state.clock.now()).num_seconds().max(0);
            let to = local(f.next.as_deref()).unwrap_or(home_of(t.account.role)).to_string();
            let mut res = Redirect::to(&to).into_response();
            res.headers_mut().append(header::SET_COOKIE, cookie(SESSION_COOKIE, &t.token, max_age, &headers)?);
            Ok(res)
        }
        Err(e) if e.status == StatusCode::UNAUTHORIZED || e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let msg = ctx.lang.t("用户名或密码不正确。", "The user name or password is wrong.");
            let mut res = ok(login_form(&ctx, f.next.as_deref(), Some(msg), &f.username))?;
            *res.status_mut() = StatusCode::UNAUTHORIZED;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /logout` (a typed address or an old link): signing out changes state, so it takes the
/// form's post; the login page shows who is signed in and the sign-out button.
pub async fn logout_page() -> Redirect {
    Redirect::to("/login")
}

/// The logout form's field.
#[derive(Deserialize)]
pub struct LogoutForm {
    csrf: String,
}

/// `POST /logout`: revokes the session's token and drops the cookie.
pub async fn logout(State(state): State<AppState>, headers: HeaderMap, Form(f): Form<LogoutForm>) -> PageResult {
    if let Some(token) = session_cookie(&headers) {
        if f.csrf != csrf_token(token) {
            return Err(PageError::Api(ApiError::new(
                StatusCode::FORBIDDEN,
                "csrf_token_invalid",
                "signing out needs the page's CSRF token",
            )));
        }
        let hash = token_hash(token);
        state.store.revoke_token(&hash, state.clock.now()).await.map_err(ApiError::from)?;
        state.caches.sessions.remove(&hash);
    }
    let mut res = Redirect::to("/").into_response();
    res.headers_mut().append(header::SET_COOKIE, cookie(SESSION_COOKIE, "", 0, &headers)?);
    Ok(res)
}

/// Where to return after switching.
#[derive(Deserialize)]
pub struct Back {
    back: Option<String>,
}

/// `GET /lang/{zh|en}`: keeps the choice for a year and goes back.
pub async fn switch_lang(Path(code): Path<String>, headers: HeaderMap, Query(q): Query<Back>) -> PageResult {
    let lang = Lang::parse(&code)
        .ok_or_else(|| ApiError::invalid("code", "unknown_language", "the languages are `zh` and `en`"))?;
    let mut res = Redirect::to(local(q.back.as_deref()).unwrap_or("/")).into_response();
    res.headers_mut().append(header::SET_COOKIE, {
        let mut c = cookie(super::lang::LANG_COOKIE, lang.code(), 365 * 24 * 3600, &headers)?;
        // The language is not a secret; HttpOnly does no harm either way.
        c.set_sensitive(false);
        c
    });
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_sites_forms_may_sign_in() {
        let h = |pairs: &[(&'static str, &'static str)]| {
            let mut m = HeaderMap::new();
            for (k, v) in pairs {
                m.insert(*k, HeaderValue::from_static(v));
            }
            m
        };
        assert!(same_origin(&h(&[("sec-fetch-site", "same-origin"), ("origin", "null")])));
        assert!(!same_origin(&h(&[("sec-fetch-site", "cross-site")])));
        assert!(!same_origin(&h(&[("sec-fetch-site", "same-site")])));
        assert!(same_origin(&h(&[("origin", "http://a.example:8080"), ("host", "a.example:8080")])));
        assert!(!same_origin(&h(&[("origin", "http://evil.example"), ("host", "a.example")])));
        assert!(same_origin(&h(&[])));
    }

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local(Some("/me/orders")), Some("/me/orders"));
        assert_eq!(local(Some("//evil.example/x")), None);
        assert_eq!(local(Some("https://evil.example")), None);
        assert_eq!(local(Some("/\\evil.example")), None);
        assert_eq!(local(Some("/\t/evil.example/x")), None, "a tab browsers would drop");
        assert_eq!(local(Some("/\n")), None, "no header can carry it");
        assert_eq!(local(None), None);
    }
}

//! The web pages: server-rendered HTML for every role, in Chinese and English.
//!
//! How they are built, and why:
//! - HTML is rendered on the server with `maud` (templates are Rust, checked when compiled, and
//!   every interpolated string is escaped). The disclosure card, prices and the reasons behind
//!   every decision are in the HTML itself, so nothing a consumer must see depends on JavaScript.
//! - Pages **read** through the same handlers the JSON API uses (`crate::api::*`), so a page can
//!   never show what the API would refuse to show the same account.
//! - Pages **write** through the JSON API: forms carry `data-api`, and `assets/app.js` sends them
//!   as JSON with the session cookie and the page's CSRF token (`X-CSRF-Token`), then shows the
//!   answer, or the field errors of a problem+json next to the fields. One set of rules, one set
//!   of error messages, no second write path to keep in step.
//! - Sign-in is a plain form (`/login`) that puts the account's token in an `HttpOnly`,
//!   `SameSite=Lax` cookie; see [`crate::auth`] for the CSRF rule.
//! - The live room (comments, sales, warnings) arrives over the live channel in `assets/live.js`,
//!   which takes a one-time ticket first when the viewer is signed in.

pub mod assets;
pub mod charts;
pub mod lang;
pub mod layout;
pub mod merchant;
pub mod names;
pub mod operator;
pub mod orders;
pub mod reasons;
pub mod regulator;
pub mod room;
pub mod session;
pub mod viewer;

use std::sync::{Arc, Mutex};

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use clearcast_domain::account::Role;

use crate::auth::{csrf_token, session_cookie, token_hash, Caller};
use crate::error::ApiError;
use crate::state::AppState;
pub use lang::Lang;

/// The pages' routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(viewer::home))
        .route("/shows/{id}", get(viewer::show))
        .route("/me/orders", get(orders::orders))
        .route("/login", get(session::login_page).post(session::login))
        .route("/logout", post(session::logout).get(session::logout_page))
        .route("/lang/{code}", get(session::switch_lang))
        .route("/console/room", get(room::room))
        .route("/console/room/{show}", get(room::room_show))
        .route("/console/merchant", get(merchant::merchant))
        .route("/console/operator", get(operator::operator))
        .route("/console/regulator", get(regulator::dashboard))
        .route("/assets/{name}", get(assets::serve))
        .route("/favicon.ico", get(assets::favicon))
        .route_layer(middleware::from_fn(errors_in_layout))
}

/// Where the [`Ctx`] extractor leaves a copy of the page context, so that an error the handler
/// returns afterwards can be drawn in the visitor's own frame (their language, their header).
#[derive(Clone, Default)]
struct CtxSlot(Arc<Mutex<Option<Ctx>>>);

/// An error a page answered with, carried on the response until [`errors_in_layout`] draws it.
#[derive(Clone)]
struct ShownError {
    status: StatusCode,
    code: &'static str,
    detail: String,
}

/// Draws a page's error inside the normal layout. `PageError` becomes a response without the
/// request at hand, so it leaves the error on the response and this layer, which saw the request
/// and the context the handler extracted, draws the page. Only errors pay for this.
async fn errors_in_layout(mut req: Request, next: Next) -> Response {
    let slot = CtxSlot::default();
    req.extensions_mut().insert(slot.clone());
    let lang = Lang::of(req.headers());
    let path = req.uri().path().to_string();
    let mut res = next.run(req).await;
    let Some(e) = res.extensions_mut().remove::<ShownError>() else { return res };
    // The handler's own context when it got that far; else an anonymous one in the asked language.
    let ctx = slot.0.lock().ok().and_then(|mut c| c.take()).unwrap_or(Ctx { lang, user: None, csrf: None, path });
    (e.status, layout::html_headers(), layout::error_page(&ctx, e.status, e.code, &e.detail)).into_response()
}

/// What every page knows about its request: the language, who is signed in (if anyone) and
/// the CSRF token their forms carry.
#[derive(Clone)]
pub struct Ctx {
    /// The page language.
    pub lang: Lang,
    /// The signed-in account.
    pub user: Option<Caller>,
    /// The CSRF token of the session (with `user`).
    pub csrf: Option<String>,
    /// The request path (where the login form returns to).
    pub path: String,
}

impl Ctx {
    /// The signed-in account's role.
    pub fn role(&self) -> Option<Role> {
        self.user.as_ref().map(|u| u.account.role)
    }

    /// The signed-in caller with one of `roles`, or the page that says why not.
    pub fn require(&self, roles: &[Role]) -> Result<&Caller, PageError> {
        match &self.user {
            None => Err(PageError::SignIn(self.path.clone())),
            Some(u) if roles.contains(&u.account.role) => Ok(u),
            Some(_) => Err(PageError::Api(ApiError::forbidden(
                self.lang.t("此页面不属于你的角色", "this page belongs to another role"),
            ))),
        }
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let lang = Lang::of(&parts.headers);
        let path = parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
        let slot = parts.extensions.get::<CtxSlot>().cloned();
        let Some(token) = session_cookie(&parts.headers) else {
            return Ok(remember(slot, Ctx { lang, user: None, csrf: None, path }));
        };
        // A stale or revoked cookie makes the visitor anonymous on pages (the API answers 401).
        let hash = token_hash(token);
        let now = state.clock.now();
        let account = match state.caches.sessions.get(&hash, now) {
            Some(a) => Some(a),
            None => state.store.token_session(&hash, now).await.map_err(ApiError::from)?.map(|s| {
                let a = s.account.clone();
                state.caches.sessions.insert(s);
                a
            }),
        };
        let ctx = match account {
            Some(account) => {
                Ctx { lang, csrf: Some(csrf_token(token)), user: Some(Caller { account, token_hash: hash }), path }
            }
            None => Ctx { lang, user: None, csrf: None, path },
        };
        Ok(remember(slot, ctx))
    }
}

/// Leaves a copy of `ctx` in the request's [`CtxSlot`] (when the page layer put one there).
fn remember(slot: Option<CtxSlot>, ctx: Ctx) -> Ctx {
    if let Some(mut held) = slot.as_ref().and_then(|s| s.0.lock().ok()) {
        *held = Some(ctx.clone());
    }
    ctx
}

/// Why a page could not be shown.
pub enum PageError {
    /// The page needs a signed-in account: go to the login form, then come back here.
    SignIn(String),
    /// A refusal or failure, shown as a page with its status.
    Api(ApiError),
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        PageError::Api(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::SignIn(back) => {
                let q: String = form_urlencoded::Serializer::new(String::new()).append_pair("next", &back).finish();
                axum::response::Redirect::to(&format!("/login?{q}")).into_response()
            }
            PageError::Api(e) => {
                // Drawn for an anonymous Chinese visitor here; `errors_in_layout` redraws it for
                // the actual visitor (every page route passes that layer).
                let anonymous = Ctx { lang: Lang::Zh, user: None, csrf: None, path: "/".into() };
                let body = layout::error_page(&anonymous, e.status, e.code, &e.detail);
                let mut res = (e.status, layout::html_headers(), body).into_response();
                res.extensions_mut().insert(ShownError { status: e.status, code: e.code, detail: e.detail });
                res
            }
        }
    }
}

/// Where no route matches: a browser asking for a page outside the API gets an HTML page that
/// says so, in the normal layout; everything else (API clients, `/api/…`) the API's problem+json.
pub async fn not_found(axum::extract::State(state): axum::extract::State<AppState>, req: Request) -> Response {
    let e = ApiError::not_found("route");
    let (mut parts, _) = req.into_parts();
    let wants_html = parts
        .headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if !wants_html || parts.uri.path().starts_with("/api/") {
        return e.into_response();
    }
    // The fallback is outside the page routes' layer, so it draws the layout itself; the session
    // is looked up only here, for a browser, not for every API client's 404.
    let ctx = match Ctx::from_request_parts(&mut parts, &state).await {
        Ok(ctx) => ctx,
        Err(_) => Ctx { lang: Lang::of(&parts.headers), user: None, csrf: None, path: parts.uri.path().into() },
    };
    (e.status, layout::html_headers(), layout::error_page(&ctx, e.status, e.code, &e.detail)).into_response()
}

/// A page's result.
pub type PageResult = Result<Response, PageError>;

/// 200 with the page headers.
pub fn ok(markup: maud::Markup) -> PageResult {
    Ok((StatusCode::OK, layout::html_headers(), markup).into_response())
}

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
pub mod regulator;
pub mod room;
pub mod session;
pub mod viewer;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
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
        .route("/me/orders", get(viewer::orders))
        .route("/login", get(session::login_page).post(session::login))
        .route("/logout", post(session::logout))
        .route("/lang/{code}", get(session::switch_lang))
        .route("/console/room", get(room::room))
        .route("/console/room/{show}", get(room::room_show))
        .route("/console/merchant", get(merchant::merchant))
        .route("/console/operator", get(operator::operator))
        .route("/console/regulator", get(regulator::dashboard))
        .route("/assets/{name}", get(assets::serve))
}

/// What every page knows about its request: the language, who is signed in (if anyone) and
/// the CSRF token their forms carry.
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
        let Some(token) = session_cookie(&parts.headers) else {
            return Ok(Ctx { lang, user: None, csrf: None, path });
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
        Ok(match account {
            Some(account) => {
                Ctx { lang, csrf: Some(csrf_token(token)), user: Some(Caller { account, token_hash: hash }), path }
            }
            None => Ctx { lang, user: None, csrf: None, path },
        })
    }
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
                let status = e.status;
                let body = layout::error_page(status, e.code, &e.detail);
                (status, layout::html_headers(), body).into_response()
            }
        }
    }
}

/// Where no route matches: a browser asking for a page outside the API gets an HTML page that
/// says so; everything else (API clients, `/api/…`) the API's problem+json.
pub async fn not_found(uri: axum::http::Uri, headers: axum::http::HeaderMap) -> Response {
    let e = ApiError::not_found("route");
    let wants_html =
        headers.get(axum::http::header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"));
    if wants_html && !uri.path().starts_with("/api/") {
        PageError::Api(e).into_response()
    } else {
        e.into_response()
    }
}

/// A page's result.
pub type PageResult = Result<Response, PageError>;

/// 200 with the page headers.
pub fn ok(markup: maud::Markup) -> PageResult {
    Ok((StatusCode::OK, layout::html_headers(), markup).into_response())
}

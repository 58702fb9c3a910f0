//! Authentication: argon2 password hashes and opaque bearer tokens.
//!
//! - Passwords: Argon2id with the `argon2` crate's defaults (m = 19 MiB, t = 2, p = 1; the OWASP
//!   2023 recommendation), hashed on a blocking thread so logins never stall the runtime.
//! - Tokens: `cc_` + 32 random bytes (256 bits) in base64url. Only their SHA-256 is stored, and
//!   lookup is by that hash, so no secret is ever compared byte by byte in SQL or in memory;
//!   tokens expire (policy `token_ttl_hours`) and can be revoked. They are never logged.
//! - Pages: the same token, kept in an `HttpOnly`, `SameSite=Lax` cookie ([`SESSION_COOKIE`]).
//!   A request authenticated by the cookie that changes anything (any method but GET/HEAD/
//!   OPTIONS) must also carry the page's CSRF token in `X-CSRF-Token` ([`csrf_token`], derived
//!   from the session token, so another site can neither read nor guess it). A WebSocket
//!   handshake never counts the cookie: pages open the live channel with a one-time ticket.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use clearcast_domain::account::{Account, Role};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::state::AppState;

/// Hashes a password (blocking work; call from `spawn_blocking`).
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(ApiError::internal)
}

/// Checks a password against a stored hash (blocking work).
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// Hashes on a blocking thread.
pub async fn hash_password_async(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || hash_password(&password)).await.map_err(ApiError::internal)?
}

/// A new random bearer token.
pub fn new_token() -> String {
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    format!("cc_{}", URL_SAFE_NO_PAD.encode(b))
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The account.
    pub account: Account,
    /// Hash of the token used (for revocation).
    pub token_hash: String,
}

impl Caller {
    /// The caller's role.
    pub fn role(&self) -> Role {
        self.account.role
    }

    /// 403 unless the caller has one of `roles`. Regulators get their own code: they read, never
    /// write (DESIGN invariant 8).
    pub fn require(&self, roles: &[Role], action: &str) -> Result<(), ApiError> {
        if roles.contains(&self.account.role) {
            return Ok(());
        }
        if self.account.role == Role::Regulator {
            return Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "regulator_read_only",
                "regulators read; they do not write",
            ));
        }
        let allowed = roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ");
        Err(ApiError::forbidden(format!("only {allowed} accounts may {action}")))
    }

    /// Whether the caller is platform staff or a regulator (sees personal data in full).
    pub fn is_staff(&self) -> bool {
        self.account.role.sees_personal_data()
    }
}

/// The name of the pages' session cookie.
pub const SESSION_COOKIE: &str = "cc_session";

/// The CSRF token of a session: a keyed hash of the session token (not its stored hash, which
/// the database holds), hex.
pub fn csrf_token(session_token: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"clearcast csrf v1\0");
    h.update(session_token.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The session token in the request's cookies, if any.
pub fn session_cookie(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, v)| *k == SESSION_COOKIE && !v.is_empty())
        .map(|(_, v)| v)
}

/// Compares two secrets without stopping at the first difference.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The token of a cookie-authenticated request, after the CSRF check its method needs.
fn cookie_token(parts: &Parts) -> Result<Option<&str>, ApiError> {
    if parts.headers.get(header::UPGRADE).is_some() {
        return Ok(None);
    }
    let Some(token) = session_cookie(&parts.headers) else { return Ok(None) };
    let safe = matches!(parts.method, axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS);
    if !safe {
        let sent = parts.headers.get("x-csrf-token").map(|v| v.as_bytes()).unwrap_or_default();
        if !same_secret(sent, csrf_token(token).as_bytes()) {
            return Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "csrf_token_invalid",
                "a change made with the session cookie needs the page's CSRF token in X-CSRF-Token",
            ));
        }
    }
    Ok(Some(token))
}

fn bearer(parts: &Parts) -> Result<Option<&str>, ApiError> {
    let Some(v) = parts.headers.get(header::AUTHORIZATION) else { return Ok(None) };
    let v = v.to_str().map_err(|_| ApiError::unauthorized("malformed Authorization header"))?;
    match v.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
            Ok(Some(token.trim()))
        }
        _ => Err(ApiError::unauthorized("use `Authorization: Bearer <token>`")),
    }
}

async fn resolve(parts: &Parts, state: &AppState) -> Result<Option<Caller>, ApiError> {
    let token = match bearer(parts)? {
        Some(t) => t,
        None => match cookie_token(parts)? {
            Some(t) => t,
            None => return Ok(None),
        },
    };
    let hash = token_hash(token);
    let now = state.clock.now();
    let account = match state.caches.sessions.get(&hash, now) {
        Some(a) => Some(a),
        None => match state.store.token_session(&hash, now).await? {
            Some(s) => {
                let a = s.account.clone();
                state.caches.sessions.insert(s);
                Some(a)
            }
            None => None,
        },
    };
    match account {
        Some(account) => Ok(Some(Caller { account, token_hash: hash })),
        None => Err(ApiError::unauthorized("the token is unknown, expired or revoked")),
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        resolve(parts, state).await?.ok_or_else(|| ApiError::unauthorized("this endpoint needs a bearer token"))
    }
}

/// A caller who may be anonymous (public endpoints). A bad token is still refused.
pub struct MaybeCaller(pub Option<Caller>);

impl FromRequestParts<AppState> for MaybeCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Ok(MaybeCaller(resolve(parts, state).await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a, b);
        assert!(a.starts_with("cc_") && a.len() == 3 + 43);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), token_hash(&b));
    }

    #[test]
    fn passwords_verify_only_against_their_hash() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong horse battery", &h));
        assert!(!verify_password("x", "not a hash"));
    }
}

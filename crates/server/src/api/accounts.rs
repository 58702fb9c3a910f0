//! Accounts and tokens: sign-up for self-service roles, login, logout, who am I.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::Duration;
use clearcast_domain::account::{Account, Password, Role, Username};
use clearcast_domain::ids::AccountId;
use clearcast_domain::validation::Errors;
use clearcast_store::{TokenRecord, TokenSession};
use serde::{Deserialize, Serialize};

use crate::auth::{hash_password_async, new_token, token_hash, verify_password, Caller};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;

/// A sign-up.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccountInput {
    /// Login name: 3-64 letters, digits, `_`, `-`, `.`.
    pub username: String,
    /// 10-128 characters.
    pub password: String,
    /// A self-service role (not operator or regulator).
    pub role: Role,
}

/// A login.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginInput {
    /// Login name.
    pub username: String,
    /// Password.
    pub password: String,
}

/// A fresh bearer token.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenView {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// When it stops working.
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// Whose token.
    pub account: Account,
}

/// Creates an account with a password (shared by sign-up, `admin create-operator` and the demo).
pub async fn create_account(state: &AppState, username: &str, password: &str, role: Role) -> ApiResult<Account> {
    let mut e = Errors::new();
    let name = e.take("username", Username::parse(username));
    let pw = e.take("password", Password::parse(password));
    e.finish(|| ())?;
    let (Some(name), Some(pw)) = (name, pw) else { return Err(ApiError::internal("validated fields missing")) };
    let hash = hash_password_async(pw.expose().to_string()).await?;
    let account =
        Account { id: AccountId::generate(), username: name.as_str().to_string(), role, created_at: state.clock.now() };
    // Staff accounts are made by an administrator; the platform records that they exist.
    let audit = (!role.self_service()).then(|| clearcast_domain::audit::AuditEntry {
        at: account.created_at,
        actor: account.id,
        action: "account.staff_created".into(),
        subject: account.id.to_string(),
        detail: serde_json::json!({"role": role, "username": account.username}),
    });
    state
        .store
        .create_account(&account, &hash, audit)
        .await
        .map_err(|e| ApiError::from(e).conflict_field("username"))?;
    Ok(account)
}

/// Issues a token for an account.
pub async fn issue_token(state: &AppState, account: Account) -> ApiResult<TokenView> {
    let token = new_token();
    let now = state.clock.now();
    let expires_at = now + Duration::hours(i64::from(state.policy.token_ttl_hours));
    let hash = token_hash(&token);
    state
        .store
        .insert_token(&TokenRecord { token_hash: hash.clone(), account: account.id, created_at: now, expires_at })
        .await?;
    state.caches.sessions.insert(TokenSession { token_hash: hash, account: account.clone(), expires_at });
    Ok(TokenView { token, token_type: "Bearer", expires_at, account })
}

/// Sign up.
#[utoipa::path(post, path = "/api/v1/accounts", tag = "accounts", request_body = NewAccountInput,
    responses((status = 201, body = Account), (status = 409, description = "user name taken", body = crate::error::Problem),
              (status = 422, description = "invalid field", body = crate::error::Problem)))]
pub async fn sign_up(
    State(state): State<AppState>,
    ApiJson(input): ApiJson<NewAccountInput>,
) -> ApiResult<(StatusCode, Json<Account>)> {
    if !input.role.self_service() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "role_not_self_service",
            "operator and regulator accounts are created by an administrator",
        )
        .field("role", "not_self_service", "choose consumer, merchant, room_operator, anchor or agency"));
    }
    let account = create_account(&state, &input.username, &input.password, input.role).await?;
    tracing::info!(account = %account.id, role = %account.role, "account created");
    Ok((StatusCode::CREATED, Json(account)))
}

/// Log in: exchange a user name and password for a bearer token.
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "accounts", request_body = LoginInput,
    responses((status = 200, body = TokenView), (status = 401, body = crate::error::Problem)))]
pub async fn login(State(state): State<AppState>, ApiJson(input): ApiJson<LoginInput>) -> ApiResult<Json<TokenView>> {
    let found = match Username::parse(&input.username) {
        Ok(u) => state.store.account_by_username(u.as_str()).await?,
        Err(_) => None,
    };
    // Verify against a real hash even for unknown users so timing does not reveal which names exist.
    let (account, hash) = match found {
        Some((a, h)) => (Some(a), h),
        None => (None, DUMMY_HASH.to_string()),
    };
    let password = input.password;
    let ok =
        tokio::task::spawn_blocking(move || verify_password(&password, &hash)).await.map_err(ApiError::internal)?;
    match (ok, account) {
        (true, Some(account)) => Ok(Json(issue_token(&state, account).await?)),
        _ => Err(ApiError::new(StatusCode::UNAUTHORIZED, "invalid_credentials", "user name or password is wrong")),
    }
}

/// An Argon2id hash of a random string, used to spend the same time on unknown user names.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Ky8H0BQ0hxq1X2m9Ikl3cYJ7uQXpzm+0E3fCq1kQb1Y";

/// Log out: revoke the token used for this request.
#[utoipa::path(delete, path = "/api/v1/auth/token", tag = "accounts", security(("bearer" = [])),
    responses((status = 204, description = "revoked"), (status = 401, body = crate::error::Problem)))]
pub async fn logout(State(state): State<AppState>, caller: Caller) -> ApiResult<StatusCode> {
    state.store.revoke_token(&caller.token_hash, state.clock.now()).await?;
    state.caches.sessions.remove(&caller.token_hash);
    Ok(StatusCode::NO_CONTENT)
}

/// The calling account.
#[utoipa::path(get, path = "/api/v1/accounts/me", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = Account), (status = 401, body = crate::error::Problem)))]
pub async fn me(caller: Caller) -> Json<Account> {
    Json(caller.account)
}

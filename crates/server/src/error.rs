//! The error policy, written once.
//!
//! - The domain returns `Invalid` (field errors) or typed refusals; the store returns
//!   `StoreError`. Handlers return `Result<_, ApiError>` and convert with `?`.
//! - Every error leaves as `application/problem+json` (RFC 9457) with a stable `code`, a `detail`
//!   and `errors: [{field, code, message}]`. Codes are part of the API contract: never rename one.
//! - Client mistakes are 4xx and name the field. A store that cannot be reached is 503 with
//!   `Retry-After`. Anything else is 500 with a generic detail; the cause goes to the log only.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use clearcast_domain::validation::{FieldError, Invalid};
use clearcast_store::StoreError;
use serde::Serialize;

/// An error answer.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine code.
    pub code: &'static str,
    /// Human explanation.
    pub detail: String,
    /// Offending fields.
    pub errors: Vec<FieldError>,
    /// For a gate refusal: every unmet requirement with its article.
    pub unmet: Vec<clearcast_domain::gate::ShowUnmet>,
    /// For a script refused by the speech rules: the findings.
    pub findings: Vec<clearcast_domain::compliance::Finding>,
}

/// The problem+json body.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the problem type.
    #[serde(rename = "type")]
    pub type_: String,
    /// Short summary (the HTTP reason).
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// Stable machine code.
    pub code: String,
    /// Explanation.
    pub detail: String,
    /// Offending fields.
    pub errors: Vec<FieldError>,
    /// For a gate refusal (`not_eligible`): every unmet requirement, with the product, the anchors
    /// it concerns, its code, message, article and inputs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unmet: Vec<clearcast_domain::gate::ShowUnmet>,
    /// For a script refused by the speech rules (`script_not_compliant`): each finding with its
    /// rule, label, basis, words and suggestion.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<clearcast_domain::compliance::Finding>,
}

impl ApiError {
    /// An error with a status, code and detail.
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self { status, code, detail: detail.into(), errors: Vec::new(), unmet: Vec::new(), findings: Vec::new() }
    }

    /// Adds a field error.
    pub fn field(mut self, field: impl Into<String>, code: impl Into<String>, message: impl Into<String>) -> Self {
        self.errors.push(FieldError::new(field, code, message));
        self
    }

    /// Names `field` on a 409 identity or name conflict (`duplicate_identity`, `username_taken`).
    pub fn conflict_field(self, field: &str) -> Self {
        if self.status == StatusCode::CONFLICT && matches!(self.code, "duplicate_identity" | "username_taken") {
            let (code, detail) = (self.code, self.detail.clone());
            self.field(field, code, detail)
        } else {
            self
        }
    }

    /// 422 `not_eligible`: the gate is closed, with every reason.
    pub fn not_eligible(action: &str, unmet: Vec<clearcast_domain::gate::ShowUnmet>) -> Self {
        let detail = format!(
            "cannot {action}: {} unmet requirement(s): {}",
            unmet.len(),
            unmet.iter().map(|u| format!("{} ({})", u.unmet.code, u.unmet.article)).collect::<Vec<_>>().join(", ")
        );
        let errors = unmet
            .iter()
            .map(|u| FieldError::new("product_id", u.unmet.code.clone(), u.unmet.message.clone()))
            .collect();
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "not_eligible",
            detail,
            errors,
            unmet,
            findings: Vec::new(),
        }
    }

    /// 409 for a state conflict (start twice, end a scheduled show, edit an ended one).
    pub fn state(e: clearcast_domain::show::TransitionError) -> Self {
        Self::new(StatusCode::CONFLICT, e.code(), e.to_string())
    }

    /// 404 for a missing resource.
    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found"))
    }

    /// 403 with a reason.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }

    /// 401.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }

    /// 422 for one bad field.
    pub fn invalid(field: &str, code: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", format!("{field}: {message}"))
            .field(field, code, message)
    }

    /// 400 for a malformed id in the path or query.
    pub fn bad_id(field: &str, e: clearcast_domain::ids::IdError) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_id", e.to_string()).field(field, e.code(), e.to_string())
    }

    /// 500; the cause is logged, not returned.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "an internal error occurred; it has been logged")
    }
}

impl From<Invalid> for ApiError {
    fn from(e: Invalid) -> Self {
        let detail = e.0.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; ");
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "validation_failed",
            detail,
            errors: e.0,
            unmet: Vec::new(),
            findings: Vec::new(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::not_found("resource"),
            StoreError::Conflict { code, message } => ApiError::new(StatusCode::CONFLICT, code, message),
            StoreError::Unavailable(cause) => {
                tracing::warn!(error = %cause, "database unavailable");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "database_unavailable",
                    "the database is unavailable; retry shortly",
                )
            }
            other => ApiError::internal(other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Problem {
            type_: format!("https://clearcast.dev/problems/{}", self.code),
            title: self.status.canonical_reason().unwrap_or("error").to_string(),
            status: self.status.as_u16(),
            code: self.code.to_string(),
            detail: self.detail,
            errors: self.errors,
            unmet: self.unmet,
            findings: self.findings,
        };
        let json = serde_json::to_vec(&body).unwrap_or_default();
        let mut res = (self.status, json).into_response();
        res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        res
    }
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;

//! The speech scanner over HTTP: scan a text, list the rules in force, reload them.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use clearcast_domain::account::Role;
use clearcast_domain::compliance::{labels_of, Finding, Label, Lang, Scope, Severity};
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;

/// Longest text one scan takes, in bytes (a long script is about 30 KB).
pub const MAX_TEXT_BYTES: usize = 64 * 1024;

/// What to scan.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScanInput {
    /// The text (1 to 65,536 bytes of UTF-8).
    pub text: String,
    /// `zh` or `en` (chooses the suggestion's language; every rule applies).
    pub lang: Option<String>,
    /// The product category (rules are scoped by it: a disinfectant may say it kills germs).
    pub product_category: Option<String>,
    /// `speech` (default) or `chat`.
    pub scope: Option<Scope>,
}

/// What the scanner found.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScanView {
    /// Distinct labels, sorted.
    pub labels: Vec<Label>,
    /// True when a red finding is among them.
    pub red: bool,
    /// The findings, by position.
    pub findings: Vec<Finding>,
}

/// Checks a text's length and language, and the category against the policy.
pub fn check_text(state: &AppState, field: &str, text: &str, category: Option<&str>) -> ApiResult<()> {
    if text.len() > MAX_TEXT_BYTES {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "text_too_large",
            format!("{field} is {} bytes; at most {MAX_TEXT_BYTES}", text.len()),
        )
        .field(field, "too_large", format!("at most {MAX_TEXT_BYTES} bytes")));
    }
    if text.trim().is_empty() {
        return Err(ApiError::invalid(field, "required", "the text is empty"));
    }
    if let Some(c) = category {
        if c.parse::<clearcast_domain::product::Category>().is_err() || !state.policy.categories.contains_key(c) {
            return Err(ApiError::invalid(
                "product_category",
                "unknown_category",
                format!(
                    "unknown category `{c}`; known: {}",
                    state.policy.categories.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// Scan a text against the rules in force (any signed-in account: anchors check scripts, merchants
/// check product copy). Too long a text is 413 `text_too_large`.
#[utoipa::path(post, path = "/api/v1/compliance/scan", tag = "compliance", request_body = ScanInput, security(("bearer" = [])),
    responses((status = 200, body = ScanView), (status = 413, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn scan(
    State(state): State<AppState>,
    _caller: Caller,
    ApiJson(input): ApiJson<ScanInput>,
) -> ApiResult<Json<ScanView>> {
    check_text(&state, "text", &input.text, input.product_category.as_deref())?;
    let lang = input
        .lang
        .as_deref()
        .map(|l| l.parse::<Lang>().map_err(|e| ApiError::invalid("lang", "unknown_language", e)))
        .transpose()?;
    let findings = state.rules.current().scan(
        &input.text,
        input.scope.unwrap_or(Scope::Speech),
        input.product_category.as_deref(),
        lang,
    );
    Ok(Json(ScanView {
        labels: labels_of(&findings),
        red: findings.iter().any(|f| f.severity == Severity::Red),
        findings,
    }))
}

/// One rule as listed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RuleView {
    /// Id.
    pub id: String,
    /// Label.
    pub label: Label,
    /// Severity.
    pub severity: Severity,
    /// Points.
    pub points: u32,
    /// Legal basis.
    pub basis: String,
    /// Literal phrases.
    pub literals: usize,
    /// Regular expressions.
    pub regexes: usize,
    /// Where it applies.
    pub scopes: Vec<Scope>,
    /// Only for these categories.
    pub only_categories: Vec<String>,
    /// Not for these categories.
    pub except_categories: Vec<String>,
    /// Suggested wording (zh).
    pub suggestion_zh: String,
    /// Suggested wording (en).
    pub suggestion_en: String,
}

/// The catalogue in force.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RulesView {
    /// Where it came from: `shipped` or the file's path.
    pub source: String,
    /// The rules.
    pub rules: Vec<RuleView>,
}

/// The rules in force (public: the law's yardstick is no secret).
#[utoipa::path(get, path = "/api/v1/compliance/rules", tag = "compliance", responses((status = 200, body = RulesView)))]
pub async fn rules(State(state): State<AppState>) -> Json<RulesView> {
    let c = state.rules.current();
    Json(RulesView {
        source: state.rules.source().map(|p| p.display().to_string()).unwrap_or_else(|| "shipped".into()),
        rules: c
            .rules()
            .iter()
            .map(|r| RuleView {
                id: r.id.clone(),
                label: r.label,
                severity: r.severity,
                points: r.points,
                basis: r.basis.clone(),
                literals: r.literals.len(),
                regexes: r.regex.len(),
                scopes: r.scopes.clone(),
                only_categories: r.only_categories.clone(),
                except_categories: r.except_categories.clone(),
                suggestion_zh: r.suggestion_zh.clone(),
                suggestion_en: r.suggestion_en.clone(),
            })
            .collect(),
    })
}

/// Reload the rules file given at start (`serve --rules FILE`) without a restart (operators). A
/// bad file is refused with the rule and line, and the catalogue in force stays.
#[utoipa::path(post, path = "/api/v1/compliance/rules/reload", tag = "compliance", security(("bearer" = [])),
    responses((status = 200, body = RulesView), (status = 422, body = crate::error::Problem)))]
pub async fn reload(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<RulesView>> {
    caller.require(&[Role::Operator], "reload the speech rules")?;
    state.rules.reload().map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_rules", e))?;
    let now = state.clock.now();
    state
        .store
        .audit_append(crate::api::entry_by(&caller, now, "compliance.rules_reloaded", "rules", serde_json::json!({
            "source": state.rules.source().map(|p| p.display().to_string()), "rules": state.rules.current().rules().len(),
        })))
        .await?;
    Ok(rules(State(state)).await)
}

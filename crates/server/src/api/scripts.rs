//! Revising a scheduled show's pre-show script (Order 117 Art. 30): starting a show scans its
//! script, and red findings refuse the start until the script is revised or an operator
//! overrides with a reason. The revision is a record with the new script's hash, and the answer
//! carries what the scan finds in the new text, so the room sees at once whether it will pass.

use axum::extract::{Path, State};
use axum::Json;
use clearcast_domain::compliance::Finding;
use clearcast_domain::records::value_hash;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::api::entry_by;
use crate::api::shows::{self, ShowView};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::ApiJson;
use crate::state::AppState;

/// The new script.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScriptInput {
    /// Up to 20,000 characters; empty removes the script.
    pub script: String,
}

/// The show with its new script, and what the speech rules find in it now.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScriptView {
    /// The show.
    pub show: ShowView,
    /// Findings in the new script (red ones would refuse the start).
    pub findings: Vec<Finding>,
}

/// Replace a scheduled show's script (the room operator or a roster anchor; operators too).
#[utoipa::path(put, path = "/api/v1/shows/{id}/script", tag = "shows", params(("id" = String, Path)), request_body = ScriptInput,
    security(("bearer" = [])), responses((status = 200, body = ScriptView), (status = 422, body = crate::error::Problem),
    (status = 409, body = crate::error::Problem)))]
pub async fn revise(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ScriptInput>,
) -> ApiResult<Json<ScriptView>> {
    let mut show = shows::load(&state, &id).await?;
    shows::require_runner(&state, &caller, &show, "revise scripts").await?;
    let from = show.status;
    show.revise_script(&input.script)?;
    let now = state.clock.now();
    let record = entry_by(
        &caller,
        now,
        "show.script_revised",
        show.id,
        json!({"script_hash": show.script.as_ref().map(value_hash), "chars": show.script.as_deref().map(|s| s.chars().count())}),
    );
    state.store.save_show(&show, from, vec![record], None).await.map_err(shows::show_conflict)?;
    state.caches.forget_show(show.id);
    // The same scan the start runs (product categories of the lineup considered).
    let findings = crate::supervision::scan_script(&state, &show).await?;
    Ok(Json(ScriptView { show: shows::view(&state, &show).await?, findings }))
}

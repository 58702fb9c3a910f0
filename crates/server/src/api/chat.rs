//! Viewers' comments in a live room, moderated as they arrive (Order 117 Art. 31). A comment the
//! chat rules flag (off-platform inducement, abuse) is hidden from other viewers but kept, with
//! its findings, on the show's record stream; its author is told why.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use clearcast_domain::account::Role;
use clearcast_domain::chat::{ChatMessage, MAX_CHARS};
use clearcast_domain::compliance::Scope;
use clearcast_domain::live::{Audience, Event, Kind};
use clearcast_domain::show::{Show, ShowStatus};
use serde::Deserialize;
use serde_json::json;

use crate::api::{entry_by, shows};
use crate::auth::{Caller, MaybeCaller};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, PageQuery};
use crate::state::AppState;
use crate::views::List;

/// A comment.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChatInput {
    /// 1-500 characters.
    pub text: String,
}

/// Comment in a live show (any signed-in account). 201 with the comment; `hidden` and its
/// `findings` say whether other viewers see it and why not.
#[utoipa::path(post, path = "/api/v1/shows/{id}/chat", tag = "supervision", params(("id" = String, Path)),
    request_body = ChatInput, security(("bearer" = [])),
    responses((status = 201, body = ChatMessage), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn post(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ChatInput>,
) -> ApiResult<(StatusCode, Json<ChatMessage>)> {
    let show = shows::load(&state, &id).await?;
    let msg = comment(&state, &caller, &show, &input.text).await?;
    Ok((StatusCode::CREATED, Json(msg)))
}

/// Takes a comment in a live show (over HTTP or the live channel): moderated, recorded, and sent
/// to the room — shown to everyone, or, when hidden, to the show's staff and its author only.
pub async fn comment(state: &AppState, caller: &Caller, show: &Show, text: &str) -> ApiResult<ChatMessage> {
    if caller.role() == Role::Regulator {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "regulator_read_only", "regulators read; they do not write"));
    }
    if show.status != ShowStatus::Live {
        return Err(ApiError::new(StatusCode::CONFLICT, "show_not_live", "comments are taken while the show is live"));
    }
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_CHARS || text.contains('\0') {
        return Err(ApiError::invalid("text", "out_of_range", format!("1-{MAX_CHARS} characters")));
    }
    let now = state.clock.now();
    let findings = state.rules.current().scan(text, Scope::Chat, None, None);
    let msg = ChatMessage::judged(show.id, caller.account.id, text.to_string(), findings, now);
    let record = entry_by(
        caller,
        now,
        if msg.hidden { "chat.hidden" } else { "chat.comment" },
        show.id,
        json!({
            "message": msg.id, "text": msg.text, "hidden": msg.hidden,
            "findings": msg.findings.iter().map(|f| json!({"rule": f.rule, "label": f.label, "matched": f.matched, "basis": f.basis})).collect::<Vec<_>>(),
            "basis": "Order 117 Art. 16, 31",
        }),
    );
    state.store.insert_chat(&msg, record).await?;
    let event = if msg.hidden {
        let why: Vec<_> =
            msg.findings.iter().map(|f| json!({"rule": f.rule, "label": f.label, "basis": f.basis})).collect();
        Event::to(
            Kind::CommentHidden,
            Audience::StaffAnd(caller.account.id),
            json!({"id": msg.id, "text": msg.text, "at": msg.at, "findings": why}),
        )
    } else {
        Event::all(Kind::Comment, json!({"id": msg.id, "text": msg.text, "at": msg.at}))
    };
    state.live.publish(show.id, event);
    Ok(msg)
}

/// A comment as listed.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ChatView {
    /// Id.
    pub id: clearcast_domain::ids::ChatMessageId,
    /// The author's account, for staff and the room only.
    pub author: Option<clearcast_domain::ids::AccountId>,
    /// What was written.
    pub text: String,
    /// When.
    pub at: chrono::DateTime<chrono::Utc>,
    /// Hidden from viewers.
    pub hidden: bool,
    /// Why it was hidden.
    pub findings: Vec<clearcast_domain::compliance::Finding>,
}

/// Page options.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ChatQuery {
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1-200.
    pub limit: Option<u32>,
}

/// A show's comments, oldest first. Viewers see the shown ones; staff, the room operator and the
/// show's anchors also see the hidden ones with why.
#[utoipa::path(get, path = "/api/v1/shows/{id}/chat", tag = "supervision", params(("id" = String, Path), ChatQuery),
    responses((status = 200, body = List<ChatView>)))]
pub async fn list(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ChatQuery>,
) -> ApiResult<Json<List<ChatView>>> {
    let show = shows::load(&state, &id).await?;
    let with_hidden = match &caller {
        Some(c) if c.is_staff() => true,
        Some(c) if matches!(c.role(), Role::RoomOperator | Role::Anchor) => {
            shows::require_runner(&state, c, &show, "see hidden comments").await.is_ok()
        }
        _ => false,
    };
    let page =
        state.store.list_chat(show.id, with_hidden, &PageQuery { cursor: q.cursor, limit: q.limit }.request()?).await?;
    let items = page
        .items
        .into_iter()
        .map(|m| ChatView {
            // Viewers see what was said, not who said it; staff and the room see the author.
            author: with_hidden.then_some(m.author),
            id: m.id,
            text: m.text,
            at: m.at,
            hidden: m.hidden,
            findings: m.findings,
        })
        .collect();
    Ok(Json(List { items, next_cursor: page.next_cursor }))
}

/// A live show that is not being heard.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct SilenceAlert {
    /// The show.
    pub show_id: clearcast_domain::ids::ShowId,
    /// Its room.
    pub room_operator_id: clearcast_domain::ids::RoomOperatorId,
    /// When it was last heard (or went live).
    pub last_heard_at: chrono::DateTime<chrono::Utc>,
    /// When it was flagged silent.
    pub silent_since: chrono::DateTime<chrono::Utc>,
    /// A key room (real-time patrol, Art. 11).
    pub key_room: bool,
}

/// Live shows flagged silent, key rooms first (staff): the patrol's worklist.
#[utoipa::path(get, path = "/api/v1/patrol/alerts", tag = "supervision", security(("bearer" = [])),
    responses((status = 200, body = List<SilenceAlert>)))]
pub async fn patrol_alerts(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<List<SilenceAlert>>> {
    if !caller.is_staff() {
        return Err(ApiError::forbidden("operators and regulators read patrol alerts"));
    }
    let mut items = Vec::new();
    for (sid, last, since) in state.store.silent_shows().await? {
        let Some(show) = state.store.get_show(sid).await? else { continue };
        let tier = crate::api::reports::tier_of(&state, show.room_operator, String::new()).await?;
        items.push(SilenceAlert {
            show_id: sid,
            room_operator_id: show.room_operator,
            last_heard_at: last,
            silent_since: since,
            key_room: tier.verdict.tier == clearcast_domain::tier::Tier::Key,
        });
    }
    items.sort_by_key(|a| (!a.key_room, a.silent_since));
    Ok(Json(List { items, next_cursor: None }))
}

//! The live channel over HTTP: `GET /api/v1/shows/{id}/live` upgrades to a WebSocket (anonymous
//! viewers need nothing; a signed-in viewer brings a one-time `?ticket=` from
//! `POST /api/v1/shows/{id}/live-ticket`, or a bearer header where the client can set one), and
//! the ticket endpoint. A long-lived token never goes in a URL: `?token=` is refused.

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use chrono::{DateTime, Duration, Utc};
use clearcast_domain::account::Role;
use clearcast_domain::live::{RoomState, MAX_CLIENT_FRAME};
use clearcast_domain::show::Show;
use serde::{Deserialize, Serialize};

use crate::api::shows;
use crate::auth::{new_token, token_hash, Caller, MaybeCaller};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery};
use crate::live::socket::{serve, Viewer};
use crate::state::AppState;

/// How long a ticket is good for.
pub const TICKET_SECONDS: i64 = 60;

/// A live ticket.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TicketView {
    /// Pass it once as `?ticket=` within a minute.
    pub ticket: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// The channel's path with the ticket.
    pub url: String,
}

/// A one-time ticket that opens the show's live channel as the caller (browsers cannot send a
/// bearer header on a WebSocket). Good once, for this show, for a minute.
#[utoipa::path(post, path = "/api/v1/shows/{id}/live-ticket", tag = "live", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 201, body = TicketView), (status = 401, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn ticket(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<TicketView>)> {
    let show = shows::load(&state, &id).await?;
    if show.status == clearcast_domain::show::ShowStatus::Ended {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "show_ended",
            "the show has ended; its replay is on the show page",
        ));
    }
    let ticket = new_token().replacen("cc_", "lt_", 1);
    let expires_at = state.clock.now() + Duration::seconds(TICKET_SECONDS);
    let hash = token_hash(&ticket);
    state.store.insert_live_ticket(&hash, caller.account.id, show.id, expires_at, &caller.token_hash).await?;
    let url = format!("/api/v1/shows/{}/live?ticket={ticket}", show.id);
    Ok((StatusCode::CREATED, Json(TicketView { ticket, expires_at, url })))
}

/// A notice.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeInput {
    /// 1-500 characters.
    pub text: String,
}

/// The notice as sent.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NoticeView {
    /// The show.
    pub show_id: String,
    /// What was said.
    pub text: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// Send a notice to every viewer of a live show (operators): a consumer-protection reminder, a
/// review in progress. Recorded on the show's record stream; viewers get a `notice` frame.
#[utoipa::path(post, path = "/api/v1/shows/{id}/notices", tag = "live", params(("id" = String, Path)), request_body = NoticeInput,
    security(("bearer" = [])), responses((status = 201, body = NoticeView), (status = 403, body = crate::error::Problem),
    (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn notice(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NoticeInput>,
) -> ApiResult<(StatusCode, Json<NoticeView>)> {
    caller.require(&[Role::Operator], "send notices to a show's viewers")?;
    let show = shows::load(&state, &id).await?;
    if show.status != clearcast_domain::show::ShowStatus::Live {
        return Err(ApiError::new(StatusCode::CONFLICT, "show_not_live", "notices go to a live show's viewers"));
    }
    let text = input.text.trim();
    if text.is_empty() || text.chars().count() > 500 || text.chars().any(char::is_control) {
        return Err(ApiError::invalid("text", "out_of_range", "1-500 characters, no control characters"));
    }
    let now = state.clock.now();
    let record = crate::api::entry_by(&caller, now, "live.notice", show.id, serde_json::json!({"text": text}));
    state.store.audit_append(record).await?;
    let body = serde_json::json!({"text": text, "at": now});
    state.live.publish(show.id, clearcast_domain::live::Event::all(clearcast_domain::live::Kind::Notice, body));
    Ok((StatusCode::CREATED, Json(NoticeView { show_id: show.id.to_string(), text: text.to_string(), at: now })))
}

/// Query of the channel.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LiveQuery {
    /// A ticket from `POST /api/v1/shows/{id}/live-ticket`.
    pub ticket: Option<String>,
    /// Refused: a long-lived token never goes in a URL.
    #[param(ignore)]
    pub token: Option<String>,
    /// Refused, like `token`.
    #[param(ignore)]
    pub access_token: Option<String>,
}

/// Whether the account runs the show (its room operator or a roster anchor) or is an operator.
async fn is_staff(state: &AppState, caller: &Caller, show: &Show) -> bool {
    caller.role() == Role::Operator || shows::require_runner(state, caller, show, "receive warnings").await.is_ok()
}

/// The room, loaded from the store when nobody on this node watches the show yet.
async fn room(state: &AppState, show: &Show) -> ApiResult<std::sync::Arc<crate::live::Room>> {
    if let Some(r) = state.live.room(show.id) {
        return Ok(r);
    }
    let view = shows::view(state, show).await?;
    let (stock, counters) = crate::live::stock_and_counters(state.store.as_ref(), show.id).await?;
    let show_json = serde_json::to_value(view).map_err(ApiError::internal)?;
    Ok(state.live.open_room(show.id, RoomState { show: show_json, stock, counters }))
}

/// The show's live channel (WebSocket). Server → client frames are JSON with `type`, `seq`
/// (increasing per show), `ts` (server send time, ms since the epoch) and `show_id`: `snapshot`,
/// `pinned`, `stock`, `sales`, `comment`, `comment_hidden` and `warning` (staff; a hidden comment
/// also to its author), `measure`, `ended`. Client → server: `{"type":"comment","text"}`,
/// `{"type":"like","count"?}` (signed in; rate-limited). Replies to the sender only:
/// `{"type":"error","code","detail"}`. Close codes: 1003 binary frame, 1007 malformed frame,
/// 1008 rate limit passed again and again, 1009 frame over 4096 bytes, 1001 idle.
#[utoipa::path(get, path = "/api/v1/shows/{id}/live", tag = "live", params(("id" = String, Path), LiveQuery),
    responses((status = 101, description = "switching to the WebSocket"), (status = 400, body = crate::error::Problem),
              (status = 401, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
              (status = 426, body = crate::error::Problem)))]
pub async fn channel(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<LiveQuery>,
    bearer: MaybeCaller,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    if q.token.is_some() || q.access_token.is_some() {
        return Err(ApiError::invalid(
            "token",
            "token_in_url",
            "a token never goes in a URL: take a one-time ticket from POST /api/v1/shows/{id}/live-ticket",
        ));
    }
    let show = shows::load(&state, &id).await?;
    let caller = match (&q.ticket, bearer.0) {
        (Some(t), _) => {
            let now = state.clock.now();
            let taken = state.store.take_live_ticket(&token_hash(t), show.id, now).await?;
            let account = match &taken {
                Some((a, _)) => state.store.get_account(*a).await?,
                None => None,
            };
            match (account, taken) {
                // The connection keeps the hash of the token the ticket was taken with: a logout
                // later stops its writes.
                (Some(account), Some((_, token))) => Some(Caller { account, token_hash: token }),
                _ => {
                    return Err(ApiError::unauthorized(
                        "the ticket is unknown, used, expired, for another show, or its token was revoked",
                    ))
                }
            }
        }
        (None, c) => c,
    };
    let ws = ws.map_err(|e| {
        ApiError::new(StatusCode::UPGRADE_REQUIRED, "websocket_required", format!("open it as a WebSocket: {e}"))
    })?;
    let staff = match &caller {
        Some(c) => is_staff(&state, c, &show).await,
        None => false,
    };
    let room = room(&state, &show).await?;
    // Frames past the limit are refused by the socket itself; a little headroom lets the channel
    // answer frames just over it with a clear 1009 of its own.
    // A small read buffer: a viewer mostly listens, and memory per idle viewer is what limits a
    // node. Writes gather in the write buffer until the flush after each batch: one system call.
    let ws = ws
        .max_message_size(MAX_CLIENT_FRAME * 16)
        .max_frame_size(MAX_CLIENT_FRAME * 16)
        .read_buffer_size(4096)
        .write_buffer_size(64 * 1024);
    Ok(ws.on_upgrade(move |socket| serve(socket, state, show, room, Viewer { caller, staff })))
}

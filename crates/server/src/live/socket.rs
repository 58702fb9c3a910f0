//! One viewer's WebSocket: a snapshot first, then the room's frames as they come (several written
//! together when they queue up), heartbeats, and the viewer's own frames (comments and likes,
//! rate-limited per connection and per account). A viewer who falls behind gets a fresh snapshot;
//! a write that stalls past the write timeout drops the connection; a connection silent past the
//! idle timeout is closed.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use clearcast_domain::live::{close, parse_client, ClientFrame, Watcher};
use clearcast_domain::rate::TokenBucket;
use clearcast_domain::show::Show;
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

use super::{Bundle, Room};
use crate::auth::Caller;
use crate::state::AppState;

/// Who is on the connection.
pub struct Viewer {
    /// The signed-in caller, if any.
    pub caller: Option<Caller>,
    /// A runner of the show or an operator.
    pub staff: bool,
}

type Sink = SplitSink<WebSocket, Message>;

/// Most bundles written before one flush.
const BATCH: usize = 16;

async fn bye(sink: &mut Sink, code: u16, reason: &'static str) {
    let _gone_anyway =
        sink.send(Message::Close(Some(CloseFrame { code, reason: Utf8Bytes::from_static(reason) }))).await;
}

fn reply(kind: &str, code: &str, detail: impl Into<String>) -> Message {
    Message::Text(json!({"type": kind, "code": code, "detail": detail.into()}).to_string().into())
}

/// The feed's engagement figures take in a view or likes from the channel as they do from the
/// HTTP endpoints (`api::feed`): the show's counters are read again into the ranking index.
async fn feed_counts(state: &AppState, show: clearcast_domain::ids::ShowId) {
    if state.quality.index().contains(show) {
        if let Err(e) = crate::quality::refresh_counters(state, show).await {
            tracing::warn!(%show, error = %e.detail, "feed counters not refreshed");
        }
    }
}

/// Serves one connection until it closes.
pub async fn serve(ws: WebSocket, state: AppState, show: Show, room: Arc<Room>, viewer: Viewer) {
    let hub = state.live.clone();
    room.enter();
    hub.stats.connections.fetch_add(1, Ordering::Relaxed);
    let watcher = Watcher { account: viewer.caller.as_ref().map(|c| c.account.id), staff: viewer.staff };
    if let Some(c) = viewer.caller.as_ref() {
        // A signed-in viewer watching counts as one (once per show), as `POST …/views` does.
        if !viewer.staff && c.role() != clearcast_domain::account::Role::Regulator {
            match state.store.record_view(show.id, c.account.id, state.clock.now()).await {
                Ok(true) => {
                    hub.touch(show.id);
                    feed_counts(&state, show.id).await;
                }
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "recording a live viewer failed"),
            }
        }
    }
    let (mut sink, mut stream) = ws.split();
    let (mut last, snapshot, mut rx) = room.join();
    let cfg = hub.config.clone();
    let mut heartbeat = tokio::time::interval(cfg.heartbeat);
    heartbeat.tick().await;
    let mut last_heard = Instant::now();
    let (cb, cr) = cfg.comments;
    let (lb, lr) = cfg.likes;
    let mut comments = TokenBucket::new(cb, cr, hub.elapsed());
    let mut likes = TokenBucket::new(lb, lr, hub.elapsed());
    let mut strikes = 0u32;
    if tokio::time::timeout(cfg.write_timeout, async {
        sink.feed(Message::Text(snapshot)).await?;
        sink.flush().await
    })
    .await
    .map_or(true, |r| r.is_err())
    {
        return leave(&state, &room);
    }
    loop {
        tokio::select! {
            r = rx.recv() => {
                let mut bundles: Vec<Bundle> = Vec::new();
                let mut resync = None;
                match r {
                    Ok(b) => bundles.push(b),
                    Err(RecvError::Lagged(_)) => resync = Some(()),
                    Err(RecvError::Closed) => break,
                }
                while resync.is_none() && bundles.len() < BATCH {
                    match rx.try_recv() {
                        Ok(b) => bundles.push(b),
                        Err(TryRecvError::Lagged(_)) => resync = Some(()),
                        Err(_) => break,
                    }
                }
                let mut out: Vec<Utf8Bytes> = Vec::new();
                if resync.is_some() {
                    // Fell behind the ring: the state again, and on from there.
                    hub.stats.resyncs.fetch_add(1, Ordering::Relaxed);
                    let (seq, snap, fresh) = room.join();
                    rx = fresh;
                    last = seq;
                    out.push(snap);
                } else {
                    for f in bundles.iter().flat_map(|b| b.iter()) {
                        // A frame the snapshot already reflects, or not for this watcher.
                        if f.seq > last && f.audience.reaches(watcher) {
                            out.push(f.text.clone());
                        }
                        last = last.max(f.seq);
                    }
                }
                if out.is_empty() {
                    continue;
                }
                let sent = tokio::time::timeout(cfg.write_timeout, async {
                    for t in out {
                        sink.feed(Message::Text(t)).await?;
                    }
                    sink.flush().await
                })
                .await;
                match sent {
                    Ok(Ok(())) => {}
                    Ok(Err(_)) => break,
                    Err(_) => {
                        hub.stats.dropped.fetch_add(1, Ordering::Relaxed);
                        break;
                    }
                }
            }
            m = stream.next() => {
                last_heard = Instant::now();
                let text = match m {
                    Some(Ok(Message::Text(t))) => t,
                    Some(Ok(Message::Binary(_))) => {
                        bye(&mut sink, close::UNSUPPORTED, "the channel speaks JSON text frames").await;
                        break;
                    }
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    Some(Ok(Message::Close(_))) | None => break,
                    Some(Err(_)) => {
                        // The only read error a live peer causes is a frame past the size limit.
                        bye(&mut sink, close::TOO_BIG, "frame too large").await;
                        break;
                    }
                };
                let frame = match parse_client(text.as_str()) {
                    Ok(f) => f,
                    Err(r) => {
                        bye(&mut sink, r.code, r.reason).await;
                        break;
                    }
                };
                let Some(caller) = viewer.caller.as_ref() else {
                    // Refusals count towards the limit for anonymous senders too.
                    strikes += 1;
                    if strikes > cfg.strikes {
                        bye(&mut sink, close::POLICY, "writing needs a signed-in viewer").await;
                        break;
                    }
                    let _ = sink.send(reply("error", "sign_in_required", "sign in (a live ticket) to comment or like")).await;
                    continue;
                };
                if !signed_in(&state, &caller.token_hash).await {
                    strikes += 1;
                    let _ = sink.send(reply("error", "signed_out", "the token this connection was opened with was revoked or expired")).await;
                    continue;
                }
                let now = hub.elapsed();
                let like = matches!(frame, ClientFrame::Like(_));
                let allowed = if like { likes.take(now) } else { comments.take(now) };
                if !allowed || !hub.account_allows(caller.account.id, like) {
                    strikes += 1;
                    if strikes > cfg.strikes {
                        bye(&mut sink, close::POLICY, "rate limit passed again and again").await;
                        break;
                    }
                    let _ = sink.send(reply("error", "rate_limited", "slow down")).await;
                    continue;
                }
                // The show as it is now (it may have been suspended or ended since the connect).
                let now_show = match state.store.get_show(show.id).await {
                    Ok(Some(s)) => s,
                    _ => show.clone(),
                };
                let answer = match frame {
                    ClientFrame::Comment(text) => match crate::api::chat::comment(&state, caller, &now_show, &text).await {
                        // A shown comment comes back through the room like everyone's; a hidden
                        // one reaches its author (and the staff) as `comment_hidden`.
                        Ok(_) => None,
                        Err(e) => Some(reply("error", e.code, e.detail)),
                    },
                    ClientFrame::Like(_) if caller.role() == clearcast_domain::account::Role::Regulator => {
                        Some(reply("error", "regulator_read_only", "regulators read; they do not write"))
                    }
                    ClientFrame::Like(_) if now_show.status != clearcast_domain::show::ShowStatus::Live => {
                        Some(reply("error", "show_not_live", "likes are taken while the show is live"))
                    }
                    ClientFrame::Like(n) => {
                        match state.store.add_likes(show.id, caller.account.id, n, state.clock.now()).await {
                            Ok(_) => {
                                hub.touch(show.id);
                                feed_counts(&state, show.id).await;
                                None
                            }
                            Err(e) => Some(reply("error", "unavailable", e.to_string())),
                        }
                    }
                };
                if let Some(a) = answer {
                    let _ = sink.send(a).await;
                }
            }
            _ = heartbeat.tick() => {
                if last_heard.elapsed() > cfg.idle {
                    bye(&mut sink, close::GOING_AWAY, "idle timeout").await;
                    break;
                }
                if sink.send(Message::Ping(Default::default())).await.is_err() {
                    break;
                }
            }
        }
    }
    leave(&state, &room);
}

/// Whether the token a connection was opened with is still live (a logout revokes it).
async fn signed_in(state: &AppState, token_hash: &str) -> bool {
    let now = state.clock.now();
    if state.caches.sessions.get(token_hash, now).is_some() {
        // The memory directory learns of other servers' logouts within a second.
        return true;
    }
    matches!(state.store.token_session(token_hash, now).await, Ok(Some(_)))
}

fn leave(state: &AppState, room: &Room) {
    room.leave();
    state.live.stats.connections.fetch_sub(1, Ordering::Relaxed);
    state.live.close_if_empty(room.show());
}

//! The feed over HTTP: the live shows ranked, each with its `why`; one show's position explained;
//! the feed and reputation policy in force, and its reload. Viewers and likes, which the feed's
//! engagement component counts, are recorded here too (the live channel will send them later).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use clearcast_domain::account::Role;
use clearcast_domain::feed::index::Placed;
use clearcast_domain::feed::{FeedPolicy, FeedPolicyKind, Why};
use clearcast_domain::ids::{AnchorId, RoomOperatorId, ShowId};
use clearcast_domain::reputation::ReputationPolicy;
use clearcast_domain::show::ShowStatus;
use serde::{Deserialize, Serialize};

use crate::api::entry_by;
use crate::auth::{Caller, MaybeCaller};
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, ApiJson, ApiQuery};
use crate::state::AppState;

/// Most positions one request returns.
pub const MAX_LIMIT: i64 = 100;

/// Feed query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FeedQuery {
    /// `quality_first` (default) or `engagement` (operators only, for comparison).
    pub policy: Option<String>,
    /// Positions, 1-100 (default 50).
    pub limit: Option<i64>,
}

/// One position.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FeedItem {
    /// 1-based.
    pub position: u32,
    /// The show.
    #[schema(value_type = String)]
    pub show_id: ShowId,
    /// Its title.
    pub title: String,
    /// Its room.
    #[schema(value_type = String)]
    pub room_operator_id: RoomOperatorId,
    /// Its anchors.
    #[schema(value_type = Vec<String>)]
    pub anchor_ids: Vec<AnchorId>,
    /// Why it is here.
    pub why: Why,
}

/// The feed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FeedView {
    /// The ranking used.
    pub policy: FeedPolicyKind,
    /// When ranked.
    pub generated_at: DateTime<Utc>,
    /// Live shows ranked.
    pub live_shows: usize,
    /// The positions.
    pub items: Vec<FeedItem>,
}

fn policy_kind(caller: &MaybeCaller, policy: Option<&str>) -> ApiResult<FeedPolicyKind> {
    match policy {
        None | Some("quality_first") => Ok(FeedPolicyKind::QualityFirst),
        Some("engagement") => {
            if caller.0.as_ref().is_some_and(|c| c.role() == Role::Operator) {
                Ok(FeedPolicyKind::Engagement)
            } else {
                Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "policy_restricted",
                    "the engagement ranking is for operators comparing policies; the public feed is quality_first",
                ))
            }
        }
        Some(other) => Err(ApiError::invalid(
            "policy",
            "unknown_value",
            format!("`{other}` is not a feed policy; use quality_first or engagement"),
        )),
    }
}

fn item(state: &AppState, p: Placed) -> Option<FeedItem> {
    let ix = state.quality.index();
    let s = ix.show(p.show)?;
    Some(FeedItem {
        position: p.position,
        show_id: p.show,
        title: s.title.clone(),
        room_operator_id: s.room,
        anchor_ids: s.anchors.clone(),
        why: p.why,
    })
}

/// The live shows, best first, each with why (public).
#[utoipa::path(get, path = "/api/v1/feed", tag = "feed", params(FeedQuery),
    responses((status = 200, body = FeedView), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn feed(
    State(state): State<AppState>,
    caller: MaybeCaller,
    ApiQuery(q): ApiQuery<FeedQuery>,
) -> ApiResult<Json<FeedView>> {
    let kind = policy_kind(&caller, q.policy.as_deref())?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid("limit", "out_of_range", format!("limit is 1-{MAX_LIMIT}; got {limit}")));
    }
    let (placed, live) = {
        let ix = state.quality.index();
        (ix.top(kind, limit as usize), ix.len())
    };
    let items = placed.into_iter().filter_map(|p| item(&state, p)).collect();
    Ok(Json(FeedView { policy: kind, generated_at: state.clock.now(), live_shows: live, items }))
}

/// Explain query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExplainQuery {
    /// The show (`shw_…`).
    pub show: Option<String>,
    /// `quality_first` (default) or `engagement` (operators only).
    pub policy: Option<String>,
}

/// One show's place in the feed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExplainView {
    /// The show.
    #[schema(value_type = String)]
    pub show_id: ShowId,
    /// The ranking used.
    pub policy: FeedPolicyKind,
    /// Whether the show is in the feed (only live shows are).
    pub in_feed: bool,
    /// Its position, when in the feed.
    pub position: Option<u32>,
    /// Live shows ranked.
    pub live_shows: usize,
    /// Why it is there.
    pub why: Option<Why>,
    /// Why it is not in the feed, when it is not.
    pub reason: Option<String>,
}

/// Why one show is where it is in the feed (public).
#[utoipa::path(get, path = "/api/v1/feed/explain", tag = "feed", params(ExplainQuery),
    responses((status = 200, body = ExplainView), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn explain(
    State(state): State<AppState>,
    caller: MaybeCaller,
    ApiQuery(q): ApiQuery<ExplainQuery>,
) -> ApiResult<Json<ExplainView>> {
    let kind = policy_kind(&caller, q.policy.as_deref())?;
    let Some(raw) = q.show else {
        return Err(ApiError::invalid("show", "required", "name the show: ?show=shw_…"));
    };
    let sid: ShowId = parse_id("show", &raw)?;
    let show = state.store.get_show(sid).await?.ok_or_else(|| ApiError::not_found("show"))?;
    let (placed, live) = {
        let ix = state.quality.index();
        (ix.explain(show.id, kind), ix.len())
    };
    let reason = match (&placed, show.status) {
        (Some(_), _) => None,
        (None, ShowStatus::Live) => Some("the show went live a moment ago; it joins the feed shortly".into()),
        (None, s) => Some(format!("the show is {}; the feed ranks live shows only", s.as_str())),
    };
    Ok(Json(ExplainView {
        show_id: show.id,
        policy: kind,
        in_feed: placed.is_some(),
        position: placed.as_ref().map(|p| p.position),
        live_shows: live,
        why: placed.map(|p| p.why),
        reason,
    }))
}

/// The ranking and scoring policy in force.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FeedPolicyView {
    /// The feed.
    pub feed: FeedPolicy,
    /// Reputation scores.
    pub reputation: ReputationPolicy,
    /// The file it was read from (none: the embedded default).
    pub source: Option<String>,
    /// What a reload applies: only these two sections; every other section of the file needs a
    /// restart.
    pub reload_applies: [&'static str; 2],
}

fn policy_view(state: &AppState) -> FeedPolicyView {
    FeedPolicyView {
        feed: state.quality.index().policy().clone(),
        reputation: state.quality.book().policy().clone(),
        source: state.quality.source().map(|p| p.display().to_string()),
        reload_applies: ["feed", "reputation"],
    }
}

/// The feed and reputation policy in force (public: the ranking is open).
#[utoipa::path(get, path = "/api/v1/feed/policy", tag = "feed", responses((status = 200, body = FeedPolicyView)))]
pub async fn policy(State(state): State<AppState>) -> Json<FeedPolicyView> {
    Json(policy_view(&state))
}

/// Re-reads the `[feed]` and `[reputation]` sections of the policy file given at start
/// (operators). A file that does not parse, or has a negative weight, is refused with the
/// reason and the policy in force stays.
#[utoipa::path(post, path = "/api/v1/feed/policy/reload", tag = "feed", security(("bearer" = [])),
    responses((status = 200, body = FeedPolicyView), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn reload(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<FeedPolicyView>> {
    caller.require(&[Role::Operator], "reload the feed policy")?;
    let now = state.clock.now();
    if state.quality.source().is_none() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "no_policy_file",
            "the server runs the embedded default policy; start it with --policy FILE to reload",
        ));
    }
    let path =
        state.quality.reload(now).map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_policy", e))?;
    // Counted likes depend on the cap: recount every live show's audience under the new policy.
    let live = state.quality.index().show_ids();
    for id in live {
        crate::quality::refresh_counters(&state, id).await?;
    }
    let v = policy_view(&state);
    state
        .store
        .audit_append(entry_by(
            &caller,
            now,
            "feed.policy_reloaded",
            "policy",
            serde_json::json!({"source": path.display().to_string(), "feed": v.feed, "reputation": v.reputation}),
        ))
        .await?;
    Ok(Json(v))
}

/// Likes to add.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LikeInput {
    /// 1-100 (a burst of taps sent together).
    pub count: i64,
}

/// A live show's audience as the feed counts it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AudienceView {
    /// The show.
    #[schema(value_type = String)]
    pub show_id: ShowId,
    /// Unique signed-in viewers.
    pub viewers: u64,
    /// Likes that count (each viewer's capped).
    pub likes_counted: u64,
    /// All likes.
    pub likes: u64,
    /// This viewer's likes on the show.
    pub your_likes: u64,
    /// Likes per viewer that count.
    pub likes_cap_per_viewer: u32,
}

async fn live_show_for(state: &AppState, caller: &Caller, id: &str) -> ApiResult<ShowId> {
    caller.require(&[Role::Consumer], "watch and like shows")?;
    let sid: ShowId = parse_id("id", id)?;
    let show = state.store.get_show(sid).await?.ok_or_else(|| ApiError::not_found("show"))?;
    if show.status != ShowStatus::Live {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "show_not_live",
            format!("the show is {}; viewers and likes count while it is live", show.status.as_str()),
        ));
    }
    Ok(sid)
}

async fn audience(state: &AppState, show: ShowId, yours: u64) -> ApiResult<AudienceView> {
    if state.quality.index().contains(show) {
        crate::quality::refresh_counters(state, show).await?;
    } else {
        crate::quality::on_show(state, show).await;
    }
    let cap = state.quality.index().policy().likes_cap_per_viewer;
    let c = state.quality.index().counters(show).unwrap_or_default();
    Ok(AudienceView {
        show_id: show,
        viewers: c.viewers,
        likes_counted: c.likes_capped,
        likes: c.likes_raw,
        your_likes: yours,
        likes_cap_per_viewer: cap,
    })
}

/// Watch a live show: counts the signed-in consumer once as a viewer.
#[utoipa::path(post, path = "/api/v1/shows/{id}/views", tag = "feed", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = AudienceView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem)))]
pub async fn view(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<AudienceView>> {
    let show = live_show_for(&state, &caller, &id).await?;
    state.store.record_view(show, caller.account.id, state.clock.now()).await?;
    let yours = state.store.add_likes(show, caller.account.id, 0, state.clock.now()).await?;
    Ok(Json(audience(&state, show, yours).await?))
}

/// Like a live show (signed-in consumers; each viewer's likes count up to the policy's cap).
#[utoipa::path(post, path = "/api/v1/shows/{id}/likes", tag = "feed", params(("id" = String, Path)), request_body = LikeInput,
    security(("bearer" = [])),
    responses((status = 200, body = AudienceView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn like(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<LikeInput>,
) -> ApiResult<Json<AudienceView>> {
    if !(1..=100).contains(&input.count) {
        return Err(ApiError::invalid("count", "out_of_range", "count is 1-100"));
    }
    let show = live_show_for(&state, &caller, &id).await?;
    let n = u32::try_from(input.count).unwrap_or(1);
    let yours = state.store.add_likes(show, caller.account.id, n, state.clock.now()).await?;
    Ok(Json(audience(&state, show, yours).await?))
}

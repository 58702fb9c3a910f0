//! The audit trail for staff and regulators: list it, and verify its hash chain.

use axum::extract::State;
use axum::Json;
use clearcast_domain::account::Role;
use clearcast_domain::audit::ChainedEntry;
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use axum::http::StatusCode;

use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;
use crate::state::AppState;
use crate::views::List;

/// Paging through the trail by sequence number.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Entries after this sequence number (the previous page's `next_cursor`).
    pub cursor: Option<i64>,
    /// Page size, 1-1000 (default 100).
    pub limit: Option<u32>,
}

/// Audit entries, oldest first (operators and regulators).
#[utoipa::path(get, path = "/api/v1/audit", tag = "regulator", params(AuditQuery), security(("bearer" = [])),
    responses((status = 200, body = List<ChainedEntry>), (status = 403, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<List<ChainedEntry>>> {
    caller.require(&[Role::Operator, Role::Regulator], "read the audit trail")?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", "limit must be 1-1000").field(
            "limit",
            "out_of_range",
            "limit must be 1-1000",
        ));
    }
    if q.cursor.is_some_and(|c| c < 0) {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", "cursor must not be negative").field(
            "cursor",
            "out_of_range",
            "cursor must not be negative",
        ));
    }
    let items = state.store.audit_list(q.cursor.unwrap_or(0), limit).await?;
    let next_cursor = (items.len() as u32 == limit).then(|| items.last().map(|e| e.seq.to_string())).flatten();
    Ok(Json(List { items, next_cursor }))
}

/// Result of recomputing every chain.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChainCheck {
    /// True when every stream's hashes and links hold and every anchored head matches.
    pub ok: bool,
    /// Streams checked (the platform stream and one per show).
    pub streams: i64,
    /// Records checked over all streams.
    pub entries: i64,
    /// The stream holding the first broken link, if any.
    pub first_bad_stream: Option<String>,
    /// The first record that does not hold, if any.
    pub first_bad_seq: Option<i64>,
    /// Why it does not hold.
    pub problem: Option<String>,
    /// Hash of the last platform record: publish it to pin the whole trail.
    pub head_hash: Option<String>,
}

/// Every record of a stream after its archive checkpoint.
pub async fn whole_stream(
    state: &AppState,
    stream: &str,
    after: i64,
) -> ApiResult<Vec<clearcast_domain::audit::ChainedEntry>> {
    let mut all = Vec::new();
    let mut after = after;
    loop {
        let batch = state.store.record_list(stream, after, 10_000).await?;
        let Some(last) = batch.last() else { break };
        after = last.seq;
        all.extend(batch);
    }
    Ok(all)
}

/// The first record of a stream that the store cannot decode.
async fn first_unreadable(state: &AppState, stream: &str, after: i64) -> ApiResult<i64> {
    let mut seq = after;
    loop {
        match state.store.record_list(stream, seq, 1).await {
            Ok(batch) => match batch.last() {
                Some(r) => seq = r.seq,
                None => return Ok(seq + 1),
            },
            Err(clearcast_store::StoreError::Corrupt(_)) => return Ok(seq + 1),
            Err(e) => return Err(e.into()),
        }
    }
}

/// Recomputes every stream's chain from its checkpoint, checks each stream ends at its recorded
/// head, and checks that every show head anchored in the platform stream is still in its chain.
pub async fn check_all(state: &AppState) -> ApiResult<ChainCheck> {
    let heads = state.store.record_streams().await?;
    let mut entries = 0i64;
    let mut head_hash = None;
    let mut bad: Option<(String, i64, String)> = None;
    let mut chains = std::collections::HashMap::new();
    for h in &heads {
        let (after_seq, after_hash) = h.checkpoint.clone().unwrap_or((0, clearcast_domain::audit::GENESIS.to_string()));
        let recs = match whole_stream(state, &h.stream, after_seq).await {
            Ok(r) => r,
            Err(e) if e.code == "internal" => {
                // A record that cannot even be read back was altered; find which.
                let seq = first_unreadable(state, &h.stream, after_seq).await?;
                if bad.is_none() {
                    bad = Some((h.stream.clone(), seq, "the record cannot be read back: it was altered".into()));
                }
                Vec::new()
            }
            Err(e) => return Err(e),
        };
        entries += recs.len() as i64;
        if bad.is_none() {
            if let Err(seq) = clearcast_domain::audit::verify_chain_from(after_seq, &after_hash, &recs) {
                bad = Some((h.stream.clone(), seq, "hash or link does not match the record's content".into()));
            } else if recs.last().map(|r| (r.seq, r.hash.as_str())) != Some((h.seq, h.hash.as_str()))
                && !(recs.is_empty() && h.seq == after_seq)
            {
                bad = Some((
                    h.stream.clone(),
                    recs.last().map(|r| r.seq + 1).unwrap_or(after_seq + 1),
                    "records are missing after this point (head does not match)".into(),
                ));
            }
        }
        if h.stream == clearcast_store::PLATFORM_STREAM {
            head_hash = recs.last().map(|r| r.hash.clone());
        }
        chains.insert(h.stream.clone(), (after_seq, recs));
    }
    // Every checkpoint must be one an archive run put on record in the platform chain.
    if bad.is_none() {
        let platform = chains.get(clearcast_store::PLATFORM_STREAM).map(|c| c.1.as_slice()).unwrap_or(&[]);
        for h in &heads {
            if let Some((through, hash)) = &h.checkpoint {
                let recorded = platform.iter().any(|r| {
                    r.entry.action == "records.archived"
                        && r.entry.detail["stream"].as_str() == Some(h.stream.as_str())
                        && r.entry.detail["through_seq"].as_i64() == Some(*through)
                        && r.entry.detail["hash"].as_str() == Some(hash.as_str())
                });
                if !recorded {
                    bad = Some((
                        h.stream.clone(),
                        *through,
                        "an archive checkpoint that no archive run put on record".into(),
                    ));
                    break;
                }
            }
        }
    }
    // Every show has a record stream (its first record is written with the show).
    if bad.is_none() {
        let mut page = clearcast_store::PageRequest { after: None, limit: 200 };
        'shows: loop {
            let p = state.store.list_shows(&clearcast_store::ShowFilter::default(), &page).await?;
            for s in &p.items {
                if !chains.contains_key(&s.id.to_string()) {
                    bad = Some((s.id.to_string(), 1, "a show whose records are missing".into()));
                    break 'shows;
                }
            }
            match p.next_cursor {
                Some(c) => page.after = Some(c),
                None => break,
            }
        }
    }
    if bad.is_none() {
        if let Some((_, platform)) = chains.get(clearcast_store::PLATFORM_STREAM) {
            for r in platform.iter().filter(|r| r.entry.action == "records.anchor") {
                let stream = r.entry.detail["stream"].as_str().unwrap_or_default();
                let seq = r.entry.detail["seq"].as_i64().unwrap_or(0);
                let hash = r.entry.detail["hash"].as_str().unwrap_or_default();
                let Some((archived_through, recs)) = chains.get(stream) else {
                    bad = Some((stream.to_string(), seq, "an anchored stream is missing".into()));
                    break;
                };
                if seq <= *archived_through {
                    continue;
                }
                if !recs.iter().any(|x| x.seq == seq && x.hash == hash) {
                    bad =
                        Some((stream.to_string(), seq, "the record anchored in the platform chain has changed".into()));
                    break;
                }
            }
        }
    }
    Ok(ChainCheck {
        ok: bad.is_none(),
        streams: heads.len() as i64,
        entries,
        first_bad_stream: bad.as_ref().map(|b| b.0.clone()),
        first_bad_seq: bad.as_ref().map(|b| b.1),
        problem: bad.map(|b| b.2),
        head_hash,
    })
}

/// Recompute every record chain (operators and regulators): each stream from its checkpoint, and
/// the show heads anchored in the platform chain. Names the first broken record.
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "regulator", security(("bearer" = [])),
    responses((status = 200, body = ChainCheck), (status = 403, body = crate::error::Problem)))]
pub async fn verify(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<ChainCheck>> {
    caller.require(&[Role::Operator, Role::Regulator], "verify the audit trail")?;
    Ok(Json(check_all(&state).await?))
}

/// Which records to read.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RecordQuery {
    /// A show id (`shw_…`); without it (and without `subject`), the platform stream (staff only).
    pub show: Option<String>,
    /// An anchor (`anc_…`) or room operator (`rop_…`): the stream of its measures and appeals
    /// (staff and the subject itself).
    pub subject: Option<String>,
    /// Records after this sequence number.
    pub cursor: Option<i64>,
    /// Page size, 1-1000 (default 100).
    pub limit: Option<u32>,
}

/// Governance records of a show (operators, regulators and the show's own room operator) or of
/// the platform (staff). Append-only and hash-chained.
#[utoipa::path(get, path = "/api/v1/records", tag = "regulator", params(RecordQuery), security(("bearer" = [])),
    responses((status = 200, body = List<ChainedEntry>), (status = 403, body = crate::error::Problem)))]
pub async fn records(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<RecordQuery>,
) -> ApiResult<Json<List<ChainedEntry>>> {
    let stream = match (q.show.as_deref(), q.subject.as_deref()) {
        (Some(_), Some(_)) => {
            return Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", "give `show` or `subject`, not both")
                .field("subject", "conflict", "give `show` or `subject`, not both"));
        }
        (None, Some(s)) => {
            let subject = crate::api::penalties::parse_subject("subject", s)?;
            if !caller.is_staff() && !crate::api::penalties::owns(&state, &caller, subject).await? {
                return Err(ApiError::forbidden("only staff and the subject itself read a subject's records"));
            }
            subject.to_string()
        }
        (Some(s), None) => {
            let show = crate::api::shows::load(&state, s).await.map_err(|mut e| {
                if e.errors.is_empty() {
                    e = e.field("show", "unknown_show", "no such show");
                } else {
                    e.errors[0].field = "show".into();
                }
                e
            })?;
            if !caller.is_staff() {
                let room =
                    state.store.get_party(clearcast_domain::party::PartyId::RoomOperator(show.room_operator)).await?;
                if room.and_then(|r| r.owner) != Some(caller.account.id) {
                    return Err(ApiError::forbidden("only staff and the show's room operator read its records"));
                }
            }
            show.id.to_string()
        }
        (None, None) => {
            caller.require(&[Role::Operator, Role::Regulator], "read platform records")?;
            clearcast_store::PLATFORM_STREAM.to_string()
        }
    };
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", "limit must be 1-1000").field(
            "limit",
            "out_of_range",
            "limit must be 1-1000",
        ));
    }
    let items = state.store.record_list(&stream, q.cursor.unwrap_or(0).max(0), limit).await?;
    let next_cursor = (items.len() as u32 == limit).then(|| items.last().map(|e| e.seq.to_string())).flatten();
    Ok(Json(List { items, next_cursor }))
}

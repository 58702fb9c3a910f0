//! `clearcast records archive --before DATE`: moves governance records past their retention
//! (Order 117 Art. 16: three years from the show's end or the record) out of the database into a
//! JSON-lines file, leaving a checkpoint hash per stream so what remains still verifies.
//!
//! Nothing else ever deletes a record, and nothing is archived automatically. A show's stream
//! goes as a whole, once the show has ended and its retention has passed; the platform stream
//! goes record by record from its start, stopping at the first record still retained.

use std::io::Write;
use std::path::Path;

use chrono::NaiveDate;
use clearcast_domain::audit::ChainedEntry;
use clearcast_domain::ids::ShowId;
use clearcast_domain::records::archivable;
use clearcast_store::PLATFORM_STREAM;
use serde::Serialize;

use crate::api::audit::whole_stream;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// What an archive run did.
#[derive(Debug, Serialize)]
pub struct ArchiveReport {
    /// Streams that lost records to the archive.
    pub streams: usize,
    /// Records moved.
    pub records: usize,
    /// The file written (none when nothing was due).
    pub file: Option<String>,
}

#[derive(Serialize)]
struct Line<'a> {
    stream: &'a str,
    #[serde(flatten)]
    record: &'a ChainedEntry,
}

/// Archives every record whose retention ended before `before` into `out` (which must not exist).
pub async fn archive(state: &AppState, before: NaiveDate, out: &Path) -> ApiResult<ArchiveReport> {
    let now = state.clock.now();
    if before > clearcast_domain::dates::china_date(now) {
        return Err(ApiError::invalid("before", "in_future", "the cut-off may not lie in the future"));
    }
    let years = state.policy.retention_years;
    let mut plan: Vec<(String, Vec<ChainedEntry>)> = Vec::new();
    for head in state.store.record_streams().await? {
        let after = head.checkpoint.as_ref().map(|c| c.0).unwrap_or(0);
        let recs = whole_stream(state, &head.stream, after).await?;
        let due: Vec<ChainedEntry> = if head.stream == PLATFORM_STREAM {
            recs.into_iter().take_while(|r| archivable(r.entry.at, years, before, now)).collect()
        } else {
            let show = match head.stream.parse::<ShowId>() {
                Ok(id) => state.store.get_show(id).await?,
                Err(_) => None,
            };
            match show.and_then(|s| s.ended_at) {
                Some(ended) if archivable(ended, years, before, now) => recs,
                _ => Vec::new(),
            }
        };
        if !due.is_empty() {
            plan.push((head.stream, due));
        }
    }
    if plan.is_empty() {
        return Ok(ArchiveReport { streams: 0, records: 0, file: None });
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(out)
        .map_err(|e| ApiError::invalid("out", "cannot_write", format!("{}: {e}", out.display())))?;
    let mut records = 0;
    for (stream, recs) in &plan {
        for r in recs {
            let line = serde_json::to_string(&Line { stream, record: r }).map_err(ApiError::internal)?;
            writeln!(f, "{line}").map_err(ApiError::internal)?;
            records += 1;
        }
    }
    // The file must be on disk before anything leaves the database.
    f.sync_all().map_err(ApiError::internal)?;
    let file = out.display().to_string();
    for (stream, recs) in &plan {
        if let Some(last) = recs.last() {
            state.store.archive_records(stream, last.seq, now, &file).await?;
            // The checkpoint itself goes on record in the platform chain (after the archived part),
            // so a checkpoint row nobody archived is caught by verification.
            let entry = clearcast_domain::audit::AuditEntry {
                at: now,
                actor: clearcast_domain::ids::AccountId::from_uuid(uuid::Uuid::nil()),
                action: "records.archived".into(),
                subject: stream.clone(),
                detail: serde_json::json!({"stream": stream, "through_seq": last.seq, "hash": last.hash, "file": file, "before": before, "retention_years": years}),
            };
            state.store.record_append(PLATFORM_STREAM, entry).await?;
        }
    }
    Ok(ArchiveReport { streams: plan.len(), records, file: Some(file) })
}

//! The audit trail: every operator action, append-only and hash-chained (DESIGN invariants 5, 8).
//!
//! Each entry's hash covers the previous entry's hash, its sequence number and its canonical JSON,
//! so changing, removing or reordering any entry breaks every hash after it. [`verify_chain`]
//! recomputes the chain; the store only appends.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::ids::AccountId;

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One action to record.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// The acting account.
    pub actor: AccountId,
    /// What was done, e.g. `party.verify`.
    pub action: String,
    /// The id acted upon.
    pub subject: String,
    /// The decision's facts (ids, dates, decision, note — never personal data).
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

/// A stored entry with its place in the chain.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ChainedEntry {
    /// 1-based position.
    pub seq: i64,
    /// The entry.
    #[serde(flatten)]
    pub entry: AuditEntry,
    /// Hash of the previous entry.
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
}

/// The canonical JSON an entry is hashed over.
pub fn canonical(entry: &AuditEntry) -> String {
    // Serialising plain data to a String cannot fail; serde_json::Value keeps map keys sorted.
    serde_json::to_string(&serde_json::json!({
        "at": entry.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "actor": entry.actor.to_string(),
        "action": entry.action,
        "subject": entry.subject,
        "detail": entry.detail,
    }))
    .unwrap_or_default()
}

/// The hash of an entry at `seq` following `prev_hash`.
pub fn chain_hash(prev_hash: &str, seq: i64, entry: &AuditEntry) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(seq.to_be_bytes());
    h.update(canonical(entry).as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Appends `entry` after `prev` (the last entry, if any).
pub fn link(prev: Option<(i64, &str)>, entry: AuditEntry) -> ChainedEntry {
    let (seq, prev_hash) = match prev {
        Some((s, h)) => (s + 1, h.to_string()),
        None => (1, GENESIS.to_string()),
    };
    let hash = chain_hash(&prev_hash, seq, &entry);
    ChainedEntry { seq, entry, prev_hash, hash }
}

/// The first entry whose hash or link does not hold, if any.
pub fn verify_chain(entries: &[ChainedEntry]) -> Result<(), i64> {
    verify_chain_from(0, GENESIS, entries)
}

/// Like [`verify_chain`] for a chain whose entries up to `after_seq` were archived, leaving the
/// checkpoint hash `after_hash`.
pub fn verify_chain_from(after_seq: i64, after_hash: &str, entries: &[ChainedEntry]) -> Result<(), i64> {
    let mut prev = after_hash.to_string();
    for (i, e) in entries.iter().enumerate() {
        if e.seq != after_seq + i as i64 + 1 || e.prev_hash != prev || chain_hash(&prev, e.seq, &e.entry) != e.hash {
            return Err(e.seq);
        }
        prev = e.hash.clone();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn entry(n: u32) -> AuditEntry {
        AuditEntry {
            at: Utc.with_ymd_and_hms(2026, 5, 1, 8, 0, n).unwrap(),
            actor: AccountId::generate(),
            action: "party.verify".into(),
            subject: format!("mer_{n}"),
            detail: serde_json::json!({"decision": "approve"}),
        }
    }

    #[test]
    fn a_chain_verifies_and_tampering_is_found() {
        let a = link(None, entry(1));
        let b = link(Some((a.seq, &a.hash)), entry(2));
        let c = link(Some((b.seq, &b.hash)), entry(3));
        let mut chain = vec![a, b, c];
        assert_eq!(verify_chain(&chain), Ok(()));
        chain[1].entry.detail = serde_json::json!({"decision": "reject"});
        assert_eq!(verify_chain(&chain), Err(2));
        chain.remove(1);
        assert!(verify_chain(&chain).is_err());
    }
}

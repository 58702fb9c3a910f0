//! The store's error: what callers must tell apart (absent, conflicting, database away) and
//! everything else. Database details stay in logs, never in answers.

/// Why a store call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record does not exist.
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was hit.
    #[error("{message}")]
    Conflict {
        /// Stable code, e.g. `duplicate_identity`.
        code: &'static str,
        /// What conflicts.
        message: String,
    },
    /// The database could not be reached in time; the request may be retried.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A stored value could not be read back (a bug or tampering).
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    /// The ID-number key differs from the one the database was written with.
    #[error("CLEARCAST_ID_KEY does not match the key this database was written with; start with the original key (a new key would silently defeat duplicate-identity and blacklist checks)")]
    KeyMismatch,
    /// Anything else from the database.
    #[error("database error: {0}")]
    Database(String),
}

impl StoreError {
    pub(crate) fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        StoreError::Conflict { code, message: message.into() }
    }

    pub(crate) fn corrupt(what: impl std::fmt::Display) -> Self {
        StoreError::Corrupt(what.to_string())
    }
}

/// Maps a unique violation to the conflict it means, by the column named in the constraint (both
/// PostgreSQL's constraint names and SQLite's messages name the columns). Used where a racing
/// writer on PostgreSQL can pass the pre-check and lose at the constraint.
pub(crate) fn unique_as(e: sqlx::Error, rules: &[(&str, &'static str, &str)]) -> StoreError {
    if let sqlx::Error::Database(d) = &e {
        if d.is_unique_violation() {
            let name = format!("{} {}", d.constraint().unwrap_or(""), d.message());
            if let Some((_, code, msg)) = rules.iter().find(|(col, _, _)| name.contains(col)) {
                return StoreError::conflict(code, *msg);
            }
        }
    }
    e.into()
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => {
                StoreError::Unavailable(e.to_string())
            }
            // PostgreSQL: admin shutdown, crash shutdown, cannot connect now, too many connections.
            sqlx::Error::Database(ref d)
                if matches!(
                    d.code().as_deref(),
                    Some("57P01" | "57P02" | "57P03" | "53300" | "55000" | "08006" | "08001" | "08004")
                ) =>
            {
                StoreError::Unavailable(e.to_string())
            }
            sqlx::Error::Database(ref d) if d.is_unique_violation() => {
                StoreError::conflict("conflict", "a record with these values already exists")
            }
            sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) | sqlx::Error::ColumnNotFound(_) => {
                StoreError::Corrupt(e.to_string())
            }
            other => StoreError::Database(other.to_string()),
        }
    }
}

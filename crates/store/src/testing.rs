//! Helpers for tests of this crate and the ones above it: fresh, isolated databases.

use crate::crypto::FieldCipher;
use crate::{PgStore, SqliteStore, StoreError};

/// Environment variable naming the PostgreSQL server for tests.
pub const PG_URL_VAR: &str = "CLEARCAST_TEST_PG_URL";
/// When set to 1, a missing service fails tests instead of skipping them.
pub const REQUIRE_VAR: &str = "CLEARCAST_REQUIRE_SERVICES";

/// A fixed key for tests.
pub fn test_cipher() -> FieldCipher {
    FieldCipher::new(&[42u8; 32])
}

/// A SQLite store in a fresh temporary directory (kept alive by the returned guard).
pub async fn fresh_sqlite() -> Result<(SqliteStore, TempDir), StoreError> {
    let dir = TempDir::new()?;
    let store = SqliteStore::open(&dir.path.join("test.db"), test_cipher()).await?;
    Ok((store, dir))
}

/// A PostgreSQL store in a freshly created, uniquely named database on the server at
/// `CLEARCAST_TEST_PG_URL`. `Ok(None)` (after saying so on stderr) when the variable is unset,
/// unless `CLEARCAST_REQUIRE_SERVICES=1`, which makes that a panic.
pub async fn fresh_postgres() -> Result<Option<(PgStore, String)>, StoreError> {
    let Some(base) = pg_url() else { return Ok(None) };
    let url = create_database(&base, "clearcast_test").await?;
    let store = PgStore::connect(&url, test_cipher()).await?;
    Ok(Some((store, url)))
}

/// Creates a fresh database named `<prefix>_<random>` on the server of `base` and returns its URL.
pub async fn create_database(base: &str, prefix: &str) -> Result<String, StoreError> {
    let name = format!("{prefix}_{}", uuid_simple());
    let mut admin: sqlx::PgConnection = sqlx::Connection::connect(base).await?;
    sqlx::Executor::execute(&mut admin, format!("CREATE DATABASE {name}").as_str()).await?;
    Ok(with_database(base, &name))
}

/// The PostgreSQL URL for tests, or `None` with a note (a panic under `CLEARCAST_REQUIRE_SERVICES=1`).
pub fn pg_url() -> Option<String> {
    match std::env::var(PG_URL_VAR) {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            if std::env::var(REQUIRE_VAR).as_deref() == Ok("1") {
                panic!("{REQUIRE_VAR}=1 but {PG_URL_VAR} is not set: PostgreSQL tests cannot be skipped");
            }
            eprintln!("note: {PG_URL_VAR} is not set; skipping the PostgreSQL variant of this test");
            None
        }
    }
}

/// The NATS server for tests (`CLEARCAST_TEST_NATS_URL`), or `None` (a failure under
/// `CLEARCAST_REQUIRE_SERVICES=1`).
pub fn nats_url() -> Option<String> {
    match std::env::var("CLEARCAST_TEST_NATS_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            if std::env::var(REQUIRE_VAR).as_deref() == Ok("1") {
                panic!("{REQUIRE_VAR}=1 but CLEARCAST_TEST_NATS_URL is not set: NATS tests cannot be skipped");
            }
            eprintln!("note: CLEARCAST_TEST_NATS_URL is not set; skipping this NATS test");
            None
        }
    }
}

/// Replaces the database name in a PostgreSQL URL.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let after_scheme = base.find("://").map(|i| i + 3).unwrap_or(0);
    let root = match base[after_scheme..].find('/') {
        Some(i) => &base[..after_scheme + i],
        None => base,
    };
    format!("{root}/{db}{query}")
}

fn uuid_simple() -> String {
    let mut b = [0u8; 8];
    rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A temporary directory removed on drop.
pub struct TempDir {
    /// Its path.
    pub path: std::path::PathBuf,
}

impl TempDir {
    /// Creates a fresh directory under the system temp dir.
    pub fn new() -> Result<Self, StoreError> {
        let path = std::env::temp_dir().join(format!("clearcast-test-{}", uuid_simple()));
        std::fs::create_dir_all(&path).map_err(|e| StoreError::Database(e.to_string()))?;
        Ok(Self { path })
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_database_name() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(with_database("postgres://u:p@h/test?sslmode=disable", "x"), "postgres://u:p@h/x?sslmode=disable");
        assert_eq!(with_database("postgres://h:5432", "x"), "postgres://h:5432/x");
        assert_eq!(crate::postgres::redact_url("postgres://u:secret@h/db"), "postgres://u:***@h/db");
    }
}

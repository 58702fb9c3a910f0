//! The SQLite backend: the default, embedded in one file.
//!
//! WAL journal, `synchronous=FULL` (an acknowledged write survives power loss), foreign keys on,
//! one writer connection whose transactions start with `BEGIN IMMEDIATE` (so a write never fails
//! half-way on a lock upgrade) and a small pool of read-only connections.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

use crate::crypto::FieldCipher;
use crate::sqlite_checkout::SqliteCheckout;

/// The SQLite store.
pub struct SqliteStore {
    writer: SqlitePool,
    readers: SqlitePool,
    cipher: FieldCipher,
    /// The checkout's own writer thread (none for an in-memory database, which a second
    /// connection could not see).
    checkout: Option<SqliteCheckout>,
}

impl SqliteStore {
    /// Statements that let the archive delete records inside its transaction, and restore the guard.
    const ALLOW_DELETE: &'static [&'static str] = &["DROP TRIGGER records_no_delete"];
    const FORBID_DELETE: &'static [&'static str] = &["CREATE TRIGGER records_no_delete BEFORE DELETE ON records BEGIN SELECT RAISE(ABORT, 'records are append-only'); END"];
    const BACKEND: &'static str = "sqlite";

    /// Opens (creating if needed) the database file at `path` and runs the migrations.
    pub async fn open(path: &Path, cipher: FieldCipher) -> Result<Self, crate::StoreError> {
        let url = format!("sqlite://{}", path.display());
        Self::connect(&url, cipher).await
    }

    /// Opens a `sqlite://` URL and runs the migrations.
    pub async fn connect(url: &str, cipher: FieldCipher) -> Result<Self, crate::StoreError> {
        let base = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            // 64 MiB of page cache per connection (SQLite's default is 2 MiB): the ledger's and
            // the orders' indexes take writes at random places, and a cache miss is a syscall.
            .pragma("cache_size", "-65536")
            .busy_timeout(Duration::from_secs(5));
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            // A local file connection does not go stale; pinging it before every transaction
            // would cost the checkout a thread hop per batch.
            .test_before_acquire(false)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(base.clone())
            .await?;
        sqlx::migrate!("migrations/sqlite")
            .run(&writer)
            .await
            .map_err(|e| crate::StoreError::Database(e.to_string()))?;
        let readers = SqlitePoolOptions::new()
            .max_connections(4)
            .test_before_acquire(false)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(base.clone().read_only(true))
            .await?;
        let file = base.get_filename();
        let checkout = if file.as_os_str().is_empty() || file.as_os_str() == ":memory:" {
            None
        } else {
            Some(SqliteCheckout::open(file)?)
        };
        let store = Self { writer, readers, cipher, checkout };
        store.check_key().await?;
        Ok(store)
    }

    /// A checkout batch: on the checkout's writer thread, or over sqlx without one.
    async fn place_batch(&self, batch: &[crate::PlaceRequest]) -> crate::StoreResult<Vec<crate::PlaceOutcome>> {
        match &self.checkout {
            Some(c) => c.place(batch).await,
            None => self.place_orders_sql(batch).await,
        }
    }

    /// A checkout batch queued on the writer thread (it commits batches one after another).
    fn submit_batch(&self, batch: Vec<crate::PlaceRequest>) -> Result<crate::CheckoutTicket, Vec<crate::PlaceRequest>> {
        match &self.checkout {
            Some(c) => Ok(c.submit(batch)),
            None => Err(batch),
        }
    }

    fn reader(&self) -> &SqlitePool {
        &self.readers
    }

    async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.writer.begin_with("BEGIN IMMEDIATE").await
    }
}

crate::sql::impl_store!(SqliteStore, sqlx::Sqlite, "");
crate::sql_shows::impl_show_store!(SqliteStore, sqlx::Sqlite);
crate::sql_supervision::impl_supervision_store!(SqliteStore, sqlx::Sqlite, "");
crate::sql_orders::impl_order_store!(SqliteStore, sqlx::Sqlite, "");
crate::sql_quality::impl_quality_store!(SqliteStore);
crate::sql_complaints::impl_complaint_store!(SqliteStore);
crate::sql_live::impl_live_store!(SqliteStore);
crate::sql_ledger::impl_ledger_store!(SqliteStore, "", "json_each($1)", "json_each($1)", "value ->> 8");

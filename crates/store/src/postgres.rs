//! The PostgreSQL backend, for platforms that outgrow one machine (and Postgres-compatible
//! distributed SQL). Same queries as SQLite; audit appends lock the chain head row.

use std::time::Duration;

use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;

use crate::crypto::FieldCipher;

/// The PostgreSQL store.
pub struct PgStore {
    pool: PgPool,
    cipher: FieldCipher,
}

impl PgStore {
    /// Statements that let the archive delete records inside its transaction, and restore the guard.
    const ALLOW_DELETE: &'static [&'static str] = &["ALTER TABLE records DISABLE TRIGGER records_no_change"];
    const FORBID_DELETE: &'static [&'static str] = &["ALTER TABLE records ENABLE TRIGGER records_no_change"];
    const BACKEND: &'static str = "postgres";

    /// Connects to a `postgres://` URL and runs the migrations.
    pub async fn connect(url: &str, cipher: FieldCipher) -> Result<Self, crate::StoreError> {
        let pool =
            PgPoolOptions::new().max_connections(16).acquire_timeout(Duration::from_secs(5)).connect(url).await?;
        sqlx::migrate!("migrations/postgres")
            .run(&pool)
            .await
            .map_err(|e| crate::StoreError::Database(e.to_string()))?;
        let store = Self { pool, cipher };
        store.check_key().await?;
        Ok(store)
    }

    /// A checkout batch: its statements over the pool (the variant rows locked `FOR UPDATE`).
    async fn place_batch(&self, batch: &[crate::PlaceRequest]) -> crate::StoreResult<Vec<crate::PlaceOutcome>> {
        self.place_orders_sql(batch).await
    }

    /// Batches here are plain transactions that may run side by side, so there is no queue to
    /// submit to.
    fn submit_batch(&self, batch: Vec<crate::PlaceRequest>) -> Result<crate::CheckoutTicket, Vec<crate::PlaceRequest>> {
        Err(batch)
    }

    fn reader(&self) -> &PgPool {
        &self.pool
    }

    async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.pool.begin().await
    }
}

crate::sql::impl_store!(PgStore, sqlx::Postgres, " FOR UPDATE");
crate::sql_shows::impl_show_store!(PgStore, sqlx::Postgres);
crate::sql_supervision::impl_supervision_store!(PgStore, sqlx::Postgres, " FOR UPDATE");
crate::sql_orders::impl_order_store!(PgStore, sqlx::Postgres, " FOR UPDATE");
crate::sql_quality::impl_quality_store!(PgStore);
crate::sql_complaints::impl_complaint_store!(PgStore);
crate::sql_live::impl_live_store!(PgStore);
crate::sql_ledger::impl_ledger_store!(
    PgStore,
    " FOR UPDATE",
    "jsonb_array_elements_text($1::jsonb)",
    "jsonb_array_elements($1::jsonb)",
    "CAST(value ->> 8 AS TIMESTAMPTZ)"
);

/// Hides the password of a database URL for logs.
pub fn redact_url(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((userinfo, host)) => match userinfo.split_once(':') {
                Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
                None => format!("{scheme}://{userinfo}@{host}"),
            },
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

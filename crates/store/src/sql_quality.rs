//! The SQL of reputation and feed inputs, shared by both backends like `sql.rs` (and expanded in
//! the same module, so it uses that file's helpers).

/// Instantiates [`crate::QualityStore`] for a backend.
macro_rules! impl_quality_store {
    ($ty:ty) => {
        #[async_trait]
        impl crate::QualityStore for $ty {
            async fn shipped_orders(
                &self,
                after: Option<OrderId>,
                limit: u32,
            ) -> StoreResult<Vec<clearcast_domain::order::Order>> {
                let rows = sqlx::query(
                    "SELECT doc FROM orders WHERE status IN ('shipped', 'delivered', 'completed', 'refunded') \
                     AND id > $1 ORDER BY id LIMIT $2",
                )
                .bind(after.map(|a| a.to_string()).unwrap_or_default())
                .bind(i64::from(limit.clamp(1, 10_000)))
                .fetch_all(self.reader())
                .await?;
                rows.iter().map(|r| json(&r.try_get::<String, _>("doc")?)).collect()
            }

            async fn initial_reviews(
                &self,
                after: i64,
                limit: u32,
            ) -> StoreResult<Vec<(i64, clearcast_domain::review::ReviewEntry)>> {
                let rows = sqlx::query(
                    "SELECT id, doc FROM review_entries WHERE kind = 'initial' AND id > $1 ORDER BY id LIMIT $2",
                )
                .bind(after)
                .bind(i64::from(limit.clamp(1, 10_000)))
                .fetch_all(self.reader())
                .await?;
                rows.iter().map(|r| Ok((r.try_get::<i64, _>("id")?, json(&r.try_get::<String, _>("doc")?)?))).collect()
            }

            async fn confirmed_violations_since(
                &self,
                since: DateTime<Utc>,
            ) -> StoreResult<Vec<clearcast_domain::violation::Violation>> {
                let rows = sqlx::query("SELECT doc FROM violations WHERE status = 'confirmed' ORDER BY id")
                    .fetch_all(self.reader())
                    .await?;
                let all: Vec<clearcast_domain::violation::Violation> =
                    rows.iter().map(|r| json(&r.try_get::<String, _>("doc")?)).collect::<StoreResult<_>>()?;
                // Compared here: SQLite keeps instants as text.
                Ok(all.into_iter().filter(|v| v.created_at >= since).collect())
            }

            async fn reviewed_inspections(&self) -> StoreResult<Vec<Inspection>> {
                let rows =
                    sqlx::query(&format!("SELECT {INSP_COLS} FROM inspections WHERE review IS NOT NULL ORDER BY id"))
                        .fetch_all(self.reader())
                        .await?;
                rows.iter().map(inspection_from).collect()
            }

            async fn show_net_sold(&self, show: ShowId) -> StoreResult<u64> {
                let n: i64 = sqlx::query_scalar(
                    "SELECT COUNT(DISTINCT consumer_id) FROM orders WHERE show_id = $1 AND status IN ('paid', 'shipped', 'delivered', 'completed')",
                )
                .bind(show.to_string())
                .fetch_one(self.reader())
                .await?;
                Ok(u64::try_from(n).unwrap_or(0))
            }

            async fn record_view(&self, show: ShowId, account: AccountId, at: DateTime<Utc>) -> StoreResult<bool> {
                let mut tx = self.begin().await?;
                let n = sqlx::query(
                    "INSERT INTO show_engagement (show_id, account_id, likes, first_seen) VALUES ($1, $2, 0, $3) \
                     ON CONFLICT (show_id, account_id) DO NOTHING",
                )
                .bind(show.to_string())
                .bind(account.to_string())
                .bind(at)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(n.rows_affected() == 1)
            }

            async fn add_likes(&self, show: ShowId, account: AccountId, n: u32, at: DateTime<Utc>) -> StoreResult<u64> {
                let mut tx = self.begin().await?;
                let total: i64 = sqlx::query_scalar(
                    "INSERT INTO show_engagement (show_id, account_id, likes, first_seen) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (show_id, account_id) DO UPDATE SET likes = show_engagement.likes + excluded.likes \
                     RETURNING likes",
                )
                .bind(show.to_string())
                .bind(account.to_string())
                .bind(i64::from(n))
                .bind(at)
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(u64::try_from(total).unwrap_or(0))
            }

            async fn show_engagement(&self, show: ShowId, cap: u32) -> StoreResult<(u64, u64, u64)> {
                let row = sqlx::query(
                    "SELECT COUNT(*) AS viewers, \
                     CAST(COALESCE(SUM(CASE WHEN likes > $2 THEN $2 ELSE likes END), 0) AS BIGINT) AS capped, \
                     CAST(COALESCE(SUM(likes), 0) AS BIGINT) AS raw FROM show_engagement WHERE show_id = $1",
                )
                .bind(show.to_string())
                .bind(i64::from(cap))
                .fetch_one(self.reader())
                .await?;
                let get = |c: &str| -> StoreResult<u64> { Ok(u64::try_from(row.try_get::<i64, _>(c)?).unwrap_or(0)) };
                Ok((get("viewers")?, get("capped")?, get("raw")?))
            }
        }
    };
}

pub(crate) use impl_quality_store;

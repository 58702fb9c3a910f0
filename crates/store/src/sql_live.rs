//! The SQL of live-channel tickets, shared by both backends like `sql.rs`.

/// Instantiates [`crate::LiveStore`] for a backend.
macro_rules! impl_live_store {
    ($ty:ty) => {
        #[async_trait]
        impl crate::LiveStore for $ty {
            async fn insert_live_ticket(
                &self,
                ticket_hash: &str,
                account: clearcast_domain::ids::AccountId,
                show: clearcast_domain::ids::ShowId,
                expires_at: DateTime<Utc>,
            ) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                // Spent and expired tickets are of no use to anyone; an hour's grace keeps the
                // delete off the rows a clock a little behind still reads.
                sqlx::query("DELETE FROM live_tickets WHERE expires_at < $1")
                    .bind(expires_at - chrono::Duration::hours(1))
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("INSERT INTO live_tickets (ticket_hash, account_id, show_id, expires_at) VALUES ($1, $2, $3, $4)")
                    .bind(ticket_hash)
                    .bind(account.to_string())
                    .bind(show.to_string())
                    .bind(expires_at)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn take_live_ticket(
                &self,
                ticket_hash: &str,
                show: clearcast_domain::ids::ShowId,
                now: DateTime<Utc>,
            ) -> StoreResult<Option<clearcast_domain::ids::AccountId>> {
                // One statement: two connections presenting the same ticket cannot both win.
                let mut tx = self.begin().await?;
                let row = sqlx::query(
                    "UPDATE live_tickets SET used_at = $1 \
                     WHERE ticket_hash = $2 AND show_id = $3 AND used_at IS NULL AND expires_at > $1 RETURNING account_id",
                )
                .bind(now)
                .bind(ticket_hash)
                .bind(show.to_string())
                .fetch_optional(&mut *tx)
                .await?;
                tx.commit().await?;
                row.map(|r| {
                    let id: String = r.try_get("account_id")?;
                    id.parse().map_err(|e: clearcast_domain::ids::IdError| StoreError::corrupt(e))
                })
                .transpose()
            }
        }
    };
}

pub(crate) use impl_live_store;

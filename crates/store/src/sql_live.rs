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
                token_hash: &str,
            ) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                // Spent and expired tickets are of no use to anyone; an hour's grace keeps the
                // delete off the rows a clock a little behind still reads.
                sqlx::query("DELETE FROM live_tickets WHERE expires_at < $1")
                    .bind(expires_at - chrono::Duration::hours(1))
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO live_tickets (ticket_hash, account_id, show_id, expires_at, token_hash) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(ticket_hash)
                .bind(account.to_string())
                .bind(show.to_string())
                .bind(expires_at)
                .bind(token_hash)
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
            ) -> StoreResult<Option<(clearcast_domain::ids::AccountId, String)>> {
                // One statement: two connections presenting the same ticket cannot both win.
                let mut tx = self.begin().await?;
                let row = sqlx::query(
                    "UPDATE live_tickets SET used_at = $1 \
                     WHERE ticket_hash = $2 AND show_id = $3 AND used_at IS NULL AND expires_at > $1 \
                     AND EXISTS (SELECT 1 FROM tokens t WHERE t.token_hash = live_tickets.token_hash \
                                 AND t.revoked_at IS NULL AND t.expires_at > $1) \
                     RETURNING account_id, token_hash",
                )
                .bind(now)
                .bind(ticket_hash)
                .bind(show.to_string())
                .fetch_optional(&mut *tx)
                .await?;
                tx.commit().await?;
                row.map(|r| {
                    let id: String = r.try_get("account_id")?;
                    let token: String = r.try_get("token_hash")?;
                    let id = id.parse().map_err(|e: clearcast_domain::ids::IdError| StoreError::corrupt(e))?;
                    Ok((id, token))
                })
                .transpose()
            }
        }
    };
}

pub(crate) use impl_live_store;

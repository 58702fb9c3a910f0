//! The SQL of complaints, shared by both backends like `sql.rs` (and expanded in the same module,
//! so it uses that file's helpers and the ledger's `ledger_post_in`).

/// Instantiates [`crate::ComplaintStore`] for a backend.
macro_rules! impl_complaint_store {
    ($ty:ty) => {
        use clearcast_domain::complaint::{Complaint, ComplaintStatus};

        #[async_trait]
        impl crate::ComplaintStore for $ty {
            async fn insert_complaint(&self, c: &Complaint, record: AuditEntry) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                sqlx::query(
                    "INSERT INTO complaints (id, order_id, show_id, consumer_id, merchant_id, status, filed_at, doc) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(c.id.to_string())
                .bind(c.order.map(|o| o.to_string()))
                .bind(c.show.map(|s| s.to_string()))
                .bind(c.consumer.to_string())
                .bind(c.merchant.to_string())
                .bind(c.status.as_str())
                .bind(c.filed_at)
                .bind(to_json(c)?)
                .execute(&mut *tx)
                .await
                .map_err(|e| {
                    crate::error::unique_as(
                        e,
                        &[
                            ("show_id", "complaint_exists", "you already have a complaint about this show"),
                            ("order_id", "complaint_exists", "this order already has a complaint"),
                            ("complaints_order", "complaint_exists", "this order already has a complaint"),
                        ],
                    )
                })?;
                append_record(&mut tx, &c.id.to_string(), record).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn get_complaint(&self, id: clearcast_domain::ids::ComplaintId) -> StoreResult<Option<Complaint>> {
                let row = sqlx::query("SELECT doc FROM complaints WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional(self.reader())
                    .await?;
                row.map(|r| json(&r.try_get::<String, _>("doc")?)).transpose()
            }

            async fn list_complaints(&self, f: &crate::ComplaintFilter, pr: &PageRequest) -> StoreResult<Page<Complaint>> {
                let rows = sqlx::query(
                    "SELECT doc FROM complaints WHERE id > $1 AND ($2 = '' OR consumer_id = $2) AND ($3 = '' OR merchant_id = $3) \
                     AND ($4 = '' OR status = $4) ORDER BY id LIMIT $5",
                )
                .bind(pr.after.clone().unwrap_or_default())
                .bind(f.consumer.map(|x| x.to_string()).unwrap_or_default())
                .bind(f.merchant.map(|x| x.to_string()).unwrap_or_default())
                .bind(f.status.map(|x| x.as_str()).unwrap_or_default())
                .bind(pr.limit() + 1)
                .fetch_all(self.reader())
                .await?;
                let items =
                    rows.iter().map(|r| json(&r.try_get::<String, _>("doc")?)).collect::<StoreResult<Vec<Complaint>>>()?;
                Ok(page(items, pr.limit(), |c| c.id.to_string()))
            }

            async fn save_complaint(
                &self,
                c: &Complaint,
                from: ComplaintStatus,
                record: AuditEntry,
                money: &[Vec<clearcast_domain::ledger::Transfer>],
            ) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                let n = sqlx::query("UPDATE complaints SET status = $1, doc = $2 WHERE id = $3 AND status = $4")
                    .bind(c.status.as_str())
                    .bind(to_json(c)?)
                    .bind(c.id.to_string())
                    .bind(from.as_str())
                    .execute(&mut *tx)
                    .await?;
                if n.rows_affected() != 1 {
                    return Err(StoreError::conflict("complaint_state_changed", "the complaint changed meanwhile; read it again"));
                }
                // Compensation and recovery move in the same transaction as the decision.
                for r in ledger_post_in(&mut tx, money).await? {
                    if let Err(e) = r {
                        return Err(StoreError::conflict("ledger_refused", e.to_string()));
                    }
                }
                append_record(&mut tx, &c.id.to_string(), record).await?;
                tx.commit().await?;
                Ok(())
            }
        }
    };
}

pub(crate) use impl_complaint_store;

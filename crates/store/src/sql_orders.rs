//! The SQL of orders, shared by both backends (expanded beside `sql.rs`, using its helpers).

/// Instantiates [`crate::OrderStore`] for a backend.
macro_rules! impl_order_store {
    ($ty:ty, $db:ty, $lock:literal) => {
        use clearcast_domain::order::{Order, OrderStatus};
        use crate::{OrderFilter, OrderStore, PlaceOutcome, PlaceRequest};

        fn order_from(row: &DbRow) -> StoreResult<Order> {
            json(&row.try_get::<String, _>("doc")?)
        }

        impl $ty {
            /// The batch in SQL over sqlx: a handful of statements per batch.
            pub(crate) async fn place_orders_sql(&self, batch: &[PlaceRequest]) -> StoreResult<Vec<PlaceOutcome>> {
                // A handful of statements per batch, not per order: read what the batch needs,
                // decide every order in memory first come first served, then write. The variant
                // rows are locked (PostgreSQL) or the single writer holds the database (SQLite),
                // so nothing changes between the read and the write.
                use std::collections::{HashMap, HashSet};
                let mut tx = self.begin().await?;

                // Idempotency keys already used by these buyers.
                let mut known: HashMap<(AccountId, String), OrderId> = HashMap::new();
                // By buyer (the unique index leads with the buyer), then matched on the key here.
                let wanted: HashSet<(AccountId, &str)> =
                    batch.iter().filter_map(|r| r.idempotency_key.as_deref().map(|k| (r.order.consumer, k))).collect();
                let buyers: Vec<AccountId> = wanted.iter().map(|(c, _)| *c).collect::<HashSet<_>>().into_iter().collect();
                for chunk in buyers.chunks(300) {
                    let params = (1..=chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
                    let sql = format!(
                        "SELECT consumer_id, idempotency_key, id FROM orders WHERE consumer_id IN ({params}) AND idempotency_key IS NOT NULL"
                    );
                    let mut q = sqlx::query(&sql);
                    for c in chunk {
                        q = q.bind(c.to_string());
                    }
                    for row in q.fetch_all(&mut *tx).await? {
                        let consumer: AccountId = parse(&row.try_get::<String, _>("consumer_id")?)?;
                        let key: String = row.try_get("idempotency_key")?;
                        if wanted.contains(&(consumer, key.as_str())) {
                            known.insert((consumer, key), parse(&row.try_get::<String, _>("id")?)?);
                        }
                    }
                }

                // Units each buyer already holds, per (show, product), for limited items.
                let mut held: HashMap<(AccountId, ShowId, ProductId), i64> = HashMap::new();
                let mut groups: HashMap<(ShowId, ProductId), HashSet<AccountId>> = HashMap::new();
                for r in batch {
                    if let (Some(_), Some(show)) = (r.limit, r.order.show) {
                        groups.entry((show, r.order.product)).or_default().insert(r.order.consumer);
                    }
                }
                for ((show, product), buyers) in &groups {
                    let buyers: Vec<&AccountId> = buyers.iter().collect();
                    for chunk in buyers.chunks(300) {
                        let params = (3..3 + chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
                        let sql = format!(
                            "SELECT consumer_id, CAST(COALESCE(SUM(quantity), 0) AS BIGINT) AS n FROM orders WHERE show_id = $1 AND product_id = $2 \
                             AND status <> 'cancelled' AND consumer_id IN ({params}) GROUP BY consumer_id"
                        );
                        let mut q = sqlx::query(&sql).bind(show.to_string()).bind(product.to_string());
                        for b in chunk {
                            q = q.bind(b.to_string());
                        }
                        for row in q.fetch_all(&mut *tx).await? {
                            let consumer: AccountId = parse(&row.try_get::<String, _>("consumer_id")?)?;
                            held.insert((consumer, *show, *product), row.try_get::<i64, _>("n")?);
                        }
                    }
                }

                // Stock of every variant the batch touches, locked.
                let mut stock: HashMap<VariantId, i64> = HashMap::new();
                let variants: Vec<VariantId> = batch.iter().map(|r| r.order.variant).collect::<HashSet<_>>().into_iter().collect();
                for v in &variants {
                    let row = sqlx::query(concat!("SELECT stock FROM variants WHERE id = $1", $lock))
                        .bind(v.to_string())
                        .fetch_optional(&mut *tx)
                        .await?;
                    stock.insert(*v, match row {
                        Some(r) => r.try_get::<i64, _>("stock")?,
                        None => 0,
                    });
                }
                let decided = crate::checkout_batch::decide(batch, crate::checkout_batch::Holdings { known, held, stock });
                let placed: Vec<&PlaceRequest> = decided.placed.iter().map(|i| &batch[*i]).collect();

                // Write: one conditional update per variant (it cannot take stock below zero, and
                // it fails loudly if anything moved), and the orders in multi-row inserts.
                for (v, before, left) in &decided.stock_moves {
                    let n = sqlx::query("UPDATE variants SET stock = $1 WHERE id = $2 AND stock = $3 AND $1 >= 0")
                        .bind(*left)
                        .bind(v.to_string())
                        .bind(*before)
                        .execute(&mut *tx)
                        .await?;
                    if n.rows_affected() != 1 {
                        return Err(StoreError::Database(format!("stock of {v} changed during the batch")));
                    }
                }
                for chunk in placed.chunks(100) {
                    let mut sql = String::from(
                        "INSERT INTO orders (id, consumer_id, merchant_id, product_id, variant_id, quantity, total_minor, currency, \
                         show_id, status, idempotency_key, placed_at, updated_at, doc) VALUES ",
                    );
                    for i in 0..chunk.len() {
                        let b = i * 14;
                        if i > 0 {
                            sql.push_str(", ");
                        }
                        sql.push('(');
                        sql.push_str(&(1..=14).map(|k| format!("${}", b + k)).collect::<Vec<_>>().join(", "));
                        sql.push(')');
                    }
                    let mut q = sqlx::query(&sql);
                    for req in chunk {
                        let o = &req.order;
                        q = q
                            .bind(o.id.to_string())
                            .bind(o.consumer.to_string())
                            .bind(o.merchant.to_string())
                            .bind(o.product.to_string())
                            .bind(o.variant.to_string())
                            .bind(i64::from(o.quantity))
                            .bind(o.total.minor)
                            .bind(o.total.currency.code())
                            .bind(o.show.map(|s| s.to_string()))
                            .bind(o.status.as_str())
                            .bind(req.idempotency_key.clone())
                            .bind(o.placed_at)
                            .bind(o.updated_at)
                            .bind(req.doc().to_string());
                    }
                    q.execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(decided.outcomes)
            }
        }

        #[async_trait]
        impl OrderStore for $ty {
            async fn place_orders(&self, batch: &[PlaceRequest]) -> StoreResult<Vec<PlaceOutcome>> {
                self.place_batch(batch).await
            }

            fn submit_orders(&self, batch: Vec<PlaceRequest>) -> Result<crate::CheckoutTicket, Vec<PlaceRequest>> {
                self.submit_batch(batch)
            }

            async fn get_order(&self, id: OrderId) -> StoreResult<Option<Order>> {
                let row = sqlx::query("SELECT doc FROM orders WHERE id = $1").bind(id.to_string()).fetch_optional(self.reader()).await?;
                row.map(|r| order_from(&r)).transpose()
            }

            async fn list_orders(&self, f: &OrderFilter, pr: &PageRequest) -> StoreResult<Page<Order>> {
                let rows = sqlx::query(
                    "SELECT doc FROM orders WHERE id > $1 AND ($2 = '' OR consumer_id = $2) AND ($3 = '' OR merchant_id = $3) \
                     AND ($4 = '' OR show_id = $4) ORDER BY id LIMIT $5",
                )
                .bind(pr.after.clone().unwrap_or_default())
                .bind(f.consumer.map(|x| x.to_string()).unwrap_or_default())
                .bind(f.merchant.map(|x| x.to_string()).unwrap_or_default())
                .bind(f.show.map(|x| x.to_string()).unwrap_or_default())
                .bind(pr.limit() + 1)
                .fetch_all(self.reader())
                .await?;
                let items = rows.iter().map(order_from).collect::<StoreResult<Vec<_>>>()?;
                Ok(page(items, pr.limit(), |o| o.id.to_string()))
            }

            async fn save_order(
                &self,
                o: &Order,
                from: OrderStatus,
                release_stock: bool,
                record: AuditEntry,
                money: &[Vec<clearcast_domain::ledger::Transfer>],
            ) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                // Only from the state the caller saw: a racing transition (ship vs cancel, two
                // cancels) finds the row changed and loses with a conflict.
                let n = sqlx::query("UPDATE orders SET status = $1, updated_at = $2, doc = $3 WHERE id = $4 AND status = $5")
                    .bind(o.status.as_str())
                    .bind(o.updated_at)
                    .bind(to_json(o)?)
                    .bind(o.id.to_string())
                    .bind(from.as_str())
                    .execute(&mut *tx)
                    .await?;
                if n.rows_affected() != 1 {
                    let exists = sqlx::query("SELECT 1 FROM orders WHERE id = $1").bind(o.id.to_string()).fetch_optional(&mut *tx).await?;
                    return Err(match exists {
                        Some(_) => StoreError::conflict("order_state_changed", "the order changed meanwhile; read it again"),
                        None => StoreError::NotFound,
                    });
                }
                if release_stock {
                    sqlx::query("UPDATE variants SET stock = stock + $1 WHERE id = $2")
                        .bind(i64::from(o.quantity))
                        .bind(o.variant.to_string())
                        .execute(&mut *tx)
                        .await?;
                }
                // The money moves in the same transaction as the state: all of it or none.
                if !money.is_empty() {
                    for r in ledger_post_in(&mut tx, money).await? {
                        if let Err(e) = r {
                            return Err(StoreError::conflict("ledger_refused", e.to_string()));
                        }
                    }
                }
                append_record(&mut tx, &o.id.to_string(), record).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn unpaid_before(&self, before: DateTime<Utc>, limit: u32) -> StoreResult<Vec<Order>> {
                let rows = sqlx::query("SELECT doc FROM orders WHERE status = 'placed' ORDER BY id LIMIT $1")
                    .bind(i64::from(limit.clamp(1, 10_000)))
                    .fetch_all(self.reader())
                    .await?;
                // UUIDv7 ids sort by time; the instant itself is compared in Rust.
                let all = rows.iter().map(order_from).collect::<StoreResult<Vec<Order>>>()?;
                Ok(all.into_iter().filter(|o| o.placed_at <= before).collect())
            }

            async fn add_review_entry(&self, product: ProductId, e: &clearcast_domain::review::ReviewEntry) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                sqlx::query("INSERT INTO review_entries (order_id, product_id, kind, at, doc) VALUES ($1, $2, $3, $4, $5)")
                    .bind(e.order.to_string())
                    .bind(product.to_string())
                    .bind(enum_str(&e.kind)?)
                    .bind(e.at)
                    .bind(to_json(e)?)
                    .execute(&mut *tx)
                    .await
                    .map_err(|err| unique_as(err, &[("review_one_initial", "already_reviewed", "this order already has its review"), ("review_one_reply", "already_replied", "the seller has already replied"), ("order_id", "already_reviewed", "this order already has its review")]))?;
                tx.commit().await?;
                Ok(())
            }

            async fn review_entries(&self, order: OrderId) -> StoreResult<Vec<clearcast_domain::review::ReviewEntry>> {
                let rows = sqlx::query("SELECT doc FROM review_entries WHERE order_id = $1 ORDER BY id")
                    .bind(order.to_string())
                    .fetch_all(self.reader())
                    .await?;
                rows.iter().map(|r| json(&r.try_get::<String, _>("doc")?)).collect()
            }

            async fn product_review_entries(&self, product: ProductId, after: i64, limit: u32) -> StoreResult<Vec<(i64, clearcast_domain::review::ReviewEntry)>> {
                let rows = sqlx::query("SELECT id, doc FROM review_entries WHERE product_id = $1 AND id > $2 ORDER BY id LIMIT $3")
                    .bind(product.to_string())
                    .bind(after)
                    .bind(i64::from(limit.clamp(1, 1000)))
                    .fetch_all(self.reader())
                    .await?;
                rows.iter().map(|r| Ok((r.try_get::<i64, _>("id")?, json(&r.try_get::<String, _>("doc")?)?))).collect()
            }

            async fn room_sales_since(&self, room: RoomOperatorId, since: DateTime<Utc>) -> StoreResult<i64> {
                let rows = sqlx::query(
                    "SELECT o.total_minor, o.placed_at FROM orders o JOIN shows s ON s.id = o.show_id \
                     WHERE s.room_operator_id = $1 AND o.status NOT IN ('cancelled', 'refunded')",
                )
                .bind(room.to_string())
                .fetch_all(self.reader())
                .await?;
                let mut total: i64 = 0;
                for r in rows {
                    // Instants are compared in Rust: SQLite keeps them as text.
                    if r.try_get::<DateTime<Utc>, _>("placed_at")? >= since {
                        total = total.saturating_add(r.try_get::<i64, _>("total_minor")?);
                    }
                }
                Ok(total)
            }

            async fn units_sold(&self, variant: VariantId) -> StoreResult<i64> {
                let r = sqlx::query("SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) AS n FROM orders WHERE variant_id = $1 AND status <> 'cancelled'")
                    .bind(variant.to_string())
                    .fetch_one(self.reader())
                    .await?;
                Ok(r.try_get("n")?)
            }
        }
    };
}

pub(crate) use impl_order_store;

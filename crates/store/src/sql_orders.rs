//! The SQL of orders, shared by both backends (expanded beside `sql.rs`, using its helpers).

/// Instantiates [`crate::OrderStore`] for a backend.
macro_rules! impl_order_store {
    ($ty:ty, $db:ty) => {
        use clearcast_domain::order::{Order, OrderStatus};
        use crate::{OrderFilter, OrderStore, PlaceOutcome, PlaceRequest};

        fn order_from(row: &DbRow) -> StoreResult<Order> {
            json(&row.try_get::<String, _>("doc")?)
        }

        #[async_trait]
        impl OrderStore for $ty {
            async fn place_orders(&self, batch: &[PlaceRequest]) -> StoreResult<Vec<PlaceOutcome>> {
                let mut tx = self.begin().await?;
                let mut out = Vec::with_capacity(batch.len());
                // Keys and holdings placed earlier in this batch, not yet visible to queries.
                let mut keys: std::collections::HashMap<(AccountId, String), OrderId> = std::collections::HashMap::new();
                let mut held: std::collections::HashMap<(AccountId, String, ProductId), i64> = std::collections::HashMap::new();
                for req in batch {
                    let o = &req.order;
                    if let Some(k) = &req.idempotency_key {
                        if let Some(id) = keys.get(&(o.consumer, k.clone())) {
                            out.push(PlaceOutcome::Duplicate(*id));
                            continue;
                        }
                        let existing = sqlx::query("SELECT id FROM orders WHERE consumer_id = $1 AND idempotency_key = $2")
                            .bind(o.consumer.to_string())
                            .bind(k)
                            .fetch_optional(&mut *tx)
                            .await?;
                        if let Some(r) = existing {
                            out.push(PlaceOutcome::Duplicate(parse(&r.try_get::<String, _>("id")?)?));
                            continue;
                        }
                    }
                    let q = i64::from(o.quantity);
                    if let (Some(limit), Some(show)) = (req.limit, o.show) {
                        let key = (o.consumer, show.to_string(), o.product);
                        let already = match held.get(&key) {
                            Some(n) => *n,
                            None => {
                                let r = sqlx::query(
                                    "SELECT COALESCE(SUM(quantity), 0) AS n FROM orders WHERE consumer_id = $1 AND show_id = $2 \
                                     AND product_id = $3 AND status <> 'cancelled'",
                                )
                                .bind(o.consumer.to_string())
                                .bind(show.to_string())
                                .bind(o.product.to_string())
                                .fetch_one(&mut *tx)
                                .await?;
                                r.try_get::<i64, _>("n")?
                            }
                        };
                        if already + q > i64::from(limit) {
                            held.insert(key, already);
                            out.push(PlaceOutcome::OverLimit { limit, already });
                            continue;
                        }
                        held.insert(key, already + q);
                    }
                    let n = sqlx::query("UPDATE variants SET stock = stock - $1 WHERE id = $2 AND stock >= $1")
                        .bind(q)
                        .bind(o.variant.to_string())
                        .execute(&mut *tx)
                        .await?;
                    if n.rows_affected() != 1 {
                        if let (Some(_), Some(show)) = (req.limit, o.show) {
                            if let Some(h) = held.get_mut(&(o.consumer, show.to_string(), o.product)) {
                                *h -= q;
                            }
                        }
                        let left = sqlx::query("SELECT stock FROM variants WHERE id = $1")
                            .bind(o.variant.to_string())
                            .fetch_optional(&mut *tx)
                            .await?;
                        let available = match left {
                            Some(r) => r.try_get::<i64, _>("stock")?,
                            None => 0,
                        };
                        out.push(PlaceOutcome::SoldOut { available });
                        continue;
                    }
                    sqlx::query(
                        "INSERT INTO orders (id, consumer_id, merchant_id, product_id, variant_id, quantity, total_minor, currency, \
                         show_id, status, idempotency_key, placed_at, updated_at, doc) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                    )
                    .bind(o.id.to_string())
                    .bind(o.consumer.to_string())
                    .bind(o.merchant.to_string())
                    .bind(o.product.to_string())
                    .bind(o.variant.to_string())
                    .bind(q)
                    .bind(o.total.minor)
                    .bind(o.total.currency.code())
                    .bind(o.show.map(|s| s.to_string()))
                    .bind(o.status.as_str())
                    .bind(&req.idempotency_key)
                    .bind(o.placed_at)
                    .bind(o.updated_at)
                    .bind(to_json(o)?)
                    .execute(&mut *tx)
                    .await?;
                    if let Some(k) = &req.idempotency_key {
                        keys.insert((o.consumer, k.clone()), o.id);
                    }
                    out.push(PlaceOutcome::Placed);
                }
                tx.commit().await?;
                Ok(out)
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

            async fn save_order(&self, o: &Order, release_stock: bool, record: AuditEntry) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                let before = sqlx::query("SELECT status FROM orders WHERE id = $1")
                    .bind(o.id.to_string())
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let was: String = before.try_get("status")?;
                if release_stock && was == OrderStatus::Cancelled.as_str() {
                    return Err(StoreError::conflict("already_cancelled", "the order was already cancelled"));
                }
                sqlx::query("UPDATE orders SET status = $1, updated_at = $2, doc = $3 WHERE id = $4")
                    .bind(o.status.as_str())
                    .bind(o.updated_at)
                    .bind(to_json(o)?)
                    .bind(o.id.to_string())
                    .execute(&mut *tx)
                    .await?;
                if release_stock {
                    sqlx::query("UPDATE variants SET stock = stock + $1 WHERE id = $2")
                        .bind(i64::from(o.quantity))
                        .bind(o.variant.to_string())
                        .execute(&mut *tx)
                        .await?;
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
                Ok(all.into_iter().filter(|o| o.placed_at < before).collect())
            }

            async fn units_sold(&self, variant: VariantId) -> StoreResult<i64> {
                let r = sqlx::query("SELECT COALESCE(SUM(quantity), 0) AS n FROM orders WHERE variant_id = $1 AND status <> 'cancelled'")
                    .bind(variant.to_string())
                    .fetch_one(self.reader())
                    .await?;
                Ok(r.try_get("n")?)
            }
        }
    };
}

pub(crate) use impl_order_store;

//! The SQL of the live-shows capability, shared by both backends like `sql.rs` (and expanded in the
//! same module, so it uses that file's helpers: `parse`, `json`, `append_record` …).

/// Instantiates [`crate::ShowStore`] for a backend.
macro_rules! impl_show_store {
    ($ty:ty, $db:ty) => {
        use clearcast_domain::change_request::{ChangeRequest, ChangeStatus};
        use clearcast_domain::disclosure::AnchorRole;
        use clearcast_domain::lineup::{LineupItem, ReferencePrice};
        use clearcast_domain::show::{Show, ShowStatus};
        use crate::{ShowFilter, ShowStore};

        const SHOW_COLS: &str = "id, room_operator_id, title, scheduled_start, stream_url, replay_url, ai_presenter, script, status, pinned_item, started_at, ended_at, created_at";
        const LINEUP_COLS: &str = "id, show_id, product_id, anchor_role, commission_bps, show_price_minor, currency, unit, reference_price_minor, reference_basis, purchase_limit, added_at";

        fn lineup_from(row: &DbRow) -> StoreResult<LineupItem> {
            let currency = Currency::parse(&row.try_get::<String, _>("currency")?).ok_or_else(|| StoreError::corrupt("unknown currency"))?;
            let rp: Option<i64> = row.try_get("reference_price_minor")?;
            let rb: Option<String> = row.try_get("reference_basis")?;
            let limit: Option<i64> = row.try_get("purchase_limit")?;
            Ok(LineupItem {
                id: parse(&row.try_get::<String, _>("id")?)?,
                show: parse(&row.try_get::<String, _>("show_id")?)?,
                product: parse(&row.try_get::<String, _>("product_id")?)?,
                anchor_role: str_enum::<AnchorRole>(&row.try_get::<String, _>("anchor_role")?)?,
                commission_bps: u32::try_from(row.try_get::<i64, _>("commission_bps")?).map_err(StoreError::corrupt)?,
                show_price: Money { minor: row.try_get("show_price_minor")?, currency },
                unit: row.try_get("unit")?,
                reference: rp.zip(rb).map(|(p, basis)| ReferencePrice { price: Money { minor: p, currency }, basis }),
                purchase_limit: limit.map(u32::try_from).transpose().map_err(StoreError::corrupt)?,
                added_at: row.try_get("added_at")?,
            })
        }

        impl $ty {
            async fn show_from(&self, row: &DbRow) -> StoreResult<Show> {
                let id: String = row.try_get("id")?;
                let roster = sqlx::query("SELECT anchor_id FROM show_anchors WHERE show_id = $1 ORDER BY position")
                    .bind(&id)
                    .fetch_all(self.reader())
                    .await?
                    .iter()
                    .map(|r| parse(&r.try_get::<String, _>("anchor_id")?))
                    .collect::<StoreResult<Vec<AnchorId>>>()?;
                let pinned: Option<String> = row.try_get("pinned_item")?;
                Ok(Show {
                    id: parse(&id)?,
                    room_operator: parse(&row.try_get::<String, _>("room_operator_id")?)?,
                    title: row.try_get("title")?,
                    scheduled_start: row.try_get("scheduled_start")?,
                    roster,
                    stream_url: row.try_get("stream_url")?,
                    replay_url: row.try_get("replay_url")?,
                    ai_presenter: row.try_get("ai_presenter")?,
                    script: row.try_get("script")?,
                    status: ShowStatus::parse(&row.try_get::<String, _>("status")?).ok_or_else(|| StoreError::corrupt("unknown show status"))?,
                    pinned: pinned.map(|p| parse(&p)).transpose()?,
                    started_at: row.try_get("started_at")?,
                    ended_at: row.try_get("ended_at")?,
                    created_at: row.try_get("created_at")?,
                })
            }

            async fn shows_from(&self, rows: Vec<DbRow>) -> StoreResult<Vec<Show>> {
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    out.push(self.show_from(r).await?);
                }
                Ok(out)
            }
        }

        async fn write_roster(tx: &mut Tx, show: &Show) -> StoreResult<()> {
            sqlx::query("DELETE FROM show_anchors WHERE show_id = $1").bind(show.id.to_string()).execute(&mut **tx).await?;
            for (i, a) in show.roster.iter().enumerate() {
                sqlx::query("INSERT INTO show_anchors (show_id, anchor_id, position) VALUES ($1, $2, $3)")
                    .bind(show.id.to_string())
                    .bind(a.to_string())
                    .bind(i as i64)
                    .execute(&mut **tx)
                    .await?;
            }
            Ok(())
        }

        #[async_trait]
        impl ShowStore for $ty {
            async fn insert_show(&self, show: &Show, record: AuditEntry) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                sqlx::query(&format!("INSERT INTO shows ({SHOW_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"))
                    .bind(show.id.to_string())
                    .bind(show.room_operator.to_string())
                    .bind(&show.title)
                    .bind(show.scheduled_start)
                    .bind(&show.stream_url)
                    .bind(&show.replay_url)
                    .bind(show.ai_presenter)
                    .bind(&show.script)
                    .bind(show.status.as_str())
                    .bind(show.pinned.map(|p| p.to_string()))
                    .bind(show.started_at)
                    .bind(show.ended_at)
                    .bind(show.created_at)
                    .execute(&mut *tx)
                    .await?;
                write_roster(&mut tx, show).await?;
                append_record(&mut tx, &show.id.to_string(), record).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn get_show(&self, id: ShowId) -> StoreResult<Option<Show>> {
                let row = sqlx::query(&format!("SELECT {SHOW_COLS} FROM shows WHERE id = $1"))
                    .bind(id.to_string())
                    .fetch_optional(self.reader())
                    .await?;
                match row {
                    Some(r) => Ok(Some(self.show_from(&r).await?)),
                    None => Ok(None),
                }
            }

            async fn list_shows(&self, f: &ShowFilter, pr: &PageRequest) -> StoreResult<Page<Show>> {
                let rows = sqlx::query(&format!(
                    "SELECT {SHOW_COLS} FROM shows WHERE id > $1 AND ($2 = '' OR status = $2) AND ($3 = '' OR room_operator_id = $3) ORDER BY id LIMIT $4"
                ))
                .bind(pr.after.clone().unwrap_or_default())
                .bind(f.status.map(|s| s.as_str()).unwrap_or(""))
                .bind(f.room_operator.map(|r| r.to_string()).unwrap_or_default())
                .bind(pr.limit() + 1)
                .fetch_all(self.reader())
                .await?;
                let items = self.shows_from(rows).await?;
                Ok(page(items, pr.limit(), |s| s.id.to_string()))
            }

            async fn save_show(&self, show: &Show, from: ShowStatus, records: Vec<AuditEntry>, anchor: Option<AuditEntry>) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                let n = sqlx::query(
                    "UPDATE shows SET title = $1, scheduled_start = $2, stream_url = $3, replay_url = $4, ai_presenter = $5, \
                     script = $6, status = $7, pinned_item = $8, started_at = $9, ended_at = $10 WHERE id = $11 AND status = $12",
                )
                .bind(&show.title)
                .bind(show.scheduled_start)
                .bind(&show.stream_url)
                .bind(&show.replay_url)
                .bind(show.ai_presenter)
                .bind(&show.script)
                .bind(show.status.as_str())
                .bind(show.pinned.map(|p| p.to_string()))
                .bind(show.started_at)
                .bind(show.ended_at)
                .bind(show.id.to_string())
                .bind(from.as_str())
                .execute(&mut *tx)
                .await?;
                if n.rows_affected() != 1 {
                    let exists = sqlx::query("SELECT 1 FROM shows WHERE id = $1").bind(show.id.to_string()).fetch_optional(&mut *tx).await?;
                    return Err(match exists {
                        Some(_) => StoreError::conflict("show_state_changed", "the show changed meanwhile (another action won); read it again"),
                        None => StoreError::NotFound,
                    });
                }
                write_roster(&mut tx, show).await?;
                let stream = show.id.to_string();
                let mut head = None;
                for r in records {
                    head = Some(append_record(&mut tx, &stream, r).await?);
                }
                if let (Some(mut a), Some(h)) = (anchor, head) {
                    a.detail = serde_json::json!({"stream": stream, "seq": h.seq, "hash": h.hash, "note": a.detail});
                    append_record(&mut tx, crate::PLATFORM_STREAM, a).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn lineup_add(&self, item: &LineupItem, record: AuditEntry) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                let dup = sqlx::query("SELECT id FROM lineup_items WHERE show_id = $1 AND product_id = $2")
                    .bind(item.show.to_string())
                    .bind(item.product.to_string())
                    .fetch_optional(&mut *tx)
                    .await?;
                if dup.is_some() {
                    return Err(StoreError::conflict("already_in_lineup", "this product is already on the show's lineup"));
                }
                sqlx::query(&format!("INSERT INTO lineup_items ({LINEUP_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"))
                    .bind(item.id.to_string())
                    .bind(item.show.to_string())
                    .bind(item.product.to_string())
                    .bind(item.anchor_role.as_str())
                    .bind(i64::from(item.commission_bps))
                    .bind(item.show_price.minor)
                    .bind(item.show_price.currency.code())
                    .bind(&item.unit)
                    .bind(item.reference.as_ref().map(|r| r.price.minor))
                    .bind(item.reference.as_ref().map(|r| r.basis.clone()))
                    .bind(item.purchase_limit.map(i64::from))
                    .bind(item.added_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| unique_as(e, &[("product_id", "already_in_lineup", "this product is already on the show's lineup")]))?;
                append_record(&mut tx, &item.show.to_string(), record).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn lineup_list(&self, show: ShowId) -> StoreResult<Vec<LineupItem>> {
                let rows = sqlx::query(&format!("SELECT {LINEUP_COLS} FROM lineup_items WHERE show_id = $1 ORDER BY id"))
                    .bind(show.to_string())
                    .fetch_all(self.reader())
                    .await?;
                rows.iter().map(lineup_from).collect()
            }

            async fn follow(&self, room: RoomOperatorId, account: AccountId, at: DateTime<Utc>) -> StoreResult<bool> {
                let mut tx = self.begin().await?;
                let n = sqlx::query("INSERT INTO follows (room_operator_id, account_id, followed_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                    .bind(room.to_string())
                    .bind(account.to_string())
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(n.rows_affected() == 1)
            }

            async fn unfollow(&self, room: RoomOperatorId, account: AccountId) -> StoreResult<bool> {
                let mut tx = self.begin().await?;
                let n = sqlx::query("DELETE FROM follows WHERE room_operator_id = $1 AND account_id = $2")
                    .bind(room.to_string())
                    .bind(account.to_string())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(n.rows_affected() == 1)
            }

            async fn follower_count(&self, room: RoomOperatorId) -> StoreResult<u64> {
                let row = sqlx::query("SELECT COUNT(*) AS n FROM follows WHERE room_operator_id = $1")
                    .bind(room.to_string())
                    .fetch_one(self.reader())
                    .await?;
                u64::try_from(row.try_get::<i64, _>("n")?).map_err(StoreError::corrupt)
            }

            async fn room_categories_since(&self, room: RoomOperatorId, since: DateTime<Utc>) -> StoreResult<Vec<Category>> {
                let rows = sqlx::query(
                    "SELECT DISTINCT p.category, l.added_at FROM lineup_items l JOIN shows s ON s.id = l.show_id \
                     JOIN products p ON p.id = l.product_id WHERE s.room_operator_id = $1",
                )
                .bind(room.to_string())
                .fetch_all(self.reader())
                .await?;
                let mut out = Vec::new();
                for r in rows {
                    let at: DateTime<Utc> = r.try_get("added_at")?;
                    let c = parse::<Category>(&r.try_get::<String, _>("category")?)?;
                    if at >= since && !out.contains(&c) {
                        out.push(c);
                    }
                }
                Ok(out)
            }

            async fn shows_started_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<Vec<Show>> {
                // Time comparisons happen in Rust: SQLite keeps instants as text.
                let rows = sqlx::query(&format!("SELECT {SHOW_COLS} FROM shows WHERE started_at IS NOT NULL ORDER BY id"))
                    .fetch_all(self.reader())
                    .await?;
                let all = self.shows_from(rows).await?;
                Ok(all.into_iter().filter(|s| s.started_at.is_some_and(|t| t >= from && t < to)).collect())
            }

            async fn insert_change(&self, req: &ChangeRequest, record: AuditEntry) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                sqlx::query("INSERT INTO change_requests (id, party_id, status, reported_at, doc) VALUES ($1, $2, $3, $4, $5)")
                    .bind(req.id.to_string())
                    .bind(&req.party)
                    .bind(enum_str(&req.status)?)
                    .bind(req.reported_at)
                    .bind(to_json(req)?)
                    .execute(&mut *tx)
                    .await?;
                append_audit(&mut tx, record).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn get_change(&self, id: ChangeRequestId) -> StoreResult<Option<ChangeRequest>> {
                let row = sqlx::query("SELECT doc FROM change_requests WHERE id = $1").bind(id.to_string()).fetch_optional(self.reader()).await?;
                row.map(|r| json(&r.try_get::<String, _>("doc")?)).transpose()
            }

            async fn list_changes(&self, status: Option<ChangeStatus>, pr: &PageRequest) -> StoreResult<Page<ChangeRequest>> {
                let status = status.map(|s| enum_str(&s)).transpose()?.unwrap_or_default();
                let rows = sqlx::query("SELECT doc FROM change_requests WHERE id > $1 AND ($2 = '' OR status = $2) ORDER BY id LIMIT $3")
                    .bind(pr.after.clone().unwrap_or_default())
                    .bind(status)
                    .bind(pr.limit() + 1)
                    .fetch_all(self.reader())
                    .await?;
                let items = rows.iter().map(|r| json::<ChangeRequest>(&r.try_get::<String, _>("doc")?)).collect::<StoreResult<Vec<_>>>()?;
                Ok(page(items, pr.limit(), |c| c.id.to_string()))
            }

            async fn decide_change(&self, req: &ChangeRequest, apply: Option<&Party>, record: AuditEntry) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                let n = sqlx::query("UPDATE change_requests SET status = $1, doc = $2 WHERE id = $3 AND status = 'pending'")
                    .bind(enum_str(&req.status)?)
                    .bind(to_json(req)?)
                    .bind(req.id.to_string())
                    .execute(&mut *tx)
                    .await?;
                if n.rows_affected() != 1 {
                    return Err(StoreError::conflict("already_decided", "this change request has already been decided"));
                }
                if let Some(p) = apply {
                    sqlx::query("UPDATE parties SET legal_name = $1, address = $2, contact = $3 WHERE id = $4")
                        .bind(p.details.legal_name.as_str())
                        .bind(p.details.address.as_str())
                        .bind(p.details.contact.as_str())
                        .bind(p.id.to_string())
                        .execute(&mut *tx)
                        .await?;
                }
                append_audit(&mut tx, record).await?;
                tx.commit().await?;
                Ok(())
            }
        }
    };
}

pub(crate) use impl_show_store;

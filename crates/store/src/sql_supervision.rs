//! The SQL of speech supervision, shared by both backends like `sql.rs` (and expanded in the
//! same module, so it uses that file's helpers).

/// Instantiates [`crate::SupervisionStore`] for a backend.
macro_rules! impl_supervision_store {
    ($ty:ty, $db:ty, $lock:literal) => {
        use clearcast_domain::chat::ChatMessage;
        use clearcast_domain::notice::Notice;
        use clearcast_domain::penalty::{Measure, Subject};
        use clearcast_domain::violation::{Violation, ViolationStatus};
        use crate::{SupervisionStore, ViolationFilter};

        fn subject_column(s: &Subject) -> (&'static str, String) {
            match s {
                Subject::Anchor(a) => ("anchor_id", a.to_string()),
                Subject::RoomOperator(r) => ("room_operator_id", r.to_string()),
            }
        }

        #[async_trait]
        impl SupervisionStore for $ty {
            async fn record_speech(&self, show: ShowId, segments: &[(String, u64)], records: Vec<AuditEntry>, violations: &[Violation]) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                for (id, at_ms) in segments {
                    let n = sqlx::query("INSERT INTO speech_segments (show_id, segment_id, at_ms) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                        .bind(show.to_string())
                        .bind(id)
                        .bind(i64::try_from(*at_ms).unwrap_or(i64::MAX))
                        .execute(&mut *tx)
                        .await?;
                    if n.rows_affected() != 1 {
                        return Err(StoreError::conflict("segment_taken", format!("segment {id} was already taken")));
                    }
                }
                for v in violations {
                    sqlx::query(
                        "INSERT INTO violations (id, show_id, anchor_id, room_operator_id, status, created_at, doc) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(v.id.to_string())
                    .bind(v.show.to_string())
                    .bind(v.anchor.to_string())
                    .bind(v.room_operator.to_string())
                    .bind(v.status.as_str())
                    .bind(v.created_at)
                    .bind(to_json(v)?)
                    .execute(&mut *tx)
                    .await?;
                }
                let stream = show.to_string();
                for r in records {
                    append_record(&mut tx, &stream, r).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn known_segments(&self, show: ShowId, ids: &[String]) -> StoreResult<Vec<String>> {
                let mut out = Vec::new();
                for chunk in ids.chunks(100) {
                    let params = (2..2 + chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
                    let sql = format!("SELECT segment_id FROM speech_segments WHERE show_id = $1 AND segment_id IN ({params})");
                    let mut q = sqlx::query(&sql).bind(show.to_string());
                    for id in chunk {
                        q = q.bind(id);
                    }
                    for r in q.fetch_all(self.reader()).await? {
                        out.push(r.try_get::<String, _>("segment_id")?);
                    }
                }
                Ok(out)
            }

            async fn last_segment(&self, show: ShowId) -> StoreResult<Option<String>> {
                let row = sqlx::query("SELECT segment_id FROM speech_segments WHERE show_id = $1 ORDER BY at_ms DESC, segment_id DESC LIMIT 1")
                    .bind(show.to_string())
                    .fetch_optional(self.reader())
                    .await?;
                row.map(|r| Ok(r.try_get::<String, _>("segment_id")?)).transpose()
            }

            async fn get_violation(&self, id: ViolationId) -> StoreResult<Option<Violation>> {
                let row = sqlx::query("SELECT doc FROM violations WHERE id = $1").bind(id.to_string()).fetch_optional(self.reader()).await?;
                row.map(|r| json(&r.try_get::<String, _>("doc")?)).transpose()
            }

            async fn list_violations(&self, f: &ViolationFilter, pr: &PageRequest) -> StoreResult<Page<Violation>> {
                let rows = sqlx::query(
                    "SELECT doc FROM violations WHERE id > $1 AND ($2 = '' OR show_id = $2) AND ($3 = '' OR anchor_id = $3) \
                     AND ($4 = '' OR room_operator_id = $4) AND ($5 = '' OR status = $5) ORDER BY id LIMIT $6",
                )
                .bind(pr.after.clone().unwrap_or_default())
                .bind(f.show.map(|x| x.to_string()).unwrap_or_default())
                .bind(f.anchor.map(|x| x.to_string()).unwrap_or_default())
                .bind(f.room_operator.map(|x| x.to_string()).unwrap_or_default())
                .bind(f.status.map(|x| x.as_str()).unwrap_or_default())
                .bind(pr.limit() + 1)
                .fetch_all(self.reader())
                .await?;
                let items = rows.iter().map(|r| json(&r.try_get::<String, _>("doc")?)).collect::<StoreResult<Vec<Violation>>>()?;
                Ok(page(items, pr.limit(), |v| v.id.to_string()))
            }

            async fn subject_violations(&self, subject: Subject, since: DateTime<Utc>) -> StoreResult<Vec<Violation>> {
                let (col, id) = subject_column(&subject);
                let sql = format!("SELECT doc FROM violations WHERE {col} = $1 AND created_at > $2 ORDER BY id");
                let rows = sqlx::query(&sql).bind(id).bind(since).fetch_all(self.reader()).await?;
                rows.iter().map(|r| json(&r.try_get::<String, _>("doc")?)).collect()
            }

            async fn save_violation(&self, v: &Violation, from: ViolationStatus, record: AuditEntry) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                let n = sqlx::query("UPDATE violations SET status = $1, doc = $2 WHERE id = $3 AND status = $4")
                    .bind(v.status.as_str())
                    .bind(to_json(v)?)
                    .bind(v.id.to_string())
                    .bind(from.as_str())
                    .execute(&mut *tx)
                    .await?;
                if n.rows_affected() != 1 {
                    return Err(StoreError::conflict("violation_state_changed", "the violation changed meanwhile; read it again"));
                }
                append_record(&mut tx, &v.show.to_string(), record).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn insert_measure(&self, m: &Measure, record: AuditEntry) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                let subject = m.subject.to_string();
                sqlx::query("INSERT INTO measures (id, subject_id, kind, starts_at, doc) VALUES ($1, $2, $3, $4, $5)")
                    .bind(m.id.to_string())
                    .bind(&subject)
                    .bind(m.kind.as_str())
                    .bind(m.starts_at)
                    .bind(to_json(m)?)
                    .execute(&mut *tx)
                    .await?;
                if m.kind.bars_identity() {
                    let sql = match m.subject {
                        Subject::Anchor(_) => "SELECT identity_index FROM anchors WHERE id = $1",
                        Subject::RoomOperator(_) => "SELECT identity_index FROM parties WHERE id = $1",
                    };
                    let row = sqlx::query(sql).bind(&subject).fetch_optional(&mut *tx).await?.ok_or(StoreError::NotFound)?;
                    let index: String = row.try_get("identity_index")?;
                    sqlx::query("INSERT INTO barred_identities (identity_index, measure_id, barred_at) VALUES ($1, $2, $3)")
                        .bind(index)
                        .bind(m.id.to_string())
                        .bind(m.starts_at)
                        .execute(&mut *tx)
                        .await?;
                }
                append_record(&mut tx, &subject, record).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn get_measure(&self, id: MeasureId) -> StoreResult<Option<Measure>> {
                let row = sqlx::query("SELECT doc FROM measures WHERE id = $1").bind(id.to_string()).fetch_optional(self.reader()).await?;
                row.map(|r| json(&r.try_get::<String, _>("doc")?)).transpose()
            }

            async fn list_measures(&self, subject: Option<Subject>, pr: &PageRequest) -> StoreResult<Page<Measure>> {
                let rows = sqlx::query("SELECT doc FROM measures WHERE id > $1 AND ($2 = '' OR subject_id = $2) ORDER BY id LIMIT $3")
                    .bind(pr.after.clone().unwrap_or_default())
                    .bind(subject.map(|s| s.to_string()).unwrap_or_default())
                    .bind(pr.limit() + 1)
                    .fetch_all(self.reader())
                    .await?;
                let items = rows.iter().map(|r| json(&r.try_get::<String, _>("doc")?)).collect::<StoreResult<Vec<Measure>>>()?;
                Ok(page(items, pr.limit(), |m| m.id.to_string()))
            }

            async fn save_measure(&self, m: &Measure, prev: &Measure, record: AuditEntry) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                let n = sqlx::query("UPDATE measures SET doc = $1 WHERE id = $2 AND doc = $3")
                    .bind(to_json(m)?)
                    .bind(m.id.to_string())
                    .bind(to_json(prev)?)
                    .execute(&mut *tx)
                    .await?;
                if n.rows_affected() != 1 {
                    return Err(StoreError::conflict("measure_changed", "the measure changed meanwhile; read it again"));
                }
                if m.reversed {
                    sqlx::query("DELETE FROM barred_identities WHERE measure_id = $1").bind(m.id.to_string()).execute(&mut *tx).await?;
                }
                append_record(&mut tx, &m.subject.to_string(), record).await?;
                tx.commit().await?;
                Ok(())
            }
            async fn insert_chat(&self, m: &ChatMessage, record: AuditEntry) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                sqlx::query("INSERT INTO chat_messages (id, show_id, author_id, hidden, at, doc) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(m.id.to_string())
                    .bind(m.show.to_string())
                    .bind(m.author.to_string())
                    .bind(m.hidden)
                    .bind(m.at)
                    .bind(to_json(m)?)
                    .execute(&mut *tx)
                    .await?;
                append_record(&mut tx, &m.show.to_string(), record).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn list_chat(&self, show: ShowId, with_hidden: bool, pr: &PageRequest) -> StoreResult<Page<ChatMessage>> {
                let rows = sqlx::query(
                    "SELECT doc FROM chat_messages WHERE show_id = $1 AND id > $2 AND ($3 OR hidden = $4) ORDER BY id LIMIT $5",
                )
                .bind(show.to_string())
                .bind(pr.after.clone().unwrap_or_default())
                .bind(with_hidden)
                .bind(false)
                .bind(pr.limit() + 1)
                .fetch_all(self.reader())
                .await?;
                let items = rows.iter().map(|r| json(&r.try_get::<String, _>("doc")?)).collect::<StoreResult<Vec<ChatMessage>>>()?;
                Ok(page(items, pr.limit(), |m| m.id.to_string()))
            }

            async fn mark_heard(&self, show: ShowId, at: DateTime<Utc>) -> StoreResult<Option<DateTime<Utc>>> {
                let mut tx = self.begin().await?;
                let prev = sqlx::query(concat!("SELECT silent_since FROM show_speech WHERE show_id = $1", $lock))
                    .bind(show.to_string())
                    .fetch_optional(&mut *tx)
                    .await?;
                let was: Option<DateTime<Utc>> = match &prev {
                    Some(r) => r.try_get("silent_since")?,
                    None => None,
                };
                sqlx::query(
                    "INSERT INTO show_speech (show_id, last_heard_at, silent_since) VALUES ($1, $2, NULL) \
                     ON CONFLICT (show_id) DO UPDATE SET last_heard_at = $2, silent_since = NULL",
                )
                .bind(show.to_string())
                .bind(at)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(was)
            }

            async fn speech_state(&self, show: ShowId) -> StoreResult<Option<(DateTime<Utc>, Option<DateTime<Utc>>)>> {
                let row = sqlx::query("SELECT last_heard_at, silent_since FROM show_speech WHERE show_id = $1")
                    .bind(show.to_string())
                    .fetch_optional(self.reader())
                    .await?;
                row.map(|r| Ok((r.try_get("last_heard_at")?, r.try_get("silent_since")?))).transpose()
            }

            async fn mark_silent(&self, show: ShowId, last_heard: DateTime<Utc>, since: DateTime<Utc>, records: Vec<AuditEntry>, alert: Option<AuditEntry>) -> StoreResult<bool> {
                let mut tx = self.begin().await?;
                // Only a show not heard since `last_heard` and not yet flagged: a segment that
                // arrived meanwhile wins.
                let n = sqlx::query(
                    "INSERT INTO show_speech (show_id, last_heard_at, silent_since) VALUES ($1, $2, $3) \
                     ON CONFLICT (show_id) DO UPDATE SET silent_since = $3 \
                     WHERE show_speech.silent_since IS NULL AND show_speech.last_heard_at = $2",
                )
                .bind(show.to_string())
                .bind(last_heard)
                .bind(since)
                .execute(&mut *tx)
                .await?;
                if n.rows_affected() != 1 {
                    return Ok(false);
                }
                for r in records {
                    append_record(&mut tx, &show.to_string(), r).await?;
                }
                if let Some(a) = alert {
                    append_record(&mut tx, crate::PLATFORM_STREAM, a).await?;
                }
                tx.commit().await?;
                Ok(true)
            }

            async fn silent_shows(&self) -> StoreResult<Vec<(ShowId, DateTime<Utc>, DateTime<Utc>)>> {
                let rows = sqlx::query(
                    "SELECT s.show_id, s.last_heard_at, s.silent_since FROM show_speech s JOIN shows sh ON sh.id = s.show_id \
                     WHERE s.silent_since IS NOT NULL AND sh.status = 'live' ORDER BY s.silent_since",
                )
                .fetch_all(self.reader())
                .await?;
                rows.iter()
                    .map(|r| Ok((parse(&r.try_get::<String, _>("show_id")?)?, r.try_get("last_heard_at")?, r.try_get("silent_since")?)))
                    .collect()
            }

            async fn insert_notice(&self, n: &Notice, record: AuditEntry) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                sqlx::query("INSERT INTO notices (id, subject_id, received_at, doc) VALUES ($1, $2, $3, $4)")
                    .bind(n.id.to_string())
                    .bind(n.subject.to_string())
                    .bind(n.received_at)
                    .bind(to_json(n)?)
                    .execute(&mut *tx)
                    .await?;
                append_record(&mut tx, crate::PLATFORM_STREAM, record).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn get_notice(&self, id: NoticeId) -> StoreResult<Option<Notice>> {
                let row = sqlx::query("SELECT doc FROM notices WHERE id = $1").bind(id.to_string()).fetch_optional(self.reader()).await?;
                row.map(|r| json(&r.try_get::<String, _>("doc")?)).transpose()
            }

            async fn list_notices(&self, pr: &PageRequest) -> StoreResult<Page<Notice>> {
                let rows = sqlx::query("SELECT doc FROM notices WHERE id > $1 ORDER BY id LIMIT $2")
                    .bind(pr.after.clone().unwrap_or_default())
                    .bind(pr.limit() + 1)
                    .fetch_all(self.reader())
                    .await?;
                let items = rows.iter().map(|r| json(&r.try_get::<String, _>("doc")?)).collect::<StoreResult<Vec<Notice>>>()?;
                Ok(page(items, pr.limit(), |n| n.id.to_string()))
            }

            async fn save_notice(&self, n: &Notice, prev: &Notice, record: AuditEntry) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                let r = sqlx::query("UPDATE notices SET doc = $1 WHERE id = $2 AND doc = $3")
                    .bind(to_json(n)?)
                    .bind(n.id.to_string())
                    .bind(to_json(prev)?)
                    .execute(&mut *tx)
                    .await?;
                if r.rows_affected() != 1 {
                    return Err(StoreError::conflict("notice_changed", "the notice changed meanwhile; read it again"));
                }
                append_record(&mut tx, crate::PLATFORM_STREAM, record).await?;
                tx.commit().await?;
                Ok(())
            }
        }
    };
}

pub(crate) use impl_supervision_store;

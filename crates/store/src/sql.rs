//! The SQL both backends share. The queries are written once in the dialect SQLite and
//! PostgreSQL have in common (`$n` parameters, `ON CONFLICT`, no time arithmetic in SQL) and
//! instantiated per backend by [`impl_store!`], so the two cannot drift apart; the only
//! per-backend fragment is the row lock that serialises audit appends (`FOR UPDATE` on
//! PostgreSQL; SQLite's single writer already serialises them).

/// Instantiates [`crate::Store`] for a backend type with `reader()`, `begin()` and a `cipher`.
macro_rules! impl_store {
    ($ty:ty, $db:ty, $lock:literal) => {
        use async_trait::async_trait;
        use chrono::{DateTime, NaiveDate, Utc};
        use clearcast_domain::account::{Account, Role};
        #[allow(unused_imports)]
        use clearcast_domain::product::Category as _CategoryCheck;
        use clearcast_domain::anchor::{Anchor, NewAnchor, RosterEntry, TrainingKind, TrainingRecord};
        use clearcast_domain::audit::{link, AuditEntry, ChainedEntry};
        use clearcast_domain::id_number::IdNumber;
        use clearcast_domain::ids::*;
        use clearcast_domain::money::{Currency, Money};
        use clearcast_domain::party::{LegalIdentity, NewParty, Party, PartyId, PartyKind};
        use clearcast_domain::product::{Category, Product, Variant};
        use clearcast_domain::qualification::{Inspection, Qualification, QualificationKind, Review};
        use clearcast_domain::text::Text;
        use clearcast_domain::uscc::Uscc;
        use clearcast_domain::verification::Verification;
        use sqlx::Row;

        use crate::error::unique_as;
        use crate::{Page, PageRequest, ProductFilter, Store, StoreError, StoreResult, TokenRecord, TokenSession};

        const ACCOUNT_UNIQUE: &[(&str, &'static str, &str)] = &[("username", "username_taken", "this user name is taken")];
        const PARTY_UNIQUE: &[(&str, &'static str, &str)] = &[
            ("identity_index", "duplicate_identity", "a party of this kind with this identity is already registered"),
            ("owner_id", "already_registered", "this account already owns a party of this kind"),
        ];
        const ANCHOR_UNIQUE: &[(&str, &'static str, &str)] = &[
            ("identity_index", "duplicate_identity", "an anchor with this ID number is already registered"),
            ("owner_id", "already_registered", "this account already owns an anchor profile"),
        ];

        type DbRow = <$db as sqlx::Database>::Row;
        type Tx = sqlx::Transaction<'static, $db>;

        fn parse<T: std::str::FromStr>(s: &str) -> StoreResult<T>
        where
            T::Err: std::fmt::Display,
        {
            s.parse::<T>().map_err(StoreError::corrupt)
        }

        fn json<T: serde::de::DeserializeOwned>(s: &str) -> StoreResult<T> {
            serde_json::from_str(s).map_err(StoreError::corrupt)
        }

        fn to_json<T: serde::Serialize>(v: &T) -> StoreResult<String> {
            serde_json::to_string(v).map_err(StoreError::corrupt)
        }

        fn opt_json<T: serde::de::DeserializeOwned>(s: Option<String>) -> StoreResult<Option<T>> {
            s.map(|s| json(&s)).transpose()
        }

        fn enum_str<T: serde::Serialize>(v: &T) -> StoreResult<String> {
            match serde_json::to_value(v).map_err(StoreError::corrupt)? {
                serde_json::Value::String(s) => Ok(s),
                other => Err(StoreError::corrupt(format!("not a plain enum: {other}"))),
            }
        }

        fn str_enum<T: serde::de::DeserializeOwned>(s: &str) -> StoreResult<T> {
            serde_json::from_value(serde_json::Value::String(s.to_string())).map_err(StoreError::corrupt)
        }

        fn page<T>(mut items: Vec<T>, limit: i64, id: impl Fn(&T) -> String) -> Page<T> {
            let more = items.len() as i64 > limit;
            if more {
                items.truncate(limit as usize);
            }
            let next_cursor = if more { items.last().map(id) } else { None };
            Page { items, next_cursor }
        }

        fn account_from(row: &DbRow) -> StoreResult<Account> {
            Ok(Account {
                id: parse(&row.try_get::<String, _>("id")?)?,
                username: row.try_get("username")?,
                role: parse::<Role>(&row.try_get::<String, _>("role")?)?,
                created_at: row.try_get("created_at")?,
            })
        }

        /// Order 117 Art. 14: an identity closed with a re-registration ban or blacklisted may not
        /// register again, as anchor or as party.
        async fn ensure_not_barred(tx: &mut Tx, index: &str) -> StoreResult<()> {
            let barred = sqlx::query("SELECT measure_id FROM barred_identities WHERE identity_index = $1")
                .bind(index)
                .fetch_optional(&mut **tx)
                .await?;
            match barred {
                Some(r) => Err(StoreError::conflict(
                    "identity_barred",
                    format!(
                        "this identity may not register again (Order 117 Art. 14; measure {})",
                        r.try_get::<String, _>("measure_id")?
                    ),
                )),
                None => Ok(()),
            }
        }

        fn session_from(row: &DbRow) -> StoreResult<TokenSession> {
            Ok(TokenSession {
                token_hash: row.try_get("token_hash")?,
                account: account_from(row)?,
                expires_at: row.try_get("expires_at")?,
            })
        }

        /// Appends to one record stream inside `tx`. The stream's head row is locked (PostgreSQL) or
        /// the single writer holds it (SQLite), so appends to different streams never wait on each
        /// other.
        async fn append_record(tx: &mut Tx, stream: &str, entry: AuditEntry) -> StoreResult<ChainedEntry> {
            sqlx::query("INSERT INTO record_heads (stream, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (stream) DO NOTHING")
                .bind(stream)
                .bind(clearcast_domain::audit::GENESIS)
                .execute(&mut **tx)
                .await?;
            let head = sqlx::query(concat!("SELECT seq, hash FROM record_heads WHERE stream = $1", $lock))
                .bind(stream)
                .fetch_one(&mut **tx)
                .await?;
            let seq: i64 = head.try_get("seq")?;
            let hash: String = head.try_get("hash")?;
            let c = link(Some((seq, hash.as_str())), entry);
            sqlx::query(
                "INSERT INTO records (stream, seq, at, actor, action, subject, detail, prev_hash, hash) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(stream)
            .bind(c.seq)
            .bind(c.entry.at)
            .bind(c.entry.actor.to_string())
            .bind(&c.entry.action)
            .bind(&c.entry.subject)
            .bind(to_json(&c.entry.detail)?)
            .bind(&c.prev_hash)
            .bind(&c.hash)
            .execute(&mut **tx)
            .await?;
            sqlx::query("UPDATE record_heads SET seq = $1, hash = $2 WHERE stream = $3")
                .bind(c.seq)
                .bind(&c.hash)
                .bind(stream)
                .execute(&mut **tx)
                .await?;
            Ok(c)
        }

        /// Operator actions go to the platform stream.
        async fn append_audit(tx: &mut Tx, entry: AuditEntry) -> StoreResult<ChainedEntry> {
            append_record(tx, crate::PLATFORM_STREAM, entry).await
        }

        const PARTY_COLS: &str = "id, kind, owner_id, registered_by, legal_name, uscc, id_number_enc, address, contact, licences, verification, created_at";
        const ANCHOR_COLS: &str = "id, owner_id, real_name, stage_name, id_number_enc, birth_date, address, contact, agency_id, qualifications, guardian_consent, verification, created_at";
        const PRODUCT_COLS: &str = "id, seller_id, goods_owner_id, title, description, category, price_minor, currency, unit, created_at";
        const TRAINING_COLS: &str = "id, anchor_id, kind, category, completed_on, provider, hours, recorded_by, recorded_at";
        const QUAL_COLS: &str = "id, product_id, kind, number, issuer, valid_from, valid_until, review, created_at";
        const INSP_COLS: &str = "id, product_id, lab, report_number, inspected_on, passed, valid_until, review, created_at";

        fn training_from(row: &DbRow) -> StoreResult<TrainingRecord> {
            let category: Option<String> = row.try_get("category")?;
            Ok(TrainingRecord {
                id: parse(&row.try_get::<String, _>("id")?)?,
                anchor: parse(&row.try_get::<String, _>("anchor_id")?)?,
                kind: str_enum::<TrainingKind>(&row.try_get::<String, _>("kind")?)?,
                category: category.map(|c| parse::<Category>(&c)).transpose()?,
                completed_on: row.try_get::<NaiveDate, _>("completed_on")?,
                provider: row.try_get("provider")?,
                hours: u16::try_from(row.try_get::<i64, _>("hours")?).map_err(StoreError::corrupt)?,
                recorded_by: parse(&row.try_get::<String, _>("recorded_by")?)?,
                recorded_at: row.try_get("recorded_at")?,
            })
        }

        fn roster_from(row: &DbRow) -> StoreResult<RosterEntry> {
            Ok(RosterEntry {
                room_operator: parse(&row.try_get::<String, _>("room_operator_id")?)?,
                anchor: parse(&row.try_get::<String, _>("anchor_id")?)?,
                added_at: row.try_get("added_at")?,
                confirmed_at: row.try_get("confirmed_at")?,
            })
        }

        fn qualification_from(row: &DbRow) -> StoreResult<Qualification> {
            Ok(Qualification {
                id: parse(&row.try_get::<String, _>("id")?)?,
                product: parse(&row.try_get::<String, _>("product_id")?)?,
                kind: str_enum::<QualificationKind>(&row.try_get::<String, _>("kind")?)?,
                number: row.try_get("number")?,
                issuer: row.try_get("issuer")?,
                valid_from: row.try_get("valid_from")?,
                valid_until: row.try_get("valid_until")?,
                review: opt_json(row.try_get("review")?)?,
                created_at: row.try_get("created_at")?,
            })
        }

        fn inspection_from(row: &DbRow) -> StoreResult<Inspection> {
            Ok(Inspection {
                id: parse(&row.try_get::<String, _>("id")?)?,
                product: parse(&row.try_get::<String, _>("product_id")?)?,
                lab: row.try_get("lab")?,
                report_number: row.try_get("report_number")?,
                inspected_on: row.try_get("inspected_on")?,
                passed: row.try_get("passed")?,
                valid_until: row.try_get("valid_until")?,
                review: opt_json(row.try_get("review")?)?,
                created_at: row.try_get("created_at")?,
            })
        }

        fn chained_from(row: &DbRow) -> StoreResult<ChainedEntry> {
            Ok(ChainedEntry {
                seq: row.try_get("seq")?,
                entry: AuditEntry {
                    at: row.try_get("at")?,
                    actor: parse(&row.try_get::<String, _>("actor")?)?,
                    action: row.try_get("action")?,
                    subject: row.try_get("subject")?,
                    detail: json(&row.try_get::<String, _>("detail")?)?,
                },
                prev_hash: row.try_get("prev_hash")?,
                hash: row.try_get("hash")?,
            })
        }

        impl $ty {
            /// Refuses a cipher other than the one the data was written with: a keyed probe is
            /// stored on first use, and a database from before the probe must decrypt a sample.
            async fn check_key(&self) -> StoreResult<()> {
                let probe = self.cipher.index("clearcast id key check v1");
                let mut tx = self.begin().await?;
                let row = sqlx::query("SELECT value FROM meta WHERE key = 'id_key_check'").fetch_optional(&mut *tx).await?;
                match row {
                    Some(r) => {
                        if r.try_get::<String, _>("value")? != probe {
                            return Err(StoreError::KeyMismatch);
                        }
                    }
                    None => {
                        for q in ["SELECT id_number_enc FROM anchors LIMIT 1", "SELECT id_number_enc FROM parties WHERE id_number_enc IS NOT NULL LIMIT 1"] {
                            if let Some(r) = sqlx::query(q).fetch_optional(&mut *tx).await? {
                                let sealed: String = r.try_get("id_number_enc")?;
                                self.cipher.open(&sealed).map_err(|_| StoreError::KeyMismatch)?;
                            }
                        }
                        sqlx::query("INSERT INTO meta (key, value) VALUES ('id_key_check', $1)").bind(&probe).execute(&mut *tx).await?;
                    }
                }
                tx.commit().await?;
                Ok(())
            }

            fn party_from(&self, row: &DbRow) -> StoreResult<Party> {
                let kind = str_enum::<PartyKind>(&row.try_get::<String, _>("kind")?)?;
                let id = kind.parse_id(&row.try_get::<String, _>("id")?).map_err(StoreError::corrupt)?;
                let uscc: Option<String> = row.try_get("uscc")?;
                let enc: Option<String> = row.try_get("id_number_enc")?;
                let identity = match (uscc, enc) {
                    (Some(u), _) => LegalIdentity::Organisation(Uscc::parse(&u).map_err(StoreError::corrupt)?),
                    (None, Some(e)) => LegalIdentity::NaturalPerson(IdNumber::parse(&self.cipher.open(&e)?).map_err(StoreError::corrupt)?),
                    (None, None) => return Err(StoreError::corrupt("party without identity")),
                };
                let owner: Option<String> = row.try_get("owner_id")?;
                Ok(Party {
                    id,
                    owner: owner.map(|o| parse(&o)).transpose()?,
                    registered_by: parse(&row.try_get::<String, _>("registered_by")?)?,
                    details: NewParty {
                        legal_name: Text::from_trusted(row.try_get("legal_name")?),
                        identity,
                        address: Text::from_trusted(row.try_get("address")?),
                        contact: Text::from_trusted(row.try_get("contact")?),
                        licences: json(&row.try_get::<String, _>("licences")?)?,
                    },
                    verification: opt_json(row.try_get("verification")?)?,
                    created_at: row.try_get("created_at")?,
                })
            }

            fn anchor_from(&self, row: &DbRow) -> StoreResult<Anchor> {
                let id_number = IdNumber::parse(&self.cipher.open(&row.try_get::<String, _>("id_number_enc")?)?)
                    .map_err(StoreError::corrupt)?;
                let stage: Option<String> = row.try_get("stage_name")?;
                let agency: Option<String> = row.try_get("agency_id")?;
                Ok(Anchor {
                    id: parse(&row.try_get::<String, _>("id")?)?,
                    owner: parse(&row.try_get::<String, _>("owner_id")?)?,
                    details: NewAnchor {
                        real_name: Text::from_trusted(row.try_get("real_name")?),
                        stage_name: stage.map(Text::from_trusted),
                        id_number,
                        birth_date: row.try_get("birth_date")?,
                        address: Text::from_trusted(row.try_get("address")?),
                        contact: Text::from_trusted(row.try_get("contact")?),
                        agency: agency.map(|a| parse(&a)).transpose()?,
                        qualifications: json(&row.try_get::<String, _>("qualifications")?)?,
                        guardian_consent: opt_json(row.try_get("guardian_consent")?)?,
                    },
                    verification: opt_json(row.try_get("verification")?)?,
                    created_at: row.try_get("created_at")?,
                })
            }

            async fn products_with_variants(&self, rows: Vec<DbRow>) -> StoreResult<Vec<Product>> {
                let mut out = Vec::with_capacity(rows.len());
                for row in rows {
                    let id: String = row.try_get("id")?;
                    let currency = Currency::parse(&row.try_get::<String, _>("currency")?)
                        .ok_or_else(|| StoreError::corrupt("unknown currency"))?;
                    let vrows = sqlx::query("SELECT id, label, stock, price_minor FROM variants WHERE product_id = $1 ORDER BY position")
                        .bind(&id)
                        .fetch_all(self.reader())
                        .await?;
                    let variants = vrows
                        .iter()
                        .map(|v| {
                            Ok(Variant {
                                id: parse(&v.try_get::<String, _>("id")?)?,
                                label: v.try_get("label")?,
                                stock: v.try_get("stock")?,
                                price: Money { minor: v.try_get("price_minor")?, currency },
                            })
                        })
                        .collect::<StoreResult<Vec<_>>>()?;
                    out.push(Product {
                        id: parse(&id)?,
                        seller: parse(&row.try_get::<String, _>("seller_id")?)?,
                        goods_owner: parse(&row.try_get::<String, _>("goods_owner_id")?)?,
                        title: row.try_get("title")?,
                        description: row.try_get("description")?,
                        category: parse(&row.try_get::<String, _>("category")?)?,
                        price: Money { minor: row.try_get("price_minor")?, currency },
                        unit: row.try_get("unit")?,
                        variants,
                        created_at: row.try_get("created_at")?,
                    });
                }
                Ok(out)
            }
        }

        #[async_trait]
        impl Store for $ty {
            fn backend(&self) -> &'static str {
                <$ty>::BACKEND
            }

            fn keyed_digest(&self, value: &str) -> String {
                self.cipher.index(value)
            }

            async fn ping(&self) -> StoreResult<()> {
                sqlx::query("SELECT 1").execute(self.reader()).await?;
                Ok(())
            }

            async fn create_account(&self, a: &Account, password_hash: &str, audit: Option<AuditEntry>) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                let taken = sqlx::query("SELECT 1 FROM accounts WHERE username = $1")
                    .bind(&a.username)
                    .fetch_optional(&mut *tx)
                    .await?;
                if taken.is_some() {
                    return Err(StoreError::conflict("username_taken", format!("user name `{}` is taken", a.username)));
                }
                sqlx::query("INSERT INTO accounts (id, username, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(a.id.to_string())
                    .bind(&a.username)
                    .bind(a.role.as_str())
                    .bind(password_hash)
                    .bind(a.created_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| unique_as(e, ACCOUNT_UNIQUE))?;
                if let Some(entry) = audit {
                    append_audit(&mut tx, entry).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn account_by_username(&self, username: &str) -> StoreResult<Option<(Account, String)>> {
                let row = sqlx::query("SELECT id, username, role, password_hash, created_at FROM accounts WHERE username = $1")
                    .bind(username)
                    .fetch_optional(self.reader())
                    .await?;
                row.map(|r| Ok((account_from(&r)?, r.try_get("password_hash")?))).transpose()
            }

            async fn get_account(&self, id: AccountId) -> StoreResult<Option<Account>> {
                let row = sqlx::query("SELECT id, username, role, created_at FROM accounts WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional(self.reader())
                    .await?;
                row.map(|r| account_from(&r)).transpose()
            }

            async fn insert_token(&self, t: &TokenRecord) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                sqlx::query("INSERT INTO tokens (token_hash, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                    .bind(&t.token_hash)
                    .bind(t.account.to_string())
                    .bind(t.created_at)
                    .bind(t.expires_at)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn token_session(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<Option<TokenSession>> {
                let row = sqlx::query(
                    "SELECT t.token_hash, a.id, a.username, a.role, a.created_at, t.expires_at, t.revoked_at \
                     FROM tokens t JOIN accounts a ON a.id = t.account_id WHERE t.token_hash = $1",
                )
                .bind(token_hash)
                .fetch_optional(self.reader())
                .await?;
                let Some(row) = row else { return Ok(None) };
                let revoked: Option<DateTime<Utc>> = row.try_get("revoked_at")?;
                let session = session_from(&row)?;
                Ok((revoked.is_none() && session.expires_at > now).then_some(session))
            }

            async fn live_tokens(&self, now: DateTime<Utc>, limit: i64) -> StoreResult<Vec<TokenSession>> {
                let rows = sqlx::query(
                    "SELECT t.token_hash, a.id, a.username, a.role, a.created_at, t.expires_at \
                     FROM tokens t JOIN accounts a ON a.id = t.account_id \
                     WHERE t.revoked_at IS NULL AND t.expires_at > $1 ORDER BY t.created_at DESC LIMIT $2",
                )
                .bind(now)
                .bind(limit)
                .fetch_all(self.reader())
                .await?;
                rows.iter().map(session_from).collect()
            }

            async fn revoked_tokens_since(&self, since: DateTime<Utc>) -> StoreResult<Vec<String>> {
                let rows = sqlx::query("SELECT token_hash FROM tokens WHERE revoked_at >= $1")
                    .bind(since)
                    .fetch_all(self.reader())
                    .await?;
                rows.iter().map(|r| Ok(r.try_get::<String, _>("token_hash")?)).collect()
            }

            async fn revoke_token(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<bool> {
                let mut tx = self.begin().await?;
                let r = sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL")
                    .bind(now)
                    .bind(token_hash)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(r.rows_affected() == 1)
            }

            async fn insert_party(&self, p: &Party, audit: Option<AuditEntry>) -> StoreResult<()> {
                let index = self.cipher.index(p.details.identity.key());
                let (uscc, enc) = match &p.details.identity {
                    LegalIdentity::Organisation(u) => (Some(u.as_str().to_string()), None),
                    LegalIdentity::NaturalPerson(i) => (None, Some(self.cipher.seal(i.expose())?)),
                };
                let kind = p.kind().as_str();
                let mut tx = self.begin().await?;
                ensure_not_barred(&mut tx, &index).await?;
                let dup = sqlx::query("SELECT id FROM parties WHERE kind = $1 AND identity_index = $2")
                    .bind(kind)
                    .bind(&index)
                    .fetch_optional(&mut *tx)
                    .await?;
                if let Some(d) = dup {
                    let existing: String = d.try_get("id")?;
                    return Err(StoreError::conflict(
                        "duplicate_identity",
                        format!("a {} with this identity is already registered as {existing}", kind.replace('_', " ")),
                    ));
                }
                if let Some(owner) = p.owner {
                    let mine = sqlx::query("SELECT id FROM parties WHERE kind = $1 AND owner_id = $2")
                        .bind(kind)
                        .bind(owner.to_string())
                        .fetch_optional(&mut *tx)
                        .await?;
                    if let Some(m) = mine {
                        let existing: String = m.try_get("id")?;
                        return Err(StoreError::conflict(
                            "already_registered",
                            format!("this account already owns {existing}"),
                        ));
                    }
                }
                sqlx::query(
                    "INSERT INTO parties (id, kind, owner_id, registered_by, legal_name, uscc, id_number_enc, identity_index, \
                     address, contact, licences, verification, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                )
                .bind(p.id.to_string())
                .bind(kind)
                .bind(p.owner.map(|o| o.to_string()))
                .bind(p.registered_by.to_string())
                .bind(p.details.legal_name.as_str())
                .bind(uscc)
                .bind(enc)
                .bind(index)
                .bind(p.details.address.as_str())
                .bind(p.details.contact.as_str())
                .bind(to_json(&p.details.licences)?)
                .bind(p.verification.as_ref().map(to_json).transpose()?)
                .bind(p.created_at)
                .execute(&mut *tx)
                .await
                .map_err(|e| unique_as(e, PARTY_UNIQUE))?;
                if let Some(entry) = audit {
                    append_audit(&mut tx, entry).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn get_party(&self, id: PartyId) -> StoreResult<Option<Party>> {
                let row = sqlx::query(&format!("SELECT {PARTY_COLS} FROM parties WHERE id = $1 AND kind = $2"))
                    .bind(id.to_string())
                    .bind(id.kind().as_str())
                    .fetch_optional(self.reader())
                    .await?;
                row.map(|r| self.party_from(&r)).transpose()
            }

            async fn party_of_owner(&self, kind: PartyKind, owner: AccountId) -> StoreResult<Option<Party>> {
                let row = sqlx::query(&format!("SELECT {PARTY_COLS} FROM parties WHERE kind = $1 AND owner_id = $2"))
                    .bind(kind.as_str())
                    .bind(owner.to_string())
                    .fetch_optional(self.reader())
                    .await?;
                row.map(|r| self.party_from(&r)).transpose()
            }

            async fn list_parties(&self, kind: PartyKind, pr: &PageRequest) -> StoreResult<Page<Party>> {
                let rows = sqlx::query(&format!(
                    "SELECT {PARTY_COLS} FROM parties WHERE kind = $1 AND id > $2 ORDER BY id LIMIT $3"
                ))
                .bind(kind.as_str())
                .bind(pr.after.clone().unwrap_or_default())
                .bind(pr.limit() + 1)
                .fetch_all(self.reader())
                .await?;
                let items = rows.iter().map(|r| self.party_from(r)).collect::<StoreResult<Vec<_>>>()?;
                Ok(page(items, pr.limit(), |p| p.id.to_string()))
            }

            async fn set_party_verification(&self, id: PartyId, v: &Verification, audit: AuditEntry) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                let r = sqlx::query("UPDATE parties SET verification = $1 WHERE id = $2 AND kind = $3")
                    .bind(to_json(v)?)
                    .bind(id.to_string())
                    .bind(id.kind().as_str())
                    .execute(&mut *tx)
                    .await?;
                if r.rows_affected() != 1 {
                    return Err(StoreError::NotFound);
                }
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn insert_anchor(&self, a: &Anchor) -> StoreResult<()> {
                let d = &a.details;
                let index = self.cipher.index(d.id_number.expose());
                let mut tx = self.begin().await?;
                ensure_not_barred(&mut tx, &index).await?;
                let dup = sqlx::query("SELECT id FROM anchors WHERE identity_index = $1")
                    .bind(&index)
                    .fetch_optional(&mut *tx)
                    .await?;
                if dup.is_some() {
                    return Err(StoreError::conflict("duplicate_identity", "an anchor with this ID number is already registered"));
                }
                let mine = sqlx::query("SELECT id FROM anchors WHERE owner_id = $1")
                    .bind(a.owner.to_string())
                    .fetch_optional(&mut *tx)
                    .await?;
                if let Some(m) = mine {
                    let existing: String = m.try_get("id")?;
                    return Err(StoreError::conflict("already_registered", format!("this account already owns {existing}")));
                }
                sqlx::query(
                    "INSERT INTO anchors (id, owner_id, real_name, stage_name, id_number_enc, identity_index, birth_date, address, \
                     contact, agency_id, qualifications, guardian_consent, verification, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                )
                .bind(a.id.to_string())
                .bind(a.owner.to_string())
                .bind(d.real_name.as_str())
                .bind(d.stage_name.as_ref().map(|s| s.as_str().to_string()))
                .bind(self.cipher.seal(d.id_number.expose())?)
                .bind(index)
                .bind(d.birth_date)
                .bind(d.address.as_str())
                .bind(d.contact.as_str())
                .bind(d.agency.map(|x| x.to_string()))
                .bind(to_json(&d.qualifications)?)
                .bind(d.guardian_consent.as_ref().map(to_json).transpose()?)
                .bind(a.verification.as_ref().map(to_json).transpose()?)
                .bind(a.created_at)
                .execute(&mut *tx)
                .await
                .map_err(|e| unique_as(e, ANCHOR_UNIQUE))?;
                tx.commit().await?;
                Ok(())
            }

            async fn get_anchor(&self, id: AnchorId) -> StoreResult<Option<Anchor>> {
                let row = sqlx::query(&format!("SELECT {ANCHOR_COLS} FROM anchors WHERE id = $1"))
                    .bind(id.to_string())
                    .fetch_optional(self.reader())
                    .await?;
                row.map(|r| self.anchor_from(&r)).transpose()
            }

            async fn anchor_of_owner(&self, owner: AccountId) -> StoreResult<Option<Anchor>> {
                let row = sqlx::query(&format!("SELECT {ANCHOR_COLS} FROM anchors WHERE owner_id = $1"))
                    .bind(owner.to_string())
                    .fetch_optional(self.reader())
                    .await?;
                row.map(|r| self.anchor_from(&r)).transpose()
            }

            async fn list_anchors(&self, pr: &PageRequest) -> StoreResult<Page<Anchor>> {
                let rows = sqlx::query(&format!("SELECT {ANCHOR_COLS} FROM anchors WHERE id > $1 ORDER BY id LIMIT $2"))
                    .bind(pr.after.clone().unwrap_or_default())
                    .bind(pr.limit() + 1)
                    .fetch_all(self.reader())
                    .await?;
                let items = rows.iter().map(|r| self.anchor_from(r)).collect::<StoreResult<Vec<_>>>()?;
                Ok(page(items, pr.limit(), |a| a.id.to_string()))
            }

            async fn set_anchor_verification(&self, id: AnchorId, v: &Verification, audit: AuditEntry) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                let r = sqlx::query("UPDATE anchors SET verification = $1 WHERE id = $2")
                    .bind(to_json(v)?)
                    .bind(id.to_string())
                    .execute(&mut *tx)
                    .await?;
                if r.rows_affected() != 1 {
                    return Err(StoreError::NotFound);
                }
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn insert_training(&self, t: &TrainingRecord, audit: AuditEntry) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                sqlx::query(&format!("INSERT INTO trainings ({TRAINING_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"))
                    .bind(t.id.to_string())
                    .bind(t.anchor.to_string())
                    .bind(enum_str(&t.kind)?)
                    .bind(t.category.map(|c| c.as_str()))
                    .bind(t.completed_on)
                    .bind(&t.provider)
                    .bind(i64::from(t.hours))
                    .bind(t.recorded_by.to_string())
                    .bind(t.recorded_at)
                    .execute(&mut *tx)
                    .await?;
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn list_trainings(&self, anchor: AnchorId) -> StoreResult<Vec<TrainingRecord>> {
                let rows = sqlx::query(&format!("SELECT {TRAINING_COLS} FROM trainings WHERE anchor_id = $1 ORDER BY id"))
                    .bind(anchor.to_string())
                    .fetch_all(self.reader())
                    .await?;
                rows.iter().map(training_from).collect()
            }

            async fn roster_add(&self, e: &RosterEntry, audit: Option<AuditEntry>) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                let r = sqlx::query(
                    "INSERT INTO rosters (room_operator_id, anchor_id, added_at, confirmed_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (room_operator_id, anchor_id) DO NOTHING",
                )
                .bind(e.room_operator.to_string())
                .bind(e.anchor.to_string())
                .bind(e.added_at)
                .bind(e.confirmed_at)
                .execute(&mut *tx)
                .await?;
                if r.rows_affected() == 0 {
                    return Err(StoreError::conflict("already_on_roster", "the anchor is already on this roster"));
                }
                if let Some(entry) = audit {
                    append_audit(&mut tx, entry).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn roster_confirm(&self, room: RoomOperatorId, anchor: AnchorId, at: DateTime<Utc>, audit: Option<AuditEntry>) -> StoreResult<RosterEntry> {
                let mut tx = self.begin().await?;
                sqlx::query("UPDATE rosters SET confirmed_at = $1 WHERE room_operator_id = $2 AND anchor_id = $3 AND confirmed_at IS NULL")
                    .bind(at)
                    .bind(room.to_string())
                    .bind(anchor.to_string())
                    .execute(&mut *tx)
                    .await?;
                let row = sqlx::query("SELECT room_operator_id, anchor_id, added_at, confirmed_at FROM rosters WHERE room_operator_id = $1 AND anchor_id = $2")
                    .bind(room.to_string())
                    .bind(anchor.to_string())
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let e = roster_from(&row)?;
                if let Some(entry) = audit {
                    append_audit(&mut tx, entry).await?;
                }
                tx.commit().await?;
                Ok(e)
            }

            async fn roster_get(&self, room: RoomOperatorId, anchor: AnchorId) -> StoreResult<Option<RosterEntry>> {
                let row = sqlx::query("SELECT room_operator_id, anchor_id, added_at, confirmed_at FROM rosters WHERE room_operator_id = $1 AND anchor_id = $2")
                    .bind(room.to_string())
                    .bind(anchor.to_string())
                    .fetch_optional(self.reader())
                    .await?;
                row.map(|r| roster_from(&r)).transpose()
            }

            async fn roster_list(&self, room: RoomOperatorId) -> StoreResult<Vec<RosterEntry>> {
                let rows = sqlx::query("SELECT room_operator_id, anchor_id, added_at, confirmed_at FROM rosters WHERE room_operator_id = $1 ORDER BY anchor_id")
                    .bind(room.to_string())
                    .fetch_all(self.reader())
                    .await?;
                rows.iter().map(roster_from).collect()
            }

            async fn blacklist_add(&self, id: &IdNumber, reason: &str, at: DateTime<Utc>, by: AccountId, audit: AuditEntry) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                let listed = sqlx::query("SELECT 1 FROM blacklist WHERE identity_index = $1")
                    .bind(self.cipher.index(id.expose()))
                    .fetch_optional(&mut *tx)
                    .await?;
                if listed.is_some() {
                    return Err(StoreError::conflict("already_blacklisted", "this identity is already on the blacklist"));
                }
                sqlx::query("INSERT INTO blacklist (identity_index, reason, listed_at, listed_by) VALUES ($1, $2, $3, $4) ON CONFLICT (identity_index) DO NOTHING")
                    .bind(self.cipher.index(id.expose()))
                    .bind(reason)
                    .bind(at)
                    .bind(by.to_string())
                    .execute(&mut *tx)
                    .await?;
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn is_blacklisted(&self, id: &IdNumber) -> StoreResult<bool> {
                let row = sqlx::query("SELECT 1 FROM blacklist WHERE identity_index = $1")
                    .bind(self.cipher.index(id.expose()))
                    .fetch_optional(self.reader())
                    .await?;
                Ok(row.is_some())
            }

            async fn insert_product(&self, p: &Product, audit: Option<AuditEntry>) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                sqlx::query(&format!("INSERT INTO products ({PRODUCT_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"))
                    .bind(p.id.to_string())
                    .bind(p.seller.to_string())
                    .bind(p.goods_owner.to_string())
                    .bind(&p.title)
                    .bind(&p.description)
                    .bind(p.category.as_str())
                    .bind(p.price.minor)
                    .bind(p.price.currency.code())
                    .bind(&p.unit)
                    .bind(p.created_at)
                    .execute(&mut *tx)
                    .await?;
                for (i, v) in p.variants.iter().enumerate() {
                    sqlx::query("INSERT INTO variants (id, product_id, position, label, stock, price_minor) VALUES ($1, $2, $3, $4, $5, $6)")
                        .bind(v.id.to_string())
                        .bind(p.id.to_string())
                        .bind(i as i64)
                        .bind(&v.label)
                        .bind(v.stock)
                        .bind(v.price.minor)
                        .execute(&mut *tx)
                        .await?;
                }
                if let Some(entry) = audit {
                    append_audit(&mut tx, entry).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn get_product(&self, id: ProductId) -> StoreResult<Option<Product>> {
                let rows = sqlx::query(&format!("SELECT {PRODUCT_COLS} FROM products WHERE id = $1"))
                    .bind(id.to_string())
                    .fetch_all(self.reader())
                    .await?;
                Ok(self.products_with_variants(rows).await?.pop())
            }

            async fn list_products(&self, f: &ProductFilter, pr: &PageRequest) -> StoreResult<Page<Product>> {
                let rows = sqlx::query(&format!(
                    "SELECT {PRODUCT_COLS} FROM products WHERE id > $1 AND ($2 = '' OR seller_id = $2) \
                     AND ($3 = '' OR category = $3) ORDER BY id LIMIT $4"
                ))
                .bind(pr.after.clone().unwrap_or_default())
                .bind(f.seller.map(|s| s.to_string()).unwrap_or_default())
                .bind(f.category.clone().unwrap_or_default())
                .bind(pr.limit() + 1)
                .fetch_all(self.reader())
                .await?;
                let items = self.products_with_variants(rows).await?;
                Ok(page(items, pr.limit(), |p| p.id.to_string()))
            }

            async fn insert_qualification(&self, q: &Qualification) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                sqlx::query(&format!("INSERT INTO qualifications ({QUAL_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"))
                    .bind(q.id.to_string())
                    .bind(q.product.to_string())
                    .bind(q.kind.as_str())
                    .bind(&q.number)
                    .bind(&q.issuer)
                    .bind(q.valid_from)
                    .bind(q.valid_until)
                    .bind(q.review.as_ref().map(to_json).transpose()?)
                    .bind(q.created_at)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn list_qualifications(&self, product: ProductId) -> StoreResult<Vec<Qualification>> {
                let rows = sqlx::query(&format!("SELECT {QUAL_COLS} FROM qualifications WHERE product_id = $1 ORDER BY id"))
                    .bind(product.to_string())
                    .fetch_all(self.reader())
                    .await?;
                rows.iter().map(qualification_from).collect()
            }

            async fn review_qualification(&self, product: ProductId, id: QualificationId, r: &Review, audit: AuditEntry) -> StoreResult<Qualification> {
                let mut tx = self.begin().await?;
                let n = sqlx::query("UPDATE qualifications SET review = $1 WHERE id = $2 AND product_id = $3")
                    .bind(to_json(r)?)
                    .bind(id.to_string())
                    .bind(product.to_string())
                    .execute(&mut *tx)
                    .await?;
                if n.rows_affected() != 1 {
                    return Err(StoreError::NotFound);
                }
                let row = sqlx::query(&format!("SELECT {QUAL_COLS} FROM qualifications WHERE id = $1"))
                    .bind(id.to_string())
                    .fetch_one(&mut *tx)
                    .await?;
                let q = qualification_from(&row)?;
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(q)
            }

            async fn insert_inspection(&self, i: &Inspection) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                sqlx::query(&format!("INSERT INTO inspections ({INSP_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"))
                    .bind(i.id.to_string())
                    .bind(i.product.to_string())
                    .bind(&i.lab)
                    .bind(&i.report_number)
                    .bind(i.inspected_on)
                    .bind(i.passed)
                    .bind(i.valid_until)
                    .bind(i.review.as_ref().map(to_json).transpose()?)
                    .bind(i.created_at)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn list_inspections(&self, product: ProductId) -> StoreResult<Vec<Inspection>> {
                let rows = sqlx::query(&format!("SELECT {INSP_COLS} FROM inspections WHERE product_id = $1 ORDER BY id"))
                    .bind(product.to_string())
                    .fetch_all(self.reader())
                    .await?;
                rows.iter().map(inspection_from).collect()
            }

            async fn review_inspection(&self, product: ProductId, id: InspectionId, r: &Review, audit: AuditEntry) -> StoreResult<Inspection> {
                let mut tx = self.begin().await?;
                let n = sqlx::query("UPDATE inspections SET review = $1 WHERE id = $2 AND product_id = $3")
                    .bind(to_json(r)?)
                    .bind(id.to_string())
                    .bind(product.to_string())
                    .execute(&mut *tx)
                    .await?;
                if n.rows_affected() != 1 {
                    return Err(StoreError::NotFound);
                }
                let row = sqlx::query(&format!("SELECT {INSP_COLS} FROM inspections WHERE id = $1"))
                    .bind(id.to_string())
                    .fetch_one(&mut *tx)
                    .await?;
                let i = inspection_from(&row)?;
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(i)
            }

            async fn record_append(&self, stream: &str, entry: AuditEntry) -> StoreResult<ChainedEntry> {
                let mut tx = self.begin().await?;
                let c = append_record(&mut tx, stream, entry).await?;
                tx.commit().await?;
                Ok(c)
            }

            async fn record_list(&self, stream: &str, after_seq: i64, limit: u32) -> StoreResult<Vec<ChainedEntry>> {
                let rows = sqlx::query(
                    "SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM records \
                     WHERE stream = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                )
                .bind(stream)
                .bind(after_seq)
                .bind(i64::from(limit.clamp(1, 10_000)))
                .fetch_all(self.reader())
                .await?;
                rows.iter().map(chained_from).collect()
            }

            async fn record_streams(&self) -> StoreResult<Vec<crate::StreamHead>> {
                let rows = sqlx::query(
                    "SELECT h.stream, h.seq, h.hash, c.through_seq, c.hash AS checkpoint_hash \
                     FROM record_heads h LEFT JOIN record_checkpoints c ON c.stream = h.stream ORDER BY h.stream",
                )
                .fetch_all(self.reader())
                .await?;
                rows.iter()
                    .map(|r| {
                        let through: Option<i64> = r.try_get("through_seq")?;
                        let chash: Option<String> = r.try_get("checkpoint_hash")?;
                        Ok(crate::StreamHead {
                            stream: r.try_get("stream")?,
                            seq: r.try_get("seq")?,
                            hash: r.try_get("hash")?,
                            checkpoint: through.zip(chash),
                        })
                    })
                    .collect()
            }

            async fn archive_records(&self, stream: &str, through_seq: i64, archived_at: DateTime<Utc>, file: &str) -> StoreResult<()> {
                let mut tx = self.begin().await?;
                let row = sqlx::query("SELECT hash FROM records WHERE stream = $1 AND seq = $2")
                    .bind(stream)
                    .bind(through_seq)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let hash: String = row.try_get("hash")?;
                for stmt in <$ty>::ALLOW_DELETE {
                    sqlx::query(stmt).execute(&mut *tx).await?;
                }
                sqlx::query("DELETE FROM records WHERE stream = $1 AND seq <= $2")
                    .bind(stream)
                    .bind(through_seq)
                    .execute(&mut *tx)
                    .await?;
                for stmt in <$ty>::FORBID_DELETE {
                    sqlx::query(stmt).execute(&mut *tx).await?;
                }
                sqlx::query(
                    "INSERT INTO record_checkpoints (stream, through_seq, hash, archived_at, archive_file) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (stream) DO UPDATE SET through_seq = excluded.through_seq, hash = excluded.hash, \
                     archived_at = excluded.archived_at, archive_file = excluded.archive_file",
                )
                .bind(stream)
                .bind(through_seq)
                .bind(hash)
                .bind(archived_at)
                .bind(file)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }
        }
    };
}

pub(crate) use impl_store;

//! The SQL of the ledger, shared by both backends like `sql.rs` (and expanded in the same module,
//! so it uses that file's helpers).
//!
//! Group commit: `post_batches` takes many independent batches and writes them in one database
//! transaction with a handful of statements — the accounts they touch are created if new, locked
//! (PostgreSQL) and read once, every batch is checked in memory in order by the domain's rules,
//! and the balances and transfers of the accepted ones are written with one statement each. The
//! backends differ only in how a JSON parameter becomes rows (`$strs`, `$objs`) and in reading a
//! timestamp out of it (`$ts`).

/// Instantiates [`crate::LedgerStore`] for a backend.
macro_rules! impl_ledger_store {
    ($ty:ty, $lock:literal, $strs:literal, $objs:literal, $ts:literal) => {
        use clearcast_domain::ledger::{AccountCode, LedgerError, Posted, Transfer, TransferId};

        fn transfer_from(row: &DbRow) -> StoreResult<Transfer> {
            Ok(Transfer {
                id: TransferId::try_from(row.try_get::<String, _>("id")?).map_err(StoreError::corrupt)?,
                debit: parse(&row.try_get::<String, _>("debit")?)?,
                credit: parse(&row.try_get::<String, _>("credit")?)?,
                amount: row.try_get("amount")?,
                currency: str_enum(&row.try_get::<String, _>("currency")?)?,
                kind: str_enum(&row.try_get::<String, _>("kind")?)?,
                reference: row.try_get("reference")?,
                at: row.try_get("at")?,
            })
        }

        type DbConn = <Tx as std::ops::Deref>::Target;

        const TRANSFER_COLS: &str = "seq, id, debit, credit, amount, currency, kind, reference, at";

        /// Checks and writes batches inside the caller's transaction (the orders' transitions
        /// post their money in the same transaction as the state change).
        ///
        /// Replays are rare, so the common case skips looking the ids up: the batches are checked
        /// as if every id were new and the transfers inserted under a savepoint; the primary key
        /// refuses the insert if any id was taken after all, and then the savepoint is undone and
        /// the batches are checked again against the stored transfers of their ids. Either way
        /// the outcome is the one the careful path alone would give.
        async fn ledger_post_in(tx: &mut Tx, batches: &[Vec<Transfer>]) -> StoreResult<Vec<Result<Posted, LedgerError>>> {
            use std::collections::HashMap;
            let accounts: std::collections::BTreeSet<AccountCode> =
                batches.iter().flatten().flat_map(|t| [t.debit, t.credit]).collect();
            let accounts: Vec<AccountCode> = accounts.into_iter().collect();
            // Lists travel as one JSON parameter each: the database unpacks them in C, where
            // binding thousands of parameters one by one costs more than the writes.
            let codes = serde_json::Value::from(accounts.iter().map(|a| a.to_string()).collect::<Vec<_>>()).to_string();
            let rows: Vec<serde_json::Value> =
                accounts.iter().map(|a| serde_json::json!({"code": a.to_string(), "kind": a.kind.as_str()})).collect();
            sqlx::query(&format!(
                "INSERT INTO ledger_accounts (code, kind, currency, balance) \
                 SELECT value ->> 'code', value ->> 'kind', 'CNY', 0 FROM {} WHERE true ON CONFLICT (code) DO NOTHING",
                $objs
            ))
            .bind(serde_json::Value::from(rows).to_string())
            .execute(&mut **tx)
            .await?;
            // Locked in code order, so two group commits can never wait on each other in a circle.
            let mut balances: HashMap<AccountCode, i64> = HashMap::new();
            let sql = format!(
                "SELECT code, balance FROM ledger_accounts WHERE code IN (SELECT value FROM {}) ORDER BY code{}",
                $strs, $lock
            );
            for row in sqlx::query(&sql).bind(&codes).fetch_all(&mut **tx).await? {
                balances.insert(parse(&row.try_get::<String, _>("code")?)?, row.try_get("balance")?);
            }

            let all_ids = || batches.iter().flatten().map(|t| t.id.as_str()).collect::<Vec<_>>();
            let (out, delta, fresh) = ledger_check(batches, &balances, &HashMap::new());
            // A refused batch may be a replay whose re-check fails now (a withdrawal retried once
            // the money is gone): the insert cannot tell, so its ids are looked up, and if any is
            // stored the careful path decides everything.
            let refused: Vec<&str> = batches
                .iter()
                .zip(&out)
                .filter(|(_, o)| o.is_err())
                .flat_map(|(b, _)| b.iter().map(|t| t.id.as_str()))
                .collect();
            let replay_refused = !refused.is_empty() && !ledger_known(tx, &refused).await?.is_empty();
            let fast = if replay_refused {
                None
            } else {
                let mut sp = sqlx::Connection::begin(&mut **tx).await?;
                if ledger_insert(&mut sp, &fresh).await? {
                    sp.commit().await?;
                    Some((out, delta))
                } else {
                    sp.rollback().await?;
                    None
                }
            };
            let (out, delta) = match fast {
                Some(done) => done,
                None => {
                    let known = ledger_known(tx, &all_ids()).await?;
                    let (out, delta, fresh) = ledger_check(batches, &balances, &known);
                    if !ledger_insert(tx, &fresh).await? {
                        return Err(StoreError::Database("a transfer id was taken while its batch was written".into()));
                    }
                    (out, delta)
                }
            };
            let changed: Vec<serde_json::Value> = delta
                .into_iter()
                .filter(|(_, d)| *d != 0)
                .map(|(a, d)| serde_json::json!({"code": a.to_string(), "d": d}))
                .collect();
            if !changed.is_empty() {
                sqlx::query(&format!(
                    "UPDATE ledger_accounts SET balance = balance + v.d FROM \
                     (SELECT value ->> 'code' AS code, CAST(value ->> 'd' AS BIGINT) AS d FROM {}) AS v \
                     WHERE ledger_accounts.code = v.code",
                    $objs
                ))
                .bind(serde_json::Value::from(changed).to_string())
                .execute(&mut **tx)
                .await?;
            }
            Ok(out)
        }

        /// The stored transfers of these ids.
        async fn ledger_known(
            tx: &mut Tx,
            ids: &[&str],
        ) -> StoreResult<std::collections::HashMap<TransferId, Transfer>> {
            let mut known = std::collections::HashMap::new();
            let id_list = serde_json::Value::from(ids.to_vec()).to_string();
            let sql = format!("SELECT {TRANSFER_COLS} FROM ledger_transfers WHERE id IN (SELECT value FROM {})", $strs);
            for row in sqlx::query(&sql).bind(&id_list).fetch_all(&mut **tx).await? {
                let t = transfer_from(&row)?;
                known.insert(t.id.clone(), t);
            }
            Ok(known)
        }

        /// Checks every batch in order against the running balances and the stored transfers of
        /// its ids: the outcomes, the net change per account, and the transfers to write.
        #[allow(clippy::type_complexity)]
        fn ledger_check<'a>(
            batches: &'a [Vec<Transfer>],
            balances: &std::collections::HashMap<AccountCode, i64>,
            known: &std::collections::HashMap<TransferId, Transfer>,
        ) -> (
            Vec<Result<Posted, LedgerError>>,
            std::collections::BTreeMap<AccountCode, i64>,
            Vec<&'a Transfer>,
        ) {
            use std::collections::{BTreeMap, HashMap};
            let mut running: HashMap<AccountCode, i64> = HashMap::new();
            let mut taken: HashMap<&TransferId, &Transfer> = HashMap::new();
            let mut out = Vec::with_capacity(batches.len());
            let mut delta: BTreeMap<AccountCode, i64> = BTreeMap::new();
            let mut fresh: Vec<&Transfer> = Vec::new();
            for batch in batches {
                // What this batch's ids hold already: stored, or taken by an earlier batch of this
                // commit (which the stored set cannot know yet).
                let mut mine: HashMap<TransferId, Transfer> = HashMap::new();
                for t in batch {
                    if let Some(o) = known.get(&t.id) {
                        mine.insert(t.id.clone(), o.clone());
                    } else if let Some(o) = taken.get(&t.id) {
                        mine.insert(t.id.clone(), (*o).clone());
                    }
                }
                let checked = clearcast_domain::ledger::check_batch(batch, &mine, |a| {
                    balances.get(a).copied().unwrap_or(0) + running.get(a).copied().unwrap_or(0)
                });
                out.push(match checked {
                    Err(e) => Err(e),
                    Ok(None) => Ok(Posted::Replayed(batch.iter().filter_map(|t| mine.get(&t.id).cloned()).collect())),
                    Ok(Some(d)) => {
                        for (a, x) in d {
                            *running.entry(a).or_insert(0) += x;
                            *delta.entry(a).or_insert(0) += x;
                        }
                        for t in batch {
                            taken.insert(&t.id, t);
                            fresh.push(t);
                        }
                        Ok(Posted::Applied(batch.clone()))
                    }
                });
            }
            (out, delta, fresh)
        }

        /// Writes accepted transfers with their sequence numbers (taken in order, under the
        /// counter's lock). False when an id was taken already: the insert wrote nothing then
        /// (the caller undoes the savepoint it runs under, which holds the counter's step too).
        async fn ledger_insert(tx: &mut DbConn, fresh: &[&Transfer]) -> StoreResult<bool> {
            if fresh.is_empty() {
                return Ok(true);
            }
            let n = i64::try_from(fresh.len()).unwrap_or(i64::MAX);
            let last: i64 = sqlx::query_scalar("UPDATE ledger_seq SET last = last + $1 WHERE id = 1 RETURNING last")
                .bind(n)
                .fetch_one(&mut *tx)
                .await?;
            // Rows as a JSON array of arrays, written straight from the values (no JSON tree).
            let mut rows = Vec::with_capacity(fresh.len() * 160);
            rows.push(b'[');
            for (i, t) in fresh.iter().enumerate() {
                if i > 0 {
                    rows.push(b',');
                }
                let row = (
                    t.id.as_str(),
                    last - n + 1 + i as i64,
                    t.debit.to_string(),
                    t.credit.to_string(),
                    t.amount,
                    t.currency.code(),
                    enum_str(&t.kind)?,
                    &t.reference,
                    t.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                );
                serde_json::to_writer(&mut rows, &row).map_err(StoreError::corrupt)?;
            }
            rows.push(b']');
            let rows = String::from_utf8(rows).map_err(StoreError::corrupt)?;
            let inserted = sqlx::query(&format!(
                "INSERT INTO ledger_transfers (id, seq, debit, credit, amount, currency, kind, reference, at) \
                 SELECT value ->> 0, CAST(value ->> 1 AS BIGINT), value ->> 2, value ->> 3, CAST(value ->> 4 AS BIGINT), \
                 value ->> 5, value ->> 6, value ->> 7, {} FROM {}",
                $ts, $objs
            ))
            .bind(rows)
            .execute(&mut *tx)
            .await;
            match inserted {
                Ok(_) => Ok(true),
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
                Err(e) => Err(e.into()),
            }
        }

        #[async_trait]
        impl crate::LedgerStore for $ty {
            async fn post_batches(&self, batches: &[Vec<Transfer>]) -> StoreResult<Vec<Result<Posted, LedgerError>>> {
                let mut tx = self.begin().await?;
                let out = ledger_post_in(&mut tx, batches).await?;
                tx.commit().await?;
                Ok(out)
            }

            async fn ledger_balances(&self) -> StoreResult<Vec<(AccountCode, i64)>> {
                let rows = sqlx::query("SELECT code, balance FROM ledger_accounts ORDER BY code")
                    .fetch_all(self.reader())
                    .await?;
                rows.iter()
                    .map(|r| Ok((parse(&r.try_get::<String, _>("code")?)?, r.try_get::<i64, _>("balance")?)))
                    .collect()
            }

            async fn ledger_balance(&self, account: &AccountCode) -> StoreResult<i64> {
                let b: Option<i64> = sqlx::query_scalar("SELECT balance FROM ledger_accounts WHERE code = $1")
                    .bind(account.to_string())
                    .fetch_optional(self.reader())
                    .await?;
                Ok(b.unwrap_or(0))
            }

            async fn account_transfers(
                &self,
                account: &AccountCode,
                after: i64,
                limit: u32,
            ) -> StoreResult<Vec<(i64, Transfer)>> {
                let sql = format!(
                    "SELECT {TRANSFER_COLS} FROM ledger_transfers WHERE (debit = $1 OR credit = $1) AND seq > $2 ORDER BY seq LIMIT $3"
                );
                let rows = sqlx::query(&sql)
                    .bind(account.to_string())
                    .bind(after)
                    .bind(i64::from(limit.clamp(1, 1000)))
                    .fetch_all(self.reader())
                    .await?;
                rows.iter().map(|r| Ok((r.try_get::<i64, _>("seq")?, transfer_from(r)?))).collect()
            }

            async fn ledger_transfer(&self, id: &TransferId) -> StoreResult<Option<Transfer>> {
                let sql = format!("SELECT {TRANSFER_COLS} FROM ledger_transfers WHERE id = $1");
                let row = sqlx::query(&sql).bind(id.as_str()).fetch_optional(self.reader()).await?;
                row.as_ref().map(transfer_from).transpose()
            }

            async fn ledger_transfer_count(&self) -> StoreResult<u64> {
                let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ledger_transfers").fetch_one(self.reader()).await?;
                Ok(u64::try_from(n).unwrap_or(0))
            }
        }
    };
}

pub(crate) use impl_ledger_store;

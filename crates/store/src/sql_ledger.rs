//! The SQL of the ledger, shared by both backends like `sql.rs` (and expanded in the same module,
//! so it uses that file's helpers).
//!
//! Group commit: `post_batches` takes many independent batches and writes them in one database
//! transaction with a handful of statements — the accounts they touch are created if new, locked
//! (PostgreSQL) and read once, every batch is checked in memory in order by the domain's rules,
//! and the balances and transfers of the accepted ones are written with multi-row statements.

/// Instantiates [`crate::LedgerStore`] for a backend.
macro_rules! impl_ledger_store {
    ($ty:ty, $lock:literal) => {
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

        const TRANSFER_COLS: &str = "seq, id, debit, credit, amount, currency, kind, reference, at";

        #[async_trait]
        impl crate::LedgerStore for $ty {
            async fn post_batches(&self, batches: &[Vec<Transfer>]) -> StoreResult<Vec<Result<Posted, LedgerError>>> {
                use std::collections::{BTreeMap, BTreeSet, HashMap};
                let accounts: BTreeSet<AccountCode> =
                    batches.iter().flatten().flat_map(|t| [t.debit, t.credit]).collect();
                let accounts: Vec<AccountCode> = accounts.into_iter().collect();
                let ids: Vec<&str> = batches.iter().flatten().map(|t| t.id.as_str()).collect();
                let mut tx = self.begin().await?;
                for chunk in accounts.chunks(500) {
                    let values = (0..chunk.len())
                        .map(|i| format!("(${}, ${}, ${}, 0)", 3 * i + 1, 3 * i + 2, 3 * i + 3))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let sql = format!(
                        "INSERT INTO ledger_accounts (code, kind, currency, balance) VALUES {values} ON CONFLICT (code) DO NOTHING"
                    );
                    let mut q = sqlx::query(&sql);
                    for a in chunk {
                        q = q.bind(a.to_string()).bind(a.kind.as_str()).bind("CNY");
                    }
                    q.execute(&mut *tx).await?;
                }
                // Locked in code order, so two group commits can never wait on each other in a circle.
                let mut balances: HashMap<AccountCode, i64> = HashMap::new();
                for chunk in accounts.chunks(500) {
                    let params = (1..=chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
                    let sql = format!(
                        "SELECT code, balance FROM ledger_accounts WHERE code IN ({params}) ORDER BY code{}",
                        $lock
                    );
                    let mut q = sqlx::query(&sql);
                    for a in chunk {
                        q = q.bind(a.to_string());
                    }
                    for row in q.fetch_all(&mut *tx).await? {
                        balances.insert(parse(&row.try_get::<String, _>("code")?)?, row.try_get("balance")?);
                    }
                }
                let mut known: HashMap<TransferId, Transfer> = HashMap::new();
                for chunk in ids.chunks(500) {
                    let params = (1..=chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
                    let sql = format!("SELECT {TRANSFER_COLS} FROM ledger_transfers WHERE id IN ({params})");
                    let mut q = sqlx::query(&sql);
                    for id in chunk {
                        q = q.bind(*id);
                    }
                    for row in q.fetch_all(&mut *tx).await? {
                        let t = transfer_from(&row)?;
                        known.insert(t.id.clone(), t);
                    }
                }
                let mut out = Vec::with_capacity(batches.len());
                let mut delta: BTreeMap<AccountCode, i64> = BTreeMap::new();
                let mut fresh: Vec<&Transfer> = Vec::new();
                for batch in batches {
                    let mine: HashMap<TransferId, Transfer> =
                        batch.iter().filter_map(|t| known.get(&t.id).map(|o| (t.id.clone(), o.clone()))).collect();
                    let checked = clearcast_domain::ledger::check_batch(batch, &mine, |a| {
                        balances.get(a).copied().unwrap_or(0)
                    });
                    out.push(match checked {
                        Err(e) => Err(e),
                        Ok(None) => Ok(Posted::Replayed(batch.iter().filter_map(|t| mine.get(&t.id).cloned()).collect())),
                        Ok(Some(d)) => {
                            for (a, x) in d {
                                *balances.entry(a).or_insert(0) += x;
                                *delta.entry(a).or_insert(0) += x;
                            }
                            for t in batch {
                                known.insert(t.id.clone(), t.clone());
                                fresh.push(t);
                            }
                            Ok(Posted::Applied(batch.clone()))
                        }
                    });
                }
                let changed: Vec<(AccountCode, i64)> = delta.into_iter().filter(|(_, d)| *d != 0).collect();
                for chunk in changed.chunks(200) {
                    let cases = (0..chunk.len())
                        .map(|i| format!("WHEN ${} THEN CAST(${} AS BIGINT)", 2 * i + 1, 2 * i + 2))
                        .collect::<Vec<_>>()
                        .join(" ");
                    let list = (0..chunk.len()).map(|i| format!("${}", 2 * i + 1)).collect::<Vec<_>>().join(", ");
                    let sql = format!(
                        "UPDATE ledger_accounts SET balance = balance + CASE code {cases} END WHERE code IN ({list})"
                    );
                    let mut q = sqlx::query(&sql);
                    for (a, d) in chunk {
                        q = q.bind(a.to_string()).bind(*d);
                    }
                    q.execute(&mut *tx).await?;
                }
                for chunk in fresh.chunks(400) {
                    let values = (0..chunk.len())
                        .map(|i| {
                            let b = 8 * i;
                            format!("(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})", b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b + 8)
                        })
                        .collect::<Vec<_>>()
                        .join(", ");
                    let sql = format!(
                        "INSERT INTO ledger_transfers (id, debit, credit, amount, currency, kind, reference, at) VALUES {values}"
                    );
                    let mut q = sqlx::query(&sql);
                    for t in chunk {
                        q = q
                            .bind(t.id.as_str())
                            .bind(t.debit.to_string())
                            .bind(t.credit.to_string())
                            .bind(t.amount)
                            .bind(t.currency.code())
                            .bind(enum_str(&t.kind)?)
                            .bind(t.reference.clone())
                            .bind(t.at);
                    }
                    q.execute(&mut *tx).await?;
                }
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

            async fn ledger_transfer_count(&self) -> StoreResult<u64> {
                let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ledger_transfers").fetch_one(self.reader()).await?;
                Ok(u64::try_from(n).unwrap_or(0))
            }
        }
    };
}

pub(crate) use impl_ledger_store;

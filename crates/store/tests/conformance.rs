//! The store conformance suite: every case runs unchanged against SQLite (always) and
//! PostgreSQL (when `CLEARCAST_TEST_PG_URL` is set), so the two backends cannot drift apart.
//!
//! Each case is an `async fn case_xxx(store: &dyn Store)`; [`conformance!`] turns it into a
//! `sqlite_xxx` and a `postgres_xxx` test. A few cases also need to reach past the trait (to try
//! raw SQL on the audit log, or to read what is stored at rest); they take a [`Raw`] handle too.
//! Instants are built at microsecond precision, which is what PostgreSQL keeps.

use std::path::PathBuf;

use chrono::{DateTime, Duration, NaiveDate, SubsecRound, TimeZone, Utc};
use clearcast_domain::account::{Account, Role};
use clearcast_domain::anchor::{
    Anchor, GuardianConsent, NewAnchor, ProfessionalQualification, RosterEntry, TrainingKind, TrainingRecord,
};
use clearcast_domain::audit::{verify_chain, AuditEntry, ChainedEntry, GENESIS};
use clearcast_domain::id_number::IdNumber;
use clearcast_domain::ids::{
    AccountId, AgencyId, AnchorId, GoodsOwnerId, InspectionId, MerchantId, ProductId, QualificationId, RoomOperatorId,
    TrainingId, VariantId,
};
use clearcast_domain::money::{Currency, Money};
use clearcast_domain::party::{LegalIdentity, Licence, NewParty, Party, PartyId, PartyKind};
use clearcast_domain::product::{Category, Product, Variant};
use clearcast_domain::qualification::{Inspection, Qualification, QualificationKind, Review};
use clearcast_domain::text::Text;
use clearcast_domain::uscc::Uscc;
use clearcast_domain::verification::{Decision, Verification};
use clearcast_store::crypto::FieldCipher;
use clearcast_store::{
    testing, PageRequest, PgStore, ProductFilter, SqliteStore, Store, StoreError, StoreResult, TokenRecord,
};
use sqlx::{Connection, Row};

// ---------------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------------

/// Direct access to the database behind a store, for the few checks the trait cannot express.
enum Raw {
    /// The SQLite database file.
    Sqlite(PathBuf),
    /// The PostgreSQL database URL.
    Postgres(String),
}

impl Raw {
    /// Runs one statement on a fresh connection of its own; the rows it changed.
    async fn execute(&self, sql: &str) -> Result<u64, sqlx::Error> {
        match self {
            Raw::Sqlite(path) => {
                let opts = sqlx::sqlite::SqliteConnectOptions::new().filename(path);
                let mut conn = sqlx::SqliteConnection::connect_with(&opts).await?;
                let done = sqlx::query(sql).execute(&mut conn).await?;
                conn.close().await?;
                Ok(done.rows_affected())
            }
            Raw::Postgres(url) => {
                let mut conn = sqlx::PgConnection::connect(url).await?;
                let done = sqlx::query(sql).execute(&mut conn).await?;
                conn.close().await?;
                Ok(done.rows_affected())
            }
        }
    }

    /// The first column (text) of every row a query returns.
    async fn strings(&self, sql: &str) -> Vec<String> {
        match self {
            Raw::Sqlite(path) => {
                let opts = sqlx::sqlite::SqliteConnectOptions::new().filename(path);
                let mut conn = sqlx::SqliteConnection::connect_with(&opts).await.expect("raw SQLite connection");
                let rows = sqlx::query(sql).fetch_all(&mut conn).await.expect("raw SQLite query");
                rows.iter().map(|r| r.try_get::<String, _>(0).expect("a text column")).collect()
            }
            Raw::Postgres(url) => {
                let mut conn = sqlx::PgConnection::connect(url).await.expect("raw PostgreSQL connection");
                let rows = sqlx::query(sql).fetch_all(&mut conn).await.expect("raw PostgreSQL query");
                rows.iter().map(|r| r.try_get::<String, _>(0).expect("a text column")).collect()
            }
        }
    }

    /// A second store on the same database with another key.
    async fn reopen(&self, cipher: FieldCipher) -> Box<dyn Store> {
        self.try_reopen(cipher).await.expect("reopen")
    }

    /// A second store on the same database, or why it refused to open.
    async fn try_reopen(&self, cipher: FieldCipher) -> StoreResult<Box<dyn Store>> {
        match self {
            Raw::Sqlite(path) => Ok(Box::new(SqliteStore::open(path, cipher).await?)),
            Raw::Postgres(url) => Ok(Box::new(PgStore::connect(url, cipher).await?)),
        }
    }
}

/// Drops the test database made by `fresh_postgres` when its test ends, passed or failed, so
/// that runs do not pile databases up on the server.
struct PgDatabaseGuard(String);

impl Drop for PgDatabaseGuard {
    fn drop(&mut self) {
        let url = self.0.clone();
        // This may run while a failed test unwinds inside its runtime: do the async work on a
        // thread with a runtime of its own.
        let done =
            std::thread::spawn(move || match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(rt) => rt.block_on(drop_pg_database(&url)),
                Err(e) => eprintln!("note: no runtime to drop the test database: {e}"),
            })
            .join();
        if done.is_err() {
            eprintln!("note: dropping the test database panicked");
        }
    }
}

async fn drop_pg_database(url: &str) {
    let Ok(base) = std::env::var(testing::PG_URL_VAR) else {
        return;
    };
    let path = url.split('?').next().unwrap_or(url);
    let Some(name) = path.rsplit('/').next().filter(|n| n.starts_with("clearcast_test_")) else {
        return;
    };
    match sqlx::PgConnection::connect(&base).await {
        Ok(mut admin) => {
            let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            if let Err(e) = sqlx::query(&sql).execute(&mut admin).await {
                eprintln!("note: could not drop test database {name}: {e}");
            }
            let _ = admin.close().await;
        }
        Err(e) => eprintln!("note: could not drop test database {name}: {e}"),
    }
}

/// `conformance!(case_x => sqlite_x, postgres_x);` runs `case_x(&store)` on both backends;
/// `conformance!(raw case_x => sqlite_x, postgres_x);` runs `case_x(&store, &raw)`.
macro_rules! conformance {
    (@tests $sqlite:ident, $postgres:ident, |$store:ident, $raw:ident| $call:expr) => {
        #[tokio::test]
        async fn $sqlite() {
            let ($store, dir) = testing::fresh_sqlite().await.expect("a fresh SQLite store");
            let $raw = Raw::Sqlite(dir.path.join("test.db"));
            assert_eq!(Store::backend(&$store), "sqlite");
            $call.await;
            drop($store);
            drop(dir);
        }

        #[tokio::test]
        async fn $postgres() {
            let Some(($store, url)) = testing::fresh_postgres().await.expect("a fresh PostgreSQL database") else {
                return;
            };
            let _drop_database = PgDatabaseGuard(url.clone());
            let $raw = Raw::Postgres(url);
            assert_eq!(Store::backend(&$store), "postgres");
            $call.await;
            drop($store);
        }
    };
    ($case:ident => $sqlite:ident, $postgres:ident) => {
        conformance!(@tests $sqlite, $postgres, |store, raw| {
            let _ = &raw;
            $case(&store)
        });
    };
    (raw $case:ident => $sqlite:ident, $postgres:ident) => {
        conformance!(@tests $sqlite, $postgres, |store, raw| $case(&store, &raw));
    };
}

conformance!(case_accounts => sqlite_accounts, postgres_accounts);
conformance!(case_tokens => sqlite_tokens, postgres_tokens);
conformance!(case_parties => sqlite_parties, postgres_parties);
conformance!(case_party_pagination => sqlite_party_pagination, postgres_party_pagination);
conformance!(case_party_verification => sqlite_party_verification, postgres_party_verification);
conformance!(case_anchors => sqlite_anchors, postgres_anchors);
conformance!(case_anchor_verification_and_trainings => sqlite_anchor_verification_and_trainings, postgres_anchor_verification_and_trainings);
conformance!(case_rosters => sqlite_rosters, postgres_rosters);
conformance!(case_blacklist => sqlite_blacklist, postgres_blacklist);
conformance!(case_products => sqlite_products, postgres_products);
conformance!(case_product_listing => sqlite_product_listing, postgres_product_listing);
conformance!(case_qualifications => sqlite_qualifications, postgres_qualifications);
conformance!(case_inspections => sqlite_inspections, postgres_inspections);
conformance!(case_audit_chain => sqlite_audit_chain, postgres_audit_chain);
conformance!(case_audit_concurrent_appends => sqlite_audit_concurrent_appends, postgres_audit_concurrent_appends);
conformance!(raw case_audit_append_only => sqlite_audit_append_only, postgres_audit_append_only);
conformance!(raw case_identifiers_at_rest => sqlite_identifiers_at_rest, postgres_identifiers_at_rest);
conformance!(case_concurrent_registrations => sqlite_concurrent_registrations, postgres_concurrent_registrations);
conformance!(case_live_tickets => sqlite_live_tickets, postgres_live_tickets);

// ---------------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------------

/// Now, at the precision both backends keep.
fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

fn instant(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).single().expect("a valid instant")
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

fn text<const N: usize>(s: &str) -> Text<N> {
    Text::<N>::parse(s).expect("valid text")
}

/// A valid USCC numbered `n`.
fn uscc(n: u32) -> Uscc {
    Uscc::complete(&format!("91330106MA2B{n:05}")).expect("a valid USCC")
}

/// A valid ID number (born 1990-03-07) with sequence `n`.
fn id_number(n: u32) -> IdNumber {
    IdNumber::complete(&format!("11010519900307{n:03}")).expect("a valid ID number")
}

async fn account(store: &dyn Store, role: Role) -> Account {
    let id = AccountId::generate();
    let a = Account { id, username: format!("{}-{}", role.as_str(), id.uuid().simple()), role, created_at: now() };
    store.create_account(&a, "$argon2id$test", None).await.expect("create an account");
    a
}

fn audit(actor: AccountId, action: &str, subject: impl ToString) -> AuditEntry {
    AuditEntry {
        at: now(),
        actor,
        action: action.to_string(),
        subject: subject.to_string(),
        detail: serde_json::json!({ "note": "conformance" }),
    }
}

fn party(kind: PartyKind, owner: Option<AccountId>, registered_by: AccountId, identity: LegalIdentity) -> Party {
    Party {
        id: kind.new_id(),
        owner,
        registered_by,
        details: NewParty {
            legal_name: text("杭州好物电子商务有限公司"),
            identity,
            address: text("浙江省杭州市西湖区文三路 1 号"),
            contact: text("0571-88880000"),
            licences: vec![],
        },
        verification: None,
        created_at: now(),
    }
}

fn org(kind: PartyKind, owner: &Account, n: u32) -> Party {
    party(kind, Some(owner.id), owner.id, LegalIdentity::Organisation(uscc(n)))
}

async fn insert_org(store: &dyn Store, kind: PartyKind, owner: &Account, n: u32) -> Party {
    let p = org(kind, owner, n);
    store.insert_party(&p, None).await.expect("insert a party");
    p
}

fn merchant_id(p: &Party) -> MerchantId {
    match p.id {
        PartyId::Merchant(m) => m,
        other => panic!("not a merchant: {other}"),
    }
}

fn goods_owner_id(p: &Party) -> GoodsOwnerId {
    match p.id {
        PartyId::GoodsOwner(g) => g,
        other => panic!("not a goods owner: {other}"),
    }
}

fn room_id(p: &Party) -> RoomOperatorId {
    match p.id {
        PartyId::RoomOperator(r) => r,
        other => panic!("not a room operator: {other}"),
    }
}

fn agency_id(p: &Party) -> AgencyId {
    match p.id {
        PartyId::Agency(a) => a,
        other => panic!("not an agency: {other}"),
    }
}

fn anchor(owner: &Account, id: IdNumber) -> Anchor {
    Anchor {
        id: AnchorId::generate(),
        owner: owner.id,
        details: NewAnchor {
            real_name: text("李佳"),
            stage_name: None,
            birth_date: id.birth_date().expect("a birth date"),
            id_number: id,
            address: text("上海市徐汇区"),
            contact: text("13800000000"),
            agency: None,
            qualifications: vec![],
            guardian_consent: None,
        },
        verification: None,
        created_at: now(),
    }
}

async fn insert_anchor(store: &dyn Store, n: u32) -> Anchor {
    let owner = account(store, Role::Anchor).await;
    let a = anchor(&owner, id_number(n));
    store.insert_anchor(&a).await.expect("insert an anchor");
    a
}

fn product(seller: MerchantId, goods_owner: GoodsOwnerId, category: Category, title: &str) -> Product {
    Product {
        id: ProductId::generate(),
        seller,
        goods_owner,
        title: title.to_string(),
        description: None,
        category,
        price: Money::cny(5990),
        unit: "袋 (5 kg)".to_string(),
        variants: vec![Variant {
            id: VariantId::generate(),
            label: "default".into(),
            stock: 100,
            price: Money::cny(5990),
        }],
        created_at: now(),
    }
}

/// Two merchants and a goods owner, ready to list products.
async fn sellers(store: &dyn Store) -> (Account, MerchantId, MerchantId, GoodsOwnerId) {
    let a = account(store, Role::Merchant).await;
    let b = account(store, Role::Merchant).await;
    let m1 = insert_org(store, PartyKind::Merchant, &a, 1).await;
    let m2 = insert_org(store, PartyKind::Merchant, &b, 2).await;
    let g = insert_org(store, PartyKind::GoodsOwner, &a, 3).await;
    (a, merchant_id(&m1), merchant_id(&m2), goods_owner_id(&g))
}

fn page(limit: u32, after: Option<String>) -> PageRequest {
    PageRequest { after, limit }
}

// ---------------------------------------------------------------------------------------------
// Assertions
// ---------------------------------------------------------------------------------------------

#[track_caller]
fn assert_conflict<T: std::fmt::Debug>(r: StoreResult<T>, want: &str) {
    match r {
        Err(StoreError::Conflict { code, .. }) => assert_eq!(code, want, "wrong conflict code"),
        other => panic!("expected Conflict({want}), got {other:?}"),
    }
}

#[track_caller]
fn assert_not_found<T: std::fmt::Debug>(r: StoreResult<T>) {
    assert!(matches!(r, Err(StoreError::NotFound)), "expected NotFound, got {r:?}");
}

/// A foreign-key violation: an error, and not one that claims a uniqueness conflict.
#[track_caller]
fn assert_rejected<T: std::fmt::Debug>(r: StoreResult<T>, what: &str) {
    match r {
        Ok(v) => panic!("{what}: expected an error, got Ok({v:?})"),
        Err(StoreError::Conflict { code, .. }) => {
            panic!("{what}: expected a database error, got Conflict({code})")
        }
        Err(_) => {}
    }
}

#[track_caller]
fn assert_party_eq(got: &Party, want: &Party) {
    assert_eq!(got.id, want.id);
    assert_eq!(got.kind(), want.kind());
    assert_eq!(got.owner, want.owner);
    assert_eq!(got.registered_by, want.registered_by);
    assert_eq!(got.details.legal_name, want.details.legal_name);
    assert_eq!(got.details.identity, want.details.identity);
    assert_eq!(got.details.address, want.details.address);
    assert_eq!(got.details.contact, want.details.contact);
    assert_eq!(got.details.licences, want.details.licences);
    assert_eq!(got.verification, want.verification);
    assert_eq!(got.created_at, want.created_at);
}

#[track_caller]
fn assert_anchor_eq(got: &Anchor, want: &Anchor) {
    assert_eq!(got.id, want.id);
    assert_eq!(got.owner, want.owner);
    let (g, w) = (&got.details, &want.details);
    assert_eq!(g.real_name, w.real_name);
    assert_eq!(g.stage_name, w.stage_name);
    assert_eq!(g.id_number.expose(), w.id_number.expose());
    assert_eq!(g.birth_date, w.birth_date);
    assert_eq!(g.address, w.address);
    assert_eq!(g.contact, w.contact);
    assert_eq!(g.agency, w.agency);
    assert_eq!(g.qualifications, w.qualifications);
    assert_eq!(g.guardian_consent, w.guardian_consent);
    assert_eq!(got.verification, want.verification);
    assert_eq!(got.created_at, want.created_at);
}

#[track_caller]
fn assert_product_eq(got: &Product, want: &Product) {
    assert_eq!(got.id, want.id);
    assert_eq!(got.seller, want.seller);
    assert_eq!(got.goods_owner, want.goods_owner);
    assert_eq!(got.title, want.title);
    assert_eq!(got.description, want.description);
    assert_eq!(got.category, want.category);
    assert_eq!(got.price, want.price);
    assert_eq!(got.unit, want.unit);
    assert_eq!(got.variants, want.variants);
    assert_eq!(got.created_at, want.created_at);
}

/// Records without `PartialEq` are compared by their JSON form.
#[track_caller]
fn assert_json_eq<A: serde::Serialize, B: serde::Serialize>(got: &A, want: &B) {
    let got = serde_json::to_value(got).expect("serialisable");
    let want = serde_json::to_value(want).expect("serialisable");
    assert_eq!(got, want);
}

async fn audit_len(store: &dyn Store) -> usize {
    store.audit_list(0, 10_000).await.expect("audit_list").len()
}

// ---------------------------------------------------------------------------------------------
// Accounts and tokens
// ---------------------------------------------------------------------------------------------

async fn case_accounts(store: &dyn Store) {
    store.ping().await.expect("ping");
    let a = Account {
        id: AccountId::generate(),
        username: "alice.w".into(),
        role: Role::Merchant,
        created_at: instant(2026, 5, 1, 8, 30, 15) + Duration::microseconds(123_456),
    };
    store.create_account(&a, "$argon2id$v=19$m=19456,t=2,p=1$abc$def", None).await.expect("create");

    let (by_name, hash) = store.account_by_username("alice.w").await.expect("by name").expect("present");
    assert_eq!(by_name, a);
    assert_eq!(hash, "$argon2id$v=19$m=19456,t=2,p=1$abc$def");
    assert_eq!(store.get_account(a.id).await.expect("by id"), Some(a.clone()));

    assert!(store.account_by_username("bob").await.expect("by name").is_none());
    assert_eq!(store.get_account(AccountId::generate()).await.expect("by id"), None);

    let dup =
        Account { id: AccountId::generate(), username: "alice.w".into(), role: Role::Consumer, created_at: now() };
    assert_conflict(store.create_account(&dup, "other", None).await, "username_taken");
    assert_eq!(store.get_account(dup.id).await.expect("by id"), None);
    let (still, hash) = store.account_by_username("alice.w").await.expect("by name").expect("present");
    assert_eq!((still.id, hash.as_str()), (a.id, "$argon2id$v=19$m=19456,t=2,p=1$abc$def"));

    // Every role survives the round trip.
    for role in Role::ALL {
        let acc = account(store, role).await;
        assert_eq!(store.get_account(acc.id).await.expect("by id"), Some(acc));
    }
}

async fn case_tokens(store: &dyn Store) {
    let acc = account(store, Role::Consumer).await;
    let issued = now();
    let expires = issued + Duration::hours(12);
    let t = TokenRecord { token_hash: "ab".repeat(32), account: acc.id, created_at: issued, expires_at: expires };
    store.insert_token(&t).await.expect("insert token");

    assert_eq!(store.token_account(&t.token_hash, issued).await.expect("lookup"), Some(acc.clone()));
    let just_before = expires - Duration::microseconds(1);
    assert_eq!(store.token_account(&t.token_hash, just_before).await.expect("lookup"), Some(acc.clone()));
    assert_eq!(store.token_account(&t.token_hash, expires).await.expect("lookup"), None, "expired at expires_at");
    let later = expires + Duration::seconds(1);
    assert_eq!(store.token_account(&t.token_hash, later).await.expect("lookup"), None);
    assert_eq!(store.token_account(&"cd".repeat(32), issued).await.expect("lookup"), None, "unknown token");

    // A second token of the same account is independent of the first.
    let t2 = TokenRecord { token_hash: "ef".repeat(32), ..t.clone() };
    store.insert_token(&t2).await.expect("insert token");

    assert!(store.revoke_token(&t.token_hash, issued + Duration::minutes(1)).await.expect("revoke"));
    assert!(!store.revoke_token(&t.token_hash, issued + Duration::minutes(2)).await.expect("revoke again"));
    assert!(!store.revoke_token(&"cd".repeat(32), issued).await.expect("revoke unknown"));
    assert_eq!(store.token_account(&t.token_hash, issued).await.expect("lookup"), None, "revoked");
    assert_eq!(store.token_account(&t2.token_hash, issued).await.expect("lookup"), Some(acc.clone()));

    // What a server loads at start and polls for: live tokens, and revocations since a moment.
    let live = store.live_tokens(issued, 1000).await.expect("live tokens");
    let live_hashes: Vec<&str> = live.iter().map(|s| s.token_hash.as_str()).collect();
    assert!(live_hashes.contains(&t2.token_hash.as_str()), "the live token is loaded");
    assert!(!live_hashes.contains(&t.token_hash.as_str()), "the revoked token is not");
    let s2 = live.iter().find(|s| s.token_hash == t2.token_hash).expect("t2");
    assert_eq!((s2.account.clone(), s2.expires_at), (acc.clone(), expires));
    assert!(
        store.live_tokens(later, 1000).await.expect("live").iter().all(|s| s.token_hash != t2.token_hash),
        "expired"
    );
    let revoked = store.revoked_tokens_since(issued).await.expect("revoked since");
    assert!(revoked.contains(&t.token_hash) && !revoked.contains(&t2.token_hash));
    assert!(!store.revoked_tokens_since(issued + Duration::minutes(2)).await.expect("later").contains(&t.token_hash));

    // The same hash twice, or a token of an unknown account, is refused.
    assert!(store.insert_token(&t).await.is_err(), "a token hash is unique");
    let orphan = TokenRecord { token_hash: "99".repeat(32), account: AccountId::generate(), ..t.clone() };
    assert_rejected(store.insert_token(&orphan).await, "token of an unknown account");
    assert_eq!(store.token_account(&orphan.token_hash, issued).await.expect("lookup"), None);
}

// ---------------------------------------------------------------------------------------------
// Parties
// ---------------------------------------------------------------------------------------------

async fn case_parties(store: &dyn Store) {
    let boss = account(store, Role::Merchant).await;
    let mut company = org(PartyKind::Merchant, &boss, 1);
    company.details.identity = LegalIdentity::Organisation(Uscc::complete("91330106MA2B00001").expect("a USCC"));
    company.details.licences = vec![
        Licence {
            kind: "营业执照".into(),
            number: "330106000123456".into(),
            issuer: "杭州市西湖区市场监督管理局".into(),
            valid_until: None,
        },
        Licence {
            kind: "food business licence".into(),
            number: "JY13301060012345".into(),
            issuer: "Hangzhou AMR".into(),
            valid_until: Some(day(2029, 12, 31)),
        },
    ];
    company.created_at = instant(2026, 4, 1, 9, 0, 0) + Duration::microseconds(654_321);
    store.insert_party(&company, None).await.expect("insert organisation");
    let got = store.get_party(company.id).await.expect("get").expect("present");
    assert_party_eq(&got, &company);

    // A natural person, registered already verified.
    let person_acc = account(store, Role::Merchant).await;
    let person_id = IdNumber::complete("11010519491231002").expect("an ID number");
    let mut person =
        party(PartyKind::Merchant, Some(person_acc.id), person_acc.id, LegalIdentity::NaturalPerson(person_id.clone()));
    person.details.legal_name = text("王小明");
    person.verification = Some(Verification::decide(Decision::Approve, now(), 6, boss.id, Some("checked".into())));
    store.insert_party(&person, None).await.expect("insert natural person");
    let got = store.get_party(person.id).await.expect("get").expect("present");
    assert_party_eq(&got, &person);
    match &got.details.identity {
        LegalIdentity::NaturalPerson(id) => {
            assert_eq!(id.expose(), person_id.expose(), "the ID number decrypts")
        }
        other => panic!("expected a natural person, got {other:?}"),
    }

    // The same identity again, as the same kind: refused, whoever registers it.
    let other = account(store, Role::Merchant).await;
    let dup_org = party(PartyKind::Merchant, Some(other.id), other.id, company.details.identity.clone());
    assert_conflict(store.insert_party(&dup_org, None).await, "duplicate_identity");
    let dup_person =
        party(PartyKind::Merchant, Some(other.id), other.id, LegalIdentity::NaturalPerson(person_id.clone()));
    assert_conflict(store.insert_party(&dup_person, None).await, "duplicate_identity");
    assert!(store.get_party(dup_org.id).await.expect("get").is_none());
    assert!(store.party_of_owner(PartyKind::Merchant, other.id).await.expect("owner").is_none());

    // The same identity as another kind is fine: a company both sells and owns its brand.
    let brand = party(PartyKind::GoodsOwner, Some(boss.id), boss.id, company.details.identity.clone());
    store.insert_party(&brand, None).await.expect("same USCC as a goods owner");
    let person_brand = party(PartyKind::GoodsOwner, None, boss.id, LegalIdentity::NaturalPerson(person_id.clone()));
    store.insert_party(&person_brand, None).await.expect("same ID number as a goods owner");
    assert_party_eq(&store.get_party(person_brand.id).await.expect("get").expect("present"), &person_brand);

    // Goods owners registered by others have no owner; several of them may coexist.
    let unowned = party(PartyKind::GoodsOwner, None, boss.id, LegalIdentity::Organisation(uscc(77)));
    store.insert_party(&unowned, None).await.expect("a second goods owner without owner");

    // One party of each kind per owner.
    let second = org(PartyKind::Merchant, &boss, 2);
    assert_conflict(store.insert_party(&second, None).await, "already_registered");
    assert!(store.get_party(second.id).await.expect("get").is_none());

    let mine = store.party_of_owner(PartyKind::Merchant, boss.id).await.expect("owner").expect("present");
    assert_party_eq(&mine, &company);
    let mine = store.party_of_owner(PartyKind::GoodsOwner, boss.id).await.expect("owner").expect("present");
    assert_party_eq(&mine, &brand);
    assert!(store.party_of_owner(PartyKind::RoomOperator, boss.id).await.expect("owner").is_none());
    assert!(store.party_of_owner(PartyKind::Merchant, AccountId::generate()).await.expect("owner").is_none());

    // Absent ids, including a known UUID under another kind's prefix.
    assert!(store.get_party(PartyKind::Merchant.new_id()).await.expect("get").is_none());
    let as_goods_owner = PartyId::GoodsOwner(GoodsOwnerId::from_uuid(merchant_id(&company).uuid()));
    assert!(store.get_party(as_goods_owner).await.expect("get").is_none());

    // Owner and registrar must be accounts.
    let ghost =
        party(PartyKind::RoomOperator, Some(AccountId::generate()), boss.id, LegalIdentity::Organisation(uscc(90)));
    assert_rejected(store.insert_party(&ghost, None).await, "party with an unknown owner");
    assert!(store.get_party(ghost.id).await.expect("get").is_none());
    let ghost =
        party(PartyKind::RoomOperator, Some(boss.id), AccountId::generate(), LegalIdentity::Organisation(uscc(91)));
    assert_rejected(store.insert_party(&ghost, None).await, "party with an unknown registrar");
    assert!(store.get_party(ghost.id).await.expect("get").is_none());
}

async fn case_party_pagination(store: &dyn Store) {
    let mut merchants = Vec::new();
    for n in 0..5 {
        let owner = account(store, Role::Merchant).await;
        merchants.push(insert_org(store, PartyKind::Merchant, &owner, 100 + n).await);
    }
    let other = account(store, Role::RoomOperator).await;
    let room = insert_org(store, PartyKind::RoomOperator, &other, 200).await;
    let brand = insert_org(store, PartyKind::GoodsOwner, &other, 201).await;
    let want: Vec<PartyId> = merchants.iter().map(|p| p.id).collect();

    let p1 = store.list_parties(PartyKind::Merchant, &page(2, None)).await.expect("page 1");
    assert_eq!(p1.items.iter().map(|p| p.id).collect::<Vec<_>>(), want[0..2], "oldest first");
    assert_eq!(p1.next_cursor, Some(want[1].to_string()));
    let p2 = store.list_parties(PartyKind::Merchant, &page(2, p1.next_cursor.clone())).await.expect("page 2");
    assert_eq!(p2.items.iter().map(|p| p.id).collect::<Vec<_>>(), want[2..4]);
    assert_eq!(p2.next_cursor, Some(want[3].to_string()));
    let p3 = store.list_parties(PartyKind::Merchant, &page(2, p2.next_cursor.clone())).await.expect("page 3");
    assert_eq!(p3.items.iter().map(|p| p.id).collect::<Vec<_>>(), want[4..5]);
    assert_eq!(p3.next_cursor, None, "last page");
    assert_party_eq(&p3.items[0], &merchants[4]);

    // A page exactly as long as what is left is the last one.
    let all = store.list_parties(PartyKind::Merchant, &page(5, None)).await.expect("all");
    assert_eq!(all.items.len(), 5);
    assert_eq!(all.next_cursor, None);
    // A limit of 0 is clamped to 1.
    let one = store.list_parties(PartyKind::Merchant, &page(0, None)).await.expect("clamped");
    assert_eq!(one.items.iter().map(|p| p.id).collect::<Vec<_>>(), want[0..1]);
    assert_eq!(one.next_cursor, Some(want[0].to_string()));

    // Only the asked kind.
    let rooms = store.list_parties(PartyKind::RoomOperator, &page(50, None)).await.expect("rooms");
    assert_eq!(rooms.items.iter().map(|p| p.id).collect::<Vec<_>>(), [room.id]);
    let brands = store.list_parties(PartyKind::GoodsOwner, &page(50, None)).await.expect("brands");
    assert_eq!(brands.items.iter().map(|p| p.id).collect::<Vec<_>>(), [brand.id]);
    assert_eq!(brands.next_cursor, None);
    let agencies = store.list_parties(PartyKind::Agency, &page(50, None)).await.expect("agencies");
    assert!(agencies.items.is_empty());
    assert_eq!(agencies.next_cursor, None);
}

async fn case_party_verification(store: &dyn Store) {
    let op = account(store, Role::Operator).await;
    let owner = account(store, Role::Merchant).await;
    let p = insert_org(store, PartyKind::Merchant, &owner, 1).await;
    assert_eq!(audit_len(store).await, 0);

    let rejected = Verification::decide(Decision::Reject, now(), 6, op.id, Some("blurred licence".into()));
    store.set_party_verification(p.id, &rejected, audit(op.id, "party.verify", p.id)).await.expect("reject");
    let got = store.get_party(p.id).await.expect("get").expect("present");
    assert_eq!(got.verification, Some(rejected));

    let approved = Verification::decide(Decision::Approve, now(), 6, op.id, None);
    store.set_party_verification(p.id, &approved, audit(op.id, "party.verify", p.id)).await.expect("approve");
    let got = store.get_party(p.id).await.expect("get").expect("present");
    assert_eq!(got.verification, Some(approved.clone()), "the latest decision wins");

    let log = store.audit_list(0, 100).await.expect("audit");
    assert_eq!(log.len(), 2, "one audit entry per decision");
    assert_eq!(log[1].entry.action, "party.verify");
    assert_eq!(log[1].entry.subject, p.id.to_string());
    assert_eq!(log[1].entry.actor, op.id);

    // On a missing party: NotFound, and no audit entry is written (the action and its record are
    // one transaction).
    let missing = PartyKind::Merchant.new_id();
    assert_not_found(store.set_party_verification(missing, &approved, audit(op.id, "party.verify", missing)).await);
    let wrong_kind = PartyId::Agency(AgencyId::from_uuid(merchant_id(&p).uuid()));
    assert_not_found(
        store.set_party_verification(wrong_kind, &approved, audit(op.id, "party.verify", wrong_kind)).await,
    );
    assert_eq!(audit_len(store).await, 2, "a failed verification leaves no audit entry");
    assert_eq!(store.audit_append(audit(op.id, "probe", "x")).await.expect("append").seq, 3, "and no gap in the chain");
}

// ---------------------------------------------------------------------------------------------
// Anchors, trainings, rosters, blacklist
// ---------------------------------------------------------------------------------------------

async fn case_anchors(store: &dyn Store) {
    let mcn = account(store, Role::Agency).await;
    let agency = insert_org(store, PartyKind::Agency, &mcn, 1).await;
    let owner = account(store, Role::Anchor).await;
    let id = IdNumber::complete("31010420090101123").expect("an ID number");
    let mut a = anchor(&owner, id.clone());
    a.details.stage_name = Some(text("佳佳"));
    a.details.agency = Some(agency_id(&agency));
    a.details.qualifications = vec![ProfessionalQualification {
        name: "公共营养师".into(),
        number: "NQ-2024-0001".into(),
        issuer: "中国营养学会".into(),
        valid_until: Some(day(2030, 6, 30)),
    }];
    a.details.guardian_consent = Some(GuardianConsent {
        guardian_name: "李强".into(),
        relationship: "father".into(),
        signed_on: day(2026, 1, 5),
    });
    a.created_at = instant(2026, 2, 3, 4, 5, 6) + Duration::microseconds(7);
    store.insert_anchor(&a).await.expect("insert anchor");

    let got = store.get_anchor(a.id).await.expect("get").expect("present");
    assert_anchor_eq(&got, &a);
    assert_eq!(got.details.id_number.expose(), id.expose(), "the ID number decrypts");
    assert_anchor_eq(&store.anchor_of_owner(owner.id).await.expect("owner").expect("present"), &a);
    assert!(store.anchor_of_owner(mcn.id).await.expect("owner").is_none());
    assert!(store.get_anchor(AnchorId::generate()).await.expect("get").is_none());

    // The same ID number for another account: refused.
    let other = account(store, Role::Anchor).await;
    let dup = anchor(&other, id.clone());
    assert_conflict(store.insert_anchor(&dup).await, "duplicate_identity");
    assert!(store.get_anchor(dup.id).await.expect("get").is_none());
    assert!(store.anchor_of_owner(other.id).await.expect("owner").is_none());

    // A second profile for the same account: refused.
    let twice = anchor(&owner, id_number(5));
    assert_conflict(store.insert_anchor(&twice).await, "already_registered");
    assert!(store.get_anchor(twice.id).await.expect("get").is_none());

    // An anchor with nothing optional round-trips the absences.
    let plain = anchor(&other, id_number(6));
    store.insert_anchor(&plain).await.expect("insert plain anchor");
    assert_anchor_eq(&store.get_anchor(plain.id).await.expect("get").expect("present"), &plain);

    // The agency must exist.
    let third = account(store, Role::Anchor).await;
    let mut orphan = anchor(&third, id_number(7));
    orphan.details.agency = Some(AgencyId::generate());
    assert_rejected(store.insert_anchor(&orphan).await, "anchor of an unknown agency");
    assert!(store.get_anchor(orphan.id).await.expect("get").is_none());

    let third_anchor = anchor(&third, id_number(8));
    store.insert_anchor(&third_anchor).await.expect("insert third anchor");
    let want = [a.id, plain.id, third_anchor.id];
    let p1 = store.list_anchors(&page(2, None)).await.expect("page 1");
    assert_eq!(p1.items.iter().map(|x| x.id).collect::<Vec<_>>(), want[0..2]);
    assert_eq!(p1.next_cursor, Some(want[1].to_string()));
    let p2 = store.list_anchors(&page(2, p1.next_cursor)).await.expect("page 2");
    assert_eq!(p2.items.iter().map(|x| x.id).collect::<Vec<_>>(), want[2..3]);
    assert_eq!(p2.next_cursor, None);
    assert_anchor_eq(&p2.items[0], &third_anchor);
}

async fn case_anchor_verification_and_trainings(store: &dyn Store) {
    let op = account(store, Role::Operator).await;
    let a = insert_anchor(store, 1).await;
    let b = insert_anchor(store, 2).await;

    let v = Verification::decide(Decision::Approve, now(), 6, op.id, Some("face match".into()));
    store.set_anchor_verification(a.id, &v, audit(op.id, "anchor.verify", a.id)).await.expect("verify");
    assert_eq!(store.get_anchor(a.id).await.expect("get").expect("present").verification, Some(v.clone()));
    assert_eq!(store.get_anchor(b.id).await.expect("get").expect("present").verification, None);
    assert_eq!(audit_len(store).await, 1);
    let missing = AnchorId::generate();
    assert_not_found(store.set_anchor_verification(missing, &v, audit(op.id, "anchor.verify", missing)).await);
    assert_eq!(audit_len(store).await, 1, "a failed verification leaves no audit entry");

    let t1 = TrainingRecord {
        id: TrainingId::generate(),
        anchor: a.id,
        kind: TrainingKind::PreFirstShow,
        category: None,
        completed_on: day(2026, 3, 1),
        provider: "平台学院".into(),
        hours: 8,
        recorded_by: op.id,
        recorded_at: now(),
    };
    let t2 = TrainingRecord {
        id: TrainingId::generate(),
        kind: TrainingKind::Category,
        category: Some(Category::HealthFood),
        completed_on: day(2026, 3, 2),
        provider: "保健食品协会".into(),
        hours: u16::MAX,
        recorded_at: now(),
        ..t1.clone()
    };
    store.insert_training(&t1, audit(op.id, "anchor.training", a.id)).await.expect("training 1");
    store.insert_training(&t2, audit(op.id, "anchor.training", a.id)).await.expect("training 2");
    assert_json_eq(&store.list_trainings(a.id).await.expect("list"), &[&t1, &t2]);
    assert!(store.list_trainings(b.id).await.expect("list").is_empty());
    assert_eq!(audit_len(store).await, 3);

    // A training of an unknown anchor is refused and leaves no audit entry.
    let orphan = TrainingRecord { id: TrainingId::generate(), anchor: AnchorId::generate(), ..t1.clone() };
    assert_rejected(
        store.insert_training(&orphan, audit(op.id, "anchor.training", orphan.anchor)).await,
        "orphan training",
    );
    assert_eq!(audit_len(store).await, 3, "a failed training leaves no audit entry");
    // The same training id twice is refused too.
    assert!(store.insert_training(&t1, audit(op.id, "anchor.training", a.id)).await.is_err());
    assert_eq!(audit_len(store).await, 3);
    assert_eq!(store.list_trainings(a.id).await.expect("list").len(), 2);
}

async fn case_rosters(store: &dyn Store) {
    let boss = account(store, Role::RoomOperator).await;
    let room = room_id(&insert_org(store, PartyKind::RoomOperator, &boss, 1).await);
    let boss2 = account(store, Role::RoomOperator).await;
    let room2 = room_id(&insert_org(store, PartyKind::RoomOperator, &boss2, 2).await);
    let a = insert_anchor(store, 1).await;
    let b = insert_anchor(store, 2).await;

    let added = now();
    let ea = RosterEntry { room_operator: room, anchor: a.id, added_at: added, confirmed_at: None };
    store.roster_add(&ea, None).await.expect("add a");
    assert_json_eq(&store.roster_get(room, a.id).await.expect("get").expect("present"), &ea);
    assert_conflict(store.roster_add(&ea, None).await, "already_on_roster");
    let again = RosterEntry { added_at: added + Duration::hours(1), ..ea.clone() };
    assert_conflict(store.roster_add(&again, None).await, "already_on_roster");
    assert_json_eq(&store.roster_get(room, a.id).await.expect("get").expect("present"), &ea);

    let eb = RosterEntry { room_operator: room, anchor: b.id, added_at: added, confirmed_at: None };
    store.roster_add(&eb, None).await.expect("add b");
    let other_room = RosterEntry { room_operator: room2, anchor: a.id, added_at: added, confirmed_at: None };
    store.roster_add(&other_room, None).await.expect("the same anchor in another room");

    let confirmed_at = added + Duration::minutes(5);
    let confirmed = store.roster_confirm(room, a.id, confirmed_at, None).await.expect("confirm");
    assert_json_eq(&confirmed, &RosterEntry { confirmed_at: Some(confirmed_at), ..ea.clone() });
    assert_eq!(store.roster_get(room, a.id).await.expect("get").expect("present").confirmed_at, Some(confirmed_at));
    // Confirming again keeps the first confirmation.
    let again = store.roster_confirm(room, a.id, confirmed_at + Duration::days(1), None).await.expect("confirm again");
    assert_eq!(again.confirmed_at, Some(confirmed_at));
    // Confirmation is per room.
    assert_eq!(store.roster_get(room2, a.id).await.expect("get").expect("present").confirmed_at, None);

    assert_not_found(store.roster_confirm(room2, b.id, confirmed_at, None).await);
    assert_not_found(store.roster_confirm(room, AnchorId::generate(), confirmed_at, None).await);
    assert!(store.roster_get(room2, b.id).await.expect("get").is_none());

    let list = store.roster_list(room).await.expect("list");
    let mut want = vec![RosterEntry { confirmed_at: Some(confirmed_at), ..ea.clone() }, eb.clone()];
    want.sort_by_key(|e| e.anchor.to_string());
    assert_json_eq(&list, &want);
    assert_json_eq(&store.roster_list(room2).await.expect("list"), &[&other_room]);
    assert!(store.roster_list(RoomOperatorId::generate()).await.expect("list").is_empty());

    // Both ends must exist.
    let ghost = RosterEntry { room_operator: room2, anchor: AnchorId::generate(), added_at: added, confirmed_at: None };
    assert_rejected(store.roster_add(&ghost, None).await, "roster entry of an unknown anchor");
    let ghost =
        RosterEntry { room_operator: RoomOperatorId::generate(), anchor: a.id, added_at: added, confirmed_at: None };
    assert_rejected(store.roster_add(&ghost, None).await, "roster entry of an unknown room");
    assert!(store.roster_get(ghost.room_operator, a.id).await.expect("get").is_none());
}

async fn case_blacklist(store: &dyn Store) {
    let op = account(store, Role::Operator).await;
    let banned = IdNumber::complete("11010519491231002").expect("an ID number");
    let innocent = id_number(1);
    assert!(!store.is_blacklisted(&banned).await.expect("check"));

    store
        .blacklist_add(&banned, "fraud ruling 2026-01", now(), op.id, audit(op.id, "blacklist.add", "id"))
        .await
        .expect("add");
    assert!(store.is_blacklisted(&banned).await.expect("check"));
    assert!(!store.is_blacklisted(&innocent).await.expect("check"));
    // The same number parsed afresh (lower-case x accepted elsewhere) matches too.
    let again = IdNumber::parse(banned.expose()).expect("parse");
    assert!(store.is_blacklisted(&again).await.expect("check"));

    // Listing twice is a conflict and writes no second record.
    assert_conflict(
        store.blacklist_add(&banned, "second ruling", now(), op.id, audit(op.id, "blacklist.add", "id")).await,
        "already_blacklisted",
    );
    assert!(store.is_blacklisted(&banned).await.expect("check"));
    let log = store.audit_list(0, 100).await.expect("audit");
    assert_eq!(log.iter().map(|e| e.entry.action.as_str()).collect::<Vec<_>>(), ["blacklist.add"]);
}

// ---------------------------------------------------------------------------------------------
// Products, qualifications, inspections
// ---------------------------------------------------------------------------------------------

async fn case_products(store: &dyn Store) {
    let (_, m1, _, g) = sellers(store).await;
    // Variant ids in one order, positions in the other: the store must keep positions.
    let (first_id, second_id) = (VariantId::generate(), VariantId::generate());
    let p = Product {
        id: ProductId::generate(),
        seller: m1,
        goods_owner: g,
        title: "纯棉 T 恤".into(),
        description: Some("100% cotton\nmachine washable".into()),
        category: Category::Apparel,
        price: Money::cny(12_900),
        unit: "件".into(),
        variants: vec![
            Variant { id: second_id, label: "XL".into(), stock: 7, price: Money::cny(13_900) },
            Variant { id: first_id, label: "S".into(), stock: 0, price: Money::cny(12_900) },
        ],
        created_at: instant(2026, 6, 1, 10, 0, 0) + Duration::microseconds(999_999),
    };
    store.insert_product(&p, None).await.expect("insert product");
    let got = store.get_product(p.id).await.expect("get").expect("present");
    assert_product_eq(&got, &p);
    assert_eq!(got.variants.iter().map(|v| v.label.as_str()).collect::<Vec<_>>(), ["XL", "S"], "positions kept");
    assert_eq!(got.price.currency, Currency::CNY);
    assert_eq!(got.total_stock(), 7);
    assert!(store.get_product(ProductId::generate()).await.expect("get").is_none());

    // Big numbers survive.
    let mut big = product(m1, g, Category::Jewelry, "金条 1 kg");
    big.price = Money::cny(10_000_000_000);
    big.variants[0].price = big.price;
    big.variants[0].stock = 100_000_000;
    store.insert_product(&big, None).await.expect("insert big");
    assert_product_eq(&store.get_product(big.id).await.expect("get").expect("present"), &big);

    // Seller and goods owner must exist.
    let orphan = product(MerchantId::generate(), g, Category::Food, "orphan");
    assert_rejected(store.insert_product(&orphan, None).await, "product of an unknown seller");
    assert!(store.get_product(orphan.id).await.expect("get").is_none());
    let orphan = product(m1, GoodsOwnerId::generate(), Category::Food, "orphan");
    assert_rejected(store.insert_product(&orphan, None).await, "product of an unknown goods owner");
    assert!(store.get_product(orphan.id).await.expect("get").is_none());

    // A bad variant rolls back the whole product (one transaction).
    let mut bad = product(m1, g, Category::Food, "half written");
    bad.variants.push(Variant { id: VariantId::generate(), label: "broken".into(), stock: -1, price: Money::cny(1) });
    assert!(store.insert_product(&bad, None).await.is_err(), "negative stock is refused");
    assert!(store.get_product(bad.id).await.expect("get").is_none(), "no product without its variants");
    let mut free = product(m1, g, Category::Food, "free");
    free.price = Money::cny(0);
    assert!(store.insert_product(&free, None).await.is_err(), "a price must be positive");
    assert!(store.get_product(free.id).await.expect("get").is_none());

    let all = store.list_products(&ProductFilter::default(), &page(50, None)).await.expect("list");
    assert_eq!(all.items.iter().map(|x| x.id).collect::<Vec<_>>(), [p.id, big.id]);
    assert_product_eq(&all.items[0], &p);
}

async fn case_product_listing(store: &dyn Store) {
    let (_, m1, m2, g) = sellers(store).await;
    let items = [
        product(m1, g, Category::Food, "rice"),
        product(m1, g, Category::Food, "noodles"),
        product(m1, g, Category::Cosmetics, "lipstick"),
        product(m2, g, Category::Food, "tea"),
        product(m2, g, Category::Apparel, "socks"),
    ];
    for p in &items {
        store.insert_product(p, None).await.expect("insert");
    }
    let ids = |f: &[usize]| f.iter().map(|&i| items[i].id).collect::<Vec<_>>();
    let got = |page: &clearcast_store::Page<Product>| page.items.iter().map(|p| p.id).collect::<Vec<_>>();
    let filter = |seller: Option<MerchantId>, category: Option<&str>| ProductFilter {
        seller,
        category: category.map(str::to_string),
    };

    // All, in pages of two.
    let none = filter(None, None);
    let p1 = store.list_products(&none, &page(2, None)).await.expect("page 1");
    assert_eq!(got(&p1), ids(&[0, 1]));
    assert_eq!(p1.next_cursor, Some(items[1].id.to_string()));
    let p2 = store.list_products(&none, &page(2, p1.next_cursor.clone())).await.expect("page 2");
    assert_eq!(got(&p2), ids(&[2, 3]));
    assert_eq!(p2.next_cursor, Some(items[3].id.to_string()));
    let p3 = store.list_products(&none, &page(2, p2.next_cursor.clone())).await.expect("page 3");
    assert_eq!(got(&p3), ids(&[4]));
    assert_eq!(p3.next_cursor, None);
    assert_product_eq(&p3.items[0], &items[4]);

    let by = |s, c| {
        let f = filter(s, c);
        async move { store.list_products(&f, &page(50, None)).await.expect("list") }
    };
    assert_eq!(got(&by(Some(m1), None).await), ids(&[0, 1, 2]));
    assert_eq!(got(&by(Some(m2), None).await), ids(&[3, 4]));
    assert_eq!(got(&by(None, Some("food")).await), ids(&[0, 1, 3]));
    assert_eq!(got(&by(Some(m1), Some("food")).await), ids(&[0, 1]));
    assert_eq!(got(&by(Some(m2), Some("cosmetics")).await), ids(&[]));
    assert_eq!(got(&by(None, Some("jewelry")).await), ids(&[]));
    assert_eq!(got(&by(Some(MerchantId::generate()), None).await), ids(&[]));

    // Filters and pages together.
    let f = filter(Some(m1), None);
    let q1 = store.list_products(&f, &page(2, None)).await.expect("page 1");
    assert_eq!(got(&q1), ids(&[0, 1]));
    assert_eq!(q1.next_cursor, Some(items[1].id.to_string()));
    let q2 = store.list_products(&f, &page(2, q1.next_cursor)).await.expect("page 2");
    assert_eq!(got(&q2), ids(&[2]));
    assert_eq!(q2.next_cursor, None);
    let f = filter(None, Some("food"));
    let r1 = store.list_products(&f, &page(2, None)).await.expect("page 1");
    assert_eq!(got(&r1), ids(&[0, 1]));
    let r2 = store.list_products(&f, &page(2, r1.next_cursor)).await.expect("page 2");
    assert_eq!(got(&r2), ids(&[3]));
    assert_eq!(r2.next_cursor, None);
}

async fn case_qualifications(store: &dyn Store) {
    let (_, m1, _, g) = sellers(store).await;
    let op = account(store, Role::Operator).await;
    let p = product(m1, g, Category::Food, "rice");
    let other = product(m1, g, Category::Food, "tea");
    store.insert_product(&p, None).await.expect("insert");
    store.insert_product(&other, None).await.expect("insert");

    let q1 = Qualification {
        id: QualificationId::generate(),
        product: p.id,
        kind: QualificationKind::FoodProductionLicence,
        number: "SC10133010600123".into(),
        issuer: "浙江省市场监督管理局".into(),
        valid_from: day(2024, 1, 1),
        valid_until: day(2029, 12, 31),
        review: None,
        created_at: now(),
    };
    let q2 = Qualification {
        id: QualificationId::generate(),
        kind: QualificationKind::Other,
        number: "X-1".into(),
        ..q1.clone()
    };
    let q3 = Qualification { id: QualificationId::generate(), product: other.id, ..q1.clone() };
    for q in [&q1, &q2, &q3] {
        store.insert_qualification(q).await.expect("insert qualification");
    }
    assert_json_eq(&store.list_qualifications(p.id).await.expect("list"), &[&q1, &q2]);
    assert_json_eq(&store.list_qualifications(other.id).await.expect("list"), &[&q3]);
    assert!(store.list_qualifications(ProductId::generate()).await.expect("list").is_empty());

    let review = Review { decision: Decision::Approve, reviewed_by: op.id, reviewed_at: now(), note: None };
    let reviewed = store
        .review_qualification(p.id, q1.id, &review, audit(op.id, "qualification.review", q1.id))
        .await
        .expect("review");
    let want = Qualification { review: Some(review.clone()), ..q1.clone() };
    assert_json_eq(&reviewed, &want);
    assert_json_eq(&store.list_qualifications(p.id).await.expect("list"), &[&want, &q2]);
    assert_eq!(audit_len(store).await, 1);

    // A qualification of another product, or none at all: NotFound, nothing changed or logged.
    let reject =
        Review { decision: Decision::Reject, reviewed_by: op.id, reviewed_at: now(), note: Some("expired".into()) };
    assert_not_found(
        store.review_qualification(other.id, q2.id, &reject, audit(op.id, "qualification.review", q2.id)).await,
    );
    assert_not_found(
        store.review_qualification(p.id, QualificationId::generate(), &reject, audit(op.id, "x", "y")).await,
    );
    assert_json_eq(&store.list_qualifications(p.id).await.expect("list"), &[&want, &q2]);
    assert_json_eq(&store.list_qualifications(other.id).await.expect("list"), &[&q3]);
    assert_eq!(audit_len(store).await, 1);

    // A later review replaces the earlier one.
    let re = store
        .review_qualification(p.id, q1.id, &reject, audit(op.id, "qualification.review", q1.id))
        .await
        .expect("re-review");
    assert_eq!(re.review, Some(reject));
    assert_eq!(audit_len(store).await, 2);

    let orphan = Qualification { id: QualificationId::generate(), product: ProductId::generate(), ..q1.clone() };
    assert_rejected(store.insert_qualification(&orphan).await, "qualification of an unknown product");
    assert!(store.list_qualifications(orphan.product).await.expect("list").is_empty());
}

async fn case_inspections(store: &dyn Store) {
    let (_, m1, _, g) = sellers(store).await;
    let op = account(store, Role::Operator).await;
    let p = product(m1, g, Category::Baby, "bottle");
    let other = product(m1, g, Category::Baby, "pacifier");
    store.insert_product(&p, None).await.expect("insert");
    store.insert_product(&other, None).await.expect("insert");

    let i1 = Inspection {
        id: InspectionId::generate(),
        product: p.id,
        lab: "SGS".into(),
        report_number: "SHA-2026-0001".into(),
        inspected_on: day(2026, 2, 1),
        passed: true,
        valid_until: Some(day(2027, 2, 1)),
        review: None,
        created_at: now(),
    };
    let i2 = Inspection {
        id: InspectionId::generate(),
        report_number: "SHA-2026-0002".into(),
        passed: false,
        valid_until: None,
        ..i1.clone()
    };
    store.insert_inspection(&i1).await.expect("insert");
    store.insert_inspection(&i2).await.expect("insert");
    assert_json_eq(&store.list_inspections(p.id).await.expect("list"), &[&i1, &i2]);
    assert!(store.list_inspections(other.id).await.expect("list").is_empty());

    let review =
        Review { decision: Decision::Reject, reviewed_by: op.id, reviewed_at: now(), note: Some("failed".into()) };
    let reviewed =
        store.review_inspection(p.id, i2.id, &review, audit(op.id, "inspection.review", i2.id)).await.expect("review");
    let want = Inspection { review: Some(review.clone()), ..i2.clone() };
    assert_json_eq(&reviewed, &want);
    assert_json_eq(&store.list_inspections(p.id).await.expect("list"), &[&i1, &want]);
    assert_eq!(audit_len(store).await, 1);

    assert_not_found(store.review_inspection(other.id, i1.id, &review, audit(op.id, "inspection.review", i1.id)).await);
    assert_not_found(store.review_inspection(p.id, InspectionId::generate(), &review, audit(op.id, "x", "y")).await);
    assert_json_eq(&store.list_inspections(p.id).await.expect("list"), &[&i1, &want]);
    assert_eq!(audit_len(store).await, 1, "failed reviews leave no audit entry");

    let orphan = Inspection { id: InspectionId::generate(), product: ProductId::generate(), ..i1.clone() };
    assert_rejected(store.insert_inspection(&orphan).await, "inspection of an unknown product");
}

// ---------------------------------------------------------------------------------------------
// Uniqueness under concurrency
// ---------------------------------------------------------------------------------------------

/// Exactly one of several racing writes wins and every loser gets the documented conflict
/// code; otherwise, what went wrong.
fn one_winner(results: Vec<StoreResult<()>>, code: &str, what: &str) -> Option<String> {
    let wins = results.iter().filter(|r| r.is_ok()).count();
    let codes: Vec<String> = results
        .iter()
        .filter_map(|r| match r {
            Ok(()) => None,
            Err(StoreError::Conflict { code, .. }) => Some(code.to_string()),
            Err(e) => Some(format!("{e:?}")),
        })
        .collect();
    if wins == 1 && codes.iter().all(|c| c == code) {
        None
    } else {
        Some(format!(
            "{what}: {wins} of {} racing writes succeeded; losers got {codes:?}, want all Conflict({code})",
            results.len()
        ))
    }
}

/// The same registration submitted several times at once (a double click, a retried request)
/// must be refused with the same code as when the submissions arrive one after another.
async fn case_concurrent_registrations(store: &dyn Store) {
    let mut failures = Vec::new();

    let accounts: Vec<Account> = (0..4)
        .map(|_| Account {
            id: AccountId::generate(),
            username: "racer".into(),
            role: Role::Consumer,
            created_at: now(),
        })
        .collect();
    let (a, b, c, d) = tokio::join!(
        store.create_account(&accounts[0], "h", None),
        store.create_account(&accounts[1], "h", None),
        store.create_account(&accounts[2], "h", None),
        store.create_account(&accounts[3], "h", None),
    );
    failures.extend(one_winner(vec![a, b, c, d], "username_taken", "create_account, one user name"));

    let mut owners = Vec::new();
    for _ in 0..4 {
        owners.push(account(store, Role::Merchant).await);
    }
    let same_uscc: Vec<Party> = owners.iter().map(|o| org(PartyKind::Merchant, o, 1)).collect();
    let (a, b, c, d) = tokio::join!(
        store.insert_party(&same_uscc[0], None),
        store.insert_party(&same_uscc[1], None),
        store.insert_party(&same_uscc[2], None),
        store.insert_party(&same_uscc[3], None),
    );
    failures.extend(one_winner(vec![a, b, c, d], "duplicate_identity", "insert_party, one USCC"));

    let owner = account(store, Role::Merchant).await;
    let same_owner: Vec<Party> = (0..4).map(|n| org(PartyKind::GoodsOwner, &owner, 10 + n)).collect();
    let (a, b, c, d) = tokio::join!(
        store.insert_party(&same_owner[0], None),
        store.insert_party(&same_owner[1], None),
        store.insert_party(&same_owner[2], None),
        store.insert_party(&same_owner[3], None),
    );
    failures.extend(one_winner(vec![a, b, c, d], "already_registered", "insert_party, one owner"));

    let mut anchor_owners = Vec::new();
    for _ in 0..4 {
        anchor_owners.push(account(store, Role::Anchor).await);
    }
    let same_id: Vec<Anchor> = anchor_owners.iter().map(|o| anchor(o, id_number(1))).collect();
    let (a, b, c, d) = tokio::join!(
        store.insert_anchor(&same_id[0]),
        store.insert_anchor(&same_id[1]),
        store.insert_anchor(&same_id[2]),
        store.insert_anchor(&same_id[3]),
    );
    failures.extend(one_winner(vec![a, b, c, d], "duplicate_identity", "insert_anchor, one ID number"));

    let owner = account(store, Role::Anchor).await;
    let one_owner: Vec<Anchor> = (0..4).map(|n| anchor(&owner, id_number(10 + n))).collect();
    let (a, b, c, d) = tokio::join!(
        store.insert_anchor(&one_owner[0]),
        store.insert_anchor(&one_owner[1]),
        store.insert_anchor(&one_owner[2]),
        store.insert_anchor(&one_owner[3]),
    );
    failures.extend(one_winner(vec![a, b, c, d], "already_registered", "insert_anchor, one owner"));

    assert!(failures.is_empty(), "racing registrations:\n{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// Audit
// ---------------------------------------------------------------------------------------------

async fn case_audit_chain(store: &dyn Store) {
    assert!(store.audit_list(0, 1000).await.expect("empty log").is_empty());
    let op = account(store, Role::Operator).await;
    let owner = account(store, Role::Merchant).await;
    let m = insert_org(store, PartyKind::Merchant, &owner, 1).await;
    let a = insert_anchor(store, 1).await;

    let first = store.audit_append(audit(op.id, "operator.login", op.id)).await.expect("append");
    assert_eq!((first.seq, first.prev_hash.as_str()), (1, GENESIS));
    let v = Verification::decide(Decision::Approve, now(), 6, op.id, None);
    store.set_party_verification(m.id, &v, audit(op.id, "party.verify", m.id)).await.expect("verify party");
    store.set_anchor_verification(a.id, &v, audit(op.id, "anchor.verify", a.id)).await.expect("verify anchor");
    store
        .blacklist_add(&id_number(9), "ruling", now(), op.id, audit(op.id, "blacklist.add", "id"))
        .await
        .expect("blacklist");
    let rich = AuditEntry {
        at: instant(2026, 7, 1, 0, 0, 0) + Duration::microseconds(1),
        actor: op.id,
        action: "policy.update".into(),
        subject: "policy".into(),
        detail: serde_json::json!({
            "zeta": [1, 2.5, -3, null, true],
            "alpha": { "名称": "保健食品", "nested": { "k": "v\"quoted\"\n" } },
            "big": 9_007_199_254_740_993_i64,
        }),
    };
    let last = store.audit_append(rich.clone()).await.expect("append rich");

    let log = store.audit_list(0, 1000).await.expect("list");
    assert_eq!(log.iter().map(|e| e.seq).collect::<Vec<_>>(), (1..=5).collect::<Vec<i64>>());
    assert_eq!(
        log.iter().map(|e| e.entry.action.as_str()).collect::<Vec<_>>(),
        ["operator.login", "party.verify", "anchor.verify", "blacklist.add", "policy.update"]
    );
    assert_eq!(verify_chain(&log), Ok(()));
    assert_eq!(log[0], first, "what audit_append returned is what is stored");
    assert_eq!(log[4], last);
    assert_eq!(log[4].entry, rich, "detail JSON round-trips");
    assert_eq!(log[1].entry.subject, m.id.to_string());

    // Paging by sequence number.
    let mid: Vec<i64> = store.audit_list(2, 2).await.expect("list").iter().map(|e| e.seq).collect();
    assert_eq!(mid, [3, 4]);
    assert!(store.audit_list(5, 10).await.expect("list").is_empty());
    let tail: Vec<ChainedEntry> = store.audit_list(3, 10).await.expect("list");
    assert_eq!(tail, log[3..]);

    // An instant finer than a microsecond still chains (the hash covers microseconds only).
    let fine = AuditEntry { at: Utc::now(), ..audit(op.id, "fine", "x") };
    store.audit_append(fine.clone()).await.expect("append");
    let log = store.audit_list(0, 1000).await.expect("list");
    assert_eq!(log.len(), 6);
    assert_eq!(verify_chain(&log), Ok(()));
    assert_eq!(log[5].entry.at.trunc_subsecs(6), fine.at.trunc_subsecs(6));
}

async fn case_audit_concurrent_appends(store: &dyn Store) {
    let op = account(store, Role::Operator).await;
    let e = |n: u32| audit(op.id, "concurrent", n);
    let (a, b, c, d, f, g, h, i) = tokio::join!(
        store.audit_append(e(1)),
        store.audit_append(e(2)),
        store.audit_append(e(3)),
        store.audit_append(e(4)),
        store.audit_append(e(5)),
        store.audit_append(e(6)),
        store.audit_append(e(7)),
        store.audit_append(e(8)),
    );
    let mut seqs: Vec<i64> =
        [a, b, c, d, f, g, h, i].into_iter().map(|r| r.expect("a concurrent append succeeds").seq).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=8).collect::<Vec<i64>>(), "each append got its own place");
    let log = store.audit_list(0, 1000).await.expect("list");
    assert_eq!(log.len(), 8);
    assert_eq!(verify_chain(&log), Ok(()));
}

async fn case_audit_append_only(store: &dyn Store, raw: &Raw) {
    let op = account(store, Role::Operator).await;
    for n in 0..3 {
        store.audit_append(audit(op.id, "operator.action", n)).await.expect("append");
    }
    let before = store.audit_list(0, 1000).await.expect("list");
    assert_eq!(before.len(), 3);

    let update = raw.execute("UPDATE records SET action = 'x'").await;
    match update {
        Ok(n) => panic!("UPDATE records succeeded ({n} rows)"),
        Err(e) => assert!(e.to_string().contains("append-only"), "refused for the right reason: {e}"),
    }
    let delete = raw.execute("DELETE FROM records WHERE seq = 2").await;
    assert!(delete.is_err(), "DELETE FROM records succeeded: {delete:?}");
    // The same kind of connection may write elsewhere, so the refusal is the audit log's own rule.
    assert_eq!(raw.execute("UPDATE accounts SET role = role").await.expect("an ordinary update"), 1);

    let after = store.audit_list(0, 1000).await.expect("list");
    assert_eq!(after, before);
    assert_eq!(verify_chain(&after), Ok(()));
    assert_eq!(store.audit_append(audit(op.id, "operator.action", 3)).await.expect("append").seq, 4);
}

/// ID numbers are sealed at rest; uniqueness and the blacklist use a blind index; a store
/// with another key cannot read them and says so.
async fn case_identifiers_at_rest(store: &dyn Store, raw: &Raw) {
    let op = account(store, Role::Operator).await;
    let owner = account(store, Role::Merchant).await;
    let person = IdNumber::complete("11010519491231002").expect("an ID number");
    let merchant = party(PartyKind::Merchant, Some(owner.id), owner.id, LegalIdentity::NaturalPerson(person.clone()));
    let brand = party(PartyKind::GoodsOwner, None, owner.id, LegalIdentity::NaturalPerson(person.clone()));
    store.insert_party(&merchant, None).await.expect("insert");
    store.insert_party(&brand, None).await.expect("insert");
    let a = insert_anchor(store, 1).await;
    store.blacklist_add(&person, "ruling", now(), op.id, audit(op.id, "blacklist.add", "id")).await.expect("blacklist");

    let plain = [person.expose(), &person.expose()[..17], a.details.id_number.expose()];
    let sealed = raw.strings("SELECT id_number_enc FROM parties WHERE id_number_enc IS NOT NULL").await;
    let index = raw.strings("SELECT identity_index FROM parties WHERE id_number_enc IS NOT NULL").await;
    let anchors = raw.strings("SELECT id_number_enc || ' ' || identity_index FROM anchors").await;
    let blacklist = raw.strings("SELECT identity_index FROM blacklist").await;
    assert_eq!((sealed.len(), index.len(), anchors.len(), blacklist.len()), (2, 2, 1, 1));
    for stored in sealed.iter().chain(&index).chain(&anchors).chain(&blacklist) {
        for p in plain {
            assert!(!stored.contains(p), "an ID number is stored in the clear: {stored}");
        }
    }
    assert_ne!(sealed[0], sealed[1], "every sealing uses a fresh nonce");
    assert_eq!(index[0], index[1], "the blind index is deterministic");
    assert_eq!(blacklist[0], index[0]);

    // Another key: the store refuses to open at all (a keyed index would otherwise silently miss
    // duplicates and blacklisted identities).
    let stranger = raw.try_reopen(FieldCipher::new(&[7u8; 32])).await;
    assert!(matches!(stranger, Err(StoreError::KeyMismatch)), "expected KeyMismatch, got {:?}", stranger.err());
    // The right key still reads it.
    let same = raw.reopen(testing::test_cipher()).await;
    let got = same.get_party(merchant.id).await.expect("get").expect("present");
    assert_eq!(got.details.identity, LegalIdentity::NaturalPerson(person));
}

async fn case_live_tickets(store: &dyn Store) {
    use clearcast_domain::show::{Show, ShowStatus};
    let owner = account(store, Role::RoomOperator).await;
    let viewer = account(store, Role::Consumer).await;
    let room = insert_org(store, PartyKind::RoomOperator, &owner, 1).await;
    let t0 = now();
    let show = |title: &str| Show {
        id: clearcast_domain::ids::ShowId::generate(),
        room_operator: room_id(&room),
        title: title.into(),
        scheduled_start: t0,
        roster: vec![],
        stream_url: "https://live.example.com/s.m3u8".into(),
        replay_url: None,
        ai_presenter: false,
        script: None,
        status: ShowStatus::Scheduled,
        pinned: None,
        started_at: None,
        ended_at: None,
        created_at: t0,
    };
    let (a, b) = (show("a"), show("b"));
    store.insert_show(&a, audit(owner.id, "show.created", a.id)).await.expect("live tickets");
    store.insert_show(&b, audit(owner.id, "show.created", b.id)).await.expect("live tickets");
    let exp = t0 + chrono::Duration::seconds(60);
    for tok in ["tok-1", "tok-2"] {
        let rec = clearcast_store::TokenRecord {
            token_hash: tok.into(),
            account: viewer.id,
            created_at: t0,
            expires_at: t0 + chrono::Duration::hours(1),
        };
        store.insert_token(&rec).await.expect("token");
    }
    store.insert_live_ticket("h1", viewer.id, a.id, exp, "tok-1").await.expect("live tickets");
    store.insert_live_ticket("h2", viewer.id, a.id, exp, "tok-1").await.expect("live tickets");
    assert_eq!(store.take_live_ticket("h1", b.id, t0).await.expect("live tickets"), None, "another show's ticket");
    assert_eq!(store.take_live_ticket("nope", a.id, t0).await.expect("live tickets"), None);
    assert_eq!(store.take_live_ticket("h1", a.id, t0).await.expect("live tickets"), Some((viewer.id, "tok-1".into())));
    assert_eq!(store.take_live_ticket("h1", a.id, t0).await.expect("live tickets"), None, "good once");
    assert_eq!(store.take_live_ticket("h2", a.id, exp).await.expect("live tickets"), None, "expired");
    // Many at once: one wins.
    store.insert_live_ticket("h3", viewer.id, a.id, exp, "tok-1").await.expect("live tickets");
    let (w, x, y, z) = tokio::join!(
        store.take_live_ticket("h3", a.id, t0),
        store.take_live_ticket("h3", a.id, t0),
        store.take_live_ticket("h3", a.id, t0),
        store.take_live_ticket("h3", a.id, t0)
    );
    let won = [w, x, y, z].into_iter().filter(|r| matches!(r, Ok(Some(_)))).count();
    assert_eq!(won, 1);
    // A ticket taken with a token that was revoked since (a logout) opens nothing.
    store.insert_live_ticket("h4", viewer.id, a.id, exp, "tok-2").await.expect("live tickets");
    assert!(store.revoke_token("tok-2", t0).await.expect("revoke"));
    assert_eq!(store.take_live_ticket("h4", a.id, t0).await.expect("live tickets"), None);
}

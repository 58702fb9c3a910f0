//! clearcast's store: one [`Store`] trait, a SQLite backend (the default, embedded) and a
//! PostgreSQL backend (to scale out), with per-backend migrations and one conformance suite
//! (`tests/conformance.rs`) that proves both behave the same.
//!
//! The store remembers; it decides nothing. Operator actions are written together with their
//! audit entry in one transaction, so an action never lands without its record. ID numbers are
//! encrypted at rest ([`crypto::FieldCipher`]); uniqueness and the blacklist use a keyed blind
//! index, so the plain number is never stored or compared in SQL.
#![forbid(unsafe_code)]

mod checkout_batch;
pub mod crypto;
mod error;
mod postgres;
mod sql;
mod sql_complaints;
mod sql_ledger;
mod sql_live;
mod sql_orders;
mod sql_quality;
mod sql_shows;
mod sql_supervision;
mod sqlite;
mod sqlite_checkout;
pub mod testing;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use clearcast_domain::account::Account;
use clearcast_domain::anchor::{Anchor, RosterEntry, TrainingRecord};
use clearcast_domain::audit::{AuditEntry, ChainedEntry};
use clearcast_domain::change_request::{ChangeRequest, ChangeStatus};
use clearcast_domain::chat::ChatMessage;
use clearcast_domain::id_number::IdNumber;
use clearcast_domain::ids::NoticeId;
use clearcast_domain::ids::{
    AccountId, AnchorId, InspectionId, MerchantId, ProductId, QualificationId, RoomOperatorId,
};
use clearcast_domain::ids::{ChangeRequestId, MeasureId, OrderId, ShowId, VariantId, ViolationId};
use clearcast_domain::lineup::LineupItem;
use clearcast_domain::notice::Notice;
use clearcast_domain::order::{Order, OrderStatus};
use clearcast_domain::party::{Party, PartyId, PartyKind};
use clearcast_domain::penalty::{Measure, Subject};
use clearcast_domain::product::Category;
use clearcast_domain::product::Product;
use clearcast_domain::qualification::{Inspection, Qualification, Review};
use clearcast_domain::show::{Show, ShowStatus};
use clearcast_domain::verification::Verification;
use clearcast_domain::violation::{Violation, ViolationStatus};

pub use error::StoreError;
pub use postgres::{redact_url, PgStore};
pub use sqlite::SqliteStore;

/// Result of a store call.
pub type StoreResult<T> = Result<T, StoreError>;

/// A bearer token as stored: only its hash.
#[derive(Debug, Clone)]
pub struct TokenRecord {
    /// SHA-256 of the token, hex.
    pub token_hash: String,
    /// Whose token.
    pub account: AccountId,
    /// Issued at.
    pub created_at: DateTime<Utc>,
    /// Expires at.
    pub expires_at: DateTime<Utc>,
}

/// A live token as a server keeps it in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSession {
    /// SHA-256 of the token, hex.
    pub token_hash: String,
    /// Whose token.
    pub account: Account,
    /// Expires at.
    pub expires_at: DateTime<Utc>,
}

/// A page request: items after `after` (an id), at most `limit`.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    /// Return items whose id sorts after this one.
    pub after: Option<String>,
    /// Maximum items (clamped to 1..=200).
    pub limit: u32,
}

impl PageRequest {
    fn limit(&self) -> i64 {
        i64::from(self.limit.clamp(1, 200))
    }
}

/// One page of items and the cursor for the next.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The items, oldest first.
    pub items: Vec<T>,
    /// Pass as `after` to get the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// Filters for the product list.
#[derive(Debug, Clone, Default)]
pub struct ProductFilter {
    /// Only this merchant's products.
    pub seller: Option<MerchantId>,
    /// Only this category.
    pub category: Option<String>,
}

/// Filters for the show list.
#[derive(Debug, Clone, Default)]
pub struct ShowFilter {
    /// Only shows in this state.
    pub status: Option<ShowStatus>,
    /// Only this room's shows.
    pub room_operator: Option<RoomOperatorId>,
}

/// Shows, lineups, follows and change requests (the live-shows capability).
#[async_trait]
pub trait ShowStore: Send + Sync {
    /// Creates a show with its `show.created` record (first of the show's stream).
    async fn insert_show(&self, show: &Show, record: AuditEntry) -> StoreResult<()>;
    /// A show with its roster.
    async fn get_show(&self, id: ShowId) -> StoreResult<Option<Show>>;
    /// Shows, oldest first.
    async fn list_shows(&self, filter: &ShowFilter, page: &PageRequest) -> StoreResult<Page<Show>>;
    /// Saves a show's state (status, pin, times, replay, roster, script) and appends `records` to
    /// its stream, atomically. With `anchor`, the stream's new head is then recorded in the
    /// platform stream, so a later rewrite of the show's chain cannot go unnoticed.
    /// `Conflict(show_state_changed)` if the show is no longer in state `from` (a racing
    /// start, end, pin or suspend won).
    async fn save_show(
        &self,
        show: &Show,
        from: ShowStatus,
        records: Vec<AuditEntry>,
        anchor: Option<AuditEntry>,
    ) -> StoreResult<()>;
    /// Adds a lineup item with its record. `Conflict(already_in_lineup)` for a product already on it.
    async fn lineup_add(&self, item: &LineupItem, record: AuditEntry) -> StoreResult<()>;
    /// A show's lineup, in the order added.
    async fn lineup_list(&self, show: ShowId) -> StoreResult<Vec<LineupItem>>;
    /// Follows a room; false if already following.
    async fn follow(&self, room: RoomOperatorId, account: AccountId, at: DateTime<Utc>) -> StoreResult<bool>;
    /// Unfollows; false if not following.
    async fn unfollow(&self, room: RoomOperatorId, account: AccountId) -> StoreResult<bool>;
    /// Followers of a room.
    async fn follower_count(&self, room: RoomOperatorId) -> StoreResult<u64>;
    /// Categories on the room's lineups added since `since`.
    async fn room_categories_since(&self, room: RoomOperatorId, since: DateTime<Utc>) -> StoreResult<Vec<Category>>;
    /// Shows that went live in `[from, to)`.
    async fn shows_started_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<Vec<Show>>;
    /// Records a reported change with its platform record.
    async fn insert_change(&self, req: &ChangeRequest, record: AuditEntry) -> StoreResult<()>;
    /// A change request.
    async fn get_change(&self, id: ChangeRequestId) -> StoreResult<Option<ChangeRequest>>;
    /// Change requests, oldest first, optionally only in one state.
    async fn list_changes(&self, status: Option<ChangeStatus>, page: &PageRequest) -> StoreResult<Page<ChangeRequest>>;
    /// Saves a decided request; when `apply` is given, the party's name, address and contact are
    /// replaced by it in the same transaction.
    async fn decide_change(&self, req: &ChangeRequest, apply: Option<&Party>, record: AuditEntry) -> StoreResult<()>;
}

/// One order for the checkout engine to place.
#[derive(Debug, Clone)]
pub struct PlaceRequest {
    /// The order, fully built (snapshot included).
    pub order: Order,
    /// The buyer's `Idempotency-Key`, if sent.
    pub idempotency_key: Option<String>,
    /// Most units this buyer may buy of this product in this show.
    pub limit: Option<u32>,
    /// The order as its JSON document, written once where the order is built: the store keeps
    /// it and the API answers with it, so a flash sale serialises each order once, on the
    /// buyer's own request rather than in the single checkout queue.
    doc: std::sync::Arc<str>,
}

impl PlaceRequest {
    /// A request for `order`, serialised now.
    pub fn new(order: Order, idempotency_key: Option<String>, limit: Option<u32>) -> StoreResult<Self> {
        let doc = serde_json::to_string(&order).map_err(StoreError::corrupt)?.into();
        Ok(Self { order, idempotency_key, limit, doc })
    }

    /// The order's JSON document.
    pub fn doc(&self) -> &std::sync::Arc<str> {
        &self.doc
    }
}

/// The answer to a submitted checkout batch: the outcomes once the batch committed.
pub type CheckoutTicket = tokio::sync::oneshot::Receiver<StoreResult<Vec<PlaceOutcome>>>;

/// What happened to one order of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaceOutcome {
    /// Placed and durable.
    Placed,
    /// The same buyer already sent this idempotency key: this is that order.
    Duplicate(OrderId),
    /// Not enough stock left.
    SoldOut {
        /// Units left.
        available: i64,
    },
    /// Over the per-buyer limit.
    OverLimit {
        /// The limit.
        limit: u32,
        /// Units the buyer already holds in this show.
        already: i64,
    },
}

/// Filters for order lists.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    /// One buyer's orders.
    pub consumer: Option<AccountId>,
    /// One merchant's orders.
    pub merchant: Option<MerchantId>,
    /// One show's orders.
    pub show: Option<ShowId>,
}

/// Filters for the violation list.
#[derive(Debug, Clone, Default)]
pub struct ViolationFilter {
    /// Only this show's.
    pub show: Option<ShowId>,
    /// Only this anchor's.
    pub anchor: Option<AnchorId>,
    /// Only this room's.
    pub room_operator: Option<RoomOperatorId>,
    /// Only in this state.
    pub status: Option<clearcast_domain::violation::ViolationStatus>,
}

/// Speech supervision: violations, measures, barred identities.
#[async_trait]
pub trait SupervisionStore: Send + Sync {
    /// Appends a show's supervision records (transcript segments, findings, corrections), notes
    /// the segments taken (`(id, at_ms)`; `Conflict(segment_taken)` if one already was) and
    /// inserts its new violations, in one transaction.
    async fn record_speech(
        &self,
        show: ShowId,
        segments: &[(String, u64)],
        records: Vec<AuditEntry>,
        violations: &[Violation],
    ) -> StoreResult<()>;
    /// Which of these segment ids a show has already taken.
    async fn known_segments(&self, show: ShowId, ids: &[String]) -> StoreResult<Vec<String>>;
    /// The latest segment a show has taken (by its time in the show).
    async fn last_segment(&self, show: ShowId) -> StoreResult<Option<String>>;
    /// A violation.
    async fn get_violation(&self, id: ViolationId) -> StoreResult<Option<Violation>>;
    /// Violations, oldest first.
    async fn list_violations(&self, f: &ViolationFilter, page: &PageRequest) -> StoreResult<Page<Violation>>;
    /// Every violation of a subject created after `since` (for points).
    async fn subject_violations(&self, subject: Subject, since: DateTime<Utc>) -> StoreResult<Vec<Violation>>;
    /// Saves a violation whose state moved from `from` (a racing decision loses with a conflict),
    /// with its record on the show's stream.
    async fn save_violation(&self, v: &Violation, from: ViolationStatus, record: AuditEntry) -> StoreResult<()>;
    /// Inserts a measure with its record (on the subject's stream); a measure that bars the
    /// identity also bars the subject's ID number or USCC from registering again.
    async fn insert_measure(&self, m: &Measure, record: AuditEntry) -> StoreResult<()>;
    /// A measure.
    async fn get_measure(&self, id: MeasureId) -> StoreResult<Option<Measure>>;
    /// Measures, oldest first; of one subject if given.
    async fn list_measures(&self, subject: Option<Subject>, page: &PageRequest) -> StoreResult<Page<Measure>>;
    /// Saves a measure if it still is `prev` (appeal filed or decided); a reversed measure lifts
    /// its identity bar.
    async fn save_measure(&self, m: &Measure, prev: &Measure, record: AuditEntry) -> StoreResult<()>;
    /// Keeps a viewer's comment (shown or hidden) with its record on the show's stream.
    async fn insert_chat(&self, m: &ChatMessage, record: AuditEntry) -> StoreResult<()>;
    /// A show's comments, oldest first; hidden ones only when asked.
    async fn list_chat(&self, show: ShowId, with_hidden: bool, page: &PageRequest) -> StoreResult<Page<ChatMessage>>;
    /// Notes that a show was heard at `at`; returns when its silence had begun, if it was silent.
    async fn mark_heard(&self, show: ShowId, at: DateTime<Utc>) -> StoreResult<Option<DateTime<Utc>>>;
    /// When a show was last heard and since when it is silent.
    async fn speech_state(&self, show: ShowId) -> StoreResult<Option<(DateTime<Utc>, Option<DateTime<Utc>>)>>;
    /// Flags a show silent since `since` with its records (one on the show's stream, and a patrol
    /// alert on the platform stream for a key room); false if it was already flagged.
    async fn mark_silent(
        &self,
        show: ShowId,
        last_heard: DateTime<Utc>,
        since: DateTime<Utc>,
        records: Vec<AuditEntry>,
        alert: Option<AuditEntry>,
    ) -> StoreResult<bool>;
    /// Live shows flagged silent.
    async fn silent_shows(&self) -> StoreResult<Vec<(ShowId, DateTime<Utc>, DateTime<Utc>)>>;
    /// Records a regulator's notice (platform stream).
    async fn insert_notice(&self, n: &Notice, record: AuditEntry) -> StoreResult<()>;
    /// A notice.
    async fn get_notice(&self, id: NoticeId) -> StoreResult<Option<Notice>>;
    /// Notices, oldest first.
    async fn list_notices(&self, page: &PageRequest) -> StoreResult<Page<Notice>>;
    /// Saves a notice if it still is `prev`, with its record (platform stream).
    async fn save_notice(&self, n: &Notice, prev: &Notice, record: AuditEntry) -> StoreResult<()>;
}

/// Orders (the orders capability).
#[async_trait]
pub trait OrderStore: Send + Sync {
    /// Places a batch in one transaction, first come first served: each order's stock decrement is
    /// conditional (never below zero), its idempotency key and per-buyer limit are checked
    /// against the database and the earlier orders of the batch. One commit for the batch.
    async fn place_orders(&self, batch: &[PlaceRequest]) -> StoreResult<Vec<PlaceOutcome>>;
    /// Hands a batch to a store that commits checkout batches strictly one after another on its
    /// own queue, and returns at once with the receiver of its outcomes. The batch is queued
    /// before this returns, so batches submitted in order are decided in order; the caller may
    /// gather the next batch while this one commits. `Err` gives the batch back (the default): the
    /// store has no such queue (concurrent `place_orders` calls would run side by side), so use
    /// `place_orders` and wait.
    fn submit_orders(&self, batch: Vec<PlaceRequest>) -> Result<CheckoutTicket, Vec<PlaceRequest>> {
        Err(batch)
    }
    /// An order.
    async fn get_order(&self, id: OrderId) -> StoreResult<Option<Order>>;
    /// Orders, oldest first.
    async fn list_orders(&self, filter: &OrderFilter, page: &PageRequest) -> StoreResult<Page<Order>>;
    /// Saves a transition from state `from` with its record (in the order's own stream); with
    /// `release_stock` the order's units go back to the variant in the same transaction
    /// (cancellation); `money` (batches of ledger transfers, each replaying harmlessly if it was
    /// posted before) moves in the same transaction. `Conflict(order_state_changed)` if the order
    /// is no longer in `from`; `Conflict(ledger_refused)` if the ledger refuses a batch.
    async fn save_order(
        &self,
        order: &Order,
        from: OrderStatus,
        release_stock: bool,
        record: AuditEntry,
        money: &[Vec<clearcast_domain::ledger::Transfer>],
    ) -> StoreResult<()>;
    /// Placed (unpaid) orders placed at or before `before`, oldest first, at most `limit`.
    async fn unpaid_before(&self, before: DateTime<Utc>, limit: u32) -> StoreResult<Vec<Order>>;
    /// Units of a variant held by orders that are not cancelled.
    async fn units_sold(&self, variant: VariantId) -> StoreResult<i64>;
    /// Sales (minor units) of a room's shows placed since `since`, cancelled and refunded
    /// orders excluded.
    async fn room_sales_since(&self, room: RoomOperatorId, since: DateTime<Utc>) -> StoreResult<i64>;
    /// Appends a review entry. `Conflict(already_reviewed)` / `Conflict(already_replied)` when a
    /// racing writer got there first.
    async fn add_review_entry(
        &self,
        product: ProductId,
        entry: &clearcast_domain::review::ReviewEntry,
    ) -> StoreResult<()>;
    /// An order's review entries, oldest first.
    async fn review_entries(&self, order: OrderId) -> StoreResult<Vec<clearcast_domain::review::ReviewEntry>>;
    /// A product's review entries, oldest first, after entry number `after`, at most `limit`.
    async fn product_review_entries(
        &self,
        product: ProductId,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<(i64, clearcast_domain::review::ReviewEntry)>>;
}

/// What reputation and the feed read: their inputs, re-read at start (the scores themselves are
/// kept in memory and rebuilt from these), and the audience of live shows.
#[async_trait]
pub trait QualityStore: Send + Sync {
    /// Orders that were at least shipped, oldest id first after `after`, at most `limit`.
    async fn shipped_orders(&self, after: Option<OrderId>, limit: u32) -> StoreResult<Vec<Order>>;
    /// Initial reviews (with ratings), oldest first after entry number `after`, at most `limit`.
    async fn initial_reviews(
        &self,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<(i64, clearcast_domain::review::ReviewEntry)>>;
    /// Confirmed violations found since `since`.
    async fn confirmed_violations_since(&self, since: DateTime<Utc>) -> StoreResult<Vec<Violation>>;
    /// Inspections an operator has reviewed.
    async fn reviewed_inspections(&self) -> StoreResult<Vec<Inspection>>;
    /// Buyers with an order in the show that is paid and neither cancelled nor refunded.
    async fn show_net_sold(&self, show: ShowId) -> StoreResult<u64>;
    /// Records that a signed-in account watches a show; true the first time.
    async fn record_view(&self, show: ShowId, account: AccountId, at: DateTime<Utc>) -> StoreResult<bool>;
    /// Adds likes from an account (counting it as a viewer); returns its total likes on the show.
    async fn add_likes(&self, show: ShowId, account: AccountId, n: u32, at: DateTime<Utc>) -> StoreResult<u64>;
    /// Unique viewers, likes with each viewer's capped at `cap`, and all likes.
    async fn show_engagement(&self, show: ShowId, cap: u32) -> StoreResult<(u64, u64, u64)>;
}

/// Filters for complaint lists.
#[derive(Debug, Clone, Default)]
pub struct ComplaintFilter {
    /// One consumer's.
    pub consumer: Option<AccountId>,
    /// Against one merchant.
    pub merchant: Option<MerchantId>,
    /// In one state.
    pub status: Option<clearcast_domain::complaint::ComplaintStatus>,
    /// Sold in one room's shows (applied by the caller; the store ignores it).
    pub room_operator: Option<clearcast_domain::ids::RoomOperatorId>,
}

/// Consumers' complaints (the safety net).
#[async_trait]
pub trait ComplaintStore: Send + Sync {
    /// Files a complaint with its first record (in the complaint's own stream).
    async fn insert_complaint(&self, c: &clearcast_domain::complaint::Complaint, record: AuditEntry)
        -> StoreResult<()>;
    /// One complaint.
    async fn get_complaint(
        &self,
        id: clearcast_domain::ids::ComplaintId,
    ) -> StoreResult<Option<clearcast_domain::complaint::Complaint>>;
    /// Complaints, oldest first.
    async fn list_complaints(
        &self,
        f: &ComplaintFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<clearcast_domain::complaint::Complaint>>;
    /// Saves a step from state `from` with its record; `money` (compensation and recovery) moves
    /// in the same transaction. `Conflict(complaint_state_changed)` or `Conflict(ledger_refused)`.
    async fn save_complaint(
        &self,
        c: &clearcast_domain::complaint::Complaint,
        from: clearcast_domain::complaint::ComplaintStatus,
        record: AuditEntry,
        money: &[Vec<clearcast_domain::ledger::Transfer>],
    ) -> StoreResult<()>;
}

/// The safety net's ledger (see `clearcast_domain::ledger` for the rules).
#[async_trait]
pub trait LedgerStore: Send + Sync {
    /// Posts independent batches in one database transaction (group commit). Each batch is
    /// applied whole or refused whole, in order, against the balances the earlier ones left; a
    /// batch whose ids were all applied before is a replay and moves nothing.
    async fn post_batches(
        &self,
        batches: &[Vec<clearcast_domain::ledger::Transfer>],
    ) -> StoreResult<Vec<Result<clearcast_domain::ledger::Posted, clearcast_domain::ledger::LedgerError>>>;
    /// Posts one batch, all or nothing.
    async fn post_transfers(
        &self,
        batch: Vec<clearcast_domain::ledger::Transfer>,
    ) -> StoreResult<Result<clearcast_domain::ledger::Posted, clearcast_domain::ledger::LedgerError>> {
        let mut r = self.post_batches(&[batch]).await?;
        r.pop().ok_or_else(|| StoreError::Corrupt("a posted batch returned no outcome".into()))
    }
    /// Every account that was ever used, with its balance.
    async fn ledger_balances(&self) -> StoreResult<Vec<(clearcast_domain::ledger::AccountCode, i64)>>;
    /// One account's balance (0 if never used).
    async fn ledger_balance(&self, account: &clearcast_domain::ledger::AccountCode) -> StoreResult<i64>;
    /// An account's transfers, oldest first after sequence number `after`.
    async fn account_transfers(
        &self,
        account: &clearcast_domain::ledger::AccountCode,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<(i64, clearcast_domain::ledger::Transfer)>>;
    /// Transfers applied in all.
    async fn ledger_transfer_count(&self) -> StoreResult<u64>;
    /// One transfer by its id.
    async fn ledger_transfer(
        &self,
        id: &clearcast_domain::ledger::TransferId,
    ) -> StoreResult<Option<clearcast_domain::ledger::Transfer>>;
}

/// One-time tickets that open the live channel for a signed-in account.
#[async_trait]
pub trait LiveStore: Send + Sync {
    /// Keeps a ticket's hash, for one account and show, until `expires_at`, with the hash of the
    /// token it was taken with.
    async fn insert_live_ticket(
        &self,
        ticket_hash: &str,
        account: AccountId,
        show: clearcast_domain::ids::ShowId,
        expires_at: DateTime<Utc>,
        token_hash: &str,
    ) -> StoreResult<()>;
    /// Spends a ticket: its account and the token it was taken with, if the ticket is for this
    /// show, unexpired and unused, and that token is still live (not revoked, not expired).
    async fn take_live_ticket(
        &self,
        ticket_hash: &str,
        show: clearcast_domain::ids::ShowId,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<(AccountId, String)>>;
}

/// Everything clearcast remembers. Both backends implement every method with the same meaning;
/// `tests/conformance.rs` holds them to it.
#[async_trait]
pub trait Store:
    ShowStore
    + OrderStore
    + SupervisionStore
    + QualityStore
    + LedgerStore
    + ComplaintStore
    + LiveStore
    + Send
    + Sync
    + 'static
{
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    /// A keyed digest of a personal value (HMAC under the store's key): records may carry it to
    /// show which identity was checked without revealing it, and it cannot be brute-forced from
    /// a masked number without the key.
    fn keyed_digest(&self, value: &str) -> String;
    /// Checks the database answers.
    async fn ping(&self) -> StoreResult<()>;

    /// Creates an account. `Conflict(username_taken)` if the name is in use.
    async fn create_account(
        &self,
        account: &Account,
        password_hash: &str,
        audit: Option<AuditEntry>,
    ) -> StoreResult<()>;
    /// An account and its password hash, by user name.
    async fn account_by_username(&self, username: &str) -> StoreResult<Option<(Account, String)>>;
    /// An account by id.
    async fn get_account(&self, id: AccountId) -> StoreResult<Option<Account>>;
    /// Stores a token hash.
    async fn insert_token(&self, token: &TokenRecord) -> StoreResult<()>;
    /// The account of an unexpired, unrevoked token.
    async fn token_account(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<Option<Account>> {
        Ok(self.token_session(token_hash, now).await?.map(|s| s.account))
    }
    /// An unexpired, unrevoked token with its account and expiry.
    async fn token_session(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<Option<TokenSession>>;
    /// Every unexpired, unrevoked token (a server loads them at start so authentication runs
    /// from memory), at most `limit`, newest first.
    async fn live_tokens(&self, now: DateTime<Utc>, limit: i64) -> StoreResult<Vec<TokenSession>>;
    /// Hashes of tokens revoked at or after `since` (other servers' logouts reach this one's
    /// memory through this).
    async fn revoked_tokens_since(&self, since: DateTime<Utc>) -> StoreResult<Vec<String>>;
    /// Revokes a token; false if it was unknown or already revoked.
    async fn revoke_token(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<bool>;

    /// Registers a party. `Conflict(duplicate_identity)` if a party of the same kind has the same
    /// USCC or ID number; `Conflict(already_registered)` if the owner already has one of this kind.
    async fn insert_party(&self, party: &Party, audit: Option<AuditEntry>) -> StoreResult<()>;
    /// A party by id.
    async fn get_party(&self, id: PartyId) -> StoreResult<Option<Party>>;
    /// The party of this kind an account owns.
    async fn party_of_owner(&self, kind: PartyKind, owner: AccountId) -> StoreResult<Option<Party>>;
    /// Parties of a kind, oldest first.
    async fn list_parties(&self, kind: PartyKind, page: &PageRequest) -> StoreResult<Page<Party>>;
    /// Records a verification decision and its audit entry atomically. `NotFound` if absent.
    async fn set_party_verification(&self, id: PartyId, v: &Verification, audit: AuditEntry) -> StoreResult<()>;

    /// Registers an anchor. `Conflict(duplicate_identity)` for a known ID number,
    /// `Conflict(already_registered)` if the account has an anchor profile.
    async fn insert_anchor(&self, anchor: &Anchor) -> StoreResult<()>;
    /// An anchor by id.
    async fn get_anchor(&self, id: AnchorId) -> StoreResult<Option<Anchor>>;
    /// The anchor profile an account owns.
    async fn anchor_of_owner(&self, owner: AccountId) -> StoreResult<Option<Anchor>>;
    /// Anchors, oldest first.
    async fn list_anchors(&self, page: &PageRequest) -> StoreResult<Page<Anchor>>;
    /// Records a verification decision and its audit entry atomically.
    async fn set_anchor_verification(&self, id: AnchorId, v: &Verification, audit: AuditEntry) -> StoreResult<()>;
    /// Records a training and its audit entry atomically.
    async fn insert_training(&self, t: &TrainingRecord, audit: AuditEntry) -> StoreResult<()>;
    /// An anchor's trainings, oldest first.
    async fn list_trainings(&self, anchor: AnchorId) -> StoreResult<Vec<TrainingRecord>>;
    /// Puts an anchor on a room's roster (with its record). `Conflict(already_on_roster)` if present.
    async fn roster_add(&self, entry: &RosterEntry, audit: Option<AuditEntry>) -> StoreResult<()>;
    /// Confirms a roster entry (with its record). `NotFound` if the anchor is not on the roster.
    async fn roster_confirm(
        &self,
        room: RoomOperatorId,
        anchor: AnchorId,
        at: DateTime<Utc>,
        audit: Option<AuditEntry>,
    ) -> StoreResult<RosterEntry>;
    /// One roster entry.
    async fn roster_get(&self, room: RoomOperatorId, anchor: AnchorId) -> StoreResult<Option<RosterEntry>>;
    /// A room's roster.
    async fn roster_list(&self, room: RoomOperatorId) -> StoreResult<Vec<RosterEntry>>;
    /// Blacklists an identity (Art. 14) with its audit entry. `Conflict(already_blacklisted)` if listed.
    async fn blacklist_add(
        &self,
        id: &IdNumber,
        reason: &str,
        at: DateTime<Utc>,
        by: AccountId,
        audit: AuditEntry,
    ) -> StoreResult<()>;
    /// Whether an identity is blacklisted.
    async fn is_blacklisted(&self, id: &IdNumber) -> StoreResult<bool>;

    /// Lists a product with its variants.
    async fn insert_product(&self, p: &Product, audit: Option<AuditEntry>) -> StoreResult<()>;
    /// A product with its variants.
    async fn get_product(&self, id: ProductId) -> StoreResult<Option<Product>>;
    /// Products, oldest first.
    async fn list_products(&self, filter: &ProductFilter, page: &PageRequest) -> StoreResult<Page<Product>>;
    /// Adds a qualification.
    async fn insert_qualification(&self, q: &Qualification) -> StoreResult<()>;
    /// A product's qualifications, oldest first.
    async fn list_qualifications(&self, product: ProductId) -> StoreResult<Vec<Qualification>>;
    /// Records a review and its audit entry atomically. `NotFound` unless the qualification
    /// belongs to the product.
    async fn review_qualification(
        &self,
        product: ProductId,
        id: QualificationId,
        r: &Review,
        audit: AuditEntry,
    ) -> StoreResult<Qualification>;
    /// Adds an inspection report.
    async fn insert_inspection(&self, i: &Inspection) -> StoreResult<()>;
    /// A product's inspection reports, oldest first.
    async fn list_inspections(&self, product: ProductId) -> StoreResult<Vec<Inspection>>;
    /// Records a review and its audit entry atomically.
    async fn review_inspection(
        &self,
        product: ProductId,
        id: InspectionId,
        r: &Review,
        audit: AuditEntry,
    ) -> StoreResult<Inspection>;

    /// Appends an audit entry (platform stream) on its own.
    async fn audit_append(&self, entry: AuditEntry) -> StoreResult<ChainedEntry> {
        self.record_append(PLATFORM_STREAM, entry).await
    }
    /// Platform-stream entries after `after_seq`, at most `limit`.
    async fn audit_list(&self, after_seq: i64, limit: u32) -> StoreResult<Vec<ChainedEntry>> {
        self.record_list(PLATFORM_STREAM, after_seq, limit).await
    }
    /// Appends a record to a stream (`platform`, or a show id).
    async fn record_append(&self, stream: &str, entry: AuditEntry) -> StoreResult<ChainedEntry>;
    /// A stream's records after `after_seq`, at most `limit` (1-10000).
    async fn record_list(&self, stream: &str, after_seq: i64, limit: u32) -> StoreResult<Vec<ChainedEntry>>;
    /// Every stream with its head and archive checkpoint.
    async fn record_streams(&self) -> StoreResult<Vec<StreamHead>>;
    /// Removes a stream's records up to `through_seq` (already written to `file` by the caller)
    /// and leaves a checkpoint so the rest still verifies. The only deletion path, used by
    /// `clearcast records archive` for records past retention.
    async fn archive_records(
        &self,
        stream: &str,
        through_seq: i64,
        archived_at: DateTime<Utc>,
        file: &str,
    ) -> StoreResult<()>;
}

/// The stream of platform-level records (operator actions, change requests).
pub const PLATFORM_STREAM: &str = "platform";

/// A record stream's head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamHead {
    /// `platform` or a show id.
    pub stream: String,
    /// Sequence number of the last record.
    pub seq: i64,
    /// Hash of the last record.
    pub hash: String,
    /// `(through_seq, hash)` of the archive checkpoint, if records were archived.
    pub checkpoint: Option<(i64, String)>,
}

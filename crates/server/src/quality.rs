//! The quality engine's wiring: the reputation book and the live-show feed index held in memory,
//! fed by the handlers as things happen (an order changes, a review, a violation, an inspection,
//! a show goes live or stops, a viewer, a like, a measure), and rebuilt from the store at start.
//!
//! The rules are the domain's (`reputation`, `feed`); this module only gathers their inputs.
//! A hook runs after the store has committed; if it fails (the store went away between the two),
//! the request still succeeds — the fact is durable — and the next rebuild or tick catches up;
//! the failure is logged.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

use chrono::{DateTime, Utc};
use clearcast_domain::feed::index::{FeedIndex, LiveShow};
use clearcast_domain::feed::{Counters, FeedPolicy, Standing};
use clearcast_domain::ids::{ShowId, ViolationId};
use clearcast_domain::order::Order;
use clearcast_domain::penalty::{MeasureKind, MeasureStatus, Subject};
use clearcast_domain::product::Category;
use clearcast_domain::qualification::Inspection;
use clearcast_domain::reputation::book::{self, Book, FactKey};
use clearcast_domain::reputation::{ReputationPolicy, ScoreStatus, ScoredSubject, Unavailable};
use clearcast_domain::review::{EntryKind, Ratings};
use clearcast_domain::show::ShowStatus;
use clearcast_domain::violation::Violation;
use clearcast_store::{PageRequest, ShowFilter};

use crate::error::ApiResult;
use crate::state::AppState;

/// What the book cannot know yet, shown with every score (nothing now: upheld complaints arrive
/// from the safety net).
pub fn missing_inputs() -> Vec<Unavailable> {
    Vec::new()
}

/// After a complaint was decided: an upheld one counts against the parties.
pub fn on_complaint(state: &AppState, c: &clearcast_domain::complaint::Complaint) {
    let category = state.quality.book().category_of(ScoredSubject::Product(c.product));
    state.quality.upsert_fact(FactKey::Complaint(c.id), book::complaint_contributions(c, category), state.clock.now());
}

/// The book and the index.
pub struct Quality {
    book: Mutex<Book>,
    index: RwLock<FeedIndex>,
    source: RwLock<Option<std::path::PathBuf>>,
}

impl Quality {
    /// Empty, with the policy's sections.
    pub fn new(reputation: ReputationPolicy, feed: FeedPolicy, now: DateTime<Utc>) -> Self {
        Self {
            book: Mutex::new(Book::new(reputation, now, missing_inputs())),
            index: RwLock::new(FeedIndex::new(feed)),
            source: RwLock::new(None),
        }
    }

    /// Remembers the policy file given at start, for reloads.
    pub fn set_source(&self, path: std::path::PathBuf) {
        *self.source.write().unwrap_or_else(|e| e.into_inner()) = Some(path);
    }

    /// The policy file given at start, if any.
    pub fn source(&self) -> Option<std::path::PathBuf> {
        self.source.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Re-reads the policy file and swaps its `[reputation]` and `[feed]` sections in. On any
    /// error (unreadable, does not parse, a negative weight…) the policy in force stays.
    pub fn reload(&self, now: DateTime<Utc>) -> Result<std::path::PathBuf, String> {
        let Some(path) = self.source() else {
            return Err("no policy file was given at start".into());
        };
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let p = clearcast_domain::policy::Policy::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        self.set_policies(p.reputation, p.feed, now);
        Ok(path)
    }

    /// The book (a poisoned lock means a panic mid-update, which the panic guard already reported;
    /// the sums are still usable).
    pub fn book(&self) -> MutexGuard<'_, Book> {
        self.book.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The index, to read.
    pub fn index(&self) -> RwLockReadGuard<'_, FeedIndex> {
        self.index.read().unwrap_or_else(|e| e.into_inner())
    }

    fn index_mut(&self) -> RwLockWriteGuard<'_, FeedIndex> {
        self.index.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Swaps both policies (after a reload); every score and rank is recomputed.
    pub fn set_policies(&self, reputation: ReputationPolicy, feed: FeedPolicy, now: DateTime<Utc>) {
        self.book().set_policy(reputation, now);
        self.index_mut().set_policy(feed);
        self.restand_all(now);
    }

    fn standing(&self, book: &Book, s: ScoredSubject, now: DateTime<Utc>) -> Standing {
        let r = book.reputation(s, now);
        Standing { published: (r.status == ScoreStatus::Published).then_some(r.raw), raw: r.raw }
    }

    /// Pushes fresh standings of some subjects into the index.
    fn restand(&self, subjects: &[ScoredSubject], now: DateTime<Utc>) {
        if subjects.is_empty() {
            return;
        }
        let st: Vec<(ScoredSubject, Standing)> = {
            let book = self.book();
            subjects.iter().map(|s| (*s, self.standing(&book, *s, now))).collect()
        };
        let mut ix = self.index_mut();
        for (s, st) in st {
            ix.set_standing(s, st);
        }
    }

    /// Recomputes the standing of every subject of a live show (decay moves them all a little;
    /// the group means move with every fact).
    pub fn restand_all(&self, now: DateTime<Utc>) {
        let subjects = self.index().subjects();
        self.restand(&subjects, now);
    }

    /// Replaces a fact; the subjects it touches move in the feed.
    pub fn upsert_fact(&self, key: FactKey, contributions: Vec<book::Contribution>, now: DateTime<Utc>) {
        let touched = self.book().upsert(key, contributions, now);
        self.restand(&touched, now);
    }

    /// Puts a live show in the index with its subjects' current standings.
    pub fn upsert_live(&self, live: LiveShow, now: DateTime<Utc>) {
        let subjects: Vec<ScoredSubject> = live
            .anchors
            .iter()
            .map(|a| ScoredSubject::Anchor(*a))
            .chain(live.products.iter().map(|p| ScoredSubject::Product(*p)))
            .chain(std::iter::once(ScoredSubject::RoomOperator(live.room)))
            .collect();
        self.index_mut().upsert(live);
        self.restand(&subjects, now);
    }

    /// New audience or sales figures for a live show.
    pub fn set_counters(&self, show: ShowId, c: Counters) {
        self.index_mut().set_counters(show, c);
    }

    /// Drops expired observations and refreshes every live show's standings.
    pub fn tick(&self, now: DateTime<Utc>) {
        self.book().tick(now);
        self.restand_all(now);
    }
}

fn category_of(order: &Order) -> Option<Category> {
    order.snapshot.category.parse().ok()
}

fn ratings_of(entries: &[clearcast_domain::review::ReviewEntry]) -> Option<(Ratings, DateTime<Utc>)> {
    entries.iter().find(|e| e.kind == EntryKind::Initial).and_then(|e| e.ratings.map(|r| (r, e.at)))
}

/// After an order changed (paid, shipped, delivered, returned, reviewed).
pub async fn on_order(state: &AppState, order: &Order) {
    if let Err(e) = order_fact(state, order).await {
        tracing::warn!(order = %order.id, error = %e.detail, "reputation not updated; the next rebuild will catch up");
    }
}

async fn order_fact(state: &AppState, order: &Order) -> ApiResult<()> {
    let now = state.clock.now();
    let review = ratings_of(&state.store.review_entries(order.id).await?);
    let room = match order.show {
        Some(s) => state.store.get_show(s).await?.map(|s| s.room_operator),
        None => None,
    };
    let policy = state.quality.book().policy().clone();
    let c = book::order_contributions(order, category_of(order), room, review, &policy);
    state.quality.upsert_fact(FactKey::Order(order.id), c, now);
    if let Some(show) = order.show {
        if state.quality.index().contains(show) {
            refresh_counters(state, show).await?;
        }
    }
    Ok(())
}

/// After a violation was found or decided.
pub fn on_violation(state: &AppState, v: &Violation) {
    state.quality.upsert_fact(FactKey::Violation(v.id), book::violation_contributions(v), state.clock.now());
}

/// After an operator reviewed an inspection report.
pub async fn on_inspection(state: &AppState, i: &Inspection) {
    let r: ApiResult<()> = async {
        let Some(p) = state.store.get_product(i.product).await? else { return Ok(()) };
        state.quality.upsert_fact(
            FactKey::Inspection(i.id),
            book::inspection_contributions(i, p.seller, p.category),
            state.clock.now(),
        );
        Ok(())
    }
    .await;
    if let Err(e) = r {
        tracing::warn!(inspection = %i.id, error = %e.detail, "reputation not updated");
    }
}

/// Re-reads a show's audience and sales into the index.
pub async fn refresh_counters(state: &AppState, show: ShowId) -> ApiResult<()> {
    let cap = state.quality.index().policy().likes_cap_per_viewer;
    let (viewers, likes_capped, likes_raw) = state.store.show_engagement(show, cap).await?;
    let net_sold = state.store.show_net_sold(show).await?;
    state.quality.set_counters(show, Counters { viewers, likes_capped, likes_raw, net_sold });
    Ok(())
}

/// After a show went live, stopped, or changed its lineup: puts it in the feed or takes it out.
pub async fn on_show(state: &AppState, id: ShowId) {
    if let Err(e) = show_entry(state, id).await {
        tracing::warn!(show = %id, error = %e.detail, "feed not updated; the next rebuild will catch up");
    }
}

async fn show_entry(state: &AppState, id: ShowId) -> ApiResult<()> {
    let Some(show) = state.store.get_show(id).await? else { return Ok(()) };
    if show.status != ShowStatus::Live {
        state.quality.index_mut().remove(id);
        return Ok(());
    }
    let lineup = state.store.lineup_list(id).await?;
    let mut merchants = Vec::new();
    for item in &lineup {
        if let Some(p) = state.store.get_product(item.product).await? {
            if !merchants.contains(&p.seller) {
                merchants.push(p.seller);
            }
        }
    }
    let cap = state.quality.index().policy().likes_cap_per_viewer;
    let (viewers, likes_capped, likes_raw) = state.store.show_engagement(id, cap).await?;
    let net_sold = state.store.show_net_sold(id).await?;
    let live = LiveShow {
        id,
        title: show.title.clone(),
        room: show.room_operator,
        anchors: show.roster.clone(),
        products: lineup.iter().map(|i| i.product).collect(),
        merchants,
        counters: Counters { viewers, likes_capped, likes_raw, net_sold },
    };
    state.quality.upsert_live(live, state.clock.now());
    Ok(())
}

/// Re-reads the traffic-limit measures in force (a measure decided, appealed, or run out).
pub async fn refresh_limits(state: &AppState) {
    let r: ApiResult<()> = async {
        let now = state.clock.now();
        let mut limits: HashMap<ScoredSubject, String> = HashMap::new();
        let mut after = None;
        loop {
            let page = state.store.list_measures(None, &PageRequest { after, limit: 200 }).await?;
            for m in &page.items {
                if m.kind >= MeasureKind::TrafficLimit && m.status(now) == MeasureStatus::Active {
                    let s = match m.subject {
                        Subject::Anchor(a) => ScoredSubject::Anchor(a),
                        Subject::RoomOperator(r) => ScoredSubject::RoomOperator(r),
                    };
                    limits.insert(s, m.id.to_string());
                }
            }
            match page.next_cursor {
                Some(c) => after = Some(c),
                None => break,
            }
        }
        state.quality.index_mut().set_limits(limits);
        Ok(())
    }
    .await;
    if let Err(e) = r {
        tracing::warn!(error = %e.detail, "traffic limits not refreshed");
    }
}

/// Brings the set of live shows in line with the store: shows that went live on another node join,
/// shows that ended elsewhere leave. Entries already held keep their counters.
pub async fn sync_live(state: &AppState) -> ApiResult<()> {
    let mut live = std::collections::HashSet::new();
    let mut page = PageRequest { after: None, limit: 200 };
    loop {
        let p =
            state.store.list_shows(&ShowFilter { status: Some(ShowStatus::Live), room_operator: None }, &page).await?;
        for s in &p.items {
            live.insert(s.id);
            if !state.quality.index().contains(s.id) {
                show_entry(state, s.id).await?;
            }
        }
        match p.next_cursor {
            Some(c) => page.after = Some(c),
            None => break,
        }
    }
    let gone: Vec<ShowId> = state.quality.index().show_ids().into_iter().filter(|id| !live.contains(id)).collect();
    let mut ix = state.quality.index_mut();
    for id in gone {
        ix.remove(id);
    }
    Ok(())
}

/// Rebuilds the book and the index from the store (at start).
pub async fn rebuild(state: &AppState) -> ApiResult<()> {
    let now = state.clock.now();
    let policy = state.policy.reputation.clone();
    let mut fresh = Book::new(policy.clone(), now, missing_inputs());
    let mut reviews: HashMap<clearcast_domain::ids::OrderId, (Ratings, DateTime<Utc>)> = HashMap::new();
    let mut after = 0;
    loop {
        let page = state.store.initial_reviews(after, 5000).await?;
        let Some(last) = page.last() else { break };
        after = last.0;
        for (_, e) in page {
            if let Some(r) = e.ratings {
                reviews.insert(e.order, (r, e.at));
            }
        }
    }
    let mut rooms: HashMap<ShowId, Option<clearcast_domain::ids::RoomOperatorId>> = HashMap::new();
    let mut after = None;
    loop {
        let page = state.store.shipped_orders(after, 5000).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for o in page {
            let room = match o.show {
                Some(s) => match rooms.get(&s) {
                    Some(r) => *r,
                    None => {
                        let r = state.store.get_show(s).await?.map(|x| x.room_operator);
                        rooms.insert(s, r);
                        r
                    }
                },
                None => None,
            };
            let c = book::order_contributions(&o, category_of(&o), room, reviews.get(&o.id).copied(), &policy);
            fresh.upsert(FactKey::Order(o.id), c, now);
        }
    }
    let since = now - chrono::Duration::days(i64::from(policy.window_days));
    for v in state.store.confirmed_violations_since(since).await? {
        let id: ViolationId = v.id;
        fresh.upsert(FactKey::Violation(id), book::violation_contributions(&v), now);
    }
    for i in state.store.reviewed_inspections().await? {
        if let Some(p) = state.store.get_product(i.product).await? {
            fresh.upsert(FactKey::Inspection(i.id), book::inspection_contributions(&i, p.seller, p.category), now);
        }
    }
    let mut page = PageRequest { after: None, limit: 200 };
    loop {
        let p = state.store.list_complaints(&clearcast_store::ComplaintFilter::default(), &page).await?;
        for c in &p.items {
            let category = fresh.category_of(ScoredSubject::Product(c.product));
            fresh.upsert(FactKey::Complaint(c.id), book::complaint_contributions(c, category), now);
        }
        match p.next_cursor {
            Some(cur) => page.after = Some(cur),
            None => break,
        }
    }
    *state.quality.book() = fresh;
    *state.quality.index_mut() = FeedIndex::new(state.policy.feed.clone());
    let mut page = PageRequest { after: None, limit: 200 };
    loop {
        let p =
            state.store.list_shows(&ShowFilter { status: Some(ShowStatus::Live), room_operator: None }, &page).await?;
        for s in &p.items {
            show_entry(state, s.id).await?;
        }
        match p.next_cursor {
            Some(c) => page.after = Some(c),
            None => break,
        }
    }
    refresh_limits(state).await;
    Ok(())
}

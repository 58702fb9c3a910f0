//! The live-show index: every live show's rank kept in sorted order and updated as events arrive
//! (a viewer, a like, a sale, a changed reputation, a measure), so a feed request walks the top
//! of a sorted set and never re-reads the database or re-sorts the candidates.
//!
//! `naive_top` ranks the same shows the textbook way — recompute every score, sort everything —
//! and must give the same answer; the benchmark measures both.

use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use super::{
    engagement, quality_first, quality_first_score, Adjustment, Counters, FeedPolicy, FeedPolicyKind, Limit, Standing,
    Why,
};
use crate::ids::{AnchorId, MerchantId, ProductId, RoomOperatorId, ShowId};
use crate::reputation::ScoredSubject;

/// A live show as the feed sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveShow {
    /// The show.
    pub id: ShowId,
    /// Its title (shown with the feed).
    pub title: String,
    /// Its room.
    pub room: RoomOperatorId,
    /// Its anchors.
    pub anchors: Vec<AnchorId>,
    /// Its lineup.
    pub products: Vec<ProductId>,
    /// The merchants selling on it.
    pub merchants: Vec<MerchantId>,
    /// Audience and sales.
    pub counters: Counters,
}

/// A show placed in the feed.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Placed {
    /// 1-based.
    pub position: u32,
    /// The show.
    #[schema(value_type = String)]
    pub show: ShowId,
    /// Why it is here.
    pub why: Why,
}

type Key = (Reverse<u64>, ShowId);

fn key(score: f64, id: ShowId) -> Key {
    // Rank scores are finite and non-negative, where the IEEE bit pattern orders like the number.
    (Reverse(score.max(0.0).to_bits()), id)
}

fn score_of(k: &Key) -> f64 {
    f64::from_bits(k.0 .0)
}

#[derive(Debug, Clone)]
struct Entry {
    show: LiveShow,
    qf: f64,
    newcomer: bool,
    eng: f64,
}

/// The index.
#[derive(Debug, Clone, Default)]
pub struct FeedIndex {
    policy: FeedPolicy,
    shows: HashMap<ShowId, Entry>,
    qf: BTreeSet<Key>,
    newcomers: BTreeSet<Key>,
    eng: BTreeSet<Key>,
    standings: HashMap<ScoredSubject, Standing>,
    limits: HashMap<ScoredSubject, String>,
    by_subject: HashMap<ScoredSubject, Vec<ShowId>>,
}

/// A standing for a subject the index has not been told about: unscored and at the bottom, so
/// a missing update can never push a show up.
const UNKNOWN: Standing = Standing { published: None, raw: 0.0 };

impl FeedIndex {
    /// An empty index.
    pub fn new(policy: FeedPolicy) -> Self {
        Self { policy, ..Default::default() }
    }

    /// The policy in force.
    pub fn policy(&self) -> &FeedPolicy {
        &self.policy
    }

    /// Live shows held.
    pub fn len(&self) -> usize {
        self.shows.len()
    }

    /// Whether no show is live.
    pub fn is_empty(&self) -> bool {
        self.shows.is_empty()
    }

    /// Whether a show is in the index.
    pub fn contains(&self, id: ShowId) -> bool {
        self.shows.contains_key(&id)
    }

    /// Every live show held.
    pub fn show_ids(&self) -> Vec<ShowId> {
        self.shows.keys().copied().collect()
    }

    /// Every subject some live show depends on.
    pub fn subjects(&self) -> Vec<ScoredSubject> {
        self.by_subject.keys().copied().collect()
    }

    /// A live show as held.
    pub fn show(&self, id: ShowId) -> Option<&LiveShow> {
        self.shows.get(&id).map(|e| &e.show)
    }

    /// The counters of a live show.
    pub fn counters(&self, id: ShowId) -> Option<Counters> {
        self.shows.get(&id).map(|e| e.show.counters)
    }

    fn subjects_of(show: &LiveShow) -> impl Iterator<Item = ScoredSubject> + '_ {
        show.anchors
            .iter()
            .map(|a| ScoredSubject::Anchor(*a))
            .chain(show.products.iter().map(|p| ScoredSubject::Product(*p)))
            .chain(std::iter::once(ScoredSubject::RoomOperator(show.room)))
    }

    fn standing(&self, s: ScoredSubject) -> Standing {
        self.standings.get(&s).copied().unwrap_or(UNKNOWN)
    }

    fn inputs(&self, show: &LiveShow) -> (Vec<Standing>, Vec<Standing>) {
        let a = show.anchors.iter().map(|x| self.standing(ScoredSubject::Anchor(*x))).collect();
        let l = show.products.iter().map(|x| self.standing(ScoredSubject::Product(*x))).collect();
        (a, l)
    }

    fn limits_of(&self, show: &LiveShow) -> Vec<Limit> {
        show.anchors
            .iter()
            .map(|a| ScoredSubject::Anchor(*a))
            .chain(std::iter::once(ScoredSubject::RoomOperator(show.room)))
            .filter_map(|s| self.limits.get(&s).map(|m| Limit { subject: s.to_string(), measure: m.clone() }))
            .collect()
    }

    fn limited(&self, show: &LiveShow) -> bool {
        !self.limits.is_empty()
            && (self.limits.contains_key(&ScoredSubject::RoomOperator(show.room))
                || show.anchors.iter().any(|a| self.limits.contains_key(&ScoredSubject::Anchor(*a))))
    }

    fn rank(&self, show: &LiveShow) -> (f64, bool, f64) {
        let (a, l) = self.inputs(show);
        let (qf, newcomer) = quality_first_score(&a, &l, show.counters, self.limited(show), &self.policy);
        (qf, newcomer, engagement(show.counters, &self.policy).score)
    }

    fn unlink(&mut self, id: ShowId) -> Option<Entry> {
        let e = self.shows.remove(&id)?;
        self.qf.remove(&key(e.qf, id));
        self.eng.remove(&key(e.eng, id));
        if e.newcomer {
            self.newcomers.remove(&key(e.qf, id));
        }
        Some(e)
    }

    fn link(&mut self, show: LiveShow) {
        let (qf, newcomer, eng) = self.rank(&show);
        let id = show.id;
        self.qf.insert(key(qf, id));
        self.eng.insert(key(eng, id));
        if newcomer {
            self.newcomers.insert(key(qf, id));
        }
        self.shows.insert(id, Entry { show, qf, newcomer, eng });
    }

    fn rerank(&mut self, id: ShowId) {
        if let Some(e) = self.unlink(id) {
            self.link(e.show);
        }
    }

    /// Adds a show that went live, or replaces what is known of it.
    pub fn upsert(&mut self, show: LiveShow) {
        if let Some(old) = self.unlink(show.id) {
            for s in Self::subjects_of(&old.show) {
                if let Some(v) = self.by_subject.get_mut(&s) {
                    v.retain(|x| *x != show.id);
                }
            }
        }
        for s in Self::subjects_of(&show) {
            self.by_subject.entry(s).or_default().push(show.id);
        }
        self.link(show);
    }

    /// Removes a show that ended or was stopped.
    pub fn remove(&mut self, id: ShowId) {
        if let Some(old) = self.unlink(id) {
            for s in Self::subjects_of(&old.show) {
                if let Some(v) = self.by_subject.get_mut(&s) {
                    v.retain(|x| *x != id);
                    if v.is_empty() {
                        self.by_subject.remove(&s);
                    }
                }
            }
        }
    }

    /// New audience or sales figures for a live show.
    pub fn set_counters(&mut self, id: ShowId, c: Counters) {
        if let Some(mut e) = self.unlink(id) {
            e.show.counters = c;
            self.link(e.show);
        }
    }

    /// A subject's reputation changed; the shows it takes part in move.
    pub fn set_standing(&mut self, s: ScoredSubject, st: Standing) {
        if self.standings.get(&s) == Some(&st) {
            return;
        }
        self.standings.insert(s, st);
        for id in self.by_subject.get(&s).cloned().unwrap_or_default() {
            self.rerank(id);
        }
    }

    /// The traffic-limit measures in force now (subject → measure id).
    pub fn set_limits(&mut self, limits: HashMap<ScoredSubject, String>) {
        let changed: HashSet<ScoredSubject> =
            self.limits.keys().chain(limits.keys()).filter(|s| self.limits.get(s) != limits.get(s)).copied().collect();
        self.limits = limits;
        let shows: HashSet<ShowId> = changed.iter().filter_map(|s| self.by_subject.get(s)).flatten().copied().collect();
        for id in shows {
            self.rerank(id);
        }
    }

    /// Swaps the policy and re-ranks every show.
    pub fn set_policy(&mut self, policy: FeedPolicy) {
        self.policy = policy;
        let ids: Vec<ShowId> = self.shows.keys().copied().collect();
        for id in ids {
            self.rerank(id);
        }
    }

    /// Why a show ranks as it does (components and score-based adjustments).
    fn why(&self, id: ShowId, kind: FeedPolicyKind) -> Option<Why> {
        let e = self.shows.get(&id)?;
        Some(match kind {
            FeedPolicyKind::QualityFirst => {
                let (a, l) = self.inputs(&e.show);
                quality_first(&a, &l, e.show.counters, &self.limits_of(&e.show), &self.policy)
            }
            FeedPolicyKind::Engagement => engagement(e.show.counters, &self.policy),
        })
    }

    /// The first `limit` positions.
    pub fn top(&self, kind: FeedPolicyKind, limit: usize) -> Vec<Placed> {
        let mut out = Vec::with_capacity(limit.min(self.shows.len()));
        if limit == 0 {
            return out;
        }
        self.walk(kind, self.main(kind), self.newcomers.iter().map(|k| (score_of(k), k.1)), |p| {
            out.push(p);
            out.len() < limit
        });
        out
    }

    /// One show's position and reasons, if it is live.
    pub fn explain(&self, id: ShowId, kind: FeedPolicyKind) -> Option<Placed> {
        if !self.shows.contains_key(&id) {
            return None;
        }
        let mut found = None;
        self.walk(kind, self.main(kind), self.newcomers.iter().map(|k| (score_of(k), k.1)), |p| {
            if p.show == id {
                found = Some(p);
                false
            } else {
                true
            }
        });
        found
    }

    fn main(&self, kind: FeedPolicyKind) -> Box<dyn Iterator<Item = (f64, ShowId)> + '_> {
        match kind {
            FeedPolicyKind::QualityFirst => Box::new(self.qf.iter().map(|k| (score_of(k), k.1))),
            FeedPolicyKind::Engagement => Box::new(self.eng.iter().map(|k| (score_of(k), k.1))),
        }
    }

    /// The same first positions the naive way: every score recomputed, every show sorted.
    pub fn naive_top(&self, kind: FeedPolicyKind, limit: usize) -> Vec<Placed> {
        let mut all: Vec<(f64, bool, ShowId)> = self
            .shows
            .values()
            .map(|e| {
                let (qf, newcomer, eng) = self.rank(&e.show);
                (if kind == FeedPolicyKind::QualityFirst { qf } else { eng }, newcomer, e.show.id)
            })
            .collect();
        all.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.2.cmp(&b.2)));
        let newcomers: Vec<(f64, ShowId)> = all.iter().filter(|x| x.1).map(|x| (x.0, x.2)).collect();
        let mut out = Vec::with_capacity(limit);
        if limit == 0 {
            return out;
        }
        self.walk(kind, Box::new(all.iter().map(|x| (x.0, x.2))), newcomers.into_iter(), |p| {
            out.push(p);
            out.len() < limit
        });
        out
    }

    /// Places shows in order: every `1 / newcomer_share`-th position goes to the best newcomer
    /// not yet placed; within the top `merchant_cap_top`, a show whose merchant already holds
    /// `merchant_cap` positions waits until after them. `emit` returns false to stop.
    fn walk<'a>(
        &'a self,
        kind: FeedPolicyKind,
        mut main: Box<dyn Iterator<Item = (f64, ShowId)> + 'a>,
        mut newcomers: impl Iterator<Item = (f64, ShowId)>,
        mut emit: impl FnMut(Placed) -> bool,
    ) {
        let p = &self.policy;
        let quality = kind == FeedPolicyKind::QualityFirst;
        let slot_every = if quality && p.newcomer_share > 0.0 { (1.0 / p.newcomer_share).round() as u32 } else { 0 };
        let top_n = p.merchant_cap_top;
        let mut placed: HashSet<ShowId> = HashSet::new();
        let mut held: HashMap<MerchantId, u32> = HashMap::new();
        let mut deferred: VecDeque<(f64, ShowId, MerchantId)> = VecDeque::new();
        let mut position = 0u32;
        let blocking = |held: &HashMap<MerchantId, u32>, id: ShowId| -> Option<MerchantId> {
            let e = self.shows.get(&id)?;
            e.show.merchants.iter().copied().find(|m| held.get(m).copied().unwrap_or(0) >= p.merchant_cap)
        };
        loop {
            position += 1;
            // A show held back by the cap may have been placed since in a newcomer slot.
            deferred.retain(|d| !placed.contains(&d.1));
            let capped = quality && position <= top_n;
            let mut pick: Option<(ShowId, Vec<Adjustment>)> = None;
            if slot_every > 0 && position.is_multiple_of(slot_every) {
                for (_, id) in newcomers.by_ref() {
                    if placed.contains(&id) || (capped && blocking(&held, id).is_some()) {
                        continue;
                    }
                    pick = Some((
                        id,
                        vec![Adjustment {
                            kind: "newcomer_slot",
                            factor: None,
                            rule: "policy feed.newcomer_share (cold start)".into(),
                            detail: format!(
                                "position {position} is reserved for a newcomer without a published score yet"
                            ),
                        }],
                    ));
                    break;
                }
            }
            if pick.is_none() && !capped {
                // Past the capped positions, shows that waited compete again by score.
                let next_main = loop {
                    match main.next() {
                        Some((s, id)) if !placed.contains(&id) && !deferred.iter().any(|d| d.1 == id) => {
                            break Some((s, id))
                        }
                        Some(_) => continue,
                        None => break None,
                    }
                };
                pick = match (deferred.front().copied(), next_main) {
                    (Some(d), Some(m)) if d.0 >= m.0 => {
                        deferred.pop_front();
                        main = Box::new(std::iter::once(m).chain(main));
                        Some((d.1, vec![waited(d.2, p)]))
                    }
                    (_, Some(m)) => Some((m.1, vec![])),
                    (Some(d), None) => {
                        deferred.pop_front();
                        Some((d.1, vec![waited(d.2, p)]))
                    }
                    (None, None) => None,
                };
            } else if pick.is_none() {
                for (s, id) in main.by_ref() {
                    if placed.contains(&id) {
                        continue;
                    }
                    if let Some(m) = blocking(&held, id) {
                        deferred.push_back((s, id, m));
                        continue;
                    }
                    pick = Some((id, vec![]));
                    break;
                }
                if pick.is_none() {
                    // Only shows held back by the cap remain: the cap cannot leave positions empty.
                    pick = deferred.pop_front().map(|d| (d.1, vec![waited(d.2, p)]));
                }
            }
            let Some((id, adjustments)) = pick else { return };
            placed.insert(id);
            if capped {
                if let Some(e) = self.shows.get(&id) {
                    for m in &e.show.merchants {
                        *held.entry(*m).or_default() += 1;
                    }
                }
            }
            let Some(mut why) = self.why(id, kind) else { continue };
            why.adjustments.extend(adjustments);
            if !emit(Placed { position, show: id, why }) {
                return;
            }
        }
    }
}

fn waited(m: MerchantId, p: &FeedPolicy) -> Adjustment {
    Adjustment {
        kind: "merchant_cap",
        factor: None,
        rule: "policy feed.merchant_cap / feed.merchant_cap_top".into(),
        detail: format!("merchant {m} already held {} of the top {} positions", p.merchant_cap, p.merchant_cap_top),
    }
}

#[cfg(test)]
mod tests;

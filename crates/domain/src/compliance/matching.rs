//! Matching primitives of the scanner: one automaton that finds every occurrence of every string
//! the catalogue cares about (literals, exceptions, the regexes' trigger literals, alias keys) in
//! a single pass, and regular expressions run only where their trigger literals occur.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use regex_automata::{meta::Regex, Anchored, Input};
use regex_syntax::hir::literal::{ExtractKind, Extractor};

use super::catalogue::CatalogueError;

fn build_error(e: impl std::fmt::Display) -> CatalogueError {
    CatalogueError { line: None, rule: None, message: e.to_string() }
}

/// Every occurrence of a set of patterns, overlapping ones included, in one pass of a DFA
/// (standard semantics, so a match never hides another).
pub(super) fn all_occurrences<P: AsRef<[u8]>>(patterns: &[P]) -> Result<AhoCorasick, CatalogueError> {
    AhoCorasickBuilder::new()
        .match_kind(MatchKind::Standard)
        .kind(Some(AhoCorasickKind::DFA))
        .build(patterns)
        .map_err(build_error)
}

/// What an occurrence of a pattern of the [`Combined`] automaton stands for. One string can
/// stand for several things (a literal of two rules, an exception that is also a trigger).
#[derive(Debug, Clone, Copy)]
pub(super) enum Role {
    /// A rule's literal: index into the scanner's literal table.
    Literal(u32),
    /// A literal of a `compact` rule, as matched in the compact view: the rule.
    Compact(u32),
    /// A trigger literal of a rule's regex: index into the rule regexes.
    Trigger(u32),
    /// An exception phrase: the rule it clears.
    Exception(u32),
    /// A trigger literal of an exception regex: index into the exception regexes.
    ExceptionTrigger(u32),
    /// A literal every match of a rule's regex ends with (see [`GatedRegexes`]).
    Ending(u32),
    /// The same for an exception regex.
    ExceptionEnding(u32),
    /// An alias key: the text must be rewritten before matching.
    Alias,
}

/// Collects the patterns of the combined automaton, each distinct string once.
#[derive(Default)]
pub(super) struct CombinedBuilder {
    index: HashMap<Vec<u8>, usize>,
    patterns: Vec<Vec<u8>>,
    roles: Vec<Vec<Role>>,
}

impl CombinedBuilder {
    pub(super) fn add(&mut self, pattern: &[u8], role: Role) {
        let next = self.patterns.len();
        let i = *self.index.entry(pattern.to_vec()).or_insert(next);
        if i == next {
            self.patterns.push(pattern.to_vec());
            self.roles.push(Vec::new());
        }
        if let Some(r) = self.roles.get_mut(i) {
            r.push(role);
        }
    }

    pub(super) fn build(self) -> Result<Combined, CatalogueError> {
        let mut roles = Vec::new();
        let mut ranges = Vec::with_capacity(self.roles.len());
        for r in self.roles {
            ranges.push((roles.len() as u32, (roles.len() + r.len()) as u32));
            roles.extend(r);
        }
        Ok(Combined { ac: all_occurrences(&self.patterns)?, roles, ranges })
    }
}

/// Every string the scan looks for, in one automaton: one pass over the text reports every
/// occurrence of each (overlapping ones included) with what it stands for.
pub(super) struct Combined {
    ac: AhoCorasick,
    roles: Vec<Role>,
    ranges: Vec<(u32, u32)>,
}

impl Combined {
    /// Calls `f(role, start, end)` for every occurrence in `text` of every role.
    #[inline]
    pub(super) fn for_each(&self, text: &str, mut f: impl FnMut(Role, usize, usize)) {
        for m in self.ac.find_overlapping_iter(text) {
            let (a, b) = self.ranges.get(m.pattern().as_usize()).copied().unwrap_or((0, 0));
            for role in self.roles.get(a as usize..b as usize).unwrap_or(&[]) {
                f(*role, m.start(), m.end());
            }
        }
    }
}

/// Literals every match of `pattern` starts with (then the regex runs anchored at each
/// occurrence: `true`), or else ends with (each at least two bytes; the regex then searches the
/// text), when there is a small finite set of them; `None` when the regex must run on every text.
fn triggers_of(hir: &regex_syntax::hir::Hir) -> Option<(Vec<Vec<u8>>, bool)> {
    literals(hir, ExtractKind::Prefix, 1)
        .map(|l| (l, true))
        .or_else(|| literals(hir, ExtractKind::Suffix, 2).map(|l| (l, false)))
}

/// A small finite set of literals (each at least `min` bytes) one of which every match of `hir`
/// starts (`Prefix`) or ends (`Suffix`) with, if there is one.
fn literals(hir: &regex_syntax::hir::Hir, kind: ExtractKind, min: usize) -> Option<Vec<Vec<u8>>> {
    let mut ex = Extractor::new();
    ex.kind(kind).limit_total(400).limit_class(12).limit_literal_len(12);
    let seq = ex.extract(hir);
    let lits = seq.literals()?;
    if lits.is_empty() || lits.iter().any(|l| l.as_bytes().len() < min) {
        return None;
    }
    Some(lits.iter().map(|l| l.as_bytes().to_vec()).collect())
}

/// The most endings a regex may have to be gated by them.
const MAX_ENDINGS: usize = 32;

struct Gated {
    owner: usize,
    regex: Regex,
    /// Tried anchored at each occurrence of a trigger (its matches start with one).
    anchored: bool,
    /// An anchored regex whose matches also end with one of a few literals (its endings): it is
    /// tried only where one of them occurs at or after the trigger, since a match contains its
    /// ending. On speech, most triggers ("the ", 吃) have no ending after them.
    gated_by_ending: bool,
    /// The longest match in bytes, when bounded: an anchored try looks no further.
    max_len: Option<usize>,
}

/// Regular expressions, each tagged with an owner (a rule), run only where they can match: a
/// regex whose every match starts with one of a few literals is tried anchored at each occurrence
/// of them, within its longest match (no scan at all); one whose matches end with such literals
/// searches only texts that contain one; the rest search every text. The trigger literals (and
/// the endings) are found by the caller's [`Combined`] pass (see [`GatedRegexes::triggers`]).
pub(super) struct GatedRegexes {
    regexes: Vec<Gated>,
    triggers: Vec<(Vec<u8>, usize)>,
    endings: Vec<(Vec<u8>, usize)>,
    ungated: Vec<usize>,
}

/// Where the trigger pass says the regexes must run: `(regex, position)` for anchored tries and
/// the regexes that must search the whole text. Reused between scans.
#[derive(Debug, Default)]
pub(super) struct Pending {
    at: Vec<(u32, u32)>,
    whole: Vec<u32>,
    /// `(regex, start)` of each occurrence of an ending.
    endings: Vec<(u32, u32)>,
}

impl Pending {
    pub(super) fn clear(&mut self) {
        self.at.clear();
        self.whole.clear();
        self.endings.clear();
    }
}

impl GatedRegexes {
    /// Compiles `(owner, pattern)` pairs; `Err((index, message))` names the bad one.
    pub(super) fn new(list: &[(usize, String)]) -> Result<Self, (Option<usize>, String)> {
        let mut regexes = Vec::new();
        let mut triggers = Vec::new();
        let mut endings = Vec::new();
        let mut ungated = Vec::new();
        for (i, (owner, src)) in list.iter().enumerate() {
            let regex = Regex::new(src).map_err(|e| (Some(i), format!("bad regex {src:?}: {e}")))?;
            // It compiled, so it parses; were it not to, it would simply run on every text.
            let hir = regex_syntax::ParserBuilder::new().build().parse(src).ok();
            let max_len = hir.as_ref().and_then(|h| h.properties().maximum_len());
            let (mut anchored, mut gated_by_ending) = (false, false);
            match hir.as_ref().and_then(triggers_of) {
                Some((l, prefix)) => {
                    anchored = prefix;
                    triggers.extend(l.into_iter().map(|x| (x, i)));
                    // Only a few, distinctive endings are worth a place in the automaton.
                    let few = |e: &Vec<Vec<u8>>| e.len() <= MAX_ENDINGS && e.iter().all(|x| x.len() >= 2);
                    let e = hir.as_ref().filter(|_| prefix).and_then(|h| literals(h, ExtractKind::Suffix, 1));
                    if let Some(e) = e.filter(few) {
                        gated_by_ending = true;
                        endings.extend(e.into_iter().map(|x| (x, i)));
                    }
                }
                None => ungated.push(i),
            }
            regexes.push(Gated { owner: *owner, regex, anchored, gated_by_ending, max_len });
        }
        Ok(Self { regexes, triggers, endings, ungated })
    }

    /// Regexes that run on every text.
    pub(super) fn ungated(&self) -> usize {
        self.ungated.len()
    }

    /// The trigger literals, each with its regex's index.
    pub(super) fn triggers(&self) -> &[(Vec<u8>, usize)] {
        &self.triggers
    }

    /// The endings, each with its regex's index.
    pub(super) fn endings(&self) -> &[(Vec<u8>, usize)] {
        &self.endings
    }

    /// Notes that an ending of regex `i` occurs at `start`.
    #[inline]
    pub(super) fn ending(&self, i: usize, start: usize, pending: &mut Pending) {
        pending.endings.push((i as u32, start as u32));
    }

    /// The owner of regex `i`.
    pub(super) fn owner(&self, i: usize) -> usize {
        self.regexes.get(i).map_or(usize::MAX, |g| g.owner)
    }

    /// Notes that a trigger literal of regex `i` occurs at `start`.
    #[inline]
    pub(super) fn triggered(&self, i: usize, start: usize, pending: &mut Pending) {
        if let Some(g) = self.regexes.get(i) {
            if g.anchored {
                pending.at.push((i as u32, start as u32));
            } else {
                pending.whole.push(i as u32);
            }
        }
    }

    /// Runs the regexes `pending` names, and the ungated ones, whose owner `wanted` accepts; calls
    /// `f(owner, start, end, anchored)` for each non-empty match.
    pub(super) fn run(
        &self,
        t: &str,
        pending: &mut Pending,
        wanted: impl Fn(usize) -> bool,
        mut f: impl FnMut(usize, usize, usize, bool),
    ) {
        pending.whole.extend(self.ungated.iter().map(|i| *i as u32));
        pending.whole.sort_unstable();
        pending.whole.dedup();
        pending.at.sort_unstable();
        pending.at.dedup();
        // The last ending of each regex: one at or after a trigger is needed for a match there.
        pending.endings.sort_unstable_by_key(|(ri, start)| (*ri, std::cmp::Reverse(*start)));
        pending.endings.dedup_by_key(|(ri, _)| *ri);
        for &(ri, pos) in &pending.at {
            let Some(g) = self.regexes.get(ri as usize) else { continue };
            if !wanted(g.owner) {
                continue;
            }
            if g.gated_by_ending {
                let last = pending.endings.binary_search_by_key(&ri, |e| e.0).ok().and_then(|i| pending.endings.get(i));
                if last.is_none_or(|e| e.1 < pos) {
                    continue;
                }
            }
            let pos = pos as usize;
            // No match is longer than `max_len`, so none reaches past the window; look-around at
            // its edge still sees the text beyond (regex-automata resolves it on the haystack).
            let end = g.max_len.map_or(t.len(), |m| pos.saturating_add(m).min(t.len()));
            if let Some(m) = g.regex.search(&Input::new(t).range(pos..end).anchored(Anchored::Yes)) {
                if m.end() > m.start() {
                    f(g.owner, m.start(), m.end(), true);
                }
            }
        }
        for &ri in &pending.whole {
            let Some(g) = self.regexes.get(ri as usize) else { continue };
            if !wanted(g.owner) {
                continue;
            }
            for m in g.regex.find_iter(t) {
                if m.end() > m.start() {
                    f(g.owner, m.start(), m.end(), false);
                }
            }
        }
    }
}

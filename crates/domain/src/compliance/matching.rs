//! Matching primitives of the scanner: every occurrence of many literals at once, and regular
//! expressions run only where their trigger literals occur.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use regex_automata::{meta::Regex, Anchored, Input};
use regex_syntax::hir::literal::{ExtractKind, Extractor};

use super::catalogue::CatalogueError;

fn build_error(e: impl std::fmt::Display) -> CatalogueError {
    CatalogueError { line: None, rule: None, message: e.to_string() }
}

/// Every occurrence of a set of patterns, overlapping ones included, found fast: a
/// leftmost-longest search (the quick, non-overlapping walk) finds where something matches, and
/// only there an overlapping search collects every pattern that starts inside that match. No
/// occurrence is missed: one starting before a leftmost match would have been found first, and
/// one starting inside it is collected by the windowed search.
pub(super) struct PatternSet {
    fast: AhoCorasick,
    all: AhoCorasick,
    max_len: usize,
}

impl PatternSet {
    pub(super) fn new<P: AsRef<[u8]>>(patterns: &[P]) -> Result<Self, CatalogueError> {
        let build = |kind| {
            AhoCorasickBuilder::new()
                .match_kind(kind)
                .kind(Some(AhoCorasickKind::DFA))
                .build(patterns)
                .map_err(build_error)
        };
        Ok(Self {
            fast: build(MatchKind::LeftmostLongest)?,
            all: build(MatchKind::Standard)?,
            max_len: patterns.iter().map(|p| p.as_ref().len()).max().unwrap_or(0),
        })
    }

    /// Calls `f(pattern, start, end)` for every occurrence in `text`.
    pub(super) fn for_each(&self, text: &str, mut f: impl FnMut(usize, usize, usize)) {
        let bytes = text.as_bytes();
        for m in self.fast.find_iter(bytes) {
            let window_end = (m.end() - 1 + self.max_len).min(bytes.len());
            let input = aho_corasick::Input::new(bytes).span(m.start()..window_end);
            for o in self.all.find_overlapping_iter(input) {
                if o.start() < m.end() {
                    f(o.pattern().as_usize(), o.start(), o.end());
                }
            }
        }
    }
}

/// Literals every match of `pattern` starts with (then the regex runs anchored at each
/// occurrence: `true`), or else ends with (each at least two bytes; the regex then searches the
/// text), when there is a small finite set of them; `None` when the regex must run on every text.
fn triggers_of(pattern: &str) -> Option<(Vec<Vec<u8>>, bool)> {
    let hir = regex_syntax::ParserBuilder::new().build().parse(pattern).ok()?;
    let usable = |kind: ExtractKind, min: usize| -> Option<Vec<Vec<u8>>> {
        let mut ex = Extractor::new();
        ex.kind(kind).limit_total(400).limit_class(12).limit_literal_len(12);
        let seq = ex.extract(&hir);
        let lits = seq.literals()?;
        if lits.is_empty() || lits.iter().any(|l| l.as_bytes().len() < min) {
            return None;
        }
        Some(lits.iter().map(|l| l.as_bytes().to_vec()).collect())
    };
    usable(ExtractKind::Prefix, 1).map(|l| (l, true)).or_else(|| usable(ExtractKind::Suffix, 2).map(|l| (l, false)))
}

/// Regular expressions, each tagged with an owner (a rule), run only where they can match: a
/// regex whose every match starts with one of a few literals is tried anchored at each occurrence
/// of them (no scan at all); one whose matches end with such literals searches only texts that
/// contain one; the rest search every text.
pub(super) struct GatedRegexes {
    regexes: Vec<(usize, Regex)>,
    anchored: Vec<bool>,
    triggers: PatternSet,
    trigger_regex: Vec<usize>,
    ungated: Vec<usize>,
}

impl GatedRegexes {
    /// Compiles `(owner, pattern)` pairs; `Err((index, message))` names the bad one.
    pub(super) fn new(list: &[(usize, String)]) -> Result<Self, (Option<usize>, String)> {
        let mut regexes = Vec::new();
        let mut anchored = vec![false; list.len()];
        let mut lits: Vec<Vec<u8>> = Vec::new();
        let mut trigger_regex = Vec::new();
        let mut ungated = Vec::new();
        for (i, (owner, src)) in list.iter().enumerate() {
            let re = Regex::new(src).map_err(|e| (Some(i), format!("bad regex {src:?}: {e}")))?;
            regexes.push((*owner, re));
            match triggers_of(src) {
                Some((l, prefix)) => {
                    anchored[i] = prefix;
                    for x in l {
                        lits.push(x);
                        trigger_regex.push(i);
                    }
                }
                None => ungated.push(i),
            }
        }
        let triggers = PatternSet::new(&lits).map_err(|e| (None, e.message))?;
        Ok(Self { regexes, anchored, triggers, trigger_regex, ungated })
    }

    /// Regexes that run on every text.
    pub(super) fn ungated(&self) -> usize {
        self.ungated.len()
    }

    /// Calls `f(owner, start, end)` for the matches of the regexes whose owner `wanted` accepts.
    pub(super) fn for_each(&self, t: &str, wanted: impl Fn(usize) -> bool, mut f: impl FnMut(usize, usize, usize)) {
        if self.regexes.is_empty() {
            return;
        }
        let mut whole: Vec<usize> = self.ungated.iter().copied().filter(|i| wanted(self.regexes[*i].0)).collect();
        let mut at: Vec<(usize, usize)> = Vec::new();
        self.triggers.for_each(t, |pi, ms, _| {
            let ri = self.trigger_regex[pi];
            if !wanted(self.regexes[ri].0) {
                return;
            }
            if self.anchored[ri] {
                at.push((ri, ms));
            } else {
                whole.push(ri);
            }
        });
        whole.sort_unstable();
        whole.dedup();
        at.sort_unstable();
        at.dedup();
        for (ri, pos) in at {
            let (owner, re) = &self.regexes[ri];
            if let Some(m) = re.search(&Input::new(t).range(pos..).anchored(Anchored::Yes)) {
                if m.end() > m.start() {
                    f(*owner, m.start(), m.end());
                }
            }
        }
        for ri in whole {
            let (owner, re) = &self.regexes[ri];
            for m in re.find_iter(t) {
                if m.end() > m.start() {
                    f(*owner, m.start(), m.end());
                }
            }
        }
    }
}

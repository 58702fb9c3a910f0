//! The compiled catalogue and the scan: normalise once, find every literal, exception, regex
//! trigger and alias key in one Aho-Corasick pass, run the regular expressions the cheap pass
//! cannot express only where their triggers are, then drop what an exception, a negation or the
//! product's category makes innocent. Most segments of a live transcript report nothing, so the
//! map from normalised back to original offsets is built only when something is left to report.

use std::cell::RefCell;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use super::catalogue::{self, CatalogueError, Rule, Scope};
use super::matching::{all_occurrences, Combined, CombinedBuilder, GatedRegexes, Pending, Role};
use super::normalise::{self, Normalised};
use super::{Finding, Lang};

struct Pattern {
    rule: usize,
    left_boundary: bool,
    right_boundary: bool,
}

/// A catalogue ready to scan with. Immutable; a reload builds a new one and swaps it in whole.
pub struct Catalogue {
    rules: Vec<Rule>,
    lines: Vec<usize>,
    aliases: Option<(AhoCorasick, Vec<String>)>,
    /// Literals, compact literals, exceptions, trigger literals and alias keys: one pass.
    combined: Combined,
    literal_meta: Vec<Pattern>,
    /// The compact literals again, for the compact view of a text with spaces in it.
    compact: Option<(AhoCorasick, Vec<usize>)>,
    regexes: GatedRegexes,
    exception_regexes: GatedRegexes,
    /// Each rule's negations, normalised once.
    negations: Vec<Vec<String>>,
    /// Whether each rule applies without a product category, in speech and in chat: decided
    /// once here rather than for every match.
    applies_uncategorised: Vec<[bool; 2]>,
}

/// A match: (rule, start, end, source), in normalised coordinates until mapped back.
type Hit = (usize, usize, usize, Source);

/// Where a match came from. Between matches of one label over the same words with the same
/// points, the one found by a more literal means names the finding: a literal, then a compact
/// literal, then an anchored regex, then a searching one (then file order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Source {
    Literal,
    Compact,
    AnchoredRegex,
    SearchingRegex,
}

/// What one scan needs besides the text, kept per thread and reused so that a scan of a clean
/// segment allocates nothing.
#[derive(Default)]
struct Scratch {
    text: String,
    aliased: String,
    compact: String,
    /// For each byte of `compact`, its position in the normalised text.
    compact_at: Vec<u32>,
    hits: Vec<Hit>,
    exceptions: Vec<Hit>,
    regexes: Pending,
    exception_regexes: Pending,
}

impl Scratch {
    fn clear(&mut self) {
        self.hits.clear();
        self.exceptions.clear();
        self.regexes.clear();
        self.exception_regexes.clear();
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl std::fmt::Debug for Catalogue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalogue").field("rules", &self.rules.len()).finish()
    }
}

fn is_word(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_ascii_alphanumeric())
}

fn ac(patterns: &[String], kind: MatchKind) -> Result<AhoCorasick, CatalogueError> {
    AhoCorasickBuilder::new()
        .match_kind(kind)
        .kind(Some(AhoCorasickKind::DFA))
        .build(patterns)
        .map_err(|e| CatalogueError { line: None, rule: None, message: e.to_string() })
}

impl Catalogue {
    /// The catalogue shipped with clearcast.
    pub fn default_catalogue() -> Result<Self, CatalogueError> {
        Self::from_toml(catalogue::DEFAULT_RULES)
    }

    /// Parses and compiles a rules file.
    pub fn from_toml(src: &str) -> Result<Self, CatalogueError> {
        let file = catalogue::parse(src)?;
        let (alias_from, alias_to): (Vec<String>, Vec<String>) =
            file.aliases.iter().map(|(k, v)| (normalise::spaced(k).text, normalise::spaced(v).text)).unzip();
        let aliases = if alias_from.is_empty() {
            None
        } else {
            if let Some(k) = alias_from.iter().find(|k| k.is_empty()) {
                return Err(CatalogueError { line: None, rule: None, message: format!("empty alias {k:?}") });
            }
            Some((ac(&alias_from, MatchKind::LeftmostLongest)?, alias_to))
        };
        let norm = |s: &str| -> String {
            let n = normalise::spaced(s);
            match &aliases {
                Some((a, to)) => n.replace_all(a, to).text,
                None => n.text,
            }
        };
        let mut lits = Vec::new();
        let mut literal_meta = Vec::new();
        let mut compact_lits = Vec::new();
        let mut compact_rule = Vec::new();
        let mut regex_src: Vec<(usize, String)> = Vec::new();
        let mut regex_line: Vec<(usize, String)> = Vec::new();
        let mut excs = Vec::new();
        let mut exception_rule = Vec::new();
        let mut exception_src: Vec<(usize, String)> = Vec::new();
        let mut exception_line: Vec<(usize, String)> = Vec::new();
        let mut rules = Vec::new();
        let mut lines = Vec::new();
        let mut negations: Vec<Vec<String>> = Vec::new();
        for spanned in file.rules {
            let line = src.as_bytes()[..spanned.span().start].iter().filter(|b| **b == b'\n').count() + 1;
            let rule = spanned.into_inner();
            let ri = rules.len();
            let err = |m: String| CatalogueError { line: Some(line), rule: Some(rule.id.clone()), message: m };
            for l in &rule.literals {
                let open_right = l.ends_with('*');
                let open_left = l.starts_with('*');
                let n = norm(l.trim_matches('*'));
                if n.is_empty() {
                    return Err(err(format!("literal {l:?} is empty once normalised")));
                }
                let first = n.chars().next();
                let last = n.chars().last();
                lits.push(n.clone());
                literal_meta.push(Pattern {
                    rule: ri,
                    left_boundary: !open_left && is_word(first),
                    right_boundary: !open_right && is_word(last),
                });
                if rule.compact {
                    compact_lits.push(n.replace(' ', ""));
                    compact_rule.push(ri);
                }
            }
            for r in &rule.regex {
                regex_src.push((ri, r.clone()));
                regex_line.push((line, rule.id.clone()));
            }
            for e in &rule.exceptions {
                let n = norm(e);
                if n.is_empty() {
                    return Err(err(format!("exception {e:?} is empty once normalised")));
                }
                excs.push(n);
                exception_rule.push(ri);
            }
            for r in &rule.exception_regex {
                exception_src.push((ri, r.clone()));
                exception_line.push((line, rule.id.clone()));
            }
            negations.push(rule.negations.iter().map(|x| norm(x)).collect());
            rules.push(rule);
            lines.push(line);
        }
        let gated = |src: &[(usize, String)], at: &[(usize, String)]| {
            GatedRegexes::new(src).map_err(|(i, message)| {
                let (line, rule) = i.and_then(|i| at.get(i)).cloned().unzip();
                CatalogueError { line, rule, message }
            })
        };
        let regexes = gated(&regex_src, &regex_line)?;
        let exception_regexes = gated(&exception_src, &exception_line)?;
        let mut combined = CombinedBuilder::default();
        for (i, l) in lits.iter().enumerate() {
            combined.add(l.as_bytes(), Role::Literal(i as u32));
        }
        for (l, r) in compact_lits.iter().zip(&compact_rule) {
            combined.add(l.as_bytes(), Role::Compact(*r as u32));
        }
        for (l, r) in excs.iter().zip(&exception_rule) {
            combined.add(l.as_bytes(), Role::Exception(*r as u32));
        }
        for (l, i) in regexes.triggers() {
            combined.add(l, Role::Trigger(*i as u32));
        }
        for (l, i) in exception_regexes.triggers() {
            combined.add(l, Role::ExceptionTrigger(*i as u32));
        }
        for (l, i) in regexes.endings() {
            combined.add(l, Role::Ending(*i as u32));
        }
        for (l, i) in exception_regexes.endings() {
            combined.add(l, Role::ExceptionEnding(*i as u32));
        }
        for k in &alias_from {
            combined.add(k.as_bytes(), Role::Alias);
        }
        let compact =
            if compact_lits.is_empty() { None } else { Some((all_occurrences(&compact_lits)?, compact_rule)) };
        let mut catalogue = Self {
            combined: combined.build()?,
            literal_meta,
            compact,
            regexes,
            exception_regexes,
            negations,
            aliases,
            rules,
            lines,
            applies_uncategorised: Vec::new(),
        };
        catalogue.applies_uncategorised = catalogue
            .rules
            .iter()
            .map(|r| [catalogue.applies(r, Scope::Speech, None), catalogue.applies(r, Scope::Chat, None)])
            .collect();
        Ok(catalogue)
    }

    /// Regexes that have no trigger literals and run on every text (kept near zero for speed).
    pub fn ungated_regexes(&self) -> usize {
        self.regexes.ungated() + self.exception_regexes.ungated()
    }

    /// The rules, in file order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The line in the rules file where a rule starts.
    pub fn line_of(&self, rule_id: &str) -> Option<usize> {
        self.rules.iter().position(|r| r.id == rule_id).map(|i| self.lines[i])
    }

    /// Normalises `text` as the scan does (aliases included).
    pub fn normalise(&self, text: &str) -> Normalised {
        let n = normalise::spaced(text);
        match &self.aliases {
            Some((a, to)) => n.replace_all(a, to),
            None => n,
        }
    }

    fn applies(&self, rule: &Rule, scope: Scope, category: Option<&str>) -> bool {
        if !rule.scopes.contains(&scope) {
            return false;
        }
        match category {
            Some(c) => {
                (rule.only_categories.is_empty() || rule.only_categories.iter().any(|x| x == c))
                    && !rule.except_categories.iter().any(|x| x == c)
            }
            // Without a category nothing can be proven exempt, and category-specific rules wait.
            None => rule.only_categories.is_empty(),
        }
    }

    /// Whether rule `r` applies here (see [`Catalogue::applies`]), without string compares when
    /// there is no category.
    #[inline]
    fn applies_to(&self, r: usize, scope: Scope, category: Option<&str>) -> bool {
        match category {
            None => self.applies_uncategorised.get(r).is_some_and(|a| a[matches!(scope, Scope::Chat) as usize]),
            Some(_) => self.rules.get(r).is_some_and(|rule| self.applies(rule, scope, category)),
        }
    }

    /// True when one of rule `r`'s negations is said just before `start` (folded like the scan).
    fn negated(&self, r: usize, text: &str, start: usize) -> bool {
        let Some(rule) = self.rules.get(r) else { return false };
        if rule.negations.is_empty() {
            return false;
        }
        let before = &text[..start];
        let from = before.char_indices().rev().nth(rule.negation_window.saturating_sub(1)).map(|(i, _)| i).unwrap_or(0);
        let window = self.normalise(&before[from..]).text;
        self.negations.get(r).is_some_and(|ns| ns.iter().any(|n| !n.is_empty() && window.contains(n.as_str())))
    }

    /// One pass of the combined automaton over the normalised text `t`: literal matches of the
    /// rules that apply (whole words where the literal says so), compact literals when `t` has no
    /// space (then it is its own compact view), exceptions, and where the regexes must run.
    /// Returns whether an alias key occurs (then `t` must be rewritten and passed again).
    fn pass(&self, t: &str, applies: &impl Fn(usize) -> bool, s: &mut Matches<'_>) -> bool {
        let bytes = t.as_bytes();
        let no_space = !bytes.contains(&b' ');
        let mut alias = false;
        self.combined.for_each(t, |role, ms, me| match role {
            Role::Literal(i) => {
                let Some(p) = self.literal_meta.get(i as usize) else { return };
                if !applies(p.rule)
                    || (p.left_boundary && ms > 0 && is_word(bytes.get(ms - 1).map(|b| *b as char)))
                    || (p.right_boundary && is_word(bytes.get(me).map(|b| *b as char)))
                {
                    return;
                }
                s.hits.push((p.rule, ms, me, Source::Literal));
            }
            Role::Compact(r) => {
                if no_space && applies(r as usize) {
                    s.hits.push((r as usize, ms, me, Source::Compact));
                }
            }
            Role::Trigger(i) => {
                if applies(self.regexes.owner(i as usize)) {
                    self.regexes.triggered(i as usize, ms, s.regexes);
                }
            }
            Role::Exception(r) => {
                if applies(r as usize) {
                    s.exceptions.push((r as usize, ms, me, Source::Literal));
                }
            }
            Role::ExceptionTrigger(i) => {
                if applies(self.exception_regexes.owner(i as usize)) {
                    self.exception_regexes.triggered(i as usize, ms, s.exception_regexes);
                }
            }
            Role::Ending(i) => self.regexes.ending(i as usize, ms, s.regexes),
            Role::ExceptionEnding(i) => self.exception_regexes.ending(i as usize, ms, s.exception_regexes),
            Role::Alias => alias = true,
        });
        if !no_space {
            if let Some((ac, rule_of)) = &self.compact {
                // The compact view: every space dropped (spaces are ASCII, so byte by byte keeps
                // it UTF-8), each byte remembering where it was.
                s.compact.clear();
                s.compact_at.clear();
                let mut at = 0;
                for piece in t.split(' ') {
                    s.compact.push_str(piece);
                    s.compact_at.extend(at as u32..(at + piece.len()) as u32);
                    at += piece.len() + 1;
                }
                for m in ac.find_overlapping_iter(s.compact.as_str()) {
                    let r = rule_of.get(m.pattern().as_usize()).copied().unwrap_or(usize::MAX);
                    let (Some(a), Some(b)) = (s.compact_at.get(m.start()), s.compact_at.get(m.end() - 1)) else {
                        continue;
                    };
                    if applies(r) {
                        s.hits.push((r, *a as usize, *b as usize + 1, Source::Compact));
                    }
                }
            }
        }
        alias
    }

    /// Scans `text`; findings are sorted by position.
    pub fn scan(&self, text: &str, scope: Scope, category: Option<&str>, lang: Option<Lang>) -> Vec<Finding> {
        let run = |scratch: &mut Scratch| self.scan_with(scratch, text, scope, category, lang);
        SCRATCH
            .try_with(|cell| match cell.try_borrow_mut() {
                Ok(mut scratch) => run(&mut scratch),
                // Only a scan within a scan on this thread gets here: it uses its own scratch.
                Err(_) => run(&mut Scratch::default()),
            })
            // The thread is being torn down: scan without the shared scratch.
            .unwrap_or_else(|_| run(&mut Scratch::default()))
    }

    fn scan_with(
        &self,
        scratch: &mut Scratch,
        text: &str,
        scope: Scope,
        category: Option<&str>,
        lang: Option<Lang>,
    ) -> Vec<Finding> {
        scratch.clear();
        let Scratch { text: spaced, aliased, compact, compact_at, hits, exceptions, regexes, exception_regexes } =
            scratch;
        let applies = |r: usize| self.applies_to(r, scope, category);
        normalise::spaced_text(text, spaced);
        let mut m = Matches { hits, exceptions, regexes, exception_regexes, compact, compact_at };
        let mut t = spaced.as_str();
        let mut folded = false;
        if self.pass(t, &applies, &mut m) {
            if let Some((ac, to)) = &self.aliases {
                // Rare: an evasive spelling was used. Fold it and match again on the result.
                normalise::replace_text(t, ac, to, aliased);
                t = aliased.as_str();
                folded = true;
                m.hits.clear();
                m.exceptions.clear();
                m.regexes.clear();
                m.exception_regexes.clear();
                self.pass(t, &applies, &mut m);
            }
        }
        self.regexes.run(t, m.regexes, applies, |r, ms, me, anchored| {
            m.hits.push((r, ms, me, if anchored { Source::AnchoredRegex } else { Source::SearchingRegex }))
        });
        if m.hits.is_empty() {
            return Vec::new();
        }
        // Exceptions, only for the rules that matched.
        let mut hit_rules: Vec<usize> = m.hits.iter().map(|h| h.0).collect();
        hit_rules.sort_unstable();
        hit_rules.dedup();
        let mut innocent: Vec<(usize, usize, usize)> = m
            .exceptions
            .iter()
            .filter(|(r, ..)| hit_rules.binary_search(r).is_ok())
            .map(|&(r, ms, me, _)| (r, ms, me))
            .collect();
        self.exception_regexes.run(
            t,
            m.exception_regexes,
            |r| hit_rules.binary_search(&r).is_ok(),
            |r, ms, me, _| innocent.push((r, ms, me)),
        );
        let overlaps = |innocent: &[(usize, usize, usize)], (r, s, e): (usize, usize, usize)| {
            innocent.iter().any(|&(ir, is, ie)| ir == r && is < e && s < ie)
        };
        if !folded {
            // Without alias folding every normalised character stands for its own stretch of the
            // original, in order (an inserted space for the gap it replaced), and matches start
            // and end on characters: two matches overlap here exactly when they overlap in the
            // original. So the exceptions apply before the map exists, and a text whose matches
            // are all innocent never needs one.
            m.hits.retain(|&(r, s, e, _)| !overlaps(&innocent, (r, s, e)));
            if m.hits.is_empty() {
                return Vec::new();
            }
        }
        // Something is left to report: only now build the map back to the original text.
        let n = self.normalise(text);
        debug_assert_eq!(n.text, t, "the fast normaliser and the mapped one disagree");
        let original = |(r, ms, me): (usize, usize, usize)| {
            let (s, e) = n.original(ms, me);
            (r, s, e)
        };
        let mut hits: Vec<Hit> = m
            .hits
            .iter()
            .map(|&(r, ms, me, source)| {
                let (r, s, e) = original((r, ms, me));
                (r, s, e, source)
            })
            .collect();
        if folded {
            // A folded alias maps every byte of its replacement to the whole spelling it replaced:
            // overlaps are decided in the original, as they always were.
            let innocent: Vec<(usize, usize, usize)> = innocent.into_iter().map(original).collect();
            hits.retain(|&(r, s, e, _)| !overlaps(&innocent, (r, s, e)));
        }
        hits.retain(|(r, s, ..)| !self.negated(*r, text, *s));
        // One finding per label per stretch of text: overlapping matches of rules with the same
        // label ("全网最", "全网最低", "最低") are one claim, not three, so points are not counted
        // twice. The rule kept is the one with the most points, then the longest match, then the
        // one found by the more literal means (see `Source`), then the first in the file.
        let label = |r: usize| self.rules[r].label.as_str();
        hits.sort_unstable_by_key(|h| (label(h.0), h.1, std::cmp::Reverse(h.2), h.3, h.0));
        let mut merged: Vec<Hit> = Vec::new();
        for h in hits {
            match merged.last_mut() {
                Some(last) if label(last.0) == label(h.0) && h.1 < last.2 => {
                    let (lr, hr) = (&self.rules[last.0], &self.rules[h.0]);
                    if (hr.points, h.2 - h.1) > (lr.points, last.2 - last.1) {
                        last.0 = h.0;
                    }
                    last.1 = last.1.min(h.1);
                    last.2 = last.2.max(h.2);
                }
                _ => merged.push(h),
            }
        }
        merged.sort_unstable_by_key(|h| (h.1, h.0));
        // Character offsets counted once along the text, not from the start for every finding.
        let (mut byte_at, mut char_at) = (0, 0);
        merged
            .into_iter()
            .map(|(r, s, e, _)| {
                char_at += text[byte_at..s].chars().count();
                byte_at = s;
                Finding::at(&self.rules[r], text, s, e, char_at, lang)
            })
            .collect()
    }
}

/// Where a pass puts what it finds (borrowed from the scratch).
struct Matches<'a> {
    hits: &'a mut Vec<Hit>,
    exceptions: &'a mut Vec<Hit>,
    regexes: &'a mut Pending,
    exception_regexes: &'a mut Pending,
    compact: &'a mut String,
    compact_at: &'a mut Vec<u32>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Every shipped regex is gated by literals the one Aho-Corasick pass finds (a prefix to try
    /// it at, or endings a text must contain): one that is not searches every segment of every
    /// live show, which is what made the scanner slow when the catalogue grew.
    #[test]
    fn every_shipped_regex_runs_only_where_its_literals_are() {
        let file = catalogue::parse(catalogue::DEFAULT_RULES).unwrap();
        let mut ungated = Vec::new();
        for rule in file.rules.iter().map(|r| r.get_ref()) {
            for (i, re) in rule.regex.iter().chain(&rule.exception_regex).enumerate() {
                let one = format!(
                    "version = 1\n[[rules]]\nid = \"t\"\nlabel = \"absolute_claim\"\nseverity = \"red\"\npoints = 1\nbasis = \"b\"\nregex = [{}]\nsuggestion_zh = \"s\"\nsuggestion_en = \"s\"\n",
                    toml_string(re)
                );
                let c = Catalogue::from_toml(&one).unwrap();
                if c.ungated_regexes() > 0 {
                    ungated.push(format!("{} #{i}: {re}", rule.id));
                }
            }
        }
        assert!(ungated.is_empty(), "{} regexes search every text:\n{}", ungated.len(), ungated.join("\n"));
    }

    fn toml_string(s: &str) -> String {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    }

    #[test]
    fn the_fast_normaliser_writes_what_the_mapped_one_does() {
        for s in [
            "加 Ｖ 信",
            "Best   Regards, all!",
            "原价199，今天只要39.9元",
            "It ends. Now",
            "ＷｅＣｈａｔ",
            "v❤ 3.",
            "a.5 ９.9",
            "É Ⅻ ß",
        ] {
            let mut fast = String::new();
            normalise::spaced_text(s, &mut fast);
            assert_eq!(fast, normalise::spaced(s).text, "{s:?}");
        }
    }

    #[test]
    fn a_tie_goes_to_the_literal_and_aliases_exceptions_and_negations_still_hold() {
        let c = Catalogue::default_catalogue().unwrap();
        let f = c.scan("全网最低价", Scope::Speech, None, None);
        // `absolute.zh.scope` matches the same words by regex with the same points.
        assert!(f.iter().any(|f| f.rule == "absolute.zh.never_cheaper"), "{f:?}");
        let f = c.scan("有问题加 wei信 聊", Scope::Speech, None, None);
        assert!(f.iter().any(|f| f.label == super::super::Label::OffPlatform && f.matched.contains("wei信")), "{f:?}");
        assert!(c.scan("最近很忙", Scope::Speech, None, None).is_empty());
        assert!(c.scan("我们不会让你私下转账", Scope::Speech, None, None).is_empty());
        let f = c.scan("这是最好的，真的最好", Scope::Speech, None, None);
        assert_eq!(f.iter().map(|f| f.char_start).collect::<Vec<_>>(), vec![2, 8]);
    }
}

//! The compiled catalogue and the scan: normalise once, match every literal of every rule in one
//! pass (Aho-Corasick), run the regular expressions the cheap pass cannot express, then drop what
//! an exception or the product's category makes innocent.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use super::catalogue::{self, CatalogueError, Rule, Scope};
use super::matching::{GatedRegexes, PatternSet};
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
    literals: PatternSet,
    literal_meta: Vec<Pattern>,
    compact: Option<(PatternSet, Vec<usize>)>,
    regexes: GatedRegexes,
    exceptions: PatternSet,
    exception_rule: Vec<usize>,
    exception_regexes: GatedRegexes,
    /// Each rule's negations, normalised once.
    negations: Vec<Vec<String>>,
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
        let compact =
            if compact_lits.is_empty() { None } else { Some((PatternSet::new(&compact_lits)?, compact_rule)) };
        Ok(Self {
            literals: PatternSet::new(&lits)?,
            literal_meta,
            compact,
            regexes,
            exceptions: PatternSet::new(&excs)?,
            exception_rule,
            exception_regexes,
            negations,
            aliases,
            rules,
            lines,
        })
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

    /// True when one of the rule's negations is said just before `start` (folded like the scan).
    fn negated(&self, rule: &Rule, text: &str, start: usize) -> bool {
        if rule.negations.is_empty() {
            return false;
        }
        let before = &text[..start];
        let from = before.char_indices().rev().nth(rule.negation_window.saturating_sub(1)).map(|(i, _)| i).unwrap_or(0);
        let window = self.normalise(&before[from..]).text;
        let index = self.rules.iter().position(|r| std::ptr::eq(r, rule)).unwrap_or(0);
        self.negations.get(index).is_some_and(|ns| ns.iter().any(|n| !n.is_empty() && window.contains(n.as_str())))
    }

    /// Scans `text`; findings are sorted by position.
    pub fn scan(&self, text: &str, scope: Scope, category: Option<&str>, lang: Option<Lang>) -> Vec<Finding> {
        let n = self.normalise(text);
        let t = n.text.as_str();
        // (rule, original start, original end)
        let mut hits: Vec<(usize, usize, usize)> = Vec::new();
        self.literals.for_each(t, |pi, ms, me| {
            let p = &self.literal_meta[pi];
            if (p.left_boundary && is_word(t.as_bytes()[..ms].last().map(|b| *b as char)))
                || (p.right_boundary && is_word(t.as_bytes().get(me).map(|b| *b as char)))
            {
                return;
            }
            let (s, e) = n.original(ms, me);
            hits.push((p.rule, s, e));
        });
        if let Some((ac, rule_of)) = &self.compact {
            let c = normalise::compact(&n);
            ac.for_each(&c.text, |pi, ms, me| {
                let (s, e) = c.original(ms, me);
                hits.push((rule_of[pi], s, e));
            });
        }
        self.regexes.for_each(
            t,
            |_| true,
            |rule, ms, me| {
                let (s, e) = n.original(ms, me);
                hits.push((rule, s, e));
            },
        );
        hits.retain(|(r, _, _)| self.applies(&self.rules[*r], scope, category));
        if hits.is_empty() {
            return Vec::new();
        }
        // Exceptions, only for the rules that matched.
        let mut hit_rules: Vec<usize> = hits.iter().map(|h| h.0).collect();
        hit_rules.sort_unstable();
        hit_rules.dedup();
        let mut innocent: Vec<(usize, usize, usize)> = Vec::new();
        self.exceptions.for_each(t, |pi, ms, me| {
            let r = self.exception_rule[pi];
            if hit_rules.binary_search(&r).is_ok() {
                let (s, e) = n.original(ms, me);
                innocent.push((r, s, e));
            }
        });
        self.exception_regexes.for_each(
            t,
            |r| hit_rules.binary_search(&r).is_ok(),
            |r, ms, me| {
                let (s, e) = n.original(ms, me);
                innocent.push((r, s, e));
            },
        );
        hits.retain(|(r, s, e)| !innocent.iter().any(|(ir, is, ie)| ir == r && is < e && s < ie));
        hits.retain(|(r, s, _)| !self.negated(&self.rules[*r], text, *s));
        // One finding per label per stretch of text: overlapping matches of rules with the same
        // label ("全网最", "全网最低", "最低") are one claim, not three, so points are not counted
        // twice. The rule kept is the one with the most points (then the longest match).
        let label = |r: usize| self.rules[r].label.as_str();
        hits.sort_unstable_by_key(|h| (label(h.0), h.1, std::cmp::Reverse(h.2)));
        let mut merged: Vec<(usize, usize, usize)> = Vec::new();
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
        merged.into_iter().map(|(r, s, e)| Finding::new(&self.rules[r], text, s, e, lang)).collect()
    }
}

//! The rule catalogue: a TOML file shipped with clearcast (`compliance/rules.toml`, embedded as
//! the default) and replaceable by an operator's own. This module parses and checks it; a bad
//! file is refused with the rule and the line, so the catalogue in force stays in force.

use serde::{Deserialize, Serialize};

use super::{Label, Severity};

/// The catalogue shipped with clearcast.
pub const DEFAULT_RULES: &str = include_str!("../../compliance/rules.toml");

/// Where a rule applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// What the anchor says or writes: scripts and live transcripts.
    Speech,
    /// Viewers' comments in the room.
    Chat,
}

/// One rule as written in the file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Stable id, e.g. `absolute.zh.superlative`.
    pub id: String,
    /// What kind of violation (DESIGN §7).
    pub label: Label,
    /// Red findings are violations at once; yellow ones wait for an operator.
    pub severity: Severity,
    /// Violation points a confirmed finding carries.
    pub points: u32,
    /// Legal basis, as shown to the anchor and in records.
    pub basis: String,
    /// Literal phrases. A phrase starting or ending with a Latin letter or digit matches whole
    /// words only; a trailing `*` lifts that on the right (`cure*` matches "cures").
    #[serde(default)]
    pub literals: Vec<String>,
    /// Regular expressions over the normalised (lower-case, folded) text.
    #[serde(default)]
    pub regex: Vec<String>,
    /// Phrases that make an overlapping match innocent (`最近` for `最`).
    #[serde(default)]
    pub exceptions: Vec<String>,
    /// The same as regular expressions.
    #[serde(default)]
    pub exception_regex: Vec<String>,
    /// Words that, said just before a match (within `negation_window` characters), make it
    /// innocent: `不会` before `私下转账`, `never` before `pay outside the app`.
    #[serde(default)]
    pub negations: Vec<String>,
    /// How many characters before a match are searched for a negation (default 6).
    #[serde(default = "default_window")]
    pub negation_window: usize,
    /// Only for these product categories (empty: all).
    #[serde(default)]
    pub only_categories: Vec<String>,
    /// Not for these product categories (a registered disinfectant may say it kills germs).
    #[serde(default)]
    pub except_categories: Vec<String>,
    /// Where the rule applies (default: speech).
    #[serde(default = "speech_only")]
    pub scopes: Vec<Scope>,
    /// Also match the literals with every space and punctuation removed (words spelled out
    /// letter by letter to dodge filters). Only for distinctive words.
    #[serde(default)]
    pub compact: bool,
    /// Compliant wording to suggest, Chinese.
    #[serde(default)]
    pub suggestion_zh: String,
    /// Compliant wording to suggest, English.
    #[serde(default)]
    pub suggestion_en: String,
}

fn default_window() -> usize {
    6
}

fn speech_only() -> Vec<Scope> {
    vec![Scope::Speech]
}

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogueFile {
    /// Format version (1).
    pub version: u32,
    /// Evasive spellings folded before matching (`wei信` → `微信`), after width and case folding.
    #[serde(default)]
    pub aliases: std::collections::BTreeMap<String, String>,
    /// The rules.
    #[serde(default)]
    pub rules: Vec<toml::Spanned<Rule>>,
}

/// Why a rules file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}{message}", line.map(|l| format!("line {l}: ")).unwrap_or_default(), rule.as_ref().map(|r| format!("rule `{r}`: ")).unwrap_or_default())]
pub struct CatalogueError {
    /// 1-based line of the offending rule or syntax error.
    pub line: Option<usize>,
    /// The rule's id.
    pub rule: Option<String>,
    /// What is wrong.
    pub message: String,
}

fn line_of(src: &str, offset: usize) -> usize {
    src.as_bytes()[..offset.min(src.len())].iter().filter(|b| **b == b'\n').count() + 1
}

/// Parses a rules file and checks what the types cannot: ids unique and well-formed, every rule
/// has something to match, points in range.
pub fn parse(src: &str) -> Result<CatalogueFile, CatalogueError> {
    let file: CatalogueFile = toml::from_str(src).map_err(|e| CatalogueError {
        line: e.span().map(|s| line_of(src, s.start)),
        rule: None,
        message: e.message().to_string(),
    })?;
    if file.version != 1 {
        return Err(CatalogueError { line: None, rule: None, message: format!("unknown version {}", file.version) });
    }
    if file.rules.is_empty() {
        return Err(CatalogueError {
            line: None,
            rule: None,
            message: "the file has no rules: supervision would be off".into(),
        });
    }
    let mut seen = std::collections::HashSet::new();
    for r in &file.rules {
        let line = Some(line_of(src, r.span().start));
        let rule = r.get_ref();
        let err = |m: String| CatalogueError { line, rule: Some(rule.id.clone()), message: m };
        if rule.id.is_empty() || !rule.id.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) {
            return Err(err("the id must be ASCII letters, digits, `.`, `_` or `-`".into()));
        }
        if !seen.insert(rule.id.clone()) {
            return Err(err("duplicate id".into()));
        }
        if rule.literals.is_empty() && rule.regex.is_empty() {
            return Err(err("a rule needs at least one literal or regex".into()));
        }
        if rule.points > 12 {
            return Err(err(format!("points {} exceed 12", rule.points)));
        }
        if rule.basis.trim().is_empty() {
            return Err(err("a rule needs its legal basis".into()));
        }
        if let Some(c) = rule
            .only_categories
            .iter()
            .chain(&rule.except_categories)
            .find(|c| c.parse::<crate::product::Category>().is_err())
        {
            return Err(err(format!("unknown product category `{c}`")));
        }
        if rule.scopes.is_empty() {
            return Err(err("a rule needs at least one scope".into()));
        }
        if let Some(l) =
            rule.literals.iter().chain(&rule.exceptions).find(|l| l.trim_end_matches('*').trim().is_empty())
        {
            return Err(err(format!("empty literal {l:?}")));
        }
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_catalogue_parses() {
        let f = parse(DEFAULT_RULES).unwrap();
        assert!(f.rules.len() >= 15);
        let literals: usize = f.rules.iter().map(|r| r.get_ref().literals.len()).sum();
        assert!(literals > 500, "{literals} literals");
    }

    #[test]
    fn errors_name_the_rule_and_line() {
        let src = "version = 1\n\n[[rules]]\nid = \"a.b\"\nlabel = \"guarantee\"\nseverity = \"red\"\npoints = 2\nbasis = \"x\"\n";
        let e = parse(src).unwrap_err();
        assert_eq!(e.rule.as_deref(), Some("a.b"));
        assert_eq!(e.line, Some(3));
        assert!(e.to_string().contains("literal or regex"), "{e}");

        let e = parse("version = 1\n[[rules]]\nid = \"x\"\nlabel = \"nonsense\"\n").unwrap_err();
        assert!(e.line.is_some(), "{e}");
        assert!(e.to_string().contains("nonsense") || e.to_string().contains("variant"), "{e}");

        let dup = "version = 1\n[[rules]]\nid = \"x\"\nlabel = \"guarantee\"\nseverity = \"red\"\npoints = 1\nbasis = \"b\"\nliterals = [\"a\"]\n";
        let e = parse(&format!("{dup}{}", &dup[12..])).unwrap_err();
        assert_eq!(e.message, "duplicate id");
        assert_eq!(e.line, Some(9));
    }
}

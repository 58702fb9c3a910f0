//! `clearcast compliance scan|eval`: the speech scanner over a TSV of utterances, for rule
//! authors and for CI's quality bar.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clearcast_domain::compliance::{eval, labels_of, Catalogue, Label, Lang, Scope};

/// Options shared by both commands.
#[derive(clap::Args, Clone)]
pub struct TsvArgs {
    /// A TSV file with a header row; columns `id`, `lang`, `product_category`, `text` are found by
    /// name (others are ignored).
    #[arg(long)]
    pub tsv: PathBuf,
    /// A rules file to use instead of the shipped catalogue.
    #[arg(long)]
    pub rules: Option<PathBuf>,
}

/// The compliance commands.
#[derive(clap::Subcommand)]
pub enum ComplianceCommand {
    /// Print one JSON object per row: id, sorted distinct labels, findings.
    Scan(TsvArgs),
    /// Score the scanner against the TSV's `labels` column (comma-separated, or `none`).
    Eval {
        #[command(flatten)]
        tsv: TsvArgs,
        /// Fail (exit 1) when micro-averaged precision is below this.
        #[arg(long, default_value_t = 0.0)]
        min_precision: f64,
        /// Fail when micro-averaged recall is below this.
        #[arg(long, default_value_t = 0.0)]
        min_recall: f64,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// List the rows the scanner got wrong.
        #[arg(long)]
        mistakes: bool,
    },
}

struct Row {
    id: String,
    lang: Option<Lang>,
    category: Option<String>,
    text: String,
    labels: Option<String>,
}

fn read_tsv(path: &Path) -> Result<Vec<Row>> {
    let src = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let src = String::from_utf8(src).with_context(|| format!("{} is not UTF-8", path.display()))?;
    let mut lines = src.lines();
    let header: Vec<&str> = lines.next().context("the TSV is empty")?.split('\t').map(str::trim).collect();
    let col = |name: &str| header.iter().position(|h| *h == name);
    let (Some(id), Some(text)) = (col("id"), col("text")) else {
        bail!("the TSV header needs `id` and `text` columns (found {header:?})");
    };
    let (lang, cat, labels) = (col("lang"), col("product_category"), col("labels"));
    let mut rows = Vec::new();
    for (n, line) in lines.enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        let get = |i: Option<usize>| i.and_then(|i| f.get(i)).map(|s| s.trim()).filter(|s| !s.is_empty());
        let Some(t) = get(Some(text)) else { bail!("line {}: no text", n + 2) };
        rows.push(Row {
            id: get(Some(id)).unwrap_or_default().to_string(),
            lang: get(lang)
                .map(|l| l.parse().map_err(|e: String| anyhow::anyhow!("line {}: {e}", n + 2)))
                .transpose()?,
            category: get(cat).map(str::to_string),
            text: t.to_string(),
            labels: get(labels).map(str::to_string),
        });
    }
    Ok(rows)
}

fn catalogue(rules: Option<&Path>) -> Result<Catalogue> {
    match rules {
        Some(p) => {
            let src = std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            Catalogue::from_toml(&src).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))
        }
        None => Catalogue::default_catalogue().map_err(|e| anyhow::anyhow!("the shipped catalogue: {e}")),
    }
}

fn parse_labels(s: &str, id: &str) -> Result<Vec<Label>> {
    if s == "none" {
        return Ok(Vec::new());
    }
    s.split(',').map(|l| l.trim().parse::<Label>().map_err(|e| anyhow::anyhow!("row {id}: {e}"))).collect()
}

/// Runs a compliance command.
pub fn run(cmd: ComplianceCommand) -> Result<()> {
    match cmd {
        ComplianceCommand::Scan(a) => {
            let cat = catalogue(a.rules.as_deref())?;
            let mut out = std::io::stdout().lock();
            for r in read_tsv(&a.tsv)? {
                let findings = cat.scan(&r.text, Scope::Speech, r.category.as_deref(), r.lang);
                let labels: Vec<&str> = labels_of(&findings).into_iter().map(Label::as_str).collect();
                let line = serde_json::json!({"id": r.id, "labels": labels, "findings": findings});
                std::io::Write::write_all(&mut out, format!("{line}\n").as_bytes())?;
            }
            Ok(())
        }
        ComplianceCommand::Eval { tsv, min_precision, min_recall, json, mistakes } => {
            let cat = catalogue(tsv.rules.as_deref())?;
            let rows = read_tsv(&tsv.tsv)?;
            let mut judged = Vec::with_capacity(rows.len());
            let mut texts: HashMap<String, String> = HashMap::new();
            for r in rows {
                let Some(l) = &r.labels else { bail!("row {}: no `labels` column value", r.id) };
                let expected = parse_labels(l, &r.id)?;
                let findings = cat.scan(&r.text, Scope::Speech, r.category.as_deref(), r.lang);
                let predicted = labels_of(&findings);
                texts.insert(r.id.clone(), r.text);
                judged.push(eval::Judged { id: r.id, expected, predicted });
            }
            let report = eval::score(&judged);
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!(
                    "{:<16} {:>9} {:>9} {:>9} {:>5} {:>5} {:>5}",
                    "label", "precision", "recall", "f1", "tp", "fp", "fn"
                );
                for (l, s) in &report.labels {
                    println!(
                        "{:<16} {:>9.3} {:>9.3} {:>9.3} {:>5} {:>5} {:>5}",
                        l, s.precision, s.recall, s.f1, s.true_positives, s.false_positives, s.false_negatives
                    );
                }
                println!(
                    "micro            {:>9.3} {:>9.3} {:>9.3}   ({} rows, false alarms on {} none rows: {:.1}%)",
                    report.precision,
                    report.recall,
                    report.f1,
                    report.rows,
                    report.none_rows,
                    report.false_alarm_rate * 100.0
                );
                if mistakes {
                    let names = |v: &[Label]| v.iter().map(|l| l.as_str()).collect::<Vec<_>>().join(",");
                    for (id, e, p) in &report.mistakes {
                        let text = texts.get(id).map(String::as_str).unwrap_or("");
                        println!("  {id}: expected [{}] got [{}]  {text}", names(e), names(p));
                    }
                }
            }
            if report.precision < min_precision || report.recall < min_recall {
                bail!(
                    "below the bar: precision {:.3} (min {min_precision}), recall {:.3} (min {min_recall})",
                    report.precision,
                    report.recall
                );
            }
            Ok(())
        }
    }
}

//! `clearcast bench compliance`: the speech scanner's throughput on one core over a generated
//! live transcript, against a naive baseline measured in the same run, and the time to review a
//! 10,000-character script.
//!
//! The transcript is built from the repository's labelled utterances, nine clean lines to one
//! violation (a live room is mostly clean talk), cut into segments as a speech-to-text client
//! sends them. The baseline searches the raw text with `str::find` for every literal of the
//! catalogue (no normalising, no regexes, no exceptions), so it does less work than the scanner;
//! being slow, its rate is measured on the first half megabyte of the same text.

use std::time::Instant;

use anyhow::Result;
use clearcast_domain::compliance::{normalise, Catalogue, Scope};
use serde::Serialize;

const LABELLED: &str = include_str!("../../domain/compliance/labelled/dev.tsv");

/// Options.
#[derive(clap::Args, Clone)]
pub struct ComplianceBenchArgs {
    /// Megabytes of transcript to scan per round.
    #[arg(long, default_value_t = 8)]
    pub mb: usize,
    /// Rounds (the median is reported).
    #[arg(long, default_value_t = 5)]
    pub rounds: usize,
    /// One JSON object on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Skip the naive baseline (for profiling the scanner alone).
    #[arg(long, hide = true)]
    pub no_baseline: bool,
    /// A rules file instead of the shipped catalogue.
    #[arg(long)]
    pub rules: Option<std::path::PathBuf>,
}

/// The figures.
#[derive(Debug, Serialize)]
pub struct Report {
    /// Scanner throughput, full catalogue, one core (median of rounds).
    pub mb_per_s: f64,
    /// The naive `str::find` loop over the catalogue's literals on the same text.
    pub naive_mb_per_s: f64,
    /// Scanner over naive.
    pub ratio: f64,
    /// Median time to scan a 10,000-character script, milliseconds.
    pub script_10k_chars_ms: f64,
    /// Findings in one round (the scanner did real work).
    pub findings_per_round: usize,
    /// Rules, literals and regexes in the catalogue.
    pub rules: usize,
    /// Literal patterns.
    pub literals: usize,
    /// Regular expressions.
    pub regexes: usize,
    /// Bytes per round.
    pub bytes: usize,
}

fn corpus(bytes: usize) -> Vec<String> {
    let mut clean = Vec::new();
    let mut bad = Vec::new();
    for line in LABELLED.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() >= 5 {
            if f[4] == "none" {
                clean.push(f[3])
            } else {
                bad.push(f[3])
            }
        }
    }
    let mut out = Vec::new();
    let (mut total, mut i) = (0, 0usize);
    while total < bytes && !clean.is_empty() && !bad.is_empty() {
        // A segment: three utterances, one in ten a violation.
        let mut seg = String::new();
        for k in 0..3 {
            let n = i * 3 + k;
            let s = if n % 10 == 9 { bad[(n * 7) % bad.len()] } else { clean[(n * 13) % clean.len()] };
            seg.push_str(s);
            seg.push(' ');
        }
        total += seg.len();
        out.push(seg);
        i += 1;
    }
    out
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// Runs the benchmark and prints the report.
pub fn run(args: ComplianceBenchArgs) -> Result<()> {
    let cat = match &args.rules {
        Some(p) => {
            Catalogue::from_toml(&std::fs::read_to_string(p)?).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?
        }
        None => Catalogue::default_catalogue().map_err(|e| anyhow::anyhow!("{e}"))?,
    };
    let segments = corpus(args.mb * 1024 * 1024);
    let bytes: usize = segments.iter().map(String::len).sum();
    let literals: Vec<String> = cat
        .rules()
        .iter()
        .flat_map(|r| r.literals.iter().map(|l| normalise::spaced(l.trim_matches('*')).text))
        .filter(|l| !l.is_empty())
        .collect();
    let rounds = args.rounds.max(1);
    let mut ours = Vec::new();
    let mut naive = Vec::new();
    let mut findings = 0;
    for _ in 0..rounds {
        let t = Instant::now();
        let mut n = 0;
        for s in &segments {
            n += cat.scan(s, Scope::Speech, None, None).len();
        }
        ours.push(bytes as f64 / 1e6 / t.elapsed().as_secs_f64());
        findings = n;
        if args.no_baseline {
            continue;
        }
        // The baseline is slow; its rate is measured on the first half megabyte.
        let t = Instant::now();
        let mut hits = 0usize;
        let mut naive_bytes = 0usize;
        for s in segments.iter().take_while(|s| {
            naive_bytes += s.len();
            naive_bytes <= 512 * 1024
        }) {
            for p in &literals {
                hits += s.match_indices(p.as_str()).count();
            }
        }
        naive.push(naive_bytes.min(bytes) as f64 / 1e6 / t.elapsed().as_secs_f64());
        std::hint::black_box(hits);
    }
    // A 10,000-character script, reviewed whole before a show.
    let mut script = String::new();
    for s in segments.iter().cycle() {
        if script.chars().count() >= 10_000 {
            break;
        }
        script.push_str(s);
    }
    let script: String = script.chars().take(10_000).collect();
    let mut times = Vec::new();
    for _ in 0..51 {
        let t = Instant::now();
        std::hint::black_box(cat.scan(&script, Scope::Speech, None, None));
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let regexes = cat.rules().iter().map(|r| r.regex.len()).sum();
    let (mb, nv) = (median(ours), median(naive));
    let report = Report {
        mb_per_s: mb,
        naive_mb_per_s: nv,
        ratio: mb / nv.max(1e-9),
        script_10k_chars_ms: median(times),
        findings_per_round: findings,
        rules: cat.rules().len(),
        literals: literals.len(),
        regexes,
        bytes,
    };
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!(
            "speech scan — {} rules ({} literals, {} regexes), {:.1} MB per round, {} rounds, one core",
            report.rules,
            report.literals,
            report.regexes,
            bytes as f64 / 1e6,
            rounds
        );
        println!("{:<44} {:>10.1} MB/s", "scanner (normalise, literals, regexes, rules)", report.mb_per_s);
        println!("{:<44} {:>10.1} MB/s", "naive str::find per literal (raw text)", report.naive_mb_per_s);
        println!("scanner = {:.1} × naive; {} findings per round", report.ratio, report.findings_per_round);
        println!("10,000-character script: {:.3} ms (median of 51)", report.script_10k_chars_ms);
    }
    Ok(())
}

//! How well the scanner does on labelled utterances: per-label precision, recall and F1,
//! micro-averaged precision and recall over (row, label) pairs, and the false-alarm rate on rows
//! labelled `none`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Label;

/// One labelled row and what the scanner said.
#[derive(Debug, Clone)]
pub struct Judged {
    /// Row id.
    pub id: String,
    /// The labels it should get (empty for `none`).
    pub expected: Vec<Label>,
    /// The labels it got.
    pub predicted: Vec<Label>,
}

/// Counts and scores for one label.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LabelScore {
    /// Correctly reported.
    pub true_positives: usize,
    /// Reported but not expected.
    pub false_positives: usize,
    /// Expected but not reported.
    pub false_negatives: usize,
    /// tp / (tp + fp); 1 when nothing was reported.
    pub precision: f64,
    /// tp / (tp + fn); 1 when nothing was expected.
    pub recall: f64,
    /// Harmonic mean of the two.
    pub f1: f64,
}

/// The whole evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Rows judged.
    pub rows: usize,
    /// Per label.
    pub labels: BTreeMap<&'static str, LabelScore>,
    /// Micro-averaged precision over (row, label) pairs.
    pub precision: f64,
    /// Micro-averaged recall.
    pub recall: f64,
    /// Micro-averaged F1.
    pub f1: f64,
    /// Rows labelled `none`.
    pub none_rows: usize,
    /// Share of `none` rows that got any label.
    pub false_alarm_rate: f64,
    /// Rows whose labels differ from the expected ones: (id, expected, predicted).
    pub mistakes: Vec<(String, Vec<Label>, Vec<Label>)>,
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

fn f1(p: f64, r: f64) -> f64 {
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

/// Scores judged rows.
pub fn score(rows: &[Judged]) -> Report {
    let mut labels: BTreeMap<&'static str, LabelScore> = BTreeMap::new();
    let (mut tp, mut fp, mut fn_) = (0, 0, 0);
    let (mut none_rows, mut alarms) = (0, 0);
    let mut mistakes = Vec::new();
    for row in rows {
        for l in Label::ALL {
            let (e, p) = (row.expected.contains(&l), row.predicted.contains(&l));
            if !e && !p {
                continue;
            }
            let s = labels.entry(l.as_str()).or_default();
            match (e, p) {
                (true, true) => (s.true_positives += 1, tp += 1),
                (false, true) => (s.false_positives += 1, fp += 1),
                _ => (s.false_negatives += 1, fn_ += 1),
            };
        }
        if row.expected.is_empty() {
            none_rows += 1;
            if !row.predicted.is_empty() {
                alarms += 1;
            }
        }
        let mut e = row.expected.clone();
        let mut p = row.predicted.clone();
        e.sort_unstable();
        p.sort_unstable();
        if e != p {
            mistakes.push((row.id.clone(), row.expected.clone(), row.predicted.clone()));
        }
    }
    for s in labels.values_mut() {
        s.precision = ratio(s.true_positives, s.true_positives + s.false_positives);
        s.recall = ratio(s.true_positives, s.true_positives + s.false_negatives);
        s.f1 = f1(s.precision, s.recall);
    }
    let precision = ratio(tp, tp + fp);
    let recall = ratio(tp, tp + fn_);
    Report {
        rows: rows.len(),
        labels,
        precision,
        recall,
        f1: f1(precision, recall),
        none_rows,
        false_alarm_rate: if none_rows == 0 { 0.0 } else { alarms as f64 / none_rows as f64 },
        mistakes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_count_pairs_and_false_alarms() {
        let rows = vec![
            Judged { id: "a".into(), expected: vec![Label::Guarantee], predicted: vec![Label::Guarantee] },
            Judged { id: "b".into(), expected: vec![], predicted: vec![Label::AbsoluteClaim] },
            Judged {
                id: "c".into(),
                expected: vec![Label::AbsoluteClaim, Label::PriceFraud],
                predicted: vec![Label::AbsoluteClaim],
            },
            Judged { id: "d".into(), expected: vec![], predicted: vec![] },
        ];
        let r = score(&rows);
        assert_eq!(r.precision, 2.0 / 3.0);
        assert_eq!(r.recall, 2.0 / 3.0);
        assert_eq!(r.false_alarm_rate, 0.5);
        assert_eq!(r.labels["absolute_claim"].precision, 0.5);
        assert_eq!(r.labels["price_fraud"].recall, 0.0);
        assert_eq!(r.mistakes.len(), 2);
    }
}

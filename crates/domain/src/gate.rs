//! The gate at every step of a show (Order 117 Art. 27, 28; DESIGN invariant 1): joining the
//! lineup, going live and pinning each judge the product with every anchor on the show's roster in
//! the show's room. [`combine`] merges the per-anchor verdicts into one refusal that lists every
//! unmet requirement once, saying which product and anchors it concerns.

use serde::Serialize;

use crate::eligibility::{Unmet, Verdict};
use crate::ids::{AnchorId, ProductId};

/// An unmet requirement in the context of a show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ShowUnmet {
    /// The product judged.
    pub product_id: ProductId,
    /// The anchors for whom it is unmet (all roster anchors for product-side requirements).
    pub anchor_ids: Vec<AnchorId>,
    /// The requirement.
    #[serde(flatten)]
    pub unmet: Unmet,
}

/// Merges verdicts of (product, anchor) pairs; an empty result means the gate is open.
pub fn combine(verdicts: &[(ProductId, AnchorId, Verdict)]) -> Vec<ShowUnmet> {
    let mut out: Vec<ShowUnmet> = Vec::new();
    for (product, anchor, v) in verdicts {
        for u in &v.unmet {
            match out
                .iter_mut()
                .find(|s| s.product_id == *product && s.unmet.code == u.code && s.unmet.subject_id == u.subject_id)
            {
                Some(s) => {
                    if !s.anchor_ids.contains(anchor) {
                        s.anchor_ids.push(*anchor);
                    }
                }
                None => out.push(ShowUnmet { product_id: *product, anchor_ids: vec![*anchor], unmet: u.clone() }),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eligibility::Subject;
    use chrono::Utc;

    fn unmet(code: &str, subject_id: &str) -> Unmet {
        Unmet {
            code: code.into(),
            subject: Subject::Product,
            subject_id: subject_id.into(),
            message: String::new(),
            article: "Order 117 Art. 27".into(),
            inputs: Default::default(),
        }
    }

    #[test]
    fn a_product_problem_is_listed_once_with_every_anchor() {
        let p = ProductId::generate();
        let (a, b) = (AnchorId::generate(), AnchorId::generate());
        let v = |codes: &[(&str, &str)]| Verdict {
            eligible: codes.is_empty(),
            unmet: codes.iter().map(|(c, s)| unmet(c, s)).collect(),
            not_evaluated: vec![],
            checked_at: Utc::now(),
        };
        let merged = combine(&[
            (p, a, v(&[("inspection_missing", "prd"), ("anchor_training_missing", "a")])),
            (p, b, v(&[("inspection_missing", "prd")])),
        ]);
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0].anchor_ids, vec![a, b]);
        assert_eq!(merged[1].anchor_ids, vec![a]);
        assert!(combine(&[(p, a, v(&[]))]).is_empty());
    }
}

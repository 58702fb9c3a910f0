//! The decision of one checkout batch, shared by both backends: given what the database holds
//! for the batch (idempotency keys used, units each buyer holds, stock), decide every order first
//! come first served. Pure: the backends read before it and write after it in one transaction.

use std::collections::HashMap;

use clearcast_domain::ids::{AccountId, OrderId, ProductId, ShowId, VariantId};

use crate::{PlaceOutcome, PlaceRequest};

/// What the database holds that the batch's decisions depend on.
#[derive(Debug, Default)]
pub(crate) struct Holdings {
    /// Idempotency keys already used, by buyer.
    pub known: HashMap<(AccountId, String), OrderId>,
    /// Units each buyer holds of a limited item, per (show, product).
    pub held: HashMap<(AccountId, ShowId, ProductId), i64>,
    /// Stock of every variant the batch touches (a missing variant has none).
    pub stock: HashMap<VariantId, i64>,
}

/// The batch decided: one outcome per request, the requests to insert (by index), and each
/// touched variant's stock before and after.
#[derive(Debug)]
pub(crate) struct Decided {
    pub outcomes: Vec<PlaceOutcome>,
    pub placed: Vec<usize>,
    pub stock_moves: Vec<(VariantId, i64, i64)>,
}

/// Decides the batch in order. A key repeated inside the batch answers the first order's id.
pub(crate) fn decide(batch: &[PlaceRequest], mut h: Holdings) -> Decided {
    let initial = h.stock.clone();
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut placed = Vec::with_capacity(batch.len());
    for (i, req) in batch.iter().enumerate() {
        let o = &req.order;
        if let Some(k) = &req.idempotency_key {
            if let Some(id) = h.known.get(&(o.consumer, k.clone())) {
                outcomes.push(PlaceOutcome::Duplicate(*id));
                continue;
            }
        }
        let q = i64::from(o.quantity);
        if let (Some(limit), Some(show)) = (req.limit, o.show) {
            let already = h.held.get(&(o.consumer, show, o.product)).copied().unwrap_or(0);
            if already + q > i64::from(limit) {
                outcomes.push(PlaceOutcome::OverLimit { limit, already });
                continue;
            }
        }
        let left = h.stock.get(&o.variant).copied().unwrap_or(0);
        if left < q {
            outcomes.push(PlaceOutcome::SoldOut { available: left });
            continue;
        }
        h.stock.insert(o.variant, left - q);
        if let (Some(_), Some(show)) = (req.limit, o.show) {
            *h.held.entry((o.consumer, show, o.product)).or_insert(0) += q;
        }
        if let Some(k) = &req.idempotency_key {
            h.known.insert((o.consumer, k.clone()), o.id);
        }
        placed.push(i);
        outcomes.push(PlaceOutcome::Placed);
    }
    let stock_moves = h
        .stock
        .iter()
        .filter_map(|(v, left)| {
            let before = initial.get(v).copied().unwrap_or(0);
            (*left != before).then_some((*v, before, *left))
        })
        .collect();
    Decided { outcomes, placed, stock_moves }
}

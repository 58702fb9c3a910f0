//! Property: whatever the interleaving of concurrent orders (with retries of the same key, per-
//! buyer limits, sell-outs) and cancellations, `0 <= sold <= initial`, `stock_left + sold ==
//! initial`, and every order reported placed exists. Runs through the real batched checkout
//! engine on SQLite (and PostgreSQL when configured, with fewer cases).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chrono::Utc;
use clearcast_domain::disclosure::PartyCard;
use clearcast_domain::ids::{AccountId, MerchantId, OrderId, ProductId, ShowId, VariantId};
use clearcast_domain::money::Money;
use clearcast_domain::order::{Order, OrderSnapshot, OrderStatus, ShippingAddress};
use clearcast_domain::policy::Policy;
use clearcast_server::{AppState, SystemClock};
use clearcast_store::{PlaceOutcome, PlaceRequest};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    /// A buyer orders `qty`, maybe with an idempotency key from a small set (so retries happen).
    Place { buyer: usize, qty: u32, key: Option<u8>, limited: bool },
    /// Cancel the n-th placed order (modulo how many exist), concurrently with the next places.
    Cancel(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0usize..6, 1u32..4, prop::option::of(0u8..3), any::<bool>()).prop_map(|(buyer, qty, key, limited)| Op::Place { buyer, qty, key, limited }),
        1 => (0usize..50).prop_map(Op::Cancel),
    ]
}

struct World {
    state: AppState,
    buyers: Vec<AccountId>,
    merchant: MerchantId,
    product: ProductId,
    variant: VariantId,
    show: ShowId,
    initial: i64,
    _dir: clearcast_store::testing::TempDir,
}

async fn world(initial: i64) -> World {
    let (store, dir) = clearcast_store::testing::fresh_sqlite().await.unwrap();
    let state = AppState::new(Arc::new(store), Policy::default_policy(), Arc::new(SystemClock));
    let f = clearcast_server::fixture::seed_flash_sale(&state, 0, initial).await.unwrap();
    let product = state.store.get_product(f.product_id.parse().unwrap()).await.unwrap().unwrap();
    let mut buyers = Vec::new();
    for i in 0..6 {
        let a = clearcast_domain::account::Account {
            id: AccountId::generate(),
            username: format!("prop-buyer-{i}"),
            role: clearcast_domain::account::Role::Consumer,
            created_at: Utc::now(),
        };
        state.store.create_account(&a, "$argon2id$x", None).await.unwrap();
        buyers.push(a.id);
    }
    World {
        merchant: product.seller,
        product: product.id,
        variant: f.variant_id.parse().unwrap(),
        show: f.show_id.parse().unwrap(),
        state,
        buyers,
        initial,
        _dir: dir,
    }
}

fn card() -> PartyCard {
    PartyCard { name: "n".into(), uscc: "u".into(), address: "a".into(), contact: "c".into(), natural_person: false }
}

fn order(w: &World, buyer: AccountId, qty: u32) -> Order {
    let now = Utc::now();
    Order {
        id: OrderId::generate(),
        consumer: buyer,
        merchant: w.merchant,
        product: w.product,
        variant: w.variant,
        quantity: qty,
        total: Money::cny(990 * i64::from(qty)),
        show: Some(w.show),
        lineup_item: None,
        anchors: vec![],
        commission_bps: 0,
        shipping: ShippingAddress { name: "n".into(), phone: "p".into(), address: "a".into() },
        snapshot: OrderSnapshot {
            title: "t".into(),
            category: "other".into(),
            variant: "default".into(),
            unit_price: Money::cny(990),
            unit: "个".into(),
            reference: None,
            seller: card(),
            goods_owner: card(),
            disclosure: None,
        },
        status: OrderStatus::Placed,
        shipment: None,
        placed_at: now,
        updated_at: now,
        paid_at: None,
        shipped_at: None,
        delivered_at: None,
        return_request: None,
    }
}

async fn run(w: &World, ops: Vec<Op>) {
    let mut placed: Vec<Order> = Vec::new();
    // Ops run in concurrent waves of up to 8.
    for wave in ops.chunks(8) {
        let mut places = Vec::new();
        let mut cancels = Vec::new();
        for op in wave {
            match op {
                Op::Place { buyer, qty, key, limited } => {
                    let o = order(w, w.buyers[*buyer], *qty);
                    let req = PlaceRequest::new(o.clone(), key.map(|k| format!("k{k}")), limited.then_some(4)).unwrap();
                    let checkout = w.state.checkout.clone();
                    places.push(tokio::spawn(async move { (o, checkout.place(req).await) }));
                }
                Op::Cancel(n) if !placed.is_empty() => {
                    let mut o = placed[n % placed.len()].clone();
                    let store = w.state.store.clone();
                    cancels.push(tokio::spawn(async move {
                        let fresh = store.get_order(o.id).await.unwrap().unwrap();
                        o.status = fresh.status;
                        let from = o.status;
                        if o.cancel(Utc::now()).is_ok() {
                            let rec = clearcast_domain::audit::AuditEntry {
                                at: Utc::now(),
                                actor: o.consumer,
                                action: "order.cancel".into(),
                                subject: o.id.to_string(),
                                detail: serde_json::json!({}),
                            };
                            let _ = store.save_order(&o, from, true, rec, &[]).await;
                        }
                    }));
                }
                Op::Cancel(_) => {}
            }
        }
        for p in places {
            let (o, outcome) = p.await.unwrap();
            if let Ok(PlaceOutcome::Placed) = outcome {
                placed.push(o);
            }
        }
        for c in cancels {
            c.await.unwrap();
        }
        let sold = w.state.store.units_sold(w.variant).await.unwrap();
        let left = w.state.store.get_product(w.product).await.unwrap().unwrap().total_stock();
        assert!((0..=w.initial).contains(&sold), "sold {sold} outside 0..={}", w.initial);
        assert!(left >= 0, "stock went negative: {left}");
        assert_eq!(left + sold, w.initial, "left {left} + sold {sold} != initial {}", w.initial);
    }
    for o in &placed {
        assert!(w.state.store.get_order(o.id).await.unwrap().is_some(), "a placed order is missing");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn stock_is_conserved_under_any_interleaving(initial in 0i64..12, ops in prop::collection::vec(op(), 1..40)) {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(async {
            let w = world(initial).await;
            run(&w, ops).await;
        });
    }
}

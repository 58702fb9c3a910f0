//! `clearcast bench flash-sale`: a flash sale driven over HTTP on loopback from this process
//! against a separate server process, measured in one run against (1) the same server's bare
//! HTTP ceiling (`GET /api/v1/ping`, same client, same concurrency) and (2) the textbook design,
//! one transaction per order (`serve --checkout per-order`). After each run it checks the store:
//! nothing oversold, no acknowledged order missing.

use std::io::{BufRead, BufReader, IsTerminal};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clearcast_server::fixture::{seed_flash_sale, Fixture};
use serde::Serialize;

use crate::config::StoreArgs;

/// Options.
#[derive(clap::Args, Clone)]
pub struct FlashSaleArgs {
    /// Buyers, each ordering one unit once (demand).
    #[arg(long, default_value_t = 20_000)]
    pub buyers: usize,
    /// Units in stock (default: equal to the buyers, so every request places an order).
    #[arg(long)]
    pub stock: Option<i64>,
    /// Buyers for the per-order comparison run (it is slow; its rate is what is compared).
    #[arg(long, default_value_t = 3_000)]
    pub per_order_buyers: usize,
    /// Concurrent requests in flight.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Run on PostgreSQL: a server URL; fresh databases are created on it.
    #[arg(long)]
    pub database_url: Option<String>,
    /// One JSON object on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// One load phase.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Phase {
    /// Requests sent.
    pub requests: usize,
    /// Requests per second.
    pub per_s: f64,
    /// Median latency.
    pub p50_ms: f64,
    /// 99th percentile latency.
    pub p99_ms: f64,
    /// Answers by status.
    pub statuses: std::collections::BTreeMap<u16, usize>,
}

/// The figures.
#[derive(Debug, Serialize)]
pub struct Report {
    /// Placed orders per second, batched engine.
    pub orders_per_s: f64,
    /// Median latency of an order, batched.
    pub p50_ms: f64,
    /// 99th percentile, batched.
    pub p99_ms: f64,
    /// Placed orders per second with one transaction per order.
    pub per_order_orders_per_s: f64,
    /// p99 with one transaction per order.
    pub per_order_p99_ms: f64,
    /// No-op requests per second: the HTTP ceiling.
    pub ceiling_req_per_s: f64,
    /// Batched orders/s over the ceiling.
    pub ratio_to_ceiling: f64,
    /// Batched over per-order.
    pub ratio_to_per_order: f64,
    /// Units sold beyond stock (must be 0).
    pub oversold: i64,
    /// Acknowledged orders not in the store (must be 0).
    pub lost: usize,
    /// `sqlite` or `postgres`.
    pub store: String,
    /// Buyers and stock of the batched run.
    pub buyers: usize,
    /// Stock of the batched run.
    pub stock: i64,
    /// Concurrency.
    pub concurrency: usize,
}

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_server(store: &StoreArgs, mode: &str) -> Result<Server> {
    let exe = std::env::current_exe()?;
    let mut cmd = Command::new(exe);
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--checkout", mode, "--data-dir"]).arg(&store.data_dir);
    if let Some(u) = &store.database_url {
        cmd.args(["--database-url", u]);
    }
    if let Some(k) = &store.id_key {
        cmd.args(["--id-key", k]);
    }
    cmd.env("CLEARCAST_LOG", "warn").stdout(Stdio::piped()).stderr(Stdio::null());
    let mut child = cmd.spawn().context("starting the server")?;
    let stdout = child.stdout.take().context("server stdout")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let url = line.trim().strip_prefix("listening on ").map(str::to_string);
    match url {
        Some(url) => Ok(Server { child, url }),
        None => {
            let _ = child.kill();
            bail!("the server did not start: {line}")
        }
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// The part of a placed order the bench checks afterwards.
#[derive(serde::Deserialize)]
struct Placed {
    id: String,
}

/// Sends `n` requests built by `make` with `concurrency` in flight; returns the phase and the
/// bodies of 201 answers (order ids) when `keep` is set.
async fn drive(
    client: &reqwest::Client,
    n: usize,
    concurrency: usize,
    make: Arc<dyn Fn(usize) -> reqwest::RequestBuilder + Send + Sync>,
    keep: bool,
    label: &str,
    quiet: bool,
) -> Result<(Phase, Vec<String>)> {
    let next = Arc::new(AtomicUsize::new(0));
    let bar = if quiet { indicatif::ProgressBar::hidden() } else { indicatif::ProgressBar::new(n as u64) };
    bar.set_message(label.to_string());
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg:>12} {bar:40} {pos}/{len} {per_sec}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (next, make, client, bar) = (next.clone(), make.clone(), client.clone(), bar.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut statuses = Vec::new();
            let mut ids = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let t = Instant::now();
                let _ = &client;
                let res = make(i).send().await;
                let code = match res {
                    Ok(r) => {
                        let code = r.status().as_u16();
                        if keep && code == 201 {
                            // The buyer reads the order's id (the whole body is received and
                            // parsed; only the id is kept, as a shop's client would).
                            if let Ok(b) = r.bytes().await {
                                if let Ok(placed) = serde_json::from_slice::<Placed>(&b) {
                                    ids.push(placed.id);
                                }
                            }
                        } else {
                            let _ = r.bytes().await;
                        }
                        code
                    }
                    Err(_) => 0,
                };
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
                statuses.push(code);
                bar.inc(1);
            }
            (lat, statuses, ids)
        }));
    }
    let mut lat = Vec::with_capacity(n);
    let mut phase = Phase { requests: n, ..Default::default() };
    let mut ids = Vec::new();
    for t in tasks {
        let (l, s, i) = t.await?;
        lat.extend(l);
        for c in s {
            *phase.statuses.entry(c).or_default() += 1;
        }
        ids.extend(i);
    }
    let elapsed = start.elapsed().as_secs_f64();
    bar.finish_and_clear();
    lat.sort_by(|a, b| a.total_cmp(b));
    phase.per_s = n as f64 / elapsed;
    phase.p50_ms = percentile(&lat, 0.5);
    phase.p99_ms = percentile(&lat, 0.99);
    Ok((phase, ids))
}

struct Run {
    ceiling: Option<Phase>,
    orders: Phase,
    placed_per_s: f64,
    oversold: i64,
    lost: usize,
}

/// A fresh store for a benchmark: a new PostgreSQL database on `database_url`'s server, or a
/// SQLite file in `dir`, with a fresh key.
pub(crate) async fn fresh_store_args(database_url: Option<&str>, dir: &std::path::Path) -> Result<StoreArgs> {
    let database_url = match database_url {
        Some(base) => Some(
            clearcast_store::testing::create_database(base, "clearcast_bench")
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?,
        ),
        None => None,
    };
    Ok(StoreArgs {
        data_dir: dir.to_path_buf(),
        database_url,
        id_key: Some(clearcast_store::crypto::FieldCipher::generate_secret()),
    })
}

/// 64-bit xorshift: a fixed, dependency-free source of benchmark data.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    /// The next number.
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number below `n`.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

async fn prepare(
    args: &FlashSaleArgs,
    buyers: usize,
    stock: i64,
    dir: &std::path::Path,
) -> Result<(StoreArgs, Fixture)> {
    let store_args = fresh_store_args(args.database_url.as_deref(), dir).await?;
    let store = store_args.open().await?;
    let state = clearcast_server::AppState::new(
        store,
        clearcast_domain::policy::Policy::default_policy(),
        Arc::new(clearcast_server::SystemClock),
    );
    let fixture = seed_flash_sale(&state, buyers, stock).await.map_err(|e| anyhow::anyhow!("seeding: {}", e.detail))?;
    Ok((store_args, fixture))
}

async fn run(args: &FlashSaleArgs, mode: &str, buyers: usize, stock: i64, with_ceiling: bool) -> Result<Run> {
    let dir = clearcast_store::testing::TempDir::new().map_err(|e| anyhow::anyhow!("{e}"))?;
    let (store_args, fixture) = prepare(args, buyers, stock, &dir.path).await?;
    let server = spawn_server(&store_args, mode)?;
    let client = reqwest::Client::builder().pool_max_idle_per_host(args.concurrency).build()?;
    let quiet = args.json || !std::io::stderr().is_terminal();
    let ceiling = if with_ceiling {
        let url = format!("{}/api/v1/ping", server.url);
        let c = client.clone();
        let make: Arc<dyn Fn(usize) -> reqwest::RequestBuilder + Send + Sync> = Arc::new(move |_| c.get(&url));
        // Warm up connections, then measure the same number of requests the orders phase sends.
        drive(&client, 2_000, args.concurrency, make.clone(), false, "warm-up", quiet).await?;
        Some(drive(&client, buyers, args.concurrency, make, false, "ceiling", quiet).await?.0)
    } else {
        None
    };
    let url = format!("{}/api/v1/orders", server.url);
    let body = serde_json::json!({
        "show_id": fixture.show_id, "product_id": fixture.product_id, "variant_id": fixture.variant_id, "quantity": 1,
        "shipping": {"name": "买家", "phone": "13800000000", "address": "浙江省杭州市西湖区文三路 1 号"},
    })
    .to_string();
    let tokens = Arc::new(fixture.tokens.clone());
    let c = client.clone();
    let make: Arc<dyn Fn(usize) -> reqwest::RequestBuilder + Send + Sync> = Arc::new(move |i| {
        c.post(&url)
            .bearer_auth(&tokens[i])
            .header("content-type", "application/json")
            .header("Idempotency-Key", format!("flash-{i}"))
            .body(body.clone())
    });
    let start = Instant::now();
    let (orders, ids) = drive(&client, buyers, args.concurrency, make, true, mode, quiet).await?;
    let elapsed = start.elapsed().as_secs_f64();
    drop(server);
    // Check the store itself, with the server gone.
    let store = store_args.open().await?;
    let variant = fixture.variant_id.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
    let sold = store.units_sold(variant).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut lost = 0;
    for id in &ids {
        let oid = id.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
        if store.get_order(oid).await.map_err(|e| anyhow::anyhow!("{e}"))?.is_none() {
            lost += 1;
        }
    }
    let product = store
        .get_product(fixture.product_id.parse().map_err(|e| anyhow::anyhow!("{e}"))?)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let left = product.map(|p| p.total_stock()).unwrap_or(0);
    let oversold = (sold - stock).max(0) + if left + sold != stock { (left + sold - stock).abs() } else { 0 };
    if ids.len() as i64 != sold {
        lost += (ids.len() as i64 - sold).max(0) as usize;
    }
    let expected = stock.min(buyers as i64);
    if sold != expected {
        eprintln!("warning: sold {sold}, expected min(stock, demand) = {expected}; statuses {:?}", orders.statuses);
    }
    Ok(Run { ceiling, placed_per_s: ids.len() as f64 / elapsed, orders, oversold, lost })
}

/// Runs the benchmark and prints the report.
pub async fn flash_sale(args: FlashSaleArgs) -> Result<()> {
    let stock = args.stock.unwrap_or(args.buyers as i64);
    let batched = run(&args, "batched", args.buyers, stock, true).await?;
    let per_order_stock = args.per_order_buyers as i64;
    let per = run(&args, "per-order", args.per_order_buyers, per_order_stock, false).await?;
    let ceiling = batched.ceiling.clone().unwrap_or_default();
    let report = Report {
        orders_per_s: batched.placed_per_s,
        p50_ms: batched.orders.p50_ms,
        p99_ms: batched.orders.p99_ms,
        per_order_orders_per_s: per.placed_per_s,
        per_order_p99_ms: per.orders.p99_ms,
        ceiling_req_per_s: ceiling.per_s,
        ratio_to_ceiling: batched.placed_per_s / ceiling.per_s.max(1.0),
        ratio_to_per_order: batched.placed_per_s / per.placed_per_s.max(1e-9),
        oversold: batched.oversold + per.oversold,
        lost: batched.lost + per.lost,
        store: if args.database_url.is_some() { "postgres".into() } else { "sqlite".into() },
        buyers: args.buyers,
        stock,
        concurrency: args.concurrency,
    };
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!(
            "flash sale on {} — {} buyers, stock {}, {} in flight",
            report.store, report.buyers, report.stock, report.concurrency
        );
        println!("{:<28} {:>12} {:>9} {:>9}", "", "per second", "p50 ms", "p99 ms");
        println!(
            "{:<28} {:>12.0} {:>9.2} {:>9.2}",
            "HTTP ceiling (GET /ping)", ceiling.per_s, ceiling.p50_ms, ceiling.p99_ms
        );
        println!(
            "{:<28} {:>12.0} {:>9.2} {:>9.2}",
            "orders, batched", report.orders_per_s, report.p50_ms, report.p99_ms
        );
        println!(
            "{:<28} {:>12.0} {:>9.2} {:>9.2}",
            "orders, one tx per order", report.per_order_orders_per_s, per.orders.p50_ms, per.orders.p99_ms
        );
        println!(
            "batched = {:.2} × ceiling, {:.1} × per-order; oversold {}, lost {}",
            report.ratio_to_ceiling, report.ratio_to_per_order, report.oversold, report.lost
        );
        println!("statuses batched {:?}, per-order {:?}", batched.orders.statuses, per.orders.statuses);
    }
    let _ = Duration::ZERO;
    Ok(())
}

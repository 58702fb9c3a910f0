//! The `clearcast` binary: wires configuration, the store, the policy and the HTTP server.
#![forbid(unsafe_code)]

mod bench;
mod bench_compliance;
mod bench_fanout;
mod bench_feed;
mod bench_ledger;
mod compliance;
mod config;

use std::io::{IsTerminal, Write};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use clearcast_domain::account::Role;
use clearcast_server::{demo, AppState, SystemClock};

use crate::config::StoreArgs;

/// clearcast: quality-first live commerce.
#[derive(Parser)]
#[command(name = "clearcast", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve(ServeArgs),
    /// Create or upgrade the database schema, then exit.
    Migrate(StoreArgs),
    /// Administration.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Benchmarks.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// The speech compliance scanner over files.
    Compliance {
        #[command(subcommand)]
        command: compliance::ComplianceCommand,
    },
    /// Governance records.
    Records {
        #[command(subcommand)]
        command: RecordsCommand,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// A flash sale over HTTP: batched checkout vs the HTTP ceiling vs one transaction per order.
    FlashSale(bench::FlashSaleArgs),
    /// The speech scanner's MB/s on one core against a naive `str::find` loop, and a 10k-character script.
    Compliance(bench_compliance::ComplianceBenchArgs),
    /// The top-50 feed with explanations from the live index against a full sort, at 1k/10k/100k shows.
    Feed(bench_feed::FeedBenchArgs),
    /// Ledger transfers per second through the store, group commit against one transaction each.
    Ledger(bench_ledger::LedgerBenchArgs),
    /// The live channel's fan-out to 10,000 viewers of one show, against a socket.io peer.
    Fanout(bench_fanout::FanoutBenchArgs),
    /// The load client `bench fanout` runs in a separate process.
    #[command(hide = true)]
    FanoutClient(bench_fanout::FanoutClientArgs),
}

#[derive(Subcommand)]
enum RecordsCommand {
    /// Move records whose retention (3 years after the show's end or the record) ended before
    /// DATE into a JSON-lines file, leaving checkpoint hashes so the rest still verifies.
    Archive {
        /// Cut-off date (YYYY-MM-DD, China-local); may not lie in the future.
        #[arg(long)]
        before: chrono::NaiveDate,
        /// Output file (must not exist); default DATA_DIR/archive-<before>.jsonl.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
        /// The policy the server runs with (its `retention_years` decides what may go).
        #[arg(long, env = "CLEARCAST_POLICY")]
        policy: Option<std::path::PathBuf>,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "CLEARCAST_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    /// Seed demo data on first start and print demo logins with fresh tokens.
    #[arg(long)]
    demo: bool,
    /// Policy file replacing the embedded default.
    #[arg(long, env = "CLEARCAST_POLICY")]
    policy: Option<std::path::PathBuf>,
    /// `batched` (group commit, the default) or `per-order` (one transaction per order, for comparison).
    #[arg(long, env = "CLEARCAST_CHECKOUT", default_value = "batched")]
    checkout: clearcast_server::checkout::Mode,
    /// Speech rules file replacing the shipped catalogue (reload it with
    /// `POST /api/v1/compliance/rules/reload`).
    #[arg(long, env = "CLEARCAST_RULES")]
    rules: Option<std::path::PathBuf>,
    /// NATS server (with JetStream) that carries live-channel events between nodes, e.g.
    /// `nats://127.0.0.1:4222`; without it each node serves its own viewers only.
    #[arg(long, env = "CLEARCAST_NATS_URL")]
    nats_url: Option<String>,
    /// Milliseconds a live room gathers events before sending them as one bundle (longer: fewer
    /// writes per viewer, more delay).
    #[arg(long, env = "CLEARCAST_LIVE_BATCH_MS", default_value_t = 10)]
    live_batch_ms: u64,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an operator (or regulator) account. The password is read from stdin.
    CreateOperator {
        /// Login name.
        #[arg(long)]
        username: String,
        /// `operator` or `regulator`.
        #[arg(long, default_value = "operator")]
        role: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

fn init_tracing() {
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("CLEARCAST_LOG").unwrap_or_else(|_| "info,sqlx=warn".into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if std::env::var("CLEARCAST_LOG_FORMAT").as_deref() == Ok("json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    init_tracing();
    match Cli::parse().command {
        Command::Serve(args) => serve(args).await,
        Command::Migrate(store) => {
            let s = store.open().await?;
            println!("migrated the {} database", s.backend());
            Ok(())
        }
        Command::Admin { command: AdminCommand::CreateOperator { username, role, store } } => {
            create_operator(username, &role, store).await
        }
        Command::Bench { command: BenchCommand::FlashSale(args) } => bench::flash_sale(args).await,
        Command::Bench { command: BenchCommand::Compliance(args) } => bench_compliance::run(args),
        Command::Bench { command: BenchCommand::Feed(args) } => bench_feed::run(args),
        Command::Bench { command: BenchCommand::Ledger(args) } => bench_ledger::run(args).await,
        Command::Bench { command: BenchCommand::Fanout(args) } => bench_fanout::run(args).await,
        Command::Bench { command: BenchCommand::FanoutClient(args) } => bench_fanout::client(args).await,
        Command::Compliance { command } => compliance::run(command),
        Command::Records { command: RecordsCommand::Archive { before, out, policy, store } } => {
            let out = out.unwrap_or_else(|| store.data_dir.join(format!("archive-{before}.jsonl")));
            let state = state(&store, policy.as_deref()).await?;
            let report = clearcast_server::archive::archive(&state, before, &out)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.detail))?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(())
        }
    }
}

async fn state(store: &StoreArgs, policy: Option<&std::path::Path>) -> Result<AppState> {
    state_with(store, policy, clearcast_server::checkout::Mode::Batched).await
}

async fn state_with(
    store: &StoreArgs,
    policy: Option<&std::path::Path>,
    mode: clearcast_server::checkout::Mode,
) -> Result<AppState> {
    let policy = config::load_policy(policy)?;
    let store = store.open().await?;
    Ok(AppState::with_checkout(store, policy, Arc::new(SystemClock), mode))
}

async fn serve(args: ServeArgs) -> Result<()> {
    let state = state_with(&args.store, args.policy.as_deref(), args.checkout).await?.with_live(
        clearcast_server::live::LiveConfig {
            batch: std::time::Duration::from_millis(args.live_batch_ms.clamp(1, 1000)),
            ..Default::default()
        },
    );
    if let Some(path) = &args.rules {
        // A bad file stops the start with the rule and the line: better than supervising with
        // rules nobody chose.
        let n = state.rules.load_file(path.clone()).map_err(|e| anyhow::anyhow!("speech rules: {e}"))?;
        tracing::info!(rules = n, path = %path.display(), "speech rules loaded");
    }
    if let Some(url) = &args.nats_url {
        let relay = clearcast_server::live::relay::start(url, Arc::downgrade(&state.live)).await?;
        state.live.set_relay(relay);
        tracing::info!(url = %url, "live channel relayed through NATS JetStream");
    }
    let n = state
        .caches
        .sessions
        .warm(state.store.as_ref(), state.clock.now())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    tracing::info!(tokens = n, "live tokens loaded");
    let syncer = state.clone();
    tokio::spawn(async move {
        // Logouts on other servers reach this one's memory within a second.
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
        loop {
            tick.tick().await;
            if let Err(e) = syncer.caches.sessions.sync(syncer.store.as_ref(), syncer.clock.now()).await {
                tracing::warn!(error = %e, "syncing revoked tokens failed");
            }
        }
    });
    let patrol = state.clone();
    tokio::spawn(async move {
        // A live show that is not heard cannot be supervised: flag silences as they happen.
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(15));
        loop {
            tick.tick().await;
            match clearcast_server::supervision::check_silence(&patrol, patrol.clock.now()).await {
                Ok(v) if v.is_empty() => {}
                Ok(v) => tracing::warn!(shows = v.len(), "live shows went silent"),
                Err(e) => tracing::warn!(error = %e.detail, "checking for silent shows failed"),
            }
        }
    });
    let sweeper = state.clone();
    tokio::spawn(async move {
        // Orders left unpaid past the payment window cancel themselves and release their stock.
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(30));
        loop {
            tick.tick().await;
            match clearcast_server::api::orders::expire_unpaid(&sweeper).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(cancelled = n, "unpaid orders expired"),
                Err(e) => tracing::warn!(error = %e.detail, "expiring unpaid orders failed"),
            }
        }
    });
    if args.demo && demo::seed(&state).await.map_err(|e| anyhow::anyhow!("seeding demo data: {}", e.detail))? {
        tracing::info!("demo data seeded");
    }
    if let Some(path) = &args.policy {
        state.quality.set_source(path.clone());
    }
    // Scores and the feed live in memory: rebuilt from the store's facts at every start.
    clearcast_server::quality::rebuild(&state)
        .await
        .map_err(|e| anyhow::anyhow!("rebuilding reputation: {}", e.detail))?;
    tracing::info!(
        facts = state.quality.book().facts(),
        live_shows = state.quality.index().len(),
        "reputation and feed rebuilt"
    );
    let ranker = state.clone();
    tokio::spawn(async move {
        // Scores decay and observations leave the window as time passes; measures run out.
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(30));
        loop {
            tick.tick().await;
            clearcast_server::quality::refresh_limits(&ranker).await;
            if let Err(e) = clearcast_server::quality::sync_live(&ranker).await {
                tracing::warn!(error = %e.detail, "syncing live shows into the feed failed");
            }
            ranker.quality.tick(ranker.clock.now());
        }
    });
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr()?;
    let mut out = std::io::stdout();
    writeln!(out, "listening on http://{addr}")?;
    if args.demo {
        let tokens = demo::tokens(&state).await.map_err(|e| anyhow::anyhow!("issuing demo tokens: {}", e.detail))?;
        writeln!(
            out,
            "\nDemo logins: sign in to the pages at http://{addr}/login, or POST /api/v1/auth/token; fresh bearer tokens:"
        )?;
        for (l, token) in tokens {
            writeln!(
                out,
                "  {:<13} {:<11} password {:<20} token {}  ({})",
                l.role.as_str(),
                l.username,
                l.password,
                token,
                l.about
            )?;
        }
        writeln!(out, "\nOpen http://{addr}/ in a browser (the shows on air), or try the API:")?;
        writeln!(out, "  curl -H 'Authorization: Bearer <token>' http://{addr}/api/v1/products")?;
    }
    out.flush()?;
    let app = clearcast_server::build(state);
    // Small writes (live-channel frames, API answers) go out at once rather than wait on Nagle.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY not set");
        }
    });
    axum::serve(listener, app).with_graceful_shutdown(shutdown()).await?;
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

async fn create_operator(username: String, role: &str, store: StoreArgs) -> Result<()> {
    let role: Role = role.parse().map_err(|e: String| anyhow::anyhow!(e))?;
    if !matches!(role, Role::Operator | Role::Regulator) {
        bail!("admin create-operator creates operator or regulator accounts; others sign up through the API");
    }
    let state = state(&store, None).await?;
    let password = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("password (10-128 characters): ")?
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        line.trim_end_matches(['\n', '\r']).to_string()
    };
    let account = clearcast_server::api::accounts::create_account(&state, &username, &password, role)
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.detail))?;
    println!("created {} account {} ({})", account.role, account.username, account.id);
    Ok(())
}

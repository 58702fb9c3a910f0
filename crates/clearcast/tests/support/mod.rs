//! What the kill-9 tests share: opening the store the server uses, and starting the real binary.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use clearcast_store::crypto::FieldCipher;
use clearcast_store::testing::TempDir;
use clearcast_store::Store;

/// The store at `db` (a PostgreSQL URL) or in `dir` (SQLite), with the server's field key.
pub async fn open(db: &Option<String>, dir: &TempDir, key: &str) -> Arc<dyn Store> {
    let cipher = FieldCipher::from_base64(key).unwrap();
    match db {
        Some(url) => Arc::new(clearcast_store::PgStore::connect(url, cipher).await.unwrap()),
        None => Arc::new(clearcast_store::SqliteStore::open(&dir.path.join("clearcast.db"), cipher).await.unwrap()),
    }
}

/// Starts `clearcast serve` on the same data; returns the process and its base URL.
pub fn serve(db: &Option<String>, dir: &TempDir, key: &str) -> (Child, String) {
    serve_with(db, dir, key, &[])
}

/// Starts `clearcast serve` with more arguments.
pub fn serve_with(db: &Option<String>, dir: &TempDir, key: &str, more: &[&str]) -> (Child, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_clearcast"));
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--data-dir"]).arg(&dir.path).args(["--id-key", key]).args(more);
    if let Some(url) = db {
        cmd.args(["--database-url", url]);
    }
    let mut child = cmd.env("CLEARCAST_LOG", "error").stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let base = line.trim().strip_prefix("listening on ").expect("listening line").to_string();
    (child, base)
}

/// Kills the server with SIGKILL once `after` requests were acknowledged (or `polls` × `every`
/// passed), then waits for the clients to finish and returns what they acknowledged.
pub async fn kill_when(
    acked: &std::sync::Mutex<Vec<String>>,
    after: usize,
    polls: u32,
    every: std::time::Duration,
    child: &mut Child,
    tasks: Vec<tokio::task::JoinHandle<()>>,
) -> Vec<String> {
    for _ in 0..polls {
        tokio::time::sleep(every).await;
        if acked.lock().unwrap().len() >= after {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    for t in tasks {
        let _ = t.await;
    }
    let acked = acked.lock().unwrap().clone();
    acked
}

//! `serve --rules FILE`: the server scans with the operator's catalogue, and refuses to start on
//! a broken one, naming the rule and line.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use clearcast_store::testing::TempDir;

const RULES: &str = "version = 1\n\n[[rules]]\nid = \"house.word\"\nlabel = \"guarantee\"\nseverity = \"red\"\npoints = 1\nbasis = \"house rule\"\nliterals = [\"包过\"]\n";

#[tokio::test]
async fn the_server_scans_with_the_rules_file_it_was_given() {
    let dir = TempDir::new().unwrap();
    let rules = dir.path.join("rules.toml");
    std::fs::write(&rules, RULES).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_clearcast"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&dir.path)
        .arg("--rules")
        .arg(&rules)
        .env("CLEARCAST_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let base = line.trim().strip_prefix("listening on ").expect("listening line").to_string();
    let listed: serde_json::Value =
        reqwest::get(format!("{base}/api/v1/compliance/rules")).await.unwrap().json().await.unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(listed["source"], rules.display().to_string());
    assert_eq!(listed["rules"].as_array().unwrap().len(), 1);
    assert_eq!(listed["rules"][0]["id"], "house.word");
}

#[test]
fn a_broken_rules_file_stops_the_start_naming_rule_and_line() {
    let dir = TempDir::new().unwrap();
    let rules = dir.path.join("rules.toml");
    std::fs::write(&rules, format!("{RULES}regex = [\"(unclosed\"]\n")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_clearcast"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&dir.path)
        .arg("--rules")
        .arg(&rules)
        .env("CLEARCAST_LOG", "error")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("house.word") && err.contains("line 3"), "{err}");
}

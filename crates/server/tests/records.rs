//! Retention and archiving of governance records (Order 117 Art. 16), with the clock passed in:
//! nothing goes before three years after the show's end; what goes leaves a checkpoint so the
//! remaining chain still verifies.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::{Duration, NaiveDate};
use clearcast_domain::dates::china_date;
use common::TestApp;
use serde_json::json;

async fn archive_after_retention(app: &TestApp) {
    let room = app.login("xingguang", "room-demo-pass").await;
    let live = app.get("/api/v1/shows?status=live", None).await;
    let shows = live.body["items"].as_array().unwrap();
    assert_eq!(shows.len(), 2);
    let (ended, still_live) =
        (shows[0]["id"].as_str().unwrap().to_string(), shows[1]["id"].as_str().unwrap().to_string());
    let end = app.post(&format!("/api/v1/shows/{ended}/end"), Some(&room), json!({})).await;
    assert_eq!(end.body["status"], "ended", "{}", end.body);
    let records_of = |id: String| async move {
        let op = app.user(clearcast_domain::account::Role::Operator).await;
        app.get(&format!("/api/v1/records?show={id}&limit=1000"), Some(&op)).await.body["items"]
            .as_array()
            .unwrap()
            .len()
    };
    let before_count = records_of(ended.clone()).await;
    assert!(before_count >= 8, "created, lineup ×3, roster, script, started, pinned, shown, ended");
    let live_count = records_of(still_live.clone()).await;

    let dir = clearcast_store::testing::TempDir::new().unwrap();
    let out = dir.path.join("archive.jsonl");
    let three_years = NaiveDate::from_ymd_opt(2029, 11, 25).unwrap();
    assert_eq!(clearcast_domain::records::retained_until(app.clock_now(), 3), three_years);

    // On the last day of retention nothing may go, even with the clock far ahead.
    app.clock.set(app.clock_now() + Duration::days(4 * 365));
    let none = clearcast_server::archive::archive(&app.state, three_years, &out).await.unwrap();
    assert_eq!((none.streams, none.records, none.file), (0, 0, None));
    // A cut-off in the future is refused.
    let future = china_date(app.clock_now()) + Duration::days(1);
    assert_eq!(
        clearcast_server::archive::archive(&app.state, future, &out).await.unwrap_err().code,
        "validation_failed"
    );

    // The day after, the ended show's stream and the old platform records go; the live show stays.
    let report = clearcast_server::archive::archive(&app.state, three_years + Duration::days(1), &out).await.unwrap();
    assert_eq!(report.streams, 2, "the ended show and the platform stream");
    let lines = std::fs::read_to_string(&out).unwrap();
    assert_eq!(lines.lines().count(), report.records);
    let of_show = lines
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["stream"] == ended.as_str())
        .count();
    assert_eq!(of_show, before_count);
    assert_eq!(records_of(ended.clone()).await, 0);
    assert_eq!(records_of(still_live.clone()).await, live_count, "a show that has not ended keeps its records");

    // What remains verifies from the checkpoints.
    let reg = app.login("regulator", "regulator-demo-pass").await;
    let check = app.get("/api/v1/audit/verify", Some(&reg)).await;
    assert_eq!(check.body["ok"], true, "{}", check.body);
    // New records chain on from the checkpoint.
    let op = app.user(clearcast_domain::account::Role::Operator).await;
    let merchants = app.get("/api/v1/merchants", Some(&op)).await;
    let m = merchants.body["items"][0]["id"].as_str().unwrap();
    app.post(&format!("/api/v1/merchants/{m}/verify"), Some(&op), json!({})).await;
    assert_eq!(app.get("/api/v1/audit/verify", Some(&reg)).await.body["ok"], true);
    // A second run finds nothing more to take.
    let again =
        clearcast_server::archive::archive(&app.state, three_years + Duration::days(1), &dir.path.join("again.jsonl"))
            .await
            .unwrap();
    assert_eq!(again.records, 0);
}

#[tokio::test]
async fn records_are_archived_only_after_retention_and_the_rest_still_verifies() {
    archive_after_retention(&TestApp::spawn_demo().await).await;
}

#[tokio::test]
async fn archiving_works_the_same_on_postgres() {
    let Some(app) = TestApp::spawn_postgres().await else { return };
    app.seed_demo().await;
    archive_after_retention(&app).await;
}

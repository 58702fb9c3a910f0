//! Retention and archiving of governance records (Order 117 Art. 16), with the clock passed in:
//! nothing goes before three years after the show's end; what goes leaves a checkpoint so the
//! remaining chain still verifies.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::{Duration, NaiveDate};
use clearcast_domain::dates::china_date;
use common::TestApp;
use serde_json::{json, Value};

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

#[tokio::test]
async fn a_forged_checkpoint_and_a_missing_show_stream_are_found() {
    let app = TestApp::spawn_demo().await;
    let reg = app.login("regulator", "regulator-demo-pass").await;
    assert_eq!(app.get("/api/v1/audit/verify", Some(&reg)).await.body["ok"], true);
    // Someone with database access drops old platform records and writes a checkpoint for them.
    let head: Value = app.get("/api/v1/records?limit=3", Some(&reg)).await.body["items"][2].clone();
    let hash = head["hash"].as_str().unwrap();
    app.db.execute("DROP TRIGGER IF EXISTS records_no_delete").await.ok();
    app.db.execute("ALTER TABLE records DISABLE TRIGGER records_no_change").await.ok();
    app.db.execute("DELETE FROM records WHERE stream = 'platform' AND seq <= 3").await.unwrap();
    app.db
        .execute(&format!(
            "INSERT INTO record_checkpoints (stream, through_seq, hash, archived_at, archive_file) VALUES ('platform', 3, '{hash}', '2026-11-25T04:00:00Z', 'x')"
        ))
        .await
        .unwrap();
    let check = app.get("/api/v1/audit/verify", Some(&reg)).await;
    assert_eq!(check.body["ok"], false, "{}", check.body);
    assert_eq!(check.body["problem"], "an archive checkpoint that no archive run put on record");
}

#[tokio::test]
async fn racing_transitions_of_a_show_have_one_winner() {
    let app = TestApp::spawn_demo().await;
    let room = app.login("xingguang", "room-demo-pass").await;
    let anchor = app.login("lijia", "anchor-demo-pass").await;
    let live = app.get("/api/v1/shows?status=live", None).await;
    let id = live.body["items"][0]["id"].as_str().unwrap().to_string();
    let pinned = live.body["items"][0]["pinned"]["id"].as_str().unwrap().to_string();
    // End (room) racing a pin (anchor), many times over: the show ends up ended, never "live with
    // an end record", and at most one end succeeds.
    let (end_url, pin_url) = (format!("/api/v1/shows/{id}/end"), format!("/api/v1/shows/{id}/pin"));
    let (a, b) = tokio::join!(
        app.post(&end_url, Some(&room), json!({})),
        app.post(&pin_url, Some(&anchor), json!({"lineup_item_id": pinned})),
    );
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(b.status == 200 || b.status == 409, "{}", b.body);
    let again = app.post(&format!("/api/v1/shows/{id}/end"), Some(&room), json!({})).await;
    assert_eq!(again.status, 409);
    let show = app.get(&format!("/api/v1/shows/{id}"), None).await;
    assert_eq!(show.body["status"], "ended");
    let op = app.login("operator", "operator-demo-pass").await;
    let recs = app.get(&format!("/api/v1/records?show={id}&limit=1000"), Some(&op)).await;
    let ends = recs.body["items"].as_array().unwrap().iter().filter(|r| r["action"] == "show.ended").count();
    assert_eq!(ends, 1);
    // Regulators do not follow; rooms do not follow themselves.
    let reg = app.login("regulator", "regulator-demo-pass").await;
    let rid = show.body["room_operator_id"].as_str().unwrap();
    assert_eq!(
        app.post(&format!("/api/v1/room-operators/{rid}/follow"), Some(&reg), json!({})).await.code(),
        "regulator_read_only"
    );
    assert_eq!(app.post(&format!("/api/v1/room-operators/{rid}/follow"), Some(&room), json!({})).await.field(), "id");
}

#[tokio::test]
async fn concurrent_starts_start_a_show_once() {
    let app = TestApp::spawn_demo().await;
    let room = app.login("xingguang", "room-demo-pass").await;
    let op = app.login("operator", "operator-demo-pass").await;
    // The scheduled show's anchor needs training before anything can be added; train him.
    let scheduled = app.get("/api/v1/shows?status=scheduled", None).await;
    let id = scheduled.body["items"][0]["id"].as_str().unwrap().to_string();
    let anchor = scheduled.body["items"][0]["roster"][0]["anchor_id"].as_str().unwrap().to_string();
    let t = app
        .post(
            &format!("/api/v1/anchors/{anchor}/training"),
            Some(&op),
            json!({"kind": "pre_first_show", "completed_on": "2026-11-20", "provider": "平台学院", "hours": 8}),
        )
        .await;
    assert_eq!(t.status, 201, "{}", t.body);
    let products = app.get("/api/v1/products", None).await;
    let buds = products.body["items"].as_array().unwrap().iter().find(|p| p["category"] == "electronics").unwrap()
        ["id"]
        .clone();
    let add = app
        .post(
            &format!("/api/v1/shows/{id}/lineup"),
            Some(&room),
            json!({"product_id": buds, "anchor_role": "advertising", "show_price_minor": 25900}),
        )
        .await;
    assert_eq!(add.status, 201, "{}", add.body);
    let url = format!("/api/v1/shows/{id}/start");
    let results = futures_join(&app, &url, &room, 6).await;
    assert_eq!(results.iter().filter(|s| **s == 200).count(), 1, "{results:?}");
    assert!(results.iter().all(|s| *s == 200 || *s == 409), "{results:?}");
    let recs = app.get(&format!("/api/v1/records?show={id}&limit=1000"), Some(&op)).await;
    let starts = recs.body["items"].as_array().unwrap().iter().filter(|r| r["action"] == "show.started").count();
    assert_eq!(starts, 1);
}

async fn futures_join(app: &TestApp, url: &str, token: &str, n: usize) -> Vec<u16> {
    let mut handles = Vec::new();
    for _ in 0..n {
        let (client, full, token) = (app.client.clone(), format!("{}{url}", app.base), token.to_string());
        handles.push(tokio::spawn(async move {
            client
                .post(full)
                .bearer_auth(token)
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

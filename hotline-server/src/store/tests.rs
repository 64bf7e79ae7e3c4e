//! Store tests on temporary files: opening, migrations, the writer, recovery, failures.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;
use serde_json::json;

use super::*;

fn temp_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/data/hotline.db");
    (dir, path)
}

fn new_call(id: &str, started_at_ms: i64) -> NewCall {
    NewCall {
        id: id.to_owned(),
        started_at_ms,
        caller: "13800138000".to_owned(),
        caller_e164: "+8613800138000".to_owned(),
        dnis: "12345".to_owned(),
        profile: "12345".to_owned(),
        flow: "12345".to_owned(),
        trunk: "local".to_owned(),
        transport: "udp".to_owned(),
        remote: "127.0.0.1:5062".to_owned(),
        caller_location: String::new(),
    }
}

fn end(id: &str, at_ms: i64, cause: &str) -> CallEnd {
    CallEnd {
        call_id: id.to_owned(),
        at_ms,
        cause: cause.to_owned(),
        digits: "1#".to_owned(),
        queue: Some("general".to_owned()),
    }
}

/// Deterministic noise (xorshift), enough to wreck a database file.
fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed as u8
        })
        .collect()
}

fn user_version(path: &Path) -> i64 {
    Connection::open(path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn open_creates_dirs_and_migrations_are_idempotent() {
    let (_dir, path) = temp_db();
    let store = Store::open(&path).unwrap();
    assert_eq!(store.path(), path);
    let mode: String = store
        .conn()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = store
        .conn()
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .unwrap();
    assert_eq!(fk, 1);
    drop(store);
    assert_eq!(user_version(&path), SCHEMA_VERSION);
    for _ in 0..2 {
        let store = Store::open(&path).unwrap();
        assert_eq!(store.open_call_count().unwrap(), 0);
    }
    assert_eq!(user_version(&path), SCHEMA_VERSION);
    let conn = Connection::open(&path).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        tables,
        [
            "agent_states",
            "audit_log",
            "blacklist",
            "call_events",
            "call_surveys",
            "callback_attempts",
            "callbacks",
            "caller_numbers",
            "callers",
            "calls",
            "campaign_calls",
            "campaign_targets",
            "campaigns",
            "cdrs",
            "department_contacts",
            "departments",
            "inbound_messages",
            "knowledge_fts",
            "knowledge_fts_config",
            "knowledge_fts_data",
            "knowledge_fts_docsize",
            "knowledge_fts_idx",
            "knowledge_items",
            "knowledge_versions",
            "notify_templates",
            "outbox",
            "pending_consultations",
            "pin_failures",
            "poll_answers",
            "recordings",
            "sessions",
            "ticket_attachments",
            "ticket_calls",
            "ticket_history",
            "ticket_links",
            "ticket_reminders",
            "ticket_sequences",
            "tickets",
            "tickets_fts",
            "tickets_fts_config",
            "tickets_fts_data",
            "tickets_fts_docsize",
            "tickets_fts_idx",
            "users",
            "voicemails"
        ]
    );
}

#[tokio::test]
async fn writer_records_a_whole_call() {
    let (_dir, path) = temp_db();
    let (writer, handle) = spawn_writer(&path).unwrap();
    writer.call_started(new_call("c1", 1_000));
    writer.call_event("c1", 1_000, "received", json!({}));
    writer.call_event("c1", 1_500, "dtmf", json!({ "digit": "1" }));
    writer.call_answered("c1", 3_000);
    writer.recording(NewRecording {
        call_id: "c1".to_owned(),
        path: "recordings/2026/c1.wav".into(),
        started_at_ms: 3_000,
        ended_at_ms: 63_000,
        channels: 2,
        kind: "call".into(),
    });
    writer.call_event("c1", 63_000, "ended", json!({ "cause": "caller hangup" }));
    writer.call_ended(end("c1", 63_000, "caller hangup"));
    writer.flush().await.unwrap();

    let store = Store::open(&path).unwrap();
    let call = store.call("c1").unwrap().unwrap();
    assert_eq!(call.state, CallState::Ended);
    assert_eq!(call.answered_at, Some(3_000));
    assert_eq!(call.ended_at, Some(63_000));
    assert_eq!(call.end_cause.as_deref(), Some("caller hangup"));
    assert_eq!(call.caller_e164, "+8613800138000");
    let events = store.call_events("c1").unwrap();
    let kinds: Vec<_> = events.iter().map(|e| e.kind.as_str()).collect();
    // State changes log no events of their own: the call task logs them once.
    assert_eq!(kinds, ["received", "dtmf", "ended"]);
    assert_eq!(events[1].at, 1_500);
    assert_eq!(events[1].detail, json!({ "digit": "1" }));
    assert_eq!(events[2].detail, json!({ "cause": "caller hangup" }));
    let cdr = store.cdr("c1").unwrap().unwrap();
    assert_eq!((cdr.duration_ms, cdr.talk_ms), (62_000, 60_000));
    assert_eq!(cdr.digits, "1#");
    assert_eq!(cdr.queue.as_deref(), Some("general"));
    assert_eq!(cdr.end_cause, "caller hangup");
    let recordings = store.recordings_for_call("c1").unwrap();
    assert_eq!(recordings.len(), 1);
    assert_eq!(recordings[0].kind, "call");
    assert_eq!(recordings[0].path, "recordings/2026/c1.wav");
    assert_eq!(recordings[0].channels, 2);
    assert!(store.call("nope").unwrap().is_none());
    assert!(store.cdr("nope").unwrap().is_none());
    handle.shutdown().await;
}

#[tokio::test]
async fn writer_batches_skip_bad_commands_and_flush_in_order() {
    let (_dir, path) = temp_db();
    let (writer, handle) = spawn_writer(&path).unwrap();
    let store = Store::open(&path).unwrap();
    // More than one batch, with rejected commands in the middle.
    for i in 0..1_200 {
        writer.call_started(new_call(&format!("c{i}"), i));
        if i % 100 == 0 {
            writer.call_event("no-such-call", i, "dtmf", json!({}));
            writer.call_started(new_call(&format!("c{i}"), i)); // duplicate id
        }
    }
    writer.call_answered("c7", 2_000);
    writer.call_answered("c7", 2_500); // not ringing any more: ignored
    writer.call_ended(end("c8", 3_000, "no answer"));
    writer.call_ended(end("c8", 3_500, "twice")); // already ended: ignored
    writer.recording(NewRecording {
        call_id: "c9".to_owned(),
        path: "x.wav".to_owned(),
        started_at_ms: 0,
        ended_at_ms: 1,
        channels: 1,
        kind: "bogus".to_owned(), // not a recording kind: rejected
    });
    writer.flush().await.unwrap();
    assert_eq!(store.open_call_count().unwrap(), 1_199);
    assert_eq!(store.call("c7").unwrap().unwrap().answered_at, Some(2_000));
    let cdr = store.cdr("c8").unwrap().unwrap();
    assert_eq!(
        (cdr.end_cause.as_str(), cdr.talk_ms, cdr.duration_ms),
        ("no answer", 0, 2_992)
    );
    assert!(store.call_events("c8").unwrap().is_empty());
    assert!(store.recordings_for_call("c9").unwrap().is_empty());
    let in_range = store.cdrs_between(0, 9).unwrap();
    assert_eq!(in_range.len(), 1);
    assert!(store.cdrs_between(9, 100).unwrap().is_empty());

    // A flush with nothing before it resolves too.
    writer.flush().await.unwrap();
    handle.shutdown().await;
    // After shutdown, sends are dropped and flush reports it.
    writer.call_started(new_call("late", 0));
    assert!(writer.flush().await.is_err());
    assert!(store.call("late").unwrap().is_none());
}

#[tokio::test]
async fn ten_thousand_event_burst_is_all_there() {
    let (_dir, path) = temp_db();
    let (writer, handle) = spawn_writer(&path).unwrap();
    writer.call_started(new_call("burst", 0));
    for i in 0..10_000 {
        writer.call_event("burst", i, "frame", json!({ "n": i }));
    }
    writer.flush().await.unwrap();
    let store = Store::open(&path).unwrap();
    let events = store.call_events("burst").unwrap();
    assert_eq!(events.len(), 10_000);
    assert!(
        events
            .iter()
            .enumerate()
            .all(|(i, e)| e.detail == json!({ "n": i }))
    );
    handle.shutdown().await;
}

#[test]
fn shutdown_commits_what_was_sent() {
    let (_dir, path) = temp_db();
    let (writer, handle) = spawn_writer(&path).unwrap();
    for i in 0..50 {
        writer.call_started(new_call(&format!("s{i}"), i));
    }
    handle.shutdown_blocking().unwrap();
    assert_eq!(Store::open(&path).unwrap().open_call_count().unwrap(), 50);
}

#[tokio::test]
async fn restart_recovery_closes_open_calls() {
    let (_dir, path) = temp_db();
    let (writer, handle) = spawn_writer(&path).unwrap();
    for id in ["ringing", "answered", "ended"] {
        writer.call_started(new_call(id, 1_000));
    }
    writer.call_answered("answered", 2_000);
    writer.call_ended(end("ended", 4_000, "caller hangup"));
    writer.flush().await.unwrap();
    handle.shutdown().await;

    let store = Store::open(&path).unwrap();
    assert_eq!(store.open_call_count().unwrap(), 2);
    assert_eq!(store.close_open_calls(10_000).unwrap(), 2);
    assert_eq!(store.open_call_count().unwrap(), 0);
    let answered = store.cdr("answered").unwrap().unwrap();
    assert_eq!(answered.end_cause, RESTART_CAUSE);
    assert_eq!((answered.duration_ms, answered.talk_ms), (9_000, 8_000));
    assert_eq!(store.cdr("ringing").unwrap().unwrap().talk_ms, 0);
    let last = store.call_events("ringing").unwrap().pop().unwrap();
    assert_eq!(last.kind, "ended");
    assert_eq!(last.detail, json!({ "cause": RESTART_CAUSE }));
    // The call that had ended keeps its own CDR.
    assert_eq!(
        store.cdr("ended").unwrap().unwrap().end_cause,
        "caller hangup"
    );
    assert_eq!(store.close_open_calls(11_000).unwrap(), 0);
}

#[test]
fn random_bytes_are_a_corrupt_database() {
    let (_dir, path) = temp_db();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, noise(64 * 1024, 0x9E37_79B9_7F4A_7C15)).unwrap();
    let err = Store::open(&path).err().unwrap();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    assert!(err.to_string().contains("corrupt"), "{err}");
    assert!(spawn_writer(&path).is_err());
}

#[tokio::test]
async fn damaged_pages_are_a_corrupt_database() {
    let (_dir, path) = temp_db();
    let (writer, handle) = spawn_writer(&path).unwrap();
    for i in 0..2_000 {
        writer.call_started(new_call(&format!("c{i}"), i));
    }
    writer.flush().await.unwrap();
    handle.shutdown().await;
    // Keep the header (page 1) intact, wreck the pages after it.
    let mut bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 64 * 1024, "{}", bytes.len());
    let wreck = noise(bytes.len() - 4096, 42);
    bytes[4096..].copy_from_slice(&wreck);
    std::fs::write(&path, bytes).unwrap();
    let err = Store::open(&path).err().unwrap();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
}

#[test]
fn locked_database_is_reported() {
    let (_dir, path) = temp_db();
    drop(Store::open(&path).unwrap());
    let other = Connection::open(&path).unwrap();
    other.execute_batch("BEGIN EXCLUSIVE; INSERT INTO call_events (call_id, at, kind) SELECT 'x', 0, 'x' WHERE 0;").unwrap();
    let err = Store::open_with_busy_timeout(&path, Duration::from_millis(100))
        .err()
        .unwrap();
    assert!(matches!(err, StoreError::Locked { .. }), "{err:?}");
    assert!(err.to_string().contains("another hotline-server"), "{err}");
    other.execute_batch("COMMIT").unwrap();
    Store::open_with_busy_timeout(&path, Duration::from_millis(100)).unwrap();
}

#[test]
fn newer_schema_is_refused() {
    let (_dir, path) = temp_db();
    drop(Store::open(&path).unwrap());
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let err = Store::open(&path).err().unwrap();
    assert!(
        matches!(err, StoreError::TooNew { found: 99, .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("schema version 99"), "{message}");
    assert!(
        message.contains(&format!("up to {SCHEMA_VERSION}")),
        "{message}"
    );
    // Left untouched.
    assert_eq!(user_version(&path), 99);
}

//! Which bridged calls are recorded, and how, with real calls and real agent sessions: a mixed
//! (mono) recording holds both sides in one channel; the `selected` policy records the agents
//! it lists and no one else; `none` records nothing while the call itself goes on as ever; a
//! recording whose file cannot be made is counted and reported, and not indexed.

use std::path::PathBuf;
use std::time::Duration;

use hotline_e2e::TestServer;
use hotline_e2e::audio::{hears, tone_file};
use hotline_e2e::people::{add_agent, caller_args, wait_ready};
use hotline_server::cli::test_call::place_call;
use hotline_server::config::{RecordingLayout, RecordingPolicy};

const PASSWORD: &str = "agent password 1";

/// `agent` answers one call from `caller` with a 600 Hz voice against the caller's 1 kHz;
/// returns the call's recording rows (path, channels) and what the agent heard.
async fn one_call(server: &TestServer, agent: &str, caller: &str) -> (Vec<(String, i64)>, PathBuf) {
    let dir = server.dir.path();
    let heard = dir.join(format!("{agent}-heard.wav"));
    let args = agent_tui::Args {
        play: Some(tone_file(dir, "agent.wav", 600.0)),
        record: Some(heard.clone()),
        answer_after: 0.3,
        hangup_after: 0.0,
        calls: 1,
        ..hotline_e2e::headless_agent(server, agent, PASSWORD)
    };
    let session = tokio::spawn(async move { agent_tui::headless::run(&args).await });
    wait_ready(server, agent).await;
    let mut call = caller_args(server, caller, 12.0);
    call.play = Some(tone_file(dir, "caller.wav", 1000.0));
    let report = place_call(&call).await.expect("call");
    assert!(report.answered, "{report}");
    tokio::time::timeout(Duration::from_secs(15), session)
        .await
        .expect("agent finished")
        .expect("agent task")
        .expect("headless agent ran");
    server.wait_idle(Duration::from_secs(5)).await;
    let db = server.db().await;
    let mut st = db
        .prepare(
            "SELECT r.path, r.channels FROM recordings r JOIN calls c ON c.id = r.call_id \
             WHERE c.caller = ?1 AND r.kind = 'call'",
        )
        .expect("prepare");
    let rows = st
        .query_map([caller], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .map(|r| r.expect("row"))
        .collect();
    (rows, heard)
}

/// The agent heard the caller: the call was bridged whatever the recording policy.
fn agent_heard_the_caller(heard: &std::path::Path) {
    let (_, samples) =
        hotline_media::read_wav(&std::fs::read(heard).expect("agent heard")).expect("wav");
    assert!(
        samples.len() > 8000 * 2,
        "agent heard {} samples",
        samples.len()
    );
    let mid = &samples[samples.len() / 4..samples.len() * 3 / 4];
    assert_eq!(
        hotline_media::dominant_frequency(mid, &[600.0, 1000.0], 8000),
        Some(1000.0),
        "the agent did not hear the caller"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mixed_recording_holds_both_sides_in_one_channel() {
    let server = TestServer::start(|c| c.recording.layout = RecordingLayout::Mixed).await;
    add_agent(&server, "mixdesk", PASSWORD);
    let (rows, heard) = one_call(&server, "mixdesk", "13900000101").await;
    agent_heard_the_caller(&heard);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].1, 1, "one channel in the index");
    let (info, samples) =
        hotline_media::read_wav(&std::fs::read(&rows[0].0).expect("recording")).expect("wav");
    assert_eq!(info.channels, 1, "one channel in the file");
    assert!(
        samples.len() > 8000 * 3,
        "recording too short: {}",
        samples.len()
    );
    let mid = &samples[samples.len() / 4..samples.len() * 3 / 4];
    // Both voices, within 20 dB of each other.
    assert!(
        hears(mid, 600.0, 1000.0),
        "the agent is missing from the mix"
    );
    assert!(
        hears(mid, 1000.0, 600.0),
        "the caller is missing from the mix"
    );
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_selected_policy_records_listed_agents_only() {
    let server = TestServer::start(|c| {
        c.recording.policy = RecordingPolicy::Selected;
        c.recording.agents = vec!["listed".into()];
    })
    .await;
    add_agent(&server, "unlisted", PASSWORD);
    add_agent(&server, "listed", PASSWORD);
    let (rows, heard) = one_call(&server, "unlisted", "13900000102").await;
    agent_heard_the_caller(&heard);
    assert!(
        rows.is_empty(),
        "an unlisted agent's call was recorded: {rows:?}"
    );
    let (rows, _) = one_call(&server, "listed", "13900000103").await;
    assert_eq!(
        rows.len(),
        1,
        "the listed agent's call is recorded: {rows:?}"
    );
    assert_eq!(rows[0].1, 2);
    assert!(std::path::Path::new(&rows[0].0).is_file());
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_none_policy_records_nothing() {
    let server = TestServer::start(|c| c.recording.policy = RecordingPolicy::None).await;
    add_agent(&server, "quietdesk", PASSWORD);
    let (rows, heard) = one_call(&server, "quietdesk", "13900000104").await;
    agent_heard_the_caller(&heard);
    assert!(rows.is_empty(), "{rows:?}");
    let files = walk(&server.running.context.recordings_dir);
    assert!(files.is_empty(), "files were written: {files:?}");
    server.running.shutdown().await;
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .flat_map(|e| {
            let p = e.path();
            if p.is_dir() { walk(&p) } else { vec![p] }
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recording_that_cannot_be_made_is_counted_and_not_indexed() {
    let server = TestServer::start(|_| {}).await;
    add_agent(&server, "diskdesk", PASSWORD);
    // A file where the recordings folder should be: no recording can be created under it.
    let folder = &server.running.context.recordings_dir;
    let _ = std::fs::remove_dir_all(folder);
    std::fs::write(folder, b"not a folder").expect("block the folder");
    let (rows, heard) = one_call(&server, "diskdesk", "13900000105").await;
    agent_heard_the_caller(&heard);
    assert!(rows.is_empty(), "a row points at no file: {rows:?}");
    let events = server.events_of_latest_call().await;
    let failed: Vec<_> = events
        .iter()
        .filter(|(k, _)| k == "recording_failed")
        .collect();
    assert_eq!(failed.len(), 1, "{events:?}");
    assert!(
        failed[0].1["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{failed:?}"
    );
    let metrics: serde_json::Value = reqwest::get(format!("http://{}/metrics", server.running.api))
        .await
        .expect("metrics")
        .json()
        .await
        .expect("json");
    assert_eq!(metrics["recordings_failed"], 1);
    // The call itself is on record as usual.
    let db = server.db().await;
    let cdrs: i64 = db
        .query_row("SELECT COUNT(*) FROM cdrs", [], |r| r.get(0))
        .expect("cdrs");
    assert_eq!(cdrs, 1);
    server.running.shutdown().await;
}

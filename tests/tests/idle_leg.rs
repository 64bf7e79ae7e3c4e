//! An idle agent's WebRTC leg sends no audio (issue 3: server CPU per logged-in agent) and
//! still stays up: a headless agent logs in and waits longer than the hub's silence limit
//! (only ICE consent checks keep the leg alive); the server's `GET /metrics` counts no frames
//! from it and still holds its leg. A real call is then answered and the caller hears the
//! agent's 600 Hz; after it the agent is idle again and the frames stop; a second call after
//! that pause is heard as well (the stream resumes cleanly).
//!
//! The same for the interactive `agent-tui` in a real terminal (tmux), whose microphone is
//! a file backend playing 600 Hz: idle after log-in and in wrap-up, heard while connected.
//!
//! `HOTLINE_IDLE_LEG_SECS` lengthens the first idle wait (default 8 s), e.g. to 180 to see a
//! leg stay up for minutes.

use std::path::Path;
use std::time::Duration;

use hotline_e2e::TestServer;
use hotline_e2e::agent_terminal::{LONG, logged_in};
use hotline_e2e::audio::tone_file;
use hotline_e2e::people::{add_agent, caller_args, wait_ready};
use hotline_server::cli::test_call::place_call;

const PASSWORD: &str = "correct horse battery";

use hotline_e2e::hub_metrics as metrics;

/// Waits `secs` with the agent idle; the server must get (almost) no frames from it and
/// keep its leg. A few frames may still be on the wire when the wait starts.
async fn idle_for(server: &TestServer, secs: u64, what: &str) {
    let (before, _) = metrics(server).await;
    tokio::time::sleep(Duration::from_secs(secs)).await;
    let (after, legs) = metrics(server).await;
    assert!(
        after - before <= 2,
        "{what}: the server got {} frames in {secs} s from an idle agent",
        after - before
    );
    assert_eq!(legs, 1, "{what}: the idle agent's leg is gone");
}

/// Places a call of `secs` to 12345 that records what it hears; checks the agent's 600 Hz
/// was heard and that the server got the agent's frames meanwhile.
async fn call_is_heard(server: &TestServer, dir: &Path, from: &str, secs: f64) {
    call_is_heard_answered_by(server, dir, from, secs, async {}).await;
}

/// [`call_is_heard`], with `answer` run while the call is up (an agent at a terminal).
async fn call_is_heard_answered_by(
    server: &TestServer,
    dir: &Path,
    from: &str,
    secs: f64,
    answer: impl std::future::Future<Output = ()>,
) {
    let heard_file = dir.join(format!("caller-{from}.wav"));
    let (before, _) = metrics(server).await;
    let call = hotline_server::cli::test_call::CallArgs {
        record: Some(heard_file.clone()),
        ..caller_args(server, from, secs)
    };
    let (report, ()) = tokio::join!(place_call(&call), answer);
    let report = report.expect("call");
    assert!(report.answered, "{report}");
    // (The agent may log out as soon as its last call ends: its leg is not checked here.)
    let (after, _) = metrics(server).await;
    // The agent talked for most of the call: 50 frames a second.
    assert!(
        after - before >= 100,
        "{from}: only {} frames from the agent during the call",
        after - before
    );
    let heard =
        hotline_media::read_wav_8k_mono(&std::fs::read(&heard_file).expect("caller recording"))
            .expect("wav");
    let tail = &heard[heard.len().saturating_sub(16_000)..heard.len().saturating_sub(4000)];
    assert_eq!(
        hotline_media::dominant_frequency(tail, &[600.0, 1000.0], 8000),
        Some(600.0),
        "{from}: the caller did not hear the agent (rms {})",
        hotline_media::rms(tail)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_agent_leg_sends_nothing_stays_up_and_talks_on_calls() {
    let server = TestServer::start(|_| {}).await;
    add_agent(&server, "idle1", PASSWORD);
    let dir = server.dir.path().to_owned();
    let agent_args = agent_tui::Args {
        play: Some(tone_file(&dir, "agent.wav", 600.0)),
        record: None,
        answer_after: 0.3,
        hangup_after: 0.0,
        calls: 2,
        hold_after: 0.0,
        hold_for: 0.0,
        ..hotline_e2e::headless_agent(&server, "idle1", PASSWORD)
    };
    let agent = tokio::spawn(async move { agent_tui::headless::run(&agent_args).await });
    wait_ready(&server, "idle1").await;

    // Longer than the hub's silence limit (5 s): only ICE consent keeps the leg.
    let idle_secs = std::env::var("HOTLINE_IDLE_LEG_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(8);
    idle_for(&server, idle_secs, "after log-in").await;

    call_is_heard(&server, &dir, "13800138101", 14.0).await;
    wait_ready(&server, "idle1").await;
    // Let the last frames of the call drain before counting.
    tokio::time::sleep(Duration::from_millis(500)).await;
    idle_for(&server, 6, "after the first call").await;

    call_is_heard(&server, &dir, "13800138102", 14.0).await;
    let done = tokio::time::timeout(Duration::from_secs(15), agent)
        .await
        .expect("agent finished its two calls")
        .expect("agent task");
    done.expect("headless agent ran");
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_terminal_agent_sends_its_voice_only_on_a_call() {
    let server = TestServer::start(|_| {}).await;
    add_agent(&server, "tuiidle", PASSWORD);
    let dir = server.dir.path().to_owned();
    let voice = tone_file(&dir, "agent.wav", 600.0);
    let audio = format!("--audio file --play {}", voice.display());
    let tui = logged_in(&server, "tuiidle", PASSWORD, &audio).await;
    idle_for(&server, 6, "logged in, not ready").await;
    tui.keys(&["F2"]);
    wait_ready(&server, "tuiidle").await;
    idle_for(&server, 6, "ready").await;

    let answer = async {
        tui.wait_text("Incoming call", LONG).await;
        tui.keys(&["F4"]);
        tui.wait_text("Connected", LONG).await;
    };
    call_is_heard_answered_by(&server, &dir, "13800138103", 14.0, answer).await;
    // The caller hung up: the seat is in wrap-up, with no call.
    let mut wrap_up = false;
    for _ in 0..150 {
        let state = server
            .running
            .context
            .distributor
            .agent_state("tuiidle")
            .await;
        if matches!(state, Some(hotline_server::acd::AgentState::WrapUp { .. })) {
            wrap_up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(wrap_up, "the agent never went to wrap-up");
    tokio::time::sleep(Duration::from_millis(500)).await;
    idle_for(&server, 6, "wrap-up").await;
    drop(tui);
    server.running.shutdown().await;
}

//! A real `agent-tui --headless` process dies, or freezes, while a call rings at it: the call
//! goes back to the head of the queue and rings the next agent within 2 s. Killed, its socket
//! closes; frozen (SIGSTOP: the process stops, the kernel keeps its TCP connection open, a
//! half-open client) only the server's heartbeat can tell.

use std::process::Stdio;
use std::time::{Duration, Instant};

use hotline_e2e::TestServer;
use hotline_e2e::people::{add_agent, caller_args, wait_ready};
use hotline_protocol::{self as proto, Command, Event};
use hotline_server::acd::AgentState;
use hotline_server::cli::test_call::place_call;
use hotline_tui::client::Client;

const PASSWORD: &str = "agent password 1";

/// What the issue asks: the call rings the next agent within 2 s of the workstation's end.
const WITHIN: Duration = Duration::from_secs(2);
/// Room for a loaded 2-core machine on top.
const SLACK: Duration = Duration::from_millis(1500);

/// How the first agent's process ends.
#[derive(Debug, Clone, Copy)]
enum Fate {
    Killed,
    Frozen,
}

/// `agent-tui --headless` as `user`, a child process that lets calls ring (never answers).
fn headless_agent(server: &TestServer, user: &str) -> tokio::process::Child {
    let bin = hotline_e2e::tmux::binary("agent-tui", "agent-tui");
    tokio::process::Command::new(bin)
        .args(["--headless", "--server"])
        .arg(format!("ws://{}/ws", server.running.api))
        .args(["--user", user, "--password", PASSWORD])
        .args(["--answer-after", "120", "--calls", "1"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("agent-tui starts")
}

/// Sends a signal to a process by its id (the `kill` command, as an operator would).
fn signal(pid: u32, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(ok.success(), "kill {sig} {pid}");
}

/// Waits (20 s at most) until `name` rings.
async fn wait_ringing(server: &TestServer, name: &str) {
    for _ in 0..400 {
        let state = server.running.context.distributor.agent_state(name).await;
        if matches!(state, Some(AgentState::Ringing { .. })) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{name} never rang");
}

/// The agents the call from `caller` was connected to, in order.
async fn connected_agents(server: &TestServer, caller: &str) -> Vec<String> {
    let db = server.db().await;
    let mut st = db
        .prepare(
            "SELECT e.detail FROM call_events e JOIN calls c ON c.id = e.call_id \
             WHERE c.caller = ?1 AND e.kind = 'connected' ORDER BY e.id",
        )
        .expect("prepare");
    st.query_map([caller], |r| r.get::<_, String>(0))
        .expect("query")
        .map(|d| {
            let d: serde_json::Value = serde_json::from_str(&d.expect("row")).expect("json");
            d["agent"].as_str().unwrap_or("").to_owned()
        })
        .collect()
}

/// The second agent: the workstations' own client (it always reads, so it answers the
/// server's pings), logged in, not ready yet.
async fn backup_agent(server: &TestServer, name: &str) -> Client {
    let mut c = Client::connect(&format!("ws://{}/ws", server.running.api))
        .await
        .expect("connect");
    c.call(Command::Login {
        user: name.into(),
        password: PASSWORD.into(),
        client: proto::ClientKind::Other,
        resume_token: None,
    })
    .await
    .expect("log-in");
    c
}

/// The first agent (a real process) is ringing when it meets `fate`; returns how long the
/// call took to ring the second agent after that.
async fn call_outlives_its_agent(fate: Fate, caller: &str) -> Duration {
    let server = TestServer::start(|_| {}).await;
    add_agent(&server, "first", PASSWORD);
    add_agent(&server, "second", PASSWORD);
    let mut first = headless_agent(&server, "first");
    let pid = first.id().expect("agent-tui pid");
    wait_ready(&server, "first").await;
    let mut second = backup_agent(&server, "second").await;

    let call = tokio::spawn({
        let args = caller_args(&server, caller, 20.0);
        async move { place_call(&args).await }
    });
    wait_ringing(&server, "first").await;
    // The second agent turns ready only now, so the call could only have rung the first.
    second.call(Command::SetReady).await.expect("ready");
    wait_ready(&server, "second").await;

    let ended = Instant::now();
    match fate {
        Fate::Killed => first.start_kill().expect("SIGKILL"),
        Fate::Frozen => signal(pid, "-STOP"),
    }
    let call_id = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            if let Event::CallOffered { call_id, .. } = second.event().await.expect("event") {
                return call_id;
            }
        }
    })
    .await
    .expect("the call never rang the second agent");
    let took = ended.elapsed();
    eprintln!("{fate:?}: the call rang the second agent {took:?} after");
    if let Fate::Frozen = fate {
        signal(pid, "-CONT");
        let _ = first.start_kill();
    }
    let _ = first.wait().await;

    // The second agent answers and talks a moment: the call is whole.
    second
        .call(Command::Answer {
            call_id: call_id.clone(),
        })
        .await
        .expect("answer");
    tokio::time::sleep(Duration::from_secs(1)).await;
    second
        .call(Command::Hangup { call_id })
        .await
        .expect("hang up");
    let report = call.await.expect("caller task").expect("call");
    assert!(report.answered, "{report}");
    server.wait_idle(Duration::from_secs(10)).await;
    assert_eq!(
        connected_agents(&server, caller).await,
        vec!["second".to_owned()]
    );
    let rows = hotline_e2e::answered_calls(&server.db().await);
    assert_eq!(rows.len(), 1, "one call record, answered: {rows:?}");
    assert_eq!(rows[0].1, "second", "{rows:?}");
    let state = server
        .running
        .context
        .distributor
        .agent_state("first")
        .await;
    assert!(
        matches!(state, Some(AgentState::NotReady { .. })),
        "the dead seat must not get calls: {state:?}"
    );
    second.close().await;
    server.running.shutdown().await;
    took
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_agent_process_hands_its_ringing_call_on_within_2_s() {
    let took = call_outlives_its_agent(Fate::Killed, "13900000081").await;
    assert!(
        took <= WITHIN + SLACK,
        "the call rang the next agent {took:?} after the kill"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_agent_process_is_found_out_by_the_heartbeat_within_2_s() {
    let took = call_outlives_its_agent(Fate::Frozen, "13900000082").await;
    assert!(
        took <= WITHIN + SLACK,
        "the call rang the next agent {took:?} after the freeze"
    );
}

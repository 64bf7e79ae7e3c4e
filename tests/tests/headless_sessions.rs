//! `agent-tui --headless --sessions 3`: three agents in one process and one runtime, each with
//! its own WebSocket log-in (`sess1`..`sess3`, passwords from the `{n}` pattern) and WebRTC leg.
//! Three callers at once are all answered, each hears the sessions' shared 600 Hz voice, and
//! the three CDRs name three different agents.

use std::collections::BTreeSet;
use std::time::Duration;

use hotline_e2e::TestServer;
use hotline_e2e::people::{add_agent, three_callers_hear_600, wait_ready};

const PASSWORD: &str = "session {n} password";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_sessions_in_one_process_answer_three_callers() {
    let server = TestServer::start(|_| {}).await;
    for i in 1..=3 {
        let (user, password) = agent_tui::headless::session_login("sess", PASSWORD, i);
        add_agent(&server, &user, &password);
    }
    let agent_args = agent_tui::Args {
        sessions: 3,
        answer_after: 0.2,
        hangup_after: 0.0,
        calls: 1,
        ..hotline_e2e::headless_agent(&server, "sess", PASSWORD)
    };
    let agents = tokio::spawn(async move { agent_tui::headless::run(&agent_args).await });
    for user in ["sess1", "sess2", "sess3"] {
        wait_ready(&server, user).await;
    }

    three_callers_hear_600(&server, None).await;
    tokio::time::timeout(Duration::from_secs(15), agents)
        .await
        .expect("every session finished its call")
        .expect("sessions task")
        .expect("every session ran without error");
    server.wait_idle(Duration::from_secs(5)).await;

    let rows = hotline_e2e::answered_calls(&server.db().await);
    assert_eq!(rows.len(), 3, "{rows:?}");
    let agents: BTreeSet<String> = rows
        .into_iter()
        .map(|(cause, agent)| {
            assert_eq!(cause, "caller hangup");
            agent
        })
        .collect();
    assert_eq!(
        agents,
        BTreeSet::from(["sess1", "sess2", "sess3"].map(str::to_owned))
    );
    server.running.shutdown().await;
}

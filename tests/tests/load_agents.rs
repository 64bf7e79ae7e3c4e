//! `load-agents --sessions 3`: the cheap str0m load agent, run as the built binary, logs in
//! three agents (`str1`..`str3`, passwords from the `{n}` pattern), each with its own WebRTC
//! leg. Three callers at once, each speaking 1 kHz, are all answered: every agent prints one
//! call line having heard voiced frames, every caller hears the agents' 600 Hz tone, and the
//! three CDRs name three different agents.

use std::collections::BTreeSet;
use std::process::Stdio;
use std::time::Duration;

use hotline_e2e::TestServer;
use hotline_e2e::people::{add_agent, three_callers_hear_600, wait_ready};

const PASSWORD: &str = "str0m {n} password";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_str0m_sessions_answer_three_callers() {
    let server = TestServer::start(|_| {}).await;
    for i in 1..=3 {
        let (user, password) = agent_tui::headless::session_login("str", PASSWORD, i);
        add_agent(&server, &user, &password);
    }
    let agents = tokio::process::Command::new(env!("CARGO_BIN_EXE_load-agents"))
        .args(["--server", &format!("ws://{}/ws", server.running.api)])
        .args(["--user", "str", "--password", PASSWORD])
        .args(["--sessions", "3", "--calls", "1", "--answer-after", "0.2"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("load-agents starts");
    for user in ["str1", "str2", "str3"] {
        wait_ready(&server, user).await;
    }

    let voice = hotline_e2e::audio::tone_file(server.dir.path(), "caller-1k.wav", 1000.0);
    three_callers_hear_600(&server, Some(voice)).await;

    let out = tokio::time::timeout(Duration::from_secs(20), agents.wait_with_output())
        .await
        .expect("every session finished its call")
        .expect("load-agents output");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Shown with --nocapture: what a load run sees.
    eprintln!("{stdout}{stderr}");
    assert!(out.status.success(), "{}\n{stdout}\n{stderr}", out.status);
    assert!(!stderr.contains("WebRTC leg failed"), "{stderr}");
    assert_eq!(
        stderr.lines().filter(|l| l.ends_with(" ready")).count(),
        3,
        "{stderr}"
    );
    // `str2: call c-… talked=12.3s ended=CallerHangup heard=600/612`
    let mut users = BTreeSet::new();
    for line in stdout.lines() {
        let (user, rest) = line.split_once(": call ").expect("a call line");
        let heard = rest.rsplit_once(" heard=").expect("heard=").1;
        let (voiced, frames) = heard.split_once('/').expect("voiced/frames");
        let voiced: u64 = voiced.parse().expect("voiced");
        let frames: u64 = frames.parse().expect("frames");
        assert!(rest.contains("ended=CallerHangup"), "{line}");
        // The caller's 1 kHz reached the agent: most frames were voiced.
        assert!(frames > 100 && voiced * 2 > frames, "{line}");
        users.insert(user.to_owned());
    }
    assert_eq!(
        users,
        BTreeSet::from(["str1", "str2", "str3"].map(str::to_owned)),
        "{stdout}"
    );
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
        BTreeSet::from(["str1", "str2", "str3"].map(str::to_owned))
    );
    server.running.shutdown().await;
}

//! Accounts, agent states and callers for whole-system tests.

use std::collections::BTreeMap;
use std::time::Duration;

use hotline_server::acd::AgentState;
use hotline_server::auth::{Actor, Auth, AuthPolicy, NewAccount};
use hotline_server::cli::test_call::CallArgs;

use crate::TestServer;

/// Adds an account with `role` and skill `general` (level 5).
pub fn add_user(server: &TestServer, name: &str, role: hotline_protocol::Role, password: &str) {
    let auth = Auth::new(&server.running.db_path, AuthPolicy::default()).expect("auth");
    let mut account = NewAccount::new(name, role, password);
    account.skills = BTreeMap::from([("general".to_owned(), 5u8)]);
    auth.add_user(&account, &Actor::cli(), 0).expect("add user");
}

/// Adds an agent with skill `general`, the queue the 12345 flow sends callers to.
pub fn add_agent(server: &TestServer, name: &str, password: &str) {
    add_user(server, name, hotline_protocol::Role::Agent, password);
}

/// Waits (15 s at most) until the ACD holds `name` in state `want`.
pub async fn wait_state(server: &TestServer, name: &str, want: &AgentState) {
    for _ in 0..150 {
        if server
            .running
            .context
            .distributor
            .agent_state(name)
            .await
            .as_ref()
            == Some(want)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{name} never reached {want:?}");
}

pub async fn wait_ready(server: &TestServer, name: &str) {
    wait_state(server, name, &AgentState::Ready).await;
}

/// A caller from `from` to 12345 (agent first) who stays `secs` seconds, silent and unrecorded
/// unless the test sets `play` / `record`.
pub fn caller_args(server: &TestServer, from: &str, secs: f64) -> CallArgs {
    CallArgs {
        to: "12345".into(),
        from: from.into(),
        server: server.sip(),
        dtmf: String::new(),
        dtmf_delay: 0.0,
        play: None,
        record: None,
        duration: secs,
        codec: None,
        inband: false,
    }
}

/// Adds many agents at once, each `(name, skills)` (level 5), their passwords hashed at the
/// cheapest cost (log-in checks against the stored cost, so hundreds log in quickly). Load
/// runs only.
pub fn add_agents_in_bulk(server: &TestServer, agents: &[(String, Vec<String>)], password: &str) {
    let policy = AuthPolicy {
        password_cost: hotline_server::auth::PasswordCost::MINIMAL,
        ..AuthPolicy::default()
    };
    let auth = Auth::new(&server.running.db_path, policy).expect("auth");
    for (name, skills) in agents {
        let mut account = NewAccount::new(name, hotline_protocol::Role::Agent, password);
        account.skills = skills.iter().map(|s| (s.clone(), 5u8)).collect();
        auth.add_user(&account, &Actor::cli(), 0).expect("add user");
    }
}

/// Three callers (13800138001…3) dial 12345 at once and stay 14 s, speaking `voice` if given;
/// each must be answered and hear an agent's 600 Hz at the end of the call (the 12345 welcome
/// plays first).
pub async fn three_callers_hear_600(server: &TestServer, voice: Option<std::path::PathBuf>) {
    let dir = server.dir.path().to_owned();
    let mut callers = Vec::new();
    for i in 1..=3 {
        let heard = dir.join(format!("caller{i}-heard.wav"));
        let call = CallArgs {
            record: Some(heard.clone()),
            play: voice.clone(),
            ..caller_args(server, &format!("1380013800{i}"), 14.0)
        };
        callers.push(tokio::spawn(async move {
            (
                hotline_server::cli::test_call::place_call(&call)
                    .await
                    .expect("call"),
                heard,
            )
        }));
    }
    for caller in callers {
        let (report, heard) = caller.await.expect("caller task");
        assert!(report.answered, "{report}");
        let samples =
            hotline_media::read_wav_8k_mono(&std::fs::read(&heard).expect("caller recording"))
                .expect("wav");
        let tail =
            &samples[samples.len().saturating_sub(16_000)..samples.len().saturating_sub(4000)];
        assert_eq!(
            hotline_media::dominant_frequency(tail, &[600.0, 1000.0], 8000),
            Some(600.0),
            "{} did not hear the agent (rms {})",
            heard.display(),
            hotline_media::rms(tail)
        );
    }
}

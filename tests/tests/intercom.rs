//! A supervisor calls an agent (内部呼叫) over both WebRTC legs: the supervisor's workstation
//! plays 1,600 Hz, the agent's 600 Hz; each must hear the other. The agent is offered the call
//! from queue `supervisor` after going not ready (`intercom`), gets their state back when the
//! supervisor hangs up, can take a real SIP call afterwards, and may not be called while on it.

use std::time::{Duration, Instant};

use hotline_e2e::TestServer;
use hotline_e2e::audio::{power, tone_file};
use hotline_e2e::console::Console;
use hotline_e2e::people::{add_user, caller_args, wait_ready};
use hotline_protocol::{self as proto, Command, Event};
use hotline_server::acd::AgentState;
use hotline_server::cli::test_call::place_call;

const PASSWORD: &str = "correct horse battery";
/// How long the two talk.
const TALK: Duration = Duration::from_secs(3);
/// Cut from each end of the window: the jitter buffers take a moment.
const MARGIN: Duration = Duration::from_millis(500);

/// `freq` stands 20 dB over an unrelated frequency (no tone is near 1,100 Hz).
fn clear(samples: &[i16], freq: f32) -> bool {
    power(samples, freq) > power(samples, 1100.0) * 100.0
}

/// Sends `cmd` until the server has the session's media leg (it arrives shortly after it is up).
async fn call_with_leg(console: &mut Console, cmd: Command) {
    for _ in 0..50 {
        match console.call(cmd.clone()).await {
            Ok(_) => return,
            Err(e) if e.message.contains("no media leg") => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("{}: {e:?}", cmd.name()),
        }
    }
    panic!("{}: the media leg never arrived", cmd.name());
}

/// Waits (15 s at most) until the ACD has `name` on a call.
async fn on_call(server: &TestServer, name: &str) {
    for _ in 0..150 {
        let state = server.running.context.distributor.agent_state(name).await;
        if matches!(state, Some(AgentState::OnCall { .. })) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{name} never got on a call");
}

/// The `call_agent` audit rows of `user`: target and whether it was carried out.
async fn call_agent_audits(server: &TestServer, user: &str) -> Vec<(String, bool)> {
    let db = server.db().await;
    let mut st = db
        .prepare("SELECT target, detail FROM audit_log WHERE user = ?1 AND action = 'call_agent' ORDER BY id")
        .expect("prepare");
    st.query_map([user], |r| {
        let detail: String = r.get(1)?;
        let detail: serde_json::Value = serde_json::from_str(&detail).expect("json");
        Ok((r.get(0)?, detail["ok"].as_bool().unwrap_or(false)))
    })
    .expect("query")
    .map(|r| r.expect("row"))
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_calls_an_agent_and_they_hear_each_other() {
    let server = TestServer::start(|_| {}).await;
    add_user(&server, "agent5", proto::Role::Agent, PASSWORD);
    add_user(&server, "coach", proto::Role::Supervisor, PASSWORD);
    let dir = server.dir.path().to_owned();
    let api = server.running.api;

    let mut agent = Console::login(api, "agent5", PASSWORD, proto::ClientKind::Other).await;
    agent
        .start_media(
            tone_file(&dir, "agent.wav", 600.0),
            dir.join("agent-heard.wav"),
        )
        .await;
    agent.call(Command::SetReady).await.expect("ready");
    let mut sup = Console::login(api, "coach", PASSWORD, proto::ClientKind::SupervisorTui).await;
    sup.start_media(
        tone_file(&dir, "coach.wav", 1600.0),
        dir.join("coach-heard.wav"),
    )
    .await;
    wait_ready(&server, "agent5").await;

    let target = proto::AgentId("agent5".into());
    call_with_leg(
        &mut sup,
        Command::CallAgent {
            agent_id: target.clone(),
        },
    )
    .await;

    // Not ready (intercom) first, then the offer from queue `supervisor`: the first of the two
    // to arrive must be the state.
    let is_intercom_state = |e: &Event| matches!(e, Event::AgentState { state: proto::AgentState::NotReady { reason }, .. } if reason.code == "intercom");
    let first = agent
        .wait_for("not ready (intercom)", Duration::from_secs(5), |e| {
            is_intercom_state(e) || matches!(e, Event::CallOffered { .. })
        })
        .await;
    assert!(
        is_intercom_state(&first),
        "the state comes first: {first:?}"
    );
    let offer = agent
        .wait_for("the offer", Duration::from_secs(5), |e| {
            matches!(e, Event::CallOffered { .. })
        })
        .await;
    let Event::CallOffered {
        call_id,
        queue,
        waited_ms,
        ..
    } = offer
    else {
        unreachable!("matched above");
    };
    assert_eq!((queue.as_str(), waited_ms), ("supervisor", 0));

    call_with_leg(
        &mut agent,
        Command::Answer {
            call_id: call_id.clone(),
        },
    )
    .await;
    let is_connected = |e: &Event| {
        matches!(
            e,
            Event::CallState {
                state: proto::CallState::Connected,
                direction: proto::Direction::Internal,
                ..
            }
        )
    };
    agent
        .wait_for("connected", Duration::from_secs(5), is_connected)
        .await;
    sup.wait_for("connected", Duration::from_secs(5), is_connected)
        .await;
    let start = Instant::now();
    tokio::time::sleep(TALK).await;
    let end = Instant::now();

    sup.call(Command::Hangup {
        call_id: call_id.clone(),
    })
    .await
    .expect("hang up");
    let is_ended = |e: &Event| matches!(e, Event::CallState { state: proto::CallState::Ended { .. }, call_id: c, .. } if *c == call_id);
    agent
        .wait_for("ended", Duration::from_secs(5), is_ended)
        .await;
    sup.wait_for("ended", Duration::from_secs(5), is_ended)
        .await;
    wait_ready(&server, "agent5").await;

    let until = end
        .checked_sub(MARGIN)
        .expect("the talk lasts longer than the margin");
    let at_agent = agent.heard_between(start + MARGIN, until);
    let at_sup = sup.heard_between(start + MARGIN, until);
    assert!(
        at_agent.len() > 800,
        "the agent heard only {} samples",
        at_agent.len()
    );
    assert!(clear(&at_agent, 1600.0), "the agent hears the supervisor");
    assert!(
        power(&at_agent, 600.0) * 100.0 < power(&at_agent, 1600.0),
        "the agent does not hear themself"
    );
    assert!(clear(&at_sup, 600.0), "the supervisor hears the agent");
    assert!(
        power(&at_sup, 1600.0) * 100.0 < power(&at_sup, 600.0),
        "the supervisor does not hear themself"
    );

    // After the internal call the agent takes a real call; while on it they may not be called.
    let args = caller_args(&server, "13800138000", 20.0);
    let caller = tokio::spawn(async move { place_call(&args).await });
    let offer = agent
        .wait_for(
            "a real offer",
            Duration::from_secs(20),
            |e| matches!(e, Event::CallOffered { queue, .. } if queue != "supervisor"),
        )
        .await;
    let Event::CallOffered {
        call_id: real_call, ..
    } = offer
    else {
        unreachable!("matched above");
    };
    agent
        .call(Command::Answer {
            call_id: real_call.clone(),
        })
        .await
        .expect("answer the real call");
    on_call(&server, "agent5").await;
    let refused = sup
        .call(Command::CallAgent {
            agent_id: target.clone(),
        })
        .await
        .expect_err("the agent is on a call");
    assert!(refused.message.contains("busy"), "{refused:?}");
    agent
        .call(Command::Hangup { call_id: real_call })
        .await
        .expect("hang up the real call");
    let _ = tokio::time::timeout(Duration::from_secs(10), caller).await;

    let audits = call_agent_audits(&server, "coach").await;
    assert_eq!(
        audits,
        vec![("agent5".to_owned(), true), ("agent5".to_owned(), false)],
        "both attempts are audited"
    );
    agent.stop_media().await;
    sup.stop_media().await;
}

/// Waits for the end of internal call `call_id` and returns its cause.
async fn ended_cause(console: &mut Console, call_id: &proto::CallId) -> proto::EndCause {
    let event = console
        .wait_for("the internal call's end", Duration::from_secs(10), |e| {
            matches!(e, Event::CallState { state: proto::CallState::Ended { .. }, call_id: c, .. } if c == call_id)
        })
        .await;
    match event {
        Event::CallState {
            state: proto::CallState::Ended { cause },
            ..
        } => cause,
        _ => unreachable!("matched above"),
    }
}

/// The offer of the internal call the agent is sent.
async fn intercom_offer(agent: &mut Console) -> proto::CallId {
    let offer = agent
        .wait_for(
            "the offer",
            Duration::from_secs(5),
            |e| matches!(e, Event::CallOffered { queue, .. } if queue == "supervisor"),
        )
        .await;
    match offer {
        Event::CallOffered { call_id, .. } => call_id,
        _ => unreachable!("matched above"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_internal_call_rings_out_and_ends_when_a_party_leaves() {
    let server = TestServer::start(|c| c.acd.intercom_ring_secs = 2).await;
    add_user(&server, "agent6", proto::Role::Agent, PASSWORD);
    add_user(&server, "coach2", proto::Role::Supervisor, PASSWORD);
    let dir = server.dir.path().to_owned();
    let api = server.running.api;
    let mut agent = Console::login(api, "agent6", PASSWORD, proto::ClientKind::Other).await;
    agent
        .start_media(
            tone_file(&dir, "agent.wav", 600.0),
            dir.join("agent-heard.wav"),
        )
        .await;
    // Not ready for a break before the call: that is the state to come back to.
    let brk = proto::NotReadyReason::new("break".to_owned(), "break".to_owned());
    agent
        .call(Command::SetNotReady { reason: brk })
        .await
        .expect("not ready");
    let mut sup = Console::login(api, "coach2", PASSWORD, proto::ClientKind::SupervisorTui).await;
    sup.start_media(
        tone_file(&dir, "coach.wav", 1600.0),
        dir.join("coach-heard.wav"),
    )
    .await;
    let target = proto::AgentId("agent6".into());
    let call_agent = Command::CallAgent {
        agent_id: target.clone(),
    };

    // 1. Unanswered: while it rings the agent may not change their state; after the configured
    // 2 s it ends as unanswered for both, and the break comes back.
    call_with_leg(&mut sup, call_agent.clone()).await;
    let first = intercom_offer(&mut agent).await;
    let refused = agent
        .call(Command::SetReady)
        .await
        .expect_err("ready during an internal call");
    assert!(refused.message.contains("internal call"), "{refused:?}");
    assert_eq!(
        ended_cause(&mut agent, &first).await,
        proto::EndCause::NoAnswer
    );
    assert_eq!(
        ended_cause(&mut sup, &first).await,
        proto::EndCause::NoAnswer
    );
    let back = AgentState::NotReady {
        reason: "break".into(),
    };
    hotline_e2e::people::wait_state(&server, "agent6", &back).await;

    // 2. Answered, then the supervisor's workstation goes away: the agent is told and gets
    // their state back.
    call_with_leg(&mut sup, call_agent.clone()).await;
    let second = intercom_offer(&mut agent).await;
    call_with_leg(
        &mut agent,
        Command::Answer {
            call_id: second.clone(),
        },
    )
    .await;
    sup.stop_media().await;
    drop(sup);
    assert_eq!(
        ended_cause(&mut agent, &second).await,
        proto::EndCause::Disconnected
    );
    hotline_e2e::people::wait_state(&server, "agent6", &back).await;

    // 3. A new supervisor session calls again; this time the agent's workstation goes away:
    // the supervisor is told, and may call someone again at once (their leg came back).
    let mut sup = Console::login(api, "coach2", PASSWORD, proto::ClientKind::SupervisorTui).await;
    sup.start_media(
        tone_file(&dir, "coach.wav", 1600.0),
        dir.join("coach-heard.wav"),
    )
    .await;
    call_with_leg(&mut sup, call_agent.clone()).await;
    let third = intercom_offer(&mut agent).await;
    agent.stop_media().await;
    drop(agent);
    assert_eq!(
        ended_cause(&mut sup, &third).await,
        proto::EndCause::Disconnected
    );
    add_user(&server, "agent7", proto::Role::Agent, PASSWORD);
    let mut other = Console::login(api, "agent7", PASSWORD, proto::ClientKind::Other).await;
    other.call(Command::SetReady).await.expect("ready");
    wait_ready(&server, "agent7").await;
    call_with_leg(
        &mut sup,
        Command::CallAgent {
            agent_id: proto::AgentId("agent7".into()),
        },
    )
    .await;
    intercom_offer(&mut other).await;
    sup.stop_media().await;
}

//! Attended transfer and a three-way call between two agents, with a real caller and real
//! audio: caller 1 kHz, first agent 600 Hz, second agent 400 Hz.
//! - Attended: while the agents consult, the second hears the first and not the caller; after
//!   `complete_transfer` the caller talks to the second agent and the first is out.
//! - Conference: everyone hears everyone; when the second agent leaves, the first and the
//!   caller talk on.
//! - Either way the call keeps one recording, which holds every agent who talked to the caller.

use std::time::{Duration, Instant};

use hotline_e2e::TestServer;
use hotline_e2e::audio::{deaf_to, hears, tone_file};
use hotline_e2e::console::Console;
use hotline_e2e::people::{add_agent, wait_state};
use hotline_protocol::{self as proto, Command, Event};
use hotline_server::acd::AgentState;
use hotline_server::cli::test_call::{CallArgs, CallError, CallReport, place_call};

const PASSWORD: &str = "agent password 1";
const CALLER: f32 = 1000.0;
const FIRST: f32 = 600.0;
const SECOND: f32 = 400.0;

/// Two agents with media legs, the first ready and talking to a caller (20 s call, recorded
/// to `caller-heard.wav`); the second logs in and is ready once the first has answered.
struct Scene {
    server: TestServer,
    first: Console,
    second: Console,
    call_id: proto::CallId,
    caller: tokio::task::JoinHandle<Result<CallReport, CallError>>,
}

async fn scene() -> Scene {
    let server = TestServer::start(|_| {}).await;
    add_agent(&server, "first", PASSWORD);
    add_agent(&server, "second", PASSWORD);
    let dir = server.dir.path().to_owned();
    let api = server.running.api;
    let mut first = Console::login(api, "first", PASSWORD, proto::ClientKind::Other).await;
    first
        .start_media(
            tone_file(&dir, "first.wav", FIRST),
            dir.join("first-heard.wav"),
        )
        .await;
    first.call(Command::SetReady).await.expect("ready");
    let caller = tokio::spawn({
        let args = CallArgs {
            to: "12345".into(),
            from: "13900000077".into(),
            server: server.sip(),
            dtmf: String::new(),
            dtmf_delay: 0.0,
            play: Some(tone_file(&dir, "caller.wav", CALLER)),
            record: Some(dir.join("caller-heard.wav")),
            duration: 20.0,
            codec: None,
            inband: false,
        };
        async move { place_call(&args).await }
    });
    let Event::CallOffered { call_id, .. } = first
        .wait_for("the offer", Duration::from_secs(20), |e| {
            matches!(e, Event::CallOffered { .. })
        })
        .await
    else {
        unreachable!("matched above")
    };
    first
        .call(Command::Answer {
            call_id: call_id.clone(),
        })
        .await
        .expect("answer");
    let mut second = Console::login(api, "second", PASSWORD, proto::ClientKind::Other).await;
    second
        .start_media(
            tone_file(&dir, "second.wav", SECOND),
            dir.join("second-heard.wav"),
        )
        .await;
    second.call(Command::SetReady).await.expect("ready");
    wait_state(&server, "second", &AgentState::Ready).await;
    Scene {
        server,
        first,
        second,
        call_id,
        caller,
    }
}

/// The second agent takes the ringing consultation.
async fn second_answers(second: &mut Console) {
    let offered = second
        .wait_for("the consultation", Duration::from_secs(10), |e| {
            matches!(
                e,
                Event::CallOffered {
                    transfer: Some(_),
                    ..
                }
            )
        })
        .await;
    let Event::CallOffered {
        call_id, transfer, ..
    } = offered
    else {
        unreachable!("matched above")
    };
    assert_eq!(
        transfer.map(|t| t.from_agent.0),
        Some("first".to_owned()),
        "the offer says who consults"
    );
    second
        .call(Command::Answer { call_id })
        .await
        .expect("answer the consultation");
}

/// The call's one recording (there must be exactly one, whoever joined or took over): the
/// hotline's side, where every agent who talked to the caller is.
async fn hotline_side_of_the_recording(server: &TestServer) -> Vec<i16> {
    let db = server.db().await;
    let mut st = db
        .prepare("SELECT path FROM recordings WHERE kind = 'call'")
        .expect("prepare");
    let paths: Vec<String> = st
        .query_map([], |r| r.get(0))
        .expect("query")
        .map(|r| r.expect("row"))
        .collect();
    assert_eq!(paths.len(), 1, "one recording follows the call: {paths:?}");
    let (info, rec) =
        hotline_media::read_wav(&std::fs::read(&paths[0]).expect("recording")).expect("wav");
    assert_eq!(info.channels, 2);
    rec.chunks_exact(2).map(|p| p[1]).collect()
}

/// Waits `secs` and returns the window's start and end, trimmed of half a second each side
/// for the bridge changes to settle.
async fn window(secs: u64) -> (Instant, Instant) {
    let start = Instant::now();
    tokio::time::sleep(Duration::from_secs(secs)).await;
    (
        start + Duration::from_millis(500),
        Instant::now()
            .checked_sub(Duration::from_millis(500))
            .unwrap_or(start),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attended_transfer_consults_then_hands_the_caller_over() {
    let Scene {
        server,
        mut first,
        mut second,
        call_id,
        caller,
    } = scene().await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    first
        .call(Command::Transfer {
            call_id: call_id.clone(),
            target: proto::TransferTarget::Agent {
                id: proto::AgentId("second".into()),
            },
            mode: proto::TransferMode::Attended,
            note: Some("需要供水专家".into()),
            ticket_id: None,
        })
        .await
        .expect("consult");
    second_answers(&mut second).await;
    let (from, to) = window(3).await;
    let second_heard = second.heard_between(from, to);
    assert!(hears(&second_heard, FIRST, FIRST), "second hears first");
    assert!(
        deaf_to(&second_heard, CALLER, FIRST),
        "the caller on hold is not heard while the agents consult"
    );
    let first_heard = first.heard_between(from, to);
    assert!(hears(&first_heard, SECOND, SECOND), "first hears second");
    assert!(
        deaf_to(&first_heard, CALLER, SECOND),
        "first does not hear the held caller"
    );

    first
        .call(Command::CompleteTransfer)
        .await
        .expect("complete");
    first
        .wait_for("the end of first's part", Duration::from_secs(5), |e| {
            matches!(
                e,
                Event::CallState {
                    state: proto::CallState::Ended {
                        cause: proto::EndCause::Transferred
                    },
                    ..
                }
            )
        })
        .await;
    let (from, to) = window(3).await;
    let second_heard = second.heard_between(from, to);
    assert!(
        hears(&second_heard, CALLER, CALLER),
        "second talks to the caller"
    );
    assert!(
        deaf_to(&second_heard, FIRST, CALLER),
        "first is out of the call"
    );

    let report = caller.await.expect("caller task").expect("call");
    assert!(report.answered);
    server.wait_idle(Duration::from_secs(5)).await;
    let heard = hotline_media::read_wav_8k_mono(
        &std::fs::read(server.dir.path().join("caller-heard.wav")).expect("caller recording"),
    )
    .expect("wav");
    let tail = &heard[heard.len().saturating_sub(20_000)..heard.len().saturating_sub(4000)];
    assert!(
        hears(tail, SECOND, SECOND) && deaf_to(tail, FIRST, SECOND),
        "the caller ends with second"
    );
    let events = server.events_of_latest_call().await;
    let kinds: Vec<&str> = events.iter().map(|(k, _)| k.as_str()).collect();
    assert!(kinds.contains(&"consult"), "{kinds:?}");
    let transfer = events
        .iter()
        .find(|(k, d)| k == "transfer" && d["mode"] == "attended")
        .map(|(_, d)| d.clone())
        .expect("attended transfer event");
    assert_eq!(transfer["from"], "first");
    assert_eq!(transfer["to"]["agent"], "second");
    let connected: Vec<&str> = events
        .iter()
        .filter(|(k, _)| k == "connected")
        .filter_map(|(_, d)| d["agent"].as_str())
        .collect();
    assert_eq!(connected, ["first", "second"]);
    // The recording went on through the hand-over: the first agent, then the second.
    let hotline = hotline_side_of_the_recording(&server).await;
    let tail = &hotline[hotline.len().saturating_sub(20_000)..hotline.len().saturating_sub(4000)];
    assert!(
        hears(tail, SECOND, SECOND) && deaf_to(tail, FIRST, SECOND),
        "the recording ends with the second agent"
    );
    assert!(
        hears(&hotline, FIRST, SECOND),
        "the recording holds the first agent too"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_three_way_call_joins_everyone_until_the_expert_leaves() {
    let Scene {
        server,
        mut first,
        mut second,
        call_id,
        caller,
    } = scene().await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    first
        .call(Command::Conference {
            call_id: call_id.clone(),
            target: proto::TransferTarget::Agent {
                id: proto::AgentId("second".into()),
            },
        })
        .await
        .expect("conference");
    second_answers(&mut second).await;
    let (from, to) = window(3).await;
    let second_heard = second.heard_between(from, to);
    assert!(
        hears(&second_heard, CALLER, FIRST),
        "the expert hears the caller"
    );
    assert!(
        hears(&second_heard, FIRST, CALLER),
        "the expert hears the agent"
    );
    let first_heard = first.heard_between(from, to);
    assert!(
        hears(&first_heard, SECOND, CALLER),
        "the agent hears the expert"
    );
    assert!(
        hears(&first_heard, CALLER, SECOND),
        "the agent hears the caller"
    );

    second
        .call(Command::Hangup {
            call_id: call_id.clone(),
        })
        .await
        .expect("the expert leaves");
    let (from, to) = window(3).await;
    let first_heard = first.heard_between(from, to);
    assert!(
        hears(&first_heard, CALLER, CALLER),
        "the agent still hears the caller"
    );
    assert!(deaf_to(&first_heard, SECOND, CALLER), "the expert is gone");
    wait_state(&server, "second", &AgentState::Ready).await;

    let report = caller.await.expect("caller task").expect("call");
    assert!(report.answered);
    server.wait_idle(Duration::from_secs(5)).await;
    let kinds: Vec<String> = server
        .events_of_latest_call()
        .await
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert!(
        kinds.iter().any(|k| k == "consult") && kinds.iter().any(|k| k == "consult_end"),
        "{kinds:?}"
    );
    // The expert was recorded while the three talked, in the call's one recording.
    let hotline = hotline_side_of_the_recording(&server).await;
    assert!(
        hears(&hotline, SECOND, FIRST),
        "the conference guest is in the recording"
    );
}

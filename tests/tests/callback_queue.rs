//! Callback in queue (排队回拨) end to end. A SIPp caller dials 12345 while no agent is ready,
//! keys the callback key and `#` (RFC 4733) to be called back on their own number, hears the
//! confirmation and is hung up on. A headless agent then goes ready: the callback is offered to
//! them, they answer, and the server dials the caller through the trunk, where SIPp answers as
//! the citizen's phone with its media on a test socket that plays a 1 kHz voice and keeps what
//! it hears. The agent hears the 1 kHz, the citizen the agent's 600 Hz; the request, its
//! attempts and both CDRs are in SQLite. A second test: the citizen is busy the first time, the
//! callback is retried after the queue's delay and answered. A third: the server restarts
//! between the request and the callback, which still happens. A fourth: the agent logs out
//! while the citizen's phone rings; the ring is cancelled and the request is tried again.

use std::path::{Path, PathBuf};
use std::time::Duration;

use hotline_e2e::audio::tone_file;
use hotline_e2e::citizen::{ONE_CALL_AT_A_TIME, free_udp_port, phone, phone_done};
use hotline_e2e::console::Console;
use hotline_e2e::outbound_trunk::{
    AnsweringPhone, answered_leg, busy_phone, clearly_hears, end_cause, trunk_to_phone,
};
use hotline_e2e::people::add_agent;
use hotline_e2e::{TestServer, scenario_dir, scenario_from_template, sipp};
use hotline_protocol::{self as proto, Command, Event};

const PASSWORD: &str = "callback password 1";
const CALLER: &str = "13800138000";
const DTMF_1: &str = "/usr/share/sip-tester/dtmf_2833_1.pcap";
const DTMF_HASH: &str = "/usr/share/sip-tester/dtmf_2833_pound.pcap";

/// The shipped profile (12345 → queue `general`, callback key 1), with the trunk's outbound
/// calls going to `uas_port`, announcements every 2 s and a short retry delay.
async fn server(uas_port: u16) -> TestServer {
    TestServer::start(move |c| {
        trunk_to_phone(c, uas_port);
        for q in c.acd.queues.iter_mut().filter(|q| q.name == "general") {
            assert_eq!(
                q.callback_key, "1",
                "the shipped 12345 queue offers callbacks"
            );
            q.announce_secs = Some(2);
            q.callback_attempts = 3;
            q.callback_retry_secs = 4;
            q.wrap_up_secs = 0;
        }
    })
    .await
}

/// The caller dials 12345, waits to be queued, keys 1 then `#`, and gets the hotline's BYE.
async fn caller_asks_for_a_callback(server: &TestServer, dir: &Path) {
    for pcap in [DTMF_1, DTMF_HASH] {
        assert!(
            Path::new(pcap).exists(),
            "{pcap} missing: apt-get install sip-tester"
        );
    }
    let scenario = scenario_from_template(
        "uac_callback.tmpl",
        dir,
        &[
            ("CALLER", CALLER),
            // The welcome prompt (~6 s) has played and the caller is queued.
            ("KEY_DELAY_MS", "9000"),
            ("KEY_PCAP", DTMF_1),
            ("HASH_PCAP", DTMF_HASH),
        ],
    );
    let run = sipp(
        &scenario,
        server.sip(),
        &["-m", "1"],
        Duration::from_secs(45),
    )
    .await;
    assert!(
        run.success,
        "the caller was not hung up on after asking for a callback:\n{}\n{}",
        run.stdout, run.stderr
    );
}

/// A headless agent with a 600 Hz voice who answers, talks 6 s and hangs up; what it heard goes
/// to `record`.
fn agent(server: &TestServer, voice: PathBuf, record: PathBuf) -> agent_tui::Args {
    agent_tui::Args {
        play: Some(voice),
        record: Some(record),
        answer_after: 0.3,
        hangup_after: 6.0,
        calls: 1,
        hold_after: 0.0,
        hold_for: 0.0,
        ..hotline_e2e::headless_agent(server, "cbagent", PASSWORD)
    }
}

/// The callback request stored for the caller's call: its original call id, status, result,
/// attempts, agent and the leg that reached the citizen.
fn callback_row(
    db: &rusqlite::Connection,
) -> (String, String, String, String, i64, String, String) {
    db.query_row(
        "SELECT call_id, number, status, result, attempts, agent, connected_call_id FROM callbacks",
        [],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        },
    )
    .expect("one callback row")
}

/// (attempt, leg call id, agent, result) of every attempt, in order.
fn attempts(db: &rusqlite::Connection) -> Vec<(i64, String, String, String)> {
    let mut st = db
        .prepare("SELECT attempt, call_id, agent, result FROM callback_attempts ORDER BY attempt")
        .expect("prepare");
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .expect("query")
        .map(|r| r.expect("row"))
        .collect()
}

/// The original call: asked for the callback, was hung up on after the confirmation.
fn check_original_call(db: &rusqlite::Connection, call_id: &str) {
    assert_eq!(end_cause(db, call_id), "callback requested");
    let events = hotline_e2e::events(db, call_id);
    let kinds: Vec<&str> = events.iter().map(|(k, _)| k.as_str()).collect();
    let at = |kind: &str| {
        kinds
            .iter()
            .position(|k| *k == kind)
            .unwrap_or_else(|| panic!("event {kind} missing: {kinds:?}"))
    };
    assert!(at("queued") < at("announce"), "{kinds:?}");
    assert!(at("callback_key") < at("callback_requested"), "{kinds:?}");
    let requested = &events[at("callback_requested")].1;
    assert_eq!(requested["number"], CALLER);
    let bye = events
        .iter()
        .find(|(k, d)| k == "bye" && d["from"] == "hotline")
        .map(|(_, d)| d.clone())
        .expect("the hotline hung up");
    assert_eq!(bye["cause"], "callback requested");
    // Not counted as abandoned: the CDR exists and the caller is being served.
    let cdrs: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM cdrs WHERE call_id = ?1",
            [call_id],
            |r| r.get(0),
        )
        .expect("cdr");
    assert_eq!(cdrs, 1);
}

/// The leg that reached the citizen: a callback CDR, answered, linked to the original call.
fn check_callback_leg(db: &rusqlite::Connection, leg: &str, original: &str) {
    let outbound = answered_leg(db, leg, CALLER, "callback");
    let cdrs: i64 = db
        .query_row("SELECT COUNT(*) FROM cdrs WHERE call_id = ?1", [leg], |r| {
            r.get(0)
        })
        .expect("cdr");
    assert_eq!(cdrs, 1, "the callback leg has its CDR");
    assert_eq!(outbound["purpose"], "callback");
    assert_eq!(outbound["for_call"], original);
    assert_eq!(outbound["agent"], "cbagent");
}

/// The request is done, answered on its second attempt; the first (by `cbagent`) ended with
/// `first`. The answered leg is checked; gives the original call and the first attempt's leg.
fn answered_on_the_second_try(db: &rusqlite::Connection, first: &str) -> (String, String) {
    let (original, _, status, result, tries, _, leg) = callback_row(db);
    assert_eq!(
        (status.as_str(), result.as_str(), tries),
        ("done", "answered", 2)
    );
    let tried = attempts(db);
    assert_eq!(tried.len(), 2, "{tried:?}");
    assert_eq!(
        (tried[0].2.as_str(), tried[0].3.as_str()),
        ("cbagent", first)
    );
    assert_eq!(
        tried[1],
        (2, leg.clone(), "cbagent".to_owned(), "answered".to_owned())
    );
    check_callback_leg(db, &leg, &original);
    (original, tried[0].1.clone())
}

/// (next_at, updated_at) of the callback request once it waits for a retry (10 s at most).
async fn retry_scheduled(server: &TestServer) -> (i64, i64) {
    for _ in 0..100 {
        let row = server.db().await.query_row(
            "SELECT next_at, updated_at FROM callbacks WHERE status = 'retrying'",
            [],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
        );
        if let Ok(found) = row {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the callback request never waited for a retry");
}

/// The headless agent at work in its own task (it is offered the callback once ready).
fn start_agent(args: agent_tui::Args) -> tokio::task::JoinHandle<anyhow::Result<()>> {
    tokio::spawn(async move { agent_tui::headless::run(&args).await })
}

/// Waits (a minute at most) for the agent to finish its one call.
async fn agent_done(agent: tokio::task::JoinHandle<anyhow::Result<()>>) {
    tokio::time::timeout(Duration::from_mins(1), agent)
        .await
        .expect("the agent finished its call")
        .expect("agent task")
        .expect("headless agent ran");
}

/// A server whose trunk calls the citizen's phone on the port it gives, agent `cbagent` (not
/// logged in), and a caller who found nobody ready, asked for a callback and was hung up on.
async fn callback_requested() -> (TestServer, u16, PathBuf) {
    let uas_port = free_udp_port();
    let server = server(uas_port).await;
    add_agent(&server, "cbagent", PASSWORD);
    let dir = server.dir.path().to_owned();
    caller_asks_for_a_callback(&server, &dir).await;
    (server, uas_port, dir)
}

/// The citizen's phone answers; the headless agent goes ready, takes the callback and talks;
/// the citizen must hear the agent's 600 Hz (`when` says which attempt, for the message).
async fn agent_calls_back(server: &TestServer, uas_port: u16, dir: &Path, when: &str) {
    let phone = AnsweringPhone::start(dir, uas_port, 1000.0).await;
    let voice = tone_file(dir, "agent.wav", 600.0);
    agent_done(start_agent(agent(
        server,
        voice,
        dir.join("agent-heard.wav"),
    )))
    .await;
    let citizen_heard = phone.heard().await;
    server.wait_idle(Duration::from_secs(5)).await;
    assert!(
        clearly_hears(&citizen_heard, 600.0),
        "the citizen did not hear the agent {when}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_caller_asks_for_a_callback_and_talks_to_the_agent_when_called_back() {
    let _turn = ONE_CALL_AT_A_TIME.lock().await;
    let (server, uas_port, dir) = callback_requested().await;

    let phone = AnsweringPhone::start(&dir, uas_port, 1000.0).await;

    let agent_heard = dir.join("agent-heard.wav");
    let voice = tone_file(&dir, "agent.wav", 600.0);
    agent_done(start_agent(agent(&server, voice, agent_heard.clone()))).await;
    let citizen_heard = phone.heard().await;
    server.wait_idle(Duration::from_secs(5)).await;

    assert!(
        clearly_hears(&citizen_heard, 600.0),
        "the citizen did not hear the agent ({} samples)",
        citizen_heard.len()
    );
    let (_, heard) =
        hotline_media::read_wav(&std::fs::read(&agent_heard).expect("agent recording"))
            .expect("wav");
    assert!(
        clearly_hears(&heard, 1000.0),
        "the agent did not hear the citizen"
    );

    let db = server.db().await;
    let (original, number, status, result, tries, agent, leg) = callback_row(&db);
    assert_eq!(
        (
            number.as_str(),
            status.as_str(),
            result.as_str(),
            tries,
            agent.as_str()
        ),
        (CALLER, "done", "answered", 1, "cbagent")
    );
    assert_eq!(
        attempts(&db),
        [(1, leg.clone(), "cbagent".to_owned(), "answered".to_owned())]
    );
    check_original_call(&db, &original);
    check_callback_leg(&db, &leg, &original);
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_citizen_is_called_back_again_after_the_delay() {
    let _turn = ONE_CALL_AT_A_TIME.lock().await;
    let (server, uas_port, dir) = callback_requested().await;

    // First attempt: busy. The agent is free at once and the entry waits for its retry.
    let busy = busy_phone(uas_port);
    let agent_heard = dir.join("agent-heard.wav");
    let voice = tone_file(&dir, "agent.wav", 600.0);
    let agent = start_agent(agent(&server, voice, agent_heard.clone()));
    phone_done(busy).await;

    // Second attempt, after the queue's 4 s: answered.
    let phone = AnsweringPhone::start(&dir, uas_port, 1000.0).await;
    agent_done(agent).await;
    let citizen_heard = phone.heard().await;
    server.wait_idle(Duration::from_secs(5)).await;
    assert!(
        clearly_hears(&citizen_heard, 600.0),
        "the citizen did not hear the agent on the second attempt"
    );

    let db = server.db().await;
    let (original, first_leg) = answered_on_the_second_try(&db, "busy");
    assert_eq!(end_cause(&db, &first_leg), "busy");
    check_original_call(&db, &original);
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_asked_for_before_a_restart_is_still_made() {
    let _turn = ONE_CALL_AT_A_TIME.lock().await;
    let (server, uas_port, dir) = callback_requested().await;
    server.wait_idle(Duration::from_secs(5)).await;
    let (_, _, status, ..) = callback_row(&server.db().await);
    assert_eq!(status, "waiting");

    let server = server.restart().await;
    agent_calls_back(&server, uas_port, &dir, "after the restart").await;
    let db = server.db().await;
    let (original, _, status, result, tries, agent, leg) = callback_row(&db);
    assert_eq!(
        (status.as_str(), result.as_str(), tries, agent.as_str()),
        ("done", "answered", 1, "cbagent")
    );
    check_callback_leg(&db, &leg, &original);
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_who_logs_out_while_the_citizen_rings_leaves_the_callback_for_another_try() {
    let _turn = ONE_CALL_AT_A_TIME.lock().await;
    let (server, uas_port, dir) = callback_requested().await;

    // The citizen's phone rings and rings; the agent answers the callback, hears it ring, and
    // logs out.
    let ringing = phone(&scenario_dir().join("uas_no_answer.xml"), uas_port, &[]);
    let mut console = Console::login(
        server.running.api,
        "cbagent",
        PASSWORD,
        proto::ClientKind::Other,
    )
    .await;
    console.call(Command::SetReady).await.expect("ready");
    let offer = console
        .wait_for("the callback's offer", Duration::from_secs(20), |e| {
            matches!(
                e,
                Event::CallOffered {
                    callback: Some(_),
                    ..
                }
            )
        })
        .await;
    let Event::CallOffered { call_id, .. } = offer else {
        unreachable!("matched above");
    };
    console
        .call(Command::Answer { call_id })
        .await
        .expect("answer the callback");
    console
        .wait_for(
            "the citizen's phone ringing",
            Duration::from_secs(10),
            |e| {
                matches!(
                    e,
                    Event::CallState {
                        state: proto::CallState::Ringing,
                        ..
                    }
                )
            },
        )
        .await;
    // Long enough for the INVITE to reach the phone and its 180 to come back.
    tokio::time::sleep(Duration::from_secs(1)).await;
    console.call(Command::Logout).await.expect("log out");
    // The hotline cancels the ring (the scenario fails without the CANCEL).
    phone_done(ringing).await;

    // Not the citizen's failure: the request waits to be offered again at once, not after
    // the queue's 4 s retry delay, and the attempt is not counted against its limit.
    let (next_at, updated_at) = retry_scheduled(&server).await;
    assert!(
        next_at - updated_at < 1_000,
        "retry at once, not after the delay: next {next_at}, written {updated_at}"
    );
    // Stored, so that a restarting server does not count it against the citizen either.
    let (attempts, abandoned): (u32, u32) = server
        .db()
        .await
        .query_row("SELECT attempts, abandoned FROM callbacks", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("the callback request");
    assert_eq!((attempts, abandoned), (1, 1));

    // The request was not lost: the agent, back at work, is offered it again and the citizen
    // answers.
    agent_calls_back(&server, uas_port, &dir, "on the second try").await;
    answered_on_the_second_try(&server.db().await, "cancelled");
    server.running.shutdown().await;
}

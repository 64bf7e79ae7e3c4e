//! Callback in queue (排队回拨) end to end. A SIPp caller dials 12345 while no agent is ready,
//! keys the callback key and `#` (RFC 4733) to be called back on their own number, hears the
//! confirmation and is hung up on. A headless agent then goes ready: the callback is offered to
//! them, they answer, and the server dials the caller through the trunk, where SIPp answers as
//! the citizen's phone with its media on a test socket that plays a 1 kHz voice and keeps what
//! it hears. The agent hears the 1 kHz, the citizen the agent's 600 Hz; the request, its
//! attempts and both CDRs are in SQLite. A second test: the citizen is busy the first time, the
//! callback is retried after the queue's delay and answered. A third: the server restarts
//! between the request and the callback, which still happens.

use hotline_e2e::citizen::{ONE_CALL_AT_A_TIME, free_udp_port, phone, phone_done, phone_media};
use std::path::{Path, PathBuf};
use std::time::Duration;

use hotline_e2e::audio::tone_file;
use hotline_e2e::people::add_agent;
use hotline_e2e::{TestServer, scenario_dir, scenario_from_template, sipp};
use tokio::net::UdpSocket;

const PASSWORD: &str = "callback password 1";
const CALLER: &str = "13800138000";
const DTMF_1: &str = "/usr/share/sip-tester/dtmf_2833_1.pcap";
const DTMF_HASH: &str = "/usr/share/sip-tester/dtmf_2833_pound.pcap";

/// The shipped profile (12345 → queue `general`, callback key 1), with the trunk's outbound
/// calls going to `uas_port`, announcements every 2 s and a short retry delay.
async fn server(uas_port: u16) -> TestServer {
    TestServer::start(move |c| {
        c.trunks[0].outbound = Some(format!("127.0.0.1:{uas_port}"));
        c.trunks[0].caller_id = Some("12345".into());
        c.trunks[0].ring_timeout_secs = 10;
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

/// Whether `samples` hold the tone `freq` clearly for two seconds on end.
fn hears(samples: &[i16], freq: f32) -> bool {
    const CANDIDATES: [f32; 6] = [450.0, 600.0, 800.0, 1000.0, 1200.0, 1500.0];
    let mut run = 0;
    for chunk in samples.chunks(4000) {
        let clear = hotline_media::rms(chunk) > 300.0
            && hotline_media::dominant_frequency(chunk, &CANDIDATES, 8000) == Some(freq);
        run = if clear { run + 1 } else { 0 };
        if run >= 4 {
            return true;
        }
    }
    false
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
    let cause: String = db
        .query_row(
            "SELECT end_cause FROM calls WHERE id = ?1",
            [call_id],
            |r| r.get(0),
        )
        .expect("original call");
    assert_eq!(cause, "callback requested");
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
    let (caller, flow, answered): (String, String, bool) = db
        .query_row(
            "SELECT caller, flow, answered_at IS NOT NULL FROM calls WHERE id = ?1",
            [leg],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("callback leg");
    assert_eq!(
        (caller.as_str(), flow.as_str(), answered),
        (CALLER, "callback", true)
    );
    let cdrs: i64 = db
        .query_row("SELECT COUNT(*) FROM cdrs WHERE call_id = ?1", [leg], |r| {
            r.get(0)
        })
        .expect("cdr");
    assert_eq!(cdrs, 1, "the callback leg has its CDR");
    let events = hotline_e2e::events(db, leg);
    let outbound = events
        .iter()
        .find(|(k, _)| k == "outbound")
        .map(|(_, d)| d.clone())
        .expect("outbound event");
    assert_eq!(outbound["purpose"], "callback");
    assert_eq!(outbound["for_call"], original);
    assert_eq!(outbound["agent"], "cbagent");
    let kinds: Vec<&str> = events.iter().map(|(k, _)| k.as_str()).collect();
    for want in ["answered", "connected", "recorded", "ended"] {
        assert!(kinds.contains(&want), "event {want} missing: {kinds:?}");
    }
}

async fn run_agent(args: agent_tui::Args) {
    let agent = tokio::spawn(async move { agent_tui::headless::run(&args).await });
    tokio::time::timeout(Duration::from_mins(1), agent)
        .await
        .expect("the agent finished its call")
        .expect("agent task")
        .expect("headless agent ran");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_caller_asks_for_a_callback_and_talks_to_the_agent_when_called_back() {
    let _turn = ONE_CALL_AT_A_TIME.lock().await;
    let uas_port = free_udp_port();
    let server = server(uas_port).await;
    add_agent(&server, "cbagent", PASSWORD);
    let dir = server.dir.path().to_owned();

    // Nobody is ready: the caller waits, asks for a callback and is hung up on.
    caller_asks_for_a_callback(&server, &dir).await;

    let media = UdpSocket::bind("127.0.0.1:0").await.expect("rtp socket");
    let media_port = media.local_addr().expect("addr").port().to_string();
    let uas = scenario_from_template("uas_callback.tmpl", &dir, &[("MEDIA_PORT", &media_port)]);
    let phone = phone(&uas, uas_port, &[]);
    let citizen_voice = tone_file(&dir, "citizen.wav", 1000.0);
    let citizen = tokio::spawn(phone_media(media, citizen_voice, Duration::from_secs(40)));

    let agent_heard = dir.join("agent-heard.wav");
    let voice = tone_file(&dir, "agent.wav", 600.0);
    run_agent(agent(&server, voice, agent_heard.clone())).await;
    phone_done(phone).await;
    let citizen_heard = citizen.await.expect("citizen media");
    server.wait_idle(Duration::from_secs(5)).await;

    assert!(
        hears(&citizen_heard, 600.0),
        "the citizen did not hear the agent ({} samples)",
        citizen_heard.len()
    );
    let (_, heard) =
        hotline_media::read_wav(&std::fs::read(&agent_heard).expect("agent recording"))
            .expect("wav");
    assert!(hears(&heard, 1000.0), "the agent did not hear the citizen");

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
    let uas_port = free_udp_port();
    let server = server(uas_port).await;
    add_agent(&server, "cbagent", PASSWORD);
    let dir = server.dir.path().to_owned();
    caller_asks_for_a_callback(&server, &dir).await;

    // First attempt: busy. The agent is free at once and the entry waits for its retry.
    let busy = phone(&scenario_dir().join("uas_busy.xml"), uas_port, &[]);
    let agent_heard = dir.join("agent-heard.wav");
    let voice = tone_file(&dir, "agent.wav", 600.0);
    let agent = tokio::spawn({
        let args = agent(&server, voice, agent_heard.clone());
        async move { agent_tui::headless::run(&args).await }
    });
    phone_done(busy).await;

    // Second attempt, after the queue's 4 s: answered.
    let media = UdpSocket::bind("127.0.0.1:0").await.expect("rtp socket");
    let media_port = media.local_addr().expect("addr").port().to_string();
    let uas = scenario_from_template("uas_callback.tmpl", &dir, &[("MEDIA_PORT", &media_port)]);
    let phone = phone(&uas, uas_port, &[]);
    let citizen_voice = tone_file(&dir, "citizen.wav", 1000.0);
    let citizen = tokio::spawn(phone_media(media, citizen_voice, Duration::from_secs(40)));
    tokio::time::timeout(Duration::from_mins(1), agent)
        .await
        .expect("the agent finished its call")
        .expect("agent task")
        .expect("headless agent ran");
    phone_done(phone).await;
    let citizen_heard = citizen.await.expect("citizen media");
    server.wait_idle(Duration::from_secs(5)).await;
    assert!(
        hears(&citizen_heard, 600.0),
        "the citizen did not hear the agent on the second attempt"
    );

    let db = server.db().await;
    let (original, _, status, result, tries, _, leg) = callback_row(&db);
    assert_eq!(
        (status.as_str(), result.as_str(), tries),
        ("done", "answered", 2)
    );
    let tried = attempts(&db);
    assert_eq!(tried.len(), 2, "{tried:?}");
    assert_eq!(tried[0].3, "busy");
    assert_eq!(
        tried[1],
        (2, leg.clone(), "cbagent".to_owned(), "answered".to_owned())
    );
    let busy_cause: String = db
        .query_row(
            "SELECT end_cause FROM calls WHERE id = ?1",
            [&tried[0].1],
            |r| r.get(0),
        )
        .expect("busy leg");
    assert_eq!(busy_cause, "busy");
    check_original_call(&db, &original);
    check_callback_leg(&db, &leg, &original);
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_asked_for_before_a_restart_is_still_made() {
    let _turn = ONE_CALL_AT_A_TIME.lock().await;
    let uas_port = free_udp_port();
    let server = server(uas_port).await;
    add_agent(&server, "cbagent", PASSWORD);
    let dir = server.dir.path().to_owned();
    caller_asks_for_a_callback(&server, &dir).await;
    server.wait_idle(Duration::from_secs(5)).await;
    let (_, _, status, ..) = callback_row(&server.db().await);
    assert_eq!(status, "waiting");

    let server = server.restart().await;
    let media = UdpSocket::bind("127.0.0.1:0").await.expect("rtp socket");
    let media_port = media.local_addr().expect("addr").port().to_string();
    let uas = scenario_from_template("uas_callback.tmpl", &dir, &[("MEDIA_PORT", &media_port)]);
    let phone = phone(&uas, uas_port, &[]);
    let citizen_voice = tone_file(&dir, "citizen.wav", 1000.0);
    let citizen = tokio::spawn(phone_media(media, citizen_voice, Duration::from_secs(40)));
    let voice = tone_file(&dir, "agent.wav", 600.0);
    run_agent(agent(&server, voice, dir.join("agent-heard.wav"))).await;
    phone_done(phone).await;
    let citizen_heard = citizen.await.expect("citizen media");
    server.wait_idle(Duration::from_secs(5)).await;
    assert!(
        hears(&citizen_heard, 600.0),
        "the citizen did not hear the agent after the restart"
    );
    let db = server.db().await;
    let (original, _, status, result, tries, agent, leg) = callback_row(&db);
    assert_eq!(
        (status.as_str(), result.as_str(), tries, agent.as_str()),
        ("done", "answered", 1, "cbagent")
    );
    check_callback_leg(&db, &leg, &original);
    server.running.shutdown().await;
}

//! `hotline-server call` places a real test call: the caller hears the welcome prompt, keys a digit,
//! and the call lands in the records; an out-of-hours call takes the after-hours flow.

use std::time::Duration;

use hotline_e2e::{TestServer, fixed_clock};
use hotline_server::ServerOptions;
use hotline_server::cli::test_call::{CallArgs, place_call};

fn args(
    server: std::net::SocketAddr,
    to: &str,
    dtmf: &str,
    secs: f64,
    record: Option<std::path::PathBuf>,
) -> CallArgs {
    CallArgs {
        to: to.into(),
        from: "+8613800138000".into(),
        server,
        dtmf: dtmf.into(),
        dtmf_delay: 1.0,
        play: None,
        record,
        duration: secs,
        codec: None,
        inband: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_call_hears_the_welcome_and_its_digit_is_logged() {
    let server = TestServer::start(|_| {}).await;
    let rec = server.dir.path().join("heard.wav");
    let report = place_call(&args(server.sip(), "12315", "3", 8.0, Some(rec.clone())))
        .await
        .expect("call");
    assert!(report.answered, "{report}");
    assert_eq!(report.ended_by, "caller");
    assert!(report.heard_rms > 300.0, "silent: {report}");
    let heard =
        hotline_media::read_wav_8k_mono(&std::fs::read(&rec).expect("recording")).expect("wav");
    assert!(heard.len() > 8000 * 3, "heard only {} samples", heard.len());
    server.wait_idle(Duration::from_secs(5)).await;
    let ev = server.events_of_latest_call().await;
    assert!(
        ev.iter()
            .any(|(k, d)| k == "queued" && d["queue"] == "consult"),
        "{ev:?}"
    );
    let db = server.db().await;
    let (caller, e164, flow): (String, String, String) = db
        .query_row("SELECT caller, caller_e164, flow FROM calls", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .expect("call row");
    assert_eq!(
        (caller.as_str(), e164.as_str(), flow.as_str()),
        ("13800138000", "+8613800138000", "12315")
    );
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_hours_calls_take_the_after_hours_flow() {
    // Sunday 2026-11-22 03:00 in Asia/Shanghai.
    let options = ServerOptions {
        clock: Some(fixed_clock("2026-11-21T19:00:00Z")),
    };
    let server = TestServer::start_with(|_| {}, options).await;
    let report = place_call(&args(server.sip(), "12315", "", 2.0, None))
        .await
        .expect("call");
    assert!(report.answered);
    server.wait_idle(Duration::from_secs(5)).await;
    let db = server.db().await;
    let flow: String = db
        .query_row("SELECT flow FROM calls", [], |r| r.get(0))
        .expect("row");
    assert_eq!(flow, "after_hours");
    server.running.shutdown().await;

    // The same number on a Monday morning takes the day flow; 12345 is 24x7.
    let options = ServerOptions {
        clock: Some(fixed_clock("2026-11-23T02:00:00Z")),
    };
    let server = TestServer::start_with(|_| {}, options).await;
    place_call(&args(server.sip(), "12315", "", 1.0, None))
        .await
        .expect("call");
    place_call(&args(server.sip(), "12345", "", 1.0, None))
        .await
        .expect("call");
    server.wait_idle(Duration::from_secs(5)).await;
    let db = server.db().await;
    let flows: Vec<String> = db
        .prepare("SELECT flow FROM calls ORDER BY started_at")
        .expect("prep")
        .query_map([], |r| r.get(0))
        .expect("q")
        .map(|r| r.expect("row"))
        .collect();
    assert_eq!(flows, vec!["12315".to_owned(), "12345".to_owned()]);
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_closes_calls_left_open() {
    let server = TestServer::start(|_| {}).await;
    let data = server.running.data_dir.clone();
    let db_path = server.running.db_path.clone();
    server.running.shutdown().await;
    {
        let db = rusqlite::Connection::open(&db_path).expect("db");
        db.execute("INSERT INTO calls (id, started_at, caller, caller_e164, dnis, profile, flow, trunk, transport, remote, state) VALUES ('crashed-1', 1, '13800138000', '+8613800138000', '12345', '12345', '12345', 'local', 'udp', '127.0.0.1:5', 'answered')", []).expect("insert");
    }
    let dir = server.dir;
    let server2 = hotline_server::start(
        {
            let mut c = hotline_server::config::load(None).expect("cfg");
            c.server.sip_listen = "127.0.0.1:0".parse().expect("a");
            c.server.api_listen = "127.0.0.1:0".parse().expect("a");
            c.server.data_dir = data;
            c.server.assets_dir = hotline_e2e::assets_dir().display().to_string();
            c
        },
        ServerOptions::default(),
    )
    .await
    .expect("restart");
    let db = rusqlite::Connection::open(&db_path).expect("db");
    let (state, cause): (String, String) = db
        .query_row(
            "SELECT state, end_cause FROM calls WHERE id = 'crashed-1'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("row");
    assert_eq!(
        (state.as_str(), cause.as_str()),
        ("ended", "server restart")
    );
    server2.shutdown().await;
    drop(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_band_tones_are_detected_when_the_caller_has_no_rfc_4733() {
    let server = TestServer::start(|_| {}).await;
    let mut a = args(server.sip(), "12365", "2", 8.0, None);
    a.inband = true;
    let report = place_call(&a).await.expect("call");
    assert!(report.answered, "{report}");
    server.wait_idle(Duration::from_secs(5)).await;
    let ev = server.events_of_latest_call().await;
    let digits: Vec<_> = ev
        .iter()
        .filter(|(k, _)| k == "digit")
        .map(|(_, d)| {
            (
                d["digit"].as_str().unwrap_or("").to_owned(),
                d["source"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        digits,
        vec![("2".to_owned(), "inband".to_owned())],
        "{ev:?}"
    );
    assert!(
        ev.iter()
            .any(|(k, d)| k == "queued" && d["queue"] == "report"),
        "{ev:?}"
    );
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_directors_mailbox_records_the_message() {
    let server = TestServer::start(|_| {}).await;
    // The caller's "voice" is a 440 Hz tone; 5 = director's mailbox, # = call back this phone,
    // 1 = reply wanted, then speak until hanging up.
    let voice = server.dir.path().join("voice.wav");
    let mut tone = vec![0i16; 8000 * 30];
    hotline_media::ToneGenerator::new(&[440.0], 8000, 8000).fill(&mut tone);
    std::fs::write(&voice, hotline_media::wav_bytes(&tone, 8000, 1)).expect("voice");
    let mut a = args(server.sip(), "12315", "5#1", 20.0, None);
    a.play = Some(voice);
    a.dtmf_delay = 0.5;
    let report = place_call(&a).await.expect("call");
    assert!(report.answered, "{report}");
    server.wait_idle(Duration::from_secs(5)).await;
    let ev = server.events_of_latest_call().await;
    assert!(ev.iter().any(|(k, _)| k == "record_start"), "{ev:?}");
    let done = ev
        .iter()
        .find(|(k, _)| k == "record_done")
        .expect("record_done event");
    assert!(
        done.1["duration_ms"].as_u64().unwrap_or(0) >= 3000,
        "{done:?}"
    );
    let db = server.db().await;
    let (path, kind): (String, String) = db
        .query_row("SELECT path, kind FROM recordings", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("recording row");
    assert_eq!(kind, "message");
    let samples = hotline_media::read_wav_8k_mono(&std::fs::read(&path).expect("recording file"))
        .expect("wav");
    assert!(
        samples.len() >= 8000 * 3,
        "recording too short: {}",
        samples.len()
    );
    let f = hotline_media::dominant_frequency(&samples[8000..16000], &[440.0, 1000.0, 600.0], 8000);
    assert_eq!(f, Some(440.0), "the recording holds the caller's voice");
    server.running.shutdown().await;
}

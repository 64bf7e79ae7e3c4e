//! A blocked number hears the refusal (or the warning, then service); a timed block expires by
//! itself on the server's clock (not a moment before). The prompts are found in what the caller
//! heard. The block is added with the admin command's own code.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use hotline_e2e::TestServer;
use hotline_server::ServerOptions;
use hotline_server::cli::blacklist::{BlacklistCommand, Mode, run_blacklist_command};
use hotline_server::cli::test_call::{CallArgs, place_call};

fn call(server: &TestServer, from: &str) -> CallArgs {
    CallArgs {
        to: "12345".into(),
        from: from.into(),
        server: server.sip(),
        dtmf: String::new(),
        dtmf_delay: 0.0,
        play: None,
        record: None,
        duration: 20.0,
        codec: None,
        inband: false,
    }
}

/// Whether the caller's recording holds the Mandarin `prompt` (the 12345 line's language).
fn heard_prompt(args: &CallArgs, prompt: &str) -> bool {
    let path = args.record.as_ref().expect("the call was recorded");
    let heard = hotline_media::read_wav_8k_mono(&std::fs::read(path).expect("heard")).expect("wav");
    let clip_path = hotline_e2e::assets_dir().join(format!("prompts/zh/{prompt}.wav"));
    let clip =
        hotline_media::read_wav_8k_mono(&std::fs::read(clip_path).expect("prompt")).expect("wav");
    hotline_e2e::audio::holds_clip(&heard, &clip)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocked_numbers_hear_the_refusal_or_warning_and_blocks_expire() {
    // The server's clock: Monday 10:00 Shanghai, moved forward by the test.
    let start: i64 = "2026-11-23T02:00:00Z"
        .parse::<jiff::Timestamp>()
        .expect("ts")
        .as_millisecond();
    let now = Arc::new(AtomicI64::new(start));
    let clock = {
        let now = now.clone();
        Arc::new(move || jiff::Timestamp::from_millisecond(now.load(Ordering::SeqCst)).expect("ts"))
    };
    // Blocks are written before the start, so the server loads them at once.
    let server = TestServer::start_with(|_| {}, ServerOptions { clock: Some(clock) }).await;
    let config = {
        let mut c = hotline_server::config::load(None).expect("cfg");
        c.server.data_dir = server.running.data_dir.clone();
        c
    };
    let mut out = Vec::new();
    run_blacklist_command(
        &BlacklistCommand::Add {
            number: "+8613800000099".into(),
            reason: "repeated abuse".into(),
            duration: "5m".into(),
            mode: Mode::Refuse,
        },
        &config,
        &mut out,
        start,
    )
    .expect("add");
    run_blacklist_command(
        &BlacklistCommand::Add {
            number: "13800000098".into(),
            reason: "harassment".into(),
            duration: "permanent".into(),
            mode: Mode::Warn,
        },
        &config,
        &mut out,
        start,
    )
    .expect("add");
    // The server refreshes its copy every 10 s; restart-free, so wait for it.
    tokio::time::sleep(Duration::from_secs(11)).await;

    // Refused: hears the refusal and is hung up on, before any IVR step.
    let mut refused = call(&server, "13800000099");
    refused.record = Some(server.dir.path().join("refused.wav"));
    let report = place_call(&refused).await.expect("call");
    assert_eq!(report.ended_by, "server", "{report}");
    assert!(
        heard_prompt(&refused, "blacklist_refused"),
        "the refusal was not heard"
    );
    server.wait_idle(Duration::from_secs(5)).await;
    let ev = server.events_of_latest_call().await;
    assert!(
        ev.iter()
            .any(|(k, d)| k == "blacklisted" && d["mode"] == "refuse"),
        "{ev:?}"
    );
    assert!(
        !ev.iter().any(|(k, _)| k.starts_with("ivr.")),
        "a refused caller must not reach the IVR: {ev:?}"
    );
    let db = server.db().await;
    let cause: String = db
        .query_row(
            "SELECT end_cause FROM cdrs ORDER BY started_at DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("cdr");
    assert_eq!(cause, "blacklisted");

    // Warned: hears the warning, then the normal flow reaches the queue.
    let mut warned = call(&server, "13800000098");
    warned.duration = 18.0;
    warned.record = Some(server.dir.path().join("warned.wav"));
    place_call(&warned).await.expect("call");
    assert!(
        heard_prompt(&warned, "blacklist_warning"),
        "the warning was not heard"
    );
    server.wait_idle(Duration::from_secs(5)).await;
    let ev = server.events_of_latest_call().await;
    let kinds: Vec<&str> = ev.iter().map(|(k, _)| k.as_str()).collect();
    let b = kinds
        .iter()
        .position(|k| *k == "blacklisted")
        .expect("warned");
    let q = kinds
        .iter()
        .position(|k| *k == "queued")
        .expect("then served");
    assert!(b < q, "{kinds:?}");

    // Ten seconds before the five minutes are up the block still holds.
    now.fetch_add(5 * 60_000 - 10_000, Ordering::SeqCst);
    let report = place_call(&call(&server, "13800000099"))
        .await
        .expect("call");
    assert_eq!(report.ended_by, "server", "still refused: {report}");
    server.wait_idle(Duration::from_secs(5)).await;
    let ev = server.events_of_latest_call().await;
    assert!(ev.iter().any(|(k, _)| k == "blacklisted"), "{ev:?}");

    // A minute later the block is over: the same number gets the IVR.
    now.fetch_add(60_000, Ordering::SeqCst);
    let mut again = call(&server, "13800000099");
    again.duration = 3.0;
    let report = place_call(&again).await.expect("call");
    assert_eq!(report.ended_by, "caller", "{report}");
    server.wait_idle(Duration::from_secs(5)).await;
    let ev = server.events_of_latest_call().await;
    assert!(
        !ev.iter().any(|(k, _)| k == "blacklisted"),
        "the block did not expire: {ev:?}"
    );
    assert!(ev.iter().any(|(k, _)| k.starts_with("ivr.")), "{ev:?}");
    server.running.shutdown().await;
}

//! A caller reaches a real agent: SIP caller, 12345 flow, queue, then a headless agent-tui
//! (WebSocket and WebRTC) answers. A 1 kHz tone from the caller is heard by the agent and a 600 Hz
//! tone from the agent by the caller; the caller hangs up; the recording holds both; CDR and events.

use std::time::Duration;

use hotline_e2e::TestServer;
use hotline_e2e::audio::tone_file;
use hotline_e2e::people::add_agent;
use hotline_server::cli::test_call::{CallArgs, place_call};

fn dominant(samples: &[i16]) -> Option<f32> {
    hotline_media::dominant_frequency(samples, &[600.0, 1000.0], 8000)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caller_and_agent_hear_each_other_and_the_call_is_recorded() {
    let server = TestServer::start(|_| {}).await;
    add_agent(&server, "tester1", "correct horse battery");
    let dir = server.dir.path().to_owned();
    let agent_voice = tone_file(&dir, "agent.wav", 600.0);
    let caller_voice = tone_file(&dir, "caller.wav", 1000.0);
    let agent_heard = dir.join("agent-heard.wav");
    let caller_heard = dir.join("caller-heard.wav");

    let agent_args = agent_tui::Args {
        play: Some(agent_voice),
        record: Some(agent_heard.clone()),
        answer_after: 0.3,
        hangup_after: 0.0,
        calls: 1,
        hold_after: 0.0,
        hold_for: 0.0,
        ..hotline_e2e::headless_agent(&server, "tester1", "correct horse battery")
    };
    let agent = tokio::spawn(async move { agent_tui::headless::run(&agent_args).await });
    // Let the agent log in, bring up its media leg and go ready.
    let mut ready = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if server
            .running
            .context
            .distributor
            .agent_state("tester1")
            .await
            == Some(hotline_server::acd::AgentState::Ready)
        {
            ready = true;
            break;
        }
    }
    assert!(ready, "the headless agent never became ready");

    let call = CallArgs {
        to: "12345".into(),
        from: "13800138000".into(),
        server: server.sip(),
        dtmf: String::new(),
        dtmf_delay: 0.0,
        play: Some(caller_voice),
        record: Some(caller_heard.clone()),
        duration: 12.0,
        codec: None,
        inband: false,
    };
    let report = place_call(&call).await.expect("call");
    assert!(report.answered, "{report}");
    let agent_result = tokio::time::timeout(Duration::from_secs(15), agent)
        .await
        .expect("agent finished")
        .expect("agent task");
    agent_result.expect("headless agent ran");
    server.wait_idle(Duration::from_secs(5)).await;

    // The caller heard the agent's 600 Hz at the end of the call.
    let heard =
        hotline_media::read_wav_8k_mono(&std::fs::read(&caller_heard).expect("caller recording"))
            .expect("wav");
    let tail = &heard[heard.len().saturating_sub(16_000)..heard.len().saturating_sub(4000)];
    assert_eq!(
        dominant(tail),
        Some(600.0),
        "caller did not hear the agent (rms {})",
        hotline_media::rms(tail)
    );
    // The agent heard the caller's 1 kHz.
    let (_, agent_samples) =
        hotline_media::read_wav(&std::fs::read(&agent_heard).expect("agent recording"))
            .expect("wav");
    let mid = &agent_samples[agent_samples.len() / 4..agent_samples.len() * 3 / 4];
    assert!(
        agent_samples.len() > 8000,
        "agent heard only {} samples",
        agent_samples.len()
    );
    assert_eq!(dominant(mid), Some(1000.0), "agent did not hear the caller");

    // One stereo recording of the call: caller left, agent right.
    let db = server.db().await;
    let (path, channels): (String, i64) = db
        .query_row(
            "SELECT path, channels FROM recordings WHERE kind = 'call'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("call recording row");
    assert_eq!(channels, 2);
    let (info, rec) =
        hotline_media::read_wav(&std::fs::read(&path).expect("recording file")).expect("wav");
    assert_eq!(info.channels, 2);
    let frames = rec.len() / 2;
    assert!(frames > 8000 * 3, "recording too short: {frames} frames");
    let left: Vec<i16> = rec
        .chunks_exact(2)
        .map(|p| p[0])
        .skip(frames / 4)
        .take(frames / 2)
        .collect();
    let right: Vec<i16> = rec
        .chunks_exact(2)
        .map(|p| p[1])
        .skip(frames / 4)
        .take(frames / 2)
        .collect();
    assert_eq!(
        dominant(&left),
        Some(1000.0),
        "caller side of the recording"
    );
    assert_eq!(dominant(&right), Some(600.0), "agent side of the recording");

    let ev = server.events_of_latest_call().await;
    let kinds: Vec<&str> = ev.iter().map(|(k, _)| k.as_str()).collect();
    for want in [
        "received",
        "answered",
        "queued",
        "connected",
        "recorded",
        "ended",
    ] {
        assert!(kinds.contains(&want), "event {want} missing: {kinds:?}");
    }
    let (cause, queue): (String, String) = db
        .query_row("SELECT end_cause, queue FROM cdrs", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("cdr");
    assert_eq!(
        (cause.as_str(), queue.as_str()),
        ("caller hangup", "general")
    );
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_puts_the_caller_on_hold_with_music_and_resumes() {
    let server = TestServer::start(|_| {}).await;
    add_agent(&server, "tester2", "correct horse battery");
    let dir = server.dir.path().to_owned();
    let agent_voice = tone_file(&dir, "agent.wav", 600.0);
    let caller_heard = dir.join("caller-heard.wav");
    // Talk 2 s, hold 3 s, talk again until the agent hangs up at 8 s.
    let agent_args = agent_tui::Args {
        play: Some(agent_voice),
        record: None,
        answer_after: 0.2,
        hangup_after: 8.0,
        calls: 1,
        hold_after: 2.0,
        hold_for: 3.0,
        ..hotline_e2e::headless_agent(&server, "tester2", "correct horse battery")
    };
    let agent = tokio::spawn(async move { agent_tui::headless::run(&agent_args).await });
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if server
            .running
            .context
            .distributor
            .agent_state("tester2")
            .await
            == Some(hotline_server::acd::AgentState::Ready)
        {
            break;
        }
    }
    let call = CallArgs {
        to: "12345".into(),
        from: "13800138001".into(),
        server: server.sip(),
        dtmf: String::new(),
        dtmf_delay: 0.0,
        play: None,
        record: Some(caller_heard.clone()),
        duration: 30.0,
        codec: None,
        inband: false,
    };
    let report = place_call(&call).await.expect("call");
    assert_eq!(report.ended_by, "server", "the agent hangs up: {report}");
    tokio::time::timeout(Duration::from_secs(15), agent)
        .await
        .expect("agent done")
        .expect("task")
        .expect("agent ran");
    server.wait_idle(Duration::from_secs(5)).await;
    let ev = server.events_of_latest_call().await;
    let kinds: Vec<&str> = ev.iter().map(|(k, _)| k.as_str()).collect();
    let c = kinds
        .iter()
        .position(|k| *k == "connected")
        .expect("connected");
    let h = kinds.iter().position(|k| *k == "agent_hold").expect("held");
    let r = kinds
        .iter()
        .position(|k| *k == "agent_resume")
        .expect("resumed");
    assert!(c < h && h < r, "{kinds:?}");
    // The last 8 s the caller heard: 600 Hz, then hold music (no 600 Hz), then 600 Hz again.
    let heard =
        hotline_media::read_wav_8k_mono(&std::fs::read(&caller_heard).expect("rec")).expect("wav");
    let tail = &heard[heard.len().saturating_sub(8 * 8000)..];
    let p600 = |s: &[i16]| hotline_media::goertzel_power(s, 600.0, 8000) / (s.len() as f32);
    let talk1 = p600(&tail[4000..12_000]);
    let held = p600(&tail[24_000..36_000]);
    let talk2 = p600(&tail[48_000..60_000]);
    assert!(
        held * 20.0 < talk1 && held * 20.0 < talk2,
        "600 Hz power talk {talk1} / hold {held} / talk {talk2}"
    );
    assert!(
        hotline_media::rms(&tail[24_000..36_000]) > 200.0,
        "hold should have music, not silence"
    );
    // One recording follows the call through the hold: the agent's side holds 600 Hz before
    // and after it and is silent during it, so the file keeps real time.
    let db = server.db().await;
    let mut st = db
        .prepare("SELECT path, channels FROM recordings WHERE kind = 'call'")
        .expect("prepare");
    let rows: Vec<(String, i64)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .map(|r| r.expect("row"))
        .collect();
    assert_eq!(rows.len(), 1, "one recording for the call: {rows:?}");
    let (_, rec) =
        hotline_media::read_wav(&std::fs::read(&rows[0].0).expect("recording")).expect("wav");
    let agent_side: Vec<i16> = rec.chunks_exact(2).map(|p| p[1]).collect();
    assert!(
        agent_side.len() >= 7 * 8000,
        "the recording covers the whole 8 s, hold included: {} samples",
        agent_side.len()
    );
    let end = agent_side.len();
    let (before, during, after) = (
        p600(&agent_side[4000..12_000]),
        p600(&agent_side[24_000..36_000]),
        p600(&agent_side[end - 16_000..end - 4000]),
    );
    assert!(
        during * 20.0 < before && during * 20.0 < after,
        "agent side 600 Hz: before {before} / on hold {during} / after {after}"
    );
    server.running.shutdown().await;
}

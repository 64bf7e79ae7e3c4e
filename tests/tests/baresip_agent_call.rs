//! A real SIP phone reaches a real agent: baresip dials 12345, the flow's welcome plays and the
//! call queues; the `agent-tui --headless` binary answers. baresip speaks 1 kHz, the agent 600 Hz;
//! each hears the other's tone and not its own. The agent hangs up, baresip is told (BYE); the
//! server's stereo recording holds both tones, and the CDR and the event log are complete.

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use hotline_e2e::TestServer;
use hotline_e2e::audio::tone_file;
use hotline_e2e::baresip::Phone;
use hotline_e2e::people::add_agent;
use hotline_server::ServerOptions;
use hotline_server::acd::AgentState;

// Not `agent1`: the server seeds demo accounts of that name with random passwords.
const AGENT: &str = "tester5";
const PASSWORD: &str = "correct horse battery";
const CITIZEN: &str = "13700001111";
/// How long the agent talks before hanging up: long enough for every window checked below.
const TALK_SECS: u32 = 10;
/// Timeouts for whatever crosses processes, generous for a loaded 2-core machine.
const LONG: Duration = Duration::from_secs(90);

/// Half a second at 8 kHz: the unit of the tone maps below.
const WINDOW: usize = 4000;

/// One mark per 0.5 s of `samples`: `1` where a 1 kHz tone makes up nine tenths of the sound,
/// `6` where 600 Hz does, `.` for other sound (a prompt, music, a mix), ` ` for near silence.
fn tone_map(samples: &[i16]) -> String {
    samples
        .chunks_exact(WINDOW)
        .map(|w| {
            let energy = hotline_media::rms(w).powi(2);
            // Goertzel power is the mean square of that one frequency: a share of the energy.
            let share = |f: f32| hotline_media::goertzel_power(w, f, 8000) / energy;
            if hotline_media::rms(w) < 300.0 {
                ' '
            } else if share(1000.0) > 0.9 {
                '1'
            } else if share(600.0) > 0.9 {
                '6'
            } else {
                '.'
            }
        })
        .collect()
}

/// The longest run of `mark` in `map`, in windows.
fn longest_run(map: &str, mark: char) -> usize {
    map.split(|c| c != mark).map(str::len).max().unwrap_or(0)
}

/// `samples` hold at least `TALK_SECS - 4` seconds of `want` alone and never the other tone.
fn assert_heard(samples: &[i16], want: f32, what: &str) {
    let (mark, other) = if want > 800.0 { ('1', '6') } else { ('6', '1') };
    let map = tone_map(samples);
    let need = (TALK_SECS as usize - 4) * 8000 / WINDOW;
    assert!(
        longest_run(&map, mark) >= need && !map.contains(other),
        "{what}: expected {want} Hz alone for {need} half-seconds and never the other tone; \
         heard (per 0.5 s: 1 = 1 kHz, 6 = 600 Hz, . = other sound, blank = quiet): [{map}]"
    );
}

/// 120 s of `freq` at the amplitude of the agent's tone: baresip's microphone, which must
/// outlast the call (see [`Phone::start`]).
fn long_tone(freq: f32) -> Vec<i16> {
    let mut samples = vec![0i16; 8000 * 120];
    hotline_media::ToneGenerator::new(&[freq], 8000, 8000).fill(&mut samples);
    samples
}

/// The real `agent-tui` binary, headless, as `AGENT`: speaks `voice`, records what it hears
/// into `heard`, answers, hangs up after `TALK_SECS`, and exits after one call.
fn spawn_agent(server: &TestServer, voice: &Path, heard: &Path) -> tokio::process::Child {
    let bin = hotline_e2e::tmux::binary("agent-tui", "agent-tui");
    let xdg = server.dir.path().join("xdg");
    std::fs::create_dir_all(&xdg).expect("config dir");
    tokio::process::Command::new(bin)
        .env("XDG_CONFIG_HOME", &xdg)
        .args(["--headless", "--server"])
        .arg(format!("ws://{}/ws", server.running.api))
        .args(["--user", AGENT, "--password", PASSWORD, "--play"])
        .arg(voice)
        .arg("--record")
        .arg(heard)
        .args(["--answer-after", "0.3", "--hangup-after"])
        .arg(TALK_SECS.to_string())
        .args(["--calls", "1"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("agent-tui runs")
}

/// Waits until the ACD holds the agent ready; fails early, with its output, if it exits.
async fn wait_ready(server: &TestServer, agent: &mut tokio::process::Child) {
    let until = tokio::time::Instant::now() + LONG;
    loop {
        let state = server.running.context.distributor.agent_state(AGENT).await;
        if state == Some(AgentState::Ready) {
            return;
        }
        if let Ok(Some(status)) = agent.try_wait() {
            let mut err = String::new();
            if let Some(mut e) = agent.stderr.take() {
                let _ = tokio::io::AsyncReadExt::read_to_string(&mut e, &mut err).await;
            }
            panic!("the headless agent exited ({status}) before it was ready: {err}");
        }
        assert!(
            tokio::time::Instant::now() < until,
            "the headless agent never became ready (state {state:?})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn baresip_and_the_headless_agent_hear_each_other_and_the_call_is_recorded() {
    // The real clock, so the CDR's times and durations are real (12345 runs 24x7, so the hour
    // does not change the flow).
    let options = ServerOptions {
        clock: Some(Arc::new(jiff::Timestamp::now)),
    };
    let server = TestServer::start_with(|_| {}, options).await;
    add_agent(&server, AGENT, PASSWORD);
    let dir = server.dir.path().to_owned();
    let agent_voice = tone_file(&dir, "agent.wav", 600.0);
    let agent_heard = dir.join("agent-heard.wav");

    let mut agent = spawn_agent(&server, &agent_voice, &agent_heard);
    wait_ready(&server, &mut agent).await;
    let agent = tokio::spawn(agent.wait_with_output());

    let mut phone = Phone::start(CITIZEN, &long_tone(1000.0)).await;
    phone.dial(server.sip(), "12345").await;
    phone.wait_event("CALL_ESTABLISHED", LONG).await;
    // The agent hangs up after TALK_SECS; the server's BYE closes the phone's call.
    let closed = phone.wait_event("CALL_CLOSED", LONG).await;
    // baresip's words for a BYE from the other side (not its own hang-up, nor its voice file
    // running out).
    assert_eq!(
        closed["param"], "Connection reset by peer",
        "baresip closed the call itself: {closed}"
    );
    let agent = tokio::time::timeout(LONG, agent)
        .await
        .expect("the agent exits after its one call")
        .expect("agent task")
        .expect("agent output");
    phone.quit().await;
    let agent_out = String::from_utf8_lossy(&agent.stdout);
    let agent_err = String::from_utf8_lossy(&agent.stderr);
    assert!(
        agent.status.success(),
        "headless agent failed ({}): {agent_out}{agent_err}",
        agent.status
    );
    // Its one line per call: the call ended because the agent hung up.
    assert!(
        agent_out.contains("ended=AgentHangup"),
        "agent's call line: {agent_out:?} (stderr {agent_err:?})"
    );
    server.wait_idle(Duration::from_secs(20)).await;

    // The agent heard the caller's 1 kHz, and never its own 600 Hz.
    let (info, agent_samples) =
        hotline_media::read_wav(&std::fs::read(&agent_heard).expect("agent's recording"))
            .expect("agent's wav");
    assert_eq!((info.sample_rate, info.channels), (8000, 1));
    assert_heard(&agent_samples, 1000.0, "what the agent heard");

    // The phone heard the welcome prompt, then the agent's 600 Hz, and never its own 1 kHz.
    assert_heard(&phone.heard(), 600.0, "what baresip heard");

    // The call and its stereo recording: caller left (1 kHz), agent right (600 Hz).
    let db = server.db().await;
    let call_id: String = db
        .query_row("SELECT call_id FROM cdrs", [], |r| r.get(0))
        .expect("one CDR");
    let (path, channels, ended): (String, i64, Option<i64>) = db
        .query_row(
            "SELECT path, channels, ended_at FROM recordings WHERE kind = 'call' AND call_id = ?1",
            [&call_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("the call's recording row");
    assert_eq!(channels, 2, "the call recording is stereo");
    assert!(ended.is_some(), "the recording row was closed");
    let (info, rec) =
        hotline_media::read_wav(&std::fs::read(&path).expect("recording file")).expect("wav");
    assert_eq!((info.sample_rate, info.channels), (8000, 2));
    let channel = |c: usize| -> Vec<i16> { rec.chunks_exact(2).map(|p| p[c]).collect() };
    assert_heard(&channel(0), 1000.0, "the caller's channel of the recording");
    assert_heard(&channel(1), 600.0, "the agent's channel of the recording");

    // The CDR is complete: answered, queued to `general`, talked, ended by the agent.
    let cdr = db
        .query_row(
            "SELECT caller, dnis, profile, started_at, answered_at, ended_at, duration_ms, \
             talk_ms, end_cause, digits, queue FROM cdrs WHERE call_id = ?1",
            [&call_id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, i64>(6)?,
                    r.get::<_, i64>(7)?,
                    r.get::<_, String>(8)?,
                    r.get::<_, String>(9)?,
                    r.get::<_, Option<String>>(10)?,
                ))
            },
        )
        .expect("cdr");
    let (caller, dnis, profile, started, answered, ended, duration, talk, cause, digits, queue) =
        cdr;
    assert_eq!(
        (caller.as_str(), dnis.as_str(), profile.as_str()),
        (CITIZEN, "12345", "12345")
    );
    let answered = answered.expect("the CDR has an answer time");
    assert!(
        started <= answered && answered < ended,
        "CDR times {started} / {answered} / {ended}"
    );
    assert_eq!(duration, ended - started, "CDR duration");
    assert_eq!(talk, ended - answered, "CDR talk time");
    // Talk time runs from the SIP answer: the welcome plus the agent's TALK_SECS, which the
    // agent counts from after the server connected it (a second off for rounding).
    assert!(
        talk >= i64::from(TALK_SECS - 1) * 1000,
        "CDR talk time {talk} ms of {duration} ms"
    );
    assert_eq!(cause, "agent hangup");
    assert_eq!(digits, "", "12345 has no menu");
    assert_eq!(queue.as_deref(), Some("general"));

    // The event log tells the whole story, in order, with the agent who took the call.
    let ev = hotline_e2e::events(&db, &call_id);
    let kinds: Vec<&str> = ev.iter().map(|(k, _)| k.as_str()).collect();
    let mut at = 0;
    for want in [
        "received",
        "answered",
        "queued",
        "connected",
        "bye",
        "recorded",
        "ended",
    ] {
        let Some(i) = kinds[at..].iter().position(|k| *k == want) else {
            panic!("event {want} missing or out of order: {kinds:?}");
        };
        at += i + 1;
    }
    let detail = |kind: &str| &ev.iter().find(|(k, _)| k == kind).expect(kind).1;
    let received = detail("received");
    assert_eq!(received["caller"], CITIZEN, "{received}");
    assert_eq!(received["dnis"], "12345", "{received}");
    assert_eq!(received["codec"], "PCMU", "{received}");
    assert_eq!(detail("queued")["queue"], "general", "{ev:?}");
    assert_eq!(detail("connected")["agent"], AGENT, "{ev:?}");
    assert_eq!(detail("connected")["audio"], true, "{ev:?}");
    assert_eq!(detail("bye")["from"], "agent", "{ev:?}");
    assert_eq!(detail("ended")["cause"], "agent hangup", "{ev:?}");
    let calls: i64 = db
        .query_row(
            "SELECT count(*) FROM calls WHERE state = 'ended'",
            [],
            |r| r.get(0),
        )
        .expect("calls");
    assert_eq!(calls, 1, "the one call is ended in `calls`");
    server.running.shutdown().await;
}

#[test]
fn tone_maps_tell_each_tone_from_a_mix_and_from_silence() {
    let tone = |f: f32| {
        let mut s = vec![0i16; WINDOW * 2];
        hotline_media::ToneGenerator::new(&[f], 8000, 8000).fill(&mut s);
        s
    };
    let mut both = tone(600.0);
    for (a, b) in both.iter_mut().zip(tone(1000.0)) {
        *a = a.saturating_add(b) / 2;
    }
    let samples = [tone(1000.0), vec![0; WINDOW], tone(600.0), both].concat();
    assert_eq!(tone_map(&samples), "11 66..");
    assert_eq!(longest_run("11 666.6", '6'), 3);
    assert_eq!(longest_run("", '6'), 0);
}

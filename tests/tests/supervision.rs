//! Supervision end to end. A SIP caller (1 kHz) talks to a headless agent (600 Hz); a supervisor
//! workstation with the file audio backend (400 Hz) listens, whispers, barges in and then
//! releases the call (强拆). Who hears whom is checked by frequency in each mode's time window,
//! and every step is in the audit log. Bare sessions check the live feed, the force actions, the
//! help request and the takeover. A supervisor whose workstation freezes while listening is
//! taken out of the call by the heartbeat.

use std::path::Path;
use std::time::{Duration, Instant};

use clap::Parser as _;
use hotline_e2e::TestServer;
use hotline_e2e::audio::{deaf_to, hears, power, tone_file};
use hotline_e2e::console::Console;
use hotline_e2e::people::{add_user, wait_ready};
use hotline_protocol::{self as proto, Command, Event, MonitorMode};
use hotline_server::acd::AgentState;
use hotline_server::cli::test_call::{CallArgs, place_call};

const PASSWORD: &str = "correct horse battery";
const CALLER: &str = "13800138000";
/// How long each monitoring mode lasts.
const PHASE: Duration = Duration::from_secs(3);
/// Cut from each end of a window: switching and the jitter buffers take a moment.
const MARGIN: f64 = 0.5;

/// `freq` stands 20 dB over an unrelated frequency (no tone or mixing product is at 1500 Hz).
fn clear(samples: &[i16], freq: f32) -> bool {
    power(samples, freq) > power(samples, 1500.0) * 100.0
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// The part of a recording that ends at the release, between `from` and `to` seconds before
/// it (recordings that only run while the call is bridged end when it is released).
fn before_end(samples: &[i16], from: f64, to: f64) -> &[i16] {
    let at = |s: f64| {
        let back = (s * 8000.0) as usize;
        samples.len().saturating_sub(back)
    };
    &samples[at(from)..at(to)]
}

fn caller(
    server: &TestServer,
    play: Option<std::path::PathBuf>,
    record: Option<std::path::PathBuf>,
) -> CallArgs {
    CallArgs {
        to: "12345".into(),
        from: CALLER.into(),
        server: server.sip(),
        dtmf: String::new(),
        dtmf_delay: 0.0,
        play,
        record,
        duration: 40.0,
        codec: None,
        inband: false,
    }
}

/// The headless agent's flags, parsed as from its command line (new flags keep defaults).
fn headless(
    server: &TestServer,
    name: &str,
    play_record: Option<(&Path, &Path)>,
) -> agent_tui::Args {
    let server = format!("ws://{}/ws", server.running.api);
    let mut argv: Vec<String> = [
        "agent-tui",
        "--headless",
        "--server",
        &server,
        "--user",
        name,
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    argv.extend(
        [
            "--password",
            PASSWORD,
            "--answer-after",
            "0.3",
            "--calls",
            "1",
        ]
        .map(String::from),
    );
    if let Some((play, record)) = play_record {
        argv.extend(["--play".to_owned(), play.display().to_string()]);
        argv.extend(["--record".to_owned(), record.display().to_string()]);
    }
    agent_tui::Args::try_parse_from(argv).expect("headless flags")
}

/// Waits in the supervisor's feed (topic `agents`) until `agent` is on a call; its call id.
async fn on_call(sup: &mut Console, agent: &str) -> proto::CallId {
    let event = sup
        .wait_for("agent on a call", Duration::from_secs(20), |e| {
            matches!(e, Event::AgentState { agent_id, state: proto::AgentState::OnCall { .. }, caller: Some(_), .. } if agent_id.0 == agent)
        })
        .await;
    match event {
        Event::AgentState {
            state: proto::AgentState::OnCall { call_id },
            caller,
            ..
        } => {
            assert_eq!(caller.as_deref(), Some(CALLER), "the feed shows the caller");
            call_id
        }
        _ => unreachable!("matched above"),
    }
}

async fn monitor(sup: &mut Console, agent: &str, mode: MonitorMode) -> Instant {
    sup.call(Command::Monitor {
        agent_id: proto::AgentId(agent.into()),
        mode,
    })
    .await
    .unwrap_or_else(|e| panic!("monitor {mode:?}: {e:?}"));
    Instant::now()
}

type AgentTask = tokio::task::JoinHandle<anyhow::Result<()>>;

/// A server with `agent` (a silent headless agent that answers) ready and `boss` logged in,
/// following the agents' feed.
async fn agent_and_supervisor(agent: &str, boss: &str) -> (TestServer, AgentTask, Console) {
    let server = TestServer::start(|_| {}).await;
    add_user(&server, agent, proto::Role::Agent, PASSWORD);
    add_user(&server, boss, proto::Role::Supervisor, PASSWORD);
    let agent_args = headless(&server, agent, None);
    let task = tokio::spawn(async move { agent_tui::headless::run(&agent_args).await });
    let api = server.running.api;
    let mut sup = Console::login(api, boss, PASSWORD, proto::ClientKind::SupervisorTui).await;
    sup.call(Command::Subscribe {
        topics: vec![proto::Topic::Agents],
    })
    .await
    .expect("subscribe");
    wait_ready(&server, agent).await;
    (server, task, sup)
}

/// The audit rows written by `user`: action, target, detail.
async fn audit_of(server: &TestServer, user: &str) -> Vec<(String, String, serde_json::Value)> {
    let db = server.db().await;
    let mut st = db
        .prepare("SELECT action, target, detail, role FROM audit_log WHERE user = ?1 AND action != 'login' ORDER BY id")
        .expect("prepare");
    st.query_map([user], |r| {
        let detail: String = r.get(2)?;
        let role: Option<String> = r.get(3)?;
        assert_eq!(role.as_deref(), Some("supervisor"));
        Ok((
            r.get(0)?,
            r.get(1)?,
            serde_json::from_str(&detail).expect("json"),
        ))
    })
    .expect("query")
    .map(|r| r.expect("row"))
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_listens_whispers_barges_in_and_releases_the_call() {
    let server = TestServer::start(|_| {}).await;
    add_user(&server, "agent7", proto::Role::Agent, PASSWORD);
    add_user(&server, "boss", proto::Role::Supervisor, PASSWORD);
    let dir = server.dir.path().to_owned();
    let agent_heard = dir.join("agent-heard.wav");
    let caller_heard = dir.join("caller-heard.wav");

    let agent_voice = tone_file(&dir, "agent.wav", 600.0);
    let agent_args = headless(&server, "agent7", Some((&agent_voice, &agent_heard)));
    let agent = tokio::spawn(async move { agent_tui::headless::run(&agent_args).await });

    let api = server.running.api;
    let mut sup = Console::login(api, "boss", PASSWORD, proto::ClientKind::SupervisorTui).await;
    sup.call(Command::Subscribe {
        topics: vec![
            proto::Topic::Agents,
            proto::Topic::Queues,
            proto::Topic::MyCalls,
        ],
    })
    .await
    .expect("subscribe");
    sup.start_media(
        tone_file(&dir, "boss.wav", 400.0),
        dir.join("boss-heard.wav"),
    )
    .await;
    wait_ready(&server, "agent7").await;

    let args = caller(
        &server,
        Some(tone_file(&dir, "caller.wav", 1000.0)),
        Some(caller_heard.clone()),
    );
    let call = tokio::spawn(async move { place_call(&args).await });
    let call_id = on_call(&mut sup, "agent7").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let listen = monitor(&mut sup, "agent7", MonitorMode::Listen).await;
    sup.wait_for("own call_state", Duration::from_secs(5), |e| {
        matches!(e, Event::CallState { monitor: Some(MonitorMode::Listen), parties, .. } if parties.len() == 3)
    })
    .await;
    tokio::time::sleep(PHASE).await;
    let whisper = monitor(&mut sup, "agent7", MonitorMode::Whisper).await;
    tokio::time::sleep(PHASE).await;
    let barge = monitor(&mut sup, "agent7", MonitorMode::Barge).await;
    tokio::time::sleep(PHASE).await;
    sup.call(Command::ForceRelease {
        call_id: call_id.clone(),
    })
    .await
    .expect("force release");
    let release = Instant::now();

    let report = tokio::time::timeout(Duration::from_secs(10), call)
        .await
        .expect("caller done")
        .expect("caller task")
        .expect("call");
    assert_eq!(report.ended_by, "server", "the caller got a BYE: {report}");
    sup.wait_for("call ended", Duration::from_secs(5), |e| {
        matches!(
            e,
            Event::CallState {
                state: proto::CallState::Ended {
                    cause: proto::EndCause::ForceReleased
                },
                ..
            }
        )
    })
    .await;
    tokio::time::timeout(Duration::from_secs(15), agent)
        .await
        .expect("agent finished")
        .expect("agent task")
        .expect("headless agent ran");
    sup.stop_media().await;
    server.wait_idle(Duration::from_secs(5)).await;

    // Windows, in seconds before the release, of each mode.
    // Each mode's span, as instants (the supervisor's frames) and as seconds before the
    // release (the recordings, which end with the call).
    let spans = [
        ("listen", listen, whisper),
        ("whisper", whisper, barge),
        ("barge", barge, release),
    ];
    let windows =
        spans.map(|(mode, start, end)| (mode, secs(release - start), secs(release - end)));
    let read = |path: &std::path::Path| {
        hotline_media::read_wav_8k_mono(&std::fs::read(path).expect("recording")).expect("wav")
    };
    let agent_rec = read(&agent_heard);
    let caller_rec = read(&caller_heard);
    let margin = Duration::from_secs_f64(MARGIN);
    for ((mode, from, to), (_, start, end)) in windows.into_iter().zip(spans) {
        let (from, to) = (from - MARGIN, to + MARGIN);
        let at_agent = before_end(&agent_rec, from, to);
        let at_caller = before_end(&caller_rec, from, to);
        // The supervisor hears both sides in every mode.
        let end = end
            .checked_sub(margin)
            .expect("spans last longer than the margin");
        let at_sup = sup.heard_between(start + margin, end);
        assert!(
            clear(&at_sup, 1000.0) && clear(&at_sup, 600.0),
            "{mode}: the supervisor hears caller and agent"
        );
        assert!(
            clear(at_agent, 1000.0),
            "{mode}: the agent hears the caller"
        );
        assert!(
            clear(at_caller, 600.0),
            "{mode}: the caller hears the agent"
        );
        let (agent_hears_sup, caller_hears_sup) = match mode {
            "listen" => (false, false),
            "whisper" => (true, false),
            _ => (true, true),
        };
        let p = |s: &[i16], f: f32, r: f32| power(s, f) / power(s, r);
        eprintln!(
            "{mode}: agent 400/1000 {:.2e}, caller 400/600 {:.2e}, supervisor 600/1500 {:.2e} 1000/1500 {:.2e}",
            p(at_agent, 400.0, 1000.0),
            p(at_caller, 400.0, 600.0),
            p(&at_sup, 600.0, 1500.0),
            p(&at_sup, 1000.0, 1500.0)
        );
        assert_eq!(
            (
                hears(at_agent, 400.0, 1000.0),
                deaf_to(at_agent, 400.0, 1000.0)
            ),
            (agent_hears_sup, !agent_hears_sup),
            "{mode}: the agent and the supervisor (400/1000 power {})",
            p(at_agent, 400.0, 1000.0)
        );
        assert_eq!(
            (
                hears(at_caller, 400.0, 600.0),
                deaf_to(at_caller, 400.0, 600.0)
            ),
            (caller_hears_sup, !caller_hears_sup),
            "{mode}: the caller and the supervisor (400/600 power {})",
            p(at_caller, 400.0, 600.0)
        );
    }

    // The recording keeps the caller left and the hotline right: a whisper is not in it, a
    // barge-in is.
    let db = server.db().await;
    let path: String = db
        .query_row("SELECT path FROM recordings WHERE kind = 'call'", [], |r| {
            r.get(0)
        })
        .expect("call recording");
    let (_, rec) = hotline_media::read_wav(&std::fs::read(&path).expect("file")).expect("wav");
    let right: Vec<i16> = rec.chunks_exact(2).map(|p| p[1]).collect();
    let whisper_right = before_end(&right, windows[1].1 - MARGIN, windows[1].2 + MARGIN);
    let barge_right = before_end(&right, windows[2].1 - MARGIN, windows[2].2 + MARGIN);
    assert!(
        deaf_to(whisper_right, 400.0, 600.0),
        "a whisper is not recorded"
    );
    assert!(hears(barge_right, 400.0, 600.0), "a barge-in is recorded");

    let (cause,): (String,) = db
        .query_row("SELECT end_cause FROM cdrs", [], |r| Ok((r.get(0)?,)))
        .expect("cdr");
    assert_eq!(cause, "force release");
    let audit = audit_of(&server, "boss").await;
    let summary: Vec<(String, String, String, bool)> = audit
        .iter()
        .map(|(action, target, detail)| {
            let what = detail["mode"]
                .as_str()
                .or(detail["command"].as_str())
                .unwrap_or("");
            (
                action.clone(),
                target.clone(),
                what.to_owned(),
                detail["ok"] == true,
            )
        })
        .collect();
    let row = |a: &str, t: &str, w: &str| (a.to_owned(), t.to_owned(), w.to_owned(), true);
    assert_eq!(
        summary,
        [
            row("monitor", "agent7", "listen"),
            row("monitor", "agent7", "whisper"),
            row("monitor", "agent7", "barge"),
            row("force", &call_id.0, "force_release"),
        ]
    );
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_feed_force_actions_and_help_requests() {
    let server = TestServer::start(|_| {}).await;
    add_user(&server, "a1", proto::Role::Agent, PASSWORD);
    add_user(&server, "s1", proto::Role::Supervisor, PASSWORD);
    let api = server.running.api;
    let mut agent = Console::login(api, "a1", PASSWORD, proto::ClientKind::Other).await;
    agent.call(Command::SetReady).await.expect("ready");
    let mut sup = Console::login(api, "s1", PASSWORD, proto::ClientKind::SupervisorTui).await;
    sup.call(Command::Subscribe {
        topics: vec![proto::Topic::Agents, proto::Topic::Queues],
    })
    .await
    .expect("subscribe");
    // The current picture comes at once: every agent and every queue.
    sup.wait_for("a1 in the feed", Duration::from_secs(5), |e| {
        matches!(e, Event::AgentState { agent_id, state: proto::AgentState::Ready, .. } if agent_id.0 == "a1")
    })
    .await;
    sup.wait_for(
        "a queue snapshot",
        Duration::from_secs(5),
        |e| matches!(e, Event::QueueSnapshot(q) if q.queue == "general"),
    )
    .await;

    // An agent may not monitor; a supervisor may not monitor an agent who is not on a call.
    let refused = agent
        .call(Command::Monitor {
            agent_id: proto::AgentId("a1".into()),
            mode: MonitorMode::Listen,
        })
        .await
        .expect_err("agents may not monitor");
    assert_eq!(refused.code, proto::ErrorCode::Forbidden);
    sup.call(Command::Monitor {
        agent_id: proto::AgentId("a1".into()),
        mode: MonitorMode::Listen,
    })
    .await
    .expect_err("a1 is not on a call");

    // Help request and emergency reach the supervisor as notices.
    agent.call(Command::CallSupervisor).await.expect("help");
    sup.wait_for("help notice", Duration::from_secs(5), |e| {
        matches!(e, Event::Notice { text, level: proto::NoticeLevel::Warning } if text.contains("a1"))
    })
    .await;
    agent.call(Command::Emergency).await.expect("emergency");
    sup.wait_for("emergency notice", Duration::from_secs(5), |e| {
        matches!(
            e,
            Event::Notice {
                level: proto::NoticeLevel::Critical,
                ..
            }
        )
    })
    .await;

    // Force not-ready: the agent and the feed see it, with the cause `forced`.
    sup.call(Command::ForceNotReady {
        agent_id: proto::AgentId("a1".into()),
        reason: proto::NotReadyReason::standard(proto::StandardReason::Meeting),
    })
    .await
    .expect("force not ready");
    let forced_not_ready = |e: &Event| matches!(e, Event::AgentState { state: proto::AgentState::NotReady { reason }, cause: proto::StateCause::Forced, .. } if reason.code == "meeting");
    agent
        .wait_for("forced not ready", Duration::from_secs(5), forced_not_ready)
        .await;
    sup.wait_for(
        "forced not ready in the feed",
        Duration::from_secs(5),
        forced_not_ready,
    )
    .await;

    // Force log-out.
    sup.call(Command::ForceLogout {
        agent_id: proto::AgentId("a1".into()),
    })
    .await
    .expect("force logout");
    agent
        .wait_for("forced log-out", Duration::from_secs(5), |e| {
            matches!(
                e,
                Event::AgentState {
                    state: proto::AgentState::LoggedOut,
                    cause: proto::StateCause::Forced,
                    ..
                }
            )
        })
        .await;
    assert!(
        agent
            .saw(Duration::from_secs(2), |e| matches!(e, Event::Error(_)))
            .await
    );
    assert_eq!(
        server.running.context.distributor.agent_state("a1").await,
        Some(AgentState::LoggedOut)
    );

    let audit = audit_of(&server, "s1").await;
    let summary: Vec<(&str, &str, bool)> = audit
        .iter()
        .map(|(a, t, d)| (a.as_str(), t.as_str(), d["ok"] == true))
        .collect();
    assert_eq!(
        summary,
        [
            ("monitor", "a1", false),
            ("force", "a1", true),
            ("force", "a1", true)
        ]
    );
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_takes_the_call_over_and_the_agent_drops_out() {
    let (server, agent, mut sup) = agent_and_supervisor("agent8", "boss2").await;
    let args = caller(&server, None, None);
    let call = tokio::spawn(async move { place_call(&args).await });
    let call_id = on_call(&mut sup, "agent8").await;

    // Listen first, then take over: the agent's part ends (the headless agent counts its one
    // call done and logs out) while the caller stays connected.
    monitor(&mut sup, "agent8", MonitorMode::Listen).await;
    monitor(&mut sup, "agent8", MonitorMode::Takeover).await;
    sup.wait_for(
        "the call is the supervisor's",
        Duration::from_secs(5),
        |e| {
            matches!(e, Event::CallState { monitor: Some(MonitorMode::Takeover), parties, .. }
            if parties.iter().all(|p| p.kind != proto::PartyKind::Agent))
        },
    )
    .await;
    tokio::time::timeout(Duration::from_secs(10), agent)
        .await
        .expect("the agent dropped out")
        .expect("agent task")
        .expect("headless agent ran");
    assert!(!call.is_finished(), "the caller is still connected");
    // The call is the supervisor's now: leaving it hangs up.
    sup.call(Command::StopMonitor).await.expect("leave");
    let report = tokio::time::timeout(Duration::from_secs(10), call)
        .await
        .expect("caller done")
        .expect("caller task")
        .expect("call");
    assert_eq!(report.ended_by, "server", "{report}");
    sup.wait_for("call ended", Duration::from_secs(5), |e| {
        matches!(e, Event::CallState { call_id: id, state: proto::CallState::Ended { .. }, .. } if *id == call_id)
    })
    .await;
    server.wait_idle(Duration::from_secs(5)).await;
    let kinds: Vec<String> = server
        .events_of_latest_call()
        .await
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert!(kinds.contains(&"taken_over".to_owned()), "{kinds:?}");
    let audit = audit_of(&server, "boss2").await;
    let modes: Vec<&str> = audit
        .iter()
        .filter_map(|(_, _, d)| d["mode"].as_str())
        .collect();
    assert_eq!(modes, ["listen", "takeover", "stop"]);
    server.running.shutdown().await;
}

/// A supervisor's workstation that freezes while listening is found out by the heartbeat: its
/// listen leg leaves the call within a few seconds, and the agent and the caller talk on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_supervisor_stops_listening_by_itself() {
    let (server, agent, mut sup) = agent_and_supervisor("agent8", "boss8").await;
    let dir = server.dir.path().to_owned();
    sup.start_media(
        tone_file(&dir, "boss.wav", 400.0),
        dir.join("boss-heard.wav"),
    )
    .await;
    let mut args = caller(&server, None, None);
    args.duration = 15.0;
    let call = tokio::spawn(async move { place_call(&args).await });
    on_call(&mut sup, "agent8").await;
    monitor(&mut sup, "agent8", MonitorMode::Listen).await;

    sup.freeze();
    let frozen = Instant::now();
    let mut stopped = false;
    while frozen.elapsed() < Duration::from_secs(6) && !stopped {
        tokio::time::sleep(Duration::from_millis(250)).await;
        stopped = server
            .events_of_latest_call()
            .await
            .iter()
            .any(|(k, d)| k == "monitor_stop" && d["supervisor"] == "boss8");
    }
    assert!(stopped, "the frozen supervisor still listens after 6 s");
    let report = tokio::time::timeout(Duration::from_secs(30), call)
        .await
        .expect("caller done")
        .expect("caller task")
        .expect("call");
    assert!(report.answered, "{report}");
    agent.abort();
    server.running.shutdown().await;
}

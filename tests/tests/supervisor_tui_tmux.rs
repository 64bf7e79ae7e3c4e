//! The real `supervisor-tui` binary in a real terminal (tmux), with the file audio backend
//! (its voice a 1,600 Hz tone, what it hears written to a WAV), driven by keys like a shift
//! supervisor would. A SIP caller (1 kHz) talks to a headless agent (600 Hz); the supervisor
//! selects the agent's seat, listens (hears both; nobody hears the supervisor), whispers (the
//! agent hears the supervisor, the caller does not), barges in (both hear) and force-releases
//! the call. Who heard whom is checked by frequency in each mode's time window; the CDR holds
//! the release and the audit log every step.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use hotline_e2e::TestServer;
use hotline_e2e::audio::{deaf_to, hears, power, tone_file};
use hotline_e2e::console::Console;
use hotline_e2e::people::{add_user, caller_args, wait_ready};
use hotline_e2e::tmux::{Tmux, binary};
use hotline_protocol::{self as proto, Command};
use hotline_server::cli::test_call::place_call;

const PASSWORD: &str = "correct horse battery";
const CALLER: &str = "13800138000";
const CALLER_HZ: f32 = 1000.0;
const AGENT_HZ: f32 = 600.0;
const SUPERVISOR_HZ: f32 = 1600.0;
/// No tone, harmonic or mixing product of the three lies here (a·1000 + b·600 + c·1600 is
/// always a multiple of 200 but never 1500).
const REFERENCE_HZ: f32 = 1500.0;
/// How long each monitoring mode lasts.
const PHASE: Duration = Duration::from_secs(4);
/// Cut from each end of a window: the key's way through the terminal, switching and the
/// jitter buffers take a moment.
const MARGIN: f64 = 0.6;
/// How long the terminal gets for anything that involves the server.
const LONG: Duration = Duration::from_secs(90);

/// `freq` stands 20 dB over the reference frequency.
fn clear(samples: &[i16], freq: f32) -> bool {
    power(samples, freq) > power(samples, REFERENCE_HZ) * 100.0
}

/// The part of a recording that ends at the release, between `from` and `to` seconds before
/// its end (recordings that only run while the call is bridged end when it is released).
fn before_end(samples: &[i16], from: f64, to: f64) -> &[i16] {
    let at = |s: f64| {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let back = (s * 8000.0) as usize;
        samples.len().saturating_sub(back)
    };
    &samples[at(from)..at(to)]
}

fn read_wav(path: &Path) -> Vec<i16> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    hotline_media::read_wav_8k_mono(&bytes).expect("8 kHz mono WAV")
}

/// The headless agent: answers its one call, speaks 600 Hz and records what it hears.
fn agent_args(server: &TestServer, play: &Path, record: &Path) -> agent_tui::Args {
    agent_tui::Args {
        answer_after: 0.3,
        calls: 1,
        play: Some(play.to_owned()),
        record: Some(record.to_owned()),
        ..hotline_e2e::headless_agent(server, "agent7", PASSWORD)
    }
}

/// The audit rows of `user` (log-in aside): action, target, mode or command, carried out.
async fn audit_of(server: &TestServer, user: &str) -> Vec<(String, String, String, bool)> {
    let db = server.db().await;
    let mut st = db
        .prepare(
            "SELECT action, target, detail FROM audit_log \
             WHERE user = ?1 AND action NOT IN ('login', 'logout') ORDER BY id",
        )
        .expect("prepare");
    st.query_map([user], |r| {
        let detail: String = r.get(2)?;
        let detail: serde_json::Value = serde_json::from_str(&detail).expect("json detail");
        let what = detail["mode"]
            .as_str()
            .or(detail["command"].as_str())
            .unwrap_or("")
            .to_owned();
        Ok((r.get(0)?, r.get(1)?, what, detail["ok"] == true))
    })
    .expect("query")
    .map(|r| r.expect("row"))
    .collect()
}

/// Presses `key` on the selected seat, checks the confirmation names `question`, confirms
/// with `y` and returns when the key went out.
async fn confirmed(tui: &Tmux, key: &str, question: &str) -> Instant {
    tui.keys(&[key]);
    tui.wait_text(question, Duration::from_secs(10)).await;
    tui.keys(&["y"]);
    let sent = Instant::now();
    tui.wait_for("the dialog to close", Duration::from_secs(10), |s| {
        !s.contains(question)
    })
    .await;
    sent
}

/// `supervisor-tui` in tmux as `boss`, speaking `voice` and recording to `heard`, logged in
/// once the wallboard shows `seats` seats.
async fn supervisor_tui(server: &TestServer, voice: &Path, heard: &Path, seats: usize) -> Tmux {
    let bin = binary("supervisor-tui", "supervisor-tui");
    let dir = server.dir.path();
    let xdg = dir.join("xdg");
    std::fs::create_dir_all(&xdg).expect("config dir");
    let command = format!(
        "env XDG_CONFIG_HOME={} LANG=en_US.UTF-8 {} --server http://{} --user boss \
         --lang en --audio file --play {} --record {}",
        xdg.display(),
        bin.display(),
        server.running.api,
        voice.display(),
        heard.display()
    );
    let session = format!("hotline-sup-e2e-{}-{seats}", std::process::id());
    let tui = Tmux::start(
        &session,
        &command,
        dir.join("supervisor-tui.stderr"),
        160,
        48,
    );
    // Log in: the user is filled in, the focus is on the password.
    tui.wait_text("Password", LONG).await;
    tui.text(PASSWORD);
    tui.keys(&["Enter"]);
    tui.wait_text(&format!("Seats ({seats})"), LONG).await;
    tui
}

/// Quits with the key and waits for a clean exit (which writes out the recording).
/// Frames a second the server receives from all workstations over `window`.
async fn frames_per_second(server: &TestServer, window: Duration) -> f64 {
    let (before, _) = hotline_e2e::hub_metrics(server).await;
    tokio::time::sleep(window).await;
    let (after, _) = hotline_e2e::hub_metrics(server).await;
    (after - before) as f64 / window.as_secs_f64()
}

async fn quit(tui: &Tmux) {
    tui.keys(&["C-q"]);
    tui.wait_text("exited: 0", Duration::from_secs(20)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_at_the_real_terminal_listens_whispers_barges_in_and_releases() {
    let server = TestServer::start(|_| {}).await;
    add_user(&server, "agent7", proto::Role::Agent, PASSWORD);
    // A second seat, logged in but not ready (so it gets no call), sorted first in the grid:
    // the supervisor has to move to agent7's seat.
    add_user(&server, "agent0", proto::Role::Agent, PASSWORD);
    add_user(&server, "boss", proto::Role::Supervisor, PASSWORD);
    let dir: PathBuf = server.dir.path().to_owned();
    let agent_heard = dir.join("agent-heard.wav");
    let caller_heard = dir.join("caller-heard.wav");
    let sup_heard = dir.join("supervisor-heard.wav");
    let sup_voice = tone_file(&dir, "supervisor.wav", SUPERVISOR_HZ);

    let api = server.running.api;
    let _idle = Console::login(api, "agent0", PASSWORD, proto::ClientKind::Other).await;
    let args = agent_args(
        &server,
        &tone_file(&dir, "agent.wav", AGENT_HZ),
        &agent_heard,
    );
    let agent = tokio::spawn(async move { agent_tui::headless::run(&args).await });

    let tui = supervisor_tui(&server, &sup_voice, &sup_heard, 2).await;
    wait_ready(&server, "agent7").await;

    let mut call_args = caller_args(&server, CALLER, 40.0);
    call_args.play = Some(tone_file(&dir, "caller.wav", CALLER_HZ));
    call_args.record = Some(caller_heard.clone());
    let call = tokio::spawn(async move { place_call(&call_args).await });

    // The seat grid shows agent7 on the call with the caller's number; select that seat.
    tui.wait_for("agent7 on a call", LONG, |s| {
        s.lines()
            .any(|l| l.contains("agent7") && l.contains("On call") && l.contains(CALLER))
    })
    .await;
    tui.keys(&["Down"]);
    // Let the call's audio settle before the first window.
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let listen = confirmed(&tui, "l", "Listen to agent7?").await;
    tui.wait_text("◉ Listen to agent7", Duration::from_secs(10))
        .await;
    let listening = frames_per_second(&server, PHASE).await;
    let whisper = confirmed(&tui, "w", "Whisper to agent7?").await;
    tui.wait_text("◉ Whisper to agent7", Duration::from_secs(10))
        .await;
    let whispering = frames_per_second(&server, PHASE).await;
    // Only the agent's voice reaches the server while the supervisor listens (50 frames a
    // second); whispering, the supervisor's joins it.
    assert!(
        listening < 70.0 && whispering > 80.0,
        "frames/s from workstations: listening {listening:.0}, whispering {whispering:.0}"
    );
    let barge = confirmed(&tui, "b", "Barge in on agent7?").await;
    tui.wait_text("◉ Barge in on agent7", Duration::from_secs(10))
        .await;
    tokio::time::sleep(PHASE).await;
    let release = confirmed(&tui, "x", "Release the call of agent7").await;

    let report = tokio::time::timeout(Duration::from_secs(15), call)
        .await
        .expect("caller done")
        .expect("caller task")
        .expect("call");
    assert_eq!(report.ended_by, "server", "the caller got a BYE: {report}");
    tui.wait_text("The monitored call ended", Duration::from_secs(10))
        .await;
    tokio::time::timeout(Duration::from_secs(20), agent)
        .await
        .expect("agent finished")
        .expect("agent task")
        .expect("headless agent ran");
    quit(&tui).await;
    server.wait_idle(Duration::from_secs(10)).await;

    // Each mode's window, in seconds before the release (the recordings end with the call).
    let secs = |d: Duration| d.as_secs_f64();
    let windows = [
        ("listen", secs(release - listen), secs(release - whisper)),
        ("whisper", secs(release - whisper), secs(release - barge)),
        ("barge", secs(release - barge), 0.0),
    ];
    let at_agent_all = read_wav(&agent_heard);
    let at_caller_all = read_wav(&caller_heard);
    let at_sup_all = read_wav(&sup_heard);
    assert!(
        at_sup_all.len() > 8000 * 10,
        "the supervisor heard the call from the listen on ({} samples)",
        at_sup_all.len()
    );
    let ratio = |s: &[i16], f: f32, r: f32| power(s, f) / power(s, r);
    for (mode, from, to) in windows {
        let (from, to) = (from - MARGIN, to + MARGIN);
        let at_agent = before_end(&at_agent_all, from, to);
        let at_caller = before_end(&at_caller_all, from, to);
        let at_sup = before_end(&at_sup_all, from, to);
        eprintln!(
            "{mode}: agent 1600/1000 {:.2e}, caller 1600/600 {:.2e}, supervisor 1000/1500 \
             {:.2e} 600/1500 {:.2e} 1600/1500 {:.2e}",
            ratio(at_agent, SUPERVISOR_HZ, CALLER_HZ),
            ratio(at_caller, SUPERVISOR_HZ, AGENT_HZ),
            ratio(at_sup, CALLER_HZ, REFERENCE_HZ),
            ratio(at_sup, AGENT_HZ, REFERENCE_HZ),
            ratio(at_sup, SUPERVISOR_HZ, REFERENCE_HZ),
        );
        // In every mode the supervisor hears both sides, and the two still hear each other.
        assert!(
            clear(at_sup, CALLER_HZ) && clear(at_sup, AGENT_HZ),
            "{mode}: the supervisor hears the caller and the agent"
        );
        assert!(
            deaf_to(at_sup, SUPERVISOR_HZ, CALLER_HZ),
            "{mode}: the supervisor does not hear themself"
        );
        assert!(
            clear(at_agent, CALLER_HZ),
            "{mode}: the agent hears the caller"
        );
        assert!(
            clear(at_caller, AGENT_HZ),
            "{mode}: the caller hears the agent"
        );
        let (agent_hears_sup, caller_hears_sup) = match mode {
            "listen" => (false, false),
            "whisper" => (true, false),
            _ => (true, true),
        };
        assert_eq!(
            (
                hears(at_agent, SUPERVISOR_HZ, CALLER_HZ),
                deaf_to(at_agent, SUPERVISOR_HZ, CALLER_HZ)
            ),
            (agent_hears_sup, !agent_hears_sup),
            "{mode}: whether the agent hears the supervisor"
        );
        assert_eq!(
            (
                hears(at_caller, SUPERVISOR_HZ, AGENT_HZ),
                deaf_to(at_caller, SUPERVISOR_HZ, AGENT_HZ)
            ),
            (caller_hears_sup, !caller_hears_sup),
            "{mode}: whether the caller hears the supervisor"
        );
    }

    let db = server.db().await;
    let (call_id, cause): (String, String) = db
        .query_row("SELECT call_id, end_cause FROM cdrs", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("one CDR");
    assert_eq!(cause, "force release");
    let row = |a: &str, t: &str, w: &str| (a.to_owned(), t.to_owned(), w.to_owned(), true);
    assert_eq!(
        audit_of(&server, "boss").await,
        [
            row("monitor", "agent7", "listen"),
            row("monitor", "agent7", "whisper"),
            row("monitor", "agent7", "barge"),
            row("force", &call_id, "force_release"),
        ]
    );
    server.running.shutdown().await;
}

/// An agent on a call asks for help (求助); the request shows in the supervisor's alarm list,
/// one key goes to that seat and offers to whisper, and once confirmed the agent hears the
/// supervisor while the caller does not, the request is gone from the list and the audit log
/// has the whisper.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_help_request_is_answered_from_the_alarm_list() {
    let server = TestServer::start(|_| {}).await;
    add_user(&server, "helper9", proto::Role::Agent, PASSWORD);
    add_user(&server, "boss", proto::Role::Supervisor, PASSWORD);
    let dir: PathBuf = server.dir.path().to_owned();
    let caller_heard = dir.join("caller-heard.wav");
    let sup_voice = tone_file(&dir, "supervisor.wav", SUPERVISOR_HZ);

    let api = server.running.api;
    let mut agent = Console::login(api, "helper9", PASSWORD, proto::ClientKind::Other).await;
    agent
        .start_media(
            tone_file(&dir, "agent.wav", AGENT_HZ),
            dir.join("agent-heard.wav"),
        )
        .await;
    agent.call(Command::SetReady).await.expect("ready");
    let tui = supervisor_tui(&server, &sup_voice, &dir.join("sup-heard.wav"), 1).await;

    let mut call_args = caller_args(&server, CALLER, 40.0);
    call_args.play = Some(tone_file(&dir, "caller.wav", CALLER_HZ));
    call_args.record = Some(caller_heard.clone());
    let call = tokio::spawn(async move { place_call(&call_args).await });
    let offered = agent
        .wait_for("the offer", LONG, |e| {
            matches!(e, proto::Event::CallOffered { .. })
        })
        .await;
    let proto::Event::CallOffered { call_id, .. } = offered else {
        unreachable!("matched above")
    };
    agent
        .call(Command::Answer {
            call_id: call_id.clone(),
        })
        .await
        .expect("answer");
    agent.call(Command::CallSupervisor).await.expect("help");

    // The request heads the alarm list, with the agent's state (the caller's number is cut
    // at this width).
    tui.wait_for("the help request", LONG, |s| {
        s.lines()
            .any(|l| l.contains("▲ Help requested by helper9 · On call"))
    })
    .await;
    let whisper = confirmed(&tui, "h", "Whisper to helper9?").await;
    tui.wait_text("◉ Whisper to helper9", LONG).await;
    tui.wait_for("the request answered", LONG, |s| {
        !s.contains("Help requested")
    })
    .await;
    tokio::time::sleep(PHASE).await;
    agent
        .call(Command::Hangup {
            call_id: call_id.clone(),
        })
        .await
        .expect("hang up");
    let hangup = Instant::now();
    let report = tokio::time::timeout(Duration::from_secs(15), call)
        .await
        .expect("caller done")
        .expect("caller task")
        .expect("call");
    assert!(report.answered, "{report}");
    tui.wait_text("The monitored call ended", LONG).await;
    agent.stop_media().await;
    quit(&tui).await;
    server.wait_idle(Duration::from_secs(10)).await;

    let margin = Duration::from_secs_f64(MARGIN);
    let at_agent = agent.heard_between(
        whisper + margin,
        hangup.checked_sub(margin).expect("after the start"),
    );
    assert!(clear(&at_agent, CALLER_HZ), "the agent hears the caller");
    assert!(
        hears(&at_agent, SUPERVISOR_HZ, CALLER_HZ),
        "the agent hears the supervisor"
    );
    let caller_all = read_wav(&caller_heard);
    let window = (hangup - whisper).as_secs_f64();
    let at_caller = before_end(&caller_all, window - MARGIN, MARGIN);
    assert!(clear(at_caller, AGENT_HZ), "the caller hears the agent");
    assert!(
        deaf_to(at_caller, SUPERVISOR_HZ, AGENT_HZ),
        "the caller does not hear the whisper"
    );
    let row = |a: &str, t: &str, w: &str| (a.to_owned(), t.to_owned(), w.to_owned(), true);
    assert_eq!(
        audit_of(&server, "boss").await,
        [row("monitor", "helper9", "whisper")]
    );
    server.running.shutdown().await;
}

/// Benchmark, not a check: the wallboard at floor size. 500 agents (bare WebSocket sessions)
/// and 50 queues; the real supervisor session, `update` and `render` (160×48 in memory) run
/// on one thread of their own, as the terminal runtime would (a draw after each batch of
/// actions, a tick every 250 ms). Agents toggle ready / not ready at `BENCH_RATE` per second;
/// the delay is from the command leaving the agent's session to the end of the first draw
/// after the supervisor's state shows the change, and the CPU is that thread's (session
/// decoding, update, render).
/// `BENCH_TOGGLES=1500 cargo test -p hotline-e2e --test supervisor_tui_tmux -- --ignored
/// --nocapture wallboard_latency`
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark; run by hand"]
async fn wallboard_latency() {
    use futures_util::{SinkExt as _, StreamExt as _};
    use hotline_e2e::people::add_agents_in_bulk;
    use hotline_protocol::{ClientFrame, NotReadyReason, StandardReason};
    use tokio_tungstenite::tungstenite::Message;

    let env = |name: &str, default: usize| {
        std::env::var(name)
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(default)
    };
    let (agents, queues) = (env("BENCH_AGENTS", 500), env("BENCH_QUEUES", 50));
    let (toggles, rate) = (env("BENCH_TOGGLES", 1500), env("BENCH_RATE", 50));

    // The shipped queues, then one per skill `bNN` up to `queues`; each agent has two of those
    // skills, so a state change moves two queues' snapshots (as on a floor of skill groups).
    let mut bench_skills = Vec::new();
    let server = TestServer::start(|c| {
        while c.acd.queues.len() < queues {
            let skill = format!("b{:02}", bench_skills.len() + 1);
            let entry = format!("name = \"{skill}\"\nskills = [\"{skill}\"]\n");
            c.acd
                .queues
                .push(toml::from_str(&entry).expect("queue entry"));
            bench_skills.push(skill);
        }
    })
    .await;
    let names: Vec<String> = (1..=agents).map(|i| format!("a{i:03}")).collect();
    let n = bench_skills.len().max(1);
    let with_skills: Vec<(String, Vec<String>)> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let skills = [i % n, (i + 7) % n]
                .iter()
                .filter_map(|k| bench_skills.get(*k).cloned())
                .collect();
            (name.clone(), skills)
        })
        .collect();
    add_agents_in_bulk(&server, &with_skills, PASSWORD);
    add_user(&server, "boss", proto::Role::Supervisor, PASSWORD);

    println!("{agents} agents and {queues} queues created");
    // The agents: log in, then keep only the sending half; the rest is read and dropped.
    // Each agent's own `agent_state` (the server's echo) is timed too, which separates the
    // server's share of the delay from the supervisor's.
    let echo: Pending = std::sync::Arc::default();
    let echo_ms: std::sync::Arc<std::sync::Mutex<Vec<f64>>> = std::sync::Arc::default();
    let mut senders = Vec::new();
    for name in &names {
        let ws = hotline_e2e::ws::login(&server, name, PASSWORD).await;
        let (sink, mut stream) = ws.split();
        let (echo, echo_ms) = (
            std::sync::Arc::clone(&echo),
            std::sync::Arc::clone(&echo_ms),
        );
        let me = name.clone();
        tokio::spawn(async move {
            while let Some(Ok(msg)) = stream.next().await {
                let Message::Text(text) = msg else { continue };
                // Cheap test first: most frames are queue snapshots.
                if !text.as_str().contains("agent_state") {
                    continue;
                }
                let Ok(proto::ServerFrame::Event {
                    event:
                        proto::Event::AgentState {
                            agent_id, state, ..
                        },
                    ..
                }) = proto::decode_server(text.as_str())
                else {
                    continue;
                };
                let mut pending = echo.lock().expect("lock");
                if agent_id.0 == me
                    && let Some((want_ready, at)) = pending.get(&me).copied()
                    && (state == proto::AgentState::Ready) == want_ready
                {
                    pending.remove(&me);
                    let ms = at.elapsed().as_secs_f64() * 1000.0;
                    echo_ms.lock().expect("lock").push(ms);
                }
            }
        });
        senders.push(sink);
    }
    let frame = |id: u64, cmd: Command| {
        let f = ClientFrame {
            v: proto::PROTOCOL_VERSION,
            id,
            cmd,
        };
        Message::Text(proto::encode_client(&f).into())
    };
    for (i, sink) in senders.iter_mut().enumerate() {
        sink.send(frame(2 + i as u64, Command::SetReady))
            .await
            .expect("ready");
    }
    // The supervisor comes once the floor is quiet, as after a shift change.
    if let Some(last) = names.last() {
        hotline_e2e::people::wait_ready(&server, last).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;

    // The supervisor on its own thread, so its CPU time can be read.
    let sent: Pending = std::sync::Arc::default();
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel::<String>();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let url = format!("http://{}", server.running.api);
    let supervisor = std::thread::spawn({
        let sent = std::sync::Arc::clone(&sent);
        let want = (agents, queues);
        move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(bench_supervisor(url, want, sent, ready_tx, stop_rx))
        }
    });
    let filled = ready_rx.await.expect("the supervisor runs");
    println!("wallboard: {filled}");

    let gap = Duration::from_secs_f64(1.0 / rate as f64);
    let mut ready = vec![true; agents];
    let mut tick = tokio::time::interval(gap);
    let started = Instant::now();
    for k in 0..toggles {
        tick.tick().await;
        let i = k % agents;
        ready[i] = !ready[i];
        let cmd = if ready[i] {
            Command::SetReady
        } else {
            Command::SetNotReady {
                reason: NotReadyReason::standard(StandardReason::Break),
            }
        };
        let now = Instant::now();
        sent.lock()
            .expect("lock")
            .insert(names[i].clone(), (ready[i], now));
        echo.lock()
            .expect("lock")
            .insert(names[i].clone(), (ready[i], now));
        senders[i]
            .send(frame(10_000 + k as u64, cmd))
            .await
            .expect("toggle");
    }
    let toggling = started.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let _ = stop_tx.send(());
    let report = supervisor.join().expect("supervisor thread");
    println!(
        "{agents} agents, {queues} queues, {toggles} state changes at {rate}/s over {:.1} s",
        toggling.as_secs_f64()
    );
    let mut echoes = std::mem::take(&mut *echo_ms.lock().expect("lock"));
    let echo_missed = echo.lock().expect("lock").len();
    print_percentiles("state change -> agent's own echo", &mut echoes, echo_missed);
    report.print();
    server.running.shutdown().await;
}

/// Toggles not yet seen, by agent: whether the agent should now be ready, and when it was sent.
type Pending = std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, (bool, Instant)>>>;

fn print_percentiles(what: &str, v: &mut [f64], missed: usize) {
    v.sort_by(f64::total_cmp);
    let at = |q: f64| {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let i = ((v.len().saturating_sub(1)) as f64 * q).round() as usize;
        v.get(i).copied().unwrap_or(f64::NAN)
    };
    println!(
        "{what}: n={} missed={missed} p50 {:.1} ms  p90 {:.1} ms  p99 {:.1} ms  max {:.1} ms",
        v.len(),
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0)
    );
}

/// What the supervisor's thread measured.
struct BenchReport {
    delays_ms: Vec<f64>,
    missed: usize,
    draws: u64,
    actions: u64,
    update_ms: f64,
    render_ms: f64,
    cpu_ms: f64,
    /// The wall time the CPU time was taken over (from a full wallboard to the stop).
    cpu_span: Duration,
}

impl BenchReport {
    fn print(mut self) {
        print_percentiles(
            "state change -> supervisor's screen drawn",
            &mut self.delays_ms,
            self.missed,
        );
        let secs = self.cpu_span.as_secs_f64();
        #[allow(clippy::cast_precision_loss)]
        let (draws, actions) = (self.draws as f64, self.actions as f64);
        println!(
            "client thread CPU {:.0} ms in {secs:.1} s = {:.1} % of one core; {actions:.0} actions, \
             {draws:.0} draws; update {:.3} ms/action, render {:.2} ms/draw",
            self.cpu_ms,
            100.0 * self.cpu_ms / 1000.0 / secs,
            self.update_ms / actions.max(1.0),
            self.render_ms / draws.max(1.0)
        );
    }
}

/// This thread's CPU time (user + system) from `/proc/thread-self/stat`, in ms.
fn thread_cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces): state is the first, utime the 12th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|v| v.parse().ok())
        .collect();
    // Clock ticks are 10 ms on Linux (USER_HZ 100).
    f.iter().sum::<f64>() * 10.0
}

/// The supervisor workstation without a terminal: session, update, render into a TestBackend.
async fn bench_supervisor(
    url: String,
    (agents, queues): (usize, usize),
    sent: Pending,
    ready: tokio::sync::oneshot::Sender<String>,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) -> BenchReport {
    use hotline_tui::client::SessionHandle;
    use supervisor_tui::app::{Action, Effect, State, Thresholds, update};
    use supervisor_tui::view::{self, Ui};

    let (tx, mut rx) = tokio::sync::mpsc::channel::<Action>(256);
    let session = SessionHandle::start(
        supervisor_tui::session::params(url, "boss".into(), PASSWORD.into(), None),
        tx,
    );
    let ui = Ui::builtin().expect("ui");
    let mut state = State::new(
        hotline_tui::Lang::En,
        jiff::tz::TimeZone::UTC,
        Thresholds::default(),
    );
    let mut term =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(160, 48)).expect("test terminal");
    let now_ms = || u64::try_from(jiff::Timestamp::now().as_millisecond()).unwrap_or(0);
    let mut ready = Some(ready);
    let mut report = BenchReport {
        delays_ms: Vec::new(),
        missed: 0,
        draws: 0,
        actions: 0,
        update_ms: 0.0,
        render_ms: 0.0,
        cpu_ms: 0.0,
        cpu_span: Duration::ZERO,
    };
    let mut cpu_start = None;
    let started = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    let mut shown_half_second = 0;
    loop {
        let mut batch = Vec::new();
        let mut tick_only = false;
        tokio::select! {
            _ = &mut stop => break,
            _ = tick.tick() => {
                batch.push(Action::Tick { now_ms: now_ms() });
                tick_only = true;
            }
            a = rx.recv() => match a {
                Some(a) => batch.push(a),
                None => break,
            },
        }
        while let Ok(a) = rx.try_recv() {
            batch.push(a);
            tick_only = false;
        }
        let mut changed = Vec::new();
        let t0 = Instant::now();
        for a in batch {
            if let Action::Server(proto::Event::AgentState { agent_id, .. }) = &a {
                changed.push(agent_id.0.clone());
            }
            report.actions += 1;
            for effect in update(&mut state, a) {
                if let Effect::Send(cmd) = effect {
                    let _ = session.send(cmd);
                }
            }
        }
        report.update_ms += t0.elapsed().as_secs_f64() * 1000.0;
        let half = state.now_ms / 500;
        if tick_only && half == shown_half_second {
            continue;
        }
        shown_half_second = half;
        let t1 = Instant::now();
        term.draw(|f| view::render(&state, &ui, f)).expect("draw");
        let drawn = Instant::now();
        report.render_ms += (drawn - t1).as_secs_f64() * 1000.0;
        report.draws += 1;
        // Full, or as full as it gets: the server drops what a slow reader cannot take.
        let full = state.seats.len() >= agents && state.queues.len() >= queues;
        if let Some(r) = ready.take_if(|_| full || started.elapsed() > Duration::from_secs(30)) {
            let _ = r.send(format!(
                "{} seats, {} queues after {:.1} s",
                state.seats.len(),
                state.queues.len(),
                started.elapsed().as_secs_f64()
            ));
            cpu_start = Some((thread_cpu_ms(), Instant::now()));
        }
        let mut sent = sent.lock().expect("lock");
        for agent in changed {
            let seat = state.seats.get(&proto::AgentId(agent.clone()));
            let Some((want_ready, at)) = sent.get(&agent).copied() else {
                continue;
            };
            let is_ready = seat.is_some_and(|s| s.state == proto::AgentState::Ready);
            if is_ready == want_ready {
                sent.remove(&agent);
                report.delays_ms.push((drawn - at).as_secs_f64() * 1000.0);
            }
        }
    }
    if let Some((cpu, at)) = cpu_start {
        report.cpu_ms = thread_cpu_ms() - cpu;
        report.cpu_span = at.elapsed();
    }
    report.missed = sent.lock().expect("lock").len();
    session.close(Duration::from_secs(1)).await;
    report
}

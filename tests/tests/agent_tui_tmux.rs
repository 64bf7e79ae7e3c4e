//! The real `agent-tui` binary in a real terminal (tmux), driven by keys like an agent would:
//! log in, go ready, see a real SIP caller ring with the screen-pop from the caller's records,
//! answer, file a ticket in Chinese, then blind-transfer the caller to a second (headless)
//! agent. The database must then hold the ticket filed by the agent and linked to the call, and
//! the call's events the transfer and both connections in order.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;
use std::time::Duration;

use hotline_e2e::TestServer;
use hotline_server::acd::AgentState;
use hotline_server::auth::{Actor, Auth, AuthPolicy, NewAccount};
use hotline_server::cli::test_call::{CallArgs, place_call};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PASSWORD: &str = "agent password 1";
const NUMBER: &str = "13912345678";
const EARLIER_SUBJECT: &str = "夜间施工噪音";
const SUBJECT: &str = "幸福路路灯不亮";
const DESCRIPTION: &str = "幸福路12号门口路灯连续三晚不亮 lamp out";

fn add_user(server: &TestServer, name: &str, role: hotline_protocol::Role) {
    let auth = Auth::new(&server.running.db_path, AuthPolicy::default()).expect("auth");
    let mut account = NewAccount::new(name, role, PASSWORD);
    account.skills = BTreeMap::from([("general".to_owned(), 5u8)]);
    auth.add_user(&account, &Actor::cli(), 0).expect("add user");
}

/// One HTTP/1.1 request with a JSON body; the server closes after it. Returns status and body.
async fn http(
    server: &TestServer,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &Value,
) -> (u16, Value) {
    let body = body.to_string();
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let request = format!(
        "{method} /api/v1{path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
         {auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        server.running.api,
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(server.running.api)
        .await
        .expect("connect to the API");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("send request");
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut raw))
        .await
        .expect("API answered in time")
        .expect("read response");
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").expect("HTTP response");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status code");
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

/// A tmux session running one command; killed when dropped (also when the test fails, after
/// printing the screen so a broken run can be read).
struct Tmux {
    name: String,
    stderr: PathBuf,
    last: String,
}

impl Tmux {
    fn start(name: &str, command: &str, stderr: PathBuf) -> Tmux {
        // Keep the pane after the program exits so its last screen is still there to read.
        let wrapped = format!(
            "{command} 2>{}; echo \"agent-tui exited: $?\"; sleep 600",
            stderr.display()
        );
        let ok = StdCommand::new("tmux")
            .args([
                "new-session",
                "-d",
                "-s",
                name,
                "-x",
                "160",
                "-y",
                "48",
                &wrapped,
            ])
            .status()
            .expect("tmux runs (.ci/deps installs it)");
        assert!(ok.success(), "tmux new-session failed");
        Tmux {
            name: name.to_owned(),
            stderr,
            last: String::new(),
        }
    }

    fn keys(&self, keys: &[&str]) {
        let ok = StdCommand::new("tmux")
            .args(["send-keys", "-t", &self.name])
            .args(keys)
            .status()
            .expect("tmux send-keys");
        assert!(ok.success(), "tmux send-keys {keys:?}");
    }

    /// Types `text` literally (UTF-8, so Chinese arrives as the terminal would get it).
    fn text(&self, text: &str) {
        let ok = StdCommand::new("tmux")
            .args(["send-keys", "-t", &self.name, "-l", text])
            .status()
            .expect("tmux send-keys -l");
        assert!(ok.success(), "tmux send-keys -l {text}");
    }

    fn capture(&mut self) -> String {
        let out = StdCommand::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.name])
            .output()
            .expect("tmux capture-pane");
        self.last = String::from_utf8_lossy(&out.stdout).into_owned();
        self.last.clone()
    }

    /// Polls the screen until `want` holds, within `limit`.
    async fn wait_for(
        &mut self,
        what: &str,
        limit: Duration,
        want: impl Fn(&str) -> bool,
    ) -> String {
        let until = tokio::time::Instant::now() + limit;
        loop {
            let screen = self.capture();
            if want(&screen) {
                return screen;
            }
            assert!(
                tokio::time::Instant::now() < until,
                "timed out after {limit:?} waiting for {what}"
            );
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    async fn wait_text(&mut self, text: &str, limit: Duration) -> String {
        self.wait_for(text, limit, |s| s.contains(text)).await
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let screen = self.capture();
            let stderr = std::fs::read_to_string(&self.stderr).unwrap_or_default();
            eprintln!(
                "--- last agent-tui screen ---\n{screen}\n--- agent-tui stderr ---\n{stderr}"
            );
        }
        let _ = StdCommand::new("tmux")
            .args(["kill-session", "-t", &self.name])
            .status();
    }
}

/// Builds the binary (cargo lets go of its lock while tests run) and returns its path, next to
/// this test's own target directory: `target/debug/deps/<test>` → `target/debug/agent-tui`.
fn agent_tui_binary() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let ok = StdCommand::new(cargo)
        .args(["build", "-p", "agent-tui", "--bin", "agent-tui"])
        .status()
        .expect("cargo runs");
    assert!(ok.success(), "building agent-tui failed");
    let exe = std::env::current_exe().expect("test executable");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/<test>");
    let bin = profile_dir.join("agent-tui");
    assert!(bin.exists(), "{} missing", bin.display());
    bin
}

async fn wait_ready(server: &TestServer, name: &str, limit: Duration) {
    let until = tokio::time::Instant::now() + limit;
    while server.running.context.distributor.agent_state(name).await != Some(AgentState::Ready) {
        assert!(
            tokio::time::Instant::now() < until,
            "{name} never became ready"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The first ticket number (`<profile>-YYYYMMDD-NNNNNN`) on the screen.
fn ticket_number(screen: &str) -> Option<String> {
    screen
        .split(|c: char| c.is_whitespace() || c == '│')
        .find_map(|word| {
            let parts: Vec<&str> = word.split('-').collect();
            let digits = |s: &str, n: usize| s.len() == n && s.chars().all(|c| c.is_ascii_digit());
            (parts.len() == 3 && digits(parts[1], 8) && digits(parts[2], 6) && !parts[0].is_empty())
                .then(|| word.to_owned())
        })
}

/// Records made through the REST API as a supervisor would: the caller, and an earlier ticket.
async fn seed_records(server: &TestServer) -> String {
    let (status, login) = http(
        server,
        "POST",
        "/login",
        None,
        &json!({"user": "deskboss", "password": PASSWORD, "client": "e2e"}),
    )
    .await;
    assert_eq!(status, 200, "supervisor log-in: {login}");
    let token = login["token"].as_str().expect("token").to_owned();
    let (status, caller) = http(
        server,
        "POST",
        "/callers",
        Some(&token),
        &json!({"name": "王女士", "numbers": [NUMBER], "address": "幸福路12号", "category": "vip"}),
    )
    .await;
    assert_eq!(status, 201, "caller record: {caller}");
    let (status, ticket) = http(
        server,
        "POST",
        "/tickets",
        Some(&token),
        &json!({
            "type": "complaint",
            "category": "urban_construction",
            "subject": EARLIER_SUBJECT,
            "description": "晚上十点后仍在施工",
            "address": "幸福路12号",
            "caller_id": caller["id"],
            "caller_number": NUMBER,
        }),
    )
    .await;
    assert_eq!(status, 201, "earlier ticket: {ticket}");
    ticket["number"].as_str().expect("ticket number").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_at_the_real_terminal_answers_files_a_ticket_and_transfers() {
    let bin = agent_tui_binary();
    let server = TestServer::start(|_| {}).await;
    add_user(&server, "tuiagent", hotline_protocol::Role::Agent);
    add_user(&server, "second", hotline_protocol::Role::Agent);
    add_user(&server, "deskboss", hotline_protocol::Role::Supervisor);
    let earlier = seed_records(&server).await;

    let dir = server.dir.path().to_owned();
    let xdg = dir.join("xdg");
    std::fs::create_dir_all(&xdg).expect("config dir");
    let session = format!("hotline-e2e-{}", std::process::id());
    let command = format!(
        "env XDG_CONFIG_HOME={} LANG=en_US.UTF-8 {} --server http://{} --user tuiagent \
         --audio null --lang en",
        xdg.display(),
        bin.display(),
        server.running.api
    );
    let mut tui = Tmux::start(&session, &command, dir.join("agent-tui.stderr"));
    let long = Duration::from_secs(90);

    // Log in: the user name is filled in, the focus is on the password.
    tui.wait_text("Password", long).await;
    tui.text(PASSWORD);
    tui.keys(&["Enter"]);
    tui.wait_text("Welcome", long).await;
    tui.keys(&["F2"]);
    wait_ready(&server, "tuiagent", long).await;

    let call = tokio::spawn({
        let args = CallArgs {
            to: "12345".into(),
            from: NUMBER.into(),
            server: server.sip(),
            dtmf: String::new(),
            dtmf_delay: 0.0,
            play: None,
            record: None,
            duration: 60.0,
            codec: None,
            inband: false,
        };
        async move { place_call(&args).await }
    });

    // The banner, then the screen-pop with the caller's name and the earlier ticket.
    tui.wait_text("Incoming call", long).await;
    tui.wait_text("王女士", long).await;
    let pop = tui
        .wait_text(EARLIER_SUBJECT, Duration::from_secs(20))
        .await;
    assert!(
        pop.contains(&earlier),
        "the earlier ticket's number in the pop:\n{pop}"
    );
    tui.keys(&["F4"]);
    tui.wait_text("Connected", long).await;

    // The ticket form: type consultation (two to the right), category by filter, subject,
    // description, address; then submit.
    tui.keys(&["F9"]);
    tui.wait_text("Category", long).await;
    tui.keys(&["Right", "Right", "Tab"]);
    tui.text("市政");
    tui.wait_text("› 市政", long).await;
    tui.keys(&["Enter"]);
    tui.text(SUBJECT);
    tui.keys(&["Tab"]);
    tui.text(DESCRIPTION);
    tui.keys(&["Tab"]);
    tui.text("幸福路12号");
    tui.wait_text("幸福路12号", long).await;
    tui.keys(&["C-s"]);
    let filed = tui.wait_text("PIN", long).await;
    let number = ticket_number(&filed).unwrap_or_else(|| panic!("no ticket number in:\n{filed}"));
    assert_ne!(number, earlier);

    // The second agent logs in only now, so routing could not have picked it before.
    let second = tokio::spawn({
        let args = agent_tui::Args {
            answer_after: 0.3,
            ..hotline_e2e::headless_agent(&server, "second", PASSWORD)
        };
        async move { agent_tui::headless::run(&args).await }
    });
    wait_ready(&server, "second", long).await;

    // Blind transfer to agent `second`: kind agent (first), target, mode blind (first).
    tui.keys(&["F7"]);
    tui.wait_text("Transfer / conference", long).await;
    tui.keys(&["Tab"]);
    tui.text("second");
    tui.wait_text("second", long).await;
    tui.keys(&["Enter"]);
    tui.wait_for("the call to leave this seat", long, |s| {
        s.contains("Wrap-up") || s.contains("Call ended")
    })
    .await;

    // The caller stays on with the second agent until its duration ends.
    let report = tokio::time::timeout(Duration::from_secs(90), call)
        .await
        .expect("caller finished")
        .expect("caller task")
        .expect("call");
    assert!(report.answered, "{report}");
    tokio::time::timeout(Duration::from_secs(30), second)
        .await
        .expect("second agent finished")
        .expect("task")
        .expect("second agent ran");
    server.wait_idle(Duration::from_secs(15)).await;

    let events = server.events_of_latest_call().await;
    let transfer = events
        .iter()
        .find_map(|(kind, d)| (kind == "transfer").then(|| d.clone()))
        .unwrap_or_else(|| panic!("no transfer event: {events:?}"));
    assert_eq!(transfer["from"], "tuiagent", "{transfer}");
    assert_eq!(transfer["to"]["agent"], "second", "{transfer}");
    let connected: Vec<&str> = events
        .iter()
        .filter(|(kind, _)| kind == "connected")
        .map(|(_, d)| d["agent"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(connected, ["tuiagent", "second"], "{events:?}");

    let db = server.db().await;
    let call_id: String = db
        .query_row(
            "SELECT id FROM calls ORDER BY started_at DESC, rowid DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("the call");
    let (ticket_no, by, kind, category, description, linked): (
        String,
        String,
        String,
        String,
        String,
        i64,
    ) = db
        .query_row(
            "SELECT number, created_by, type, category, description, \
             (SELECT count(*) FROM ticket_calls c WHERE c.ticket_id = t.id AND c.call_id = ?2) \
             FROM tickets t WHERE subject = ?1",
            rusqlite::params![SUBJECT, call_id],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )
        .expect("the ticket with the Chinese subject");
    assert_eq!(ticket_no, number);
    assert_eq!(by, "tuiagent");
    assert_eq!(kind, "consultation");
    assert_eq!(category, "urban_construction.municipal_facilities");
    assert!(description.contains(DESCRIPTION), "{description}");
    assert_eq!(linked, 1, "the ticket is linked to the call {call_id}");
}

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// The `at` of the first event of `kind` of `call_id` (server clock = this process's clock).
fn event_at(db: &rusqlite::Connection, call_id: &str, kind: &str) -> Option<i64> {
    db.query_row(
        "SELECT at FROM call_events WHERE call_id = ?1 AND kind = ?2 ORDER BY id LIMIT 1",
        [call_id, kind],
        |r| r.get(0),
    )
    .ok()
}

fn percentiles(name: &str, mut v: Vec<i64>) {
    v.sort_unstable();
    if v.is_empty() {
        println!("{name}: no samples");
        return;
    }
    let at = |q: f64| {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let i = ((v.len() - 1) as f64 * q).round() as usize;
        v[i]
    };
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_wrap)]
    let mean = v.iter().sum::<i64>() as f64 / v.len() as f64;
    println!(
        "{name:<40} n={:<3} p50 {:>6} ms  p99 {:>6} ms  mean {mean:>8.1} ms  min {} ms  max {} ms",
        v.len(),
        at(0.5),
        at(0.99),
        v[0],
        v[v.len() - 1]
    );
}

/// Benchmark, not a check: how long from a caller's INVITE until the ringing banner is drawn.
/// The real session task (WebSocket + WebRTC leg, null audio) feeds the real `update` and
/// `render` (160×48 in memory) like the terminal runtime; the time is taken after the first
/// draw that shows the banner. The server runs on the real clock so its event times compare.
/// `BENCH_CALLS=20 cargo test --release -p hotline-e2e --test agent_tui_tmux -- --ignored
/// --nocapture ring_latency`
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark; run by hand"]
async fn ring_latency() {
    use agent_tui::app::{Action, Effect, State, update};
    use agent_tui::session;
    use hotline_protocol::AgentState as Seat;

    let calls: usize = std::env::var("BENCH_CALLS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20);
    let options = hotline_server::ServerOptions {
        clock: Some(std::sync::Arc::new(jiff::Timestamp::now)),
    };
    let server = TestServer::start_with(|_| {}, options).await;
    add_user(&server, "benchdesk", hotline_protocol::Role::Agent);

    let audio = hotline_softphone::start_backend(&hotline_softphone::BackendKind::Null)
        .expect("null audio");
    let (route_tx, route_rx) = tokio::sync::watch::channel(None);
    tokio::spawn(session::forward_mic(audio.mic, route_rx));
    let (cmd_tx, cmd_rx) = tokio::sync::mpsc::channel(64);
    let (act_tx, mut act_rx) = tokio::sync::mpsc::channel(256);
    tokio::spawn(session::run(
        session::Params {
            server: format!("http://{}", server.running.api),
            user: "benchdesk".into(),
            password: PASSWORD.into(),
            media: Some(session::Media {
                mic_route: std::sync::Arc::new(route_tx),
                speaker: audio.speaker.clone(),
            }),
        },
        cmd_rx,
        act_tx,
    ));
    let mut state = State::new(agent_tui::Lang::En);
    let mut screen = agent_tui::offscreen::Offscreen::new(160, 48).expect("screen");
    let apply = |state: &mut State, action: Action| {
        for effect in update(state, action) {
            if let Effect::Send(cmd) = effect {
                cmd_tx.try_send(cmd).expect("session takes commands");
            }
        }
    };
    let next = async |rx: &mut tokio::sync::mpsc::Receiver<Action>| {
        tokio::time::timeout(Duration::from_secs(45), rx.recv())
            .await
            .expect("the session reported in time")
            .expect("session running")
    };

    let mut samples = Vec::new();
    while state.agent.is_none() {
        let a = next(&mut act_rx).await;
        apply(&mut state, a);
    }
    apply(&mut state, Action::Ready);
    for _ in 0..calls {
        while state.agent_state != Seat::Ready {
            let a = next(&mut act_rx).await;
            apply(&mut state, a);
            screen.draw(&state);
        }
        let invite_ms = now_ms();
        let caller = tokio::spawn({
            let args = CallArgs {
                to: "12345".into(),
                from: NUMBER.into(),
                server: server.sip(),
                dtmf: String::new(),
                dtmf_delay: 0.0,
                play: None,
                record: None,
                duration: 9.0,
                codec: None,
                inband: false,
            };
            async move { place_call(&args).await }
        });
        let call_id = loop {
            let a = next(&mut act_rx).await;
            apply(&mut state, a);
            screen.draw(&state);
            if let Some(offer) = &state.offer {
                let banner_ms = now_ms();
                assert!(screen.text().contains("Incoming call"));
                break (offer.call_id.0.clone(), invite_ms, banner_ms);
            }
        };
        apply(&mut state, Action::Answer);
        // Answered, the caller hangs up, wrap-up is ended by hand.
        while !matches!(state.agent_state, Seat::WrapUp { .. }) {
            let a = next(&mut act_rx).await;
            apply(&mut state, a);
        }
        apply(&mut state, Action::EndWrapUp);
        caller.await.expect("caller task").expect("call");
        samples.push(call_id);
    }
    server.wait_idle(Duration::from_secs(15)).await;
    let db = server.db().await;
    let (mut from_invite, mut from_queued, mut from_ringing) = (Vec::new(), Vec::new(), Vec::new());
    for (call_id, invite_ms, banner_ms) in &samples {
        from_invite.push(banner_ms - invite_ms);
        if let Some(at) = event_at(&db, call_id, "queued") {
            from_queued.push(banner_ms - at);
        }
        if let Some(at) = event_at(&db, call_id, "ringing") {
            from_ringing.push(banner_ms - at);
        }
    }
    percentiles("INVITE sent -> banner drawn", from_invite);
    percentiles("server 'queued' -> banner drawn", from_queued);
    percentiles("server 'ringing' (offer) -> banner drawn", from_ringing);
    drop(audio.handle);
}

/// How long a Mandarin prompt plays, in whole seconds rounded up (8 kHz 16-bit mono WAV).
fn prompt_secs(name: &str) -> usize {
    let path = hotline_e2e::assets_dir().join(format!("prompts/zh/{name}.wav"));
    let bytes = std::fs::metadata(&path).expect("prompt").len();
    usize::try_from(bytes.div_ceil(16_000)).expect("fits")
}

/// The voicemail row's status and who handled it.
fn voicemail_status(db: &rusqlite::Connection) -> (String, String, String) {
    db.query_row(
        "SELECT status, heard_by, handled_by FROM voicemails",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .expect("one voicemail")
}

/// A real caller leaves a message in the director's mailbox; the agent at the real terminal
/// sees the badge, opens the inbox, plays the message through the softphone's speaker, marks
/// it handled and opens a ticket form from it. The database then holds who listened and who
/// handled it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_plays_a_message_from_the_inbox_and_marks_it_handled() {
    let bin = agent_tui_binary();
    let server = TestServer::start(|_| {}).await;
    add_user(&server, "vmagent", hotline_protocol::Role::Agent);
    let dir = server.dir.path().to_owned();
    let xdg = dir.join("xdg");
    std::fs::create_dir_all(&xdg).expect("config dir");
    let heard_wav = dir.join("heard.wav");
    let session = format!("hotline-e2e-vm-{}", std::process::id());
    // The file backend: what the speaker plays is written to heard.wav.
    let command = format!(
        "env XDG_CONFIG_HOME={} LANG=en_US.UTF-8 {} --server http://{} --user vmagent \
         --audio file --record {} --lang en",
        xdg.display(),
        bin.display(),
        server.running.api,
        heard_wav.display()
    );
    let mut tui = Tmux::start(&session, &command, dir.join("agent-tui.stderr"));
    let long = Duration::from_secs(90);
    tui.wait_text("Password", long).await;
    tui.text(PASSWORD);
    tui.keys(&["Enter"]);
    tui.wait_text("Welcome", long).await;

    // 5: the director's mailbox; # = call back this phone; 1 = reply wanted; speak a 440 Hz
    // "voice" after the prompts and the beep; # ends the message.
    let speak = prompt_secs("mailbox_reply") + prompt_secs("record_after_beep") + 4;
    let voice = dir.join("voice.wav");
    let mut tone = vec![0i16; 8000 * 60];
    hotline_media::ToneGenerator::new(&[440.0], 8000, 8000).fill(&mut tone);
    std::fs::write(&voice, hotline_media::wav_bytes(&tone, 8000, 1)).expect("voice");
    let args = CallArgs {
        to: "12365".into(),
        dtmf: format!("5#1{}#", ",".repeat(speak)),
        dtmf_delay: 1.0,
        play: Some(voice),
        ..hotline_e2e::people::caller_args(&server, NUMBER, 60.0)
    };
    let report = place_call(&args).await.expect("call");
    assert_eq!(report.ended_by, "server", "the IVR says goodbye: {report}");

    // The notice counts in the status bar; the inbox lists the message.
    tui.wait_text("Voicemail 1", long).await;
    tui.keys(&["C-v"]);
    let inbox = tui.wait_text("Director", long).await;
    assert!(inbox.contains(NUMBER), "the caller in the list:\n{inbox}");
    assert!(inbox.contains("new"), "{inbox}");

    // Enter plays it (▶ on its row until the end, in real time): the server marks it heard
    // by this agent.
    tui.keys(&["Enter"]);
    tui.wait_text("▶", long).await;
    tui.wait_for("the message to end", long, |s| !s.contains('▶'))
        .await;
    let db = server.db().await;
    let until = tokio::time::Instant::now() + long;
    while voicemail_status(&db).0 != "heard" {
        assert!(tokio::time::Instant::now() < until, "never marked heard");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(voicemail_status(&db).1, "vmagent");

    // o marks it handled.
    tui.keys(&["o"]);
    tui.wait_text("Marked handled", long).await;
    let (status, heard_by, handled_by) = voicemail_status(&db);
    assert_eq!(
        (status.as_str(), heard_by.as_str(), handled_by.as_str()),
        ("answered", "vmagent", "vmagent")
    );
    let audited: i64 = db
        .query_row(
            "SELECT count(*) FROM audit_log WHERE action = 'voicemail_handled' AND user = 'vmagent'",
            [],
            |r| r.get(0),
        )
        .expect("audit");
    assert_eq!(audited, 1);

    // i: the ticket form from the message, on the voicemail channel with the caller.
    tui.keys(&["i"]);
    tui.wait_text(&format!("Voicemail {NUMBER}"), long).await;

    // The speaker played the caller's voice: quit so the recording is finished, then check it.
    tui.keys(&["C-q"]);
    tui.wait_text("agent-tui exited", long).await;
    let heard = hotline_media::read_wav_8k_mono(&std::fs::read(&heard_wav).expect("heard.wav"))
        .expect("wav");
    let found: Vec<Option<f32>> = heard
        .chunks(4000)
        .filter(|c| c.len() == 4000)
        .map(|c| hotline_media::dominant_frequency(c, &[440.0, 1000.0], 8000))
        .collect();
    assert!(
        heard.len() >= 8000 * 2 && found.iter().filter(|f| **f == Some(440.0)).count() >= 3,
        "the 440 Hz message came out of the speaker: {} samples, {found:?}",
        heard.len()
    );
}

const QUESTION: &str = "居住证办理要带什么材料";

/// The ticket form as a consultation to answer later, calling back on `callback`, filed.
async fn file_pending_consultation(tui: &mut Tmux, callback: &str, long: Duration) {
    tui.keys(&["F9"]);
    tui.wait_text("Category", long).await;
    // Complaint → report → consultation: the callback fields appear.
    tui.keys(&["Right", "Right"]);
    tui.wait_text("Later", long).await;
    tui.keys(&["Tab"]);
    tui.text("市政");
    tui.wait_text("› 市政", long).await;
    tui.keys(&["Enter"]);
    tui.text(QUESTION);
    tui.keys(&["Tab"]);
    tui.text("外地来杭工作，想办居住证");
    // Address, region, urgency, then the callback number (empty: no call, no caller number).
    tui.keys(&["Tab", "Tab", "Tab", "Tab"]);
    tui.text(callback);
    tui.keys(&["Tab", "Space"]);
    tui.wait_text("[x] answer later", long).await;
    tui.keys(&["C-s"]);
    tui.wait_text("PIN", long).await;
}

/// The pending consultation row: status, knowledge item, attempts, last result.
fn consultation_row(db: &rusqlite::Connection) -> (String, Option<i64>, i64, Option<String>) {
    db.query_row(
        "SELECT status, knowledge_id, attempts, last_result FROM pending_consultations",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )
    .expect("one pending consultation")
}

/// An agent at the real terminal files a consultation to answer later (a bad callback number
/// first: the server's reason shows), a supervisor then writes a knowledge-base item over
/// REST, the agent finds it among the suggestions, answers with it, and records the callback.
/// The database row goes waiting → answered (with the item) → done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_answers_a_pending_consultation_from_the_knowledge_base() {
    let bin = agent_tui_binary();
    let server = TestServer::start(|_| {}).await;
    add_user(&server, "kbagent", hotline_protocol::Role::Agent);
    add_user(&server, "deskboss", hotline_protocol::Role::Supervisor);
    let dir = server.dir.path().to_owned();
    let xdg = dir.join("xdg");
    std::fs::create_dir_all(&xdg).expect("config dir");
    let session = format!("hotline-e2e-consult-{}", std::process::id());
    let command = format!(
        "env XDG_CONFIG_HOME={} LANG=en_US.UTF-8 {} --server http://{} --user kbagent \
         --audio null --lang en",
        xdg.display(),
        bin.display(),
        server.running.api
    );
    let mut tui = Tmux::start(&session, &command, dir.join("agent-tui.stderr"));
    let long = Duration::from_secs(90);
    tui.wait_text("Password", long).await;
    tui.text(PASSWORD);
    tui.keys(&["Enter"]);
    tui.wait_text("Welcome", long).await;

    // Too few digits: filed, but not held, with the server's reason on the status line.
    file_pending_consultation(&mut tui, "12", long).await;
    let screen = tui.wait_text("not held as pending", long).await;
    assert!(screen.contains("digits"), "the server's reason:\n{screen}");
    let db = server.db().await;
    let held: i64 = db
        .query_row("SELECT count(*) FROM pending_consultations", [], |r| {
            r.get(0)
        })
        .expect("count");
    assert_eq!(held, 0);

    // Enter: a new ticket; this time with a good number.
    tui.keys(&["Enter"]);
    file_pending_consultation(&mut tui, "139-0000-1111", long).await;
    tui.wait_text("Pending: we will call back", long).await;
    let (status, knowledge, _, _) = consultation_row(&db);
    assert_eq!((status.as_str(), knowledge), ("waiting", None));
    let callback: String = db
        .query_row("SELECT callback FROM pending_consultations", [], |r| {
            r.get(0)
        })
        .expect("callback");
    assert_eq!(callback, "13900001111");

    // A supervisor writes the answer into the knowledge base.
    let (status, login) = http(
        &server,
        "POST",
        "/login",
        None,
        &json!({"user": "deskboss", "password": PASSWORD, "client": "e2e"}),
    )
    .await;
    assert_eq!(status, 200, "supervisor log-in: {login}");
    let token = login["token"].as_str().expect("token").to_owned();
    let (status, item) = http(
        &server,
        "POST",
        "/knowledge",
        Some(&token),
        &json!({"kind": "guide", "title": "居住证办理指南", "body": "居住证由派出所受理。",
                "reference_answer": "携带身份证和租房合同到居住地派出所办理"}),
    )
    .await;
    assert_eq!(status, 201, "knowledge item: {item}");
    let item_id = item["id"].as_i64().expect("item id");

    // Ctrl-O: the waiting list; Enter: the suggestions with the item's text; a: answer.
    // Esc on its own (Esc and a key at once read as Alt and that key).
    tui.keys(&["Escape"]);
    tui.wait_for("the form to close", long, |s| {
        !s.contains("Read the number")
    })
    .await;
    tui.keys(&["C-o"]);
    tui.wait_text(QUESTION, long).await;
    tui.wait_text("13900001111", long).await;
    tui.keys(&["Enter"]);
    tui.wait_text("居住证办理指南", long).await;
    tui.wait_text("携带身份证和租房合同", long).await;
    tui.keys(&["a"]);
    tui.wait_text("now call the citizen back", long).await;
    let (status, knowledge, _, _) = consultation_row(&db);
    assert_eq!((status.as_str(), knowledge), ("answered", Some(item_id)));
    tui.wait_text("To call back 1", long).await;

    // The answered tab; busy (one attempt, still to call back), then reached (done).
    tui.keys(&["Right"]);
    tui.wait_text("13900001111", long).await;
    tui.keys(&["3"]);
    tui.wait_text("try again later", long).await;
    let (status, _, attempts, last) = consultation_row(&db);
    assert_eq!(
        (status.as_str(), attempts, last.as_deref()),
        ("answered", 1, Some("busy"))
    );
    tui.keys(&["1"]);
    tui.wait_text("Consultation done", long).await;
    let (status, _, attempts, last) = consultation_row(&db);
    assert_eq!(
        (status.as_str(), attempts, last.as_deref()),
        ("done", 2, Some("reached"))
    );
    tui.wait_for("the badge to clear", long, |s| {
        !s.contains("To call back 1")
    })
    .await;
    tui.keys(&["C-q"]);
    tui.wait_text("agent-tui exited", long).await;
}

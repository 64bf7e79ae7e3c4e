//! The real `agent-tui` binary in a real terminal (tmux), driven by keys like an agent would:
//! log in, go ready, see a real SIP caller ring with the screen-pop from the caller's records,
//! answer, file a ticket in Chinese, then blind-transfer the caller to a second (headless)
//! agent. The database must then hold the ticket filed by the agent and linked to the call, and
//! the call's events the transfer and both connections in order.

use std::time::Duration;

use hotline_e2e::TestServer;
use hotline_e2e::agent_terminal::{
    LONG, consultation_row, event_at, filed_ticket, logged_in, print_percentiles, prompt_secs,
    seed_caller_with_ticket, ticket_number, voicemail_status,
};
use hotline_e2e::notify::Api;
use hotline_e2e::people::{add_user, caller_args, wait_ready};
use hotline_e2e::tmux::Tmux;
use hotline_protocol::Role;
use hotline_server::cli::test_call::{CallArgs, place_call};
use serde_json::json;

const PASSWORD: &str = "agent password 1";
const NUMBER: &str = "13912345678";
const EARLIER_SUBJECT: &str = "夜间施工噪音";
const SUBJECT: &str = "幸福路路灯不亮";
const DESCRIPTION: &str = "幸福路12号门口路灯连续三晚不亮 lamp out";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_at_the_real_terminal_answers_files_a_ticket_and_transfers() {
    let server = TestServer::start(|_| {}).await;
    add_user(&server, "tuiagent", Role::Agent, PASSWORD);
    add_user(&server, "second", Role::Agent, PASSWORD);
    add_user(&server, "deskboss", Role::Supervisor, PASSWORD);
    let boss = Api::login(&server, "deskboss", PASSWORD).await;
    let earlier = seed_caller_with_ticket(&boss, NUMBER, EARLIER_SUBJECT).await;

    let tui = logged_in(&server, "tuiagent", PASSWORD, "--audio null").await;
    tui.keys(&["F2"]);
    wait_ready(&server, "tuiagent").await;

    let call = tokio::spawn({
        let args = caller_args(&server, NUMBER, 60.0);
        async move { place_call(&args).await }
    });

    // The banner, then the screen-pop with the caller's name and the earlier ticket.
    tui.wait_text("Incoming call", LONG).await;
    tui.wait_text("王女士", LONG).await;
    let pop = tui
        .wait_text(EARLIER_SUBJECT, Duration::from_secs(20))
        .await;
    assert!(
        pop.contains(&earlier),
        "the earlier ticket's number in the pop:\n{pop}"
    );
    tui.keys(&["F4"]);
    tui.wait_text("Connected", LONG).await;

    // The ticket form: type consultation (two to the right), category by filter, subject,
    // description, address; then submit.
    tui.keys(&["F9"]);
    tui.wait_text("Category", LONG).await;
    tui.keys(&["Right", "Right", "Tab"]);
    tui.text("市政");
    tui.wait_text("› 市政", LONG).await;
    tui.keys(&["Enter"]);
    tui.text(SUBJECT);
    tui.keys(&["Tab"]);
    tui.text(DESCRIPTION);
    tui.keys(&["Tab"]);
    tui.text("幸福路12号");
    tui.wait_text("幸福路12号", LONG).await;
    tui.keys(&["C-s"]);
    let filed = tui.wait_text("PIN", LONG).await;
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
    wait_ready(&server, "second").await;

    // Blind transfer to agent `second`: kind agent (first), target, mode blind (first).
    tui.keys(&["F7"]);
    tui.wait_text("Transfer / conference", LONG).await;
    tui.keys(&["Tab"]);
    tui.text("second");
    tui.wait_text("second", LONG).await;
    tui.keys(&["Enter"]);
    tui.wait_for("the call to leave this seat", LONG, |s| {
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

    let ticket = filed_ticket(&server.db().await, SUBJECT);
    assert_eq!(ticket.number, number);
    assert_eq!(ticket.created_by, "tuiagent");
    assert_eq!(ticket.kind, "consultation");
    assert_eq!(ticket.category, "urban_construction.municipal_facilities");
    assert!(
        ticket.description.contains(DESCRIPTION),
        "{}",
        ticket.description
    );
    assert!(
        ticket.linked_to_latest_call,
        "the ticket is linked to the call: {ticket:?}"
    );
}

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
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
    add_user(&server, "benchdesk", Role::Agent, PASSWORD);

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
            let args = caller_args(&server, NUMBER, 9.0);
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
    print_percentiles("INVITE sent -> banner drawn", from_invite);
    print_percentiles("server 'queued' -> banner drawn", from_queued);
    print_percentiles("server 'ringing' (offer) -> banner drawn", from_ringing);
    drop(audio.handle);
}

/// A real caller leaves a message in the director's mailbox; the agent at the real terminal
/// sees the badge, opens the inbox, plays the message through the softphone's speaker, marks
/// it handled and opens a ticket form from it. The database then holds who listened and who
/// handled it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_plays_a_message_from_the_inbox_and_marks_it_handled() {
    let server = TestServer::start(|_| {}).await;
    add_user(&server, "vmagent", Role::Agent, PASSWORD);
    let dir = server.dir.path().to_owned();
    // The file backend: what the speaker plays is written to heard.wav.
    let heard_wav = dir.join("heard.wav");
    let audio = format!("--audio file --record {}", heard_wav.display());
    let tui = logged_in(&server, "vmagent", PASSWORD, &audio).await;

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
        ..caller_args(&server, NUMBER, 60.0)
    };
    let report = place_call(&args).await.expect("call");
    assert_eq!(report.ended_by, "server", "the IVR says goodbye: {report}");

    // The notice counts in the status bar; the inbox lists the message.
    tui.wait_text("Voicemail 1", LONG).await;
    tui.keys(&["C-v"]);
    let inbox = tui.wait_text("Director", LONG).await;
    assert!(inbox.contains(NUMBER), "the caller in the list:\n{inbox}");
    assert!(inbox.contains("new"), "{inbox}");

    // Enter plays it (▶ on its row until the end, in real time): the server marks it heard
    // by this agent.
    tui.keys(&["Enter"]);
    tui.wait_text("▶", LONG).await;
    tui.wait_for("the message to end", LONG, |s| !s.contains('▶'))
        .await;
    let db = server.db().await;
    let until = tokio::time::Instant::now() + LONG;
    while voicemail_status(&db).0 != "heard" {
        assert!(tokio::time::Instant::now() < until, "never marked heard");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(voicemail_status(&db).1, "vmagent");

    // o marks it handled.
    tui.keys(&["o"]);
    tui.wait_text("Marked handled", LONG).await;
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
    tui.wait_text(&format!("Voicemail {NUMBER}"), LONG).await;

    // The speaker played the caller's voice: quit so the recording is finished, then check it.
    tui.keys(&["C-q"]);
    tui.wait_text("exited:", LONG).await;
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
async fn file_pending_consultation(tui: &Tmux, callback: &str) {
    tui.keys(&["F9"]);
    tui.wait_text("Category", LONG).await;
    // Complaint → report → consultation: the callback fields appear.
    tui.keys(&["Right", "Right"]);
    tui.wait_text("Later", LONG).await;
    tui.keys(&["Tab"]);
    tui.text("市政");
    tui.wait_text("› 市政", LONG).await;
    tui.keys(&["Enter"]);
    tui.text(QUESTION);
    tui.keys(&["Tab"]);
    tui.text("外地来杭工作，想办居住证");
    // Address, region, urgency, then the callback number (empty: no call, no caller number).
    tui.keys(&["Tab", "Tab", "Tab", "Tab"]);
    tui.text(callback);
    tui.keys(&["Tab", "Space"]);
    tui.wait_text("[x] answer later", LONG).await;
    tui.keys(&["C-s"]);
    tui.wait_text("PIN", LONG).await;
}

/// An agent at the real terminal files a consultation to answer later (a bad callback number
/// first: the server's reason shows), a supervisor then writes a knowledge-base item over
/// REST, the agent finds it among the suggestions, answers with it, and records the callback.
/// The database row goes waiting → answered (with the item) → done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_answers_a_pending_consultation_from_the_knowledge_base() {
    let server = TestServer::start(|_| {}).await;
    add_user(&server, "kbagent", Role::Agent, PASSWORD);
    add_user(&server, "deskboss", Role::Supervisor, PASSWORD);
    let tui = logged_in(&server, "kbagent", PASSWORD, "--audio null").await;

    // Too few digits: filed, but not held, with the server's reason on the status line.
    file_pending_consultation(&tui, "12").await;
    let screen = tui.wait_text("not held as pending", LONG).await;
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
    file_pending_consultation(&tui, "139-0000-1111").await;
    tui.wait_text("Pending: we will call back", LONG).await;
    let (status, knowledge, _, _) = consultation_row(&db);
    assert_eq!((status.as_str(), knowledge), ("waiting", None));
    let callback: String = db
        .query_row("SELECT callback FROM pending_consultations", [], |r| {
            r.get(0)
        })
        .expect("callback");
    assert_eq!(callback, "13900001111");

    // A supervisor writes the answer into the knowledge base.
    let boss = Api::login(&server, "deskboss", PASSWORD).await;
    let (status, item) = boss
        .post(
            "/knowledge",
            &json!({"kind": "guide", "title": "居住证办理指南", "body": "居住证由派出所受理。",
                "reference_answer": "携带身份证和租房合同到居住地派出所办理"}),
        )
        .await;
    assert_eq!(status, 201, "knowledge item: {item}");
    let item_id = item["id"].as_i64().expect("item id");

    // Ctrl-O: the waiting list; Enter: the suggestions with the item's text; a: answer.
    // Esc on its own (Esc and a key at once read as Alt and that key).
    tui.keys(&["Escape"]);
    tui.wait_for("the form to close", LONG, |s| {
        !s.contains("Read the number")
    })
    .await;
    tui.keys(&["C-o"]);
    tui.wait_text(QUESTION, LONG).await;
    tui.wait_text("13900001111", LONG).await;
    tui.keys(&["Enter"]);
    tui.wait_text("居住证办理指南", LONG).await;
    tui.wait_text("携带身份证和租房合同", LONG).await;
    tui.keys(&["a"]);
    tui.wait_text("now call the citizen back", LONG).await;
    let (status, knowledge, _, _) = consultation_row(&db);
    assert_eq!((status.as_str(), knowledge), ("answered", Some(item_id)));
    tui.wait_text("To call back 1", LONG).await;

    // The answered tab; busy (one attempt, still to call back), then reached (done).
    tui.keys(&["Right"]);
    tui.wait_text("13900001111", LONG).await;
    tui.keys(&["3"]);
    tui.wait_text("try again later", LONG).await;
    let (status, _, attempts, last) = consultation_row(&db);
    assert_eq!(
        (status.as_str(), attempts, last.as_deref()),
        ("answered", 1, Some("busy"))
    );
    tui.keys(&["1"]);
    tui.wait_text("Consultation done", LONG).await;
    let (status, _, attempts, last) = consultation_row(&db);
    assert_eq!(
        (status.as_str(), attempts, last.as_deref()),
        ("done", 2, Some("reached"))
    );
    tui.wait_for("the badge to clear", LONG, |s| {
        !s.contains("To call back 1")
    })
    .await;
    tui.keys(&["C-q"]);
    tui.wait_text("exited:", LONG).await;
}

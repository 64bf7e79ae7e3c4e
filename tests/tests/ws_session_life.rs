//! The life of a workstation session on a real server, over real WebSockets: a reconnecting
//! client takes its session back with its token (and only its own), stale tokens never lock
//! out an office behind one address, and a session whose account is disabled ends at once,
//! its seat logged out of the ACD.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use hotline_e2e::TestServer;
use hotline_e2e::people::{add_agent, add_agents_in_bulk, wait_ready, wait_state};
use hotline_e2e::ws::{Ws, connect, reply, send, until};
use hotline_protocol::{self as proto, Command, ErrorCode, ReplyBody, ReplyResult};
use hotline_server::acd::AgentState;
use hotline_server::auth::{Actor, Auth, AuthPolicy, new_token};
use tokio_tungstenite::tungstenite::Message;

const PASSWORD: &str = "agent password 1";

fn login_cmd(user: &str, password: &str, resume: Option<&str>) -> Command {
    Command::Login {
        user: user.into(),
        password: password.into(),
        client: proto::ClientKind::Other,
        resume_token: resume.map(str::to_owned),
    }
}

/// Sends a log-in as request `id` on `ws` and gives its result.
async fn log_in(ws: &mut Ws, id: u64, cmd: Command) -> ReplyResult {
    send(ws, id, cmd).await;
    until(ws, |f| reply(f, id)).await
}

fn token_of(result: &ReplyResult) -> String {
    match result {
        ReplyResult::Ok(ReplyBody::LoginOk { token, .. }) => token.clone(),
        other => panic!("expected login_ok: {other:?}"),
    }
}

fn refused_code(result: &ReplyResult) -> ErrorCode {
    match result {
        ReplyResult::Err(e) => e.code,
        other @ ReplyResult::Ok(_) => panic!("expected a refusal: {other:?}"),
    }
}

/// `(action, detail)` of the audit log, oldest first.
async fn audit(server: &TestServer) -> Vec<(String, String)> {
    let db = server.db().await;
    let mut st = db
        .prepare("SELECT action, detail FROM audit_log ORDER BY id")
        .expect("prepare");
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .map(|r| r.expect("row"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconnecting_workstation_resumes_with_its_own_token_only() {
    let server = TestServer::start(|_| {}).await;
    add_agent(&server, "resumer", PASSWORD);
    add_agent(&server, "other", PASSWORD);
    let mut first = connect(&server).await;
    let token = token_of(&log_in(&mut first, 1, login_cmd("resumer", PASSWORD, None)).await);
    let mut other = connect(&server).await;
    let others = token_of(&log_in(&mut other, 1, login_cmd("other", PASSWORD, None)).await);
    send(&mut first, 2, Command::SetReady).await;
    wait_ready(&server, "resumer").await;
    // The workstation loses its connection and comes back without its password.
    drop(first);
    wait_state(
        &server,
        "resumer",
        &AgentState::NotReady {
            reason: "disconnected".into(),
        },
    )
    .await;
    let mut back = connect(&server).await;
    let resumed = log_in(&mut back, 1, login_cmd("resumer", "", Some(&token))).await;
    assert_eq!(
        token_of(&resumed),
        token,
        "a resume keeps the session's token"
    );
    // Within the grace period the seat is back as it was: ready.
    wait_ready(&server, "resumer").await;
    send(&mut back, 2, Command::Ping).await;
    let pong = until(&mut back, |f| reply(f, 2)).await;
    assert!(pong.is_ok(), "the resumed session works: {pong:?}");

    // Another user's token does not open this user's seat, nor does a made-up one.
    let mut thief = connect(&server).await;
    for (id, stolen) in [(1, others.clone()), (2, new_token())] {
        let refused = log_in(&mut thief, id, login_cmd("resumer", "", Some(&stolen))).await;
        assert_eq!(refused_code(&refused), ErrorCode::Unauthorized);
    }
    send(&mut thief, 3, Command::SetReady).await;
    let not_in = until(&mut thief, |f| reply(f, 3)).await;
    assert_eq!(refused_code(&not_in), ErrorCode::Unauthorized);
    // A refused resume followed by the password is the client's fallback: it works.
    let ok = log_in(
        &mut thief,
        4,
        login_cmd("other", PASSWORD, Some(&new_token())),
    )
    .await;
    token_of(&ok);

    let audit = audit(&server).await;
    let resumes: Vec<_> = audit
        .iter()
        .filter(|(a, d)| a == "login" && d.contains("\"resume\":true"))
        .collect();
    assert_eq!(resumes.len(), 1, "{audit:?}");
    assert!(
        !audit.iter().any(|(a, _)| a == "login_failed"),
        "refused resumes are no failed log-ins: {audit:?}"
    );
    drop((back, other, thief));
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_office_behind_one_address_reconnecting_with_stale_tokens_is_never_rate_limited() {
    let server = TestServer::start(|_| {}).await;
    // More seats than the address may fail log-ins (20 per 15 min), all from 127.0.0.1.
    let names: Vec<(String, Vec<String>)> = (1..=30)
        .map(|i| (format!("nat{i}"), vec!["general".to_owned()]))
        .collect();
    add_agents_in_bulk(&server, &names, PASSWORD);
    let mut tasks = Vec::new();
    for (name, _) in names {
        let mut ws = connect(&server).await;
        tasks.push(tokio::spawn(async move {
            // The tokens a server restart with an older database left unknown: each seat
            // tries more of them than the per-user limit (5) allows failures, then its
            // password, as the workstation does.
            for id in 1..=6 {
                let stale = log_in(&mut ws, id, login_cmd(&name, "", Some(&new_token()))).await;
                assert_eq!(refused_code(&stale), ErrorCode::Unauthorized, "{name}");
            }
            let ok = log_in(&mut ws, 7, login_cmd(&name, PASSWORD, Some(&new_token()))).await;
            assert!(ok.is_ok(), "{name} was refused: {ok:?}");
            ws
        }));
    }
    let mut sessions = Vec::new();
    for t in tasks {
        sessions.push(t.await.expect("seat task"));
    }
    // And a new seat at the same address still logs in.
    add_agent(&server, "late", PASSWORD);
    let mut late = connect(&server).await;
    let ok = log_in(&mut late, 1, login_cmd("late", PASSWORD, None)).await;
    assert!(ok.is_ok(), "{ok:?}");
    let audit = audit(&server).await;
    assert!(!audit.iter().any(|(a, _)| a == "login_failed"), "{audit:?}");
    drop(sessions);
    server.running.shutdown().await;
}

type Closed = (Vec<proto::ErrorBody>, Option<(u16, String)>);

/// The frames of `ws` until it closes (10 s at most): the error events and the close frame's
/// code and reason.
async fn read_until_closed(ws: &mut Ws) -> Closed {
    let (errors, close, _) = read_until_closed_with_reply(ws, 0).await;
    (errors, close)
}

/// Like [`read_until_closed`], with the reply to request `id` if one came.
async fn read_until_closed_with_reply(
    ws: &mut Ws,
    id: u64,
) -> (
    Vec<proto::ErrorBody>,
    Option<(u16, String)>,
    Option<ReplyResult>,
) {
    let mut errors = Vec::new();
    let mut close = None;
    let mut replied = None;
    let until = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match tokio::time::timeout_at(until, ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => match proto::decode_server(t.as_str()) {
                Ok(proto::ServerFrame::Event {
                    event: proto::Event::Error(e),
                    ..
                }) => errors.push(e),
                Ok(frame) => replied = replied.or_else(|| reply(&frame, id)),
                Err(e) => panic!("bad frame: {e}"),
            },
            Ok(Some(Ok(Message::Close(frame)))) => {
                close = frame.map(|f| (u16::from(f.code), f.reason.to_string()));
            }
            Ok(Some(Ok(_))) => {}
            Ok(None | Some(Err(_))) => return (errors, close, replied),
            Err(elapsed) => panic!("the session was not closed ({elapsed}); errors: {errors:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabling_an_account_ends_its_open_sessions_and_logs_the_seat_out() {
    let server = TestServer::start(|_| {}).await;
    add_agent(&server, "idle", PASSWORD);
    add_agent(&server, "busy", PASSWORD);
    let mut idle = connect(&server).await;
    token_of(&log_in(&mut idle, 1, login_cmd("idle", PASSWORD, None)).await);
    let mut busy = connect(&server).await;
    let busy_token = token_of(&log_in(&mut busy, 1, login_cmd("busy", PASSWORD, None)).await);
    for ws in [&mut idle, &mut busy] {
        send(ws, 2, Command::SetReady).await;
        let ok = until(ws, |f| reply(f, 2)).await;
        assert!(ok.is_ok(), "{ok:?}");
    }
    wait_ready(&server, "idle").await;
    wait_ready(&server, "busy").await;

    // The idle session is read throughout (a real workstation always reads), from now on.
    let idle = tokio::spawn(async move {
        let (errors, close) = read_until_closed(&mut idle).await;
        (errors, close, Instant::now())
    });
    // What `hotline-server user disable` does.
    let auth = Auth::new(&server.running.db_path, AuthPolicy::default()).expect("auth");
    let now = jiff::Timestamp::now().as_millisecond();
    for name in ["idle", "busy"] {
        auth.set_disabled(name, true, &Actor::cli(), now)
            .expect("disable");
    }
    let disabled_at = Instant::now();

    // A command is refused at once and ends the session.
    let not_ready = Command::SetNotReady {
        reason: proto::NotReadyReason::new("break", "小休"),
    };
    send(&mut busy, 3, not_ready).await;
    let (errors, close, replied) = read_until_closed_with_reply(&mut busy, 3).await;
    // Unless the session's timer got there between the disable and the command (a few
    // milliseconds in 3 s), the command itself was refused.
    if let Some(replied) = &replied {
        assert_eq!(refused_code(replied), ErrorCode::Unauthorized);
    }
    assert!(
        errors
            .iter()
            .any(|e| e.code == ErrorCode::Unauthorized && e.message.contains("disabled")),
        "{errors:?}"
    );
    assert_eq!(close.as_ref().map(|c| c.0), Some(4001), "{close:?}");

    // The idle session noticed on its timer (every 3 s).
    let (errors, close, closed_at) = idle.await.expect("idle reader");
    let took = closed_at - disabled_at;
    assert!(
        took < Duration::from_secs(6),
        "the idle session ended after {took:?}"
    );
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].message.contains("disabled"), "{errors:?}");
    let (code, reason) = close.expect("a close frame with the reason");
    assert_eq!(code, 4001);
    assert!(reason.contains("disabled"), "{reason}");

    // Both seats are logged out of the ACD now, not after the disconnect grace.
    wait_state(&server, "idle", &AgentState::LoggedOut).await;
    wait_state(&server, "busy", &AgentState::LoggedOut).await;
    // The token is dead for a resume too.
    let mut again = connect(&server).await;
    let refused = log_in(&mut again, 1, login_cmd("busy", "", Some(&busy_token))).await;
    assert_eq!(refused_code(&refused), ErrorCode::Unauthorized);
    server.running.shutdown().await;
}

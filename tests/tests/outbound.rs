//! Outbound calls through the trunk, with SIPp as the citizen's phone: an agent dials and hears
//! their own voice echoed by the callee (audio both ways), a busy callee, and a caller blind-
//! transferred to an outside number who hears the far end.

use hotline_e2e::citizen::{free_udp_port, phone, phone_done};
use std::path::Path;
use std::time::Duration;

use hotline_e2e::audio::tone_file;
use hotline_e2e::people::{add_agent, caller_args, wait_state};
use hotline_e2e::ws::{Ws, answer, login, offered, reply, send, until};
use hotline_e2e::{TestServer, scenario_dir};
use hotline_protocol::{self as proto, Command, ServerFrame};
use hotline_server::acd::AgentState;
use hotline_server::cli::test_call::{CallArgs, place_call};
use hotline_softphone::{BackendKind, WebRtcLeg};

const PASSWORD: &str = "agent password 1";

/// A server whose "local" trunk sends outbound calls to `uas_port`.
async fn server_with_trunk(uas_port: u16) -> TestServer {
    TestServer::start(move |c| {
        c.trunks[0].outbound = Some(format!("127.0.0.1:{uas_port}"));
        c.trunks[0].caller_id = Some("12345".into());
        c.trunks[0].ring_timeout_secs = 10;
    })
    .await
}

fn call_state(frame: &ServerFrame) -> Option<(proto::CallState, proto::Direction)> {
    match frame {
        ServerFrame::Event {
            event: proto::Event::CallState {
                state, direction, ..
            },
            ..
        } => Some((state.clone(), *direction)),
        _ => None,
    }
}

/// The workstation's WebRTC leg playing `play` and recording what it hears to `record`.
async fn media_leg(
    ws: &mut Ws,
    play: &Path,
    record: &Path,
) -> (WebRtcLeg, hotline_softphone::AudioIo) {
    let mut audio = hotline_softphone::start_backend(&BackendKind::File {
        play: Some(play.to_owned()),
        record: Some(record.to_owned()),
        loop_play: true,
    })
    .expect("file backend");
    let (leg, offer) = WebRtcLeg::offer("127.0.0.1".parse().expect("ip"))
        .await
        .expect("offer");
    send(
        ws,
        2,
        Command::WebRtc(proto::WebRtcSignal {
            kind: proto::SignalKind::Offer,
            payload: offer,
        }),
    )
    .await;
    let answer = until(ws, |f| match f {
        ServerFrame::Event {
            event: proto::Event::WebRtc(s),
            ..
        } if s.kind == proto::SignalKind::Answer => Some(s.payload.clone()),
        _ => None,
    })
    .await;
    leg.accept_answer(&answer).await.expect("answer");
    leg.connected(Duration::from_secs(10))
        .await
        .expect("leg up");
    // The leg takes the backend's ends; the handle stays to finish the recording.
    let (mic_tx, mic) = tokio::sync::mpsc::channel(1);
    drop(mic_tx);
    let mic = std::mem::replace(&mut audio.mic, mic);
    leg.attach(mic, audio.speaker.clone());
    (leg, audio)
}

/// Whether `samples` hold the tone `freq` clearly for two seconds on end (hold music, which
/// has some of every frequency, never does).
fn hears(samples: &[i16], freq: f32) -> bool {
    const CANDIDATES: [f32; 8] = [300.0, 450.0, 600.0, 800.0, 1000.0, 1200.0, 1500.0, 2000.0];
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

fn outbound_row(
    db: &rusqlite::Connection,
    call_id: &str,
) -> (String, String, String, String, bool) {
    db.query_row(
        "SELECT caller, profile, flow, end_cause, answered_at IS NOT NULL FROM calls WHERE id = ?1",
        [call_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    )
    .expect("outbound call row")
}

/// Sends `dial` for `number` (request id `id`) and returns the server's answer.
async fn dial(ws: &mut Ws, id: u64, number: &str) -> proto::ReplyResult {
    send(
        ws,
        id,
        Command::Dial {
            number: number.into(),
            caller_id: None,
            ticket_id: None,
        },
    )
    .await;
    until(ws, |f| reply(f, id)).await
}

/// The logged-in agent goes ready (request id 3) and the ACD has it so.
async fn ready(server: &TestServer, ws: &mut Ws, agent: &str) {
    send(ws, 3, Command::SetReady).await;
    wait_state(server, agent, &AgentState::Ready).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_dials_a_citizen_and_they_hear_each_other() {
    let uas_port = free_udp_port();
    let phone = phone(
        &scenario_dir().join("uas_answer.xml"),
        uas_port,
        &["-rtp_echo"],
    );
    let server = server_with_trunk(uas_port).await;
    add_agent(&server, "dialer", PASSWORD);
    let dir = server.dir.path().to_owned();
    let voice = tone_file(&dir, "agent.wav", 600.0);
    let heard = dir.join("agent-heard.wav");
    let mut ws = login(&server, "dialer", PASSWORD).await;
    let (leg, audio) = media_leg(&mut ws, &voice, &heard).await;
    ready(&server, &mut ws, "dialer").await;

    let dialed = dial(&mut ws, 4, "138-1234-5678").await;
    let proto::ReplyResult::Ok(proto::ReplyBody::Dialed { call_id }) = dialed else {
        panic!("dial refused: {dialed:?}");
    };
    // While it rings and talks the agent is not offered inbound calls.
    wait_state(
        &server,
        "dialer",
        &AgentState::NotReady {
            reason: "outbound".into(),
        },
    )
    .await;
    let (state, direction) = until(&mut ws, |f| {
        call_state(f).filter(|(s, _)| *s == proto::CallState::Connected)
    })
    .await;
    assert_eq!(
        (state, direction),
        (proto::CallState::Connected, proto::Direction::Outbound)
    );
    // The callee echoes: the agent's 600 Hz comes back through the trunk leg.
    tokio::time::sleep(Duration::from_secs(3)).await;
    send(&mut ws, 5, Command::Hold).await;
    assert!(matches!(
        until(&mut ws, |f| reply(f, 5)).await,
        proto::ReplyResult::Ok(_)
    ));
    send(&mut ws, 6, Command::Resume).await;
    assert!(matches!(
        until(&mut ws, |f| reply(f, 6)).await,
        proto::ReplyResult::Ok(_)
    ));
    send(
        &mut ws,
        7,
        Command::Hangup {
            call_id: call_id.clone(),
        },
    )
    .await;
    let ended = until(&mut ws, |f| {
        call_state(f).and_then(|(s, _)| match s {
            proto::CallState::Ended { cause } => Some(cause),
            _ => None,
        })
    })
    .await;
    assert_eq!(ended, proto::EndCause::AgentHangup);
    wait_state(&server, "dialer", &AgentState::Ready).await;
    phone_done(phone).await;
    leg.close().await;
    audio.finish().await.expect("recording written");

    let samples =
        hotline_media::read_wav_8k_mono(&std::fs::read(&heard).expect("heard file")).expect("wav");
    assert!(
        hears(&samples, 600.0),
        "the agent did not hear the echo of their voice"
    );

    tokio::time::sleep(Duration::from_millis(300)).await;
    let db = server.db().await;
    let (caller, profile, flow, cause, answered) = outbound_row(&db, &call_id.0);
    assert_eq!(
        (
            caller.as_str(),
            profile.as_str(),
            flow.as_str(),
            cause.as_str(),
            answered
        ),
        ("13812345678", "outbound", "dial", "agent hangup", true)
    );
    let events = hotline_e2e::events(&db, &call_id.0);
    let outbound = events
        .iter()
        .find(|(k, _)| k == "outbound")
        .map(|(_, d)| d.clone())
        .expect("outbound event");
    assert_eq!(outbound["number"], "13812345678");
    assert_eq!(outbound["agent"], "dialer");
    assert_eq!(outbound["purpose"], "dial");
    assert_eq!(outbound["caller_id"], "12345");
    let kinds: Vec<&str> = events.iter().map(|(k, _)| k.as_str()).collect();
    for want in [
        "outbound",
        "ringing",
        "answered",
        "connected",
        "agent_hold",
        "recorded",
        "ended",
    ] {
        assert!(kinds.contains(&want), "event {want} missing: {kinds:?}");
    }
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_citizen_is_reported_and_the_agent_is_ready_again() {
    let uas_port = free_udp_port();
    let phone = phone(
        &scenario_dir().join("uas_busy.xml"),
        uas_port,
        &["-rtp_echo"],
    );
    let server = server_with_trunk(uas_port).await;
    add_agent(&server, "busyline", PASSWORD);
    let mut ws = login(&server, "busyline", PASSWORD).await;
    ready(&server, &mut ws, "busyline").await;

    // The dial plan refuses what is not a phone number, before anything is dialled.
    let refused = dial(&mut ws, 4, "sip:someone@example.com").await;
    let proto::ReplyResult::Err(e) = refused else {
        panic!("an address was dialled: {refused:?}");
    };
    assert!(e.message.contains("only digits"), "{}", e.message);

    send(
        &mut ws,
        5,
        Command::Dial {
            number: "13912345678".into(),
            caller_id: None,
            ticket_id: Some(proto::TicketId("T-7".into())),
        },
    )
    .await;
    let dialed = until(&mut ws, |f| reply(f, 5)).await;
    let proto::ReplyResult::Ok(proto::ReplyBody::Dialed { call_id }) = dialed else {
        panic!("dial refused: {dialed:?}");
    };
    let notice = until(&mut ws, |f| match f {
        ServerFrame::Event {
            event: proto::Event::Notice { text, .. },
            ..
        } => Some(text.clone()),
        _ => None,
    })
    .await;
    assert!(notice.contains("busy"), "{notice}");
    wait_state(&server, "busyline", &AgentState::Ready).await;
    phone_done(phone).await;

    let db = server.db().await;
    let (caller, _, flow, cause, answered) = outbound_row(&db, &call_id.0);
    assert_eq!(
        (caller.as_str(), flow.as_str(), cause.as_str(), answered),
        ("13912345678", "callback", "busy", false)
    );
    let events = hotline_e2e::events(&db, &call_id.0);
    let end = events
        .iter()
        .find(|(k, _)| k == "ended")
        .map(|(_, d)| d.clone())
        .expect("ended event");
    assert_eq!(end["result"], "busy");
    assert!(
        end["cause"].as_str().unwrap_or("").starts_with("486"),
        "{end}"
    );
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_transferred_to_an_outside_number_hears_the_far_end() {
    let uas_port = free_udp_port();
    let phone = phone(
        &scenario_dir().join("uas_answer.xml"),
        uas_port,
        &["-rtp_echo"],
    );
    let server = server_with_trunk(uas_port).await;
    add_agent(&server, "xfer", PASSWORD);
    let dir = server.dir.path().to_owned();
    let caller_voice = tone_file(&dir, "caller.wav", 1000.0);
    let caller_heard = dir.join("caller-heard.wav");
    let mut ws = login(&server, "xfer", PASSWORD).await;
    ready(&server, &mut ws, "xfer").await;

    let call = tokio::spawn({
        let args = CallArgs {
            play: Some(caller_voice),
            record: Some(caller_heard.clone()),
            ..caller_args(&server, "13900000042", 10.0)
        };
        async move { place_call(&args).await }
    });
    let call_id = offered(&mut ws).await;
    answer(&mut ws, 4, &call_id).await;
    send(
        &mut ws,
        5,
        Command::Transfer {
            call_id: call_id.clone(),
            target: proto::TransferTarget::External {
                number: "13700001111".into(),
            },
            mode: proto::TransferMode::Blind,
            note: Some("燃气公司".into()),
            ticket_id: None,
        },
    )
    .await;
    let result = until(&mut ws, |f| reply(f, 5)).await;
    assert!(
        matches!(result, proto::ReplyResult::Ok(_)),
        "transfer refused: {result:?}"
    );

    let report = call.await.expect("caller task").expect("call");
    assert!(report.answered, "{report}");
    phone_done(phone).await;
    server.wait_idle(Duration::from_secs(5)).await;

    // After the transfer the caller hears the far end, which echoes the caller's 1 kHz.
    let heard =
        hotline_media::read_wav_8k_mono(&std::fs::read(&caller_heard).expect("caller recording"))
            .expect("wav");
    let tail = &heard[heard.len() * 2 / 3..];
    assert!(
        hears(tail, 1000.0),
        "the caller did not hear the outside number"
    );

    tokio::time::sleep(Duration::from_millis(300)).await;
    let db = server.db().await;
    let events = hotline_e2e::events(&db, &call_id.0);
    let transfer = events
        .iter()
        .find(|(k, _)| k == "transfer")
        .map(|(_, d)| d.clone())
        .expect("transfer event");
    assert_eq!(transfer["to"]["external"], "13700001111");
    let outside = transfer["outbound_call"]
        .as_str()
        .expect("outbound call id")
        .to_owned();
    assert!(
        events
            .iter()
            .any(|(k, d)| k == "connected" && d["agent"] == "tel:13700001111"),
        "{events:?}"
    );
    let (number, _, flow, cause, answered) = outbound_row(&db, &outside);
    assert_eq!(
        (number.as_str(), flow.as_str(), cause.as_str(), answered),
        ("13700001111", "transfer", "caller hangup", true)
    );
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_whose_department_is_busy_comes_back_to_the_head_of_the_queue() {
    let uas_port = free_udp_port();
    let phone = phone(
        &scenario_dir().join("uas_busy.xml"),
        uas_port,
        &["-rtp_echo"],
    );
    let server = server_with_trunk(uas_port).await;
    add_agent(&server, "retry", PASSWORD);
    // The department's phone in the directory is the number the server dials.
    let gas = hotline_server::store::Store::open(&server.running.db_path)
        .expect("store")
        .add_department(
            &hotline_server::store::NewDepartment {
                parent_id: None,
                name: "燃气公司".into(),
                contact: "王工".into(),
                phone: "13700002222".into(),
            },
            0,
        )
        .expect("department");
    let mut ws = login(&server, "retry", PASSWORD).await;
    ready(&server, &mut ws, "retry").await;

    let call = tokio::spawn({
        let args = caller_args(&server, "13900000043", 8.0);
        async move { place_call(&args).await }
    });
    let offered_transfer = |f: &ServerFrame| match f {
        ServerFrame::Event {
            event: proto::Event::CallOffered {
                call_id, transfer, ..
            },
            ..
        } => Some((call_id.clone(), transfer.clone())),
        _ => None,
    };
    let (call_id, _) = until(&mut ws, offered_transfer).await;
    answer(&mut ws, 4, &call_id).await;
    send(
        &mut ws,
        5,
        Command::Transfer {
            call_id: call_id.clone(),
            target: proto::TransferTarget::Department {
                id: gas.id.to_string(),
            },
            mode: proto::TransferMode::Blind,
            note: None,
            ticket_id: None,
        },
    )
    .await;
    let result = until(&mut ws, |f| reply(f, 5)).await;
    assert!(
        matches!(result, proto::ReplyResult::Ok(_)),
        "transfer refused: {result:?}"
    );
    let notice = until(&mut ws, |f| match f {
        ServerFrame::Event {
            event: proto::Event::Notice { text, .. },
            ..
        } => Some(text.clone()),
        _ => None,
    })
    .await;
    assert!(
        notice.contains("busy") && notice.contains("back in queue"),
        "{notice}"
    );
    // Out of wrap-up, the agent is offered the same caller again, marked as transferred.
    send(&mut ws, 6, Command::EndWrapUp).await;
    let (again, transfer) = until(&mut ws, offered_transfer).await;
    assert_eq!(again, call_id);
    assert!(
        transfer.is_some(),
        "the offer does not say the call was transferred"
    );
    send(
        &mut ws,
        7,
        Command::Answer {
            call_id: call_id.clone(),
        },
    )
    .await;
    assert!(matches!(
        until(&mut ws, |f| reply(f, 7)).await,
        proto::ReplyResult::Ok(_)
    ));

    let report = call.await.expect("caller task").expect("call");
    assert!(report.answered, "{report}");
    phone_done(phone).await;
    server.wait_idle(Duration::from_secs(5)).await;
    let events = hotline_e2e::events(&server.db().await, &call_id.0);
    let back = events
        .iter()
        .find(|(k, d)| k == "transfer" && d.get("back_to_queue").is_some())
        .map(|(_, d)| d.clone())
        .expect("the log says why the caller came back");
    assert_eq!(back["back_to_queue"], "general");
    assert!(
        back["why"].as_str().unwrap_or("").starts_with("busy"),
        "{back}"
    );
    let connected = events.iter().filter(|(k, _)| k == "connected").count();
    assert_eq!(connected, 2, "{events:?}");
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswered_call_is_cancelled_at_the_ring_timeout() {
    let uas_port = free_udp_port();
    let phone = phone(
        &scenario_dir().join("uas_no_answer.xml"),
        uas_port,
        &["-rtp_echo"],
    );
    let server = TestServer::start(move |c| {
        c.trunks[0].outbound = Some(format!("127.0.0.1:{uas_port}"));
        c.trunks[0].ring_timeout_secs = 2;
    })
    .await;
    add_agent(&server, "patient", PASSWORD);
    let mut ws = login(&server, "patient", PASSWORD).await;
    send(
        &mut ws,
        4,
        Command::Dial {
            number: "13812340000".into(),
            caller_id: Some("12345".into()),
            ticket_id: None,
        },
    )
    .await;
    let dialed = until(&mut ws, |f| reply(f, 4)).await;
    let proto::ReplyResult::Ok(proto::ReplyBody::Dialed { call_id }) = dialed else {
        panic!("dial refused: {dialed:?}");
    };
    let ended = until(&mut ws, |f| {
        call_state(f).and_then(|(s, _)| match s {
            proto::CallState::Ended { cause } => Some(cause),
            _ => None,
        })
    })
    .await;
    assert_eq!(ended, proto::EndCause::NoAnswer);
    // Logged in not ready, the agent is not ready again afterwards (with the log-in reason).
    let state = server
        .running
        .context
        .distributor
        .agent_state("patient")
        .await;
    assert!(
        matches!(&state, Some(AgentState::NotReady { reason }) if reason != "outbound"),
        "{state:?}"
    );
    phone_done(phone).await;
    let db = server.db().await;
    let (_, _, _, cause, answered) = outbound_row(&db, &call_id.0);
    assert_eq!((cause.as_str(), answered), ("no answer", false));
    let kinds: Vec<String> = hotline_e2e::events(&db, &call_id.0)
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(kinds, ["outbound", "ringing", "cancel", "ended"]);
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_challenged_invite_is_sent_again_with_the_trunks_credentials() {
    let uas_port = free_udp_port();
    let phone = phone(
        &scenario_dir().join("uas_digest.xml"),
        uas_port,
        &["-rtp_echo"],
    );
    let server = TestServer::start(move |c| {
        c.trunks[0].outbound = Some(format!("127.0.0.1:{uas_port}"));
        c.trunks[0].username = Some("hotline12345".into());
        c.trunks[0].password = Some("s3cret".into());
    })
    .await;
    add_agent(&server, "secure", PASSWORD);
    let mut ws = login(&server, "secure", PASSWORD).await;
    let dialed = dial(&mut ws, 4, "13812349999").await;
    let proto::ReplyResult::Ok(proto::ReplyBody::Dialed { call_id }) = dialed else {
        panic!("dial refused: {dialed:?}");
    };
    until(&mut ws, |f| {
        call_state(f).filter(|(s, _)| *s == proto::CallState::Connected)
    })
    .await;
    send(&mut ws, 5, Command::Hangup { call_id }).await;
    until(&mut ws, |f| {
        call_state(f).filter(|(s, _)| matches!(s, proto::CallState::Ended { .. }))
    })
    .await;
    // SIPp checked the digest: a wrong one gets 403 and fails the scenario.
    phone_done(phone).await;
    server.running.shutdown().await;
}

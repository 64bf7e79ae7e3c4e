//! The screen-pop filled from the records, end to end: a caller record and an open ticket exist
//! for a number; a real SIP caller from that number enters the queue and a bare workstation
//! session gets `call_offered` with the caller's name, category, location and ticket. The agent
//! answers; when the same number calls again, the offer also shows the earlier call with the
//! agent who took it, the first-contact agent and the repeat-caller mark.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use hotline_e2e::TestServer;
use hotline_protocol::{self as proto, ClientFrame, Command, PROTOCOL_VERSION};
use hotline_server::auth::{Actor, Auth, AuthPolicy, NewAccount};
use hotline_server::cli::test_call::{CallArgs, place_call};
use hotline_server::store::{CallerCategory, NewCaller, Store, TicketDraft};
use hotline_server::tickets::{Channel, Pin, Role, TicketType, TimeLimit, Urgency};
use tokio_tungstenite::tungstenite::Message;

const NUMBER: &str = "13912345678";

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn send(ws: &mut Ws, id: u64, cmd: Command) {
    let frame = ClientFrame {
        v: PROTOCOL_VERSION,
        id,
        cmd,
    };
    ws.send(Message::Text(proto::encode_client(&frame).into()))
        .await
        .expect("send");
}

fn caller(server: &TestServer, secs: f64) -> CallArgs {
    CallArgs {
        to: "12345".into(),
        from: NUMBER.into(),
        server: server.sip(),
        dtmf: String::new(),
        dtmf_delay: 0.0,
        play: None,
        record: None,
        duration: secs,
        codec: None,
        inband: false,
    }
}

/// Waits for the next offer; answers it when `answer` is set and waits for the connection.
async fn next_offer(ws: &mut Ws, answer: bool) -> Option<proto::ScreenPop> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let mut offered = None;
    while let Ok(Some(Ok(Message::Text(t)))) = tokio::time::timeout_at(deadline, ws.next()).await {
        let Ok(proto::ServerFrame::Event { event, .. }) = proto::decode_server(t.as_str()) else {
            continue;
        };
        match event {
            proto::Event::CallOffered {
                call_id,
                screen_pop,
                ..
            } => {
                if !answer {
                    return Some(screen_pop);
                }
                send(ws, 10, Command::Answer { call_id }).await;
                offered = Some(screen_pop);
            }
            proto::Event::CallState {
                state: proto::CallState::Connected,
                ..
            } if offered.is_some() => return offered,
            _ => {}
        }
    }
    None
}

/// The offer, or a failure that shows what the call did.
async fn offer(server: &TestServer, ws: &mut Ws, answer: bool) -> proto::ScreenPop {
    match next_offer(ws, answer).await {
        Some(pop) => pop,
        None => panic!(
            "no offer; the call: {:?}",
            server.events_of_latest_call().await
        ),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_offer_carries_the_callers_records() {
    let server = TestServer::start(|_| {}).await;
    let auth = Auth::new(&server.running.db_path, AuthPolicy::default()).expect("auth");
    let mut account = NewAccount::new("popdesk", proto::Role::Agent, "agent password 1");
    account.display_name = "李明".into();
    account.skills = BTreeMap::from([("general".to_owned(), 5u8)]);
    auth.add_user(&account, &Actor::cli(), 0).expect("agent");
    let ticket_no = {
        let store = Store::open(&server.running.db_path).expect("store");
        let record = NewCaller {
            name: "王女士".into(),
            numbers: vec![NUMBER.into()],
            category: CallerCategory::Vip,
            ..NewCaller::default()
        };
        let caller_id = store.add_caller(&record, 0).expect("caller").id;
        let draft = TicketDraft {
            profile: "12345".into(),
            ticket_type: TicketType::Complaint,
            channel: Channel::Phone,
            category: "urban_construction".into(),
            urgency: Urgency::Normal,
            limit: TimeLimit::Days(10),
            subject: "小区夜间施工噪音扰民".into(),
            description: String::new(),
            address: "幸福路12号3栋".into(),
            region: String::new(),
            caller_id: Some(caller_id),
            caller_number: NUMBER.into(),
            call_id: None,
        };
        let agent = hotline_server::tickets::Actor::centre("popdesk", Role::Agent);
        let tz = jiff::tz::TimeZone::get("Asia/Shanghai").expect("tz");
        let at: jiff::Timestamp = "2026-11-20T02:00:00Z".parse().expect("time");
        store
            .create_ticket(&draft, &agent, Pin::from_random(1), &tz, at)
            .expect("ticket")
            .ticket
            .number
    };

    let url = format!("ws://{}/ws", server.running.api);
    let mut ws = tokio_tungstenite::connect_async(&url).await.expect("ws").0;
    let login = Command::Login {
        user: "popdesk".into(),
        password: "agent password 1".into(),
        client: proto::ClientKind::Other,
        resume_token: None,
    };
    send(&mut ws, 1, login).await;
    // A look-up outside a call answers the same screen-pop.
    let lookup = Command::CallerLookup {
        number: format!("+86 {NUMBER}"),
    };
    send(&mut ws, 2, lookup).await;
    let looked_up = loop {
        let Ok(Some(Ok(Message::Text(t)))) =
            tokio::time::timeout(Duration::from_secs(5), ws.next()).await
        else {
            panic!("no reply to caller_lookup");
        };
        if let Ok(proto::ServerFrame::Reply { id: 2, result, .. }) = proto::decode_server(&t) {
            break result.into_result().expect("caller_info");
        }
    };
    let proto::ReplyBody::CallerInfo(found) = looked_up else {
        panic!("not caller_info: {looked_up:?}");
    };
    assert_eq!(found.caller.name.as_deref(), Some("王女士"));
    assert_eq!(found.tickets.len(), 1);
    send(&mut ws, 3, Command::SetReady).await;

    let first = tokio::spawn({
        let args = caller(&server, 12.0);
        async move { place_call(&args).await }
    });
    let pop = offer(&server, &mut ws, true).await;
    assert_eq!(pop.caller.number, NUMBER);
    assert_eq!(pop.caller.name.as_deref(), Some("王女士"));
    assert_eq!(pop.caller.category, proto::CallerCategory::Vip);
    let location = pop.caller.location.as_ref().map(proto::Location::display);
    assert_eq!(location.as_deref(), Some("江苏 南京"));
    assert_eq!(pop.tickets.len(), 1, "{pop:?}");
    assert_eq!(pop.tickets[0].number, ticket_no);
    assert!(pop.tickets[0].open);
    assert!(pop.previous_calls.is_empty(), "{pop:?}");
    let report = first.await.expect("task").expect("call");
    assert!(report.answered);
    server.wait_idle(Duration::from_secs(5)).await;
    send(&mut ws, 4, Command::EndWrapUp).await;
    send(&mut ws, 5, Command::SetReady).await;

    // The same number again: the earlier call, its agent, first contact, repeat caller.
    let second = tokio::spawn({
        let args = caller(&server, 12.0);
        async move { place_call(&args).await }
    });
    let pop = offer(&server, &mut ws, false).await;
    assert_eq!(pop.previous_calls.len(), 1, "{pop:?}");
    assert_eq!(pop.previous_calls[0].agent.as_deref(), Some("李明"));
    // The test server's clock stands still, so the call's duration is 0 here.
    assert!(!pop.previous_calls[0].call_id.0.is_empty());
    assert_eq!(pop.first_contact_agent.as_deref(), Some("李明"));
    assert_eq!(
        pop.repeat_caller,
        Some(proto::RepeatInfo {
            calls_last_days: 1,
            days: 1
        })
    );
    drop(ws);
    let _ = second.await;
    let events = server.events_of_latest_call().await;
    let received = events
        .iter()
        .find(|(k, _)| k == "received")
        .expect("received");
    assert_eq!(received.1["location"]["city"], "南京", "{received:?}");
    server.running.shutdown().await;
}

//! Real calls to real agent sessions: a workstation that dies while its call rings gives the call
//! back to the queue for the next agent; ring-all rings both and the first answer wins;
//! round-robin alternates. Agents are headless agent-tui sessions (WebSocket + WebRTC) or, for
//! the one that dies, a bare WebSocket client.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use hotline_e2e::TestServer;
use hotline_e2e::people::{add_agent, caller_args, wait_ready};
use hotline_protocol::{self as proto, ClientFrame, Command, PROTOCOL_VERSION};
use hotline_server::acd::{AgentState, Strategy};
use hotline_server::cli::test_call::place_call;
use tokio_tungstenite::tungstenite::Message;

const PASSWORD: &str = "agent password 1";

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A bare workstation session: the protocol only, no media leg.
async fn bare_session(server: &TestServer) -> Ws {
    let url = format!("ws://{}/ws", server.running.api);
    tokio_tungstenite::connect_async(&url).await.expect("ws").0
}

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

fn login(name: &str) -> Command {
    Command::Login {
        user: name.into(),
        password: PASSWORD.into(),
        client: proto::ClientKind::Other,
        resume_token: None,
    }
}

fn headless(server: &TestServer, name: &str, answer_after: f64, calls: u32) -> agent_tui::Args {
    agent_tui::Args {
        play: None,
        record: None,
        answer_after,
        hangup_after: 1.0,
        calls,
        hold_after: 0.0,
        hold_for: 0.0,
        ..hotline_e2e::headless_agent(server, name, PASSWORD)
    }
}

/// The agents the call with this caller number was connected to, in order.
async fn connected_agents(server: &TestServer, caller: &str) -> Vec<String> {
    let db = server.db().await;
    let mut st = db
        .prepare("SELECT e.detail FROM call_events e JOIN calls c ON c.id = e.call_id WHERE c.caller = ?1 AND e.kind = 'connected' ORDER BY e.id")
        .expect("prepare");
    st.query_map([caller], |r| r.get::<_, String>(0))
        .expect("query")
        .map(|d| {
            serde_json::from_str::<serde_json::Value>(&d.expect("row")).expect("json")["agent"]
                .as_str()
                .unwrap_or("")
                .to_owned()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workstation_killed_while_ringing_hands_the_call_to_the_next_agent() {
    let server = TestServer::start(|_| {}).await;
    add_agent(&server, "doomed", PASSWORD);
    add_agent(&server, "steady", PASSWORD);
    // The doomed agent: a bare session that goes ready and vanishes when the call rings.
    let mut ws = bare_session(&server).await;
    send(&mut ws, 1, login("doomed")).await;
    send(&mut ws, 2, Command::SetReady).await;
    wait_ready(&server, "doomed").await;
    let call = tokio::spawn({
        let args = caller_args(&server, "13900000001", 14.0);
        async move { place_call(&args).await }
    });
    // Wait for the offer, then die without a word.
    let offered = tokio::time::timeout(Duration::from_secs(15), async {
        while let Some(Ok(Message::Text(t))) = ws.next().await {
            if t.contains("\"call_offered\"") {
                return true;
            }
        }
        false
    })
    .await
    .unwrap_or(false);
    assert!(offered, "the call was never offered to the first agent");
    drop(ws);
    // The steady agent comes in and gets the call.
    let steady = tokio::spawn({
        let args = headless(&server, "steady", 0.2, 1);
        async move { agent_tui::headless::run(&args).await }
    });
    tokio::time::timeout(Duration::from_secs(20), steady)
        .await
        .expect("steady finished")
        .expect("task")
        .expect("headless agent");
    let report = call.await.expect("task").expect("call");
    assert!(report.answered);
    server.wait_idle(Duration::from_secs(5)).await;
    assert_eq!(
        connected_agents(&server, "13900000001").await,
        vec!["steady".to_owned()]
    );
    let state = server
        .running
        .context
        .distributor
        .agent_state("doomed")
        .await;
    assert!(
        matches!(state, Some(AgentState::NotReady { .. })),
        "the vanished seat must not get calls: {state:?}"
    );
    server.running.shutdown().await;
}

async fn two_agents(strategy: Strategy, calls: &[&str]) -> (TestServer, Vec<String>) {
    let server = TestServer::start(|c| {
        for q in &mut c.acd.queues {
            q.strategy = strategy;
        }
    })
    .await;
    add_agent(&server, "fast", PASSWORD);
    add_agent(&server, "slow", PASSWORD);
    let fast = tokio::spawn({
        let args = headless(&server, "fast", 0.2, 0);
        async move { agent_tui::headless::run(&args).await }
    });
    let slow = tokio::spawn({
        let args = headless(&server, "slow", 1.5, 0);
        async move { agent_tui::headless::run(&args).await }
    });
    wait_ready(&server, "fast").await;
    wait_ready(&server, "slow").await;
    let mut agents = Vec::new();
    for from in calls {
        let report = place_call(&caller_args(&server, from, 9.0))
            .await
            .expect("call");
        assert!(report.answered);
        server.wait_idle(Duration::from_secs(5)).await;
        // The latest connection of this caller is this call's.
        agents.extend(connected_agents(&server, from).await.pop());
        // Both seats back to ready before the next call.
        wait_ready(&server, "fast").await;
        wait_ready(&server, "slow").await;
    }
    fast.abort();
    slow.abort();
    (server, agents)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ring_all_rings_both_and_the_first_answer_wins() {
    let (server, agents) = two_agents(Strategy::RingAll, &["13900000011", "13900000012"]).await;
    assert_eq!(agents, vec!["fast".to_owned(), "fast".to_owned()]);
    // Both seats rang for each call; the slow one's ringing ended by the other's answer, not
    // by a missed call.
    let db = server.db().await;
    let rang = |agent: &str| -> i64 {
        db.query_row(
            "SELECT COUNT(*) FROM agent_states WHERE agent = ?1 AND state = 'ringing'",
            [agent],
            |r| r.get(0),
        )
        .expect("count")
    };
    assert_eq!(
        (rang("fast"), rang("slow")),
        (2, 2),
        "ring-all rings every seat"
    );
    let slow_missed: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM agent_states WHERE agent = 'slow' AND cause = 'ring_timeout'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(slow_missed, 0);
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_robin_alternates_between_agents() {
    let (server, agents) = two_agents(Strategy::RoundRobin, &["13900000021", "13900000022"]).await;
    assert_eq!(agents.len(), 2);
    assert_ne!(
        agents[0], agents[1],
        "round-robin gave both calls to {}",
        agents[0]
    );
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_who_calls_again_gets_the_agent_who_served_them() {
    // Longest-idle alone would give the second call to the other agent: the one who just talked
    // is the least idle. First-contact responsibility sends it back to them.
    let (server, agents) = two_agents(Strategy::LongestIdle, &["13900000031", "13900000031"]).await;
    assert_eq!(agents.len(), 2);
    assert_eq!(
        agents[0], agents[1],
        "the returning caller went to another agent"
    );
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn longest_idle_gives_a_new_caller_to_the_other_agent() {
    // The control for the test above: different callers, so no first-contact preference.
    let (server, agents) = two_agents(Strategy::LongestIdle, &["13900000041", "13900000042"]).await;
    assert_eq!(agents.len(), 2);
    assert_ne!(
        agents[0], agents[1],
        "longest-idle gave both calls to {}",
        agents[0]
    );
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_sees_the_live_queue_and_picks_up_a_waiting_caller() {
    let server = TestServer::start(|_| {}).await;
    add_agent(&server, "picker", PASSWORD);
    let mut ws = bare_session(&server).await;
    send(&mut ws, 1, login("picker")).await;
    // Not ready: the ACD offers nothing, the caller waits in the queue.
    let call = tokio::spawn({
        let args = caller_args(&server, "13900000051", 14.0);
        async move { place_call(&args).await }
    });
    let mut picked = false;
    let mut connected = false;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while let Ok(Some(Ok(Message::Text(t)))) = tokio::time::timeout_at(deadline, ws.next()).await {
        let Ok(proto::ServerFrame::Event { event, .. }) = proto::decode_server(t.as_str()) else {
            continue;
        };
        match event {
            // The live queue shows the waiting caller; pick them up (抢接).
            proto::Event::QueueSnapshot(q) if !picked => {
                if let Some(w) = q.waiting.iter().find(|w| w.number == "13900000051") {
                    let cmd = Command::PickUp {
                        call_id: w.call_id.clone(),
                    };
                    send(&mut ws, 2, cmd).await;
                    picked = true;
                }
            }
            proto::Event::CallState {
                state: proto::CallState::Connected,
                ..
            } => {
                connected = true;
                break;
            }
            _ => {}
        }
    }
    assert!(picked, "the waiting caller never showed in the live queue");
    assert!(connected, "the pick-up did not connect the call");
    drop(ws);
    let report = call.await.expect("task").expect("call");
    assert!(report.answered);
    server.wait_idle(Duration::from_secs(5)).await;
    assert_eq!(
        connected_agents(&server, "13900000051").await,
        vec!["picker".to_owned()]
    );
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_caller_hears_music_and_position_and_wait_announcements() {
    let server = TestServer::start(|c| {
        for q in &mut c.acd.queues {
            q.announce_secs = Some(2);
        }
    })
    .await;
    // An agent is logged in but not ready, so the caller waits and hears where they stand.
    add_agent(&server, "busy1", PASSWORD);
    let mut ws = bare_session(&server).await;
    send(&mut ws, 1, login("busy1")).await;
    let mut args = caller_args(&server, "13900000061", 14.0);
    let heard_path = server.dir.path().join("caller-heard.wav");
    args.record = Some(heard_path.clone());
    let report = place_call(&args).await.expect("call");
    assert!(report.answered);
    server.wait_idle(Duration::from_secs(5)).await;
    let ev = server.events_of_latest_call().await;
    let announced: Vec<_> = ev
        .iter()
        .filter(|(k, _)| k == "announce")
        .map(|(_, d)| {
            (
                d["position"].as_u64().unwrap_or(0),
                d["wait_secs"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert!(
        announced.len() >= 2,
        "expected repeated announcements: {ev:?}"
    );
    assert!(
        announced.iter().all(|(p, w)| *p == 1 && *w > 0),
        "alone in the queue is position 1, with an estimated wait: {announced:?}"
    );
    // The caller hears both sentences, in the flow's language (Mandarin by default), and the
    // music while waiting (it starts from its beginning when the call queues).
    let heard = hotline_media::read_wav_8k_mono(&std::fs::read(&heard_path).expect("heard"))
        .expect("heard WAV");
    let music = hotline_e2e::assets_dir().join("music/hold.wav");
    let music =
        hotline_media::read_wav_8k_mono(&std::fs::read(music).expect("music")).expect("music WAV");
    assert!(
        hotline_e2e::audio::holds_clip(&heard, &music[..12_000]),
        "the waiting caller did not hear the music"
    );
    for prompt in ["queue_position", "estimated_wait"] {
        let path = hotline_e2e::assets_dir().join(format!("prompts/zh/{prompt}.wav"));
        let clip = hotline_media::read_wav_8k_mono(&std::fs::read(&path).expect("prompt"))
            .expect("prompt WAV");
        assert!(
            hotline_e2e::audio::holds_clip(&heard, &clip),
            "the waiting caller did not hear {prompt}"
        );
    }
    drop(ws);
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vip_caller_from_the_caller_records_is_served_first() {
    let server = TestServer::start(|_| {}).await;
    add_agent(&server, "vipdesk", PASSWORD);
    {
        let store = hotline_server::store::Store::open(&server.running.db_path).expect("store");
        let vip = hotline_server::store::NewCaller {
            name: "张先生".into(),
            numbers: vec!["13900000072".into()],
            id_number: String::new(),
            address: String::new(),
            company: String::new(),
            category: hotline_server::store::CallerCategory::Vip,
            custom: BTreeMap::new(),
        };
        store.add_caller(&vip, 0).expect("vip caller");
    }
    let mut ws = bare_session(&server).await;
    send(&mut ws, 1, login("vipdesk")).await;
    // An ordinary caller queues first, the VIP a moment later; then the agent turns ready.
    let first = tokio::spawn({
        let args = caller_args(&server, "13900000071", 12.0);
        async move { place_call(&args).await }
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let second = tokio::spawn({
        let args = caller_args(&server, "13900000072", 12.0);
        async move { place_call(&args).await }
    });
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let mut ready_sent = false;
    let mut offered_to = None;
    while let Ok(Some(Ok(Message::Text(t)))) = tokio::time::timeout_at(deadline, ws.next()).await {
        let Ok(proto::ServerFrame::Event { event, .. }) = proto::decode_server(t.as_str()) else {
            continue;
        };
        match event {
            proto::Event::QueueSnapshot(q) if !ready_sent && q.waiting.len() == 2 => {
                send(&mut ws, 2, Command::SetReady).await;
                ready_sent = true;
            }
            proto::Event::CallOffered { screen_pop, .. } => {
                offered_to = Some(screen_pop.caller.number);
                break;
            }
            _ => {}
        }
    }
    assert!(ready_sent, "both callers never waited together");
    assert_eq!(
        offered_to.as_deref(),
        Some("13900000072"),
        "the VIP should be offered first"
    );
    drop(ws);
    let _ = first.await;
    let _ = second.await;
    server.running.shutdown().await;
}

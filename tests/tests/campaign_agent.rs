//! A follow-up campaign (回访) in agent mode end to end. A replied ticket is due for its
//! follow-up; a supervisor starts a campaign on it with `connect: "agent"`. The campaign puts
//! the citizen into the `general` queue like a callback: a scripted workstation (a real WebRTC
//! leg, 600 Hz voice) is offered the call with the ticket's number, answers, and the server
//! dials the citizen through the trunk, where SIPp answers as the citizen's phone with its
//! media on a test socket (1 kHz voice, keeps what it hears). Both directions are checked by
//! frequency; then SQLite: the target answered, its attempt rows, the call linked to the
//! ticket, and the follow-up the agent records. A second test: the citizen is busy, the
//! campaign's own retry policy (2 s, not the queue's 5 minutes) offers it again, answered.

use std::time::{Duration, Instant};

use hotline_e2e::TestServer;
use hotline_e2e::audio::tone_file;
use hotline_e2e::citizen::{ONE_CALL_AT_A_TIME, free_udp_port, phone_done};
use hotline_e2e::console::Console;
use hotline_e2e::notify::{Api, MovableClock};
use hotline_e2e::outbound_trunk::{
    AnsweringPhone, answered_leg, busy_phone, clearly_hears, end_cause, trunk_to_phone,
};
use hotline_e2e::people::{add_agent, add_user};
use hotline_protocol::{self as proto, Command, Event, Role};
use hotline_server::ServerOptions;
use serde_json::{Value, json};

const PASSWORD: &str = "campaign agent password 1";
const CITIZEN: &str = "13800000002";
const AGENT: &str = "fuagent";
const AGENT_TONE: f32 = 600.0;
const CITIZEN_TONE: f32 = 1000.0;

/// The shipped profile with outbound calls going to `uas_port`. The queue's own callback
/// retries are set far apart (5 minutes): a campaign retry within seconds shows the campaign's
/// policy decides.
async fn server(uas_port: u16, clock: &MovableClock) -> TestServer {
    TestServer::start_with(
        move |c| {
            trunk_to_phone(c, uas_port);
            c.campaign.poll_interval_ms = 50;
            for q in c.acd.queues.iter_mut().filter(|q| q.name == "general") {
                q.callback_attempts = 5;
                q.callback_retry_secs = 300;
                q.wrap_up_secs = 0;
            }
        },
        ServerOptions {
            clock: Some(clock.clock()),
        },
    )
    .await
}

/// The people and the ticket: an agent and a supervisor account, a ticket filed by the agent
/// from the citizen's number and replied (due for its follow-up visit).
struct Scene {
    server: TestServer,
    sup: Api,
    agent_api: Api,
    ticket: i64,
    ticket_number: String,
    uas_port: u16,
    /// The server's clock, which the campaign's retry times follow.
    clock: MovableClock,
}

async fn scene() -> Scene {
    let uas_port = free_udp_port();
    // 10:00 in Shanghai.
    let clock = MovableClock::at("2026-11-23T02:00:00Z");
    let server = server(uas_port, &clock).await;
    add_agent(&server, AGENT, PASSWORD);
    add_user(&server, "fusup", Role::Supervisor, PASSWORD);
    let sup = Api::login(&server, "fusup", PASSWORD).await;
    let agent_api = Api::login(&server, AGENT, PASSWORD).await;
    let t = agent_api.file("物业维修未果", CITIZEN).await;
    let ticket = t["id"].as_i64().expect("id");
    let ticket_number = t["number"].as_str().expect("number").to_owned();
    let (status, r) = agent_api
        .post(
            &format!("/tickets/{ticket}/transitions"),
            &json!({"action": "reply", "text": "已联系物业，三日内上门维修"}),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    Scene {
        server,
        sup,
        agent_api,
        ticket,
        ticket_number,
        uas_port,
        clock,
    }
}

/// The workstation: logged in, a media leg speaking 600 Hz, ready.
async fn workstation(server: &TestServer) -> Console {
    let dir = server.dir.path();
    let mut agent = Console::login(
        server.running.api,
        AGENT,
        PASSWORD,
        proto::ClientKind::Other,
    )
    .await;
    agent
        .start_media(
            tone_file(dir, "agent.wav", AGENT_TONE),
            dir.join("agent-heard.wav"),
        )
        .await;
    agent.call(Command::SetReady).await.expect("ready");
    agent
}

/// Starts an agent-mode campaign on the ticket, calling all day, retrying after 2 s.
async fn start_campaign(scene: &Scene) -> i64 {
    let (status, created) = scene
        .sup
        .post(
            "/campaigns",
            &json!({"name": "回访（坐席）", "tickets": [scene.ticket],
                    "connect": "agent", "queue": "general",
                    "max_attempts": 3, "retry_secs": 2,
                    "window_start": "00:00", "window_end": "24:00"}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["targets"], 1);
    assert_eq!(created["campaign"]["mode"], "agent");
    assert_eq!(created["campaign"]["queue"], "general");
    created["campaign"]["id"].as_i64().expect("campaign id")
}

/// Requests that do not make an agent-mode campaign are refused, and nothing is called.
async fn refused_requests(scene: &Scene) {
    for (body, why) in [
        (json!({"connect": "agent", "queue": "nope"}), "no queue"),
        (json!({"connect": "robot"}), "survey or agent"),
        (
            json!({"connect": "agent", "flow": "satisfaction"}),
            "no flow",
        ),
        (json!({"queue": "general"}), "only"),
    ] {
        let mut req = json!({"name": "x", "tickets": [scene.ticket]});
        for (k, v) in body.as_object().expect("object") {
            req[k] = v.clone();
        }
        let (status, r) = scene.sup.post("/campaigns", &req).await;
        assert_eq!(status, 400, "{req} → {r}");
        assert!(r.to_string().contains(why), "{req} → {r}");
    }
}

/// Waits for the offer; checks it names the ticket and the attempt; answers it.
async fn answer_offer(agent: &mut Console, ticket_number: &str, attempt: u32) {
    let offer = agent
        .wait_for("campaign offer", Duration::from_secs(30), |e| {
            matches!(e, Event::CallOffered { .. })
        })
        .await;
    let Event::CallOffered {
        call_id, callback, ..
    } = offer
    else {
        unreachable!("matched above");
    };
    let cb = callback.expect("the offer is a callback");
    assert_eq!(cb.number, CITIZEN);
    assert_eq!(cb.attempt, attempt);
    assert_eq!(cb.ticket.as_deref(), Some(ticket_number));
    assert_eq!(cb.purpose.as_deref(), Some("follow_up"));
    agent
        .call(Command::Answer { call_id })
        .await
        .expect("answered");
}

/// The outbound leg's `call_state` in `want` state; gives its call id.
async fn leg_state(agent: &mut Console, what: &str, want: fn(&proto::CallState) -> bool) -> String {
    let event = agent
        .wait_for(what, Duration::from_secs(30), |e| {
            matches!(e, Event::CallState { direction: proto::Direction::Outbound, state, .. }
                     if want(state))
        })
        .await;
    match event {
        Event::CallState { call_id, .. } => call_id.0,
        _ => unreachable!("matched above"),
    }
}

/// The citizen answered: both talk 5 s, then the agent hangs up. Gives the leg's call id and
/// what the agent heard meanwhile.
async fn hang_up_after_talking(agent: &mut Console) -> (String, Vec<i16>) {
    let leg = leg_state(agent, "citizen answered", |s| {
        matches!(s, proto::CallState::Connected)
    })
    .await;
    let from = Instant::now() + Duration::from_millis(500);
    tokio::time::sleep(Duration::from_secs(5)).await;
    let to = Instant::now();
    agent
        .call(Command::Hangup {
            call_id: proto::CallId(leg.clone()),
        })
        .await
        .expect("hung up");
    leg_state(agent, "leg ended", |s| {
        matches!(s, proto::CallState::Ended { .. })
    })
    .await;
    (leg, agent.heard_between(from, to))
}

/// The campaign's only target, once `done` holds for it (30 s at most).
async fn target_until(sup: &Api, campaign: i64, done: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    for _ in 0..600 {
        let (status, body) = sup.get(&format!("/campaigns/{campaign}")).await;
        assert_eq!(status, 200, "{body}");
        last = body["targets"][0].clone();
        if done(&last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the target never got there: {last:#}");
}

/// (call id, result) of each campaign call about the target, in order.
fn campaign_calls(db: &rusqlite::Connection) -> Vec<(String, String)> {
    let mut st = db
        .prepare("SELECT call_id, result FROM campaign_calls ORDER BY id")
        .expect("prepare");
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .map(|r| r.expect("row"))
        .collect()
}

/// The answered leg: a campaign call placed for the agent about the ticket, answered,
/// recorded, linked to the ticket; the target answered after `attempts`.
fn check_answered(db: &rusqlite::Connection, scene: &Scene, leg: &str, attempts: i64) {
    let (status, result, tries, last): (String, String, i64, String) = db
        .query_row(
            "SELECT status, result, attempts, last_call FROM campaign_targets",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .expect("one target");
    assert_eq!(
        (status.as_str(), result.as_str(), tries, last.as_str()),
        ("done", "answered", attempts, leg)
    );
    let outbound = answered_leg(db, leg, CITIZEN, "campaign");
    assert_eq!(outbound["purpose"], "campaign");
    assert_eq!(outbound["agent"], AGENT);
    assert_eq!(outbound["ticket_id"], scene.ticket_number.as_str());
    let linked: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM ticket_calls WHERE ticket_id = ?1 AND call_id = ?2",
            rusqlite::params![scene.ticket, leg],
            |r| r.get(0),
        )
        .expect("ticket_calls");
    assert_eq!(linked, 1, "the campaign call is linked to the ticket");
    // A campaign's attempts are the campaign's: nothing in the queue callback tables.
    let callbacks: i64 = db
        .query_row("SELECT COUNT(*) FROM callbacks", [], |r| r.get(0))
        .expect("callbacks");
    assert_eq!(callbacks, 0);
}

/// The agent records what the citizen said; the ticket's history shows the follow-up.
async fn record_follow_up(scene: &Scene) {
    let ticket = scene.ticket;
    let (_, t) = scene.agent_api.get(&format!("/tickets/{ticket}")).await;
    assert_eq!(
        t["status"], "follow_up",
        "the answered call starts it: {t:#}"
    );
    let (status, r) = scene
        .agent_api
        .post(
            &format!("/tickets/{ticket}/transitions"),
            &json!({"action": "record_follow_up", "satisfaction": "satisfied",
                    "note": "市民表示满意"}),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    let (_, h) = scene
        .agent_api
        .get(&format!("/tickets/{ticket}/history"))
        .await;
    let steps: Vec<&str> = h["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|r| r["action"].as_str().unwrap_or(""))
        .collect();
    assert!(
        steps.ends_with(&["start_follow_up", "record_follow_up"]),
        "{steps:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_is_offered_the_ticket_and_talks_to_the_citizen_it_dials() {
    let _turn = ONE_CALL_AT_A_TIME.lock().await;
    let scene = scene().await;
    let mut agent = workstation(&scene.server).await;
    let phone = AnsweringPhone::start(scene.server.dir.path(), scene.uas_port, CITIZEN_TONE).await;
    refused_requests(&scene).await;
    let campaign = start_campaign(&scene).await;

    answer_offer(&mut agent, &scene.ticket_number, 1).await;
    leg_state(&mut agent, "the citizen's phone rings", |s| {
        matches!(s, proto::CallState::Ringing)
    })
    .await;
    let (leg, agent_heard) = hang_up_after_talking(&mut agent).await;
    let citizen_heard = phone.heard().await;
    assert!(
        clearly_hears(&citizen_heard, AGENT_TONE),
        "the citizen did not hear the agent ({} samples)",
        citizen_heard.len()
    );
    assert!(
        clearly_hears(&agent_heard, CITIZEN_TONE),
        "the agent did not hear the citizen ({} samples)",
        agent_heard.len()
    );

    let t = target_until(&scene.sup, campaign, |t| t["status"] == "done").await;
    assert_eq!(
        (t["result"].as_str(), t["attempts"].as_i64()),
        (Some("answered"), Some(1))
    );
    let (_, calls) = scene
        .agent_api
        .get(&format!("/tickets/{}/follow-ups", scene.ticket))
        .await;
    assert_eq!(calls["calls"][0]["call_id"], leg.as_str(), "{calls:#}");
    scene.server.wait_idle(Duration::from_secs(5)).await;
    let db = scene.server.db().await;
    assert_eq!(campaign_calls(&db), [(leg.clone(), "answered".to_owned())]);
    check_answered(&db, &scene, &leg, 1);
    record_follow_up(&scene).await;
    agent.stop_media().await;
    scene.server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_citizen_is_offered_again_per_the_campaign_policy() {
    let _turn = ONE_CALL_AT_A_TIME.lock().await;
    let scene = scene().await;
    let mut agent = workstation(&scene.server).await;
    let busy = busy_phone(scene.uas_port);
    let campaign = start_campaign(&scene).await;

    // First attempt: the agent answers, the citizen is busy; the agent is free at once.
    answer_offer(&mut agent, &scene.ticket_number, 1).await;
    let busy_leg = leg_state(&mut agent, "the busy attempt ends", |s| {
        matches!(s, proto::CallState::Ended { .. })
    })
    .await;
    phone_done(busy).await;
    target_until(&scene.sup, campaign, |t| t["result"] == "busy").await;

    // The campaign's 2 s later (the queue's callback delay is 5 minutes): a new offer.
    let phone = AnsweringPhone::start(scene.server.dir.path(), scene.uas_port, CITIZEN_TONE).await;
    // The campaign's clock moves past its retry time.
    scene.clock.advance(Duration::from_secs(3));
    answer_offer(&mut agent, &scene.ticket_number, 2).await;
    let (leg, agent_heard) = hang_up_after_talking(&mut agent).await;
    let citizen_heard = phone.heard().await;
    assert!(
        clearly_hears(&citizen_heard, AGENT_TONE),
        "the citizen did not hear the agent on the second attempt"
    );
    assert!(
        clearly_hears(&agent_heard, CITIZEN_TONE),
        "the agent did not hear the citizen on the second attempt"
    );

    target_until(&scene.sup, campaign, |t| t["status"] == "done").await;
    scene.server.wait_idle(Duration::from_secs(5)).await;
    let db = scene.server.db().await;
    assert_eq!(
        campaign_calls(&db),
        [
            (busy_leg.clone(), "busy".to_owned()),
            (leg.clone(), "answered".to_owned())
        ]
    );
    assert_eq!(end_cause(&db, &busy_leg), "busy");
    check_answered(&db, &scene, &leg, 2);
    let (_, c) = scene.sup.get(&format!("/campaigns/{campaign}")).await;
    assert_eq!(c["campaign"]["status"], "done");
    agent.stop_media().await;
    scene.server.running.shutdown().await;
}

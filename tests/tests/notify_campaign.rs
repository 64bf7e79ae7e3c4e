//! A follow-up campaign (回访) end to end, with SIPp playing the citizen's phone behind the
//! trunk. The supervisor creates the campaign from a ticket query (replied tickets) at 22:00:
//! nobody is called at night, the call waits for 09:00. Then the citizen is busy (486), then
//! does not answer (ring timeout, CANCEL), both retried after the campaign's retry time; the
//! third call is answered, the survey flow asks, the citizen keys 1 (RFC 4733), and the result
//! is on the ticket: the campaign calls with their result codes, the call linked, and the
//! follow-up recorded as satisfied.

use hotline_e2e::citizen::{free_udp_port, phone, phone_done};
use std::path::Path;
use std::time::Duration;

use hotline_e2e::notify::{Api, MovableClock};
use hotline_e2e::people::add_user;
use hotline_e2e::{TestServer, scenario_dir, scenario_from_template};
use hotline_protocol::Role;
use hotline_server::ServerOptions;
use serde_json::{Value, json};

const PASSWORD: &str = "campaign password 1";
const CITIZEN: &str = "13800000001";

/// The campaign's only target, once `done` holds for it (20 s at most).
async fn target_until(sup: &Api, campaign: i64, done: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    for _ in 0..400 {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follow_up_campaign_retries_busy_and_no_answer_then_records_the_survey() {
    let pcap = "/usr/share/sip-tester/dtmf_2833_1.pcap";
    assert!(
        Path::new(pcap).exists(),
        "{pcap} missing: apt-get install sip-tester"
    );
    let uas_port = free_udp_port();
    // 22:00 in Shanghai.
    let clock = MovableClock::at("2026-11-22T14:00:00Z");
    let server = TestServer::start_with(
        move |c| {
            c.trunks[0].outbound = Some(format!("127.0.0.1:{uas_port}"));
            c.trunks[0].caller_id = Some("12345".into());
            c.trunks[0].ring_timeout_secs = 2;
            c.campaign.poll_interval_ms = 50;
        },
        ServerOptions {
            clock: Some(clock.clock()),
        },
    )
    .await;
    add_user(&server, "c_agent", Role::Agent, PASSWORD);
    add_user(&server, "c_sup", Role::Supervisor, PASSWORD);
    let agent = Api::login(&server, "c_agent", PASSWORD).await;
    let sup = Api::login(&server, "c_sup", PASSWORD).await;

    // A ticket answered directly by the centre: due for its follow-up visit.
    let t = agent.file("咨询退货政策", CITIZEN).await;
    let ticket = t["id"].as_i64().expect("id");
    let (status, r) = agent
        .post(
            &format!("/tickets/{ticket}/transitions"),
            &json!({"action": "reply", "text": "七日内可无理由退货"}),
        )
        .await;
    assert_eq!(status, 200, "{r}");

    let (status, created) = sup
        .post(
            "/campaigns",
            &json!({"name": "十一月回访", "query": {"status": ["replied"]},
                    "max_attempts": 3, "retry_secs": 60,
                    "window_start": "09:00", "window_end": "20:00"}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["targets"], 1);
    let campaign = created["campaign"]["id"].as_i64().expect("campaign id");

    // At night the call waits for 09:00 (01:00 UTC).
    let nine: jiff::Timestamp = "2026-11-23T01:00:00Z".parse().expect("time");
    let waiting = target_until(&sup, campaign, |t| {
        t["next_at_ms"].as_i64() == Some(nine.as_millisecond())
    })
    .await;
    assert_eq!(waiting["attempts"], 0);
    assert_eq!(waiting["status"], "pending");

    // 10:00: the citizen is busy.
    let busy = phone(&scenario_dir().join("uas_busy.xml"), uas_port, &[]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    clock.advance(Duration::from_hours(12));
    phone_done(busy).await;
    let t1 = target_until(&sup, campaign, |t| t["result"] == "busy").await;
    assert_eq!(
        (t1["attempts"].as_i64(), t1["status"].as_str()),
        (Some(1), Some("pending"))
    );

    // A minute later: it rings out.
    let ringing = phone(&scenario_dir().join("uas_no_answer.xml"), uas_port, &[]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    clock.advance(Duration::from_secs(61));
    phone_done(ringing).await;
    let t2 = target_until(&sup, campaign, |t| t["result"] == "no_answer").await;
    assert_eq!(
        (t2["attempts"].as_i64(), t2["status"].as_str()),
        (Some(2), Some("pending"))
    );

    // The third call is answered; the citizen keys 1 (satisfied).
    let tmp = tempfile::tempdir().expect("tmp");
    let survey = scenario_from_template(
        "uas_survey.tmpl",
        tmp.path(),
        &[("DTMF_PCAP", pcap), ("DTMF_DELAY_MS", "1500")],
    );
    let answering = phone(&survey, uas_port, &[]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    clock.advance(Duration::from_secs(61));
    phone_done(answering).await;
    let t3 = target_until(&sup, campaign, |t| t["status"] == "done").await;
    assert_eq!(t3["result"], "answered");
    assert_eq!(t3["answer"], "satisfied");
    assert_eq!(t3["attempts"], 3);

    // On the ticket: the three calls with their codes, the call linked, the follow-up result.
    let (_, calls) = agent.get(&format!("/tickets/{ticket}/follow-ups")).await;
    let results: Vec<&str> = calls["calls"]
        .as_array()
        .expect("calls")
        .iter()
        .map(|c| c["result"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(results, ["busy", "no_answer", "answered"]);
    let answered_call = calls["calls"][2]["call_id"].as_str().expect("call id");
    let (_, t) = agent.get(&format!("/tickets/{ticket}")).await;
    assert_eq!(t["status"], "follow_up", "{t:#}");
    assert!(
        t["calls"]
            .as_array()
            .expect("calls")
            .iter()
            .any(|c| c == answered_call)
    );
    assert!(t["workflow"].to_string().contains("satisfied"), "{t:#}");
    let (_, h) = agent.get(&format!("/tickets/{ticket}/history")).await;
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
    let (_, c) = sup.get(&format!("/campaigns/{campaign}")).await;
    assert_eq!(c["campaign"]["status"], "done");
    server.running.shutdown().await;
}

/// Seconds of audio in a prompt (8 kHz, 16-bit mono WAV).
fn prompt_secs(name: &str) -> f64 {
    let path = hotline_e2e::assets_dir().join(format!("prompts/zh/{name}.wav"));
    let bytes = std::fs::metadata(&path).expect("prompt").len();
    (bytes.saturating_sub(44)) as f64 / 16_000.0
}

/// A voice dispatch order (seed 000: 执法调度 by voice and SMS): dispatching a ticket to a
/// department with a duty phone calls it; SIPp plays the team's phone, hears the order with
/// the ticket number read out, keys 1, and the ticket is accepted (签收) in the department's
/// name. The department's SMS goes out in parallel.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voice_dispatch_order_is_acknowledged_on_the_keypad() {
    let pcap = "/usr/share/sip-tester/dtmf_2833_1.pcap";
    assert!(
        Path::new(pcap).exists(),
        "{pcap} missing: apt-get install sip-tester"
    );
    let uas_port = free_udp_port();
    let (gw, gateway) = hotline_e2e::notify::FakeGateway::start(0).await;
    let server = TestServer::start(move |c| {
        c.trunks[0].outbound = Some(format!("127.0.0.1:{uas_port}"));
        c.trunks[0].caller_id = Some("12345".into());
        c.campaign.poll_interval_ms = 50;
        c.notify.voice_dispatch = true;
        c.notify.poll_interval_ms = 50;
        c.notify.sms.url = format!("http://{gateway}/send");
        c.notify.sms.fields = [
            ("mobile".to_owned(), "{to}".to_owned()),
            ("content".to_owned(), "{text}".to_owned()),
        ]
        .into();
    })
    .await;
    add_user(&server, "v_admin", Role::Admin, PASSWORD);
    add_user(&server, "v_sup", Role::Supervisor, PASSWORD);
    add_user(&server, "v_agent", Role::Agent, PASSWORD);
    let admin = Api::login(&server, "v_admin", PASSWORD).await;
    let sup = Api::login(&server, "v_sup", PASSWORD).await;
    let agent = Api::login(&server, "v_agent", PASSWORD).await;
    let (status, d) = admin
        .post(
            "/departments",
            &json!({"name": "市场监管执法大队", "phone": "057187001234"}),
        )
        .await;
    assert_eq!(status, 201, "{d}");
    let dept = d["id"].as_i64().expect("department");
    let (status, _) = admin
        .put(
            &format!("/departments/{dept}/contact"),
            &json!({"sms": "13700000000"}),
        )
        .await;
    assert_eq!(status, 200);

    let t = agent.file("超市销售过期食品", CITIZEN).await;
    let (ticket, number) = (
        t["id"].as_i64().expect("id"),
        t["number"].as_str().expect("number").to_owned(),
    );
    // The team keys 1 while the acknowledgement question plays: after the order and the
    // ticket number read out digit by digit.
    let digits: Vec<char> = number.chars().filter(char::is_ascii_digit).collect();
    let order_secs = prompt_secs("dispatch_order")
        + digits
            .iter()
            .map(|d| prompt_secs(&format!("digit_{d}")))
            .sum::<f64>();
    let delay_ms = ((order_secs + 1.5) * 1000.0) as u64;
    let tmp = tempfile::tempdir().expect("tmp");
    let delay = delay_ms.to_string();
    let team_phone = scenario_from_template(
        "uas_survey.tmpl",
        tmp.path(),
        &[("DTMF_PCAP", pcap), ("DTMF_DELAY_MS", &delay)],
    );
    let team = phone(&team_phone, uas_port, &[]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, r) = sup
        .post(
            &format!("/tickets/{ticket}/transitions"),
            &json!({"action": "dispatch", "lead": dept.to_string()}),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    phone_done(team).await;

    let mut calls = Value::Null;
    for _ in 0..200 {
        let (_, body) = agent.get(&format!("/tickets/{ticket}/follow-ups")).await;
        calls = body["calls"].clone();
        if calls[0]["answer"] != "" && calls[0]["answer"] != Value::Null {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(calls[0]["number"], "057187001234", "{calls:#}");
    assert_eq!(calls[0]["result"], "answered");
    assert_eq!(calls[0]["answer"], "acknowledged");
    let mut status = Value::Null;
    for _ in 0..100 {
        let (_, t) = agent.get(&format!("/tickets/{ticket}")).await;
        status = t["status"].clone();
        if status == "accepted" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, "accepted");
    let (_, h) = agent.get(&format!("/tickets/{ticket}/history")).await;
    let last = h["history"]
        .as_array()
        .expect("history")
        .last()
        .cloned()
        .expect("row");
    assert_eq!(last["action"], "accept");
    assert!(
        last["actor"].as_str().unwrap_or("").starts_with("voice:"),
        "{last}"
    );
    // The department's SMS (and the citizen's) went out in parallel.
    let texts: Vec<String> = gw
        .hits()
        .iter()
        .map(|h| h.body["mobile"].as_str().unwrap_or("").to_owned())
        .collect();
    assert!(texts.iter().any(|m| m == "13700000000"), "{texts:?}");
    server.running.shutdown().await;
}

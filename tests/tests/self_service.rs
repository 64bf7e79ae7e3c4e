//! Self-service by phone with real callers (the test call user agent, RFC 4733 digits): the
//! director's mailbox and the guided complaint become tickets with their recordings, agents and
//! supervisors are told; the status query reads a ticket back and locks after wrong PINs; the
//! caller rates the agent after the agent hangs up; the opinion poll and the information
//! service store their answers. Every outcome is checked in the server's SQLite file.

use std::path::Path;
use std::time::Duration;

use hotline_e2e::console::Console;
use hotline_e2e::people::{add_agent, add_user, caller_args, wait_ready};
use hotline_e2e::{TestServer, scenario_from_template, sipp};
use hotline_protocol::{self as proto, Command, Event, VoicemailKind};
use hotline_server::cli::test_call::{CallArgs, place_call};
use hotline_server::store::{NewDepartment, NewKnowledge, Store, TicketDraft, dept_id};
use hotline_server::tickets::{
    Actor, Channel, Pin, Role, TicketType, TimeLimit, Urgency, WorkflowAction,
};

const PASSWORD: &str = "correct horse battery";

/// A 440 Hz "voice" for the caller, `secs` long.
fn voice(dir: &Path, secs: usize) -> std::path::PathBuf {
    let mut tone = vec![0i16; 8000 * secs];
    hotline_media::ToneGenerator::new(&[440.0], 8000, 8000).fill(&mut tone);
    let path = dir.join("voice.wav");
    std::fs::write(&path, hotline_media::wav_bytes(&tone, 8000, 1)).expect("voice");
    path
}

/// How long a Mandarin prompt plays, in whole seconds rounded up.
fn prompt_secs(name: &str) -> usize {
    let path = hotline_e2e::assets_dir().join(format!("prompts/zh/{name}.wav"));
    let bytes = std::fs::metadata(&path).expect("prompt").len();
    // 8 kHz 16-bit mono: 16,000 bytes a second.
    usize::try_from(bytes.div_ceil(16_000)).expect("fits")
}

/// `n` one-second pauses in a `--dtmf` string.
fn pause(n: usize) -> String {
    ",".repeat(n)
}

fn call(server: &TestServer, to: &str, from: &str, dtmf: &str, secs: f64) -> CallArgs {
    CallArgs {
        to: to.into(),
        dtmf: dtmf.into(),
        dtmf_delay: 1.0,
        ..caller_args(server, from, secs)
    }
}

fn kinds(server_events: &[(String, serde_json::Value)]) -> Vec<&str> {
    server_events.iter().map(|(k, _)| k.as_str()).collect()
}

fn service_results(ev: &[(String, serde_json::Value)]) -> Vec<String> {
    ev.iter()
        .filter(|(k, _)| k == "service_done")
        .map(|(_, d)| d["result"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_directors_mailbox_files_a_ticket_with_its_recording_and_tells_the_centre() {
    let server = TestServer::start(|_| {}).await;
    add_agent(&server, "a1", PASSWORD);
    add_user(&server, "boss", proto::Role::Supervisor, PASSWORD);
    let api = server.running.api;
    let mut agent = Console::login(api, "a1", PASSWORD, proto::ClientKind::Other).await;
    let mut sup = Console::login(api, "boss", PASSWORD, proto::ClientKind::SupervisorTui).await;
    sup.call(Command::Subscribe {
        topics: vec![proto::Topic::MyCalls],
    })
    .await
    .expect("subscribe");

    // 5 (through the welcome): mailbox; # = call back this phone; 1 = reply wanted; then
    // speak after the prompt and the beep, and # to finish.
    let speak = prompt_secs("mailbox_reply") + prompt_secs("record_after_beep") + 4;
    let mut args = call(
        &server,
        "12365",
        "13912345678",
        &format!("5#1{}#", pause(speak)),
        60.0,
    );
    args.play = Some(voice(server.dir.path(), 60));
    let report = place_call(&args).await.expect("call");
    assert_eq!(report.ended_by, "server", "the IVR says goodbye: {report}");
    server.wait_idle(Duration::from_secs(5)).await;

    let ev = server.events_of_latest_call().await;
    assert_eq!(service_results(&ev), ["ok"], "{:?}", kinds(&ev));
    let db = server.db().await;
    let (id, number, kind, channel, caller, description): (
        i64,
        String,
        String,
        String,
        String,
        String,
    ) = db
        .query_row(
            "SELECT id, number, type, channel, caller_number, description FROM tickets",
            [],
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
        .expect("one ticket");
    assert!(number.starts_with("12365-20261123-"), "{number}");
    assert_eq!(
        (kind.as_str(), channel.as_str(), caller.as_str()),
        ("director_mail", "voicemail", "13912345678")
    );
    assert!(
        description.contains("需要回复 / reply wanted: 是"),
        "{description}"
    );
    // The ticket links the call, and through it the message's recording.
    let (rec_path, rec_kind): (String, String) = db
        .query_row(
            "SELECT r.path, r.kind FROM ticket_calls t JOIN recordings r ON r.call_id = t.call_id
             WHERE t.ticket_id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("linked recording");
    assert_eq!(rec_kind, "message");
    assert!(description.contains(&rec_path), "{description}");
    let (vm_kind, reply, vm_ticket): (String, i64, i64) = db
        .query_row(
            "SELECT kind, reply_wanted, ticket_id FROM voicemails",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("voicemail row");
    assert_eq!(
        (vm_kind.as_str(), reply, vm_ticket),
        ("director_mail", 1, id)
    );
    let samples =
        hotline_media::read_wav_8k_mono(&std::fs::read(&rec_path).expect("wav file")).expect("wav");
    assert!(
        samples.len() >= 8000 * 2,
        "message too short: {}",
        samples.len()
    );
    let f = hotline_media::dominant_frequency(&samples[4000..12_000], &[440.0, 1000.0], 8000);
    assert_eq!(f, Some(440.0), "the message holds the caller's voice");

    // Both workstations were told.
    for (who, console) in [("agent", &mut agent), ("supervisor", &mut sup)] {
        let notice = console
            .wait_for("voicemail notice", Duration::from_secs(5), |e| {
                matches!(e, Event::Voicemail(_))
            })
            .await;
        let Event::Voicemail(n) = notice else {
            unreachable!()
        };
        assert_eq!(n.kind, VoicemailKind::DirectorMail, "{who}");
        assert_eq!(n.from, "13912345678", "{who}");
        assert!(n.duration_ms >= 2000, "{who}: {n:?}");
    }
    server.running.shutdown().await;
}

/// SIPp keys 5, # and 1 (RFC 4733), speaks after the beep and hangs up without pressing #:
/// the message still becomes a ticket.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sipp_caller_who_hangs_up_after_speaking_still_leaves_a_ticket() {
    let server = TestServer::start(|_| {}).await;
    let tmp = tempfile::tempdir().expect("tmp");
    let pcap = |name: &str| format!("/usr/share/sip-tester/{name}.pcap");
    let sf = scenario_from_template(
        "uac_message.tmpl",
        tmp.path(),
        &[
            ("DIGIT_1", &pcap("dtmf_2833_5")),
            ("DIGIT_2", &pcap("dtmf_2833_pound")),
            ("DIGIT_3", &pcap("dtmf_2833_1")),
            ("WAIT_MS", "8000"),
            ("VOICE_PCAP", &pcap("g711a")),
        ],
    );
    let run = sipp(
        &sf,
        server.sip(),
        &[
            "-s",
            "12315",
            "-m",
            "1",
            "-set",
            "codec",
            "8",
            "-d",
            "9000",
            "-set",
            "caller",
            "13600000008",
        ],
        Duration::from_secs(40),
    )
    .await;
    assert!(run.success, "sipp failed: {}\n{}", run.stdout, run.stderr);
    server.wait_idle(Duration::from_secs(5)).await;
    // The ticket is filed off the call's task: give it a moment after the hang-up.
    let mut filed = None;
    for _ in 0..50 {
        let db = server.db().await;
        filed = db
            .query_row(
                "SELECT t.type, t.caller_number, v.reply_wanted FROM tickets t
                 JOIN voicemails v ON v.ticket_id = t.id",
                [],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                    ))
                },
            )
            .ok();
        if filed.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let ev = server.events_of_latest_call().await;
    assert_eq!(
        filed,
        Some(("director_mail".into(), "13600000008".into(), 1)),
        "{:?}",
        kinds(&ev)
    );
    let digits: Vec<&str> = ev
        .iter()
        .filter(|(k, d)| k == "digit" && d["source"] == "rfc4733")
        .filter_map(|(_, d)| d["digit"].as_str())
        .collect();
    assert_eq!(digits, ["5", "#", "1"]);
    let done = ev
        .iter()
        .find(|(k, _)| k == "record_done")
        .expect("recorded");
    assert!(
        done.1["duration_ms"].as_u64().unwrap_or(0) >= 5000,
        "{done:?}"
    );
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guided_complaint_is_recorded_in_three_parts_and_filed_as_one_ticket() {
    let server = TestServer::start(|_| {}).await;
    // 6: who, what, where; each part ended with #.
    let who = prompt_secs("complaint_intro") + prompt_secs("complaint_who") + 4;
    let what = prompt_secs("complaint_what") + 3;
    let place = prompt_secs("complaint_where") + 3;
    let dtmf = format!("6{}#{}#{}#", pause(who), pause(what), pause(place));
    let mut args = call(&server, "12365", "13700000001", &dtmf, 90.0);
    args.play = Some(voice(server.dir.path(), 90));
    let report = place_call(&args).await.expect("call");
    assert_eq!(report.ended_by, "server", "{report}");
    server.wait_idle(Duration::from_secs(5)).await;
    let db = server.db().await;
    let (kind, description): (String, String) = db
        .query_row("SELECT type, description FROM tickets", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("one ticket");
    assert_eq!(kind, "complaint");
    for part in ["who", "what", "where"] {
        assert!(
            description.contains(&format!("recording {part}:")),
            "{description}"
        );
    }
    let parts: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM recordings r JOIN ticket_calls t ON t.call_id = r.call_id
             WHERE r.kind = 'message'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(parts, 3, "three recordings linked through the call");
    let recordings: String = db
        .query_row("SELECT recordings FROM voicemails", [], |r| r.get(0))
        .expect("voicemail");
    let list: serde_json::Value = serde_json::from_str(&recordings).expect("json");
    let labels: Vec<&str> = list
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|r| r["label"].as_str())
        .collect();
    assert_eq!(labels, ["what", "where", "who"]);
    server.running.shutdown().await;
}

/// A ticket filed and dispatched the usual way, with PIN 004217.
fn dispatched_ticket(server: &TestServer) -> String {
    let store = Store::open(&server.running.db_path).expect("store");
    let now: jiff::Timestamp = "2026-11-23T02:00:00Z".parse().expect("ts");
    let dept = store
        .add_department(
            &NewDepartment {
                parent_id: None,
                name: "市场监管局".into(),
                contact: String::new(),
                phone: String::new(),
            },
            0,
        )
        .expect("department");
    let draft = TicketDraft {
        profile: "12315".into(),
        ticket_type: TicketType::Complaint,
        channel: Channel::Phone,
        category: "market".into(),
        urgency: Urgency::Normal,
        limit: TimeLimit::Days(10),
        subject: "过期食品".into(),
        description: String::new(),
        address: String::new(),
        region: String::new(),
        caller_id: None,
        caller_number: "13800000002".into(),
        call_id: None,
    };
    let agent = Actor::centre("agent1", Role::Agent);
    let tz = jiff::tz::TimeZone::get("Asia/Shanghai").expect("tz");
    let filed = store
        .create_ticket(&draft, &agent, Pin::from_random(4217), &tz, now)
        .expect("filed");
    let due: jiff::Timestamp = "2026-12-07T09:30:00Z".parse().expect("ts");
    let dispatch = WorkflowAction::Dispatch {
        lead: dept_id(dept.id),
        co_handlers: Vec::new(),
        note: String::new(),
    };
    store
        .apply_transition(filed.ticket.id, &agent, &dispatch, now, None, &|_| {
            Some(due)
        })
        .expect("dispatched");
    filed.ticket.number
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_query_reads_the_ticket_back_and_locks_after_three_wrong_pins() {
    let server = TestServer::start(|_| {}).await;
    let number = dispatched_ticket(&server);
    assert_eq!(number, "12315-20261123-000001");
    let keyed = "20261123000001#";

    // Three wrong PINs: locked, then passed to an agent.
    let wrong = pause(prompt_secs("status_wrong") + 2);
    let dtmf = format!("4{keyed}000000{wrong}{keyed}111111{wrong}{keyed}222222");
    let report = place_call(&call(&server, "12315", "13800000003", &dtmf, 55.0))
        .await
        .expect("call");
    assert!(report.answered, "{report}");
    server.wait_idle(Duration::from_secs(5)).await;
    let ev = server.events_of_latest_call().await;
    assert_eq!(
        service_results(&ev),
        ["wrong", "wrong", "wrong"],
        "{:?}",
        kinds(&ev)
    );
    let queued = ev.iter().find(|(k, _)| k == "queued").expect("to an agent");
    assert_eq!(queued.1["queue"], "general");
    // The PIN never reaches the event log as typed at the service.
    assert!(
        ev.iter()
            .filter(|(k, _)| k == "service")
            .all(|(_, d)| d["args"]["pin"] == "***")
    );
    let db = server.db().await;
    let failures: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM pin_failures WHERE number = ?1 AND caller = '13800000003'",
            [&number],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(failures, 3);

    // The right PIN: state, department, due date read out in the caller's language.
    let dtmf = format!("4{keyed}004217");
    let report = place_call(&call(&server, "12315", "13800000002", &dtmf, 40.0))
        .await
        .expect("call");
    assert!(report.heard_ms > 20_000, "{report}");
    server.wait_idle(Duration::from_secs(5)).await;
    let ev = server.events_of_latest_call().await;
    assert_eq!(service_results(&ev), ["ok"], "{:?}", kinds(&ev));
    let done = ev.iter().find(|(k, _)| k == "service_done").expect("done");
    assert_eq!(done.1["status"], "dispatched");
    let played: Vec<String> = ev
        .iter()
        .filter(|(k, d)| k == "ivr.say" && d["detail"]["event"] == "enter")
        .map(|(_, d)| d["node"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        played,
        ["status_due_say"],
        "the due date is said: {:?}",
        kinds(&ev)
    );
    // Keyed digits are logged one by one, the PIN's as "*"; the call record likewise.
    let logged: String = ev
        .iter()
        .filter(|(k, _)| k == "digit")
        .filter_map(|(_, d)| d["digit"].as_str())
        .collect();
    assert_eq!(logged, "420261123000001#******", "{:?}", kinds(&ev));
    let recorded: String = server
        .db()
        .await
        .query_row(
            "SELECT digits FROM cdrs WHERE caller = '13800000002'",
            [],
            |r| r.get(0),
        )
        .expect("digits");
    assert!(
        recorded.ends_with("******") && !recorded.contains("004217"),
        "{recorded}"
    );
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_caller_rates_the_agent_after_the_agent_hangs_up() {
    let server = TestServer::start(|c| {
        for p in &mut c.profiles {
            p.survey_flow = "satisfaction".into();
        }
    })
    .await;
    add_agent(&server, "rated1", PASSWORD);
    let agent_args = agent_tui::Args {
        answer_after: 0.2,
        hangup_after: 2.0,
        calls: 1,
        hold_after: 0.0,
        hold_for: 0.0,
        ..hotline_e2e::headless_agent(&server, "rated1", PASSWORD)
    };
    let agent = tokio::spawn(async move { agent_tui::headless::run(&agent_args).await });
    wait_ready(&server, "rated1").await;
    // Keys before the survey go nowhere (the 12345 flow has no menu); the first 1 the survey
    // hears is the rating.
    let ones: Vec<&str> = std::iter::repeat_n("1", 12).collect();
    let mut args = call(&server, "12345", "13800000004", &ones.join(",,"), 45.0);
    args.dtmf_delay = 3.0;
    let report = place_call(&args).await.expect("call");
    assert_eq!(report.ended_by, "server", "{report}");
    tokio::time::timeout(Duration::from_secs(15), agent)
        .await
        .expect("agent finished")
        .expect("agent task")
        .expect("agent ran");
    server.wait_idle(Duration::from_secs(5)).await;
    let ev = server.events_of_latest_call().await;
    let k = kinds(&ev);
    let connected = k.iter().position(|k| *k == "connected").expect("connected");
    let survey = k.iter().position(|k| *k == "survey").expect("rated");
    assert!(connected < survey, "{k:?}");
    let db = server.db().await;
    let (agent, rating, cause): (String, String, String) = db
        .query_row(
            "SELECT s.agent, s.rating, c.end_cause FROM call_surveys s
             JOIN cdrs c ON c.call_id = s.call_id",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("one rating");
    assert_eq!(
        (agent.as_str(), rating.as_str(), cause.as_str()),
        ("rated1", "satisfied", "agent hangup")
    );
    let store = Store::open(&server.running.db_path).expect("store");
    let figures = store
        .survey_counts(Some("rated1"), 0, i64::MAX)
        .expect("figures");
    assert_eq!((figures.satisfied, figures.total()), (1, 1));
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_opinion_poll_stores_and_counts_keypad_answers() {
    let server = TestServer::start(|_| {}).await;
    for (caller, answers) in [("13800000005", "1,2"), ("13800000006", "3,,1")] {
        let dtmf = format!("8,{answers}");
        let report = place_call(&call(&server, "12365", caller, &dtmf, 30.0))
            .await
            .expect("call");
        assert_eq!(report.ended_by, "server", "{report}");
        server.wait_idle(Duration::from_secs(5)).await;
    }
    let store = Store::open(&server.running.db_path).expect("store");
    let counts: Vec<(String, String, u32)> = store
        .poll_results("12365_quality_2026")
        .expect("results")
        .into_iter()
        .map(|c| (c.question, c.answer, c.count))
        .collect();
    assert_eq!(
        counts,
        [
            ("q1".into(), "1".into(), 1),
            ("q1".into(), "3".into(), 1),
            ("q2".into(), "1".into(), 1),
            ("q2".into(), "2".into(), 1),
        ]
    );
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_office_guide_is_played_and_queued_for_sms() {
    let server = TestServer::start(|_| {}).await;
    let store = Store::open(&server.running.db_path).expect("store");
    let item = store
        .add_knowledge(
            &NewKnowledge {
                kind: hotline_server::store::KnowledgeKind::Guide,
                title: "办事大厅".into(),
                body: "市民服务中心二楼，工作日受理。".into(),
                reference_answer: String::new(),
            },
            "admin",
            0,
        )
        .expect("item");
    assert_eq!(item.id, 1, "the 12365 flow offers item 1");
    // 7 information, 1 the office guide (key through it), 1 send it by SMS.
    let report = place_call(&call(&server, "12365", "13800000007", "7,1,1", 25.0))
        .await
        .expect("call");
    assert!(report.answered, "{report}");
    server.wait_idle(Duration::from_secs(5)).await;
    let ev = server.events_of_latest_call().await;
    assert_eq!(service_results(&ev), ["ok"], "{:?}", kinds(&ev));
    let db = server.db().await;
    let (channel, recipient, subject, attachments): (String, String, String, String) = db
        .query_row(
            "SELECT channel, recipient, subject, attachments FROM outbox",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .expect("queued");
    assert_eq!(
        (channel.as_str(), recipient.as_str(), subject.as_str()),
        ("sms", "13800000007", "办事大厅")
    );
    assert!(attachments.contains("\"knowledge\""), "{attachments}");
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_sends_the_caller_to_key_a_pin_and_gets_the_result_back() {
    let server = TestServer::start(|_| {}).await;
    dispatched_ticket(&server);
    add_agent(&server, "pin1", PASSWORD);
    let mut agent = Console::login(
        server.running.api,
        "pin1",
        PASSWORD,
        proto::ClientKind::Other,
    )
    .await;
    agent.call(Command::SetReady).await.expect("ready");
    // The whole number (profile too: the ticket is a 12315 one, the call a 12345 one), then
    // the PIN, once the agent has passed the caller to the IVR.
    let mut args = call(
        &server,
        "12345",
        "13800000002",
        "1231520261123000001#004217",
        40.0,
    );
    args.dtmf_delay = 12.0;
    let caller = tokio::spawn(async move { place_call(&args).await });

    let offered = agent
        .wait_for("offer", Duration::from_secs(15), |e| {
            matches!(e, Event::CallOffered { .. })
        })
        .await;
    let Event::CallOffered { call_id, .. } = offered else {
        unreachable!()
    };
    agent
        .call(Command::Answer {
            call_id: call_id.clone(),
        })
        .await
        .expect("answer");
    tokio::time::sleep(Duration::from_secs(1)).await;
    agent
        .call(Command::TransferToIvr {
            call_id: call_id.clone(),
            flow: "pin_entry".into(),
            return_to_agent: true,
        })
        .await
        .expect("to the IVR");
    let back = agent
        .wait_for("the IVR's result", Duration::from_secs(30), |e| {
            matches!(e, Event::IvrResult { .. })
        })
        .await;
    let Event::IvrResult {
        call_id: back_call,
        flow,
        result,
    } = back
    else {
        unreachable!()
    };
    assert_eq!(
        (back_call, flow.as_str(), result.as_str()),
        (call_id.clone(), "pin_entry", "ok")
    );
    // Back with the agent: the agent ends the call.
    agent
        .call(Command::Hangup {
            call_id: call_id.clone(),
        })
        .await
        .expect("hang up");
    let report = tokio::time::timeout(Duration::from_secs(15), caller)
        .await
        .expect("caller done")
        .expect("caller task")
        .expect("call");
    assert_eq!(report.ended_by, "server", "{report}");
    server.wait_idle(Duration::from_secs(5)).await;
    let db = server.db().await;
    let ev = hotline_e2e::events(&db, &call_id.0);
    let k = kinds(&ev);
    let mut order: Vec<&str> = k
        .iter()
        .copied()
        .filter(|k| ["connected", "ivr_transfer", "ivr_return", "bye"].contains(k))
        .collect();
    order.dedup();
    assert_eq!(
        order,
        ["connected", "ivr_transfer", "ivr_return", "bye"],
        "{k:?}"
    );
    assert_eq!(service_results(&ev), ["ok"]);
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queue_with_nobody_to_answer_overflows_to_voicemail_and_the_message_is_filed() {
    let server = TestServer::start(|c| {
        for q in &mut c.acd.queues {
            if q.name == "general" {
                q.overflow = "voicemail".into();
                q.max_wait_secs = Some(2);
            }
        }
    })
    .await;
    // Nobody is logged in: the caller is offered voicemail. # = this phone, 2 = no reply
    // needed, speak, #.
    let until_keys = prompt_secs("welcome_12345") + 2;
    let speak = prompt_secs("mailbox_reply") + prompt_secs("record_after_beep") + 4;
    let dtmf = format!("{}#2{}#", pause(until_keys), pause(speak));
    let mut args = call(&server, "12345", "13800000009", &dtmf, 70.0);
    args.play = Some(voice(server.dir.path(), 70));
    let report = place_call(&args).await.expect("call");
    assert_eq!(report.ended_by, "server", "{report}");
    server.wait_idle(Duration::from_secs(5)).await;
    let ev = server.events_of_latest_call().await;
    let k = kinds(&ev);
    let overflow = k.iter().position(|k| *k == "overflow").expect("overflowed");
    let flow = k.iter().position(|k| *k == "flow").expect("voicemail flow");
    assert!(overflow < flow, "{k:?}");
    assert_eq!(service_results(&ev), ["ok"], "{k:?}");
    let db = server.db().await;
    let (kind, channel, reply): (String, String, i64) = db
        .query_row(
            "SELECT t.type, t.channel, v.reply_wanted FROM tickets t
             JOIN voicemails v ON v.ticket_id = t.id WHERE v.kind = 'voicemail'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("a voicemail ticket");
    assert_eq!(
        (kind.as_str(), channel.as_str(), reply),
        ("complaint", "voicemail", 0)
    );
    server.running.shutdown().await;
}

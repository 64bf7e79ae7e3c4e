//! The report endpoints through REST v1 against a real SQLite file: calls seeded through the
//! store writer (as the call tasks write them), tickets filed and handled through the API on a
//! server clock moved between periods; figures, comparisons, CSV, roles and bad parameters.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use common::{Client, add_named_user, config, http};
use hotline_protocol::Role;
use hotline_server::auth::{Auth, AuthPolicy};
use hotline_server::store::{AgentStateChange, CallEnd, NewCall, WriteCommand, spawn_writer};
use hotline_server::{ServerOptions, start};
use serde_json::{Value, json};

/// 2026-11-23 10:00 in Beijing.
const NOW: i64 = 1_795_399_200_000;
const DAY: i64 = 86_400_000;

/// The test's own steps on top of the shared client.
impl Client {
    async fn file(&self, ticket_type: &str, region: &str) -> i64 {
        let body = json!({
            "type": ticket_type,
            "category": "market.services",
            "subject": "商场售后投诉",
            "region": region,
            "caller_number": "13800138000",
        });
        self.posted("/api/v1/tickets", &body).await["id"]
            .as_i64()
            .expect("id")
    }

    async fn step(&self, id: i64, action: Value) {
        self.posted(&format!("/api/v1/tickets/{id}/transitions"), &action)
            .await;
    }
}

fn call(id: &str, at: i64) -> NewCall {
    NewCall {
        id: id.to_owned(),
        started_at_ms: at,
        caller: "13800138000".to_owned(),
        caller_e164: "+8613800138000".to_owned(),
        dnis: "12345".to_owned(),
        profile: "12345".to_owned(),
        flow: "12345".to_owned(),
        trunk: "local".to_owned(),
        transport: "udp".to_owned(),
        remote: "127.0.0.1:5062".to_owned(),
        caller_location: String::new(),
    }
}

/// A call's life as the call task logs it: received, queued after `queue_s`, connected to
/// `agent` after `wait_s` more (or abandoned), ended `talk_s` later.
fn seed_call(
    w: &hotline_server::store::StoreWriter,
    id: &str,
    at: i64,
    queued: Option<i64>,
    agent: Option<(&str, i64)>,
    end: i64,
) {
    w.call_started(call(id, at));
    w.call_event(id, at, "received", json!({}));
    w.call_answered(id, at + 500);
    if let Some(q) = queued {
        w.call_event(id, at + q, "queued", json!({ "queue": "general" }));
    }
    if let Some((name, t)) = agent {
        w.call_event(id, at + t, "connected", json!({ "agent": name }));
    }
    w.call_event(id, at + end, "ended", json!({ "cause": "caller hangup" }));
    w.call_ended(CallEnd {
        call_id: id.to_owned(),
        at_ms: at + end,
        cause: "caller hangup".to_owned(),
        digits: String::new(),
        queue: queued.map(|_| "general".to_owned()),
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_agent_and_ticket_reports() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.server.time_zone = "Asia/Shanghai".to_owned();
    let clock = Arc::new(AtomicI64::new(NOW - 365 * DAY));
    let c = clock.clone();
    let options = ServerOptions {
        clock: Some(Arc::new(move || {
            jiff::Timestamp::from_millisecond(c.load(Ordering::SeqCst)).unwrap()
        })),
    };
    let running = start(config, options).await.unwrap();
    let addr = running.api;
    let auth = Auth::new(&running.db_path, AuthPolicy::default()).unwrap();
    add_named_user(&auth, "r_agent", "张敏", Role::Agent, None);
    add_named_user(&auth, "r_super", "王班长", Role::Supervisor, None);
    add_named_user(&auth, "r_director", "李局长", Role::Director, None);
    add_named_user(&auth, "r_admin", "admin", Role::Admin, None);
    let admin = Client::login(addr, "r_admin").await;
    let dept = admin
        .posted(
            "/api/v1/departments",
            &json!({ "name": "市市场监管局", "parent_id": null }),
        )
        .await["id"]
        .as_i64()
        .unwrap();

    // A year ago: one complaint. A month ago: one complaint. Today: two complaints (one
    // dispatched, one followed up) and a consultation.
    // Sessions expire as the clock jumps, so each period logs in afresh.
    Client::login(addr, "r_agent")
        .await
        .file("complaint", "上城区")
        .await;
    clock.store(NOW - 31 * DAY, Ordering::SeqCst);
    Client::login(addr, "r_agent")
        .await
        .file("complaint", "上城区")
        .await;
    clock.store(NOW, Ordering::SeqCst);
    let agent = Client::login(addr, "r_agent").await;
    let supervisor = Client::login(addr, "r_super").await;
    let director = Client::login(addr, "r_director").await;
    let admin = Client::login(addr, "r_admin").await;
    let dispatched = agent.file("complaint", "上城区").await;
    supervisor
        .step(
            dispatched,
            json!({ "action": "dispatch", "lead": dept.to_string(), "co_handlers": [], "note": "请处理" }),
        )
        .await;
    let rated = agent.file("complaint", "西湖区").await;
    agent
        .step(rated, json!({ "action": "reply", "text": "已答复市民" }))
        .await;
    agent
        .step(rated, json!({ "action": "start_follow_up" }))
        .await;
    agent
        .step(
            rated,
            json!({ "action": "record_follow_up", "satisfaction": "satisfied", "note": "" }),
        )
        .await;
    agent.file("consultation", "").await;

    // Calls today (local 09:00 and 10:00) and one yesterday.
    let (writer, handle) = spawn_writer(&running.db_path).unwrap();
    let nine = NOW - 3_600_000;
    seed_call(
        &writer,
        "c1",
        nine,
        Some(2_000),
        Some(("r_agent", 12_000)),
        72_000,
    );
    seed_call(
        &writer,
        "c2",
        nine + 60_000,
        Some(1_000),
        Some(("r_agent", 41_000)),
        161_000,
    );
    seed_call(&writer, "c3", NOW, Some(1_000), None, 21_000);
    seed_call(&writer, "c4", NOW + 5_000, None, None, 9_000);
    seed_call(
        &writer,
        "c0",
        NOW - DAY,
        Some(0),
        Some(("ghost", 5_000)),
        65_000,
    );
    // r_agent's seat: ready since yesterday, a ten-minute break from 08:50 (five of them
    // not ready), as the distributor logs states.
    for (at, state, reason) in [
        (NOW - DAY, "ready", ""),
        (nine - 600_000, "not_ready", "lunch"),
        (nine - 300_000, "ready", ""),
    ] {
        writer.send(WriteCommand::AgentState(AgentStateChange {
            agent: "r_agent".to_owned(),
            at_ms: at,
            state,
            reason: reason.to_owned(),
            cause: "request".to_owned(),
        }));
    }
    writer.flush().await.unwrap();

    // --- calls ---
    let r = supervisor
        .ok("/api/v1/reports/calls?from=2026-11-22&to=2026-11-23&by=day")
        .await;
    assert_eq!(
        r["period"],
        json!({ "from": "2026-11-22", "to": "2026-11-23" })
    );
    let today = &r["rows"][1];
    assert_eq!(today["bucket"], "2026-11-23");
    assert_eq!(
        (
            &today["inbound"],
            &today["offered"],
            &today["answered"],
            &today["abandoned"]
        ),
        (&json!(4), &json!(3), &json!(2), &json!(1))
    );
    // Waits 10 s and 40 s (and 20 s abandoned): one of three within 15 s.
    assert_eq!(today["answered_within"], 1);
    assert_eq!(today["service_level_pct"], 33.3);
    assert_eq!(today["avg_wait_ms"], 23_333);
    assert_eq!(today["avg_talk_ms"], 90_000);
    assert_eq!(r["rows"][0]["answered"], 1);
    assert_eq!(r["total"]["offered"], 4);
    let hourly = director
        .ok("/api/v1/reports/calls?from=2026-11-23&to=2026-11-23&by=hour&threshold=60")
        .await;
    assert_eq!(hourly["rows"].as_array().unwrap().len(), 24);
    assert_eq!(hourly["rows"][9]["answered"], 2);
    assert_eq!(hourly["rows"][9]["service_level_pct"], 100.0);
    assert_eq!(hourly["rows"][10]["abandoned"], 1);
    // No dates: today.
    let plain = supervisor.ok("/api/v1/reports/calls").await;
    assert_eq!(plain["period"]["from"], "2026-11-23");

    let csv = supervisor
        .get_reply("/api/v1/reports/calls?from=2026-11-23&to=2026-11-23&format=csv")
        .await;
    assert_eq!(csv.status, 200);
    assert!(csv.head.contains("content-type: text/csv"), "{}", csv.head);
    assert!(csv.head.contains("calls-2026-11-23-2026-11-23.csv"));
    let text = csv.text();
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines[0],
        "bucket,inbound,offered,answered,abandoned,answered_within,service_level_pct,avg_wait_s,avg_talk_s"
    );
    assert_eq!(lines[1], "2026-11-23,4,3,2,1,1,33.3,23,90");
    assert!(lines[2].starts_with("total,4,"));

    // --- agents ---
    let r = admin
        .ok("/api/v1/reports/agents?from=2026-11-23&to=2026-11-23")
        .await;
    let rows = r["rows"].as_array().unwrap();
    let me = rows
        .iter()
        .find(|a| a["agent"] == "r_agent")
        .expect("r_agent");
    assert_eq!(me["name"], "张敏");
    assert_eq!(me["calls_answered"], 2);
    assert_eq!(me["talk_ms"], 180_000);
    assert_eq!(me["satisfaction_pct"], 100.0);
    assert!(
        rows.iter().all(|a| a["agent"] != "ghost"),
        "yesterday's call is out"
    );
    // Logged in from midnight until now (10:00), five minutes of it not ready.
    assert_eq!(me["logged_in_ms"], 36_000_000);
    assert_eq!(me["not_ready_ms"], 300_000);
    let csv = director
        .get_reply("/api/v1/reports/agents?from=2026-11-23&to=2026-11-23&format=csv")
        .await;
    assert!(
        csv.text()
            .contains("r_agent,张敏,2,180,90,1,100.0,36000,300"),
        "{}",
        csv.text()
    );

    // --- tickets ---
    let r = supervisor
        .ok("/api/v1/reports/tickets?from=2026-11-23&to=2026-11-23&by=type&compare=yoy")
        .await;
    assert_eq!(
        r["compared_period"],
        json!({ "from": "2025-11-23", "to": "2025-11-23" })
    );
    let complaint = &r["rows"][0];
    assert_eq!(
        (
            &complaint["key"],
            &complaint["count"],
            &complaint["previous"],
            &complaint["change_pct"]
        ),
        (&json!("complaint"), &json!(2), &json!(1), &json!(100.0))
    );
    assert_eq!(r["rows"][1]["key"], "consultation");
    assert_eq!(r["rows"][1]["change_pct"], Value::Null);
    assert_eq!(
        (&r["total"]["count"], &r["total"]["previous"]),
        (&json!(3), &json!(1))
    );

    let r = supervisor
        .ok("/api/v1/reports/tickets?from=2026-11-23&to=2026-11-23&by=type&compare=mom")
        .await;
    assert_eq!(r["compared_period"]["from"], "2026-10-23");
    assert_eq!(r["rows"][0]["previous"], 1);

    let r = director
        .ok("/api/v1/reports/tickets?from=2026-11-23&to=2026-11-23&by=region")
        .await;
    let regions: Vec<(&str, u64)> = r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["key"].as_str().unwrap(), g["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(regions, [("", 1), ("上城区", 1), ("西湖区", 1)]);
    assert_eq!(r["compare"], Value::Null);

    let r = supervisor
        .ok("/api/v1/reports/tickets?from=2026-11-23&to=2026-11-23&by=department")
        .await;
    let market = r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["label"] == "市市场监管局")
        .expect("the lead department");
    assert_eq!(
        (&market["key"], &market["count"]),
        (&json!(dept.to_string()), &json!(1))
    );

    // Overdue: the dispatched ticket, once its deadline has passed.
    clock.store(NOW + 60 * DAY, Ordering::SeqCst);
    let supervisor = Client::login(addr, "r_super").await;
    let r = supervisor
        .ok("/api/v1/reports/tickets?from=2026-11-23&to=2026-11-23&by=type&compare=prev")
        .await;
    assert_eq!(r["rows"][0]["overdue"], 1);
    assert_eq!(r["compared_period"]["to"], "2026-11-22");
    let csv = supervisor
        .get_reply("/api/v1/reports/tickets?from=2026-11-23&to=2026-11-23&compare=yoy&format=csv")
        .await;
    assert!(
        csv.text().contains("complaint,complaint,2,1,1,100.0"),
        "{}",
        csv.text()
    );

    // --- who may read, and bad parameters ---
    let agent = Client::login(addr, "r_agent").await;
    let r = agent.get_reply("/api/v1/reports/calls").await;
    assert_eq!(
        (r.status, r.json()["code"].clone()),
        (403, json!("forbidden"))
    );
    let r = http(addr, "GET", "/api/v1/reports/tickets", None, None).await;
    assert_eq!(r.status, 401);
    for bad in [
        "/api/v1/reports/calls?by=week",
        "/api/v1/reports/calls?from=2026-11-24&to=2026-11-23",
        "/api/v1/reports/calls?from=yesterday",
        "/api/v1/reports/calls?format=xlsx",
        "/api/v1/reports/calls?compare=yoy",
        "/api/v1/reports/agents?by=day",
        "/api/v1/reports/tickets?by=colour",
        "/api/v1/reports/tickets?compare=wow",
        "/api/v1/reports/tickets?nonsense=1",
        "/api/v1/reports/tickets?from=2000-01-01&to=2026-01-01",
    ] {
        let r = supervisor.get_reply(bad).await;
        assert_eq!(
            (r.status, r.json()["code"].clone()),
            (400, json!("bad_request")),
            "{bad}"
        );
    }

    // Each CSV download is audited as an export: who, which report, which period, from where.
    // The JSON views are not exports.
    let store = hotline_server::store::Store::open(&running.db_path).unwrap();
    let exports: Vec<_> = store
        .audit_between(0, i64::MAX)
        .unwrap()
        .into_iter()
        .filter(|r| r.entry.action == "export")
        .map(|r| r.entry)
        .collect();
    let seen: Vec<(&str, &str)> = exports
        .iter()
        .map(|e| (e.user.as_str(), e.target.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("r_super", "reports/calls"),
            ("r_director", "reports/agents"),
            ("r_super", "reports/tickets"),
        ]
    );
    assert_eq!(exports[0].detail["from"], "2026-11-23");
    assert_eq!(exports[0].detail["format"], "csv");
    assert_eq!(exports[0].address.as_deref(), Some("127.0.0.1"));

    drop(writer);
    handle.shutdown().await;
    running.shutdown().await;
}

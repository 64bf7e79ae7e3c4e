//! Queue overflow with real calls and real agent sessions: a queue nobody with the skill is
//! logged in to opens to its backup group (后备座席), and a queue that overflows to another
//! hands the call over so the call's record names the queue that served it.

use std::time::Duration;

use hotline_e2e::TestServer;
use hotline_e2e::people::{add_agents_in_bulk, caller_args, wait_ready};
use hotline_server::cli::test_call::place_call;

const PASSWORD: &str = "agent password 1";

/// A headless agent that answers at once and hangs up a second later.
fn answering(server: &TestServer, name: &str) -> tokio::task::JoinHandle<()> {
    let args = agent_tui::Args {
        answer_after: 0.2,
        hangup_after: 1.0,
        calls: 0,
        ..hotline_e2e::headless_agent(server, name, PASSWORD)
    };
    tokio::spawn(async move {
        let _ = agent_tui::headless::run(&args).await;
    })
}

/// The call of `caller`: who answered it, its overflow events, and the queue its CDR names.
async fn served(
    server: &TestServer,
    caller: &str,
) -> (Vec<String>, Vec<serde_json::Value>, String) {
    let db = server.db().await;
    let call_id: String = db
        .query_row(
            "SELECT id FROM calls WHERE caller = ?1 ORDER BY rowid DESC LIMIT 1",
            [caller],
            |r| r.get(0),
        )
        .expect("the call was recorded");
    let events = hotline_e2e::events(&db, &call_id);
    let agents = events
        .iter()
        .filter(|(k, _)| k == "connected")
        .map(|(_, d)| d["agent"].as_str().unwrap_or("").to_owned())
        .collect();
    let overflows = events
        .into_iter()
        .filter(|(k, _)| k == "overflow")
        .map(|(_, d)| d)
        .collect();
    let queue: Option<String> = db
        .query_row(
            "SELECT queue FROM cdrs WHERE call_id = ?1",
            [&call_id],
            |r| r.get(0),
        )
        .expect("the CDR was written");
    (agents, overflows, queue.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_nobody_skilled_logged_in_the_backup_group_takes_the_call() {
    let server = TestServer::start(|c| {
        c.acd
            .backup_groups
            .insert("night".into(), vec!["nightdesk".into()]);
        for q in &mut c.acd.queues {
            if q.name == "general" {
                q.overflow = "backup:night".into();
            }
        }
    })
    .await;
    // Neither has the general skill the 12345 queue asks for; only one is in the group.
    let consult = vec!["consult".to_owned()];
    add_agents_in_bulk(
        &server,
        &[
            ("outsider".into(), consult.clone()),
            ("nightdesk".into(), consult),
        ],
        PASSWORD,
    );
    let outsider = answering(&server, "outsider");
    let nightdesk = answering(&server, "nightdesk");
    wait_ready(&server, "outsider").await;
    wait_ready(&server, "nightdesk").await;

    let report = place_call(&caller_args(&server, "13900000091", 9.0))
        .await
        .expect("call");
    assert!(report.answered);
    server.wait_idle(Duration::from_secs(5)).await;
    let (agents, overflows, queue) = served(&server, "13900000091").await;
    assert_eq!(
        agents,
        ["nightdesk"],
        "the backup agent answers, nobody else"
    );
    assert_eq!(overflows.len(), 1, "{overflows:?}");
    assert_eq!(overflows[0]["to"], "backup");
    assert_eq!(overflows[0]["group"], "night");
    assert_eq!(overflows[0]["cause"], "no_agents");
    assert_eq!(queue, "general", "it stayed in its queue");
    outsider.abort();
    nightdesk.abort();
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overflow_to_another_queue_is_recorded_as_that_queues_call() {
    let server = TestServer::start(|c| {
        for q in &mut c.acd.queues {
            if q.name == "general" {
                q.overflow = "queue:consult".into();
            }
        }
    })
    .await;
    add_agents_in_bulk(
        &server,
        &[("consultdesk".into(), vec!["consult".to_owned()])],
        PASSWORD,
    );
    let desk = answering(&server, "consultdesk");
    wait_ready(&server, "consultdesk").await;

    let report = place_call(&caller_args(&server, "13900000092", 9.0))
        .await
        .expect("call");
    assert!(report.answered);
    server.wait_idle(Duration::from_secs(5)).await;
    let (agents, overflows, queue) = served(&server, "13900000092").await;
    assert_eq!(agents, ["consultdesk"]);
    assert_eq!(overflows.len(), 1, "{overflows:?}");
    assert_eq!(overflows[0]["to"], "queue");
    assert_eq!(overflows[0]["queue"], "consult");
    assert_eq!(
        queue, "consult",
        "the CDR names the queue that served the call"
    );
    desk.abort();
    server.running.shutdown().await;
}

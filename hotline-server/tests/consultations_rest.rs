//! Pending consultations (待答咨询) through REST v1 against a real SQLite file: an agent cannot
//! answer a question on the call and holds the consultation with a callback number; a
//! supervisor writes the knowledge-base item that answers it and is shown the waiting
//! question; an agent answers from the item (the ticket's reply) and records the callbacks.

mod common;

use common::{Client, MONDAY_10AM, add_user, config, start_at};
use hotline_protocol::Role;
use serde_json::{Value, json};

async fn file(agent: &Client, ticket_type: &str, subject: &str) -> i64 {
    let body = json!({
        "type": ticket_type,
        "channel": "phone",
        "category": "market.services",
        "urgency": "normal",
        "subject": subject,
        "caller_number": "13800138000",
    });
    agent.must_post("/api/v1/tickets", &body, 201).await["id"]
        .as_i64()
        .expect("id")
}

fn ids(list: &Value) -> Vec<i64> {
    list["consultations"]
        .as_array()
        .expect("consultations")
        .iter()
        .map(|c| c["ticket_id"].as_i64().expect("ticket_id"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consultation_waits_for_its_answer_and_is_called_back() {
    let dir = tempfile::tempdir().unwrap();
    let (running, auth) = start_at(config(dir.path()), MONDAY_10AM).await;
    add_user(&auth, "desk1", Role::Agent, None);
    add_user(&auth, "lead1", Role::Supervisor, None);
    add_user(&auth, "admin1", Role::Admin, None);
    let admin = Client::login(running.api, "admin1").await;
    let dept = admin
        .must_post("/api/v1/departments", &json!({ "name": "市住建局" }), 201)
        .await["id"]
        .as_i64()
        .expect("department id");
    add_user(&auth, "housing1", Role::Department, Some(dept));
    let agent = Client::login(running.api, "desk1").await;
    let lead = Client::login(running.api, "lead1").await;
    let housing = Client::login(running.api, "housing1").await;

    let id = file(&agent, "consultation", "外地人居住证办理要带什么材料").await;
    let complaint = file(&agent, "complaint", "小区噪音扰民").await;

    // Held with the number the citizen gave; a bad number, a complaint or a department is
    // refused.
    let hold = |ticket: i64, callback: &str| json!({ "ticket_id": ticket, "callback": callback });
    let bad = agent
        .post("/api/v1/consultations", &hold(id, "tomorrow"))
        .await;
    assert_eq!(bad.0, 400, "{}", bad.1);
    let bad = agent
        .post("/api/v1/consultations", &hold(complaint, "13900001111"))
        .await;
    assert_eq!(bad.0, 400, "{}", bad.1);
    let bad = housing
        .post("/api/v1/consultations", &hold(id, "13900001111"))
        .await;
    assert_eq!(bad.0, 403, "{}", bad.1);
    let held = agent
        .must_post("/api/v1/consultations", &hold(id, "139-0000-1111"), 201)
        .await;
    assert_eq!(held["status"], "waiting");
    assert_eq!(held["callback"], "13900001111");
    assert_eq!(held["created_by"], "desk1");
    let again = agent
        .post("/api/v1/consultations", &hold(id, "13900001111"))
        .await;
    assert_eq!(again.0, 409, "{}", again.1);
    assert_eq!(
        ids(&agent.ok("/api/v1/consultations?status=waiting").await),
        [id]
    );

    // The supervisor writes the item; the waiting question is offered as one it answers.
    let item = lead
        .must_post(
            "/api/v1/knowledge",
            &json!({
                "kind": "guide",
                "title": "居住证办理指南",
                "body": "办理地点：各街道便民服务中心。",
                "reference_answer": "带身份证和租房合同到街道便民服务中心办理，当场受理。",
            }),
            201,
        )
        .await;
    let item_id = item["id"].as_i64().expect("item id");
    let offered = lead
        .ok(&format!("/api/v1/consultations?knowledge={item_id}"))
        .await;
    assert_eq!(ids(&offered), [id]);
    assert!(
        offered["consultations"][0]["score"]
            .as_f64()
            .expect("score")
            > 0.3
    );
    let one = agent.ok(&format!("/api/v1/consultations/{id}")).await;
    assert_eq!(one["suggestions"][0]["id"], item_id);

    // Answered from the item: the ticket is replied with the reference answer.
    let answered = agent
        .must_post(
            &format!("/api/v1/consultations/{id}/answer"),
            &json!({ "knowledge_id": item_id }),
            200,
        )
        .await;
    assert_eq!(answered["status"], "answered");
    assert_eq!(answered["answered_by"], "desk1");
    assert_eq!(answered["knowledge_version"], 1);
    let ticket = agent.ok(&format!("/api/v1/tickets/{id}")).await;
    assert_eq!(ticket["status"], "replied", "{ticket}");
    let history = agent.ok(&format!("/api/v1/tickets/{id}/history")).await;
    let text = history.to_string();
    assert!(text.contains("带身份证和租房合同"), "{text}");
    let twice = agent
        .post(
            &format!("/api/v1/consultations/{id}/answer"),
            &json!({ "text": "again" }),
        )
        .await;
    assert_eq!(twice.0, 409, "{}", twice.1);
    assert!(ids(&agent.ok("/api/v1/consultations?status=waiting").await).is_empty());
    assert_eq!(
        ids(&agent.ok("/api/v1/consultations?status=answered").await),
        [id]
    );

    // Callbacks: busy, then reached; after that the entry is done.
    let cb = |result: &str| json!({ "result": result });
    let path = format!("/api/v1/consultations/{id}/callback");
    let bad = agent.post(&path, &cb("maybe")).await;
    assert_eq!(bad.0, 400, "{}", bad.1);
    let busy = agent.must_post(&path, &cb("busy"), 200).await;
    assert_eq!(
        (busy["status"].as_str(), busy["attempts"].as_i64()),
        (Some("answered"), Some(1))
    );
    let reached = agent.must_post(&path, &cb("reached"), 200).await;
    assert_eq!(reached["status"], "done");
    assert_eq!(reached["attempts"], 2);
    assert_eq!(reached["last_result"], "reached");
    let late = agent.post(&path, &cb("reached")).await;
    assert_eq!(late.0, 409, "{}", late.1);
    assert_eq!(
        ids(&agent.ok("/api/v1/consultations?status=done").await),
        [id]
    );

    // The stored row, read from the file itself.
    let db = rusqlite::Connection::open(&running.db_path).unwrap();
    let (status, attempts, knowledge): (String, i64, i64) = db
        .query_row(
            "SELECT status, attempts, knowledge_id FROM pending_consultations WHERE ticket_id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((status.as_str(), attempts, knowledge), ("done", 2, item_id));
}

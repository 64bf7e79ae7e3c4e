//! The ticket workflow story through REST v1, with real roles against a real SQLite file: an
//! agent files, the supervisor dispatches, the department accepts, handles and replies, the
//! supervisor supervises and approves an extension, the follow-up closes; an unsatisfied
//! follow-up reopens; a department cannot see another's tickets; Chinese full-text search.
//!
//! The server runs in-process on 127.0.0.1:0 (real clock); the client is `common`.

mod common;

use common::{Client, add_user, config, enc, http};
use hotline_protocol::Role;
use hotline_server::auth::{Auth, AuthPolicy};
use hotline_server::{ServerOptions, start};
use serde_json::{Value, json};

/// The test's own steps on top of the shared client.
impl Client {
    /// A workflow step that must succeed; answers the ticket.
    async fn step(&self, id: i64, action: Value) -> Value {
        let (status, reply) = self
            .post(&format!("/api/v1/tickets/{id}/transitions"), &action)
            .await;
        assert_eq!(status, 200, "{action} → {reply}");
        reply["ticket"].clone()
    }

    /// A workflow step that must fail; answers the status and error code.
    async fn refused(&self, id: i64, action: Value) -> (u16, String) {
        let (status, reply) = self
            .post(&format!("/api/v1/tickets/{id}/transitions"), &action)
            .await;
        assert_ne!(status, 200, "{action} was accepted");
        (status, reply["code"].as_str().unwrap_or("").to_owned())
    }

    async fn file(&self, subject: &str, description: &str, ticket_type: &str) -> Value {
        let body = json!({
            "type": ticket_type,
            "channel": "phone",
            "category": "market.services",
            "urgency": "normal",
            "subject": subject,
            "description": description,
            "address": "上城区平海路1号",
            "caller_number": "13800138000",
            "call_id": "call-0001",
        });
        let (status, reply) = self.post("/api/v1/tickets", &body).await;
        assert_eq!(status, 201, "{reply}");
        reply
    }

    async fn search(&self, q: &str) -> Vec<(i64, bool)> {
        let (status, reply) = self.get(&format!("/api/v1/tickets?q={}", enc(q))).await;
        assert_eq!(status, 200, "{reply}");
        reply["tickets"]
            .as_array()
            .expect("tickets")
            .iter()
            .map(|t| {
                (
                    t["id"].as_i64().expect("id"),
                    t["exact"].as_bool().expect("exact"),
                )
            })
            .collect()
    }
}

fn id(ticket: &Value) -> i64 {
    ticket["id"].as_i64().expect("id")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ticket_workflow_story_through_rest() {
    let dir = tempfile::tempdir().unwrap();
    let running = start(config(dir.path()), ServerOptions::default())
        .await
        .unwrap();
    let addr = running.api;

    let auth = Auth::new(&running.db_path, AuthPolicy::default()).unwrap();
    add_user(&auth, "t_admin", Role::Admin, None);
    let admin = Client::login(addr, "t_admin").await;

    // No token, a bad token: 401 with a JSON error.
    let (status, reply) = http(addr, "GET", "/api/v1/tickets", None, None)
        .await
        .pair();
    assert_eq!(
        (status, reply["code"].as_str()),
        (401, Some("unauthorized"))
    );
    let (status, _) = http(addr, "GET", "/api/v1/tickets", Some("nonsense"), None)
        .await
        .pair();
    assert_eq!(status, 401);
    let bad_login = json!({ "user": "t_admin", "password": "wrong-password" });
    let (status, _) = http(addr, "POST", "/api/v1/login", None, Some(&bad_login))
        .await
        .pair();
    assert_eq!(status, 401);

    // Departments: a city bureau with a district office under it, and another bureau.
    let dept = |name: &str, parent: Option<i64>| json!({ "name": name, "parent_id": parent, "phone": "0571-8700" });
    let (status, market) = admin
        .post("/api/v1/departments", &dept("市市场监管局", None))
        .await;
    assert_eq!(status, 201, "{market}");
    let market_id = id(&market);
    let (_, branch) = admin
        .post(
            "/api/v1/departments",
            &dept("上城区市场监管分局", Some(market_id)),
        )
        .await;
    assert_eq!(branch["level"], 2);
    let (_, housing) = admin
        .post("/api/v1/departments", &dept("市住建局", None))
        .await;
    let housing_id = id(&housing);

    add_user(&auth, "t_agent", Role::Agent, None);
    add_user(&auth, "t_super", Role::Supervisor, None);
    add_user(&auth, "t_market", Role::Department, Some(market_id));
    add_user(&auth, "t_housing", Role::Department, Some(housing_id));
    let agent = Client::login(addr, "t_agent").await;
    let supervisor = Client::login(addr, "t_super").await;
    let market = Client::login(addr, "t_market").await;
    let housing = Client::login(addr, "t_housing").await;

    // Only administrators add departments; everyone reads the tree.
    let (status, reply) = agent.post("/api/v1/departments", &dept("x", None)).await;
    assert_eq!((status, reply["code"].as_str()), (403, Some("forbidden")));
    let (_, tree) = market.get("/api/v1/departments").await;
    let roots = tree["departments"].as_array().unwrap();
    let bureau = roots.iter().find(|d| d["id"] == market_id).unwrap();
    assert_eq!(bureau["children"][0]["name"], "上城区市场监管分局");

    // 1. The agent files.
    let ticket = agent
        .file(
            "商场售后投诉",
            "商场拒绝退货，侵害消费者权益，要求处理",
            "complaint",
        )
        .await;
    let t1 = id(&ticket);
    assert_eq!(ticket["status"], "received");
    assert!(ticket["number"].as_str().unwrap().starts_with("12345-"));
    let pin = ticket["pin"].as_str().unwrap();
    assert!(pin.len() == 6 && pin.bytes().all(|b| b.is_ascii_digit()));
    let (_, read) = agent.get(&format!("/api/v1/tickets/{t1}")).await;
    assert!(read.get("pin").is_none(), "the PIN is shown only once");
    assert_eq!(read["calls"], json!(["call-0001"]));
    // Departments do not file, and see nothing that was not dispatched to them.
    let (status, _) = market
        .post(
            "/api/v1/tickets",
            &json!({"type": "complaint", "category": "market", "subject": "x"}),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = market.get(&format!("/api/v1/tickets/{t1}")).await;
    assert_eq!(status, 404);
    // An unknown category is refused before anything is stored.
    let (status, reply) = agent
        .post(
            "/api/v1/tickets",
            &json!({"type": "complaint", "category": "nope", "subject": "x"}),
        )
        .await;
    assert_eq!((status, reply["code"].as_str()), (400, Some("bad_request")));

    // 2. The supervisor dispatches to the market bureau (lead) with no co-handler.
    let (code, err) = agent
        .refused(t1, json!({"action": "approve_extension", "days": 3}))
        .await;
    assert_eq!((code, err.as_str()), (403, "forbidden"));
    let (code, _) = supervisor
        .refused(t1, json!({"action": "dispatch", "lead": "9999"}))
        .await;
    assert_eq!(code, 400);
    let t = supervisor
        .step(
            t1,
            json!({"action": "dispatch", "lead": market_id.to_string(), "note": "请核实处理"}),
        )
        .await;
    assert_eq!(t["status"], "dispatched");
    assert_eq!(t["lead_department_id"], market_id);
    assert!(t["due_at_ms"].as_i64().is_some(), "{t}");

    // Another department neither sees nor touches it.
    let (status, reply) = housing.get(&format!("/api/v1/tickets/{t1}")).await;
    assert_eq!((status, reply["code"].as_str()), (404, Some("not_found")));
    let (status, _) = housing.get(&format!("/api/v1/tickets/{t1}/history")).await;
    assert_eq!(status, 404);
    assert_eq!(
        housing.refused(t1, json!({"action": "accept"})).await.0,
        404
    );
    let (_, list) = housing.get("/api/v1/tickets").await;
    assert_eq!(list["count"], 0);
    let (status, _) = housing
        .get(&format!("/api/v1/tickets?department={market_id}"))
        .await;
    assert_eq!(status, 403);
    assert!(housing.search("消费者").await.is_empty());

    // 3. The market bureau accepts, handles and asks for more time.
    let (_, mine) = market.get("/api/v1/tickets?status=dispatched").await;
    assert_eq!(mine["count"], 1);
    let t = market.step(t1, json!({"action": "accept"})).await;
    assert_eq!(t["status"], "accepted");
    // A stale view is refused: the version moved on.
    let stale =
        json!({"action": "start_handling", "expected_version": t["version"].as_i64().unwrap() - 1});
    assert_eq!(
        market.refused(t1, stale).await,
        (409, "conflict".to_owned())
    );
    market.step(t1, json!({"action": "start_handling"})).await;
    let t = market
        .step(
            t1,
            json!({"action": "request_extension", "days": 3, "reason": "需要现场核查"}),
        )
        .await;
    assert_eq!(t["workflow"]["pending_extension"]["days"], 3);
    let due_before = t["due_at_ms"].as_i64().unwrap();
    // A department cannot approve its own extension.
    assert_eq!(
        market
            .refused(t1, json!({"action": "approve_extension", "days": 3}))
            .await
            .0,
        403
    );

    // 4. The supervisor supervises (督办) and approves the extension.
    let t = supervisor
        .step(
            t1,
            json!({"action": "supervise", "instruction": "请加快办理，三日内答复"}),
        )
        .await;
    assert_eq!(t["supervised"], true);
    assert_eq!(t["instruction"], "请加快办理，三日内答复");
    let t = supervisor
        .step(t1, json!({"action": "approve_extension", "days": 3}))
        .await;
    assert_eq!(t["workflow"]["extension_days"], 3);
    assert!(t["due_at_ms"].as_i64().unwrap() > due_before, "{t}");

    // 5. The department replies; then the ticket is back at the centre: the department can no
    // longer act on it, and dispatching a replied ticket is a state error.
    let t = market
        .step(
            t1,
            json!({"action": "reply", "text": "经核查，商场已同意退货"}),
        )
        .await;
    assert_eq!(t["status"], "replied");
    assert_eq!(market.refused(t1, json!({"action": "accept"})).await.0, 403);
    let again = json!({"action": "dispatch", "lead": market_id.to_string()});
    assert_eq!(
        supervisor.refused(t1, again).await,
        (409, "invalid_state".to_owned())
    );

    // 6. The follow-up visit closes it.
    agent.step(t1, json!({"action": "start_follow_up"})).await;
    agent
        .step(
            t1,
            json!({"action": "record_follow_up", "satisfaction": "satisfied"}),
        )
        .await;
    let t = agent
        .step(t1, json!({"action": "close", "note": "市民满意"}))
        .await;
    assert_eq!(t["status"], "closed");

    let (_, history) = market.get(&format!("/api/v1/tickets/{t1}/history")).await;
    let steps: Vec<&str> = history["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "file",
            "dispatch",
            "accept",
            "start_handling",
            "request_extension",
            "supervise",
            "approve_extension",
            "reply",
            "start_follow_up",
            "record_follow_up",
            "close"
        ]
    );
    let h = &history["history"].as_array().unwrap()[1];
    assert_eq!(
        (h["actor"].as_str(), h["role"].as_str()),
        (Some("t_super"), Some("supervisor"))
    );
    assert_eq!(h["note"]["text"], "请核实处理");

    // An unsatisfied follow-up reopens (重办).
    let t2 = id(&agent
        .file("夜间施工噪音", "工地每晚施工到凌晨", "complaint")
        .await);
    supervisor
        .step(
            t2,
            json!({"action": "dispatch", "lead": housing_id.to_string()}),
        )
        .await;
    housing.step(t2, json!({"action": "accept"})).await;
    housing
        .step(t2, json!({"action": "reply", "text": "已责令停工"}))
        .await;
    agent.step(t2, json!({"action": "start_follow_up"})).await;
    let t = agent
        .step(t2, json!({"action": "record_follow_up", "satisfaction": "unsatisfied", "note": "仍在施工"}))
        .await;
    assert_eq!(t["status"], "reopened");
    // Back at the centre: the department still sees it, but it is no longer at work on it.
    let (_, mine) = housing.get("/api/v1/tickets?status=reopened").await;
    assert_eq!(mine["count"], 1);
    let (_, theirs) = market.get("/api/v1/tickets").await;
    assert_eq!(theirs["count"], 1, "market sees only its own ticket");
    let t = supervisor
        .step(
            t2,
            json!({"action": "dispatch", "lead": housing_id.to_string(), "note": "重办"}),
        )
        .await;
    assert_eq!(t["workflow"]["reopens"], 1);

    // Chinese full-text search: 消费者 inside a body; exact matches rank first.
    let t3 = id(&agent
        .file("消费者权益受损", "网购商品质量问题", "complaint")
        .await);
    let t4 = id(&agent
        .file("商场售后", "这位消费者说自己的权益受到侵害", "complaint")
        .await);
    let hits = agent.search("消费者").await;
    assert_eq!(hits.len(), 3, "{hits:?}");
    assert!(hits.contains(&(t1, true)), "body match missing: {hits:?}");
    assert_eq!(hits[0], (t3, true), "subject match first: {hits:?}");
    assert_eq!(
        agent.search("消费者权益").await,
        [(t3, true), (t1, true), (t4, false)]
    );
    // Two characters: LIKE fallback.
    assert_eq!(agent.search("噪音").await, [(t2, true)]);
    // The market bureau finds its own ticket only.
    assert_eq!(market.search("消费者").await, [(t1, true)]);
    let (_, filtered) = agent
        .get(&format!(
            "/api/v1/tickets?q={}&status=closed&type=complaint",
            enc("消费者")
        ))
        .await;
    assert_eq!(filtered["count"], 1);
    let (status, _) = agent.get("/api/v1/tickets?status=lost").await;
    assert_eq!(status, 400);
    let (_, overdue) = agent.get("/api/v1/tickets?overdue=true").await;
    assert_eq!(overdue["count"], 0);
    let (_, dated) = agent
        .get("/api/v1/tickets?from=2000-01-01&to=2000-12-31")
        .await;
    assert_eq!(dated["count"], 0);

    // Callers.
    let caller = json!({
        "name": "张三", "numbers": ["13800138000"], "id_number": "330102199001011234",
        "address": "杭州市上城区湖滨街道", "company": "", "category": "vip",
        "custom": {"preferred_language": "zh"}
    });
    let (status, created) = agent.post("/api/v1/callers", &caller).await;
    assert_eq!(status, 201, "{created}");
    let (status, reply) = agent.post("/api/v1/callers", &caller).await;
    assert_eq!((status, reply["code"].as_str()), (409, Some("conflict")));
    let (_, found) = agent
        .get(&format!("/api/v1/callers?q={}", enc("湖滨")))
        .await;
    assert_eq!(found["callers"][0]["name"], "张三");
    let (_, found) = agent.get("/api/v1/callers?number=1380013").await;
    assert_eq!(found["count"], 1);
    let (status, _) = market.get("/api/v1/callers?q=x").await;
    assert_eq!(status, 403);

    // Knowledge base: supervisors write, everyone searches, edits are versions.
    let item = json!({
        "kind": "regulation", "title": "消费者权益保护法 第二十四条",
        "body": "经营者提供的商品或者服务不符合质量要求的，消费者可以要求退货。",
        "reference_answer": "七日内可无理由退货。"
    });
    let (status, reply) = agent.post("/api/v1/knowledge", &item).await;
    assert_eq!(status, 403, "{reply}");
    let (status, created) = supervisor.post("/api/v1/knowledge", &item).await;
    assert_eq!(status, 201, "{created}");
    let kid = id(&created);
    let mut edited = item.clone();
    edited["reference_answer"] = json!("符合法定解除条件的，可以要求退货。");
    let (status, updated) = http(
        addr,
        "PUT",
        &format!("/api/v1/knowledge/{kid}"),
        Some(&supervisor.token),
        Some(&edited),
    )
    .await
    .pair();
    assert_eq!((status, updated["version"].as_i64()), (200, Some(2)));
    let (_, versions) = agent
        .get(&format!("/api/v1/knowledge/{kid}/versions"))
        .await;
    assert_eq!(versions["versions"].as_array().unwrap().len(), 2);
    let (_, hits) = market
        .get(&format!("/api/v1/knowledge?q={}", enc("退货")))
        .await;
    assert_eq!(hits["count"], 1);
    let (_, hits) = agent
        .get(&format!("/api/v1/knowledge?q={}&kind=faq", enc("消费者")))
        .await;
    assert_eq!(hits["count"], 0);

    // Unknown endpoints and bad ids answer JSON errors too.
    let (status, reply) = agent.get("/api/v1/nothing").await;
    assert_eq!((status, reply["code"].as_str()), (404, Some("not_found")));
    let (status, reply) = agent.get("/api/v1/tickets/abc").await;
    assert_eq!((status, reply["code"].as_str()), (400, Some("bad_request")));
    let (status, _) = http(addr, "POST", "/api/v1/logout", Some(&agent.token), None)
        .await
        .pair();
    assert_eq!(status, 204);
    assert_eq!(agent.get("/api/v1/tickets").await.0, 401);

    running.shutdown().await;
}

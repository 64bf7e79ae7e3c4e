//! SMS notifications end to end, with an axum server in the test playing the provider's HTTP
//! gateway: filing sends the citizen the ticket number and PIN through the configured request
//! template; the gateway's 503s are retried with backoff (the test moves the server clock)
//! until delivered; the per-number limit holds a third SMS back for an hour; a notification
//! queued while the gateway is down survives a server restart and goes out after it; the
//! final state is on the ticket. Then SMS from citizens: a reply joins the ticket it answers,
//! a new message files a ticket on the SMS channel with the sender's caller record.

use std::time::Duration;

use hotline_e2e::TestServer;
use hotline_e2e::notify::{Api, FakeGateway, MovableClock};
use hotline_e2e::people::add_user;
use hotline_protocol::Role;
use hotline_server::ServerOptions;
use hotline_server::config::{BodyFormat, Config};
use hotline_server::store::{CallerCategory, NewCaller, Store};
use serde_json::{Value, json};

const PASSWORD: &str = "notify password 1";
const CITIZEN: &str = "13800000001";

fn configure(c: &mut Config, gateway: std::net::SocketAddr) {
    let sms = &mut c.notify.sms;
    sms.url = format!("http://{gateway}/send");
    sms.format = BodyFormat::Json;
    sms.headers = [("Authorization".to_owned(), "Bearer {secret}".to_owned())].into();
    sms.fields = [
        ("mobile".to_owned(), "{to}".to_owned()),
        ("content".to_owned(), "{text}".to_owned()),
        ("ref".to_owned(), "hotline-{id}".to_owned()),
    ]
    .into();
    sms.secret = "gw-secret-1".into();
    sms.accept_body = "\"code\":0".into();
    sms.id_pointer = "/data/id".into();
    sms.rate_limit = 2;
    sms.rate_window_secs = 3600;
    c.notify.poll_interval_ms = 50;
    c.notify.retry_initial_secs = 60;
    c.notify.retry_max_secs = 600;
    c.notify.max_attempts = 6;
    c.notify.inbound.sms_token = "inbound-token".into();
}

fn statuses(list: &[Value]) -> Vec<(String, i64)> {
    list.iter()
        .map(|n| {
            (
                n["status"].as_str().unwrap_or("").to_owned(),
                n["attempts"].as_i64().unwrap_or(-1),
            )
        })
        .collect()
}

async fn wait_hits(gw: &FakeGateway, n: usize) {
    for _ in 0..200 {
        if gw.hits().len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the gateway got {} requests, not {n}", gw.hits().len());
}

/// Restarts the server on the same data folder, clock and settings.
async fn restart(
    server: TestServer,
    clock: &MovableClock,
    gateway: std::net::SocketAddr,
) -> TestServer {
    let TestServer { running, dir } = server;
    let data_dir = running.data_dir.clone();
    running.shutdown().await;
    let mut config = hotline_server::config::load(None).expect("defaults");
    config.server.sip_listen = "127.0.0.1:0".parse().expect("addr");
    config.server.api_listen = "127.0.0.1:0".parse().expect("addr");
    config.server.data_dir = data_dir;
    config.server.assets_dir = hotline_e2e::assets_dir().display().to_string();
    configure(&mut config, gateway);
    let options = ServerOptions {
        clock: Some(clock.clock()),
    };
    let running = hotline_server::start(config, options)
        .await
        .expect("server restarts");
    TestServer { running, dir }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sms_through_the_gateway_with_retries_rate_limit_restart_and_replies() {
    let (gw, gateway) = FakeGateway::start(2).await;
    let clock = MovableClock::at("2026-11-23T02:00:00Z");
    let server = TestServer::start_with(
        |c| configure(c, gateway),
        ServerOptions {
            clock: Some(clock.clock()),
        },
    )
    .await;
    add_user(&server, "n_agent", Role::Agent, PASSWORD);
    let agent = Api::login(&server, "n_agent", PASSWORD).await;

    // Filing: the receipt goes to the gateway, which is busy twice.
    let ticket = agent.file("商场拒绝退货", CITIZEN).await;
    let (id, number) = (
        ticket["id"].as_i64().expect("id"),
        ticket["number"].as_str().expect("number").to_owned(),
    );
    let pin = ticket["pin"].as_str().expect("pin").to_owned();
    wait_hits(&gw, 1).await;
    let n = agent
        .notifications_until(id, |n| n.first().is_some_and(|x| x["attempts"] == 1))
        .await;
    assert_eq!(statuses(&n), vec![("pending".into(), 1)]);
    assert!(
        n[0]["last_error"].as_str().unwrap_or("").contains("503"),
        "{n:?}"
    );
    assert!(
        !n[0]["body"].as_str().unwrap_or("").contains(&pin),
        "the PIN is not shown"
    );
    // Not before the backoff: one minute, then two.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(gw.hits().len(), 1, "retried before the backoff");
    clock.advance(Duration::from_secs(61));
    wait_hits(&gw, 2).await;
    clock.advance(Duration::from_secs(121));
    wait_hits(&gw, 3).await;
    let n = agent
        .notifications_until(id, |n| n.first().is_some_and(|x| x["status"] == "sent"))
        .await;
    assert_eq!(statuses(&n), vec![("sent".into(), 3)]);
    let hit = &gw.hits()[2];
    assert_eq!(hit.authorization, "Bearer gw-secret-1");
    assert_eq!(hit.body["mobile"], CITIZEN);
    let text = hit.body["content"].as_str().expect("content");
    assert!(text.contains(&number) && text.contains(&pin), "{text}");
    assert!(
        hit.body["ref"]
            .as_str()
            .unwrap_or("")
            .starts_with("hotline-")
    );

    // A delivery report from the gateway marks it delivered.
    let http = reqwest::Client::new();
    let base = format!("http://{}/api/v1", server.running.api);
    let dlr = http
        .post(format!("{base}/inbound/sms/status?token=inbound-token"))
        .json(&json!({"id": "gw-3", "status": "DELIVRD"}))
        .send()
        .await
        .expect("report");
    assert_eq!(dlr.status(), 200);
    agent
        .notifications_until(id, |n| n[0]["status"] == "delivered")
        .await;

    // The per-number limit (2 an hour): the third SMS to the same number waits an hour.
    let second = agent.file("电梯故障", CITIZEN).await;
    let third = agent.file("噪音扰民", CITIZEN).await;
    let (second, third) = (
        second["id"].as_i64().expect("id"),
        third["id"].as_i64().expect("id"),
    );
    agent
        .notifications_until(second, |n| n[0]["status"] == "sent")
        .await;
    let held = agent
        .notifications_until(third, |n| {
            n[0]["last_error"].as_str().unwrap_or("").contains("limit")
        })
        .await;
    assert_eq!(statuses(&held), vec![("pending".into(), 0)]);
    clock.advance(Duration::from_secs(3601));
    agent
        .notifications_until(third, |n| n[0]["status"] == "sent")
        .await;

    // The gateway goes down, then the server: the queued SMS is not lost.
    gw.fail_next(1000);
    let hits_before = gw.hits().len();
    let fourth = agent.file("路灯不亮", "13800000002").await;
    let fourth = fourth["id"].as_i64().expect("id");
    wait_hits(&gw, hits_before + 1).await;
    agent
        .notifications_until(fourth, |n| n[0]["attempts"] == 1)
        .await;
    let server = restart(server, &clock, gateway).await;
    gw.fail_next(0);
    let agent = Api::login(&server, "n_agent", PASSWORD).await;
    clock.advance(Duration::from_secs(61));
    let n = agent
        .notifications_until(fourth, |n| n[0]["status"] == "sent")
        .await;
    assert_eq!(statuses(&n), vec![("sent".into(), 2)]);

    // SMS from citizens. A wrong token is refused.
    let base = format!("http://{}/api/v1", server.running.api);
    let inbound = |body: Value, token: &str| {
        http.post(format!("{base}/inbound/sms"))
            .header("X-Hotline-Token", token.to_owned())
            .json(&body)
            .send()
    };
    let refused = inbound(json!({"from": CITIZEN, "text": "x"}), "wrong")
        .await
        .expect("post");
    assert_eq!(refused.status(), 401);
    // A reply from the citizen joins the ticket last notified to that number.
    let reply = inbound(
        json!({"from": format!("+86{CITIZEN}"), "text": "补充：商家在三楼", "id": "in-1"}),
        "inbound-token",
    )
    .await
    .expect("post");
    assert_eq!(reply.status(), 200);
    let reply: Value = reply.json().await.expect("json");
    assert_eq!(reply["outcome"], "attached");
    assert_eq!(reply["ticket_id"], third);
    let (_, body) = agent.get(&format!("/tickets/{third}/notifications")).await;
    assert_eq!(body["messages"][0]["body"], "补充：商家在三楼");
    // Delivered twice by the gateway: recognised.
    let again: Value = inbound(
        json!({"from": CITIZEN, "text": "补充：商家在三楼", "id": "in-1"}),
        "inbound-token",
    )
    .await
    .expect("post")
    .json()
    .await
    .expect("json");
    assert_eq!(again["outcome"], "duplicate");

    // A new message from a known caller files a ticket on the SMS channel.
    let store = Store::open(&server.running.db_path).expect("store");
    let caller = store
        .add_caller(
            &NewCaller {
                name: "王女士".into(),
                numbers: vec!["13900000009".into()],
                id_number: String::new(),
                address: String::new(),
                company: String::new(),
                category: CallerCategory::Resident,
                custom: std::collections::BTreeMap::new(),
            },
            0,
        )
        .expect("caller");
    let filed = inbound(
        json!({"from": "13900000009", "text": "小区门口垃圾三天没人清运", "id": "in-2"}),
        "inbound-token",
    )
    .await
    .expect("post");
    assert_eq!(filed.status(), 201);
    let filed: Value = filed.json().await.expect("json");
    assert_eq!(filed["outcome"], "filed");
    let new_id = filed["ticket_id"].as_i64().expect("id");
    let (_, t) = agent.get(&format!("/tickets/{new_id}")).await;
    assert_eq!(t["channel"], "sms");
    assert_eq!(t["caller_id"], caller.id);
    assert_eq!(t["subject"], "小区门口垃圾三天没人清运");
    // The citizen gets the receipt with number and PIN.
    let n = agent
        .notifications_until(new_id, |n| n.first().is_some_and(|x| x["status"] == "sent"))
        .await;
    assert_eq!(n[0]["recipient"], "13900000009");
    assert_eq!(n[0]["event"], "received");
    let last = gw.hits().last().cloned().expect("hit");
    assert!(
        last.body["content"]
            .as_str()
            .unwrap_or("")
            .contains(t["number"].as_str().expect("number"))
    );
    server.running.shutdown().await;
}

//! E-mail notifications end to end with a real SMTP server on loopback (Python's aiosmtpd,
//! requiring AUTH): dispatching a ticket sends the department an e-mail in its language, text
//! and HTML, with the dispatch letter attached; the server's first 451 is retried after the
//! backoff; a template edited in the database replaces the asset one; a broken template is
//! refused.

use std::time::Duration;

use hotline_e2e::TestServer;
use hotline_e2e::notify::{Api, MovableClock, SmtpSink};
use hotline_e2e::people::add_user;
use hotline_protocol::Role;
use hotline_server::ServerOptions;
use hotline_server::config::SmtpSecurity;
use serde_json::{Value, json};

const PASSWORD: &str = "notify password 2";

async fn department(admin: &Api, name: &str, email: &str, language: &str) -> i64 {
    let (status, d) = admin.post("/departments", &json!({"name": name})).await;
    assert_eq!(status, 201, "{d}");
    let id = d["id"].as_i64().expect("id");
    let (status, c) = admin
        .put(
            &format!("/departments/{id}/contact"),
            &json!({"email": email, "language": language}),
        )
        .await;
    assert_eq!(status, 200, "{c}");
    id
}

async fn dispatch(sup: &Api, ticket: i64, dept: i64) {
    let (status, r) = sup
        .post(
            &format!("/tickets/{ticket}/transitions"),
            &json!({"action": "dispatch", "lead": dept.to_string()}),
        )
        .await;
    assert_eq!(status, 200, "{r}");
}

fn part<'a>(mail: &'a Value, content_type: &str) -> &'a str {
    mail["parts"]
        .as_array()
        .and_then(|p| p.iter().find(|x| x["type"] == content_type))
        .and_then(|x| x["text"].as_str())
        .unwrap_or_else(|| panic!("no {content_type} part in {mail:#}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dispatch_emails_with_letter_auth_retry_and_edited_templates() {
    let mut sink = SmtpSink::start("hotline", "mail-pass-1", 1).await;
    let clock = MovableClock::at("2026-11-23T02:00:00Z");
    let port = sink.port;
    let server = TestServer::start_with(
        move |c| {
            let smtp = &mut c.notify.smtp;
            smtp.host = "127.0.0.1".into();
            smtp.port = port;
            smtp.security = SmtpSecurity::None;
            smtp.username = "hotline".into();
            smtp.password = "mail-pass-1".into();
            smtp.from = "12345热线 <hotline@example.gov>".into();
            c.notify.poll_interval_ms = 50;
            c.notify.retry_initial_secs = 60;
        },
        ServerOptions {
            clock: Some(clock.clock()),
        },
    )
    .await;
    for (name, role) in [
        ("m_admin", Role::Admin),
        ("m_sup", Role::Supervisor),
        ("m_agent", Role::Agent),
    ] {
        add_user(&server, name, role, PASSWORD);
    }
    let admin = Api::login(&server, "m_admin", PASSWORD).await;
    let sup = Api::login(&server, "m_sup", PASSWORD).await;
    let agent = Api::login(&server, "m_agent", PASSWORD).await;
    let market = department(&admin, "市市场监管局", "market@example.gov", "zh").await;
    let housing = department(&admin, "City Housing Bureau", "housing@example.gov", "en").await;

    // Dispatch: the department's e-mail is refused once (451), then accepted after the backoff.
    let t = agent.file("商场拒绝退货", "13800000001").await;
    let (id, number) = (
        t["id"].as_i64().expect("id"),
        t["number"].as_str().expect("number").to_owned(),
    );
    dispatch(&sup, id, market).await;
    let n = agent
        .notifications_until(id, |n| n.first().is_some_and(|x| x["attempts"] == 1))
        .await;
    assert_eq!(n[0]["channel"], "email");
    assert_eq!(n[0]["status"], "pending");
    assert!(
        n[0]["last_error"].as_str().unwrap_or("").contains("451"),
        "{n:?}"
    );
    clock.advance(Duration::from_secs(61));
    let n = agent
        .notifications_until(id, |n| n[0]["status"] == "sent")
        .await;
    assert_eq!(n[0]["attempts"], 2);
    assert_eq!(n[0]["attachments"][0]["name"], format!("{number}.txt"));

    let mail = sink.next_message().await;
    assert_eq!(mail["to"], json!(["market@example.gov"]));
    assert_eq!(mail["from"], "hotline@example.gov");
    assert_eq!(mail["authenticated"], true);
    let subject = mail["subject"].as_str().expect("subject");
    assert!(
        subject.contains("新派单") && subject.contains(&number),
        "{subject}"
    );
    assert!(part(&mail, "text/plain").contains("商场拒绝退货"));
    assert!(part(&mail, "text/html").contains(&format!("<b>{number}</b>")));
    let letter = &mail["files"][0];
    assert_eq!(letter["name"], format!("{number}.txt"));
    let letter = letter["text"].as_str().expect("letter text");
    assert!(
        letter.contains("转办单") && letter.contains("市市场监管局"),
        "{letter}"
    );
    assert!(
        mail["message_id"]
            .as_str()
            .unwrap_or("")
            .contains(&format!("ticket-{id}@hotline"))
    );

    // A template edited in the database wins; a broken one is refused.
    let (status, r) = admin
        .put(
            "/notify/templates",
            &json!({"event": "dispatched", "language": "en",
                    "subject": "NEW WORK {number}", "text": "Please handle: {subject} (due {due})"}),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    let (status, r) = admin
        .put(
            "/notify/templates",
            &json!({"event": "dispatched", "language": "en", "text": "{nmber}"}),
        )
        .await;
    assert_eq!(status, 400, "{r}");
    let t2 = agent
        .file("Leaking roof in public housing", "13800000002")
        .await;
    let (id2, number2) = (
        t2["id"].as_i64().expect("id"),
        t2["number"].as_str().expect("number").to_owned(),
    );
    dispatch(&sup, id2, housing).await;
    agent
        .notifications_until(id2, |n| n.first().is_some_and(|x| x["status"] == "sent"))
        .await;
    let mail = sink.next_message().await;
    assert_eq!(mail["to"], json!(["housing@example.gov"]));
    assert_eq!(mail["subject"], format!("NEW WORK {number2}"));
    assert!(part(&mail, "text/plain").starts_with("Please handle: Leaking roof in public housing"));
    server.running.shutdown().await;
}

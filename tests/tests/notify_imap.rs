//! Inbound e-mail end to end with a real IMAP server (Debian's dovecot on loopback): a
//! citizen's message in the mailbox becomes a ticket on the e-mail channel with the sender's
//! caller record (Chinese subject in GBK decoded); a department's reply to the dispatch e-mail
//! (its In-Reply-To names the Message-ID we sent, received by a real SMTP server) joins that
//! ticket; a message is handled once.

use std::time::Duration;

use hotline_e2e::TestServer;
use hotline_e2e::notify::{Api, Dovecot, SmtpSink};
use hotline_e2e::people::add_user;
use hotline_protocol::Role;
use hotline_server::config::{ImapSecurity, SmtpSecurity};
use hotline_server::store::{CallerCategory, NewCaller, Store};
use serde_json::{Value, json};

const PASSWORD: &str = "imap test password";

async fn tickets_with(agent: &Api, subject: &str) -> Vec<Value> {
    let (status, list) = agent.get("/tickets?limit=100").await;
    assert_eq!(status, 200, "{list}");
    list["tickets"]
        .as_array()
        .expect("tickets")
        .iter()
        .filter(|t| t["subject"] == subject)
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_in_the_mailbox_files_tickets_and_replies_join_theirs() {
    let dovecot = Dovecot::start("hotline", "imap-pass-1").await;
    let mut sink = SmtpSink::start("-", "-", 0).await;
    let (imap_port, smtp_port) = (dovecot.port, sink.port);
    let server = TestServer::start(move |c| {
        let imap = &mut c.notify.imap;
        imap.host = "127.0.0.1".into();
        imap.port = imap_port;
        imap.security = ImapSecurity::None;
        imap.username = "hotline".into();
        imap.password = "imap-pass-1".into();
        imap.poll_interval_ms = 200;
        let smtp = &mut c.notify.smtp;
        smtp.host = "127.0.0.1".into();
        smtp.port = smtp_port;
        smtp.security = SmtpSecurity::None;
        c.notify.poll_interval_ms = 50;
    })
    .await;
    for (name, role) in [
        ("i_admin", Role::Admin),
        ("i_sup", Role::Supervisor),
        ("i_agent", Role::Agent),
    ] {
        add_user(&server, name, role, PASSWORD);
    }
    let admin = Api::login(&server, "i_admin", PASSWORD).await;
    let sup = Api::login(&server, "i_sup", PASSWORD).await;
    let agent = Api::login(&server, "i_agent", PASSWORD).await;
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
                custom: [("email".to_owned(), json!("wang@example.com"))].into(),
            },
            0,
        )
        .expect("caller");

    // A citizen writes in (subject in GBK, as many mail clients send it).
    dovecot.deliver(
        "hotline",
        "1.citizen",
        "From: =?UTF-8?B?546L5aWz5aOr?= <Wang@Example.com>\n\
         To: 12345@hotline.example\n\
         Subject: =?GBK?B?wre1xru1wcs=?=\n\
         Message-ID: <citizen-1@example.com>\n\
         Content-Type: text/plain; charset=utf-8\n\
         Content-Transfer-Encoding: 8bit\n\
         \n\
         平海路口的路灯坏了一周了。\n",
    );
    let mut filed = Vec::new();
    for _ in 0..100 {
        filed = tickets_with(&agent, "路灯坏了").await;
        if !filed.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(filed.len(), 1, "the message became one ticket");
    let t = &filed[0];
    assert_eq!(t["channel"], "email");
    assert_eq!(t["caller_id"], caller.id);
    assert_eq!(t["caller_number"], "13900000009");
    assert!(
        t["description"]
            .as_str()
            .unwrap_or("")
            .contains("路灯坏了一周")
    );

    // The ticket goes to a department by e-mail; the department answers that e-mail.
    let (_, d) = admin
        .post("/departments", &json!({"name": "市城管局"}))
        .await;
    let dept = d["id"].as_i64().expect("department");
    let (status, _) = admin
        .put(
            &format!("/departments/{dept}/contact"),
            &json!({"email": "cgj@example.gov"}),
        )
        .await;
    assert_eq!(status, 200);
    let id = t["id"].as_i64().expect("id");
    let (status, r) = sup
        .post(
            &format!("/tickets/{id}/transitions"),
            &json!({"action": "dispatch", "lead": dept.to_string()}),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    let sent = sink.next_message().await;
    let message_id = sent["message_id"].as_str().expect("message id").to_owned();
    dovecot.deliver(
        "hotline",
        "2.reply",
        &format!(
            "From: cgj@example.gov\n\
             To: hotline@localhost\n\
             Subject: Re: dispatch\n\
             Message-ID: <reply-1@example.gov>\n\
             In-Reply-To: {message_id}\n\
             References: {message_id}\n\
             Content-Type: text/plain; charset=utf-8\n\
             Content-Transfer-Encoding: 8bit\n\
             \n\
             已派人现场维修。\n"
        ),
    );
    let mut messages = Vec::new();
    for _ in 0..100 {
        let (_, body) = agent.get(&format!("/tickets/{id}/notifications")).await;
        messages = body["messages"].as_array().cloned().unwrap_or_default();
        if messages.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let outcomes: Vec<(&str, &str)> = messages
        .iter()
        .map(|m| {
            (
                m["sender"].as_str().unwrap_or(""),
                m["outcome"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            ("wang@example.com", "filed"),
            ("cgj@example.gov", "attached")
        ]
    );
    assert_eq!(messages[1]["body"], "已派人现场维修。");
    // Seen messages are not filed again.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(tickets_with(&agent, "路灯坏了").await.len(), 1);
    server.running.shutdown().await;
    drop(dovecot);
}

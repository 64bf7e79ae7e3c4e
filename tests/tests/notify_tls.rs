//! TLS to the mail servers, against real servers on loopback with a private CA made in the
//! test (the openssl command): SMTP with STARTTLS and with TLS from the first byte (Python's
//! aiosmtpd), IMAP over TLS (Debian's dovecot with `ssl = required`). The client trusts the
//! CA named by `ca_file`; without it the same servers are refused, so the certificate is
//! really checked.

use std::time::Duration;

use hotline_e2e::TestServer;
use hotline_e2e::notify::{Api, Dovecot, SmtpSink, TestCa};
use hotline_e2e::people::add_user;
use hotline_protocol::Role;
use hotline_server::config::{Config, ImapSecurity, SmtpConfig, SmtpSecurity};
use hotline_server::notify::email::{Email, Mailer};
use hotline_server::notify::imap::MailboxTask;
use serde_json::json;

const PASSWORD: &str = "tls test password";

fn smtp(port: u16, security: SmtpSecurity, ca_file: &str) -> SmtpConfig {
    SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        security,
        username: "hotline".into(),
        password: "smtp-tls-pass".into(),
        from: "12345热线 <hotline@example.gov>".into(),
        timeout_secs: 10,
        ca_file: ca_file.into(),
    }
}

fn email(subject: &str) -> Email<'_> {
    Email {
        to: "dept@example.gov",
        subject,
        text: "请签收。",
        html: "",
        attachments: &[],
        message_id: "outbox-1@hotline",
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_over_tls_from_the_first_byte_trusts_the_configured_ca_only() {
    let ca = TestCa::new();
    let mut sink = SmtpSink::start_secure("hotline", "smtp-tls-pass", "tls", &ca).await;
    let ca_file = ca.ca.display().to_string();

    let trusted = Mailer::new(&smtp(sink.port, SmtpSecurity::Tls, &ca_file))
        .expect("mailer")
        .expect("configured");
    trusted
        .send(&email("TLS 465"))
        .await
        .expect("sent over TLS");
    let mail = sink.next_message().await;
    assert_eq!(mail["subject"], "TLS 465");
    assert_eq!(mail["encrypted"], true);
    assert_eq!(mail["authenticated"], true);

    // The same server with the public roots only: its certificate is refused.
    let public = Mailer::new(&smtp(sink.port, SmtpSecurity::Tls, ""))
        .expect("mailer")
        .expect("configured");
    let err = public
        .send(&email("must not arrive"))
        .await
        .expect_err("an unknown CA is refused");
    assert!(
        err.message.to_lowercase().contains("certificate") || err.message.contains("UnknownIssuer"),
        "{}",
        err.message
    );
    // A CA file that does not exist is a configuration error, not a silent fallback.
    assert!(Mailer::new(&smtp(sink.port, SmtpSecurity::Tls, "/nonexistent/ca.pem")).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dispatch_mail_goes_over_starttls_with_the_letter_attached() {
    let ca = TestCa::new();
    let mut sink = SmtpSink::start_secure("hotline", "smtp-tls-pass", "starttls", &ca).await;
    // Without the CA, STARTTLS fails and nothing is sent in the clear.
    let public = Mailer::new(&smtp(sink.port, SmtpSecurity::Starttls, ""))
        .expect("mailer")
        .expect("configured");
    assert!(public.send(&email("must not arrive")).await.is_err());

    let (port, ca_file) = (sink.port, ca.ca.display().to_string());
    let server = TestServer::start(move |c| {
        c.notify.smtp = smtp(port, SmtpSecurity::Starttls, &ca_file);
        c.notify.poll_interval_ms = 50;
    })
    .await;
    add_user(&server, "t_admin", Role::Admin, PASSWORD);
    add_user(&server, "t_sup", Role::Supervisor, PASSWORD);
    add_user(&server, "t_agent", Role::Agent, PASSWORD);
    let admin = Api::login(&server, "t_admin", PASSWORD).await;
    let sup = Api::login(&server, "t_sup", PASSWORD).await;
    let agent = Api::login(&server, "t_agent", PASSWORD).await;
    let (status, d) = admin
        .post("/departments", &json!({"name": "市市场监管局"}))
        .await;
    assert_eq!(status, 201, "{d}");
    let dept = d["id"].as_i64().expect("id");
    let (status, _) = admin
        .put(
            &format!("/departments/{dept}/contact"),
            &json!({"email": "market@example.gov", "language": "zh"}),
        )
        .await;
    assert_eq!(status, 200);
    let t = agent.file("商场拒绝退货", "13800000021").await;
    let (id, number) = (
        t["id"].as_i64().expect("id"),
        t["number"].as_str().expect("number").to_owned(),
    );
    let (status, r) = sup
        .post(
            &format!("/tickets/{id}/transitions"),
            &json!({"action": "dispatch", "lead": dept.to_string()}),
        )
        .await;
    assert_eq!(status, 200, "{r}");

    let mail = sink.next_message().await;
    assert_eq!(mail["to"], json!(["market@example.gov"]));
    assert_eq!(mail["encrypted"], true);
    assert_eq!(mail["authenticated"], true);
    let letter = &mail["files"][0];
    assert_eq!(letter["name"], format!("{number}.txt"));
    assert_eq!(letter["type"], "text/plain");
    assert_eq!(letter["charset"], "utf-8");
    let text = letter["text"].as_str().unwrap_or("");
    assert!(
        text.contains("转办单") && text.contains(&number) && text.contains("市市场监管局"),
        "{text}"
    );
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imap_over_tls_files_the_mail_and_refuses_an_unknown_ca() {
    let ca = TestCa::new();
    let dovecot = Dovecot::start_tls("hotline", "imap-tls-pass", &ca).await;
    let imap_port = dovecot.port;
    let imap = move |c: &mut Config, ca_file: &str| {
        let imap = &mut c.notify.imap;
        imap.host = "127.0.0.1".into();
        imap.port = imap_port;
        imap.security = ImapSecurity::Tls;
        imap.username = "hotline".into();
        imap.password = "imap-tls-pass".into();
        imap.poll_interval_ms = 200;
        imap.ca_file = ca_file.into();
    };

    // The public roots only: the look at the mailbox fails on the certificate.
    let dir = tempfile::tempdir().expect("tmp");
    let mut untrusting = Config::default();
    imap(&mut untrusting, "");
    let task = MailboxTask::new(
        &untrusting,
        &dir.path().join("x.db"),
        hotline_e2e::fixed_clock("2026-11-23T02:00:00Z"),
    )
    .expect("task");
    let err = task.pass().await.expect_err("an unknown CA is refused");
    assert!(err.to_string().starts_with("TLS"), "{err}");

    let ca_file = ca.ca.display().to_string();
    let server = TestServer::start(move |c| imap(c, &ca_file)).await;
    add_user(&server, "ti_agent", Role::Agent, PASSWORD);
    let agent = Api::login(&server, "ti_agent", PASSWORD).await;
    dovecot.deliver(
        "hotline",
        "1.citizen",
        "From: Li <li@example.com>\n\
         To: 12345@hotline.example\n\
         Subject: =?UTF-8?B?5Zmq6Z+z5omw5rCR?=\n\
         Message-ID: <tls-1@example.com>\n\
         Content-Type: text/plain; charset=utf-8\n\
         Content-Transfer-Encoding: 8bit\n\
         \n\
         工地夜间施工。\n",
    );
    let mut filed = Vec::new();
    for _ in 0..100 {
        let (status, list) = agent.get("/tickets?limit=100").await;
        assert_eq!(status, 200, "{list}");
        filed = list["tickets"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|t| t["subject"] == "噪音扰民")
            .collect();
        if !filed.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(filed.len(), 1, "the message read over TLS became a ticket");
    assert_eq!(filed[0]["channel"], "email");
    server.running.shutdown().await;
    drop(dovecot);
}

//! The centre's own notices and the information service, end to end with a real SMTP server
//! on loopback (aiosmtpd) and the SMS gateway played by the test:
//! - a caller leaves a message in the director's mailbox by phone (the test call user agent,
//!   RFC 4733 digits): the voicemail desk gets `voicemail_waiting` by e-mail and SMS, the
//!   caller the new ticket's number and PIN by SMS;
//! - a reply to a ticket that needs a follow-up visit sends the follow-up desk
//!   `follow_up_due`;
//! - an agent sends a knowledge-base item by e-mail: the message is multipart with the item
//!   attached as a UTF-8 text file.
//!
//! Each checks the outbox rows in the server's SQLite file and what the servers received.

use std::time::Duration;

use hotline_e2e::TestServer;
use hotline_e2e::notify::{Api, FakeGateway, SmtpSink};
use hotline_e2e::people::{add_user, caller_args};
use hotline_protocol::Role;
use hotline_server::cli::test_call::place_call;
use hotline_server::config::SmtpSecurity;
use hotline_server::store::{KnowledgeKind, NewKnowledge, Store};
use serde_json::{Value, json};

const PASSWORD: &str = "events test password";

/// Outbox rows (event, channel, recipient, subject, body) in id order.
type Row = (String, String, String, String, String);

async fn outbox(server: &TestServer) -> Vec<Row> {
    let db = server.db().await;
    let mut stmt = db
        .prepare("SELECT event, channel, recipient, subject, body FROM outbox ORDER BY id")
        .expect("query");
    stmt.query_map([], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })
    .expect("rows")
    .collect::<Result<_, _>>()
    .expect("rows")
}

/// The outbox rows once `done` holds for them (10 s at most).
async fn outbox_until(server: &TestServer, done: impl Fn(&[Row]) -> bool) -> Vec<Row> {
    let mut rows = Vec::new();
    for _ in 0..200 {
        rows = outbox(server).await;
        if done(&rows) {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the outbox never got there: {rows:#?}");
}

fn text_part(mail: &Value) -> &str {
    mail["parts"]
        .as_array()
        .and_then(|p| p.iter().find(|x| x["type"] == "text/plain"))
        .and_then(|x| x["text"].as_str())
        .unwrap_or_else(|| panic!("no text part in {mail:#}"))
}

/// SMTP without TLS (the TLS modes are in notify_tls.rs) and the fake SMS gateway.
fn mail_and_sms(c: &mut hotline_server::config::Config, smtp_port: u16, gateway: &str) {
    let smtp = &mut c.notify.smtp;
    smtp.host = "127.0.0.1".into();
    smtp.port = smtp_port;
    smtp.security = SmtpSecurity::None;
    smtp.from = "12345热线 <hotline@example.gov>".into();
    c.notify.sms.url = format!("http://{gateway}/send");
    c.notify.poll_interval_ms = 50;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voicemail_tells_the_desk_and_sends_the_caller_the_receipt() {
    let mut sink = SmtpSink::start("-", "-", 0).await;
    let (gw, gateway) = FakeGateway::start(0).await;
    let smtp_port = sink.port;
    let server = TestServer::start(move |c| {
        mail_and_sms(c, smtp_port, &gateway.to_string());
        c.notify.voicemail.email = "值班室 <duty@hotline.example.gov>".into();
        c.notify.voicemail.sms = "13600000000".into();
    })
    .await;

    // 5 (through the welcome): the director's mailbox; # = call back this phone; 1 = reply
    // wanted; then speak after the prompts and # to finish.
    let speak = ",".repeat(prompt_secs("mailbox_reply") + prompt_secs("record_after_beep") + 4);
    let mut args = caller_args(&server, "13912345678", 60.0);
    args.to = "12365".into();
    args.dtmf = format!("5#1{speak}#");
    args.dtmf_delay = 1.0;
    let mut tone = vec![0i16; 8000 * 60];
    hotline_media::ToneGenerator::new(&[440.0], 8000, 8000).fill(&mut tone);
    let voice = server.dir.path().join("voice.wav");
    std::fs::write(&voice, hotline_media::wav_bytes(&tone, 8000, 1)).expect("voice");
    args.play = Some(voice);
    let report = place_call(&args).await.expect("call");
    assert_eq!(report.ended_by, "server", "the IVR says goodbye: {report}");

    let db = server.db().await;
    let number: String = db
        .query_row("SELECT number FROM tickets", [], |r| r.get(0))
        .expect("the message's ticket");
    let rows = outbox_until(&server, |r| r.len() >= 3).await;
    let of = |event: &str, channel: &str| {
        rows.iter()
            .find(|r| r.0 == event && r.1 == channel)
            .unwrap_or_else(|| panic!("no {event} {channel} in {rows:#?}"))
    };
    let desk_mail = of("voicemail_waiting", "email");
    assert_eq!(desk_mail.2, "值班室 <duty@hotline.example.gov>");
    assert!(
        desk_mail.3.contains("留言") && desk_mail.3.contains(&number),
        "{desk_mail:?}"
    );
    assert!(desk_mail.4.contains("13912345678"), "{desk_mail:?}");
    let desk_sms = of("voicemail_waiting", "sms");
    assert_eq!(desk_sms.2, "13600000000");
    assert!(desk_sms.4.contains(&number), "{desk_sms:?}");
    // The caller's receipt: stored with the PIN as a mark, sent with the PIN itself.
    let receipt = of("received", "sms");
    assert_eq!(receipt.2, "13912345678");
    assert!(
        receipt.4.contains(&number) && receipt.4.contains("{pin}"),
        "{receipt:?}"
    );

    let mail = sink.next_message().await;
    assert_eq!(mail["to"], json!(["duty@hotline.example.gov"]));
    assert!(text_part(&mail).contains("13912345678"), "{mail:#}");
    let mut texts = Vec::new();
    for _ in 0..200 {
        texts = gw
            .hits()
            .iter()
            .map(|h| (h.body["to"].clone(), h.body["text"].clone()))
            .collect::<Vec<_>>();
        if texts.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let to_caller = texts
        .iter()
        .find(|(to, _)| to == "13912345678")
        .unwrap_or_else(|| panic!("no receipt SMS: {texts:?}"));
    let sent = to_caller.1.as_str().unwrap_or("");
    assert!(
        sent.contains(&number) && !sent.contains("{pin}"),
        "the PIN is filled in when sent: {sent}"
    );
    assert!(texts.iter().any(|(to, _)| to == "13600000000"), "{texts:?}");
    server.running.shutdown().await;
}

/// How long a Mandarin prompt plays, in whole seconds rounded up.
fn prompt_secs(name: &str) -> usize {
    let path = hotline_e2e::assets_dir().join(format!("prompts/zh/{name}.wav"));
    let bytes = std::fs::metadata(&path).expect("prompt").len();
    usize::try_from(bytes.div_ceil(16_000)).expect("fits")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_makes_the_follow_up_due_at_the_desk() {
    let mut sink = SmtpSink::start("-", "-", 0).await;
    let (_gw, gateway) = FakeGateway::start(0).await;
    let smtp_port = sink.port;
    let server = TestServer::start(move |c| {
        mail_and_sms(c, smtp_port, &gateway.to_string());
        c.notify.follow_up.email = "followup@hotline.example.gov".into();
        c.notify.follow_up.sms = "13600000001".into();
        c.notify.follow_up.language = "en".into();
    })
    .await;
    add_user(&server, "f_agent", Role::Agent, PASSWORD);
    let agent = Api::login(&server, "f_agent", PASSWORD).await;
    let t = agent.file("商场拒绝退货", "13800000011").await;
    let (ticket, number) = (
        t["id"].as_i64().expect("id"),
        t["number"].as_str().expect("number").to_owned(),
    );
    // Nothing is due for the desk before the reply.
    let before = outbox(&server).await;
    assert!(before.iter().all(|r| r.0 != "follow_up_due"), "{before:#?}");
    let (status, r) = agent
        .post(
            &format!("/tickets/{ticket}/transitions"),
            &json!({"action": "reply", "text": "商家已同意退货"}),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    let rows = outbox_until(&server, |r| {
        r.iter().filter(|x| x.0 == "follow_up_due").count() == 2
    })
    .await;
    let mail = rows
        .iter()
        .find(|r| r.0 == "follow_up_due" && r.1 == "email")
        .expect("e-mail row");
    assert_eq!(mail.2, "followup@hotline.example.gov");
    assert_eq!(mail.3, format!("[Follow-up due] {number} 商场拒绝退货"));
    assert!(
        mail.4.contains("13800000011") && mail.4.contains("商家已同意退货"),
        "{mail:?}"
    );
    let sms = rows
        .iter()
        .find(|r| r.0 == "follow_up_due" && r.1 == "sms")
        .expect("SMS row");
    assert_eq!(sms.2, "13600000001");
    // The rows are on the ticket, and the desk's e-mail reaches the SMTP server.
    let n = agent
        .notifications_until(ticket, |n| {
            n.iter()
                .any(|x| x["event"] == "follow_up_due" && x["status"] == "sent")
        })
        .await;
    assert!(n.iter().any(|x| x["event"] == "replied"), "{n:#?}");
    let received = sink.next_message().await;
    assert_eq!(received["to"], json!(["followup@hotline.example.gov"]));
    assert!(
        text_part(&received).contains("please call 13800000011 back"),
        "{received:#}"
    );
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_knowledge_item_is_emailed_with_the_item_attached() {
    let mut sink = SmtpSink::start("-", "-", 0).await;
    let (_gw, gateway) = FakeGateway::start(0).await;
    let smtp_port = sink.port;
    let server = TestServer::start(move |c| {
        mail_and_sms(c, smtp_port, &gateway.to_string());
    })
    .await;
    add_user(&server, "k_agent", Role::Agent, PASSWORD);
    let agent = Api::login(&server, "k_agent", PASSWORD).await;
    let store = Store::open(&server.running.db_path).expect("store");
    let item = store
        .add_knowledge(
            &NewKnowledge {
                kind: KnowledgeKind::Guide,
                title: "市民服务中心办事指南".into(),
                body: "地址：市民服务中心二楼。\n工作日 9:00-17:00 受理，携带身份证。".into(),
                reference_answer: String::new(),
            },
            "admin",
            0,
        )
        .expect("item");
    let t = agent.file("咨询办事地点", "13800000012").await;
    let ticket = t["id"].as_i64().expect("id");

    // Bad requests are refused before anything is queued.
    let path = format!("/knowledge/{}/send", item.id);
    let (status, _) = agent
        .post(&path, &json!({"channel": "fax", "to": "x"}))
        .await;
    assert_eq!(status, 400);
    let (status, _) = agent
        .post(&path, &json!({"channel": "email", "to": "not an address"}))
        .await;
    assert_eq!(status, 400);
    let (status, _) = agent
        .post(
            "/knowledge/999/send",
            &json!({"channel": "email", "to": "a@example.com"}),
        )
        .await;
    assert_eq!(status, 404);

    let (status, r) = agent
        .post(
            &path,
            &json!({"channel": "email", "to": "王女士 <wang@example.com>", "ticket": ticket}),
        )
        .await;
    assert_eq!(status, 201, "{r}");
    let n = agent
        .notifications_until(ticket, |n| {
            n.iter()
                .any(|x| x["event"] == "information" && x["status"] == "sent")
        })
        .await;
    let row = n.iter().find(|x| x["event"] == "information").expect("row");
    assert_eq!(
        row["attachments"][0]["name"],
        format!("knowledge-{}.txt", item.id)
    );

    let mail = sink.next_message().await;
    assert_eq!(mail["to"], json!(["wang@example.com"]));
    assert_eq!(mail["subject"], "市民服务中心办事指南");
    assert!(text_part(&mail).contains("市民服务中心二楼"), "{mail:#}");
    let file = &mail["files"][0];
    assert_eq!(file["name"], format!("knowledge-{}.txt", item.id));
    assert_eq!(file["type"], "text/plain");
    assert_eq!(file["charset"], "utf-8");
    assert_eq!(
        file["text"].as_str().map(|t| t.replace("\r\n", "\n")),
        Some("市民服务中心办事指南\n\n地址：市民服务中心二楼。\n工作日 9:00-17:00 受理，携带身份证。\n".to_owned())
    );
    server.running.shutdown().await;
}

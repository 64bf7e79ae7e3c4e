//! The voicemail inbox through REST v1 against a real SQLite file (C3): messages left in the
//! IVR are listed and filtered, their audio is served (all parts, or one) and checked by
//! frequency, the first listen marks them heard, "handled" records who and when with an audit
//! entry, a message without a ticket gets one; and tickets filed with `related` show their
//! links both ways. The server runs in-process on 127.0.0.1:0 on a fixed clock.

mod common;

use std::path::Path;

use common::{Client, MONDAY_10AM as NOW, add_user, config, start_at};
use hotline_protocol::Role;
use hotline_server::store::{MessageKind, NewMessage, Store};
use hotline_server::tickets::{Pin, TimeLimit};
use serde_json::{Value, json};

/// The raw body of a GET with `token` (the audio).
async fn download(client: &Client, path: &str) -> (u16, Vec<u8>) {
    let reply = client.download(path).await;
    (reply.status, reply.body)
}

/// A tone of `hz` for `ms` as an 8 kHz mono WAV file.
fn tone_file(dir: &Path, name: &str, hz: f32, ms: usize) -> String {
    let mut samples = vec![0i16; 8 * ms];
    hotline_media::ToneGenerator::new(&[hz], 8000, 8000).fill(&mut samples);
    let path = dir.join(name);
    std::fs::write(&path, hotline_media::wav_bytes(&samples, 8000, 1)).expect("wav");
    path.display().to_string()
}

fn message(
    kind: MessageKind,
    call: &str,
    caller: &str,
    parts: Vec<(String, String)>,
) -> NewMessage {
    NewMessage {
        profile: "12345".into(),
        kind,
        call_id: call.into(),
        caller: caller.into(),
        callback: String::new(),
        reply_wanted: true,
        recordings: parts,
        category: "other".into(),
        limit: TimeLimit::Days(15),
    }
}

fn ids(list: &Value) -> Vec<i64> {
    list["voicemails"]
        .as_array()
        .expect("voicemails")
        .iter()
        .map(|v| v["id"].as_i64().expect("id"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inbox_lists_plays_handles_and_files_messages() {
    let dir = tempfile::tempdir().unwrap();
    let (running, auth) = start_at(config(dir.path()), NOW).await;
    add_user(&auth, "desk1", Role::Agent, None);
    add_user(&auth, "boss1", Role::Supervisor, None);
    add_user(&auth, "leader1", Role::Director, None);

    // Two messages as the IVR leaves them (each filed as a ticket), one older row without a
    // ticket (filed before tickets were made from messages).
    let store = Store::open(&running.db_path).expect("store");
    let tz = jiff::tz::TimeZone::get("Asia/Shanghai").expect("tz");
    let t0: jiff::Timestamp = NOW.parse().expect("time");
    let mail = message(
        MessageKind::DirectorMail,
        "c-mail",
        "13912345678",
        vec![(
            "message".into(),
            tone_file(dir.path(), "mail.wav", 440.0, 1000),
        )],
    );
    let (mail_ticket, mail_id) = store
        .leave_message(&mail, Pin::from_random(1), &tz, t0)
        .expect("mail");
    let complaint = message(
        MessageKind::Complaint,
        "c-complaint",
        "13800000002",
        vec![
            ("who".into(), tone_file(dir.path(), "who.wav", 440.0, 600)),
            (
                "what".into(),
                tone_file(dir.path(), "what.wav", 1000.0, 400),
            ),
        ],
    );
    let later = t0 + jiff::SignedDuration::from_secs(60);
    let (_, complaint_id) = store
        .leave_message(&complaint, Pin::from_random(2), &tz, later)
        .expect("complaint");
    let db = rusqlite::Connection::open(&running.db_path).expect("db");
    let earlier = t0.as_millisecond() - 3_600_000;
    let loose_wav = tone_file(dir.path(), "loose.wav", 1000.0, 500);
    db.execute(
        "INSERT INTO voicemails (call_id, kind, caller, callback, reply_wanted, recordings, at)
         VALUES ('c-loose', 'voicemail', '13700000003', '057188880000', 1, ?1, ?2)",
        rusqlite::params![
            json!([{"label": "message", "path": loose_wav}]).to_string(),
            earlier
        ],
    )
    .expect("loose row");
    let loose_id = db.last_insert_rowid();

    let agent = Client::login(running.api, "desk1").await;
    let boss = Client::login(running.api, "boss1").await;
    let leader = Client::login(running.api, "leader1").await;

    // The list: newest first, totals for paging, filters by status and kind.
    let (status, all) = agent.get("/api/v1/voicemails").await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(all["total"], 3);
    assert_eq!(ids(&all), [complaint_id, mail_id, loose_id]);
    let first = &all["voicemails"][0];
    assert_eq!(first["kind"], "complaint");
    assert_eq!(first["status"], "new");
    assert_eq!(first["parts"].as_array().map(Vec::len), Some(2));
    assert_eq!(first["duration_ms"], 1000);
    let mail_row = &all["voicemails"][1];
    assert_eq!(mail_row["ticket_number"], json!(mail_ticket.ticket.number));
    assert_eq!(
        mail_row["callback"], "13912345678",
        "the caller's own number"
    );
    assert_eq!(all["voicemails"][2]["callback"], "057188880000");
    let (_, page) = agent.get("/api/v1/voicemails?limit=1&offset=1").await;
    assert_eq!(
        (ids(&page), page["total"].as_i64()),
        (vec![mail_id], Some(3))
    );
    let (_, mails) = agent.get("/api/v1/voicemails?kind=director_mail").await;
    assert_eq!(ids(&mails), [mail_id]);
    let (status, _) = agent.get("/api/v1/voicemails?status=lost").await;
    assert_eq!(status, 400);
    let (status, _) = leader.get("/api/v1/voicemails").await;
    assert_eq!(status, 403, "directors have no inbox");

    // All parts one after the other: 440 Hz, then 1000 Hz; the first listen marks it heard.
    let (status, wav) = download(&agent, &format!("/api/v1/voicemails/{complaint_id}/audio")).await;
    assert_eq!(status, 200);
    let pcm = hotline_media::read_wav_8k_mono(&wav).expect("wav");
    assert_eq!(pcm.len(), 8000);
    let freq = |s: &[i16]| hotline_media::dominant_frequency(s, &[440.0, 1000.0], 8000);
    assert_eq!(freq(&pcm[400..4400]), Some(440.0));
    assert_eq!(freq(&pcm[5000..7800]), Some(1000.0));
    let (_, part) = download(
        &boss,
        &format!("/api/v1/voicemails/{complaint_id}/audio?part=1"),
    )
    .await;
    let pcm = hotline_media::read_wav_8k_mono(&part).expect("part wav");
    assert_eq!((pcm.len(), freq(&pcm)), (3200, Some(1000.0)));
    let (status, _) = agent
        .get(&format!("/api/v1/voicemails/{complaint_id}/audio?part=2"))
        .await;
    assert_eq!(status, 404);
    let (_, heard) = agent
        .get(&format!("/api/v1/voicemails/{complaint_id}"))
        .await;
    assert_eq!(heard["status"], "heard");
    assert_eq!(heard["heard_by"], "desk1", "the first listener stays");
    let (_, fresh) = agent.get("/api/v1/voicemails?status=new").await;
    assert_eq!(ids(&fresh), [mail_id, loose_id]);

    // Handled: who and when, once; audited.
    let (status, done) = agent
        .post(
            &format!("/api/v1/voicemails/{complaint_id}/handled"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["status"], "answered");
    assert_eq!(done["handled_by"], "desk1");
    assert_eq!(done["handled_at_ms"], t0.as_millisecond());
    let (_, again) = boss
        .post(
            &format!("/api/v1/voicemails/{complaint_id}/handled"),
            &json!({}),
        )
        .await;
    assert_eq!(again["handled_by"], "desk1");
    let (status, _) = agent
        .post("/api/v1/voicemails/999/handled", &json!({}))
        .await;
    assert_eq!(status, 404);
    let (db_status, by): (String, String) = db
        .query_row(
            "SELECT status, handled_by FROM voicemails WHERE id = ?1",
            [complaint_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("row");
    assert_eq!((db_status.as_str(), by.as_str()), ("answered", "desk1"));
    let audits: Vec<(String, String, String)> = db
        .prepare("SELECT user, action, target FROM audit_log WHERE action = 'voicemail_handled'")
        .expect("sql")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(
        audits,
        [(
            "desk1".to_owned(),
            "voicemail_handled".to_owned(),
            complaint_id.to_string()
        )]
    );

    // A ticket for the message without one: on the voicemail channel, its call linked.
    let (status, made) = agent
        .post(
            &format!("/api/v1/voicemails/{loose_id}/ticket"),
            &json!({"subject": "留言：要求回电", "category": "other"}),
        )
        .await;
    assert_eq!(status, 201, "{made}");
    let ticket_id = made["ticket"]["id"].as_i64().expect("ticket id");
    assert_eq!(made["voicemail"]["ticket_id"], ticket_id);
    assert_eq!(made["ticket"]["pin"].as_str().map(str::len), Some(6));
    let (_, t) = agent.get(&format!("/api/v1/tickets/{ticket_id}")).await;
    assert_eq!(t["channel"], "voicemail");
    assert_eq!(t["caller_number"], "13700000003");
    assert_eq!(t["calls"], json!(["c-loose"]));
    let (status, _) = agent
        .post(&format!("/api/v1/voicemails/{loose_id}/ticket"), &json!({}))
        .await;
    assert_eq!(status, 409, "a message with a ticket gets no second one");
    // … or tied to the ticket it belongs to.
    let (status, tied) = agent
        .post(
            &format!("/api/v1/voicemails/{mail_id}/ticket"),
            &json!({"ticket_id": ticket_id}),
        )
        .await;
    assert_eq!(status, 200, "{tied}");
    assert_eq!(tied["ticket_id"], ticket_id);

    // Related tickets chosen while filing are linked both ways; an unknown one files nothing.
    let body = json!({
        "type": "complaint",
        "category": "other",
        "subject": "回电后补充",
        "caller_number": "13912345678",
        "related": [mail_ticket.ticket.number, ticket_id],
    });
    let (status, filed) = agent.post("/api/v1/tickets", &body).await;
    assert_eq!(status, 201, "{filed}");
    let new_id = filed["id"].as_i64().expect("id");
    let (_, new_ticket) = agent.get(&format!("/api/v1/tickets/{new_id}")).await;
    let linked: Vec<&str> = new_ticket["links"]
        .as_array()
        .expect("links")
        .iter()
        .map(|l| l["number"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        linked,
        [
            mail_ticket.ticket.number.as_str(),
            made["ticket"]["number"].as_str().unwrap_or("")
        ]
    );
    assert_eq!(new_ticket["links"][0]["linked_by"], "desk1");
    let (_, old) = agent
        .get(&format!("/api/v1/tickets/{}", mail_ticket.ticket.id))
        .await;
    assert_eq!(
        old["links"][0]["id"], new_id,
        "shown on the older ticket too"
    );
    let count = |db: &rusqlite::Connection| -> i64 {
        db.query_row("SELECT COUNT(*) FROM tickets", [], |r| r.get(0))
            .expect("count")
    };
    let before = count(&db);
    let bad = json!({
        "type": "complaint", "category": "other", "subject": "x",
        "related": ["12345-20000101-000001"],
    });
    let (status, _) = agent.post("/api/v1/tickets", &bad).await;
    assert_eq!(status, 404);
    assert_eq!(count(&db), before);

    running.shutdown().await;
}

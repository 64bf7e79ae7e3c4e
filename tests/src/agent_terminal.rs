//! The real `agent-tui` binary in a real terminal for whole-system tests: started in tmux and
//! logged in, the records a supervisor would have made over REST before the call, and reads of
//! what the agent left in the database.

use std::time::Duration;

use serde_json::json;

use crate::TestServer;
use crate::notify::Api;
use crate::tmux::{Tmux, binary};

/// How long the terminal gets for anything that involves the server (the binary starts cold,
/// log-in hashes a password, calls go through SIP and WebRTC).
pub const LONG: Duration = Duration::from_secs(90);

/// `agent-tui` in English in a 160×48 tmux session as `user` on `server`, with the audio
/// flags `audio` (e.g. `--audio null`), past its log-in screen: the welcome is showing.
pub async fn logged_in(server: &TestServer, user: &str, password: &str, audio: &str) -> Tmux {
    let bin = binary("agent-tui", "agent-tui");
    let dir = server.dir.path();
    let xdg = dir.join("xdg");
    std::fs::create_dir_all(&xdg).expect("config dir");
    // Tests of one binary run side by side, each with its own user: one session each.
    let session = format!("hotline-e2e-{user}-{}", std::process::id());
    let command = format!(
        "env XDG_CONFIG_HOME={} LANG=en_US.UTF-8 {} --server http://{} --user {user} \
         {audio} --lang en",
        xdg.display(),
        bin.display(),
        server.running.api
    );
    let tui = Tmux::start(&session, &command, dir.join("agent-tui.stderr"), 160, 48);
    // The user name is filled in from the command line, the focus is on the password.
    tui.wait_text("Password", LONG).await;
    tui.text(password);
    tui.keys(&["Enter"]);
    tui.wait_text("Welcome", LONG).await;
    tui
}

/// Records made over REST as supervisor `api` would: caller 王女士 (VIP, 幸福路12号) on
/// `number`, and an earlier complaint from them with `subject`. Gives that ticket's number.
pub async fn seed_caller_with_ticket(api: &Api, number: &str, subject: &str) -> String {
    let (status, caller) = api
        .post(
            "/callers",
            &json!({"name": "王女士", "numbers": [number], "address": "幸福路12号",
                    "category": "vip"}),
        )
        .await;
    assert_eq!(status, 201, "caller record: {caller}");
    let (status, ticket) = api
        .post(
            "/tickets",
            &json!({
                "type": "complaint",
                "category": "urban_construction",
                "subject": subject,
                "description": "晚上十点后仍在施工",
                "address": "幸福路12号",
                "caller_id": caller["id"],
                "caller_number": number,
            }),
        )
        .await;
    assert_eq!(status, 201, "earlier ticket: {ticket}");
    ticket["number"].as_str().expect("ticket number").to_owned()
}

/// The first ticket number (`<profile>-YYYYMMDD-NNNNNN`) on the screen.
pub fn ticket_number(screen: &str) -> Option<String> {
    screen
        .split(|c: char| c.is_whitespace() || c == '│')
        .find_map(|word| {
            let parts: Vec<&str> = word.split('-').collect();
            let digits = |s: &str, n: usize| s.len() == n && s.chars().all(|c| c.is_ascii_digit());
            (parts.len() == 3 && digits(parts[1], 8) && digits(parts[2], 6) && !parts[0].is_empty())
                .then(|| word.to_owned())
        })
}

/// A ticket as stored, and whether it is linked to the latest call.
#[derive(Debug)]
pub struct FiledTicket {
    pub number: String,
    pub created_by: String,
    pub kind: String,
    pub category: String,
    pub description: String,
    pub linked_to_latest_call: bool,
}

/// The ticket with `subject`.
pub fn filed_ticket(db: &rusqlite::Connection, subject: &str) -> FiledTicket {
    let call_id: String = db
        .query_row(
            "SELECT id FROM calls ORDER BY started_at DESC, rowid DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("the call");
    db.query_row(
        "SELECT number, created_by, type, category, description, \
         (SELECT count(*) FROM ticket_calls c WHERE c.ticket_id = t.id AND c.call_id = ?2) \
         FROM tickets t WHERE subject = ?1",
        rusqlite::params![subject, call_id],
        |r| {
            Ok(FiledTicket {
                number: r.get(0)?,
                created_by: r.get(1)?,
                kind: r.get(2)?,
                category: r.get(3)?,
                description: r.get(4)?,
                linked_to_latest_call: r.get::<_, i64>(5)? == 1,
            })
        },
    )
    .unwrap_or_else(|e| panic!("the ticket {subject:?}: {e}"))
}

/// The only voicemail's status and who heard and who handled it.
pub fn voicemail_status(db: &rusqlite::Connection) -> (String, String, String) {
    db.query_row(
        "SELECT status, heard_by, handled_by FROM voicemails",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .expect("one voicemail")
}

/// The only pending consultation: status, knowledge item, attempts, last result.
pub fn consultation_row(db: &rusqlite::Connection) -> (String, Option<i64>, i64, Option<String>) {
    db.query_row(
        "SELECT status, knowledge_id, attempts, last_result FROM pending_consultations",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )
    .expect("one pending consultation")
}

/// How long a Mandarin prompt plays, in whole seconds rounded up (8 kHz 16-bit mono WAV).
pub fn prompt_secs(name: &str) -> usize {
    let path = crate::assets_dir().join(format!("prompts/zh/{name}.wav"));
    let bytes = std::fs::metadata(&path).expect("prompt").len();
    usize::try_from(bytes.div_ceil(16_000)).expect("fits")
}

/// The `at` (ms) of the first event of `kind` of `call_id`.
pub fn event_at(db: &rusqlite::Connection, call_id: &str, kind: &str) -> Option<i64> {
    db.query_row(
        "SELECT at FROM call_events WHERE call_id = ?1 AND kind = ?2 ORDER BY id LIMIT 1",
        [call_id, kind],
        |r| r.get(0),
    )
    .ok()
}

/// Prints p50, p99, mean, min and max of millisecond samples (benchmarks).
pub fn print_percentiles(name: &str, mut v: Vec<i64>) {
    v.sort_unstable();
    if v.is_empty() {
        println!("{name}: no samples");
        return;
    }
    let at = |q: f64| {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let i = ((v.len() - 1) as f64 * q).round() as usize;
        v[i]
    };
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_wrap)]
    let mean = v.iter().sum::<i64>() as f64 / v.len() as f64;
    println!(
        "{name:<40} n={:<3} p50 {:>6} ms  p99 {:>6} ms  mean {mean:>8.1} ms  min {} ms  max {} ms",
        v.len(),
        at(0.5),
        at(0.99),
        v[0],
        v[v.len() - 1]
    );
}

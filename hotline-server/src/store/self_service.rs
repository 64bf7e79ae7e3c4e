//! SQL for self-service by phone: messages that become tickets, the citizen's status query
//! with its wrong-PIN log, post-call ratings and opinion-poll answers.
//! Called off the media path (blocking threads), never from a call's 20 ms loop.

use std::fmt::Write as _;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::Store;
use super::tickets::{FiledTicket, RecordError, TicketDraft, TicketRow};
use crate::tickets::{Actor, Channel, Pin, Role, TicketType, TimeLimit, Urgency};

/// The user named on tickets the IVR files.
pub const IVR_USER: &str = "ivr";

/// What kind of message the caller left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// 24-hour voicemail (留言).
    Voicemail,
    /// 局长信箱.
    DirectorMail,
    /// A complaint recorded without an agent (自动投诉录音).
    Complaint,
}

impl MessageKind {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "voicemail" => Some(Self::Voicemail),
            "director_mail" => Some(Self::DirectorMail),
            "complaint" => Some(Self::Complaint),
            _ => None,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Voicemail => "voicemail",
            Self::DirectorMail => "director_mail",
            Self::Complaint => "complaint",
        }
    }

    /// The ticket it becomes: a plain voicemail is most often a complaint or a request, so it
    /// is filed as one and the agent who listens re-types it if need be.
    pub const fn ticket_type(self) -> TicketType {
        match self {
            Self::DirectorMail => TicketType::DirectorMail,
            Self::Voicemail | Self::Complaint => TicketType::Complaint,
        }
    }

    const fn subject(self) -> &'static str {
        match self {
            Self::Voicemail => "电话留言",
            Self::DirectorMail => "局长信箱留言",
            Self::Complaint => "自动投诉录音",
        }
    }
}

/// A message to file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub profile: String,
    pub kind: MessageKind,
    pub call_id: String,
    pub caller: String,
    /// The number to call back ("" = the caller's).
    pub callback: String,
    pub reply_wanted: bool,
    /// `(label, path)` of each recording (`message`, or the parts of a guided message).
    pub recordings: Vec<(String, String)>,
    pub category: String,
    pub limit: TimeLimit,
}

/// The status query's answer: the ticket and its lead department's id and name.
#[derive(Debug, Clone)]
pub struct StatusAnswer {
    pub ticket: TicketRow,
    pub department: Option<(i64, String)>,
}

/// A post-call rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    Satisfied,
    Ok,
    Unsatisfied,
    /// The caller wants to complain about the service.
    Complaint,
}

impl Rating {
    /// The keypad answer: 1 satisfied, 2 ok, 3 unsatisfied, 0 complaint.
    pub fn from_digit(digit: &str) -> Option<Self> {
        match digit {
            "1" => Some(Self::Satisfied),
            "2" => Some(Self::Ok),
            "3" => Some(Self::Unsatisfied),
            "0" => Some(Self::Complaint),
            _ => None,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Satisfied => "satisfied",
            Self::Ok => "ok",
            Self::Unsatisfied => "unsatisfied",
            Self::Complaint => "complaint",
        }
    }
}

/// Ratings counted (an agent's figures, or everyone's).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SurveyCounts {
    pub satisfied: u32,
    pub ok: u32,
    pub unsatisfied: u32,
    pub complaint: u32,
}

impl SurveyCounts {
    pub fn total(&self) -> u32 {
        self.satisfied + self.ok + self.unsatisfied + self.complaint
    }
}

/// How often one answer was given to one question of a poll.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PollCount {
    pub question: String,
    pub answer: String,
    pub count: u32,
}

fn description(m: &NewMessage) -> String {
    let callback = if m.callback.is_empty() {
        &m.caller
    } else {
        &m.callback
    };
    let mut text = format!(
        "回电号码 / callback: {callback}\n需要回复 / reply wanted: {}\n",
        if m.reply_wanted { "是 yes" } else { "否 no" }
    );
    for (label, path) in &m.recordings {
        let _ = writeln!(text, "录音 / recording {label}: {path}");
    }
    text
}

fn recordings_json(m: &NewMessage) -> String {
    let list: Vec<serde_json::Value> = m
        .recordings
        .iter()
        .map(|(label, path)| serde_json::json!({"label": label, "path": path}))
        .collect();
    serde_json::Value::from(list).to_string()
}

fn count(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Store {
    /// Files the message as a ticket linked to its call (whose recordings it thereby links)
    /// and keeps the voicemail row; answers the ticket with its PIN and the voicemail id.
    pub fn leave_message(
        &self,
        m: &NewMessage,
        pin: Pin,
        tz: &TimeZone,
        now: Timestamp,
    ) -> Result<(FiledTicket, i64), RecordError> {
        let draft = TicketDraft {
            profile: m.profile.clone(),
            ticket_type: m.kind.ticket_type(),
            channel: Channel::Voicemail,
            category: m.category.clone(),
            urgency: Urgency::Normal,
            limit: m.limit,
            subject: format!("{} {}", m.kind.subject(), m.caller)
                .trim()
                .to_owned(),
            description: description(m),
            address: String::new(),
            region: String::new(),
            caller_id: None,
            caller_number: m.caller.clone(),
            call_id: Some(m.call_id.clone()),
        };
        let actor = Actor::centre(IVR_USER, Role::Agent);
        let filed = self.create_ticket(&draft, &actor, pin, tz, now)?;
        let conn = self.conn();
        conn.execute(
            "INSERT INTO voicemails (call_id, kind, caller, callback, reply_wanted, ticket_id,
                 recordings, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                m.call_id,
                m.kind.as_str(),
                m.caller,
                m.callback,
                m.reply_wanted,
                filed.ticket.id,
                recordings_json(m),
                now.as_millisecond(),
            ],
        )?;
        let id = conn.last_insert_rowid();
        Ok((filed, id))
    }

    /// The ticket and its department if the PIN matches; `None` for an unknown number or a
    /// wrong PIN alike.
    pub fn status_for_citizen(
        &self,
        number: &str,
        pin: &str,
    ) -> Result<Option<StatusAnswer>, RecordError> {
        let Some(ticket) = self.ticket_for_citizen(number, pin)? else {
            return Ok(None);
        };
        let department = match ticket.lead_department_id {
            Some(id) => self
                .conn()
                .query_row("SELECT name FROM departments WHERE id = ?1", [id], |r| {
                    r.get::<_, String>(0)
                })
                .optional()?
                .map(|name| (id, name)),
            None => None,
        };
        Ok(Some(StatusAnswer { ticket, department }))
    }

    /// Wrong PINs since `since_ms` for this ticket number and from this caller.
    pub fn pin_failures_since(
        &self,
        number: &str,
        caller: &str,
        since_ms: i64,
    ) -> Result<(u32, u32), RecordError> {
        let conn = self.conn();
        let by_number: i64 = conn.query_row(
            "SELECT COUNT(*) FROM pin_failures WHERE number = ?1 AND at >= ?2",
            params![number, since_ms],
            |r| r.get(0),
        )?;
        let by_caller: i64 = if caller.is_empty() {
            0
        } else {
            conn.query_row(
                "SELECT COUNT(*) FROM pin_failures WHERE caller = ?1 AND at >= ?2",
                params![caller, since_ms],
                |r| r.get(0),
            )?
        };
        Ok((count(by_number), count(by_caller)))
    }

    pub fn record_pin_failure(
        &self,
        number: &str,
        caller: &str,
        call_id: &str,
        at_ms: i64,
    ) -> Result<(), RecordError> {
        self.conn().execute(
            "INSERT INTO pin_failures (number, caller, call_id, at) VALUES (?1, ?2, ?3, ?4)",
            params![number, caller, call_id, at_ms],
        )?;
        Ok(())
    }

    /// Stores the rating on the call and the agent, and on the ticket filed from the call (the
    /// latest one linked), which it answers.
    pub fn record_survey(
        &self,
        call_id: &str,
        agent: &str,
        rating: Rating,
        at_ms: i64,
    ) -> Result<Option<i64>, RecordError> {
        let conn = self.conn();
        let ticket: Option<i64> = conn
            .query_row(
                "SELECT ticket_id FROM ticket_calls WHERE call_id = ?1
                 ORDER BY linked_at DESC LIMIT 1",
                [call_id],
                |r| r.get(0),
            )
            .optional()?;
        conn.execute(
            "INSERT INTO call_surveys (call_id, agent, rating, ticket_id, at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![call_id, agent, rating.as_str(), ticket, at_ms],
        )?;
        Ok(ticket)
    }

    /// Ratings in `[from_ms, to_ms)`, of one agent or of everyone.
    pub fn survey_counts(
        &self,
        agent: Option<&str>,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<SurveyCounts, RecordError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT rating, COUNT(*) FROM call_surveys
             WHERE at >= ?1 AND at < ?2 AND (?3 IS NULL OR agent = ?3)
             GROUP BY rating",
        )?;
        let rows = stmt.query_map(params![from_ms, to_ms, agent], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?;
        let mut counts = SurveyCounts::default();
        for row in rows {
            let (rating, n) = row?;
            let slot = match rating.as_str() {
                "satisfied" => &mut counts.satisfied,
                "ok" => &mut counts.ok,
                "unsatisfied" => &mut counts.unsatisfied,
                _ => &mut counts.complaint,
            };
            *slot = count(n);
        }
        Ok(counts)
    }

    pub fn record_poll_answer(
        &self,
        poll: &str,
        question: &str,
        answer: &str,
        call_id: &str,
        caller: &str,
        at_ms: i64,
    ) -> Result<(), RecordError> {
        if poll.is_empty() || question.is_empty() || answer.is_empty() {
            return Err(RecordError::Invalid(
                "a poll answer needs a poll, a question and an answer".into(),
            ));
        }
        self.conn().execute(
            "INSERT INTO poll_answers (poll, question, answer, call_id, caller, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![poll, question, answer, call_id, caller, at_ms],
        )?;
        Ok(())
    }

    /// Every answer of a poll counted, by question then answer.
    pub fn poll_results(&self, poll: &str) -> Result<Vec<PollCount>, RecordError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT question, answer, COUNT(*) FROM poll_answers WHERE poll = ?1
             GROUP BY question, answer ORDER BY question, answer",
        )?;
        let rows = stmt.query_map([poll], |r| {
            Ok(PollCount {
                question: r.get(0)?,
                answer: r.get(1)?,
                count: count(r.get(2)?),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("tmp");
        let store = Store::open(&dir.path().join("t.db")).expect("open");
        (dir, store)
    }

    fn message(kind: MessageKind) -> NewMessage {
        NewMessage {
            profile: "12365".into(),
            kind,
            call_id: "call-1".into(),
            caller: "13800138000".into(),
            callback: "02012345678".into(),
            reply_wanted: true,
            recordings: vec![("message".into(), "/rec/a.wav".into())],
            category: "other".into(),
            limit: TimeLimit::Days(15),
        }
    }

    #[test]
    fn a_message_becomes_a_ticket_linked_to_its_call() {
        let (_dir, store) = store();
        let now: Timestamp = "2026-11-23T02:00:00Z".parse().expect("ts");
        let tz = TimeZone::get("Asia/Shanghai").expect("tz");
        let (filed, vm) = store
            .leave_message(
                &message(MessageKind::DirectorMail),
                Pin::from_random(4217),
                &tz,
                now,
            )
            .expect("filed");
        assert!(vm > 0);
        assert_eq!(filed.ticket.number, "12365-20261123-000001");
        assert_eq!(filed.ticket.state.ticket_type, TicketType::DirectorMail);
        assert!(filed.ticket.description.contains("02012345678"));
        assert_eq!(
            store.ticket_calls(filed.ticket.id).expect("calls"),
            ["call-1"]
        );
        let answer = store
            .status_for_citizen("12365-20261123-000001", "004217")
            .expect("query")
            .expect("found");
        assert_eq!(answer.ticket.id, filed.ticket.id);
        assert!(answer.department.is_none());
        assert!(
            store
                .status_for_citizen("12365-20261123-000001", "004218")
                .expect("query")
                .is_none()
        );
    }

    #[test]
    fn ratings_land_on_call_agent_and_ticket() {
        let (_dir, store) = store();
        let now: Timestamp = "2026-11-23T02:00:00Z".parse().expect("ts");
        let tz = TimeZone::get("Asia/Shanghai").expect("tz");
        let (filed, _) = store
            .leave_message(
                &message(MessageKind::Voicemail),
                Pin::from_random(1),
                &tz,
                now,
            )
            .expect("filed");
        let t = store
            .record_survey("call-1", "agent7", Rating::Satisfied, 10)
            .expect("survey");
        assert_eq!(t, Some(filed.ticket.id));
        assert_eq!(
            store
                .record_survey("call-2", "agent7", Rating::Complaint, 20)
                .expect("survey"),
            None
        );
        let mine = store.survey_counts(Some("agent7"), 0, 100).expect("counts");
        assert_eq!((mine.satisfied, mine.complaint, mine.total()), (1, 1, 2));
        assert_eq!(
            store
                .survey_counts(Some("other"), 0, 100)
                .expect("c")
                .total(),
            0
        );
        assert_eq!(Rating::from_digit("3"), Some(Rating::Unsatisfied));
        assert_eq!(Rating::from_digit("9"), None);
    }

    #[test]
    fn polls_and_pin_failures() {
        let (_dir, store) = store();
        for a in ["1", "1", "2"] {
            store
                .record_poll_answer("city", "q1", a, "c", "138", 5)
                .expect("answer");
        }
        store
            .record_poll_answer("city", "q2", "1", "c", "138", 5)
            .expect("answer");
        assert!(
            store
                .record_poll_answer("city", "", "1", "c", "", 5)
                .is_err()
        );
        let counts: Vec<_> = store
            .poll_results("city")
            .expect("results")
            .into_iter()
            .map(|c| (c.question, c.answer, c.count))
            .collect();
        assert_eq!(
            counts,
            [
                ("q1".into(), "1".into(), 2),
                ("q1".into(), "2".into(), 1),
                ("q2".into(), "1".into(), 1)
            ]
        );
        store
            .record_pin_failure("n1", "138", "c", 100)
            .expect("log");
        store
            .record_pin_failure("n1", "139", "c", 200)
            .expect("log");
        assert_eq!(
            store.pin_failures_since("n1", "138", 50).expect("n"),
            (2, 1)
        );
        assert_eq!(
            store.pin_failures_since("n1", "138", 150).expect("n"),
            (1, 0)
        );
    }
}

//! SQL for the voicemail inbox (C3): messages left in the IVR (rows written by
//! `self_service`), listed and read at the workstations, heard, handled and tied to a ticket.

use std::fmt::Write as _;

use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;

use super::{RecordError, Store};

/// Statuses a message goes through: left, listened to, handled by the centre.
pub const VOICEMAIL_STATUSES: [&str; 3] = ["new", "heard", "answered"];

/// One recording of a message (a guided complaint has several parts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VoicemailPart {
    pub label: String,
    /// The WAV file on the server; not shown to clients.
    #[serde(skip)]
    pub path: String,
}

/// A message as the inbox shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VoicemailRow {
    pub id: i64,
    pub call_id: String,
    /// `voicemail`, `director_mail` or `complaint`.
    pub kind: String,
    pub caller: String,
    /// The number to call back: the one keyed in, else the caller's.
    pub callback: String,
    pub reply_wanted: bool,
    pub ticket_id: Option<i64>,
    pub ticket_number: Option<String>,
    pub parts: Vec<VoicemailPart>,
    /// `new`, `heard` or `answered` (handled).
    pub status: String,
    pub at_ms: i64,
    pub heard_by: String,
    pub heard_at_ms: Option<i64>,
    pub handled_by: String,
    pub handled_at_ms: Option<i64>,
}

/// Which messages to list; `None` is any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VoicemailQuery {
    pub statuses: Vec<String>,
    pub kind: Option<String>,
    pub limit: usize,
    pub offset: usize,
}

const COLUMNS: &str = "v.id, v.call_id, v.kind, v.caller, v.callback, v.reply_wanted,
     v.ticket_id, t.number, v.recordings, v.status, v.at, v.heard_by, v.heard_at,
     v.handled_by, v.handled_at";

fn row(r: &Row<'_>) -> rusqlite::Result<VoicemailRow> {
    let caller: String = r.get(3)?;
    let callback: String = r.get(4)?;
    let recordings: String = r.get(8)?;
    Ok(VoicemailRow {
        id: r.get(0)?,
        call_id: r.get(1)?,
        kind: r.get(2)?,
        callback: if callback.is_empty() {
            caller.clone()
        } else {
            callback
        },
        caller,
        reply_wanted: r.get(5)?,
        ticket_id: r.get(6)?,
        ticket_number: r.get(7)?,
        parts: parts(&recordings),
        status: r.get(9)?,
        at_ms: r.get(10)?,
        heard_by: r.get(11)?,
        heard_at_ms: r.get(12)?,
        handled_by: r.get(13)?,
        handled_at_ms: r.get(14)?,
    })
}

/// The recordings JSON (`[{"label", "path"}]`); entries without a path are left out.
fn parts(json: &str) -> Vec<VoicemailPart> {
    let list: Vec<serde_json::Value> = serde_json::from_str(json).unwrap_or_default();
    list.iter()
        .filter_map(|v| {
            let path = v["path"].as_str().filter(|p| !p.is_empty())?;
            Some(VoicemailPart {
                label: v["label"].as_str().unwrap_or("").to_owned(),
                path: path.to_owned(),
            })
        })
        .collect()
}

impl Store {
    /// Messages newest first, with how many match in all (for paging).
    pub fn voicemails(&self, q: &VoicemailQuery) -> Result<(Vec<VoicemailRow>, u64), RecordError> {
        let mut filter = String::from("1 = 1");
        let mut args: Vec<String> = Vec::new();
        if !q.statuses.is_empty() {
            let marks: Vec<String> = q
                .statuses
                .iter()
                .map(|s| {
                    args.push(s.clone());
                    format!("?{}", args.len())
                })
                .collect();
            let _ = write!(filter, " AND v.status IN ({})", marks.join(", "));
        }
        if let Some(kind) = &q.kind {
            args.push(kind.clone());
            let _ = write!(filter, " AND v.kind = ?{}", args.len());
        }
        let conn = self.conn();
        let total: i64 = conn.query_row(
            &format!("SELECT COUNT(*) FROM voicemails v WHERE {filter}"),
            rusqlite::params_from_iter(&args),
            |r| r.get(0),
        )?;
        let limit = i64::try_from(q.limit).unwrap_or(i64::MAX);
        let offset = i64::try_from(q.offset).unwrap_or(i64::MAX);
        let sql = format!(
            "SELECT {COLUMNS} FROM voicemails v LEFT JOIN tickets t ON t.id = v.ticket_id
             WHERE {filter} ORDER BY v.at DESC, v.id DESC LIMIT {limit} OFFSET {offset}"
        );
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(&args), row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok((rows, u64::try_from(total).unwrap_or(0)))
    }

    pub fn voicemail(&self, id: i64) -> Result<Option<VoicemailRow>, RecordError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM voicemails v LEFT JOIN tickets t ON t.id = v.ticket_id
             WHERE v.id = ?1"
        );
        Ok(self.conn().query_row(&sql, [id], row).optional()?)
    }

    /// The first listen: `new` becomes `heard`; later listens change nothing. False when
    /// there is no such message.
    pub fn mark_voicemail_heard(
        &self,
        id: i64,
        user: &str,
        now_ms: i64,
    ) -> Result<bool, RecordError> {
        let conn = self.conn();
        conn.execute(
            "UPDATE voicemails SET status = 'heard', heard_by = ?2, heard_at = ?3
             WHERE id = ?1 AND status = 'new'",
            params![id, user, now_ms],
        )?;
        let exists: Option<i64> = conn
            .query_row("SELECT id FROM voicemails WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(exists.is_some())
    }

    /// Marks the message handled (status `answered`) by `user`. Handling twice keeps the
    /// first who and when; answers whether it was newly handled, or `NotFound`.
    pub fn mark_voicemail_handled(
        &self,
        id: i64,
        user: &str,
        now_ms: i64,
    ) -> Result<bool, RecordError> {
        let conn = self.conn();
        let n = conn.execute(
            "UPDATE voicemails SET status = 'answered', handled_by = ?2, handled_at = ?3
             WHERE id = ?1 AND status <> 'answered'",
            params![id, user, now_ms],
        )?;
        if n == 0 {
            let exists: Option<i64> = conn
                .query_row("SELECT id FROM voicemails WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .optional()?;
            if exists.is_none() {
                return Err(RecordError::not_found("voicemail", id));
            }
        }
        Ok(n == 1)
    }

    /// Ties the message to a ticket (one made for it, or an existing one it belongs to);
    /// the ticket also gets the message's call, and through it the recording.
    pub fn set_voicemail_ticket(
        &self,
        id: i64,
        ticket_id: i64,
        now_ms: i64,
    ) -> Result<(), RecordError> {
        let call_id: String = self
            .conn()
            .query_row("SELECT call_id FROM voicemails WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?
            .ok_or_else(|| RecordError::not_found("voicemail", id))?;
        if self.ticket(ticket_id)?.is_none() {
            return Err(RecordError::not_found("ticket", ticket_id));
        }
        self.conn().execute(
            "UPDATE voicemails SET ticket_id = ?2 WHERE id = ?1",
            params![id, ticket_id],
        )?;
        self.link_call(ticket_id, &call_id, now_ms)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_skip_entries_without_a_file() {
        let p = parts(r#"[{"label":"who","path":"/r/1.wav"},{"label":"x"},{"path":"/r/2.wav"}]"#);
        assert_eq!(p.len(), 2);
        assert_eq!(
            (p[0].label.as_str(), p[0].path.as_str()),
            ("who", "/r/1.wav")
        );
        assert_eq!(p[1].label, "");
        assert!(parts("not json").is_empty());
    }
}

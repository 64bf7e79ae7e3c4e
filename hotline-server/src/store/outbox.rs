//! SQL for the notification outbox (G1, G2): queued SMS and e-mails with their tries and final
//! state, department contacts, and templates edited in the database.

use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;

use super::{RecordError, Store};

/// What the body shows in place of the secret once it is stored or listed.
pub const SECRET_MARK: &str = "{pin}";

/// A notification to queue.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewNotification {
    /// `sms` or `email`.
    pub channel: String,
    pub event: String,
    pub language: String,
    pub recipient: String,
    pub subject: String,
    /// May contain [`SECRET_MARK`], replaced by `secret` only when sending.
    pub body: String,
    pub html: String,
    /// JSON array of files as sent (`notify::email::TextAttachment`): `{"kind": "letter" |
    /// "knowledge", "id": n, "name", "content_type", "text"}`.
    pub attachments: serde_json::Value,
    pub secret: Option<String>,
    pub ticket_id: Option<i64>,
}

/// A row of `outbox`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxRow {
    pub id: i64,
    pub channel: String,
    pub event: String,
    pub language: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub html: String,
    pub attachments: serde_json::Value,
    /// Never serialised: the API shows the body with the mark.
    #[serde(skip)]
    pub secret: Option<String>,
    pub ticket_id: Option<i64>,
    /// `pending`, `sent`, `delivered` or `failed`.
    pub status: String,
    pub attempts: u32,
    pub next_at_ms: i64,
    pub last_error: String,
    pub provider_id: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub sent_at_ms: Option<i64>,
}

impl OutboxRow {
    /// The body as it is sent, with the secret in place.
    pub fn body_to_send(&self) -> String {
        match &self.secret {
            Some(s) => self.body.replace(SECRET_MARK, s),
            None => self.body.clone(),
        }
    }
}

/// Where a department's notices go.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DepartmentContact {
    pub department_id: i64,
    pub email: String,
    pub sms: String,
    pub language: String,
}

/// A template row of `notify_templates`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TemplateRow {
    pub event: String,
    pub language: String,
    pub sms: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

const COLUMNS: &str = "id, channel, event, language, recipient, subject, body, html, attachments, \
                       secret, ticket_id, status, attempts, next_at, last_error, provider_id, \
                       created_at, updated_at, sent_at";

fn outbox_row(r: &Row<'_>) -> rusqlite::Result<OutboxRow> {
    let attachments: String = r.get(8)?;
    Ok(OutboxRow {
        id: r.get(0)?,
        channel: r.get(1)?,
        event: r.get(2)?,
        language: r.get(3)?,
        recipient: r.get(4)?,
        subject: r.get(5)?,
        body: r.get(6)?,
        html: r.get(7)?,
        attachments: serde_json::from_str(&attachments).unwrap_or(serde_json::Value::Null),
        secret: r.get(9)?,
        ticket_id: r.get(10)?,
        status: r.get(11)?,
        attempts: r.get(12)?,
        next_at_ms: r.get(13)?,
        last_error: r.get(14)?,
        provider_id: r.get(15)?,
        created_at_ms: r.get(16)?,
        updated_at_ms: r.get(17)?,
        sent_at_ms: r.get(18)?,
    })
}

impl Store {
    /// Queues a notification, due at once. Returns its id.
    pub fn enqueue_notification(
        &self,
        n: &NewNotification,
        now_ms: i64,
    ) -> Result<i64, RecordError> {
        if !matches!(n.channel.as_str(), "sms" | "email") {
            return Err(RecordError::Invalid(format!(
                "unknown channel \"{}\"",
                n.channel
            )));
        }
        if n.recipient.trim().is_empty() {
            return Err(RecordError::Invalid("no recipient".into()));
        }
        let attachments = if n.attachments.is_null() {
            "[]".to_owned()
        } else {
            n.attachments.to_string()
        };
        let conn = self.conn();
        conn.execute(
            "INSERT INTO outbox (channel, event, language, recipient, subject, body, html,
                 attachments, secret, ticket_id, next_at, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?11)",
            params![
                n.channel,
                n.event,
                n.language,
                n.recipient.trim(),
                n.subject,
                n.body,
                n.html,
                attachments,
                n.secret,
                n.ticket_id,
                now_ms
            ],
        )?;
        Ok(conn.last_insert_rowid())
    }

    /// Pending notifications due at `now_ms`, oldest due first.
    pub fn due_notifications(
        &self,
        now_ms: i64,
        limit: usize,
    ) -> Result<Vec<OutboxRow>, RecordError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM outbox WHERE status = 'pending' AND next_at <= ?1
             ORDER BY next_at, id LIMIT ?2"
        ))?;
        let rows = stmt.query_map(params![now_ms, limit as i64], outbox_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn notification(&self, id: i64) -> Result<Option<OutboxRow>, RecordError> {
        let conn = self.conn();
        let sql = format!("SELECT {COLUMNS} FROM outbox WHERE id = ?1");
        Ok(conn.query_row(&sql, [id], outbox_row).optional()?)
    }

    /// A ticket's notifications, oldest first: what was sent to whom and how it ended.
    pub fn ticket_notifications(&self, ticket_id: i64) -> Result<Vec<OutboxRow>, RecordError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM outbox WHERE ticket_id = ?1 ORDER BY id"
        ))?;
        let rows = stmt.query_map([ticket_id], outbox_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// When SMS went to `recipient` since `since_ms` (the per-number limit).
    pub fn sms_sent_since(&self, recipient: &str, since_ms: i64) -> Result<Vec<i64>, RecordError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT sent_at FROM outbox
             WHERE channel = 'sms' AND recipient = ?1 AND sent_at > ?2",
        )?;
        let rows = stmt.query_map(params![recipient, since_ms], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The gateway or server took it: final unless a delivery report follows. The secret is
    /// erased.
    pub fn mark_notification_sent(
        &self,
        id: i64,
        provider_id: &str,
        now_ms: i64,
    ) -> Result<(), RecordError> {
        self.conn().execute(
            "UPDATE outbox SET status = 'sent', attempts = attempts + 1, provider_id = ?2,
                 last_error = '', secret = NULL, sent_at = ?3, updated_at = ?3
             WHERE id = ?1",
            params![id, provider_id, now_ms],
        )?;
        Ok(())
    }

    /// A failed try: again at `retry_at_ms`, or failed for good with `None`.
    pub fn mark_notification_failed(
        &self,
        id: i64,
        error: &str,
        retry_at_ms: Option<i64>,
        now_ms: i64,
    ) -> Result<(), RecordError> {
        let conn = self.conn();
        match retry_at_ms {
            Some(at) => conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_at = ?3,
                     updated_at = ?4
                 WHERE id = ?1",
                params![id, error, at, now_ms],
            )?,
            None => conn.execute(
                "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ?2,
                     secret = NULL, updated_at = ?3
                 WHERE id = ?1",
                params![id, error, now_ms],
            )?,
        };
        Ok(())
    }

    /// Not tried now (the per-number limit): due again at `at_ms`, no attempt counted.
    pub fn postpone_notification(
        &self,
        id: i64,
        at_ms: i64,
        why: &str,
        now_ms: i64,
    ) -> Result<(), RecordError> {
        self.conn().execute(
            "UPDATE outbox SET next_at = ?2, last_error = ?3, updated_at = ?4 WHERE id = ?1",
            params![id, at_ms, why, now_ms],
        )?;
        Ok(())
    }

    /// A gateway's delivery report for its message id. False when no such message was sent.
    pub fn mark_notification_delivered(
        &self,
        provider_id: &str,
        delivered: bool,
        detail: &str,
        now_ms: i64,
    ) -> Result<bool, RecordError> {
        let status = if delivered { "delivered" } else { "failed" };
        let n = self.conn().execute(
            "UPDATE outbox SET status = ?2, last_error = ?3, updated_at = ?4
             WHERE provider_id = ?1 AND provider_id != '' AND status IN ('sent', 'delivered')",
            params![provider_id, status, detail, now_ms],
        )?;
        Ok(n > 0)
    }

    /// The latest notification sent to `recipient` about a ticket since `since_ms`: the
    /// ticket a reply from that address belongs to.
    pub fn last_ticket_notified(
        &self,
        channel: &str,
        recipient: &str,
        since_ms: i64,
    ) -> Result<Option<i64>, RecordError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT ticket_id FROM outbox
                 WHERE channel = ?1 AND recipient = ?2 AND ticket_id IS NOT NULL
                   AND created_at > ?3
                 ORDER BY id DESC LIMIT 1",
                params![channel, recipient, since_ms],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn department_contact(
        &self,
        department_id: i64,
    ) -> Result<Option<DepartmentContact>, RecordError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT department_id, email, sms, language FROM department_contacts
                 WHERE department_id = ?1",
                [department_id],
                |r| {
                    Ok(DepartmentContact {
                        department_id: r.get(0)?,
                        email: r.get(1)?,
                        sms: r.get(2)?,
                        language: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    pub fn set_department_contact(&self, c: &DepartmentContact) -> Result<(), RecordError> {
        let conn = self.conn();
        let known = conn
            .query_row(
                "SELECT 1 FROM departments WHERE id = ?1",
                [c.department_id],
                |_| Ok(()),
            )
            .optional()?;
        if known.is_none() {
            return Err(RecordError::not_found("department", c.department_id));
        }
        conn.execute(
            "INSERT INTO department_contacts (department_id, email, sms, language)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (department_id) DO UPDATE
                 SET email = excluded.email, sms = excluded.sms, language = excluded.language",
            params![c.department_id, c.email.trim(), c.sms.trim(), c.language],
        )?;
        Ok(())
    }

    /// Templates edited in the database.
    pub fn notify_templates(&self) -> Result<Vec<TemplateRow>, RecordError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT event, language, sms, subject, text, html FROM notify_templates
             ORDER BY event, language",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(TemplateRow {
                event: r.get(0)?,
                language: r.get(1)?,
                sms: r.get(2)?,
                subject: r.get(3)?,
                text: r.get(4)?,
                html: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn put_notify_template(&self, t: &TemplateRow, now_ms: i64) -> Result<(), RecordError> {
        self.conn().execute(
            "INSERT INTO notify_templates (event, language, sms, subject, text, html, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (event, language) DO UPDATE
                 SET sms = excluded.sms, subject = excluded.subject, text = excluded.text,
                     html = excluded.html, updated_at = excluded.updated_at",
            params![
                t.event, t.language, t.sms, t.subject, t.text, t.html, now_ms
            ],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).unwrap();
        (dir, store)
    }

    fn sms(to: &str) -> NewNotification {
        NewNotification {
            channel: "sms".into(),
            event: "received".into(),
            language: "zh".into(),
            recipient: to.into(),
            body: format!("PIN {SECRET_MARK}"),
            secret: Some("4321".into()),
            ..NewNotification::default()
        }
    }

    #[test]
    fn a_notification_goes_from_pending_through_retries_to_sent() {
        let (_d, s) = store();
        let id = s.enqueue_notification(&sms("13800000001"), 100).unwrap();
        let due = s.due_notifications(100, 10).unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].body_to_send(), "PIN 4321");
        s.mark_notification_failed(id, "503", Some(200), 100)
            .unwrap();
        assert!(s.due_notifications(150, 10).unwrap().is_empty());
        assert_eq!(s.due_notifications(200, 10).unwrap()[0].attempts, 1);
        s.mark_notification_sent(id, "gw-1", 200).unwrap();
        let row = s.notification(id).unwrap().unwrap();
        assert_eq!((row.status.as_str(), row.attempts), ("sent", 2));
        assert_eq!(row.secret, None, "the PIN is erased once sent");
        assert_eq!(s.sms_sent_since("13800000001", 0).unwrap(), vec![200]);
        assert!(
            s.mark_notification_delivered("gw-1", true, "", 300)
                .unwrap()
        );
        assert!(
            !s.mark_notification_delivered("gw-2", true, "", 300)
                .unwrap()
        );
        assert_eq!(s.notification(id).unwrap().unwrap().status, "delivered");
    }

    #[test]
    fn giving_up_is_final_and_bad_rows_are_refused() {
        let (_d, s) = store();
        let id = s.enqueue_notification(&sms("1"), 0).unwrap();
        s.mark_notification_failed(id, "boom", None, 5).unwrap();
        assert!(s.due_notifications(i64::MAX, 10).unwrap().is_empty());
        assert_eq!(s.notification(id).unwrap().unwrap().status, "failed");
        let mut bad = sms("");
        assert!(s.enqueue_notification(&bad, 0).is_err());
        bad.recipient = "1".into();
        bad.channel = "fax".into();
        assert!(s.enqueue_notification(&bad, 0).is_err());
    }
}

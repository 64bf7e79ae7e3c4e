//! SQL for messages from citizens (G3): each SMS or e-mail received, once, with the ticket it
//! filed or was attached to.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{RecordError, Store};

/// A message as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInbound {
    /// `sms` or `email`.
    pub channel: String,
    /// The gateway's message id or the e-mail's Message-ID: a redelivery is recognised.
    pub external_id: String,
    pub sender: String,
    pub subject: String,
    pub body: String,
    pub received_at_ms: i64,
}

/// A stored message and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InboundRow {
    pub id: i64,
    pub channel: String,
    pub sender: String,
    pub subject: String,
    pub body: String,
    pub ticket_id: Option<i64>,
    /// `filed` (a new ticket) or `attached` (a reply to the ticket).
    pub outcome: String,
    pub received_at_ms: i64,
}

impl Store {
    /// The ticket and outcome of a message already received, if it was.
    pub fn inbound_seen(
        &self,
        channel: &str,
        external_id: &str,
    ) -> Result<Option<(Option<i64>, String)>, RecordError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT ticket_id, outcome FROM inbound_messages
                 WHERE channel = ?1 AND external_id = ?2",
                params![channel, external_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// Records a message with the ticket it filed or joined. A redelivered one is ignored
    /// (false).
    pub fn record_inbound(
        &self,
        m: &NewInbound,
        ticket_id: i64,
        outcome: &str,
    ) -> Result<bool, RecordError> {
        let n = self.conn().execute(
            "INSERT OR IGNORE INTO inbound_messages
                 (channel, external_id, sender, subject, body, ticket_id, outcome, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                m.channel,
                m.external_id,
                m.sender,
                m.subject,
                m.body,
                ticket_id,
                outcome,
                m.received_at_ms
            ],
        )?;
        Ok(n == 1)
    }

    /// Messages received about a ticket, oldest first.
    pub fn ticket_messages(&self, ticket_id: i64) -> Result<Vec<InboundRow>, RecordError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id, channel, sender, subject, body, ticket_id, outcome, received_at
             FROM inbound_messages WHERE ticket_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([ticket_id], |r| {
            Ok(InboundRow {
                id: r.get(0)?,
                channel: r.get(1)?,
                sender: r.get(2)?,
                subject: r.get(3)?,
                body: r.get(4)?,
                ticket_id: r.get(5)?,
                outcome: r.get(6)?,
                received_at_ms: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

impl Store {
    /// The caller whose record has this e-mail address (`custom.email`), for mail received.
    pub fn caller_id_by_email(&self, email: &str) -> Result<Option<i64>, RecordError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT id FROM callers
                 WHERE lower(json_extract(custom, '$.email')) = lower(?1)
                 ORDER BY updated_at DESC LIMIT 1",
                [email.trim()],
                |r| r.get(0),
            )
            .optional()?)
    }
}

//! SQL for links between tickets (关联工单): chosen while a ticket is entered, shown with
//! either ticket.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{RecordError, Store};

/// A ticket linked to the one being read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TicketLink {
    pub id: i64,
    pub number: String,
    pub subject: String,
    pub status: String,
    pub linked_by: String,
    pub linked_at_ms: i64,
}

impl Store {
    /// The ids of tickets given by id (`"17"`) or number (`"12345-20261122-000017"`), in
    /// order, without repeats; an unknown one is `NotFound`.
    pub fn resolve_tickets(&self, refs: &[String]) -> Result<Vec<i64>, RecordError> {
        let conn = self.conn();
        let mut ids = Vec::with_capacity(refs.len());
        for r in refs {
            let r = r.trim();
            let found: Option<i64> = conn
                .query_row(
                    "SELECT id FROM tickets WHERE number = ?1 OR CAST(id AS TEXT) = ?1",
                    [r],
                    |row| row.get(0),
                )
                .optional()?;
            let id = found.ok_or_else(|| RecordError::not_found("ticket", r))?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        Ok(ids)
    }

    /// Links `ticket_id` to each of `related` (itself is skipped; a link made twice stays one).
    pub fn link_tickets(
        &self,
        ticket_id: i64,
        related: &[i64],
        user: &str,
        now_ms: i64,
    ) -> Result<(), RecordError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for r in related.iter().filter(|r| **r != ticket_id) {
            tx.execute(
                "INSERT OR IGNORE INTO ticket_links (ticket_id, related_id, linked_by, linked_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![ticket_id, r, user, now_ms],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Tickets linked to `ticket_id`, either way, oldest link first.
    pub fn ticket_links(&self, ticket_id: i64) -> Result<Vec<TicketLink>, RecordError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT t.id, t.number, t.subject, t.status, l.linked_by, l.linked_at
             FROM ticket_links l
             JOIN tickets t ON t.id = CASE WHEN l.ticket_id = ?1 THEN l.related_id
                                           ELSE l.ticket_id END
             WHERE l.ticket_id = ?1 OR l.related_id = ?1
             ORDER BY l.linked_at, t.id",
        )?;
        let rows = stmt
            .query_map([ticket_id], |r| {
                Ok(TicketLink {
                    id: r.get(0)?,
                    number: r.get(1)?,
                    subject: r.get(2)?,
                    status: r.get(3)?,
                    linked_by: r.get(4)?,
                    linked_at_ms: r.get(5)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}

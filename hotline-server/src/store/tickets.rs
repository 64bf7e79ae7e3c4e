//! SQL for tickets (工单): filing with a daily number and a hashed PIN, workflow transitions
//! with their history rows, linked calls. Each write is one transaction, so a ticket and its
//! history row land together or not at all.
//!
//! The workflow rules are not here: [`Store::apply_transition`] loads the state, asks
//! [`crate::tickets::workflow::apply`] and writes what it answers.

mod error;
mod reminders;
mod search;
mod state_doc;

use std::fmt::Write as _;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

pub use error::RecordError;
pub(crate) use search::{FtsPlan, like_pattern};
pub use search::{TicketFilter, TicketHit};
pub use state_doc::TicketStateDoc;

use super::Store;
use crate::tickets::{
    Actor, Channel, DeptId, Effect, HistoryEntry, NewTicket, Pin, Status, TicketNumber,
    TicketState, TicketType, TimeLimit, Urgency, WorkflowAction, can_see, workflow,
};

/// What an agent enters when filing (受理). The time limit comes from
/// [`crate::tickets::Deadlines::limit_for`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketDraft {
    /// The hotline profile, the first part of the number (`12345`).
    pub profile: String,
    pub ticket_type: TicketType,
    pub channel: Channel,
    pub category: String,
    pub urgency: Urgency,
    pub limit: TimeLimit,
    pub subject: String,
    pub description: String,
    pub address: String,
    pub region: String,
    pub caller_id: Option<i64>,
    pub caller_number: String,
    /// The call the ticket was filed from, linked in the same transaction.
    pub call_id: Option<String>,
}

/// A stored ticket: its record columns and its workflow state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketRow {
    pub id: i64,
    pub number: String,
    pub subject: String,
    pub description: String,
    pub address: String,
    pub region: String,
    pub caller_id: Option<i64>,
    pub caller_number: String,
    pub lead_department_id: Option<i64>,
    pub co_handlers: Vec<i64>,
    pub supervised: bool,
    /// The latest 督办 instruction, "" for none.
    pub instruction: String,
    pub due_at_ms: Option<i64>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub created_by: String,
    /// Bumped by every transition; pass it back to [`Store::apply_transition`] to refuse a
    /// step taken on a stale view.
    pub version: i64,
    pub state: TicketState,
}

/// A filed ticket and the PIN to tell the citizen (shown once, stored only hashed).
#[derive(Debug, Clone)]
pub struct FiledTicket {
    pub ticket: TicketRow,
    pub pin: Pin,
}

/// The outcome of a transition: the ticket as now stored and the work left to the driver.
#[derive(Debug, Clone)]
pub struct AppliedTransition {
    pub ticket: TicketRow,
    pub effects: Vec<Effect>,
}

/// A row of `ticket_history`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryRow {
    pub id: i64,
    pub at_ms: i64,
    pub actor: String,
    pub role: String,
    pub department: Option<String>,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    /// `{"text": …, "step": the workflow action}`.
    pub note: serde_json::Value,
}

/// Computes a ticket's due time from its state (the deadline rules and holiday calendar);
/// `None` while no deadline clock runs.
pub type DueFn<'a> = &'a dyn Fn(&TicketState) -> Option<Timestamp>;

/// How a department id is spelt in the workflow ([`DeptId`]): the row id in decimal.
pub fn dept_id(id: i64) -> DeptId {
    DeptId::new(id.to_string())
}

/// The row id behind a [`DeptId`]; `None` if it is not one of ours.
pub fn dept_row_id(id: &DeptId) -> Option<i64> {
    id.as_str().parse().ok()
}

/// SHA-256 of number and PIN, hex. The number is salt enough: PINs are per ticket.
fn pin_hash(number: &str, pin: &Pin) -> String {
    let digest = Sha256::digest(format!("{number}:{pin}").as_bytes());
    digest.iter().fold(String::with_capacity(64), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    })
}

const COLUMNS: &str = "t.id, t.number, t.subject, t.description, t.address, t.region, \
                       t.caller_id, t.caller_number, t.lead_department_id, t.co_handlers, \
                       t.supervised, t.instruction, t.due_at, t.created_at, t.updated_at, \
                       t.created_by, t.version, t.state";

pub(crate) fn ticket_row(row: &Row<'_>) -> rusqlite::Result<TicketRow> {
    let conversion = |idx: usize, err: RecordError| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(err))
    };
    let co: String = row.get(9)?;
    let co_handlers = serde_json::from_str(&co)
        .map_err(|_| conversion(9, RecordError::bad_value("co_handlers", co)))?;
    let state: String = row.get(17)?;
    let state = serde_json::from_str::<TicketStateDoc>(&state)
        .map_err(|e| e.to_string())
        .and_then(TicketState::try_from)
        .map_err(|e| conversion(17, RecordError::bad_value("ticket state", e)))?;
    Ok(TicketRow {
        id: row.get(0)?,
        number: row.get(1)?,
        subject: row.get(2)?,
        description: row.get(3)?,
        address: row.get(4)?,
        region: row.get(5)?,
        caller_id: row.get(6)?,
        caller_number: row.get(7)?,
        lead_department_id: row.get(8)?,
        co_handlers,
        supervised: row.get(10)?,
        instruction: row.get(11)?,
        due_at_ms: row.get(12)?,
        created_at_ms: row.get(13)?,
        updated_at_ms: row.get(14)?,
        created_by: row.get(15)?,
        version: row.get(16)?,
        state,
    })
}

pub(in crate::store) fn ticket_by_id(
    conn: &Connection,
    id: i64,
) -> Result<Option<TicketRow>, RecordError> {
    let sql = format!("SELECT {COLUMNS} FROM tickets t WHERE t.id = ?1");
    Ok(conn.query_row(&sql, [id], ticket_row).optional()?)
}

/// The next number of the profile's local day; the row lock of the write transaction keeps
/// two filings from drawing the same one.
fn next_sequence(conn: &Connection, profile: &str, day: &str) -> Result<u32, RecordError> {
    let seq: i64 = conn.query_row(
        "INSERT INTO ticket_sequences (profile, day, last) VALUES (?1, ?2, 1)
         ON CONFLICT (profile, day) DO UPDATE SET last = last + 1
         RETURNING last",
        params![profile, day],
        |r| r.get(0),
    )?;
    u32::try_from(seq).map_err(|_| RecordError::Invalid(format!("daily sequence {seq} overflowed")))
}

fn department_exists(conn: &Connection, id: &DeptId) -> Result<bool, RecordError> {
    let Some(row_id) = dept_row_id(id) else {
        return Ok(false);
    };
    Ok(conn
        .query_row("SELECT 1 FROM departments WHERE id = ?1", [row_id], |_| {
            Ok(())
        })
        .optional()?
        .is_some())
}

fn history_note(entry: &HistoryEntry) -> String {
    serde_json::json!({ "text": entry.note, "step": entry.action }).to_string()
}

fn insert_history(
    conn: &Connection,
    ticket_id: i64,
    entry: &HistoryEntry,
) -> Result<(), RecordError> {
    conn.execute(
        "INSERT INTO ticket_history
             (ticket_id, at, actor, role, department, action, from_status, to_status, note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            ticket_id,
            entry.at.as_millisecond(),
            entry.user.as_str(),
            entry.role.as_str(),
            entry.department.as_ref().map(DeptId::as_str),
            entry.kind.as_str(),
            entry.from.map(Status::as_str),
            entry.to.as_str(),
            history_note(entry),
        ],
    )?;
    Ok(())
}

fn state_json(state: &TicketState) -> String {
    // A plain struct of strings and numbers: serialising cannot fail.
    serde_json::to_string(&TicketStateDoc::from(state)).unwrap_or_default()
}

fn co_handler_ids(state: &TicketState) -> Vec<i64> {
    state.co_handlers.iter().filter_map(dept_row_id).collect()
}

fn co_handlers_json(state: &TicketState) -> String {
    serde_json::Value::from(co_handler_ids(state)).to_string()
}

fn link_call_in(
    conn: &Connection,
    ticket_id: i64,
    call_id: &str,
    now_ms: i64,
) -> Result<bool, RecordError> {
    let n = conn.execute(
        "INSERT OR IGNORE INTO ticket_calls (ticket_id, call_id, linked_at) VALUES (?1, ?2, ?3)",
        params![ticket_id, call_id, now_ms],
    )?;
    Ok(n == 1)
}

impl Store {
    /// Files a ticket: draws its number, runs [`workflow::file`], stores the ticket, its first
    /// history row and the call link in one transaction. The PIN comes from the caller's
    /// random source; `tz` decides the local day in the number.
    pub fn create_ticket(
        &self,
        draft: &TicketDraft,
        actor: &Actor,
        pin: Pin,
        tz: &TimeZone,
        now: Timestamp,
    ) -> Result<FiledTicket, RecordError> {
        if draft.subject.trim().is_empty() {
            return Err(RecordError::Invalid("the subject is empty".to_owned()));
        }
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some(caller) = draft.caller_id {
            let known = tx
                .query_row("SELECT 1 FROM callers WHERE id = ?1", [caller], |_| Ok(()))
                .optional()?;
            if known.is_none() {
                return Err(RecordError::Invalid(format!("unknown caller {caller}")));
            }
        }
        let date = now.to_zoned_datetime(tz.clone()).date();
        let day = date.strftime("%Y%m%d").to_string();
        let sequence = next_sequence(&tx, &draft.profile, &day)?;
        let number = TicketNumber::new(&draft.profile, date, sequence)?.to_string();
        let filed = workflow::file(
            NewTicket {
                number: number.clone(),
                ticket_type: draft.ticket_type,
                channel: draft.channel,
                category: draft.category.clone(),
                urgency: draft.urgency,
                limit: draft.limit,
            },
            actor,
            now,
        )?;
        let now_ms = now.as_millisecond();
        tx.execute(
            "INSERT INTO tickets (number, pin_hash, type, channel, category, subject, description,
                 address, region, urgency, status, caller_id, caller_number, created_at,
                 updated_at, created_by, state)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14, ?15, ?16)",
            params![
                number,
                pin_hash(&number, &pin),
                draft.ticket_type.as_str(),
                draft.channel.as_str(),
                draft.category,
                draft.subject.trim(),
                draft.description,
                draft.address,
                draft.region,
                draft.urgency.as_str(),
                filed.state.status.as_str(),
                draft.caller_id,
                draft.caller_number,
                now_ms,
                actor.user.as_str(),
                state_json(&filed.state),
            ],
        )?;
        let id = tx.last_insert_rowid();
        insert_history(&tx, id, &filed.history)?;
        if let Some(call) = draft.call_id.as_deref().filter(|c| !c.is_empty()) {
            link_call_in(&tx, id, call, now_ms)?;
        }
        let ticket = ticket_by_id(&tx, id)?.ok_or_else(|| RecordError::not_found("ticket", id))?;
        tx.commit()?;
        Ok(FiledTicket { ticket, pin })
    }

    pub fn ticket(&self, id: i64) -> Result<Option<TicketRow>, RecordError> {
        ticket_by_id(&self.conn(), id)
    }

    pub fn ticket_by_number(&self, number: &str) -> Result<Option<TicketRow>, RecordError> {
        let sql = format!("SELECT {COLUMNS} FROM tickets t WHERE t.number = ?1");
        Ok(self
            .conn()
            .query_row(&sql, [number], ticket_row)
            .optional()?)
    }

    /// The citizen's status query: the ticket if the PIN matches, `None` otherwise (an unknown
    /// number and a wrong PIN look the same).
    pub fn ticket_for_citizen(
        &self,
        number: &str,
        pin: &str,
    ) -> Result<Option<TicketRow>, RecordError> {
        let Ok(pin) = pin.parse::<Pin>() else {
            return Ok(None);
        };
        let conn = self.conn();
        let stored: Option<(i64, String)> = conn
            .query_row(
                "SELECT id, pin_hash FROM tickets WHERE number = ?1",
                [number],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        match stored {
            Some((id, hash)) if hash == pin_hash(number, &pin) => ticket_by_id(&conn, id),
            _ => Ok(None),
        }
    }

    /// Takes one workflow step in one transaction: loads the state, checks that `actor` may
    /// see the ticket (a department that may not gets `NotFound`, not a hint that it exists),
    /// applies the rules, writes the new state and its history row. With `expected_version`
    /// the step is refused with `Conflict` if the ticket changed since the caller read it;
    /// without it, two concurrent steps still serialise on the write lock and the version.
    pub fn apply_transition(
        &self,
        id: i64,
        actor: &Actor,
        action: &WorkflowAction,
        now: Timestamp,
        expected_version: Option<i64>,
        due: DueFn<'_>,
    ) -> Result<AppliedTransition, RecordError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let applied = transition_in(&tx, id, actor, action, now, expected_version, due)?;
        tx.commit()?;
        Ok(applied)
    }

    /// The ticket's audit trail, oldest first.
    pub fn ticket_history(&self, ticket_id: i64) -> Result<Vec<HistoryRow>, RecordError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id, at, actor, role, department, action, from_status, to_status, note
             FROM ticket_history WHERE ticket_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([ticket_id], |r| {
            let note: String = r.get(8)?;
            Ok(HistoryRow {
                id: r.get(0)?,
                at_ms: r.get(1)?,
                actor: r.get(2)?,
                role: r.get(3)?,
                department: r.get(4)?,
                action: r.get(5)?,
                from_status: r.get(6)?,
                to_status: r.get(7)?,
                note: serde_json::from_str(&note).unwrap_or(serde_json::Value::Null),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Links a call to a ticket; false if it already was.
    pub fn link_call(
        &self,
        ticket_id: i64,
        call_id: &str,
        now_ms: i64,
    ) -> Result<bool, RecordError> {
        let conn = self.conn();
        if ticket_by_id(&conn, ticket_id)?.is_none() {
            return Err(RecordError::not_found("ticket", ticket_id));
        }
        link_call_in(&conn, ticket_id, call_id, now_ms)
    }

    /// Calls linked to a ticket, in the order they were linked.
    pub fn ticket_calls(&self, ticket_id: i64) -> Result<Vec<String>, RecordError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT call_id FROM ticket_calls WHERE ticket_id = ?1 ORDER BY linked_at, call_id",
        )?;
        let rows = stmt.query_map([ticket_id], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// One workflow step inside the caller's transaction (see [`Store::apply_transition`]), so a
/// step and the record that caused it commit together.
pub(in crate::store) fn transition_in(
    tx: &Connection,
    id: i64,
    actor: &Actor,
    action: &WorkflowAction,
    now: Timestamp,
    expected_version: Option<i64>,
    due: DueFn<'_>,
) -> Result<AppliedTransition, RecordError> {
    let before = ticket_by_id(tx, id)?
        .filter(|t| can_see(actor, &t.state))
        .ok_or_else(|| RecordError::not_found("ticket", id))?;
    if let Some(expected) = expected_version
        && expected != before.version
    {
        return Err(RecordError::Conflict(format!(
            "ticket {} changed since version {expected} (now {})",
            before.number, before.version
        )));
    }
    if let WorkflowAction::Dispatch {
        lead, co_handlers, ..
    } = action
    {
        for d in std::iter::once(lead).chain(co_handlers) {
            if !department_exists(tx, d)? {
                return Err(RecordError::Invalid(format!("unknown department {d}")));
            }
        }
    }
    let step = workflow::apply(&before.state, actor, action, now)?;
    let next = &step.state;
    let instruction = next.instructions.last().map_or("", |i| i.text.as_str());
    let due_at = due(next).map(Timestamp::as_millisecond);
    let changed = tx.execute(
        "UPDATE tickets SET status = ?1, lead_department_id = ?2, co_handlers = ?3,
             supervised = ?4, instruction = ?5, due_at = ?6, updated_at = ?7, state = ?8,
             version = version + 1
         WHERE id = ?9 AND version = ?10",
        params![
            next.status.as_str(),
            next.lead.as_ref().and_then(dept_row_id),
            co_handlers_json(next),
            next.supervised,
            instruction,
            due_at,
            now.as_millisecond(),
            state_json(next),
            id,
            before.version,
        ],
    )?;
    if changed != 1 {
        return Err(RecordError::Conflict(format!(
            "ticket {} was changed by someone else",
            before.number
        )));
    }
    insert_history(tx, id, &step.history)?;
    let ticket = ticket_by_id(tx, id)?.ok_or_else(|| RecordError::not_found("ticket", id))?;
    Ok(AppliedTransition {
        ticket,
        effects: step.effects,
    })
}

#[cfg(test)]
mod tests;

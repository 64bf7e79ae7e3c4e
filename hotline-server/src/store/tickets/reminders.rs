//! SQL for the deadline task: tickets whose deadline clock runs, the reminders (催办) and
//! escalations already sent, and recording one, with its history row, exactly once.

use jiff::Timestamp;
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::{
    COLUMNS, DueFn, RecordError, TicketRow, co_handlers_json, dept_row_id, insert_history,
    state_json, ticket_by_id, ticket_row,
};
use crate::store::Store;
use crate::tickets::{Actor, DeadlineAction, workflow};

impl Store {
    /// Tickets with a department and a due time before `until_ms`, soonest due first.
    pub fn tickets_due_before(
        &self,
        until_ms: i64,
        limit: usize,
    ) -> Result<Vec<TicketRow>, RecordError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM tickets t
             WHERE t.due_at IS NOT NULL AND t.due_at < ?1
               AND t.status IN ('dispatched', 'accepted', 'in_progress')
             ORDER BY t.due_at, t.id LIMIT {limit}"
        );
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([until_ms], ticket_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Keys of the reminders and escalations sent for a ticket (their text form).
    pub fn sent_reminders(&self, ticket_id: i64) -> Result<Vec<String>, RecordError> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached("SELECT key FROM ticket_reminders WHERE ticket_id = ?1")?;
        let rows = stmt.query_map([ticket_id], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records a reminder or escalation and applies its workflow step (history row, notices)
    /// in one transaction. `Ok(false)` when its key was already recorded: nothing changes, so
    /// a task that runs twice, or two servers on one database, send it once.
    pub fn record_deadline_action(
        &self,
        ticket_id: i64,
        action: &DeadlineAction,
        actor: &Actor,
        now: Timestamp,
        due: DueFn<'_>,
    ) -> Result<bool, RecordError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let inserted = tx.execute(
            "INSERT OR IGNORE INTO ticket_reminders (ticket_id, key, sent_at) VALUES (?1, ?2, ?3)",
            params![ticket_id, action.key().to_string(), now.as_millisecond()],
        )?;
        if inserted == 0 {
            return Ok(false);
        }
        let before = ticket_by_id(&tx, ticket_id)?
            .ok_or_else(|| RecordError::not_found("ticket", ticket_id))?;
        let step = workflow::apply(&before.state, actor, &action.to_workflow_action(), now)?;
        let next = &step.state;
        let instruction = next.instructions.last().map_or("", |i| i.text.as_str());
        tx.execute(
            "UPDATE tickets SET status = ?1, lead_department_id = ?2, co_handlers = ?3,
                 supervised = ?4, instruction = ?5, due_at = ?6, updated_at = ?7, state = ?8,
                 version = version + 1
             WHERE id = ?9",
            params![
                next.status.as_str(),
                next.lead.as_ref().and_then(dept_row_id),
                co_handlers_json(next),
                next.supervised,
                instruction,
                due(next).map(Timestamp::as_millisecond),
                now.as_millisecond(),
                state_json(next),
                ticket_id,
            ],
        )?;
        insert_history(&tx, ticket_id, &step.history)?;
        tx.commit()?;
        Ok(true)
    }

    /// When the reminder was recorded, if it was.
    pub fn reminder_sent_at(&self, ticket_id: i64, key: &str) -> Result<Option<i64>, RecordError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT sent_at FROM ticket_reminders WHERE ticket_id = ?1 AND key = ?2",
                params![ticket_id, key],
                |r| r.get(0),
            )
            .optional()?)
    }
}

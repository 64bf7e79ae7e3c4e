//! Pending consultations (待答咨询) in SQLite: held with a callback number, answered (the
//! ticket's reply, in the same transaction), called back. Rules in
//! [`crate::tickets::consultation`].

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use serde::Serialize;

use super::tickets::{AppliedTransition, DueFn, RecordError, ticket_by_id, transition_in};
use super::{KnowledgeRow, Store};
use crate::tickets::consultation::{
    CallbackResult, PendingStatus, after_attempt, best_matches, callback_number,
};
use crate::tickets::{Actor, Status, TicketType, WorkflowAction};

/// A pending consultation with what a list needs of its ticket.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConsultationRow {
    pub ticket_id: i64,
    pub number: String,
    pub subject: String,
    pub caller_number: String,
    pub question: String,
    pub callback: String,
    pub status: &'static str,
    pub created_at_ms: i64,
    pub created_by: String,
    pub answered_at_ms: Option<i64>,
    pub answered_by: Option<String>,
    pub knowledge_id: Option<i64>,
    pub knowledge_version: Option<i64>,
    /// The reply the citizen is to hear when called back.
    pub answer: Option<String>,
    pub attempts: u32,
    pub last_result: Option<String>,
    pub last_attempt_at_ms: Option<i64>,
}

/// How a consultation is answered: from a knowledge-base item (its reference answer, unless
/// `text` is given) or with text alone.
#[derive(Debug, Clone, Default)]
pub struct ConsultationAnswer {
    pub knowledge_id: Option<i64>,
    pub text: Option<String>,
}

const COLUMNS: &str = "p.ticket_id, t.number, t.subject, t.caller_number, p.question, \
     p.callback, p.status, p.created_at, p.created_by, p.answered_at, p.answered_by, \
     p.knowledge_id, p.knowledge_version, t.state, p.attempts, p.last_result, p.last_attempt_at";

fn row(r: &Row<'_>) -> rusqlite::Result<ConsultationRow> {
    let status: String = r.get(6)?;
    let status = PendingStatus::parse(&status).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            6,
            rusqlite::types::Type::Text,
            Box::new(RecordError::bad_value("consultation status", status)),
        )
    })?;
    let state: String = r.get(13)?;
    // Only the reply text is wanted here; a state that does not parse has none to show.
    let answer = serde_json::from_str::<serde_json::Value>(&state)
        .ok()
        .and_then(|v| v["reply"]["text"].as_str().map(str::to_owned));
    Ok(ConsultationRow {
        ticket_id: r.get(0)?,
        number: r.get(1)?,
        subject: r.get(2)?,
        caller_number: r.get(3)?,
        question: r.get(4)?,
        callback: r.get(5)?,
        status: status.as_str(),
        created_at_ms: r.get(7)?,
        created_by: r.get(8)?,
        answered_at_ms: r.get(9)?,
        answered_by: r.get(10)?,
        knowledge_id: r.get(11)?,
        knowledge_version: r.get(12)?,
        answer,
        attempts: r.get(14)?,
        last_result: r.get(15)?,
        last_attempt_at_ms: r.get(16)?,
    })
}

fn by_ticket(conn: &Connection, ticket_id: i64) -> Result<Option<ConsultationRow>, RecordError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM pending_consultations p JOIN tickets t ON t.id = p.ticket_id
         WHERE p.ticket_id = ?1"
    );
    Ok(conn.query_row(&sql, [ticket_id], row).optional()?)
}

fn existing(conn: &Connection, ticket_id: i64) -> Result<ConsultationRow, RecordError> {
    by_ticket(conn, ticket_id)?
        .ok_or_else(|| RecordError::not_found("pending consultation", ticket_id))
}

fn wrong_status(found: &ConsultationRow, wanted: PendingStatus) -> RecordError {
    RecordError::Conflict(format!(
        "consultation {} is {}, not {}",
        found.number,
        found.status,
        wanted.as_str()
    ))
}

impl Store {
    /// Holds a consultation ticket as pending: it must be a consultation the centre has not
    /// answered or dispatched yet. `question` defaults to the ticket's subject and description.
    pub fn hold_consultation(
        &self,
        ticket_id: i64,
        question: Option<&str>,
        callback: &str,
        by: &str,
        now_ms: i64,
    ) -> Result<ConsultationRow, RecordError> {
        let callback =
            callback_number(callback).map_err(|e| RecordError::Invalid(e.to_string()))?;
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let ticket = ticket_by_id(&tx, ticket_id)?
            .ok_or_else(|| RecordError::not_found("ticket", ticket_id))?;
        if ticket.state.ticket_type != TicketType::Consultation {
            return Err(RecordError::Invalid(format!(
                "ticket {} is a {}, not a consultation",
                ticket.number,
                ticket.state.ticket_type.as_str()
            )));
        }
        if ticket.state.status != Status::Received {
            return Err(RecordError::Conflict(format!(
                "ticket {} is already {}",
                ticket.number,
                ticket.state.status.as_str()
            )));
        }
        if by_ticket(&tx, ticket_id)?.is_some() {
            return Err(RecordError::Conflict(format!(
                "ticket {} is already pending",
                ticket.number
            )));
        }
        let question = match question.map(str::trim).filter(|q| !q.is_empty()) {
            Some(q) => q.to_owned(),
            None => format!("{}\n{}", ticket.subject, ticket.description)
                .trim()
                .to_owned(),
        };
        if question.is_empty() {
            return Err(RecordError::Invalid("the question is empty".to_owned()));
        }
        tx.execute(
            "INSERT INTO pending_consultations (ticket_id, question, callback, created_at, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![ticket_id, question, callback, now_ms, by],
        )?;
        let held = existing(&tx, ticket_id)?;
        tx.commit()?;
        Ok(held)
    }

    pub fn consultation(&self, ticket_id: i64) -> Result<Option<ConsultationRow>, RecordError> {
        by_ticket(&self.conn(), ticket_id)
    }

    /// Pending consultations in one status (all without), oldest first.
    pub fn consultations(
        &self,
        status: Option<PendingStatus>,
        limit: usize,
    ) -> Result<Vec<ConsultationRow>, RecordError> {
        let conn = self.conn();
        let sql = format!(
            "SELECT {COLUMNS} FROM pending_consultations p JOIN tickets t ON t.id = p.ticket_id
             WHERE ?1 IS NULL OR p.status = ?1
             ORDER BY p.created_at, p.ticket_id LIMIT ?2"
        );
        let mut stmt = conn.prepare(&sql)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt.query_map(params![status.map(PendingStatus::as_str), limit], row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Waiting consultations a knowledge-base item may answer, best match first.
    pub fn consultations_for_item(
        &self,
        item: &KnowledgeRow,
        limit: usize,
    ) -> Result<Vec<(ConsultationRow, f64)>, RecordError> {
        let waiting = self.consultations(Some(PendingStatus::Waiting), 10_000)?;
        let scored = best_matches(
            &item.title,
            waiting.iter().map(|c| (c.ticket_id, c.question.as_str())),
            limit,
        );
        Ok(scored
            .into_iter()
            .filter_map(|(id, score)| {
                let c = waiting.iter().find(|c| c.ticket_id == id)?;
                Some((c.clone(), score))
            })
            .collect())
    }

    /// Knowledge-base items whose titles match the question, best first.
    pub fn items_for_question(
        &self,
        question: &str,
        limit: usize,
    ) -> Result<Vec<(i64, String, f64)>, RecordError> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT id, title FROM knowledge_items")?;
        let titles: Vec<(i64, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let scored = best_matches(
            question,
            titles.iter().map(|(id, t)| (*id, t.as_str())),
            limit,
        );
        Ok(scored
            .into_iter()
            .filter_map(|(id, score)| {
                let (_, title) = titles.iter().find(|(i, _)| *i == id)?;
                Some((id, title.clone(), score))
            })
            .collect())
    }

    /// Answers a waiting consultation: the ticket gets the centre's direct reply (so the
    /// citizen's notice goes out as for any reply) and the entry waits for the callback. Both
    /// commit together or not at all.
    pub fn answer_consultation(
        &self,
        ticket_id: i64,
        answer: &ConsultationAnswer,
        actor: &Actor,
        now: Timestamp,
        due: DueFn<'_>,
    ) -> Result<(ConsultationRow, AppliedTransition), RecordError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let pending = existing(&tx, ticket_id)?;
        if pending.status != PendingStatus::Waiting.as_str() {
            return Err(wrong_status(&pending, PendingStatus::Waiting));
        }
        let item = match answer.knowledge_id {
            Some(id) => Some(
                super::knowledge::item_by_id(&tx, id)?
                    .ok_or_else(|| RecordError::not_found("knowledge item", id))?,
            ),
            None => None,
        };
        let text = answer
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .or_else(|| {
                item.as_ref()
                    .map(|i| i.reference_answer.trim().to_owned())
                    .filter(|t| !t.is_empty())
            })
            .ok_or_else(|| {
                RecordError::Invalid(
                    "no answer: give a text or a knowledge item with a reference answer".to_owned(),
                )
            })?;
        let reply = WorkflowAction::Reply { text };
        let applied = transition_in(&tx, ticket_id, actor, &reply, now, None, due)?;
        tx.execute(
            "UPDATE pending_consultations SET status = 'answered', answered_at = ?1,
                 answered_by = ?2, knowledge_id = ?3, knowledge_version = ?4
             WHERE ticket_id = ?5",
            params![
                now.as_millisecond(),
                actor.user.0.as_str(),
                item.as_ref().map(|i| i.id),
                item.as_ref().map(|i| i.version),
                ticket_id
            ],
        )?;
        let answered = existing(&tx, ticket_id)?;
        tx.commit()?;
        Ok((answered, applied))
    }

    /// Records one callback attempt; after the last allowed one the entry is done.
    pub fn record_consultation_callback(
        &self,
        ticket_id: i64,
        result: CallbackResult,
        max_attempts: u32,
        by: &str,
        now_ms: i64,
    ) -> Result<ConsultationRow, RecordError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let pending = existing(&tx, ticket_id)?;
        let status = PendingStatus::parse(pending.status)
            .ok_or_else(|| RecordError::bad_value("consultation status", pending.status))?;
        let (next, attempts) = after_attempt(status, pending.attempts, result, max_attempts)
            .map_err(|_| wrong_status(&pending, PendingStatus::Answered))?;
        tx.execute(
            "UPDATE pending_consultations SET status = ?1, attempts = ?2, last_result = ?3,
                 last_attempt_at = ?4, last_attempt_by = ?5
             WHERE ticket_id = ?6",
            params![
                next.as_str(),
                attempts,
                result.as_str(),
                now_ms,
                by,
                ticket_id
            ],
        )?;
        let after = existing(&tx, ticket_id)?;
        tx.commit()?;
        Ok(after)
    }
}

#[cfg(test)]
mod tests;

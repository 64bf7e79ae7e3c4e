//! SQL for bulk work from the admin command line: all-or-nothing imports of callers and
//! knowledge items, and tickets by creation time for export.

use rusqlite::{ErrorCode, TransactionBehavior, params};

use super::Store;
use super::callers::{CallerRow, NewCaller};
use super::knowledge::NewKnowledge;
use super::tickets::{RecordError, TicketRow};

/// A row the database refused, by its line in the source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub line: usize,
    pub message: String,
}

fn conflict_or(e: rusqlite::Error, line: usize, what: &str) -> Result<RowProblem, RecordError> {
    if e.sqlite_error_code() == Some(ErrorCode::ConstraintViolation) {
        Ok(RowProblem {
            line,
            message: format!("{what}: {e}"),
        })
    } else {
        Err(e.into())
    }
}

impl Store {
    /// Inserts every caller in one transaction. Rows the database refuses (a number another
    /// caller has, a number twice in the file) are returned with their line; then, or when
    /// `commit` is false (a dry run), nothing is kept.
    pub fn import_callers(
        &self,
        rows: &[(usize, NewCaller)],
        now_ms: i64,
        commit: bool,
    ) -> Result<Vec<RowProblem>, RecordError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut problems = Vec::new();
        for (line, new) in rows {
            let custom = serde_json::to_string(&new.custom).unwrap_or_else(|_| "{}".to_owned());
            let inserted = tx.execute(
                "INSERT INTO callers (name, id_number, address, company, category, custom,
                     created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
                params![
                    new.name.trim(),
                    new.id_number.trim(),
                    new.address.trim(),
                    new.company.trim(),
                    new.category.as_str(),
                    custom,
                    now_ms,
                ],
            );
            if let Err(e) = inserted {
                problems.push(conflict_or(e, *line, "caller")?);
                continue;
            }
            let id = tx.last_insert_rowid();
            for number in new
                .numbers
                .iter()
                .map(|n| n.trim())
                .filter(|n| !n.is_empty())
            {
                let inserted = tx.execute(
                    "INSERT INTO caller_numbers (number, caller_id) VALUES (?1, ?2)",
                    params![number, id],
                );
                if let Err(e) = inserted {
                    let mut p = conflict_or(e, *line, "number")?;
                    p.message = format!("number {number} already belongs to another caller");
                    problems.push(p);
                }
            }
        }
        if commit && problems.is_empty() {
            tx.commit()?;
        }
        Ok(problems)
    }

    /// Adds every knowledge item at version 1 in one transaction; like
    /// [`Store::import_callers`], nothing is kept on a problem or a dry run.
    pub fn import_knowledge(
        &self,
        rows: &[(usize, NewKnowledge)],
        by: &str,
        now_ms: i64,
        commit: bool,
    ) -> Result<Vec<RowProblem>, RecordError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut problems = Vec::new();
        for (line, new) in rows {
            let inserted = tx.execute(
                "INSERT INTO knowledge_items
                     (kind, title, body, reference_answer, version, created_at, updated_at,
                      updated_by)
                 VALUES (?1, ?2, ?3, ?4, 1, ?5, ?5, ?6)",
                params![
                    new.kind.as_str(),
                    new.title.trim(),
                    new.body,
                    new.reference_answer,
                    now_ms,
                    by
                ],
            );
            if let Err(e) = inserted {
                problems.push(conflict_or(e, *line, "knowledge item")?);
                continue;
            }
            let id = tx.last_insert_rowid();
            let kept = tx.execute(
                "INSERT INTO knowledge_versions
                     (item_id, version, kind, title, body, reference_answer, at, by)
                 SELECT id, version, kind, title, body, reference_answer, updated_at, updated_by
                 FROM knowledge_items WHERE id = ?1",
                [id],
            );
            if let Err(e) = kept {
                problems.push(conflict_or(e, *line, "knowledge version")?);
            }
        }
        if commit && problems.is_empty() {
            tx.commit()?;
        }
        Ok(problems)
    }

    /// Every caller with their numbers, by id.
    pub fn all_callers(&self) -> Result<Vec<CallerRow>, RecordError> {
        let ids: Vec<i64> = {
            let conn = self.conn();
            let mut stmt = conn.prepare("SELECT id FROM callers ORDER BY id")?;
            stmt.query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?
        };
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(c) = self.caller(id)? {
                out.push(c);
            }
        }
        Ok(out)
    }

    /// Tickets created in `[from_ms, to_ms)`, oldest first.
    pub fn tickets_created_between(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<TicketRow>, RecordError> {
        let ids: Vec<i64> = {
            let conn = self.conn();
            let mut stmt = conn.prepare(
                "SELECT id FROM tickets WHERE created_at >= ?1 AND created_at < ?2
                 ORDER BY created_at, id",
            )?;
            stmt.query_map(params![from_ms, to_ms], |r| r.get(0))?
                .collect::<Result<_, _>>()?
        };
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(t) = self.ticket(id)? {
                out.push(t);
            }
        }
        Ok(out)
    }
}

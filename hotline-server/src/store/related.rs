//! SQL for related-ticket candidates at entry (重复件 / 关联件): recent tickets of the same
//! number, at the same or an enclosing address, or sharing text (FTS5 trigram index). The
//! scoring is [`crate::tickets::related`]; this only narrows the field.

use rusqlite::params_from_iter;
use rusqlite::types::Value;

use super::Store;
use super::tickets::{FtsPlan, RecordError, like_pattern};

/// Most candidates handed to the scoring.
const MAX_CANDIDATES: usize = 500;
/// Most text matches taken from the full-text index.
const MAX_TEXT_MATCHES: usize = 200;

/// What the agent has typed so far.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RelatedQuery {
    /// Caller numbers as typed and normalised; empty ones are ignored.
    pub numbers: Vec<String>,
    /// The address as typed.
    pub address: Option<String>,
    pub text: Option<String>,
    /// Filed at or after.
    pub since_ms: i64,
}

/// A ticket the scoring looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelatedRow {
    pub id: i64,
    pub number: String,
    pub subject: String,
    pub description: String,
    pub address: String,
    pub caller_number: String,
    pub status: String,
    pub created_at_ms: i64,
}

impl Store {
    /// Recent tickets sharing the number, the address (either containing the other) or text
    /// with the draft, newest first.
    pub fn related_candidates(&self, q: &RelatedQuery) -> Result<Vec<RelatedRow>, RecordError> {
        let mut args: Vec<Value> = vec![q.since_ms.into()];
        let mut arg = |v: Value| {
            args.push(v);
            format!("?{}", args.len())
        };
        let mut any: Vec<String> = Vec::new();
        let numbers: Vec<&String> = q.numbers.iter().filter(|n| !n.trim().is_empty()).collect();
        if !numbers.is_empty() {
            let list: Vec<String> = numbers.iter().map(|n| arg((*n).clone().into())).collect();
            any.push(format!("t.caller_number IN ({})", list.join(", ")));
        }
        if let Some(address) = q
            .address
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
        {
            let contains = arg(like_pattern(address).into());
            let whole = arg(address.to_owned().into());
            any.push(format!(
                "(t.address != '' AND (t.address LIKE {contains} ESCAPE '\\' \
                 OR instr({whole}, t.address) > 0))"
            ));
        }
        if let Some(expr) = q
            .text
            .as_deref()
            .and_then(FtsPlan::new)
            .and_then(|p| p.match_expr)
        {
            let m = arg(expr.into());
            any.push(format!(
                "t.id IN (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH {m} \
                 ORDER BY rank LIMIT {MAX_TEXT_MATCHES})"
            ));
        }
        if any.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT t.id, t.number, t.subject, t.description, t.address, t.caller_number,
                    t.status, t.created_at
             FROM tickets t WHERE t.created_at >= ?1 AND ({})
             ORDER BY t.created_at DESC, t.id DESC LIMIT {MAX_CANDIDATES}",
            any.join(" OR ")
        );
        let conn = self.conn();
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(args.iter()), |r| {
            Ok(RelatedRow {
                id: r.get(0)?,
                number: r.get(1)?,
                subject: r.get(2)?,
                description: r.get(3)?,
                address: r.get(4)?,
                caller_number: r.get(5)?,
                status: r.get(6)?,
                created_at_ms: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

//! Ticket lists and full-text search.
//!
//! Text goes through the FTS5 trigram index. A term of three or more characters is matched as
//! a phrase; a longer one also by its three-character pieces, so a ticket that has most of the
//! words still comes up. Terms under three characters cannot use a trigram index and fall back
//! to `LIKE`. Ranking: the whole of every term in the subject first, then anywhere in the text,
//! then partial matches; within a tier newest first (a hotline's agent looks for the recent
//! case; BM25 cost a third of the query time and added little once the tiers are sorted).
//! Only the newest [`RANKED`] matching tickets are ranked, which bounds the cost of common
//! terms (short terms alone are looked for among the newest tickets first, bounded the same way).

use rusqlite::types::Value;

use super::{COLUMNS, RecordError, TicketRow, ticket_row};
use crate::store::Store;
use crate::tickets::{Status, TicketType};

/// The most rows one query returns.
pub const MAX_LIMIT: usize = 500;
/// Full-text matches ranked per query: the newest this many that pass the filters.
const RANKED: usize = 2_000;
/// Pieces taken from one long term; bounds the cost of a pasted paragraph.
const MAX_PIECES: usize = 24;

/// What to list. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketFilter {
    /// Free text; see the module docs.
    pub q: Option<String>,
    /// Any of these.
    pub statuses: Vec<Status>,
    pub ticket_type: Option<TicketType>,
    /// A category code; its whole branch matches (`environment` takes `environment.noise`).
    pub category: Option<String>,
    /// Lead or co-handler.
    pub department: Option<i64>,
    /// Filed at or after.
    pub from_ms: Option<i64>,
    /// Filed before.
    pub to_ms: Option<i64>,
    /// Only tickets past their due time at this instant and still with a department.
    pub overdue_at_ms: Option<i64>,
    pub caller_number: Option<String>,
    /// Default 50, at most [`MAX_LIMIT`].
    pub limit: Option<usize>,
    pub offset: usize,
}

/// A ticket found, and whether every search term appears in it whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketHit {
    pub ticket: TicketRow,
    pub exact: bool,
}

/// How a free-text query is run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FtsPlan {
    /// FTS5 expression for the terms of three characters or more; `None` if there are none.
    pub match_expr: Option<String>,
    /// Terms under three characters: each must appear (LIKE).
    pub short_terms: Vec<String>,
    /// Every term, for the exact-match tier.
    pub terms: Vec<String>,
}

fn phrase(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

impl FtsPlan {
    /// `None` for a blank query.
    pub(crate) fn new(q: &str) -> Option<Self> {
        let mut terms: Vec<String> = Vec::new();
        for t in q.split_whitespace() {
            if !terms.iter().any(|x| x == t) {
                terms.push(t.to_owned());
            }
        }
        if terms.is_empty() {
            return None;
        }
        let mut alternatives: Vec<String> = Vec::new();
        let mut short_terms = Vec::new();
        for t in &terms {
            let chars: Vec<char> = t.chars().collect();
            if chars.len() < 3 {
                short_terms.push(t.clone());
                continue;
            }
            alternatives.push(phrase(t));
            if chars.len() > 3 {
                let pieces = chars.windows(3).take(MAX_PIECES);
                alternatives.extend(pieces.map(|w| phrase(&w.iter().collect::<String>())));
            }
        }
        alternatives.dedup();
        let match_expr = (!alternatives.is_empty()).then(|| alternatives.join(" OR "));
        Some(Self {
            match_expr,
            short_terms,
            terms,
        })
    }
}

/// `term` with LIKE's wildcards escaped (use with `ESCAPE '\'`).
pub(crate) fn like_escape(term: &str) -> String {
    let mut out = String::with_capacity(term.len());
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `%term%`, escaped.
pub(crate) fn like_pattern(term: &str) -> String {
    format!("%{}%", like_escape(term))
}

/// SQL text with numbered parameters, so clauses can be written in any order.
#[derive(Default)]
pub(crate) struct Query {
    pub text: String,
    pub args: Vec<Value>,
}

impl Query {
    pub(crate) fn arg(&mut self, v: impl Into<Value>) -> String {
        self.args.push(v.into());
        format!("?{}", self.args.len())
    }
}

fn clamp_limit(limit: Option<usize>) -> i64 {
    limit.unwrap_or(50).clamp(1, MAX_LIMIT) as i64
}

impl Store {
    /// Lists tickets matching `filter`; see the module docs for the order.
    pub fn search_tickets(&self, filter: &TicketFilter) -> Result<Vec<TicketHit>, RecordError> {
        let plan = filter.q.as_deref().and_then(FtsPlan::new);
        let mixed = plan
            .as_ref()
            .is_some_and(|p| p.match_expr.is_some() && !p.short_terms.is_empty());
        if mixed {
            // Long and short terms together (朝阳区 施工): first the short terms are checked
            // only among the newest full-text matches, which is fast; if that does not fill
            // the page, they are checked while walking every match, which is complete.
            let quick = self.search_with(filter, plan.as_ref(), true)?;
            if quick.len() >= clamp_limit(filter.limit) as usize {
                return Ok(quick);
            }
        }
        self.search_with(filter, plan.as_ref(), false)
    }

    /// One query. `short_after`: short terms filter the bounded set of full-text matches
    /// instead of choosing it.
    fn search_with(
        &self,
        filter: &TicketFilter,
        plan: Option<&FtsPlan>,
        short_after: bool,
    ) -> Result<Vec<TicketHit>, RecordError> {
        let mut q = Query::default();
        let mut short_wheres: Vec<String> = Vec::new();
        let mut wheres: Vec<String> = Vec::new();
        let mut rank = "2".to_owned();
        let mut order = "t.created_at DESC, t.id DESC".to_owned();
        let mut fts_match: Option<String> = None;
        if let Some(plan) = plan {
            if let Some(expr) = &plan.match_expr {
                fts_match = Some(format!("tickets_fts MATCH {}", q.arg(expr.clone())));
            }
            for term in &plan.short_terms {
                let p = q.arg(like_pattern(term));
                short_wheres.push(format!(
                    "(t.subject LIKE {p} ESCAPE '\\' OR t.description LIKE {p} ESCAPE '\\' \
                     OR t.address LIKE {p} ESCAPE '\\')"
                ));
            }
            let mut in_subject = Vec::new();
            let mut anywhere = Vec::new();
            for term in &plan.terms {
                let p = q.arg(term.clone());
                in_subject.push(format!("instr(t.subject, {p}) > 0"));
                anywhere.push(format!(
                    "instr(t.subject || char(10) || t.description || char(10) || t.address, {p}) > 0"
                ));
            }
            rank = format!(
                "CASE WHEN {} THEN 0 WHEN {} THEN 1 ELSE 2 END",
                in_subject.join(" AND "),
                anywhere.join(" AND ")
            );
            order = format!("rank_tier, {order}");
        }
        if !filter.statuses.is_empty() {
            let list: Vec<String> = filter
                .statuses
                .iter()
                .map(|s| q.arg(s.as_str().to_owned()))
                .collect();
            wheres.push(format!("t.status IN ({})", list.join(", ")));
        }
        if let Some(t) = filter.ticket_type {
            wheres.push(format!("t.type = {}", q.arg(t.as_str().to_owned())));
        }
        if let Some(c) = filter.category.as_deref().filter(|c| !c.is_empty()) {
            let exact = q.arg(c.to_owned());
            let branch = q.arg(format!("{}.%", like_escape(c)));
            wheres.push(format!(
                "(t.category = {exact} OR t.category LIKE {branch} ESCAPE '\\')"
            ));
        }
        if let Some(d) = filter.department {
            let d = q.arg(d);
            wheres.push(format!(
                "(t.lead_department_id = {d} OR EXISTS \
                 (SELECT 1 FROM json_each(t.co_handlers) WHERE json_each.value = {d}))"
            ));
        }
        if let Some(from_ms) = filter.from_ms {
            wheres.push(format!("t.created_at >= {}", q.arg(from_ms)));
        }
        if let Some(to_ms) = filter.to_ms {
            wheres.push(format!("t.created_at < {}", q.arg(to_ms)));
        }
        if let Some(at) = filter.overdue_at_ms {
            wheres.push(format!(
                "t.due_at IS NOT NULL AND t.due_at < {} \
                 AND t.status IN ('dispatched', 'accepted', 'in_progress')",
                q.arg(at)
            ));
        }
        if let Some(n) = filter.caller_number.as_deref().filter(|n| !n.is_empty()) {
            wheres.push(format!("t.caller_number = {}", q.arg(n.to_owned())));
        }
        let where_sql = |wheres: &[String]| {
            if wheres.is_empty() {
                String::new()
            } else {
                format!(" WHERE {}", wheres.join(" AND "))
            }
        };
        // Full text: only the newest RANKED matches that pass the filters are ranked, so a
        // term found in 100,000 tickets costs as much as one found in RANKED (FTS5 walks its
        // index newest first and stops there).
        let after = if short_after && fts_match.is_some() {
            std::mem::take(&mut short_wheres)
        } else {
            Vec::new()
        };
        wheres.append(&mut short_wheres);
        let (from, where_sql) = match fts_match {
            Some(m) => {
                // The ticket row is read inside only when a filter needs it.
                let join = if wheres.is_empty() {
                    ""
                } else {
                    " JOIN tickets t ON t.id = tickets_fts.rowid"
                };
                let mut inner = vec![m];
                inner.append(&mut wheres);
                let from = format!(
                    "(SELECT tickets_fts.rowid AS fid FROM tickets_fts{join}{} \
                     ORDER BY tickets_fts.rowid DESC LIMIT {RANKED}) m \
                     JOIN tickets t ON t.id = m.fid",
                    where_sql(&inner)
                );
                (from, where_sql(&after))
            }
            // Only terms under three characters: they cannot use the trigram index, so they are
            // looked for in the newest tickets first, bounded the same way.
            None if plan.is_some() => {
                let from = format!(
                    "(SELECT t.id AS fid FROM tickets t{} ORDER BY t.id DESC LIMIT {RANKED}) m \
                     JOIN tickets t ON t.id = m.fid",
                    where_sql(&wheres)
                );
                (from, String::new())
            }
            None => ("tickets t".to_owned(), where_sql(&wheres)),
        };
        let limit = q.arg(clamp_limit(filter.limit));
        let offset = q.arg(filter.offset as i64);
        q.text = format!(
            "SELECT {COLUMNS}, {rank} AS rank_tier FROM {from}{where_sql} \
             ORDER BY {order} LIMIT {limit} OFFSET {offset}"
        );
        let conn = self.conn();
        let mut stmt = conn.prepare(&q.text)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(q.args.iter()), |r| {
            let tier: i64 = r.get(18)?;
            Ok(TicketHit {
                ticket: ticket_row(r)?,
                exact: plan.is_some() && tier < 2,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_split_terms_and_fall_back_for_short_ones() {
        assert_eq!(FtsPlan::new("   "), None);
        let p = FtsPlan::new("消费者").unwrap();
        assert_eq!(p.match_expr.as_deref(), Some("\"消费者\""));
        assert!(p.short_terms.is_empty());
        let p = FtsPlan::new("消费者权益 噪音").unwrap();
        assert_eq!(
            p.match_expr.as_deref(),
            Some("\"消费者权益\" OR \"消费者\" OR \"费者权\" OR \"者权益\"")
        );
        assert_eq!(p.short_terms, ["噪音"]);
        assert_eq!(p.terms, ["消费者权益", "噪音"]);
        let p = FtsPlan::new("a\"b").unwrap();
        assert_eq!(p.match_expr.as_deref(), Some("\"a\"\"b\""));
        assert_eq!(like_pattern("5%_x"), "%5\\%\\_x%");
    }
}

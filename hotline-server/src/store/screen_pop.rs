//! SQL for the screen-pop (弹屏): what the records say about a calling number, read in one go
//! on the look-up connection. Every query walks an index on the number or the call id
//! (`cdrs_caller`, `calls_caller`, `tickets_caller_number`, `tickets_caller_id`,
//! `call_events_connected`), so the cost does not grow with the size of the tables.

use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

use super::Store;
use super::callers::CallerRow;
use super::tickets::RecordError;

/// What to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerHistoryQuery {
    pub number: String,
    /// The call being offered: not one of the "previous" calls.
    pub current_call: String,
    /// Calls started at or after this count as repeat calls.
    pub repeat_since_ms: i64,
    /// The first-contact agent is looked for in calls connected at or after this; `None` turns
    /// first-contact off.
    pub first_contact_since_ms: Option<i64>,
    pub max_calls: usize,
    pub max_tickets: usize,
}

/// An earlier call of the number (or of another number of the same caller record).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastCall {
    pub call_id: String,
    pub started_at_ms: i64,
    pub duration_ms: i64,
    /// The agent's display name (their log-in name if they have none).
    pub agent: Option<String>,
    /// The first ticket filed on the call.
    pub ticket_no: Option<String>,
}

/// A ticket of the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerTicket {
    pub id: i64,
    pub number: String,
    pub status: String,
    pub subject: String,
    pub created_at_ms: i64,
    pub department: Option<String>,
}

/// The records behind a screen-pop.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CallerHistory {
    pub caller: Option<CallerRow>,
    /// Most recent first.
    pub calls: Vec<PastCall>,
    /// Open first, then newest first.
    pub tickets: Vec<CallerTicket>,
    /// Calls since `repeat_since_ms`, the current one left out.
    pub recent_calls: u32,
    /// Log-in name of the agent who last talked with the caller within the window.
    pub first_contact_login: Option<String>,
    /// Their display name.
    pub first_contact_name: Option<String>,
}

fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn past_calls(
    conn: &Connection,
    numbers: &[String],
    q: &CallerHistoryQuery,
) -> Result<Vec<PastCall>, RecordError> {
    let sql = format!(
        "SELECT d.call_id, d.started_at, d.duration_ms,
            (SELECT coalesce(nullif(u.display_name, ''), json_extract(e.detail, '$.agent'))
               FROM call_events e LEFT JOIN users u ON u.name = json_extract(e.detail, '$.agent')
              WHERE e.call_id = d.call_id AND e.kind = 'connected' ORDER BY e.id DESC LIMIT 1),
            (SELECT t.number FROM ticket_calls tc JOIN tickets t ON t.id = tc.ticket_id
              WHERE tc.call_id = d.call_id ORDER BY tc.linked_at LIMIT 1)
         FROM cdrs d
         WHERE d.caller IN ({}) AND d.call_id != ?1
         ORDER BY d.started_at DESC LIMIT {}",
        placeholders(2, numbers.len()),
        q.max_calls
    );
    let args = std::iter::once(&q.current_call).chain(numbers);
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(args), |r| {
        Ok(PastCall {
            call_id: r.get(0)?,
            started_at_ms: r.get(1)?,
            duration_ms: r.get(2)?,
            agent: r.get(3)?,
            ticket_no: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn caller_tickets(
    conn: &Connection,
    numbers: &[String],
    caller_id: Option<i64>,
    limit: usize,
) -> Result<Vec<CallerTicket>, RecordError> {
    let sql = format!(
        "SELECT t.id, t.number, t.status, t.subject, t.created_at, dp.name
         FROM tickets t LEFT JOIN departments dp ON dp.id = t.lead_department_id
         WHERE t.caller_number IN ({}) OR t.caller_id = ?1
         ORDER BY t.status = 'closed', t.created_at DESC, t.id DESC LIMIT {limit}",
        placeholders(2, numbers.len()),
    );
    let id = rusqlite::types::Value::from(caller_id);
    let args = std::iter::once(id).chain(numbers.iter().cloned().map(Into::into));
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(args), |r| {
        Ok(CallerTicket {
            id: r.get(0)?,
            number: r.get(1)?,
            status: r.get(2)?,
            subject: r.get(3)?,
            created_at_ms: r.get(4)?,
            department: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn recent_calls(
    conn: &Connection,
    numbers: &[String],
    q: &CallerHistoryQuery,
) -> Result<u32, RecordError> {
    let sql = format!(
        "SELECT count(*) FROM calls WHERE caller IN ({}) AND started_at >= ?1 AND id != ?2",
        placeholders(3, numbers.len())
    );
    let head = [
        rusqlite::types::Value::from(q.repeat_since_ms),
        q.current_call.clone().into(),
    ];
    let args = head
        .into_iter()
        .chain(numbers.iter().cloned().map(Into::into));
    let n: i64 = conn
        .prepare_cached(&sql)?
        .query_row(params_from_iter(args), |r| r.get(0))?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

fn first_contact(
    conn: &Connection,
    number: &str,
    since_ms: i64,
) -> Result<Option<(String, Option<String>)>, RecordError> {
    let found: Option<(Option<String>, Option<String>)> = conn
        .prepare_cached(
            "SELECT json_extract(e.detail, '$.agent'), nullif(u.display_name, '')
             FROM calls c JOIN call_events e ON e.call_id = c.id AND e.kind = 'connected'
             LEFT JOIN users u ON u.name = json_extract(e.detail, '$.agent')
             WHERE c.caller = ?1 AND c.started_at >= ?2 AND e.at >= ?2
             ORDER BY e.id DESC LIMIT 1",
        )?
        .query_row(params![number, since_ms], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(found.and_then(|(login, name)| login.map(|l| (l, name))))
}

impl Store {
    /// Everything the screen-pop shows about `q.number`. Calls and tickets of the caller
    /// record's other numbers count too.
    pub fn caller_history(&self, q: &CallerHistoryQuery) -> Result<CallerHistory, RecordError> {
        let number = q.number.trim();
        if number.is_empty() {
            return Ok(CallerHistory::default());
        }
        let caller = self.caller_by_number(number)?;
        let mut numbers = vec![number.to_owned()];
        if let Some(c) = &caller {
            numbers.extend(c.numbers.iter().filter(|n| *n != number).cloned());
        }
        let conn = self.conn();
        let calls = past_calls(&conn, &numbers, q)?;
        let tickets = caller_tickets(
            &conn,
            &numbers,
            caller.as_ref().map(|c| c.id),
            q.max_tickets,
        )?;
        let recent = recent_calls(&conn, &numbers, q)?;
        let contact = match q.first_contact_since_ms {
            Some(since) => first_contact(&conn, number, since)?,
            None => None,
        };
        let (first_contact_login, first_contact_name) = match contact {
            Some((login, name)) => (Some(login.clone()), Some(name.unwrap_or(login))),
            None => (None, None),
        };
        Ok(CallerHistory {
            caller,
            calls,
            tickets,
            recent_calls: recent,
            first_contact_login,
            first_contact_name,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{CallEnd, NewCaller};

    fn call(conn: &Connection, id: &str, caller: &str, at: i64, agent: Option<&str>) {
        let new = crate::store::NewCall {
            id: id.to_owned(),
            started_at_ms: at,
            caller: caller.to_owned(),
            caller_e164: String::new(),
            dnis: "12345".to_owned(),
            profile: "12345".to_owned(),
            flow: "main".to_owned(),
            trunk: "t".to_owned(),
            transport: "udp".to_owned(),
            remote: "127.0.0.1:5060".to_owned(),
            caller_location: "江苏 南京".to_owned(),
        };
        crate::store::calls::insert_call(conn, &new).unwrap();
        if let Some(agent) = agent {
            let detail = serde_json::json!({ "agent": agent });
            crate::store::calls::append_event(conn, id, at + 1_000, "connected", &detail).unwrap();
        }
        let end = CallEnd {
            call_id: id.to_owned(),
            at_ms: at + 60_000,
            cause: "caller hangup".to_owned(),
            digits: String::new(),
            queue: None,
        };
        crate::store::calls::end_call(conn, &end).unwrap();
    }

    #[test]
    fn history_lists_calls_newest_first_and_counts_repeats() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.db")).unwrap();
        let caller = NewCaller {
            name: "王女士".to_owned(),
            numbers: vec!["13912345678".to_owned(), "02584001234".to_owned()],
            ..NewCaller::default()
        };
        store.add_caller(&caller, 0).unwrap();
        {
            let conn = store.conn();
            call(&conn, "c1", "13912345678", 1_000_000, Some("a1"));
            call(&conn, "c2", "02584001234", 2_000_000, None);
            call(&conn, "c3", "13900000000", 3_000_000, Some("a2"));
            call(&conn, "now", "13912345678", 4_000_000, None);
        }
        let q = CallerHistoryQuery {
            number: "13912345678".to_owned(),
            current_call: "now".to_owned(),
            repeat_since_ms: 1_500_000,
            first_contact_since_ms: Some(0),
            max_calls: 10,
            max_tickets: 10,
        };
        let h = store.caller_history(&q).unwrap();
        assert_eq!(h.caller.as_ref().map(|c| c.name.as_str()), Some("王女士"));
        let ids: Vec<&str> = h.calls.iter().map(|c| c.call_id.as_str()).collect();
        assert_eq!(ids, ["c2", "c1"]);
        assert_eq!(h.calls[1].agent.as_deref(), Some("a1"));
        assert_eq!(h.calls[1].duration_ms, 60_000);
        assert_eq!(h.recent_calls, 1);
        assert_eq!(h.first_contact_login.as_deref(), Some("a1"));
        let none = CallerHistoryQuery {
            first_contact_since_ms: None,
            ..q
        };
        assert_eq!(
            store.caller_history(&none).unwrap().first_contact_login,
            None
        );
        let cdr = store.cdr("c1").unwrap().unwrap();
        assert_eq!(cdr.caller_location, "江苏 南京");
    }

    /// 首问负责制 looks back only as far as the window: the agent of a call before it is not
    /// the first contact, the latest agent inside it is.
    #[test]
    fn first_contact_is_the_latest_agent_inside_the_window() {
        const DAY: i64 = 86_400_000;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.db")).unwrap();
        let now = 30 * DAY;
        {
            let conn = store.conn();
            call(&conn, "old", "13912345678", now - 5 * DAY, Some("a_old"));
            call(&conn, "mid", "13912345678", now - 2 * DAY, Some("a_mid"));
            call(&conn, "late", "13912345678", now - DAY, None);
            call(
                &conn,
                "other",
                "13800000000",
                now - DAY / 2,
                Some("a_other"),
            );
        }
        let within = |days: i64| CallerHistoryQuery {
            number: "13912345678".to_owned(),
            current_call: "now".to_owned(),
            repeat_since_ms: now - DAY,
            first_contact_since_ms: Some(now - days * DAY),
            max_calls: 10,
            max_tickets: 10,
        };
        let first = |days| {
            store
                .caller_history(&within(days))
                .unwrap()
                .first_contact_login
        };
        assert_eq!(
            first(3).as_deref(),
            Some("a_mid"),
            "unanswered calls do not count"
        );
        assert_eq!(
            first(10).as_deref(),
            Some("a_mid"),
            "the latest agent, not the first"
        );
        assert_eq!(first(1), None, "nothing answered within a day");
    }
}

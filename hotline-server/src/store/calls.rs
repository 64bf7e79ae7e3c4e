//! SQL for calls, their event log and their CDRs.
//!
//! The state changes (`insert_call`, `answer_call`, `end_call`) do not append events: the call
//! task logs its own (`received`, `answered` with the codec, `ended`), so each happens once.
//! Only restart recovery, which has no call task, appends `ended` itself.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::Value;

use super::StoreError;
use super::rows::{CallEnd, CallEventRow, CallRow, CdrRow, NewCall};

pub(crate) fn insert_call(conn: &Connection, call: &NewCall) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO calls (id, started_at, caller, caller_e164, dnis, profile, flow, trunk,
                            transport, remote, state, caller_location)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'ringing', ?11)",
    )?
    .execute(params![
        call.id,
        call.started_at_ms,
        call.caller,
        call.caller_e164,
        call.dnis,
        call.profile,
        call.flow,
        call.trunk,
        call.transport,
        call.remote,
        call.caller_location,
    ])?;
    Ok(())
}

pub(crate) fn append_event(
    conn: &Connection,
    call_id: &str,
    at_ms: i64,
    kind: &str,
    detail: &Value,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO call_events (call_id, at, kind, detail) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![call_id, at_ms, kind, detail.to_string()])?;
    Ok(())
}

/// Marks a ringing call answered; `false` if it was not ringing (unknown, answered, ended).
pub(crate) fn answer_call(conn: &Connection, call_id: &str, at_ms: i64) -> rusqlite::Result<bool> {
    let changed = conn
        .prepare_cached(
            "UPDATE calls SET state = 'answered', answered_at = ?2
             WHERE id = ?1 AND state = 'ringing'",
        )?
        .execute(params![call_id, at_ms])?;
    Ok(changed > 0)
}

/// Ends an open call and writes its CDR; `false` if it was unknown or already ended.
pub(crate) fn end_call(conn: &Connection, end: &CallEnd) -> rusqlite::Result<bool> {
    let changed = conn
        .prepare_cached(
            "UPDATE calls SET state = 'ended', ended_at = ?2, end_cause = ?3
             WHERE id = ?1 AND state != 'ended'",
        )?
        .execute(params![end.call_id, end.at_ms, end.cause])?;
    if changed == 0 {
        return Ok(false);
    }
    // Clamped at 0: a clock step back must not give negative durations in reports.
    conn.prepare_cached(
        "INSERT INTO cdrs (call_id, caller, dnis, profile, started_at, answered_at, ended_at,
                           duration_ms, talk_ms, end_cause, digits, queue, caller_location)
         SELECT id, caller, dnis, profile, started_at, answered_at, ended_at,
                max(ended_at - started_at, 0),
                CASE WHEN answered_at IS NULL THEN 0 ELSE max(ended_at - answered_at, 0) END,
                end_cause, ?2, ?3, caller_location
         FROM calls WHERE id = ?1",
    )?
    .execute(params![end.call_id, end.digits, end.queue])?;
    Ok(true)
}

/// Ids of calls not yet ended.
pub(crate) fn open_call_ids(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt =
        conn.prepare_cached("SELECT id FROM calls WHERE state != 'ended' ORDER BY started_at")?;
    stmt.query_map([], |row| row.get(0))?.collect()
}

pub(crate) fn open_call_count(conn: &Connection) -> Result<usize, StoreError> {
    let count: i64 = conn.query_row(
        "SELECT count(*) FROM calls WHERE state != 'ended'",
        [],
        |row| row.get(0),
    )?;
    Ok(count as usize)
}

pub(crate) fn call(conn: &Connection, id: &str) -> Result<Option<CallRow>, StoreError> {
    let raw = conn
        .prepare_cached(
            "SELECT id, started_at, caller, caller_e164, dnis, profile, flow, trunk, transport,
                    remote, state, answered_at, ended_at, end_cause
             FROM calls WHERE id = ?1",
        )?
        .query_row([id], call_row)
        .optional()?;
    Ok(raw)
}

fn call_row(row: &Row<'_>) -> rusqlite::Result<CallRow> {
    Ok(CallRow {
        id: row.get(0)?,
        started_at: row.get(1)?,
        caller: row.get(2)?,
        caller_e164: row.get(3)?,
        dnis: row.get(4)?,
        profile: row.get(5)?,
        flow: row.get(6)?,
        trunk: row.get(7)?,
        transport: row.get(8)?,
        remote: row.get(9)?,
        state: row.get(10)?,
        answered_at: row.get(11)?,
        ended_at: row.get(12)?,
        end_cause: row.get(13)?,
    })
}

pub(crate) fn call_events(
    conn: &Connection,
    call_id: &str,
) -> Result<Vec<CallEventRow>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, at, kind, detail FROM call_events WHERE call_id = ?1 ORDER BY id",
    )?;
    let raw = stmt
        .query_map([call_id], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get::<_, String>(3)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<(i64, i64, String, String)>>>()?;
    raw.into_iter()
        .map(|(id, at, kind, detail)| {
            let detail = serde_json::from_str(&detail)
                .map_err(|source| StoreError::BadEventJson { id, source })?;
            Ok(CallEventRow { at, kind, detail })
        })
        .collect()
}

const CDR_COLUMNS: &str = "call_id, caller, dnis, profile, started_at, answered_at, ended_at, \
                           duration_ms, talk_ms, end_cause, digits, queue, caller_location";

fn cdr_row(row: &Row<'_>) -> rusqlite::Result<CdrRow> {
    Ok(CdrRow {
        call_id: row.get(0)?,
        caller: row.get(1)?,
        dnis: row.get(2)?,
        profile: row.get(3)?,
        started_at: row.get(4)?,
        answered_at: row.get(5)?,
        ended_at: row.get(6)?,
        duration_ms: row.get(7)?,
        talk_ms: row.get(8)?,
        end_cause: row.get(9)?,
        digits: row.get(10)?,
        queue: row.get(11)?,
        caller_location: row.get(12)?,
    })
}

pub(crate) fn cdr(conn: &Connection, call_id: &str) -> Result<Option<CdrRow>, StoreError> {
    let sql = format!("SELECT {CDR_COLUMNS} FROM cdrs WHERE call_id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([call_id], cdr_row)
        .optional()?)
}

/// CDRs of calls started in `[from_ms, to_ms)`, oldest first.
pub(crate) fn cdrs_between(
    conn: &Connection,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<CdrRow>, StoreError> {
    let sql = format!(
        "SELECT {CDR_COLUMNS} FROM cdrs WHERE started_at >= ?1 AND started_at < ?2
         ORDER BY started_at, call_id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map([from_ms, to_ms], cdr_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// The agent who last talked with `caller` since `since_ms` (first-contact responsibility).
pub(crate) fn last_agent_for_caller(
    conn: &Connection,
    caller: &str,
    since_ms: i64,
) -> Result<Option<String>, StoreError> {
    let detail: Option<String> = conn
        .query_row(
            "SELECT e.detail FROM call_events e JOIN calls c ON c.id = e.call_id \
             WHERE c.caller = ?1 AND e.kind = 'connected' AND e.at >= ?2 ORDER BY e.id DESC LIMIT 1",
            rusqlite::params![caller, since_ms],
            |r| r.get(0),
        )
        .optional()?;
    Ok(detail
        .and_then(|d| serde_json::from_str::<serde_json::Value>(&d).ok())
        .and_then(|v| v["agent"].as_str().map(str::to_owned)))
}

//! SQL for recordings.

use rusqlite::{Connection, params};

use super::StoreError;
use super::rows::{NewRecording, RecordingRow};

pub(crate) fn insert_recording(conn: &Connection, rec: &NewRecording) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO recordings (call_id, path, started_at, ended_at, channels, kind)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        rec.call_id,
        rec.path,
        rec.started_at_ms,
        rec.ended_at_ms,
        rec.channels,
        rec.kind,
    ])?;
    Ok(conn.last_insert_rowid())
}

pub(crate) fn recordings_for_call(
    conn: &Connection,
    call_id: &str,
) -> Result<Vec<RecordingRow>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, call_id, path, started_at, ended_at, channels, kind
         FROM recordings WHERE call_id = ?1 ORDER BY started_at, id",
    )?;
    let rows = stmt
        .query_map([call_id], |row| {
            Ok(RecordingRow {
                id: row.get(0)?,
                call_id: row.get(1)?,
                path: row.get(2)?,
                started_at: row.get(3)?,
                ended_at: row.get(4)?,
                channels: row.get(5)?,
                kind: row.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

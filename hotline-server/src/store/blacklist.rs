//! Blocked caller numbers.

use rusqlite::{Connection, params};

use super::StoreError;

/// One block. `until_ms` `None` = permanent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockRow {
    pub number: String,
    pub reason: String,
    /// `warn` (a warning prompt, then service) or `refuse` (a refusal prompt, then goodbye).
    pub mode: String,
    pub until_ms: Option<i64>,
    pub created_at_ms: i64,
    pub created_by: String,
}

/// Adds or replaces the block on a number.
pub(crate) fn put(conn: &Connection, b: &BlockRow) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO blacklist (number, reason, mode, until_ms, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
         ON CONFLICT(number) DO UPDATE SET reason = excluded.reason, mode = excluded.mode, until_ms = excluded.until_ms, \
         created_at = excluded.created_at, created_by = excluded.created_by",
        params![b.number, b.reason, b.mode, b.until_ms, b.created_at_ms, b.created_by],
    )?;
    Ok(())
}

pub(crate) fn remove(conn: &Connection, number: &str) -> Result<bool, StoreError> {
    Ok(conn.execute("DELETE FROM blacklist WHERE number = ?1", [number])? > 0)
}

/// Every block still in force at `now_ms`.
pub(crate) fn active(conn: &Connection, now_ms: i64) -> Result<Vec<BlockRow>, StoreError> {
    let mut st = conn.prepare(
        "SELECT number, reason, mode, until_ms, created_at, created_by FROM blacklist \
         WHERE until_ms IS NULL OR until_ms > ?1 ORDER BY number",
    )?;
    let rows = st.query_map([now_ms], |r| {
        Ok(BlockRow {
            number: r.get(0)?,
            reason: r.get(1)?,
            mode: r.get(2)?,
            until_ms: r.get(3)?,
            created_at_ms: r.get(4)?,
            created_by: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

//! Opening a connection: data directory, pragmas, integrity check and migrations.

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

use super::StoreError;
use super::migrate;

/// How long a statement waits for another connection's write lock before failing.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens `path` ready for use: WAL, foreign keys, checked and migrated to the current schema.
pub(crate) fn open(path: &Path, busy_timeout: Duration) -> Result<Connection, StoreError> {
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
            path: dir.to_owned(),
            source,
        })?;
    }
    let at_open = |err| StoreError::at_open(path, err);
    let mut conn = Connection::open(path).map_err(at_open)?;
    conn.busy_timeout(busy_timeout).map_err(at_open)?;
    // WAL: readers (API, reports) never wait for the writer thread and vice versa.
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
        .map_err(at_open)?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(path = %path.display(), mode, "SQLite could not switch to WAL mode");
    }
    // NORMAL is durable across application crashes in WAL mode; only a power cut can lose
    // the last commits, and it never corrupts.
    conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
        .map_err(at_open)?;
    quick_check(&conn, path)?;
    migrate::migrate(&mut conn, path)?;
    Ok(conn)
}

/// Refuses a damaged file at start rather than failing in the middle of a call.
fn quick_check(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let mut stmt = conn
        .prepare("PRAGMA quick_check")
        .map_err(|e| StoreError::at_open(path, e))?;
    let findings: Vec<String> = stmt
        .query_map([], |row| row.get(0))
        .and_then(Iterator::collect)
        .map_err(|e| StoreError::at_open(path, e))?;
    match findings.as_slice() {
        [ok] if ok == "ok" => Ok(()),
        _ => Err(StoreError::Corrupt {
            path: path.to_owned(),
            detail: findings.join("; "),
        }),
    }
}

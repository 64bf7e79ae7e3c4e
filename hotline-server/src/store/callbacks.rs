//! SQL for callback in queue (排队回拨): the request (keyed by the original call) and each
//! dialling attempt. Written by the distributor through the batching writer, so the ACD task
//! never waits on SQLite.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::{Store, StoreError};

/// A change to a callback's records, applied in the order sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackWrite {
    /// The caller asked; the entry keeps its place in `queue`.
    Requested {
        call_id: String,
        queue: String,
        number: String,
        at_ms: i64,
    },
    /// An agent answered the offer and the server dials (attempt `attempt`, 1-based).
    Dialling {
        call_id: String,
        attempt: u32,
        leg_call_id: String,
        agent: String,
        at_ms: i64,
    },
    /// An attempt's outbound leg ended with `result` (`answered` once it was answered).
    AttemptEnded {
        leg_call_id: String,
        result: String,
        cause: String,
        at_ms: i64,
    },
    /// The attempt failed and the entry waits for its retry at `next_at_ms`; `abandoned` of
    /// its attempts so far were given up on our side.
    Retrying {
        call_id: String,
        result: String,
        abandoned: u32,
        next_at_ms: i64,
        at_ms: i64,
    },
    /// Over: `result` is final; `connected_call_id` is the leg that reached the caller.
    Done {
        call_id: String,
        result: String,
        connected_call_id: String,
        at_ms: i64,
    },
}

/// A stored callback request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallbackRow {
    pub id: i64,
    pub call_id: String,
    pub queue: String,
    pub number: String,
    pub requested_at_ms: i64,
    pub status: String,
    pub attempts: u32,
    pub result: String,
    pub agent: String,
    pub connected_call_id: String,
    pub next_at_ms: Option<i64>,
    /// Of `attempts`, those abandoned on our side (the agent left while the phone rang).
    pub abandoned: u32,
}

impl CallbackRow {
    /// Attempts that count against the queue's limit: the citizen's failures, not ours.
    pub fn failed_attempts(&self) -> u32 {
        self.attempts.saturating_sub(self.abandoned)
    }
}

/// Applies one write (inside the writer's transaction).
pub(super) fn apply(conn: &Connection, write: &CallbackWrite) -> rusqlite::Result<()> {
    match write {
        CallbackWrite::Requested {
            call_id,
            queue,
            number,
            at_ms,
        } => conn
            .prepare_cached(
                "INSERT INTO callbacks (call_id, queue, number, requested_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?4)",
            )?
            .execute(params![call_id, queue, number, at_ms])
            .map(drop),
        CallbackWrite::Dialling {
            call_id,
            attempt,
            leg_call_id,
            agent,
            at_ms,
        } => {
            conn.prepare_cached(
                "UPDATE callbacks SET status = 'dialling', attempts = ?2, agent = ?3,
                     next_at = NULL, updated_at = ?4
                 WHERE call_id = ?1",
            )?
            .execute(params![call_id, attempt, agent, at_ms])?;
            conn.prepare_cached(
                "INSERT INTO callback_attempts (callback_id, attempt, call_id, agent, started_at)
                 SELECT id, ?2, ?3, ?4, ?5 FROM callbacks WHERE call_id = ?1",
            )?
            .execute(params![call_id, attempt, leg_call_id, agent, at_ms])
            .map(drop)
        }
        CallbackWrite::AttemptEnded {
            leg_call_id,
            result,
            cause,
            at_ms,
        } => conn
            .prepare_cached(
                "UPDATE callback_attempts SET ended_at = ?2, result = ?3, cause = ?4
                 WHERE call_id = ?1",
            )?
            .execute(params![leg_call_id, at_ms, result, cause])
            .map(drop),
        CallbackWrite::Retrying {
            call_id,
            result,
            abandoned,
            next_at_ms,
            at_ms,
        } => conn
            .prepare_cached(
                "UPDATE callbacks SET status = 'retrying', result = ?2, next_at = ?3,
                     updated_at = ?4, abandoned = ?5
                 WHERE call_id = ?1",
            )?
            .execute(params![call_id, result, next_at_ms, at_ms, abandoned])
            .map(drop),
        CallbackWrite::Done {
            call_id,
            result,
            connected_call_id,
            at_ms,
        } => conn
            .prepare_cached(
                "UPDATE callbacks SET status = 'done', result = ?2, connected_call_id = ?3,
                     next_at = NULL, updated_at = ?4
                 WHERE call_id = ?1",
            )?
            .execute(params![call_id, result, connected_call_id, at_ms])
            .map(drop),
    }
}

const ROW_COLUMNS: &str = "id, call_id, queue, number, requested_at, status, attempts, result, \
                           agent, connected_call_id, next_at, abandoned";

fn callback_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CallbackRow> {
    Ok(CallbackRow {
        id: r.get(0)?,
        call_id: r.get(1)?,
        queue: r.get(2)?,
        number: r.get(3)?,
        requested_at_ms: r.get(4)?,
        status: r.get(5)?,
        attempts: r.get(6)?,
        result: r.get(7)?,
        agent: r.get(8)?,
        connected_call_id: r.get(9)?,
        next_at_ms: r.get(10)?,
        abandoned: r.get(11)?,
    })
}

impl Store {
    /// The callback asked for on `call_id` (the original call), if any.
    pub fn callback_for_call(&self, call_id: &str) -> Result<Option<CallbackRow>, StoreError> {
        let conn = self.conn();
        let sql = format!("SELECT {ROW_COLUMNS} FROM callbacks WHERE call_id = ?1");
        Ok(conn.query_row(&sql, [call_id], callback_row).optional()?)
    }

    /// Callbacks not yet done, oldest request first: what a restarting server owes callers.
    pub fn open_callbacks(&self) -> Result<Vec<CallbackRow>, StoreError> {
        let conn = self.conn();
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM callbacks WHERE status != 'done' ORDER BY requested_at, id"
        );
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map([], callback_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(store: &Store, w: &CallbackWrite) {
        apply(&store.conn(), w).expect("write applies");
    }

    #[test]
    fn a_request_its_attempts_and_the_result_are_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("h.db")).expect("open");
        store
            .conn()
            .execute(
                "INSERT INTO calls (id, started_at, caller, caller_e164, dnis, profile, flow,
                     trunk, transport, remote)
                 VALUES ('c1', 1, '13800138000', '', '12345', '12345', '12345', 't', 'udp', '')",
                [],
            )
            .expect("call");
        write(
            &store,
            &CallbackWrite::Requested {
                call_id: "c1".into(),
                queue: "general".into(),
                number: "13800138000".into(),
                at_ms: 10,
            },
        );
        // The first attempt was abandoned on our side (the agent logged out while it rang).
        for (attempt, leg, result) in [(1, "o1", "cancelled"), (2, "o2", "answered")] {
            write(
                &store,
                &CallbackWrite::Dialling {
                    call_id: "c1".into(),
                    attempt,
                    leg_call_id: leg.into(),
                    agent: "a1".into(),
                    at_ms: 20,
                },
            );
            write(
                &store,
                &CallbackWrite::AttemptEnded {
                    leg_call_id: leg.into(),
                    result: result.into(),
                    cause: String::new(),
                    at_ms: 30,
                },
            );
            if attempt == 1 {
                write(
                    &store,
                    &CallbackWrite::Retrying {
                        call_id: "c1".into(),
                        result: result.into(),
                        abandoned: 1,
                        next_at_ms: 90,
                        at_ms: 30,
                    },
                );
                let row = store.callback_for_call("c1").expect("read").expect("row");
                assert_eq!(
                    (row.status.as_str(), row.result.as_str(), row.next_at_ms),
                    ("retrying", "cancelled", Some(90))
                );
                // What a restarting server restores: one attempt made, none of them failed.
                assert_eq!(
                    (row.attempts, row.abandoned, row.failed_attempts()),
                    (1, 1, 0)
                );
            }
        }
        write(
            &store,
            &CallbackWrite::Done {
                call_id: "c1".into(),
                result: "answered".into(),
                connected_call_id: "o2".into(),
                at_ms: 40,
            },
        );
        let row = store.callback_for_call("c1").expect("read").expect("row");
        assert_eq!(
            (
                row.status.as_str(),
                row.result.as_str(),
                row.attempts,
                row.agent.as_str(),
                row.connected_call_id.as_str(),
                row.next_at_ms
            ),
            ("done", "answered", 2, "a1", "o2", None)
        );
        let results: Vec<String> = store
            .conn()
            .prepare("SELECT result FROM callback_attempts ORDER BY attempt")
            .expect("prepare")
            .query_map([], |r| r.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        assert_eq!(results, ["cancelled", "answered"]);
        assert_eq!(store.callback_for_call("c2").expect("read"), None);
    }
}

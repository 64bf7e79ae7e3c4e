//! SQL for outbound campaigns (G5, F6): follow-up visits (回访) and surveys, the citizens to
//! call with their attempts and results, and every call placed.
//!
//! Mode `survey` runs an IVR flow on the answered call; mode `agent` connects an agent of a
//! queue first and then dials (the column `agent` holds that queue's name).

use rusqlite::{OptionalExtension, Row, TransactionBehavior, params};
use serde::Serialize;

use super::{RecordError, Store};

/// A campaign to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCampaign {
    pub name: String,
    /// `survey` or `agent`.
    pub mode: String,
    /// The IVR flow the answered citizen enters.
    pub flow: String,
    /// Mode `agent`: the queue whose agents take the calls ('' otherwise).
    pub agent: String,
    pub max_attempts: u32,
    pub retry_secs: i64,
    /// Local minutes after midnight.
    pub window_start: u32,
    pub window_end: u32,
    pub created_by: String,
    /// `follow_up`, `survey` or `dispatch`.
    pub purpose: String,
}

/// A stored campaign with its counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CampaignRow {
    pub id: i64,
    pub name: String,
    pub mode: String,
    pub flow: String,
    /// Mode `agent`: the queue whose agents take the calls.
    pub queue: String,
    pub max_attempts: u32,
    pub retry_secs: i64,
    pub window_start: u32,
    pub window_end: u32,
    pub status: String,
    pub created_by: String,
    pub created_at_ms: i64,
    pub purpose: String,
}

/// One citizen to call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetRow {
    pub id: i64,
    pub campaign_id: i64,
    pub ticket_id: Option<i64>,
    pub number: String,
    /// `pending`, `calling`, `done` or `failed`.
    pub status: String,
    pub attempts: u32,
    pub next_at_ms: i64,
    pub result: String,
    pub answer: String,
    pub last_call: String,
    pub updated_at_ms: i64,
}

/// A target due for a call, with what its campaign says about calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueTarget {
    pub target: TargetRow,
    pub campaign: CampaignRow,
}

/// How a call for a target ended, and what is next for the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallOutcome {
    pub result: String,
    pub cause: String,
    pub answer: String,
    /// `Some(at)`: call again then; `None`: the target is finished with `final_status`.
    pub retry_at_ms: Option<i64>,
    pub final_status: &'static str,
}

/// A call placed for a target (shown on the ticket).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CampaignCallRow {
    pub campaign_id: i64,
    pub campaign: String,
    pub call_id: String,
    pub number: String,
    pub result: String,
    pub cause: String,
    pub answer: String,
    pub started_at_ms: i64,
    pub ended_at_ms: Option<i64>,
}

const CAMPAIGN_COLUMNS: &str = "c.id, c.name, c.mode, c.flow, c.max_attempts, c.retry_secs, \
                                c.window_start, c.window_end, c.status, c.created_by, c.created_at, \
                                c.purpose, c.agent";
const TARGET_COLUMNS: &str = "t.id, t.campaign_id, t.ticket_id, t.number, t.status, t.attempts, \
                              t.next_at, t.result, t.answer, t.last_call, t.updated_at";

fn campaign_row(r: &Row<'_>, at: usize) -> rusqlite::Result<CampaignRow> {
    Ok(CampaignRow {
        id: r.get(at)?,
        name: r.get(at + 1)?,
        mode: r.get(at + 2)?,
        flow: r.get(at + 3)?,
        max_attempts: r.get(at + 4)?,
        retry_secs: r.get(at + 5)?,
        window_start: r.get(at + 6)?,
        window_end: r.get(at + 7)?,
        status: r.get(at + 8)?,
        created_by: r.get(at + 9)?,
        created_at_ms: r.get(at + 10)?,
        purpose: r.get(at + 11)?,
        queue: r.get(at + 12)?,
    })
}

fn target_row(r: &Row<'_>, at: usize) -> rusqlite::Result<TargetRow> {
    Ok(TargetRow {
        id: r.get(at)?,
        campaign_id: r.get(at + 1)?,
        ticket_id: r.get(at + 2)?,
        number: r.get(at + 3)?,
        status: r.get(at + 4)?,
        attempts: r.get(at + 5)?,
        next_at_ms: r.get(at + 6)?,
        result: r.get(at + 7)?,
        answer: r.get(at + 8)?,
        last_call: r.get(at + 9)?,
        updated_at_ms: r.get(at + 10)?,
    })
}

impl Store {
    /// Creates a campaign with its targets (`(ticket, number)`), all due at once.
    pub fn create_campaign(
        &self,
        c: &NewCampaign,
        targets: &[(Option<i64>, String)],
        now_ms: i64,
    ) -> Result<CampaignRow, RecordError> {
        if c.name.trim().is_empty() {
            return Err(RecordError::Invalid("the campaign has no name".into()));
        }
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO campaigns (name, mode, flow, agent, max_attempts, retry_secs,
                 window_start, window_end, created_by, created_at, purpose)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                c.name.trim(),
                c.mode,
                c.flow,
                c.agent,
                c.max_attempts,
                c.retry_secs,
                c.window_start,
                c.window_end,
                c.created_by,
                now_ms,
                c.purpose
            ],
        )?;
        let id = tx.last_insert_rowid();
        for (ticket, number) in targets {
            tx.execute(
                "INSERT INTO campaign_targets (campaign_id, ticket_id, number, next_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?4)",
                params![id, ticket, number.trim(), now_ms],
            )?;
        }
        let sql = format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns c WHERE c.id = ?1");
        let row = tx.query_row(&sql, [id], |r| campaign_row(r, 0))?;
        tx.commit()?;
        Ok(row)
    }

    pub fn campaign(&self, id: i64) -> Result<Option<CampaignRow>, RecordError> {
        let sql = format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns c WHERE c.id = ?1");
        Ok(self
            .conn()
            .query_row(&sql, [id], |r| campaign_row(r, 0))
            .optional()?)
    }

    pub fn campaign_targets(&self, campaign_id: i64) -> Result<Vec<TargetRow>, RecordError> {
        let conn = self.conn();
        let sql = format!(
            "SELECT {TARGET_COLUMNS} FROM campaign_targets t WHERE t.campaign_id = ?1 ORDER BY t.id"
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([campaign_id], |r| target_row(r, 0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Pending targets of running campaigns due at `now_ms`, soonest first.
    pub fn due_targets(&self, now_ms: i64, limit: usize) -> Result<Vec<DueTarget>, RecordError> {
        let conn = self.conn();
        let sql = format!(
            "SELECT {TARGET_COLUMNS}, {CAMPAIGN_COLUMNS}
             FROM campaign_targets t JOIN campaigns c ON c.id = t.campaign_id
             WHERE t.status = 'pending' AND t.next_at <= ?1 AND c.status = 'running'
             ORDER BY t.next_at, t.id LIMIT ?2"
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params![now_ms, limit as i64], |r| {
            Ok(DueTarget {
                target: target_row(r, 0)?,
                campaign: campaign_row(r, 11)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A target waits for the calling window: due again at `at_ms`, no attempt counted.
    pub fn defer_target(&self, target_id: i64, at_ms: i64) -> Result<(), RecordError> {
        self.conn().execute(
            "UPDATE campaign_targets SET next_at = ?2 WHERE id = ?1",
            params![target_id, at_ms],
        )?;
        Ok(())
    }

    /// A call for the target starts: one attempt more, the call recorded.
    pub fn start_target_call(
        &self,
        target_id: i64,
        call_id: &str,
        now_ms: i64,
    ) -> Result<(), RecordError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let changed = tx.execute(
            "UPDATE campaign_targets SET status = 'calling', attempts = attempts + 1,
                 last_call = ?2, updated_at = ?3
             WHERE id = ?1 AND status = 'pending'",
            params![target_id, call_id, now_ms],
        )?;
        if changed != 1 {
            return Err(RecordError::Conflict(format!(
                "campaign target {target_id} is not waiting for a call"
            )));
        }
        tx.execute(
            "INSERT INTO campaign_calls (target_id, call_id, started_at) VALUES (?1, ?2, ?3)",
            params![target_id, call_id, now_ms],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The call ended: its result, and the target's next call or end.
    pub fn finish_target_call(
        &self,
        target_id: i64,
        call_id: &str,
        outcome: &CallOutcome,
        now_ms: i64,
    ) -> Result<(), RecordError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "UPDATE campaign_calls SET result = ?3, cause = ?4, answer = ?5, ended_at = ?6
             WHERE target_id = ?1 AND call_id = ?2",
            params![
                target_id,
                call_id,
                outcome.result,
                outcome.cause,
                outcome.answer,
                now_ms
            ],
        )?;
        let (status, next_at) = match outcome.retry_at_ms {
            Some(at) => ("pending", Some(at)),
            None => (outcome.final_status, None),
        };
        tx.execute(
            "UPDATE campaign_targets SET status = ?2, next_at = COALESCE(?3, next_at),
                 result = ?4, answer = ?5, updated_at = ?6
             WHERE id = ?1",
            params![
                target_id,
                status,
                next_at,
                outcome.result,
                outcome.answer,
                now_ms
            ],
        )?;
        // A campaign whose every target is finished is done.
        tx.execute(
            "UPDATE campaigns SET status = 'done'
             WHERE id = (SELECT campaign_id FROM campaign_targets WHERE id = ?1)
               AND NOT EXISTS (SELECT 1 FROM campaign_targets
                               WHERE campaign_id = campaigns.id
                                 AND status IN ('pending', 'calling'))",
            [target_id],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Start-up recovery: calls that were in progress when the server stopped are tried again.
    pub fn requeue_calling_targets(&self, now_ms: i64) -> Result<usize, RecordError> {
        Ok(self.conn().execute(
            "UPDATE campaign_targets SET status = 'pending', next_at = ?1, updated_at = ?1
             WHERE status = 'calling'",
            [now_ms],
        )?)
    }

    /// The keypad answer the survey flow stored for a call, if any (`satisfied`, `ok`, ...).
    pub fn survey_answer(&self, call_id: &str) -> Result<Option<String>, RecordError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT rating FROM call_surveys WHERE call_id = ?1 ORDER BY id DESC LIMIT 1",
                [call_id],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Campaign calls about a ticket, oldest first.
    pub fn ticket_campaign_calls(
        &self,
        ticket_id: i64,
    ) -> Result<Vec<CampaignCallRow>, RecordError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT c.id, c.name, k.call_id, t.number, k.result, k.cause, k.answer,
                    k.started_at, k.ended_at
             FROM campaign_calls k
             JOIN campaign_targets t ON t.id = k.target_id
             JOIN campaigns c ON c.id = t.campaign_id
             WHERE t.ticket_id = ?1 ORDER BY k.id",
        )?;
        let rows = stmt.query_map([ticket_id], |r| {
            Ok(CampaignCallRow {
                campaign_id: r.get(0)?,
                campaign: r.get(1)?,
                call_id: r.get(2)?,
                number: r.get(3)?,
                result: r.get(4)?,
                cause: r.get(5)?,
                answer: r.get(6)?,
                started_at_ms: r.get(7)?,
                ended_at_ms: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_campaign() -> NewCampaign {
        NewCampaign {
            name: "回访".into(),
            mode: "survey".into(),
            flow: "satisfaction".into(),
            agent: String::new(),
            max_attempts: 2,
            retry_secs: 60,
            window_start: 540,
            window_end: 1200,
            created_by: "sup".into(),
            purpose: "follow_up".into(),
        }
    }

    #[test]
    fn a_target_is_called_retried_and_finished() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("t.db")).unwrap();
        let c = s
            .create_campaign(&new_campaign(), &[(None, "13800000001".into())], 10)
            .unwrap();
        let due = s.due_targets(10, 10).unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].campaign.id, c.id);
        let t = due[0].target.id;
        s.start_target_call(t, "call-1", 10).unwrap();
        assert!(s.start_target_call(t, "call-x", 10).is_err(), "not twice");
        assert!(s.due_targets(10, 10).unwrap().is_empty());
        let busy = CallOutcome {
            result: "busy".into(),
            cause: "486 Busy Here".into(),
            answer: String::new(),
            retry_at_ms: Some(70),
            final_status: "failed",
        };
        s.finish_target_call(t, "call-1", &busy, 20).unwrap();
        assert!(s.due_targets(69, 10).unwrap().is_empty());
        assert_eq!(s.due_targets(70, 10).unwrap()[0].target.attempts, 1);
        s.start_target_call(t, "call-2", 70).unwrap();
        assert_eq!(s.requeue_calling_targets(80).unwrap(), 1);
        s.start_target_call(t, "call-3", 80).unwrap();
        let answered = CallOutcome {
            result: "answered".into(),
            cause: "bye".into(),
            answer: "satisfied".into(),
            retry_at_ms: None,
            final_status: "done",
        };
        s.finish_target_call(t, "call-3", &answered, 90).unwrap();
        let rows = s.campaign_targets(c.id).unwrap();
        assert_eq!(
            (
                rows[0].status.as_str(),
                rows[0].attempts,
                rows[0].answer.as_str()
            ),
            ("done", 3, "satisfied")
        );
        assert_eq!(s.campaign(c.id).unwrap().unwrap().status, "done");
    }

    #[test]
    fn an_agent_mode_campaign_keeps_its_queue() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("t.db")).unwrap();
        let c = NewCampaign {
            mode: "agent".into(),
            flow: String::new(),
            agent: "general".into(),
            ..new_campaign()
        };
        let row = s
            .create_campaign(&c, &[(None, "13800000001".into())], 10)
            .unwrap();
        assert_eq!(
            (row.mode.as_str(), row.queue.as_str()),
            ("agent", "general")
        );
        let due = s.due_targets(10, 10).unwrap();
        assert_eq!(due[0].campaign.queue, "general");
        let survey = s
            .create_campaign(&new_campaign(), &[(None, "13800000002".into())], 10)
            .unwrap();
        assert_eq!(survey.queue, "");
    }
}

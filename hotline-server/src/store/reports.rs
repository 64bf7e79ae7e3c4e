//! SQL of the report endpoints: one sample per call, agents' stretches on calls, follow-up
//! verdicts per agent, and ticket counts per group. The arithmetic is in `crate::reports`.

use rusqlite::params;

use super::{Store, StoreError};
use crate::reports::{AgentLeg, AgentRating, CallSample, GroupCount, StateMark, TicketGroup};

/// Statuses in which a department holds a ticket and its deadline runs.
const HELD: &str = "('dispatched', 'accepted', 'in_progress')";

impl Store {
    /// Every call started in `[from_ms, to_ms)` with its first `queued` and `connected` times.
    pub fn report_call_samples(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<CallSample>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT c.id, c.started_at, c.ended_at,
                (SELECT min(e.at) FROM call_events e
                  WHERE e.call_id = c.id AND e.kind = 'queued'),
                (SELECT min(e.at) FROM call_events e
                  WHERE e.call_id = c.id AND e.kind = 'connected')
             FROM calls c
             WHERE c.started_at >= ?1 AND c.started_at < ?2
             ORDER BY c.started_at, c.id",
        )?;
        let rows = stmt
            .query_map([from_ms, to_ms], |r| {
                Ok(CallSample {
                    call_id: r.get(0)?,
                    started_at_ms: r.get(1)?,
                    ended_at_ms: r.get(2)?,
                    queued_at_ms: r.get(3)?,
                    connected_at_ms: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// Agents' stretches on calls that connected in `[from_ms, to_ms)`: each `connected`
    /// event until the next hand-over in the same call or the call's end.
    pub fn report_agent_legs(&self, from_ms: i64, to_ms: i64) -> Result<Vec<AgentLeg>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT json_extract(e.detail, '$.agent') AS agent, coalesce(u.display_name, ''),
                    e.call_id, e.at,
                    coalesce((SELECT min(n.at) FROM call_events n
                               WHERE n.call_id = e.call_id AND n.id > e.id
                                 AND n.kind IN ('connected', 'transfer', 'ended')),
                             c.ended_at)
             FROM call_events e
             JOIN calls c ON c.id = e.call_id
             LEFT JOIN users u ON u.name = json_extract(e.detail, '$.agent')
             WHERE e.kind = 'connected' AND e.at >= ?1 AND e.at < ?2
               AND json_extract(e.detail, '$.agent') IS NOT NULL
             ORDER BY e.id",
        )?;
        let rows = stmt
            .query_map([from_ms, to_ms], |r| {
                Ok(AgentLeg {
                    agent: r.get(0)?,
                    name: r.get(1)?,
                    call_id: r.get(2)?,
                    connected_at_ms: r.get(3)?,
                    until_ms: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// Agent state changes in `[from_ms, to_ms)`, plus each agent's last change before
    /// `from_ms` (the state it started the period in), ordered by time.
    pub fn report_agent_states(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<StateMark>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT agent, at_ms, state FROM (
                 SELECT s.agent, s.at_ms, s.state, s.id FROM agent_states s
                 WHERE s.at_ms >= ?1 AND s.at_ms < ?2
                 UNION ALL
                 SELECT s.agent, s.at_ms, s.state, s.id FROM agent_states s
                 WHERE s.id IN (SELECT max(id) FROM agent_states
                                WHERE at_ms < ?1 GROUP BY agent))
             ORDER BY at_ms, id",
        )?;
        let rows = stmt
            .query_map([from_ms, to_ms], |r| {
                Ok(StateMark {
                    agent: r.get(0)?,
                    at_ms: r.get(1)?,
                    state: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// Follow-up verdicts of tickets filed in `[from_ms, to_ms)`, per filing agent.
    pub fn report_agent_ratings(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<AgentRating>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT created_by, json_extract(state, '$.satisfaction') AS s, count(*)
             FROM tickets
             WHERE created_at >= ?1 AND created_at < ?2 AND s IS NOT NULL
             GROUP BY created_by, s ORDER BY created_by, s",
        )?;
        let rows = stmt
            .query_map([from_ms, to_ms], |r| {
                Ok(AgentRating {
                    agent: r.get(0)?,
                    satisfaction: r.get(1)?,
                    count: r.get::<_, i64>(2)?.max(0) as u64,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// Tickets filed in `[from_ms, to_ms)` counted by `group`, with how many of them are
    /// overdue at `now_ms`.
    pub fn report_ticket_counts(
        &self,
        group: TicketGroup,
        from_ms: i64,
        to_ms: i64,
        now_ms: i64,
    ) -> Result<Vec<GroupCount>, StoreError> {
        // The column comes from a closed enum, never from the request text.
        let (key, label, join) = match group {
            TicketGroup::Type => ("t.type", "t.type", ""),
            TicketGroup::Category => ("t.category", "t.category", ""),
            TicketGroup::Region => ("t.region", "t.region", ""),
            TicketGroup::Department => (
                "coalesce(CAST(t.lead_department_id AS TEXT), '')",
                "coalesce(d.name, '')",
                "LEFT JOIN departments d ON d.id = t.lead_department_id",
            ),
        };
        let sql = format!(
            "SELECT {key}, {label}, count(*),
                sum(t.due_at IS NOT NULL AND t.due_at < ?3 AND t.status IN {HELD})
             FROM tickets t {join}
             WHERE t.created_at >= ?1 AND t.created_at < ?2
             GROUP BY 1, 2 ORDER BY 1"
        );
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt
            .query_map(params![from_ms, to_ms, now_ms], |r| {
                Ok(GroupCount {
                    key: r.get(0)?,
                    label: r.get(1)?,
                    count: r.get::<_, i64>(2)?.max(0) as u64,
                    overdue: r.get::<_, Option<i64>>(3)?.unwrap_or(0).max(0) as u64,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }
}

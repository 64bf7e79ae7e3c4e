//! Per-agent figures (I2): calls answered and talk time from the calls' `connected` events,
//! satisfaction from the follow-up visits of the tickets the agent filed.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::agent_time::AgentTime;
use super::period::Period;

/// One stretch of an agent on a call: from its `connected` event to the next hand-over
/// (another `connected` or a transfer) or the end of the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentLeg {
    pub agent: String,
    /// The account's display name ("" when the account is gone).
    pub name: String,
    pub call_id: String,
    pub connected_at_ms: i64,
    /// `None` while the call still runs.
    pub until_ms: Option<i64>,
}

/// How many follow-ups of an agent's tickets gave one verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentRating {
    pub agent: String,
    /// `satisfied`, `basic` or `unsatisfied`.
    pub satisfaction: String,
    pub count: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AgentRow {
    pub agent: String,
    pub name: String,
    pub calls_answered: u64,
    pub talk_ms: u64,
    pub avg_talk_ms: u64,
    /// Follow-up visits with a verdict.
    pub rated: u64,
    /// Satisfied or basically satisfied, in percent of `rated`; `null` without ratings.
    pub satisfaction_pct: Option<f64>,
    /// Logged in during the period (any state but logged out).
    pub logged_in_ms: u64,
    /// Not ready during the period (breaks, after missed calls, outbound, consulting).
    pub not_ready_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentReport {
    pub period: Period,
    pub rows: Vec<AgentRow>,
    /// What the report cannot show, and why.
    pub notes: Vec<String>,
}

/// Agents sorted by calls answered (most first), then by id.
pub fn agent_report(
    legs: &[AgentLeg],
    ratings: &[AgentRating],
    times: &BTreeMap<String, AgentTime>,
    period: Period,
) -> AgentReport {
    let mut by_agent: BTreeMap<&str, (AgentRow, u64, u64)> = BTreeMap::new();
    for agent in legs
        .iter()
        .map(|l| &l.agent)
        .chain(ratings.iter().map(|r| &r.agent))
        .chain(times.keys())
    {
        by_agent
            .entry(agent.as_str())
            .or_default()
            .0
            .agent
            .clone_from(agent);
    }
    let mut calls_seen: BTreeSet<(&str, &str)> = BTreeSet::new();
    for leg in legs {
        let Some((row, _, _)) = by_agent.get_mut(leg.agent.as_str()) else {
            continue;
        };
        if row.name.is_empty() {
            row.name.clone_from(&leg.name);
        }
        // Reconnecting to the same call (after a consultation) is one call answered.
        if calls_seen.insert((&leg.agent, &leg.call_id)) {
            row.calls_answered += 1;
        }
        if let Some(until) = leg.until_ms {
            row.talk_ms += (until - leg.connected_at_ms).max(0) as u64;
        }
    }
    for (agent, t) in times {
        if let Some((row, _, _)) = by_agent.get_mut(agent.as_str()) {
            row.logged_in_ms = t.logged_in_ms;
            row.not_ready_ms = t.not_ready_ms;
        }
    }
    for r in ratings {
        if let Some((row, good, all)) = by_agent.get_mut(r.agent.as_str()) {
            *all += r.count;
            if matches!(r.satisfaction.as_str(), "satisfied" | "basic") {
                *good += r.count;
            }
            row.rated += r.count;
        }
    }
    let mut rows: Vec<AgentRow> = by_agent
        .into_values()
        .map(|(mut row, good, all)| {
            row.avg_talk_ms = row.talk_ms.checked_div(row.calls_answered).unwrap_or(0);
            row.satisfaction_pct =
                (all > 0).then(|| (good as f64 * 1000.0 / all as f64).round() / 10.0);
            row
        })
        .collect();
    rows.sort_by(|a, b| {
        b.calls_answered
            .cmp(&a.calls_answered)
            .then_with(|| a.agent.cmp(&b.agent))
    });
    AgentReport {
        period,
        rows,
        notes: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn leg(agent: &str, call: &str, at: i64, until: Option<i64>) -> AgentLeg {
        AgentLeg {
            agent: agent.into(),
            name: format!("{agent}-name"),
            call_id: call.into(),
            connected_at_ms: at,
            until_ms: until,
        }
    }

    #[test]
    fn calls_talk_and_satisfaction() {
        let period = Period::new(date(2026, 11, 23), date(2026, 11, 23)).unwrap();
        let legs = [
            leg("a1", "c1", 0, Some(60_000)),
            leg("a1", "c1", 90_000, Some(120_000)),
            leg("a1", "c2", 0, Some(30_000)),
            leg("a2", "c3", 0, None),
        ];
        let ratings = [
            AgentRating {
                agent: "a1".into(),
                satisfaction: "satisfied".into(),
                count: 2,
            },
            AgentRating {
                agent: "a1".into(),
                satisfaction: "unsatisfied".into(),
                count: 1,
            },
        ];
        let times = BTreeMap::from([
            (
                "a2".to_owned(),
                AgentTime {
                    logged_in_ms: 3_600_000,
                    not_ready_ms: 600_000,
                },
            ),
            // Logged in all day without a call: still in the report.
            ("a3".to_owned(), AgentTime::default()),
        ]);
        let r = agent_report(&legs, &ratings, &times, period);
        assert_eq!(r.rows.len(), 3);
        let a1 = &r.rows[0];
        assert_eq!(
            (a1.calls_answered, a1.talk_ms, a1.avg_talk_ms),
            (2, 120_000, 60_000)
        );
        assert_eq!((a1.rated, a1.satisfaction_pct), (3, Some(66.7)));
        assert_eq!(a1.name, "a1-name");
        let a2 = &r.rows[1];
        assert_eq!(
            (a2.calls_answered, a2.talk_ms, a2.satisfaction_pct),
            (1, 0, None)
        );
        assert_eq!((a2.logged_in_ms, a2.not_ready_ms), (3_600_000, 600_000));
        assert_eq!(r.rows[2].agent, "a3");
        assert!(r.notes.is_empty());
    }
}

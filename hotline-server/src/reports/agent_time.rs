//! Log-in and not-ready time per agent from the agent state log, clipped to a period.

use std::collections::BTreeMap;

/// One logged state change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateMark {
    pub agent: String,
    pub at_ms: i64,
    /// `logged_out`, `ready`, `not_ready`, `ringing`, `on_call` or `wrap_up`.
    pub state: String,
}

/// Time an agent spent logged in and, of that, not ready.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AgentTime {
    pub logged_in_ms: u64,
    pub not_ready_ms: u64,
}

/// Sums each agent's time in `[from_ms, until_ms)`. `marks` are ordered by time per agent and
/// include each agent's last change before `from_ms` (the state it was in at the start); a
/// state lasts until the agent's next change or `until_ms` (the period's end, or now).
pub fn agent_times(
    marks: &[StateMark],
    from_ms: i64,
    until_ms: i64,
) -> BTreeMap<String, AgentTime> {
    let mut out: BTreeMap<String, AgentTime> = BTreeMap::new();
    for (i, m) in marks.iter().enumerate() {
        let end = marks[i + 1..]
            .iter()
            .find(|n| n.agent == m.agent)
            .map_or(until_ms, |n| n.at_ms);
        let span = (end.min(until_ms) - m.at_ms.max(from_ms)).max(0);
        let span = u64::try_from(span).unwrap_or(0);
        let t = out.entry(m.agent.clone()).or_default();
        if m.state != "logged_out" {
            t.logged_in_ms += span;
        }
        if m.state == "not_ready" {
            t.not_ready_ms += span;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(agent: &str, at_ms: i64, state: &str) -> StateMark {
        StateMark {
            agent: agent.into(),
            at_ms,
            state: state.into(),
        }
    }

    #[test]
    fn time_is_clipped_to_the_period_and_split_by_state() {
        let marks = [
            // Logged in before the period, not ready across its start.
            mark("a1", -5_000, "not_ready"),
            mark("a2", 1_000, "ready"),
            mark("a1", 10_000, "ready"),
            mark("a2", 20_000, "not_ready"),
            mark("a1", 30_000, "on_call"),
            mark("a2", 40_000, "logged_out"),
            mark("a1", 50_000, "wrap_up"),
        ];
        let t = agent_times(&marks, 0, 60_000);
        assert_eq!(
            t["a1"],
            AgentTime {
                logged_in_ms: 60_000,
                not_ready_ms: 10_000
            }
        );
        assert_eq!(
            t["a2"],
            AgentTime {
                logged_in_ms: 39_000,
                not_ready_ms: 20_000
            }
        );
    }
}

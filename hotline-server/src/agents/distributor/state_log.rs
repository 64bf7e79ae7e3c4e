//! The agent state log: every state change the ACD decides goes to SQLite through the batching
//! writer (never waited for), stamped by the server's clock, for reports of log-in and
//! not-ready time.

use hotline_protocol as proto;

use super::State;
use crate::acd;
use crate::calls::Clock;
use crate::store::{AgentStateChange, StoreWriter, WriteCommand};

/// Where the distributor logs agent states.
#[derive(Clone)]
pub struct AgentLog {
    pub writer: StoreWriter,
    pub clock: Clock,
}

/// The log's name of a state, and its not-ready reason.
pub(super) fn state_name(state: &acd::AgentState) -> (&'static str, String) {
    match state {
        acd::AgentState::LoggedOut => ("logged_out", String::new()),
        acd::AgentState::Ready => ("ready", String::new()),
        acd::AgentState::NotReady { reason } => ("not_ready", reason.clone()),
        acd::AgentState::Ringing { .. } => ("ringing", String::new()),
        acd::AgentState::OnCall { .. } => ("on_call", String::new()),
        acd::AgentState::WrapUp { .. } => ("wrap_up", String::new()),
    }
}

impl State {
    pub(super) fn log_state(&self, agent: &str, state: &acd::AgentState, cause: proto::StateCause) {
        let Some(log) = &self.log else {
            return;
        };
        let (name, reason) = state_name(state);
        let cause = serde_json::to_value(cause)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        log.writer.send(WriteCommand::AgentState(AgentStateChange {
            agent: agent.to_owned(),
            at_ms: (log.clock)().as_millisecond(),
            state: name,
            reason,
            cause,
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_have_log_names_and_reasons() {
        let nr = acd::AgentState::NotReady {
            reason: "lunch".into(),
        };
        assert_eq!(state_name(&nr), ("not_ready", "lunch".to_owned()));
        assert_eq!(state_name(&acd::AgentState::Ready).0, "ready");
        assert_eq!(state_name(&acd::AgentState::LoggedOut).0, "logged_out");
    }
}

//! Whether the headless agent's voice should go out: only while a call needs it, so an idle
//! seat sends no RTP (the server would decrypt and drop 50 packets a second per agent).

use hotline_protocol::{AgentState, CallId, Event};

/// Follows the agent's state and its calls from server events.
#[derive(Debug, Default)]
pub(super) struct Talk {
    /// The last `agent_state` was `on_call`.
    on_call: bool,
    /// Calls whose last `call_state` was not `ended` (ringing outbound, connected, held,
    /// consult, conference …).
    live: Vec<CallId>,
}

impl Talk {
    /// Takes note of `event`.
    pub(super) fn see(&mut self, event: &Event) {
        match event {
            Event::AgentState { state, .. } => {
                self.on_call = matches!(state, AgentState::OnCall { .. });
                if matches!(state, AgentState::LoggedOut) {
                    self.live.clear();
                }
            }
            Event::CallState { call_id, state, .. } => {
                let known = self.live.iter().position(|c| c == call_id);
                match (state.is_ended(), known) {
                    (true, Some(i)) => {
                        self.live.swap_remove(i);
                    }
                    (false, None) => self.live.push(call_id.clone()),
                    _ => {}
                }
            }
            _ => {}
        }
    }

    /// On a call, or a call not yet ended is around.
    pub(super) fn sending(&self) -> bool {
        self.on_call || !self.live.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hotline_protocol::{
        AgentId, CallState, Direction, EndCause, NotReadyReason, StandardReason, StateCause,
    };

    fn agent(state: AgentState) -> Event {
        Event::AgentState {
            agent_id: AgentId::new("1001"),
            state,
            since_ms: 0,
            cause: StateCause::Request,
            caller: None,
        }
    }

    fn call(id: &str, state: CallState) -> Event {
        Event::CallState {
            call_id: CallId::new(id),
            state,
            direction: Direction::Inbound,
            connected_at_ms: None,
            parties: Vec::new(),
            monitor: None,
        }
    }

    fn ended(id: &str) -> Event {
        call(
            id,
            CallState::Ended {
                cause: EndCause::CallerHangup,
            },
        )
    }

    #[test]
    fn silent_when_idle_talking_on_a_call_silent_after_it() {
        let mut t = Talk::default();
        assert!(!t.sending());
        t.see(&agent(AgentState::Ready));
        t.see(&agent(AgentState::Ringing {
            call_id: CallId::new("c1"),
        }));
        assert!(!t.sending(), "an offer ringing at the seat needs no voice");
        t.see(&call("c1", CallState::Connected));
        assert!(t.sending());
        t.see(&agent(AgentState::OnCall {
            call_id: CallId::new("c1"),
        }));
        t.see(&call("c1", CallState::Held));
        assert!(t.sending(), "held: the agent may consult");
        t.see(&ended("c1"));
        assert!(t.sending(), "still on_call until the state says otherwise");
        t.see(&agent(AgentState::WrapUp { until_ms: 1 }));
        assert!(!t.sending());
        t.see(&agent(AgentState::Ready));
        assert!(!t.sending());
    }

    #[test]
    fn a_dialled_call_talks_from_ringing_and_the_other_call_keeps_it_open() {
        let mut t = Talk::default();
        t.see(&agent(AgentState::NotReady {
            reason: NotReadyReason::standard(StandardReason::Break),
        }));
        t.see(&call("out", CallState::Ringing));
        assert!(t.sending(), "an outbound call the agent dialled");
        t.see(&call("consult", CallState::Connected));
        t.see(&ended("out"));
        assert!(t.sending(), "the consult call is still up");
        t.see(&ended("consult"));
        assert!(!t.sending());
        t.see(&ended("never-seen"));
        assert!(!t.sending());
    }
}

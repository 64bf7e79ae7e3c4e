//! Agent → IVR and back (人工转自动, SPEC A11): the agent hands the caller to a flow (PIN entry,
//! a survey); with `return_to_agent` the agent keeps the call and gets the flow's result when
//! the caller comes back, otherwise the agent is free at once.

use hotline_protocol::{self as proto, Event};

use super::{CallControl, State};
use crate::acd::{self, AgentId};

impl State {
    pub(super) fn transfer_to_ivr(
        &mut self,
        agent: &str,
        call_id: &proto::CallId,
        flow: &str,
        return_to_agent: bool,
    ) -> Result<(), String> {
        let Some(acd::AgentState::OnCall { call }) =
            self.acd.agent_state(&AgentId(agent.to_owned())).cloned()
        else {
            return Err("not on a call".into());
        };
        if self.names.get(&call) != Some(&call_id.0) {
            return Err(format!("{} is not your call", call_id.0));
        }
        if flow.is_empty() {
            return Err("no flow named".into());
        }
        let c = self.calls.get(&call).ok_or("the call is gone")?;
        c.control
            .try_send(CallControl::Ivr {
                flow: flow.to_owned(),
                return_to_agent,
            })
            .map_err(|_| "the call does not answer".to_owned())
    }

    /// The caller is back from the flow: the agent hears them again and sees the result.
    pub(super) fn back_from_ivr(&self, call_id: &str, flow: &str, result: &str) {
        let Some(call) = self.ids.get(call_id) else {
            return;
        };
        let agent = self.agents.iter().find(|(name, _)| {
            matches!(
                self.acd.agent_state(&AgentId((*name).clone())),
                Some(acd::AgentState::OnCall { call: c }) if c == call
            )
        });
        let Some((_, a)) = agent else {
            return;
        };
        let _ = a.events.try_send(Event::IvrResult {
            call_id: proto::CallId(call_id.to_owned()),
            flow: flow.to_owned(),
            result: result.to_owned(),
        });
        let _ = a.events.try_send(Event::CallState {
            call_id: proto::CallId(call_id.to_owned()),
            state: proto::CallState::Connected,
            direction: proto::Direction::Inbound,
            connected_at_ms: None,
            parties: Vec::new(),
            monitor: None,
        });
    }
}

//! Attended transfer and three-way calls with a second agent. The agent asks (`transfer` with
//! `mode: attended`, or `conference`); the second agent's workstation rings (`call_offered`
//! with the transfer note) and answers; then the first agent completes (the second takes the
//! caller), cancels (the second leaves), or — in conference — either agent may leave. The
//! second agent is kept out of routing meanwhile (not-ready, reason `consult`).

use std::time::Instant;

use hotline_protocol::{self as proto, Event};

use super::{CallControl, State, ended};
use crate::acd::{self, AgentId, CallId};

/// Not-ready reason of an agent who is being consulted or sits in a three-way call.
const REASON_CONSULT: &str = "consult";

pub(super) struct Consult {
    /// The call's name (its Call-ID), for events after the call is gone.
    name: String,
    from: String,
    to: String,
    conference: bool,
    answered: bool,
    info: proto::TransferInfo,
}

impl State {
    /// Handles the commands of an attended transfer or a conference; `None` leaves the command
    /// to the others.
    pub(super) fn consult_command(
        &mut self,
        agent: &str,
        command: &proto::Command,
        now: Instant,
    ) -> Option<Result<(), String>> {
        match command {
            proto::Command::Transfer {
                call_id,
                target: proto::TransferTarget::Agent { id },
                mode: proto::TransferMode::Attended,
                note,
                ticket_id,
            } => {
                let info = proto::TransferInfo {
                    from_agent: proto::AgentId(agent.to_owned()),
                    mode: proto::TransferMode::Attended,
                    note: note.clone(),
                    ticket_id: ticket_id.clone(),
                };
                Some(self.start_consult(agent, call_id, &id.0, false, info, now))
            }
            proto::Command::Conference {
                call_id,
                target: proto::TransferTarget::Agent { id },
            } => {
                let info = proto::TransferInfo {
                    from_agent: proto::AgentId(agent.to_owned()),
                    mode: proto::TransferMode::Attended,
                    note: None,
                    ticket_id: None,
                };
                Some(self.start_consult(agent, call_id, &id.0, true, info, now))
            }
            proto::Command::CompleteTransfer => {
                let call = self.consult_of(|c| c.from == agent)?;
                Some(self.complete_consult(call, now))
            }
            proto::Command::CancelTransfer => {
                let call = self.consult_of(|c| c.from == agent)?;
                self.end_consult(call, proto::EndCause::Left, now);
                Some(Ok(()))
            }
            proto::Command::Answer { call_id } => {
                let call = self.named_consult(call_id, agent, false)?;
                Some(self.join_consult(call))
            }
            proto::Command::Reject { call_id } => {
                let call = self.named_consult(call_id, agent, false)?;
                self.end_consult(call, proto::EndCause::Rejected, now);
                Some(Ok(()))
            }
            proto::Command::Hangup { call_id } => {
                let call = self.named_consult(call_id, agent, true)?;
                self.end_consult(call, proto::EndCause::Left, now);
                Some(Ok(()))
            }
            _ => None,
        }
    }

    /// The call whose consultation `pick` selects.
    fn consult_of(&self, pick: impl Fn(&Consult) -> bool) -> Option<CallId> {
        self.consults
            .iter()
            .find(|(_, c)| pick(c))
            .map(|(id, _)| *id)
    }

    /// The consult of `call_id` where `agent` is the second agent (answered or not as asked;
    /// a hang-up counts for either).
    fn named_consult(
        &self,
        call_id: &proto::CallId,
        agent: &str,
        any_phase: bool,
    ) -> Option<CallId> {
        let call = *self.ids.get(&call_id.0)?;
        let c = self.consults.get(&call)?;
        (c.to == agent && (any_phase || !c.answered)).then_some(call)
    }

    fn start_consult(
        &mut self,
        agent: &str,
        call_id: &proto::CallId,
        target: &str,
        conference: bool,
        info: proto::TransferInfo,
        now: Instant,
    ) -> Result<(), String> {
        let call = *self
            .ids
            .get(&call_id.0)
            .ok_or_else(|| format!("no call {}", call_id.0))?;
        if self.acd.agent_state(&AgentId(agent.to_owned()))
            != Some(&acd::AgentState::OnCall { call })
        {
            return Err("you are not talking to this caller".into());
        }
        if self.consults.contains_key(&call) {
            return Err("a second agent is already in this call".into());
        }
        if target == agent {
            return Err("you cannot consult yourself".into());
        }
        if self.acd.agent_state(&AgentId(target.to_owned())) != Some(&acd::AgentState::Ready) {
            return Err(format!("{target} is not ready"));
        }
        let effects = self
            .acd
            .set_not_ready(&AgentId(target.to_owned()), REASON_CONSULT, now)
            .map_err(|e| e.to_string())?;
        self.apply(effects);
        let (queue, screen_pop) = match self.calls.get(&call) {
            Some(c) => (c.queue.clone(), super::screen_pop(c)),
            None => return Err("the call is gone".into()),
        };
        if let Some(a) = self.agents.get(target) {
            let _ = a.events.try_send(Event::CallOffered {
                call_id: call_id.clone(),
                queue,
                waited_ms: 0,
                // No ring timeout: the first agent cancels when nobody answers.
                ring_timeout_ms: 0,
                screen_pop,
                transfer: Some(info.clone()),
                callback: None,
            });
        }
        let state = if conference {
            proto::CallState::Conference
        } else {
            proto::CallState::Transferring
        };
        self.tell_call_state(agent, &call_id.0, state);
        // The caller waits with music while the agents talk; a conference starts when the
        // second agent answers.
        if !conference && let Some(c) = self.calls.get(&call) {
            let _ = c.control.try_send(CallControl::Hold(true));
        }
        self.consults.insert(
            call,
            Consult {
                name: call_id.0.clone(),
                from: agent.to_owned(),
                to: target.to_owned(),
                conference,
                answered: false,
                info,
            },
        );
        Ok(())
    }

    /// The second agent answered: their leg joins the call's bridge.
    fn join_consult(&mut self, call: CallId) -> Result<(), String> {
        let Some(c) = self.consults.get_mut(&call) else {
            return Err("no such consultation".into());
        };
        c.answered = true;
        let (to, name, conference) = (c.to.clone(), c.name.clone(), c.conference);
        let audio = self.agents.get_mut(&to).and_then(|a| a.audio.take());
        if let Some(w) = self.calls.get(&call) {
            let _ = w.control.try_send(CallControl::Guest {
                name: to.clone(),
                audio,
                conference,
            });
        }
        let state = if conference {
            proto::CallState::Conference
        } else {
            proto::CallState::Connected
        };
        self.tell_call_state(&to, &name, state);
        Ok(())
    }

    /// The first agent hands the caller to the consulted agent and drops out.
    fn complete_consult(&mut self, call: CallId, now: Instant) -> Result<(), String> {
        let Some(c) = self.consults.get(&call) else {
            return Err("no consultation in progress".into());
        };
        if !c.answered {
            return Err(format!("{} has not answered yet", c.to));
        }
        let to = AgentId(c.to.clone());
        let effects = self
            .acd
            .hand_over(call, &to, now)
            .map_err(|e| e.to_string())?;
        let Some(c) = self.consults.remove(&call) else {
            return Ok(());
        };
        if let Some(w) = self.calls.get_mut(&call) {
            let _ = w.control.try_send(CallControl::GuestTakesOver);
            w.transfer = Some(c.info);
        }
        if let Some(a) = self.agents.get(&c.from) {
            let _ = a
                .events
                .try_send(ended(&c.name, proto::EndCause::Transferred));
        }
        self.tell_call_state(&c.to, &c.name, proto::CallState::Connected);
        self.apply(effects);
        Ok(())
    }

    /// The second agent leaves (cancelled, rejected, hung up): the caller and the first agent
    /// talk on, and the second agent is ready again.
    fn end_consult(&mut self, call: CallId, cause: proto::EndCause, now: Instant) {
        let Some(c) = self.consults.remove(&call) else {
            return;
        };
        if let Some(w) = self.calls.get(&call) {
            if c.answered {
                let _ = w.control.try_send(CallControl::GuestLeaves);
            } else if !c.conference {
                let _ = w.control.try_send(CallControl::Hold(false));
            }
        }
        if let Some(a) = self.agents.get(&c.to) {
            let _ = a.events.try_send(ended(&c.name, cause));
        }
        self.tell_call_state(&c.from, &c.name, proto::CallState::Connected);
        if let Ok(effects) = self.acd.set_ready(&AgentId(c.to), now) {
            self.apply(effects);
        }
    }

    /// The call ended while a second agent was in it or ringing for it.
    pub(super) fn consulted_call_gone(&mut self, call: CallId, now: Instant) {
        let Some(c) = self.consults.remove(&call) else {
            return;
        };
        if let Some(a) = self.agents.get(&c.to) {
            let _ = a
                .events
                .try_send(ended(&c.name, proto::EndCause::CallerHangup));
        }
        if let Ok(effects) = self.acd.set_ready(&AgentId(c.to), now) {
            self.apply(effects);
        }
    }

    fn tell_call_state(&self, agent: &str, name: &str, state: proto::CallState) {
        if let Some(a) = self.agents.get(agent) {
            let _ = a.events.try_send(Event::CallState {
                call_id: proto::CallId(name.to_owned()),
                state,
                direction: proto::Direction::Inbound,
                connected_at_ms: None,
                parties: Vec::new(),
                monitor: None,
            });
        }
    }
}

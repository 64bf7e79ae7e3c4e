//! Carrying out the ACD's decisions: offers to workstations, bridges, announcements, and the
//! agent state every workstation and wallboard is shown.

use std::time::Instant;

use hotline_protocol::{self as proto, Event};
use tracing::{debug, info};

use super::queue_view::SERVICE_LEVEL_MS;
use super::{CallControl, State, WaitingCall, now_ms};
use crate::acd::{self, AcdEffect, AgentId, CallId};

impl State {
    pub(super) fn notify_ended(&self, call_id: &str, effects: &[AcdEffect]) {
        for e in effects {
            if let AcdEffect::AgentState { agent, .. } = e
                && let Some(a) = self.agents.get(&agent.0)
            {
                let _ = a.events.try_send(Event::CallState {
                    call_id: proto::CallId(call_id.to_owned()),
                    state: proto::CallState::Ended {
                        cause: self.sup.end_cause(call_id),
                    },
                    direction: proto::Direction::Inbound,
                    connected_at_ms: None,
                    parties: Vec::new(),
                    monitor: None,
                });
            }
        }
    }

    pub(super) fn apply(&mut self, effects: Vec<AcdEffect>) {
        for effect in effects {
            debug!(?effect, "acd");
            match effect {
                AcdEffect::Offer {
                    call,
                    agent,
                    ring_timeout,
                } => {
                    let Some(c) = self.calls.get(&call) else {
                        continue;
                    };
                    let Some(a) = self.agents.get(&agent.0) else {
                        continue;
                    };
                    let name = self.names.get(&call).cloned().unwrap_or_default();
                    let _ = a.events.try_send(Event::CallOffered {
                        call_id: proto::CallId(name),
                        queue: c.queue.clone(),
                        waited_ms: now_ms().saturating_sub(c.arrived_ms),
                        ring_timeout_ms: u64::try_from(ring_timeout.as_millis())
                            .unwrap_or(u64::MAX),
                        screen_pop: screen_pop(c),
                        transfer: c.transfer.clone(),
                        callback: self.callback_offer(call),
                    });
                }
                AcdEffect::CancelOffer {
                    call,
                    agent,
                    reason,
                } => {
                    if let (Some(a), Some(name)) =
                        (self.agents.get(&agent.0), self.names.get(&call))
                    {
                        let cause = match reason {
                            acd::CancelReason::Rejected => proto::EndCause::Rejected,
                            acd::CancelReason::RingTimeout => proto::EndCause::NoAnswer,
                            acd::CancelReason::AgentDisconnected => proto::EndCause::Disconnected,
                            _ => proto::EndCause::Abandoned,
                        };
                        let _ = a.events.try_send(ended(name, cause));
                    }
                }
                AcdEffect::Connect { call, agent } => {
                    if !self.connect_callback(call, &agent) {
                        self.connect(call, &agent);
                    }
                }
                AcdEffect::CallbackFailed {
                    call,
                    attempts,
                    retry_at,
                } => self.on_callback_failed(call, attempts, retry_at),
                AcdEffect::AgentState {
                    agent,
                    state,
                    cause,
                } => {
                    if let Some(a) = self.agents.get_mut(&agent.0) {
                        a.since_ms = now_ms();
                    }
                    self.sup.note_cause(&agent.0, &state, cause);
                    self.log_state(&agent.0, &state, self.sup.cause_of(&agent.0));
                    self.send_state(&agent.0);
                }
                AcdEffect::Announce {
                    call,
                    position,
                    estimated_wait_secs,
                } => {
                    if let Some(c) = self.calls.get(&call) {
                        let _ = c.control.try_send(CallControl::Announce {
                            position,
                            wait_secs: estimated_wait_secs,
                        });
                    }
                }
                AcdEffect::Overflow { call, to, cause } => {
                    info!(?call, ?to, ?cause, "overflow");
                    if let Some(c) = self.calls.get_mut(&call) {
                        if let acd::OverflowTarget::Queue(next) = &to {
                            c.queue.clone_from(&next.0);
                        }
                        let _ = c.control.try_send(CallControl::Overflow { to, cause });
                    }
                }
                AcdEffect::Rejected { call, cause } => {
                    info!(?call, ?cause, "rejected by the queue");
                    if let Some(c) = self.calls.remove(&call) {
                        let _ = c.control.try_send(CallControl::Rejected);
                    }
                }
                AcdEffect::QueueSnapshot(snapshot) => {
                    self.queue_changed(&snapshot, Instant::now());
                }
            }
        }
    }

    pub(super) fn connect(&mut self, call: CallId, agent: &AgentId) {
        let Some(c) = self.calls.get(&call) else {
            return;
        };
        let Some(a) = self.agents.get_mut(&agent.0) else {
            return;
        };
        let audio = a.audio.take();
        // A transferred call was answered once already; it counts once.
        if c.transfer.is_none() {
            let waited = now_ms().saturating_sub(c.arrived_ms);
            let day = self.day.entry(c.queue.clone()).or_default();
            day.answered += 1;
            day.wait_ms_total += waited;
            if waited <= SERVICE_LEVEL_MS {
                day.answered_in_time += 1;
            }
        }
        self.connected.insert(call);
        let _ = c.control.try_send(CallControl::Bridge {
            agent: agent.0.clone(),
            work_number: a.work_number.clone(),
            audio,
        });
        if let Some(name) = self.names.get(&call) {
            let _ = a.events.try_send(Event::CallState {
                call_id: proto::CallId(name.clone()),
                state: proto::CallState::Connected,
                direction: proto::Direction::Inbound,
                connected_at_ms: Some(now_ms()),
                parties: Vec::new(),
                monitor: None,
            });
        }
    }

    pub(super) fn send_state(&self, agent: &str) {
        let Some(a) = self.agents.get(agent) else {
            return;
        };
        let Some(state) = self.acd.agent_state(&AgentId(agent.to_owned())) else {
            return;
        };
        let state = match state {
            acd::AgentState::LoggedOut => proto::AgentState::LoggedOut,
            acd::AgentState::Ready => proto::AgentState::Ready,
            acd::AgentState::NotReady { reason } => proto::AgentState::NotReady {
                reason: proto::NotReadyReason::new(reason.clone(), reason.clone()),
            },
            acd::AgentState::Ringing { call } => proto::AgentState::Ringing {
                call_id: proto::CallId(self.names.get(call).cloned().unwrap_or_default()),
            },
            acd::AgentState::OnCall { call } => proto::AgentState::OnCall {
                call_id: proto::CallId(self.names.get(call).cloned().unwrap_or_default()),
            },
            acd::AgentState::WrapUp { until } => {
                let left = until.saturating_duration_since(Instant::now());
                proto::AgentState::WrapUp {
                    until_ms: now_ms() + u64::try_from(left.as_millis()).unwrap_or(0),
                }
            }
        };
        let caller = self
            .acd
            .agent_state(&AgentId(agent.to_owned()))
            .and_then(|s| match s {
                acd::AgentState::Ringing { call } | acd::AgentState::OnCall { call } => {
                    self.calls.get(call).map(|c| c.caller.clone())
                }
                _ => None,
            });
        let event = Event::AgentState {
            agent_id: proto::AgentId(agent.to_owned()),
            state,
            since_ms: a.since_ms,
            cause: self.sup.cause_of(agent),
            caller,
        };
        self.sup.publish(proto::Topic::Agents, &event);
        let _ = a.events.try_send(event);
    }
}

pub(super) fn ended(call_id: &str, cause: proto::EndCause) -> Event {
    Event::CallState {
        call_id: proto::CallId(call_id.to_owned()),
        state: proto::CallState::Ended { cause },
        direction: proto::Direction::Inbound,
        connected_at_ms: None,
        parties: Vec::new(),
        monitor: None,
    }
}

/// The call's screen-pop from the caller look-up, else the number alone.
pub(super) fn screen_pop(call: &WaitingCall) -> proto::ScreenPop {
    match &call.screen_pop {
        Some(pop) => (**pop).clone(),
        None => crate::agents::screen_pop::number_only(&call.caller, None),
    }
}

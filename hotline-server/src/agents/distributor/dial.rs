//! Outbound calls as the distributor sees them: an agent's click-to-dial or callback, and a
//! caller blind-transferred to an outside number or a department.
//!
//! The ACD knows no outbound calls. An agent dialling out is simply not ready with the reason
//! `outbound` (外呼), so no inbound offer reaches them, and gets their previous state back when
//! the call is over. A transferred caller leaves the ACD (the agent goes to wrap-up); if the
//! target does not answer, the caller comes back to the head of the queue.

use std::collections::HashMap;
use std::time::Instant;

use hotline_protocol::{self as proto, Event};
use serde_json::json;
use tokio::sync::{mpsc, oneshot};
use tracing::{info, warn};

use super::transfer::TransferRequest;
use super::{AgentAudio, CallControl, Distributor, Input, State, ended, now_ms};
use crate::acd::{self, AgentId, CallId, QueueId};
use crate::calls::outbound::{
    self, DialOrder, DialerLink, OutboundOrder, OutboundResult, Peer, Progress, Purpose,
};

/// The not-ready reason of an agent on an outbound call.
pub const OUTBOUND_REASON: &str = "outbound";
/// A caller whose transfer failed goes ahead of everyone waiting.
const HEAD_PRIORITY: i32 = i32::MAX / 2;

#[derive(Default)]
pub(super) struct Outbound {
    pub dialer: Option<DialerLink>,
    calls: HashMap<String, OutCall>,
}

struct OutCall {
    control: mpsc::Sender<CallControl>,
    number: String,
    connected: bool,
    job: Job,
}

enum Job {
    /// An agent's own call; `before` is the state to give back.
    Agent { agent: String, before: Before },
    /// A caller waiting (with music) for this call to answer.
    Transfer {
        caller: CallId,
        caller_call: String,
        from_agent: String,
        queue: String,
        /// How the caller's call names who it talks to (`tel:…`, `dept:…`).
        label: String,
        /// The caller's end of the audio between the two calls, until the answer.
        caller_side: Option<AgentAudio>,
        caller_gone: bool,
    },
}

enum Before {
    Ready,
    NotReady(String),
}

impl Distributor {
    /// Dials `number` for `agent` and answers with the new call's id at once; the agent then
    /// gets `call_state` events (outbound) as it rings, connects and ends.
    pub async fn dial(
        &self,
        agent: &str,
        number: &str,
        caller_id: Option<String>,
        ticket_id: Option<String>,
    ) -> Result<String, String> {
        let (reply, rx) = oneshot::channel();
        self.send(Input::Dial {
            agent: agent.to_owned(),
            number: number.to_owned(),
            caller_id,
            ticket_id,
            reply,
        });
        rx.await.map_err(|_| "distributor gone".to_owned())?
    }
}

/// The parties shown for an outbound call: the number dialled.
fn external(number: &str) -> Vec<proto::Party> {
    vec![proto::Party {
        kind: proto::PartyKind::External,
        id: number.to_owned(),
        name: None,
        held: false,
        muted: false,
    }]
}

impl State {
    /// The dialer, if outbound calls can be placed at all.
    pub(super) fn dialer(&self) -> Result<DialerLink, String> {
        match &self.out.dialer {
            Some(link) if link.trunk.is_some() && link.is_up() => Ok(link.clone()),
            Some(link) if link.is_up() => Err(outbound::DialError::NoTrunk.to_string()),
            _ => Err("outbound calls are not available yet".into()),
        }
    }

    fn check_number(link: &DialerLink, number: &str) -> Result<(), String> {
        let Some(trunk) = &link.trunk else {
            return Err(outbound::DialError::NoTrunk.to_string());
        };
        trunk.plan.check(number).map(drop).map_err(|error| {
            outbound::DialError::Number {
                number: number.to_owned(),
                error,
            }
            .to_string()
        })
    }

    fn agent_outbound(&self, agent: &str) -> Option<(&String, &OutCall)> {
        self.out
            .calls
            .iter()
            .find(|(_, c)| matches!(&c.job, Job::Agent { agent: a, .. } if a == agent))
    }

    pub(super) fn out_event(
        &self,
        agent: &str,
        call_id: &str,
        state: proto::CallState,
        number: &str,
    ) {
        let Some(a) = self.agents.get(agent) else {
            return;
        };
        let connected_at_ms = (state == proto::CallState::Connected).then(now_ms);
        let _ = a.events.try_send(Event::CallState {
            call_id: proto::CallId(call_id.to_owned()),
            state,
            direction: proto::Direction::Outbound,
            connected_at_ms,
            parties: external(number),
            monitor: None,
        });
    }

    pub(super) fn notice(&self, agent: &str, text: String) {
        if let Some(a) = self.agents.get(agent) {
            let _ = a.events.try_send(Event::Notice {
                text,
                level: proto::NoticeLevel::Warning,
            });
        }
    }

    /// Click-to-dial / callback for `agent`: checks, then orders the call with the agent's
    /// audio as its peer.
    pub(super) fn dial(
        &mut self,
        agent: &str,
        number: &str,
        caller_id: Option<String>,
        ticket_id: Option<String>,
        now: Instant,
    ) -> Result<String, String> {
        let link = self.dialer()?;
        Self::check_number(&link, number)?;
        if self.agent_outbound(agent).is_some() {
            return Err("already on an outbound call".into());
        }
        let id = AgentId(agent.to_owned());
        let before = match self.acd.agent_state(&id) {
            Some(acd::AgentState::Ready | acd::AgentState::WrapUp { .. }) => Before::Ready,
            Some(acd::AgentState::NotReady { reason }) => Before::NotReady(reason.clone()),
            Some(other) => return Err(format!("cannot dial while {}", other.name())),
            None => return Err("not logged in".into()),
        };
        let Some(a) = self.agents.get_mut(agent) else {
            return Err("not logged in".into());
        };
        let peer = a.audio.take().map(|audio| Peer {
            name: agent.to_owned(),
            audio,
            record: true,
        });
        let call_id = outbound::new_call_id();
        let (control, control_rx) = mpsc::channel(16);
        let purpose = if ticket_id.is_some() {
            Purpose::Callback
        } else {
            Purpose::Dial
        };
        let order = OutboundOrder {
            call_id: call_id.clone(),
            number: number.to_owned(),
            caller_id,
            purpose,
            agent: Some(agent.to_owned()),
            ticket_id,
            peer,
            for_call: None,
            flow: None,
        };
        let sent = link.send(DialOrder {
            order,
            control: control_rx,
            department: None,
        });
        if let Err(back) = sent {
            if let Some(p) = back.order.peer {
                self.audio_back(agent, p.audio);
            }
            return Err("outbound calls are not available".into());
        }
        info!(%agent, %number, %call_id, "dialling out");
        match self.acd.set_not_ready(&id, OUTBOUND_REASON, now) {
            Ok(effects) => self.apply(effects),
            Err(e) => warn!(%agent, error = %e, "outbound state not set"),
        }
        self.out.calls.insert(
            call_id.clone(),
            OutCall {
                control,
                number: number.to_owned(),
                connected: false,
                job: Job::Agent {
                    agent: agent.to_owned(),
                    before,
                },
            },
        );
        self.out_event(agent, &call_id, proto::CallState::Ringing, number);
        Ok(call_id)
    }

    /// Commands about an agent's outbound call; `None` for anything else.
    pub(super) fn outbound_command(
        &mut self,
        agent: &str,
        command: &proto::Command,
        now: Instant,
    ) -> Option<Result<(), String>> {
        match command {
            proto::Command::Dial {
                number,
                caller_id,
                ticket_id,
            } => {
                let ticket = ticket_id.as_ref().map(|t| t.0.clone());
                Some(
                    self.dial(agent, number, caller_id.clone(), ticket, now)
                        .map(drop),
                )
            }
            proto::Command::Hangup { call_id } => {
                let c = self.out.calls.get(&call_id.0)?;
                let mine = match &c.job {
                    Job::Agent { agent: a, .. } => a == agent,
                    Job::Transfer { from_agent, .. } => from_agent == agent,
                };
                if !mine {
                    return Some(Err("not your call".into()));
                }
                let _ = c.control.try_send(CallControl::Hangup {
                    cause: "agent hangup".into(),
                });
                Some(Ok(()))
            }
            proto::Command::Hold | proto::Command::Resume | proto::Command::Mute { .. } => {
                let (call_id, c) = self.agent_outbound(agent)?;
                if !c.connected {
                    return Some(Err("the call is not answered yet".into()));
                }
                let (order, state) = match command {
                    proto::Command::Hold => (CallControl::Hold(true), proto::CallState::Held),
                    proto::Command::Mute { on } => {
                        (CallControl::Mute(*on), proto::CallState::Connected)
                    }
                    _ => (CallControl::Hold(false), proto::CallState::Connected),
                };
                let _ = c.control.try_send(order);
                let (call_id, number) = (call_id.clone(), c.number.clone());
                self.out_event(agent, &call_id, state, &number);
                Some(Ok(()))
            }
            _ => None,
        }
    }

    /// Blind transfer of `call` to an outside number or a department: the caller waits with
    /// music while the server dials; the agent is free at once.
    pub(super) fn transfer_out(
        &mut self,
        agent: &str,
        call: CallId,
        req: &TransferRequest,
        now: Instant,
    ) -> Result<(), String> {
        let link = self.dialer()?;
        // A department's phone is looked up by the dialer; until then it is shown by its id.
        let (number, department, to, label) = match &req.target {
            proto::TransferTarget::External { number } => {
                Self::check_number(&link, number)?;
                let to = json!({"external": number});
                (number.clone(), None, to, format!("tel:{number}"))
            }
            proto::TransferTarget::Department { id } => {
                let to = json!({"department": id});
                (
                    format!("department {id}"),
                    Some(id.clone()),
                    to,
                    format!("dept:{id}"),
                )
            }
            _ => return Err("not an outside target".into()),
        };
        let id = AgentId(agent.to_owned());
        if self.acd.agent_state(&id) != Some(&acd::AgentState::OnCall { call }) {
            return Err("you are not talking to that caller".into());
        }
        let caller_call = self.names.get(&call).cloned().unwrap_or_default();
        let Some(queue) = self.calls.get(&call).map(|c| c.queue.clone()) else {
            return Err("the call is gone".into());
        };
        let effects = self.acd.call_ended(call, now).map_err(|e| e.to_string())?;
        // The two calls hear each other through a pair of frame channels, the same shape as
        // an agent's leg, so each call's bridge treats the other like an agent.
        let (caller_says, callee_hears) = crate::media::frame_pipe::pipe(8);
        let (callee_says, caller_hears) = crate::media::frame_pipe::pipe(8);
        let caller_side = AgentAudio {
            from_agent: caller_hears,
            to_agent: caller_says,
        };
        let callee_side = AgentAudio {
            from_agent: callee_hears,
            to_agent: callee_says,
        };
        let call_id = outbound::new_call_id();
        let (control, control_rx) = mpsc::channel(16);
        let order = OutboundOrder {
            call_id: call_id.clone(),
            number: number.clone(),
            caller_id: None,
            purpose: Purpose::Transfer,
            agent: Some(agent.to_owned()),
            ticket_id: req.ticket_id.as_ref().map(|t| t.0.clone()),
            peer: Some(Peer {
                name: format!("call:{caller_call}"),
                audio: callee_side,
                record: false,
            }),
            for_call: Some(caller_call.clone()),
            flow: None,
        };
        let sent = link.send(DialOrder {
            order,
            control: control_rx,
            department,
        });
        let info = proto::TransferInfo {
            from_agent: proto::AgentId(agent.to_owned()),
            mode: req.mode,
            note: req.note.clone(),
            ticket_id: req.ticket_id.clone(),
        };
        if let Some(c) = self.calls.get_mut(&call) {
            let _ = c.control.try_send(CallControl::Transfer {
                detail: json!({
                    "from": agent,
                    "to": to,
                    "mode": "blind",
                    "note": info.note,
                    "ticket_id": info.ticket_id.as_ref().map(|t| t.0.clone()),
                    "outbound_call": call_id,
                }),
            });
            c.transfer = Some(info);
        }
        self.out.calls.insert(
            call_id.clone(),
            OutCall {
                control,
                number,
                connected: false,
                job: Job::Transfer {
                    caller: call,
                    caller_call: caller_call.clone(),
                    from_agent: agent.to_owned(),
                    queue,
                    label,
                    caller_side: Some(caller_side),
                    caller_gone: false,
                },
            },
        );
        if let Some(a) = self.agents.get(agent) {
            let _ = a
                .events
                .try_send(ended(&caller_call, proto::EndCause::Transferred));
        }
        self.apply(effects);
        if sent.is_err() {
            // The dialer stopped (shutdown): the caller goes back to the queue at once.
            self.on_outbound(
                &call_id,
                Progress::Ended {
                    result: OutboundResult::Failed,
                    cause: "outbound calls are not available".into(),
                    peer: None,
                },
                now,
            );
        }
        Ok(())
    }

    /// News from the dialer about a call the distributor ordered.
    pub(super) fn on_outbound(&mut self, call_id: &str, progress: Progress, now: Instant) {
        match progress {
            Progress::Ringing => {}
            Progress::Answered => {
                let Some(c) = self.out.calls.get_mut(call_id) else {
                    return;
                };
                c.connected = true;
                let number = c.number.clone();
                match &mut c.job {
                    Job::Agent { agent, .. } => {
                        let agent = agent.clone();
                        self.out_event(&agent, call_id, proto::CallState::Connected, &number);
                    }
                    Job::Transfer {
                        caller,
                        caller_side,
                        label,
                        ..
                    } => {
                        if let (Some(audio), Some(w)) = (caller_side.take(), self.calls.get(caller))
                        {
                            let _ = w.control.try_send(CallControl::Bridge {
                                agent: label.clone(),
                                work_number: number,
                                audio: Some(audio),
                            });
                        }
                    }
                }
            }
            Progress::Ended {
                result,
                cause,
                peer,
            } => {
                let Some(c) = self.out.calls.remove(call_id) else {
                    return;
                };
                match c.job {
                    Job::Agent { agent, before } => {
                        if let Some((_, audio)) = peer {
                            self.audio_back(&agent, audio);
                        }
                        let end = AgentEnd {
                            call_id,
                            number: &c.number,
                            result,
                            cause: &cause,
                        };
                        self.agent_outbound_over(&agent, before, &end, now);
                    }
                    Job::Transfer {
                        caller,
                        from_agent,
                        queue,
                        caller_gone,
                        ..
                    } => {
                        if caller_gone {
                            return;
                        }
                        if c.connected {
                            if let Some(w) = self.calls.get(&caller) {
                                let _ = w.control.try_send(CallControl::Hangup {
                                    cause: "transfer target hung up".into(),
                                });
                            }
                            return;
                        }
                        let why = format!("{} ({cause})", result.as_str());
                        self.back_to_queue(caller, &queue, &c.number, &why, now);
                        self.notice(
                            &from_agent,
                            format!(
                                "transfer to {}: {why}; the caller is back in queue {queue}",
                                c.number
                            ),
                        );
                    }
                }
            }
        }
    }

    /// The agent's own outbound call is over: tell them, give their state back.
    fn agent_outbound_over(
        &mut self,
        agent: &str,
        before: Before,
        end: &AgentEnd<'_>,
        now: Instant,
    ) {
        let cause = if end.result == OutboundResult::Answered {
            match end.cause {
                "caller hangup" => proto::EndCause::CallerHangup,
                "agent hangup" => proto::EndCause::AgentHangup,
                _ => proto::EndCause::Failed,
            }
        } else {
            end.result.end_cause()
        };
        self.out_event(
            agent,
            end.call_id,
            proto::CallState::Ended { cause },
            end.number,
        );
        // The agent cancelled it themselves: nothing to tell.
        if !matches!(
            end.result,
            OutboundResult::Answered | OutboundResult::Cancelled
        ) {
            self.notice(agent, format!("{}: {}", end.number, end.result));
        }
        let id = AgentId(agent.to_owned());
        // Only if they are still ours to change (not logged out or set otherwise meanwhile).
        let still_outbound = matches!(
            self.acd.agent_state(&id),
            Some(acd::AgentState::NotReady { reason }) if reason == OUTBOUND_REASON
        );
        if !still_outbound {
            return;
        }
        let effects = match before {
            Before::Ready => self.acd.set_ready(&id, now),
            Before::NotReady(reason) => self.acd.set_not_ready(&id, &reason, now),
        };
        match effects {
            Ok(effects) => self.apply(effects),
            Err(e) => warn!(%agent, error = %e, "state after outbound call not restored"),
        }
    }

    /// A transfer target did not answer: the caller waits again, ahead of everyone.
    fn back_to_queue(
        &mut self,
        caller: CallId,
        queue: &str,
        number: &str,
        why: &str,
        now: Instant,
    ) {
        let Some(w) = self.calls.get(&caller) else {
            return;
        };
        let _ = w.control.try_send(CallControl::Transfer {
            detail: json!({"back_to_queue": queue, "target": number, "why": why}),
        });
        let incoming = acd::IncomingCall {
            call: caller,
            caller: w.caller.clone(),
            queue: QueueId(queue.to_owned()),
            priority: HEAD_PRIORITY,
            vip: false,
            last_agent: None,
            arrived_at: now,
        };
        match self.acd.call_arrived(incoming, now) {
            Ok(effects) => self.apply(effects),
            Err(e) => {
                warn!(error = %e, "transferred caller could not queue again");
                if let Some(w) = self.calls.remove(&caller) {
                    let _ = w.control.try_send(CallControl::Rejected);
                }
            }
        }
    }

    /// The caller hung up while (or after) being transferred out: end the outside leg too.
    pub(super) fn transferred_caller_gone(&mut self, call_id: &str) {
        for c in self.out.calls.values_mut() {
            if let Job::Transfer {
                caller_call,
                caller_gone,
                ..
            } = &mut c.job
                && caller_call == call_id
            {
                *caller_gone = true;
                let _ = c.control.try_send(CallControl::Hangup {
                    cause: "caller hangup".into(),
                });
            }
        }
    }
}

/// How an agent's outbound call ended, for the agent.
struct AgentEnd<'a> {
    call_id: &'a str,
    number: &'a str,
    result: OutboundResult,
    cause: &'a str,
}

//! Callback in queue (排队回拨) as the distributor carries it out. The ACD keeps the entry's
//! place (see `acd/callback.rs`); here the request is recorded, the caller's hang-up is not
//! counted as an abandon, and once an agent answers the offer the server dials the caller
//! with the agent's audio as the peer, the agent hearing it as an outbound call. A failed
//! attempt goes back to the ACD, which retries it or gives up; every step is stored.
//!
//! A follow-up campaign in agent mode (回访 by an agent, `Input::CampaignCall`) rides the same
//! path: its entry is a callback from the start, offered with the ticket to follow up. Each
//! entry is one attempt: its end (answered, busy, …) goes back to the campaign, whose policy
//! decides on retries (the queue's callback attempts and delay do not apply), and the
//! campaign's own tables record it (not the `callbacks` tables, which are about a caller's call).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use hotline_protocol as proto;
use tokio::sync::{mpsc, oneshot};
use tracing::{info, warn};

use super::{CallControl, State, now_ms};
use crate::acd::{self, AgentId, CallId, QueueId};
use crate::calls::outbound::{
    self, DialOrder, OutboundOrder, OutboundResult, Peer, Progress, Purpose,
};
use crate::store::{CallbackRow, CallbackWrite, WriteCommand};

/// Callback requests and their calls in progress.
#[derive(Default)]
pub(super) struct Callbacks {
    /// By the ACD's call: the request.
    requests: HashMap<CallId, Request>,
    /// By the outbound leg's call id: the attempt being dialled.
    dialling: HashMap<String, Dialling>,
}

struct Request {
    /// The original call's id (the caller's call, long ended); a campaign entry's own id.
    call_id: String,
    number: String,
    requested_ms: u64,
    /// Attempts dialled (the records number them).
    attempts: u32,
    /// Of those, abandoned on our side (the agent left while it rang): not counted against
    /// the queue's attempt limit.
    abandoned: u32,
    last_result: OutboundResult,
    last_cause: String,
    /// The agent of the last attempt.
    agent: String,
    /// Set for a campaign's entry: the attempt's end goes there, not to the callback tables.
    campaign: Option<CampaignLink>,
}

struct CampaignLink {
    ticket: Option<String>,
    purpose: String,
    /// The call id the campaign chose for the outbound leg (it is linked to the ticket).
    leg_call_id: String,
    done: Option<oneshot::Sender<CampaignAttempt>>,
}

/// A follow-up campaign's citizen to connect to an agent of `queue` (回访 by an agent).
#[derive(Debug)]
pub struct CampaignCall {
    /// The entry's id, shown to the agent in `call_offered`.
    pub entry_id: String,
    /// The outbound leg's call id once the agent answered.
    pub leg_call_id: String,
    pub number: String,
    pub queue: String,
    /// The ticket's number, shown with the offer.
    pub ticket: Option<String>,
    /// `follow_up` or `survey`.
    pub purpose: String,
    /// The campaign's attempt (1-based), shown with the offer.
    pub attempt: u32,
    /// Gets the attempt's end, once.
    pub done: oneshot::Sender<CampaignAttempt>,
}

/// How a campaign's attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignAttempt {
    pub result: OutboundResult,
    pub cause: String,
    /// The agent who took it ('' if none did).
    pub agent: String,
}

struct Dialling {
    call: CallId,
    agent: String,
    control: mpsc::Sender<CallControl>,
    connected: bool,
    /// Hung up by us because the agent left while it rang: the attempt is not the citizen's
    /// failure and is not counted.
    abandoned: bool,
}

/// Whether a failed attempt is worth another: a number that does not exist never gets better.
fn worth_retrying(result: OutboundResult) -> bool {
    !matches!(result, OutboundResult::InvalidNumber)
}

impl State {
    fn store_callback(&self, write: CallbackWrite) {
        let campaign = match &write {
            CallbackWrite::Requested { call_id, .. }
            | CallbackWrite::Dialling { call_id, .. }
            | CallbackWrite::Retrying { call_id, .. }
            | CallbackWrite::Done { call_id, .. } => self
                .ids
                .get(call_id)
                .and_then(|id| self.cb.requests.get(id))
                .is_some_and(|r| r.campaign.is_some()),
            CallbackWrite::AttemptEnded { leg_call_id, .. } => self
                .cb
                .requests
                .values()
                .filter_map(|r| r.campaign.as_ref())
                .any(|c| c.leg_call_id == *leg_call_id),
        };
        // A campaign's attempts are kept in the campaign's tables.
        if campaign {
            return;
        }
        if let Some(log) = &self.log {
            log.writer.send(WriteCommand::Callback(write));
        }
    }

    fn clock_ms(&self) -> i64 {
        self.log
            .as_ref()
            .map_or_else(|| now_ms().cast_signed(), |l| (l.clock)().as_millisecond())
    }

    /// `Input::CallbackRequest`: mark the entry (it keeps its place) and answer the call.
    pub(super) fn request_callback(&mut self, call_id: &str, number: &str, now: Instant) {
        let Some(&id) = self.ids.get(call_id) else {
            return;
        };
        let result = self.acd.request_callback(id, number, now);
        let accepted = result.is_ok();
        if let Some(c) = self.calls.get(&id) {
            let _ = c.control.try_send(CallControl::Callback { accepted });
        }
        let effects = match result {
            Ok(effects) => effects,
            Err(e) => {
                info!(%call_id, error = %e, "callback not taken");
                return;
            }
        };
        let queue = self
            .calls
            .get(&id)
            .map(|c| c.queue.clone())
            .unwrap_or_default();
        info!(%call_id, %number, %queue, "callback requested");
        self.store_callback(CallbackWrite::Requested {
            call_id: call_id.to_owned(),
            queue,
            number: number.to_owned(),
            at_ms: self.clock_ms(),
        });
        self.cb.requests.insert(
            id,
            Request {
                call_id: call_id.to_owned(),
                number: number.to_owned(),
                requested_ms: now_ms(),
                attempts: 0,
                abandoned: 0,
                last_result: OutboundResult::Failed,
                last_cause: String::new(),
                agent: String::new(),
                campaign: None,
            },
        );
        self.apply(effects);
    }

    /// `Input::RestoreCallback`: a request the server owed before it stopped waits again in
    /// its queue, behind those already waiting (stored requests come in their original order).
    /// Its attempts so far are kept; the queue's retry budget starts afresh.
    pub(super) fn restore_callback(&mut self, row: &CallbackRow, now: Instant) {
        if self.ids.contains_key(&row.call_id) {
            return;
        }
        let id = CallId(self.next_call);
        self.next_call += 1;
        // Nothing listens on the entry's control channel: the caller hung up long ago.
        let (control, _) = mpsc::channel(1);
        let requested_ms = u64::try_from(row.requested_at_ms).unwrap_or_default();
        self.ids.insert(row.call_id.clone(), id);
        self.names.insert(id, row.call_id.clone());
        self.calls.insert(
            id,
            super::WaitingCall {
                control,
                caller: row.number.clone(),
                queue: row.queue.clone(),
                arrived_ms: requested_ms,
                screen_pop: None,
                transfer: None,
            },
        );
        self.cb.requests.insert(
            id,
            Request {
                call_id: row.call_id.clone(),
                number: row.number.clone(),
                requested_ms,
                attempts: row.attempts,
                abandoned: row.abandoned,
                last_result: OutboundResult::Failed,
                last_cause: String::new(),
                agent: row.agent.clone(),
                campaign: None,
            },
        );
        let incoming = acd::IncomingCall {
            call: id,
            caller: row.number.clone(),
            queue: QueueId(row.queue.clone()),
            priority: 0,
            vip: false,
            last_agent: None,
            arrived_at: now,
        };
        // The citizen's failed attempts before the restart count (not those abandoned on our
        // side), and a retry delay still running is kept.
        let start = acd::CallbackStart {
            number: row.number.clone(),
            failed: row.failed_attempts(),
            not_before: row.next_at_ms.and_then(|at| {
                let ahead = u64::try_from(at.saturating_sub(self.clock_ms())).ok()?;
                Some(now + Duration::from_millis(ahead))
            }),
        };
        match self.acd.callback_entry_arrived(incoming, start, now) {
            Ok(effects) => {
                info!(call_id = %row.call_id, number = %row.number, queue = %row.queue,
                      "callback restored after a restart");
                self.apply(effects);
            }
            Err(e) => {
                // The queue is gone or full: the request ends, and says why.
                warn!(call_id = %row.call_id, error = %e, "callback could not be restored");
                self.store_callback(CallbackWrite::Done {
                    call_id: row.call_id.clone(),
                    result: "cancelled".to_owned(),
                    connected_call_id: String::new(),
                    at_ms: self.clock_ms(),
                });
                self.forget_callback_call(id);
            }
        }
    }

    /// `Input::CampaignCall`: the citizen waits in `queue` like a callback until an agent
    /// answers; refused at once (`failed`) if the queue does not take it.
    pub(super) fn campaign_call(&mut self, c: CampaignCall, now: Instant) {
        let id = CallId(self.next_call);
        self.next_call += 1;
        // Nothing listens on the entry's control channel: the citizen is not on the line yet.
        let (control, _) = mpsc::channel(1);
        self.ids.insert(c.entry_id.clone(), id);
        self.names.insert(id, c.entry_id.clone());
        self.calls.insert(
            id,
            super::WaitingCall {
                control,
                caller: c.number.clone(),
                queue: c.queue.clone(),
                arrived_ms: now_ms(),
                screen_pop: None,
                transfer: None,
            },
        );
        self.cb.requests.insert(
            id,
            Request {
                call_id: c.entry_id.clone(),
                number: c.number.clone(),
                requested_ms: now_ms(),
                attempts: c.attempt.saturating_sub(1),
                abandoned: 0,
                last_result: OutboundResult::Failed,
                last_cause: String::new(),
                agent: String::new(),
                campaign: Some(CampaignLink {
                    ticket: c.ticket,
                    purpose: c.purpose,
                    leg_call_id: c.leg_call_id,
                    done: Some(c.done),
                }),
            },
        );
        let incoming = acd::IncomingCall {
            call: id,
            caller: c.number.clone(),
            queue: QueueId(c.queue.clone()),
            priority: 0,
            vip: false,
            last_agent: None,
            arrived_at: now,
        };
        // The campaign owns its retries: every attempt is a fresh entry.
        let start = acd::CallbackStart::new(c.number.clone());
        match self.acd.callback_entry_arrived(incoming, start, now) {
            Ok(effects) => {
                info!(entry = %c.entry_id, number = %c.number, queue = %c.queue,
                      "campaign call waits for an agent");
                self.apply(effects);
            }
            Err(e) => {
                warn!(entry = %c.entry_id, error = %e, "campaign call not queued");
                self.campaign_done(id, OutboundResult::Failed, e.to_string());
                self.forget_callback_call(id);
            }
        }
    }

    /// The campaign gave up waiting for `entry_id` (no agent took it): it leaves the queue
    /// unless an agent has already answered it. `true` if it left (or was gone already).
    pub(super) fn campaign_withdraw(&mut self, entry_id: &str, now: Instant) -> bool {
        let Some(&id) = self.ids.get(entry_id) else {
            return true;
        };
        if self.cb.dialling.values().any(|d| d.call == id) || self.connected.contains(&id) {
            return false;
        }
        if self.cb.requests.remove(&id).is_none() {
            return true;
        }
        let effects = self.acd.call_abandoned(id, now).unwrap_or_default();
        self.notify_ended(entry_id, &effects);
        self.apply(effects);
        self.forget_callback_call(id);
        true
    }

    /// Tells the campaign how its attempt ended (once).
    fn campaign_done(&mut self, call: CallId, result: OutboundResult, cause: String) {
        let Some(r) = self.cb.requests.get_mut(&call) else {
            return;
        };
        let agent = r.agent.clone();
        if let Some(done) = r.campaign.as_mut().and_then(|c| c.done.take()) {
            let _ = done.send(CampaignAttempt {
                result,
                cause,
                agent,
            });
        }
    }

    /// The caller's call ended. `true` if it is a callback entry, which stays in its queue
    /// (its control channel is dead from now on; nothing is sent to it).
    pub(super) fn callback_caller_gone(&self, call_id: &str) -> bool {
        self.ids
            .get(call_id)
            .is_some_and(|id| self.cb.requests.contains_key(id))
    }

    /// What an offer of `call` says about a callback.
    pub(super) fn callback_offer(&self, call: CallId) -> Option<Box<proto::CallbackOffer>> {
        let r = self.cb.requests.get(&call)?;
        let campaign = r.campaign.as_ref();
        Some(Box::new(proto::CallbackOffer {
            number: r.number.clone(),
            attempt: r.attempts + 1,
            requested_at_ms: r.requested_ms,
            ticket: campaign.and_then(|c| c.ticket.clone()),
            purpose: campaign.map(|c| c.purpose.clone()),
        }))
    }

    /// The agent answered a callback's offer: dial the caller with the agent as the peer.
    /// `false` if `call` is not a callback (an ordinary bridge follows).
    pub(super) fn connect_callback(&mut self, call: CallId, agent: &AgentId) -> bool {
        let Some(r) = self.cb.requests.get(&call) else {
            return false;
        };
        let (number, for_call) = (r.number.clone(), r.call_id.clone());
        let campaign = r
            .campaign
            .as_ref()
            .map(|c| (c.leg_call_id.clone(), c.ticket.clone()));
        let now = Instant::now();
        let link = match self.dialer() {
            Ok(link) => link,
            Err(e) => {
                warn!(%for_call, error = %e, "callback cannot be dialled");
                self.callback_attempt_over(call, OutboundResult::Failed, true, now);
                return true;
            }
        };
        let peer = self
            .agents
            .get_mut(&agent.0)
            .and_then(|a| a.audio.take())
            .map(|audio| Peer {
                name: agent.0.clone(),
                audio,
                record: true,
            });
        let (leg_call_id, purpose, ticket_id, served) = match campaign {
            Some((leg, ticket)) => (leg, Purpose::Campaign, ticket, None),
            None => (
                outbound::new_call_id(),
                Purpose::Callback,
                None,
                Some(for_call.clone()),
            ),
        };
        let (control, control_rx) = mpsc::channel(16);
        let order = OutboundOrder {
            call_id: leg_call_id.clone(),
            number: number.clone(),
            caller_id: None,
            purpose,
            agent: Some(agent.0.clone()),
            ticket_id,
            peer,
            for_call: served,
            flow: None,
        };
        if let Err(back) = link.send(DialOrder {
            order,
            control: control_rx,
            department: None,
        }) {
            if let Some(p) = back.order.peer {
                self.audio_back(&agent.0, p.audio);
            }
            self.callback_attempt_over(call, OutboundResult::Failed, true, now);
            return true;
        }
        let attempt = match self.cb.requests.get_mut(&call) {
            Some(r) => {
                r.attempts += 1;
                r.agent.clone_from(&agent.0);
                r.attempts
            }
            None => 1,
        };
        info!(%for_call, %number, agent = %agent, attempt, "calling back");
        self.store_callback(CallbackWrite::Dialling {
            call_id: for_call,
            attempt,
            leg_call_id: leg_call_id.clone(),
            agent: agent.0.clone(),
            at_ms: self.clock_ms(),
        });
        self.cb.dialling.insert(
            leg_call_id.clone(),
            Dialling {
                call,
                agent: agent.0.clone(),
                control,
                connected: false,
                abandoned: false,
            },
        );
        self.out_event(&agent.0, &leg_call_id, proto::CallState::Ringing, &number);
        true
    }

    /// News of a callback's outbound leg. `Err` gives back progress that is not about one.
    pub(super) fn callback_progress(
        &mut self,
        leg_call_id: &str,
        progress: Progress,
        now: Instant,
    ) -> Result<(), Progress> {
        let Some(d) = self.cb.dialling.get_mut(leg_call_id) else {
            return Err(progress);
        };
        let call = d.call;
        let number = self
            .cb
            .requests
            .get(&call)
            .map(|r| r.number.clone())
            .unwrap_or_default();
        match progress {
            Progress::Ringing => {}
            Progress::Answered => {
                d.connected = true;
                let agent = d.agent.clone();
                self.out_event(&agent, leg_call_id, proto::CallState::Connected, &number);
            }
            Progress::Ended {
                result,
                cause,
                peer,
            } => {
                let Some(d) = self.cb.dialling.remove(leg_call_id) else {
                    return Ok(());
                };
                if let Some((_, audio)) = peer {
                    self.audio_back(&d.agent, audio);
                }
                let end = if result == OutboundResult::Answered {
                    match cause.as_str() {
                        "agent hangup" => proto::EndCause::AgentHangup,
                        _ => proto::EndCause::CallerHangup,
                    }
                } else {
                    result.end_cause()
                };
                self.out_event(
                    &d.agent,
                    leg_call_id,
                    proto::CallState::Ended { cause: end },
                    &number,
                );
                self.store_callback(CallbackWrite::AttemptEnded {
                    leg_call_id: leg_call_id.to_owned(),
                    result: result.as_str().to_owned(),
                    cause: cause.clone(),
                    at_ms: self.clock_ms(),
                });
                if let Some(r) = self.cb.requests.get_mut(&call) {
                    r.last_cause.clone_from(&cause);
                }
                if result == OutboundResult::Answered {
                    self.campaign_done(call, result, cause);
                    self.callback_answered(call, leg_call_id, now);
                } else {
                    self.notice(&d.agent, format!("{number}: {result}"));
                    self.callback_attempt_over(call, result, !d.abandoned, now);
                }
            }
        }
        Ok(())
    }

    /// The caller was reached and the conversation is over: an ordinary end for the agent.
    fn callback_answered(&mut self, call: CallId, leg_call_id: &str, now: Instant) {
        if let Some(r) = self.cb.requests.remove(&call)
            && r.campaign.is_none()
        {
            self.store_callback(CallbackWrite::Done {
                call_id: r.call_id,
                result: OutboundResult::Answered.as_str().to_owned(),
                connected_call_id: leg_call_id.to_owned(),
                at_ms: self.clock_ms(),
            });
        }
        self.forget_callback_call(call);
        match self.acd.call_ended(call, now) {
            Ok(effects) => self.apply(effects),
            Err(e) => warn!(?call, error = %e, "callback end not taken by the ACD"),
        }
    }

    /// An attempt failed: the ACD frees the agent and retries the entry or gives up
    /// (`AcdEffect::CallbackFailed`, see [`State::on_callback_failed`]).
    /// An attempt abandoned on our side (`counted` false: the agent left while it rang) does
    /// not use up one of the request's attempts and is retried at once.
    fn callback_attempt_over(
        &mut self,
        call: CallId,
        result: OutboundResult,
        counted: bool,
        now: Instant,
    ) {
        let mut retry = worth_retrying(result);
        if let Some(r) = self.cb.requests.get_mut(&call) {
            r.last_result = result;
            // The campaign's policy decides on another attempt, not the queue's.
            retry &= r.campaign.is_none();
            if !counted {
                r.abandoned += 1;
            }
        }
        let ended = if counted {
            self.acd.callback_failed(call, retry, now)
        } else {
            self.acd.callback_abandoned(call, now)
        };
        match ended {
            Ok(effects) => self.apply(effects),
            Err(_) => self.callback_orphaned(call, retry || !counted, counted, now),
        }
    }

    /// The ACD let go of the entry while an attempt was under way (its agent logged out). The
    /// request is not lost: worth another attempt and within its queue's budget, it waits
    /// again after the retry delay; otherwise it ends with this attempt's result.
    fn callback_orphaned(&mut self, call: CallId, retry: bool, counted: bool, now: Instant) {
        let (Some(r), Some(c)) = (self.cb.requests.get(&call), self.calls.get(&call)) else {
            return;
        };
        let queue = QueueId(c.queue.clone());
        let policy = self.acd.callback_policy(&queue).unwrap_or_default();
        let (attempts, number) = (r.attempts, r.number.clone());
        let failed = attempts.saturating_sub(r.abandoned);
        self.connected.remove(&call);
        if !counted || (retry && failed < policy.max_attempts.max(1)) {
            let at = if counted {
                now + policy.retry_delay
            } else {
                now
            };
            let incoming = acd::IncomingCall {
                call,
                caller: number.clone(),
                queue,
                priority: 0,
                vip: false,
                last_agent: None,
                arrived_at: now,
            };
            let start = acd::CallbackStart {
                number,
                failed,
                not_before: counted.then_some(at),
            };
            if let Ok(effects) = self.acd.callback_entry_arrived(incoming, start, now) {
                self.on_callback_failed(call, attempts, Some(at));
                self.apply(effects);
                return;
            }
        }
        self.on_callback_failed(call, attempts, None);
    }

    /// `agent` logs out or their workstation is gone: a callback they are still dialling is
    /// hung up (nobody would be there when the citizen answers). The attempt is not counted
    /// and the request is offered again at once.
    pub(super) fn agent_left_callbacks(&mut self, agent: &str) {
        for d in self.cb.dialling.values_mut() {
            if d.agent == agent && !d.connected {
                d.abandoned = true;
                let _ = d.control.try_send(CallControl::Hangup {
                    cause: "agent logged out".into(),
                });
            }
        }
    }

    /// The ACD's verdict on a failed attempt.
    pub(super) fn on_callback_failed(
        &mut self,
        call: CallId,
        attempts: u32,
        retry_at: Option<Instant>,
    ) {
        let Some(r) = self.cb.requests.get(&call) else {
            return;
        };
        let result = r.last_result.as_str().to_owned();
        let call_id = r.call_id.clone();
        let abandoned = r.abandoned;
        if let Some(at) = retry_at {
            let wait = at.saturating_duration_since(Instant::now());
            let next_at_ms =
                self.clock_ms() + i64::try_from(wait.as_millis()).unwrap_or(i64::MAX / 2);
            info!(%call_id, attempts, %result, ?wait, "callback will be retried");
            self.store_callback(CallbackWrite::Retrying {
                call_id,
                result,
                abandoned,
                next_at_ms,
                at_ms: self.clock_ms(),
            });
        } else {
            info!(%call_id, attempts, %result, "callback given up");
            let (last, cause) = (r.last_result, r.last_cause.clone());
            self.store_callback(CallbackWrite::Done {
                call_id,
                result,
                connected_call_id: String::new(),
                at_ms: self.clock_ms(),
            });
            self.campaign_done(call, last, cause);
            self.cb.requests.remove(&call);
            self.forget_callback_call(call);
        }
    }

    /// The entry is over: drop what the distributor knew of the original call.
    fn forget_callback_call(&mut self, call: CallId) {
        if let Some(name) = self.names.remove(&call) {
            self.ids.remove(&name);
        }
        self.calls.remove(&call);
        self.connected.remove(&call);
    }

    /// An agent's commands about a callback leg (hang up, hold, mute); `None` for anything else.
    pub(super) fn callback_command(
        &mut self,
        agent: &str,
        command: &proto::Command,
    ) -> Option<Result<(), String>> {
        let (leg_call_id, d) = match command {
            proto::Command::Hangup { call_id } => {
                let d = self.cb.dialling.get(&call_id.0)?;
                (call_id.0.clone(), d)
            }
            proto::Command::Hold | proto::Command::Resume | proto::Command::Mute { .. } => self
                .cb
                .dialling
                .iter()
                .find(|(_, d)| d.agent == agent)
                .map(|(id, d)| (id.clone(), d))?,
            _ => return None,
        };
        if d.agent != agent {
            return Some(Err("not your call".into()));
        }
        let order = match command {
            proto::Command::Hangup { .. } => CallControl::Hangup {
                cause: "agent hangup".into(),
            },
            _ if !d.connected => return Some(Err("the call is not answered yet".into())),
            proto::Command::Hold => CallControl::Hold(true),
            proto::Command::Mute { on } => CallControl::Mute(*on),
            _ => CallControl::Hold(false),
        };
        let state = match order {
            CallControl::Hold(true) => Some(proto::CallState::Held),
            CallControl::Hold(false) | CallControl::Mute(_) => Some(proto::CallState::Connected),
            _ => None,
        };
        let _ = d.control.try_send(order);
        if let Some(state) = state {
            let number = self
                .cb
                .requests
                .get(&d.call)
                .map(|r| r.number.clone())
                .unwrap_or_default();
            self.out_event(agent, &leg_call_id, state, &number);
        }
        Some(Ok(()))
    }
}

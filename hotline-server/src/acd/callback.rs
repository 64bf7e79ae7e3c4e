//! Callback in queue (排队回拨): a waiting caller asks to be called back and hangs up, but their
//! entry keeps its place. When its turn comes it is offered to an agent like any call; once the
//! agent answers, the server dials the caller. A failed attempt (busy, no answer, …) puts the
//! entry back at the head of its queue, held back for the queue's retry delay, until the
//! queue's attempts are used up.
//!
//! A callback entry hears nothing (no announcements) and never overflows: the caller is gone, so
//! there is nobody to send to voicemail or another queue, and the promise was a call back.
//!
//! A follow-up campaign in agent mode (回访 by an agent) enters its citizens the same way
//! ([`Acd::callback_entry_arrived`]): an entry that is a callback from the start. The campaign
//! owns its retries, so such an entry is failed with `retry = false` and a new one arrives for
//! the next attempt. A callback restored after a restart arrives there too, with the attempts
//! it already made and the end of its retry delay, so it does not start its budget afresh.

use std::time::{Duration, Instant};

use super::call::{CallEntry, IncomingCall, Phase, SortKey};
use super::effect::{AcdEffect, StateCause};
use super::error::AcdError;
use super::ids::CallId;
use super::{Acd, Effects, transition};

/// How a queue retries callbacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallbackPolicy {
    /// Dialling attempts in all, the first included (at least one).
    pub max_attempts: u32,
    /// How long a failed entry waits, at the head of its queue, before the next attempt.
    pub retry_delay: Duration,
}

impl Default for CallbackPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            retry_delay: Duration::from_mins(5),
        }
    }
}

/// A callback entry that arrives as one (not a waiting call that asks for it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackStart {
    /// Where to dial the citizen.
    pub number: String,
    /// Attempts already made and failed (a restored request); 0 for a new one.
    pub failed: u32,
    /// Not offered before this instant (a restored request still in its retry delay).
    pub not_before: Option<Instant>,
}

impl CallbackStart {
    /// A first attempt on `number`.
    pub fn new(number: impl Into<String>) -> Self {
        Self {
            number: number.into(),
            failed: 0,
            not_before: None,
        }
    }
}

/// What the ACD keeps of a callback request on its entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Callback {
    pub number: String,
    /// Failed attempts so far.
    pub failed: u32,
    /// Not offered before this instant (the retry delay after a failed attempt).
    pub not_before: Option<Instant>,
}

impl Acd {
    /// The waiting caller asked to be called back on `number`. The entry keeps its place; the
    /// caller may now hang up (the server does not report that as an abandon). Refused while
    /// the call rings at an agent or is connected: someone is about to talk to them.
    pub fn request_callback(&mut self, call: CallId, number: &str, now: Instant) -> Effects {
        let entry = self
            .calls
            .get_mut(&call)
            .ok_or(AcdError::UnknownCall(call))?;
        if !entry.is_waiting() || entry.callback.is_some() {
            return Err(AcdError::NotWaiting(call));
        }
        entry.callback = Some(Callback {
            number: number.to_owned(),
            failed: 0,
            not_before: None,
        });
        entry.next_announce = None;
        entry.max_wait_at = None;
        Ok(self.finish(now, Vec::new()))
    }

    /// A campaign's citizen (or a callback restored after a restart) to connect to an agent of
    /// `incoming.queue`, then dial on `start.number`. It waits like a callback (no
    /// announcements, no overflow, no max wait): behind the queue's callers of the same
    /// priority, or at the head if it already failed (as a retried callback does). Refused when
    /// the queue is unknown or full.
    pub fn callback_entry_arrived(
        &mut self,
        incoming: IncomingCall,
        start: CallbackStart,
        now: Instant,
    ) -> Effects {
        if self.calls.contains_key(&incoming.call) {
            return Err(AcdError::DuplicateCall(incoming.call));
        }
        let queue = self
            .queues
            .get_mut(&incoming.queue)
            .ok_or_else(|| AcdError::UnknownQueue(incoming.queue.clone()))?;
        if queue.is_full() {
            return Err(AcdError::InvalidQueue {
                queue: incoming.queue,
                problem: "is full",
            });
        }
        self.next_seq += 1;
        let entry = CallEntry {
            id: incoming.call,
            caller: incoming.caller,
            queue: incoming.queue,
            key: SortKey {
                front: start.failed > 0,
                priority: incoming.priority,
                seq: self.next_seq,
            },
            arrived_at: incoming.arrived_at,
            phase: Phase::Waiting,
            backup_group: None,
            hops: 0,
            first_contact: None,
            next_announce: None,
            max_wait_at: None,
            declined: std::collections::BTreeSet::new(),
            directed: None,
            callback: Some(Callback {
                number: start.number,
                failed: start.failed,
                not_before: start.not_before.filter(|t| *t > now),
            }),
        };
        queue.insert(entry.key, entry.id);
        self.calls.insert(entry.id, entry);
        self.ledger.arrived += 1;
        Ok(self.finish(now, Vec::new()))
    }

    /// Callbacks whose retry delay is over are offerable again (and no longer a timer).
    pub(super) fn release_callbacks(&mut self, now: Instant) {
        for entry in self.calls.values_mut() {
            if let Some(cb) = entry.callback.as_mut()
                && cb.not_before.is_some_and(|t| t <= now)
            {
                cb.not_before = None;
            }
        }
    }

    /// The number a callback entry is to be dialled on; `None` for an ordinary call.
    pub fn callback_number(&self, call: CallId) -> Option<&str> {
        self.calls
            .get(&call)?
            .callback
            .as_ref()
            .map(|c| c.number.as_str())
    }

    /// The agent's attempt to reach the caller of callback `call` failed. Their part ends at
    /// once (no wrap-up, no talk time: nobody was talked to). With `retry` and attempts left,
    /// the entry waits at the head of its queue for the retry delay; otherwise it leaves the
    /// ACD. [`AcdEffect::CallbackFailed`] says which.
    pub fn callback_failed(&mut self, call: CallId, retry: bool, now: Instant) -> Effects {
        self.callback_attempt_ended(call, retry, true, now)
    }

    /// The attempt on callback `call` was abandoned on our side (its agent logged out while it
    /// rang): not the citizen's failure, so it is not counted and the entry is offered again
    /// at once, from the head of its queue.
    pub fn callback_abandoned(&mut self, call: CallId, now: Instant) -> Effects {
        self.callback_attempt_ended(call, true, false, now)
    }

    fn callback_attempt_ended(
        &mut self,
        call: CallId,
        retry: bool,
        counted: bool,
        now: Instant,
    ) -> Effects {
        let entry = self.calls.get(&call).ok_or(AcdError::UnknownCall(call))?;
        let Phase::Connected { agent, .. } = entry.phase.clone() else {
            return Err(AcdError::NotConnected(call));
        };
        if entry.callback.is_none() {
            return Err(AcdError::NotConnected(call));
        }
        let policy = self
            .queues
            .get(&entry.queue)
            .map(|q| q.config.callback)
            .unwrap_or_default();
        let mut fx = Vec::new();
        if let Some(a) = self.agents.get_mut(&agent) {
            a.idle_since = now;
            if a.state == (super::AgentState::OnCall { call }) {
                let next = a.state_after_work();
                transition(a, next, StateCause::CallEnded, &mut fx);
            }
        }
        let Some(entry) = self.calls.get_mut(&call) else {
            return Ok(self.finish(now, fx));
        };
        let Some(cb) = entry.callback.as_mut() else {
            return Ok(self.finish(now, fx));
        };
        if counted {
            cb.failed += 1;
        }
        let attempts = cb.failed;
        if !counted || (retry && attempts < policy.max_attempts.max(1)) {
            let at = if counted {
                now + policy.retry_delay
            } else {
                now
            };
            cb.not_before = counted.then_some(at);
            entry.phase = Phase::Waiting;
            entry.key.front = true;
            entry.declined.clear();
            if let Some(queue) = self.queues.get_mut(&entry.queue) {
                queue.insert(entry.key, call);
            }
            fx.push(AcdEffect::CallbackFailed {
                call,
                attempts,
                retry_at: Some(at),
            });
        } else {
            self.calls.remove(&call);
            self.ledger.callbacks_failed += 1;
            fx.push(AcdEffect::CallbackFailed {
                call,
                attempts,
                retry_at: None,
            });
        }
        Ok(self.finish(now, fx))
    }
}

//! Blind transfer of a connected call to a queue or to another agent.

use std::time::{Duration, Instant};

use super::call::Phase;
use super::effect::{AcdEffect, AgentState, StateCause};
use super::error::AcdError;
use super::ids::{AgentId, CallId, QueueId};
use super::{Acd, Effects, invalid, transition};

/// Where a transferred call goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferTo {
    /// Waits in this queue, ahead of callers who have not been served yet.
    Queue(QueueId),
    /// Rings at this (ready) agent first.
    Agent(AgentId),
}

impl Acd {
    /// `agent` hands its connected `call` on. See the module documentation for the rules.
    pub fn transfer(
        &mut self,
        agent: &AgentId,
        call: CallId,
        to: TransferTo,
        now: Instant,
    ) -> Effects {
        let entry = self.calls.get(&call).ok_or(AcdError::UnknownCall(call))?;
        let Phase::Connected { agent: on, since } = entry.phase.clone() else {
            return Err(AcdError::NotConnected(call));
        };
        if &on != agent {
            return Err(AcdError::NotOffered {
                call,
                agent: agent.clone(),
            });
        }
        let old_queue = entry.queue.clone();
        let (queue, directed) = match to {
            TransferTo::Queue(q) => {
                if !self.queues.contains_key(&q) {
                    return Err(AcdError::UnknownQueue(q));
                }
                (q, None)
            }
            TransferTo::Agent(target) => {
                if &target == agent {
                    return Err(invalid(
                        agent,
                        "transfer to oneself",
                        &AgentState::OnCall { call },
                    ));
                }
                let t = self.connected(&target)?;
                if !t.available() {
                    return Err(invalid(&target, "take a transfer", &t.state));
                }
                (old_queue.clone(), Some(target))
            }
        };
        let mut fx = Vec::new();
        self.end_agent_part(
            agent,
            call,
            &old_queue,
            since,
            StateCause::Transferred,
            now,
            &mut fx,
        );
        let Some(mut entry) = self.calls.remove(&call) else {
            return Ok(self.finish(now, fx));
        };
        self.next_seq += 1;
        entry.queue = queue;
        entry.key.front = true;
        entry.key.seq = self.next_seq;
        entry.first_contact = None;
        entry.backup_group = None;
        entry.declined.clear();
        entry.declined.insert(agent.clone());
        entry.directed = directed;
        self.enqueue(entry, now, &mut fx);
        Ok(self.finish(now, fx))
    }

    /// Attended transfer completed: the consulted agent `to` (held out of routing by the server
    /// meanwhile, e.g. not-ready) takes over the connected `call`; its agent's part ends.
    pub fn hand_over(&mut self, call: CallId, to: &AgentId, now: Instant) -> Effects {
        let entry = self.calls.get(&call).ok_or(AcdError::UnknownCall(call))?;
        let Phase::Connected { agent: from, since } = entry.phase.clone() else {
            return Err(AcdError::NotConnected(call));
        };
        let queue = entry.queue.clone();
        let t = self.connected(to)?;
        if matches!(
            t.state,
            AgentState::Ringing { .. } | AgentState::OnCall { .. }
        ) {
            return Err(invalid(to, "take over a call", &t.state));
        }
        let mut fx = Vec::new();
        self.end_agent_part(
            &from,
            call,
            &queue,
            since,
            StateCause::Transferred,
            now,
            &mut fx,
        );
        if let Some(entry) = self.calls.get_mut(&call) {
            entry.phase = Phase::Connected {
                agent: to.clone(),
                since: now,
            };
        }
        if let Some(a) = self.agents.get_mut(to) {
            a.calls_today += 1;
            transition(
                a,
                AgentState::OnCall { call },
                StateCause::Answered,
                &mut fx,
            );
        }
        Ok(self.finish(now, fx))
    }

    /// The agent's part of a connected call is over (it ended, or the agent transferred it):
    /// its talk time counts and it goes to wrap-up, or straight on if the queue has none.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn end_agent_part(
        &mut self,
        agent: &AgentId,
        call: CallId,
        queue: &QueueId,
        since: Instant,
        cause: StateCause,
        now: Instant,
        fx: &mut Vec<AcdEffect>,
    ) {
        let talk = now.saturating_duration_since(since);
        let window = self.settings.handle_time_window;
        let wrap = match self.queues.get_mut(queue) {
            Some(q) => {
                q.record_handle_time(talk + q.config.wrap_up, window);
                q.config.wrap_up
            }
            None => Duration::ZERO,
        };
        if let Some(a) = self.agents.get_mut(agent) {
            a.talk_today += talk;
            a.idle_since = now;
            if a.state == (AgentState::OnCall { call }) {
                let next = if wrap.is_zero() {
                    a.state_after_work()
                } else {
                    AgentState::WrapUp { until: now + wrap }
                };
                transition(a, next, cause, fx);
            }
        }
    }
}

//! Matching waiting calls with ready agents, and the offer lifecycle.

use std::collections::BTreeSet;
use std::time::Instant;

use super::agent::Agent;
use super::call::Phase;
use super::effect::{AcdEffect, AgentState, CancelReason, StateCause};
use super::ids::{AgentId, CallId};
use super::settings::Strategy;
use super::{Acd, strategy, transition};

impl Acd {
    /// Runs after every input: overflow queues left without agents, hand out calls,
    /// announce, and report changed queues.
    pub(super) fn finish(&mut self, now: Instant, mut fx: Vec<AcdEffect>) -> Vec<AcdEffect> {
        self.sweep_no_agents(now, &mut fx);
        self.dispatch(now, &mut fx);
        self.announce(now, &mut fx);
        self.emit_snapshots(now, &mut fx);
        fx
    }

    /// Offers waiting calls, best first across all queues, to eligible ready agents.
    /// One pass is enough: an offer only uses agents up, it never frees one.
    fn dispatch(&mut self, now: Instant, fx: &mut Vec<AcdEffect>) {
        let mut order: Vec<_> = self
            .queues
            .values()
            .flat_map(|q| q.calls.iter().copied())
            .filter(|(_, id)| self.calls.get(id).is_some_and(|c| c.offerable(now)))
            .collect();
        order.sort();
        for (_, call) in order {
            if !self.agents.values().any(Agent::available) {
                break;
            }
            let chosen = self.choose_agents(call, now);
            self.offer(call, chosen, now, fx);
        }
    }

    fn choose_agents(&mut self, call: CallId, now: Instant) -> Vec<AgentId> {
        let Some(entry) = self.calls.get_mut(&call) else {
            return Vec::new();
        };
        let Some(queue) = self.queues.get(&entry.queue) else {
            return Vec::new();
        };
        let skills = &queue.config.skills;
        if let Some(target) = entry.directed.clone() {
            match self.agents.get(&target) {
                Some(a) if a.available() => return vec![target],
                _ => entry.directed = None,
            }
        }
        if let Some((agent, until)) = entry.first_contact.clone() {
            match self.agents.get(&agent) {
                Some(a) if a.available() && a.has_skills(skills) => return vec![agent],
                // Busy with someone else: keep the caller for them a while.
                Some(a) if a.connected && a.busy() && now < until => return Vec::new(),
                _ => entry.first_contact = None,
            }
        }
        let backup = entry.backup_group.as_deref();
        let eligible: Vec<&Agent> = self
            .agents
            .values()
            .filter(|a| a.available() && a.eligible(skills, backup))
            .collect();
        let fresh: Vec<&Agent> = eligible
            .iter()
            .filter(|a| !entry.declined.contains(&a.id))
            .copied()
            .collect();
        let candidates = if fresh.is_empty() { eligible } else { fresh };
        strategy::choose(
            queue.config.strategy,
            &candidates,
            &queue.config,
            queue.rr_last.as_ref(),
            &mut self.rng,
        )
    }

    fn offer(&mut self, call: CallId, agents: Vec<AgentId>, now: Instant, fx: &mut Vec<AcdEffect>) {
        let Some(entry) = self.calls.get_mut(&call) else {
            return;
        };
        let Some(queue) = self.queues.get_mut(&entry.queue) else {
            return;
        };
        let Some(first) = agents.first() else {
            return;
        };
        if queue.config.strategy == Strategy::RoundRobin {
            queue.rr_last = Some(first.clone());
        }
        let ring_timeout = queue.config.ring_timeout;
        entry.phase = Phase::Offered {
            agents: agents.iter().cloned().collect::<BTreeSet<_>>(),
            deadline: now + ring_timeout,
        };
        for id in agents {
            fx.push(AcdEffect::Offer {
                call,
                agent: id.clone(),
                ring_timeout,
            });
            if let Some(agent) = self.agents.get_mut(&id) {
                transition(agent, AgentState::Ringing { call }, StateCause::Offered, fx);
            }
        }
    }

    /// Takes one agent off a call's offer and tells the server; the call waits again once no
    /// agent is left ringing. The agent's new state is the caller's business.
    pub(super) fn release_offer(
        &mut self,
        call: CallId,
        agent: &AgentId,
        reason: CancelReason,
        fx: &mut Vec<AcdEffect>,
    ) {
        let Some(entry) = self.calls.get_mut(&call) else {
            return;
        };
        if let Phase::Offered { agents, .. } = &mut entry.phase
            && agents.remove(agent)
        {
            fx.push(AcdEffect::CancelOffer {
                call,
                agent: agent.clone(),
                reason,
            });
            if agents.is_empty() {
                entry.phase = Phase::Waiting;
            }
        }
    }

    /// The agent turned the call down (rejected, rang out, went not-ready): it is tried last
    /// for this call, and first-contact routing to it ends.
    pub(super) fn decline(
        &mut self,
        call: CallId,
        agent: &AgentId,
        reason: CancelReason,
        fx: &mut Vec<AcdEffect>,
    ) {
        self.release_offer(call, agent, reason, fx);
        if let Some(entry) = self.calls.get_mut(&call) {
            entry.declined.insert(agent.clone());
            if entry.directed.as_ref() == Some(agent) {
                entry.directed = None;
            }
            if entry
                .first_contact
                .as_ref()
                .is_some_and(|(a, _)| a == agent)
            {
                entry.first_contact = None;
            }
        }
    }

    /// Cancels every remaining offer of a call; those agents are ready again.
    pub(super) fn withdraw_all(
        &mut self,
        call: CallId,
        reason: CancelReason,
        fx: &mut Vec<AcdEffect>,
    ) {
        let ringing = match self.calls.get(&call).map(|e| &e.phase) {
            Some(Phase::Offered { agents, .. }) => agents.clone(),
            _ => return,
        };
        for agent in &ringing {
            self.release_offer(call, agent, reason, fx);
            self.set_agent(agent, AgentState::Ready, StateCause::OfferWithdrawn, fx);
        }
    }

    /// Moves a call to the head of its queue (its agent vanished while ringing).
    pub(super) fn requeue_front(&mut self, call: CallId) {
        let Some(entry) = self.calls.get_mut(&call) else {
            return;
        };
        let Some(queue) = self.queues.get_mut(&entry.queue) else {
            return;
        };
        entry.key.front = true;
        if queue.remove(call) {
            queue.insert(entry.key, call);
        }
    }

    /// The call leaves its queue and is bridged to the agent.
    pub(super) fn connect(
        &mut self,
        call: CallId,
        agent: &AgentId,
        cause: StateCause,
        now: Instant,
        fx: &mut Vec<AcdEffect>,
    ) {
        let Some(entry) = self.calls.get_mut(&call) else {
            return;
        };
        if let Some(queue) = self.queues.get_mut(&entry.queue) {
            queue.remove(call);
        }
        entry.phase = Phase::Connected {
            agent: agent.clone(),
            since: now,
        };
        entry.first_contact = None;
        fx.push(AcdEffect::Connect {
            call,
            agent: agent.clone(),
        });
        if let Some(a) = self.agents.get_mut(agent) {
            a.calls_today += 1;
            transition(a, AgentState::OnCall { call }, cause, fx);
        }
    }

    pub(super) fn set_agent(
        &mut self,
        agent: &AgentId,
        state: AgentState,
        cause: StateCause,
        fx: &mut Vec<AcdEffect>,
    ) {
        if let Some(a) = self.agents.get_mut(agent) {
            transition(a, state, cause, fx);
        }
    }

    pub(super) fn reconnect(&mut self, agent: &AgentId, fx: &mut Vec<AcdEffect>) {
        let Some(a) = self.agents.get_mut(agent) else {
            return;
        };
        if a.connected {
            return;
        }
        a.connected = true;
        a.grace_until = None;
        let resume = std::mem::take(&mut a.resume_ready);
        if resume && matches!(a.state, AgentState::NotReady { .. }) {
            transition(a, AgentState::Ready, StateCause::Reconnected, fx);
        }
    }

    /// Logs an agent out whatever it is doing. A ringing call goes back to the head of its
    /// queue; a connected call is forgotten (the server ends it).
    pub(super) fn log_out_agent(
        &mut self,
        agent: &AgentId,
        cause: StateCause,
        now: Instant,
        fx: &mut Vec<AcdEffect>,
    ) {
        let Some(state) = self.agents.get(agent).map(|a| a.state.clone()) else {
            return;
        };
        match state {
            AgentState::Ringing { call } => {
                self.release_offer(call, agent, CancelReason::AgentLoggedOut, fx);
                self.requeue_front(call);
            }
            AgentState::OnCall { call } => {
                if let Some(entry) = self.calls.remove(&call) {
                    self.ledger.completed += 1;
                    if let Phase::Connected { since, .. } = entry.phase
                        && let Some(a) = self.agents.get_mut(agent)
                    {
                        a.talk_today += now.saturating_duration_since(since);
                    }
                }
            }
            _ => {}
        }
        if let Some(a) = self.agents.get_mut(agent) {
            a.connected = false;
            a.grace_until = None;
            a.resume_ready = false;
            a.pending_not_ready = None;
            transition(a, AgentState::LoggedOut, cause, fx);
        }
    }
}

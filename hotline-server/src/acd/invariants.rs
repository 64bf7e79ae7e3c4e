//! Bookkeeping checks: what must hold between any two inputs.

use std::collections::BTreeMap;

use super::call::Phase;
use super::effect::{AgentState, REASON_DISCONNECTED};
use super::ids::CallId;
use super::settings::Strategy;
use super::{Acd, AgentId};

impl Acd {
    /// Verifies the invariants; tests call it after every step. Costs O(calls × agents).
    ///
    /// - every call that arrived is accounted for: live (waiting, ringing, connected) or
    ///   completed, overflowed out, rejected, abandoned or a callback given up;
    /// - each live call not yet connected is in exactly its own queue, in queue order;
    /// - a ringing call rings at exactly one agent, or at several only under ring-all, and
    ///   each of them is `Ringing` with that call (so an agent holds at most one call);
    /// - a connected call's agent is `OnCall` with it, and the other way round;
    /// - a disconnected agent is never ready or ringing.
    ///
    /// (Every agent state change has a cause by construction: `AcdEffect::AgentState` has a
    /// mandatory `cause`.)
    pub fn check_invariants(&self) -> Result<(), String> {
        let l = &self.ledger;
        let accounted = self.calls.len() as u64
            + l.completed
            + l.overflowed_out
            + l.rejected
            + l.abandoned
            + l.callbacks_failed;
        if accounted != l.arrived {
            return Err(format!(
                "{} calls arrived but {accounted} accounted for",
                l.arrived
            ));
        }

        let mut in_queues: BTreeMap<CallId, usize> = BTreeMap::new();
        for (name, queue) in &self.queues {
            if !queue.calls.is_sorted_by_key(|(k, _)| *k) {
                return Err(format!("queue {name} out of order"));
            }
            for (key, id) in &queue.calls {
                *in_queues.entry(*id).or_default() += 1;
                let entry = self
                    .calls
                    .get(id)
                    .ok_or(format!("{id} queued in {name} but unknown"))?;
                if entry.queue != *name || entry.key != *key || !entry.in_queue() {
                    return Err(format!("{id} in queue {name} does not belong there"));
                }
            }
        }

        let mut holder: BTreeMap<&AgentId, CallId> = BTreeMap::new();
        for (id, entry) in &self.calls {
            let queued = in_queues.get(id).copied().unwrap_or(0);
            match &entry.phase {
                Phase::Connected { agent, .. } => {
                    if queued != 0 {
                        return Err(format!("connected {id} still queued"));
                    }
                    self.expect_state(agent, &AgentState::OnCall { call: *id })?;
                    if holder.insert(agent, *id).is_some() {
                        return Err(format!("agent {agent} holds two calls"));
                    }
                }
                phase => {
                    if queued != 1 {
                        return Err(format!("{id} appears {queued} times in queues"));
                    }
                    let Phase::Offered { agents, .. } = phase else {
                        continue;
                    };
                    let ring_all = self
                        .queues
                        .get(&entry.queue)
                        .is_some_and(|q| q.config.strategy == Strategy::RingAll);
                    if agents.is_empty() || (agents.len() > 1 && !ring_all) {
                        return Err(format!("{id} offered to {} agents", agents.len()));
                    }
                    for agent in agents {
                        self.expect_state(agent, &AgentState::Ringing { call: *id })?;
                        if holder.insert(agent, *id).is_some() {
                            return Err(format!("agent {agent} holds two calls"));
                        }
                    }
                }
            }
        }

        for agent in self.agents.values() {
            let call = match agent.state {
                AgentState::Ringing { call } | AgentState::OnCall { call } => Some(call),
                _ => None,
            };
            if call.is_some() && holder.get(&agent.id).copied() != call {
                return Err(format!(
                    "agent {} has a call the ACD does not track",
                    agent.id
                ));
            }
            if !agent.connected && agent.logged_in() {
                if matches!(agent.state, AgentState::Ready | AgentState::Ringing { .. }) {
                    return Err(format!("disconnected agent {} is available", agent.id));
                }
                if agent.grace_until.is_none() {
                    return Err(format!(
                        "disconnected agent {} has no grace timer",
                        agent.id
                    ));
                }
            }
            if agent.resume_ready
                && agent.state
                    != (AgentState::NotReady {
                        reason: REASON_DISCONNECTED.to_owned(),
                    })
            {
                return Err(format!(
                    "agent {} would resume from a wrong state",
                    agent.id
                ));
            }
        }
        Ok(())
    }

    fn expect_state(&self, agent: &AgentId, want: &AgentState) -> Result<(), String> {
        match self.agents.get(agent) {
            Some(a) if a.state == *want => Ok(()),
            Some(a) => Err(format!("agent {agent} is {:?}, expected {want:?}", a.state)),
            None => Err(format!("agent {agent} unknown")),
        }
    }
}

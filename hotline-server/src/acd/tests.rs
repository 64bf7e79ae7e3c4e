//! Scenario tests on a virtual clock, plus a property test over random input sequences.

mod callback;
mod props;
mod routing;
mod scenarios;
mod transfer;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use super::*;

/// Drives an [`Acd`] on a virtual clock and checks the invariants after every step.
struct Sim {
    acd: Acd,
    base: Instant,
    now: Instant,
}

fn agent(id: &str) -> AgentId {
    AgentId::from(id)
}

fn qid(name: &str) -> QueueId {
    QueueId::from(name)
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

impl Sim {
    fn new() -> Self {
        Self::with_seed(7)
    }

    fn with_seed(seed: u64) -> Self {
        let base = Instant::now();
        Self {
            acd: Acd::new(AcdSettings::default(), seed),
            base,
            now: base,
        }
    }

    fn check(&self, fx: Result<Vec<AcdEffect>, AcdError>) -> Vec<AcdEffect> {
        let fx = fx.expect("input accepted");
        self.acd.check_invariants().expect("invariants hold");
        fx
    }

    fn queue(&mut self, config: QueueConfig) {
        let r = self.acd.define_queue(config, self.now);
        self.check(r);
    }

    /// Logs an agent in with `skills` and makes it ready.
    fn ready_agent(&mut self, id: &str, skills: &[(&str, u8)]) -> Vec<AcdEffect> {
        self.login(id, skills, &[]);
        let r = self.acd.set_ready(&agent(id), self.now);
        self.check(r)
    }

    fn login(&mut self, id: &str, skills: &[(&str, u8)], groups: &[&str]) -> Vec<AcdEffect> {
        let login = AgentLogin {
            id: agent(id),
            skills: skills.iter().map(|(s, l)| ((*s).to_owned(), *l)).collect(),
            backup_groups: groups.iter().map(|g| (*g).to_owned()).collect(),
        };
        let r = self.acd.log_in(login, self.now);
        self.check(r)
    }

    fn call(&mut self, id: u64, queue: &str) -> Vec<AcdEffect> {
        self.call_with(id, queue, 0, false, None)
    }

    fn call_with(
        &mut self,
        id: u64,
        queue: &str,
        priority: i32,
        vip: bool,
        last_agent: Option<&str>,
    ) -> Vec<AcdEffect> {
        let incoming = IncomingCall {
            call: CallId(id),
            caller: format!("1380000{id:04}"),
            queue: qid(queue),
            priority,
            vip,
            last_agent: last_agent.map(agent),
            arrived_at: self.now,
        };
        let r = self.acd.call_arrived(incoming, self.now);
        self.check(r)
    }

    fn answer(&mut self, id: &str, call: u64) -> Vec<AcdEffect> {
        let r = self.acd.answer(&agent(id), CallId(call), self.now);
        self.check(r)
    }

    fn end(&mut self, call: u64) -> Vec<AcdEffect> {
        let r = self.acd.call_ended(CallId(call), self.now);
        self.check(r)
    }

    /// Answers and ends a call at once: the agent becomes ready (queues without wrap-up).
    fn serve(&mut self, id: &str, call: u64, talk: Duration) -> Vec<AcdEffect> {
        self.answer(id, call);
        self.advance(talk);
        self.end(call)
    }

    fn advance(&mut self, by: Duration) -> Vec<AcdEffect> {
        self.now += by;
        let fx = self.acd.poll(self.now);
        self.acd.check_invariants().expect("invariants hold");
        fx
    }

    fn state(&self, id: &str) -> AgentState {
        self.acd
            .agent_state(&agent(id))
            .cloned()
            .expect("known agent")
    }

    fn waiting(&self, queue: &str) -> Vec<u64> {
        let snap = self
            .acd
            .queue_snapshot(&qid(queue), self.now)
            .expect("queue exists");
        snap.waiting.iter().map(|w| w.call.0).collect()
    }

    fn at(&self, secs: u64) -> Instant {
        self.base + Duration::from_secs(secs)
    }
}

/// (call, agent) of every offer in `fx`.
fn offers(fx: &[AcdEffect]) -> Vec<(u64, String)> {
    fx.iter()
        .filter_map(|e| match e {
            AcdEffect::Offer { call, agent, .. } => Some((call.0, agent.0.clone())),
            _ => None,
        })
        .collect()
}

fn offer(call: u64, id: &str) -> Vec<(u64, String)> {
    vec![(call, id.to_owned())]
}

fn has_state(fx: &[AcdEffect], id: &str, want: &AgentState, why: StateCause) -> bool {
    fx.iter().any(|e| {
        matches!(e, AcdEffect::AgentState { agent, state, cause }
            if agent.0 == id && state == want && *cause == why)
    })
}

fn not_ready(reason: &str) -> AgentState {
    AgentState::NotReady {
        reason: reason.to_owned(),
    }
}

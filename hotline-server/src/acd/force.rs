//! Supervisor-forced state changes (force not-ready, force log-out) and the not-ready change
//! they share with the agent's own request. A forced change carries [`StateCause::Forced`] so
//! the agent's screen, reports and the audit can tell it from the agent's own choice.

use std::time::Instant;

use super::effect::{AcdEffect, AgentState, CancelReason, REASON_NO_AUDIO, StateCause};
use super::ids::{AgentId, QueueId};
use super::{Acd, AcdError, transition};

type Effects = Result<Vec<AcdEffect>, AcdError>;

impl Acd {
    /// A supervisor sets the agent not ready. Like the agent's own request: a ringing offer goes
    /// back to the queue, and on a call it takes effect when the call (and wrap-up) ends.
    pub fn force_not_ready(&mut self, agent: &AgentId, reason: &str, now: Instant) -> Effects {
        self.not_ready_because(agent, reason, StateCause::Forced, now)
    }

    /// The agent's audio leg failed: like not-ready with reason `no_audio` (a ringing offer goes
    /// back to the queue; on a call or in wrap-up it follows the call), unless the agent is
    /// already not ready for a reason of their own, which stays.
    pub fn audio_lost(&mut self, agent: &AgentId, now: Instant) -> Effects {
        let a = self.logged_in(agent)?;
        if matches!(a.state, AgentState::NotReady { .. }) {
            return Ok(Vec::new());
        }
        self.not_ready_because(agent, REASON_NO_AUDIO, StateCause::AudioLost, now)
    }

    /// A supervisor logs the agent out. A ringing offer goes back to the head of its queue; a
    /// call in progress is forgotten (the server ends it).
    pub fn force_log_out(&mut self, agent: &AgentId, now: Instant) -> Effects {
        self.logged_in(agent)?;
        let mut fx = Vec::new();
        self.log_out_agent(agent, StateCause::Forced, now, &mut fx);
        Ok(self.finish(now, fx))
    }

    /// The names of every defined queue (a new wallboard asks for each snapshot).
    pub fn queue_ids(&self) -> Vec<QueueId> {
        self.queues.keys().cloned().collect()
    }

    pub(super) fn not_ready_because(
        &mut self,
        agent: &AgentId,
        reason: &str,
        cause: StateCause,
        now: Instant,
    ) -> Effects {
        let a = self.logged_in(agent)?;
        let mut fx = Vec::new();
        let not_ready = AgentState::NotReady {
            reason: reason.to_owned(),
        };
        match a.state.clone() {
            AgentState::OnCall { .. } => a.pending_not_ready = Some(reason.to_owned()),
            state if state == not_ready => {}
            AgentState::Ringing { call } => {
                self.decline(call, agent, CancelReason::AgentNotReady, &mut fx);
                self.set_agent(agent, not_ready, cause, &mut fx);
            }
            _ => {
                a.resume_ready = false;
                a.pending_not_ready = None;
                transition(a, not_ready, cause, &mut fx);
            }
        }
        Ok(self.finish(now, fx))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::time::Duration;

    use super::super::{AcdSettings, AgentLogin, CallId, IncomingCall, QueueConfig, Strategy};
    use super::*;

    fn setup(now: Instant) -> (Acd, AgentId) {
        let mut acd = Acd::new(AcdSettings::default(), 1);
        let mut q = QueueConfig::new("general", Strategy::LongestIdle);
        q.wrap_up = Duration::ZERO;
        acd.define_queue(q, now).expect("queue");
        let id = AgentId::from("a1");
        let login = AgentLogin {
            id: id.clone(),
            skills: BTreeMap::new(),
            backup_groups: BTreeSet::new(),
        };
        acd.log_in(login, now).expect("log in");
        acd.set_ready(&id, now).expect("ready");
        (acd, id)
    }

    fn call(acd: &mut Acd, n: u64, now: Instant) -> Vec<AcdEffect> {
        let incoming = IncomingCall {
            call: CallId(n),
            caller: "13800138000".into(),
            queue: QueueId::from("general"),
            priority: 0,
            vip: false,
            last_agent: None,
            arrived_at: now,
        };
        acd.call_arrived(incoming, now).expect("call")
    }

    fn causes(fx: &[AcdEffect]) -> Vec<(AgentState, StateCause)> {
        fx.iter()
            .filter_map(|e| match e {
                AcdEffect::AgentState { state, cause, .. } => Some((state.clone(), *cause)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn forced_not_ready_of_an_idle_agent_is_immediate_and_says_forced() {
        let now = Instant::now();
        let (mut acd, id) = setup(now);
        let fx = acd.force_not_ready(&id, "meeting", now).expect("forced");
        let want = AgentState::NotReady {
            reason: "meeting".into(),
        };
        assert_eq!(causes(&fx), [(want.clone(), StateCause::Forced)]);
        assert_eq!(acd.agent_state(&id), Some(&want));
        acd.check_invariants().expect("invariants");
    }

    #[test]
    fn forced_not_ready_on_a_call_waits_for_the_call_to_end() {
        let now = Instant::now();
        let (mut acd, id) = setup(now);
        call(&mut acd, 1, now);
        acd.answer(&id, CallId(1), now).expect("answer");
        let fx = acd.force_not_ready(&id, "training", now).expect("forced");
        assert!(causes(&fx).is_empty(), "no change during the call: {fx:?}");
        let fx = acd.call_ended(CallId(1), now).expect("ended");
        let want = AgentState::NotReady {
            reason: "training".into(),
        };
        assert_eq!(causes(&fx), [(want, StateCause::CallEnded)]);
        acd.check_invariants().expect("invariants");
    }

    #[test]
    fn forced_not_ready_while_ringing_gives_the_call_back() {
        let now = Instant::now();
        let (mut acd, id) = setup(now);
        call(&mut acd, 1, now);
        let fx = acd.force_not_ready(&id, "meeting", now).expect("forced");
        assert!(fx.iter().any(|e| matches!(
            e,
            AcdEffect::CancelOffer {
                reason: CancelReason::AgentNotReady,
                ..
            }
        )));
        assert!(
            causes(&fx)
                .iter()
                .any(|(s, c)| matches!(s, AgentState::NotReady { .. }) && *c == StateCause::Forced)
        );
        acd.check_invariants().expect("invariants");
    }

    #[test]
    fn forced_log_out_says_forced_and_forgets_the_call() {
        let now = Instant::now();
        let (mut acd, id) = setup(now);
        call(&mut acd, 1, now);
        acd.answer(&id, CallId(1), now).expect("answer");
        let fx = acd.force_log_out(&id, now).expect("forced");
        assert_eq!(causes(&fx), [(AgentState::LoggedOut, StateCause::Forced)]);
        assert!(
            acd.call_ended(CallId(1), now).is_err(),
            "the call is the server's to end"
        );
        assert!(acd.force_log_out(&id, now).is_err(), "already logged out");
        acd.check_invariants().expect("invariants");
    }

    #[test]
    fn unknown_agents_and_queue_names() {
        let now = Instant::now();
        let (mut acd, _) = setup(now);
        assert!(
            acd.force_not_ready(&AgentId::from("nobody"), "x", now)
                .is_err()
        );
        assert_eq!(acd.queue_ids(), [QueueId::from("general")]);
    }
}

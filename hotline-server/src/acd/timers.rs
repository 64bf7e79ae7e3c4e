//! Everything that happens because time passed: ring timeouts, wrap-up ends, grace expiry,
//! first-contact windows, max waits and announcements.

use std::time::Instant;

use super::call::Phase;
use super::effect::{
    AcdEffect, AgentState, CancelReason, OverflowCause, REASON_MISSED, StateCause,
};
use super::{Acd, transition};

impl Acd {
    /// Fires every timer due at `now`. Dispatch and announcements follow in `finish`.
    pub(super) fn fire_timers(&mut self, now: Instant, fx: &mut Vec<AcdEffect>) {
        // Ring timeouts: each agent that let it ring is set not-ready ("missed").
        let rang_out: Vec<_> = self
            .calls
            .values()
            .filter_map(|c| match &c.phase {
                Phase::Offered { agents, deadline } if *deadline <= now => {
                    Some((c.id, agents.clone()))
                }
                _ => None,
            })
            .collect();
        for (call, agents) in rang_out {
            for agent in &agents {
                self.decline(call, agent, CancelReason::RingTimeout, fx);
                let missed = AgentState::NotReady {
                    reason: REASON_MISSED.to_owned(),
                };
                self.set_agent(agent, missed, StateCause::RingTimeout, fx);
            }
        }

        for agent in self.agents.values_mut() {
            if let AgentState::WrapUp { until } = agent.state
                && until <= now
            {
                let next = agent.state_after_work();
                transition(agent, next, StateCause::WrapUpExpired, fx);
            }
        }

        let gone: Vec<_> = self
            .agents
            .values()
            .filter(|a| a.grace_until.is_some_and(|t| t <= now))
            .map(|a| a.id.clone())
            .collect();
        for agent in &gone {
            self.log_out_agent(agent, StateCause::GraceExpired, now, fx);
        }

        for entry in self.calls.values_mut() {
            if entry
                .first_contact
                .as_ref()
                .is_some_and(|(_, until)| *until <= now)
            {
                entry.first_contact = None;
            }
        }

        self.release_callbacks(now);

        let too_long: Vec<_> = self
            .calls
            .values()
            .filter(|c| c.is_waiting() && c.max_wait_at.is_some_and(|t| t <= now))
            .map(|c| c.id)
            .collect();
        for call in too_long {
            self.overflow(call, OverflowCause::MaxWait, now, fx);
        }
    }

    /// Announces position and estimated wait to calls whose announcement is due. Ringing
    /// calls skip theirs (the caller hears ringback) but keep the rhythm.
    pub(super) fn announce(&mut self, now: Instant, fx: &mut Vec<AcdEffect>) {
        let default = self.settings.default_handle_time;
        for queue in self.queues.values() {
            let Some(interval) = queue.config.announce_interval else {
                continue;
            };
            let mut agents = None;
            for (index, (_, id)) in queue.calls.iter().enumerate() {
                let Some(entry) = self.calls.get_mut(id) else {
                    continue;
                };
                let Some(mut at) = entry.next_announce else {
                    continue;
                };
                if at > now {
                    continue;
                }
                while at <= now {
                    at += interval;
                }
                entry.next_announce = Some(at);
                if !entry.is_waiting() {
                    continue;
                }
                let agents = *agents.get_or_insert_with(|| {
                    self.agents
                        .values()
                        .filter(|a| a.logged_in() && a.has_skills(&queue.config.skills))
                        .count()
                });
                let position = index + 1;
                fx.push(AcdEffect::Announce {
                    call: *id,
                    position,
                    estimated_wait_secs: queue.estimated_wait_secs(position, agents, default),
                });
            }
        }
    }

    /// The earliest instant at which [`Acd::fire_timers`] or [`Acd::announce`] has work.
    pub(super) fn earliest_timer(&self) -> Option<Instant> {
        let agents = self.agents.values().flat_map(|a| {
            let wrap = match a.state {
                AgentState::WrapUp { until } => Some(until),
                _ => None,
            };
            [wrap, a.grace_until]
        });
        let calls = self.calls.values().flat_map(|c| {
            let ring = match &c.phase {
                Phase::Offered { deadline, .. } => Some(*deadline),
                _ => None,
            };
            let max_wait = c.max_wait_at.filter(|_| c.is_waiting());
            let announce = c.next_announce.filter(|_| c.in_queue());
            // A callback waiting out its retry delay is offered when the delay ends.
            let retry = c
                .callback
                .as_ref()
                .and_then(|cb| cb.not_before)
                .filter(|_| c.is_waiting());
            [
                ring,
                max_wait,
                announce,
                c.first_contact.as_ref().map(|(_, t)| *t),
                retry,
            ]
        });
        agents.chain(calls).flatten().min()
    }
}

//! Choosing among eligible ready agents, per queue strategy.

use std::cmp::Reverse;

use rand::Rng;
use rand::rngs::StdRng;

use super::agent::Agent;
use super::ids::AgentId;
use super::settings::{QueueConfig, Strategy};

/// The agents to offer a call to: all candidates for ring-all, else one (or none if
/// `candidates` is empty). `candidates` come in agent-id order, which keeps the result
/// deterministic; the skill score breaks ties wherever the strategy leaves one.
pub(super) fn choose(
    strategy: Strategy,
    candidates: &[&Agent],
    config: &QueueConfig,
    rr_last: Option<&AgentId>,
    rng: &mut StdRng,
) -> Vec<AgentId> {
    let skills = &config.skills;
    let pick = match strategy {
        Strategy::RingAll => return candidates.iter().map(|a| a.id.clone()).collect(),
        Strategy::RoundRobin => {
            // Next id after the last one offered, wrapping around.
            let after = rr_last.and_then(|last| candidates.iter().find(|a| a.id > *last));
            after.or_else(|| candidates.first()).copied()
        }
        Strategy::Linear => candidates.iter().copied().min_by_key(|a| {
            let listed = config.agent_order.iter().position(|id| *id == a.id);
            (listed.unwrap_or(usize::MAX), Reverse(a.skill_score(skills)))
        }),
        Strategy::LongestIdle => candidates
            .iter()
            .copied()
            .min_by_key(|a| (a.idle_since, Reverse(a.skill_score(skills)))),
        Strategy::FewestCalls => candidates
            .iter()
            .copied()
            .min_by_key(|a| (a.calls_today, Reverse(a.skill_score(skills)), a.idle_since)),
        Strategy::LeastTalkTime => candidates
            .iter()
            .copied()
            .min_by_key(|a| (a.talk_today, Reverse(a.skill_score(skills)), a.idle_since)),
        Strategy::Random => {
            if candidates.is_empty() {
                None
            } else {
                Some(candidates[rng.random_range(0..candidates.len())])
            }
        }
    };
    pick.map(|a| vec![a.id.clone()]).unwrap_or_default()
}

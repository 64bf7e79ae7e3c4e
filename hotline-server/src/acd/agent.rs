//! An agent as the ACD tracks it: skills, state, connection and today's figures.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use super::effect::{AgentState, REASON_DISCONNECTED};
use super::error::AcdError;
use super::ids::AgentId;

/// What an agent brings to a log-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentLogin {
    pub id: AgentId,
    /// Skill name → level 1..=10 (10 best).
    pub skills: BTreeMap<String, u8>,
    /// Backup groups whose overflowed calls this agent may take.
    pub backup_groups: BTreeSet<String>,
}

impl AgentLogin {
    /// Refuse levels outside 1..=10 so ranking stays meaningful.
    pub(super) fn validate(&self) -> Result<(), AcdError> {
        match self.skills.iter().find(|(_, l)| !(1..=10).contains(*l)) {
            Some((skill, level)) => Err(AcdError::SkillLevel {
                skill: skill.clone(),
                level: *level,
            }),
            None => Ok(()),
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct Agent {
    pub id: AgentId,
    pub skills: BTreeMap<String, u8>,
    pub backup_groups: BTreeSet<String>,
    pub state: AgentState,
    pub connected: bool,
    /// Logged out at this instant unless it reconnects first.
    pub grace_until: Option<Instant>,
    /// Was available when it disconnected: becomes ready again on reconnect.
    pub resume_ready: bool,
    /// Not-ready requested during a call; applied when the work ends.
    pub pending_not_ready: Option<String>,
    /// Since when the agent has been without a call (log-in or last call end).
    pub idle_since: Instant,
    pub calls_today: u32,
    pub talk_today: Duration,
}

impl Agent {
    pub fn new(login: AgentLogin, now: Instant) -> Self {
        Self {
            id: login.id,
            skills: login.skills,
            backup_groups: login.backup_groups,
            state: AgentState::LoggedOut,
            connected: true,
            grace_until: None,
            resume_ready: false,
            pending_not_ready: None,
            idle_since: now,
            calls_today: 0,
            talk_today: Duration::ZERO,
        }
    }

    pub fn logged_in(&self) -> bool {
        self.state != AgentState::LoggedOut
    }

    /// Can take an offer right now.
    pub fn available(&self) -> bool {
        self.connected && self.state == AgentState::Ready
    }

    /// Logged in and working or about to (not-ready agents do not count).
    pub fn working(&self) -> bool {
        matches!(
            self.state,
            AgentState::Ready
                | AgentState::Ringing { .. }
                | AgentState::OnCall { .. }
                | AgentState::WrapUp { .. }
        )
    }

    pub fn busy(&self) -> bool {
        matches!(
            self.state,
            AgentState::Ringing { .. } | AgentState::OnCall { .. } | AgentState::WrapUp { .. }
        )
    }

    pub fn has_skills(&self, required: &[String]) -> bool {
        required.iter().all(|s| self.skills.contains_key(s))
    }

    /// Skilled for the queue, or a member of the backup group the call overflowed to.
    pub fn eligible(&self, required: &[String], backup_group: Option<&str>) -> bool {
        self.has_skills(required) || backup_group.is_some_and(|g| self.backup_groups.contains(g))
    }

    /// Sum of the levels of the required skills: the tie-breaker, higher is better.
    pub fn skill_score(&self, required: &[String]) -> u32 {
        required
            .iter()
            .filter_map(|s| self.skills.get(s))
            .map(|l| u32::from(*l))
            .sum()
    }

    /// The state an agent goes to when work ends: a pending not-ready, not-ready while
    /// disconnected, or ready.
    pub fn state_after_work(&mut self) -> AgentState {
        if let Some(reason) = self.pending_not_ready.take() {
            self.resume_ready = false;
            AgentState::NotReady { reason }
        } else if self.connected {
            AgentState::Ready
        } else {
            self.resume_ready = true;
            AgentState::NotReady {
                reason: REASON_DISCONNECTED.to_owned(),
            }
        }
    }
}

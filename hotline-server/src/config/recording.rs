//! `[recording]`: which calls are recorded (C4).

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordingConfig {
    pub policy: RecordingPolicy,
    /// With `policy = "selected"`: calls waiting in these queues are recorded.
    #[serde(default)]
    pub queues: Vec<String>,
    /// With `policy = "selected"`: calls these agents answer are recorded.
    #[serde(default)]
    pub agents: Vec<String>,
    /// How a bridged call is laid out in its file.
    #[serde(default)]
    pub layout: RecordingLayout,
}

/// `split`: stereo, the caller left and the hotline (agent, a barging supervisor, a conference
/// guest) right, so quality checks can hear each side alone. `mixed`: one mono channel with
/// everyone, half the size on disk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordingLayout {
    #[default]
    Split,
    Mixed,
}

impl RecordingLayout {
    pub fn channels(self) -> u16 {
        match self {
            Self::Split => 2,
            Self::Mixed => 1,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordingPolicy {
    All,
    None,
    /// Only the queues and agents listed.
    Selected,
}

impl RecordingConfig {
    /// Whether a call bridged to `agent` from `queue` is recorded. A call that is already being
    /// recorded stays recorded (one recording per call, whoever takes it next).
    pub fn records(&self, queue: Option<&str>, agent: &str) -> bool {
        match self.policy {
            RecordingPolicy::All => true,
            RecordingPolicy::None => false,
            RecordingPolicy::Selected => {
                queue.is_some_and(|q| self.queues.iter().any(|x| x == q))
                    || self.agents.iter().any(|a| a == agent)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selected_records_listed_queues_and_agents_only() {
        let mut c = RecordingConfig {
            policy: RecordingPolicy::Selected,
            queues: vec!["12315".into()],
            agents: vec!["agent7".into()],
            layout: RecordingLayout::Split,
        };
        assert!(c.records(Some("12315"), "agent1"));
        assert!(c.records(Some("general"), "agent7"));
        assert!(c.records(None, "agent7"));
        assert!(!c.records(Some("general"), "agent1"));
        assert!(!c.records(None, "agent1"));
        c.policy = RecordingPolicy::All;
        assert!(c.records(None, "agent1"));
        c.policy = RecordingPolicy::None;
        assert!(!c.records(Some("12315"), "agent7"));
    }
}

//! Supervisor monitoring modes (监听, 耳语, 强插, 接管).

use serde::{Deserialize, Serialize};

/// How a supervisor joins an agent's call. Sending `monitor` again with another mode switches
/// mode within the same call.
///
/// | mode     | supervisor hears | agent hears supervisor | caller hears supervisor | agent stays |
/// |----------|------------------|------------------------|-------------------------|-------------|
/// | listen   | both             | no                     | no                      | yes         |
/// | whisper  | both             | yes                    | no                      | yes         |
/// | barge    | both             | yes                    | yes                     | yes         |
/// | takeover | caller           | —                      | yes                     | no          |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MonitorMode {
    Listen,
    Whisper,
    Barge,
    Takeover,
}

impl MonitorMode {
    pub const ALL: [MonitorMode; 4] = [
        MonitorMode::Listen,
        MonitorMode::Whisper,
        MonitorMode::Barge,
        MonitorMode::Takeover,
    ];

    pub fn agent_hears_supervisor(self) -> bool {
        matches!(self, MonitorMode::Whisper | MonitorMode::Barge)
    }

    pub fn caller_hears_supervisor(self) -> bool {
        matches!(self, MonitorMode::Barge | MonitorMode::Takeover)
    }

    /// Whether the agent's `call_state` shows this mode. Whisper and barge-in are always shown
    /// (the agent hears the supervisor anyway); silent listening is shown only where the site's
    /// policy says so; takeover ends the agent's part of the call, so there is nothing to show.
    pub fn shown_to_agent(self, show_listen: bool) -> bool {
        match self {
            MonitorMode::Listen => show_listen,
            MonitorMode::Whisper | MonitorMode::Barge => true,
            MonitorMode::Takeover => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn who_hears_the_supervisor() {
        let table: Vec<(bool, bool)> = MonitorMode::ALL
            .iter()
            .map(|m| (m.agent_hears_supervisor(), m.caller_hears_supervisor()))
            .collect();
        assert_eq!(
            table,
            [(false, false), (true, false), (true, true), (false, true)]
        );
        assert!(!MonitorMode::Listen.shown_to_agent(false));
        assert!(MonitorMode::Listen.shown_to_agent(true));
        assert!(MonitorMode::Whisper.shown_to_agent(false));
    }
}

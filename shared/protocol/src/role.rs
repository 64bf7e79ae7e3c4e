//! Roles and the permission table: which role may send which command.
//!
//! The table is written once here and used by the server (every command is checked before it
//! runs) and by the workstations (to hide what the user may not do). It goes through
//! capabilities so the REST API can share it:
//!
//! | capability     | agent | supervisor | director | department | admin |
//! |----------------|-------|------------|----------|------------|-------|
//! | session        | ✓     | ✓          | ✓        | ✓          | ✓     |
//! | media          | ✓     | ✓          |          |            | ✓     |
//! | own_state      | ✓     | ✓          |          |            | ✓     |
//! | call_control   | ✓     | ✓          |          |            | ✓     |
//! | monitoring     |       | ✓          |          |            | ✓     |
//! | force          |       | ✓          |          |            | ✓     |
//! | caller_data    | ✓     | ✓          | ✓        |            | ✓     |
//! | view_tickets   | ✓     | ✓          | ✓        | ✓ (theirs) | ✓     |
//! | edit_tickets   | ✓     | ✓          |          | ✓ (theirs) | ✓     |
//! | reports        |       | ✓          | ✓        |            | ✓     |
//! | administration |       |            |          |            | ✓     |
//!
//! Topics: agents may subscribe to `queues` and `my_calls`; supervisors, directors and admins to
//! all; department users to none. Directors get the supervisor's views read-only: no audio, no
//! call control, no force actions.

use serde::{Deserialize, Serialize};

use crate::command::Command;
use crate::topic::Topic;

/// A user's role (J3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 话务员: takes calls, files tickets.
    Agent,
    /// 班长: everything an agent does, plus monitoring and force actions.
    Supervisor,
    /// 局长/领导: read-only overview.
    Director,
    /// 承办部门: handles the tickets dispatched to the department.
    Department,
    Admin,
}

/// A group of actions the permission table grants as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    /// log-in, log-out, ping, subscribe (topics are checked separately).
    Session,
    /// The WebRTC audio leg.
    Media,
    /// Ready, not ready, wrap-up.
    OwnState,
    /// Answer, hang up, hold, transfer, dial, pick up, call the supervisor …
    CallControl,
    /// Listen, whisper, barge-in, takeover.
    Monitoring,
    /// Force not-ready, force log-out, force release.
    Force,
    /// Caller records and screen-pops.
    CallerData,
    ViewTickets,
    EditTickets,
    Reports,
    /// Users, departments, configuration.
    Administration,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Agent,
        Role::Supervisor,
        Role::Director,
        Role::Department,
        Role::Admin,
    ];

    /// The role's row in the capability table.
    pub fn has(self, capability: Capability) -> bool {
        use Capability as C;
        match self {
            Role::Admin => true,
            Role::Supervisor => capability != C::Administration,
            Role::Agent => matches!(
                capability,
                C::Session
                    | C::Media
                    | C::OwnState
                    | C::CallControl
                    | C::CallerData
                    | C::ViewTickets
                    | C::EditTickets
            ),
            Role::Director => matches!(
                capability,
                C::Session | C::CallerData | C::ViewTickets | C::Reports
            ),
            Role::Department => {
                matches!(capability, C::Session | C::ViewTickets | C::EditTickets)
            }
        }
    }

    pub fn may_subscribe(self, topic: Topic) -> bool {
        match self {
            Role::Supervisor | Role::Director | Role::Admin => true,
            Role::Agent => matches!(topic, Topic::Queues | Topic::MyCalls),
            Role::Department => false,
        }
    }

    /// Whether this role may send `cmd`. `login` is allowed to everyone (it is how a role is
    /// obtained); `subscribe` is allowed when every topic in it is.
    pub fn may(&self, cmd: &Command) -> bool {
        match cmd {
            Command::Subscribe { topics } => topics.iter().all(|t| self.may_subscribe(*t)),
            _ => self.has(cmd.capability()),
        }
    }

    /// Whether the role works with audio (a softphone leg).
    pub fn has_audio(self) -> bool {
        self.has(Capability::Media)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Supervisor => "supervisor",
            Role::Director => "director",
            Role::Department => "department",
            Role::Admin => "admin",
        }
    }

    /// Parses the wire name (for the admin CLI's `--role`).
    pub fn from_name(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

impl Command {
    /// The capability a role needs to send this command.
    pub fn capability(&self) -> Capability {
        use Capability as C;
        match self {
            Command::Login { .. } | Command::Logout | Command::Ping | Command::Subscribe { .. } => {
                C::Session
            }
            Command::WebRtc(_) => C::Media,
            Command::SetReady
            | Command::SetNotReady { .. }
            | Command::EndWrapUp
            | Command::ExtendWrapUp { .. } => C::OwnState,
            Command::Answer { .. }
            | Command::Reject { .. }
            | Command::Hangup { .. }
            | Command::Hold
            | Command::Resume
            | Command::Mute { .. }
            | Command::Transfer { .. }
            | Command::CompleteTransfer
            | Command::CancelTransfer
            | Command::Conference { .. }
            | Command::Dial { .. }
            | Command::PickUp { .. }
            | Command::SendDtmf { .. }
            | Command::TransferToIvr { .. }
            | Command::CallSupervisor
            | Command::Emergency => C::CallControl,
            Command::Monitor { .. } | Command::StopMonitor | Command::CallAgent { .. } => {
                C::Monitoring
            }
            Command::ForceNotReady { .. }
            | Command::ForceLogout { .. }
            | Command::ForceRelease { .. } => C::Force,
            Command::CallerLookup { .. } => C::CallerData,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples;

    /// The whole table, one row per command: agent, supervisor, director, department, admin.
    const TABLE: [(&str, [bool; 5]); 32] = [
        ("login", [true, true, true, true, true]),
        ("logout", [true, true, true, true, true]),
        ("ping", [true, true, true, true, true]),
        // The sample subscribes to queues and my_calls.
        ("subscribe", [true, true, true, false, true]),
        ("webrtc", [true, true, false, false, true]),
        ("set_ready", [true, true, false, false, true]),
        ("set_not_ready", [true, true, false, false, true]),
        ("end_wrap_up", [true, true, false, false, true]),
        ("extend_wrap_up", [true, true, false, false, true]),
        ("answer", [true, true, false, false, true]),
        ("reject", [true, true, false, false, true]),
        ("hangup", [true, true, false, false, true]),
        ("hold", [true, true, false, false, true]),
        ("resume", [true, true, false, false, true]),
        ("mute", [true, true, false, false, true]),
        ("transfer", [true, true, false, false, true]),
        ("complete_transfer", [true, true, false, false, true]),
        ("cancel_transfer", [true, true, false, false, true]),
        ("conference", [true, true, false, false, true]),
        ("dial", [true, true, false, false, true]),
        ("pick_up", [true, true, false, false, true]),
        ("send_dtmf", [true, true, false, false, true]),
        ("transfer_to_ivr", [true, true, false, false, true]),
        ("call_supervisor", [true, true, false, false, true]),
        ("emergency", [true, true, false, false, true]),
        ("monitor", [false, true, false, false, true]),
        ("stop_monitor", [false, true, false, false, true]),
        ("call_agent", [false, true, false, false, true]),
        ("force_not_ready", [false, true, false, false, true]),
        ("force_logout", [false, true, false, false, true]),
        ("force_release", [false, true, false, false, true]),
        ("caller_lookup", [true, true, true, false, true]),
    ];

    #[test]
    fn the_whole_command_table() {
        let commands = samples::commands();
        for (name, row) in TABLE {
            let cmd = commands
                .iter()
                .find(|c| c.name() == name)
                .unwrap_or_else(|| panic!("no sample for {name}"));
            for (role, expected) in Role::ALL.into_iter().zip(row) {
                assert_eq!(role.may(cmd), expected, "{role:?} may {name}");
            }
        }
        // Every command has a row.
        let names: Vec<&str> = TABLE.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, Command::NAMES);
    }

    #[test]
    fn subscribe_checks_every_topic() {
        let sub = |topics: &[Topic]| Command::Subscribe {
            topics: topics.to_vec(),
        };
        let wallboard = sub(&[Topic::Queues, Topic::Agents, Topic::Alarms]);
        assert!(!Role::Agent.may(&wallboard));
        assert!(Role::Supervisor.may(&wallboard));
        assert!(Role::Director.may(&wallboard));
        assert!(Role::Admin.may(&wallboard));
        assert!(!Role::Department.may(&sub(&[Topic::Queues])));
        assert!(Role::Agent.may(&sub(&[Topic::Queues, Topic::MyCalls])));
        // Unsubscribing from everything is always allowed.
        for role in Role::ALL {
            assert!(role.may(&sub(&[])));
        }
        let topics: Vec<(Role, Vec<Topic>)> = Role::ALL
            .into_iter()
            .map(|r| {
                let allowed = Topic::ALL.into_iter().filter(|t| r.may_subscribe(*t));
                (r, allowed.collect())
            })
            .collect();
        assert_eq!(topics[0].1, [Topic::Queues, Topic::MyCalls]);
        assert_eq!(topics[3].1, []);
        assert_eq!(topics[2].1, Topic::ALL);
    }

    #[test]
    fn the_capability_table() {
        use Capability as C;
        let caps = [
            C::Session,
            C::Media,
            C::OwnState,
            C::CallControl,
            C::Monitoring,
            C::Force,
            C::CallerData,
            C::ViewTickets,
            C::EditTickets,
            C::Reports,
            C::Administration,
        ];
        // Rows as in the module documentation.
        let table: [[bool; 5]; 11] = [
            [true, true, true, true, true],
            [true, true, false, false, true],
            [true, true, false, false, true],
            [true, true, false, false, true],
            [false, true, false, false, true],
            [false, true, false, false, true],
            [true, true, true, false, true],
            [true, true, true, true, true],
            [true, true, false, true, true],
            [false, true, true, false, true],
            [false, false, false, false, true],
        ];
        for (cap, row) in caps.into_iter().zip(table) {
            for (role, expected) in Role::ALL.into_iter().zip(row) {
                assert_eq!(role.has(cap), expected, "{role:?} has {cap:?}");
            }
        }
        assert!(!Role::Director.has_audio());
    }

    #[test]
    fn role_names() {
        for role in Role::ALL {
            assert_eq!(
                serde_json::to_string(&role).unwrap(),
                format!("\"{}\"", role.as_str())
            );
            assert_eq!(Role::from_name(role.as_str()), Some(role));
        }
        assert_eq!(Role::from_name("root"), None);
    }
}

//! The audit trail of supervision: every monitoring command, force action and emergency a
//! workstation sends is written with who sent it, from where, and whether it was carried out.
//! Log-in and log-out are audited by the auth service itself.

use std::net::SocketAddr;

use hotline_protocol::Command;
use serde_json::{Value, json};
use tracing::warn;

use crate::api::ApiDeps;
use crate::auth::action;
use crate::store::{AuditEntry, UserRow};

/// Whether `cmd` is audited here.
pub(super) fn wanted(cmd: &Command) -> bool {
    cmd.is_audited() && !matches!(cmd, Command::Login { .. } | Command::Logout)
}

/// The audit action, its target and the command's own facts.
fn describe(cmd: &Command) -> (&'static str, String, Value) {
    match cmd {
        Command::Monitor { agent_id, mode } => {
            (action::MONITOR, agent_id.0.clone(), json!({"mode": mode}))
        }
        Command::StopMonitor => (action::MONITOR, String::new(), json!({"mode": "stop"})),
        Command::CallAgent { agent_id } => (action::CALL_AGENT, agent_id.0.clone(), json!({})),
        Command::ForceNotReady { agent_id, reason } => (
            action::FORCE,
            agent_id.0.clone(),
            json!({"command": cmd.name(), "reason": reason.code}),
        ),
        Command::ForceLogout { agent_id } => (
            action::FORCE,
            agent_id.0.clone(),
            json!({"command": cmd.name()}),
        ),
        Command::ForceRelease { call_id } => (
            action::FORCE,
            call_id.0.clone(),
            json!({"command": cmd.name()}),
        ),
        other => (
            action::EMERGENCY,
            String::new(),
            json!({"command": other.name()}),
        ),
    }
}

/// Writes the entry before the workstation gets its reply, off the async workers (SQLite).
/// A failed write is logged, never turned into a failed command: the action already happened.
pub(super) async fn record(
    deps: &ApiDeps,
    user: &UserRow,
    addr: SocketAddr,
    cmd: &Command,
    result: &Result<(), String>,
) {
    let (what, target, mut detail) = describe(cmd);
    detail["ok"] = Value::Bool(result.is_ok());
    if let Err(e) = result {
        detail["error"] = Value::String(e.clone());
    }
    let entry = AuditEntry::new(
        jiff::Timestamp::now().as_millisecond(),
        &user.name,
        Some(user.role),
        what,
        &target,
    )
    .with_detail(detail)
    .with_address(addr.ip());
    let auth = deps.auth.clone();
    match tokio::task::spawn_blocking(move || auth.audit(&entry)).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => warn!(error = %e, "audit entry not written"),
        Err(e) => warn!(error = %e, "audit task failed"),
    }
}

#[cfg(test)]
mod tests {
    use hotline_protocol::{AgentId, CallId, MonitorMode};

    use super::*;

    #[test]
    fn monitoring_and_force_actions_are_described() {
        let monitor = Command::Monitor {
            agent_id: AgentId("a1".into()),
            mode: MonitorMode::Whisper,
        };
        assert!(wanted(&monitor));
        let (what, target, detail) = describe(&monitor);
        assert_eq!((what, target.as_str()), ("monitor", "a1"));
        assert_eq!(detail["mode"], "whisper");
        let release = Command::ForceRelease {
            call_id: CallId("c1".into()),
        };
        let (what, target, detail) = describe(&release);
        assert_eq!((what, target.as_str()), ("force", "c1"));
        assert_eq!(detail["command"], "force_release");
        assert_eq!(describe(&Command::Emergency).0, "emergency");
        assert!(!wanted(&Command::Logout));
        assert!(!wanted(&Command::Hold));
    }
}

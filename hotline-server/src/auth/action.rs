//! Names of audited actions, as written to `audit_log.action`. Other modules (monitoring,
//! export, force actions) log through [`Auth::audit`](super::Auth::audit) with these.

/// A successful log-in.
pub const LOGIN: &str = "login";
/// A refused log-in (wrong name or password, disabled account); `detail.reason` says which.
pub const LOGIN_FAILED: &str = "login_failed";
pub const LOGOUT: &str = "logout";
/// A password set by its owner or by an admin.
pub const PASSWORD_CHANGE: &str = "password_change";
/// A refused password change (wrong old password).
pub const PASSWORD_CHANGE_FAILED: &str = "password_change_failed";
pub const USER_ADD: &str = "user_add";
pub const USER_DISABLE: &str = "user_disable";
pub const USER_ENABLE: &str = "user_enable";
/// Listen, whisper, barge-in, takeover.
pub const MONITOR: &str = "monitor";
/// A supervisor calling an agent (内部呼叫).
pub const CALL_AGENT: &str = "call_agent";
/// Data leaving the system: reports, recordings, ticket exports.
pub const EXPORT: &str = "export";
/// Force not-ready, force log-out, force release.
pub const FORCE: &str = "force";
/// The emergency button (and other audited help requests).
pub const EMERGENCY: &str = "emergency";

/// The actor name of the admin command line.
pub const CLI_ACTOR: &str = "cli";
/// The actor name of the server itself (demo accounts at first start).
pub const SYSTEM_ACTOR: &str = "system";

//! Account administration (the admin CLI, later the admin API): create, disable, enable,
//! set a password. Each action is audited under the acting [`Actor`].

use std::collections::BTreeMap;
use std::net::IpAddr;

use hotline_protocol::Role;
use serde_json::json;

use super::password::hash_chosen_password;
use super::{Auth, AuthError, AuthPolicy, action};
use crate::store::{AuditEntry, NewUser, Store, UserRow};

/// Audit names that are not accounts; refused as user names so the log stays unambiguous.
pub const RESERVED_NAMES: [&str; 2] = [action::CLI_ACTOR, action::SYSTEM_ACTOR];

const MAX_NAME_CHARS: usize = 64;

/// Who performs an administrative action, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub name: String,
    pub role: Option<Role>,
    pub address: Option<IpAddr>,
}

impl Actor {
    /// The admin command line (whoever can run it can read the database anyway).
    pub fn cli() -> Actor {
        Actor {
            name: action::CLI_ACTOR.to_owned(),
            role: Some(Role::Admin),
            address: None,
        }
    }

    /// The server itself.
    pub fn system() -> Actor {
        Actor {
            name: action::SYSTEM_ACTOR.to_owned(),
            role: None,
            address: None,
        }
    }

    /// A logged-in user acting from `address`.
    pub fn user(user: &UserRow, address: IpAddr) -> Actor {
        Actor {
            name: user.name.clone(),
            role: Some(user.role),
            address: Some(address),
        }
    }

    pub(crate) fn entry(&self, now_ms: i64, action: &str, target: &str) -> AuditEntry {
        let mut entry = AuditEntry::new(now_ms, &self.name, self.role, action, target);
        entry.address = self.address.map(|a| a.to_string());
        entry
    }
}

/// An account to create, with its password in clear (hashed by [`Auth::add_user`]).
#[derive(Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub name: String,
    pub role: Role,
    pub password: String,
    pub display_name: String,
    pub work_number: String,
    pub department_id: Option<i64>,
    pub skills: BTreeMap<String, u8>,
}

impl std::fmt::Debug for NewAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAccount")
            .field("name", &self.name)
            .field("role", &self.role)
            .field("work_number", &self.work_number)
            .field("skills", &self.skills)
            .finish_non_exhaustive()
    }
}

impl NewAccount {
    /// An account with no display name, work number, department or skills.
    pub fn new(name: &str, role: Role, password: &str) -> NewAccount {
        NewAccount {
            name: name.to_owned(),
            role,
            password: password.to_owned(),
            display_name: String::new(),
            work_number: String::new(),
            department_id: None,
            skills: BTreeMap::new(),
        }
    }
}

/// Log-in names: 1 to 64 letters, digits, `.`, `_`, `-`, `@`; not a reserved audit name.
pub fn validate_name(name: &str) -> Result<(), AuthError> {
    let invalid = |reason| AuthError::InvalidName {
        name: name.to_owned(),
        reason,
    };
    if name.is_empty() {
        return Err(invalid("empty"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(invalid("longer than 64 characters"));
    }
    if !name
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
    {
        return Err(invalid("use letters, digits, '.', '_', '-' or '@'"));
    }
    if RESERVED_NAMES.iter().any(|r| r.eq_ignore_ascii_case(name)) {
        return Err(invalid("reserved for the audit log"));
    }
    Ok(())
}

/// Skill names as in IVR flows and queues; levels as the ACD accepts them.
fn validate_skills(skills: &BTreeMap<String, u8>) -> Result<(), AuthError> {
    for (skill, level) in skills {
        let invalid = |reason: String| AuthError::InvalidSkill {
            skill: skill.clone(),
            reason,
        };
        if skill.is_empty()
            || !skill
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-'))
        {
            return Err(invalid("use letters, digits, '_' or '-'".to_owned()));
        }
        if !(1..=10).contains(level) {
            return Err(invalid(format!("level {level} is not within 1..=10")));
        }
    }
    Ok(())
}

/// Creates an account: checks the name, skills and password, hashes the password, audits.
/// The body of [`Auth::add_user`], usable over a borrowed [`Store`] (first-start demo
/// accounts).
pub(crate) fn add_account(
    store: &Store,
    policy: &AuthPolicy,
    account: &NewAccount,
    actor: &Actor,
    now_ms: i64,
) -> Result<UserRow, AuthError> {
    validate_name(&account.name)?;
    validate_skills(&account.skills)?;
    let password_hash = hash_chosen_password(&account.password, policy)?;
    let user = store.add_user(&NewUser {
        name: account.name.clone(),
        display_name: account.display_name.clone(),
        work_number: account.work_number.clone(),
        role: account.role,
        department_id: account.department_id,
        skills: account.skills.clone(),
        password_hash,
        created_at_ms: now_ms,
    })?;
    let entry = actor
        .entry(now_ms, action::USER_ADD, &user.name)
        .with_detail(json!({
            "role": user.role.as_str(),
            "work_number": user.work_number,
            "skills": user.skills,
        }));
    store.append_audit(&entry)?;
    Ok(user)
}

impl Auth {
    /// Creates an account: checks the name, skills and password, hashes the password.
    pub fn add_user(
        &self,
        account: &NewAccount,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<UserRow, AuthError> {
        add_account(self.store(), self.policy(), account, actor, now_ms)
    }

    /// Disables (revoking every session) or enables an account. Returns the user as it is
    /// now and how many sessions were revoked.
    pub fn set_disabled(
        &self,
        name: &str,
        disabled: bool,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<(UserRow, usize), AuthError> {
        if !self.store().set_disabled(name, disabled, now_ms)? {
            return Err(AuthError::UnknownUser(name.to_owned()));
        }
        let user = self
            .store()
            .user_by_name(name)?
            .ok_or_else(|| AuthError::UnknownUser(name.to_owned()))?;
        let revoked = if disabled {
            self.store().revoke_sessions_of(user.id)?
        } else {
            0
        };
        let act = if disabled {
            action::USER_DISABLE
        } else {
            action::USER_ENABLE
        };
        let entry = actor
            .entry(now_ms, act, &user.name)
            .with_detail(json!({ "sessions_revoked": revoked }));
        self.store().append_audit(&entry)?;
        Ok((user, revoked))
    }

    /// Sets a password without knowing the old one (an admin's reset); revokes the user's
    /// sessions and returns how many.
    pub fn set_password(
        &self,
        name: &str,
        new_password: &str,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<usize, AuthError> {
        let user = self
            .store()
            .user_by_name(name)?
            .ok_or_else(|| AuthError::UnknownUser(name.to_owned()))?;
        let revoked = self.replace_password(&user, new_password, now_ms)?;
        let entry = actor
            .entry(now_ms, action::PASSWORD_CHANGE, &user.name)
            .with_detail(json!({ "sessions_revoked": revoked }));
        self.store().append_audit(&entry)?;
        Ok(revoked)
    }
}

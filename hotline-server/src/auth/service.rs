//! The auth service: log-in, token authentication, log-out, password change, auditing.

use std::fmt;
use std::net::IpAddr;
use std::path::Path;
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use serde_json::json;

use super::password::{hash_chosen_password, hash_password, random_password, verify_password};
use super::token::{new_token, token_hash, well_formed};
use super::{AuthError, AuthPolicy, Limiter, MAX_PASSWORD_LEN, action};
use crate::store::{AuditEntry, NewSession, SessionRow, Store, UserRow};

/// A successful log-in. `token` is shown to the client once and never stored.
#[derive(Clone)]
pub struct Session {
    pub token: String,
    pub user: UserRow,
    pub expires_at_ms: i64,
}

// Hand-written so the token never lands in a log.
impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("user", &self.user)
            .field("expires_at_ms", &self.expires_at_ms)
            .finish_non_exhaustive()
    }
}

/// Users, sessions and the audit log over one [`Store`] connection. Synchronous and
/// `Sync`: share it in an `Arc` and call it from `spawn_blocking` (Argon2 takes tens of ms).
pub struct Auth {
    store: Store,
    policy: AuthPolicy,
    limiter: Mutex<Limiter>,
    /// Verified against when the name is unknown, so that case costs the same time as a
    /// wrong password. Made on first need (the admin CLI never needs it).
    dummy_hash: OnceLock<String>,
}

impl Auth {
    /// Opens its own connection to the database at `store_path`.
    pub fn new(store_path: &Path, policy: AuthPolicy) -> Result<Auth, AuthError> {
        Ok(Auth::with_store(Store::open(store_path)?, policy))
    }

    pub fn with_store(store: Store, policy: AuthPolicy) -> Auth {
        let limiter = Limiter::new(policy.user_limit, policy.address_limit);
        Auth {
            store,
            policy,
            limiter: Mutex::new(limiter),
            dummy_hash: OnceLock::new(),
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn policy(&self) -> &AuthPolicy {
        &self.policy
    }

    fn limiter(&self) -> MutexGuard<'_, Limiter> {
        // The limiter's state stays consistent whatever panicked: keep going.
        self.limiter.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Checks a name and password and opens a session.
    ///
    /// An unknown name and a wrong password give the same [`AuthError::InvalidCredentials`]
    /// after the same work. [`AuthError::Disabled`] comes only with the right password.
    /// Failures count towards [`AuthError::RateLimited`], per name and per `address`;
    /// while limited, even the right password is refused. Every outcome but a rate-limited
    /// refusal is audited (those are only logged, so a flood cannot fill the audit log).
    pub fn login(
        &self,
        name: &str,
        password: &str,
        address: IpAddr,
        client: &str,
        now_ms: i64,
    ) -> Result<Session, AuthError> {
        if let Err(retry_after_secs) = self.limiter().check(name, address, now_ms) {
            tracing::warn!(user = name, %address, retry_after_secs, "log-in rate-limited");
            return Err(AuthError::RateLimited { retry_after_secs });
        }
        let user = self.store.user_by_name(name)?;
        let matches = self.check_password(user.as_ref(), password)?;
        let failed = |reason: &str, role| {
            AuditEntry::new(now_ms, name, role, action::LOGIN_FAILED, name)
                .with_detail(json!({ "reason": reason, "client": client }))
                .with_address(address)
        };
        let known = user.is_some();
        let Some(user) = user.filter(|_| matches) else {
            self.limiter().record_failure(name, address, now_ms);
            let reason = if known {
                "wrong password"
            } else {
                "unknown user"
            };
            self.store.append_audit(&failed(reason, None))?;
            return Err(AuthError::InvalidCredentials);
        };
        if user.disabled {
            self.store
                .append_audit(&failed("disabled", Some(user.role)))?;
            return Err(AuthError::Disabled);
        }
        self.limiter().record_success(name);

        let token = new_token();
        let expires_at_ms = self.policy.expiry(now_ms, now_ms);
        self.store.insert_session(&NewSession {
            token_hash: token_hash(&token),
            user_id: user.id,
            created_at_ms: now_ms,
            expires_at_ms,
            client: client.to_owned(),
            address: address.to_string(),
        })?;
        let entry = AuditEntry::new(now_ms, &user.name, Some(user.role), action::LOGIN, "")
            .with_detail(json!({ "client": client }))
            .with_address(address);
        self.store.append_audit(&entry)?;
        Ok(Session {
            token,
            user,
            expires_at_ms,
        })
    }

    /// Verifies `password` against the user's hash, or against the dummy hash when there is
    /// no such user (and then answers false).
    fn check_password(&self, user: Option<&UserRow>, password: &str) -> Result<bool, AuthError> {
        if password.len() > MAX_PASSWORD_LEN {
            return Ok(false);
        }
        let Some(user) = user else {
            let dummy = self.dummy_hash()?;
            // The outcome is irrelevant; only the time spent matters.
            let _ = verify_password(password, dummy);
            return Ok(false);
        };
        match verify_password(password, &user.password_hash) {
            Ok(ok) => Ok(ok),
            Err(err) => {
                // A damaged hash locks the account out instead of failing every log-in.
                tracing::error!(user = user.name, %err, "unreadable password hash");
                Ok(false)
            }
        }
    }

    fn dummy_hash(&self) -> Result<&str, AuthError> {
        if let Some(hash) = self.dummy_hash.get() {
            return Ok(hash);
        }
        let hash = hash_password(&random_password(16), &self.policy.password_cost)?;
        Ok(self.dummy_hash.get_or_init(|| hash))
    }

    /// The user a token belongs to. Unknown, revoked and expired tokens, and tokens of a
    /// user disabled or removed since, are all [`AuthError::Unauthorized`]. A valid use
    /// slides the expiry (see [`AuthPolicy`]).
    pub fn authenticate(&self, token: &str, now_ms: i64) -> Result<UserRow, AuthError> {
        let (session, user) = self.live_session(token, now_ms)?;
        if self.policy.should_touch(session.last_seen_at_ms, now_ms) {
            let expires = self.policy.expiry(session.created_at_ms, now_ms);
            self.store
                .touch_session(&session.token_hash, now_ms, expires)?;
        }
        Ok(user)
    }

    /// Like [`authenticate`](Self::authenticate) but without sliding the expiry: for a
    /// connection that checks its token on a timer, which is no use of the session.
    pub fn still_valid(&self, token: &str, now_ms: i64) -> Result<UserRow, AuthError> {
        Ok(self.live_session(token, now_ms)?.1)
    }

    /// Takes a session back with its token instead of the password (a workstation
    /// reconnecting). The token must be live and `name`'s. A refusal is
    /// [`AuthError::Unauthorized`] and is neither counted by the failure limiter nor audited
    /// as a failed log-in: a stale token is no password guess (it has 256 random bits), and
    /// counting it would lock out a whole office reconnecting after a server restart. The
    /// client then logs in with its password. Audited as a `login` with `resume: true`.
    pub fn resume(
        &self,
        name: &str,
        token: &str,
        address: IpAddr,
        client: &str,
        now_ms: i64,
    ) -> Result<Session, AuthError> {
        let (session, user) = self.live_session(token, now_ms)?;
        if !user.name.eq_ignore_ascii_case(name) {
            tracing::warn!(user = name, %address, "resume with another user's token refused");
            return Err(AuthError::Unauthorized);
        }
        let expires_at_ms = self.policy.expiry(session.created_at_ms, now_ms);
        self.store
            .touch_session(&session.token_hash, now_ms, expires_at_ms)?;
        let entry = AuditEntry::new(now_ms, &user.name, Some(user.role), action::LOGIN, "")
            .with_detail(json!({ "client": client, "resume": true }))
            .with_address(address);
        self.store.append_audit(&entry)?;
        Ok(Session {
            token: token.to_owned(),
            user,
            expires_at_ms,
        })
    }

    /// The session of a live token (known, not revoked, not expired) and its user (still
    /// there, not disabled); anything else is [`AuthError::Unauthorized`].
    fn live_session(&self, token: &str, now_ms: i64) -> Result<(SessionRow, UserRow), AuthError> {
        if !well_formed(token) {
            return Err(AuthError::Unauthorized);
        }
        let session = self
            .store
            .session_by_token_hash(&token_hash(token))?
            .filter(|s| !s.revoked && now_ms < s.expires_at_ms)
            .ok_or(AuthError::Unauthorized)?;
        let user = self
            .store
            .user_by_id(session.user_id)?
            .filter(|u| !u.disabled)
            .ok_or(AuthError::Unauthorized)?;
        Ok((session, user))
    }

    /// Ends the session of `token`. False (and nothing audited) if it was unknown or already
    /// revoked: logging out twice is not an error.
    pub fn logout(&self, token: &str, now_ms: i64) -> Result<bool, AuthError> {
        if !well_formed(token) {
            return Ok(false);
        }
        let hash = token_hash(token);
        let Some(session) = self.store.session_by_token_hash(&hash)? else {
            return Ok(false);
        };
        if !self.store.revoke_session(&hash)? {
            return Ok(false);
        }
        if let Some(user) = self.store.user_by_id(session.user_id)? {
            let mut entry =
                AuditEntry::new(now_ms, &user.name, Some(user.role), action::LOGOUT, "");
            entry.address = Some(session.address);
            self.store.append_audit(&entry)?;
        }
        Ok(true)
    }

    /// A user changes their own password, proving the old one. Wrong old passwords count as
    /// failed log-ins (same limits). Every session of the user is revoked, the current one
    /// included: the client logs in again with the new password.
    pub fn change_password(
        &self,
        name: &str,
        old_password: &str,
        new_password: &str,
        address: IpAddr,
        now_ms: i64,
    ) -> Result<(), AuthError> {
        if let Err(retry_after_secs) = self.limiter().check(name, address, now_ms) {
            return Err(AuthError::RateLimited { retry_after_secs });
        }
        let user = self.store.user_by_name(name)?;
        let matches = self.check_password(user.as_ref(), old_password)?;
        let Some(user) = user.filter(|u| matches && !u.disabled) else {
            self.limiter().record_failure(name, address, now_ms);
            let entry = AuditEntry::new(now_ms, name, None, action::PASSWORD_CHANGE_FAILED, name)
                .with_address(address);
            self.store.append_audit(&entry)?;
            return Err(AuthError::InvalidCredentials);
        };
        self.limiter().record_success(name);
        let revoked = self.replace_password(&user, new_password, now_ms)?;
        let entry = AuditEntry::new(
            now_ms,
            &user.name,
            Some(user.role),
            action::PASSWORD_CHANGE,
            &user.name,
        )
        .with_detail(json!({ "sessions_revoked": revoked }))
        .with_address(address);
        self.store.append_audit(&entry)?;
        Ok(())
    }

    /// Checks and hashes `new_password`, stores it and revokes the user's sessions; returns
    /// how many were revoked.
    pub(crate) fn replace_password(
        &self,
        user: &UserRow,
        new_password: &str,
        now_ms: i64,
    ) -> Result<usize, AuthError> {
        let hash = hash_chosen_password(new_password, &self.policy)?;
        if !self.store.set_password_hash(&user.name, &hash, now_ms)? {
            return Err(AuthError::UnknownUser(user.name.clone()));
        }
        Ok(self.store.revoke_sessions_of(user.id)?)
    }

    /// Appends to the audit log: for monitoring, exports and force actions, which other
    /// modules perform. Action names are in [`action`]. Returns the entry's id.
    pub fn audit(&self, entry: &AuditEntry) -> Result<i64, AuthError> {
        Ok(self.store.append_audit(entry)?)
    }
}

//! SQL for log-in sessions. Rows are keyed by the SHA-256 of the opaque token (hex): the
//! token itself is never stored, so a copy of the database cannot be used to log in.

use rusqlite::{OptionalExtension, Row, params};

use super::{Store, StoreError};

/// A session to record at log-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    /// Lower-case hex SHA-256 of the token.
    pub token_hash: String,
    pub user_id: i64,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
    /// What the client called itself ("agent-tui 0.1.0", "rest").
    pub client: String,
    /// The peer address at log-in.
    pub address: String,
}

/// A row of `sessions`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub token_hash: String,
    pub user_id: i64,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
    pub last_seen_at_ms: i64,
    pub client: String,
    pub address: String,
    pub revoked: bool,
}

fn session_row(row: &Row<'_>) -> rusqlite::Result<SessionRow> {
    Ok(SessionRow {
        token_hash: row.get(0)?,
        user_id: row.get(1)?,
        created_at_ms: row.get(2)?,
        expires_at_ms: row.get(3)?,
        last_seen_at_ms: row.get(4)?,
        client: row.get(5)?,
        address: row.get(6)?,
        revoked: row.get(7)?,
    })
}

impl Store {
    pub fn insert_session(&self, session: &NewSession) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached(
                "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at,
                                       client, address, revoked)
                 VALUES (?1, ?2, ?3, ?4, ?3, ?5, ?6, 0)",
            )?
            .execute(params![
                session.token_hash,
                session.user_id,
                session.created_at_ms,
                session.expires_at_ms,
                session.client,
                session.address,
            ])?;
        Ok(())
    }

    /// The session, whatever its state (expired and revoked ones too: the caller decides).
    pub fn session_by_token_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<SessionRow>, StoreError> {
        let row = self
            .conn()
            .prepare_cached(
                "SELECT token_hash, user_id, created_at, expires_at, last_seen_at, client,
                        address, revoked
                 FROM sessions WHERE token_hash = ?1",
            )?
            .query_row([token_hash], session_row)
            .optional()?;
        Ok(row)
    }

    /// Records activity and moves the expiry (sliding sessions); false if no such session.
    pub fn touch_session(
        &self,
        token_hash: &str,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> Result<bool, StoreError> {
        let changed = self
            .conn()
            .prepare_cached(
                "UPDATE sessions SET last_seen_at = ?2, expires_at = ?3 WHERE token_hash = ?1",
            )?
            .execute(params![token_hash, now_ms, expires_at_ms])?;
        Ok(changed > 0)
    }

    /// Revokes one session (log-out); false if it did not exist or was already revoked.
    pub fn revoke_session(&self, token_hash: &str) -> Result<bool, StoreError> {
        let changed = self
            .conn()
            .prepare_cached(
                "UPDATE sessions SET revoked = 1 WHERE token_hash = ?1 AND revoked = 0",
            )?
            .execute([token_hash])?;
        Ok(changed > 0)
    }

    /// Revokes every live session of a user (password change, disabling, force log-out).
    /// Returns how many were revoked.
    pub fn revoke_sessions_of(&self, user_id: i64) -> Result<usize, StoreError> {
        let changed = self
            .conn()
            .prepare_cached("UPDATE sessions SET revoked = 1 WHERE user_id = ?1 AND revoked = 0")?
            .execute([user_id])?;
        Ok(changed)
    }

    /// Deletes sessions expired at `now_ms` (revoked ones included once expired, since a
    /// revoked session's row is only useful until it would have lapsed anyway).
    pub fn purge_expired_sessions(&self, now_ms: i64) -> Result<usize, StoreError> {
        let deleted = self
            .conn()
            .prepare_cached("DELETE FROM sessions WHERE expires_at <= ?1")?
            .execute([now_ms])?;
        Ok(deleted)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use hotline_protocol::Role;

    use super::*;
    use crate::store::NewUser;

    fn session(hash: &str, user_id: i64, expires_at_ms: i64) -> NewSession {
        NewSession {
            token_hash: hash.to_owned(),
            user_id,
            created_at_ms: 10,
            expires_at_ms,
            client: "agent-tui".to_owned(),
            address: "10.0.0.1".to_owned(),
        }
    }

    #[test]
    fn sessions_live_and_die() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("hotline.db")).unwrap();
        let user = store
            .add_user(&NewUser {
                name: "a1".to_owned(),
                display_name: String::new(),
                work_number: String::new(),
                role: Role::Agent,
                department_id: None,
                skills: BTreeMap::new(),
                password_hash: "h".to_owned(),
                created_at_ms: 0,
            })
            .unwrap();
        store.insert_session(&session("h1", user.id, 100)).unwrap();
        store.insert_session(&session("h2", user.id, 200)).unwrap();
        store.insert_session(&session("h3", user.id, 300)).unwrap();
        // Sessions need a real user.
        assert!(store.insert_session(&session("h4", 999, 300)).is_err());

        let h1 = store.session_by_token_hash("h1").unwrap().unwrap();
        assert_eq!(
            (h1.created_at_ms, h1.last_seen_at_ms, h1.expires_at_ms),
            (10, 10, 100)
        );
        assert!(!h1.revoked);
        assert!(store.touch_session("h1", 50, 150).unwrap());
        let h1 = store.session_by_token_hash("h1").unwrap().unwrap();
        assert_eq!((h1.last_seen_at_ms, h1.expires_at_ms), (50, 150));
        assert!(!store.touch_session("nope", 50, 150).unwrap());

        assert!(store.revoke_session("h1").unwrap());
        assert!(!store.revoke_session("h1").unwrap());
        assert!(store.session_by_token_hash("h1").unwrap().unwrap().revoked);
        assert_eq!(store.revoke_sessions_of(user.id).unwrap(), 2);
        assert_eq!(store.revoke_sessions_of(user.id).unwrap(), 0);

        assert_eq!(store.purge_expired_sessions(200).unwrap(), 2);
        assert!(store.session_by_token_hash("h2").unwrap().is_none());
        assert!(store.session_by_token_hash("h3").unwrap().is_some());
    }
}

//! SQL for the audit log of sensitive actions (log-in, monitoring, export, force actions,
//! account changes). Append-only: this file has no UPDATE or DELETE, and triggers in
//! migration 0002 refuse both, so a row once written stays as written.

use std::net::IpAddr;

use hotline_protocol::Role;
use rusqlite::types::Type;
use rusqlite::{Row, params};

use super::{Store, StoreError};

/// One audited action, as written.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub at_ms: i64,
    /// Who acted: a user name, or "cli" for the admin command line, "system" for the server.
    pub user: String,
    /// The actor's role when known (not for a failed log-in with an unknown name).
    pub role: Option<Role>,
    /// What was done: see `crate::auth::action`.
    pub action: String,
    /// What it was done to: a user name, a call id, an agent, a file … ("" for none).
    pub target: String,
    /// Further facts, a JSON object.
    pub detail: serde_json::Value,
    /// The actor's network address when the action came over the network.
    pub address: Option<String>,
}

impl AuditEntry {
    /// An entry with no detail and no address; set the public fields for more.
    pub fn new(
        at_ms: i64,
        user: &str,
        role: Option<Role>,
        action: &str,
        target: &str,
    ) -> AuditEntry {
        AuditEntry {
            at_ms,
            user: user.to_owned(),
            role,
            action: action.to_owned(),
            target: target.to_owned(),
            detail: serde_json::Value::Object(serde_json::Map::new()),
            address: None,
        }
    }

    #[must_use]
    pub fn with_detail(mut self, detail: serde_json::Value) -> AuditEntry {
        self.detail = detail;
        self
    }

    #[must_use]
    pub fn with_address(mut self, address: IpAddr) -> AuditEntry {
        self.address = Some(address.to_string());
        self
    }
}

/// A row of `audit_log`.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRow {
    pub id: i64,
    pub entry: AuditEntry,
}

fn audit_row(row: &Row<'_>) -> rusqlite::Result<AuditRow> {
    let bad = |idx: usize, what: &'static str, value: &str| {
        let err = StoreError::BadValue {
            what,
            value: value.to_owned(),
        };
        rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(err))
    };
    let role: Option<String> = row.get(3)?;
    let role = match role {
        None => None,
        Some(r) => Some(Role::from_name(&r).ok_or_else(|| bad(3, "role", &r))?),
    };
    let detail: String = row.get(6)?;
    let detail = serde_json::from_str(&detail).map_err(|_| bad(6, "audit detail", &detail))?;
    Ok(AuditRow {
        id: row.get(0)?,
        entry: AuditEntry {
            at_ms: row.get(1)?,
            user: row.get(2)?,
            role,
            action: row.get(4)?,
            target: row.get(5)?,
            detail,
            address: row.get(7)?,
        },
    })
}

impl Store {
    /// Appends an entry; returns its id.
    pub fn append_audit(&self, entry: &AuditEntry) -> Result<i64, StoreError> {
        let conn = self.conn();
        conn.prepare_cached(
            "INSERT INTO audit_log (at, user, role, action, target, detail, address)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            entry.at_ms,
            entry.user,
            entry.role.map(Role::as_str),
            entry.action,
            entry.target,
            entry.detail.to_string(),
            entry.address,
        ])?;
        Ok(conn.last_insert_rowid())
    }

    /// Entries with `from_ms <= at < to_ms`, oldest first.
    pub fn audit_between(&self, from_ms: i64, to_ms: i64) -> Result<Vec<AuditRow>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id, at, user, role, action, target, detail, address
             FROM audit_log WHERE at >= ?1 AND at < ?2 ORDER BY at, id",
        )?;
        stmt.query_map([from_ms, to_ms], audit_row)
            .and_then(Iterator::collect)
            .map_err(super::users::conversion)
    }
}

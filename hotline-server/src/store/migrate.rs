//! Numbered schema migrations, embedded in the binary and tracked by `PRAGMA user_version`.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use super::StoreError;

/// Migration `n` (1-based) brings the schema from version `n - 1` to `n`. Append only.
pub(crate) const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_calls", include_str!("migrations/0001_calls.sql")),
    ("0002_users", include_str!("migrations/0002_users.sql")),
    ("0003_tickets", include_str!("migrations/0003_tickets.sql")),
    (
        "0004_blacklist",
        include_str!("migrations/0004_blacklist.sql"),
    ),
    (
        "0005_screen_pop",
        include_str!("migrations/0005_screen_pop.sql"),
    ),
    (
        "0006_self_service",
        include_str!("migrations/0006_self_service.sql"),
    ),
    ("0007_notify", include_str!("migrations/0007_notify.sql")),
    (
        "0008_agent_states",
        include_str!("migrations/0008_agent_states.sql"),
    ),
    (
        "0009_campaign_purpose",
        include_str!("migrations/0009_campaign_purpose.sql"),
    ),
    (
        "0010_callbacks",
        include_str!("migrations/0010_callbacks.sql"),
    ),
    (
        "0011_voicemail_inbox",
        include_str!("migrations/0011_voicemail_inbox.sql"),
    ),
    (
        "0012_pending_consultations",
        include_str!("migrations/0012_pending_consultations.sql"),
    ),
    (
        "0013_callback_abandoned",
        include_str!("migrations/0013_callback_abandoned.sql"),
    ),
];

/// The schema version this binary creates and understands.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Applies the missing migrations, each in its own transaction.
///
/// Each step takes the write lock first (BEGIN IMMEDIATE), even when nothing is left to do:
/// that is also how a database held by another writer is detected at open.
pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let at_open = |err| StoreError::at_open(path, err);
    loop {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(at_open)?;
        let version: i64 = tx
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(at_open)?;
        if version < 0 {
            let detail = format!("negative schema version {version}");
            return Err(StoreError::Corrupt {
                path: path.to_owned(),
                detail,
            });
        }
        if version > SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                path: path.to_owned(),
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        let Some(&(name, sql)) = MIGRATIONS.get(version as usize) else {
            return tx.commit().map_err(at_open);
        };
        let failed = |source| StoreError::Migration {
            path: path.to_owned(),
            name,
            source,
        };
        tx.execute_batch(sql).map_err(failed)?;
        tx.pragma_update(None, "user_version", version + 1)
            .map_err(failed)?;
        tx.commit().map_err(failed)?;
        tracing::info!(path = %path.display(), migration = name, "database migrated");
    }
}

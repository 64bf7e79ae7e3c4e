//! SQL for backups: a consistent online copy of the database (`VACUUM INTO` reads one
//! snapshot, so writers may go on meanwhile) and per-table row counts and content digests to
//! check a copy against its original.

use std::fmt::Write as _;
use std::path::Path;

use rusqlite::types::ValueRef;
use sha2::{Digest, Sha256};

use super::{Store, StoreError};

/// One table's row count and a SHA-256 over its rows (order-independent: rows are sorted).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TableDigest {
    pub table: String,
    pub rows: i64,
    pub sha256: String,
}

fn render(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Null => "N".to_owned(),
        ValueRef::Integer(i) => format!("I{i}"),
        ValueRef::Real(f) => format!("R{f:?}"),
        ValueRef::Text(t) => format!("T{}:{}", t.len(), String::from_utf8_lossy(t)),
        ValueRef::Blob(b) => format!("B{}:{b:?}", b.len()),
    }
}

impl Store {
    /// Writes a consistent copy of the database to `dest` (which must not exist).
    pub fn backup_into(&self, dest: &Path) -> Result<(), StoreError> {
        let dest = dest.to_string_lossy().into_owned();
        self.conn().execute("VACUUM INTO ?1", [dest])?;
        Ok(())
    }

    /// Every ordinary table (virtual tables are covered by their shadow tables), by name.
    pub fn table_digests(&self) -> Result<Vec<TableDigest>, StoreError> {
        let conn = self.conn();
        let tx = conn.unchecked_transaction()?;
        let tables: Vec<String> = {
            let mut stmt = tx.prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table'
                   AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL%'
                 ORDER BY name",
            )?;
            stmt.query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?
        };
        let mut out = Vec::with_capacity(tables.len());
        for table in tables {
            let sql = format!("SELECT * FROM \"{}\"", table.replace('"', "\"\""));
            let mut stmt = tx.prepare(&sql)?;
            let width = stmt.column_count();
            let mut rows: Vec<String> = Vec::new();
            let mut cursor = stmt.query([])?;
            while let Some(row) = cursor.next()? {
                let mut line = String::new();
                for i in 0..width {
                    let _ = write!(line, "{}|", render(row.get_ref(i)?));
                }
                rows.push(line);
            }
            rows.sort_unstable();
            let mut hash = Sha256::new();
            for r in &rows {
                hash.update(r.as_bytes());
                hash.update(b"\n");
            }
            let sha256 = hash
                .finalize()
                .iter()
                .fold(String::with_capacity(64), |mut hex, b| {
                    let _ = write!(hex, "{b:02x}");
                    hex
                });
            out.push(TableDigest {
                table,
                rows: i64::try_from(rows.len()).unwrap_or(i64::MAX),
                sha256,
            });
        }
        tx.commit()?;
        Ok(out)
    }
}

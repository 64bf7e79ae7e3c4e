//! SQL for ticket attachments: the rows that name the files under the data directory.

use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;

use super::Store;
use super::tickets::RecordError;

/// An attachment to store; the file is already written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttachment {
    pub ticket_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    /// Relative to the data directory.
    pub path: String,
    pub uploaded_at_ms: i64,
    pub uploaded_by: String,
}

/// A stored attachment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachmentRow {
    pub id: i64,
    pub ticket_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    #[serde(skip)]
    pub path: String,
    pub uploaded_at_ms: i64,
    pub uploaded_by: String,
}

const COLUMNS: &str =
    "id, ticket_id, file_name, content_type, size, sha256, path, uploaded_at, uploaded_by";

fn row(r: &Row<'_>) -> rusqlite::Result<AttachmentRow> {
    Ok(AttachmentRow {
        id: r.get(0)?,
        ticket_id: r.get(1)?,
        file_name: r.get(2)?,
        content_type: r.get(3)?,
        size: r.get(4)?,
        sha256: r.get(5)?,
        path: r.get(6)?,
        uploaded_at_ms: r.get(7)?,
        uploaded_by: r.get(8)?,
    })
}

impl Store {
    pub fn add_attachment(&self, new: &NewAttachment) -> Result<AttachmentRow, RecordError> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO ticket_attachments (ticket_id, file_name, content_type, size, sha256,
                 path, uploaded_at, uploaded_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                new.ticket_id,
                new.file_name,
                new.content_type,
                new.size,
                new.sha256,
                new.path,
                new.uploaded_at_ms,
                new.uploaded_by,
            ],
        )?;
        let id = conn.last_insert_rowid();
        let sql = format!("SELECT {COLUMNS} FROM ticket_attachments WHERE id = ?1");
        Ok(conn.query_row(&sql, [id], row)?)
    }

    /// A ticket's attachments, oldest first.
    pub fn attachments(&self, ticket_id: i64) -> Result<Vec<AttachmentRow>, RecordError> {
        let sql =
            format!("SELECT {COLUMNS} FROM ticket_attachments WHERE ticket_id = ?1 ORDER BY id");
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([ticket_id], row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn attachment(
        &self,
        ticket_id: i64,
        id: i64,
    ) -> Result<Option<AttachmentRow>, RecordError> {
        let sql =
            format!("SELECT {COLUMNS} FROM ticket_attachments WHERE ticket_id = ?1 AND id = ?2");
        Ok(self
            .conn()
            .query_row(&sql, params![ticket_id, id], row)
            .optional()?)
    }
}

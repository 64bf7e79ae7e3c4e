//! All SQL of the server: a SQLite file in WAL mode, numbered migrations, reads on [`Store`],
//! writes from call tasks through the batching [`StoreWriter`].

mod attachments;
mod audit;
mod backup;
mod blacklist;
mod bulk;
mod callbacks;
mod callers;
mod calls;
mod campaigns;
mod connection;
mod consultations;
mod departments;
mod digest;
mod error;
mod inbound;
mod knowledge;
mod migrate;
mod outbox;
mod recordings;
mod related;
mod reports;
mod rows;
mod screen_pop;
mod self_service;
mod sessions;
mod ticket_links;
mod tickets;
mod users;
mod voicemails;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};

pub use attachments::{AttachmentRow, NewAttachment};
pub use audit::{AuditEntry, AuditRow};
pub use backup::TableDigest;
pub use blacklist::BlockRow;
pub use bulk::RowProblem;
pub use callbacks::{CallbackRow, CallbackWrite};
pub use callers::{CallerCategory, CallerQuery, CallerRow, CallerUpdate, NewCaller};
pub use campaigns::{CallOutcome, CampaignCallRow, CampaignRow, DueTarget, NewCampaign, TargetRow};
pub use consultations::{ConsultationAnswer, ConsultationRow};
pub use departments::{DepartmentNode, DepartmentRow, MAX_LEVEL, NewDepartment};
pub use error::StoreError;
pub use inbound::{InboundRow, NewInbound};
pub use knowledge::{KnowledgeHit, KnowledgeKind, KnowledgeRow, NewKnowledge};
pub use migrate::SCHEMA_VERSION;
pub use outbox::{DepartmentContact, NewNotification, OutboxRow, SECRET_MARK, TemplateRow};
pub use related::{RelatedQuery, RelatedRow};
pub use rows::{
    CallEnd, CallEventRow, CallRow, CallState, CdrRow, NewCall, NewRecording, RECORDING_KINDS,
    RecordingRow,
};
pub use screen_pop::{CallerHistory, CallerHistoryQuery, CallerTicket, PastCall};
pub use self_service::{MessageKind, NewMessage, PollCount, Rating, StatusAnswer, SurveyCounts};
pub use sessions::{NewSession, SessionRow};
pub use ticket_links::TicketLink;
pub use tickets::{
    AppliedTransition, DueFn, FiledTicket, HistoryRow, RecordError, TicketDraft, TicketFilter,
    TicketHit, TicketRow, TicketStateDoc, dept_id, dept_row_id,
};
pub use users::{AddUserError, NewUser, UserRow};
pub use voicemails::{VOICEMAIL_STATUSES, VoicemailPart, VoicemailQuery, VoicemailRow};
pub use writer::{
    AgentStateChange, BATCH_LIMIT, StoreWriter, WriteCommand, WriterHandle, spawn_writer,
};

/// End cause written by [`Store::close_open_calls`].
pub const RESTART_CAUSE: &str = "server restart";

/// A connection for reads and maintenance. Thread-safe (one connection behind a mutex); the
/// hot write path goes through [`spawn_writer`] instead.
pub struct Store {
    conn: Mutex<Connection>,
    path: PathBuf,
}

impl Store {
    /// Opens or creates the database: creates parent directories, enables WAL and foreign
    /// keys, runs `quick_check` and applies missing migrations. Fails with
    /// [`StoreError::Locked`] if another process holds the write lock for longer than 5 s,
    /// [`StoreError::Corrupt`] for a damaged file, [`StoreError::TooNew`] for a schema from a
    /// newer binary.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Self::open_with_busy_timeout(path, connection::BUSY_TIMEOUT)
    }

    /// [`Store::open`] with another wait for a locked database.
    pub fn open_with_busy_timeout(
        path: &Path,
        busy_timeout: Duration,
    ) -> Result<Store, StoreError> {
        let conn = connection::open(path, busy_timeout)?;
        Ok(Store {
            conn: Mutex::new(conn),
            path: path.to_owned(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent: keep going.
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn call(&self, id: &str) -> Result<Option<CallRow>, StoreError> {
        calls::call(&self.conn(), id)
    }

    /// The call's event log, oldest first.
    pub fn call_events(&self, id: &str) -> Result<Vec<CallEventRow>, StoreError> {
        calls::call_events(&self.conn(), id)
    }

    pub fn cdr(&self, call_id: &str) -> Result<Option<CdrRow>, StoreError> {
        calls::cdr(&self.conn(), call_id)
    }

    /// Blocks a number (or changes its block).
    pub fn put_block(&self, block: &BlockRow) -> Result<(), StoreError> {
        blacklist::put(&self.conn(), block)
    }

    /// Lifts the block on a number; false when there was none.
    pub fn remove_block(&self, number: &str) -> Result<bool, StoreError> {
        blacklist::remove(&self.conn(), number)
    }

    /// Blocks in force at `now_ms`.
    pub fn active_blocks(&self, now_ms: i64) -> Result<Vec<BlockRow>, StoreError> {
        blacklist::active(&self.conn(), now_ms)
    }

    /// The agent who last talked with `caller` since `since_ms`, for first-contact routing.
    pub fn last_agent_for_caller(
        &self,
        caller: &str,
        since_ms: i64,
    ) -> Result<Option<String>, StoreError> {
        calls::last_agent_for_caller(&self.conn(), caller, since_ms)
    }

    /// CDRs of calls started in `[from_ms, to_ms)`, oldest first.
    pub fn cdrs_between(&self, from_ms: i64, to_ms: i64) -> Result<Vec<CdrRow>, StoreError> {
        calls::cdrs_between(&self.conn(), from_ms, to_ms)
    }

    pub fn recordings_for_call(&self, call_id: &str) -> Result<Vec<RecordingRow>, StoreError> {
        recordings::recordings_for_call(&self.conn(), call_id)
    }

    /// Calls not yet ended (ringing or answered).
    pub fn open_call_count(&self) -> Result<usize, StoreError> {
        calls::open_call_count(&self.conn())
    }

    /// Start-up recovery: ends every call left open by a previous run (cause
    /// [`RESTART_CAUSE`]), with its `ended` event and CDR, in one transaction. Returns how
    /// many were closed. Run it before the writer accepts new calls.
    pub fn close_open_calls(&self, now_ms: i64) -> Result<usize, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let open = calls::open_call_ids(&tx)?;
        for call_id in &open {
            let end = CallEnd {
                call_id: call_id.clone(),
                at_ms: now_ms,
                cause: RESTART_CAUSE.to_owned(),
                digits: String::new(),
                queue: None,
            };
            calls::end_call(&tx, &end)?;
            // No call task is left to log it.
            let detail = serde_json::json!({ "cause": RESTART_CAUSE });
            calls::append_event(&tx, call_id, now_ms, "ended", &detail)?;
        }
        tx.commit()?;
        Ok(open.len())
    }
}

#[cfg(test)]
mod tests;

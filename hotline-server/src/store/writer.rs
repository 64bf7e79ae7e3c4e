//! The store writer: one thread owns a connection and applies queued writes in batches, so a
//! call task never waits on SQLite (its sends are non-blocking, unbounded channel sends).
//!
//! Each batch (what is queued, up to [`BATCH_LIMIT`] commands) is one transaction; each
//! command in it runs in a savepoint, so one bad command (an event for an unknown call) is
//! logged and skipped without losing the others.

use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use super::callbacks::CallbackWrite;
use super::rows::{CallEnd, NewCall, NewRecording};
use super::{StoreError, callbacks, calls, connection, recordings};

/// Commands applied in one transaction at most.
pub const BATCH_LIMIT: usize = 500;

/// Attempts at committing a batch before it is given up (disk full, I/O error, lock held by
/// another process for longer than the busy timeout).
const COMMIT_ATTEMPTS: u32 = 3;

/// A write, applied in the order sent.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteCommand {
    /// Inserts the call (state `ringing`).
    CallStarted(NewCall),
    /// Appends an event to a call's log. `detail` is stored as JSON.
    CallEvent {
        call_id: String,
        at_ms: i64,
        kind: String,
        detail: Value,
    },
    /// Marks a ringing call answered.
    CallAnswered {
        call_id: String,
        at_ms: i64,
    },
    /// Ends the call and writes its CDR.
    CallEnded(CallEnd),
    Recording(NewRecording),
    /// An agent's state changed (the ACD's decision), for reports.
    AgentState(AgentStateChange),
    /// Callback in queue: the request and its attempts.
    Callback(CallbackWrite),
}

/// One row of the agent state log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentStateChange {
    pub agent: String,
    pub at_ms: i64,
    /// `logged_out`, `ready`, `not_ready`, `ringing`, `on_call` or `wrap_up`.
    pub state: &'static str,
    pub reason: String,
    pub cause: String,
}

enum Message {
    // Boxed: a command is ~250 bytes, a flush one pointer.
    Command(Box<WriteCommand>),
    Flush(oneshot::Sender<()>),
    Shutdown,
}

/// The sending side: cheap to clone, one per call task. Methods never block, await or fail;
/// after the writer has shut down, commands are dropped with a warning.
#[derive(Clone)]
pub struct StoreWriter {
    tx: mpsc::UnboundedSender<Message>,
}

/// Owns the writer thread; [`WriterHandle::shutdown`] commits what was sent and joins it.
pub struct WriterHandle {
    tx: mpsc::UnboundedSender<Message>,
    thread: JoinHandle<()>,
    path: PathBuf,
}

/// Opens (and migrates) `path` on a new connection and starts the writer thread.
pub fn spawn_writer(path: &Path) -> Result<(StoreWriter, WriterHandle), StoreError> {
    let conn = connection::open(path, connection::BUSY_TIMEOUT)?;
    let (tx, rx) = mpsc::unbounded_channel();
    let thread = std::thread::Builder::new()
        .name("store-writer".to_owned())
        .spawn(move || run(conn, rx))
        .map_err(StoreError::Thread)?;
    let handle = WriterHandle {
        tx: tx.clone(),
        thread,
        path: path.to_owned(),
    };
    Ok((StoreWriter { tx }, handle))
}

impl StoreWriter {
    /// Queues any command.
    pub fn send(&self, command: WriteCommand) {
        self.post(Message::Command(Box::new(command)));
    }

    pub fn call_started(&self, call: NewCall) {
        self.send(WriteCommand::CallStarted(call));
    }

    pub fn call_event(&self, call_id: &str, at_ms: i64, kind: &str, detail: Value) {
        self.send(WriteCommand::CallEvent {
            call_id: call_id.to_owned(),
            at_ms,
            kind: kind.to_owned(),
            detail,
        });
    }

    pub fn call_answered(&self, call_id: &str, at_ms: i64) {
        self.send(WriteCommand::CallAnswered {
            call_id: call_id.to_owned(),
            at_ms,
        });
    }

    pub fn call_ended(&self, end: CallEnd) {
        self.send(WriteCommand::CallEnded(end));
    }

    pub fn recording(&self, recording: NewRecording) {
        self.send(WriteCommand::Recording(recording));
    }

    /// Resolves once everything sent before it is committed. Resolves with an error if the
    /// writer has stopped or gave the batch up (see the log).
    pub fn flush(&self) -> oneshot::Receiver<()> {
        let (done, wait) = oneshot::channel();
        self.post(Message::Flush(done));
        wait
    }

    fn post(&self, message: Message) {
        if self.tx.send(message).is_err() {
            tracing::warn!("store writer has shut down; write dropped");
        }
    }
}

impl WriterHandle {
    /// Commits everything sent before this call, stops the thread and waits for it, without
    /// blocking the executor. Commands sent after it are dropped. A writer thread that
    /// panicked is logged.
    pub async fn shutdown(self) {
        let path = self.path.clone();
        let joined = tokio::task::spawn_blocking(move || self.shutdown_blocking()).await;
        match joined {
            Ok(Ok(())) => {}
            Ok(Err(err)) => tracing::error!(%err, "store writer"),
            Err(err) => tracing::error!(%err, path = %path.display(), "store writer join failed"),
        }
    }

    /// [`WriterHandle::shutdown`] for synchronous code (CLI, tests): blocks until the last
    /// batch is committed.
    pub fn shutdown_blocking(self) -> Result<(), StoreError> {
        // A send error means the thread already ended; join tells how.
        let _ = self.tx.send(Message::Shutdown);
        self.thread
            .join()
            .map_err(|_| StoreError::WriterPanicked { path: self.path })
    }
}

fn run(mut conn: Connection, mut rx: mpsc::UnboundedReceiver<Message>) {
    let mut batch = Vec::with_capacity(BATCH_LIMIT);
    // `None`: every sender, the handle's included, is gone.
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        while batch.len() < BATCH_LIMIT {
            match rx.try_recv() {
                Ok(message) => batch.push(message),
                Err(_) => break,
            }
        }
        let shutdown = batch.iter().position(|m| matches!(m, Message::Shutdown));
        if let Some(at) = shutdown {
            batch.truncate(at);
        }
        commit_batch(&mut conn, &mut batch);
        if shutdown.is_some() {
            break;
        }
    }
    let dropped = std::iter::from_fn(|| rx.try_recv().ok())
        .filter(|m| matches!(m, Message::Command(_)))
        .count();
    if dropped > 0 {
        tracing::warn!(
            dropped,
            "store writer stopped; writes sent after shutdown dropped"
        );
    }
}

/// Commits the batch (retrying a failed transaction), then answers the flushes in it.
fn commit_batch(conn: &mut Connection, batch: &mut Vec<Message>) {
    let commands = batch
        .iter()
        .filter(|m| matches!(m, Message::Command(_)))
        .count();
    if commands > 0 {
        let mut attempt = 1;
        loop {
            match write(conn, batch) {
                Ok(()) => break,
                Err(err) if attempt < COMMIT_ATTEMPTS => {
                    tracing::warn!(%err, attempt, "store batch failed; retrying");
                    std::thread::sleep(Duration::from_millis(100 * u64::from(attempt)));
                    attempt += 1;
                }
                Err(err) => {
                    tracing::error!(%err, commands, "store batch failed; writes lost");
                    // Dropping the flush senders tells waiters it did not commit.
                    batch.clear();
                    return;
                }
            }
        }
    }
    for message in batch.drain(..) {
        if let Message::Flush(done) = message {
            // The waiter may have stopped waiting; nothing to do then.
            let _ = done.send(());
        }
    }
}

fn write(conn: &mut Connection, batch: &[Message]) -> rusqlite::Result<()> {
    let mut tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    for message in batch {
        let Message::Command(command) = message else {
            continue;
        };
        let savepoint = tx.savepoint()?;
        match apply(&savepoint, command) {
            Ok(()) => savepoint.commit()?,
            Err(err) => {
                tracing::warn!(%err, ?command, "store write rejected");
                // Rolls this command back, keeps the rest of the batch.
                savepoint.finish()?;
            }
        }
    }
    tx.commit()
}

fn apply(conn: &Connection, command: &WriteCommand) -> rusqlite::Result<()> {
    match command {
        WriteCommand::CallStarted(call) => calls::insert_call(conn, call),
        WriteCommand::CallEvent {
            call_id,
            at_ms,
            kind,
            detail,
        } => calls::append_event(conn, call_id, *at_ms, kind, detail),
        WriteCommand::CallAnswered { call_id, at_ms } => {
            if !calls::answer_call(conn, call_id, *at_ms)? {
                tracing::debug!(
                    call_id,
                    "call_answered for a call that is not ringing; ignored"
                );
            }
            Ok(())
        }
        WriteCommand::CallEnded(end) => {
            if !calls::end_call(conn, end)? {
                tracing::warn!(
                    call_id = end.call_id,
                    "call_ended for an unknown or ended call"
                );
            }
            Ok(())
        }
        WriteCommand::Recording(recording) => {
            recordings::insert_recording(conn, recording).map(drop)
        }
        WriteCommand::AgentState(c) => conn
            .prepare_cached(
                "INSERT INTO agent_states (agent, at_ms, state, reason, cause)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(rusqlite::params![
                c.agent, c.at_ms, c.state, c.reason, c.cause
            ])
            .map(drop),
        WriteCommand::Callback(write) => callbacks::apply(conn, write),
    }
}

//! What the driver tells the interpreter ([`Event`]) and what the interpreter asks of the driver
//! ([`Action`]).
//!
//! The contract with the driver (the call actor and its media leg):
//! - Every [`Action::Play`] is answered by exactly one [`Event::PlaybackDone`], also when the play
//!   was cut short by a digit or by [`Action::StopPlayback`]. The interpreter counts them, so a
//!   late `PlaybackDone` of a stopped prompt is never taken for the next one's.
//! - A digit during an interruptible play stops it (the driver may stop it on its own; the
//!   interpreter also sends `StopPlayback`, which is a no-op when nothing plays).
//! - Every [`Action::Record`] is answered by one [`Event::RecordDone`].
//! - Every [`Action::Service`] is answered by one [`Event::ServiceDone`].
//! - After `Queue` or `Hangup` the interpreter is finished and answers nothing more.

use crate::ivr::prompt::PromptRef;

/// Input from the driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    PlaybackDone,
    /// A DTMF key: `0`-`9`, `*`, `#` (and `A`-`D`).
    Digit(char),
    /// A recording ended (on the finish key, silence, or max length). An empty `file` or a zero
    /// duration means nothing was recorded.
    RecordDone {
        file: String,
        duration_ms: u64,
    },
    /// The caller hung up.
    Hangup,
    /// The answer to an [`Action::Service`]: `ok` false when the driver could not do it;
    /// `vars` become the call's variables.
    ServiceDone {
        ok: bool,
        vars: std::collections::BTreeMap<String, String>,
    },
}

/// A request to the driver, or an entry for the call's event log.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Play these in order, then send `PlaybackDone`.
    Play {
        prompts: Vec<PromptRef>,
        interruptible: bool,
    },
    StopPlayback,
    /// Record the caller, then send `RecordDone`.
    Record {
        name_hint: String,
        max_secs: u32,
        beep: bool,
        finish_on: Option<char>,
    },
    /// Carry out a self-service request (see [`crate::ivr::service`]), then send
    /// `ServiceDone`. `args` have their `${var}` substituted.
    Service {
        name: String,
        args: std::collections::BTreeMap<String, String>,
    },
    /// Hand the call to the ACD; the flow is over.
    Queue {
        queue: String,
        skills: Vec<String>,
        priority: i32,
    },
    /// Hang up; the flow is over.
    Hangup {
        cause: String,
    },
    /// For the call's event log: `step` is the node's step kind, `detail.event` what happened
    /// (`enter`, `digit`, `choice`, `invalid`, `no_input`, `failure`, `collected`, …).
    Log {
        node: String,
        step: &'static str,
        detail: serde_json::Value,
    },
}

//! What the store takes in (`New…`, `CallEnd`) and gives back (`…Row`).
//! Times are milliseconds since the Unix epoch.

use std::fmt;
use std::str::FromStr;

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ValueRef};

use super::StoreError;

/// A call as it arrives (INVITE accepted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCall {
    pub id: String,
    pub started_at_ms: i64,
    /// As received (From user part).
    pub caller: String,
    /// Normalised to E.164 (`+86…`), "" when it cannot be.
    pub caller_e164: String,
    pub dnis: String,
    pub profile: String,
    pub flow: String,
    pub trunk: String,
    /// "udp" | "tcp".
    pub transport: String,
    /// The peer's address, `ip:port`.
    pub remote: String,
    /// Where the number belongs (`江苏 南京`), "" when unknown; see `calls::region`.
    pub caller_location: String,
}

/// The end of a call; also produces its CDR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallEnd {
    pub call_id: String,
    pub at_ms: i64,
    /// "caller hangup", "agent hangup", "no rtp", "server restart", …
    pub cause: String,
    /// DTMF the caller keyed in the IVR, in order.
    pub digits: String,
    /// The last ACD queue the call was in.
    pub queue: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallState {
    Ringing,
    Answered,
    Ended,
}

impl CallState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ringing => "ringing",
            Self::Answered => "answered",
            Self::Ended => "ended",
        }
    }
}

impl FromStr for CallState {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ringing" => Ok(Self::Ringing),
            "answered" => Ok(Self::Answered),
            "ended" => Ok(Self::Ended),
            _ => Err(StoreError::BadValue {
                what: "call state",
                value: s.to_owned(),
            }),
        }
    }
}

impl fmt::Display for CallState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A row of `calls`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRow {
    pub id: String,
    pub started_at: i64,
    pub caller: String,
    pub caller_e164: String,
    pub dnis: String,
    pub profile: String,
    pub flow: String,
    pub trunk: String,
    pub transport: String,
    pub remote: String,
    pub state: CallState,
    pub answered_at: Option<i64>,
    pub ended_at: Option<i64>,
    pub end_cause: Option<String>,
}

/// An entry of a call's event log, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct CallEventRow {
    pub at: i64,
    pub kind: String,
    pub detail: serde_json::Value,
}

/// A call detail record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CdrRow {
    pub call_id: String,
    pub caller: String,
    pub dnis: String,
    pub profile: String,
    pub started_at: i64,
    pub answered_at: Option<i64>,
    pub ended_at: i64,
    /// From start to end.
    pub duration_ms: i64,
    /// From answer to end; 0 if never answered.
    pub talk_ms: i64,
    pub end_cause: String,
    pub digits: String,
    pub queue: Option<String>,
    /// Where the caller's number belongs, "" when unknown.
    pub caller_location: String,
}

/// Values of `recordings.kind`: a conversation (C1), a voice message (mailbox, complaint
/// recording: A5, A6, C3), an admin recording a prompt over the phone.
pub const RECORDING_KINDS: [&str; 3] = ["call", "message", "prompt-capture"];

/// A finished recording file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecording {
    pub call_id: String,
    /// Relative to the data directory, preferably.
    pub path: String,
    pub started_at_ms: i64,
    pub ended_at_ms: i64,
    pub channels: u16,
    /// One of [`RECORDING_KINDS`]; another value is rejected (logged) by the writer.
    pub kind: String,
}

/// A row of `recordings`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingRow {
    pub id: i64,
    pub call_id: String,
    pub path: String,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub channels: u16,
    pub kind: String,
}

/// Reads the TEXT spelling of an enum column.
fn text_column<T: FromStr<Err = StoreError>>(value: ValueRef<'_>) -> FromSqlResult<T> {
    value
        .as_str()?
        .parse()
        .map_err(|err| FromSqlError::Other(Box::new(err)))
}

impl FromSql for CallState {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        text_column(value)
    }
}

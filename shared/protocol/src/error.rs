//! Error codes sent to clients, and the error of decoding a frame.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a request failed. The snake_case strings are stable: clients branch on them, so a code is
/// never renamed within a protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The frame or a field is malformed, or the command is unknown.
    BadRequest,
    /// Not logged in, wrong password, or the session token expired.
    Unauthorized,
    /// Logged in, but the role may not send this command.
    Forbidden,
    /// The call, agent, queue or ticket named does not exist (any more).
    NotFound,
    /// The command does not fit the current state (answer while not ringing, ready while on a call).
    Conflict,
    /// Too many attempts (log-ins) in a short time; try later.
    RateLimited,
    /// The frame's `v` is not the server's protocol version.
    VersionMismatch,
    /// The server failed; the message says no more than is safe to show.
    Internal,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 8] = [
        ErrorCode::BadRequest,
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::Conflict,
        ErrorCode::RateLimited,
        ErrorCode::VersionMismatch,
        ErrorCode::Internal,
    ];

    /// The wire string (the same as serde writes).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::VersionMismatch => "version_mismatch",
            ErrorCode::Internal => "internal",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error half of a reply, and the payload of the `error` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: ErrorCode,
    /// Human-readable, for the status line; not for branching.
    pub message: String,
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for ErrorBody {}

/// A frame that could not be decoded. Where the request id could be read it is kept, so the
/// server can still answer the right request (see [`ProtocolError::reply`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProtocolError {
    /// Not JSON, not an object, or a field has the wrong shape.
    Malformed { id: Option<u64>, detail: String },
    /// The frame's `v` differs from [`PROTOCOL_VERSION`](crate::PROTOCOL_VERSION); nothing else was read.
    VersionMismatch {
        id: Option<u64>,
        got: u32,
        expected: u32,
    },
    /// A well-formed frame whose command `type` this version does not know.
    UnknownCommand { id: Option<u64>, name: String },
    /// A well-formed event frame whose event `type` this version does not know. Clients should
    /// log it and carry on: a newer server may send events an older client ignores.
    UnknownEvent { seq: u64, name: String },
}

impl ProtocolError {
    /// The request id, if the frame got far enough to carry one.
    pub fn request_id(&self) -> Option<u64> {
        match self {
            ProtocolError::Malformed { id, .. }
            | ProtocolError::VersionMismatch { id, .. }
            | ProtocolError::UnknownCommand { id, .. } => *id,
            ProtocolError::UnknownEvent { .. } => None,
        }
    }

    /// The code the server answers with.
    pub fn code(&self) -> ErrorCode {
        match self {
            ProtocolError::VersionMismatch { .. } => ErrorCode::VersionMismatch,
            _ => ErrorCode::BadRequest,
        }
    }

    /// What the server sends back for a frame it could not decode. Request id 0 is used when the
    /// id could not be read (clients never use 0 for a request).
    pub fn reply(&self) -> crate::ServerFrame {
        crate::ServerFrame::err(
            self.request_id().unwrap_or(0),
            ErrorBody::new(self.code(), self.to_string()),
        )
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolError::Malformed { detail, .. } => write!(f, "malformed frame: {detail}"),
            ProtocolError::VersionMismatch { got, expected, .. } => write!(
                f,
                "protocol version {got} is not supported; this side speaks version {expected}"
            ),
            ProtocolError::UnknownCommand { name, .. } => {
                write!(f, "unknown command type `{name}`")
            }
            ProtocolError::UnknownEvent { name, .. } => write!(f, "unknown event type `{name}`"),
        }
    }
}

impl std::error::Error for ProtocolError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_have_stable_strings() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            let back: ErrorCode = serde_json::from_str(&json).unwrap();
            assert_eq!(back, code);
        }
        let strings: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            strings,
            [
                "bad_request",
                "unauthorized",
                "forbidden",
                "not_found",
                "conflict",
                "rate_limited",
                "version_mismatch",
                "internal"
            ]
        );
    }

    #[test]
    fn protocol_errors_map_to_codes() {
        let e = ProtocolError::VersionMismatch {
            id: Some(3),
            got: 2,
            expected: 1,
        };
        assert_eq!(e.code(), ErrorCode::VersionMismatch);
        assert_eq!(e.request_id(), Some(3));
        let e = ProtocolError::UnknownCommand {
            id: None,
            name: "fly".into(),
        };
        assert_eq!(e.code(), ErrorCode::BadRequest);
        assert_eq!(e.to_string(), "unknown command type `fly`");
    }
}

//! The one error type of the crate: anything that could not be parsed.

/// What kind of input was refused; drivers branch on this (e.g. keep-alives are not errors to log).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParseErrorKind {
    /// The input held only CR/LF/whitespace: an RFC 5626 keep-alive, not a message.
    KeepAlive,
    /// The request line or status line is malformed.
    StartLine,
    /// A header line is malformed (no colon, bad name).
    Header,
    /// Content-Length is missing (stream), unparsable, conflicting or larger than the data.
    ContentLength,
    /// A URI could not be parsed.
    Uri,
    /// A typed header value (Via, CSeq, name-addr, ...) could not be parsed.
    Value,
    /// A digest challenge or credential could not be parsed.
    Auth,
}

/// A refused input with a short, human-readable reason (usable as a 400 reason phrase).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct ParseError {
    pub kind: ParseErrorKind,
    pub reason: String,
}

impl ParseError {
    pub(crate) fn new(kind: ParseErrorKind, reason: impl Into<String>) -> Self {
        Self {
            kind,
            reason: reason.into(),
        }
    }
}

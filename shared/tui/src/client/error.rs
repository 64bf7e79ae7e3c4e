//! What can go wrong on the WebSocket connection.

use hotline_protocol::{ErrorCode, ProtocolError};
use tokio_tungstenite::tungstenite;

use crate::client::tls::{TlsError, TlsFailure};

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("connecting to {url}")]
    Connect {
        url: String,
        #[source]
        source: tungstenite::Error,
    },
    /// The TLS handshake failed; the source names the reason.
    #[error("connecting to {url}")]
    Tls {
        url: String,
        #[source]
        source: TlsFailure,
    },
    /// The trusted roots could not be set up.
    #[error(transparent)]
    Trust(#[from] TlsError),
    #[error(transparent)]
    WebSocket(#[from] tungstenite::Error),
    #[error("server closed the connection")]
    Closed,
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    /// The server answered the command with an error.
    #[error("{command}: {code:?}: {message}")]
    Refused {
        command: &'static str,
        code: ErrorCode,
        message: String,
    },
}

/// An error with its causes, `outer: cause: cause`, for status lines.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_lists_causes() {
        let e = ClientError::Connect {
            url: "ws://h/ws".into(),
            source: tungstenite::Error::ConnectionClosed,
        };
        assert_eq!(
            error_chain(&e),
            "connecting to ws://h/ws: Connection closed normally"
        );
    }
}

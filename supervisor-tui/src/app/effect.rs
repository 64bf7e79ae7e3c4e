//! What `update` asks the runtime to do.

use hotline_protocol::Command;

use crate::rest::Request;

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Starts the session task (log-in, subscription, listening leg).
    Connect {
        server: String,
        user: String,
        password: String,
    },
    /// A command to the server over the session.
    Send(Command),
    Rest(Request),
}

//! The workstations' side of the server: the WebSocket client of the client protocol
//! ([`ws`]), the session task that logs in, keeps the media leg and reconnects ([`session`]),
//! token-authenticated REST calls ([`rest`]), both as a workstation's effects use them
//! ([`link`]), the server addresses they use ([`url`]) and whom they trust over TLS
//! ([`tls`]).

pub mod error;
pub mod link;
pub mod rest;
pub mod session;
pub mod tls;
pub mod url;
pub mod ws;

pub use error::{ClientError, error_chain};
pub use link::ServerLink;
pub use rest::{RestClient, RestError};
pub use session::{FromSession, Media, MicRoute, SessionEvent, SessionHandle, SessionParams};
pub use tls::{TlsError, TlsFailure, Trust};
pub use url::{api_base, host, media_ip, ws_url};
pub use ws::Client;

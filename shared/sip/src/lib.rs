//! Hotline's sans-IO SIP library (RFC 3261): message parsing and serialization, typed header
//! views, UAS validation, response building, digest authentication and transactions.
//!
//! Nothing here touches sockets or clocks: drivers feed bytes and `Instant`s in and send what
//! comes out.

mod bad_request;
mod build;
mod cseq;
mod digest;
mod error;
mod headers;
mod message;
mod method;
mod name_addr;
mod parse;
mod reason;
mod text;
mod transaction;
mod uri;
mod validate;
mod via;

pub use bad_request::bad_request_for;
pub use build::{BRANCH_MAGIC, new_branch, new_call_id, new_tag, response_to};
pub use cseq::{CSeq, MAX_CSEQ};
pub use digest::{Challenge, authorization, credential_param, verify};
pub use error::{ParseError, ParseErrorKind};
pub use headers::{Headers, split_list};
pub use message::{Message, Request, Response, SIP_VERSION};
pub use method::Method;
pub use name_addr::NameAddr;
pub use parse::{parse_datagram, parse_stream, skip_keepalive};
pub use reason::reason_phrase;
pub use text::Params;
pub use transaction::{
    ClientAction, ClientEvent, ClientTransactions, InviteOkRetransmitter, OkRetransmit,
    ServerAction, ServerEvent, ServerTransactions, T1, T2, T4, TransactionKey, cancel_target_key,
    server_key,
};
pub use uri::Uri;
pub use validate::{Rejection, UasPolicy, check_request};
pub use via::Via;

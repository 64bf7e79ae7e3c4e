//! Hotline client protocol: the serde types exchanged between `hotline-server` and the
//! workstations (`agent-tui`, `supervisor-tui`) over one WebSocket per client.
//!
//! Every WebSocket text message is one JSON frame. Clients send [`ClientFrame`]s (a request id and
//! a [`Command`]); the server sends [`ServerFrame`]s: a reply per request, and events. Every frame
//! carries the protocol version `v`. See `docs/protocol.md` for the wire format with examples.
//!
//! Pure types and helpers: no I/O, no async runtime.

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod agent;
mod alarm;
mod call;
mod callback;
mod command;
mod error;
mod event;
mod frame;
mod ids;
mod monitor;
mod queue;
mod reason;
mod reply;
mod role;
mod screen_pop;
mod topic;
mod transfer;
mod voicemail;
mod webrtc;

#[cfg(test)]
mod samples;
#[cfg(test)]
mod wire_tests;

pub use agent::{AgentInfo, AgentState, SkillLevel, StateCause};
pub use alarm::{Alarm, AlarmKind};
pub use call::{CallState, Direction, EndCause, Party, PartyKind};
pub use callback::CallbackOffer;
pub use command::{ClientKind, Command, valid_dtmf};
pub use error::{ErrorBody, ErrorCode, ProtocolError};
pub use event::{Event, NoticeLevel};
pub use frame::{
    ClientFrame, ServerFrame, decode_client, decode_server, encode, encode_client,
    encode_event_body, encode_event_with,
};
pub use ids::{AgentId, CallId, TicketId};
pub use monitor::MonitorMode;
pub use queue::{QueueSnapshot, WaitingCaller};
pub use reason::{NotReadyReason, StandardReason};
pub use reply::{ReplyBody, ReplyResult};
pub use role::{Capability, Role};
pub use screen_pop::{
    Block, CallSummary, CallerCategory, CallerSummary, Location, RepeatInfo, ScreenPop,
    TicketSummary,
};
pub use topic::Topic;
pub use transfer::{TransferInfo, TransferMode, TransferTarget};
pub use voicemail::{VoicemailKind, VoicemailNotice};
pub use webrtc::{SignalKind, WebRtcSignal};

/// The protocol version in every frame's `v`. It changes only on a breaking change (a field or
/// message removed or renamed, a meaning changed, a new value in an enum field such as a new agent
/// state or error code); new commands, new events and new optional fields keep the version.
pub const PROTOCOL_VERSION: u32 = 1;

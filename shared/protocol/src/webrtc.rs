//! Signalling for the agent's WebRTC media leg, carried over the same WebSocket.
//!
//! The leg is set up once after log-in: the client sends an offer, the server answers, both
//! trickle candidates. Answering a call later changes only the server's bridge.

use serde::{Deserialize, Serialize};

/// One signalling message; the same shape travels in both directions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebRtcSignal {
    pub kind: SignalKind,
    /// SDP text for offers and answers; an ICE candidate line (`candidate:…`) for candidates,
    /// empty for end-of-candidates.
    pub payload: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalKind {
    Offer,
    Answer,
    Candidate,
}

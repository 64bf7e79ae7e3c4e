//! Hotline sans-IO media: G.711, RTP/RTCP, RFC 4733 events, in-band DTMF detection,
//! jitter buffer, WAV, SDP offer/answer and mixing arithmetic.
//!
//! Nothing here touches sockets or clocks: callers pass packets, buffers and times.
//! Hot-path functions (codec, RTP, jitter buffer, detector, mixer) do not allocate.

// Tests may unwrap: a panic there is a failed test, which is the point.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod dtmf;
pub mod error;
pub mod g711;
pub mod jitter;
pub mod mix;
pub mod rtcp;
pub mod rtp;
pub mod sdp;
pub mod tone;
pub mod wav;

pub use dtmf::*;
pub use error::*;
pub use g711::*;
pub use jitter::*;
pub use mix::*;
pub use rtcp::*;
pub use rtp::*;
pub use sdp::*;
pub use tone::*;
pub use wav::*;

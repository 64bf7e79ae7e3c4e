//! Media drivers: RTP legs toward the telephone network, prompts, players and recorders.
//!
//! The sans-IO arithmetic (G.711, RTP, RFC 4733, jitter, WAV, SDP) lives in `hotline-media`; this
//! module only adds sockets, files and the 20 ms clock.

pub mod clock;
pub mod frame_pipe;
pub mod player;
pub mod ports;
pub mod prompts;
pub mod recorder;
pub mod rtp_leg;
pub mod runtime;
pub mod udp_batch;
pub mod webrtc;

/// Samples in one 20 ms frame at 8 kHz.
pub const FRAME: usize = 160;

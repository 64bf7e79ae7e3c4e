//! Client audio for the Hotline workstations: where the agent's voice comes from and
//! where the caller's voice goes ([`start_backend`]: sound card via cpal, WAV files, or
//! nothing), and the agent's WebRTC leg to the server ([`WebRtcLeg`], PCMU 8 kHz).
//!
//! Everything between the two is 20 ms [`Frame`]s of 8 kHz mono PCM on bounded tokio
//! channels, so a backend and a leg are wired together by handing one's receiver to the
//! other ([`WebRtcLeg::attach`]).

mod backend;
mod error;
mod frame;
mod leg;
mod levels;
mod resample;

pub use backend::device::list_devices;
pub use backend::{AudioDevice, AudioHandle, AudioIo, BackendKind, start_backend, test_tone};
pub use error::SoftphoneError;
pub use frame::{FRAME_DURATION, FRAME_SAMPLES, Frame, SAMPLE_RATE};
pub use leg::{LegState, WebRtcLeg};
pub use levels::{LevelMeter, Levels};

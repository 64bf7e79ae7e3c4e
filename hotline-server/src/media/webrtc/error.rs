//! Why an agent's offer could not be answered.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum WebRtcError {
    #[error("the SDP offer does not parse: {0}")]
    BadSdp(String),
    #[error("the SDP offer was refused: {0}")]
    Refused(String),
    #[error("the offer has no sendrecv audio with PCMU")]
    NoPcmuAudio,
    #[error("the local ICE candidate is not usable: {0}")]
    Candidate(String),
    #[error("the WebRTC hub has stopped")]
    HubStopped,
}

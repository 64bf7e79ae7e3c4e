//! Error types of the media crate: one for packet/file handling, one for SDP.

/// Errors from packet parsing/writing and WAV handling.
///
/// Every bad input becomes one of these; the crate never panics on foreign bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    /// The input ends before a field we must read.
    #[error("packet too short: need {needed} bytes, got {got}")]
    TooShort { needed: usize, got: usize },
    /// RTP/RTCP version field is not 2.
    #[error("unsupported RTP/RTCP version {0} (expected 2)")]
    BadVersion(u8),
    /// The padding count in the last byte is zero or larger than the payload.
    #[error("invalid RTP/RTCP padding")]
    BadPadding,
    /// The caller's output buffer cannot hold the result.
    #[error("output buffer too small: need {needed} bytes, have {got}")]
    BufferTooSmall { needed: usize, got: usize },
    /// RTP payload types are 7 bits.
    #[error("payload type {0} out of range (0..=127)")]
    BadPayloadType(u8),
    /// A structurally invalid RTCP packet.
    #[error("malformed RTCP: {0}")]
    MalformedRtcp(&'static str),
    /// The bytes are not a WAV file we can read.
    #[error("invalid WAV file: {0}")]
    Wav(String),
    /// A valid WAV file in an encoding we do not decode.
    #[error("unsupported WAV encoding: {0}; convert with `sox in.wav -r 8000 -c 1 -b 16 out.wav`")]
    UnsupportedWav(String),
    /// A readable WAV file that is not 8 kHz mono where that is required.
    #[error(
        "WAV file is {sample_rate} Hz, {channels} channel(s); need 8000 Hz mono: \
         convert with `sox in.wav -r 8000 -c 1 -b 16 out.wav`"
    )]
    WrongWavFormat { sample_rate: u32, channels: u16 },
}

/// Errors from SDP parsing and offer/answer negotiation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdpError {
    /// A line we need could not be understood.
    #[error("malformed SDP: {0}")]
    Malformed(String),
    /// The offer has no usable audio stream (none, or all with port 0).
    #[error("SDP offer has no active audio stream")]
    NoAudio,
    /// Audio is offered, but not with a transport/codec we support.
    #[error("no common codec (we support PCMU/PCMA over RTP/AVP)")]
    NoCommonCodec,
}

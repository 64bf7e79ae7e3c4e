//! `[media]`: RTP port range, packetisation, codecs and jitter buffering.

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MediaConfig {
    /// RTP takes even ports in `[rtp_port_min, rtp_port_max)`, RTCP the odd one above.
    pub rtp_port_min: u16,
    pub rtp_port_max: u16,
    pub ptime_ms: u32,
    /// Preference order; "PCMU" and "PCMA" are known.
    pub codecs: Vec<String>,
    pub jitter_depth_packets: usize,
    /// Hang up a call whose RTP stopped for this long.
    pub no_rtp_timeout_secs: u64,
    /// Threads running call media apart from signalling and the API; 0 = one per core.
    pub threads: usize,
}

/// Codec names the media layer implements.
pub const KNOWN_CODECS: [&str; 2] = ["PCMU", "PCMA"];

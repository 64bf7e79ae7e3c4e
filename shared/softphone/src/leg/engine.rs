//! How the agent's peer connection is configured: PCMU only, host candidates only.

use std::net::IpAddr;

use rtc::ice::mdns::MulticastDnsMode;
use rtc::ice::network_type::NetworkType;
use rtc::peer_connection::configuration::media_engine::MIME_TYPE_PCMU;
use rtc::rtp_transceiver::rtp_sender::{RTCRtpCodec, RTCRtpCodecParameters, RtpCodecKind};
use webrtc::peer_connection::{MediaEngine, SettingEngine, SettingEngineBuilder};

use crate::error::SoftphoneError;
use crate::frame::SAMPLE_RATE;

/// The static payload type of PCMU (RFC 3551).
pub(crate) const PCMU_PAYLOAD_TYPE: u8 = 0;

/// PCMU/8000 with the channel count left out (0): the server's str0m rejects an
/// explicit `PCMU/8000/1`, and RFC 3551 makes one channel the default anyway.
pub(crate) fn pcmu_codec() -> RTCRtpCodec {
    RTCRtpCodec {
        mime_type: MIME_TYPE_PCMU.to_owned(),
        clock_rate: SAMPLE_RATE,
        channels: 0,
        sdp_fmtp_line: String::new(),
        rtcp_feedback: vec![],
    }
}

/// The only codec we offer: the telephone side is G.711, so nothing is transcoded.
pub(crate) fn pcmu_media_engine() -> Result<MediaEngine, SoftphoneError> {
    let mut engine = MediaEngine::default();
    engine
        .register_codec(
            RTCRtpCodecParameters {
                rtp_codec: pcmu_codec(),
                payload_type: PCMU_PAYLOAD_TYPE,
            },
            RtpCodecKind::Audio,
        )
        .map_err(|e| SoftphoneError::webrtc("registering PCMU", e))?;
    Ok(engine)
}

/// Host candidates on `bind_ip` only. The socket is bound to that one address (see
/// `PeerConnectionBuilder::with_udp_addrs`), so that is the only candidate; loopback is
/// allowed so tests on 127.0.0.1 work, mDNS is off so the address is sent as is (the
/// server cannot resolve `.local` names), and there is no STUN/TURN.
pub(crate) fn host_only_settings(bind_ip: IpAddr) -> SettingEngine {
    let network = if bind_ip.is_ipv4() {
        NetworkType::Udp4
    } else {
        NetworkType::Udp6
    };
    SettingEngineBuilder::new()
        .with_network_types(vec![network])
        .with_multicast_dns_mode(MulticastDnsMode::Disabled)
        .with_include_loopback_candidate(true)
        .build()
}

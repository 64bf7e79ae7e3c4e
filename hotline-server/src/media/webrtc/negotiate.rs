//! Answering an agent's offer: one `Rtc` that speaks PCMU only, bound to the hub's candidate.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::time::Instant;

use str0m::change::SdpOffer;
use str0m::format::Codec;
use str0m::media::{Direction, MediaKind, Mid, Pt};
use str0m::rtp::Extension;
use str0m::{Candidate, Rtc};

use super::{HubConfig, WebRtcError};

/// The id browsers and our softphone use for the mid header extension.
const MID_EXTENSION_ID: u8 = 4;
/// Outgoing packets str0m holds between a write and the poll that sends it.
const SEND_BUFFER_PACKETS: usize = 4;

pub(super) struct Negotiated {
    pub rtc: Rtc,
    pub mid: Mid,
    pub pt: Pt,
    pub answer: String,
}

/// Builds the `Rtc` for one agent and answers `offer_sdp` with it.
pub(super) fn answer(
    offer_sdp: &str,
    config: &HubConfig,
    candidate: SocketAddr,
    now: Instant,
) -> Result<Negotiated, WebRtcError> {
    let offer_sdp = normalize_pcmu(offer_sdp);
    let mids = offered_mids(&offer_sdp);
    let offer =
        SdpOffer::from_sdp_string(&offer_sdp).map_err(|e| WebRtcError::BadSdp(e.to_string()))?;

    // RTP mode: the hub sends whole 20 ms packets and takes packets as they come, so str0m's
    // sample packetizer and depacketizer (a copy and a queue per packet) are skipped.
    // Header extensions: only the mid. A fixed-rate PCMU leg has no use for bandwidth
    // estimation, and transport-wide sequence numbers cost a register update per packet and
    // feedback reports both ways. The audio send buffer only bridges write to poll (no NACK
    // for audio), so a few packets are enough.
    let mut rtc_config = Rtc::builder()
        .clear_codecs()
        .enable_pcmu(true, false)
        .clear_extension_map()
        .set_extension(MID_EXTENSION_ID, Extension::RtpMid)
        .set_send_buffer_audio(SEND_BUFFER_PACKETS)
        .set_rtp_mode(true);
    rtc_config.set_max_stun_rto(config.max_stun_rto);
    rtc_config.set_max_stun_retransmits(config.max_stun_retransmits);
    // Generates this leg's DTLS key and certificate (str0m allocates freely here; setup only).
    let mut rtc = rtc_config.build(now);

    let local =
        Candidate::host(candidate, "udp").map_err(|e| WebRtcError::Candidate(e.to_string()))?;
    rtc.add_local_candidate(local);
    let answer = rtc
        .sdp_api()
        .accept_offer(offer)
        .map_err(|e| WebRtcError::Refused(e.to_string()))?;

    let (mid, pt) = mids
        .iter()
        .find_map(|&mid| pcmu_audio(&rtc, mid))
        .ok_or(WebRtcError::NoPcmuAudio)?;
    Ok(Negotiated {
        rtc,
        mid,
        pt,
        answer: answer.to_sdp_string(),
    })
}

/// The PCMU payload type of `mid`, if it is live sendrecv audio that negotiated PCMU.
fn pcmu_audio(rtc: &Rtc, mid: Mid) -> Option<(Mid, Pt)> {
    let media = rtc.media(mid)?;
    if media.kind() != MediaKind::Audio
        || media.disabled()
        || media.direction() != Direction::SendRecv
    {
        return None;
    }
    // The negotiated payload types of the m-line, matched against our codec table (the
    // writer API that would do this is closed in RTP mode).
    let remote = media.remote_pts();
    let pt = rtc
        .codec_config()
        .params()
        .iter()
        .find(|p| remote.contains(&p.pt()) && p.spec().codec == Codec::PCMU)?
        .pt();
    Some((mid, pt))
}

/// The `a=mid:` values of the offer, in order (str0m does not expose its parsed m-lines).
fn offered_mids(sdp: &str) -> Vec<Mid> {
    sdp.lines()
        .filter_map(|l| l.trim_end().strip_prefix("a=mid:"))
        .map(|m| Mid::from(m.trim()))
        .collect()
}

/// Rewrites `PCMU/8000/1` as `PCMU/8000`: str0m registers PCMU without a channel count and
/// refuses to match an explicit `/1`, which some stacks write (webrtc-rs does unless the codec is
/// registered with channels 0).
fn normalize_pcmu(sdp: &str) -> Cow<'_, str> {
    let is_mono_pcmu = |line: &str| {
        line.starts_with("a=rtpmap:")
            && line
                .split_once(' ')
                .is_some_and(|(_, enc)| enc.trim_end().eq_ignore_ascii_case("PCMU/8000/1"))
    };
    if !sdp.lines().any(is_mono_pcmu) {
        return Cow::Borrowed(sdp);
    }
    let mut out = String::with_capacity(sdp.len());
    for line in sdp.split_inclusive('\n') {
        if is_mono_pcmu(line) {
            let (head, _) = line.split_once(' ').unwrap_or((line, ""));
            out.push_str(head);
            out.push_str(" PCMU/8000\r\n");
        } else {
            out.push_str(line);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> HubConfig {
        HubConfig::new("127.0.0.1:0".parse().unwrap(), "127.0.0.1".parse().unwrap())
    }

    /// An offer as a str0m client makes it, with `codecs` enabled.
    fn client_offer(pcmu: bool, direction: Direction) -> String {
        let mut builder = Rtc::builder().clear_codecs().enable_pcma(true, false);
        if pcmu {
            builder = builder.enable_pcmu(true, false);
        }
        let mut rtc = builder.build(Instant::now());
        let c = Candidate::host("127.0.0.1:40000".parse().unwrap(), "udp").unwrap();
        rtc.add_local_candidate(c);
        let mut api = rtc.sdp_api();
        api.add_media(MediaKind::Audio, direction, None, None, None);
        let (offer, _pending) = api.apply().unwrap();
        offer.to_sdp_string()
    }

    fn candidate() -> SocketAddr {
        "127.0.0.1:50000".parse().unwrap()
    }

    #[test]
    fn answers_pcmu_sendrecv_with_pcmu() {
        let offer = client_offer(true, Direction::SendRecv);
        let n = answer(&offer, &config(), candidate(), Instant::now()).unwrap();
        assert_eq!(*n.pt, 0);
        assert!(n.answer.contains("PCMU/8000"), "{}", n.answer);
        assert!(n.answer.contains("a=sendrecv"), "{}", n.answer);
        assert!(
            n.answer.contains("127.0.0.1 50000 typ host"),
            "{}",
            n.answer
        );
        assert!(!n.answer.contains("PCMA"), "{}", n.answer);
    }

    #[test]
    fn accepts_an_explicit_mono_channel_count() {
        let offer = client_offer(true, Direction::SendRecv).replace("PCMU/8000", "PCMU/8000/1");
        assert!(offer.contains("PCMU/8000/1"));
        let n = answer(&offer, &config(), candidate(), Instant::now()).unwrap();
        assert_eq!(*n.pt, 0);
    }

    /// Pins why `normalize_pcmu` exists; if str0m learns to match `/1`, this fails and the
    /// rewrite can go.
    #[test]
    fn str0m_alone_does_not_match_mono_pcmu() {
        let offer = client_offer(true, Direction::SendRecv).replace("PCMU/8000", "PCMU/8000/1");
        let mids = offered_mids(&offer);
        let mut rtc = Rtc::builder()
            .clear_codecs()
            .enable_pcmu(true, false)
            .build(Instant::now());
        rtc.add_local_candidate(Candidate::host(candidate(), "udp").unwrap());
        let offer = SdpOffer::from_sdp_string(&offer).unwrap();
        rtc.sdp_api().accept_offer(offer).unwrap();
        assert!(mids.iter().all(|&mid| pcmu_audio(&rtc, mid).is_none()));
    }

    #[test]
    fn refuses_audio_without_pcmu() {
        let offer = client_offer(false, Direction::SendRecv);
        let err = answer(&offer, &config(), candidate(), Instant::now()).err();
        assert!(matches!(err, Some(WebRtcError::NoPcmuAudio)), "{err:?}");
    }

    #[test]
    fn refuses_one_way_audio() {
        let offer = client_offer(true, Direction::SendOnly);
        let err = answer(&offer, &config(), candidate(), Instant::now()).err();
        assert!(matches!(err, Some(WebRtcError::NoPcmuAudio)), "{err:?}");
    }

    #[test]
    fn garbage_is_a_bad_sdp_error() {
        let err = answer("hello", &config(), candidate(), Instant::now()).err();
        assert!(matches!(err, Some(WebRtcError::BadSdp(_))), "{err:?}");
    }

    #[test]
    fn normalization_leaves_other_lines_alone() {
        let sdp = "v=0\r\na=rtpmap:0 PCMU/8000/1\r\na=rtpmap:8 PCMA/8000/1\r\n";
        assert_eq!(
            normalize_pcmu(sdp),
            "v=0\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000/1\r\n"
        );
        assert!(matches!(normalize_pcmu("v=0\r\n"), Cow::Borrowed(_)));
    }
}

//! SDP (RFC 4566) parsing of the subset a G.711 leg needs, offer/answer
//! negotiation (RFC 3264) and SDP generation.

use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};

use crate::error::SdpError;
use crate::g711::Codec;

/// Media direction attribute (RFC 3264 §6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    SendRecv,
    SendOnly,
    RecvOnly,
    Inactive,
}

impl Direction {
    /// The direction an answerer uses in reply to this offered direction.
    #[must_use]
    pub fn answer(self) -> Direction {
        match self {
            Direction::SendOnly => Direction::RecvOnly,
            Direction::RecvOnly => Direction::SendOnly,
            d => d,
        }
    }

    pub fn as_attr(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    fn from_attr(a: &str) -> Option<Direction> {
        match a {
            "sendrecv" => Some(Direction::SendRecv),
            "sendonly" => Some(Direction::SendOnly),
            "recvonly" => Some(Direction::RecvOnly),
            "inactive" => Some(Direction::Inactive),
            _ => None,
        }
    }
}

/// One `a=rtpmap:` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtpMap {
    pub payload_type: u8,
    pub encoding: String,
    pub clock_rate: u32,
    pub channels: Option<u8>,
}

/// One `m=` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaDescription {
    pub kind: String,
    pub port: u16,
    pub protocol: String,
    /// Payload types in offer order (empty for non-RTP protocols).
    pub formats: Vec<u8>,
    pub rtpmaps: Vec<RtpMap>,
    pub ptime: Option<u32>,
    /// Media-level attribute, else the session-level one, else sendrecv.
    pub direction: Direction,
    /// Media-level `c=` only; see [`MediaDescription::address`] for the effective one.
    pub connection: Option<IpAddr>,
    pub rtcp_port: Option<u16>,
}

impl MediaDescription {
    /// The rtpmap for a payload type, if one was given.
    pub fn rtpmap(&self, payload_type: u8) -> Option<&RtpMap> {
        self.rtpmaps.iter().find(|m| m.payload_type == payload_type)
    }
}

/// The parts of a session description we use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDescription {
    pub origin_session_id: u64,
    /// Session-level `c=`.
    pub connection: Option<IpAddr>,
    pub media: Vec<MediaDescription>,
}

fn malformed(what: &str, line: &str) -> SdpError {
    SdpError::Malformed(format!("{what}: {line:?}"))
}

/// `c=IN IP4 addr[/ttl[/n]]`.
fn parse_connection(value: &str, line: &str) -> Result<IpAddr, SdpError> {
    let mut parts = value.split_whitespace();
    let (Some("IN"), Some(_), Some(addr)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(malformed("bad connection line", line));
    };
    let addr = addr.split('/').next().unwrap_or(addr);
    addr.parse()
        .map_err(|_| malformed("connection address is not an IP address", line))
}

fn parse_media(value: &str, line: &str) -> Result<MediaDescription, SdpError> {
    let mut parts = value.split_whitespace();
    let (Some(kind), Some(port), Some(protocol)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed("bad media line", line));
    };
    // "port/count" is allowed; only the first port matters here.
    let port = port
        .split('/')
        .next()
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| malformed("bad media port", line))?;
    let formats = if protocol.contains("RTP/") {
        parts
            .map(|f| f.parse().ok().filter(|pt: &u8| *pt < 128))
            .collect::<Option<Vec<u8>>>()
            .ok_or_else(|| malformed("bad RTP payload type", line))?
    } else {
        Vec::new() // e.g. "m=image 0 udptl t38": formats are not numbers
    };
    Ok(MediaDescription {
        kind: kind.to_string(),
        port,
        protocol: protocol.to_string(),
        formats,
        rtpmaps: Vec::new(),
        ptime: None,
        direction: Direction::SendRecv,
        connection: None,
        rtcp_port: None,
    })
}

/// `a=rtpmap:<pt> <encoding>/<clock>[/<channels>]`.
fn parse_rtpmap(value: &str, line: &str) -> Result<RtpMap, SdpError> {
    let err = || malformed("bad rtpmap", line);
    let (pt, rest) = value.split_once(' ').ok_or_else(err)?;
    let mut enc = rest.trim().split('/');
    let encoding = enc.next().filter(|e| !e.is_empty()).ok_or_else(err)?;
    let clock_rate = enc.next().and_then(|c| c.parse().ok()).ok_or_else(err)?;
    let channels = match enc.next() {
        Some(c) => Some(c.parse().map_err(|_| err())?),
        None => None,
    };
    Ok(RtpMap {
        payload_type: pt.trim().parse().map_err(|_| err())?,
        encoding: encoding.to_string(),
        clock_rate,
        channels,
    })
}

/// Parses an SDP body. Unknown lines and attributes are ignored; lines we rely on
/// (`c=`, `m=`, `a=rtpmap`) must be well formed.
pub fn parse_sdp(text: &str) -> Result<SessionDescription, SdpError> {
    let mut session = SessionDescription {
        origin_session_id: 0,
        connection: None,
        media: Vec::new(),
    };
    let mut session_direction = None;
    let mut saw_version = false;
    for raw in text.lines() {
        let line = raw.trim_end_matches('\r').trim();
        if line.is_empty() {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(malformed("line is not <type>=<value>", line));
        };
        let media = session.media.last_mut();
        match (key, media) {
            ("v", _) => saw_version = true,
            ("o", _) => {
                // Some stacks use ids beyond u64; the id is informational, so keep 0 then.
                session.origin_session_id = value
                    .split_whitespace()
                    .nth(1)
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
            }
            ("c", None) => session.connection = Some(parse_connection(value, line)?),
            ("c", Some(m)) => m.connection = Some(parse_connection(value, line)?),
            ("m", _) => {
                let mut m = parse_media(value, line)?;
                m.direction = session_direction.unwrap_or(Direction::SendRecv);
                session.media.push(m);
            }
            ("a", media) => {
                let (name, arg) = value.split_once(':').unwrap_or((value, ""));
                match (name, media) {
                    (dir, None) if Direction::from_attr(dir).is_some() => {
                        session_direction = Direction::from_attr(dir);
                    }
                    (dir, Some(m)) if Direction::from_attr(dir).is_some() => {
                        m.direction = Direction::from_attr(dir).unwrap_or(m.direction);
                    }
                    ("rtpmap", Some(m)) => m.rtpmaps.push(parse_rtpmap(arg, line)?),
                    ("ptime", Some(m)) => m.ptime = arg.trim().parse().ok(),
                    ("rtcp", Some(m)) => {
                        m.rtcp_port = arg.split_whitespace().next().and_then(|p| p.parse().ok());
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    if !saw_version {
        return Err(SdpError::Malformed("missing v= line".into()));
    }
    Ok(session)
}

/// The result of answering an offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Negotiated {
    pub codec: Codec,
    /// The payload type the offer used for `codec` (may be dynamic).
    pub payload_type: u8,
    pub dtmf_payload_type: Option<u8>,
    /// Packet time in ms: 10..=60, a multiple of 10.
    pub ptime: u32,
    pub remote: SocketAddr,
    /// Our direction, already answered (offer sendonly -> we are recvonly).
    pub direction: Direction,
    /// The peer put us on hold (c=0.0.0.0, or sendonly/inactive): do not send media.
    pub on_hold: bool,
}

fn codec_of(m: &MediaDescription, pt: u8) -> Option<Codec> {
    match m.rtpmap(pt) {
        Some(map) => {
            let mono = map.channels.is_none_or(|c| c == 1);
            Codec::from_name(&map.encoding).filter(|_| map.clock_rate == 8000 && mono)
        }
        None => match pt {
            0 => Some(Codec::Pcmu),
            8 => Some(Codec::Pcma),
            _ => None,
        },
    }
}

/// Picks codec, DTMF and transport parameters for answering `offer`. Among the
/// offered payload types, the first whose codec is in `preferred` wins (the offerer's
/// order, as RFC 3264 suggests).
pub fn negotiate(offer: &SessionDescription, preferred: &[Codec]) -> Result<Negotiated, SdpError> {
    let mut audio = offer
        .media
        .iter()
        .filter(|m| m.kind == "audio" && m.port != 0)
        .peekable();
    if audio.peek().is_none() {
        return Err(SdpError::NoAudio);
    }
    // Plain RTP only; SRTP/DTLS profiles (SAVP, SAVPF) are not ours to answer.
    let m = audio
        .find(|m| matches!(m.protocol.as_str(), "RTP/AVP" | "RTP/AVPF"))
        .ok_or(SdpError::NoCommonCodec)?;
    let (codec, payload_type) = m
        .formats
        .iter()
        .find_map(|&pt| {
            codec_of(m, pt)
                .filter(|c| preferred.contains(c))
                .map(|c| (c, pt))
        })
        .ok_or(SdpError::NoCommonCodec)?;
    let dtmf_payload_type = m.formats.iter().copied().find(|&pt| {
        m.rtpmap(pt).is_some_and(|r| {
            r.encoding.eq_ignore_ascii_case("telephone-event") && r.clock_rate == 8000
        })
    });
    let ptime = (m.ptime.unwrap_or(20).clamp(10, 60) + 5) / 10 * 10;
    let ip = m
        .connection
        .or(offer.connection)
        .ok_or_else(|| SdpError::Malformed("no c= line for the audio stream".into()))?;
    let on_hold =
        ip.is_unspecified() || matches!(m.direction, Direction::SendOnly | Direction::Inactive);
    Ok(Negotiated {
        codec,
        payload_type,
        dtmf_payload_type,
        ptime,
        remote: SocketAddr::new(ip, m.port),
        direction: m.direction.answer(),
        on_hold,
    })
}

/// Builds an SDP offer or answer with one audio stream.
#[allow(clippy::too_many_arguments)] // mirrors the SDP fields one to one
pub fn build_sdp(
    session_id: u64,
    version: u64,
    local_ip: IpAddr,
    local_port: u16,
    codecs: &[(Codec, u8)],
    dtmf_payload_type: Option<u8>,
    ptime: u32,
    direction: Direction,
) -> String {
    let family = if local_ip.is_ipv4() { "IP4" } else { "IP6" };
    let mut s = String::with_capacity(256);
    // Writing to a String cannot fail; the results are ignored deliberately.
    let _ = write!(
        s,
        "v=0\r\no=hotline {session_id} {version} IN {family} {local_ip}\r\ns=hotline\r\n\
         c=IN {family} {local_ip}\r\nt=0 0\r\nm=audio {local_port} RTP/AVP"
    );
    for (_, pt) in codecs {
        let _ = write!(s, " {pt}");
    }
    if let Some(pt) = dtmf_payload_type {
        let _ = write!(s, " {pt}");
    }
    s.push_str("\r\n");
    for (codec, pt) in codecs {
        let _ = write!(s, "a=rtpmap:{pt} {}/8000\r\n", codec.name());
    }
    if let Some(pt) = dtmf_payload_type {
        let _ = write!(
            s,
            "a=rtpmap:{pt} telephone-event/8000\r\na=fmtp:{pt} 0-16\r\n"
        );
    }
    let _ = write!(s, "a=ptime:{ptime}\r\na={}\r\n", direction.as_attr());
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::net::Ipv4Addr;

    const BOTH: [Codec; 2] = [Codec::Pcmu, Codec::Pcma];

    fn offer(m_line: &str, attrs: &str) -> String {
        format!(
            "v=0\r\no=- 4242 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n\
             {m_line}\r\n{attrs}"
        )
    }

    fn neg(text: &str) -> Result<Negotiated, SdpError> {
        negotiate(&parse_sdp(text)?, &BOTH)
    }

    #[test]
    fn parses_typical_offer() {
        let text = "v=0\no=alice 2890844526 2890844526 IN IP4 host.example\ns=\n\
            c=IN IP4 198.51.100.7\nt=0 0\na=sendonly\n\
            m=audio 49170/2 RTP/AVP 0 8 97\nc=IN IP4 203.0.113.9/127\n\
            a=rtpmap:97 iLBC/8000\na=rtpmap:8 PCMA/8000/1\na=rtcp:53020 IN IP4 203.0.113.9\n\
            a=ptime:30\nm=video 0 RTP/AVP 31\nm=image 0 udptl t38\n";
        let s = parse_sdp(text).unwrap();
        assert_eq!(s.origin_session_id, 2890844526);
        assert_eq!(s.connection, Some("198.51.100.7".parse().unwrap()));
        assert_eq!(s.media.len(), 3);
        let a = &s.media[0];
        assert_eq!(
            (a.kind.as_str(), a.port, a.protocol.as_str()),
            ("audio", 49170, "RTP/AVP")
        );
        assert_eq!(a.formats, [0, 8, 97]);
        assert_eq!(a.rtpmap(8).unwrap().channels, Some(1));
        assert_eq!(a.rtpmap(97).unwrap().encoding, "iLBC");
        assert_eq!(a.ptime, Some(30));
        assert_eq!(a.direction, Direction::SendOnly); // inherited from session level
        assert_eq!(a.connection, Some("203.0.113.9".parse().unwrap()));
        assert_eq!(a.rtcp_port, Some(53020));
        assert!(s.media[2].formats.is_empty());
    }

    #[test]
    fn pcma_only_offer() {
        let n = neg(&offer("m=audio 4000 RTP/AVP 8", "")).unwrap();
        assert_eq!((n.codec, n.payload_type), (Codec::Pcma, 8));
        assert_eq!(n.remote, "192.0.2.1:4000".parse().unwrap());
        assert_eq!((n.ptime, n.dtmf_payload_type), (20, None));
        assert_eq!(n.direction, Direction::SendRecv);
        assert!(!n.on_hold);
    }

    #[test]
    fn offer_order_and_dynamic_pcmu() {
        let n = neg(&offer("m=audio 4000 RTP/AVP 18 8 0", "")).unwrap();
        assert_eq!(n.codec, Codec::Pcma);
        // Preference list filters, offer order decides.
        let s = parse_sdp(&offer("m=audio 4000 RTP/AVP 8 0", "")).unwrap();
        assert_eq!(negotiate(&s, &[Codec::Pcmu]).unwrap().codec, Codec::Pcmu);
        let n = neg(&offer(
            "m=audio 4000 RTP/AVP 110",
            "a=rtpmap:110 pcmu/8000\r\n",
        ))
        .unwrap();
        assert_eq!((n.codec, n.payload_type), (Codec::Pcmu, 110));
        // A static number remapped to something else is not G.711.
        let r = neg(&offer(
            "m=audio 4000 RTP/AVP 0",
            "a=rtpmap:0 PCMU/16000\r\n",
        ));
        assert_eq!(r, Err(SdpError::NoCommonCodec));
    }

    #[test]
    fn telephone_event_at_any_payload_type() {
        for pt in [96u8, 101, 127] {
            let text = offer(
                &format!("m=audio 4000 RTP/AVP 0 {pt}"),
                &format!("a=rtpmap:{pt} telephone-event/8000\r\na=fmtp:{pt} 0-15\r\n"),
            );
            assert_eq!(neg(&text).unwrap().dtmf_payload_type, Some(pt));
        }
        // Wideband telephone-event is not usable with an 8 kHz codec.
        let text = offer(
            "m=audio 4000 RTP/AVP 0 97",
            "a=rtpmap:97 telephone-event/16000\r\n",
        );
        assert_eq!(neg(&text).unwrap().dtmf_payload_type, None);
    }

    #[test]
    fn no_common_codec_and_no_audio() {
        let g729 = offer("m=audio 4000 RTP/AVP 18", "a=rtpmap:18 G729/8000\r\n");
        assert_eq!(neg(&g729), Err(SdpError::NoCommonCodec));
        let srtp = offer("m=audio 4000 RTP/SAVP 0", "");
        assert_eq!(neg(&srtp), Err(SdpError::NoCommonCodec));
        let video = offer("m=video 4000 RTP/AVP 31", "");
        assert_eq!(neg(&video), Err(SdpError::NoAudio));
        let rejected = offer("m=audio 0 RTP/AVP 0", "");
        assert_eq!(neg(&rejected), Err(SdpError::NoAudio));
        assert_eq!(
            negotiate(&parse_sdp(&offer("m=audio 1 RTP/AVP 0", "")).unwrap(), &[]),
            Err(SdpError::NoCommonCodec)
        );
        // SRTP first, plain RTP second: the plain stream is answered.
        let both = offer("m=audio 4000 RTP/SAVP 0", "m=audio 4002 RTP/AVP 0\r\n");
        assert_eq!(neg(&both).unwrap().remote.port(), 4002);
    }

    #[test]
    fn hold_detection() {
        let old_style = offer("m=audio 4000 RTP/AVP 0", "c=IN IP4 0.0.0.0\r\n");
        let n = neg(&old_style).unwrap();
        assert!(n.on_hold);
        assert_eq!(n.remote.ip(), IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        let sendonly = offer("m=audio 4000 RTP/AVP 0", "a=sendonly\r\n");
        let n = neg(&sendonly).unwrap();
        assert!(n.on_hold);
        assert_eq!(n.direction, Direction::RecvOnly);
        let inactive = offer("m=audio 4000 RTP/AVP 0", "a=inactive\r\n");
        assert_eq!(neg(&inactive).unwrap().direction, Direction::Inactive);
        let recvonly = offer("m=audio 4000 RTP/AVP 0", "a=recvonly\r\n");
        let n = neg(&recvonly).unwrap();
        assert!(!n.on_hold);
        assert_eq!(n.direction, Direction::SendOnly);
    }

    #[test]
    fn ptime_rounding_and_clamping() {
        for (given, want) in [(30, 30), (5, 10), (25, 30), (24, 20), (120, 60), (40, 40)] {
            let text = offer("m=audio 4000 RTP/AVP 0", &format!("a=ptime:{given}\r\n"));
            assert_eq!(neg(&text).unwrap().ptime, want, "ptime {given}");
        }
    }

    #[test]
    fn ipv6_and_errors() {
        let text = "v=0\r\nc=IN IP6 2001:db8::1\r\nm=audio 5000 RTP/AVP 0\r\n";
        assert_eq!(
            neg(text).unwrap().remote,
            "[2001:db8::1]:5000".parse().unwrap()
        );
        assert!(matches!(parse_sdp("hello"), Err(SdpError::Malformed(_))));
        assert!(matches!(
            parse_sdp("o=- 1 1 IN IP4 1.2.3.4\r\n"),
            Err(SdpError::Malformed(_))
        ));
        assert!(matches!(
            parse_sdp("v=0\r\nc=IN IP4 example.com\r\n"),
            Err(SdpError::Malformed(_))
        ));
        assert!(matches!(
            parse_sdp("v=0\r\nm=audio x RTP/AVP 0\r\n"),
            Err(SdpError::Malformed(_))
        ));
        assert!(matches!(
            parse_sdp("v=0\r\nm=audio 1 RTP/AVP 300\r\n"),
            Err(SdpError::Malformed(_))
        ));
        assert!(matches!(
            parse_sdp("v=0\r\nm=audio 1 RTP/AVP 0\r\na=rtpmap:0 PCMU\r\n"),
            Err(SdpError::Malformed(_))
        ));
        let no_c = "v=0\r\nm=audio 5000 RTP/AVP 0\r\n";
        assert!(matches!(neg(no_c), Err(SdpError::Malformed(_))));
    }

    #[test]
    fn build_then_parse() {
        let ip: IpAddr = "10.0.0.5".parse().unwrap();
        let text = build_sdp(
            77,
            2,
            ip,
            30000,
            &[(Codec::Pcmu, 0), (Codec::Pcma, 8)],
            Some(101),
            20,
            Direction::SendRecv,
        );
        assert!(text.ends_with("\r\n"));
        assert!(!text.replace("\r\n", "").contains('\n'));
        assert!(text.contains("m=audio 30000 RTP/AVP 0 8 101\r\n"));
        assert!(text.contains("a=rtpmap:0 PCMU/8000\r\n"));
        assert!(text.contains("a=rtpmap:8 PCMA/8000\r\n"));
        assert!(text.contains("a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n"));
        assert!(text.contains("a=ptime:20\r\na=sendrecv\r\n"));
        let s = parse_sdp(&text).unwrap();
        assert_eq!(s.origin_session_id, 77);
        let n = negotiate(&s, &BOTH).unwrap();
        assert_eq!(n.codec, Codec::Pcmu);
        assert_eq!(n.dtmf_payload_type, Some(101));
        assert_eq!(n.remote, SocketAddr::new(ip, 30000));

        let answer = build_sdp(
            1,
            1,
            "::1".parse().unwrap(),
            4,
            &[(Codec::Pcma, 8)],
            None,
            30,
            Direction::RecvOnly,
        );
        assert!(answer.contains("c=IN IP6 ::1\r\n"));
        assert!(answer.contains("m=audio 4 RTP/AVP 8\r\n"));
        let n = neg(&answer).unwrap();
        assert_eq!(
            (n.codec, n.ptime, n.direction),
            (Codec::Pcma, 30, Direction::SendOnly)
        );
    }

    #[test]
    fn direction_answers() {
        assert_eq!(Direction::SendOnly.answer(), Direction::RecvOnly);
        assert_eq!(Direction::RecvOnly.answer(), Direction::SendOnly);
        assert_eq!(Direction::SendRecv.answer(), Direction::SendRecv);
        assert_eq!(Direction::Inactive.answer(), Direction::Inactive);
        assert_eq!(Direction::Inactive.as_attr(), "inactive");
    }

    proptest! {
        #[test]
        fn parser_never_panics(text in "\\PC{0,300}") {
            if let Ok(s) = parse_sdp(&text) {
                let _ = negotiate(&s, &BOTH);
            }
        }

        #[test]
        fn parser_never_panics_on_sdp_like_text(lines in proptest::collection::vec(
            "[vocmat]=[a-z0-9 :/.]{0,30}", 0..20)) {
            let text = format!("v=0\r\n{}", lines.join("\r\n"));
            if let Ok(s) = parse_sdp(&text) {
                let _ = negotiate(&s, &BOTH);
            }
        }
    }
}

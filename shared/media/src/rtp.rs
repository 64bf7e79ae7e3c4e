//! RTP fixed header (RFC 3550 §5.1): parse into a borrowed payload, write into a caller buffer.

use crate::error::MediaError;

/// Size of the RTP fixed header without CSRCs.
pub const RTP_HEADER_LEN: usize = 12;

/// The fields of an RTP header that a G.711 leg needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpHeader {
    pub payload_type: u8,
    pub marker: bool,
    pub sequence: u16,
    pub timestamp: u32,
    pub ssrc: u32,
}

/// Parses an RTP packet, returning its header and the payload (CSRCs, header
/// extension and padding removed).
pub fn parse_rtp(packet: &[u8]) -> Result<(RtpHeader, &[u8]), MediaError> {
    if packet.len() < RTP_HEADER_LEN {
        return Err(MediaError::TooShort {
            needed: RTP_HEADER_LEN,
            got: packet.len(),
        });
    }
    let version = packet[0] >> 6;
    if version != 2 {
        return Err(MediaError::BadVersion(version));
    }
    let padding = packet[0] & 0x20 != 0;
    let extension = packet[0] & 0x10 != 0;
    let csrc_count = usize::from(packet[0] & 0x0F);
    let header = RtpHeader {
        marker: packet[1] & 0x80 != 0,
        payload_type: packet[1] & 0x7F,
        sequence: u16::from_be_bytes([packet[2], packet[3]]),
        timestamp: be32(packet, 4),
        ssrc: be32(packet, 8),
    };
    let mut start = RTP_HEADER_LEN + 4 * csrc_count;
    if extension {
        // Extension header: 16-bit profile id, 16-bit length in 32-bit words.
        if packet.len() < start + 4 {
            return Err(MediaError::TooShort {
                needed: start + 4,
                got: packet.len(),
            });
        }
        let words = usize::from(u16::from_be_bytes([packet[start + 2], packet[start + 3]]));
        start += 4 + 4 * words;
    }
    if packet.len() < start {
        return Err(MediaError::TooShort {
            needed: start,
            got: packet.len(),
        });
    }
    let mut end = packet.len();
    if padding {
        // The last byte counts the padding octets, itself included.
        let pad = usize::from(packet[end - 1]);
        if pad == 0 || pad > end - start {
            return Err(MediaError::BadPadding);
        }
        end -= pad;
    }
    Ok((header, &packet[start..end]))
}

/// Writes a 12-byte header (no CSRC, no extension, no padding) followed by the
/// payload into `out`; returns the packet length.
pub fn write_rtp(header: &RtpHeader, payload: &[u8], out: &mut [u8]) -> Result<usize, MediaError> {
    if header.payload_type > 127 {
        return Err(MediaError::BadPayloadType(header.payload_type));
    }
    let len = RTP_HEADER_LEN + payload.len();
    if out.len() < len {
        return Err(MediaError::BufferTooSmall {
            needed: len,
            got: out.len(),
        });
    }
    out[0] = 0x80;
    out[1] = header.payload_type | if header.marker { 0x80 } else { 0 };
    out[2..4].copy_from_slice(&header.sequence.to_be_bytes());
    out[4..8].copy_from_slice(&header.timestamp.to_be_bytes());
    out[8..12].copy_from_slice(&header.ssrc.to_be_bytes());
    out[RTP_HEADER_LEN..len].copy_from_slice(payload);
    Ok(len)
}

/// RFC 5761 §4 demultiplexing: RTCP packet types 192..=223 occupy the byte where
/// RTP has marker + payload type. Also requires version 2, so STUN is never RTCP.
pub fn is_rtcp(packet: &[u8]) -> bool {
    packet.len() >= 2 && packet[0] >> 6 == 2 && (192..=223).contains(&packet[1])
}

pub(crate) fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn header() -> RtpHeader {
        RtpHeader {
            payload_type: 8,
            marker: true,
            sequence: 0xFFFE,
            timestamp: 0xDEAD_BEEF,
            ssrc: 0x1234_5678,
        }
    }

    #[test]
    fn write_then_parse() {
        let mut buf = [0u8; 64];
        let n = write_rtp(&header(), &[1, 2, 3], &mut buf).unwrap();
        assert_eq!(n, 15);
        assert_eq!(buf[0], 0x80);
        assert_eq!(buf[1], 0x88);
        let (h, p) = parse_rtp(&buf[..n]).unwrap();
        assert_eq!(h, header());
        assert_eq!(p, &[1, 2, 3]);
        assert!(!is_rtcp(&buf[..n]));
    }

    #[test]
    fn write_errors() {
        let mut small = [0u8; 14];
        assert_eq!(
            write_rtp(&header(), &[1, 2, 3], &mut small),
            Err(MediaError::BufferTooSmall {
                needed: 15,
                got: 14
            })
        );
        let bad = RtpHeader {
            payload_type: 200,
            ..header()
        };
        assert_eq!(
            write_rtp(&bad, &[], &mut [0u8; 20]),
            Err(MediaError::BadPayloadType(200))
        );
    }

    #[test]
    fn csrc_extension_and_padding() {
        // V=2 P=1 X=1 CC=2, PT 0.
        let mut p = vec![0xB2, 0x00, 0x00, 0x07, 0, 0, 0, 160, 0, 0, 0, 9];
        p.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 2]); // two CSRCs
        p.extend_from_slice(&[0xBE, 0xDE, 0x00, 0x01, 0x10, 0xAA, 0, 0]); // 1-word extension
        p.extend_from_slice(&[0x55; 5]); // payload
        p.extend_from_slice(&[0, 0, 3]); // 3 bytes padding
        let (h, payload) = parse_rtp(&p).unwrap();
        assert_eq!(h.sequence, 7);
        assert_eq!(h.timestamp, 160);
        assert_eq!(h.ssrc, 9);
        assert!(!h.marker);
        assert_eq!(payload, &[0x55; 5]);
    }

    #[test]
    fn malformed_packets() {
        assert!(matches!(
            parse_rtp(&[0x80; 11]),
            Err(MediaError::TooShort { .. })
        ));
        let mut p = [0u8; 12];
        p[0] = 0x40;
        assert_eq!(parse_rtp(&p), Err(MediaError::BadVersion(1)));
        // CSRC count larger than the packet.
        p[0] = 0x8F;
        assert!(matches!(parse_rtp(&p), Err(MediaError::TooShort { .. })));
        // Padding count zero.
        let mut q = [0u8; 14];
        q[0] = 0xA0;
        assert_eq!(parse_rtp(&q), Err(MediaError::BadPadding));
        // Padding count longer than the payload.
        q[13] = 3;
        assert_eq!(parse_rtp(&q), Err(MediaError::BadPadding));
        // Padding exactly covering the payload is fine.
        q[13] = 2;
        assert_eq!(parse_rtp(&q).unwrap().1, &[] as &[u8]);
        // Extension header truncated.
        let mut e = [0u8; 14];
        e[0] = 0x90;
        assert!(matches!(parse_rtp(&e), Err(MediaError::TooShort { .. })));
    }

    #[test]
    fn rtcp_demux() {
        assert!(is_rtcp(&[0x80, 200, 0, 6]));
        assert!(is_rtcp(&[0x81, 201]));
        assert!(!is_rtcp(&[0x80, 0x80 | 0x60]));
        assert!(!is_rtcp(&[0x80, 0]));
        assert!(!is_rtcp(&[0x00, 200])); // STUN-like first byte
        assert!(!is_rtcp(&[0x80]));
    }

    proptest! {
        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            if let Ok((_, payload)) = parse_rtp(&bytes) {
                prop_assert!(payload.len() <= bytes.len());
            }
            let _ = is_rtcp(&bytes);
        }
    }
}

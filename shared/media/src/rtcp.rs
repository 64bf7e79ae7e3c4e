//! RTCP (RFC 3550 §6): reception statistics (appendix A.1/A.3/A.8), SR/RR/SDES/BYE
//! writers and a compound-packet summary parser.

use crate::error::MediaError;
use crate::rtp::be32;

const PT_SR: u8 = 200;
const PT_RR: u8 = 201;
const PT_SDES: u8 = 202;
const PT_BYE: u8 = 203;
const REPORT_BLOCK_LEN: usize = 24;
/// RFC 3550 A.1: jumps larger than this are treated as a restart candidate.
const MAX_DROPOUT: u16 = 3000;
/// RFC 3550 A.1: packets this far behind are reordered/duplicates, not a restart.
const MAX_MISORDER: u16 = 100;

/// One reception report block (RFC 3550 §6.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReportBlock {
    pub ssrc: u32,
    pub fraction_lost: u8,
    /// 24-bit signed on the wire; clamped when written.
    pub cumulative_lost: i32,
    pub highest_seq: u32,
    pub jitter: u32,
    pub lsr: u32,
    pub dlsr: u32,
}

/// Per-source reception statistics, following RFC 3550 appendix A.
///
/// Differs from A.1 in one respect: there is no probation period; the first packet
/// initialises the state (the driver already demultiplexes one negotiated source).
#[derive(Debug, Clone)]
pub struct ReceptionStats {
    clock_rate: u32,
    initialised: bool,
    max_seq: u16,
    cycles: u32,
    base_seq: u32,
    bad_seq: u32,
    received: u64,
    expected_prior: u64,
    received_prior: u64,
    transit: i32,
    /// Interarrival jitter scaled by 16 (A.8) to keep precision in integers.
    jitter16: u32,
}

impl ReceptionStats {
    pub fn new(clock_rate: u32) -> Self {
        ReceptionStats {
            clock_rate: clock_rate.max(1),
            initialised: false,
            max_seq: 0,
            cycles: 0,
            base_seq: 0,
            bad_seq: u32::MAX,
            received: 0,
            expected_prior: 0,
            received_prior: 0,
            transit: 0,
            jitter16: 0,
        }
    }

    fn init_seq(&mut self, seq: u16) {
        self.base_seq = u32::from(seq);
        self.max_seq = seq;
        self.bad_seq = u32::MAX;
        self.cycles = 0;
        self.received = 0;
        self.received_prior = 0;
        self.expected_prior = 0;
    }

    /// Accounts one received packet. `arrival_in_clock_units` is the local arrival
    /// time expressed in the RTP clock (any origin; only differences matter).
    pub fn on_packet(&mut self, seq: u16, rtp_timestamp: u32, arrival_in_clock_units: u32) {
        let transit = arrival_in_clock_units.wrapping_sub(rtp_timestamp) as i32;
        if !self.initialised {
            self.initialised = true;
            self.init_seq(seq);
            self.received = 1;
            self.transit = transit;
            return;
        }
        let udelta = seq.wrapping_sub(self.max_seq);
        if udelta < MAX_DROPOUT {
            if seq < self.max_seq {
                self.cycles = self.cycles.wrapping_add(1 << 16);
            }
            self.max_seq = seq;
        } else if udelta <= u16::MAX - MAX_MISORDER {
            // A big jump: accept it only when the next packet confirms it (source restart).
            if u32::from(seq) == self.bad_seq {
                self.init_seq(seq);
                self.transit = transit;
            } else {
                self.bad_seq = u32::from(seq.wrapping_add(1));
                return;
            }
        }
        // else: duplicate or reordered packet, counted but does not move max_seq.
        self.received += 1;

        // A.8 interarrival jitter: J += (|D| - J) / 16, in the scaled form.
        let d = transit.wrapping_sub(self.transit).unsigned_abs();
        self.transit = transit;
        let j = i64::from(self.jitter16) + i64::from(d) - ((i64::from(self.jitter16) + 8) >> 4);
        self.jitter16 = j.clamp(0, i64::from(u32::MAX)) as u32;
    }

    fn extended_max(&self) -> u64 {
        u64::from(self.cycles) + u64::from(self.max_seq)
    }

    fn expected(&self) -> u64 {
        if self.initialised {
            self.extended_max() + 1 - u64::from(self.base_seq)
        } else {
            0
        }
    }

    /// Builds a report block and starts a new reporting interval (for fraction lost).
    pub fn report_block(&mut self, ssrc_of_source: u32, lsr: u32, dlsr: u32) -> ReportBlock {
        let expected = self.expected();
        let expected_interval = expected.saturating_sub(self.expected_prior);
        let received_interval = self.received.saturating_sub(self.received_prior);
        self.expected_prior = expected;
        self.received_prior = self.received;
        let lost_interval = expected_interval as i64 - received_interval as i64;
        let fraction_lost = if expected_interval == 0 || lost_interval <= 0 {
            0
        } else {
            ((lost_interval << 8) / expected_interval as i64).min(255) as u8
        };
        ReportBlock {
            ssrc: ssrc_of_source,
            fraction_lost,
            cumulative_lost: self.cumulative_lost().clamp(-0x80_0000, 0x7F_FFFF) as i32,
            highest_seq: self.extended_max() as u32,
            jitter: self.jitter(),
            lsr,
            dlsr,
        }
    }

    pub fn packets_received(&self) -> u64 {
        self.received
    }

    /// Expected minus received; negative when duplicates were received.
    pub fn cumulative_lost(&self) -> i64 {
        self.expected() as i64 - self.received as i64
    }

    /// Interarrival jitter in RTP timestamp units.
    pub fn jitter(&self) -> u32 {
        self.jitter16 >> 4
    }

    /// Interarrival jitter in milliseconds, for logs and metrics.
    pub fn jitter_ms(&self) -> f32 {
        self.jitter() as f32 * 1000.0 / self.clock_rate as f32
    }
}

/// What a receiver needs from an incoming compound RTCP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RtcpSummary {
    /// SSRC of the sender of the packet (first SR/RR, else the first packet with one).
    pub ssrc: u32,
    pub sender_report: bool,
    /// Middle 32 bits of the SR's NTP timestamp: echo as LSR in our report blocks.
    pub ntp_middle: u32,
    pub bye: bool,
}

fn check_out(out: &[u8], needed: usize) -> Result<(), MediaError> {
    if out.len() < needed {
        Err(MediaError::BufferTooSmall {
            needed,
            got: out.len(),
        })
    } else {
        Ok(())
    }
}

fn write_common_header(out: &mut [u8], count: u8, pt: u8, len: usize) {
    out[0] = 0x80 | (count & 0x1F);
    out[1] = pt;
    out[2..4].copy_from_slice(&(((len / 4) - 1) as u16).to_be_bytes());
}

fn write_block(b: &ReportBlock, out: &mut [u8]) {
    out[0..4].copy_from_slice(&b.ssrc.to_be_bytes());
    let lost = b.cumulative_lost.clamp(-0x80_0000, 0x7F_FFFF) as u32;
    out[4] = b.fraction_lost;
    out[5..8].copy_from_slice(&lost.to_be_bytes()[1..4]);
    out[8..12].copy_from_slice(&b.highest_seq.to_be_bytes());
    out[12..16].copy_from_slice(&b.jitter.to_be_bytes());
    out[16..20].copy_from_slice(&b.lsr.to_be_bytes());
    out[20..24].copy_from_slice(&b.dlsr.to_be_bytes());
}

fn read_block(b: &[u8]) -> ReportBlock {
    // Sign-extend the 24-bit cumulative loss.
    let lost = (i32::from_be_bytes([b[5], b[6], b[7], 0])) >> 8;
    ReportBlock {
        ssrc: be32(b, 0),
        fraction_lost: b[4],
        cumulative_lost: lost,
        highest_seq: be32(b, 8),
        jitter: be32(b, 12),
        lsr: be32(b, 16),
        dlsr: be32(b, 20),
    }
}

/// Writes a sender report (with zero or one report block); returns its length.
pub fn write_sender_report(
    ssrc: u32,
    ntp_time: u64,
    rtp_timestamp: u32,
    packet_count: u32,
    octet_count: u32,
    block: Option<&ReportBlock>,
    out: &mut [u8],
) -> Result<usize, MediaError> {
    let len = 28 + if block.is_some() { REPORT_BLOCK_LEN } else { 0 };
    check_out(out, len)?;
    write_common_header(out, u8::from(block.is_some()), PT_SR, len);
    out[4..8].copy_from_slice(&ssrc.to_be_bytes());
    out[8..16].copy_from_slice(&ntp_time.to_be_bytes());
    out[16..20].copy_from_slice(&rtp_timestamp.to_be_bytes());
    out[20..24].copy_from_slice(&packet_count.to_be_bytes());
    out[24..28].copy_from_slice(&octet_count.to_be_bytes());
    if let Some(b) = block {
        write_block(b, &mut out[28..len]);
    }
    Ok(len)
}

/// Writes a receiver report (with zero or one report block); returns its length.
pub fn write_receiver_report(
    ssrc: u32,
    block: Option<&ReportBlock>,
    out: &mut [u8],
) -> Result<usize, MediaError> {
    let len = 8 + if block.is_some() { REPORT_BLOCK_LEN } else { 0 };
    check_out(out, len)?;
    write_common_header(out, u8::from(block.is_some()), PT_RR, len);
    out[4..8].copy_from_slice(&ssrc.to_be_bytes());
    if let Some(b) = block {
        write_block(b, &mut out[8..len]);
    }
    Ok(len)
}

/// Writes an SDES packet with one CNAME item (RFC 3550 requires one in every
/// compound packet; append it after the SR/RR). CNAMEs longer than 255 bytes are cut.
pub fn write_sdes_cname(ssrc: u32, cname: &str, out: &mut [u8]) -> Result<usize, MediaError> {
    let name = &cname.as_bytes()[..cname.len().min(255)];
    // header 4 + ssrc 4 + type 1 + len 1 + text + at least one zero, padded to 4.
    let len = (10 + name.len() + 1).div_ceil(4) * 4;
    check_out(out, len)?;
    write_common_header(out, 1, PT_SDES, len);
    out[4..8].copy_from_slice(&ssrc.to_be_bytes());
    out[8] = 1; // CNAME
    out[9] = name.len() as u8;
    out[10..10 + name.len()].copy_from_slice(name);
    out[10 + name.len()..len].fill(0);
    Ok(len)
}

/// Writes a BYE packet for one SSRC.
pub fn write_bye(ssrc: u32, out: &mut [u8]) -> Result<usize, MediaError> {
    check_out(out, 8)?;
    write_common_header(out, 1, PT_BYE, 8);
    out[4..8].copy_from_slice(&ssrc.to_be_bytes());
    Ok(8)
}

/// Walks the packets of a compound RTCP datagram, calling `f(packet_type, count, body)`
/// for each, where `body` is the whole sub-packet (header included, padding removed).
fn walk<'a>(
    packet: &'a [u8],
    mut f: impl FnMut(u8, u8, &'a [u8]) -> Result<(), MediaError>,
) -> Result<(), MediaError> {
    if packet.is_empty() {
        return Err(MediaError::TooShort { needed: 4, got: 0 });
    }
    let mut rest = packet;
    while !rest.is_empty() {
        if rest.len() < 4 {
            return Err(MediaError::TooShort {
                needed: 4,
                got: rest.len(),
            });
        }
        let version = rest[0] >> 6;
        if version != 2 {
            return Err(MediaError::BadVersion(version));
        }
        let len = (usize::from(u16::from_be_bytes([rest[2], rest[3]])) + 1) * 4;
        if rest.len() < len {
            return Err(MediaError::TooShort {
                needed: len,
                got: rest.len(),
            });
        }
        let mut body = &rest[..len];
        if rest[0] & 0x20 != 0 {
            let pad = usize::from(body[len - 1]);
            if pad == 0 || pad > len - 4 {
                return Err(MediaError::BadPadding);
            }
            body = &body[..len - pad];
        }
        f(rest[1], rest[0] & 0x1F, body)?;
        rest = &rest[len..];
    }
    Ok(())
}

/// Summarises a (compound) RTCP packet.
pub fn parse_rtcp(packet: &[u8]) -> Result<RtcpSummary, MediaError> {
    let mut summary = RtcpSummary::default();
    let mut have_ssrc = false;
    let mut have_report = false;
    walk(packet, |pt, _count, body| {
        match pt {
            PT_SR => {
                if body.len() < 28 {
                    return Err(MediaError::MalformedRtcp(
                        "sender report shorter than 28 bytes",
                    ));
                }
                if !have_report {
                    summary.ssrc = be32(body, 4);
                    have_report = true;
                    have_ssrc = true;
                }
                summary.sender_report = true;
                summary.ntp_middle = be32(body, 10);
            }
            PT_RR => {
                if body.len() < 8 {
                    return Err(MediaError::MalformedRtcp(
                        "receiver report shorter than 8 bytes",
                    ));
                }
                if !have_report {
                    summary.ssrc = be32(body, 4);
                    have_report = true;
                    have_ssrc = true;
                }
            }
            PT_BYE => summary.bye = true,
            _ => {}
        }
        if !have_ssrc && body.len() >= 8 {
            summary.ssrc = be32(body, 4);
            have_ssrc = true;
        }
        Ok(())
    })?;
    if !(192..=223).contains(&packet[1]) {
        return Err(MediaError::MalformedRtcp("not an RTCP packet type"));
    }
    Ok(summary)
}

/// The first report block of the first SR/RR in a compound packet, if any; gives the
/// remote's view of our stream (loss, jitter, LSR/DLSR for round-trip time).
pub fn first_report_block(packet: &[u8]) -> Option<ReportBlock> {
    let mut found = None;
    walk(packet, |pt, count, body| {
        let offset = match pt {
            PT_SR => 28,
            PT_RR => 8,
            _ => return Ok(()),
        };
        if found.is_none() && count > 0 && body.len() >= offset + REPORT_BLOCK_LEN {
            found = Some(read_block(&body[offset..offset + REPORT_BLOCK_LEN]));
        }
        Ok(())
    })
    .ok()?;
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn clean_stream_has_no_loss_or_jitter() {
        let mut s = ReceptionStats::new(8000);
        for i in 0..100u32 {
            let seq = 65500u16.wrapping_add(i as u16);
            s.on_packet(seq, 1000 + i * 160, 5000 + i * 160);
        }
        assert_eq!(s.packets_received(), 100);
        assert_eq!(s.cumulative_lost(), 0);
        assert_eq!(s.jitter(), 0);
        let b = s.report_block(7, 1, 2);
        assert_eq!(b.fraction_lost, 0);
        assert_eq!(
            b.highest_seq,
            (1 << 16) + u32::from(65500u16.wrapping_add(99))
        );
        assert_eq!((b.ssrc, b.lsr, b.dlsr), (7, 1, 2));
    }

    #[test]
    fn loss_and_fraction_per_interval() {
        let mut s = ReceptionStats::new(8000);
        for seq in 0..100u16 {
            if seq % 4 != 3 {
                s.on_packet(seq, u32::from(seq) * 160, u32::from(seq) * 160);
            }
        }
        assert_eq!(s.cumulative_lost(), 25 - 1); // seq 99 is the last seen, it was lost too
        let b = s.report_block(1, 0, 0);
        assert_eq!(b.cumulative_lost, 24);
        assert_eq!(b.fraction_lost, (24 * 256 / 99) as u8);
        for seq in 100..150u16 {
            s.on_packet(seq, u32::from(seq) * 160, u32::from(seq) * 160);
        }
        // Seq 99 (lost) falls into this interval: 1 of 51 expected.
        let b = s.report_block(1, 0, 0);
        assert_eq!(b.fraction_lost, (256 / 51) as u8);
        assert_eq!(b.cumulative_lost, 25);
        let b = s.report_block(1, 0, 0);
        assert_eq!(b.fraction_lost, 0);
    }

    #[test]
    fn jitter_follows_a8() {
        let mut s = ReceptionStats::new(8000);
        // Alternate arrival offsets of 0 and 80 units: |D| = 80 each step, J converges to 80.
        for i in 0..2000u32 {
            let extra = if i % 2 == 0 { 0 } else { 80 };
            s.on_packet(i as u16, i * 160, i * 160 + extra);
        }
        assert!((78..=80).contains(&s.jitter()), "{}", s.jitter());
        assert!((s.jitter_ms() - 10.0).abs() < 0.5);
    }

    #[test]
    fn restart_needs_two_sequential_packets() {
        let mut s = ReceptionStats::new(8000);
        for seq in 0..10u16 {
            s.on_packet(seq, 0, 0);
        }
        s.on_packet(40000, 0, 0); // ignored, becomes the restart candidate
        assert_eq!(s.packets_received(), 10);
        s.on_packet(40001, 0, 0); // confirmed: statistics restart here
        assert_eq!(s.packets_received(), 1);
        s.on_packet(40002, 0, 0);
        assert_eq!(s.packets_received(), 2);
        assert_eq!(s.cumulative_lost(), 0);
        // Duplicates make the loss negative, as RFC 3550 allows.
        s.on_packet(40002, 0, 0);
        assert_eq!(s.cumulative_lost(), -1);
    }

    #[test]
    fn sr_rr_round_trip() {
        let block = ReportBlock {
            ssrc: 0xAABB_CCDD,
            fraction_lost: 12,
            cumulative_lost: -3,
            highest_seq: 70000,
            jitter: 42,
            lsr: 0x1234_5678,
            dlsr: 65536,
        };
        let mut buf = [0u8; 200];
        let n = write_sender_report(
            9,
            0x0102_0304_0506_0708,
            160,
            5,
            800,
            Some(&block),
            &mut buf,
        )
        .unwrap();
        assert_eq!(n, 52);
        assert_eq!(buf[0], 0x81);
        assert_eq!(buf[1], 200);
        assert_eq!(u16::from_be_bytes([buf[2], buf[3]]), 12);
        let m = write_sdes_cname(9, "hotline@example", &mut buf[n..]).unwrap();
        assert_eq!(m % 4, 0);
        let k = write_bye(9, &mut buf[n + m..]).unwrap();
        let all = &buf[..n + m + k];
        assert!(crate::rtp::is_rtcp(all));
        let s = parse_rtcp(all).unwrap();
        assert_eq!(
            s,
            RtcpSummary {
                ssrc: 9,
                sender_report: true,
                ntp_middle: 0x0304_0506,
                bye: true
            }
        );
        assert_eq!(first_report_block(all), Some(block));

        let n = write_receiver_report(5, None, &mut buf).unwrap();
        assert_eq!(n, 8);
        let s = parse_rtcp(&buf[..n]).unwrap();
        assert_eq!((s.ssrc, s.sender_report, s.bye), (5, false, false));
        assert_eq!(first_report_block(&buf[..n]), None);
        let n = write_receiver_report(5, Some(&block), &mut buf).unwrap();
        assert_eq!(n, 32);
        assert_eq!(first_report_block(&buf[..n]), Some(block));
    }

    #[test]
    fn writers_check_buffer() {
        assert!(matches!(
            write_sender_report(1, 0, 0, 0, 0, None, &mut [0u8; 27]),
            Err(MediaError::BufferTooSmall { needed: 28, .. })
        ));
        assert!(write_receiver_report(1, None, &mut [0u8; 7]).is_err());
        assert!(write_bye(1, &mut [0u8; 7]).is_err());
        assert!(write_sdes_cname(1, "abc", &mut [0u8; 11]).is_err());
        // The item list needs a terminating zero, then padding to 32 bits.
        assert_eq!(write_sdes_cname(1, "a", &mut [0u8; 12]), Ok(12));
        assert_eq!(write_sdes_cname(1, "ab", &mut [0u8; 16]), Ok(16));
    }

    #[test]
    fn malformed_rtcp() {
        assert!(parse_rtcp(&[]).is_err());
        assert!(parse_rtcp(&[0x80, 200, 0]).is_err());
        assert_eq!(
            parse_rtcp(&[0x40, 200, 0, 0]),
            Err(MediaError::BadVersion(1))
        );
        // Length field claims more than present.
        assert!(parse_rtcp(&[0x80, 201, 0, 5, 0, 0, 0, 1]).is_err());
        // SR too short for its fixed part.
        assert!(parse_rtcp(&[0x80, 200, 0, 1, 0, 0, 0, 1]).is_err());
        // RTP, not RTCP.
        assert!(parse_rtcp(&[0x80, 0, 0, 1, 0, 0, 0, 1]).is_err());
    }

    proptest! {
        #[test]
        fn parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..120)) {
            let _ = parse_rtcp(&bytes);
            let _ = first_report_block(&bytes);
        }

        #[test]
        fn stats_never_panic(pkts in proptest::collection::vec((any::<u16>(), any::<u32>(), any::<u32>()), 0..200)) {
            let mut s = ReceptionStats::new(8000);
            for (seq, ts, at) in pkts {
                s.on_packet(seq, ts, at);
            }
            let _ = s.report_block(1, 0, 0);
        }
    }
}

//! One RTP leg toward the telephone network: receive, de-jitter, detect digits, send frames, RTCP.
//!
//! Everything here works on buffers the leg owns, so a packet in or out allocates nothing.
//!
//! The RTP socket is not watched by the runtime: the call reads it once per frame, just before
//! it takes the frame from the jitter buffer, so a packet costs no wake-up of the reactor or the
//! call task and arrives no later than before (the frame is taken on the same tick).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hotline_media::{
    Codec, DtmfDetector, EventReceiver, Insert, JitterBuffer, Negotiated, Pulled, ReceptionStats,
    RtpHeader, TelephoneEvent,
};
use tokio::net::UdpSocket;

/// Datagrams read per frame at most: a burst after a network hiccup is caught up over a few
/// frames rather than in one long turn.
const RECV_BATCH: usize = 32;

/// Counters over every leg, for metrics and load runs.
#[derive(Debug, Default)]
pub struct MediaStats {
    pub frames_sent: AtomicU64,
    pub frames_late: AtomicU64,
    pub packets_received: AtomicU64,
    pub packets_dropped: AtomicU64,
}

/// What a received packet meant to the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heard {
    Nothing,
    Digit(char),
}

const MAX_PAYLOAD: usize = 480; // 60 ms of G.711

pub struct RtpLeg {
    /// Non-blocking, read by [`RtpLeg::receive_pending`].
    rtp: std::net::UdpSocket,
    pub rtcp: Arc<UdpSocket>,
    pub local_port: u16,
    remote: SocketAddr,
    latched: bool,
    pub codec: Codec,
    payload_type: u8,
    dtmf_pt: Option<u8>,
    pub ptime_ms: u32,
    pub sending: bool,
    ssrc: u32,
    seq: u16,
    timestamp: u32,
    packets_sent: u32,
    octets_sent: u32,
    jitter: JitterBuffer,
    events: EventReceiver,
    inband: DtmfDetector,
    reception: ReceptionStats,
    remote_ssrc: Option<u32>,
    last_sr: Option<(u32, Instant)>,
    pub last_received: Instant,
    started: Instant,
    out: [u8; 12 + MAX_PAYLOAD],
    enc: [u8; MAX_PAYLOAD],
    pub stats: Arc<MediaStats>,
}

impl RtpLeg {
    pub fn new(
        rtp: UdpSocket,
        rtcp: UdpSocket,
        neg: &Negotiated,
        jitter_depth: usize,
        stats: Arc<MediaStats>,
    ) -> std::io::Result<Self> {
        let local_port = rtp.local_addr()?.port();
        // Out of the reactor (and still non-blocking): nothing wakes for a packet.
        let rtp = rtp.into_std()?;
        let now = Instant::now();
        let mut leg = Self {
            rtp,
            rtcp: Arc::new(rtcp),
            local_port,
            remote: neg.remote,
            latched: false,
            codec: neg.codec,
            payload_type: neg.payload_type,
            dtmf_pt: neg.dtmf_payload_type,
            ptime_ms: neg.ptime,
            sending: true,
            ssrc: rand::random(),
            seq: rand::random(),
            timestamp: rand::random(),
            packets_sent: 0,
            octets_sent: 0,
            jitter: JitterBuffer::new(jitter_depth.max(1), 64, MAX_PAYLOAD),
            events: EventReceiver::default(),
            inband: DtmfDetector::new(8000),
            reception: ReceptionStats::new(8000),
            remote_ssrc: None,
            last_sr: None,
            last_received: now,
            started: now,
            out: [0; 12 + MAX_PAYLOAD],
            enc: [0; MAX_PAYLOAD],
            stats,
        };
        leg.apply(neg);
        Ok(leg)
    }

    /// Takes a new negotiation (re-INVITE: hold, resume, codec change).
    pub fn apply(&mut self, neg: &Negotiated) {
        if self.codec != neg.codec {
            self.jitter.reset();
        }
        self.codec = neg.codec;
        self.payload_type = neg.payload_type;
        self.dtmf_pt = neg.dtmf_payload_type;
        self.ptime_ms = neg.ptime;
        self.sending = !neg.on_hold && neg.remote.port() != 0;
        if !neg.remote.ip().is_unspecified() && !self.latched {
            self.remote = neg.remote;
        }
    }

    pub fn samples_per_packet(&self) -> usize {
        (self.ptime_ms as usize) * 8
    }

    /// Reads what arrived since the last frame into the jitter buffer. Stops early at a digit
    /// (RFC 4733), which it returns; the rest is read with the next frame.
    pub fn receive_pending(&mut self, buf: &mut [u8]) -> Option<char> {
        for _ in 0..RECV_BATCH {
            match self.rtp.recv_from(buf) {
                Ok((n, source)) => {
                    if let Heard::Digit(d) = self.on_rtp(&buf[..n], source) {
                        return Some(d);
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return None,
                // An ICMP error reported on the socket (the far end's port closed): go on.
                Err(_) => {}
            }
        }
        None
    }

    /// Handles one received RTP datagram.
    pub fn on_rtp(&mut self, packet: &[u8], source: SocketAddr) -> Heard {
        let Ok((h, payload)) = hotline_media::parse_rtp(packet) else {
            self.stats.packets_dropped.fetch_add(1, Ordering::Relaxed);
            return Heard::Nothing;
        };
        self.stats.packets_received.fetch_add(1, Ordering::Relaxed);
        self.last_received = Instant::now();
        // Symmetric RTP: answer where the caller's media really comes from (NAT, SBCs).
        if !self.latched && source != self.remote {
            self.remote = source;
        }
        self.latched = true;
        self.remote_ssrc = Some(h.ssrc);
        let arrival = (self.started.elapsed().as_micros() / 125) as u32;
        self.reception.on_packet(h.sequence, h.timestamp, arrival);
        if Some(h.payload_type) == self.dtmf_pt {
            if let Ok(ev) = hotline_media::parse_event(payload)
                && let Some(d) = self.events.on_packet(h.timestamp, &ev)
            {
                return Heard::Digit(d);
            }
            return Heard::Nothing;
        }
        if h.payload_type == self.payload_type
            && let Insert::TooLarge = self.jitter.insert(h.sequence, h.timestamp, payload)
        {
            self.stats.packets_dropped.fetch_add(1, Ordering::Relaxed);
        }
        Heard::Nothing
    }

    /// Pulls one packet's worth of received audio into `pcm` (silence when lost), returning
    /// how many samples were written and an in-band digit when there is no RFC 4733.
    pub fn pull(&mut self, pcm: &mut [i16]) -> (usize, Option<char>) {
        let n = match self.jitter.pop() {
            Pulled::Audio(data) => {
                let n = data.len().min(pcm.len());
                self.codec.decode(&data[..n], &mut pcm[..n]);
                n
            }
            Pulled::Lost | Pulled::Empty => {
                let n = self.samples_per_packet().min(pcm.len());
                pcm[..n].fill(0);
                n
            }
        };
        let digit = if self.dtmf_pt.is_none() {
            self.inband.process(&pcm[..n])
        } else {
            None
        };
        (n, digit)
    }

    /// Encodes and sends one packet of audio; never waits (a full socket buffer drops the frame).
    pub fn send(&mut self, pcm: &[i16], due: Instant) {
        let n = pcm.len().min(MAX_PAYLOAD);
        if self.sending {
            self.codec.encode(&pcm[..n], &mut self.enc[..n]);
            let header = RtpHeader {
                payload_type: self.payload_type,
                marker: self.packets_sent == 0,
                sequence: self.seq,
                timestamp: self.timestamp,
                ssrc: self.ssrc,
            };
            if let Ok(len) = hotline_media::write_rtp(&header, &self.enc[..n], &mut self.out) {
                let _ = self.rtp.send_to(&self.out[..len], self.remote);
                self.packets_sent = self.packets_sent.wrapping_add(1);
                self.octets_sent = self.octets_sent.wrapping_add(n as u32);
                self.seq = self.seq.wrapping_add(1);
            }
            self.stats.frames_sent.fetch_add(1, Ordering::Relaxed);
            if due.elapsed() > Duration::from_millis(10) {
                self.stats.frames_late.fetch_add(1, Ordering::Relaxed);
            }
        }
        // The clock advances on hold too, so resuming continues the same timeline.
        self.timestamp = self.timestamp.wrapping_add(n as u32);
    }

    /// Sends an RFC 4733 event packet (for outbound digits).
    pub fn send_event(&mut self, ev: &TelephoneEvent, marker: bool, timestamp: u32) {
        let Some(pt) = self.dtmf_pt else { return };
        let mut payload = [0u8; 4];
        let n = hotline_media::write_event(ev, &mut payload);
        let header = RtpHeader {
            payload_type: pt,
            marker,
            sequence: self.seq,
            timestamp,
            ssrc: self.ssrc,
        };
        if let Ok(len) = hotline_media::write_rtp(&header, &payload[..n], &mut self.out) {
            let _ = self.rtp.send_to(&self.out[..len], self.remote);
            self.seq = self.seq.wrapping_add(1);
        }
    }

    pub fn timestamp(&self) -> u32 {
        self.timestamp
    }

    pub fn has_rfc4733(&self) -> bool {
        self.dtmf_pt.is_some()
    }

    pub fn on_rtcp(&mut self, packet: &[u8]) {
        if let Ok(summary) = hotline_media::parse_rtcp(packet)
            && summary.sender_report
        {
            self.last_sr = Some((summary.ntp_middle, Instant::now()));
        }
    }

    /// A sender (or receiver) report with our reception block, every few seconds.
    pub fn send_rtcp(&mut self) {
        let mut buf = [0u8; 128];
        let block = self.remote_ssrc.map(|ssrc| {
            let (lsr, dlsr) = match self.last_sr {
                Some((ntp, at)) => (ntp, (at.elapsed().as_secs_f64() * 65536.0) as u32),
                None => (0, 0),
            };
            self.reception.report_block(ssrc, lsr, dlsr)
        });
        let len = if self.packets_sent > 0 {
            hotline_media::write_sender_report(
                self.ssrc,
                ntp_now(),
                self.timestamp,
                self.packets_sent,
                self.octets_sent,
                block.as_ref(),
                &mut buf,
            )
        } else {
            hotline_media::write_receiver_report(self.ssrc, block.as_ref(), &mut buf)
        };
        if let Ok(len) = len {
            let dest = SocketAddr::new(self.remote.ip(), self.remote.port().wrapping_add(1));
            let _ = self.rtcp.try_send_to(&buf[..len], dest);
        }
    }

    pub fn remote(&self) -> SocketAddr {
        self.remote
    }
}

/// The wall clock as a 64-bit NTP timestamp, for sender reports.
fn ntp_now() -> u64 {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = d.as_secs() + 2_208_988_800;
    let frac = (u64::from(d.subsec_nanos()) << 32) / 1_000_000_000;
    (secs << 32) | frac
}

//! One RTP leg toward the telephone network: receive, de-jitter, detect digits, send frames, RTCP.
//!
//! Everything here works on buffers the leg owns, so a packet in or out allocates nothing.
//!
//! The RTP socket is not watched by the runtime: the call reads it once per frame, just before
//! it takes the frame from the jitter buffer, so a packet costs no wake-up of the reactor or the
//! call task and arrives no later than before (the frame is taken on the same tick). That read
//! is one `recvmmsg` for everything waiting, not a `recv_from` per datagram plus one that finds
//! the socket empty.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hotline_media::{
    Codec, DtmfDetector, EventReceiver, Insert, JitterBuffer, Negotiated, Pulled, ReceptionStats,
    RtpHeader, TelephoneEvent,
};
use tokio::net::UdpSocket;

use super::udp_batch::RecvBatch;

/// Datagrams read per frame at most: a burst after a network hiccup is caught up over a few
/// frames rather than in one long turn.
const RECV_BATCH: usize = 32;
/// Datagrams one `recvmmsg` reads: one or two per frame normally, a hiccup's burst in a few calls.
const RECV_SLOTS: usize = 8;
/// A receive slot: the largest packet we take (header, CSRCs, an extension, 60 ms of G.711).
const RECV_SLOT_SIZE: usize = 640;

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
/// Largest RTCP compound packet read; a larger one is cut short and its tail ignored.
const RTCP_MAX: usize = 1500;
/// How long the latched source must be silent before media from another address takes its
/// place: long enough that injected packets are refused while the real stream flows, short
/// enough that a far end whose media moved without a re-INVITE (an SBC failing over) is heard
/// again within a breath.
const RELATCH_AFTER: Duration = Duration::from_millis(500);

pub struct RtpLeg {
    /// Non-blocking, read by [`RtpLeg::receive_pending`].
    rtp: std::net::UdpSocket,
    /// Datagrams read and not yet handled (after a digit). Taken out while they are handled so
    /// `on_rtp` can borrow the leg; `None` only then.
    inbox: Option<RecvBatch>,
    pub rtcp: Arc<UdpSocket>,
    /// Where RTCP is read into (once, here, not per read).
    rtcp_in: Box<[u8]>,
    pub local_port: u16,
    remote: SocketAddr,
    /// The address the far end's last offer or answer named; a different one in a re-INVITE
    /// means its media moved, and the leg learns the new source afresh.
    offered: SocketAddr,
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
        let local = rtp.local_addr()?;
        let local_port = local.port();
        // Out of the reactor (and still non-blocking): nothing wakes for a packet.
        let rtp = rtp.into_std()?;
        let now = Instant::now();
        let mut leg = Self {
            rtp,
            inbox: Some(RecvBatch::new(RECV_SLOTS, RECV_SLOT_SIZE, local)),
            rtcp: Arc::new(rtcp),
            rtcp_in: vec![0; RTCP_MAX].into_boxed_slice(),
            local_port,
            remote: neg.remote,
            offered: neg.remote,
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
        // Hold and resume repeat the address and keep the latched path (the far end may be
        // behind NAT); a new address is where its media went.
        if !neg.remote.ip().is_unspecified() && neg.remote != self.offered {
            self.offered = neg.remote;
            self.remote = neg.remote;
            self.latched = false;
        }
    }

    pub fn samples_per_packet(&self) -> usize {
        (self.ptime_ms as usize) * 8
    }

    /// Reads what arrived since the last frame into the jitter buffer. Stops early at a digit
    /// (RFC 4733), which it returns; the rest is handled with the next frame.
    pub fn receive_pending(&mut self) -> Option<char> {
        let mut inbox = self.inbox.take()?;
        let digit = self.receive_into(&mut inbox);
        self.inbox = Some(inbox);
        digit
    }

    fn receive_into(&mut self, inbox: &mut RecvBatch) -> Option<char> {
        let mut budget = RECV_BATCH;
        let mut drained = false;
        loop {
            // First what an earlier call read but left behind a digit.
            while budget > 0
                && let Some(datagram) = inbox.pop()
            {
                budget -= 1;
                if datagram.truncated {
                    self.stats.packets_dropped.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                if let Heard::Digit(d) = self.on_rtp(datagram.data, datagram.source) {
                    return Some(d);
                }
            }
            if budget == 0 || drained {
                return None;
            }
            let want = budget.min(inbox.capacity());
            match inbox.recv(&self.rtp, want) {
                // Fewer than asked for: the socket is empty, no need to ask again this frame.
                Ok(n) => drained = n < want,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return None,
                // An ICMP error reported on the socket (the far end's port closed): go on.
                Err(_) => budget -= 1,
            }
        }
    }

    /// Handles one received RTP datagram.
    pub fn on_rtp(&mut self, packet: &[u8], source: SocketAddr) -> Heard {
        let Ok((h, payload)) = hotline_media::parse_rtp(packet) else {
            self.stats.packets_dropped.fetch_add(1, Ordering::Relaxed);
            return Heard::Nothing;
        };
        let now = Instant::now();
        // Strict RTP: once latched, another source is a stranger (injected audio or digits)
        // unless the latched one has gone quiet.
        if self.latched
            && source != self.remote
            && now.saturating_duration_since(self.last_received) < RELATCH_AFTER
        {
            self.stats.packets_dropped.fetch_add(1, Ordering::Relaxed);
            return Heard::Nothing;
        }
        if self.latched && source != self.remote {
            // A new stream with its own sequence and clock: start its buffer and report anew.
            self.jitter.reset();
            self.reception = ReceptionStats::new(8000);
            self.last_sr = None;
        }
        self.stats.packets_received.fetch_add(1, Ordering::Relaxed);
        self.last_received = now;
        // Symmetric RTP: answer where the caller's media really comes from (NAT, SBCs).
        self.remote = source;
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

    /// Takes the RTCP that arrived since the last frame. Called every frame: the socket stays
    /// registered with the reactor, which marks it readable when a report arrives, so an empty
    /// socket costs one atomic load here and no system call, and the call task does not wait on
    /// (and re-register for) a report that comes every few seconds. A report's arrival time is
    /// thus known to within one frame (20 ms), which is what the reply's DLSR field carries.
    pub fn receive_rtcp(&mut self) {
        while let Ok((n, _)) = self.rtcp.try_recv_from(&mut self.rtcp_in) {
            if let Ok(summary) = hotline_media::parse_rtcp(&self.rtcp_in[..n])
                && summary.sender_report
            {
                self.last_sr = Some((summary.ntp_middle, Instant::now()));
            }
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

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use hotline_media::Direction;

    use super::*;

    const DTMF_PT: u8 = 101;

    async fn leg() -> (RtpLeg, std::net::UdpSocket) {
        let rtp = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("rtp");
        let rtcp = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("rtcp");
        let far = std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).expect("far end");
        let neg = negotiated(far.local_addr().expect("far address"));
        let leg = RtpLeg::new(rtp, rtcp, &neg, 3, Arc::default()).expect("leg");
        (leg, far)
    }

    fn packet(payload_type: u8, sequence: u16, timestamp: u32, payload: &[u8]) -> Vec<u8> {
        let header = RtpHeader {
            payload_type,
            marker: false,
            sequence,
            timestamp,
            ssrc: 0x1234_5678,
        };
        let mut out = [0u8; 12 + MAX_PAYLOAD];
        let n = hotline_media::write_rtp(&header, payload, &mut out).expect("rtp packet");
        out[..n].to_vec()
    }

    fn digit(key: u8, sequence: u16, timestamp: u32) -> Vec<u8> {
        let ev = TelephoneEvent {
            event: key,
            end: false,
            volume: 10,
            duration: 160,
        };
        let mut payload = [0u8; 4];
        let n = hotline_media::write_event(&ev, &mut payload);
        packet(DTMF_PT, sequence, timestamp, &payload[..n])
    }

    /// Loopback delivery is all but immediate; this only spares a loaded machine a false alarm.
    fn settle() {
        std::thread::sleep(Duration::from_millis(100));
    }

    fn received(leg: &RtpLeg) -> u64 {
        leg.stats.packets_received.load(Ordering::Relaxed)
    }

    /// A sender report is taken on the next frame without anything waiting on the socket, and
    /// two in a row leave the newest one to be echoed.
    #[tokio::test]
    async fn sender_reports_are_taken_on_the_next_frame() {
        let (mut leg, far) = leg().await;
        leg.receive_rtcp();
        assert_eq!(leg.last_sr, None, "nothing arrived yet");
        let to = leg.rtcp.local_addr().expect("rtcp address");
        let mut sr = [0u8; 64];
        for ntp in [0x0001_2345_6789_0000_u64, 0x0001_2345_9999_0000] {
            let n = hotline_media::write_sender_report(0x1234_5678, ntp, 0, 1, 160, None, &mut sr)
                .expect("sender report");
            far.send_to(&sr[..n], to).expect("send");
        }
        // Waiting in the runtime, so its reactor sees the socket become readable.
        tokio::time::sleep(Duration::from_millis(100)).await;
        leg.receive_rtcp();
        let (middle, _) = leg.last_sr.expect("the report was taken");
        assert_eq!(middle, 0x2345_9999, "the newest report's NTP middle bits");
    }

    #[tokio::test]
    async fn one_call_reads_every_waiting_packet() {
        let (mut leg, far) = leg().await;
        let to = SocketAddr::from((Ipv4Addr::LOCALHOST, leg.local_port));
        for i in 0..12u16 {
            far.send_to(&packet(0, i, u32::from(i) * 160, &[0xFF; 160]), to)
                .expect("send");
        }
        settle();
        assert_eq!(leg.receive_pending(), None);
        assert_eq!(received(&leg), 12);
        // The far end's address is latched from what arrived.
        assert_eq!(leg.remote(), far.local_addr().expect("far address"));
    }

    #[tokio::test]
    async fn packets_read_behind_a_digit_wait_for_the_next_frame() {
        let (mut leg, far) = leg().await;
        let to = SocketAddr::from((Ipv4Addr::LOCALHOST, leg.local_port));
        far.send_to(&digit(5, 1, 1000), to).expect("send");
        far.send_to(&packet(0, 2, 1160, &[0xFF; 160]), to)
            .expect("send");
        far.send_to(&digit(7, 3, 2000), to).expect("send");
        far.send_to(&packet(0, 4, 2160, &[0xFF; 160]), to)
            .expect("send");
        settle();
        // All four come in one read; each call stops at a digit and keeps the rest.
        assert_eq!(leg.receive_pending(), Some('5'));
        assert_eq!(received(&leg), 1);
        assert_eq!(leg.receive_pending(), Some('7'));
        assert_eq!(received(&leg), 3);
        assert_eq!(leg.receive_pending(), None);
        assert_eq!(received(&leg), 4);
        assert_eq!(leg.receive_pending(), None);
        assert_eq!(received(&leg), 4);
    }

    fn negotiated(remote: SocketAddr) -> Negotiated {
        Negotiated {
            codec: Codec::Pcmu,
            payload_type: 0,
            dtmf_payload_type: Some(DTMF_PT),
            ptime: 20,
            remote,
            direction: Direction::SendRecv,
            on_hold: false,
        }
    }

    /// While the latched source is sending, a packet from elsewhere is neither heard nor
    /// answered: a digit injected by a stranger does not reach the IVR.
    #[tokio::test]
    async fn a_stranger_is_not_heard_while_the_latched_source_speaks() {
        let (mut leg, far) = leg().await;
        let stranger = std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).expect("stranger");
        let to = SocketAddr::from((Ipv4Addr::LOCALHOST, leg.local_port));
        far.send_to(&packet(0, 1, 160, &[0xFF; 160]), to)
            .expect("send");
        settle();
        assert_eq!(leg.receive_pending(), None);
        stranger.send_to(&digit(9, 500, 9000), to).expect("send");
        settle();
        assert_eq!(leg.receive_pending(), None, "the injected digit is dropped");
        assert_eq!(received(&leg), 1);
        assert_eq!(leg.stats.packets_dropped.load(Ordering::Relaxed), 1);
        assert_eq!(leg.remote(), far.local_addr().expect("far address"));
    }

    /// Media that moves without a re-INVITE (an SBC failing over) is heard again once the old
    /// source has been quiet a while, and answered at its new address.
    #[tokio::test]
    async fn a_new_source_takes_over_after_the_old_one_falls_silent() {
        let (mut leg, far) = leg().await;
        let moved = std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).expect("moved");
        let to = SocketAddr::from((Ipv4Addr::LOCALHOST, leg.local_port));
        far.send_to(&packet(0, 1, 160, &[0xFF; 160]), to)
            .expect("send");
        settle();
        assert_eq!(leg.receive_pending(), None);
        std::thread::sleep(RELATCH_AFTER);
        moved
            .send_to(&packet(0, 40_000, 90_000, &[0xFF; 160]), to)
            .expect("send");
        settle();
        assert_eq!(leg.receive_pending(), None);
        assert_eq!(received(&leg), 2);
        assert_eq!(leg.remote(), moved.local_addr().expect("moved address"));
    }

    /// A re-INVITE that names a new address moves the sending there at once and learns the
    /// source afresh; one that repeats the address (hold, resume) keeps the latched path.
    #[tokio::test]
    async fn a_reinvite_to_a_new_address_unlatches() {
        let (mut leg, far) = leg().await;
        let offered = far.local_addr().expect("far address");
        let natted = std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).expect("natted");
        let to = SocketAddr::from((Ipv4Addr::LOCALHOST, leg.local_port));
        natted
            .send_to(&packet(0, 1, 160, &[0xFF; 160]), to)
            .expect("send");
        settle();
        assert_eq!(leg.receive_pending(), None);
        let path = natted.local_addr().expect("natted address");
        assert_eq!(leg.remote(), path, "latched to where the media came from");

        leg.apply(&negotiated(offered));
        assert_eq!(leg.remote(), path, "the same address again keeps the latch");

        let moved = std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).expect("moved");
        let new_home = moved.local_addr().expect("moved address");
        leg.apply(&negotiated(new_home));
        assert_eq!(leg.remote(), new_home, "sending follows the re-INVITE");
        moved
            .send_to(&packet(0, 7, 700, &[0xFF; 160]), to)
            .expect("send");
        settle();
        assert_eq!(leg.receive_pending(), None);
        assert_eq!(received(&leg), 2, "the moved stream is heard at once");
        // And it is strict again: the old path is now the stranger.
        natted
            .send_to(&packet(0, 2, 320, &[0xFF; 160]), to)
            .expect("send");
        settle();
        assert_eq!(leg.receive_pending(), None);
        assert_eq!(received(&leg), 2);
    }

    #[tokio::test]
    async fn an_oversized_datagram_is_counted_as_dropped() {
        let (mut leg, far) = leg().await;
        let to = SocketAddr::from((Ipv4Addr::LOCALHOST, leg.local_port));
        far.send_to(&[0x80; RECV_SLOT_SIZE + 1], to).expect("send");
        far.send_to(&packet(0, 1, 160, &[0xFF; 160]), to)
            .expect("send");
        settle();
        assert_eq!(leg.receive_pending(), None);
        assert_eq!(received(&leg), 1);
        assert_eq!(leg.stats.packets_dropped.load(Ordering::Relaxed), 1);
    }
}

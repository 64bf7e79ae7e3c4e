//! One agent's `Rtc` with its channels: what comes out of str0m goes to the socket, the leg's
//! channels or its state; what the server plays is taken one frame per 20 ms slot.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::media::frame_pipe::{FrameReceiver, FrameSender, TryRecvError, TrySendError};
use hotline_media::Codec;
use str0m::media::{Mid, Pt};
use str0m::rtp::{RtpPacket, RtpWrite};
use str0m::{Event, IceConnectionState, Input, Output, Rtc};
use tokio::io::Interest;
use tokio::net::UdpSocket;
use tokio::sync::watch;

use super::super::udp_batch::SendBatch;
use super::framer::Framer;
use super::pacer::Pacer;
use super::{FRAME_SAMPLES, HubStats, LegState};

/// Frames toward the agent that may wait behind the one being sent (jitter between the
/// producer's clock and this slot clock); more is dropped as latency.
const MAX_WAITING: usize = 1;

/// What the driver lends a peer while it works: the socket, the batch of datagrams waiting to
/// go out of it, and the counters.
pub(super) struct Io<'a> {
    pub socket: &'a UdpSocket,
    pub out: &'a mut SendBatch,
    pub stats: &'a HubStats,
}

impl Io<'_> {
    /// Queues a datagram; it leaves with the batch ([`Io::flush`]), at once if the batch is full.
    fn send(&mut self, contents: &[u8], to: SocketAddr) {
        if self.out.is_full() {
            self.flush();
        }
        if self.out.push(contents, to) {
            return;
        }
        // Larger than a slot (str0m keeps under the MTU, so not expected): on its own.
        if let Err(e) = self.socket.try_send_to(contents, to) {
            self.stats
                .datagrams_dropped_out
                .fetch_add(1, Ordering::Relaxed);
            tracing::debug!(%to, error = %e, "agent WebRTC send failed");
        }
    }

    /// Sends what is queued in one system call, without waiting: a full socket buffer drops
    /// the rest (RTP and STUN both recover), counted in `datagrams_dropped_out`.
    pub(super) fn flush(&mut self) {
        if self.out.is_empty() {
            return;
        }
        let Io { socket, out, stats } = self;
        let mut sent = None;
        // Through tokio so a full buffer clears its write readiness, as `try_send_to` did.
        let _ = socket.try_io(Interest::WRITABLE, || {
            let result = out.send(*socket);
            let would_block = result.would_block;
            sent = Some(result);
            if would_block {
                Err(std::io::ErrorKind::WouldBlock.into())
            } else {
                Ok(())
            }
        });
        // Not tried at all when tokio already knows the socket is not writable.
        let dropped = match sent {
            Some(sent) => {
                if let Some(e) = sent.error {
                    tracing::debug!(error = %e, "agent WebRTC send failed");
                }
                sent.dropped
            }
            None => out.discard(),
        };
        if dropped > 0 {
            stats
                .datagrams_dropped_out
                .fetch_add(dropped as u64, Ordering::Relaxed);
        }
    }
}

pub(super) struct Peer {
    pub id: u64,
    rtc: Rtc,
    mid: Mid,
    pt: Pt,
    framer: Framer,
    pacer: Option<Pacer>,
    from_agent: FrameSender,
    to_agent: FrameReceiver,
    state: watch::Sender<LegState>,
    connect_deadline: Instant,
    silence_limit: Duration,
    /// Arrival of the last datagram from the agent (STUN, DTLS, RTP or RTCP).
    last_heard: Instant,
    connected: bool,
    /// `close` is draining str0m's close output; the end is ours, not the agent's.
    closing: bool,
    /// When str0m wants `Input::Timeout` next.
    pub next_timeout: Instant,
    /// Set once the leg is finished; the driver then drops the peer.
    gone: Option<String>,
    encoded: [u8; FRAME_SAMPLES],
    /// Extended sequence number of the next packet we send (str0m runs in RTP mode: we
    /// packetize, it encrypts and sends).
    next_seq: u64,
}

impl Peer {
    #[allow(clippy::too_many_arguments)] // one leg's parts, assembled in one place
    pub(super) fn new(
        id: u64,
        rtc: Rtc,
        mid: Mid,
        pt: Pt,
        from_agent: FrameSender,
        to_agent: FrameReceiver,
        state: watch::Sender<LegState>,
        connect_deadline: Instant,
        silence_limit: Duration,
    ) -> Self {
        Peer {
            id,
            rtc,
            mid,
            pt,
            framer: Framer::new(),
            pacer: None,
            from_agent,
            to_agent,
            state,
            connect_deadline,
            silence_limit,
            last_heard: Instant::now(),
            connected: false,
            closing: false,
            next_timeout: Instant::now(),
            gone: None,
            encoded: [0; FRAME_SAMPLES],
            // Random start (RFC 3550 §5.1), low enough that the rollover counter starts at 0.
            next_seq: u64::from(rand::random::<u16>() >> 1),
        }
    }

    pub(super) fn is_gone(&self) -> bool {
        self.gone.is_some()
    }

    pub(super) fn accepts(&self, input: &Input) -> bool {
        self.gone.is_none() && self.rtc.accepts(input)
    }

    /// Feeds network input or a timeout to str0m, then drains its output.
    pub(super) fn handle(&mut self, input: Input, io: &mut Io) {
        if self.gone.is_some() {
            return;
        }
        if let Input::Receive(at, _) = &input {
            self.last_heard = *at;
        }
        if let Err(e) = self.rtc.handle_input(input) {
            self.finish(format!("WebRTC error: {e}"));
            return;
        }
        self.drain(io);
    }

    /// One 20 ms tick: check the deadline and abandonment, send this slot's frame if one waits
    /// (it leaves in this tick's batch). Returns whether str0m's timers were served with it.
    pub(super) fn tick(&mut self, now: Instant, epoch: Instant, io: &mut Io) -> bool {
        if self.gone.is_some() {
            return false;
        }
        if !self.connected {
            if now >= self.connect_deadline {
                self.close("agent did not connect in time", io);
            }
            return false;
        }
        // str0m keeps a pair alive for 15 s after the agent's last STUN request (not tunable),
        // but a live agent answers our consent checks every `max_stun_rto`: silence means gone.
        if now.saturating_duration_since(self.last_heard) > self.silence_limit {
            let silent = self.silence_limit.as_millis();
            self.close(
                &format!("agent silent for {silent} ms (no STUN, RTP or RTCP)"),
                io,
            );
            return false;
        }
        let pacer = self
            .pacer
            .get_or_insert_with(|| Pacer::new(epoch, rand::random()));
        let Some(slot) = pacer.slot(now) else {
            return false;
        };
        // One frame is sent per slot, so a queue that grew in a hiccup would delay every
        // later frame for the rest of the session: keep at most one waiting behind this one.
        while self.to_agent.len() > MAX_WAITING + 1 {
            let _ = self.to_agent.try_recv();
        }
        let frame = match self.to_agent.try_recv() {
            Ok(frame) => frame,
            Err(TryRecvError::Empty) => return false,
            Err(TryRecvError::Disconnected) => {
                if self.from_agent.is_closed() {
                    self.close("leg dropped by the server", io);
                }
                return false;
            }
        };
        let stamp = pacer.stamp(slot);
        Codec::Pcmu.encode(&frame.0, &mut self.encoded);
        let mut direct = self.rtc.direct_api();
        let Some(stream) = direct.stream_tx_by_mid(self.mid, None) else {
            return false;
        };
        // The RTP clock wraps at 32 bits by definition.
        let rtp_time = stamp.rtp_time as u32;
        // str0m takes the payload as `Arc<[u8]>`: one small allocation per packet we cannot avoid.
        let packet = RtpWrite::new(
            self.pt,
            self.next_seq.into(),
            rtp_time,
            now,
            &self.encoded[..],
        )
        .marker(stamp.talkspurt);
        stream.write_rtp(packet);
        self.next_seq += 1;
        io.stats.frames_sent.fetch_add(1, Ordering::Relaxed);
        // str0m releases a written packet only once time has moved past its writing: without
        // this the frame would wait for the agent's next datagram (up to a frame later).
        self.handle(Input::Timeout(now), io);
        true
    }

    /// Ends the leg from our side: DTLS close_notify goes out, then the `Rtc` is dropped.
    pub(super) fn close(&mut self, reason: &str, io: &mut Io) {
        if self.gone.is_some() {
            return;
        }
        if self.rtc.close().is_ok() {
            self.closing = true;
            self.drain(io);
        }
        self.rtc.disconnect();
        self.finish(reason.to_owned());
    }

    fn finish(&mut self, reason: String) {
        if self.gone.is_some() {
            return;
        }
        tracing::info!(leg = self.id, %reason, "agent WebRTC leg disconnected");
        self.rtc.disconnect();
        self.state
            .send_replace(LegState::Disconnected(reason.clone()));
        self.gone = Some(reason);
    }

    /// Polls str0m until it only has a timeout left.
    fn drain(&mut self, io: &mut Io) {
        while self.rtc.is_alive() {
            let output = match self.rtc.poll_output() {
                Ok(output) => output,
                Err(e) => {
                    self.finish(format!("WebRTC error: {e}"));
                    return;
                }
            };
            match output {
                Output::Timeout(at) => {
                    self.next_timeout = at;
                    return;
                }
                Output::Transmit(t) => io.send(&t.contents, t.destination),
                Output::Event(event) => self.on_event(event, io),
            }
        }
        if self.gone.is_none() && !self.closing {
            self.finish("closed by the agent".to_owned());
        }
    }

    fn on_event(&mut self, event: Event, io: &mut Io) {
        match event {
            Event::Connected => {
                self.connected = true;
                self.state.send_replace(LegState::Connected);
                tracing::info!(leg = self.id, "agent WebRTC leg connected");
            }
            // str0m's ICE could recover if the agent came back, but a softphone that lost its
            // path renegotiates anyway; the server reacts to the dead client at once.
            Event::IceConnectionStateChange(IceConnectionState::Disconnected) => {
                self.finish("agent stopped answering (ICE)".to_owned());
            }
            Event::Closed => self.finish("closed by the agent".to_owned()),
            Event::RtpPacket(packet) => self.on_rtp(&packet, io),
            _ => {}
        }
    }

    fn on_rtp(&mut self, packet: &RtpPacket, io: &Io) {
        if packet.header.payload_type != self.pt {
            return;
        }
        let from_agent = &mut self.from_agent;
        self.framer
            .push_packet(*packet.seq_no, &packet.payload, |frame| {
                io.stats.frames_received.fetch_add(1, Ordering::Relaxed);
                match from_agent.try_send(frame) {
                    Ok(()) => {}
                    Err(TrySendError::Full) => {
                        io.stats.frames_dropped_in.fetch_add(1, Ordering::Relaxed);
                    }
                    // Nobody listens at the moment (no call bridged to the receiver, or it was dropped).
                    Err(TrySendError::Closed) => {}
                }
            });
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        // Whatever removed the peer, the leg's owner must learn it is over.
        if self.gone.is_none() {
            self.state
                .send_replace(LegState::Disconnected("WebRTC hub stopped".to_owned()));
        }
    }
}

//! One session's WebRTC leg: a str0m `Rtc` on its own UDP socket (the server tells agent legs
//! apart by their source address, so sessions cannot share one), driven by a media shard.
//! The socket is a plain non-blocking std socket, read only when the shard ticks: no reactor
//! registration, so a datagram never wakes a thread by itself.

use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow};
use hotline_server::media::udp_batch::RecvBatch;
use str0m::change::{SdpAnswer, SdpPendingOffer};
use str0m::crypto::dtls::DtlsCert;
use str0m::format::Codec;
use str0m::media::{Direction, MediaKind, Mid, Pt};
use str0m::net::{Protocol, Receive};
use str0m::rtp::{Extension, RtpWrite};
use str0m::{Candidate, Event, IceConnectionState, Input, Output, Rtc};
use tokio::sync::Notify;

use super::voice::{FRAME_BYTES, Heard};

/// How long a leg may take from the answer to DTLS being up.
const CONNECT_LIMIT: Duration = Duration::from_secs(10);

/// Where a leg stands, as the session sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegState {
    Connecting,
    Connected,
    Failed,
}

/// What a session and the shard driving its leg share: a few flags and the ear's counters.
#[derive(Debug, Default)]
pub struct LegShared {
    state: AtomicU8,
    /// Set by the session while a call is connected: the leg sends the voice.
    talking: AtomicBool,
    /// Set by the session when it is done: the leg closes at the next tick.
    close: AtomicBool,
    pub heard: Heard,
    /// Woken when `state` leaves `Connecting`.
    changed: Notify,
}

impl LegShared {
    pub fn state(&self) -> LegState {
        match self.state.load(Ordering::Acquire) {
            0 => LegState::Connecting,
            1 => LegState::Connected,
            _ => LegState::Failed,
        }
    }

    fn set_state(&self, state: LegState) {
        let v = match state {
            LegState::Connecting => 0,
            LegState::Connected => 1,
            LegState::Failed => 2,
        };
        self.state.store(v, Ordering::Release);
        // `notify_one` keeps a permit when nobody waits yet, so the change is never missed.
        self.changed.notify_one();
    }

    /// Waits until the leg is connected or has failed (or `limit` passes).
    pub async fn settled(&self, limit: Duration) -> LegState {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let state = self.state();
            if state != LegState::Connecting {
                return state;
            }
            if tokio::time::timeout_at(deadline, self.changed.notified())
                .await
                .is_err()
            {
                return self.state();
            }
        }
    }

    pub fn talk(&self, on: bool) {
        self.talking.store(on, Ordering::Relaxed);
    }

    pub fn close(&self) {
        self.close.store(true, Ordering::Relaxed);
    }
}

/// A leg whose offer is out, waiting for the server's answer.
pub struct PendingLeg {
    rtc: Rtc,
    socket: UdpSocket,
    local: SocketAddr,
    mid: Mid,
    pending: SdpPendingOffer,
}

/// Binds a socket on `ip` and makes the offer: one sendrecv audio m-line, PCMU only (as the
/// server answers), the host candidate of that socket. `cert` is shared by every session, so
/// no key is generated per leg. Returns the leg and the offer's SDP.
pub fn offer(ip: IpAddr, cert: &DtlsCert, now: Instant) -> anyhow::Result<(PendingLeg, String)> {
    let socket = UdpSocket::bind(SocketAddr::new(ip, 0)).context("binding the media socket")?;
    socket
        .set_nonblocking(true)
        .context("making the media socket non-blocking")?;
    let local = socket.local_addr().context("the media socket's address")?;
    // RTP mode, as the server's hub: whole packets in and out, no sample (de)packetizer.
    let mut rtc = Rtc::builder()
        .clear_codecs()
        .enable_pcmu(true, false)
        // Like the server's agent legs: the mid only, no transport-wide feedback.
        .clear_extension_map()
        .set_extension(4, Extension::RtpMid)
        .set_send_buffer_audio(4)
        .set_rtp_mode(true)
        .set_dtls_cert(cert.clone())
        .build(now);
    let candidate = Candidate::host(local, "udp").map_err(|e| anyhow!("host candidate: {e}"))?;
    rtc.add_local_candidate(candidate);
    let mut api = rtc.sdp_api();
    let mid = api.add_media(MediaKind::Audio, Direction::SendRecv, None, None, None);
    let (offer, pending) = api.apply().context("str0m made no offer")?;
    let sdp = offer.to_sdp_string();
    Ok((
        PendingLeg {
            rtc,
            socket,
            local,
            mid,
            pending,
        },
        sdp,
    ))
}

impl PendingLeg {
    /// Takes the server's answer; the leg is then ready for a shard.
    pub fn accept(
        mut self,
        answer: &str,
        user: &str,
        shared: Arc<LegShared>,
        voice: Arc<[u8]>,
        now: Instant,
    ) -> anyhow::Result<Leg> {
        let answer = SdpAnswer::from_sdp_string(answer).context("the server's SDP answer")?;
        self.rtc
            .sdp_api()
            .accept_answer(self.pending, answer)
            .context("accepting the server's answer")?;
        let remote = self
            .rtc
            .media(self.mid)
            .map(|m| m.remote_pts().to_vec())
            .unwrap_or_default();
        let pt = self
            .rtc
            .codec_config()
            .params()
            .iter()
            .find(|p| remote.contains(&p.pt()) && p.spec().codec == Codec::PCMU)
            .map(str0m::format::PayloadParams::pt)
            .context("the server's answer has no PCMU audio")?;
        Ok(Leg {
            rtc: self.rtc,
            socket: self.socket,
            local: self.local,
            mid: self.mid,
            pt,
            shared,
            voice,
            user: user.to_owned(),
            next_timeout: now,
            connect_deadline: now + CONNECT_LIMIT,
            connected: false,
            was_talking: false,
            gone: false,
            // Any start below the first rollover; the port differs per leg.
            next_seq: u64::from(self.local.port() >> 1),
        })
    }
}

/// A negotiated leg, owned by one shard.
pub struct Leg {
    rtc: Rtc,
    socket: UdpSocket,
    local: SocketAddr,
    mid: Mid,
    pt: Pt,
    shared: Arc<LegShared>,
    /// One PCMU frame, sent every tick while talking (shared, never copied).
    voice: Arc<[u8]>,
    user: String,
    /// When str0m wants `Input::Timeout` next.
    next_timeout: Instant,
    connect_deadline: Instant,
    connected: bool,
    was_talking: bool,
    gone: bool,
    /// Extended sequence number of the next packet sent.
    next_seq: u64,
}

impl Leg {
    pub fn is_gone(&self) -> bool {
        self.gone
    }

    pub fn is_ipv6(&self) -> bool {
        self.local.is_ipv6()
    }

    /// Whether the socket should be read every tick: while connecting (handshakes) and while
    /// a call's audio flows. Otherwise only keepalives arrive, and a slower poll will do.
    pub fn busy(&self) -> bool {
        !self.connected || self.shared.talking.load(Ordering::Relaxed)
    }

    /// One tick (`tick` counts 20 ms slots since the shard's start): reads the socket if
    /// `read`, runs str0m's due timeout, sends this slot's frame while talking, and closes the
    /// leg if its session is done. `batch` is the shard's receive buffers.
    pub fn service(&mut self, now: Instant, tick: u64, read: bool, batch: &mut RecvBatch) {
        if self.gone {
            return;
        }
        if self.shared.close.load(Ordering::Relaxed) {
            self.close();
            return;
        }
        if read {
            self.receive(now, batch);
        }
        if !self.gone && now >= self.next_timeout {
            self.input(Input::Timeout(now));
        }
        if !self.gone && !self.connected && now >= self.connect_deadline {
            self.fail("not connected within 10 s");
        }
        let talking = self.connected && self.shared.talking.load(Ordering::Relaxed);
        if !self.gone && talking {
            self.speak(now, tick);
        }
        self.was_talking = talking;
    }

    fn receive(&mut self, now: Instant, batch: &mut RecvBatch) {
        while !self.gone {
            let n = match batch.recv(&self.socket, batch.capacity()) {
                Ok(n) => n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                // An ICMP error from an earlier send; the next read goes on.
                Err(e) if e.kind() == ErrorKind::ConnectionRefused => continue,
                Err(e) => {
                    self.fail(&format!("socket: {e}"));
                    return;
                }
            };
            while let Some(datagram) = batch.pop() {
                if self.gone || datagram.truncated {
                    continue;
                }
                let Ok(contents) = datagram.data.try_into() else {
                    continue;
                };
                let input = Input::Receive(
                    now,
                    Receive {
                        proto: Protocol::Udp,
                        source: datagram.source,
                        destination: self.local,
                        contents,
                    },
                );
                match self.rtc.handle_input(input) {
                    Ok(()) => self.drain(),
                    Err(e) => self.fail(&e.to_string()),
                }
            }
            // Fewer than asked for: the socket is empty, no second call needed to learn it.
            if n < batch.capacity() {
                return;
            }
        }
    }

    /// This slot's frame of the voice; RTP time follows the slot, so a pause between calls
    /// shows as a gap in time, as it would from a real phone.
    fn speak(&mut self, now: Instant, tick: u64) {
        // The RTP clock wraps at 32 bits by definition.
        let time = (tick * FRAME_BYTES as u64) as u32;
        let mut direct = self.rtc.direct_api();
        let Some(stream) = direct.stream_tx_by_mid(self.mid, None) else {
            return;
        };
        let packet = RtpWrite::new(
            self.pt,
            self.next_seq.into(),
            time,
            now,
            Arc::clone(&self.voice),
        )
        .marker(!self.was_talking);
        stream.write_rtp(packet);
        self.next_seq += 1;
        self.drain();
    }

    fn input(&mut self, input: Input) {
        match self.rtc.handle_input(input) {
            Ok(()) => self.drain(),
            Err(e) => self.fail(&e.to_string()),
        }
    }

    /// Polls str0m until only a timeout is left: datagrams go out, events are taken in.
    fn drain(&mut self) {
        while self.rtc.is_alive() && !self.gone {
            let output = match self.rtc.poll_output() {
                Ok(output) => output,
                Err(e) => {
                    self.fail(&e.to_string());
                    return;
                }
            };
            match output {
                Output::Timeout(at) => {
                    self.next_timeout = at;
                    return;
                }
                // A full send buffer drops the datagram; RTP and STUN both live with that.
                Output::Transmit(t) => {
                    let _ = self.socket.send_to(&t.contents, t.destination);
                }
                Output::Event(event) => self.on_event(event),
            }
        }
        if !self.gone {
            self.fail("closed");
        }
    }

    fn on_event(&mut self, event: Event) {
        match event {
            Event::Connected => {
                self.connected = true;
                self.shared.set_state(LegState::Connected);
            }
            Event::IceConnectionStateChange(IceConnectionState::Disconnected) => {
                self.fail("the server stopped answering (ICE)");
            }
            Event::Closed => self.fail("closed by the server"),
            Event::RtpPacket(packet) if packet.header.payload_type == self.pt => {
                self.shared.heard.hear(&packet.payload);
            }
            _ => {}
        }
    }

    /// Ends the leg from our side (the session is done): DTLS close_notify goes out.
    fn close(&mut self) {
        if self.rtc.close().is_ok() {
            while self.rtc.is_alive() {
                match self.rtc.poll_output() {
                    Ok(Output::Transmit(t)) => {
                        let _ = self.socket.send_to(&t.contents, t.destination);
                    }
                    Ok(Output::Event(_)) => {}
                    Ok(Output::Timeout(_)) | Err(_) => break,
                }
            }
        }
        self.rtc.disconnect();
        self.gone = true;
    }

    /// The leg is lost: say so once (the load script counts these lines) and let the
    /// session's calls go on without audio.
    fn fail(&mut self, reason: &str) {
        if self.gone {
            return;
        }
        self.rtc.disconnect();
        self.gone = true;
        if self.shared.close.load(Ordering::Relaxed) {
            return;
        }
        eprintln!("{}: WebRTC leg failed: {reason}", self.user);
        self.shared.set_state(LegState::Failed);
    }
}

//! The agent's WebRTC leg to the server: one sendrecv PCMU audio track, established at
//! log-in and kept up for the whole session, so answering a call costs no negotiation.
//!
//! We always offer and the server (str0m, one UDP port for all agents) answers. There is
//! no trickle ICE and no STUN/TURN: the offer carries the one host candidate on the
//! address we were told to bind, which is all a loopback or LAN deployment needs.

mod engine;
mod events;
mod pump;
mod rtp_clock;

use std::hash::{BuildHasher, RandomState};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rtc::media_stream::MediaStreamTrack;
use rtc::rtp_transceiver::rtp_sender::{
    RTCRtpCodingParameters, RTCRtpEncodingParameters, RtpCodecKind,
};
use tokio::runtime::Handle;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use webrtc::media_stream::track_local::TrackLocal;
use webrtc::media_stream::track_local::static_rtp::TrackLocalStaticRTP;
use webrtc::peer_connection::{
    PeerConnection, PeerConnectionBuilder, RTCConfigurationBuilder, RTCSessionDescription,
    Registry, configure_rtcp_reports,
};

pub use events::LegState;

use crate::error::SoftphoneError;
use crate::frame::Frame;
use events::Events;
use rtp_clock::RtpClock;

/// Host candidates are gathered from one local socket, so this is generous.
const GATHER_TIMEOUT: Duration = Duration::from_secs(5);
/// Packets between the remote-track reader and the playout clock.
const PACKET_QUEUE: usize = 64;

pub struct WebRtcLeg {
    pc: Arc<dyn PeerConnection>,
    events: Arc<Events>,
    track: Arc<TrackLocalStaticRTP>,
    ssrc: u32,
    /// The transmit gate (see [`WebRtcLeg::set_sending`]); read by the send pump.
    sending: Arc<AtomicBool>,
    /// Outlives the pumps, so a re-attach continues the same RTP stream.
    clock: Arc<Mutex<RtpClock>>,
    rt: Handle,
    /// The audio pumps of the current `attach`, aborted on re-attach and close.
    pumps: Mutex<Vec<JoinHandle<()>>>,
}

impl WebRtcLeg {
    /// Creates a peer connection with one sendrecv PCMU audio track and returns the SDP
    /// offer once ICE gathering is complete (no trickle: the server gets all candidates
    /// in the offer). The UDP socket is bound to `bind_ip` on an ephemeral port.
    pub async fn offer(bind_ip: IpAddr) -> Result<(WebRtcLeg, String), SoftphoneError> {
        let rt = Handle::try_current().map_err(|_| SoftphoneError::NoRuntime)?;
        let media = engine::pcmu_media_engine()?;
        // Sender/receiver reports only: NACK and congestion control buy nothing for
        // 64 kbit/s narrowband voice on a LAN.
        let registry = configure_rtcp_reports(Registry::new());
        let events = Arc::new(Events::new());
        // The builder's future is large; keep it off our caller's stack.
        let pc = Box::pin(
            PeerConnectionBuilder::new()
                .with_configuration(RTCConfigurationBuilder::new().build())
                .with_media_engine(media)
                .with_setting_engine(engine::host_only_settings(bind_ip))
                .with_interceptor_registry(registry)
                .with_handler(Arc::clone(&events) as _)
                .with_udp_addrs(vec![SocketAddr::new(bind_ip, 0)])
                .build(),
        )
        .await
        .map_err(|e| SoftphoneError::webrtc("creating the peer connection", e))?;
        let ssrc = random_u32();
        let track = TrackLocalStaticRTP::new(MediaStreamTrack::new(
            "hotline-agent".to_owned(),
            "hotline-agent-audio".to_owned(),
            "agent voice".to_owned(),
            RtpCodecKind::Audio,
            vec![RTCRtpEncodingParameters {
                rtp_coding_parameters: RTCRtpCodingParameters {
                    ssrc: Some(ssrc),
                    ..Default::default()
                },
                active: true,
                codec: engine::pcmu_codec(),
                ..Default::default()
            }],
        ));
        let start = random_u32();
        let leg = WebRtcLeg {
            pc: Arc::new(pc),
            events,
            track: Arc::new(track),
            ssrc,
            sending: Arc::new(AtomicBool::new(true)),
            clock: Arc::new(Mutex::new(RtpClock::new(
                start as u16,
                start.rotate_left(16),
            ))),
            rt,
            pumps: Mutex::new(Vec::new()),
        };
        match leg.make_offer().await {
            Ok(sdp) => Ok((leg, sdp)),
            Err(e) => {
                leg.close().await;
                Err(e)
            }
        }
    }

    async fn make_offer(&self) -> Result<String, SoftphoneError> {
        let track: Arc<dyn TrackLocal> = Arc::clone(&self.track) as _;
        self.pc
            .add_track(track)
            .await
            .map_err(|e| SoftphoneError::webrtc("adding the audio track", e))?;
        let offer = self
            .pc
            .create_offer(None)
            .await
            .map_err(|e| SoftphoneError::webrtc("creating the offer", e))?;
        self.pc
            .set_local_description(offer)
            .await
            .map_err(|e| SoftphoneError::webrtc("applying the offer", e))?;
        let mut gathered = self.events.gathered.subscribe();
        tokio::time::timeout(GATHER_TIMEOUT, gathered.wait_for(|done| *done))
            .await
            .map_err(|_| SoftphoneError::Timeout(GATHER_TIMEOUT, "ICE candidate gathering"))?
            .map_err(|_| SoftphoneError::Disconnected("peer connection dropped".to_owned()))?;
        self.pc
            .local_description()
            .await
            .map(|d| d.sdp)
            .ok_or_else(|| SoftphoneError::webrtc("reading the offer", "no local description"))
    }

    /// Applies the server's SDP answer; ICE and DTLS start from here.
    pub async fn accept_answer(&self, answer_sdp: &str) -> Result<(), SoftphoneError> {
        let answer = RTCSessionDescription::answer(answer_sdp.to_owned())
            .map_err(|e| SoftphoneError::webrtc("parsing the answer", e))?;
        self.pc
            .set_remote_description(answer)
            .await
            .map_err(|e| SoftphoneError::webrtc("applying the answer", e))
    }

    /// Waits until the DTLS/ICE connection is up (or errors after `timeout`, or as soon
    /// as the connection fails).
    pub async fn connected(&self, timeout: Duration) -> Result<(), SoftphoneError> {
        let mut state = self.state();
        let wait = async {
            loop {
                let now = state.borrow_and_update().clone();
                match now {
                    LegState::Connected => return Ok(()),
                    LegState::Disconnected(reason) => {
                        return Err(SoftphoneError::Disconnected(reason));
                    }
                    LegState::Connecting => {}
                }
                if state.changed().await.is_err() {
                    return Err(SoftphoneError::Disconnected(
                        "peer connection dropped".to_owned(),
                    ));
                }
            }
        };
        tokio::time::timeout(timeout, wait)
            .await
            .map_err(|_| SoftphoneError::Timeout(timeout, "the WebRTC connection"))?
    }

    /// Connects the leg to audio: frames from `mic` are encoded PCMU and sent, one 20 ms
    /// sample each; received RTP goes through a jitter buffer, is decoded and sent to
    /// `speaker`. Attaching again replaces the previous pair (e.g. another backend).
    pub fn attach(&self, mic: mpsc::Receiver<Frame>, speaker: mpsc::Sender<Frame>) {
        let (packet_tx, packet_rx) = mpsc::channel(PACKET_QUEUE);
        let new = [
            self.rt.spawn(pump::send(
                mic,
                Arc::clone(&self.track),
                self.ssrc,
                Arc::clone(&self.sending),
                Arc::clone(&self.clock),
            )),
            self.rt
                .spawn(pump::read_remote(self.events.remote.subscribe(), packet_tx)),
            self.rt.spawn(pump::playout(packet_rx, speaker)),
        ];
        let mut pumps = self.pumps.lock().unwrap_or_else(PoisonError::into_inner);
        for old in pumps.drain(..) {
            old.abort();
        }
        pumps.extend(new);
    }

    /// Opens or closes the transmit gate. Closed, microphone frames are dropped as they come
    /// and no RTP is sent, while ICE consent keeps the leg up; opened again, the stream goes
    /// on with the next frame (sequence numbers run on, the timestamp jumps by the pause and
    /// the marker bit starts a talk spurt). Open from the start, so a leg whose user never
    /// calls this sends all the time.
    pub fn set_sending(&self, on: bool) {
        self.sending.store(on, Ordering::Relaxed);
    }

    pub fn is_sending(&self) -> bool {
        self.sending.load(Ordering::Relaxed)
    }

    pub fn state(&self) -> watch::Receiver<LegState> {
        self.events.state.subscribe()
    }

    /// Stops the audio and closes the peer connection. Idempotent.
    pub async fn close(&self) {
        self.stop_pumps();
        // Closing can only fail if the connection is already gone, which is the goal.
        let _ = self.pc.close().await;
        self.events
            .state
            .send_replace(LegState::Disconnected("closed".to_owned()));
    }

    fn stop_pumps(&self) {
        let mut pumps = self.pumps.lock().unwrap_or_else(PoisonError::into_inner);
        for task in pumps.drain(..) {
            task.abort();
        }
    }
}

impl Drop for WebRtcLeg {
    fn drop(&mut self) {
        self.stop_pumps();
        // The driver task runs until the connection is closed; close() is async, so hand
        // it to the runtime (a no-op if `close` was already called).
        let pc = Arc::clone(&self.pc);
        self.rt.spawn(async move {
            let _ = pc.close().await;
        });
    }
}

/// RTP wants a random SSRC (RFC 3550 §8) and random first sequence number and timestamp
/// (§5.1); the std hasher's per-process random keys are enough for that without another
/// dependency.
fn random_u32() -> u32 {
    RandomState::new().hash_one(Instant::now()) as u32
}

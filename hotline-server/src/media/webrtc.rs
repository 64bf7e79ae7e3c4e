//! Agent audio over WebRTC: every agent leg on one UDP port, driven by one task.
//!
//! str0m is sans-IO, so this module supplies the socket and the clock. An agent's softphone sends
//! an SDP offer (PCMU, sendrecv) at log-in; [`WebRtcHub::accept_offer`] answers it and hands back an
//! [`AgentLeg`]: 20 ms frames from the agent, 20 ms frames to the agent and the connection state.
//! The leg stays up for the whole session, so answering a call is only a bridge change.
//!
//! - `negotiate`: builds one `Rtc` (PCMU only) and answers the offer, off the driver task.
//! - `driver`: the task that owns the socket and every `Rtc`.
//! - `peer`: one agent's `Rtc` plus its channels.
//! - `framer` / `pacer`: sans-IO audio framing in and send timing out.
//!
//! Idle legs send no RTP: a slot with no frame queued is skipped (the RTP clock still advances and
//! the next packet carries the marker bit), so hundreds of logged-in agents cost nothing between
//! calls. str0m's own STUN consent checks keep ICE and NAT bindings alive, and they are also how
//! a vanished agent is noticed (`HubConfig::silence_timeout`).
//!
//! Allocation: our side decodes into the frame being filled and encodes into a per-leg buffer.
//! str0m allocates per packet internally (the `Arc<[u8]>` a written frame becomes, the `Vec` of
//! each transmit and of each received `MediaData`); that is outside our reach.

mod driver;
mod error;
mod framer;
mod leg;
mod negotiate;
mod pacer;
mod peer;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::net::UdpSocket;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

pub use error::WebRtcError;
pub use leg::{AgentLeg, DetachedLeg, LegState};

use driver::Control;
use peer::Peer;

/// Samples in one 20 ms frame at 8 kHz.
pub const FRAME_SAMPLES: usize = super::FRAME;

/// One 20 ms frame of 8 kHz linear PCM.
#[derive(Clone, Copy)]
pub struct AudioFrame(pub [i16; FRAME_SAMPLES]);

impl AudioFrame {
    pub const SILENCE: AudioFrame = AudioFrame([0; FRAME_SAMPLES]);
}

impl Default for AudioFrame {
    fn default() -> Self {
        Self::SILENCE
    }
}

/// Tunables of the hub; [`HubConfig::new`] gives the production defaults.
#[derive(Debug, Clone)]
pub struct HubConfig {
    pub bind: SocketAddr,
    /// The address agents reach us on (our ICE host candidate); the port is the bound one.
    pub candidate_ip: IpAddr,
    /// Upper bound of str0m's STUN retransmission interval; also how often a connected pair's
    /// consent is checked.
    pub max_stun_rto: Duration,
    /// Unanswered STUN checks before str0m's ICE gives a pair up. str0m also keeps a pair for
    /// 15 s after the agent's last request, so this is only the backstop behind
    /// `silence_timeout`.
    pub max_stun_retransmits: usize,
    /// A leg that has not finished ICE + DTLS by then is dropped.
    pub connect_timeout: Duration,
    /// A connected leg that receives nothing at all (a live agent answers our STUN consent
    /// checks every `max_stun_rto`) for this long is declared `Disconnected`.
    pub silence_timeout: Duration,
    /// Frames buffered toward the server before the driver drops new ones (16 = 320 ms).
    pub from_agent_capacity: usize,
    /// Frames queued for the agent; this bounds the latency a fast producer can build up.
    pub to_agent_capacity: usize,
    /// The runtime the driver runs on (the media threads); `None` = the caller's.
    pub runtime: Option<tokio::runtime::Handle>,
}

impl HubConfig {
    pub fn new(bind: SocketAddr, candidate_ip: IpAddr) -> Self {
        HubConfig {
            bind,
            candidate_ip,
            // One binding request per 1.5 s per agent costs nothing and keeps NAT bindings and
            // consent fresh; it is also what `silence_timeout` listens for.
            max_stun_rto: Duration::from_millis(1500),
            max_stun_retransmits: 7,
            connect_timeout: Duration::from_secs(20),
            // Three consent checks unanswered.
            silence_timeout: Duration::from_secs(5),
            from_agent_capacity: 16,
            to_agent_capacity: 6,
            runtime: None,
        }
    }
}

/// Counters over every leg of a hub, for metrics and load runs.
#[derive(Debug, Default)]
pub struct HubStats {
    /// 20 ms frames received from agents (an idle agent's leg sends none).
    pub frames_received: AtomicU64,
    /// Frames from agents dropped because `from_agent` was full.
    pub frames_dropped_in: AtomicU64,
    /// Frames written toward agents.
    pub frames_sent: AtomicU64,
    /// Datagrams the socket could not take at once (never waited for).
    pub datagrams_dropped_out: AtomicU64,
    /// Datagrams no leg accepted (stray, or a leg that is already gone).
    pub datagrams_unmatched: AtomicU64,
}

/// What the handles and the driver both see. The driver holds only this, not the control
/// sender, so it notices when every handle and every leg has been dropped.
struct Core {
    legs: AtomicUsize,
    stats: HubStats,
}

struct Shared {
    local_addr: SocketAddr,
    candidate: SocketAddr,
    config: HubConfig,
    control: mpsc::UnboundedSender<Control>,
    next_id: AtomicU64,
    core: Arc<Core>,
}

/// Cheap handle to the driver task that owns every agent leg.
#[derive(Clone)]
pub struct WebRtcHub {
    shared: Arc<Shared>,
}

impl WebRtcHub {
    /// Binds one UDP socket for every agent leg and starts the driver task.
    pub async fn start(
        bind: SocketAddr,
        candidate_ip: IpAddr,
        shutdown: CancellationToken,
    ) -> std::io::Result<WebRtcHub> {
        Self::start_with(HubConfig::new(bind, candidate_ip), shutdown).await
    }

    /// [`WebRtcHub::start`] with explicit tunables.
    // Async like `start`, though nothing here waits today: binding is immediate.
    #[allow(clippy::unused_async)]
    pub async fn start_with(
        config: HubConfig,
        shutdown: CancellationToken,
    ) -> std::io::Result<WebRtcHub> {
        // Bound here, registered with the reactor of the runtime the driver runs on: its
        // readiness then wakes the driver without a hop between runtimes.
        let socket = std::net::UdpSocket::bind(config.bind)?;
        socket.set_nonblocking(true)?;
        let local_addr = socket.local_addr()?;
        let candidate = SocketAddr::new(config.candidate_ip, local_addr.port());
        let (control, inbox) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            local_addr,
            candidate,
            config,
            control,
            next_id: AtomicU64::new(1),
            core: Arc::new(Core {
                legs: AtomicUsize::new(0),
                stats: HubStats::default(),
            }),
        });
        let core = Arc::clone(&shared.core);
        let run = async move {
            match UdpSocket::from_std(socket) {
                Ok(socket) => {
                    let driver = driver::Driver::new(socket, candidate, core, inbox);
                    driver.run(shutdown).await;
                }
                // The inbox is dropped with this future, so offers fail with `HubStopped`.
                Err(e) => {
                    tracing::error!(error = %e, "agent WebRTC socket could not be registered");
                }
            }
        };
        match &shared.config.runtime {
            Some(runtime) => drop(runtime.spawn(run)),
            None => drop(tokio::spawn(run)),
        }
        tracing::info!(%local_addr, %candidate, "agent WebRTC hub listening");
        Ok(WebRtcHub { shared })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.shared.local_addr
    }

    /// Accepts an agent's SDP offer (PCMU audio, sendrecv); returns the SDP answer and the leg.
    ///
    /// The offer must carry its ICE candidates (no trickle). The expensive part (DTLS key and
    /// certificate) runs here, on the caller's task, not on the media driver.
    // Async in the API so negotiation can move to a blocking pool later without touching callers;
    // today it is well under a millisecond (an ECDSA key and an SDP).
    #[allow(clippy::unused_async)]
    pub async fn accept_offer(&self, offer_sdp: &str) -> Result<(String, AgentLeg), WebRtcError> {
        let shared = &self.shared;
        if shared.control.is_closed() {
            return Err(WebRtcError::HubStopped);
        }
        let now = Instant::now();
        let negotiated = negotiate::answer(offer_sdp, &shared.config, shared.candidate, now)?;
        let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
        let (in_tx, in_rx) = super::frame_pipe::pipe(shared.config.from_agent_capacity);
        let (out_tx, out_rx) = super::frame_pipe::pipe(shared.config.to_agent_capacity);
        let (state_tx, state_rx) = watch::channel(LegState::Connecting);
        let peer = Peer::new(
            id,
            negotiated.rtc,
            negotiated.mid,
            negotiated.pt,
            in_tx,
            out_rx,
            state_tx,
            now + shared.config.connect_timeout,
            shared.config.silence_timeout,
        );
        // Counted here, not in the driver, so `leg_count` covers a leg as soon as it exists.
        shared.core.legs.fetch_add(1, Ordering::Relaxed);
        if shared.control.send(Control::Add(Box::new(peer))).is_err() {
            shared.core.legs.fetch_sub(1, Ordering::Relaxed);
            return Err(WebRtcError::HubStopped);
        }
        tracing::debug!(leg = id, "agent WebRTC leg answered");
        let leg = AgentLeg::new(id, in_rx, out_tx, state_rx, shared.control.clone());
        Ok((negotiated.answer, leg))
    }

    /// Legs the driver currently owns (connecting or connected).
    pub fn leg_count(&self) -> usize {
        self.shared.core.legs.load(Ordering::Relaxed)
    }

    pub fn stats(&self) -> &HubStats {
        &self.shared.core.stats
    }
}

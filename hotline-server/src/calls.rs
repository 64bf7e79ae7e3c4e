//! Calls: one task per call that owns its RTP leg, its dialog and its IVR interpreter.

pub mod blacklist;
pub mod bridge;
pub mod call;
pub mod dialog;
pub mod outbound;
pub mod region;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use hotline_media::Codec;
use hotline_sip::Request;
use tokio::sync::mpsc;

use crate::config::Config;
use crate::ivr::FlowSet;
use crate::media::ports::PortPool;
use crate::media::prompts::Prompts;
use crate::media::rtp_leg::MediaStats;
use crate::sip::core::{CallFactory, FromCall, IncomingCall, ToCall};
use crate::store::StoreWriter;

/// The wall clock, injectable so schedules can be tested at any hour.
pub type Clock = Arc<dyn Fn() -> jiff::Timestamp + Send + Sync>;

/// Everything a call task needs, shared by all calls.
pub struct Context {
    pub config: Config,
    /// Where call tasks run (see [`crate::media::runtime`]).
    pub media: tokio::runtime::Handle,
    pub flows: FlowSet,
    pub prompts: Prompts,
    pub hold_music: Option<Arc<[i16]>>,
    pub store: StoreWriter,
    pub ports: PortPool,
    pub media_ip: IpAddr,
    pub local_sip: SocketAddr,
    pub local_sip_tcp: SocketAddr,
    pub recordings_dir: PathBuf,
    /// The threads that write every recording's file.
    pub recorders: crate::media::recorder::RecordingWriters,
    pub clock: Clock,
    pub holidays: crate::ivr::schedule::HolidaySpec,
    pub media_stats: Arc<MediaStats>,
    pub codecs: Vec<Codec>,
    pub distributor: crate::agents::Distributor,
    /// Blocked numbers, refreshed in the background.
    pub blacklist: Arc<std::sync::RwLock<blacklist::Blacklist>>,
    /// A read connection for look-ups made off the media path (first-contact agent).
    pub lookup: Arc<std::sync::Mutex<crate::store::Store>>,
    /// Where numbers belong (归属地), for call records and the screen-pop.
    pub regions: Arc<region::RegionTable>,
    pub calls_total: AtomicU64,
    /// The SIP core's inbox, for calls we place and their requests.
    pub to_core: mpsc::Sender<FromCall>,
}

impl Context {
    pub fn now_ms(&self) -> i64 {
        (self.clock)().as_millisecond()
    }
}

/// Starts call tasks for the SIP core.
pub struct Calls(pub Arc<Context>);

impl CallFactory for Calls {
    fn trunk_for(&self, source: SocketAddr) -> Option<String> {
        self.0
            .config
            .trunk_for_source(source.ip())
            .map(|t| t.name.clone())
    }

    fn precheck(&self, request: &Request) -> Result<(), (u16, &'static str)> {
        if request.body.is_empty() {
            // Offerless INVITEs (offer in the 200) are not supported by this server.
            return Err((488, "offer required"));
        }
        let text = std::str::from_utf8(&request.body).map_err(|_| (400, "SDP is not UTF-8"))?;
        let offer = hotline_media::parse_sdp(text).map_err(|_| (400, "malformed SDP"))?;
        hotline_media::negotiate(&offer, &self.0.codecs).map_err(|_| (488, "no common codec"))?;
        Ok(())
    }

    fn start(&self, call: IncomingCall, to_core: mpsc::Sender<FromCall>) -> mpsc::Sender<ToCall> {
        let (tx, rx) = mpsc::channel(64);
        self.0
            .media
            .spawn(call::run(self.0.clone(), call, to_core, rx));
        tx
    }
}

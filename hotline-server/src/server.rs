//! Starting and stopping the whole server: store, flows, prompts, SIP, media and the API.

pub mod deadlines;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::info;

use crate::calls::{Calls, Clock, Context};
use crate::config::Config;
use crate::media::ports::PortPool;
use crate::media::prompts::Prompts;
use crate::media::recorder::RecordingWriters;
use crate::media::rtp_leg::MediaStats;
use crate::sip::core::{self, CoreSettings};
use crate::sip::registration::{self, RegistrationSpec, StatusBoard};
use crate::sip::transport::Link;
use crate::store::{Store, StoreWriter, WriterHandle};

/// Threads that write recording files for all calls: two, so one slow file (a disk hiccup)
/// does not hold up every recording.
const RECORDING_WRITERS: usize = 2;

/// Why the server did not start; each names what to fix.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Config(#[from] crate::config::ConfigError),
    #[error("database: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("IVR flows in {dir}: {message}")]
    Flows { dir: PathBuf, message: String },
    #[error("prompts in {dir}: {error}")]
    Prompts { dir: PathBuf, error: std::io::Error },
    #[error("assets folder not found (looked in {0}); set server.assets_dir or HOTLINE_ASSETS")]
    Assets(String),
    #[error("accounts: {0}")]
    Auth(#[from] crate::auth::AuthError),
    #[error("queues: {0}")]
    Queues(String),
    #[error("{0}")]
    Notify(String),
    #[error("cannot start the media threads ([media] threads): {0}")]
    MediaThreads(std::io::Error),
    #[error("cannot start the recording writers: {0}")]
    RecordingWriters(std::io::Error),
    #[error("cannot listen on {addr}: {error}")]
    Listen {
        addr: SocketAddr,
        error: std::io::Error,
    },
}

/// Things tests and embedders can change without a config file.
#[derive(Default)]
pub struct ServerOptions {
    /// The wall clock used for schedules and records (default: the system clock).
    pub clock: Option<Clock>,
}

/// A started server: where it listens and how to stop it.
pub struct Running {
    pub sip_udp: SocketAddr,
    pub sip_tcp: SocketAddr,
    pub api: SocketAddr,
    pub db_path: PathBuf,
    pub data_dir: PathBuf,
    pub context: Arc<Context>,
    pub active_calls: Arc<AtomicUsize>,
    pub registrations: StatusBoard,
    shutdown: CancellationToken,
    core_task: tokio::task::JoinHandle<()>,
    writer: Option<WriterHandle>,
    store: StoreWriter,
    /// Dropped last: the call tasks and the agent hub run here.
    _media: crate::media::runtime::MediaRuntime,
}

impl Running {
    /// Waits until everything written so far is committed to SQLite.
    pub async fn flush(&self) {
        let _ = self.store.flush().await;
    }

    /// Stops taking calls, ends the ones in progress (BYE) and flushes the records.
    pub async fn shutdown(mut self) {
        self.shutdown.cancel();
        let _ = (&mut self.core_task).await;
        // Give call tasks a moment to write their ends.
        for _ in 0..50 {
            if self.active_calls.load(std::sync::atomic::Ordering::Acquire) == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let _ = self.store.flush().await;
        if let Some(w) = self.writer.take() {
            w.shutdown().await;
        }
    }

    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }
}

/// Where flows, prompts and data tables are: configured, `HOTLINE_ASSETS`, next to the binary's
/// workspace, or the source tree it was built from.
pub fn find_assets(configured: &str) -> Result<PathBuf, StartError> {
    let mut tried = Vec::new();
    let mut candidates: Vec<PathBuf> = Vec::new();
    if !configured.is_empty() {
        candidates.push(configured.into());
    }
    if let Ok(env) = std::env::var("HOTLINE_ASSETS") {
        candidates.push(env.into());
    }
    if let Ok(exe) = std::env::current_exe() {
        candidates.extend(exe.ancestors().skip(1).map(|a| a.join("assets")));
    }
    candidates.push(PathBuf::from("assets"));
    candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets"));
    for c in candidates {
        if c.join("ivr").is_dir() {
            return Ok(c);
        }
        tried.push(c.display().to_string());
        if !configured.is_empty() && tried.len() == 1 {
            return Err(StartError::Assets(tried.join(", ")));
        }
    }
    Err(StartError::Assets(tried.join(", ")))
}

/// Starts everything and returns once every socket is bound.
pub async fn start(config: Config, options: ServerOptions) -> Result<Running, StartError> {
    config.validate()?;
    let assets = find_assets(&config.server.assets_dir)?;
    let data_dir = config.server.data_dir.clone();
    let db_path = data_dir.join("hotline.db");
    let clock: Clock = options
        .clock
        .unwrap_or_else(|| Arc::new(jiff::Timestamp::now));

    let store = Store::open(&db_path)?;
    let closed = store.close_open_calls(clock().as_millisecond())?;
    if closed > 0 {
        info!(
            closed,
            "calls left open by the last run closed with cause \"server restart\""
        );
    }
    if let Some(accounts) = crate::auth::ensure_demo_accounts(&store, clock().as_millisecond())? {
        // Printed once, on the first start with an empty database; nowhere else.
        print!("{}", crate::auth::format_demo_banner(&accounts));
    }
    let owed_callbacks = store.open_callbacks()?;
    drop(store);
    let (writer, writer_handle) = crate::store::spawn_writer(&db_path)?;

    let ivr_dir = assets.join("ivr");
    let flows = crate::ivr::FlowSet::load_dir(&ivr_dir).map_err(|e| StartError::Flows {
        dir: ivr_dir.clone(),
        message: e.to_string(),
    })?;
    for p in &config.profiles {
        for f in [&p.flow, &p.after_hours_flow, &p.holiday_flow] {
            if !f.is_empty() && flows.get(f).is_none() {
                return Err(StartError::Flows {
                    dir: ivr_dir.clone(),
                    message: format!(
                        "profile \"{}\" names flow \"{f}\", which is not there",
                        p.name
                    ),
                });
            }
        }
    }
    let prompt_dir = assets.join("prompts");
    let prompts = Prompts::load(&prompt_dir).map_err(|error| StartError::Prompts {
        dir: prompt_dir.clone(),
        error,
    })?;
    let hold_music = std::fs::read(assets.join("music/hold.wav"))
        .ok()
        .and_then(|b| hotline_media::read_wav_8k_mono(&b).ok())
        .map(Arc::from);
    let holidays = load_holidays(&config, &assets)?;
    let regions = load_regions(&data_dir, &assets);

    let shutdown = CancellationToken::new();
    let (inbound_tx, inbound_rx) = mpsc::channel(8192);
    let listen = config.server.sip_listen;
    let transports = crate::sip::transport::start(listen, inbound_tx, shutdown.clone())
        .await
        .map_err(|error| StartError::Listen {
            addr: listen,
            error,
        })?;
    let media_ip = if config.server.media_ip.is_empty() {
        transports.udp_addr.ip()
    } else {
        config.server.media_ip.parse().map_err(|_| {
            crate::config::ConfigError::message(format!(
                "server.media_ip: not an IP address: {}",
                config.server.media_ip
            ))
        })?
    };
    let queues = crate::agents::queues::queue_configs(&config.acd).map_err(StartError::Queues)?;
    let acd_settings = crate::acd::AcdSettings {
        disconnect_grace: std::time::Duration::from_secs(config.acd.disconnect_grace_secs),
        ..crate::acd::AcdSettings::default()
    };
    let agent_log = crate::agents::AgentLog {
        writer: writer.clone(),
        clock: clock.clone(),
    };
    let intercom_ring = std::time::Duration::from_secs(config.acd.intercom_ring_secs.max(1));
    let backup_groups = crate::agents::queues::agent_backup_groups(&config.acd);
    let distributor = crate::agents::Distributor::start(
        acd_settings,
        queues,
        backup_groups,
        Some(agent_log),
        intercom_ring,
    )
    .map_err(|e| StartError::Queues(e.to_string()))?;
    // Callers who asked to be called back before a restart are still owed the call.
    for row in owed_callbacks {
        distributor.send(crate::agents::Input::RestoreCallback(row));
    }
    let media = crate::media::runtime::MediaRuntime::start(config.media.threads)
        .map_err(StartError::MediaThreads)?;
    let mut hub_config =
        crate::media::webrtc::HubConfig::new(SocketAddr::new(media_ip, 0), media_ip);
    hub_config.runtime = Some(media.handle().clone());
    let hub = crate::media::webrtc::WebRtcHub::start_with(hub_config, shutdown.clone())
        .await
        .map_err(|error| StartError::Listen {
            addr: SocketAddr::new(media_ip, 0),
            error,
        })?;
    let auth = Arc::new(crate::auth::Auth::new(
        &db_path,
        crate::auth::AuthPolicy::default(),
    )?);
    let lookup = Arc::new(std::sync::Mutex::new(Store::open(&db_path)?));
    let blocks = lookup
        .lock()
        .map_err(|_| StartError::Queues("look-up connection poisoned".into()))?
        .active_blocks(clock().as_millisecond())?;
    let blacklist = Arc::new(std::sync::RwLock::new(
        crate::calls::blacklist::Blacklist::from_rows(blocks),
    ));
    crate::calls::blacklist::spawn_refresher(
        blacklist.clone(),
        lookup.clone(),
        clock.clone(),
        std::time::Duration::from_secs(10),
    );
    let codecs = config
        .media
        .codecs
        .iter()
        .filter_map(|c| hotline_media::Codec::from_name(c))
        .collect();
    let (to_core, from_calls) = mpsc::channel(8192);
    let context = Arc::new(Context {
        media: media.handle().clone(),
        flows,
        prompts,
        hold_music,
        store: writer.clone(),
        ports: PortPool::new(config.media.rtp_port_min, config.media.rtp_port_max),
        media_ip,
        local_sip: transports.udp_addr,
        local_sip_tcp: transports.tcp_addr,
        recordings_dir: data_dir.join("recordings"),
        recorders: RecordingWriters::start(RECORDING_WRITERS)
            .map_err(StartError::RecordingWriters)?,
        clock,
        holidays,
        media_stats: Arc::new(MediaStats::default()),
        codecs,
        distributor: distributor.clone(),
        lookup: lookup.clone(),
        blacklist: blacklist.clone(),
        regions,
        calls_total: AtomicU64::new(0),
        to_core: to_core.clone(),
        config,
    });
    let active = Arc::new(AtomicUsize::new(0));
    let settings = CoreSettings {
        max_calls: context.config.server.max_calls,
        retry_after_secs: context.config.server.retry_after_secs,
        user_agent: context.config.server.user_agent.clone(),
    };
    let sip_udp = transports.udp_addr;
    let sip_tcp = transports.tcp_addr;
    let core_task = tokio::spawn(core::run(
        Arc::new(Calls(context.clone())),
        transports,
        settings,
        inbound_rx,
        active.clone(),
        (to_core.clone(), from_calls),
        shutdown.clone(),
    ));
    let registrations: StatusBoard = Arc::default();
    for spec in registration_specs(&context.config).await? {
        let local = if spec.link.reliable() {
            sip_tcp
        } else {
            sip_udp
        };
        tokio::spawn(registration::run(
            spec,
            local,
            to_core.clone(),
            registrations.clone(),
            shutdown.clone(),
        ));
    }
    crate::calls::outbound::start_dialer(context.clone(), shutdown.clone());
    deadlines::spawn(
        &context.config,
        db_path.clone(),
        context.clock.clone(),
        shutdown.clone(),
    );
    crate::notify::spawn(
        &context.config,
        &db_path,
        context.clock.clone(),
        shutdown.clone(),
    )
    .map_err(|e| StartError::Notify(e.to_string()))?;
    crate::campaign::spawn(context.clone(), &db_path, shutdown.clone())
        .map_err(|e| StartError::Notify(format!("campaigns: {e}")))?;
    let api_listen = context.config.server.api_listen;
    let api_state = crate::api::ApiDeps {
        ctx: context.clone(),
        active: active.clone(),
        registrations: registrations.clone(),
        auth,
        hub,
        distributor,
    };
    let api = crate::api::serve(api_listen, api_state, shutdown.clone())
        .await
        .map_err(|error| StartError::Listen {
            addr: api_listen,
            error,
        })?;
    info!(%sip_udp, %sip_tcp, %api, db = %db_path.display(), "hotline-server ready");
    Ok(Running {
        sip_udp,
        sip_tcp,
        api,
        db_path,
        data_dir,
        context,
        active_calls: active,
        registrations,
        shutdown,
        core_task,
        writer: Some(writer_handle),
        store: writer,
        _media: media,
    })
}

fn load_holidays(
    config: &Config,
    assets: &Path,
) -> Result<crate::ivr::schedule::HolidaySpec, StartError> {
    let mut spec = crate::ivr::schedule::HolidaySpec::default();
    for s in &config.schedules {
        if s.holidays_file.is_empty() {
            continue;
        }
        let path = assets.join(&s.holidays_file);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| crate::config::ConfigError::message(format!("{}: {e}", path.display())))?;
        let h = crate::config::load_holidays(&text)?;
        spec.off.extend(h.off);
        spec.workdays.extend(h.workdays);
    }
    Ok(spec)
}

/// The number-location table; without one, calls simply carry no location.
fn load_regions(data_dir: &Path, assets: &Path) -> Arc<crate::calls::region::RegionTable> {
    match crate::calls::region::RegionTable::load_preferred(data_dir, assets) {
        Ok(table) => Arc::new(table),
        Err(e) => {
            tracing::warn!(error = %e, "no caller-location table; calls carry no location");
            Arc::default()
        }
    }
}

/// Runs until `shutdown` is cancelled (Ctrl-C in the binary).
pub async fn run(config: Config, shutdown: CancellationToken) -> Result<(), StartError> {
    let running = start(config, ServerOptions::default()).await?;
    shutdown.cancelled().await;
    running.shutdown().await;
    Ok(())
}

/// The registrations to keep, one per `kind = "register"` trunk, with the registrar resolved.
async fn registration_specs(config: &Config) -> Result<Vec<RegistrationSpec>, StartError> {
    let mut out = Vec::new();
    for t in config
        .trunks
        .iter()
        .filter(|t| t.kind == crate::config::TrunkKind::Register)
    {
        let bad =
            |why: &str| crate::config::ConfigError::message(format!("trunk \"{}\": {why}", t.name));
        let registrar = t
            .registrar
            .clone()
            .ok_or_else(|| bad("registrar missing"))?;
        let uri =
            hotline_sip::Uri::parse(&registrar).map_err(|_| bad("registrar is not a SIP URI"))?;
        let port = uri.port.unwrap_or(5060);
        let addr = tokio::net::lookup_host((uri.host.trim_matches(['[', ']']), port))
            .await
            .ok()
            .and_then(|mut a| a.next())
            .ok_or_else(|| bad("registrar host does not resolve"))?;
        let username = t.username.clone().ok_or_else(|| bad("username missing"))?;
        out.push(RegistrationSpec {
            trunk: t.name.clone(),
            registrar,
            registrar_addr: addr,
            // Registration goes over UDP; outbound TCP connections come with outbound calls.
            link: Link::Udp,
            password: t.password.clone().unwrap_or_default(),
            domain: t.domain.clone().unwrap_or_else(|| uri.host.clone()),
            contact_user: t.contact_user.clone().unwrap_or_else(|| username.clone()),
            username,
            expires_secs: t.expires_secs,
        });
    }
    Ok(out)
}

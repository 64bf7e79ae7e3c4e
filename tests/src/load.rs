//! `load-agents`: many headless agents in one process, cheap enough that a load run measures
//! the server rather than its agents. Each session is a real agent (its own WebSocket log-in
//! and its own WebRTC leg, speaking a 600 Hz tone and counting what it hears), but the legs
//! are str0m `Rtc`s driven by a few shard tasks on a 20 ms tick ([`shard`]) instead of a
//! webrtc-rs stack with its own tasks and channels per session.
//!
//! Output is that of `agent-tui --headless --sessions N`: `user: … ready` and
//! `user: offered …` on stderr, one `user: call … heard=voiced/frames` line per call on
//! stdout, `user: WebRTC leg failed: …` on stderr when a leg is lost.

pub mod agent;
pub mod args;
pub mod leg;
pub mod session;
pub mod shard;
pub mod voice;

use std::sync::Arc;

use anyhow::{Context as _, bail};
use hotline_tui::client::{media_ip, ws_url};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;

pub use args::Args;
use session::{Outcome, Setup};

/// Sessions logging in and bringing their leg up at the same time (as agent-tui's).
const SETUP_AT_ONCE: usize = 16;

/// Runs every session until each has done its calls; fails if any session failed (each
/// failure is printed with its user as it happens or at the end).
pub async fn run(args: &Args) -> anyhow::Result<()> {
    let url = ws_url(&args.server);
    // One DTLS certificate for every leg: generating a key per session is the costliest part
    // of setting a leg up, and nothing needs the legs to differ there.
    let cert = str0m::crypto::from_feature_flags()
        .dtls_provider
        .generate_certificate()
        .context("generating the DTLS certificate")?;
    let setup = Arc::new(Setup {
        media_ip: media_ip(&url),
        url,
        timing: args.timing(),
        cert,
        voice: voice::tone_payload(),
        at_once: Semaphore::new(SETUP_AT_ONCE),
    });

    let sessions = args.sessions as usize;
    let shard_count = sessions.div_ceil(shard::SHARD_SIZE);
    let mut shards = Vec::with_capacity(shard_count);
    for k in 0..shard_count {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(shard::run(rx, shard::phase(k, shard_count)));
        shards.push(tx);
    }
    let mut running = JoinSet::new();
    for i in 1..=args.sessions {
        let (user, password) = agent_tui::headless::session_login(&args.user, &args.password, i);
        let shard = shards[(i as usize - 1) / shard::SHARD_SIZE].clone();
        running.spawn(session::run(Arc::clone(&setup), user, password, shard));
    }
    // The sessions hold the only senders now: a shard ends after its last leg.
    drop(shards);

    let mut failed = 0u32;
    while let Some(done) = running.join_next().await {
        match done.map_err(anyhow::Error::from).and_then(|r| r) {
            Ok(Outcome::Done) => {}
            Ok(Outcome::LegFailed) => failed += 1,
            Err(e) => {
                failed += 1;
                eprintln!("{e:#}");
            }
        }
    }
    if failed > 0 {
        bail!("{failed} of {} sessions failed", args.sessions);
    }
    Ok(())
}

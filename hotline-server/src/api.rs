//! The HTTP API: health, metrics and the workstations' WebSocket (`/ws`, see docs/protocol.md).

pub mod rest;
pub mod ws;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::agents::Distributor;
use crate::auth::Auth;
use crate::calls::Context;
use crate::media::webrtc::WebRtcHub;
use crate::sip::registration::StatusBoard;

/// What the API's handlers share.
#[derive(Clone)]
pub struct ApiDeps {
    pub ctx: Arc<Context>,
    pub active: Arc<AtomicUsize>,
    pub registrations: StatusBoard,
    pub auth: Arc<Auth>,
    pub hub: WebRtcHub,
    pub distributor: Distributor,
}

/// Binds the API and serves it until shutdown; returns the bound address. With a certificate
/// and key configured it speaks HTTPS (and WSS) only.
pub async fn serve(
    listen: SocketAddr,
    deps: ApiDeps,
    shutdown: CancellationToken,
) -> std::io::Result<SocketAddr> {
    let tls = &deps.ctx.config.server;
    if !tls.tls_cert.is_empty() || !tls.tls_key.is_empty() {
        let (cert, key) = (tls.tls_cert.clone(), tls.tls_key.clone());
        return serve_tls(listen, deps, shutdown, &cert, &key).await;
    }
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let app = router(deps);
    tokio::spawn(async move {
        let service = app.into_make_service_with_connect_info::<SocketAddr>();
        let _ = axum::serve(listener, service)
            .with_graceful_shutdown(async move { shutdown.cancelled().await })
            .await;
    });
    Ok(addr)
}

fn router(deps: ApiDeps) -> Router {
    Router::new()
        .route("/health", get(|| async { Json(json!({"status": "ok"})) }))
        .route("/metrics", get(metrics))
        .route("/ws", get(ws::upgrade))
        .merge(rest::router())
        .with_state(deps)
}

async fn serve_tls(
    listen: SocketAddr,
    deps: ApiDeps,
    shutdown: CancellationToken,
    cert: &str,
    key: &str,
) -> std::io::Result<SocketAddr> {
    // Several crypto back-ends are linked (the WebRTC stacks bring their own); name ours so
    // rustls does not have to guess. An earlier call already installed it: fine.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let tls = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
        .await
        .map_err(|e| {
            std::io::Error::new(e.kind(), format!("TLS certificate {cert} / key {key}: {e}"))
        })?;
    let handle = axum_server::Handle::new();
    let app = router(deps).into_make_service_with_connect_info::<SocketAddr>();
    let server = axum_server::bind_rustls(listen, tls).handle(handle.clone());
    tokio::spawn(async move {
        let _ = server.serve(app).await;
    });
    let stop = handle.clone();
    tokio::spawn(async move {
        shutdown.cancelled().await;
        stop.graceful_shutdown(Some(std::time::Duration::from_secs(2)));
    });
    handle.listening().await.ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::AddrNotAvailable,
            format!("cannot listen on {listen}"),
        )
    })
}

async fn metrics(State(s): State<ApiDeps>) -> Json<Value> {
    let m = &s.ctx.media_stats;
    Json(json!({
        "active_calls": s.active.load(Ordering::Relaxed),
        "calls_total": s.ctx.calls_total.load(Ordering::Relaxed),
        "rtp_frames_sent": m.frames_sent.load(Ordering::Relaxed),
        "rtp_frames_late": m.frames_late.load(Ordering::Relaxed),
        "rtp_packets_received": m.packets_received.load(Ordering::Relaxed),
        "rtp_packets_dropped": m.packets_dropped.load(Ordering::Relaxed),
        "agent_legs": s.hub.leg_count(),
        "agent_frames_received": s.hub.stats().frames_received.load(Ordering::Relaxed),
        "recordings_failed": s.ctx.recorders.failed(),
        "registrations": s.registrations.lock().map(|r| r.clone()).unwrap_or_default(),
    }))
}

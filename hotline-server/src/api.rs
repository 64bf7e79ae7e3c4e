//! The HTTP API. For now: health and metrics; the client protocol and REST v1 come with their issues.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::calls::Context;
use crate::sip::registration::StatusBoard;

#[derive(Clone)]
struct ApiState {
    ctx: Arc<Context>,
    active: Arc<AtomicUsize>,
    registrations: StatusBoard,
}

/// Binds the API and serves it until shutdown; returns the bound address.
pub async fn serve(listen: SocketAddr, ctx: Arc<Context>, active: Arc<AtomicUsize>, registrations: StatusBoard, shutdown: CancellationToken) -> std::io::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let app = Router::new()
        .route("/health", get(|| async { Json(json!({"status": "ok"})) }))
        .route("/metrics", get(metrics))
        .with_state(ApiState { ctx, active, registrations });
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).with_graceful_shutdown(async move { shutdown.cancelled().await }).await;
    });
    Ok(addr)
}

async fn metrics(State(s): State<ApiState>) -> Json<Value> {
    let m = &s.ctx.media_stats;
    Json(json!({
        "active_calls": s.active.load(Ordering::Relaxed),
        "calls_total": s.ctx.calls_total.load(Ordering::Relaxed),
        "rtp_frames_sent": m.frames_sent.load(Ordering::Relaxed),
        "rtp_frames_late": m.frames_late.load(Ordering::Relaxed),
        "rtp_packets_received": m.packets_received.load(Ordering::Relaxed),
        "rtp_packets_dropped": m.packets_dropped.load(Ordering::Relaxed),
        "registrations": s.registrations.lock().map(|r| r.clone()).unwrap_or_default(),
    }))
}

//! The tasks that move audio between a backend's channels and the peer connection.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use hotline_media::{Codec, JitterBuffer, Pulled};
use rtc::rtp;
use tokio::sync::{mpsc, watch};
use tokio::time::MissedTickBehavior;
use webrtc::media_stream::track_local::TrackLocal;
use webrtc::media_stream::track_local::static_rtp::TrackLocalStaticRTP;
use webrtc::media_stream::track_remote::TrackRemoteEvent;

use super::engine::PCMU_PAYLOAD_TYPE;
use super::events::RemoteTrack;
use super::rtp_clock::RtpClock;
use crate::frame::{FRAME_DURATION, FRAME_SAMPLES, Frame};

/// Packets held back before playing: 60 ms absorbs LAN jitter without much delay.
const JITTER_DEPTH: usize = 3;
const JITTER_CAPACITY: usize = 32;
/// Up to 60 ms per packet, in case the server ever sends a longer ptime.
const MAX_PAYLOAD: usize = FRAME_SAMPLES * 3;
/// Encoded frames per shared buffer allocation (see `send`).
const SEND_BUFFER_FRAMES: usize = 64;

pub(crate) struct Packet {
    seq: u16,
    timestamp: u32,
    payload: Bytes,
}

/// Mic frames → PCMU packets on the track, one per 20 ms frame. The pace is the mic's: a
/// backend yields one frame per 20 ms. While `sending` is off, frames are read and dropped
/// (never queued, so the next call does not start with stale audio) and nothing is written:
/// an idle leg costs the server nothing but ICE consent checks.
pub(crate) async fn send(
    mut mic: mpsc::Receiver<Frame>,
    track: Arc<TrackLocalStaticRTP>,
    ssrc: u32,
    sending: Arc<AtomicBool>,
    clock: Arc<Mutex<RtpClock>>,
) {
    // Payloads are carved out of one buffer; `reserve` reuses its memory once the
    // packets sent earlier have been dropped, so steady state does not allocate.
    let mut buf = BytesMut::with_capacity(FRAME_SAMPLES * SEND_BUFFER_FRAMES);
    while let Some(frame) = mic.recv().await {
        if !sending.load(Ordering::Relaxed) {
            continue;
        }
        buf.reserve(FRAME_SAMPLES * SEND_BUFFER_FRAMES);
        buf.resize(FRAME_SAMPLES, 0);
        Codec::Pcmu.encode(&frame.0, &mut buf);
        let stamp = clock
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .stamp(FRAME_SAMPLES as u32, Instant::now());
        let packet = rtp::Packet {
            header: rtp::Header {
                version: 2,
                marker: stamp.marker,
                payload_type: PCMU_PAYLOAD_TYPE,
                sequence_number: stamp.seq,
                timestamp: stamp.timestamp,
                ssrc,
                ..Default::default()
            },
            payload: buf.split().freeze(),
        };
        // Until DTLS is up the track is not bound and writes fail; the frame is simply
        // not sent, as on a line that is not yet connected.
        let _ = track.write_rtp(packet).await;
    }
}

/// Waits for the remote track, then forwards its PCMU packets to `playout`.
pub(crate) async fn read_remote(
    mut remote: watch::Receiver<RemoteTrack>,
    tx: mpsc::Sender<Packet>,
) {
    let track = loop {
        if let Some(track) = remote.borrow_and_update().clone() {
            break track;
        }
        if remote.changed().await.is_err() {
            return;
        }
    };
    while let Some(event) = track.poll().await {
        match event {
            TrackRemoteEvent::OnRtpPacket(p) if p.header.payload_type == PCMU_PAYLOAD_TYPE => {
                let packet = Packet {
                    seq: p.header.sequence_number,
                    timestamp: p.header.timestamp,
                    payload: p.payload,
                };
                if let Err(mpsc::error::TrySendError::Closed(_)) = tx.try_send(packet) {
                    return;
                }
            }
            TrackRemoteEvent::OnEnded => return,
            _ => {}
        }
    }
}

/// Reorders packets in a jitter buffer and plays one packet per 20 ms tick to the
/// speaker: a lost packet is concealed with silence; nothing is played while the buffer
/// is (re)filling, so a leg with no incoming audio does not flood the speaker.
pub(crate) async fn playout(mut rx: mpsc::Receiver<Packet>, speaker: mpsc::Sender<Frame>) {
    let mut jitter = JitterBuffer::new(JITTER_DEPTH, JITTER_CAPACITY, MAX_PAYLOAD);
    let mut tick = tokio::time::interval(FRAME_DURATION);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            packet = rx.recv() => match packet {
                Some(p) => {
                    jitter.insert(p.seq, p.timestamp, &p.payload);
                }
                None => return,
            },
            _ = tick.tick() => {
                let open = match jitter.pop() {
                    Pulled::Audio(payload) => play(payload, &speaker),
                    Pulled::Lost => deliver(&speaker, &Frame::SILENCE),
                    Pulled::Empty => true,
                };
                if !open {
                    return;
                }
            }
        }
    }
}

/// Decodes a payload into as many frames as it holds. Returns false once nobody listens.
fn play(payload: &[u8], speaker: &mpsc::Sender<Frame>) -> bool {
    for chunk in payload.chunks(FRAME_SAMPLES) {
        let mut frame = Frame::SILENCE;
        Codec::Pcmu.decode(chunk, &mut frame.0);
        if !deliver(speaker, &frame) {
            return false;
        }
    }
    true
}

/// Never waits: a full speaker queue means the device is behind, and dropping a frame
/// beats building up delay.
fn deliver(speaker: &mpsc::Sender<Frame>, frame: &Frame) -> bool {
    !matches!(
        speaker.try_send(*frame),
        Err(mpsc::error::TrySendError::Closed(_))
    )
}

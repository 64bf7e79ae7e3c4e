//! The one task that owns the hub's UDP socket and every agent's `Rtc`.
//!
//! It waits on three things: a datagram (demultiplexed to the `Rtc` that accepts it), the 20 ms
//! tick, and control messages (new leg, close). The tick sends each leg's frame and gives str0m
//! the timeouts that fell due: ICE, DTLS and RTCP timers are seconds apart, so serving them on
//! the tick costs nothing in accuracy and spares a wake-up (and a walk over every leg) per
//! timer. Nothing here waits on a consumer: channels are used with `try_send`/`try_recv` and
//! the socket without waiting.
//!
//! The socket is used in batches ([`udp_batch`](super::super::udp_batch)): one `recvmmsg` reads
//! up to [`RECV_SLOTS`] datagrams, and what the legs transmit is collected and leaves in one
//! `sendmmsg` at the end of each receive batch, tick, add and close (or when the batch is full).

use std::collections::HashMap;
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use str0m::Input;
use str0m::net::{DatagramRecv, Protocol, Receive};
use tokio::io::Interest;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::time::{self, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use super::super::udp_batch::{RecvBatch, SendBatch};
use super::Core;
use super::pacer::SLOT;
use super::peer::{Io, Peer};

/// Largest datagram we read or batch for sending; WebRTC stays under the path MTU (str0m
/// targets ~1150 bytes).
const DATAGRAM_MAX: usize = 2048;
/// Datagrams read per wake before the other branches get a turn.
const RECV_BATCH: usize = 64;
/// Datagrams one `recvmmsg` reads.
const RECV_SLOTS: usize = 32;
/// Datagrams one `sendmmsg` sends: a tick's frames to many agents leave in a few calls.
const SEND_SLOTS: usize = 64;

pub(crate) enum Control {
    Add(Box<Peer>),
    Close(u64),
}

pub(super) struct Driver {
    socket: UdpSocket,
    /// The address our ICE candidate names: str0m matches `Receive::destination` against it,
    /// which matters when the socket is bound to a wildcard address.
    candidate: SocketAddr,
    core: Arc<Core>,
    inbox: mpsc::UnboundedReceiver<Control>,
    peers: HashMap<u64, Peer>,
    /// Last leg seen at a source address: the fast path of demultiplexing.
    routes: HashMap<SocketAddr, u64>,
    /// Legs to drop after the current step.
    dead: Vec<u64>,
    received: RecvBatch,
    out: SendBatch,
}

impl Driver {
    pub(super) fn new(
        socket: UdpSocket,
        candidate: SocketAddr,
        core: Arc<Core>,
        inbox: mpsc::UnboundedReceiver<Control>,
    ) -> Self {
        // The bound address, not the candidate: its family is what the socket receives.
        let local = socket.local_addr().unwrap_or(candidate);
        Driver {
            socket,
            candidate,
            core,
            inbox,
            peers: HashMap::new(),
            routes: HashMap::new(),
            dead: Vec::new(),
            received: RecvBatch::new(RECV_SLOTS, DATAGRAM_MAX, local),
            out: SendBatch::new(SEND_SLOTS, DATAGRAM_MAX),
        }
    }

    pub(super) async fn run(mut self, shutdown: CancellationToken) {
        let epoch = Instant::now();
        // Ticks sit mid-slot so scheduling jitter does not push a tick into the wrong slot.
        let mut tick = time::interval_at(time::Instant::from_std(epoch + SLOT / 2), SLOT);
        tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                msg = self.inbox.recv() => match msg {
                    Some(Control::Add(peer)) => self.add(*peer),
                    Some(Control::Close(id)) => self.close(id, "closed by the server"),
                    // Every hub handle and every leg is gone: nobody can use us any more.
                    None => break,
                },
                readable = self.socket.readable() => {
                    if let Err(e) = readable {
                        tracing::error!(error = %e, "agent WebRTC socket failed");
                        break;
                    }
                    self.receive();
                }
                _ = tick.tick() => self.tick(epoch),
            }
            self.reap();
        }
        self.stop();
    }

    fn add(&mut self, mut peer: Peer) {
        // The first timeout starts ICE (connectivity checks toward the offered candidates).
        let mut io = Io {
            socket: &self.socket,
            out: &mut self.out,
            stats: &self.core.stats,
        };
        peer.handle(Input::Timeout(Instant::now()), &mut io);
        io.flush();
        if peer.is_gone() {
            self.dead.push(peer.id);
        }
        self.peers.insert(peer.id, peer);
    }

    fn close(&mut self, id: u64, reason: &str) {
        let mut io = Io {
            socket: &self.socket,
            out: &mut self.out,
            stats: &self.core.stats,
        };
        if let Some(peer) = self.peers.get_mut(&id) {
            peer.close(reason, &mut io);
            io.flush();
            self.dead.push(id);
        }
    }

    /// Reads what the socket has (up to a batch) and hands each datagram to its leg.
    fn receive(&mut self) {
        let Driver {
            socket,
            candidate,
            core,
            peers,
            routes,
            dead,
            received,
            out,
            ..
        } = self;
        let socket = &*socket;
        let mut io = Io {
            socket,
            out,
            stats: &core.stats,
        };
        let mut budget = RECV_BATCH;
        while budget > 0 {
            let want = budget.min(received.capacity());
            // Through tokio, so that an empty socket clears its read readiness.
            match socket.try_io(Interest::READABLE, || received.recv(socket, want)) {
                Ok(n) => budget = budget.saturating_sub(n.max(1)),
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) => {
                    tracing::debug!(error = %e, "agent WebRTC receive failed");
                    budget -= 1;
                    continue;
                }
            }
            // They all arrived before the call returned.
            let now = Instant::now();
            while let Some(datagram) = received.pop() {
                let source = datagram.source;
                let contents = if datagram.truncated {
                    None
                } else {
                    DatagramRecv::try_from(datagram.data).ok()
                };
                let Some(contents) = contents else {
                    core.stats
                        .datagrams_unmatched
                        .fetch_add(1, Ordering::Relaxed);
                    continue;
                };
                let input = Input::Receive(
                    now,
                    Receive {
                        proto: Protocol::Udp,
                        source,
                        destination: *candidate,
                        contents,
                    },
                );
                let known = routes
                    .get(&source)
                    .copied()
                    .filter(|id| peers.get(id).is_some_and(|p| p.accepts(&input)));
                // Slow path: a new leg's first STUN request (str0m matches it by ICE username).
                let Some(id) =
                    known.or_else(|| peers.values().find(|p| p.accepts(&input)).map(|p| p.id))
                else {
                    core.stats
                        .datagrams_unmatched
                        .fetch_add(1, Ordering::Relaxed);
                    continue;
                };
                if known.is_none() {
                    routes.insert(source, id);
                }
                let Some(peer) = peers.get_mut(&id) else {
                    continue;
                };
                peer.handle(input, &mut io);
                if peer.is_gone() {
                    dead.push(id);
                }
            }
            // Answers (STUN, DTLS) leave with each batch read, not only at the next tick.
            io.flush();
        }
    }

    /// The 20 ms tick for every leg: str0m's timeouts that fell due, then this slot's frame.
    fn tick(&mut self, epoch: Instant) {
        let now = Instant::now();
        let mut io = Io {
            socket: &self.socket,
            out: &mut self.out,
            stats: &self.core.stats,
        };
        for peer in self.peers.values_mut() {
            // A frame written in the tick is released with a timeout of its own, which serves
            // the timers too; without a frame the timers are served alone.
            if !peer.tick(now, epoch, &mut io) && peer.next_timeout <= now {
                peer.handle(Input::Timeout(now), &mut io);
            }
            if peer.is_gone() {
                self.dead.push(peer.id);
            }
        }
        io.flush();
    }

    fn reap(&mut self) {
        if self.dead.is_empty() {
            return;
        }
        for id in self.dead.drain(..) {
            if self.peers.remove(&id).is_some() {
                self.core.legs.fetch_sub(1, Ordering::Relaxed);
                self.routes.retain(|_, leg| *leg != id);
            }
        }
    }

    fn stop(&mut self) {
        // First, so that an offer is refused (`HubStopped`) by the time any leg is told it is
        // over: a client that sees its leg close and offers again must not get a dead leg.
        self.inbox.close();
        let ids: Vec<u64> = self.peers.keys().copied().collect();
        for id in ids {
            self.close(id, "server shutting down");
        }
        self.reap();
        // Legs answered but not yet taken in: dropping them tells their owners (see `Peer`'s Drop).
        while let Ok(msg) = self.inbox.try_recv() {
            if let Control::Add(_) = msg {
                self.core.legs.fetch_sub(1, Ordering::Relaxed);
            }
        }
        tracing::info!("agent WebRTC hub stopped");
    }
}

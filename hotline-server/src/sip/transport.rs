//! UDP and TCP transports: sockets in, parsed messages out; bytes in, datagrams and stream writes out.
//!
//! Parsing happens here, on the reader tasks, so the SIP core only sees whole messages. A datagram
//! that does not parse is answered with 400 when a response can be formed, and dropped otherwise.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use hotline_sip::{Message, ParseErrorKind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

/// Which way a message came in, and so which way its answers go out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Link {
    Udp,
    Tcp(u64),
}

impl Link {
    pub fn reliable(self) -> bool {
        matches!(self, Link::Tcp(_))
    }

    pub fn name(self) -> &'static str {
        match self {
            Link::Udp => "udp",
            Link::Tcp(_) => "tcp",
        }
    }
}

/// A whole message from the network.
#[derive(Debug)]
pub struct Inbound {
    pub message: Message,
    pub source: SocketAddr,
    pub link: Link,
}

/// The sending side of both transports, shared by the core and the call tasks.
#[derive(Clone)]
pub struct Transports {
    udp: Arc<UdpSocket>,
    tcp_conns: Arc<Mutex<HashMap<u64, mpsc::Sender<Vec<u8>>>>>,
    pub udp_addr: SocketAddr,
    pub tcp_addr: SocketAddr,
}

impl Transports {
    /// Sends bytes on a link; errors are logged, since SIP recovers from loss by retransmission.
    pub async fn send(&self, link: Link, dest: SocketAddr, bytes: &[u8]) {
        match link {
            Link::Udp => {
                if let Err(e) = self.udp.send_to(bytes, dest).await {
                    debug!(%dest, error = %e, "udp send failed");
                }
            }
            Link::Tcp(id) => {
                let tx = self.tcp_conns.lock().ok().and_then(|m| m.get(&id).cloned());
                if let Some(tx) = tx {
                    if tx.try_send(bytes.to_vec()).is_err() {
                        debug!(conn = id, "tcp connection gone or congested");
                    }
                } else {
                    debug!(conn = id, "tcp connection closed before send");
                }
            }
        }
    }
}

/// Binds UDP and TCP on the same address (port 0 picks one port free for both) and starts the readers.
pub async fn start(
    listen: SocketAddr,
    inbound: mpsc::Sender<Inbound>,
    shutdown: CancellationToken,
) -> std::io::Result<Transports> {
    let (udp, tcp) = bind_pair(listen).await?;
    let udp = Arc::new(udp);
    let udp_addr = udp.local_addr()?;
    let tcp_addr = tcp.local_addr()?;
    let tcp_conns: Arc<Mutex<HashMap<u64, mpsc::Sender<Vec<u8>>>>> = Arc::default();
    let transports = Transports {
        udp: udp.clone(),
        tcp_conns: tcp_conns.clone(),
        udp_addr,
        tcp_addr,
    };
    tokio::spawn(udp_reader(udp, inbound.clone(), shutdown.clone()));
    tokio::spawn(tcp_acceptor(tcp, tcp_conns, inbound, shutdown));
    Ok(transports)
}

async fn bind_pair(listen: SocketAddr) -> std::io::Result<(UdpSocket, TcpListener)> {
    // With port 0 the two sockets must still share one port; retry a few times if TCP's is taken.
    for _ in 0..20 {
        let udp = bind_udp(listen)?;
        let port = udp.local_addr()?.port();
        match TcpListener::bind(SocketAddr::new(listen.ip(), port)).await {
            Ok(tcp) => return Ok((udp, tcp)),
            Err(e) if listen.port() != 0 => return Err(e),
            Err(_) => {}
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AddrInUse,
        "no port free for both UDP and TCP",
    ))
}

fn bind_udp(addr: SocketAddr) -> std::io::Result<UdpSocket> {
    let domain = if addr.is_ipv4() {
        socket2::Domain::IPV4
    } else {
        socket2::Domain::IPV6
    };
    let sock = socket2::Socket::new(domain, socket2::Type::DGRAM, Some(socket2::Protocol::UDP))?;
    // Large buffers ride out bursts of hundreds of INVITEs per second.
    let _ = sock.set_recv_buffer_size(8 << 20);
    let _ = sock.set_send_buffer_size(8 << 20);
    sock.set_nonblocking(true)?;
    sock.bind(&addr.into())?;
    UdpSocket::from_std(sock.into())
}

async fn udp_reader(
    sock: Arc<UdpSocket>,
    inbound: mpsc::Sender<Inbound>,
    shutdown: CancellationToken,
) {
    let mut buf = vec![0u8; 65_536];
    loop {
        let (len, source) = tokio::select! {
            () = shutdown.cancelled() => return,
            r = sock.recv_from(&mut buf) => match r {
                Ok(v) => v,
                // ICMP port unreachable from an earlier send shows up here on some systems.
                Err(e) => { debug!(error = %e, "udp recv"); continue; }
            },
        };
        let data = &buf[..len];
        match hotline_sip::parse_datagram(data) {
            Ok(message) => {
                if inbound
                    .send(Inbound {
                        message,
                        source,
                        link: Link::Udp,
                    })
                    .await
                    .is_err()
                {
                    return;
                }
            }
            Err(e) if e.kind == ParseErrorKind::KeepAlive => {}
            Err(e) => {
                debug!(%source, reason = %e.reason, "unparsable datagram");
                if let Some(resp) = hotline_sip::bad_request_for(data, &e) {
                    let _ = sock.send_to(&resp, source).await;
                }
            }
        }
    }
}

static NEXT_CONN: AtomicU64 = AtomicU64::new(1);

async fn tcp_acceptor(
    listener: TcpListener,
    conns: Arc<Mutex<HashMap<u64, mpsc::Sender<Vec<u8>>>>>,
    inbound: mpsc::Sender<Inbound>,
    shutdown: CancellationToken,
) {
    loop {
        let (stream, peer) = tokio::select! {
            () = shutdown.cancelled() => return,
            r = listener.accept() => match r {
                Ok(v) => v,
                Err(e) => { warn!(error = %e, "tcp accept"); continue; }
            },
        };
        let id = NEXT_CONN.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::channel::<Vec<u8>>(256);
        if let Ok(mut m) = conns.lock() {
            m.insert(id, tx);
        }
        tokio::spawn(tcp_connection(
            stream,
            peer,
            id,
            rx,
            conns.clone(),
            inbound.clone(),
            shutdown.clone(),
        ));
    }
}

async fn tcp_connection(
    stream: TcpStream,
    peer: SocketAddr,
    id: u64,
    mut outgoing: mpsc::Receiver<Vec<u8>>,
    conns: Arc<Mutex<HashMap<u64, mpsc::Sender<Vec<u8>>>>>,
    inbound: mpsc::Sender<Inbound>,
    shutdown: CancellationToken,
) {
    let (mut rd, mut wr) = stream.into_split();
    let writer = tokio::spawn(async move {
        while let Some(bytes) = outgoing.recv().await {
            if wr.write_all(&bytes).await.is_err() {
                break;
            }
        }
    });
    let mut buf: Vec<u8> = Vec::with_capacity(16_384);
    let mut chunk = vec![0u8; 16_384];
    'conn: loop {
        let n = tokio::select! {
            () = shutdown.cancelled() => break,
            r = rd.read(&mut chunk) => match r { Ok(0) | Err(_) => break, Ok(n) => n },
        };
        buf.extend_from_slice(&chunk[..n]);
        loop {
            match hotline_sip::parse_stream(&buf) {
                Ok(None) => {
                    // A stream that never completes a message is hostile or broken.
                    if buf.len() > 256 * 1024 {
                        break 'conn;
                    }
                    break;
                }
                Ok(Some((message, used))) => {
                    buf.drain(..used);
                    if inbound
                        .send(Inbound {
                            message,
                            source: peer,
                            link: Link::Tcp(id),
                        })
                        .await
                        .is_err()
                    {
                        break 'conn;
                    }
                }
                Err(e) => {
                    debug!(%peer, reason = %e.reason, "bad message on tcp; closing");
                    if let Some(resp) = hotline_sip::bad_request_for(&buf, &e)
                        && let Some(tx) = conns.lock().ok().and_then(|m| m.get(&id).cloned())
                    {
                        let _ = tx.try_send(resp);
                    }
                    // Framing is lost after a bad message: the peer must reconnect.
                    break 'conn;
                }
            }
        }
    }
    if let Ok(mut m) = conns.lock() {
        m.remove(&id);
    }
    // Give the writer a moment to flush a final answer.
    let _ = tokio::time::timeout(std::time::Duration::from_millis(200), writer).await;
}

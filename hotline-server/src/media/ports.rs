//! RTP ports from the configured range: an even port for RTP, the next odd one for RTCP.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU32, Ordering};

use tokio::net::UdpSocket;

#[derive(Debug)]
pub struct PortPool {
    min: u16,
    max: u16,
    next: AtomicU32,
}

impl PortPool {
    pub fn new(min: u16, max: u16) -> Self {
        let min = min + (min % 2);
        Self {
            min,
            max,
            next: AtomicU32::new(0),
        }
    }

    /// Binds an RTP/RTCP socket pair on the next free even port; ports in use by anything else are skipped.
    pub async fn bind(&self, ip: IpAddr) -> std::io::Result<(UdpSocket, UdpSocket)> {
        let slots = u32::from((self.max - self.min) / 2).max(1);
        for _ in 0..slots.min(4096) {
            let n = self.next.fetch_add(1, Ordering::Relaxed) % slots;
            let port = self.min + (n as u16) * 2;
            let Ok(rtp) = UdpSocket::bind(SocketAddr::new(ip, port)).await else {
                continue;
            };
            if let Ok(rtcp) = UdpSocket::bind(SocketAddr::new(ip, port + 1)).await {
                return Ok((rtp, rtcp));
            }
        }
        Err(std::io::Error::new(
            std::io::ErrorKind::AddrInUse,
            "no free RTP port in the configured range",
        ))
    }
}

//! Batched UDP I/O for the media sockets: many datagrams per `recvmmsg` / `sendmmsg` (Linux).
//!
//! At hundreds of calls the per-datagram system calls were a quarter of the server's CPU. A
//! [`RecvBatch`] reads every waiting datagram in one call; a [`SendBatch`] collects datagrams
//! (copied, with their destinations) and sends them in one call. Both own their buffers, sized
//! once, so a batch allocates nothing. Neither ever waits: the sockets are non-blocking and the
//! calls pass `MSG_DONTWAIT`.
//!
//! nix's `MultiHeaders` (the kernel's `mmsghdr` array) holds raw pointers, so it is `!Send` and
//! cannot live in an RTP leg or the WebRTC driver, which are held across `.await` on the
//! multi-threaded runtime; with `unsafe` forbidden it cannot be wrapped either. Each thread keeps
//! its own sets instead (`thread_local`): a batch call is synchronous, so nothing else on the
//! thread uses them meanwhile, and after the first call on a thread no batch allocates.

use std::cell::RefCell;
use std::io::{self, IoSlice, IoSliceMut};
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::thread::LocalKey;

use nix::errno::Errno;
use nix::sys::socket::{
    ControlMessage, MsgFlags, MultiHeaders, SockaddrStorage, recvmmsg, sendmmsg,
};

/// Most datagrams one call moves: the size of the per-thread header sets and of the I/O vector
/// arrays built on the stack for each call.
pub const MAX_SLOTS: usize = 64;

type Headers = MultiHeaders<SockaddrStorage>;
type Cache = RefCell<Option<Headers>>;

thread_local! {
    // Receiving and sending use separate sets: `sendmmsg` points a header's address at the
    // caller's destination, which a later `recvmmsg` on the same set would then write into.
    // Receiving keeps one set per address family: the kernel shrinks each header's address
    // length to what it wrote, so a set that served an IPv4 socket is too short for IPv6.
    static RECV_V4: Cache = const { RefCell::new(None) };
    static RECV_V6: Cache = const { RefCell::new(None) };
    static SEND: Cache = const { RefCell::new(None) };
}

/// This thread's header set, or a new one (first use, or the thread is shutting down).
fn take_headers(cache: &'static LocalKey<Cache>) -> Headers {
    cache
        .try_with(|cell| cell.try_borrow_mut().ok().and_then(|mut set| set.take()))
        .ok()
        .flatten()
        .unwrap_or_else(|| MultiHeaders::preallocate(MAX_SLOTS, None))
}

fn put_headers(cache: &'static LocalKey<Cache>, headers: Headers) {
    let _ = cache.try_with(|cell| {
        if let Ok(mut set) = cell.try_borrow_mut() {
            *set = Some(headers);
        }
    });
}

fn to_std(addr: &SockaddrStorage) -> Option<SocketAddr> {
    if let Some(v4) = addr.as_sockaddr_in() {
        return Some(SocketAddr::from(*v4));
    }
    addr.as_sockaddr_in6().map(|v6| SocketAddr::from(*v6))
}

/// One datagram taken from a [`RecvBatch`].
#[derive(Debug, Clone, Copy)]
pub struct Datagram<'a> {
    pub data: &'a [u8],
    pub source: SocketAddr,
    /// It was longer than a slot; `data` is only its beginning.
    pub truncated: bool,
}

#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    len: usize,
    source: Option<SocketAddr>,
    truncated: bool,
}

/// Receive buffers for one socket: `slots` datagrams of up to `size` bytes per call.
#[derive(Debug)]
pub struct RecvBatch {
    bufs: Box<[u8]>,
    size: usize,
    slots: Box<[Slot]>,
    /// Slots the last call filled, and the next one [`RecvBatch::pop`] hands out.
    filled: usize,
    next: usize,
    v6: bool,
}

impl RecvBatch {
    /// `local` is the socket's own address (its family picks the header set).
    pub fn new(slots: usize, size: usize, local: SocketAddr) -> Self {
        let slots = slots.clamp(1, MAX_SLOTS);
        let size = size.max(1);
        RecvBatch {
            bufs: vec![0; slots * size].into_boxed_slice(),
            size,
            slots: vec![Slot::default(); slots].into_boxed_slice(),
            filled: 0,
            next: 0,
            v6: local.is_ipv6(),
        }
    }

    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Datagrams read but not yet taken.
    pub fn pending(&self) -> usize {
        self.filled - self.next
    }

    /// Reads up to `max` waiting datagrams (at most the capacity) in one system call, without
    /// waiting: `WouldBlock` when there are none. While datagrams of the last call are still
    /// pending nothing is read (`Ok(0)`), so none is ever overwritten.
    pub fn recv(&mut self, socket: &impl AsRawFd, max: usize) -> io::Result<usize> {
        let want = max.min(self.slots.len());
        if self.pending() > 0 || want == 0 {
            return Ok(0);
        }
        self.filled = 0;
        self.next = 0;
        let cache = if self.v6 { &RECV_V6 } else { &RECV_V4 };
        let mut headers = take_headers(cache);
        let read = self.read(&mut headers, socket.as_raw_fd(), want);
        put_headers(cache, headers);
        self.filled = read?;
        Ok(self.filled)
    }

    fn read(
        &mut self,
        headers: &mut Headers,
        fd: std::os::fd::RawFd,
        want: usize,
    ) -> io::Result<usize> {
        let size = self.size;
        let mut chunks = self.bufs.chunks_exact_mut(size);
        let mut iov: [[IoSliceMut<'_>; 1]; MAX_SLOTS] =
            std::array::from_fn(|_| [IoSliceMut::new(chunks.next().unwrap_or_default())]);
        let Some(iov) = iov.get_mut(..want) else {
            return Ok(0);
        };
        let results = recvmmsg(fd, headers, iov.iter_mut(), MsgFlags::MSG_DONTWAIT, None)?;
        let mut n = 0;
        for (msg, slot) in results.zip(self.slots.iter_mut()) {
            *slot = Slot {
                len: msg.bytes.min(size),
                source: msg.address.as_ref().and_then(to_std),
                truncated: msg.flags.contains(MsgFlags::MSG_TRUNC),
            };
            n += 1;
        }
        Ok(n)
    }

    /// The next datagram of the last call, in arrival order.
    pub fn pop(&mut self) -> Option<Datagram<'_>> {
        while self.next < self.filled {
            let i = self.next;
            self.next += 1;
            let Some(&slot) = self.slots.get(i) else {
                continue;
            };
            // An IP socket always names the sender; anything else is not ours to read.
            let Some(source) = slot.source else {
                continue;
            };
            let start = i * self.size;
            let Some(data) = self.bufs.get(start..start + slot.len) else {
                continue;
            };
            return Some(Datagram {
                data,
                source,
                truncated: slot.truncated,
            });
        }
        None
    }
}

/// What one [`SendBatch::send`] did with the queued datagrams.
#[derive(Debug, Default)]
pub struct Sent {
    pub sent: usize,
    /// Not sent: the socket buffer was full (everything from there on), or the system refused
    /// that one datagram (its destination).
    pub dropped: usize,
    /// The socket buffer was full: the caller's readiness for writing is stale.
    pub would_block: bool,
    /// The first refusal other than a full buffer, for the log.
    pub error: Option<io::Error>,
}

/// Datagrams waiting to go out of one socket: up to `slots` of up to `size` bytes each.
#[derive(Debug)]
pub struct SendBatch {
    bufs: Box<[u8]>,
    size: usize,
    lens: Box<[usize]>,
    dests: Box<[Option<SockaddrStorage>]>,
    queued: usize,
}

impl SendBatch {
    pub fn new(slots: usize, size: usize) -> Self {
        let slots = slots.clamp(1, MAX_SLOTS);
        let size = size.max(1);
        SendBatch {
            bufs: vec![0; slots * size].into_boxed_slice(),
            size,
            lens: vec![0; slots].into_boxed_slice(),
            dests: vec![None; slots].into_boxed_slice(),
            queued: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.queued
    }

    pub fn is_empty(&self) -> bool {
        self.queued == 0
    }

    pub fn is_full(&self) -> bool {
        self.queued == self.lens.len()
    }

    /// The largest datagram a slot holds.
    pub fn slot_size(&self) -> usize {
        self.size
    }

    /// Copies a datagram in. `false` when it does not fit: the batch is full (send it first) or
    /// the datagram is larger than a slot.
    pub fn push(&mut self, data: &[u8], to: SocketAddr) -> bool {
        let i = self.queued;
        let start = i * self.size;
        if data.len() > self.size {
            return false;
        }
        let (Some(buf), Some(len), Some(dest)) = (
            self.bufs.get_mut(start..start + data.len()),
            self.lens.get_mut(i),
            self.dests.get_mut(i),
        ) else {
            return false;
        };
        buf.copy_from_slice(data);
        *len = data.len();
        *dest = Some(SockaddrStorage::from(to));
        self.queued += 1;
        true
    }

    /// Forgets what is queued; returns how many datagrams that was.
    pub fn discard(&mut self) -> usize {
        std::mem::take(&mut self.queued)
    }

    /// Sends everything queued without waiting; afterwards the batch is empty. A full socket
    /// buffer drops the rest; a datagram the system refuses is dropped alone.
    pub fn send(&mut self, socket: &impl AsRawFd) -> Sent {
        let queued = self.discard();
        let mut out = Sent::default();
        if queued == 0 {
            return out;
        }
        let mut headers = take_headers(&SEND);
        let fd = socket.as_raw_fd();
        let mut chunks = self.bufs.chunks_exact(self.size).zip(self.lens.iter());
        let iov: [[IoSlice<'_>; 1]; MAX_SLOTS] = std::array::from_fn(|_| {
            let data = chunks.next().and_then(|(buf, &len)| buf.get(..len));
            [IoSlice::new(data.unwrap_or_default())]
        });
        let no_cmsgs: [ControlMessage<'_>; 0] = [];
        let mut start = 0;
        while start < queued {
            let (Some(slices), Some(dests)) =
                (iov.get(start..queued), self.dests.get(start..queued))
            else {
                break;
            };
            match sendmmsg(
                fd,
                &mut headers,
                slices,
                dests,
                no_cmsgs,
                MsgFlags::MSG_DONTWAIT,
            ) {
                // Fewer than asked means the next one failed; the next call says why.
                Ok(results) => match results.count() {
                    0 => break,
                    n => {
                        out.sent += n;
                        start += n;
                    }
                },
                Err(Errno::EAGAIN) => {
                    out.would_block = true;
                    break;
                }
                Err(e) => {
                    out.dropped += 1;
                    start += 1;
                    out.error.get_or_insert(e.into());
                }
            }
        }
        out.dropped += queued - start;
        put_headers(&SEND, headers);
        out
    }
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, SocketAddrV6, TcpListener, TcpStream, UdpSocket};
    use std::time::Duration;

    use super::*;

    fn bound() -> UdpSocket {
        let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
        socket.set_nonblocking(true).expect("non-blocking");
        socket
    }

    fn local(socket: &UdpSocket) -> SocketAddr {
        socket.local_addr().expect("local address")
    }

    /// Loopback delivery is all but immediate; this only spares a loaded machine a false alarm.
    fn settle() {
        std::thread::sleep(Duration::from_millis(100));
    }

    #[test]
    fn datagrams_from_two_senders_arrive_in_one_call() {
        let rx = bound();
        let (a, b) = (bound(), bound());
        let sent: Vec<(&UdpSocket, Vec<u8>)> = (0..6u8)
            .map(|i| {
                let from = if i % 2 == 0 { &a } else { &b };
                (from, vec![i; 20 + usize::from(i) * 30])
            })
            .collect();
        for (from, data) in &sent {
            from.send_to(data, local(&rx)).expect("send");
        }
        settle();
        let mut batch = RecvBatch::new(8, 512, local(&rx));
        assert_eq!(batch.recv(&rx, 8).expect("recv"), sent.len());
        for (from, data) in &sent {
            let got = batch.pop().expect("a datagram per send");
            assert_eq!(got.source, local(from));
            assert_eq!(got.data, &data[..]);
            assert!(!got.truncated);
        }
        assert!(batch.pop().is_none());
        let empty = batch.recv(&rx, 8).expect_err("nothing waits");
        assert_eq!(empty.kind(), io::ErrorKind::WouldBlock);
    }

    #[test]
    fn pending_datagrams_are_kept_and_the_limit_is_honoured() {
        let rx = bound();
        let tx = bound();
        for i in 0..5u8 {
            tx.send_to(&[i], local(&rx)).expect("send");
        }
        settle();
        let mut batch = RecvBatch::new(4, 64, local(&rx));
        assert_eq!(batch.recv(&rx, 2).expect("recv"), 2);
        assert_eq!(batch.pop().map(|d| d.data[0]), Some(0));
        // One still pending: a new call must not overwrite it.
        assert_eq!(batch.recv(&rx, 4).expect("recv"), 0);
        assert_eq!(batch.pop().map(|d| d.data[0]), Some(1));
        assert_eq!(batch.recv(&rx, 10).expect("recv"), 3);
        let rest: Vec<u8> = std::iter::from_fn(|| batch.pop().map(|d| d.data[0])).collect();
        assert_eq!(rest, [2, 3, 4]);
    }

    #[test]
    fn a_datagram_longer_than_a_slot_is_marked_truncated() {
        let rx = bound();
        let tx = bound();
        tx.send_to(&[7; 100], local(&rx)).expect("send");
        tx.send_to(&[8; 10], local(&rx)).expect("send");
        settle();
        let mut batch = RecvBatch::new(4, 32, local(&rx));
        assert_eq!(batch.recv(&rx, 4).expect("recv"), 2);
        let long = batch.pop().expect("the long one");
        assert!(long.truncated);
        assert_eq!(long.data, &[7; 32]);
        let short = batch.pop().expect("the short one");
        assert!(!short.truncated);
        assert_eq!(short.data, &[8; 10]);
    }

    #[test]
    fn ipv6_sources_survive_an_ipv4_batch_on_the_same_thread() {
        let Ok(rx6) = UdpSocket::bind("[::1]:0") else {
            return; // no IPv6 loopback here
        };
        rx6.set_nonblocking(true).expect("non-blocking");
        let tx6 = UdpSocket::bind("[::1]:0").expect("bind [::1]");
        let (rx4, tx4) = (bound(), bound());
        tx4.send_to(b"v4", local(&rx4)).expect("send");
        tx6.send_to(b"v6", local(&rx6)).expect("send");
        settle();
        let mut batch4 = RecvBatch::new(4, 64, local(&rx4));
        let mut batch6 = RecvBatch::new(4, 64, local(&rx6));
        assert_eq!(batch4.recv(&rx4, 4).expect("recv v4"), 1);
        assert_eq!(batch6.recv(&rx6, 4).expect("recv v6"), 1);
        assert_eq!(batch4.pop().map(|d| d.source), Some(local(&tx4)));
        assert_eq!(batch6.pop().map(|d| d.source), Some(local(&tx6)));
    }

    #[test]
    fn one_send_reaches_two_destinations() {
        let tx = bound();
        let (a, b) = (bound(), bound());
        let mut out = SendBatch::new(8, 256);
        for i in 0..5u8 {
            let to = if i < 3 { local(&a) } else { local(&b) };
            assert!(out.push(&[i; 40], to));
        }
        assert_eq!(out.len(), 5);
        let sent = out.send(&tx);
        assert_eq!((sent.sent, sent.dropped, sent.would_block), (5, 0, false));
        assert!(out.is_empty());
        settle();
        for (socket, expected) in [(&a, 0..3u8), (&b, 3..5u8)] {
            let mut batch = RecvBatch::new(8, 256, local(socket));
            assert_eq!(batch.recv(socket, 8).expect("recv"), expected.len());
            for i in expected {
                let got = batch.pop().expect("datagram");
                assert_eq!((got.source, got.data), (local(&tx), &[i; 40][..]));
            }
        }
    }

    #[test]
    fn a_refused_destination_drops_only_its_datagram() {
        let tx = bound();
        let rx = bound();
        // An IPv4 socket cannot send to an IPv6 address: the system refuses that one.
        let v6 = SocketAddr::V6(SocketAddrV6::new(std::net::Ipv6Addr::LOCALHOST, 9, 0, 0));
        let mut out = SendBatch::new(4, 64);
        assert!(out.push(b"one", local(&rx)));
        assert!(out.push(b"lost", v6));
        assert!(out.push(b"two", local(&rx)));
        let sent = out.send(&tx);
        assert_eq!((sent.sent, sent.dropped, sent.would_block), (2, 1, false));
        assert!(sent.error.is_some());
        settle();
        let mut batch = RecvBatch::new(4, 64, local(&rx));
        assert_eq!(batch.recv(&rx, 4).expect("recv"), 2);
        assert_eq!(batch.pop().map(|d| d.data), Some(&b"one"[..]));
        assert_eq!(batch.pop().map(|d| d.data), Some(&b"two"[..]));
    }

    #[test]
    fn push_refuses_what_does_not_fit() {
        let mut out = SendBatch::new(2, 8);
        let to = SocketAddr::from((Ipv4Addr::LOCALHOST, 9));
        assert!(!out.push(&[0; 9], to));
        assert!(out.push(&[0; 8], to));
        assert!(out.push(&[], to));
        assert!(out.is_full());
        assert!(!out.push(&[1], to));
        assert_eq!(out.discard(), 2);
        assert!(out.is_empty());
    }

    #[test]
    fn a_full_socket_buffer_counts_the_rest_as_dropped() {
        // UDP on loopback never fills the sender's buffer (each datagram is handed over at
        // once), so this uses the one real socket whose send buffer does fill: a TCP stream
        // whose reader never reads. `sendmmsg` ignores the destinations there.
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("listen");
        let stream = TcpStream::connect(listener.local_addr().expect("address")).expect("connect");
        let (_reader, _) = listener.accept().expect("accept");
        let _ = socket2::SockRef::from(&stream).set_send_buffer_size(4096);
        stream.set_nonblocking(true).expect("non-blocking");
        let to = SocketAddr::from((Ipv4Addr::LOCALHOST, 9));
        let mut out = SendBatch::new(MAX_SLOTS, 2048);
        let mut blocked = None;
        for _ in 0..10_000 {
            while out.push(&[5; 2048], to) {}
            let sent = out.send(&stream);
            assert_eq!(sent.sent + sent.dropped, MAX_SLOTS);
            assert!(out.is_empty());
            if sent.would_block {
                blocked = Some(sent);
                break;
            }
        }
        let sent = blocked.expect("the stream's buffers fill up");
        assert!(sent.dropped > 0);
        assert!(sent.error.is_none());
    }
}

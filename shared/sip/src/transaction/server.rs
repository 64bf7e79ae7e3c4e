//! Server transactions (RFC 3261 §17.2, RFC 6026 Accepted state).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::{T1, T2, T4, TransactionKey, cancel_target_key, server_key};
use crate::message::Request;
use crate::method::Method;

/// What an incoming request means for the transaction layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerEvent {
    /// A new transaction (or a request outside any, such as an ACK for a 2xx): give it to the TU.
    NewRequest,
    /// A retransmitted request: resend these bytes (the last response) if any, else ignore.
    Retransmission(Option<Vec<u8>>),
    /// The ACK for a non-2xx final response: absorbed, nothing to do.
    AckToFinal,
    /// A new CANCEL that matches this INVITE transaction: answer the CANCEL 200 and, if the
    /// INVITE is still pending, end it with 487.
    CancelTarget(TransactionKey),
    /// A new CANCEL matching no INVITE: answer 481.
    CancelNoMatch,
}

/// Work for the driver from [`ServerTransactions::poll`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerAction {
    /// Retransmit the final response (Timer G).
    Resend { key: TransactionKey, bytes: Vec<u8> },
    /// No ACK came for a non-2xx final response (Timer H): the transaction is gone.
    Timeout { key: TransactionKey },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Request received; provisional responses may have been sent.
    Proceeding,
    /// Final (non-2xx for INVITE) sent; waiting for ACK (INVITE) or Timer J.
    Completed,
    /// INVITE: ACK received; absorbing retransmitted ACKs until Timer I.
    Confirmed,
    /// INVITE: 2xx sent; absorbing retransmitted INVITEs until Timer L (RFC 6026).
    Accepted,
}

#[derive(Debug)]
struct ServerTx {
    invite: bool,
    reliable: bool,
    state: State,
    last_response: Option<Vec<u8>>,
    /// Timer G: next retransmission of a non-2xx final to INVITE.
    resend_at: Option<Instant>,
    interval: Duration,
    /// Timer H.
    timeout_at: Option<Instant>,
    /// Timers I, J, L, or the non-INVITE guard: silently forget the transaction.
    end_at: Option<Instant>,
}

/// All server transactions of one SIP endpoint.
#[derive(Debug)]
pub struct ServerTransactions {
    txs: HashMap<TransactionKey, ServerTx>,
    t1: Duration,
}

impl Default for ServerTransactions {
    fn default() -> Self {
        Self::new()
    }
}

impl ServerTransactions {
    pub fn new() -> Self {
        Self::with_t1(T1)
    }

    pub fn with_t1(t1: Duration) -> Self {
        Self {
            txs: HashMap::new(),
            t1,
        }
    }

    fn create(&mut self, key: TransactionKey, invite: bool, reliable: bool, now: Instant) {
        // A non-INVITE the TU never answers would linger forever; the client gave up at
        // Timer F (64*T1), so we may too.
        let end_at = (!invite).then(|| now + self.t1 * 64);
        let tx = ServerTx {
            invite,
            reliable,
            state: State::Proceeding,
            last_response: None,
            resend_at: None,
            interval: self.t1,
            timeout_at: None,
            end_at,
        };
        self.txs.insert(key, tx);
    }

    /// Classifies an incoming request and creates its transaction when it is new.
    pub fn on_request(&mut self, req: &Request, reliable: bool, now: Instant) -> ServerEvent {
        let Some(key) = server_key(req) else {
            return ServerEvent::NewRequest;
        };
        if req.method == Method::Ack {
            let t4 = if reliable { Duration::ZERO } else { T4 };
            return match self.txs.get_mut(&key) {
                Some(tx) if tx.invite && tx.state == State::Completed => {
                    tx.state = State::Confirmed;
                    tx.resend_at = None;
                    tx.timeout_at = None;
                    tx.end_at = Some(now + t4);
                    ServerEvent::AckToFinal
                }
                // RFC 6026: an ACK in Accepted (RFC 2543 keys match the INVITE) goes to the TU.
                Some(tx) if tx.state == State::Accepted => ServerEvent::NewRequest,
                Some(_) => ServerEvent::AckToFinal,
                None => ServerEvent::NewRequest,
            };
        }
        if let Some(tx) = self.txs.get(&key) {
            return match tx.state {
                State::Proceeding | State::Completed => {
                    ServerEvent::Retransmission(tx.last_response.clone())
                }
                State::Confirmed | State::Accepted => ServerEvent::Retransmission(None),
            };
        }
        if req.method == Method::Cancel {
            let target =
                cancel_target_key(req).filter(|k| self.txs.get(k).is_some_and(|tx| tx.invite));
            self.create(key, false, reliable, now);
            return match target {
                Some(t) => ServerEvent::CancelTarget(t),
                None => ServerEvent::CancelNoMatch,
            };
        }
        self.create(key, req.method == Method::Invite, reliable, now);
        ServerEvent::NewRequest
    }

    /// Records a response the TU sent on `key` (the bytes are what a retransmitted request
    /// gets back). Unknown keys are ignored.
    pub fn on_send_response(
        &mut self,
        key: &TransactionKey,
        code: u16,
        bytes: Vec<u8>,
        now: Instant,
    ) {
        let t1 = self.t1;
        let Some(tx) = self.txs.get_mut(key) else {
            return;
        };
        if tx.state != State::Proceeding {
            return;
        }
        tx.last_response = Some(bytes);
        if code < 200 {
            return;
        }
        if tx.invite && code < 300 {
            // The UA core retransmits the 2xx itself; we only absorb retransmitted INVITEs.
            tx.state = State::Accepted;
            tx.end_at = Some(now + t1 * 64);
        } else if tx.invite {
            tx.state = State::Completed;
            tx.resend_at = (!tx.reliable).then(|| now + t1);
            tx.interval = t1;
            tx.timeout_at = Some(now + t1 * 64);
            tx.end_at = None;
        } else {
            tx.state = State::Completed;
            tx.end_at = Some(if tx.reliable { now } else { now + t1 * 64 });
        }
    }

    /// Forgets a transaction (e.g. the TU's call died before answering an INVITE).
    pub fn remove(&mut self, key: &TransactionKey) {
        self.txs.remove(key);
    }

    /// Fires due timers: retransmissions (G), timeouts (H), and cleanup (I, J, L).
    pub fn poll(&mut self, now: Instant) -> Vec<ServerAction> {
        let mut actions = Vec::new();
        let t2 = T2.max(self.t1);
        self.txs.retain(|key, tx| {
            if tx.timeout_at.is_some_and(|t| now >= t) {
                actions.push(ServerAction::Timeout { key: key.clone() });
                return false;
            }
            if tx.end_at.is_some_and(|t| now >= t) {
                return false;
            }
            if tx.resend_at.is_some_and(|t| now >= t) {
                tx.interval = (tx.interval * 2).min(t2);
                tx.resend_at = Some(now + tx.interval);
                if let Some(bytes) = &tx.last_response {
                    actions.push(ServerAction::Resend {
                        key: key.clone(),
                        bytes: bytes.clone(),
                    });
                }
            }
            true
        });
        actions
    }

    /// When [`poll`](Self::poll) next has something to do.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.txs
            .values()
            .flat_map(|tx| [tx.resend_at, tx.timeout_at, tx.end_at])
            .flatten()
            .min()
    }

    pub fn len(&self) -> usize {
        self.txs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.txs.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: Method, branch: &str) -> Request {
        let cseq = format!("1 {}", method.as_str());
        let mut r = Request::new(method, "sip:12345@10.0.0.1");
        r.headers
            .push("Via", format!("SIP/2.0/UDP 10.0.0.2:5060;branch={branch}"));
        r.headers.push("From", "<sip:a@b>;tag=f");
        r.headers.push("To", "<sip:12345@10.0.0.1>");
        r.headers.push("Call-ID", "cid");
        r.headers.push("CSeq", cseq);
        r
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn invite_retransmission_gets_the_last_response() {
        let t0 = Instant::now();
        let mut s = ServerTransactions::new();
        let inv = req(Method::Invite, "z9hG4bKa");
        assert_eq!(s.on_request(&inv, false, t0), ServerEvent::NewRequest);
        assert_eq!(
            s.on_request(&inv, false, t0),
            ServerEvent::Retransmission(None)
        );
        let key = server_key(&inv).expect("key");
        s.on_send_response(&key, 100, b"100".to_vec(), t0);
        assert_eq!(
            s.on_request(&inv, false, t0),
            ServerEvent::Retransmission(Some(b"100".to_vec()))
        );
        s.on_send_response(&key, 486, b"486".to_vec(), t0);
        assert_eq!(
            s.on_request(&inv, false, t0 + ms(10)),
            ServerEvent::Retransmission(Some(b"486".to_vec()))
        );
        assert_eq!(s.len(), 1);
    }

    #[test]
    fn timer_g_doubles_to_t2_and_timer_h_times_out() {
        let t0 = Instant::now();
        let mut s = ServerTransactions::new();
        let inv = req(Method::Invite, "z9hG4bKg");
        s.on_request(&inv, false, t0);
        let key = server_key(&inv).expect("key");
        s.on_send_response(&key, 480, b"480".to_vec(), t0);
        let mut resends = Vec::new();
        let mut timed_out = None;
        while let Some(d) = s.next_deadline() {
            for a in s.poll(d) {
                match a {
                    ServerAction::Resend { bytes, .. } => {
                        assert_eq!(bytes, b"480");
                        resends.push((d - t0).as_millis());
                    }
                    ServerAction::Timeout { key: k } => {
                        assert_eq!(k, key);
                        timed_out = Some(d - t0);
                    }
                }
            }
        }
        assert_eq!(&resends[..6], [500, 1500, 3500, 7500, 11500, 15500]);
        assert!(resends.windows(2).all(|w| w[1] - w[0] <= 4000));
        assert_eq!(timed_out, Some(T1 * 64));
        assert!(s.is_empty());
    }

    #[test]
    fn ack_confirms_and_timer_i_cleans_up() {
        let t0 = Instant::now();
        let mut s = ServerTransactions::new();
        let inv = req(Method::Invite, "z9hG4bKi");
        s.on_request(&inv, false, t0);
        let key = server_key(&inv).expect("key");
        s.on_send_response(&key, 603, b"603".to_vec(), t0);
        let mut ack = req(Method::Ack, "z9hG4bKi");
        ack.headers.set("To", "<sip:12345@10.0.0.1>;tag=x");
        assert_eq!(
            s.on_request(&ack, false, t0 + ms(100)),
            ServerEvent::AckToFinal
        );
        assert_eq!(
            s.on_request(&ack, false, t0 + ms(200)),
            ServerEvent::AckToFinal
        );
        assert!(s.poll(t0 + ms(600)).is_empty(), "no resend after ACK");
        assert_eq!(s.next_deadline(), Some(t0 + ms(100) + T4));
        assert!(s.poll(t0 + ms(100) + T4).is_empty());
        assert!(s.is_empty());
    }

    #[test]
    fn reliable_has_no_timer_g() {
        let t0 = Instant::now();
        let mut s = ServerTransactions::new();
        let inv = req(Method::Invite, "z9hG4bKr");
        s.on_request(&inv, true, t0);
        let key = server_key(&inv).expect("key");
        s.on_send_response(&key, 404, b"404".to_vec(), t0);
        assert_eq!(s.next_deadline(), Some(t0 + T1 * 64));
        let bye = req(Method::Bye, "z9hG4bKb");
        s.on_request(&bye, true, t0);
        s.on_send_response(&server_key(&bye).expect("key"), 200, b"200".to_vec(), t0);
        s.poll(t0);
        assert_eq!(s.len(), 1, "timer J is zero on TCP");
    }

    #[test]
    fn ok_to_invite_absorbs_retransmissions_then_ends() {
        let t0 = Instant::now();
        let mut s = ServerTransactions::new();
        let inv = req(Method::Invite, "z9hG4bKok");
        s.on_request(&inv, false, t0);
        let key = server_key(&inv).expect("key");
        s.on_send_response(&key, 200, b"200".to_vec(), t0);
        assert_eq!(
            s.on_request(&inv, false, t0 + ms(500)),
            ServerEvent::Retransmission(None)
        );
        assert_eq!(
            s.on_request(&req(Method::Ack, "z9hG4bKnew"), false, t0),
            ServerEvent::NewRequest
        );
        assert!(s.poll(t0 + T1 * 64).is_empty());
        assert!(s.is_empty());
        assert_eq!(
            s.on_request(&inv, false, t0 + T1 * 65),
            ServerEvent::NewRequest
        );
    }

    #[test]
    fn cancel_matching() {
        let t0 = Instant::now();
        let mut s = ServerTransactions::new();
        let inv = req(Method::Invite, "z9hG4bKc");
        s.on_request(&inv, false, t0);
        let cancel = req(Method::Cancel, "z9hG4bKc");
        let target = server_key(&inv).expect("key");
        assert_eq!(
            s.on_request(&cancel, false, t0),
            ServerEvent::CancelTarget(target)
        );
        let ckey = server_key(&cancel).expect("key");
        s.on_send_response(&ckey, 200, b"200 cancel".to_vec(), t0);
        assert_eq!(
            s.on_request(&cancel, false, t0),
            ServerEvent::Retransmission(Some(b"200 cancel".to_vec()))
        );
        let stray = req(Method::Cancel, "z9hG4bKnothing");
        assert_eq!(s.on_request(&stray, false, t0), ServerEvent::CancelNoMatch);
        // Timer J removes the CANCEL transactions (one answered, one never answered).
        s.poll(t0 + T1 * 64);
        assert_eq!(s.len(), 1);
    }

    #[test]
    fn rfc_2543_requests_are_matched_without_branch() {
        let t0 = Instant::now();
        let mut s = ServerTransactions::new();
        let mut inv = req(Method::Invite, "x");
        inv.headers.set("Via", "SIP/2.0/UDP iftgw.example.com");
        assert_eq!(s.on_request(&inv, false, t0), ServerEvent::NewRequest);
        let key = server_key(&inv).expect("key");
        s.on_send_response(&key, 486, b"486".to_vec(), t0);
        let mut ack = inv.clone();
        ack.method = Method::Ack;
        ack.headers.set("CSeq", "1 ACK");
        ack.headers.set("To", "<sip:12345@10.0.0.1>;tag=ours");
        assert_eq!(s.on_request(&ack, false, t0), ServerEvent::AckToFinal);
    }
}

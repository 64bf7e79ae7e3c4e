//! Client transactions (RFC 3261 §17.1, RFC 6026 Accepted state).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::{T2, T4, TransactionKey, client_key};
use crate::headers::split_list;
use crate::message::{Request, Response};
use crate::method::Method;

/// What an incoming response means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientEvent {
    /// A 1xx for this transaction: give it to the TU.
    Provisional(TransactionKey),
    /// A final response for this transaction: give it to the TU. A retransmitted 2xx to INVITE
    /// is reported again, since the TU must answer each one with its ACK (RFC 6026).
    Final(TransactionKey),
    /// A retransmitted response the transaction absorbs (the ACK for a non-2xx is re-sent
    /// through [`ClientAction::SendAck`]).
    Retransmission,
    /// No transaction matches: drop it.
    Unmatched,
}

/// Work for the driver from [`ClientTransactions::poll`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientAction {
    /// Retransmit the request (Timers A, E).
    Resend { key: TransactionKey, bytes: Vec<u8> },
    /// No final response in time (Timers B, F): behave as if a 408 came.
    Timeout { key: TransactionKey },
    /// Send this ACK for a non-2xx final response to INVITE (§17.1.1.3).
    SendAck { key: TransactionKey, bytes: Vec<u8> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Calling (INVITE) / Trying (non-INVITE).
    Trying,
    Proceeding,
    Completed,
    Accepted,
}

#[derive(Debug)]
struct ClientTx {
    invite: bool,
    reliable: bool,
    state: State,
    request: Request,
    bytes: Vec<u8>,
    ack: Option<Vec<u8>>,
    /// Timers A / E.
    resend_at: Option<Instant>,
    interval: Duration,
    /// Timers B / F.
    timeout_at: Option<Instant>,
    /// Timers D / K / M.
    end_at: Option<Instant>,
}

/// All client transactions of one SIP endpoint.
#[derive(Debug)]
pub struct ClientTransactions {
    txs: HashMap<TransactionKey, ClientTx>,
    t1: Duration,
    pending: Vec<ClientAction>,
    pending_since: Option<Instant>,
}

fn key_of_request(req: &Request) -> Option<TransactionKey> {
    let via = req.top_via();
    let cseq = req.cseq();
    client_key(
        via.as_ref().and_then(|v| v.branch()),
        req.call_id(),
        cseq.as_ref().map(|c| (c.seq, c.method.as_str())),
    )
}

fn key_of_response(resp: &Response) -> Option<TransactionKey> {
    let via = resp.top_via();
    let cseq = resp.cseq();
    client_key(
        via.as_ref().and_then(|v| v.branch()),
        resp.call_id(),
        cseq.as_ref().map(|c| (c.seq, c.method.as_str())),
    )
}

/// The ACK for a non-2xx final response (§17.1.1.3): same Request-URI, top Via, From,
/// Call-ID, CSeq number and Route as the INVITE; To from the response.
fn build_ack(invite: &Request, resp: &Response) -> Vec<u8> {
    let mut ack = Request::new(Method::Ack, invite.uri.clone());
    let h = &invite.headers;
    if let Some(via) = h.get("Via").and_then(|v| split_list(v).next()) {
        ack.headers.push("Via", via);
    }
    ack.headers.push("Max-Forwards", "70");
    if let Some(from) = h.get("From") {
        ack.headers.push("From", from);
    }
    if let Some(to) = resp.headers.get("To") {
        ack.headers.push("To", to);
    }
    if let Some(call_id) = h.get("Call-ID") {
        ack.headers.push("Call-ID", call_id);
    }
    let seq = invite.cseq().map_or(0, |c| c.seq);
    ack.headers.push("CSeq", format!("{seq} ACK"));
    for route in h.get_all("Route") {
        ack.headers.push("Route", route);
    }
    ack.to_bytes()
}

impl ClientTransactions {
    pub fn new(t1: Duration) -> Self {
        Self {
            txs: HashMap::new(),
            t1,
            pending: Vec::new(),
            pending_since: None,
        }
    }

    fn t2(&self) -> Duration {
        T2.max(self.t1)
    }

    /// Starts a transaction for a request the driver has just sent as `bytes`.
    /// ACKs have no transaction: their key is returned but nothing is tracked.
    pub fn send(
        &mut self,
        req: &Request,
        bytes: Vec<u8>,
        reliable: bool,
        now: Instant,
    ) -> TransactionKey {
        let key = key_of_request(req)
            .unwrap_or_else(|| TransactionKey(format!("c-anon|{}", crate::build::new_branch())));
        if req.method == Method::Ack {
            return key;
        }
        let tx = ClientTx {
            invite: req.method == Method::Invite,
            reliable,
            state: State::Trying,
            request: req.clone(),
            bytes,
            ack: None,
            resend_at: (!reliable).then(|| now + self.t1),
            interval: self.t1,
            timeout_at: Some(now + self.t1 * 64),
            end_at: None,
        };
        self.txs.insert(key.clone(), tx);
        key
    }

    fn queue(&mut self, action: ClientAction, now: Instant) {
        self.pending.push(action);
        self.pending_since.get_or_insert(now);
    }

    /// Matches a response to its transaction and advances it.
    pub fn on_response(&mut self, resp: &Response, now: Instant) -> ClientEvent {
        let Some(key) = key_of_response(resp) else {
            return ClientEvent::Unmatched;
        };
        let (t1, t2) = (self.t1, self.t2());
        let Some(tx) = self.txs.get_mut(&key) else {
            return ClientEvent::Unmatched;
        };
        let code = resp.code;
        let waiting = matches!(tx.state, State::Trying | State::Proceeding);
        let mut ack = None;
        let event = match (tx.invite, code) {
            (_, 100..=199) if waiting => {
                tx.state = State::Proceeding;
                if tx.invite {
                    // Timer A stops; Timer B does not apply once something was heard.
                    tx.resend_at = None;
                    tx.timeout_at = None;
                } else {
                    tx.interval = t2;
                }
                ClientEvent::Provisional(key.clone())
            }
            (true, 200..=299) if waiting || tx.state == State::Accepted => {
                tx.state = State::Accepted;
                tx.resend_at = None;
                tx.timeout_at = None;
                tx.end_at.get_or_insert(now + t1 * 64);
                ClientEvent::Final(key.clone())
            }
            (true, 300..) if waiting => {
                tx.state = State::Completed;
                tx.resend_at = None;
                tx.timeout_at = None;
                tx.end_at = Some(if tx.reliable {
                    now
                } else {
                    now + Duration::from_secs(32)
                });
                let bytes = build_ack(&tx.request, resp);
                tx.ack = Some(bytes.clone());
                ack = Some(bytes);
                ClientEvent::Final(key.clone())
            }
            (true, 300..) if tx.state == State::Completed => {
                ack.clone_from(&tx.ack);
                ClientEvent::Retransmission
            }
            (false, 200..) if waiting => {
                tx.state = State::Completed;
                tx.resend_at = None;
                tx.timeout_at = None;
                tx.end_at = Some(if tx.reliable { now } else { now + T4 });
                ClientEvent::Final(key.clone())
            }
            _ => ClientEvent::Retransmission,
        };
        if let Some(bytes) = ack {
            self.queue(ClientAction::SendAck { key, bytes }, now);
        }
        event
    }

    /// Forgets a transaction (e.g. the TU gave up on it).
    pub fn remove(&mut self, key: &TransactionKey) {
        self.txs.remove(key);
    }

    /// Pending ACKs, then due timers: retransmissions (A, E), timeouts (B, F), cleanup (D, K, M).
    pub fn poll(&mut self, now: Instant) -> Vec<ClientAction> {
        let mut actions = std::mem::take(&mut self.pending);
        self.pending_since = None;
        let t2 = self.t2();
        self.txs.retain(|key, tx| {
            if tx.timeout_at.is_some_and(|t| now >= t) {
                actions.push(ClientAction::Timeout { key: key.clone() });
                return false;
            }
            if tx.end_at.is_some_and(|t| now >= t) {
                return false;
            }
            if tx.resend_at.is_some_and(|t| now >= t) {
                // INVITE doubles without cap (Timer A); non-INVITE caps at T2 (Timer E).
                tx.interval = if tx.invite {
                    tx.interval * 2
                } else {
                    (tx.interval * 2).min(t2)
                };
                if !tx.invite && tx.state == State::Proceeding {
                    tx.interval = t2;
                }
                tx.resend_at = Some(now + tx.interval);
                actions.push(ClientAction::Resend {
                    key: key.clone(),
                    bytes: tx.bytes.clone(),
                });
            }
            true
        });
        actions
    }

    /// When [`poll`](Self::poll) next has something to do (at once if ACKs are queued).
    pub fn next_deadline(&self) -> Option<Instant> {
        let timers = self
            .txs
            .values()
            .flat_map(|tx| [tx.resend_at, tx.timeout_at, tx.end_at])
            .flatten();
        timers.chain(self.pending_since).min()
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
    use crate::{Message, T1, parse_datagram, response_to};

    fn req(method: Method) -> Request {
        let cseq = format!("7 {}", method.as_str());
        let mut r = Request::new(method, "sip:trunk@192.0.2.1");
        r.headers
            .push("Via", "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKcl;rport");
        r.headers.push("From", "<sip:12345@10.0.0.1>;tag=me");
        r.headers.push("To", "<sip:trunk@192.0.2.1>");
        r.headers.push("Call-ID", "out-1");
        r.headers.push("CSeq", cseq);
        r.headers.push("Route", "<sip:proxy.example.com;lr>");
        r
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn non_invite_timer_e_caps_at_t2_and_f_times_out() {
        let t0 = Instant::now();
        let mut c = ClientTransactions::new(T1);
        let r = req(Method::Options);
        let key = c.send(&r, b"OPTIONS".to_vec(), false, t0);
        let mut resends = Vec::new();
        let mut timeout = None;
        while let Some(d) = c.next_deadline() {
            for a in c.poll(d) {
                match a {
                    ClientAction::Resend { bytes, .. } => {
                        assert_eq!(bytes, b"OPTIONS");
                        resends.push((d - t0).as_millis());
                    }
                    ClientAction::Timeout { key: k } => {
                        assert_eq!(k, key);
                        timeout = Some(d - t0);
                    }
                    ClientAction::SendAck { .. } => panic!("no ACK for OPTIONS"),
                }
            }
        }
        assert_eq!(&resends[..6], [500, 1500, 3500, 7500, 11500, 15500]);
        assert_eq!(timeout, Some(T1 * 64));
    }

    #[test]
    fn non_invite_provisional_then_final_then_timer_k() {
        let t0 = Instant::now();
        let mut c = ClientTransactions::new(T1);
        let r = req(Method::Bye);
        let key = c.send(&r, b"BYE".to_vec(), false, t0);
        assert_eq!(
            c.on_response(&response_to(&r, 100, "Trying", None), t0),
            ClientEvent::Provisional(key.clone())
        );
        assert_eq!(c.poll(t0 + ms(500)).len(), 1);
        assert_eq!(c.next_deadline(), Some(t0 + ms(500) + T2));
        let ok = response_to(&r, 200, "OK", Some("x"));
        assert_eq!(c.on_response(&ok, t0 + ms(600)), ClientEvent::Final(key));
        assert_eq!(
            c.on_response(&ok, t0 + ms(700)),
            ClientEvent::Retransmission
        );
        assert!(c.poll(t0 + ms(600) + T4).is_empty());
        assert!(c.is_empty());
        assert_eq!(
            c.on_response(&ok, t0 + ms(600) + T4),
            ClientEvent::Unmatched
        );
    }

    #[test]
    fn invite_timer_a_doubles_and_b_times_out() {
        let t0 = Instant::now();
        let mut c = ClientTransactions::new(T1);
        c.send(&req(Method::Invite), b"INVITE".to_vec(), false, t0);
        let mut resends = Vec::new();
        let mut timed_out = false;
        while let Some(d) = c.next_deadline() {
            for a in c.poll(d) {
                match a {
                    ClientAction::Resend { .. } => resends.push((d - t0).as_millis()),
                    ClientAction::Timeout { .. } => timed_out = true,
                    ClientAction::SendAck { .. } => panic!("no ACK"),
                }
            }
        }
        assert_eq!(resends, [500, 1500, 3500, 7500, 15500, 31500]);
        assert!(timed_out);
    }

    #[test]
    fn invite_non_2xx_gets_an_ack_and_retransmissions_reack() {
        let t0 = Instant::now();
        let mut c = ClientTransactions::new(T1);
        let inv = req(Method::Invite);
        let key = c.send(&inv, b"INVITE".to_vec(), false, t0);
        assert_eq!(
            c.on_response(&response_to(&inv, 180, "Ringing", Some("peer")), t0),
            ClientEvent::Provisional(key.clone())
        );
        assert!(
            c.poll(t0 + T1 * 70).is_empty(),
            "no Timer B once proceeding"
        );
        let busy = response_to(&inv, 486, "Busy Here", Some("peer"));
        assert_eq!(
            c.on_response(&busy, t0 + ms(100)),
            ClientEvent::Final(key.clone())
        );
        assert!(c.next_deadline().is_some_and(|d| d <= t0 + ms(100)));
        let actions = c.poll(t0 + ms(100));
        let [ClientAction::SendAck { key: k, bytes }] = actions.as_slice() else {
            panic!("{actions:?}")
        };
        assert_eq!(k, &key);
        let Ok(Message::Request(ack)) = parse_datagram(bytes) else {
            panic!("ack parses")
        };
        assert_eq!(ack.method, Method::Ack);
        assert_eq!(ack.uri, inv.uri);
        assert_eq!(ack.to_tag().as_deref(), Some("peer"));
        assert_eq!(
            ack.cseq().map(|c| (c.seq, c.method)),
            Some((7, Method::Ack))
        );
        assert_eq!(
            ack.top_via()
                .and_then(|v| v.branch().map(str::to_owned))
                .as_deref(),
            Some("z9hG4bKcl")
        );
        assert_eq!(ack.headers.get("Route"), Some("<sip:proxy.example.com;lr>"));
        assert_eq!(
            c.on_response(&busy, t0 + ms(200)),
            ClientEvent::Retransmission
        );
        assert!(matches!(
            c.poll(t0 + ms(200)).as_slice(),
            [ClientAction::SendAck { .. }]
        ));
        assert!(c.poll(t0 + ms(100) + Duration::from_secs(32)).is_empty());
        assert!(c.is_empty());
    }

    #[test]
    fn invite_2xx_is_passed_up_each_time_until_timer_m() {
        let t0 = Instant::now();
        let mut c = ClientTransactions::new(T1);
        let inv = req(Method::Invite);
        let key = c.send(&inv, b"INVITE".to_vec(), true, t0);
        assert_eq!(c.next_deadline(), Some(t0 + T1 * 64), "no Timer A on TCP");
        let ok = response_to(&inv, 200, "OK", Some("peer"));
        assert_eq!(c.on_response(&ok, t0), ClientEvent::Final(key.clone()));
        assert_eq!(c.on_response(&ok, t0 + ms(500)), ClientEvent::Final(key));
        assert!(
            c.poll(t0 + ms(500)).is_empty(),
            "the TU acks a 2xx, not the transaction"
        );
        c.poll(t0 + T1 * 64);
        assert!(c.is_empty());
    }

    #[test]
    fn unmatched_responses() {
        let t0 = Instant::now();
        let mut c = ClientTransactions::new(T1);
        let inv = req(Method::Invite);
        c.send(&inv, b"INVITE".to_vec(), false, t0);
        let mut other = response_to(&inv, 200, "OK", None);
        other.headers.set("CSeq", "7 BYE");
        assert_eq!(c.on_response(&other, t0), ClientEvent::Unmatched);
        other.headers.set("CSeq", "7 INVITE");
        other
            .headers
            .set("Via", "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKelse");
        assert_eq!(c.on_response(&other, t0), ClientEvent::Unmatched);
    }
}

//! The SIP core: one task that owns the transaction state, routes requests to calls by Call-ID,
//! answers what needs no call (OPTIONS, unknown dialogs, refusals) and sends what calls ask it to.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use hotline_sip::{
    ClientAction, ClientEvent, ClientTransactions, Message, Method, Request, Response,
    ServerAction, ServerEvent, ServerTransactions, TransactionKey, UasPolicy,
};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info};

use super::transport::{Inbound, Link, Transports};

/// What the core hands a call task.
#[derive(Debug)]
pub enum ToCall {
    /// A request inside the call's dialog (ACK, BYE, re-INVITE, INFO, UPDATE), with its server
    /// transaction key when it expects an answer.
    Request {
        request: Request,
        key: Option<TransactionKey>,
    },
    /// The caller cancelled the INVITE.
    Cancelled,
    /// A response to a request the call sent.
    Response(Response),
    /// A request the call sent got no answer.
    RequestTimeout,
    /// The INVITE's final non-2xx answer was never acknowledged (or the server shuts down).
    Abort(&'static str),
}

/// What a call task asks of the core.
#[derive(Debug)]
pub enum FromCall {
    Respond {
        key: TransactionKey,
        link: Link,
        dest: SocketAddr,
        response: Response,
    },
    Request {
        call_id: String,
        link: Link,
        dest: SocketAddr,
        request: Request,
    },
    /// Bytes outside any transaction: 2xx retransmissions and ACKs for 2xx.
    Raw {
        link: Link,
        dest: SocketAddr,
        bytes: Vec<u8>,
    },
    Gone {
        call_id: String,
    },
    /// Routes responses for this Call-ID to `inbox` (registrations, outbound calls).
    Attach {
        call_id: String,
        inbox: mpsc::Sender<ToCall>,
    },
}

/// A new INVITE that passed the trunk, load and SDP checks.
#[derive(Debug)]
pub struct IncomingCall {
    pub request: Request,
    pub key: TransactionKey,
    pub link: Link,
    pub source: SocketAddr,
    pub trunk: String,
    pub permit: CallPermit,
}

/// Holds one place under the concurrent-call limit until dropped.
#[derive(Debug)]
pub struct CallPermit(Arc<AtomicUsize>);

impl Drop for CallPermit {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Decides on new INVITEs and starts call tasks; the server supplies it.
pub trait CallFactory: Send + Sync + 'static {
    /// Which trunk may send this call, if any.
    fn trunk_for(&self, source: SocketAddr) -> Option<String>;
    /// Checks the offer before anything is started: `Err` carries the refusal (488, 415 …).
    fn precheck(&self, request: &Request) -> Result<(), (u16, &'static str)>;
    /// Starts the call task and returns its inbox.
    fn start(&self, call: IncomingCall, to_core: mpsc::Sender<FromCall>) -> mpsc::Sender<ToCall>;
}

pub struct CoreSettings {
    pub max_calls: usize,
    pub retry_after_secs: u32,
    pub user_agent: String,
}

/// The methods a carrier may send us; everything else gets 405 with this list.
pub const ALLOWED: &[Method] = &[
    Method::Invite,
    Method::Ack,
    Method::Bye,
    Method::Cancel,
    Method::Options,
    Method::Info,
    Method::Update,
];

pub fn allow_header() -> String {
    ALLOWED
        .iter()
        .map(Method::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn uas_policy() -> UasPolicy {
    UasPolicy {
        allowed_methods: ALLOWED.to_vec(),
        supported_extensions: Vec::new(),
        accepted_content_types: vec![
            "application/sdp".into(),
            "application/dtmf-relay".into(),
            "application/dtmf".into(),
        ],
    }
}

struct Core<F: CallFactory> {
    factory: Arc<F>,
    transports: Transports,
    settings: CoreSettings,
    server: ServerTransactions,
    client: ClientTransactions,
    policy: UasPolicy,
    calls: HashMap<String, mpsc::Sender<ToCall>>,
    invite_owner: HashMap<TransactionKey, String>,
    client_owner: HashMap<TransactionKey, String>,
    active: Arc<AtomicUsize>,
    from_calls_tx: mpsc::Sender<FromCall>,
    destinations: HashMap<TransactionKey, (Link, SocketAddr, Instant)>,
    last_prune: Instant,
}

/// Runs the core until shutdown. `active` counts admitted calls (shared with metrics).
pub async fn run<F: CallFactory>(
    factory: Arc<F>,
    transports: Transports,
    settings: CoreSettings,
    mut inbound: mpsc::Receiver<Inbound>,
    active: Arc<AtomicUsize>,
    channel: (mpsc::Sender<FromCall>, mpsc::Receiver<FromCall>),
    shutdown: CancellationToken,
) {
    let (from_calls_tx, mut from_calls) = channel;
    let mut core = Core {
        factory,
        transports,
        settings,
        server: ServerTransactions::new(),
        client: ClientTransactions::new(Duration::from_millis(500)),
        policy: uas_policy(),
        calls: HashMap::new(),
        invite_owner: HashMap::new(),
        client_owner: HashMap::new(),
        active,
        from_calls_tx,
        destinations: HashMap::new(),
        last_prune: Instant::now(),
    };
    loop {
        let deadline = [core.server.next_deadline(), core.client.next_deadline()]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(1));
        tokio::select! {
            () = shutdown.cancelled() => break,
            Some(msg) = inbound.recv() => core.on_inbound(msg).await,
            Some(cmd) = from_calls.recv() => core.on_call_command(cmd).await,
            () = tokio::time::sleep_until(deadline.into()) => core.on_timers().await,
        }
    }
    for tx in core.calls.values() {
        let _ = tx.try_send(ToCall::Abort("server shutdown"));
    }
}

impl<F: CallFactory> Core<F> {
    async fn on_inbound(&mut self, inbound: Inbound) {
        let Inbound {
            message,
            source,
            link,
        } = inbound;
        match message {
            Message::Request(req) => self.on_request(req, source, link).await,
            Message::Response(resp) => self.on_response(resp),
        }
    }

    async fn respond(
        &mut self,
        req: &Request,
        key: Option<&TransactionKey>,
        link: Link,
        dest: SocketAddr,
        code: u16,
        extra: &[(&str, String)],
    ) {
        let mut resp = hotline_sip::response_to(
            req,
            code,
            hotline_sip::reason_phrase(code),
            (code > 100).then(hotline_sip::new_tag).as_deref(),
        );
        for (name, value) in extra {
            resp.headers.push(*name, value.clone());
        }
        resp.headers
            .push("Server", self.settings.user_agent.clone());
        self.send_response(key, link, dest, &resp, code).await;
    }

    async fn send_response(
        &mut self,
        key: Option<&TransactionKey>,
        link: Link,
        dest: SocketAddr,
        resp: &Response,
        code: u16,
    ) {
        let bytes = resp.to_bytes();
        self.transports.send(link, dest, &bytes).await;
        if let Some(key) = key {
            self.remember(key, link, dest);
            self.server
                .on_send_response(key, code, bytes, Instant::now());
        }
    }

    async fn on_request(&mut self, req: Request, source: SocketAddr, link: Link) {
        let now = Instant::now();
        let key = hotline_sip::server_key(&req);
        let event = if key.is_some() {
            self.server.on_request(&req, link.reliable(), now)
        } else {
            ServerEvent::NewRequest
        };
        match event {
            ServerEvent::NewRequest => {}
            ServerEvent::Retransmission(Some(bytes)) => {
                self.transports.send(link, source, &bytes).await;
                return;
            }
            ServerEvent::Retransmission(None) | ServerEvent::AckToFinal => return,
            ServerEvent::CancelTarget(invite_key) => {
                self.respond(&req, key.as_ref(), link, source, 200, &[])
                    .await;
                if let Some(call_id) = self.invite_owner.get(&invite_key)
                    && let Some(tx) = self.calls.get(call_id)
                {
                    let _ = tx.try_send(ToCall::Cancelled);
                }
                return;
            }
            ServerEvent::CancelNoMatch => {
                self.respond(&req, key.as_ref(), link, source, 481, &[])
                    .await;
                return;
            }
        }
        if req.method == Method::Ack {
            self.route_ack(req);
            return;
        }
        if let Err(rej) = hotline_sip::check_request(&req, &self.policy) {
            debug!(code = rej.code, reason = rej.reason, "request refused");
            let resp = rej.response_to(&req, &hotline_sip::new_tag());
            self.send_response(key.as_ref(), link, source, &resp, rej.code)
                .await;
            return;
        }
        let in_dialog = req.to_tag().is_some();
        match req.method {
            Method::Options => {
                let extra = [
                    ("Allow", allow_header()),
                    ("Accept", "application/sdp".to_owned()),
                    ("Supported", String::new()),
                ];
                self.respond(&req, key.as_ref(), link, source, 200, &extra)
                    .await;
            }
            Method::Invite if !in_dialog => self.on_new_invite(req, key, source, link).await,
            Method::Invite | Method::Bye | Method::Info | Method::Update => {
                let call = req.call_id().and_then(|id| self.calls.get(id)).cloned();
                match call {
                    Some(tx)
                        if tx
                            .try_send(ToCall::Request {
                                request: req.clone(),
                                key: key.clone(),
                            })
                            .is_ok() => {}
                    Some(_) => {
                        self.respond(
                            &req,
                            key.as_ref(),
                            link,
                            source,
                            500,
                            &[("Retry-After", "1".into())],
                        )
                        .await;
                    }
                    None => {
                        self.respond(&req, key.as_ref(), link, source, 481, &[])
                            .await;
                    }
                }
            }
            _ => {
                self.respond(
                    &req,
                    key.as_ref(),
                    link,
                    source,
                    405,
                    &[("Allow", allow_header())],
                )
                .await;
            }
        }
    }

    fn route_ack(&mut self, req: Request) {
        if let Some(tx) = req.call_id().and_then(|id| self.calls.get(id)) {
            let _ = tx.try_send(ToCall::Request {
                request: req,
                key: None,
            });
        }
    }

    async fn on_new_invite(
        &mut self,
        req: Request,
        key: Option<TransactionKey>,
        source: SocketAddr,
        link: Link,
    ) {
        let Some(key) = key else { return };
        let Some(call_id) = req.call_id().map(str::to_owned) else {
            return;
        };
        if self.calls.contains_key(&call_id) {
            // A second INVITE for a live call without a To tag: a glare or a looped request.
            self.respond(&req, Some(&key), link, source, 482, &[]).await;
            return;
        }
        let Some(trunk) = self.factory.trunk_for(source) else {
            // Same answer whatever was dialled: an outsider learns nothing about our numbers.
            info!(%source, "INVITE from a source that is not a trunk");
            self.respond(&req, Some(&key), link, source, 403, &[]).await;
            return;
        };
        if let Err((code, _)) = self.factory.precheck(&req) {
            self.respond(&req, Some(&key), link, source, code, &[])
                .await;
            return;
        }
        let taken = self.active.fetch_add(1, Ordering::AcqRel);
        let permit = CallPermit(self.active.clone());
        if taken >= self.settings.max_calls {
            drop(permit);
            let ra = self.settings.retry_after_secs.to_string();
            self.respond(&req, Some(&key), link, source, 503, &[("Retry-After", ra)])
                .await;
            return;
        }
        // 100 Trying at once, so the carrier stops retransmitting while the call starts.
        self.respond(&req, Some(&key), link, source, 100, &[]).await;
        self.invite_owner.insert(key.clone(), call_id.clone());
        let call = IncomingCall {
            request: req,
            key,
            link,
            source,
            trunk,
            permit,
        };
        let tx = self.factory.start(call, self.from_calls_tx.clone());
        self.calls.insert(call_id, tx);
    }

    fn on_response(&mut self, resp: Response) {
        match self.client.on_response(&resp, Instant::now()) {
            ClientEvent::Provisional(key) | ClientEvent::Final(key) => {
                let owner = self.client_owner.get(&key).cloned();
                if let Some(tx) = owner.and_then(|id| self.calls.get(&id)) {
                    let _ = tx.try_send(ToCall::Response(resp));
                }
            }
            ClientEvent::Retransmission | ClientEvent::Unmatched => {}
        }
    }

    async fn on_call_command(&mut self, cmd: FromCall) {
        match cmd {
            FromCall::Respond {
                key,
                link,
                dest,
                response,
            } => {
                let code = response.code;
                self.send_response(Some(&key), link, dest, &response, code)
                    .await;
                if code >= 200 {
                    self.invite_owner.remove(&key);
                }
            }
            FromCall::Request {
                call_id,
                link,
                dest,
                request,
            } => {
                let bytes = request.to_bytes();
                self.transports.send(link, dest, &bytes).await;
                let key = self
                    .client
                    .send(&request, bytes, link.reliable(), Instant::now());
                self.remember(&key, link, dest);
                self.client_owner.insert(key, call_id);
            }
            FromCall::Raw { link, dest, bytes } => self.transports.send(link, dest, &bytes).await,
            FromCall::Attach { call_id, inbox } => {
                self.calls.insert(call_id, inbox);
            }
            FromCall::Gone { call_id } => {
                self.calls.remove(&call_id);
                self.invite_owner.retain(|_, id| *id != call_id);
                self.client_owner.retain(|_, id| *id != call_id);
            }
        }
    }

    async fn on_timers(&mut self) {
        let now = Instant::now();
        for action in self.server.poll(now) {
            match action {
                ServerAction::Resend { key, bytes } => self.resend(&key, &bytes).await,
                ServerAction::Timeout { key } => {
                    if let Some(tx) = self
                        .invite_owner
                        .remove(&key)
                        .and_then(|id| self.calls.get(&id))
                    {
                        let _ = tx.try_send(ToCall::Abort("no ACK"));
                    }
                }
            }
        }
        for action in self.client.poll(now) {
            match action {
                ClientAction::Resend { bytes, key } | ClientAction::SendAck { bytes, key } => {
                    self.resend(&key, &bytes).await;
                }
                ClientAction::Timeout { key } => {
                    if let Some(tx) = self
                        .client_owner
                        .remove(&key)
                        .and_then(|id| self.calls.get(&id))
                    {
                        let _ = tx.try_send(ToCall::RequestTimeout);
                    }
                }
            }
        }
    }

    async fn resend(&mut self, key: &TransactionKey, bytes: &[u8]) {
        if let Some(&(link, dest, _)) = self.destinations.get(key) {
            self.transports.send(link, dest, bytes).await;
        }
    }

    fn remember(&mut self, key: &TransactionKey, link: Link, dest: SocketAddr) {
        let now = Instant::now();
        self.destinations.insert(key.clone(), (link, dest, now));
        // Transactions live at most 64*T1 plus their wait timers; forget destinations well after.
        if now.duration_since(self.last_prune) > Duration::from_secs(10) {
            self.last_prune = now;
            self.destinations
                .retain(|_, (_, _, at)| now.duration_since(*at) < Duration::from_secs(80));
        }
    }
}

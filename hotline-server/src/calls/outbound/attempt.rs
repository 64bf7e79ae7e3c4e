//! One outbound attempt up to the answer: the INVITE (with digest after a challenge), ringing
//! with a time limit, CANCEL, and the result when nobody answers. An answered call continues in
//! the call task.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hotline_media::{Direction, Negotiated};
use hotline_sip::{Challenge, Method, Request, Response};
use serde_json::json;
use tokio::sync::mpsc;
use tracing::{debug, info, warn};

use super::uac::{Credentials, Uac, challenge_of};
use super::{OutboundOrder, OutboundResult, OutboundTrunk, Progress};
use crate::agents::CallControl;
use crate::calls::Context;
use crate::calls::call::outbound::{Answered, run_answered};
use crate::sip::core::{FromCall, ToCall};
use crate::sip::transport::Link;
use crate::store::{CallEnd, NewCall};

/// Payload type we offer for RFC 4733 events.
const DTMF_PT: u8 = 101;
/// A moment for the ACK of a challenge to leave before the authenticated INVITE.
const ACK_FIRST: Duration = Duration::from_millis(20);
/// How long a CANCEL may take to end the INVITE before we stop waiting.
const CANCEL_WAIT: Duration = Duration::from_secs(5);

pub(super) struct Attempt {
    pub ctx: Arc<Context>,
    pub trunk: OutboundTrunk,
    /// After the dial plan.
    pub number: String,
    pub dest: SocketAddr,
    pub order: OutboundOrder,
    pub control: mpsc::Receiver<CallControl>,
    pub progress: mpsc::Sender<Progress>,
}

/// How the ringing ended.
enum Rung {
    Answered(Response, Request),
    Over(OutboundResult, String),
}

impl Attempt {
    fn event(&self, kind: &str, detail: serde_json::Value) {
        self.ctx
            .store
            .call_event(&self.order.call_id, self.ctx.now_ms(), kind, detail);
    }

    pub async fn run(mut self) {
        let ctx = self.ctx.clone();
        let call_id = self.order.call_id.clone();
        let started_ms = ctx.now_ms();
        let caller_id = self
            .order
            .caller_id
            .clone()
            .or_else(|| self.trunk.caller_id.clone())
            .unwrap_or_else(|| "hotline".to_owned());
        let location = ctx.regions.locate(&self.number).cloned();
        // The citizen's number goes where an inbound call has the caller's, so the call shows
        // in their history; the number we present goes in `dnis`.
        ctx.store.call_started(NewCall {
            id: call_id.clone(),
            started_at_ms: started_ms,
            caller: self.number.clone(),
            caller_e164: String::new(),
            dnis: caller_id.clone(),
            profile: "outbound".into(),
            flow: self.order.purpose.as_str().into(),
            trunk: self.trunk.name.clone(),
            transport: Link::Udp.name().into(),
            remote: self.dest.to_string(),
            caller_location: location
                .as_ref()
                .map(hotline_protocol::Location::display)
                .unwrap_or_default(),
        });
        self.event(
            "outbound",
            json!({
                "number": self.number,
                "entered": self.order.number,
                "caller_id": caller_id,
                "purpose": self.order.purpose.as_str(),
                "agent": self.order.agent,
                "ticket_id": self.order.ticket_id,
                "for_call": self.order.for_call,
                "trunk": self.trunk.name,
            }),
        );
        let sockets = match ctx.ports.bind(ctx.media_ip).await {
            Ok(s) => s,
            Err(e) => {
                warn!(error = %e, "no RTP port for an outbound call");
                self.give_up(OutboundResult::Failed, "no media port".into())
                    .await;
                return;
            }
        };
        let local_port = sockets.0.local_addr().map_or(0, |a| a.port());
        let session_id: u64 = rand::random::<u32>().into();
        let codecs: Vec<_> = ctx.codecs.iter().map(|c| (*c, c.payload_type())).collect();
        let sdp = hotline_media::build_sdp(
            session_id,
            1,
            ctx.media_ip,
            local_port,
            &codecs,
            Some(DTMF_PT),
            ctx.config.media.ptime_ms,
            Direction::SendRecv,
        );
        let mut uac = Uac::new(
            call_id.clone(),
            (&caller_id, &self.number),
            (&self.trunk.domain, &self.trunk.target),
            ctx.local_sip,
            &ctx.config.server.user_agent,
            sdp,
        );
        let (tx, mut inbox) = mpsc::channel::<ToCall>(64);
        let attached = ctx
            .to_core
            .send(FromCall::Attach {
                call_id: call_id.clone(),
                inbox: tx,
            })
            .await;
        if attached.is_err() {
            self.give_up(OutboundResult::Cancelled, "server shutdown".into())
                .await;
            return;
        }
        let rung = self.ring(&mut uac, &mut inbox).await;
        let (ok, invite) = match rung {
            Rung::Over(result, cause) => {
                info!(%call_id, number = %self.number, %result, %cause, "outbound call not answered");
                self.give_up(result, cause).await;
                return;
            }
            Rung::Answered(ok, invite) => (ok, invite),
        };
        let dialog = uac.dialog(&ok, self.dest);
        let ack = uac.ack(&dialog).to_bytes();
        self.send_raw(ack.clone()).await;
        let Some(neg) = negotiate_answer(&ctx, &ok) else {
            // We must not talk without an agreed codec: end the dialog at once.
            let mut dialog = dialog;
            let bye = dialog.request(&Method::Bye);
            self.send(bye).await;
            self.give_up(
                OutboundResult::Failed,
                "no common codec in the answer".into(),
            )
            .await;
            return;
        };
        let Attempt {
            order,
            control,
            progress,
            number,
            ..
        } = self;
        let answered = Answered {
            dialog,
            invite,
            neg,
            sockets,
            session_id,
            ack,
            number,
            order,
            control,
            progress,
            started_ms,
        };
        // The call task is large; it lives on the heap like every other call task.
        Box::pin(run_answered(ctx, answered, inbox)).await;
    }

    /// INVITE until a final answer, the ring timeout or the agent's hang-up.
    async fn ring(&mut self, uac: &mut Uac, inbox: &mut mpsc::Receiver<ToCall>) -> Rung {
        let mut invite = uac.invite(None);
        self.send(invite.clone()).await;
        let mut rang = false;
        let mut last_challenge: Option<Challenge> = None;
        let deadline = tokio::time::Instant::now() + self.trunk.ring_timeout;
        loop {
            tokio::select! {
                msg = inbox.recv() => match msg {
                    Some(ToCall::Response(r)) if is_invite_answer(&r, &invite) => match r.code {
                        100 => {}
                        101..=199 => {
                            if !rang {
                                rang = true;
                                self.event("ringing", json!({"code": r.code}));
                                let _ = self.progress.send(Progress::Ringing).await;
                            }
                        }
                        200..=299 => return Rung::Answered(r, invite),
                        401 | 407 => {
                            let creds = self.trunk.username.clone().zip(self.trunk.password.clone());
                            let fresh = challenge_of(&r).filter(|(ch, _)| {
                                // The same nonce refused twice: the password is wrong.
                                last_challenge.as_ref().is_none_or(|p| p.nonce != ch.nonce || ch.stale)
                            });
                            let (Some((user, pass)), Some((challenge, proxy))) = (creds, fresh) else {
                                return Rung::Over(OutboundResult::Failed, format!("{} authentication failed", r.code));
                            };
                            // The core sends the transaction's ACK for the challenge on its
                            // next turn; let it go out before the new INVITE, as carriers
                            // (and SIPp) expect that order.
                            tokio::time::sleep(ACK_FIRST).await;
                            invite = uac.invite(Some(&Credentials { challenge: &challenge, proxy, username: &user, password: &pass }));
                                                self.send(invite.clone()).await;
                            last_challenge = Some(challenge);
                        }
                        code => {
                            let result = OutboundResult::from_final(code, rang);
                            return Rung::Over(result, format!("{code} {}", r.reason));
                        }
                    },
                    Some(ToCall::Response(r)) => debug!(code = r.code, "response to another request"),
                    Some(ToCall::RequestTimeout) => {
                        return Rung::Over(OutboundResult::Failed, "no answer from the trunk".into());
                    }
                    Some(ToCall::Abort(why)) => return self.cancel(uac, inbox, OutboundResult::Cancelled, why).await,
                    Some(other) => debug!(?other, "ignored while dialling"),
                    None => return self.cancel(uac, inbox, OutboundResult::Cancelled, "server shutdown").await,
                },
                ctl = self.control.recv() => match ctl {
                    Some(CallControl::Hangup { .. }) | None => {
                        return self.cancel(uac, inbox, OutboundResult::Cancelled, "cancelled").await;
                    }
                    Some(other) => debug!(?other, "not while dialling"),
                },
                () = tokio::time::sleep_until(deadline) => {
                    return self.cancel(uac, inbox, OutboundResult::NoAnswer, "no answer").await;
                }
            }
        }
    }

    /// CANCEL the INVITE and wait for it to end; an answer that crossed the CANCEL is hung up.
    async fn cancel(
        &mut self,
        uac: &mut Uac,
        inbox: &mut mpsc::Receiver<ToCall>,
        result: OutboundResult,
        cause: &str,
    ) -> Rung {
        self.send(uac.cancel()).await;
        self.event("cancel", json!({"cause": cause}));
        let until = tokio::time::Instant::now() + CANCEL_WAIT;
        while let Ok(Some(msg)) = tokio::time::timeout_at(until, inbox.recv()).await {
            let ToCall::Response(r) = msg else { continue };
            if r.cseq().is_none_or(|c| c.method != Method::Invite) || r.code < 200 {
                continue;
            }
            if r.code < 300 {
                let mut dialog = uac.dialog(&r, self.dest);
                self.send_raw(uac.ack(&dialog).to_bytes()).await;
                let bye = dialog.request(&Method::Bye);
                self.send(bye).await;
            }
            break;
        }
        Rung::Over(result, cause.to_owned())
    }

    async fn send(&self, request: Request) {
        let _ = self
            .ctx
            .to_core
            .send(FromCall::Request {
                call_id: self.order.call_id.clone(),
                link: Link::Udp,
                dest: self.dest,
                request,
            })
            .await;
    }

    async fn send_raw(&self, bytes: Vec<u8>) {
        let _ = self
            .ctx
            .to_core
            .send(FromCall::Raw {
                link: Link::Udp,
                dest: self.dest,
                bytes,
            })
            .await;
    }

    /// Ends an attempt that never connected: the CDR, the event, the peer's audio back.
    async fn give_up(self, result: OutboundResult, cause: String) {
        let call_id = self.order.call_id.clone();
        self.event("ended", json!({"cause": cause, "result": result.as_str()}));
        self.ctx.store.call_ended(CallEnd {
            call_id: call_id.clone(),
            at_ms: self.ctx.now_ms(),
            cause: result.as_str().to_owned(),
            digits: String::new(),
            queue: None,
        });
        let _ = self.ctx.to_core.send(FromCall::Gone { call_id }).await;
        let peer = self.order.peer.map(|p| (p.name, p.audio));
        let _ = self
            .progress
            .send(Progress::Ended {
                result,
                cause,
                peer,
            })
            .await;
    }
}

/// Whether `r` answers the INVITE `invite` (not its CANCEL, nor an earlier challenged one).
fn is_invite_answer(r: &Response, invite: &Request) -> bool {
    match (r.cseq(), invite.cseq()) {
        (Some(a), Some(b)) => a.method == Method::Invite && a.seq == b.seq,
        _ => false,
    }
}

/// The session the callee's 2xx agreed to.
fn negotiate_answer(ctx: &Context, ok: &Response) -> Option<Negotiated> {
    let text = std::str::from_utf8(&ok.body).ok()?;
    let answer = hotline_media::parse_sdp(text).ok()?;
    hotline_media::negotiate(&answer, &ctx.codecs).ok()
}

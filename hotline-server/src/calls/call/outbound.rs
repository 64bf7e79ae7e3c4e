//! An answered outbound leg runs as an ordinary call: the same media loop, hold, mute, hang-up,
//! BYE handling, recording and CDR as an inbound one. What differs is kept here: how the call is
//! built from our INVITE and the callee's 2xx, the peer bridged at once, our ACK re-sent for a
//! retransmitted 2xx, and the `Ended` report to whoever placed the call.

use std::sync::Arc;

use hotline_media::Negotiated;
use hotline_sip::{Method, Request, Response};
use serde_json::json;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tracing::warn;

use super::Call;
use crate::agents::{AgentAudio, CallControl};
use crate::calls::Context;
use crate::calls::bridge::Bridge;
use crate::calls::dialog::Dialog;
use crate::calls::outbound::{OutboundOrder, OutboundResult, Peer, Progress};
use crate::media::rtp_leg::RtpLeg;
use crate::sip::core::{FromCall, ToCall};
use crate::store::CallEnd;

/// An outbound call the callee has just answered (our ACK is sent).
pub(crate) struct Answered {
    pub dialog: Dialog,
    pub invite: Request,
    pub neg: Negotiated,
    /// RTP and RTCP, bound before the offer went out.
    pub sockets: (UdpSocket, UdpSocket),
    pub session_id: u64,
    pub ack: Vec<u8>,
    /// As sent to the trunk.
    pub number: String,
    pub order: OutboundOrder,
    pub control: mpsc::Receiver<CallControl>,
    pub progress: mpsc::Sender<Progress>,
    pub started_ms: i64,
}

/// What the call task keeps of an outbound leg.
pub(super) struct OutboundLeg {
    progress: mpsc::Sender<Progress>,
    ack: Vec<u8>,
    invite_cseq: u32,
    /// The peer's audio, held from the end of the bridge until `Ended` hands it back.
    peer: Option<(String, AgentAudio)>,
}

/// Runs the answered call to its end and reports `Ended`.
pub(crate) async fn run_answered(
    ctx: Arc<Context>,
    answered: Answered,
    mut inbox: mpsc::Receiver<ToCall>,
) {
    let Answered {
        mut dialog,
        invite,
        neg,
        sockets: (rtp, rtcp),
        session_id,
        ack,
        number,
        order,
        control,
        progress,
        started_ms,
    } = answered;
    let leg = RtpLeg::new(
        rtp,
        rtcp,
        &neg,
        ctx.config.media.jitter_depth_packets,
        ctx.media_stats.clone(),
    );
    // Our own INVITE always has a key; the call task never answers it, only keeps it.
    let invite_key = hotline_sip::server_key(&invite);
    let (leg, invite_key) = match (leg, invite_key) {
        (Ok(leg), Some(key)) => (leg, key),
        (leg, _) => {
            warn!(error = ?leg.err(), "outbound leg could not start its media");
            let bye = dialog.request(&Method::Bye);
            let _ = ctx
                .to_core
                .send(FromCall::Request {
                    call_id: dialog.call_id.clone(),
                    link: dialog.link,
                    dest: dialog.dest,
                    request: bye,
                })
                .await;
            abandon(&ctx, &dialog.call_id, order, &progress).await;
            return;
        }
    };
    let invite_cseq = invite.cseq().map_or(0, |c| c.seq);
    let mut call = Call {
        ctx: ctx.clone(),
        to_core: ctx.to_core.clone(),
        dialog,
        invite,
        neg,
        invite_key,
        leg,
        interp: None,
        player: crate::media::player::Player::default(),
        pending_record: None,
        record: None,
        unsettled: Vec::new(),
        ok_retx: None,
        answered: true,
        sdp_version: 1,
        session_id,
        queue: None,
        end: None,
        caller: number,
        outstanding_plays: 0,
        control: Some(control),
        bridge: None,
        monitor: None,
        after_block: None,
        last_agent: None,
        outbound: Some(OutboundLeg {
            progress: progress.clone(),
            ack,
            invite_cseq,
            peer: None,
        }),
        self_service: super::self_service::SelfService::default(),
        callback: super::callback::CallbackAsk::default(),
    };
    ctx.store.call_answered(&call.dialog.call_id, ctx.now_ms());
    call.event(
        "answered",
        json!({"codec": call.leg.codec.name(), "ptime": call.leg.ptime_ms}),
    );
    if let Some(peer) = order.peer {
        call.bridge_peer(peer);
    }
    let _ = progress.send(Progress::Answered).await;
    if call.bridge.is_none()
        && let Some(flow) = order.flow.as_deref()
    {
        let ticket = order.ticket_id.clone().unwrap_or_default();
        // Read out digit by digit (a voice dispatch order says the ticket number).
        let digits: String = ticket.chars().filter(char::is_ascii_digit).collect();
        call.enter_flow(flow, &[("ticket_id", ticket), ("ticket_digits", digits)])
            .await;
    }
    call.drive(&mut inbox).await;
    call.finish(started_ms).await;
}

/// The records and the report of a leg that was answered but could not go on.
async fn abandon(
    ctx: &Context,
    call_id: &str,
    order: OutboundOrder,
    progress: &mpsc::Sender<Progress>,
) {
    let cause = "no media".to_owned();
    ctx.store
        .call_event(call_id, ctx.now_ms(), "ended", json!({"cause": cause}));
    ctx.store.call_ended(CallEnd {
        call_id: call_id.to_owned(),
        at_ms: ctx.now_ms(),
        cause: cause.clone(),
        digits: String::new(),
        queue: None,
    });
    let _ = ctx
        .to_core
        .send(FromCall::Gone {
            call_id: call_id.to_owned(),
        })
        .await;
    let _ = progress
        .send(Progress::Ended {
            result: OutboundResult::Failed,
            cause,
            peer: order.peer.map(|p| (p.name, p.audio)),
        })
        .await;
}

impl Call {
    /// The callee answered: whoever the call was placed for talks to them from now on.
    fn bridge_peer(&mut self, mut peer: Peer) {
        // What the peer said while it rang is stale.
        while peer.audio.from_agent.try_recv().is_ok() {}
        self.event(
            "connected",
            json!({"agent": peer.name, "number": self.caller}),
        );
        let recorder = if peer.record {
            self.start_call_recording(&peer.name)
        } else {
            None
        };
        self.bridge = Some(Bridge::new(
            peer.name,
            Some(peer.audio),
            recorder,
            self.ctx.now_ms(),
        ));
    }

    /// A response reaching the answered call: a retransmitted 2xx means our ACK was lost.
    pub(super) async fn on_outbound_response(&mut self, resp: &Response) {
        let Some(leg) = &self.outbound else { return };
        let retransmitted_ok = (200..300).contains(&resp.code)
            && resp
                .cseq()
                .is_some_and(|c| c.method == Method::Invite && c.seq == leg.invite_cseq);
        if retransmitted_ok {
            let _ = self
                .to_core
                .send(FromCall::Raw {
                    link: self.dialog.link,
                    dest: self.dialog.dest,
                    bytes: leg.ack.clone(),
                })
                .await;
        }
    }

    /// An outbound leg keeps the peer's audio for its `Ended` report; any other call passes
    /// it on.
    pub(super) fn keep_outbound_peer(
        &mut self,
        audio: Option<(String, AgentAudio)>,
    ) -> Option<(String, AgentAudio)> {
        match self.outbound.as_mut() {
            Some(leg) => {
                leg.peer = audio;
                None
            }
            None => audio,
        }
    }

    /// Tells whoever placed the call that it is over, after its records are written.
    pub(super) async fn report_outbound_end(&mut self, cause: &str) {
        let Some(leg) = self.outbound.take() else {
            return;
        };
        let _ = leg
            .progress
            .send(Progress::Ended {
                result: OutboundResult::Answered,
                cause: cause.to_owned(),
                peer: leg.peer,
            })
            .await;
    }
}

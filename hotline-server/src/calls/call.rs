//! The task of one inbound call: answer, run the IVR over the RTP leg, end and record the CDR.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use hotline_media::{Direction, Negotiated};
use hotline_protocol::Location;
use hotline_sip::{InviteOkRetransmitter, Method, Request, TransactionKey};
use serde_json::json;
use tokio::sync::mpsc;
use tokio::time::MissedTickBehavior;
use tracing::{debug, warn};

use super::Context;
use super::blacklist::BlockMode;
use super::dialog::Dialog;
use crate::agents::{CallControl, Input};
use crate::ivr::{Event, Interpreter};
use crate::media::clock::frame_interval;
use crate::media::rtp_leg::RtpLeg;
use crate::sip::core::{FromCall, IncomingCall, ToCall};
use crate::sip::number;
use crate::store::{CallEnd, NewCall};

mod announcement;
mod callback;
mod consult;
mod flow;
mod in_dialog;
mod lookup;
mod monitor;
pub(crate) mod outbound;
mod queue;
mod recording;
mod self_service;
mod transfer;

use self::lookup::{CallerFacts, lookup_caller};
use self::recording::{ActiveRecord, PendingRecord};
use super::bridge::Bridge;

const RTCP_INTERVAL: Duration = Duration::from_secs(5);
const MAX_SAMPLES: usize = 480;

struct Call {
    ctx: Arc<Context>,
    to_core: mpsc::Sender<FromCall>,
    dialog: Dialog,
    invite: Request,
    /// The session as last negotiated (the INVITE, then each re-INVITE/UPDATE offer).
    neg: Negotiated,
    invite_key: TransactionKey,
    leg: RtpLeg,
    interp: Option<Interpreter>,
    player: crate::media::player::Player,
    pending_record: Option<PendingRecord>,
    record: Option<ActiveRecord>,
    /// Call recordings closed and not yet confirmed on disk: indexed once the file is known
    /// to exist (when the call ends, never on the media path).
    unsettled: Vec<recording::Unsettled>,
    ok_retx: Option<InviteOkRetransmitter>,
    answered: bool,
    sdp_version: u64,
    session_id: u64,
    queue: Option<String>,
    end: Option<String>,
    caller: String,
    /// IVR plays not yet answered with `PlaybackDone` (the interpreter expects one per play).
    outstanding_plays: u32,
    /// Orders from the distributor once the call waits in a queue.
    control: Option<mpsc::Receiver<CallControl>>,
    /// The agent the caller talks to, with their audio and the call's recording.
    bridge: Option<Bridge>,
    /// A supervisor in the bridge (listen, whisper, barge-in).
    monitor: Option<super::bridge::Monitor>,
    /// A blocked caller's warning or refusal is playing; what follows it.
    after_block: Option<BlockMode>,
    /// The first-contact agent and the VIP mark, looked up off the media path while the IVR runs.
    last_agent: Option<tokio::sync::oneshot::Receiver<CallerFacts>>,
    /// Set on a call we placed: who to report its end to (see `call/outbound.rs`).
    outbound: Option<outbound::OutboundLeg>,
    /// Answers to the IVR's self-service requests, and what they need to know of the call.
    self_service: self_service::SelfService,
    /// A queued caller asking to be called back (排队回拨).
    callback: callback::CallbackAsk,
}

/// Runs one call to its end. Never panics on peer input; every path ends with a CDR.
pub async fn run(
    ctx: Arc<Context>,
    inc: IncomingCall,
    to_core: mpsc::Sender<FromCall>,
    mut inbox: mpsc::Receiver<ToCall>,
) {
    let IncomingCall {
        request: invite,
        key,
        link,
        source,
        trunk,
        permit,
    } = inc;
    let _permit = permit;
    ctx.calls_total.fetch_add(1, Ordering::Relaxed);
    let local_sip = if link.reliable() {
        ctx.local_sip_tcp
    } else {
        ctx.local_sip
    };
    let dialog = Dialog::from_invite(
        &invite,
        link,
        source,
        local_sip,
        &ctx.config.server.user_agent,
    );
    let call_id = dialog.call_id.clone();
    let caller = number::caller_of(&invite);
    let dnis = number::dnis_of(&invite);
    let profile = ctx.config.profile_for_dnis(&dnis.national).clone();
    let flow_name = choose_flow(&ctx, &profile);
    let started_ms = ctx.now_ms();
    let location = ctx.regions.locate(&caller.national).cloned();
    ctx.store.call_started(NewCall {
        id: call_id.clone(),
        started_at_ms: started_ms,
        caller: caller.national.clone(),
        caller_e164: caller.e164.clone().unwrap_or_default(),
        dnis: dnis.national.clone(),
        profile: profile.name.clone(),
        flow: flow_name.clone(),
        trunk: trunk.clone(),
        transport: link.name().to_owned(),
        remote: source.to_string(),
        caller_location: location.as_ref().map(Location::display).unwrap_or_default(),
    });

    let Some(neg) = negotiate(&ctx, &invite) else {
        refuse(
            &ctx,
            &to_core,
            &dialog,
            &invite,
            &key,
            (488, "no common codec"),
        )
        .await;
        return;
    };
    let leg = match ctx.ports.bind(ctx.media_ip).await {
        Ok((rtp, rtcp)) => RtpLeg::new(
            rtp,
            rtcp,
            &neg,
            ctx.config.media.jitter_depth_packets,
            ctx.media_stats.clone(),
        ),
        Err(e) => Err(e),
    };
    let leg = match leg {
        Ok(l) => l,
        Err(e) => {
            warn!(error = %e, "no RTP port");
            refuse(
                &ctx,
                &to_core,
                &dialog,
                &invite,
                &key,
                (503, "no media port"),
            )
            .await;
            return;
        }
    };
    let mut vars = BTreeMap::new();
    vars.insert("caller".to_owned(), caller.national.clone());
    vars.insert("dnis".to_owned(), dnis.national.clone());
    vars.insert("profile".to_owned(), profile.name.clone());
    vars.insert("call_id".to_owned(), call_id.clone());
    let interp = ctx
        .flows
        .get(&flow_name)
        .map(|flow| Interpreter::new(flow, &profile.language, vars));
    let mut call = Call {
        ctx: ctx.clone(),
        to_core,
        dialog,
        invite,
        neg,
        invite_key: key,
        leg,
        interp,
        player: crate::media::player::Player::default(),
        pending_record: None,
        record: None,
        unsettled: Vec::new(),
        ok_retx: None,
        answered: false,
        sdp_version: 1,
        session_id: rand::random::<u32>().into(),
        queue: None,
        end: None,
        caller: caller.national.clone(),
        outstanding_plays: 0,
        control: None,
        bridge: None,
        monitor: None,
        last_agent: lookup_caller(&ctx, &caller.national, &call_id),
        after_block: None,
        outbound: None,
        self_service: self_service::SelfService::default(),
        callback: callback::CallbackAsk::default(),
    };
    call.event("received", json!({"caller": caller.national, "dnis": dnis.national, "profile": profile.name, "flow": flow_name, "trunk": trunk, "remote": source.to_string(), "codec": neg.codec.name(), "location": location}));
    if call.interp.is_none() {
        warn!(flow = %flow_name, "flow not found; refusing call");
        call.final_refusal(500, "flow missing").await;
        call.finish(started_ms).await;
        return;
    }
    call.ring(profile.ring_ms, profile.early_media, &mut inbox)
        .await;
    if call.end.is_none() {
        call.answer().await;
        call.drive(&mut inbox).await;
    }
    call.finish(started_ms).await;
}

fn choose_flow(ctx: &Context, profile: &crate::config::ProfileConfig) -> String {
    use crate::ivr::schedule::{Period, ScheduleSpec, choose_flow, period_at};
    let Some(sched) = ctx
        .config
        .schedules
        .iter()
        .find(|s| s.name == profile.schedule)
    else {
        return profile.flow.clone();
    };
    let Ok(spec) = ScheduleSpec::parse(&sched.weekdays, &sched.hours) else {
        return profile.flow.clone();
    };
    let tz =
        jiff::tz::TimeZone::get(&ctx.config.server.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let period = period_at(&spec, &ctx.holidays, &tz, (ctx.clock)());
    let _ = Period::Working;
    choose_flow(
        &profile.flow,
        &profile.after_hours_flow,
        &profile.holiday_flow,
        period,
    )
    .to_owned()
}

fn negotiate(ctx: &Context, req: &Request) -> Option<Negotiated> {
    let text = std::str::from_utf8(&req.body).ok()?;
    let offer = hotline_media::parse_sdp(text).ok()?;
    hotline_media::negotiate(&offer, &ctx.codecs).ok()
}

/// Refuses the INVITE with `code` and closes the call record with `cause`.
async fn refuse(
    ctx: &Context,
    to_core: &mpsc::Sender<FromCall>,
    dialog: &Dialog,
    invite: &Request,
    key: &TransactionKey,
    (code, cause): (u16, &str),
) {
    let call_id = dialog.call_id.as_str();
    let response = dialog.response(invite, code);
    let _ = to_core
        .send(FromCall::Respond {
            key: key.clone(),
            link: dialog.link,
            dest: dialog.dest,
            response,
        })
        .await;
    let now = ctx.now_ms();
    ctx.store.call_ended(CallEnd {
        call_id: call_id.to_owned(),
        at_ms: now,
        cause: cause.to_owned(),
        digits: String::new(),
        queue: None,
    });
    let _ = to_core
        .send(FromCall::Gone {
            call_id: call_id.to_owned(),
        })
        .await;
}

impl Call {
    fn event(&self, kind: &str, detail: serde_json::Value) {
        self.ctx
            .store
            .call_event(&self.dialog.call_id, self.ctx.now_ms(), kind, detail);
    }

    async fn respond(&self, response: hotline_sip::Response, key: &TransactionKey) {
        let _ = self
            .to_core
            .send(FromCall::Respond {
                key: key.clone(),
                link: self.dialog.link,
                dest: self.dialog.dest,
                response,
            })
            .await;
    }

    fn local_sdp(&mut self, direction: Direction) -> String {
        self.sdp_version += 1;
        let dtmf = self.leg.has_rfc4733().then_some(self.neg.dtmf_payload_type);
        hotline_media::build_sdp(
            self.session_id,
            self.sdp_version,
            self.ctx.media_ip,
            self.leg.local_port,
            &[(self.leg.codec, self.neg.payload_type)],
            dtmf.flatten(),
            self.leg.ptime_ms,
            direction,
        )
    }

    /// 180 (or 183 with ringback as early media) for the profile's ring time; a CANCEL ends it.
    async fn ring(&mut self, ring_ms: u64, early_media: bool, inbox: &mut mpsc::Receiver<ToCall>) {
        let invite = self.invite.clone();
        let key = self.invite_key.clone();
        if early_media {
            let sdp = self.local_sdp(Direction::SendRecv);
            self.respond(self.dialog.response_with_sdp(&invite, 183, &sdp), &key)
                .await;
        } else {
            self.respond(self.dialog.response(&invite, 180), &key).await;
        }
        self.event(
            "ringing",
            json!({"early_media": early_media, "ring_ms": ring_ms}),
        );
        if ring_ms == 0 {
            return;
        }
        let until = tokio::time::Instant::now() + Duration::from_millis(ring_ms);
        let mut tick = frame_interval(Duration::from_millis(u64::from(self.leg.ptime_ms)));
        let ringback = ringback_tone();
        let mut pos = 0usize;
        let mut frame = [0i16; MAX_SAMPLES];
        loop {
            tokio::select! {
                () = tokio::time::sleep_until(until) => return,
                msg = inbox.recv() => match msg {
                    Some(ToCall::Cancelled) => {
                        self.respond(self.dialog.response(&invite, 487), &key).await;
                        self.end = Some("cancelled".into());
                        return;
                    }
                    Some(ToCall::Abort(why)) => { self.end = Some(why.into()); return; }
                    Some(other) => debug!(?other, "ignored while ringing"),
                    None => { self.end = Some("server shutdown".into()); return; }
                },
                due = tick.tick() => {
                    // Keys pressed while it rings go nowhere; the audio latches the path.
                    let _ = self.leg.receive_pending();
                    if early_media {
                        let n = self.leg.samples_per_packet().min(MAX_SAMPLES);
                        for s in &mut frame[..n] { *s = ringback[pos % ringback.len()]; pos += 1; }
                        self.leg.send(&frame[..n], due.into_std());
                    }
                }
            }
        }
    }

    async fn answer(&mut self) {
        let invite = self.invite.clone();
        let offer_dir = self.neg.direction;
        let sdp = self.local_sdp(offer_dir);
        let response = self.dialog.response_with_sdp(&invite, 200, &sdp);
        let bytes = response.to_bytes();
        self.respond(response, &self.invite_key.clone()).await;
        if !self.dialog.link.reliable() {
            self.ok_retx = Some(InviteOkRetransmitter::new(bytes, Instant::now()));
        }
        self.answered = true;
        self.ctx
            .store
            .call_answered(&self.dialog.call_id, self.ctx.now_ms());
        self.event(
            "answered",
            json!({"codec": self.leg.codec.name(), "ptime": self.leg.ptime_ms}),
        );
        let block = self
            .ctx
            .blacklist
            .read()
            .ok()
            .and_then(|b| b.check(&self.caller, self.ctx.now_ms()).cloned());
        if let Some(block) = block {
            // The warning or refusal plays before anything else; the flow (or the goodbye)
            // follows when it has played.
            let refuse = block.mode == BlockMode::Refuse;
            self.event("blacklisted", json!({"reason": block.reason, "mode": if refuse { "refuse" } else { "warn" }, "until_ms": block.until_ms}));
            let lang = self
                .interp
                .as_ref()
                .map_or("zh", Interpreter::language)
                .to_owned();
            let prompt = if refuse {
                "blacklist_refused"
            } else {
                "blacklist_warning"
            };
            self.player.enqueue(
                self.ctx
                    .prompts
                    .get(&lang, prompt)
                    .unwrap_or_else(|| Arc::from(vec![0i16; 160])),
            );
            self.after_block = Some(block.mode);
            return;
        }
        self.start_flow().await;
    }

    async fn final_refusal(&mut self, code: u16, cause: &str) {
        let invite = self.invite.clone();
        self.respond(
            self.dialog.response(&invite, code),
            &self.invite_key.clone(),
        )
        .await;
        self.end = Some(cause.to_owned());
    }

    /// The media and signalling loop of an answered call.
    async fn drive(&mut self, inbox: &mut mpsc::Receiver<ToCall>) {
        let mut tick = frame_interval(Duration::from_millis(u64::from(self.leg.ptime_ms)));
        tick.set_missed_tick_behavior(MissedTickBehavior::Burst);
        let mut ptime = self.leg.ptime_ms;
        let mut heard = [0i16; MAX_SAMPLES];
        let mut frame = [0i16; MAX_SAMPLES];
        let mut next_rtcp = Instant::now() + RTCP_INTERVAL;
        let no_rtp = Duration::from_secs(self.ctx.config.media.no_rtp_timeout_secs);
        // One timer for the call's own deadlines, moved only when the deadline changes: making
        // a new one every turn of the loop (every packet) costs a timer-wheel insert and
        // removal per packet, which is what made 1,000 calls late.
        let far = Instant::now() + Duration::from_hours(24);
        let timer = tokio::time::sleep_until(far.into());
        tokio::pin!(timer);
        let mut armed: Option<Instant> = None;
        while self.end.is_none() {
            let deadline = [
                self.interp.as_ref().and_then(Interpreter::next_deadline),
                self.ok_retx
                    .as_ref()
                    .and_then(InviteOkRetransmitter::next_deadline),
                self.record.as_ref().map(|r| r.until),
                self.callback.deadline(),
            ]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(far);
            if armed != Some(deadline) {
                timer.as_mut().reset(deadline.into());
                armed = Some(deadline);
            }
            tokio::select! {
                msg = inbox.recv() => match msg {
                    Some(m) => self.on_signal(m).await,
                    None => self.end = Some("server shutdown".into()),
                },
                Some(ctl) = recv_control(&mut self.control) => self.on_control(ctl).await,
                Some(reply) = self_service::recv_reply(&mut self.self_service) => self.on_service_reply(reply).await,
                due = tick.tick() => {
                    let due = due.into_std();
                    if let Some(d) = self.leg.receive_pending() {
                        self.on_digit(d, "rfc4733").await;
                    }
                    self.leg.receive_rtcp();
                    let n = self.leg.samples_per_packet().min(MAX_SAMPLES);
                    let (got, digit) = self.leg.pull(&mut heard[..n]);
                    if let Some(rec) = self.record.as_mut() { rec.recorder.write(&heard[..got]); }
                    if let Some(d) = digit { self.on_digit(d, "inband").await; }
                    let finished = if let Some(bridge) = self.bridge.as_mut().filter(|b| !b.held) {
                        bridge.exchange_with(&heard[..n], &mut frame[..n], self.monitor.as_mut());
                        // Consulting a second agent: the caller hears the music instead.
                        bridge.guest.as_ref().is_some_and(super::bridge::Guest::consulting)
                            && self.player.next_frame(&mut frame[..n])
                    } else {
                        if let Some(b) = self.bridge.as_mut() { b.record_caller_only(&heard[..n]); }
                        self.player.next_frame(&mut frame[..n])
                    };
                    self.leg.send(&frame[..n], due);
                    if finished { self.on_playback_done().await; }
                    let now = Instant::now();
                    if now >= next_rtcp { self.leg.send_rtcp(); next_rtcp = now + RTCP_INTERVAL; }
                    if self.leg.sending && now.duration_since(self.leg.last_received) > no_rtp {
                        self.hangup("rtp timeout").await;
                    }
                    if self.leg.ptime_ms != ptime {
                        ptime = self.leg.ptime_ms;
                        tick = frame_interval(Duration::from_millis(u64::from(ptime)));
                        tick.set_missed_tick_behavior(MissedTickBehavior::Burst);
                    }
                },
                () = &mut timer => {
                    // Fired: re-arm on the next turn even if the deadline looks the same.
                    armed = None;
                    self.on_timers().await;
                },
            }
        }
    }

    async fn on_timers(&mut self) {
        let now = Instant::now();
        if let Some(retx) = self.ok_retx.as_mut() {
            match retx.poll(now) {
                Some(hotline_sip::OkRetransmit::Resend(bytes)) => {
                    let _ = self
                        .to_core
                        .send(FromCall::Raw {
                            link: self.dialog.link,
                            dest: self.dialog.dest,
                            bytes,
                        })
                        .await;
                }
                Some(hotline_sip::OkRetransmit::GiveUp) => {
                    self.ok_retx = None;
                    self.event("no_ack", json!({}));
                    self.hangup("no ack").await;
                    return;
                }
                None => {}
            }
        }
        if self.record.as_ref().is_some_and(|r| now >= r.until) {
            self.stop_recording().await;
        }
        self.callback_timer(now).await;
        let actions = self
            .interp
            .as_mut()
            .map(|i| i.poll(now))
            .unwrap_or_default();
        self.apply(actions).await;
    }

    async fn on_signal(&mut self, msg: ToCall) {
        match msg {
            ToCall::Request { request, key } => self.on_request(request, key).await,
            ToCall::Cancelled => {}
            ToCall::Response(r) => self.on_outbound_response(&r).await,
            ToCall::RequestTimeout => {}
            ToCall::Abort(why) => {
                if why == "server shutdown" {
                    self.hangup(why).await;
                } else {
                    self.end = Some(why.to_owned());
                }
            }
        }
    }

    /// Ends the call from our side with a BYE.
    async fn hangup(&mut self, cause: &str) {
        if self.end.is_some() {
            return;
        }
        if self.answered {
            let bye = self.dialog.request(&Method::Bye);
            let _ = self
                .to_core
                .send(FromCall::Request {
                    call_id: self.dialog.call_id.clone(),
                    link: self.dialog.link,
                    dest: self.dialog.dest,
                    request: bye,
                })
                .await;
            self.event("bye", json!({"from": "hotline", "cause": cause}));
        }
        self.end = Some(cause.to_owned());
    }

    async fn finish(mut self, _started_ms: i64) {
        if self.record.is_some() {
            self.stop_recording().await;
        }
        let cause = self.end.clone().unwrap_or_else(|| "ended".into());
        let digits = self
            .interp
            .as_ref()
            .map(|i| i.digits().to_owned())
            .unwrap_or_default();
        if let Some(interp) = self.interp.as_mut() {
            let _ = interp.on_event(Event::Hangup, Instant::now());
        }
        self.release_monitor();
        self.release_guest();
        let audio = self.end_bridge();
        let audio = self.keep_outbound_peer(audio);
        if self.queue.is_some() {
            self.ctx.distributor.send(Input::CallGone {
                call_id: self.dialog.call_id.clone(),
                audio,
            });
        }
        // The agent is free already; the records wait for the files.
        self.settle_recordings().await;
        self.event("ended", json!({"cause": cause}));
        self.ctx.store.call_ended(CallEnd {
            call_id: self.dialog.call_id.clone(),
            at_ms: self.ctx.now_ms(),
            cause: cause.clone(),
            digits,
            queue: self.queue.clone(),
        });
        self.report_outbound_end(&cause).await;
        let _ = self
            .to_core
            .send(FromCall::Gone {
                call_id: self.dialog.call_id.clone(),
            })
            .await;
    }
}

/// Waits for the distributor's next order, or forever while the call is not queued.
async fn recv_control(control: &mut Option<mpsc::Receiver<CallControl>>) -> Option<CallControl> {
    match control {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// The Chinese ringback tone: 450 Hz, one second on, four off.
fn ringback_tone() -> Vec<i16> {
    let mut tone = vec![0i16; 40_000];
    let mut generator = hotline_media::ToneGenerator::new(&[450.0], 6000, 8000);
    generator.fill(&mut tone[..8000]);
    tone
}

//! `hotline-server call`: a small SIP user agent that places one test call, plays a file as the
//! caller's voice, keys digits (RFC 4733), records what it hears and reports.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Args;
use hotline_media::{Codec, Direction, EventSender, RtpHeader};
use hotline_sip::{Message, Method, NameAddr, Request};
use tokio::net::UdpSocket;

#[derive(Debug, Clone, Args)]
pub struct CallArgs {
    /// Dialled number.
    #[arg(long, default_value = "12345")]
    pub to: String,
    /// Caller number.
    #[arg(long, default_value = "13800138000")]
    pub from: String,
    /// The server's SIP address.
    #[arg(long, default_value = "127.0.0.1:5060")]
    pub server: SocketAddr,
    /// Digits to key (RFC 4733), after --dtmf-delay seconds; `,` pauses one second.
    #[arg(long, default_value = "")]
    pub dtmf: String,
    #[arg(long, default_value_t = 2.0)]
    pub dtmf_delay: f64,
    /// 8 kHz mono WAV to send as the caller's voice (default silence).
    #[arg(long)]
    pub play: Option<PathBuf>,
    /// Where to write what the caller heard (WAV).
    #[arg(long)]
    pub record: Option<PathBuf>,
    /// Hang up after this many seconds (the server may end the call first).
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
    /// Offer only this codec (PCMU or PCMA).
    #[arg(long)]
    pub codec: Option<String>,
    /// Key digits as in-band tones (no telephone-event in the offer), like an old analogue line.
    #[arg(long)]
    pub inband: bool,
}

/// What happened on the call.
#[derive(Debug, Clone)]
pub struct CallReport {
    pub call_id: String,
    pub final_code: u16,
    pub answered: bool,
    pub heard_ms: u64,
    pub heard_rms: f32,
    pub ended_by: &'static str,
}

impl fmt::Display for CallReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "call {} final={} answered={} heard={}ms rms={:.0} ended_by={}",
            self.call_id,
            self.final_code,
            self.answered,
            self.heard_ms,
            self.heard_rms,
            self.ended_by
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("network: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Audio(String),
    #[error("no answer from {0} (is hotline-server running there?)")]
    NoResponse(SocketAddr),
}

struct Ua {
    sip: UdpSocket,
    server: SocketAddr,
    call_id: String,
    from_tag: String,
    to: String,
    local: SocketAddr,
    cseq: u32,
}

impl Ua {
    fn request(&mut self, method: &Method, to_header: &str, uri: &str) -> Request {
        if *method != Method::Ack {
            self.cseq += 1;
        }
        let mut r = Request::new(method.clone(), uri.to_owned());
        r.headers.push(
            "Via",
            format!(
                "SIP/2.0/UDP {};branch={};rport",
                self.local,
                hotline_sip::new_branch()
            ),
        );
        r.headers.push("Max-Forwards", "70");
        r.headers.push(
            "From",
            format!(
                "<sip:{}@{}>;tag={}",
                self.to_from_user(),
                self.local.ip(),
                self.from_tag
            ),
        );
        r.headers.push("To", to_header.to_owned());
        r.headers.push("Call-ID", self.call_id.clone());
        r.headers
            .push("CSeq", format!("{} {}", self.cseq, method.as_str()));
        r.headers
            .push("Contact", format!("<sip:caller@{}>", self.local));
        r.headers.push("User-Agent", "hotline-test-call");
        r
    }

    fn to_from_user(&self) -> &str {
        &self.to
    }
}

/// Places the call and returns once it has ended.
pub async fn place_call(args: &CallArgs) -> Result<CallReport, CallError> {
    let voice = match &args.play {
        Some(p) => {
            let bytes =
                std::fs::read(p).map_err(|e| CallError::Audio(format!("{}: {e}", p.display())))?;
            hotline_media::read_wav_8k_mono(&bytes)
                .map_err(|e| CallError::Audio(format!("{}: {e}", p.display())))?
        }
        None => vec![0; 160],
    };
    let bind_ip = if args.server.ip().is_loopback() {
        args.server.ip()
    } else {
        std::net::Ipv4Addr::UNSPECIFIED.into()
    };
    let sip = UdpSocket::bind(SocketAddr::new(bind_ip, 0)).await?;
    let rtp = UdpSocket::bind(SocketAddr::new(bind_ip, 0)).await?;
    let local = sip.local_addr()?;
    let rtp_port = rtp.local_addr()?.port();
    let mut ua = Ua {
        sip,
        server: args.server,
        call_id: hotline_sip::new_call_id(&local.ip().to_string()),
        from_tag: hotline_sip::new_tag(),
        to: args.from.clone(),
        local,
        cseq: 0,
    };
    let codecs: Vec<(Codec, u8)> = match args.codec.as_deref().and_then(Codec::from_name) {
        Some(c) => vec![(c, c.payload_type())],
        None => vec![(Codec::Pcmu, 0), (Codec::Pcma, 8)],
    };
    let dtmf_pt = (!args.inband).then_some(101);
    let sdp = hotline_media::build_sdp(
        1,
        1,
        local.ip(),
        rtp_port,
        &codecs,
        dtmf_pt,
        20,
        Direction::SendRecv,
    );
    let uri = format!("sip:{}@{}", args.to, args.server);
    let to_header = format!("<sip:{}@{}>", args.to, args.server);
    let mut invite = ua.request(&Method::Invite, &to_header, &uri);
    invite.headers.push("Content-Type", "application/sdp");
    invite.body = sdp.into_bytes();
    let invite_bytes = invite.to_bytes();

    // INVITE with retransmissions until the server answers anything.
    let mut buf = vec![0u8; 65_536];
    let mut provisional = false;
    let started = Instant::now();
    let mut next_resend = Instant::now();
    let mut interval = Duration::from_millis(500);
    let ok = loop {
        if !provisional && Instant::now() >= next_resend {
            ua.sip.send_to(&invite_bytes, ua.server).await?;
            next_resend = Instant::now() + interval;
            interval = (interval * 2).min(Duration::from_secs(4));
        }
        if started.elapsed() > Duration::from_secs(32) {
            return Err(CallError::NoResponse(ua.server));
        }
        let Ok(Ok((n, _))) =
            tokio::time::timeout(Duration::from_millis(100), ua.sip.recv_from(&mut buf)).await
        else {
            continue;
        };
        let Ok(Message::Response(resp)) = hotline_sip::parse_datagram(&buf[..n]) else {
            continue;
        };
        if resp.code < 200 {
            provisional = true;
            continue;
        }
        if resp.code >= 300 {
            let to = resp.headers.get("To").unwrap_or_default().to_owned();
            let mut ack = ua.request(&Method::Ack, &to, &uri);
            ack.headers.set("CSeq", format!("{} ACK", ua.cseq));
            if let Some(via) = invite.headers.get("Via") {
                ack.headers.set("Via", via.to_owned());
            }
            ua.sip.send_to(&ack.to_bytes(), ua.server).await?;
            return Ok(CallReport {
                call_id: ua.call_id,
                final_code: resp.code,
                answered: false,
                heard_ms: 0,
                heard_rms: 0.0,
                ended_by: "refused",
            });
        }
        break resp;
    };
    let to_with_tag = ok.headers.get("To").unwrap_or_default().to_owned();
    let target = ok
        .headers
        .get("Contact")
        .and_then(|c| NameAddr::parse(c).ok())
        .map_or_else(|| uri.clone(), |na| na.uri);
    let answer = std::str::from_utf8(&ok.body)
        .ok()
        .and_then(|t| hotline_media::parse_sdp(t).ok());
    let neg = answer
        .as_ref()
        .and_then(|a| hotline_media::negotiate(a, &[Codec::Pcmu, Codec::Pcma]).ok());
    let mut ack = ua.request(&Method::Ack, &to_with_tag, &target);
    ack.headers.set("CSeq", format!("{} ACK", ua.cseq));
    ua.sip.send_to(&ack.to_bytes(), ua.server).await?;
    let Some(neg) = neg else {
        return Err(CallError::Audio(
            "the server's answer has no usable SDP".into(),
        ));
    };

    // Media until the duration is up or the server hangs up.
    let mut heard: Vec<i16> = Vec::new();
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    let ends = Instant::now() + Duration::from_secs_f64(args.duration.max(0.1));
    let dtmf_at = Instant::now() + Duration::from_secs_f64(args.dtmf_delay.max(0.0));
    let mut digits: std::collections::VecDeque<char> = args.dtmf.chars().collect();
    let mut sending_digit: Option<(EventSender, u32)> = None;
    // In-band: the tone generator and how many 20 ms frames of it remain.
    let mut tone: Option<(hotline_media::ToneGenerator, u32)> = None;
    let mut gap_until = Instant::now();
    let (mut seq, mut ts, ssrc) = (1u16, 0u32, rand::random::<u32>());
    let mut pos = 0usize;
    let mut out = [0u8; 200];
    let mut enc = [0u8; 160];
    let mut pcm = [0i16; 160];
    let mut rbuf = vec![0u8; 2048];
    let ended_by;
    loop {
        tokio::select! {
            _ = tick.tick() => {
                let now = Instant::now();
                if now >= ends {
                    let mut bye = ua.request(&Method::Bye, &to_with_tag, &target);
                    bye.headers.remove("Contact");
                    ua.sip.send_to(&bye.to_bytes(), ua.server).await?;
                    // Wait briefly for the 200 so the server sees a clean end.
                    let _ = tokio::time::timeout(Duration::from_secs(2), ua.sip.recv_from(&mut buf)).await;
                    ended_by = "caller";
                    break;
                }
                if sending_digit.is_none()
                    && tone.is_none()
                    && now >= dtmf_at
                    && now >= gap_until
                    && let Some(d) = digits.pop_front()
                {
                    if d == ',' {
                        gap_until = now + Duration::from_secs(1);
                    } else if args.inband {
                        tone = hotline_media::dtmf_frequencies(d).map(|(lo, hi)| {
                            (hotline_media::ToneGenerator::new(&[lo, hi], 12_000, 8000), 6)
                        });
                    } else {
                        sending_digit = EventSender::new(d, 160, 120).map(|s| (s, ts));
                    }
                }
                let mut sent_event = false;
                if let Some((sender, ev_ts)) = sending_digit.as_mut() {
                    if let Some((ev, marker)) = sender.next_packet() {
                        let mut p = [0u8; 4];
                        hotline_media::write_event(&ev, &mut p);
                        let h = RtpHeader { payload_type: 101, marker, sequence: seq, timestamp: *ev_ts, ssrc };
                        if let Ok(len) = hotline_media::write_rtp(&h, &p, &mut out) {
                            rtp.send_to(&out[..len], neg.remote).await?;
                        }
                        seq = seq.wrapping_add(1);
                        sent_event = true;
                    } else {
                        sending_digit = None;
                        gap_until = now + Duration::from_millis(150);
                    }
                }
                if !sent_event {
                    if let Some((generator, frames)) = tone.as_mut() {
                        generator.fill(&mut pcm);
                        *frames -= 1;
                        if *frames == 0 {
                            tone = None;
                            gap_until = now + Duration::from_millis(150);
                        }
                    } else {
                        for s in &mut pcm { *s = voice[pos % voice.len()]; pos += 1; }
                    }
                    neg.codec.encode(&pcm, &mut enc);
                    let h = RtpHeader { payload_type: neg.payload_type, marker: seq == 1, sequence: seq, timestamp: ts, ssrc };
                    if let Ok(len) = hotline_media::write_rtp(&h, &enc, &mut out) {
                        rtp.send_to(&out[..len], neg.remote).await?;
                    }
                    seq = seq.wrapping_add(1);
                }
                ts = ts.wrapping_add(160);
            }
            r = rtp.recv_from(&mut rbuf) => {
                if let Ok((n, _)) = r
                    && let Ok((h, payload)) = hotline_media::parse_rtp(&rbuf[..n])
                        && h.payload_type == neg.payload_type {
                            let mut dec = vec![0i16; payload.len()];
                            neg.codec.decode(payload, &mut dec);
                            heard.extend_from_slice(&dec);
                        }
            }
            r = ua.sip.recv_from(&mut buf) => {
                let Ok((n, src)) = r else { continue };
                if let Ok(Message::Request(req)) = hotline_sip::parse_datagram(&buf[..n]) {
                    let resp = hotline_sip::response_to(&req, 200, "OK", None);
                    ua.sip.send_to(&resp.to_bytes(), src).await?;
                    if req.method == Method::Bye {
                        ended_by = "server";
                        break;
                    }
                }
            }
        }
    }
    let rms = hotline_media::rms(&heard);
    if let Some(path) = &args.record {
        std::fs::write(path, hotline_media::wav_bytes(&heard, 8000, 1))?;
    }
    Ok(CallReport {
        call_id: ua.call_id,
        final_code: ok.code,
        answered: true,
        heard_ms: heard.len() as u64 / 8,
        heard_rms: rms,
        ended_by,
    })
}

//! Agent audio over WebRTC, end to end on loopback: the hub on 127.0.0.1:0 and, as the agent's
//! softphone, a second str0m `Rtc` driven here over its own UDP socket. It proves the path:
//! offer/answer, ICE + DTLS, a 1 kHz tone up, a 600 Hz tone down, and that a vanished or closed
//! agent shows as `Disconnected`.

// Test helpers outside `#[test]` functions unwrap too.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use hotline_media::{Codec, ToneGenerator, dominant_frequency, rms};
use hotline_server::media::webrtc::{
    AgentLeg, AudioFrame, FRAME_SAMPLES, HubConfig, LegState, WebRtcError, WebRtcHub,
};
use str0m::change::{SdpAnswer, SdpPendingOffer};
use str0m::format::Codec as RtcCodec;
use str0m::media::{Direction, Frequency, MediaKind, MediaTime, Mid, Pt};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, Input, Output, Rtc};
use tokio::net::UdpSocket;
use tokio::time;
use tokio_util::sync::CancellationToken;

const RATE: u32 = 8000;
const CANDIDATES: [f32; 2] = [600.0, 1000.0];

/// The agent's softphone: a str0m `Rtc` over its own socket, PCMU only.
struct Client {
    rtc: Rtc,
    socket: UdpSocket,
    local: SocketAddr,
    buf: Vec<u8>,
    mid: Mid,
    pt: Option<Pt>,
    connected: bool,
    closed: bool,
    next_timeout: Instant,
    /// Everything heard from the server, decoded.
    heard: Vec<i16>,
    /// RTP timestamp of the next frame we speak.
    ts: u64,
}

impl Client {
    async fn new() -> (Client, String, SdpPendingOffer) {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let local = socket.local_addr().unwrap();
        // PCMU as str0m registers it (no channel count: `PCMU/8000`).
        let mut rtc = Rtc::builder()
            .clear_codecs()
            .enable_pcmu(true, false)
            .build(Instant::now());
        rtc.add_local_candidate(Candidate::host(local, "udp").unwrap());
        let mut api = rtc.sdp_api();
        let mid = api.add_media(MediaKind::Audio, Direction::SendRecv, None, None, None);
        let (offer, pending) = api.apply().unwrap();
        let offer = offer.to_sdp_string();
        let client = Client {
            rtc,
            socket,
            local,
            buf: vec![0; 2048],
            mid,
            pt: None,
            connected: false,
            closed: false,
            next_timeout: Instant::now(),
            heard: Vec::new(),
            ts: 0,
        };
        (client, offer, pending)
    }

    fn accept_answer(&mut self, pending: SdpPendingOffer, answer: &str) {
        let answer = SdpAnswer::from_sdp_string(answer).unwrap();
        self.rtc.sdp_api().accept_answer(pending, answer).unwrap();
        let writer = self.rtc.writer(self.mid).unwrap();
        let pt = writer
            .payload_params()
            .find(|p| p.spec().codec == RtcCodec::PCMU)
            .map(str0m::format::PayloadParams::pt);
        assert!(pt.is_some(), "the answer must keep PCMU");
        self.pt = pt;
        self.drain();
    }

    fn drain(&mut self) {
        while self.rtc.is_alive() {
            match self.rtc.poll_output().unwrap() {
                Output::Timeout(at) => {
                    self.next_timeout = at;
                    return;
                }
                Output::Transmit(t) => {
                    let _ = self.socket.try_send_to(&t.contents, t.destination);
                }
                Output::Event(Event::Connected) => self.connected = true,
                Output::Event(Event::Closed) => self.closed = true,
                Output::Event(Event::MediaData(data)) => {
                    assert_eq!(Some(data.pt), self.pt);
                    let at = self.heard.len();
                    self.heard.resize(at + data.data.len(), 0);
                    Codec::Pcmu.decode(&data.data, &mut self.heard[at..]);
                }
                Output::Event(_) => {}
            }
        }
        self.closed = true;
    }

    /// Waits for one datagram or the next str0m timeout, feeds it in, drains the output.
    async fn step(&mut self) {
        let wait = time::sleep_until(self.next_timeout.max(Instant::now()).into());
        tokio::select! {
            got = self.socket.recv_from(&mut self.buf) => {
                let Ok((n, source)) = got else { return };
                let Ok(contents) = (&self.buf[..n]).try_into() else { return };
                let input = Input::Receive(
                    Instant::now(),
                    Receive { proto: Protocol::Udp, source, destination: self.local, contents },
                );
                self.rtc.handle_input(input).unwrap();
            }
            () = wait => self.rtc.handle_input(Input::Timeout(Instant::now())).unwrap(),
        }
        self.drain();
    }

    /// Takes whatever has arrived and any due timeout, without waiting.
    fn service(&mut self) {
        while let Ok((n, source)) = self.socket.try_recv_from(&mut self.buf) {
            let Ok(contents) = (&self.buf[..n]).try_into() else {
                continue;
            };
            let input = Input::Receive(
                Instant::now(),
                Receive {
                    proto: Protocol::Udp,
                    source,
                    destination: self.local,
                    contents,
                },
            );
            self.rtc.handle_input(input).unwrap();
        }
        if Instant::now() >= self.next_timeout {
            self.rtc
                .handle_input(Input::Timeout(Instant::now()))
                .unwrap();
        }
        self.drain();
    }

    /// Speaks one 20 ms frame of PCMU.
    fn speak(&mut self, pcm: &[i16; FRAME_SAMPLES]) {
        let mut payload = vec![0u8; FRAME_SAMPLES];
        Codec::Pcmu.encode(pcm, &mut payload);
        let pt = self.pt.unwrap();
        let time = MediaTime::new(self.ts, Frequency::EIGHT_KHZ);
        self.ts += FRAME_SAMPLES as u64;
        let writer = self.rtc.writer(self.mid).unwrap();
        writer.write(pt, Instant::now(), time, payload).unwrap();
        self.drain();
    }
}

fn config() -> HubConfig {
    let mut config = HubConfig::new("127.0.0.1:0".parse().unwrap(), "127.0.0.1".parse().unwrap());
    // A dead agent must show quickly in a test; production keeps the longer defaults.
    config.max_stun_rto = Duration::from_millis(300);
    config.max_stun_retransmits = 4;
    config.silence_timeout = Duration::from_millis(1500);
    config
}

/// Pumps the client until `done` holds, failing after `limit`.
async fn pump_until(
    client: &mut Client,
    limit: Duration,
    what: &str,
    mut done: impl FnMut(&Client) -> bool,
) {
    let deadline = Instant::now() + limit;
    while !done(client) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::select! {
            () = client.step() => {}
            () = time::sleep(Duration::from_millis(10)) => {}
        }
    }
}

/// The driver drops a finished leg right after it reports `Disconnected`.
async fn legs_drop_to_zero(hub: &WebRtcHub) {
    let deadline = Instant::now() + Duration::from_secs(1);
    while hub.leg_count() != 0 {
        assert!(Instant::now() < deadline, "{} legs left", hub.leg_count());
        time::sleep(Duration::from_millis(5)).await;
    }
}

/// Starts a hub, offers from a fresh client, and waits until both ends are connected.
async fn connected(shutdown: &CancellationToken) -> (WebRtcHub, Client, AgentLeg) {
    let hub = WebRtcHub::start_with(config(), shutdown.clone())
        .await
        .unwrap();
    let (mut client, offer, pending) = Client::new().await;
    assert!(offer.contains("PCMU/8000\r\n"), "{offer}");
    let (answer, leg) = hub.accept_offer(&offer).await.unwrap();
    assert_eq!(hub.leg_count(), 1);
    assert_eq!(*leg.state.borrow(), LegState::Connecting);
    assert!(
        answer.contains(&format!("127.0.0.1 {} typ host", hub.local_addr().port())),
        "{answer}"
    );
    client.accept_answer(pending, &answer);
    let state = leg.state.clone();
    pump_until(&mut client, Duration::from_secs(10), "ICE + DTLS", |c| {
        c.connected && *state.borrow() == LegState::Connected
    })
    .await;
    (hub, client, leg)
}

/// One agent in a talk test: its softphone, its leg and the tones each side plays.
struct Party {
    client: Client,
    leg: AgentLeg,
    up: ToneGenerator,
    down: ToneGenerator,
    /// Frames `from_agent` delivered, concatenated.
    from_agent: Vec<i16>,
    pushed: usize,
}

impl Party {
    fn new(client: Client, leg: AgentLeg, up_hz: f32, down_hz: f32) -> Self {
        Party {
            client,
            leg,
            up: ToneGenerator::new(&[up_hz], 8000, RATE),
            down: ToneGenerator::new(&[down_hz], 8000, RATE),
            from_agent: Vec::new(),
            pushed: 0,
        }
    }

    /// Checks what each side heard: most of `frames` arrived, loud, at the expected tone.
    fn assert_heard(&self, frames: usize, up_hz: f32, down_hz: f32) {
        let id = self.leg.id;
        let got = self.from_agent.len() / FRAME_SAMPLES;
        assert!(
            got >= frames * 4 / 5,
            "leg {id}: only {got} of {frames} frames from the agent"
        );
        let up = &self.from_agent[5 * FRAME_SAMPLES..];
        assert!(
            rms(up) > 2000.0,
            "leg {id}: agent audio too quiet: {}",
            rms(up)
        );
        assert_eq!(
            dominant_frequency(up, &CANDIDATES, RATE),
            Some(up_hz),
            "leg {id} up"
        );

        assert!(
            self.pushed >= frames - 5,
            "leg {id}: the driver took only {}",
            self.pushed
        );
        let heard = self.client.heard.len() / FRAME_SAMPLES;
        assert!(
            heard >= frames * 4 / 5,
            "leg {id}: the agent heard only {heard} frames"
        );
        let down = &self.client.heard[5 * FRAME_SAMPLES..];
        assert!(
            rms(down) > 2000.0,
            "leg {id}: server audio too quiet: {}",
            rms(down)
        );
        assert_eq!(
            dominant_frequency(down, &CANDIDATES, RATE),
            Some(down_hz),
            "leg {id} down"
        );
    }
}

/// For `frames` × 20 ms every agent speaks its tone and the server plays each leg its tone,
/// like a real-time producer would (one `try_send` per 20 ms); then lets the tail arrive.
async fn talk(parties: &mut [Party], frames: usize) {
    let mut tick = time::interval(Duration::from_millis(20));
    let mut spoken = 0;
    let settle_until = Instant::now() + Duration::from_millis(20 * frames as u64 + 300);
    while Instant::now() < settle_until {
        tokio::select! {
            _ = tick.tick() => {
                for p in parties.iter_mut() {
                    if spoken < frames {
                        let mut pcm = [0i16; FRAME_SAMPLES];
                        p.up.fill(&mut pcm);
                        p.client.speak(&pcm);
                        let mut frame = AudioFrame::SILENCE;
                        p.down.fill(&mut frame.0);
                        if p.leg.to_agent.try_send(frame).is_ok() {
                            p.pushed += 1;
                        }
                    }
                    while let Ok(frame) = p.leg.from_agent.try_recv() {
                        p.from_agent.extend_from_slice(&frame.0);
                    }
                }
                spoken += 1;
            }
            () = time::sleep(Duration::from_millis(2)) => {
                for p in parties.iter_mut() {
                    p.client.service();
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tones_flow_both_ways_and_a_vanished_agent_disconnects() {
    let shutdown = CancellationToken::new();
    let (hub, client, leg) = connected(&shutdown).await;
    let mut parties = vec![Party::new(client, leg, 1000.0, 600.0)];
    talk(&mut parties, 75).await;
    parties[0].assert_heard(75, 1000.0, 600.0);
    assert!(
        hub.stats()
            .frames_sent
            .load(std::sync::atomic::Ordering::Relaxed)
            >= 60
    );
    let Party {
        client, mut leg, ..
    } = parties.pop().unwrap();

    // The agent vanishes without a word (no DTLS close): ICE consent checks go unanswered.
    let gone_at = Instant::now();
    drop(client);
    let reason = time::timeout(Duration::from_secs(3), async {
        loop {
            if let LegState::Disconnected(reason) = &*leg.state.borrow_and_update() {
                return reason.clone();
            }
            leg.state.changed().await.unwrap();
        }
    })
    .await
    .expect("a vanished agent must show as Disconnected within 3 s");
    let took = gone_at.elapsed();
    eprintln!("vanished agent detected after {took:?}: {reason}");
    assert!(reason.contains("silent"), "{reason}");
    assert!(took >= Duration::from_secs(1), "too early: {took:?}");
    legs_drop_to_zero(&hub).await;
    shutdown.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_agents_share_the_port_without_crosstalk() {
    let shutdown = CancellationToken::new();
    let (hub, client_a, leg_a) = connected(&shutdown).await;
    let (mut client_b, offer, pending) = Client::new().await;
    let (answer, leg_b) = hub.accept_offer(&offer).await.unwrap();
    client_b.accept_answer(pending, &answer);
    let state = leg_b.state.clone();
    pump_until(
        &mut client_b,
        Duration::from_secs(10),
        "the second agent",
        |c| c.connected && *state.borrow() == LegState::Connected,
    )
    .await;
    assert_eq!(hub.leg_count(), 2);
    assert_ne!(leg_a.id, leg_b.id);

    let mut parties = vec![
        Party::new(client_a, leg_a, 1000.0, 600.0),
        Party::new(client_b, leg_b, 600.0, 1000.0),
    ];
    talk(&mut parties, 50).await;
    parties[0].assert_heard(50, 1000.0, 600.0);
    parties[1].assert_heard(50, 600.0, 1000.0);
    shutdown.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_the_leg_tells_the_agent_and_frees_it() {
    let shutdown = CancellationToken::new();
    let (hub, mut client, leg) = connected(&shutdown).await;
    leg.close();
    pump_until(
        &mut client,
        Duration::from_secs(5),
        "the agent to see the close",
        |c| {
            c.closed && *leg.state.borrow() == LegState::Disconnected("closed by the server".into())
        },
    )
    .await;
    legs_drop_to_zero(&hub).await;
    shutdown.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_both_channels_closes_the_leg() {
    let shutdown = CancellationToken::new();
    let (hub, mut client, leg) = connected(&shutdown).await;
    // The fields move out freely (no Drop on AgentLeg), e.g. into a mixer.
    let AgentLeg {
        from_agent,
        to_agent,
        state,
        ..
    } = leg;
    drop(from_agent);
    drop(to_agent);
    pump_until(
        &mut client,
        Duration::from_secs(5),
        "the leg to close",
        |c| c.closed && matches!(*state.borrow(), LegState::Disconnected(_)),
    )
    .await;
    legs_drop_to_zero(&hub).await;
    shutdown.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_disconnects_legs_and_refuses_new_offers() {
    let shutdown = CancellationToken::new();
    let (hub, _client, mut leg) = connected(&shutdown).await;
    shutdown.cancel();
    time::timeout(Duration::from_secs(5), async {
        while !matches!(*leg.state.borrow_and_update(), LegState::Disconnected(_)) {
            leg.state.changed().await.unwrap();
        }
    })
    .await
    .unwrap();
    let (_other, offer, _pending) = Client::new().await;
    let err = hub.accept_offer(&offer).await.err();
    assert!(matches!(err, Some(WebRtcError::HubStopped)), "{err:?}");
}

#[tokio::test]
async fn an_offer_without_pcmu_is_refused() {
    let shutdown = CancellationToken::new();
    let hub = WebRtcHub::start_with(config(), shutdown.clone())
        .await
        .unwrap();
    let (_client, offer, _pending) = Client::new().await;
    let offer = offer.replace("PCMU/8000", "PCMA/8000");
    let err = hub.accept_offer(&offer).await.err();
    assert!(matches!(err, Some(WebRtcError::NoPcmuAudio)), "{err:?}");
    assert_eq!(hub.leg_count(), 0);
    shutdown.cancel();
}

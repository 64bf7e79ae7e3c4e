//! Calls the hotline places through its trunk (callbacks, campaigns): the trunk pointed at a
//! SIPp citizen's phone on loopback, the phone answering with its audio on a test socket (or
//! busy), and the check that one side clearly heard the other's tone.

use std::path::Path;
use std::time::Duration;

use hotline_server::config::Config;
use tokio::net::UdpSocket;
use tokio::process::Child;
use tokio::task::JoinHandle;

use crate::audio::tone_file;
use crate::citizen::{phone, phone_done, phone_media};
use crate::{scenario_dir, scenario_from_template};

/// Points the first trunk's outbound calls at the citizen's phone on `uas_port`, showing
/// 12345 as the caller and giving up after 10 s of ringing.
pub fn trunk_to_phone(config: &mut Config, uas_port: u16) {
    let trunk = &mut config.trunks[0];
    trunk.outbound = Some(format!("127.0.0.1:{uas_port}"));
    trunk.caller_id = Some("12345".into());
    trunk.ring_timeout_secs = 10;
}

/// The citizen's phone on `uas_port`, set to answer the next call; its audio runs on a test
/// socket that speaks `voice_hz` (a tone file in `dir`) and keeps what it hears.
pub struct AnsweringPhone {
    sip: Child,
    media: JoinHandle<Vec<i16>>,
}

impl AnsweringPhone {
    pub async fn start(dir: &Path, uas_port: u16, voice_hz: f32) -> AnsweringPhone {
        let media = UdpSocket::bind("127.0.0.1:0").await.expect("rtp socket");
        let media_port = media.local_addr().expect("addr").port().to_string();
        let uas = scenario_from_template("uas_callback.tmpl", dir, &[("MEDIA_PORT", &media_port)]);
        let sip = phone(&uas, uas_port, &[]);
        let voice = tone_file(dir, "citizen.wav", voice_hz);
        let media = tokio::spawn(phone_media(media, voice, Duration::from_secs(40)));
        AnsweringPhone { sip, media }
    }

    /// Waits for the call to end (the scenario must succeed); gives what the citizen heard.
    pub async fn heard(self) -> Vec<i16> {
        phone_done(self.sip).await;
        self.media.await.expect("citizen media")
    }
}

/// The citizen's phone on `uas_port` answering the next call with 486 Busy Here; wait for it
/// with [`phone_done`].
pub fn busy_phone(uas_port: u16) -> Child {
    phone(&scenario_dir().join("uas_busy.xml"), uas_port, &[])
}

/// Whether `samples` hold the tone `freq` clearly (the loudest of the candidates, well above
/// silence) for two seconds on end.
pub fn clearly_hears(samples: &[i16], freq: f32) -> bool {
    const CANDIDATES: [f32; 6] = [450.0, 600.0, 800.0, 1000.0, 1200.0, 1500.0];
    let mut run = 0;
    for chunk in samples.chunks(4000) {
        let clear = hotline_media::rms(chunk) > 300.0
            && hotline_media::dominant_frequency(chunk, &CANDIDATES, 8000) == Some(freq);
        run = if clear { run + 1 } else { 0 };
        if run >= 4 {
            return true;
        }
    }
    false
}

/// Checks a leg the hotline placed through the trunk and the citizen answered: its call row
/// (`citizen` called on flow `flow`, answered) and the events of a bridged, recorded call.
/// Gives its `outbound` event (what it was placed for) for the caller's own checks.
pub fn answered_leg(
    db: &rusqlite::Connection,
    leg: &str,
    citizen: &str,
    flow: &str,
) -> serde_json::Value {
    let (caller, on_flow, answered): (String, String, bool) = db
        .query_row(
            "SELECT caller, flow, answered_at IS NOT NULL FROM calls WHERE id = ?1",
            [leg],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap_or_else(|e| panic!("the leg's call row {leg}: {e}"));
    assert_eq!(
        (caller.as_str(), on_flow.as_str(), answered),
        (citizen, flow, true)
    );
    let events = crate::events(db, leg);
    let kinds: Vec<&str> = events.iter().map(|(k, _)| k.as_str()).collect();
    for want in ["answered", "connected", "recorded", "ended"] {
        assert!(kinds.contains(&want), "event {want} missing: {kinds:?}");
    }
    events
        .into_iter()
        .find_map(|(k, d)| (k == "outbound").then_some(d))
        .expect("outbound event")
}

/// How the call `call_id` ended, as its row says.
pub fn end_cause(db: &rusqlite::Connection, call_id: &str) -> String {
    db.query_row(
        "SELECT end_cause FROM calls WHERE id = ?1",
        [call_id],
        |r| r.get(0),
    )
    .unwrap_or_else(|e| panic!("the call row {call_id}: {e}"))
}

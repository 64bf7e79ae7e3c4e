//! What [`update`](crate::app::update::update) asks the runtime to do. Effects are data so
//! `update` stays pure and the tests can check them.

use hotline_protocol::Command;

use crate::rest::RestRequest;

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Start the session task (log in, set up the media leg, stay connected).
    Connect {
        server: String,
        user: String,
        password: String,
    },
    /// Send a command over the session.
    Send(Command),
    /// Make a REST call with the session's token.
    Rest(RestRequest),
    /// Remember server and user (and the chosen audio devices) for the next start.
    SaveLogin { server: String, user: String },
    /// Restart the sound card with these devices (`None`: the default) and remember them.
    SwitchAudio {
        input: Option<String>,
        output: Option<String>,
    },
    /// Play a short tone on the speaker.
    TestTone,
    /// Play 8 kHz mono samples (a voicemail) on the speaker; reported back with
    /// `Action::PlaybackEnded { id }` when done.
    Play { id: i64, samples: Vec<i16> },
    /// Stop what `Play` started.
    StopPlayback,
    /// Log out and leave.
    Quit,
}

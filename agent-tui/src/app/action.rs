//! The one Action enum: everything that can change the workstation's state. Keys become
//! actions through the keymap (`assets/keymaps/agent.toml`, by the names in [`NAMES`]); the
//! session task, REST calls, audio and the clock report back as actions too.

use hotline_protocol::{AgentInfo, Event};

use crate::rest::{CallbackResult, RestReply};

/// Every action a key can be bound to, by its keymap name.
pub const NAMES: [&str; 56] = [
    "help",
    "quit",
    "ready",
    "not_ready",
    "end_wrap_up",
    "extend_wrap_up",
    "answer",
    "reject",
    "hangup",
    "hold",
    "mute",
    "transfer",
    "complete_transfer",
    "cancel_transfer",
    "dial",
    "pick_up",
    "call_supervisor",
    "emergency",
    "home",
    "queue_view",
    "ticket_form",
    "knowledge",
    "ticket_search",
    "caller_search",
    "up",
    "down",
    "page_up",
    "page_down",
    "left",
    "right",
    "next_field",
    "prev_field",
    "enter",
    "submit",
    "close",
    "backspace",
    "insert_answer",
    "test_tone",
    "new_ticket",
    "send_dtmf",
    "line_start",
    "line_end",
    "delete",
    "edit_caller",
    "voicemail_inbox",
    "play",
    "mark_handled",
    "call_back",
    "voicemail_ticket",
    "consultations",
    "consult_answer",
    "consult_write",
    "consult_reached",
    "consult_no_answer",
    "consult_busy",
    "consult_wrong_number",
];

/// Which panel fills the main area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Panel {
    /// Call controls and the screen-pop.
    #[default]
    Home,
    Queue,
    TicketForm,
    Knowledge,
    Tickets,
    Callers,
    /// Voicemail and the director's mailbox (留言 / 局长信箱).
    Inbox,
    /// Pending consultations (待答咨询).
    Consultations,
}

/// An input to [`update`](crate::app::update::update).
// Actions are built once and moved straight into `update`; boxing the server event would only
// make them clumsier to construct (the protocol crate makes the same choice for `Event`).
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    // --- from keys (see NAMES) ---
    /// Toggle the help overlay.
    Help,
    Quit,
    /// Ready; in wrap-up this ends wrap-up.
    Ready,
    /// Opens the reason picker.
    NotReady,
    EndWrapUp,
    /// Adds 30 s to wrap-up.
    ExtendWrapUp,
    Answer,
    Reject,
    /// Hangs up the call, or rejects a ringing offer.
    Hangup,
    /// Hold, or resume when held.
    Hold,
    /// Mute toggle.
    Mute,
    /// Opens the transfer / conference dialog.
    Transfer,
    CompleteTransfer,
    CancelTransfer,
    /// Opens the dial dialog.
    Dial,
    /// Takes the highlighted queued caller (抢接).
    PickUp,
    CallSupervisor,
    Emergency,
    /// Shows a panel.
    Show(Panel),
    /// Clears the ticket draft for a new one.
    NewTicket,
    /// Opens the DTMF dialog.
    SendDtmf,
    Up,
    Down,
    PageUp,
    PageDown,
    Left,
    Right,
    NextField,
    PrevField,
    /// Enter: confirm, search, new line in the description.
    Enter,
    /// Submit the ticket form.
    Submit,
    /// Close the overlay, or go back to the home panel.
    Close,
    Backspace,
    /// Delete the character under the caret.
    Delete,
    /// Caret to the start / end of its line.
    LineStart,
    LineEnd,
    /// A typed character (Chinese input arrives as characters too).
    Input(char),
    /// Put the highlighted knowledge item's reference answer into the ticket description.
    InsertAnswer,
    /// Edit the highlighted caller record (caller search).
    EditCaller,
    TestTone,
    /// Play the highlighted message through the speaker, or stop it.
    Play,
    /// Mark the highlighted message handled.
    MarkHandled,
    /// Dial the number of the highlighted message, caller or ticket (D4).
    CallBack,
    /// The ticket form, filled in from the highlighted message.
    VoicemailTicket,
    /// Answer the consultation being answered with the highlighted knowledge-base item.
    ConsultAnswer,
    /// Answer the consultation in the agent's own words.
    ConsultWrite,
    /// How the callback of the highlighted answered consultation went.
    ConsultResult(CallbackResult),

    // --- from the clock and audio ---
    /// Time passed: local wall clock in ms since the epoch.
    Tick {
        now_ms: u64,
    },
    Levels {
        input: f32,
        output: f32,
    },
    /// The message being played has been played to the end.
    PlaybackEnded {
        id: i64,
    },

    // --- from the session task ---
    Connecting,
    LoggedIn {
        agent: AgentInfo,
        token: String,
        server_time_ms: u64,
        /// The session was taken back after a reconnect.
        resumed: bool,
    },
    LoginFailed(String),
    /// The connection dropped; the task retries by itself.
    ConnectionLost(String),
    Reconnecting {
        attempt: u32,
    },
    /// The session could not be resumed and the password did not work either.
    SessionEnded(String),
    Server(Event),
    /// A command's reply was an error.
    CommandFailed {
        command: &'static str,
        message: String,
    },
    /// Audio or media-leg trouble (calls still work for signalling).
    AudioProblem(String),

    // --- from REST ---
    RestDone(RestReply),
    RestFailed {
        request: &'static str,
        message: String,
    },
}

impl Action {
    /// The action for a keymap name.
    pub fn from_name(name: &str) -> Option<Action> {
        Some(match name {
            "help" => Action::Help,
            "quit" => Action::Quit,
            "ready" => Action::Ready,
            "not_ready" => Action::NotReady,
            "end_wrap_up" => Action::EndWrapUp,
            "extend_wrap_up" => Action::ExtendWrapUp,
            "answer" => Action::Answer,
            "reject" => Action::Reject,
            "hangup" => Action::Hangup,
            "hold" => Action::Hold,
            "mute" => Action::Mute,
            "transfer" => Action::Transfer,
            "complete_transfer" => Action::CompleteTransfer,
            "cancel_transfer" => Action::CancelTransfer,
            "dial" => Action::Dial,
            "pick_up" => Action::PickUp,
            "call_supervisor" => Action::CallSupervisor,
            "emergency" => Action::Emergency,
            "home" => Action::Show(Panel::Home),
            "queue_view" => Action::Show(Panel::Queue),
            "ticket_form" => Action::Show(Panel::TicketForm),
            "knowledge" => Action::Show(Panel::Knowledge),
            "ticket_search" => Action::Show(Panel::Tickets),
            "caller_search" => Action::Show(Panel::Callers),
            "new_ticket" => Action::NewTicket,
            "send_dtmf" => Action::SendDtmf,
            "up" => Action::Up,
            "down" => Action::Down,
            "page_up" => Action::PageUp,
            "page_down" => Action::PageDown,
            "left" => Action::Left,
            "right" => Action::Right,
            "next_field" => Action::NextField,
            "prev_field" => Action::PrevField,
            "enter" => Action::Enter,
            "submit" => Action::Submit,
            "close" => Action::Close,
            "backspace" => Action::Backspace,
            "delete" => Action::Delete,
            "line_start" => Action::LineStart,
            "line_end" => Action::LineEnd,
            "insert_answer" => Action::InsertAnswer,
            "edit_caller" => Action::EditCaller,
            "test_tone" => Action::TestTone,
            "voicemail_inbox" => Action::Show(Panel::Inbox),
            "play" => Action::Play,
            "mark_handled" => Action::MarkHandled,
            "call_back" => Action::CallBack,
            "voicemail_ticket" => Action::VoicemailTicket,
            "consultations" => Action::Show(Panel::Consultations),
            "consult_answer" => Action::ConsultAnswer,
            "consult_write" => Action::ConsultWrite,
            "consult_reached" => Action::ConsultResult(CallbackResult::Reached),
            "consult_no_answer" => Action::ConsultResult(CallbackResult::NoAnswer),
            "consult_busy" => Action::ConsultResult(CallbackResult::Busy),
            "consult_wrong_number" => Action::ConsultResult(CallbackResult::WrongNumber),
            _ => return None,
        })
    }

    /// Actions that are only about the clock; the screen redraws after them only when the
    /// second changes.
    pub fn is_tick(&self) -> bool {
        matches!(self, Action::Tick { .. } | Action::Levels { .. })
    }
}

/// Unused-name guard: every name maps to an action.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_has_an_action() {
        for n in NAMES {
            assert!(Action::from_name(n).is_some(), "{n}");
        }
    }
}

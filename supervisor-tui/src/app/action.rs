//! Everything that can happen to the workstation, as one enum: keys (after the keymap),
//! session events, REST results and the clock. `update` is the only consumer.

use hotline_protocol::{AgentInfo, Event, MonitorMode, Role};

use crate::app::state::Tab;
use crate::rest::Response;

// Actions live for one `update` call; boxing the rare big ones (log-in, server events) would
// only make them clumsier to build and match.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    // --- keys: global ---
    Quit,
    /// Toggles the help overlay.
    Help,
    /// Closes the dialog or overlay; on the main screens clears the status line.
    Back,
    NextTab,
    PrevTab,
    ShowTab(Tab),
    Up,
    Down,
    PageUp,
    PageDown,
    /// Enter: log in, confirm a dialog, pick an item.
    Confirm,
    /// Tab inside a form: the next field.
    NextField,
    /// A typed character (forms only).
    Char(char),
    Backspace,
    Paste(String),
    /// Reloads what the current tab shows.
    Refresh,

    // --- keys: seats (supervisors only) ---
    /// Listen, whisper, barge in or take over the selected agent's call (or switch to it).
    Monitor(MonitorMode),
    StopMonitor,
    ForceNotReady,
    ForceLogout,
    ForceRelease,
    /// Goes to the seat of the oldest help request (emergencies first) and offers to join:
    /// whisper for help, barge-in for an emergency.
    AnswerHelp,
    /// Calls the selected agent (内部呼叫), or hangs up the internal call in progress.
    CallAgent,

    // --- keys: tickets ---
    /// Switches between the overdue and the due-soon list.
    ToggleList,
    /// 督办 the selected ticket with an instruction.
    Supervise,
    ApproveExtension,
    /// Shows or hides the daily digest.
    ToggleDigest,

    // --- keys: reports ---
    NextReport,
    /// Cycles the grouping (hour/day; type/category/department/region).
    CycleBy,
    /// Cycles the comparison (none, year-on-year, month-on-month, previous period).
    CycleCompare,
    EditPeriod,
    PeriodBack,
    PeriodForward,
    Export,

    // --- session ---
    Connecting,
    LoggedIn {
        agent: AgentInfo,
        role: Role,
        token: String,
        server_time_ms: u64,
    },
    LoginFailed(String),
    ConnectionLost(String),
    Reconnecting {
        attempt: u32,
    },
    SessionEnded(String),
    Server(Event),
    CommandFailed {
        command: &'static str,
        message: String,
    },
    /// The listening leg could not be set up (or came up: `None`).
    Audio(Option<String>),

    // --- REST ---
    RestDone(Response),
    RestFailed {
        request: &'static str,
        message: String,
    },

    // --- clock ---
    Tick {
        now_ms: u64,
    },
}

impl Action {
    pub fn is_tick(&self) -> bool {
        matches!(self, Action::Tick { .. })
    }
}

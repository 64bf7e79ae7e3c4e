//! Everything the screen shows, as plain data. `render` reads it, `update` changes it; the
//! current time is part of it so rendering never reads a clock.

use hotline_protocol::{
    AgentInfo, AgentState, CallId, CallState, Direction, Party, QueueSnapshot, ScreenPop,
    StandardReason, TransferInfo,
};
use hotline_tui::Lang;

use crate::app::action::Panel;
use crate::app::caller_edit::CallerDialog;
use crate::app::categories::{self, Category};
use crate::app::consultations::Consultations;
use crate::app::form::{DeptEntry, TicketForm};
use crate::app::inbox::Inbox;
use crate::app::text::Caret;
use crate::rest::{CallerRow, KnowledgeItem, TicketLink, TicketRow};

/// Not-ready reasons offered in the picker (`missed` is set by the server only).
pub const REASONS: [StandardReason; 6] = [
    StandardReason::Break,
    StandardReason::Meal,
    StandardReason::Meeting,
    StandardReason::Training,
    StandardReason::AfterCall,
    StandardReason::Other,
];

/// Seconds one extend-wrap-up press adds.
pub const EXTEND_SECS: u32 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Screen {
    #[default]
    Login,
    Main,
}

/// The connection as the agent should understand it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Conn {
    #[default]
    Offline,
    Connecting,
    Online,
    Reconnecting {
        attempt: u32,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginField {
    Server,
    User,
    Password,
    /// The microphone device (only with the sound-card backend).
    Input,
    /// The speaker device.
    Output,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LoginForm {
    pub server: String,
    pub user: String,
    pub password: String,
    pub focus: LoginField,
    /// Where typing goes in the focused field.
    pub caret: Caret,
    pub pending: bool,
    pub error: Option<String>,
    /// The audio backend in use, or why it failed.
    pub audio: String,
    /// Sound-card devices the host offers (read once at start); empty for other backends.
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
    /// The chosen devices; `None` is the host's default.
    pub input: Option<String>,
    pub output: Option<String>,
}

impl LoginForm {
    /// Whether there are devices to choose from (the sound-card backend is in use).
    pub fn has_devices(&self) -> bool {
        !self.inputs.is_empty() || !self.outputs.is_empty()
    }
}

impl Default for LoginForm {
    fn default() -> Self {
        LoginForm {
            server: "ws://127.0.0.1:8080/ws".into(),
            user: String::new(),
            password: String::new(),
            focus: LoginField::User,
            caret: Caret::END,
            pending: false,
            error: None,
            audio: "null".into(),
            inputs: Vec::new(),
            outputs: Vec::new(),
            input: None,
            output: None,
        }
    }
}

/// A call ringing at this seat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub call_id: CallId,
    pub queue: String,
    pub waited_ms: u64,
    pub ring_timeout_ms: u64,
    /// Local time the offer arrived.
    pub at_ms: u64,
    /// A callback (queue callback or campaign call): answering connects us first, then the
    /// server dials this number.
    pub callback: Option<hotline_protocol::CallbackOffer>,
}

/// The agent's current call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub call_id: CallId,
    pub state: CallState,
    pub direction: Direction,
    /// Server time the call connected.
    pub connected_at_ms: Option<u64>,
    pub parties: Vec<Party>,
    pub muted: bool,
    /// The number on the other end, from the screen-pop or the dial dialog.
    pub number: String,
    /// The caller sent to an IVR flow (PIN entry, survey) and what it handed back.
    pub ivr: Option<IvrLeg>,
}

/// A trip of the caller through an IVR flow while the agent keeps the call (A11).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IvrLeg {
    pub flow: String,
    /// The flow's result once the caller is back ("ok", …).
    pub result: Option<String>,
}

/// A help request or emergency sent to the supervisors, until one of them joins the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HelpRequest {
    pub emergency: bool,
    /// Local time it was sent.
    pub at_ms: u64,
}

/// Kinds of transfer target in the dialog; `ivr` hands the caller to a flow (A11).
pub const TARGET_KINDS: [&str; 5] = ["agent", "queue", "department", "external", "ivr"];
/// The IVR flows an agent may send a caller to (assets/ivr), offered in the dialog.
pub const IVR_FLOWS: [&str; 2] = ["pin_entry", "satisfaction"];
/// Modes in the transfer dialog; `conference` adds the target instead (D3).
pub const TRANSFER_MODES: [&str; 3] = ["blind", "attended", "conference"];

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TransferDialog {
    /// Index into [`TARGET_KINDS`].
    pub kind: usize,
    pub target: String,
    /// Index into [`TRANSFER_MODES`].
    pub mode: usize,
    pub note: String,
    /// 0 kind, 1 target, 2 mode, 3 note.
    pub focus: usize,
    /// Where typing goes in the target or the note.
    pub caret: Caret,
    pub error: Option<&'static str>,
}

/// What floats over the main screen.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Overlay {
    #[default]
    None,
    Help,
    Reasons {
        sel: usize,
    },
    Transfer(TransferDialog),
    Dial {
        number: String,
    },
    Dtmf {
        digits: String,
    },
    /// Editing a caller record from caller search.
    EditCaller(CallerDialog),
}

/// A search panel: the query, whether a request is out, results and the highlighted row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search<T> {
    pub query: String,
    /// Where typing goes in the query.
    pub caret: Caret,
    pub pending: bool,
    pub results: Vec<T>,
    pub sel: usize,
    /// Whether a search has been made (to tell "no results" from "not searched").
    pub searched: bool,
}

impl<T> Default for Search<T> {
    fn default() -> Self {
        Search {
            query: String::new(),
            caret: Caret::END,
            pending: false,
            results: Vec::new(),
            sel: 0,
            searched: false,
        }
    }
}

impl<T> Search<T> {
    pub fn selected(&self) -> Option<&T> {
        self.results.get(self.sel)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warning,
    Error,
}

/// The message line at the bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusMsg {
    pub text: String,
    pub level: Level,
}

/// The whole workstation.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub lang: Lang,
    /// Local wall clock, ms since the epoch.
    pub now_ms: u64,
    /// Server clock minus local clock, from `login_ok`.
    pub clock_offset_ms: i64,
    pub screen: Screen,
    pub login: LoginForm,
    pub conn: Conn,
    pub agent: Option<AgentInfo>,
    pub token: Option<String>,
    pub agent_state: AgentState,
    /// Server time the agent entered `agent_state`.
    pub state_since_ms: u64,
    pub offer: Option<Offer>,
    pub call: Option<Call>,
    /// The last screen-pop: stays up through the call and wrap-up.
    pub pop: Option<ScreenPop>,
    /// Who transferred the current call here, with their note (D2: data travels with the call).
    pub handover: Option<TransferInfo>,
    pub queues: Vec<QueueSnapshot>,
    /// Local time each queue's snapshot arrived: waits advance locally between snapshots.
    pub queue_at_ms: std::collections::BTreeMap<String, u64>,
    /// Highlighted waiting caller across all queues (queue panel).
    pub queue_sel: usize,
    pub panel: Panel,
    pub overlay: Overlay,
    pub form: TicketForm,
    pub categories: Vec<Category>,
    pub departments: Vec<DeptEntry>,
    pub departments_pending: bool,
    pub knowledge: Search<KnowledgeItem>,
    pub tickets: Search<TicketRow>,
    pub callers: Search<CallerRow>,
    /// Links of tickets shown in ticket search, by ticket id (fetched as rows are viewed).
    pub ticket_links: std::collections::BTreeMap<i64, Vec<TicketLink>>,
    /// Related-ticket suggestions from the server for the ticket being entered:
    /// `(number, subject)`.
    pub related_suggestions: Vec<(String, String)>,
    pub inbox: Inbox,
    pub consultations: Consultations,
    /// A help request or emergency waiting for a supervisor.
    pub help: Option<HelpRequest>,
    pub status: Option<StatusMsg>,
    pub levels: (f32, f32),
    /// The number last dialled, shown for the outbound call it starts.
    pub dialed: Option<String>,
    pub quit: bool,
}

impl State {
    pub fn new(lang: Lang) -> State {
        State {
            lang,
            now_ms: 0,
            clock_offset_ms: 0,
            screen: Screen::Login,
            login: LoginForm::default(),
            conn: Conn::Offline,
            agent: None,
            token: None,
            agent_state: AgentState::LoggedOut,
            state_since_ms: 0,
            offer: None,
            call: None,
            pop: None,
            handover: None,
            queues: Vec::new(),
            queue_at_ms: std::collections::BTreeMap::new(),
            queue_sel: 0,
            panel: Panel::Home,
            overlay: Overlay::None,
            form: TicketForm::default(),
            categories: categories::load(),
            departments: Vec::new(),
            departments_pending: false,
            knowledge: Search::default(),
            tickets: Search::default(),
            callers: Search::default(),
            ticket_links: std::collections::BTreeMap::new(),
            related_suggestions: Vec::new(),
            inbox: Inbox::default(),
            consultations: Consultations::default(),
            help: None,
            status: None,
            levels: (0.0, 0.0),
            dialed: None,
            quit: false,
        }
    }

    /// The server's clock now.
    pub fn server_now_ms(&self) -> u64 {
        self.now_ms.saturating_add_signed(self.clock_offset_ms)
    }

    /// How long ago the snapshot of `queue` arrived.
    pub fn queue_age_ms(&self, queue: &str) -> u64 {
        self.queue_at_ms
            .get(queue)
            .map_or(0, |at| self.now_ms.saturating_sub(*at))
    }

    /// The longest wait in `q` now (0 when nobody waits).
    pub fn longest_wait_ms(&self, q: &QueueSnapshot) -> u64 {
        if q.waiting.is_empty() {
            0
        } else {
            q.longest_wait_ms + self.queue_age_ms(&q.queue)
        }
    }

    /// Waiting callers over all queues in serving order (priority, then longest wait), with
    /// their queue.
    pub fn waiting(&self) -> Vec<(&str, &hotline_protocol::WaitingCaller)> {
        let mut all: Vec<_> = self
            .queues
            .iter()
            .flat_map(|q| q.waiting.iter().map(move |w| (q.queue.as_str(), w)))
            .collect();
        all.sort_by(|a, b| {
            b.1.priority
                .cmp(&a.1.priority)
                .then(b.1.waited_ms.cmp(&a.1.waited_ms))
        });
        all
    }

    /// Ticket numbers a new ticket may be linked to: the caller's tickets (open ones first),
    /// the server's suggestions, and any already chosen (a voicemail's ticket).
    pub fn related_candidates(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .pop
            .as_ref()
            .map(|p| p.tickets.iter().map(|t| t.number.clone()).collect())
            .unwrap_or_default();
        let more = self
            .related_suggestions
            .iter()
            .map(|(n, _)| n)
            .chain(&self.form.related);
        for n in more {
            if !out.contains(n) {
                out.push(n.clone());
            }
        }
        out
    }

    /// The keymap contexts in effect, most specific first.
    pub fn contexts(&self) -> Vec<&'static str> {
        self.contexts_with(&self.overlay)
    }

    /// The contexts under the overlay (what the help overlay explains).
    pub fn contexts_under_overlay(&self) -> Vec<&'static str> {
        self.contexts_with(&Overlay::None)
    }

    fn contexts_with(&self, overlay: &Overlay) -> Vec<&'static str> {
        let mut ctx = Vec::new();
        if self.screen == Screen::Login {
            ctx.extend(["login", "global"]);
            return ctx;
        }
        match overlay {
            Overlay::Help => ctx.push("dialog"),
            Overlay::Reasons { .. } => ctx.extend(["list", "dialog"]),
            Overlay::Transfer(_)
            | Overlay::Dial { .. }
            | Overlay::Dtmf { .. }
            | Overlay::EditCaller(_) => {
                ctx.extend(["dialog", "form"]);
            }
            Overlay::None => match self.panel {
                Panel::Home => {
                    if self.offer.is_some() {
                        ctx.push("ringing");
                    }
                    ctx.push("main");
                }
                Panel::Queue => ctx.extend(["queue", "list", "main"]),
                Panel::Inbox => ctx.extend(["inbox", "list", "main"]),
                // A typed answer takes plain characters as text.
                Panel::Consultations
                    if self
                        .consultations
                        .answering
                        .as_ref()
                        .is_some_and(|a| a.text.is_some()) =>
                {
                    ctx.push("form");
                }
                Panel::Consultations => ctx.extend(["consultations", "list", "main"]),
                Panel::TicketForm => ctx.push("form"),
                Panel::Knowledge | Panel::Tickets | Panel::Callers => {
                    ctx.extend(["search", "list", "form"]);
                }
            },
        }
        ctx.push("global");
        ctx
    }

    /// Whether plain characters are typed text here (rather than single-key commands).
    pub fn typing(&self) -> bool {
        let ctx = self.contexts();
        ctx.contains(&"form") || ctx.contains(&"login")
    }
}

//! Everything the screens show. `now_ms` is part of the state so rendering never reads a clock.

use std::collections::BTreeMap;

use hotline_protocol::{
    AgentId, AgentInfo, AgentState, Alarm, CallId, Capability, MonitorMode, NotReadyReason,
    QueueSnapshot, Role,
};
use hotline_tui::Lang;
use jiff::tz::TimeZone;

use super::alarms::{LocalAlarm, Thresholds};
use crate::rest::{AgentReport, CallReport, ReportKind, Ticket, TicketList, TicketReport};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Login,
    Main,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Wallboard,
    Tickets,
    Reports,
}

impl Tab {
    pub const ALL: [Tab; 3] = [Tab::Wallboard, Tab::Tickets, Tab::Reports];

    pub fn key(self) -> &'static str {
        match self {
            Tab::Wallboard => "sup.tab.wallboard",
            Tab::Tickets => "sup.tab.tickets",
            Tab::Reports => "sup.tab.reports",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LoginField {
    #[default]
    Server,
    User,
    Password,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoginForm {
    pub server: String,
    pub user: String,
    pub password: String,
    pub focus: LoginField,
    pub error: Option<String>,
    pub busy: bool,
    /// The audio backend in use, for the log-in screen.
    pub audio: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Conn {
    #[default]
    Offline,
    Connecting,
    Online,
    Reconnecting(u32),
}

/// A queue on the wallboard, with the waiting counts of the last hour (kept here, from the
/// snapshots, because the server sends only the present).
#[derive(Debug, Clone, PartialEq)]
pub struct QueueView {
    pub snap: QueueSnapshot,
    /// `(at_ms, waiting)`, oldest first.
    pub history: Vec<(u64, u32)>,
}

/// One seat of the grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Seat {
    pub agent: AgentId,
    pub state: AgentState,
    pub since_ms: u64,
    pub caller: Option<String>,
}

/// The call this supervisor is in.
#[derive(Debug, Clone, PartialEq)]
pub struct Monitoring {
    pub agent: AgentId,
    pub mode: MonitorMode,
    pub call: Option<CallId>,
}

/// The supervisor's internal call with an agent (内部呼叫).
#[derive(Debug, Clone, PartialEq)]
pub struct Intercom {
    pub agent: AgentId,
    /// Known once the server says the agent's workstation rings.
    pub call: Option<CallId>,
    pub connected: bool,
}

/// A step waiting for the supervisor's yes.
#[derive(Debug, Clone, PartialEq)]
pub enum Pending {
    Monitor {
        agent: AgentId,
        mode: MonitorMode,
    },
    StopMonitor,
    ForceNotReady {
        agent: AgentId,
        reason: NotReadyReason,
    },
    ForceLogout {
        agent: AgentId,
    },
    ForceRelease {
        agent: AgentId,
        call: CallId,
    },
    CallAgent {
        agent: AgentId,
    },
    ApproveExtension {
        id: i64,
        number: String,
        days: u32,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Dialog {
    Confirm(Pending),
    /// Force not-ready: which reason.
    Reason {
        agent: AgentId,
        selected: usize,
    },
    /// 督办: the instruction (批示).
    Instruction {
        id: i64,
        number: String,
        text: String,
    },
    /// The report period; `focus` 0 is `from`, 1 is `to`.
    Period {
        from: String,
        to: String,
        focus: u8,
        error: bool,
    },
    /// Where to write the CSV.
    Export {
        path: String,
    },
}

impl Dialog {
    /// Whether the dialog takes typed text.
    pub fn is_form(&self) -> bool {
        matches!(
            self,
            Dialog::Instruction { .. } | Dialog::Period { .. } | Dialog::Export { .. }
        )
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketsView {
    pub list: TicketList,
    pub overdue: Vec<Ticket>,
    pub due_soon: Vec<Ticket>,
    pub selected: usize,
    pub show_digest: bool,
    /// `None` before loading; `Some(None)` when the server has no digest.
    pub digest: Option<Option<String>>,
    pub loading: bool,
}

impl TicketsView {
    pub fn rows(&self) -> &[Ticket] {
        match self.list {
            TicketList::Overdue => &self.overdue,
            TicketList::DueSoon => &self.due_soon,
        }
    }

    pub fn current(&self) -> Option<&Ticket> {
        self.rows().get(self.selected)
    }
}

/// Grouping of the ticket report.
pub const TICKET_GROUPS: [&str; 4] = ["type", "category", "department", "region"];
/// Comparisons of the ticket report (none first).
pub const COMPARES: [Option<&str>; 4] = [None, Some("yoy"), Some("mom"), Some("prev")];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportsView {
    pub kind: ReportKind,
    /// `YYYY-MM-DD`, both days included.
    pub from: String,
    pub to: String,
    pub by_hour: bool,
    /// Index into [`TICKET_GROUPS`].
    pub group: usize,
    /// Index into [`COMPARES`].
    pub compare: usize,
    pub calls: Option<CallReport>,
    pub agents: Option<AgentReport>,
    pub tickets: Option<TicketReport>,
    pub loading: bool,
    pub selected: usize,
}

/// The status line's message.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub text: String,
    pub error: bool,
}

#[derive(Debug, Clone)]
pub struct State {
    pub lang: Lang,
    /// The time zone dates are shown and reports asked in.
    pub tz: TimeZone,
    pub now_ms: u64,
    pub screen: Screen,
    pub tab: Tab,
    pub login: LoginForm,
    pub me: Option<AgentInfo>,
    pub role: Option<Role>,
    pub token: Option<String>,
    pub conn: Conn,
    pub audio_problem: Option<String>,
    pub queues: BTreeMap<String, QueueView>,
    pub seats: BTreeMap<AgentId, Seat>,
    pub selected_seat: usize,
    pub server_alarms: BTreeMap<u64, Alarm>,
    pub alarms: Vec<LocalAlarm>,
    /// The alarm list flashes until then (a new alarm came up).
    pub flash_until_ms: u64,
    pub thresholds: Thresholds,
    pub monitor: Option<Monitoring>,
    /// The internal call with an agent, while it rings or lasts.
    pub intercom: Option<Intercom>,
    pub dialog: Option<Dialog>,
    pub help: bool,
    pub tickets: TicketsView,
    pub reports: ReportsView,
    pub status: Option<Status>,
    pub quit: bool,
}

impl State {
    /// Whether the supervisor's voice should go to the server: while whispering, barging in
    /// or having taken over a call, and in an internal call with an agent. Listening is silent
    /// (nobody hears the supervisor), and an idle leg sends nothing.
    pub fn voice_needed(&self) -> bool {
        self.monitor
            .as_ref()
            .is_some_and(|m| m.mode != MonitorMode::Listen)
            || self.intercom.is_some()
    }

    pub fn new(lang: Lang, tz: TimeZone, thresholds: Thresholds) -> State {
        State {
            lang,
            tz,
            now_ms: 0,
            screen: Screen::Login,
            tab: Tab::Wallboard,
            login: LoginForm::default(),
            me: None,
            role: None,
            token: None,
            conn: Conn::Offline,
            audio_problem: None,
            queues: BTreeMap::new(),
            seats: BTreeMap::new(),
            selected_seat: 0,
            server_alarms: BTreeMap::new(),
            alarms: Vec::new(),
            flash_until_ms: 0,
            thresholds,
            monitor: None,
            intercom: None,
            dialog: None,
            help: false,
            tickets: TicketsView::default(),
            reports: ReportsView::default(),
            status: None,
            quit: false,
        }
    }

    /// Directors (and anyone without the force capability) see everything but change nothing
    /// on the floor: no monitoring, no force actions, no audio.
    pub fn read_only(&self) -> bool {
        !self
            .role
            .is_some_and(|r| r.has(Capability::Force) && r.has(Capability::Monitoring))
    }

    /// The seat under the cursor.
    pub fn current_seat(&self) -> Option<&Seat> {
        self.seats.values().nth(self.selected_seat)
    }

    /// Whether the alarm list is in the bright half of its flash.
    pub fn flashing(&self) -> bool {
        self.now_ms < self.flash_until_ms && (self.now_ms / 500).is_multiple_of(2)
    }
}

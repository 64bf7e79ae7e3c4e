//! What a workflow step asks the driver to do next, and the result of a step.

use jiff::Timestamp;

use super::identity::DeptId;
use super::state::{HistoryEntry, TicketState};

/// The subject of a notice; the notify module turns it into SMS / e-mail / screen text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// 已受理 (to the citizen).
    Received,
    /// New work as lead department (新派单), or "your ticket was dispatched" to the citizen.
    Dispatched,
    /// New work as co-handler (协办).
    CoHandling,
    /// A department returned the ticket (退回): the centre must re-dispatch it.
    Returned,
    /// The ticket was taken away from this department (改派, or the lead returned it).
    Withdrawn,
    Replied,
    ExtensionRequested {
        days: u32,
    },
    ExtensionApproved {
        days: u32,
    },
    ExtensionRejected,
    /// 督办 with a new instruction.
    Supervised,
    /// 催办
    Reminder,
    Escalated {
        level: u32,
    },
    /// 重办: the centre must re-dispatch it.
    Reopened,
    Closed,
}

/// Follow-up work for the driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Tell a department's users.
    NotifyDepartment {
        department: DeptId,
        notice: Notice,
    },
    /// Tell the centre's agents and supervisors.
    NotifyCentre {
        notice: Notice,
    },
    /// Tell the citizen (G1: received, dispatched, replied).
    NotifyCitizen {
        notice: Notice,
    },
    /// The deadline clock (re)starts at `from` with no extension; reminders restart too.
    StartDeadlineClock {
        from: Timestamp,
    },
    StopDeadlineClock,
    /// An extension moved the due time: recompute it (see [`super::deadline::Deadlines::due_at`]).
    DueMoved {
        extension_days: u32,
    },
    /// Create the follow-up visit task (回访).
    ScheduleFollowUp,
}

/// The outcome of a step: the new state, its history row and the follow-up work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub state: TicketState,
    pub history: HistoryEntry,
    pub effects: Vec<Effect>,
}

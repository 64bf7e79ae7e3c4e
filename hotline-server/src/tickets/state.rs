//! A ticket's workflow state and its history rows.
//!
//! The state holds only what the workflow rules need; subject, description, caller and the
//! like live in the store. The deadline is kept as its inputs (time limit, clock start,
//! granted extension) so the due time follows the holiday calendar ([`super::deadline`]).

use jiff::Timestamp;

use super::action::{ActionKind, Satisfaction, WorkflowAction};
use super::calendar::TimeLimit;
use super::identity::{DeptId, UserId};
use super::kinds::{Channel, Role, Status, TicketType, Urgency};

/// What an agent fills in when filing a ticket (受理).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTicket {
    /// From [`super::number::TicketNumber`].
    pub number: String,
    pub ticket_type: TicketType,
    pub channel: Channel,
    /// A category code from the category tree.
    pub category: String,
    pub urgency: Urgency,
    /// From [`super::deadline::Deadlines::limit_for`].
    pub limit: TimeLimit,
}

/// A pending extension request (延期申请).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtensionRequest {
    pub days: u32,
    pub reason: String,
    pub by: UserId,
    pub at: Timestamp,
}

/// A supervision instruction (督办批示).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    pub text: String,
    pub by: UserId,
    pub role: Role,
    pub at: Timestamp,
}

/// The reply given to the citizen (答复).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyRecord {
    pub text: String,
    pub by: UserId,
    /// `None` when the centre answered directly (e.g. a consultation from the knowledge base).
    pub department: Option<DeptId>,
    pub at: Timestamp,
}

/// Everything the workflow rules look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketState {
    pub number: String,
    pub ticket_type: TicketType,
    pub channel: Channel,
    pub category: String,
    pub urgency: Urgency,
    pub status: Status,
    pub filed_by: UserId,
    pub filed_at: Timestamp,
    /// 主办单位. Kept while reopened (the usual re-dispatch target); cleared when returned.
    pub lead: Option<DeptId>,
    /// 协办单位; never contains the lead.
    pub co_handlers: Vec<DeptId>,
    pub limit: TimeLimit,
    /// When the current deadline clock started (the last dispatch); `None` when not running.
    pub clock_started: Option<Timestamp>,
    /// Working days granted by approved extensions since the last dispatch.
    pub extension_days: u32,
    pub pending_extension: Option<ExtensionRequest>,
    /// 督办 flag.
    pub supervised: bool,
    pub instructions: Vec<Instruction>,
    /// 催办 count since the last dispatch.
    pub reminders: u32,
    /// Escalation level since the last dispatch.
    pub escalation_level: u32,
    /// Departments an escalation brought in (they may see the ticket).
    pub escalated_to: Vec<DeptId>,
    pub dispatches: u32,
    pub reopens: u32,
    pub reply: Option<ReplyRecord>,
    pub satisfaction: Option<Satisfaction>,
    pub closed_at: Option<Timestamp>,
}

/// One row of a ticket's audit trail: who, when, what, from which status to which.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub at: Timestamp,
    pub user: UserId,
    pub role: Role,
    pub department: Option<DeptId>,
    pub kind: ActionKind,
    /// `None` for filing.
    pub from: Option<Status>,
    pub to: Status,
    pub note: String,
    /// The full step (`None` for filing), so the trail can show departments, days and results.
    pub action: Option<WorkflowAction>,
}

impl TicketState {
    /// A freshly filed ticket (已受理).
    pub fn new(ticket: NewTicket, filed_by: UserId, now: Timestamp) -> Self {
        Self {
            number: ticket.number,
            ticket_type: ticket.ticket_type,
            channel: ticket.channel,
            category: ticket.category,
            urgency: ticket.urgency,
            status: Status::Received,
            filed_by,
            filed_at: now,
            lead: None,
            co_handlers: Vec::new(),
            limit: ticket.limit,
            clock_started: None,
            extension_days: 0,
            pending_extension: None,
            supervised: false,
            instructions: Vec::new(),
            reminders: 0,
            escalation_level: 0,
            escalated_to: Vec::new(),
            dispatches: 0,
            reopens: 0,
            reply: None,
            satisfaction: None,
            closed_at: None,
        }
    }

    /// Lead or co-handler.
    pub fn is_assigned_to(&self, dept: &DeptId) -> bool {
        self.lead.as_ref() == Some(dept) || self.co_handlers.contains(dept)
    }

    /// The first broken consistency rule, if any. The workflow never produces one; the store
    /// can use this to refuse a corrupt row.
    pub fn check(&self) -> Result<(), &'static str> {
        let s = self.status;
        if s.with_department() && (self.lead.is_none() || self.clock_started.is_none()) {
            return Err("a ticket with a department needs a lead and a running clock");
        }
        if !s.with_department() && self.clock_started.is_some() {
            return Err("the deadline clock runs only while a department holds the ticket");
        }
        if s == Status::Returned && (self.lead.is_some() || !self.co_handlers.is_empty()) {
            return Err("a returned ticket has no department");
        }
        if let Some(lead) = &self.lead
            && self.co_handlers.contains(lead)
        {
            return Err("the lead department is also a co-handler");
        }
        if self.lead.is_none() && !self.co_handlers.is_empty() {
            return Err("co-handlers without a lead");
        }
        if self.pending_extension.is_some() && !matches!(s, Status::Accepted | Status::InProgress) {
            return Err("an extension can be pending only while the department handles it");
        }
        if matches!(s, Status::Replied | Status::FollowUp) && self.reply.is_none() {
            return Err("replied without a reply");
        }
        if (s == Status::Closed) != self.closed_at.is_some() {
            return Err("closed_at is set exactly when closed");
        }
        if self.satisfaction == Some(Satisfaction::Unsatisfied) {
            return Err("an unsatisfied result reopens the ticket and is not kept");
        }
        if self.satisfaction.is_some() && !matches!(s, Status::FollowUp | Status::Closed) {
            return Err("a satisfaction result belongs to the follow-up");
        }
        if s == Status::Received && self.dispatches > 0 {
            return Err("a dispatched ticket never returns to received");
        }
        if self.supervised == self.instructions.is_empty() {
            return Err("supervised exactly when there are instructions");
        }
        Ok(())
    }
}

//! The ticket workflow as a state machine.
//!
//! | step | from | to | by |
//! |---|---|---|---|
//! | dispatch 派单 | received, returned, reopened (dispatched: 改派) | dispatched | agent, supervisor (改派: supervisor) |
//! | accept 签收 | dispatched | accepted | lead department |
//! | return 退回 | dispatched, accepted | returned | lead department |
//! | start handling | accepted | in_progress | lead department |
//! | reply 答复 | accepted, in_progress | replied | lead department |
//! | reply 直接答复 | received | replied | agent, supervisor |
//! | request extension | accepted, in_progress | (same) | lead department |
//! | approve / reject extension | accepted, in_progress | (same) | supervisor, director |
//! | start follow-up 回访 | replied | follow_up | agent, supervisor |
//! | record follow-up: satisfied, basic | follow_up | follow_up | agent, supervisor |
//! | record follow-up: unsatisfied | follow_up | reopened | agent, supervisor |
//! | close 办结 | follow_up, replied | closed | see below |
//! | reopen 重办 | replied, follow_up, closed | reopened | supervisor, director |
//! | supervise 督办 | any but closed | (same) | supervisor, director |
//! | remind 催办 | dispatched, accepted, in_progress | (same) | agent, supervisor, director, admin |
//! | escalate | dispatched, accepted, in_progress | (same) | supervisor, director, admin |
//!
//! Closing: an agent closes a follow-up with a recorded result, or a reply to a type that needs
//! no follow-up (consultation, praise); supervisors and directors may also close without a
//! result (the citizen cannot be reached, or asked for no visit).
//!
//! Filing (受理) is for agents and supervisors ([`file`]). A department acts only on a ticket
//! dispatched to it and still with it, and only the lead department (主办) takes steps;
//! co-handlers (协办) see it (see [`super::department::can_see`]) but the lead answers for it.
//! Admin manages the system; in the workflow it only reminds and escalates, the steps the
//! deadline task takes on its own.
//!
//! The deadline clock restarts at every dispatch: the department that receives the ticket gets
//! the full time limit. Dispatch does not check that departments exist; the caller does, against
//! the directory.

use jiff::Timestamp;

use super::action::{ActionKind, Satisfaction, WorkflowAction};
use super::effect::{Effect, Notice, Transition};
use super::error::WorkflowError;
use super::identity::{Actor, DeptId};
use super::kinds::{Role, Status, TicketType};
use super::state::{
    ExtensionRequest, HistoryEntry, Instruction, NewTicket, ReplyRecord, TicketState,
};

/// The longest extension one request may ask for or one approval may grant, in working days.
pub const MAX_EXTENSION_DAYS: u32 = 30;

/// Types whose reply needs no follow-up visit (回访): nobody waits for a result.
pub const fn needs_follow_up(ticket_type: TicketType) -> bool {
    !matches!(ticket_type, TicketType::Consultation | TicketType::Praise)
}

/// Files a new ticket (受理). Agents and supervisors file; the citizen is told it was received.
pub fn file(ticket: NewTicket, actor: &Actor, now: Timestamp) -> Result<Transition, WorkflowError> {
    let status = Status::Received;
    if !matches!(actor.role, Role::Agent | Role::Supervisor) {
        return Err(WorkflowError::Forbidden {
            role: actor.role,
            action: ActionKind::File,
            status,
        });
    }
    let invalid = |problem| WorkflowError::Invalid {
        action: ActionKind::File,
        status,
        problem,
    };
    if ticket.number.trim().is_empty() {
        return Err(invalid("the ticket number is empty"));
    }
    if ticket.category.trim().is_empty() {
        return Err(invalid("the category is empty"));
    }
    let state = TicketState::new(ticket, actor.user.clone(), now);
    Ok(Transition {
        history: HistoryEntry {
            at: now,
            user: actor.user.clone(),
            role: actor.role,
            department: actor.department.clone(),
            kind: ActionKind::File,
            from: None,
            to: status,
            note: String::new(),
            action: None,
        },
        state,
        effects: vec![Effect::NotifyCitizen {
            notice: Notice::Received,
        }],
    })
}

/// Applies one step. Checks, in this order: the role, the department's claim on the ticket, the
/// status, then the step's own data. On `Err` nothing changed.
pub fn apply(
    ticket: &TicketState,
    actor: &Actor,
    action: &WorkflowAction,
    now: Timestamp,
) -> Result<Transition, WorkflowError> {
    let kind = action.kind();
    check_role(ticket, actor, kind)?;
    if actor.role == Role::Department {
        check_department(ticket, actor, kind)?;
    }
    let mut step = Step {
        before: ticket,
        next: ticket.clone(),
        effects: Vec::new(),
        actor,
        kind,
        now,
    };
    step.run(action)?;
    let Step { next, effects, .. } = step;
    Ok(Transition {
        history: HistoryEntry {
            at: now,
            user: actor.user.clone(),
            role: actor.role,
            department: actor.department.clone(),
            kind,
            from: Some(ticket.status),
            to: next.status,
            note: action.note().to_owned(),
            action: Some(action.clone()),
        },
        state: next,
        effects,
    })
}

fn check_role(ticket: &TicketState, actor: &Actor, kind: ActionKind) -> Result<(), WorkflowError> {
    use Role::{Admin, Agent, Department, Director, Supervisor};
    let allowed: &[Role] = match kind {
        ActionKind::File => &[],
        ActionKind::Dispatch | ActionKind::StartFollowUp | ActionKind::RecordFollowUp => {
            &[Agent, Supervisor]
        }
        ActionKind::Accept
        | ActionKind::Return
        | ActionKind::StartHandling
        | ActionKind::RequestExtension => &[Department],
        ActionKind::Reply => &[Department, Agent, Supervisor],
        ActionKind::ApproveExtension
        | ActionKind::RejectExtension
        | ActionKind::Reopen
        | ActionKind::Supervise => &[Supervisor, Director],
        ActionKind::Close => &[Agent, Supervisor, Director],
        ActionKind::Remind => &[Agent, Supervisor, Director, Admin],
        ActionKind::Escalate => &[Supervisor, Director, Admin],
    };
    if allowed.contains(&actor.role) {
        Ok(())
    } else {
        Err(WorkflowError::Forbidden {
            role: actor.role,
            action: kind,
            status: ticket.status,
        })
    }
}

/// A department acts only on tickets dispatched to it, and only the lead takes workflow steps.
fn check_department(
    ticket: &TicketState,
    actor: &Actor,
    kind: ActionKind,
) -> Result<(), WorkflowError> {
    let Some(dept) = &actor.department else {
        return Err(WorkflowError::NoDepartment {
            user: actor.user.clone(),
            action: kind,
            status: ticket.status,
        });
    };
    // A returned or reopened ticket is back at the centre, whoever handled it before.
    let holds = ticket.status.with_department();
    if !holds || !ticket.is_assigned_to(dept) {
        return Err(WorkflowError::NotAssigned {
            department: dept.clone(),
            ticket: ticket.number.clone(),
            action: kind,
            status: ticket.status,
        });
    }
    if ticket.lead.as_ref() != Some(dept) {
        return Err(WorkflowError::NotLead {
            department: dept.clone(),
            ticket: ticket.number.clone(),
            action: kind,
            status: ticket.status,
        });
    }
    Ok(())
}

/// One step in the making: the state before, the state after and the effects so far.
struct Step<'a> {
    before: &'a TicketState,
    next: TicketState,
    effects: Vec<Effect>,
    actor: &'a Actor,
    kind: ActionKind,
    now: Timestamp,
}

impl Step<'_> {
    fn run(&mut self, action: &WorkflowAction) -> Result<(), WorkflowError> {
        match action {
            WorkflowAction::Dispatch {
                lead,
                co_handlers,
                note: _,
            } => self.dispatch(lead, co_handlers),
            WorkflowAction::Accept => {
                self.require(&[Status::Dispatched])?;
                self.next.status = Status::Accepted;
                Ok(())
            }
            WorkflowAction::Return { reason } => self.give_back(reason),
            WorkflowAction::StartHandling => {
                self.require(&[Status::Accepted])?;
                self.next.status = Status::InProgress;
                Ok(())
            }
            WorkflowAction::Reply { text } => self.reply(text),
            WorkflowAction::RequestExtension { days, reason } => {
                self.request_extension(*days, reason)
            }
            WorkflowAction::ApproveExtension { days } => self.decide_extension(Some(*days)),
            WorkflowAction::RejectExtension { note: _ } => self.decide_extension(None),
            WorkflowAction::StartFollowUp => {
                self.require(&[Status::Replied])?;
                self.next.status = Status::FollowUp;
                Ok(())
            }
            WorkflowAction::RecordFollowUp {
                satisfaction,
                note: _,
            } => self.record_follow_up(*satisfaction),
            WorkflowAction::Close { note: _ } => self.close(),
            WorkflowAction::Reopen { reason } => {
                self.require(&[Status::Replied, Status::FollowUp, Status::Closed])?;
                self.non_empty(reason, "the reason is empty")?;
                self.reopen();
                Ok(())
            }
            WorkflowAction::Supervise { instruction } => self.supervise(instruction),
            WorkflowAction::Remind { note: _ } => {
                let lead = self.require_department()?;
                self.next.reminders += 1;
                self.notify(lead, Notice::Reminder);
                Ok(())
            }
            WorkflowAction::Escalate {
                departments,
                note: _,
            } => self.escalate(departments),
        }
    }

    fn status(&self) -> Status {
        self.before.status
    }

    fn invalid(&self, problem: &'static str) -> WorkflowError {
        WorkflowError::Invalid {
            action: self.kind,
            status: self.status(),
            problem,
        }
    }

    fn require(&self, states: &[Status]) -> Result<(), WorkflowError> {
        if states.contains(&self.status()) {
            Ok(())
        } else {
            Err(WorkflowError::InvalidState {
                action: self.kind,
                status: self.status(),
            })
        }
    }

    fn forbidden(&self) -> WorkflowError {
        WorkflowError::Forbidden {
            role: self.actor.role,
            action: self.kind,
            status: self.status(),
        }
    }

    /// The ticket is with its lead department; returns that department.
    fn require_department(&self) -> Result<DeptId, WorkflowError> {
        match &self.before.lead {
            Some(lead) if self.status().with_department() => Ok(lead.clone()),
            _ => Err(WorkflowError::InvalidState {
                action: self.kind,
                status: self.status(),
            }),
        }
    }

    fn non_empty(&self, text: &str, problem: &'static str) -> Result<(), WorkflowError> {
        if text.trim().is_empty() {
            Err(self.invalid(problem))
        } else {
            Ok(())
        }
    }

    fn days_in_range(&self, days: u32) -> Result<(), WorkflowError> {
        if (1..=MAX_EXTENSION_DAYS).contains(&days) {
            Ok(())
        } else {
            Err(self.invalid("extension days must be between 1 and 30"))
        }
    }

    fn notify(&mut self, department: DeptId, notice: Notice) {
        self.effects
            .push(Effect::NotifyDepartment { department, notice });
    }

    fn dispatch(&mut self, lead: &DeptId, co_handlers: &[DeptId]) -> Result<(), WorkflowError> {
        match self.status() {
            Status::Received | Status::Returned | Status::Reopened => {}
            // 改派: taking a ticket away from a department that has not accepted it yet.
            Status::Dispatched if self.actor.role == Role::Supervisor => {}
            Status::Dispatched => return Err(self.forbidden()),
            _ => return self.require(&[]),
        }
        if lead.as_str().trim().is_empty() {
            return Err(self.invalid("the lead department is empty"));
        }
        if co_handlers.contains(lead) {
            return Err(self.invalid("the lead department is also listed as a co-handler"));
        }
        let mut co: Vec<DeptId> = Vec::with_capacity(co_handlers.len());
        for d in co_handlers {
            if co.contains(d) {
                return Err(self.invalid("a co-handler is listed twice"));
            }
            co.push(d.clone());
        }
        if self.status() == Status::Dispatched {
            let old: Vec<DeptId> = self
                .before
                .lead
                .iter()
                .chain(&self.before.co_handlers)
                .cloned()
                .collect();
            for d in old {
                if d != *lead && !co.contains(&d) {
                    self.notify(d, Notice::Withdrawn);
                }
            }
        }
        let n = &mut self.next;
        n.status = Status::Dispatched;
        n.lead = Some(lead.clone());
        n.co_handlers.clone_from(&co);
        n.clock_started = Some(self.now);
        n.extension_days = 0;
        n.pending_extension = None;
        n.reminders = 0;
        n.escalation_level = 0;
        n.escalated_to.clear();
        n.dispatches += 1;
        n.reply = None;
        n.satisfaction = None;
        self.notify(lead.clone(), Notice::Dispatched);
        for d in co {
            self.notify(d, Notice::CoHandling);
        }
        self.effects
            .push(Effect::StartDeadlineClock { from: self.now });
        if self.status() == Status::Received {
            self.effects.push(Effect::NotifyCitizen {
                notice: Notice::Dispatched,
            });
        }
        Ok(())
    }

    fn give_back(&mut self, reason: &str) -> Result<(), WorkflowError> {
        self.require(&[Status::Dispatched, Status::Accepted])?;
        self.non_empty(reason, "the reason is empty")?;
        let co = std::mem::take(&mut self.next.co_handlers);
        let n = &mut self.next;
        n.status = Status::Returned;
        n.lead = None;
        n.clock_started = None;
        n.pending_extension = None;
        for d in co {
            self.notify(d, Notice::Withdrawn);
        }
        self.effects.push(Effect::StopDeadlineClock);
        self.effects.push(Effect::NotifyCentre {
            notice: Notice::Returned,
        });
        Ok(())
    }

    fn reply(&mut self, text: &str) -> Result<(), WorkflowError> {
        let department = if self.actor.role == Role::Department {
            self.require(&[Status::Accepted, Status::InProgress])?;
            self.actor.department.clone()
        } else {
            // The centre answers directly only what it has not dispatched (直接答复).
            self.require(&[Status::Received])?;
            None
        };
        self.non_empty(text, "the reply is empty")?;
        let was_running = self.next.clock_started.is_some();
        let n = &mut self.next;
        n.status = Status::Replied;
        n.reply = Some(ReplyRecord {
            text: text.to_owned(),
            by: self.actor.user.clone(),
            department,
            at: self.now,
        });
        n.clock_started = None;
        n.pending_extension = None;
        if was_running {
            self.effects.push(Effect::StopDeadlineClock);
            self.effects.push(Effect::NotifyCentre {
                notice: Notice::Replied,
            });
        }
        self.effects.push(Effect::NotifyCitizen {
            notice: Notice::Replied,
        });
        if needs_follow_up(self.next.ticket_type) {
            self.effects.push(Effect::ScheduleFollowUp);
        }
        Ok(())
    }

    fn request_extension(&mut self, days: u32, reason: &str) -> Result<(), WorkflowError> {
        self.require(&[Status::Accepted, Status::InProgress])?;
        if self.before.pending_extension.is_some() {
            return Err(self.invalid("an extension request is already pending"));
        }
        self.days_in_range(days)?;
        self.non_empty(reason, "the reason is empty")?;
        self.next.pending_extension = Some(ExtensionRequest {
            days,
            reason: reason.to_owned(),
            by: self.actor.user.clone(),
            at: self.now,
        });
        self.effects.push(Effect::NotifyCentre {
            notice: Notice::ExtensionRequested { days },
        });
        Ok(())
    }

    /// `Some(days)` approves, `None` rejects.
    fn decide_extension(&mut self, approve: Option<u32>) -> Result<(), WorkflowError> {
        let lead = self.require_department()?;
        if self.before.pending_extension.is_none() {
            return Err(self.invalid("no extension request is pending"));
        }
        self.next.pending_extension = None;
        match approve {
            Some(days) => {
                self.days_in_range(days)?;
                self.next.extension_days = self.next.extension_days.saturating_add(days);
                self.notify(lead, Notice::ExtensionApproved { days });
                self.effects.push(Effect::DueMoved {
                    extension_days: self.next.extension_days,
                });
            }
            None => self.notify(lead, Notice::ExtensionRejected),
        }
        Ok(())
    }

    fn record_follow_up(&mut self, satisfaction: Satisfaction) -> Result<(), WorkflowError> {
        self.require(&[Status::FollowUp])?;
        if self.before.satisfaction.is_some() {
            return Err(self.invalid("the follow-up result is already recorded"));
        }
        if satisfaction == Satisfaction::Unsatisfied {
            self.reopen();
        } else {
            self.next.satisfaction = Some(satisfaction);
        }
        Ok(())
    }

    fn reopen(&mut self) {
        let n = &mut self.next;
        n.status = Status::Reopened;
        n.reopens += 1;
        n.reply = None;
        n.satisfaction = None;
        n.closed_at = None;
        self.effects.push(Effect::NotifyCentre {
            notice: Notice::Reopened,
        });
        if let Some(lead) = self.before.lead.clone() {
            self.notify(lead, Notice::Reopened);
        }
    }

    fn close(&mut self) -> Result<(), WorkflowError> {
        let role = self.actor.role;
        let senior = matches!(role, Role::Supervisor | Role::Director);
        match self.status() {
            // Closing without a result (e.g. the citizen cannot be reached) is a senior decision.
            Status::FollowUp if self.before.satisfaction.is_some() || senior => {}
            Status::Replied if senior || !needs_follow_up(self.before.ticket_type) => {}
            Status::FollowUp | Status::Replied => return Err(self.forbidden()),
            _ => return self.require(&[]),
        }
        self.next.status = Status::Closed;
        self.next.closed_at = Some(self.now);
        if let Some(lead) = self.before.lead.clone() {
            self.notify(lead, Notice::Closed);
        }
        Ok(())
    }

    fn supervise(&mut self, instruction: &str) -> Result<(), WorkflowError> {
        if !self.status().is_open() {
            return self.require(&[]);
        }
        self.non_empty(instruction, "the instruction is empty")?;
        self.next.supervised = true;
        self.next.instructions.push(Instruction {
            text: instruction.to_owned(),
            by: self.actor.user.clone(),
            role: self.actor.role,
            at: self.now,
        });
        if let Some(lead) = self.before.lead.clone()
            && self.status().with_department()
        {
            self.notify(lead, Notice::Supervised);
        }
        self.effects.push(Effect::NotifyCentre {
            notice: Notice::Supervised,
        });
        Ok(())
    }

    fn escalate(&mut self, departments: &[DeptId]) -> Result<(), WorkflowError> {
        let lead = self.require_department()?;
        let level = self.next.escalation_level + 1;
        self.next.escalation_level = level;
        let notice = Notice::Escalated { level };
        let mut told: Vec<&DeptId> = Vec::new();
        for d in departments {
            if *d == lead || told.contains(&d) {
                continue;
            }
            told.push(d);
            if !self.next.escalated_to.contains(d) {
                self.next.escalated_to.push(d.clone());
            }
            self.notify(d.clone(), notice);
        }
        self.notify(lead, notice);
        self.effects.push(Effect::NotifyCentre { notice });
        Ok(())
    }
}

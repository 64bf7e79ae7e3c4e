//! Tickets (工单): the workflow rules, working-time deadlines, reminders (催办) and escalation,
//! the department hierarchy, related-ticket detection, ticket numbers and PINs.
//!
//! Pure logic: no SQL, no I/O, no clocks. Time is a parameter (`now`), and every step returns
//! the new state plus the effects for the driver to carry out.
//!
//! # Driving it
//! ```text
//! let deadlines = Deadlines::new(rules, categories, calendar, tz);      // from assets/data
//! let limit = deadlines.limit_for(&category, ticket_type, urgency);
//! let t = workflow::file(NewTicket { number, .., limit }, &agent, now)?;  // store t.state, t.history
//! let t = workflow::apply(&t.state, &actor, &WorkflowAction::Dispatch { .. }, now)?;
//! // carry out t.effects: notify departments / the centre / the citizen, (re)compute the due time
//! // every minute, for each open ticket:
//! for a in deadlines.due_actions(&state, &directory, &sent_keys, now)? {
//!     send(a); record(a.key()); workflow::apply(&state, &system, &a.to_workflow_action(), now)?;
//! }
//! ```

pub mod action;
pub mod calendar;
pub mod category;
pub mod consultation;
pub mod deadline;
pub mod department;
pub mod digest;
pub mod effect;
pub mod error;
pub mod identity;
pub mod kinds;
pub mod number;
pub mod related;
pub mod state;
pub mod workflow;

pub use action::{ActionKind, Satisfaction, WorkflowAction};
pub use calendar::{
    TimeLimit, WorkCalendar, WorkingHours, add_limit, add_working_days, add_working_hours,
    add_working_time, working_time_between,
};
pub use category::{Category, CategoryTree};
pub use deadline::{DeadlineAction, DeadlineRules, Deadlines, ReminderKey, ReminderKind};
pub use department::{Department, DeptLevel, Directory, can_see};
pub use effect::{Effect, Notice, Transition};
pub use error::{CalendarError, DepartmentError, NumberError, RulesError, WorkflowError};
pub use identity::{Actor, DeptId, UserId};
pub use kinds::{Channel, Role, Status, TicketType, Urgency};
pub use number::{Pin, TicketNumber};
pub use related::{Candidate, Draft, Reason, Related, RelatedSettings, find_related};
pub use state::{HistoryEntry, NewTicket, TicketState};
pub use workflow::{apply, file};

#[cfg(test)]
mod tests;

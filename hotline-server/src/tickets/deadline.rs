//! Deadlines (办理时限), reminders (催办) and escalation, computed from the ticket's state, the
//! rules files and the holiday calendar.
//!
//! A periodic task calls [`Deadlines::due_actions`] with the reminders it already sent; the
//! result is what to send now, each with a [`ReminderKey`] the task records so nothing repeats.
//! Keys carry the due time, so an extension or a new dispatch (a new due time) starts a fresh
//! round. A late task does not flood: only the latest reminder that has come due is returned,
//! and only the highest escalation step reached.

mod rules;

use std::fmt;
use std::str::FromStr;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

pub use rules::{DeadlineRules, EscalationRule, ReminderRules, UrgencyLimits};

use super::action::WorkflowAction;
use super::calendar::{TimeLimit, WorkCalendar, add_limit, add_working_time, working_time_between};
use super::category::CategoryTree;
use super::department::Directory;
use super::error::CalendarError;
use super::identity::DeptId;
use super::kinds::{TicketType, Urgency};
use super::state::TicketState;

/// Everything deadline arithmetic needs; built once by the server.
#[derive(Debug, Clone)]
pub struct Deadlines {
    pub rules: DeadlineRules,
    pub categories: CategoryTree,
    pub calendar: WorkCalendar,
    pub tz: TimeZone,
}

/// Which reminder or escalation step a key stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReminderKind {
    BeforeDue(TimeLimit),
    AtDue,
    /// The n-th reminder after the due time.
    Overdue(u32),
    /// Escalation step n (1-based, in the order of the rules file).
    Escalation(u32),
}

/// Identifies a sent reminder: its kind and the due time it was about. Its text form
/// (`2026-10-08T09:30:00Z/before:1d`) is what the store keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReminderKey {
    pub due: Timestamp,
    pub kind: ReminderKind,
}

/// Something to send now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeadlineAction {
    /// 催办 the lead department.
    Remind {
        key: ReminderKey,
        department: DeptId,
        due: Timestamp,
    },
    /// Bring an overdue ticket to supervisors, directors and the departments above the lead.
    Escalate {
        key: ReminderKey,
        level: u32,
        due: Timestamp,
        /// Working time past the due time.
        overdue: SignedDuration,
        supervisors: bool,
        directors: bool,
        /// Parent first.
        departments: Vec<DeptId>,
    },
}

impl DeadlineAction {
    pub fn key(&self) -> &ReminderKey {
        match self {
            DeadlineAction::Remind { key, .. } | DeadlineAction::Escalate { key, .. } => key,
        }
    }

    /// The workflow step that records this in the ticket's history (the task applies it as an
    /// admin actor, see [`super::workflow`]).
    pub fn to_workflow_action(&self) -> WorkflowAction {
        match self {
            DeadlineAction::Remind { key, .. } => WorkflowAction::Remind {
                note: format!("automatic reminder ({})", kind_text(key.kind)),
            },
            DeadlineAction::Escalate {
                level, departments, ..
            } => WorkflowAction::Escalate {
                departments: departments.clone(),
                note: format!("automatic escalation, step {level}"),
            },
        }
    }
}

impl Deadlines {
    pub fn new(
        rules: DeadlineRules,
        categories: CategoryTree,
        calendar: WorkCalendar,
        tz: TimeZone,
    ) -> Self {
        Self {
            rules,
            categories,
            calendar,
            tz,
        }
    }

    /// The time limit for a new ticket: the stricter of the type × urgency rule and the
    /// category's limit (its own or inherited). Unknown types fall back to the category, then
    /// to ten working days.
    pub fn limit_for(
        &self,
        category: &str,
        ticket_type: TicketType,
        urgency: Urgency,
    ) -> TimeLimit {
        let by_type = self.rules.limit(ticket_type, urgency);
        let by_category = self.categories.days(category).map(TimeLimit::Days);
        let hours = &self.calendar.hours;
        match (by_type, by_category) {
            (Some(t), Some(c)) if c.working_duration(hours) < t.working_duration(hours) => c,
            (Some(t), _) => t,
            (None, Some(c)) => c,
            (None, None) => TimeLimit::Days(10),
        }
    }

    /// When the current deadline clock runs out (limit from the clock start, then the granted
    /// extension in working days); `None` while no clock runs.
    pub fn due_at(&self, ticket: &TicketState) -> Result<Option<Timestamp>, CalendarError> {
        let Some(start) = ticket.clock_started else {
            return Ok(None);
        };
        let base = add_limit(start, ticket.limit, &self.calendar, &self.tz)?;
        if ticket.extension_days == 0 {
            return Ok(Some(base));
        }
        let extension = self.calendar.hours.day_length() * ticket.extension_days as i32;
        Ok(Some(add_working_time(
            base,
            extension,
            &self.calendar,
            &self.tz,
        )?))
    }

    /// Past its due time at `now`.
    pub fn is_overdue(&self, ticket: &TicketState, now: Timestamp) -> Result<bool, CalendarError> {
        Ok(self.due_at(ticket)?.is_some_and(|due| now > due))
    }

    /// The reminders and escalation to send at `now`, leaving out those in `sent`.
    pub fn due_actions(
        &self,
        ticket: &TicketState,
        directory: &Directory,
        sent: &[ReminderKey],
        now: Timestamp,
    ) -> Result<Vec<DeadlineAction>, CalendarError> {
        let mut out = Vec::new();
        let (Some(lead), Some(start)) = (&ticket.lead, ticket.clock_started) else {
            return Ok(out);
        };
        if !ticket.status.with_department() {
            return Ok(out);
        }
        let Some(due) = self.due_at(ticket)? else {
            return Ok(out);
        };
        let (cal, tz, hours) = (&self.calendar, &self.tz, &self.calendar.hours);
        let rules = &self.rules.reminders;
        let overdue = if now >= due {
            Some(working_time_between(due, now, cal, tz)?)
        } else {
            None
        };

        let latest = if let Some(overdue) = overdue {
            let rounds = rules
                .overdue_every
                .and_then(|every| {
                    overdue
                        .as_secs()
                        .checked_div(every.working_duration(hours).as_secs())
                })
                .unwrap_or(0);
            if rounds >= 1 {
                Some(ReminderKind::Overdue(
                    u32::try_from(rounds).unwrap_or(u32::MAX),
                ))
            } else if rules.at_due {
                Some(ReminderKind::AtDue)
            } else {
                None
            }
        } else {
            let mut best: Option<(Timestamp, ReminderKind)> = None;
            for lead_time in &rules.before_due {
                let at = add_working_time(due, -lead_time.working_duration(hours), cal, tz)?;
                // A lead time longer than the whole limit has no moment to fire.
                if at > start && at <= now && best.is_none_or(|(b, _)| at > b) {
                    best = Some((at, ReminderKind::BeforeDue(*lead_time)));
                }
            }
            best.map(|(_, kind)| kind)
        };
        if let Some(kind) = latest {
            let key = ReminderKey { due, kind };
            if !sent.contains(&key) {
                out.push(DeadlineAction::Remind {
                    key,
                    department: lead.clone(),
                    due,
                });
            }
        }

        if let Some(overdue) = overdue {
            let reached = self
                .rules
                .escalation
                .iter()
                .enumerate()
                .rfind(|(_, e)| overdue >= e.after_overdue.working_duration(hours));
            if let Some((index, rule)) = reached {
                let level = index as u32 + 1;
                let key = ReminderKey {
                    due,
                    kind: ReminderKind::Escalation(level),
                };
                if !sent.contains(&key) {
                    out.push(DeadlineAction::Escalate {
                        key,
                        level,
                        due,
                        overdue,
                        supervisors: rule.supervisors,
                        directors: rule.directors,
                        departments: directory
                            .ancestors(lead)
                            .into_iter()
                            .take(usize::from(rule.departments_up))
                            .cloned()
                            .collect(),
                    });
                }
            }
        }
        Ok(out)
    }
}

fn kind_text(kind: ReminderKind) -> String {
    match kind {
        ReminderKind::BeforeDue(l) => format!("before:{l}"),
        ReminderKind::AtDue => "at_due".to_owned(),
        ReminderKind::Overdue(n) => format!("overdue:{n}"),
        ReminderKind::Escalation(n) => format!("escalation:{n}"),
    }
}

impl fmt::Display for ReminderKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.due, kind_text(self.kind))
    }
}

impl FromStr for ReminderKey {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("\"{s}\" is not a reminder key");
        let (due, kind) = s.split_once('/').ok_or_else(bad)?;
        let due: Timestamp = due.parse().map_err(|_| bad())?;
        let (name, arg) = kind.split_once(':').unwrap_or((kind, ""));
        let number = || arg.parse::<u32>().map_err(|_| bad());
        let kind = match name {
            "before" => ReminderKind::BeforeDue(arg.parse().map_err(|_| bad())?),
            "at_due" if arg.is_empty() => ReminderKind::AtDue,
            "overdue" => ReminderKind::Overdue(number()?),
            "escalation" => ReminderKind::Escalation(number()?),
            _ => return Err(bad()),
        };
        Ok(Self { due, kind })
    }
}

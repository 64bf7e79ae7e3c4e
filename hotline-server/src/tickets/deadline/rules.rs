//! The deadline rules file (`assets/data/deadlines.toml`).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::super::calendar::TimeLimit;
use super::super::error::RulesError;
use super::super::kinds::{TicketType, Urgency};

const FILE: &str = "deadlines.toml";

/// The limits of one ticket type, by urgency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UrgencyLimits {
    pub normal: TimeLimit,
    pub urgent: TimeLimit,
    pub very_urgent: TimeLimit,
}

impl UrgencyLimits {
    pub const fn get(&self, urgency: Urgency) -> TimeLimit {
        match urgency {
            Urgency::Normal => self.normal,
            Urgency::Urgent => self.urgent,
            Urgency::VeryUrgent => self.very_urgent,
        }
    }
}

/// When to remind the lead department (催办).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReminderRules {
    /// Lead times before the due time.
    #[serde(default)]
    pub before_due: Vec<TimeLimit>,
    #[serde(default)]
    pub at_due: bool,
    /// After the due time, remind again every this much working time.
    #[serde(default)]
    pub overdue_every: Option<TimeLimit>,
}

/// One escalation step: once overdue by `after_overdue`, tell these people.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationRule {
    pub after_overdue: TimeLimit,
    #[serde(default)]
    pub supervisors: bool,
    #[serde(default)]
    pub directors: bool,
    /// How many levels above the lead department to inform (1 = its parent).
    #[serde(default)]
    pub departments_up: u8,
}

/// The whole file, validated.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlineRules {
    pub limits: BTreeMap<TicketType, UrgencyLimits>,
    pub reminders: ReminderRules,
    /// In increasing `after_overdue` order (checked).
    #[serde(default)]
    pub escalation: Vec<EscalationRule>,
}

impl DeadlineRules {
    /// Parses and validates: every ticket type has limits, no amount is zero (except a
    /// same-day `{ days = 0 }` limit), escalation steps are in increasing order.
    pub fn parse(text: &str) -> Result<Self, RulesError> {
        let rules: DeadlineRules = toml::from_str(text).map_err(|e| RulesError::Parse {
            file: FILE,
            message: e.message().to_owned(),
        })?;
        let invalid = |problem: String| RulesError::Invalid {
            file: FILE,
            problem,
        };
        for t in TicketType::ALL {
            let Some(l) = rules.limits.get(t) else {
                return Err(invalid(format!("[limits.{t}] is missing")));
            };
            for u in Urgency::ALL {
                if l.get(*u) == TimeLimit::Hours(0) {
                    return Err(invalid(format!("limits.{t}.{u}: zero hours")));
                }
            }
        }
        let zero = |l: &TimeLimit| matches!(l, TimeLimit::Days(0) | TimeLimit::Hours(0));
        if rules.reminders.before_due.iter().any(zero) {
            return Err(invalid(
                "reminders.before_due: a lead time is zero".to_owned(),
            ));
        }
        if rules.reminders.overdue_every.as_ref().is_some_and(zero) {
            return Err(invalid("reminders.overdue_every is zero".to_owned()));
        }
        // Compare in a common unit: a working day as 7.5 working hours (the default hours).
        let hours = super::super::calendar::WorkingHours::default();
        let mut last = None;
        for (i, e) in rules.escalation.iter().enumerate() {
            let d = e.after_overdue.working_duration(&hours);
            if last.is_some_and(|l| d <= l) {
                return Err(invalid(format!(
                    "escalation step {} must come later than the one before",
                    i + 1
                )));
            }
            last = Some(d);
        }
        Ok(rules)
    }

    pub fn limit(&self, ticket_type: TicketType, urgency: Urgency) -> Option<TimeLimit> {
        self.limits.get(&ticket_type).map(|l| l.get(urgency))
    }
}

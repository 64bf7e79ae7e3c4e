//! Errors of the ticket rules. On `Err` nothing changed.

use super::action::ActionKind;
use super::identity::{DeptId, UserId};
use super::kinds::{Role, Status};

/// Why a workflow step was refused. Every message names the action and the ticket's status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    #[error("cannot {action} a ticket that is {status}")]
    InvalidState { action: ActionKind, status: Status },
    #[error("a {role} may not {action} (ticket is {status})")]
    Forbidden {
        role: Role,
        action: ActionKind,
        status: Status,
    },
    #[error("department user {user} has no department; cannot {action} (ticket is {status})")]
    NoDepartment {
        user: UserId,
        action: ActionKind,
        status: Status,
    },
    #[error(
        "department {department} cannot {action} ticket {ticket}: it is not dispatched to it \
         (ticket is {status})"
    )]
    NotAssigned {
        department: DeptId,
        ticket: String,
        action: ActionKind,
        status: Status,
    },
    #[error(
        "department {department} cannot {action} ticket {ticket}: only the lead department may \
         (ticket is {status})"
    )]
    NotLead {
        department: DeptId,
        ticket: String,
        action: ActionKind,
        status: Status,
    },
    #[error("cannot {action} a ticket that is {status}: {problem}")]
    Invalid {
        action: ActionKind,
        status: Status,
        problem: &'static str,
    },
}

/// Working-time arithmetic left the range of representable dates.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("working-time arithmetic out of range: {0}")]
pub struct CalendarError(pub String);

impl From<jiff::Error> for CalendarError {
    fn from(e: jiff::Error) -> Self {
        Self(e.to_string())
    }
}

/// A rules file (categories, deadlines, holidays) that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    #[error("{file}: {message}")]
    Parse { file: &'static str, message: String },
    #[error("{file}: {problem}")]
    Invalid { file: &'static str, problem: String },
}

/// A department directory that breaks the hierarchy rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DepartmentError {
    #[error("department {0} is listed twice")]
    Duplicate(DeptId),
    #[error("department {child} names an unknown parent {parent}")]
    UnknownParent { child: DeptId, parent: DeptId },
    #[error("department {0} is its own ancestor (cycle)")]
    Cycle(DeptId),
    #[error("department {id} is at level {depth}; at most {max} levels are allowed")]
    TooDeep {
        id: DeptId,
        depth: usize,
        max: usize,
    },
    #[error("department id must not be empty")]
    EmptyId,
}

/// A ticket number or PIN that cannot be made or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("profile \"{0}\" must be 1 to 16 ASCII letters or digits")]
    Profile(String),
    #[error("daily sequence {0} is outside 1..=999999")]
    Sequence(u32),
    #[error("\"{0}\" is not a ticket number (expected PROFILE-YYYYMMDD-NNNNNN)")]
    Format(String),
}

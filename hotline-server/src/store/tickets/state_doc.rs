//! The JSON form of a ticket's workflow state, kept whole in `tickets.state`.
//!
//! The workflow types carry `jiff::Timestamp`s and stay free of serde; this mirror is the one
//! place that fixes their stored spelling (times in milliseconds since the epoch), so the
//! pure module can change its internals without silently changing the database format.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::tickets::state::{ExtensionRequest, Instruction, ReplyRecord};
use crate::tickets::{
    Channel, DeptId, Role, Satisfaction, Status, TicketState, TicketType, TimeLimit, Urgency,
    UserId,
};

/// [`TicketState`] as stored and as the REST API shows it under `workflow`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketStateDoc {
    pub number: String,
    pub ticket_type: TicketType,
    pub channel: Channel,
    pub category: String,
    pub urgency: Urgency,
    pub status: Status,
    pub filed_by: UserId,
    pub filed_at_ms: i64,
    pub lead: Option<DeptId>,
    pub co_handlers: Vec<DeptId>,
    pub limit: TimeLimit,
    pub clock_started_ms: Option<i64>,
    pub extension_days: u32,
    pub pending_extension: Option<ExtensionDoc>,
    pub supervised: bool,
    pub instructions: Vec<InstructionDoc>,
    pub reminders: u32,
    pub escalation_level: u32,
    pub escalated_to: Vec<DeptId>,
    pub dispatches: u32,
    pub reopens: u32,
    pub reply: Option<ReplyDoc>,
    pub satisfaction: Option<Satisfaction>,
    pub closed_at_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionDoc {
    pub days: u32,
    pub reason: String,
    pub by: UserId,
    pub at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstructionDoc {
    pub text: String,
    pub by: UserId,
    pub role: Role,
    pub at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyDoc {
    pub text: String,
    pub by: UserId,
    pub department: Option<DeptId>,
    pub at_ms: i64,
}

fn ms(t: Timestamp) -> i64 {
    t.as_millisecond()
}

fn ts(ms: i64) -> Result<Timestamp, String> {
    Timestamp::from_millisecond(ms).map_err(|e| e.to_string())
}

fn ts_opt(ms: Option<i64>) -> Result<Option<Timestamp>, String> {
    ms.map(ts).transpose()
}

impl From<&TicketState> for TicketStateDoc {
    fn from(s: &TicketState) -> Self {
        Self {
            number: s.number.clone(),
            ticket_type: s.ticket_type,
            channel: s.channel,
            category: s.category.clone(),
            urgency: s.urgency,
            status: s.status,
            filed_by: s.filed_by.clone(),
            filed_at_ms: ms(s.filed_at),
            lead: s.lead.clone(),
            co_handlers: s.co_handlers.clone(),
            limit: s.limit,
            clock_started_ms: s.clock_started.map(ms),
            extension_days: s.extension_days,
            pending_extension: s.pending_extension.as_ref().map(|e| ExtensionDoc {
                days: e.days,
                reason: e.reason.clone(),
                by: e.by.clone(),
                at_ms: ms(e.at),
            }),
            supervised: s.supervised,
            instructions: s
                .instructions
                .iter()
                .map(|i| InstructionDoc {
                    text: i.text.clone(),
                    by: i.by.clone(),
                    role: i.role,
                    at_ms: ms(i.at),
                })
                .collect(),
            reminders: s.reminders,
            escalation_level: s.escalation_level,
            escalated_to: s.escalated_to.clone(),
            dispatches: s.dispatches,
            reopens: s.reopens,
            reply: s.reply.as_ref().map(|r| ReplyDoc {
                text: r.text.clone(),
                by: r.by.clone(),
                department: r.department.clone(),
                at_ms: ms(r.at),
            }),
            satisfaction: s.satisfaction,
            closed_at_ms: s.closed_at.map(ms),
        }
    }
}

impl TryFrom<TicketStateDoc> for TicketState {
    type Error = String;

    fn try_from(d: TicketStateDoc) -> Result<Self, String> {
        let instructions = d
            .instructions
            .into_iter()
            .map(|i| {
                Ok(Instruction {
                    text: i.text,
                    by: i.by,
                    role: i.role,
                    at: ts(i.at_ms)?,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let state = TicketState {
            number: d.number,
            ticket_type: d.ticket_type,
            channel: d.channel,
            category: d.category,
            urgency: d.urgency,
            status: d.status,
            filed_by: d.filed_by,
            filed_at: ts(d.filed_at_ms)?,
            lead: d.lead,
            co_handlers: d.co_handlers,
            limit: d.limit,
            clock_started: ts_opt(d.clock_started_ms)?,
            extension_days: d.extension_days,
            pending_extension: match d.pending_extension {
                Some(e) => Some(ExtensionRequest {
                    days: e.days,
                    reason: e.reason,
                    by: e.by,
                    at: ts(e.at_ms)?,
                }),
                None => None,
            },
            supervised: d.supervised,
            instructions,
            reminders: d.reminders,
            escalation_level: d.escalation_level,
            escalated_to: d.escalated_to,
            dispatches: d.dispatches,
            reopens: d.reopens,
            reply: match d.reply {
                Some(r) => Some(ReplyRecord {
                    text: r.text,
                    by: r.by,
                    department: r.department,
                    at: ts(r.at_ms)?,
                }),
                None => None,
            },
            satisfaction: d.satisfaction,
            closed_at: ts_opt(d.closed_at_ms)?,
        };
        // A row the workflow could never have produced is refused rather than acted upon.
        state.check().map_err(str::to_owned)?;
        Ok(state)
    }
}

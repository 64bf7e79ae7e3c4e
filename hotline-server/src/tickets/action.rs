//! The steps a user can take on a ticket.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::identity::DeptId;

/// The citizen's verdict at the follow-up visit (回访).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Satisfaction {
    /// 满意
    Satisfied,
    /// 基本满意
    Basic,
    /// 不满意: the ticket is reopened (重办).
    Unsatisfied,
}

impl Satisfaction {
    pub const fn zh(self) -> &'static str {
        match self {
            Satisfaction::Satisfied => "满意",
            Satisfaction::Basic => "基本满意",
            Satisfaction::Unsatisfied => "不满意",
        }
    }

    pub const fn en(self) -> &'static str {
        match self {
            Satisfaction::Satisfied => "Satisfied",
            Satisfaction::Basic => "Basically satisfied",
            Satisfaction::Unsatisfied => "Unsatisfied",
        }
    }
}

/// One workflow step. Serialised with an `action` tag so the API can take it as a request body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum WorkflowAction {
    /// 派单 / 转办: to a lead department (主办) and co-handlers (协办).
    Dispatch {
        lead: DeptId,
        #[serde(default)]
        co_handlers: Vec<DeptId>,
        #[serde(default)]
        note: String,
    },
    /// 签收
    Accept,
    /// 退回: not this department's competence.
    Return { reason: String },
    /// 开始办理
    StartHandling,
    /// 答复: the reply to the citizen.
    Reply { text: String },
    /// 申请延期, in working days.
    RequestExtension { days: u32, reason: String },
    /// 批准延期; may grant fewer or more days than asked.
    ApproveExtension { days: u32 },
    /// 驳回延期
    RejectExtension {
        #[serde(default)]
        note: String,
    },
    /// 开始回访
    StartFollowUp,
    /// 回访结果
    RecordFollowUp {
        satisfaction: Satisfaction,
        #[serde(default)]
        note: String,
    },
    /// 办结
    Close {
        #[serde(default)]
        note: String,
    },
    /// 重办
    Reopen { reason: String },
    /// 督办, with the supervisor's or director's instruction (批示).
    Supervise { instruction: String },
    /// 催办
    Remind {
        #[serde(default)]
        note: String,
    },
    /// 升级: bring the ticket to the attention of supervisors and the given (parent) departments.
    Escalate {
        #[serde(default)]
        departments: Vec<DeptId>,
        #[serde(default)]
        note: String,
    },
}

/// The kind of a step, without its data: for history rows, errors and permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// 受理: filing the ticket (not a [`WorkflowAction`]).
    File,
    Dispatch,
    Accept,
    Return,
    StartHandling,
    Reply,
    RequestExtension,
    ApproveExtension,
    RejectExtension,
    StartFollowUp,
    RecordFollowUp,
    Close,
    Reopen,
    Supervise,
    Remind,
    Escalate,
}

impl ActionKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            ActionKind::File => "file",
            ActionKind::Dispatch => "dispatch",
            ActionKind::Accept => "accept",
            ActionKind::Return => "return",
            ActionKind::StartHandling => "start_handling",
            ActionKind::Reply => "reply",
            ActionKind::RequestExtension => "request_extension",
            ActionKind::ApproveExtension => "approve_extension",
            ActionKind::RejectExtension => "reject_extension",
            ActionKind::StartFollowUp => "start_follow_up",
            ActionKind::RecordFollowUp => "record_follow_up",
            ActionKind::Close => "close",
            ActionKind::Reopen => "reopen",
            ActionKind::Supervise => "supervise",
            ActionKind::Remind => "remind",
            ActionKind::Escalate => "escalate",
        }
    }

    pub const fn zh(self) -> &'static str {
        match self {
            ActionKind::File => "受理",
            ActionKind::Dispatch => "派单",
            ActionKind::Accept => "签收",
            ActionKind::Return => "退回",
            ActionKind::StartHandling => "办理",
            ActionKind::Reply => "答复",
            ActionKind::RequestExtension => "申请延期",
            ActionKind::ApproveExtension => "批准延期",
            ActionKind::RejectExtension => "驳回延期",
            ActionKind::StartFollowUp => "回访",
            ActionKind::RecordFollowUp => "回访结果",
            ActionKind::Close => "办结",
            ActionKind::Reopen => "重办",
            ActionKind::Supervise => "督办",
            ActionKind::Remind => "催办",
            ActionKind::Escalate => "升级",
        }
    }
}

impl fmt::Display for ActionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl WorkflowAction {
    pub const fn kind(&self) -> ActionKind {
        match self {
            WorkflowAction::Dispatch { .. } => ActionKind::Dispatch,
            WorkflowAction::Accept => ActionKind::Accept,
            WorkflowAction::Return { .. } => ActionKind::Return,
            WorkflowAction::StartHandling => ActionKind::StartHandling,
            WorkflowAction::Reply { .. } => ActionKind::Reply,
            WorkflowAction::RequestExtension { .. } => ActionKind::RequestExtension,
            WorkflowAction::ApproveExtension { .. } => ActionKind::ApproveExtension,
            WorkflowAction::RejectExtension { .. } => ActionKind::RejectExtension,
            WorkflowAction::StartFollowUp => ActionKind::StartFollowUp,
            WorkflowAction::RecordFollowUp { .. } => ActionKind::RecordFollowUp,
            WorkflowAction::Close { .. } => ActionKind::Close,
            WorkflowAction::Reopen { .. } => ActionKind::Reopen,
            WorkflowAction::Supervise { .. } => ActionKind::Supervise,
            WorkflowAction::Remind { .. } => ActionKind::Remind,
            WorkflowAction::Escalate { .. } => ActionKind::Escalate,
        }
    }

    /// The free text of the step, for the history row.
    pub fn note(&self) -> &str {
        match self {
            WorkflowAction::Dispatch { note, .. }
            | WorkflowAction::RejectExtension { note }
            | WorkflowAction::RecordFollowUp { note, .. }
            | WorkflowAction::Close { note }
            | WorkflowAction::Remind { note }
            | WorkflowAction::Escalate { note, .. } => note,
            WorkflowAction::Return { reason }
            | WorkflowAction::RequestExtension { reason, .. }
            | WorkflowAction::Reopen { reason } => reason,
            WorkflowAction::Reply { text } => text,
            WorkflowAction::Supervise { instruction } => instruction,
            WorkflowAction::Accept
            | WorkflowAction::StartHandling
            | WorkflowAction::ApproveExtension { .. }
            | WorkflowAction::StartFollowUp => "",
        }
    }
}

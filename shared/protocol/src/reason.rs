//! Not-ready reasons (临时闭席原因).
//!
//! A reason is a code plus a label rather than a closed enum: sites add their own codes (a
//! "quality review" break, say) without a protocol change. The standard codes below are the ones
//! every site has; `missed` and `after_call` are set by the server, the others by the agent.

use serde::{Deserialize, Serialize};

/// Why an agent is not ready: a stable `code` for reports and a `label` for the screen.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NotReadyReason {
    pub code: String,
    pub label: String,
}

/// The standard reason codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StandardReason {
    /// 小休 — a short break.
    Break,
    /// 用餐 — meal.
    Meal,
    /// 会议 — meeting.
    Meeting,
    /// 培训 — training.
    Training,
    /// 整理 — paperwork after a call, beyond the wrap-up time.
    AfterCall,
    /// 未接 — set by the server when an offered call rang out unanswered.
    Missed,
    /// 其他 — anything else.
    Other,
}

impl StandardReason {
    pub const ALL: [StandardReason; 7] = [
        StandardReason::Break,
        StandardReason::Meal,
        StandardReason::Meeting,
        StandardReason::Training,
        StandardReason::AfterCall,
        StandardReason::Missed,
        StandardReason::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            StandardReason::Break => "break",
            StandardReason::Meal => "meal",
            StandardReason::Meeting => "meeting",
            StandardReason::Training => "training",
            StandardReason::AfterCall => "after_call",
            StandardReason::Missed => "missed",
            StandardReason::Other => "other",
        }
    }

    /// The Mandarin label, which is what the server sends by default.
    pub fn label_zh(self) -> &'static str {
        match self {
            StandardReason::Break => "小休",
            StandardReason::Meal => "用餐",
            StandardReason::Meeting => "会议",
            StandardReason::Training => "培训",
            StandardReason::AfterCall => "整理",
            StandardReason::Missed => "未接",
            StandardReason::Other => "其他",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            StandardReason::Break => "Break",
            StandardReason::Meal => "Meal",
            StandardReason::Meeting => "Meeting",
            StandardReason::Training => "Training",
            StandardReason::AfterCall => "After-call work",
            StandardReason::Missed => "Missed call",
            StandardReason::Other => "Other",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }
}

impl NotReadyReason {
    pub fn new(code: impl Into<String>, label: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            label: label.into(),
        }
    }

    /// A standard reason with its Mandarin label.
    pub fn standard(reason: StandardReason) -> Self {
        Self::new(reason.code(), reason.label_zh())
    }

    /// The standard reason this code names, if it is one.
    pub fn standard_kind(&self) -> Option<StandardReason> {
        StandardReason::from_code(&self.code)
    }
}

impl From<StandardReason> for NotReadyReason {
    fn from(reason: StandardReason) -> Self {
        Self::standard(reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_codes_round_trip() {
        for r in StandardReason::ALL {
            let reason = NotReadyReason::standard(r);
            assert_eq!(reason.standard_kind(), Some(r));
        }
        assert_eq!(NotReadyReason::new("qa", "质检").standard_kind(), None);
        assert_eq!(
            serde_json::to_string(&NotReadyReason::from(StandardReason::Meal)).unwrap(),
            r#"{"code":"meal","label":"用餐"}"#
        );
    }
}

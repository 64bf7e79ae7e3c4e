//! How an outbound attempt ended, from the trunk's answer: the result codes callbacks and
//! campaigns count and retry on.

use hotline_protocol::EndCause;

/// The outcome of one outbound attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutboundResult {
    /// The callee answered (what happened afterwards is the call's end cause).
    Answered,
    /// 486 Busy Here, 600 Busy Everywhere.
    Busy,
    /// Rang out: we cancelled at the ring timeout (or the network said 480/408 after ringing).
    NoAnswer,
    /// The callee or the network refused: 603 Decline, 403 Forbidden.
    Rejected,
    /// The number does not exist: 404, 484 Address Incomplete, 410, 604.
    InvalidNumber,
    /// No answer from the trunk, a server error, or anything else.
    Failed,
    /// We gave up before an answer (the agent hung up while it rang, server shutdown).
    Cancelled,
}

impl OutboundResult {
    /// The result of a final non-2xx response, `rang` saying whether it had rung (a 480
    /// after ringing is an unanswered call, before it the callee is unreachable).
    pub fn from_final(code: u16, rang: bool) -> OutboundResult {
        match code {
            200..=299 => OutboundResult::Answered,
            486 | 600 => OutboundResult::Busy,
            403 | 603 => OutboundResult::Rejected,
            404 | 410 | 484 | 604 => OutboundResult::InvalidNumber,
            408 | 480 | 487 if rang => OutboundResult::NoAnswer,
            _ => OutboundResult::Failed,
        }
    }

    /// The name in records and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            OutboundResult::Answered => "answered",
            OutboundResult::Busy => "busy",
            OutboundResult::NoAnswer => "no answer",
            OutboundResult::Rejected => "rejected",
            OutboundResult::InvalidNumber => "invalid number",
            OutboundResult::Failed => "failed",
            OutboundResult::Cancelled => "cancelled",
        }
    }

    /// Whether a campaign should try the number again later.
    pub fn worth_retrying(self) -> bool {
        matches!(
            self,
            OutboundResult::Busy | OutboundResult::NoAnswer | OutboundResult::Failed
        )
    }

    /// What a workstation shows for an attempt that never connected.
    pub fn end_cause(self) -> EndCause {
        match self {
            OutboundResult::NoAnswer => EndCause::NoAnswer,
            OutboundResult::Rejected => EndCause::Rejected,
            OutboundResult::Cancelled => EndCause::AgentHangup,
            OutboundResult::Answered => EndCause::CallerHangup,
            OutboundResult::Busy | OutboundResult::InvalidNumber | OutboundResult::Failed => {
                EndCause::Failed
            }
        }
    }
}

impl std::fmt::Display for OutboundResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::OutboundResult as R;

    #[test]
    fn sip_codes_map_to_results() {
        let table = [
            (200, true, R::Answered),
            (486, true, R::Busy),
            (600, false, R::Busy),
            (603, true, R::Rejected),
            (403, false, R::Rejected),
            (404, false, R::InvalidNumber),
            (484, false, R::InvalidNumber),
            (480, true, R::NoAnswer),
            (487, true, R::NoAnswer),
            (480, false, R::Failed),
            (408, false, R::Failed),
            (500, true, R::Failed),
            (503, false, R::Failed),
            (488, false, R::Failed),
        ];
        for (code, rang, want) in table {
            assert_eq!(R::from_final(code, rang), want, "{code} rang={rang}");
        }
    }

    #[test]
    fn only_transient_results_are_retried() {
        assert!(R::Busy.worth_retrying());
        assert!(R::NoAnswer.worth_retrying());
        assert!(!R::InvalidNumber.worth_retrying());
        assert!(!R::Rejected.worth_retrying());
        assert!(!R::Answered.worth_retrying());
        assert_eq!(R::NoAnswer.to_string(), "no answer");
    }
}

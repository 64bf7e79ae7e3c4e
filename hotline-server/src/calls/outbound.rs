//! Outbound calls through the SIP trunk: click-to-dial, callbacks, blind transfer to an outside
//! number, and later campaigns all place a call the same way.
//!
//! ```text
//! let (control, control_rx) = mpsc::channel(16);
//! let (progress_tx, mut progress) = mpsc::channel(8);
//! outbound::place(&ctx, order, control_rx, progress_tx)?;
//! // progress: Ringing, Answered, then always one Ended { result, cause, peer }
//! ```
//!
//! Once the callee answers, the leg runs in the ordinary call task (`calls::call`), so hold,
//! mute, hang-up, BYE handling, the recording and the CDR are the inbound code. The order's
//! `peer` (an agent's leg, or the audio of a caller being transferred) is bridged with the
//! callee as soon as they answer, and handed back in `Ended`.

mod attempt;
mod dial_plan;
mod dialer;
mod result;
mod trunk;
mod uac;

use std::sync::Arc;

use tokio::sync::mpsc;

pub use self::dial_plan::{DialPlan, DialPlanError, MAX_DIGITS};
pub use self::dialer::{DialOrder, DialerLink, start_dialer};
pub use self::result::OutboundResult;
pub use self::trunk::OutboundTrunk;
use super::Context;
use crate::agents::{AgentAudio, CallControl};

/// Why the call is placed; recorded in the call's events and its CDR (`flow`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// An agent's click-to-dial.
    Dial,
    /// An agent calling a citizen back about a ticket.
    Callback,
    /// A caller blind-transferred to an outside number or a department.
    Transfer,
    /// A follow-up visit or survey.
    Campaign,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Dial => "dial",
            Purpose::Callback => "callback",
            Purpose::Transfer => "transfer",
            Purpose::Campaign => "campaign",
        }
    }
}

/// Who talks to the callee once they answer.
#[derive(Debug)]
pub struct Peer {
    /// The agent's account, or a label for a call's audio; events and `Ended` name it.
    pub name: String,
    pub audio: AgentAudio,
    /// Record the conversation on this leg (not when the other call already records it).
    pub record: bool,
}

/// One call to place.
#[derive(Debug)]
pub struct OutboundOrder {
    /// Chosen by the caller of [`place`] so it can answer with it at once (see [`new_call_id`]).
    pub call_id: String,
    /// As entered; the trunk's dial plan checks it and adds its prefix.
    pub number: String,
    /// The number presented to the callee; the trunk's default when `None`.
    pub caller_id: Option<String>,
    pub purpose: Purpose,
    /// The agent on whose behalf the call is made, for the records.
    pub agent: Option<String>,
    pub ticket_id: Option<String>,
    pub peer: Option<Peer>,
    /// The call this one serves (the transferred caller's call id), for the records.
    pub for_call: Option<String>,
    /// An IVR flow the answered callee enters when there is no peer (a campaign's survey).
    pub flow: Option<String>,
}

/// What becomes of a placed call.
#[derive(Debug)]
pub enum Progress {
    /// The network reports ringing (180/183).
    Ringing,
    /// The callee answered and the peer is bridged.
    Answered,
    /// The end, once, whatever happened: `result` says whether it was answered (then `cause`
    /// says how it ended) or why not. `peer` hands the order's audio back.
    Ended {
        result: OutboundResult,
        cause: String,
        peer: Option<(String, AgentAudio)>,
    },
}

/// Why a call could not be placed at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DialError {
    #[error("no trunk carries outbound calls (set `outbound` on a [[trunk]])")]
    NoTrunk,
    #[error("cannot dial \"{number}\": {error}")]
    Number {
        number: String,
        error: DialPlanError,
    },
    #[error("the trunk's address {0} does not resolve")]
    Unresolved(String),
}

impl DialError {
    /// The result a refused order counts as.
    pub fn result(&self) -> OutboundResult {
        match self {
            DialError::Number { .. } => OutboundResult::InvalidNumber,
            DialError::NoTrunk | DialError::Unresolved(_) => OutboundResult::Failed,
        }
    }
}

/// A fresh Call-ID for an outbound call.
pub fn new_call_id() -> String {
    hotline_sip::new_call_id("hotline")
}

/// Places `order` and returns at once; the call runs in its own task, reporting on `progress`
/// and obeying `control` (hang-up, hold, mute, a later bridge). On `Err` nothing was started,
/// and `progress` has still had its `Ended` (with the peer's audio).
pub async fn place(
    ctx: &Arc<Context>,
    order: OutboundOrder,
    control: mpsc::Receiver<CallControl>,
    progress: mpsc::Sender<Progress>,
) -> Result<(), DialError> {
    let checked = match OutboundTrunk::from_config(&ctx.config) {
        None => Err(DialError::NoTrunk),
        Some(trunk) => match trunk.plan.check(&order.number) {
            Err(error) => Err(DialError::Number {
                number: order.number.clone(),
                error,
            }),
            Ok(number) => match trunk.resolve().await {
                Some(dest) => Ok((trunk, number, dest)),
                None => Err(DialError::Unresolved(trunk.target.clone())),
            },
        },
    };
    match checked {
        Ok((trunk, number, dest)) => {
            let attempt = attempt::Attempt {
                ctx: ctx.clone(),
                trunk,
                number,
                dest,
                order,
                control,
                progress,
            };
            ctx.media.spawn(attempt.run());
            Ok(())
        }
        Err(e) => {
            let peer = order.peer.map(|p| (p.name, p.audio));
            let _ = progress
                .send(Progress::Ended {
                    result: e.result(),
                    cause: e.to_string(),
                    peer,
                })
                .await;
            Err(e)
        }
    }
}

/// `host:port` (port 5060 when left out; an IPv6 host in brackets).
pub fn split_host_port(text: &str) -> Option<(&str, u16)> {
    let text = text.trim();
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        match after.strip_prefix(':') {
            Some(p) => (host, p.parse().ok()?),
            None if after.is_empty() => (host, 5060),
            None => return None,
        }
    } else {
        match text.rsplit_once(':') {
            Some((h, p)) if !h.contains(':') => (h, p.parse().ok()?),
            Some(_) => return None,
            None => (text, 5060),
        }
    };
    let plain = |c: char| c.is_ascii_alphanumeric() || ".-_:".contains(c);
    (!host.is_empty() && port != 0 && host.chars().all(plain)).then_some((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations() {
        assert_eq!(split_host_port("10.0.0.9:5080"), Some(("10.0.0.9", 5080)));
        assert_eq!(
            split_host_port("gw.example.cn"),
            Some(("gw.example.cn", 5060))
        );
        assert_eq!(
            split_host_port("[2001:db8::1]:5062"),
            Some(("2001:db8::1", 5062))
        );
        assert_eq!(
            split_host_port("[2001:db8::1]"),
            Some(("2001:db8::1", 5060))
        );
        assert_eq!(split_host_port("host:port"), None);
        assert_eq!(split_host_port("2001:db8::1"), None);
        assert_eq!(split_host_port("sip:gw:5060"), None);
        assert_eq!(split_host_port(":5060"), None);
        assert_eq!(split_host_port("gw:0"), None);
    }

    #[test]
    fn refused_orders_count_as_results() {
        let e = DialError::Number {
            number: "12a".into(),
            error: DialPlanError::BadCharacter('a'),
        };
        assert_eq!(e.result(), OutboundResult::InvalidNumber);
        assert_eq!(DialError::NoTrunk.result(), OutboundResult::Failed);
    }
}

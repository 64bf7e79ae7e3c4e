//! Blind transfer of a connected call to another agent or a queue: the ACD re-routes it, the
//! call task keeps the caller (with music) and the recording, the next agent sees who handed
//! the call over, with the note and the ticket.

use std::time::Instant;

use hotline_protocol as proto;
use serde_json::json;

use super::{CallControl, State, ended};
use crate::acd::{self, AgentId, TransferTo};

/// A transfer as the workstation asked for it.
pub(super) struct TransferRequest {
    pub call_id: proto::CallId,
    pub target: proto::TransferTarget,
    pub mode: proto::TransferMode,
    pub note: Option<String>,
    pub ticket_id: Option<proto::TicketId>,
}

impl State {
    pub(super) fn transfer(
        &mut self,
        agent: &str,
        req: TransferRequest,
        now: Instant,
    ) -> Result<(), String> {
        let call = self
            .ids
            .get(&req.call_id.0)
            .copied()
            .ok_or_else(|| format!("no call {}", req.call_id.0))?;
        if req.mode == proto::TransferMode::Attended {
            return Err("attended transfer is not available yet; use blind".into());
        }
        let to = match &req.target {
            proto::TransferTarget::Agent { id } => TransferTo::Agent(AgentId(id.0.clone())),
            proto::TransferTarget::Queue { name } => TransferTo::Queue(acd::QueueId(name.clone())),
            proto::TransferTarget::Department { .. } | proto::TransferTarget::External { .. } => {
                return self.transfer_out(agent, call, &req, now);
            }
        };
        let from = AgentId(agent.to_owned());
        let effects = self
            .acd
            .transfer(&from, call, to, now)
            .map_err(|e| e.to_string())?;
        let info = proto::TransferInfo {
            from_agent: proto::AgentId(agent.to_owned()),
            mode: req.mode,
            note: req.note,
            ticket_id: req.ticket_id,
        };
        if let Some(c) = self.calls.get_mut(&call) {
            let target = match &req.target {
                proto::TransferTarget::Agent { id } => json!({"agent": id.0}),
                proto::TransferTarget::Queue { name } => json!({"queue": name}),
                _ => json!(null),
            };
            // The order reaches the call before any `Bridge` to the next agent: same channel.
            let _ = c.control.try_send(CallControl::Transfer {
                detail: json!({
                    "from": agent,
                    "to": target,
                    "mode": "blind",
                    "note": info.note,
                    "ticket_id": info.ticket_id.as_ref().map(|t| t.0.clone()),
                }),
            });
            if let proto::TransferTarget::Queue { name } = &req.target {
                c.queue.clone_from(name);
            }
            c.transfer = Some(info);
        }
        if let Some(a) = self.agents.get(agent) {
            let _ = a
                .events
                .try_send(ended(&req.call_id.0, proto::EndCause::Transferred));
        }
        self.apply(effects);
        Ok(())
    }
}

//! Campaign mode `agent` (回访 by an agent): instead of dialling with an IVR flow, each due
//! citizen is put into the campaign's queue like a callback in queue. The agent who answers the
//! offer (it names the ticket) is connected first; the server then dials the citizen with the
//! agent's audio. The dial's result comes back here as the target's attempt, and the campaign's
//! policy — not the queue's callback settings — decides on another attempt. The agent records
//! the citizen's satisfaction through the ticket's workflow (`record_follow_up`).

use tokio::sync::oneshot;
use tracing::{info, warn};

use super::{CALL_LIMIT, CAMPAIGN_USER, Dialer};
use crate::agents::Input;
use crate::agents::distributor::{CampaignAttempt, CampaignCall};
use crate::calls::outbound::OutboundResult;
use crate::store::{CampaignRow, RecordError, TargetRow};
use crate::tickets::{Actor, Role, Status, TicketState, WorkflowAction};

/// The queue an agent-mode campaign uses when it names none.
pub const DEFAULT_QUEUE: &str = "general";

/// The id of the queue entry for the leg `call_id` (what the agent's offer names).
pub fn entry_id(call_id: &str) -> String {
    format!("offer-{call_id}")
}

impl Dialer {
    /// One attempt for one target: queued for an agent, dialled once one answers. Gives the
    /// result and its cause; `cancelled` if no agent took it within the call limit (a call an
    /// agent has taken is waited for to its end, however long).
    pub(super) async fn through_agent(
        &self,
        target: &TargetRow,
        campaign: &CampaignRow,
        call_id: &str,
        ticket_number: Option<String>,
    ) -> (OutboundResult, String) {
        let (done, mut result) = oneshot::channel::<CampaignAttempt>();
        let entry = entry_id(call_id);
        let queue = if campaign.queue.is_empty() {
            DEFAULT_QUEUE.to_owned()
        } else {
            campaign.queue.clone()
        };
        self.ctx.distributor.send(Input::CampaignCall(CampaignCall {
            entry_id: entry.clone(),
            leg_call_id: call_id.to_owned(),
            number: target.number.clone(),
            queue,
            ticket: ticket_number,
            purpose: campaign.purpose.clone(),
            attempt: target.attempts.saturating_add(1),
            done,
        }));
        let ended = if let Ok(ended) = tokio::time::timeout(CALL_LIMIT, &mut result).await {
            ended.map_err(|_| ())
        } else {
            let (reply, withdrawn) = oneshot::channel();
            self.ctx.distributor.send(Input::CampaignWithdraw {
                entry_id: entry,
                reply,
            });
            if withdrawn.await.unwrap_or(true) {
                // Unless it ended just now, nobody took it: it left the queue, and the policy
                // decides on the next try.
                result.try_recv().map_err(|_| ())
            } else {
                // An agent has it: its end comes, however long the conversation.
                result.await.map_err(|_| ())
            }
        };
        match ended {
            Ok(a) => {
                info!(%call_id, agent = %a.agent, result = %a.result,
                      "campaign call by an agent ended");
                (a.result, a.cause)
            }
            // No agent took it, or the server is stopping: not the citizen's doing.
            Err(()) => (OutboundResult::Cancelled, "not taken by an agent".into()),
        }
    }

    /// The citizen was reached: a replied ticket enters its follow-up (回访) so the agent can
    /// record the satisfaction they were told.
    pub(super) async fn start_follow_up(&self, ticket: i64) {
        let now = (self.ctx.clock)();
        let deadlines = self.deadlines();
        let started = self
            .db(move |s| {
                let current = s
                    .ticket(ticket)?
                    .ok_or_else(|| RecordError::not_found("ticket", ticket))?;
                if current.state.status != Status::Replied {
                    return Ok(false);
                }
                let actor = Actor::centre(CAMPAIGN_USER, Role::Agent);
                let due =
                    |t: &TicketState| deadlines.as_ref().and_then(|d| d.due_at(t).ok().flatten());
                let start = WorkflowAction::StartFollowUp;
                s.apply_transition(ticket, &actor, &start, now, None, &due)?;
                Ok(true)
            })
            .await;
        if let Err(e) = started {
            warn!(ticket, error = %e, "follow-up not started on the ticket");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_offer_is_named_after_the_leg() {
        assert_eq!(entry_id("abc@hotline"), "offer-abc@hotline");
    }
}

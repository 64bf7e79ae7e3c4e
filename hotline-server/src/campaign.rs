//! Outbound campaigns (G5, F6): follow-up visits (回访) and surveys placed as calls through the
//! trunk. The task picks the targets that are due, keeps to each campaign's calling window and
//! to `[campaign] max_parallel`, places each call with [`crate::calls::outbound::place`]; the
//! answered citizen enters the campaign's IVR flow (the satisfaction survey by default). The
//! result code and the keypad answer go on the target, the call is linked to the ticket, and a
//! survey answer is recorded as the ticket's follow-up result (an unsatisfied one reopens it).
//! Busy, no answer and failures are tried again per the campaign's policy ([`policy`]).
//! In mode `agent` an agent talks to the citizen instead of a flow ([`agent`]).

pub mod agent;
pub mod policy;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::api::rest::Rules;
use crate::calls::Context;
use crate::calls::outbound::{self, OutboundOrder, OutboundResult, Progress, Purpose};
use crate::store::{CallOutcome, DueTarget, RecordError, Store};
use crate::tickets::{Actor, Role, Status, TicketState, WorkflowAction};
use policy::{Next, Window, next_after, result_name, satisfaction_of};

/// The account named in the history rows a campaign writes.
pub const CAMPAIGN_USER: &str = "campaign";

/// The hang-up cause of the dispatch flow when the team acknowledged the order.
pub const ACKNOWLEDGED: &str = "acknowledged";

/// How long a placed call may take, ringing included, before the task stops waiting for it.
const CALL_LIMIT: Duration = Duration::from_hours(1);

struct Dialer {
    ctx: Arc<Context>,
    store: Arc<Store>,
    in_flight: Arc<AtomicUsize>,
    rules: Rules,
}

/// Starts the campaign task; calls that were in progress at the last stop are requeued.
pub fn spawn(
    ctx: Arc<Context>,
    db_path: &Path,
    shutdown: CancellationToken,
) -> Result<(), RecordError> {
    let store = Arc::new(Store::open(db_path)?);
    let requeued = store.requeue_calling_targets(ctx.now_ms())?;
    if requeued > 0 {
        info!(
            requeued,
            "campaign calls cut by the last stop are due again"
        );
    }
    let dialer = Arc::new(Dialer {
        ctx,
        store,
        in_flight: Arc::default(),
        rules: Rules::default(),
    });
    tokio::spawn(dialer.run(shutdown));
    Ok(())
}

impl Dialer {
    /// The deadline rules, for the due time a workflow step stores; `None` if they do not load.
    fn deadlines(&self) -> Option<Arc<crate::tickets::Deadlines>> {
        self.rules.deadlines(&self.ctx.config).ok()
    }

    async fn run(self: Arc<Self>, shutdown: CancellationToken) {
        let every = Duration::from_millis(self.ctx.config.campaign.poll_interval_ms.max(10));
        loop {
            if let Err(e) = self.clone().pass().await {
                warn!(error = %e, "campaign pass failed");
            }
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(every) => {}
            }
        }
    }

    async fn db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, RecordError> + Send + 'static,
    ) -> Result<T, RecordError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || f(&store))
            .await
            .map_err(|e| RecordError::Invalid(format!("campaign task: {e}")))?
    }

    /// Places calls for the targets due now, as far as the parallel limit allows.
    async fn pass(self: Arc<Self>) -> Result<(), RecordError> {
        let max = self.ctx.config.campaign.max_parallel.max(1);
        let free = max.saturating_sub(self.in_flight.load(Ordering::Acquire));
        if free == 0 {
            return Ok(());
        }
        let now = (self.ctx.clock)();
        let now_ms = now.as_millisecond();
        let due = self.db(move |s| s.due_targets(now_ms, free)).await?;
        let tz = self.ctx.config.server.tz();
        for d in due {
            let window = Window {
                start_min: d.campaign.window_start,
                end_min: d.campaign.window_end,
            };
            if let Some(open) = window.next_open(now, &tz) {
                let (id, at) = (d.target.id, open.as_millisecond());
                self.db(move |s| s.defer_target(id, at)).await?;
                continue;
            }
            let call_id = outbound::new_call_id();
            let (target, ticket, call) = (d.target.id, d.target.ticket_id, call_id.clone());
            self.db(move |s| {
                s.start_target_call(target, &call, now_ms)?;
                if let Some(t) = ticket {
                    s.link_call(t, &call, now_ms)?;
                }
                Ok(())
            })
            .await?;
            self.in_flight.fetch_add(1, Ordering::AcqRel);
            let me = self.clone();
            tokio::spawn(async move {
                me.call(d, call_id).await;
                me.in_flight.fetch_sub(1, Ordering::AcqRel);
            });
        }
        Ok(())
    }

    /// One call for one target, from dialling to the result on the target and the ticket.
    async fn call(&self, due: DueTarget, call_id: String) {
        let DueTarget { target, campaign } = due;
        // The flow gets the ticket's number (a dispatch order reads it out).
        let number = match target.ticket_id {
            Some(id) => self
                .db(move |s| Ok(s.ticket(id)?.map(|t| t.number)))
                .await
                .ok()
                .flatten(),
            None => None,
        };
        let by_agent = campaign.mode == "agent";
        let (result, cause) = if by_agent {
            self.through_agent(&target, &campaign, &call_id, number)
                .await
        } else {
            // Held until the call ends: a closed control channel would hang the call up.
            let (_control, control_rx) = mpsc::channel(4);
            let (progress_tx, mut progress) = mpsc::channel(8);
            let order = OutboundOrder {
                call_id: call_id.clone(),
                number: target.number.clone(),
                caller_id: None,
                purpose: Purpose::Campaign,
                agent: None,
                ticket_id: number,
                peer: None,
                for_call: None,
                flow: (!campaign.flow.is_empty()).then(|| campaign.flow.clone()),
            };
            // A refused order has already reported its `Ended` on the channel.
            let _ = outbound::place(&self.ctx, order, control_rx, progress_tx).await;
            let ended = tokio::time::timeout(CALL_LIMIT, async {
                while let Some(p) = progress.recv().await {
                    if let Progress::Ended { result, cause, .. } = p {
                        return (result, cause);
                    }
                }
                (OutboundResult::Failed, "the call task ended".to_owned())
            })
            .await;
            ended.unwrap_or((OutboundResult::Failed, "no result within the limit".into()))
        };
        // The survey's answer is written by the call; make sure it is in before reading.
        let _ = self.ctx.store.flush().await;
        let dispatch = campaign.purpose == "dispatch";
        let answer = match result {
            // The dispatch flow hangs up with this cause once the team keyed 1.
            OutboundResult::Answered if dispatch && cause == ACKNOWLEDGED => ACKNOWLEDGED.into(),
            OutboundResult::Answered if dispatch => "not_acknowledged".into(),
            // The agent records what the citizen said through the ticket's workflow.
            OutboundResult::Answered if by_agent => String::new(),
            OutboundResult::Answered => {
                let call = call_id.clone();
                self.db(move |s| s.survey_answer(&call))
                    .await
                    .ok()
                    .flatten()
                    .unwrap_or_default()
            }
            _ => String::new(),
        };
        let now_ms = self.ctx.now_ms();
        let retry_ms = campaign.retry_secs.saturating_mul(1000);
        let attempts = target.attempts.saturating_add(1);
        // An order nobody acknowledged is called again like one nobody answered.
        let counted = if dispatch && result == OutboundResult::Answered && answer != ACKNOWLEDGED {
            OutboundResult::NoAnswer
        } else {
            result
        };
        let (retry_at_ms, final_status) =
            match next_after(counted, attempts, campaign.max_attempts, retry_ms, now_ms) {
                Next::Retry(at) => (Some(at), "failed"),
                Next::Finish(status) => (None, status),
            };
        info!(%call_id, number = %target.number, result = %result, %answer, ?retry_at_ms,
              "campaign call ended");
        let outcome = CallOutcome {
            result: result_name(result),
            cause,
            answer: answer.clone(),
            retry_at_ms,
            final_status,
        };
        let (id, call) = (target.id, call_id.clone());
        if let Err(e) = self
            .db(move |s| s.finish_target_call(id, &call, &outcome, now_ms))
            .await
        {
            warn!(%call_id, error = %e, "campaign result not recorded");
        }
        if by_agent {
            if let (Some(ticket), OutboundResult::Answered) = (target.ticket_id, result) {
                self.start_follow_up(ticket).await;
            }
            return;
        }
        if dispatch && answer == ACKNOWLEDGED {
            if let Some(ticket) = target.ticket_id {
                self.acknowledge(ticket, &call_id).await;
            }
            return;
        }
        if let (Some(ticket), Some(satisfaction)) = (target.ticket_id, satisfaction_of(&answer)) {
            let now = (self.ctx.clock)();
            let deadlines = self.deadlines();
            let note = format!("{}: {call_id}", campaign.name);
            let recorded = self
                .db(move |s| {
                    let actor = Actor::centre(CAMPAIGN_USER, Role::Agent);
                    let due = |t: &TicketState| {
                        deadlines.as_ref().and_then(|d| d.due_at(t).ok().flatten())
                    };
                    let current = s
                        .ticket(ticket)?
                        .ok_or_else(|| RecordError::not_found("ticket", ticket))?;
                    if current.state.status == Status::Replied {
                        let start = WorkflowAction::StartFollowUp;
                        s.apply_transition(ticket, &actor, &start, now, None, &due)?;
                    }
                    let record = WorkflowAction::RecordFollowUp { satisfaction, note };
                    s.apply_transition(ticket, &actor, &record, now, None, &due)?;
                    Ok(())
                })
                .await;
            if let Err(e) = recorded {
                warn!(ticket, error = %e, "follow-up result not recorded on the ticket");
            }
        }
    }

    /// The team keyed 1: the ticket is accepted (签收) in the lead department's name.
    async fn acknowledge(&self, ticket: i64, call_id: &str) {
        let now = (self.ctx.clock)();
        let call = call_id.to_owned();
        let deadlines = self.deadlines();
        let accepted = self
            .db(move |s| {
                let current = s
                    .ticket(ticket)?
                    .ok_or_else(|| RecordError::not_found("ticket", ticket))?;
                let Some(lead) = current.lead_department_id else {
                    return Ok(false);
                };
                if current.state.status != Status::Dispatched {
                    return Ok(false);
                }
                let actor = Actor::department(format!("voice:{call}"), lead.to_string());
                let due =
                    |t: &TicketState| deadlines.as_ref().and_then(|d| d.due_at(t).ok().flatten());
                s.apply_transition(ticket, &actor, &WorkflowAction::Accept, now, None, &due)?;
                Ok(true)
            })
            .await;
        match accepted {
            Ok(true) => info!(ticket, %call_id, "dispatch order acknowledged by phone"),
            Ok(false) => {}
            Err(e) => warn!(ticket, error = %e, "acknowledgement not recorded on the ticket"),
        }
    }
}

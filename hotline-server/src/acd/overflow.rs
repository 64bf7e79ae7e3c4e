//! Entering a queue, and leaving it by overflow or rejection.

use std::time::Instant;

use super::Acd;
use super::call::{CallEntry, Phase};
use super::effect::{AcdEffect, OverflowCause, RejectCause};
use super::ids::CallId;
use super::settings::OverflowTarget;

impl Acd {
    /// Puts a call into `entry.queue`, or overflows it at once if that queue is full or has
    /// no agent logged in who could take it.
    pub(super) fn enqueue(&mut self, mut entry: CallEntry, now: Instant, fx: &mut Vec<AcdEffect>) {
        let id = entry.id;
        let Some(queue) = self.queues.get_mut(&entry.queue) else {
            self.ledger.rejected += 1;
            fx.push(AcdEffect::Rejected {
                call: id,
                cause: RejectCause::UnknownOverflowQueue,
            });
            return;
        };
        let config = &queue.config;
        entry.phase = Phase::Waiting;
        entry.next_announce = config.announce_interval.map(|i| now + i);
        // Without a target, waiting past max_wait changes nothing: no timer.
        entry.max_wait_at = match config.overflow {
            OverflowTarget::None => None,
            _ => config.max_wait.map(|w| now + w),
        };
        let cause = if queue.is_full() {
            Some(OverflowCause::MaxLength)
        } else if config.overflow != OverflowTarget::None
            && !self
                .agents
                .values()
                .any(|a| a.logged_in() && a.has_skills(&config.skills))
        {
            Some(OverflowCause::NoAgents)
        } else {
            None
        };
        if cause.is_none() {
            queue.insert(entry.key, id);
        }
        self.calls.insert(id, entry);
        if let Some(cause) = cause {
            self.overflow(id, cause, now, fx);
        }
    }

    /// Sends a waiting call to its queue's overflow target.
    pub(super) fn overflow(
        &mut self,
        id: CallId,
        cause: OverflowCause,
        now: Instant,
        fx: &mut Vec<AcdEffect>,
    ) {
        let Some(entry) = self.calls.get_mut(&id) else {
            return;
        };
        let target = self
            .queues
            .get(&entry.queue)
            .map_or(OverflowTarget::None, |q| q.config.overflow.clone());
        match &target {
            OverflowTarget::None => {
                if cause == OverflowCause::MaxLength {
                    self.remove_call(id);
                    self.ledger.rejected += 1;
                    fx.push(AcdEffect::Rejected {
                        call: id,
                        cause: RejectCause::QueueFull,
                    });
                } else {
                    entry.max_wait_at = None;
                }
                return;
            }
            OverflowTarget::Voicemail => {
                self.remove_call(id);
                self.ledger.overflowed_out += 1;
            }
            OverflowTarget::BackupGroup(group) => {
                // Stays in its queue (past max_length if need be), now open to the group.
                entry.backup_group = Some(group.clone());
                entry.max_wait_at = None;
                if let Some(queue) = self.queues.get_mut(&entry.queue)
                    && !queue.contains(id)
                {
                    queue.insert(entry.key, id);
                }
            }
            OverflowTarget::Queue(_) => {}
        }
        fx.push(AcdEffect::Overflow {
            call: id,
            to: target.clone(),
            cause,
        });
        if let OverflowTarget::Queue(next) = target {
            let Some(mut entry) = self.remove_call(id) else {
                return;
            };
            if entry.hops >= self.settings.max_overflow_hops {
                self.ledger.rejected += 1;
                fx.push(AcdEffect::Rejected {
                    call: id,
                    cause: RejectCause::OverflowLoop,
                });
                return;
            }
            entry.hops += 1;
            entry.queue = next;
            entry.first_contact = None;
            entry.backup_group = None;
            entry.declined.clear();
            self.enqueue(entry, now, fx);
        }
    }

    /// Overflows the waiting calls of queues that have lost their last skilled agent.
    pub(super) fn sweep_no_agents(&mut self, now: Instant, fx: &mut Vec<AcdEffect>) {
        let mut stranded = Vec::new();
        for (name, queue) in &self.queues {
            if queue.config.overflow == OverflowTarget::None
                || self
                    .agents
                    .values()
                    .any(|a| a.logged_in() && a.has_skills(&queue.config.skills))
            {
                continue;
            }
            stranded.extend(queue.calls.iter().filter_map(|(_, id)| {
                let entry = self.calls.get(id)?;
                let movable =
                    entry.is_waiting() && entry.backup_group.is_none() && entry.callback.is_none();
                (movable && entry.queue == *name).then_some(*id)
            }));
        }
        for id in stranded {
            self.overflow(id, OverflowCause::NoAgents, now, fx);
        }
    }

    /// Takes a call out of the ACD entirely.
    pub(super) fn remove_call(&mut self, id: CallId) -> Option<CallEntry> {
        let entry = self.calls.remove(&id)?;
        if let Some(queue) = self.queues.get_mut(&entry.queue) {
            queue.remove(id);
        }
        Some(entry)
    }
}

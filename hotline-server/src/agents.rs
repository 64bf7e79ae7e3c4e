//! Agents at work: the task that owns the ACD and connects its decisions to calls, workstation
//! sessions and agent media legs.

pub mod distributor;
pub mod outbox;
pub mod queues;
pub mod screen_pop;

pub use distributor::{AgentAudio, AgentLog, CallControl, Distributor, Input};
pub use outbox::{Inbox, Outbox, Outgoing, SharedSnapshot, outbox};

//! Self-service voice (IVR, SPEC A): call flows as data and their sans-IO interpreter.
//!
//! - [`flow`]: the model of a flow file (`assets/ivr/*.toml`); [`load`] reads it with the source
//!   line of every node and key; [`FlowSet`] holds every flow of a directory.
//! - [`check`]: the admin's `ivr check` (dangling targets, missing prompts, unreachable nodes,
//!   loops with no way out).
//! - [`interpreter`]: drives one call through a flow: events and `now` in, [`Action`]s out.
//! - [`say`]: numbers, digits and dates as prompt sequences (Mandarin and English).
//! - [`schedule`]: working hours, holidays and make-up working days choose the flow.

pub mod action;
pub mod check;
pub mod flow;
pub mod flow_set;
pub mod interpreter;
pub mod load;
pub mod pin_limit;
pub mod prompt;
pub mod say;
pub mod schedule;
pub mod service;
pub mod vars;

pub use action::{Action, Event};
pub use check::{Finding, Severity, check, check_path};
pub use flow::{Flow, Node, Step};
pub use flow_set::{FlowSet, load_dir};
pub use interpreter::Interpreter;
pub use load::{FlowError, load_flow};
pub use prompt::PromptRef;
pub use schedule::{HolidaySpec, Period, ScheduleSpec, choose_flow, period_at};

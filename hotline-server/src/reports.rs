//! Statistics for the report endpoints (I1–I4): the period arithmetic (previous period,
//! year-on-year, month-on-month) and the aggregation of rows the store reads into report rows.
//! Pure: no SQL, no clock; the store gives the rows, the caller gives the time zone.

mod agent_time;
mod agents;
mod calls;
mod csv;
mod period;
mod tickets;

pub use agent_time::{AgentTime, StateMark, agent_times};
pub use agents::{AgentLeg, AgentRating, AgentReport, AgentRow, agent_report};
pub use calls::{By, CallFigures, CallReport, CallSample, call_report};
pub use csv::Csv;
pub use period::{Compare, Period, PeriodError, change_pct};
pub use tickets::{GroupCount, TicketGroup, TicketReport, TicketReportRow, ticket_report};

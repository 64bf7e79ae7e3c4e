//! `[tickets]`: the background deadline task (reminders 催办, escalation).

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TicketsConfig {
    /// How often the deadline task looks for tickets due soon or overdue (0 turns it off).
    pub reminder_interval_secs: u64,
    /// Tickets due within this many days are looked at (reminders before the due time).
    pub reminder_horizon_days: u32,
    /// Callback attempts (busy, no answer) before a pending consultation is given up on.
    pub consultation_callback_attempts: u32,
}

impl Default for TicketsConfig {
    fn default() -> Self {
        Self {
            reminder_interval_secs: 60,
            reminder_horizon_days: 30,
            consultation_callback_attempts: 3,
        }
    }
}

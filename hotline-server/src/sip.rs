//! SIP toward trunks: transports, the core that routes requests to calls, numbers, registration.
//!
//! Message syntax and transaction state machines are the sans-IO `hotline-sip` crate; this module
//! is the only place that drives them with sockets and timers.

pub mod core;
pub mod number;
pub mod registration;
pub mod transport;

//! Tickets (being written).

//! Hotline server library: SIP trunks, IVR, ACD, media, call records and the API.
//!
//! `main.rs` only parses the command line; tests start the whole server in-process through [`start`].

pub mod acd;
pub mod agents;
pub mod api;
pub mod auth;
pub mod calls;
pub mod campaign;
pub mod cli;
pub mod config;
pub mod ivr;
pub mod media;
pub mod notify;
pub mod reports;
pub mod server;
pub mod sip;
pub mod store;
pub mod tickets;

pub use server::{Running, ServerOptions, run, start};

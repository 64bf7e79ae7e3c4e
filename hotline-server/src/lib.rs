//! Hotline server library: SIP trunks, IVR, ACD, media, call records and the API.
//!
//! `main.rs` only parses the command line; tests start the whole server in-process through [`start`].

pub mod acd;
#[cfg(feature = "wiring")]
pub mod api;
#[cfg(feature = "wiring")]
pub mod calls;
#[cfg(feature = "wiring")]
pub mod cli;
pub mod config;
pub mod ivr;
#[cfg(feature = "wiring")]
pub mod media;
#[cfg(feature = "wiring")]
pub mod server;
#[cfg(feature = "wiring")]
pub mod sip;
pub mod store;
pub mod tickets;

#[cfg(feature = "wiring")]
pub use server::{Running, ServerOptions, run, start};

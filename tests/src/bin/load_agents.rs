//! `load-agents`: cheap headless agents for load runs (see `hotline_e2e::load`).

use std::process::ExitCode;

use clap::Parser as _;
use hotline_e2e::load::{self, Args};

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match load::run(&args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("load-agents: {e:#}");
            ExitCode::FAILURE
        }
    }
}

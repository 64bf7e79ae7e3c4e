//! `agent-tui`: the agent workstation. `--headless` runs the same log-in, media leg and call
//! handling without a screen, for tests, load runs and scripting.

use std::process::ExitCode;

use agent_tui::{Args, headless, runtime};
use clap::Parser;

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime_rt = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("agent-tui: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = if args.headless {
        runtime_rt.block_on(headless::run(&args))
    } else {
        runtime_rt.block_on(runtime::run(&args))
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("agent-tui: {e:#}");
            ExitCode::FAILURE
        }
    }
}

//! `agent-tui`: the agent workstation. `--headless` runs the same log-in, media leg and call
//! handling without a screen, for tests, load runs and scripting.

use std::process::ExitCode;

use agent_tui::{Args, headless};
use clap::Parser;

fn main() -> ExitCode {
    let args = Args::parse();
    if !args.headless {
        eprintln!("agent-tui: the interactive workstation is not built yet; run with --headless");
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("agent-tui: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(headless::run(&args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("agent-tui: {e:#}");
            ExitCode::FAILURE
        }
    }
}

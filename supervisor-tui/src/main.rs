//! `supervisor-tui`: the shift supervisor's workstation (班长工作台).

use std::process::ExitCode;

use clap::Parser;
use supervisor_tui::{Args, runtime};

fn main() -> ExitCode {
    let args = Args::parse();
    let rt = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("supervisor-tui: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(runtime::run(&args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("supervisor-tui: {e:#}");
            ExitCode::FAILURE
        }
    }
}

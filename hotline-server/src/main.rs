//! `hotline-server`: parses the command line and hands over to the library.

use std::process::ExitCode;

use clap::Parser;
use hotline_server::cli::{Cli, Command, IvrCommand, load_config};

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        // Colour codes only for a terminal; logs piped to files stay plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("hotline-server: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(dispatch(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("hotline-server: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let config = load_config(&cli.global)?;
            let shutdown = tokio_util::sync::CancellationToken::new();
            let token = shutdown.clone();
            tokio::spawn(async move {
                let _ = tokio::signal::ctrl_c().await;
                token.cancel();
            });
            hotline_server::run(config, shutdown).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Ivr {
            command: IvrCommand::Check { file },
        } => {
            let config = load_config(&cli.global)?;
            let assets = hotline_server::server::find_assets(&config.server.assets_dir)?;
            let target = file.unwrap_or_else(|| assets.join("ivr"));
            let findings = hotline_server::ivr::check_path(&target, &assets.join("prompts"))?;
            let errors = findings.iter().filter(|f| f.is_error()).count();
            for f in &findings {
                println!("{f}");
            }
            println!(
                "{}: {} error(s), {} warning(s)",
                target.display(),
                errors,
                findings.len() - errors
            );
            Ok(if errors == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Blacklist { command } => {
            let config = load_config(&cli.global)?;
            hotline_server::cli::blacklist::run_blacklist_command(
                &command,
                &config,
                &mut std::io::stdout(),
                jiff::Timestamp::now().as_millisecond(),
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::User { command } => {
            let config = load_config(&cli.global)?;
            let stdin = std::io::stdin();
            hotline_server::cli::user::run_user_command(
                &command,
                &config,
                &mut std::io::stdout(),
                stdin.lock(),
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Dept { command } => {
            let config = load_config(&cli.global)?;
            hotline_server::cli::dept::run_dept_command(
                &command,
                &config,
                &mut std::io::stdout(),
                jiff::Timestamp::now().as_millisecond(),
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { command } => {
            let config = load_config(&cli.global)?;
            hotline_server::cli::import::run_import_command(
                &command,
                &config,
                &mut std::io::stdout(),
                jiff::Timestamp::now().as_millisecond(),
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Export { command } => {
            let config = load_config(&cli.global)?;
            let n = hotline_server::cli::export::run_export_command(
                &command,
                &config,
                &mut std::io::stdout(),
            )?;
            eprintln!("exported {n} record(s)");
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup(args) => {
            let config = load_config(&cli.global)?;
            hotline_server::cli::backup::run_backup(
                &args,
                &config,
                &mut std::io::stdout(),
                jiff::Timestamp::now(),
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore(args) => {
            let config = load_config(&cli.global)?;
            hotline_server::cli::backup::run_restore(&args, &config, &mut std::io::stdout())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Digest(args) => {
            let config = load_config(&cli.global)?;
            hotline_server::cli::digest::run_digest(
                &args,
                &config,
                &mut std::io::stdout(),
                jiff::Timestamp::now(),
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Call(args) => {
            let report = hotline_server::cli::test_call::place_call(&args).await?;
            println!("{report}");
            Ok(if report.answered {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
    }
}

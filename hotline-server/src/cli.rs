//! The admin command line: `serve` (the default), `ivr check`, `call`, `user`, `dept`,
//! `import`, `export`, `backup`, `restore`.

pub mod backup;
pub mod blacklist;
pub mod dept;
pub mod digest;
pub mod export;
pub mod import;
pub mod test_call;
pub mod user;

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "hotline-server",
    version,
    about = "Hotline: citizen service hotline server (SIP, IVR, queues, tickets)"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args)]
pub struct Global {
    /// Configuration file (TOML); keys it leaves out keep their embedded defaults.
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Folder for the SQLite database and recordings (default ./data).
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    /// SIP address, UDP and TCP (default 127.0.0.1:5060).
    #[arg(long, global = true)]
    pub sip_listen: Option<SocketAddr>,
    /// HTTP API address (default 127.0.0.1:8080).
    #[arg(long, global = true)]
    pub api_listen: Option<SocketAddr>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (the default when no command is given).
    Serve,
    /// IVR flow tools.
    Ivr {
        #[command(subcommand)]
        command: IvrCommand,
    },
    /// Place a test call into a running server with a real SIP user agent.
    Call(test_call::CallArgs),
    /// Blocked caller numbers: add, remove, list.
    Blacklist {
        #[command(subcommand)]
        command: blacklist::BlacklistCommand,
    },
    /// User accounts: add, list, disable, enable, passwd.
    User {
        #[command(subcommand)]
        command: user::UserCommand,
    },
    /// Departments: add, list.
    Dept {
        #[command(subcommand)]
        command: dept::DeptCommand,
    },
    /// Import callers or knowledge-base items from CSV (all or nothing; --dry-run checks only).
    Import {
        #[command(subcommand)]
        command: import::ImportCommand,
    },
    /// Export tickets (CSV or JSON lines) or callers (CSV).
    Export {
        #[command(subcommand)]
        command: export::ExportCommand,
    },
    /// Consistent online backup of the database and recordings into a folder.
    Backup(backup::BackupArgs),
    /// Restore a backup folder into the data directory (stop the server first).
    Restore(backup::RestoreArgs),
    /// The daily key-issues digest (每日要情): important tickets, counts by category and region.
    Digest(digest::DigestArgs),
}

#[derive(Debug, Subcommand)]
pub enum IvrCommand {
    /// Validate flow files (default: every flow in assets/ivr); prints file:line findings.
    Check {
        /// A flow file or a folder of them.
        file: Option<PathBuf>,
    },
}

/// The configuration with command-line overrides applied.
pub fn load_config(g: &Global) -> Result<crate::config::Config, crate::config::ConfigError> {
    let mut config = crate::config::load(g.config.as_deref())?;
    if let Some(d) = &g.data_dir {
        config.server.data_dir.clone_from(d);
    }
    if let Some(a) = g.sip_listen {
        config.server.sip_listen = a;
    }
    if let Some(a) = g.api_listen {
        config.server.api_listen = a;
    }
    Ok(config)
}

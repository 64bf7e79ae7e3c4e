//! Server configuration: one TOML file merged over the built-in defaults
//! (`assets/hotline.toml`, embedded in the binary).
//!
//! Every error names the file, the line and the key, e.g.
//! `hotline.toml:12: key "sip_listen": invalid socket address "127.0.0.1:99999"`.

mod acd;
mod cidr;
mod de;
mod error;
mod holidays;
mod locate;
mod media;
mod merge;
mod notify;
mod profile;
mod recording;
mod schedule;
mod server;
mod tickets;
mod trunk;
mod validate;

use std::net::IpAddr;
use std::path::Path;
use std::sync::LazyLock;

use serde::Deserialize;

pub use acd::AcdConfig;
pub use cidr::{Cidr, CidrParseError};
pub use error::ConfigError;
pub use holidays::{Holidays, load_holidays, load_holidays_file};
pub use media::{KNOWN_CODECS, MediaConfig};
pub use notify::{
    BodyFormat, CampaignConfig, CentreContact, HttpMethod, ImapConfig, ImapSecurity, InboundConfig,
    NotifyConfig, SmsGatewayConfig, SmtpConfig, SmtpSecurity,
};
pub use profile::{LANGUAGES, ProfileConfig};
pub use recording::{RecordingConfig, RecordingLayout, RecordingPolicy};
pub use schedule::{ScheduleConfig, WEEKDAYS};
pub use server::ServerConfig;
pub use tickets::TicketsConfig;
pub use trunk::{TRANSPORTS, TrunkConfig, TrunkKind};

use locate::Source;

/// The built-in defaults, documented for admins.
pub const DEFAULT_TOML: &str = include_str!("../../assets/hotline.toml");

/// How errors in [`DEFAULT_TOML`] are attributed.
pub const DEFAULT_FILE_NAME: &str = "assets/hotline.toml";

/// The whole configuration. Field names are the TOML section names (plural for arrays).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub media: MediaConfig,
    /// `[[trunk]]` entries, in file order.
    #[serde(rename = "trunk")]
    pub trunks: Vec<TrunkConfig>,
    /// `[[profile]]` entries, in file order.
    #[serde(rename = "profile")]
    pub profiles: Vec<ProfileConfig>,
    /// `[[schedule]]` entries, in file order.
    #[serde(rename = "schedule")]
    pub schedules: Vec<ScheduleConfig>,
    pub acd: AcdConfig,
    pub recording: RecordingConfig,
    /// `[tickets]`; every key has a default.
    #[serde(default)]
    pub tickets: TicketsConfig,
    /// `[notify]`: outbox, SMS gateway, SMTP, inbound messages; every key has a default.
    #[serde(default)]
    pub notify: NotifyConfig,
    /// `[campaign]`: outbound follow-up calls; every key has a default.
    #[serde(default)]
    pub campaign: CampaignConfig,
}

static DEFAULTS: LazyLock<Config> = LazyLock::new(|| {
    // The embedded file is part of the program and covered by tests, not user input.
    load(None).expect("the embedded assets/hotline.toml is valid")
});

impl Default for Config {
    /// The embedded defaults.
    fn default() -> Self {
        DEFAULTS.clone()
    }
}

/// Loads the configuration: the embedded defaults with `None`, else the file at `path` merged
/// over them (missing sections and keys keep their default; a `[[trunk]]`, `[[profile]]` or
/// `[[schedule]]` array in the file replaces the default one). The result is validated.
pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
    match path {
        None => parse(DEFAULT_TOML, DEFAULT_FILE_NAME),
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                file: path.to_owned(),
                source,
            })?;
            parse(&text, &path.display().to_string())
        }
    }
}

/// Like [`load`] with a file, from text; `file` is the name errors are reported against.
pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
    let defaults = Source::parse(DEFAULT_FILE_NAME, DEFAULT_TOML)?;
    let user = Source::parse(file, text)?;
    let merged = merge::merge(defaults.root.clone(), user.root.clone());
    // Every default is valid, so a deserialisation error is about a value from `text`.
    let config: Config = user.deserialize(merged)?;
    validate::check(&config).map_err(|problem| locate::place(problem, &user, &defaults))?;
    Ok(config)
}

impl Config {
    /// Semantic checks: port range, unique names and numbers, one default profile, schedules
    /// that exist, a positive call limit, a known time zone. [`load`] already runs them; the
    /// error of this method names the key but no line (there is no file to point into).
    pub fn validate(&self) -> Result<(), ConfigError> {
        validate::check(self).map_err(|problem| problem.unplaced("configuration"))
    }

    /// The profile a dialled number starts: the one listing it, else the default profile.
    ///
    /// # Panics
    /// If there are no profiles, which [`Config::validate`] rules out.
    pub fn profile_for_dnis(&self, dnis: &str) -> &ProfileConfig {
        self.profiles
            .iter()
            .find(|p| p.numbers.iter().any(|n| n == dnis))
            .or_else(|| self.profiles.iter().find(|p| p.default))
            .or_else(|| self.profiles.first())
            .expect("a validated configuration has a default profile")
    }

    /// The peer trunk whose allow-list contains `ip` (first in file order).
    pub fn trunk_for_source(&self, ip: IpAddr) -> Option<&TrunkConfig> {
        self.trunks
            .iter()
            .find(|t| t.kind == TrunkKind::Peer && t.allows(ip))
    }

    /// A schedule by name.
    pub fn schedule_named(&self, name: &str) -> Option<&ScheduleConfig> {
        self.schedules.iter().find(|s| s.name == name)
    }
}

#[cfg(test)]
mod tests;

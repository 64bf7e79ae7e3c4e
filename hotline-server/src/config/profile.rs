//! `[[profile]]`: one hotline service, chosen by the dialled number; names its IVR flows.

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileConfig {
    pub name: String,
    /// Dialled numbers (DNIS) that start this profile.
    #[serde(default)]
    pub numbers: Vec<String>,
    /// Takes every dialled number no profile lists; exactly one profile has it.
    #[serde(default)]
    pub default: bool,
    /// `assets/ivr/<flow>.toml`, during working hours.
    pub flow: String,
    /// `""` = none: the working-hours flow runs 24x7.
    #[serde(default)]
    pub after_hours_flow: String,
    /// `""` = `after_hours_flow`.
    #[serde(default)]
    pub holiday_flow: String,
    /// A `[[schedule]]` name; `""` = always working hours.
    #[serde(default)]
    pub schedule: String,
    /// One of [`LANGUAGES`]: prompts under `assets/prompts/<language>/`.
    #[serde(default = "default_language")]
    pub language: String,
    /// How long the call rings (180, or 183 with ringback when `early_media`) before it is answered.
    #[serde(default)]
    pub ring_ms: u64,
    /// Ring with 183 and an in-band Chinese ringback tone instead of a bare 180.
    #[serde(default)]
    pub early_media: bool,
    /// The flow a caller enters when the agent hangs up (satisfaction survey); `""` = none.
    #[serde(default)]
    pub survey_flow: String,
    /// The flow a queue's `voicemail` overflow sends the caller to; `""` = a goodbye.
    #[serde(default)]
    pub voicemail_flow: String,
}

/// Languages prompts exist for.
pub const LANGUAGES: [&str; 2] = ["zh", "en"];

fn default_language() -> String {
    "zh".to_owned()
}

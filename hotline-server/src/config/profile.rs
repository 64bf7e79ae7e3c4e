//! `[[profile]]`: one hotline service, chosen by the dialled number; names its IVR flows.

use serde::Deserialize;

use super::de;
use super::schedule::Period;

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
    /// `None` (`""`) = the working-hours flow runs 24x7.
    #[serde(default, deserialize_with = "de::empty_as_none")]
    pub after_hours_flow: Option<String>,
    /// `None` (`""`) = `after_hours_flow`.
    #[serde(default, deserialize_with = "de::empty_as_none")]
    pub holiday_flow: Option<String>,
    /// A `[[schedule]]` name; `None` (`""`) = always working hours.
    #[serde(default, deserialize_with = "de::empty_as_none")]
    pub schedule: Option<String>,
    #[serde(default)]
    pub language: Language,
}

/// Language of prompts and TTS.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    Zh,
    En,
}

impl Language {
    /// The directory name under `assets/prompts/`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Zh => "zh",
            Self::En => "en",
        }
    }
}

impl ProfileConfig {
    /// The flow to run in `period`, falling back holiday → after hours → working hours.
    pub fn flow_for(&self, period: Period) -> &str {
        let after_hours = self.after_hours_flow.as_deref();
        match period {
            Period::Working => Some(self.flow.as_str()),
            Period::AfterHours => after_hours,
            Period::Holiday => self.holiday_flow.as_deref().or(after_hours),
        }
        .unwrap_or(&self.flow)
    }
}

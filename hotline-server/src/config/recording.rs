//! `[recording]`: which calls are recorded.

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordingConfig {
    pub policy: RecordingPolicy,
}

/// Global policy; per queue and per agent policies come later (C4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordingPolicy {
    All,
    None,
}

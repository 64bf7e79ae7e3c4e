//! New-voicemail notices.

use serde::{Deserialize, Serialize};

/// A message was left: plain voicemail (24-hour service) or the director's mailbox (局长信箱).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoicemailNotice {
    pub id: u64,
    /// The caller's number.
    pub from: String,
    pub duration_ms: u64,
    pub kind: VoicemailKind,
    pub at_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoicemailKind {
    Voicemail,
    DirectorMail,
}

//! `[acd]`: queues, skills and routing strategies (placeholder; filled by the ACD module).

use serde::Deserialize;

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AcdConfig {}

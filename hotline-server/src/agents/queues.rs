//! Turns the `[[acd.queue]]` configuration into the ACD's queue definitions.

use std::time::Duration;

use crate::acd::{OverflowTarget, QueueConfig, QueueId};
use crate::config::AcdConfig;

/// The ACD queue definitions, or the first entry that makes no sense.
pub fn queue_configs(config: &AcdConfig) -> Result<Vec<QueueConfig>, String> {
    config
        .queues
        .iter()
        .map(|q| {
            let mut c = QueueConfig::new(q.name.clone(), q.strategy);
            c.skills.clone_from(&q.skills);
            c.ring_timeout = Duration::from_secs(q.ring_timeout_secs.max(1));
            c.wrap_up = Duration::from_secs(q.wrap_up_secs);
            c.max_length = q.max_length;
            c.max_wait = q.max_wait_secs.map(Duration::from_secs);
            c.first_contact_wait = Duration::from_secs(q.first_contact_wait_secs);
            c.vip_priority_boost = q.vip_priority_boost;
            c.announce_interval = q.announce_secs.filter(|s| *s > 0).map(Duration::from_secs);
            c.overflow = overflow(&q.overflow).map_err(|e| format!("queue \"{}\": {e}", q.name))?;
            Ok(c)
        })
        .collect()
}

fn overflow(text: &str) -> Result<OverflowTarget, String> {
    match text.split_once(':') {
        _ if text.is_empty() || text == "none" => Ok(OverflowTarget::None),
        _ if text == "voicemail" => Ok(OverflowTarget::Voicemail),
        Some(("queue", name)) if !name.is_empty() => {
            Ok(OverflowTarget::Queue(QueueId(name.to_owned())))
        }
        Some(("backup", group)) if !group.is_empty() => {
            Ok(OverflowTarget::BackupGroup(group.to_owned()))
        }
        _ => Err(format!(
            "overflow \"{text}\" is not none, voicemail, queue:NAME or backup:GROUP"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_queues_load() {
        let config = crate::config::load(None).expect("defaults");
        let queues = queue_configs(&config.acd).expect("queues");
        let names: Vec<_> = queues.iter().map(|q| q.name.0.as_str()).collect();
        assert_eq!(names, ["general", "complaint", "report", "consult"]);
        assert_eq!(
            queues[1].overflow,
            OverflowTarget::Queue(QueueId("general".into()))
        );
    }

    #[test]
    fn overflow_forms() {
        assert_eq!(overflow(""), Ok(OverflowTarget::None));
        assert_eq!(overflow("voicemail"), Ok(OverflowTarget::Voicemail));
        assert_eq!(
            overflow("backup:night"),
            Ok(OverflowTarget::BackupGroup("night".into()))
        );
        assert!(overflow("queue:").is_err());
        assert!(overflow("elsewhere").is_err());
    }
}

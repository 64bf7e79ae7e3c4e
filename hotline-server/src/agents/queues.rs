//! Turns the `[[acd.queue]]` configuration into the ACD's queue definitions.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::acd::{AgentId, CallbackPolicy, OverflowTarget, QueueConfig, QueueId};
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
            if let OverflowTarget::BackupGroup(group) = &c.overflow
                && !config.backup_groups.contains_key(group)
            {
                return Err(format!(
                    "queue \"{}\": overflow to backup group \"{group}\", which [acd.backup_groups] does not define",
                    q.name
                ));
            }
            if !q.vip_queue.is_empty() {
                if q.vip_queue == q.name || !config.queues.iter().any(|o| o.name == q.vip_queue) {
                    return Err(format!(
                        "queue \"{}\": vip_queue \"{}\" is not another defined queue",
                        q.name, q.vip_queue
                    ));
                }
                c.vip_queue = Some(QueueId(q.vip_queue.clone()));
            }
            c.agent_order = q.agent_order.iter().cloned().map(AgentId).collect();
            if !matches!(q.callback_key.as_bytes(), [] | [b'0'..=b'9' | b'*' | b'#']) {
                return Err(format!(
                    "queue \"{}\": callback_key \"{}\" is not one key of 0-9, * or #",
                    q.name, q.callback_key
                ));
            }
            c.callback = CallbackPolicy {
                max_attempts: q.callback_attempts.max(1),
                retry_delay: Duration::from_secs(q.callback_retry_secs),
            };
            Ok(c)
        })
        .collect()
}

/// For each agent in a backup group, the groups they are in.
pub fn agent_backup_groups(config: &AcdConfig) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (group, agents) in &config.backup_groups {
        for agent in agents {
            out.entry(agent.clone()).or_default().insert(group.clone());
        }
    }
    out
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
        // 排队回拨 is on for the 12345 queue: three attempts, five minutes apart.
        assert_eq!(config.acd.queues[0].callback_key, "1");
        assert_eq!(
            queues[0].callback,
            CallbackPolicy {
                max_attempts: 3,
                retry_delay: Duration::from_mins(5),
            }
        );
    }

    #[test]
    fn a_callback_key_is_one_keypad_key() {
        let mut config = crate::config::load(None).expect("defaults");
        config.acd.queues[0].callback_key = "12".into();
        assert!(queue_configs(&config.acd).is_err());
        config.acd.queues[0].callback_key = "#".into();
        assert!(queue_configs(&config.acd).is_ok());
    }

    #[test]
    fn backup_groups_vip_queues_and_linear_order_come_from_the_config() {
        let mut config = crate::config::load(None).expect("defaults");
        config.acd.queues[1].overflow = "backup:night".into();
        let err = queue_configs(&config.acd).expect_err("an undefined group is refused");
        assert!(err.contains("night"), "{err}");
        config
            .acd
            .backup_groups
            .insert("night".into(), vec!["agent2".into(), "agent3".into()]);
        config
            .acd
            .backup_groups
            .insert("weekend".into(), vec!["agent3".into()]);
        config.acd.queues[0].vip_queue = "consult".into();
        config.acd.queues[0].agent_order = vec!["agent2".into(), "agent1".into()];
        let queues = queue_configs(&config.acd).expect("queues");
        assert_eq!(
            queues[1].overflow,
            OverflowTarget::BackupGroup("night".into())
        );
        assert_eq!(queues[0].vip_queue, Some(QueueId("consult".into())));
        assert_eq!(
            queues[0].agent_order,
            [AgentId("agent2".into()), AgentId("agent1".into())]
        );
        let groups = agent_backup_groups(&config.acd);
        assert_eq!(groups["agent2"], BTreeSet::from(["night".to_owned()]));
        assert_eq!(
            groups["agent3"],
            BTreeSet::from(["night".to_owned(), "weekend".to_owned()])
        );
        assert!(!groups.contains_key("agent1"));

        config.acd.queues[0].vip_queue = "general".into();
        assert!(queue_configs(&config.acd).is_err(), "not itself");
        config.acd.queues[0].vip_queue = "nowhere".into();
        assert!(queue_configs(&config.acd).is_err(), "not an unknown queue");
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

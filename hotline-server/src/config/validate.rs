//! Semantic checks that serde cannot express: ranges, uniqueness, references between sections.

use std::collections::{HashMap, HashSet};

use super::Config;
use super::locate::Problem;
use super::media::KNOWN_CODECS;
use super::profile::LANGUAGES;
use super::schedule::{check_time_range, check_weekday};
use super::trunk::{TRANSPORTS, TrunkKind};

/// The first problem found, in file order (server, media, trunks, profiles, schedules).
pub(crate) fn check(config: &Config) -> Result<(), Problem> {
    check_server(config)?;
    check_media(config)?;
    check_trunks(config)?;
    check_profiles(config)?;
    check_schedules(config)
}

fn check_server(config: &Config) -> Result<(), Problem> {
    let server = &config.server;
    if server.max_calls == 0 {
        return Err(Problem::new(
            "server",
            None,
            "max_calls",
            "must be greater than 0".into(),
        ));
    }
    if !server.media_ip.is_empty() && server.media_ip.parse::<std::net::IpAddr>().is_err() {
        let message = format!("invalid IP address \"{}\"", server.media_ip);
        return Err(Problem::new("server", None, "media_ip", message));
    }
    if let Err(err) = jiff::tz::TimeZone::get(&server.time_zone) {
        let message = format!("unknown time zone \"{}\": {err}", server.time_zone);
        return Err(Problem::new("server", None, "time_zone", message));
    }
    Ok(())
}

fn check_media(config: &Config) -> Result<(), Problem> {
    let media = &config.media;
    let problem = |key, message: String| Err(Problem::new("media", None, key, message));
    for (key, port) in [
        ("rtp_port_min", media.rtp_port_min),
        ("rtp_port_max", media.rtp_port_max),
    ] {
        // RTP on even ports, RTCP on the odd port above (RFC 3550 §11).
        if !port.is_multiple_of(2) {
            return problem(key, format!("port {port} must be even"));
        }
    }
    if media.rtp_port_min == 0 || media.rtp_port_min >= media.rtp_port_max {
        let message = format!(
            "RTP port range {}..{} is empty: rtp_port_min must be above 0 and below rtp_port_max",
            media.rtp_port_min, media.rtp_port_max
        );
        return Err(Problem::new("media", None, "rtp_port_min", message).or_key("rtp_port_max"));
    }
    if media.ptime_ms == 0 || !media.ptime_ms.is_multiple_of(10) || media.ptime_ms > 60 {
        return problem(
            "ptime_ms",
            format!("{} ms is not one of 10, 20, … 60", media.ptime_ms),
        );
    }
    if media.codecs.is_empty() {
        return problem("codecs", "at least one codec is needed".into());
    }
    let mut seen = HashSet::new();
    for codec in &media.codecs {
        if !KNOWN_CODECS.contains(&codec.as_str()) {
            return problem(
                "codecs",
                format!("unknown codec \"{codec}\" (known: PCMU, PCMA)"),
            );
        }
        if !seen.insert(codec) {
            return problem("codecs", format!("codec \"{codec}\" is listed twice"));
        }
    }
    if media.no_rtp_timeout_secs == 0 {
        return problem("no_rtp_timeout_secs", "must be greater than 0".into());
    }
    Ok(())
}

fn check_trunks(config: &Config) -> Result<(), Problem> {
    let mut names = HashSet::new();
    for (i, trunk) in config.trunks.iter().enumerate() {
        let problem = |key, message: String| Err(Problem::new("trunk", Some(i), key, message));
        if trunk.name.is_empty() {
            return problem("name", "a trunk needs a name".into());
        }
        if !names.insert(trunk.name.as_str()) {
            return problem("name", format!("duplicate trunk name \"{}\"", trunk.name));
        }
        if !TRANSPORTS.contains(&trunk.transport.as_str()) {
            return problem(
                "transport",
                format!(
                    "unknown transport \"{}\" (expected \"udp\" or \"tcp\")",
                    trunk.transport
                ),
            );
        }
        match trunk.kind {
            TrunkKind::Peer if trunk.addresses.is_empty() => {
                return problem(
                    "addresses",
                    "a peer trunk needs at least one address".into(),
                );
            }
            TrunkKind::Register => {
                let Some(registrar) = &trunk.registrar else {
                    return problem("registrar", "a register trunk needs a registrar".into());
                };
                if trunk.registrar_host().is_none() {
                    return problem(
                        "registrar",
                        format!("invalid registrar \"{registrar}\" (expected \"sip:host:port\")"),
                    );
                }
                if trunk.username.as_deref().is_none_or(str::is_empty) {
                    return problem("username", "a register trunk needs a username".into());
                }
                if trunk.expires_secs == 0 {
                    return problem("expires_secs", "must be greater than 0".into());
                }
            }
            TrunkKind::Peer => {}
        }
        check_outbound(trunk)
            .map_err(|(key, message)| Problem::new("trunk", Some(i), key, message))?;
    }
    let chosen = &config.server.outbound_trunk;
    if !chosen.is_empty()
        && !config
            .trunks
            .iter()
            .any(|t| &t.name == chosen && t.outbound_target().is_some())
    {
        let message = format!(
            "no [[trunk]] named \"{chosen}\" has an outbound destination (set its `outbound`)"
        );
        return Err(Problem::new("server", None, "outbound_trunk", message));
    }
    Ok(())
}

/// The outbound keys of one trunk: a `host:port` destination, a dial plan that can be met.
fn check_outbound(trunk: &super::TrunkConfig) -> Result<(), (&'static str, String)> {
    if let Some(target) = &trunk.outbound
        && crate::calls::outbound::split_host_port(target).is_none()
    {
        return Err((
            "outbound",
            format!("invalid destination \"{target}\" (expected \"host:port\")"),
        ));
    }
    if !trunk.dial_prefix.chars().all(|c| c.is_ascii_digit()) {
        let message = format!("\"{}\" is not digits only", trunk.dial_prefix);
        return Err(("dial_prefix", message));
    }
    if let Some(id) = &trunk.caller_id
        && crate::calls::outbound::DialPlan::lenient()
            .check(id)
            .is_err()
    {
        return Err(("caller_id", format!("\"{id}\" is not a phone number")));
    }
    if trunk.dial_min_digits == 0 || trunk.dial_min_digits > trunk.dial_max_digits {
        let message = format!(
            "dial_min_digits ({}) must be at least 1 and at most dial_max_digits ({})",
            trunk.dial_min_digits, trunk.dial_max_digits
        );
        return Err(("dial_min_digits", message));
    }
    if trunk.dial_max_digits > crate::calls::outbound::MAX_DIGITS {
        let message = format!(
            "{} is above the limit of {} digits",
            trunk.dial_max_digits,
            crate::calls::outbound::MAX_DIGITS
        );
        return Err(("dial_max_digits", message));
    }
    if trunk.ring_timeout_secs == 0 || trunk.ring_timeout_secs > 300 {
        return Err(("ring_timeout_secs", "must be between 1 and 300".into()));
    }
    Ok(())
}

fn check_profiles(config: &Config) -> Result<(), Problem> {
    let schedules: HashSet<&str> = config.schedules.iter().map(|s| s.name.as_str()).collect();
    let mut names = HashSet::new();
    let mut numbers: HashMap<&str, &str> = HashMap::new();
    let mut default: Option<&str> = None;
    for (i, profile) in config.profiles.iter().enumerate() {
        let problem = |key, message: String| Err(Problem::new("profile", Some(i), key, message));
        if profile.name.is_empty() {
            return problem("name", "a profile needs a name".into());
        }
        if !names.insert(profile.name.as_str()) {
            return problem(
                "name",
                format!("duplicate profile name \"{}\"", profile.name),
            );
        }
        if profile.flow.is_empty() {
            return problem("flow", "a profile needs a flow".into());
        }
        for number in &profile.numbers {
            if let Some(other) = numbers.insert(number, &profile.name) {
                return problem(
                    "numbers",
                    format!("number \"{number}\" already belongs to profile \"{other}\""),
                );
            }
        }
        if profile.default {
            if let Some(first) = default {
                return problem(
                    "default",
                    format!("profile \"{first}\" is already the default; only one may be"),
                );
            }
            default = Some(&profile.name);
        }
        if !profile.schedule.is_empty() && !schedules.contains(profile.schedule.as_str()) {
            let message = format!("no [[schedule]] is named \"{}\"", profile.schedule);
            return problem("schedule", message);
        }
        if !LANGUAGES.contains(&profile.language.as_str()) {
            let message = format!(
                "unknown language \"{}\" (expected \"zh\" or \"en\")",
                profile.language
            );
            return problem("language", message);
        }
    }
    if default.is_none() {
        let message = "no profile has default = true; exactly one must".to_owned();
        return Err(Problem::new("profile", Some(0), "default", message));
    }
    Ok(())
}

fn check_schedules(config: &Config) -> Result<(), Problem> {
    let mut names = HashSet::new();
    for (i, schedule) in config.schedules.iter().enumerate() {
        let problem = |key, message: String| Err(Problem::new("schedule", Some(i), key, message));
        if !names.insert(schedule.name.as_str()) {
            return problem(
                "name",
                format!("duplicate schedule name \"{}\"", schedule.name),
            );
        }
        if let Some(Err(message)) = schedule
            .weekdays
            .iter()
            .map(|d| check_weekday(d))
            .find(Result::is_err)
        {
            return problem("weekdays", message);
        }
        if let Some(Err(message)) = schedule
            .hours
            .iter()
            .map(|h| check_time_range(h))
            .find(Result::is_err)
        {
            return problem("hours", message);
        }
    }
    Ok(())
}

//! Loading, merging, validation messages and lookups.

use std::net::IpAddr;

use super::*;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn err(text: &str) -> String {
    parse(text, "hotline.toml").unwrap_err().to_string()
}

#[test]
fn defaults_parse_and_validate() {
    let config = load(None).unwrap();
    config.validate().unwrap();
    assert_eq!(config, Config::default());
    assert_eq!(config.server.sip_listen.to_string(), "127.0.0.1:5060");
    assert_eq!(config.server.media_ip, "");
    assert_eq!(config.server.assets_dir, "");
    assert_eq!(config.server.sdp_ip(), ip("127.0.0.1"));
    assert_eq!(config.server.max_calls, 2000);
    assert_eq!(config.media.codecs, ["PCMU", "PCMA"]);
    assert_eq!(
        (config.media.rtp_port_min, config.media.rtp_port_max),
        (20000, 40000)
    );
    assert_eq!(config.trunks.len(), 1);
    assert_eq!(config.trunks[0].kind, TrunkKind::Peer);
    assert_eq!(config.trunks[0].transport, "udp");
    assert_eq!(config.trunks[0].expires_secs, 300);
    let names: Vec<_> = config.profiles.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["12345", "12315", "12365"]);
    let p12345 = &config.profiles[0];
    assert!(p12345.default);
    assert_eq!(
        (p12345.after_hours_flow.as_str(), p12345.schedule.as_str()),
        ("", "")
    );
    assert_eq!(p12345.language, "zh");
    for p in &config.profiles[1..] {
        assert!(!p.default);
        assert_eq!(p.flow, p.name);
        assert_eq!(p.schedule, "office");
        assert_eq!(p.after_hours_flow, "after_hours");
        assert_eq!(p.holiday_flow, "");
        assert_eq!(p.language, "zh");
    }
    let office = config.schedule_named("office").unwrap();
    assert_eq!(office.weekdays, ["mon", "tue", "wed", "thu", "fri"]);
    assert_eq!(office.hours, ["08:30-12:00", "13:30-17:30"]);
    assert_eq!(office.holidays_file, "data/holidays.toml");
    assert_eq!(config.recording.policy, RecordingPolicy::All);
    assert_eq!(config.server.tz().iana_name(), Some("Asia/Shanghai"));
}

#[test]
fn file_merges_over_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("site.toml");
    std::fs::write(
        &path,
        "[server]\nsip_listen = \"0.0.0.0:5070\"\nmedia_ip = \"192.0.2.10\"\n\
         [media]\ncodecs = [\"PCMA\"]\n\
         [[trunk]]\nname = \"carrier\"\nkind = \"register\"\n\
         registrar = \"sip:gw.example.cn:5060\"\nusername = \"u\"\npassword = \"p\"\n\
         transport = \"tcp\"\n",
    )
    .unwrap();
    let config = load(Some(&path)).unwrap();
    assert_eq!(config.server.sip_listen.to_string(), "0.0.0.0:5070");
    assert_eq!(config.server.sdp_ip(), ip("192.0.2.10"));
    // Untouched keys and sections keep their defaults.
    assert_eq!(config.server.api_listen.to_string(), "127.0.0.1:8080");
    assert_eq!(config.media.rtp_port_min, 20000);
    assert_eq!(config.media.codecs, ["PCMA"]);
    assert_eq!(config.profiles.len(), 3);
    // A [[trunk]] array replaces the default one.
    assert_eq!(config.trunks.len(), 1);
    assert_eq!(config.trunks[0].effective_domain(), Some("gw.example.cn"));
    assert!(config.trunk_for_source(ip("127.0.0.1")).is_none());
}

#[test]
fn missing_file_is_a_read_error() {
    let err = load(Some(Path::new("/nonexistent/hotline.toml"))).unwrap_err();
    assert!(matches!(err, ConfigError::Read { .. }));
    assert!(
        err.to_string()
            .starts_with("/nonexistent/hotline.toml: cannot read"),
        "{err}"
    );
}

#[test]
fn bad_socket_address_names_line_and_key() {
    let text = "# site\n\n[server]\nuser_agent = \"x\"\nsip_listen = \"127.0.0.1:99999\"\n";
    assert_eq!(
        err(text),
        "hotline.toml:5: key \"sip_listen\": invalid socket address \"127.0.0.1:99999\""
    );
}

#[test]
fn bad_port_number_names_line_and_key() {
    let text = "[media]\nrtp_port_min = 20000\nrtp_port_max = 70000\n";
    let message = err(text);
    assert!(
        message.starts_with("hotline.toml:3: key \"rtp_port_max\": "),
        "{message}"
    );
}

#[test]
fn port_range_blames_the_key_the_file_sets() {
    let message = err("[server]\nmax_calls = 10\n[media]\nrtp_port_max = 10000\n");
    assert!(
        message.starts_with("hotline.toml:4: key \"rtp_port_max\": RTP port range"),
        "{message}"
    );
    let message = err("[media]\n\nrtp_port_min = 50000\n");
    assert!(
        message.starts_with("hotline.toml:3: key \"rtp_port_min\": "),
        "{message}"
    );
    let message = err("[media]\nrtp_port_min = 20001\n");
    assert_eq!(
        message,
        "hotline.toml:2: key \"rtp_port_min\": port 20001 must be even"
    );
}

#[test]
fn unknown_key_names_line_and_key() {
    let message = err("[server]\nmax_calls = 10\nmax_cals = 20\n");
    assert!(
        message.starts_with("hotline.toml:3: key \"max_cals\": unknown field"),
        "{message}"
    );
    let message =
        err("[[trunk]]\nname = \"a\"\nkind = \"peer\"\naddresses = [\"10.0.0.1\"]\nsecret = 1\n");
    assert!(
        message.starts_with("hotline.toml:5: key \"secret\": unknown field"),
        "{message}"
    );
    let message = err("[voip]\nx = 1\n");
    assert!(
        message.starts_with("hotline.toml:1: key \"voip\": unknown field"),
        "{message}"
    );
}

#[test]
fn syntax_error_names_line() {
    let message = err("[server]\nmax_calls = \n");
    assert!(
        message.starts_with("hotline.toml:2: key \"max_calls\": "),
        "{message}"
    );
}

#[test]
fn bad_cidr_names_line_and_key() {
    let text = "[[trunk]]\nname = \"a\"\nkind = \"peer\"\naddresses = [\n  \"10.0.0.0/8\",\n  \"10.0.0.0/33\",\n]\n";
    assert_eq!(
        err(text),
        "hotline.toml:6: key \"addresses\": invalid address or CIDR \"10.0.0.0/33\""
    );
}

#[test]
fn duplicate_trunk_names_line_and_key() {
    let text = "[[trunk]]\nname = \"a\"\nkind = \"peer\"\naddresses = [\"10.0.0.1\"]\n\n\
                [[trunk]]\nkind = \"peer\"\naddresses = [\"10.0.0.2\"]\nname = \"a\"\n";
    assert_eq!(
        err(text),
        "hotline.toml:9: key \"name\": duplicate trunk name \"a\""
    );
}

#[test]
fn two_default_profiles_names_line_and_key() {
    let text = "[[profile]]\nname = \"a\"\nnumbers = [\"1\"]\ndefault = true\nflow = \"a\"\n\
                [[profile]]\nname = \"b\"\nnumbers = [\"2\"]\nflow = \"b\"\ndefault = true\n";
    assert_eq!(
        err(text),
        "hotline.toml:10: key \"default\": profile \"a\" is already the default; only one may be"
    );
}

#[test]
fn other_semantic_errors() {
    let message = err("[[profile]]\nname = \"a\"\nflow = \"a\"\n");
    assert!(
        message.contains("key \"default\": no profile has default"),
        "{message}"
    );
    let message =
        err("[[profile]]\nname = \"a\"\ndefault = true\nflow = \"a\"\nschedule = \"night\"\n");
    assert_eq!(
        message,
        "hotline.toml:5: key \"schedule\": no [[schedule]] is named \"night\""
    );
    let message = err(
        "[[profile]]\nname = \"a\"\nnumbers = [\"1\"]\ndefault = true\nflow = \"a\"\n\
         [[profile]]\nname = \"b\"\nnumbers = [\"1\"]\nflow = \"b\"\n",
    );
    assert!(
        message.starts_with("hotline.toml:8: key \"numbers\": number \"1\""),
        "{message}"
    );
    assert_eq!(
        err("[server]\nmax_calls = 0\n"),
        "hotline.toml:2: key \"max_calls\": must be greater than 0"
    );
    let message = err("[server]\ntime_zone = \"Mars/Olympus\"\n");
    assert!(
        message.starts_with("hotline.toml:2: key \"time_zone\": unknown time zone"),
        "{message}"
    );
    let message = err("[[trunk]]\nname = \"c\"\nkind = \"register\"\n");
    assert!(
        message.starts_with("hotline.toml:1: key \"registrar\": "),
        "{message}"
    );
    let message =
        err("[[schedule]]\nname = \"office\"\nweekdays = [\"mon\", \"fry\"]\nhours = []\n");
    assert!(
        message.starts_with("hotline.toml:3: key \"weekdays\": invalid weekday \"fry\""),
        "{message}"
    );
    let message =
        err("[[schedule]]\nname = \"office\"\nweekdays = []\n\nhours = [\"09:00-08:00\"]\n");
    assert!(
        message.starts_with("hotline.toml:5: key \"hours\": time range"),
        "{message}"
    );
    let message = err("[server]\nmedia_ip = \"10.0.0.300\"\n");
    assert_eq!(
        message,
        "hotline.toml:2: key \"media_ip\": invalid IP address \"10.0.0.300\""
    );
    let message =
        err("[[profile]]\nname = \"a\"\ndefault = true\nflow = \"a\"\nlanguage = \"fr\"\n");
    assert!(
        message.starts_with("hotline.toml:5: key \"language\": unknown language"),
        "{message}"
    );
}

#[test]
fn validate_without_file_names_the_key() {
    let mut config = Config::default();
    config.trunks.push(config.trunks[0].clone());
    let message = config.validate().unwrap_err().to_string();
    assert_eq!(
        message,
        "configuration: key \"name\": duplicate trunk name \"local\""
    );
}

#[test]
fn profile_for_dnis() {
    let config = Config::default();
    assert_eq!(config.profile_for_dnis("12315").name, "12315");
    assert_eq!(config.profile_for_dnis("12365").name, "12365");
    assert_eq!(config.profile_for_dnis("12345").name, "12345");
    assert_eq!(config.profile_for_dnis("4008123456").name, "12345");
    assert_eq!(config.profile_for_dnis("").name, "12345");
}

#[test]
fn trunk_for_source_with_cidr_and_v6() {
    let text = "[[trunk]]\nname = \"carrier\"\nkind = \"peer\"\n\
                addresses = [\"203.0.113.0/24\", \"2001:db8:5::/48\"]\n\
                [[trunk]]\nname = \"pbx\"\nkind = \"peer\"\naddresses = [\"198.51.100.7\"]\n\
                [[trunk]]\nname = \"reg\"\nkind = \"register\"\nregistrar = \"sip:gw.example.cn\"\n\
                username = \"u\"\naddresses = [\"192.0.2.0/24\"]\n";
    let config = parse(text, "hotline.toml").unwrap();
    let name = |s: &str| config.trunk_for_source(ip(s)).map(|t| t.name.as_str());
    assert_eq!(name("203.0.113.200"), Some("carrier"));
    assert_eq!(name("::ffff:203.0.113.9"), Some("carrier"));
    assert_eq!(name("2001:db8:5:1::9"), Some("carrier"));
    assert_eq!(name("2001:db8:6::1"), None);
    assert_eq!(name("198.51.100.7"), Some("pbx"));
    assert_eq!(name("198.51.100.8"), None);
    // Register trunks are found by registration, not by source address.
    assert_eq!(name("192.0.2.1"), None);
    let defaults = Config::default();
    assert_eq!(
        defaults
            .trunk_for_source(ip("::1"))
            .map(|t| t.name.as_str()),
        Some("local")
    );
    assert_eq!(
        defaults
            .trunk_for_source(ip("127.0.0.1"))
            .map(|t| t.name.as_str()),
        Some("local")
    );
    assert!(defaults.trunk_for_source(ip("10.0.0.1")).is_none());
}

#[test]
fn outbound_keys_name_line_and_key() {
    let peer = "[[trunk]]\nname = \"gw\"\nkind = \"peer\"\naddresses = [\"10.0.0.1\"]\n";
    assert_eq!(
        err(&format!("{peer}outbound = \"gw:port\"\n")),
        "hotline.toml:5: key \"outbound\": invalid destination \"gw:port\" (expected \"host:port\")"
    );
    let message = err(&format!("{peer}dial_prefix = \"9#\"\n"));
    assert!(
        message.starts_with("hotline.toml:5: key \"dial_prefix\": "),
        "{message}"
    );
    let message = err(&format!("{peer}dial_min_digits = 30\n"));
    assert!(
        message.starts_with("hotline.toml:5: key \"dial_min_digits\": "),
        "{message}"
    );
    let message = err("[server]\noutbound_trunk = \"nowhere\"\n");
    assert!(
        message.starts_with("hotline.toml:2: key \"outbound_trunk\": no [[trunk]] named"),
        "{message}"
    );
    let ok = format!("{peer}outbound = \"10.0.0.9:5080\"\ncaller_id = \"12345\"\n");
    let config = parse(&ok, "hotline.toml").expect("valid outbound trunk");
    let trunk = crate::calls::outbound::OutboundTrunk::from_config(&config).expect("trunk");
    assert_eq!(
        (trunk.name.as_str(), trunk.target.as_str()),
        ("gw", "10.0.0.9:5080")
    );
}

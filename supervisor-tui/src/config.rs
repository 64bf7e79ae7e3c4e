//! Alarm thresholds: built-in defaults, laid under `$XDG_CONFIG_HOME/hotline/supervisor.toml`
//! (`[alarms]`), laid under the command-line flags.

use serde::Deserialize;

use crate::Args;
use crate::app::Thresholds;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    alarms: AlarmFile,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AlarmFile {
    sl_target_pct: Option<f64>,
    sl_threshold_secs: Option<u32>,
    long_call_mins: Option<u64>,
    long_queue: Option<u32>,
    long_not_ready_mins: Option<u64>,
}

/// Parses a `supervisor.toml` and lays it and the flags over the defaults.
pub fn thresholds(file_text: Option<&str>, args: &Args) -> Result<Thresholds, String> {
    let file: File = match file_text {
        Some(t) => toml::from_str(t).map_err(|e| format!("supervisor.toml: {e}"))?,
        None => File::default(),
    };
    let a = file.alarms;
    let d = Thresholds::default();
    Ok(Thresholds {
        sl_target_pct: args
            .sl_target
            .or(a.sl_target_pct)
            .unwrap_or(d.sl_target_pct),
        sl_threshold_secs: args
            .sl_threshold
            .or(a.sl_threshold_secs)
            .unwrap_or(d.sl_threshold_secs),
        long_call_secs: args
            .long_call_mins
            .or(a.long_call_mins)
            .map_or(d.long_call_secs, |m| m * 60),
        long_queue: args.long_queue.or(a.long_queue).unwrap_or(d.long_queue),
        long_not_ready_secs: args
            .long_not_ready_mins
            .or(a.long_not_ready_mins)
            .map_or(d.long_not_ready_secs, |m| m * 60),
    })
}

/// The user's `supervisor.toml`, if there is one.
pub fn load(args: &Args) -> Result<Thresholds, String> {
    let path = hotline_tui::config_dir::config_dir().map(|d| d.join("supervisor.toml"));
    let text = match path {
        Some(p) => hotline_tui::config_dir::read_optional(&p).map_err(|e| e.to_string())?,
        None => None,
    };
    thresholds(text.as_deref(), args)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[test]
    fn flags_beat_the_file_beats_defaults() {
        let args = Args::parse_from(["supervisor-tui", "--long-queue", "9"]);
        let t = thresholds(
            Some("[alarms]\nlong_queue = 3\nlong_call_mins = 5\n"),
            &args,
        )
        .unwrap();
        assert_eq!(t.long_queue, 9);
        assert_eq!(t.long_call_secs, 300);
        assert!((t.sl_target_pct - 95.0).abs() < f64::EPSILON);
        assert!(thresholds(Some("[alarms]\nnope = 1\n"), &args).is_err());
    }
}

use std::path::Path;

use super::*;
use crate::ivr::load::load_flow;

const MENU_FLOW: &str = r#"
[flow]
start = "welcome"

[node.welcome]
play = ["welcome_12315"]
interruptible = true
next = "main"

[node.main]
menu = "menu_main"
timeout = 5
retries = 2
into = "choice"
on_failure = "agent"
[node.main.choices]
1 = "complaint"
2 = "sub"
9 = "english"
0 = "agent"

[node.sub]
menu = "menu_sub"
choices = { 1 = "report", "*" = "main" }

[node.english]
language = "en"
next = "main"

[node.complaint]
queue = "complaint"
skills = ["complaint", "${dnis}"]
priority = 2

[node.report]
queue = "report"

[node.agent]
queue = "general"
prompt = "transfer_agent"
"#;

fn flow(text: &str) -> Arc<Flow> {
    Arc::new(load_flow("test", text, Path::new("test.toml")).expect("flow loads"))
}

fn interp(text: &str) -> Interpreter {
    let vars = BTreeMap::from([("dnis".to_owned(), "12315".to_owned())]);
    Interpreter::new(flow(text), "zh", vars)
}

/// Actions without the log entries.
fn acts(actions: Vec<Action>) -> Vec<Action> {
    actions
        .into_iter()
        .filter(|a| !matches!(a, Action::Log { .. }))
        .collect()
}

fn logs(actions: &[Action]) -> Vec<String> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Log { node, detail, .. } => {
                Some(format!("{node}:{}", detail["event"].as_str()?))
            }
            _ => None,
        })
        .collect()
}

fn play(lang: &str, names: &[&str], interruptible: bool) -> Action {
    Action::Play {
        prompts: names.iter().map(|n| PromptRef::new(lang, n)).collect(),
        interruptible,
    }
}

fn secs(t0: Instant, s: u64) -> Instant {
    t0 + Duration::from_secs(s)
}

#[test]
fn menu_choice_queues_with_skills() {
    let t0 = Instant::now();
    let mut ivr = interp(MENU_FLOW);
    let out = ivr.start(t0);
    assert_eq!(logs(&out), ["welcome:enter"]);
    assert_eq!(acts(out), [play("zh", &["welcome_12315"], true)]);
    assert_eq!(ivr.next_deadline(), None);
    assert_eq!(
        acts(ivr.on_event(Event::PlaybackDone, secs(t0, 3))),
        [play("zh", &["menu_main"], true)]
    );
    assert_eq!(ivr.next_deadline(), None, "timer waits for the prompt");
    assert!(acts(ivr.on_event(Event::PlaybackDone, secs(t0, 10))).is_empty());
    assert_eq!(ivr.next_deadline(), Some(secs(t0, 15)));
    let out = ivr.on_event(Event::Digit('1'), secs(t0, 12));
    assert_eq!(logs(&out), ["main:digit", "main:choice", "complaint:enter"]);
    assert_eq!(
        acts(out),
        [Action::Queue {
            queue: "complaint".into(),
            skills: vec!["complaint".into(), "12315".into()],
            priority: 2
        }]
    );
    assert!(ivr.is_finished());
    assert_eq!(ivr.variables()["choice"], "1");
    assert_eq!(ivr.digits(), "1");
    assert!(ivr.on_event(Event::Digit('2'), secs(t0, 13)).is_empty());
    assert_eq!(ivr.digits(), "1");
}

#[test]
fn barge_in_through_menu_prompt_and_nested_menu() {
    let t0 = Instant::now();
    let mut ivr = interp(MENU_FLOW);
    ivr.start(t0);
    ivr.on_event(Event::PlaybackDone, t0);
    // Menu prompt playing; caller presses 2 before it ends.
    let out = acts(ivr.on_event(Event::Digit('2'), secs(t0, 1)));
    assert_eq!(out, [Action::StopPlayback, play("zh", &["menu_sub"], true)]);
    // The stopped menu prompt's PlaybackDone is stale: no timer yet.
    assert!(acts(ivr.on_event(Event::PlaybackDone, secs(t0, 1))).is_empty());
    assert_eq!(ivr.next_deadline(), None);
    ivr.on_event(Event::PlaybackDone, secs(t0, 4));
    assert_eq!(
        ivr.next_deadline(),
        Some(secs(t0, 9)),
        "flow default timeout 5 s"
    );
    // * goes back up.
    let out = acts(ivr.on_event(Event::Digit('*'), secs(t0, 5)));
    assert_eq!(out, [play("zh", &["menu_main"], true)]);
}

#[test]
fn typeahead_through_welcome_reaches_nested_menus() {
    let t0 = Instant::now();
    let mut ivr = interp(MENU_FLOW);
    ivr.start(t0);
    let out = acts(ivr.on_event(Event::Digit('2'), secs(t0, 1)));
    // The 2 stops the welcome and chooses in the main menu at once: the sub-menu plays.
    assert_eq!(out, [Action::StopPlayback, play("zh", &["menu_sub"], true)]);
    let out = acts(ivr.on_event(Event::Digit('1'), secs(t0, 1)));
    assert_eq!(
        out,
        [
            Action::StopPlayback,
            Action::Queue {
                queue: "report".into(),
                skills: vec![],
                priority: 0
            }
        ]
    );
    assert_eq!(ivr.digits(), "21");
}

#[test]
fn timeout_retry_then_failure_node() {
    let t0 = Instant::now();
    let mut ivr = interp(MENU_FLOW);
    ivr.start(t0);
    ivr.on_event(Event::PlaybackDone, t0);
    ivr.on_event(Event::PlaybackDone, t0);
    assert!(ivr.poll(secs(t0, 4)).is_empty(), "not due yet");
    let out = ivr.poll(secs(t0, 5));
    assert_eq!(logs(&out), ["main:no_input"]);
    assert_eq!(acts(out), [play("zh", &["no_input", "menu_main"], true)]);
    assert_eq!(ivr.next_deadline(), None);
    ivr.on_event(Event::PlaybackDone, secs(t0, 8));
    // Second failure: an invalid key.
    let out = ivr.on_event(Event::Digit('7'), secs(t0, 9));
    assert_eq!(logs(&out), ["main:digit", "main:invalid"]);
    assert_eq!(acts(out), [play("zh", &["invalid", "menu_main"], true)]);
    ivr.on_event(Event::PlaybackDone, secs(t0, 12));
    // Third failure exceeds retries = 2: on_failure, which plays then queues.
    let out = ivr.poll(secs(t0, 17));
    assert_eq!(logs(&out), ["main:no_input", "main:failure", "agent:enter"]);
    assert_eq!(acts(out), [play("zh", &["transfer_agent"], false)]);
    let out = acts(ivr.on_event(Event::PlaybackDone, secs(t0, 19)));
    assert_eq!(
        out,
        [Action::Queue {
            queue: "general".into(),
            skills: vec![],
            priority: 0
        }]
    );
}

#[test]
fn language_switch_changes_prompts() {
    let t0 = Instant::now();
    let mut ivr = interp(MENU_FLOW);
    ivr.start(t0);
    ivr.on_event(Event::PlaybackDone, t0);
    ivr.on_event(Event::PlaybackDone, t0);
    let out = acts(ivr.on_event(Event::Digit('9'), t0));
    assert_eq!(out, [play("en", &["menu_main"], true)]);
    assert_eq!(ivr.language(), "en");
    assert_eq!(ivr.variables()["language"], "en");
}

#[test]
fn menu_without_on_failure_hangs_up() {
    let t0 = Instant::now();
    let mut ivr = interp("[node.start]\nmenu = []\nretries = 0\nchoices = { 1 = \"start\" }\n");
    assert!(
        acts(ivr.start(t0)).is_empty(),
        "no prompt: the timer runs at once"
    );
    assert_eq!(ivr.next_deadline(), Some(secs(t0, 5)));
    let out = acts(ivr.poll(secs(t0, 6)));
    assert_eq!(
        out,
        [Action::Hangup {
            cause: "no valid input".into()
        }]
    );
}

const COLLECT_FLOW: &str = r#"
[node.start]
collect = "enter_ticket"
into = "ticket"
min = 4
max = 8
first_timeout = 10
inter_timeout = 3
retries = 1
next = "readback"
on_failure = "bye"

[node.readback]
say = "digits"
value = "${ticket}"
prompt = "your_ticket"
next = "bye"

[node.bye]
hangup = "done"
prompt = "goodbye"
"#;

#[test]
fn collect_with_terminator() {
    let t0 = Instant::now();
    let mut ivr = interp(COLLECT_FLOW);
    assert_eq!(acts(ivr.start(t0)), [play("zh", &["enter_ticket"], true)]);
    ivr.on_event(Event::PlaybackDone, secs(t0, 2));
    assert_eq!(
        ivr.next_deadline(),
        Some(secs(t0, 12)),
        "first-digit timeout"
    );
    for (i, d) in "12345".chars().enumerate() {
        assert!(acts(ivr.on_event(Event::Digit(d), secs(t0, 3 + i as u64))).is_empty());
    }
    assert_eq!(
        ivr.next_deadline(),
        Some(secs(t0, 10)),
        "inter-digit timeout"
    );
    let out = ivr.on_event(Event::Digit('#'), secs(t0, 8));
    assert!(logs(&out).contains(&"start:collected".to_owned()));
    let expected = [
        "your_ticket",
        "digit_1",
        "digit_2",
        "digit_3",
        "digit_4",
        "digit_5",
    ];
    assert_eq!(acts(out), [play("zh", &expected, false)]);
    assert_eq!(ivr.variables()["ticket"], "12345");
    assert_eq!(ivr.digits(), "12345#");
    assert_eq!(
        acts(ivr.on_event(Event::PlaybackDone, secs(t0, 12))),
        [play("zh", &["goodbye"], false)]
    );
    let out = acts(ivr.on_event(Event::PlaybackDone, secs(t0, 13)));
    assert_eq!(
        out,
        [Action::Hangup {
            cause: "done".into()
        }]
    );
}

#[test]
fn collect_inter_digit_timeout_ends_entry() {
    let t0 = Instant::now();
    let mut ivr = interp(COLLECT_FLOW);
    ivr.start(t0);
    // Barge-in: the first digit stops the prompt and starts the inter-digit timer.
    let out = acts(ivr.on_event(Event::Digit('9'), secs(t0, 1)));
    assert_eq!(out, [Action::StopPlayback]);
    assert_eq!(ivr.next_deadline(), Some(secs(t0, 4)));
    ivr.on_event(Event::PlaybackDone, secs(t0, 1)); // the stopped prompt's
    for d in "876".chars() {
        ivr.on_event(Event::Digit(d), secs(t0, 2));
    }
    let out = ivr.poll(secs(t0, 5));
    assert_eq!(
        logs(&out)[..2],
        [
            "start:inter_digit_timeout".to_owned(),
            "start:collected".to_owned()
        ]
    );
    assert_eq!(ivr.variables()["ticket"], "9876");
}

#[test]
fn collect_too_short_retries_then_fails() {
    let t0 = Instant::now();
    let mut ivr = interp(COLLECT_FLOW);
    ivr.start(t0);
    ivr.on_event(Event::PlaybackDone, t0);
    ivr.on_event(Event::Digit('1'), t0);
    let out = ivr.on_event(Event::Digit('#'), t0);
    assert_eq!(logs(&out), ["start:digit", "start:invalid"]);
    assert_eq!(acts(out), [play("zh", &["invalid", "enter_ticket"], true)]);
    ivr.on_event(Event::PlaybackDone, secs(t0, 3));
    let out = ivr.poll(secs(t0, 13));
    assert_eq!(logs(&out), ["start:no_input", "start:failure", "bye:enter"]);
    assert_eq!(acts(out), [play("zh", &["goodbye"], false)]);
    assert!(!ivr.variables().contains_key("ticket"));
}

#[test]
fn collect_stops_at_max_digits() {
    let t0 = Instant::now();
    let mut ivr = interp(COLLECT_FLOW);
    ivr.start(t0);
    ivr.on_event(Event::PlaybackDone, t0);
    for d in "1234567".chars() {
        ivr.on_event(Event::Digit(d), t0);
    }
    let out = ivr.on_event(Event::Digit('8'), t0);
    assert!(logs(&out).contains(&"start:collected".to_owned()));
    assert_eq!(ivr.variables()["ticket"], "12345678");
}

const RECORD_FLOW: &str = r#"
[node.start]
record = "record_after_beep"
into = "message"
name = "mailbox_${caller}"
max_secs = 120
next = "thanks"
on_failure = "bye"

[node.thanks]
hangup = "message left"
prompt = "thanks_message"

[node.bye]
hangup = "no message"
"#;

#[test]
fn record_message() {
    let t0 = Instant::now();
    let vars = BTreeMap::from([("caller".to_owned(), "13800138000".to_owned())]);
    let mut ivr = Interpreter::new(flow(RECORD_FLOW), "zh", vars);
    assert_eq!(
        acts(ivr.start(t0)),
        [play("zh", &["record_after_beep"], false)]
    );
    // Keys during the prompt are not input.
    assert!(acts(ivr.on_event(Event::Digit('5'), t0)).is_empty());
    let out = acts(ivr.on_event(Event::PlaybackDone, secs(t0, 3)));
    let record = Action::Record {
        name_hint: "mailbox_13800138000".into(),
        max_secs: 120,
        beep: true,
        finish_on: Some('#'),
    };
    assert_eq!(out, [record]);
    assert!(acts(ivr.on_event(Event::Digit('#'), secs(t0, 30))).is_empty());
    let done = Event::RecordDone {
        file: "rec/1.wav".into(),
        duration_ms: 27_000,
    };
    let out = ivr.on_event(done, secs(t0, 30));
    assert!(logs(&out).contains(&"start:recorded".to_owned()));
    assert_eq!(acts(out), [play("zh", &["thanks_message"], false)]);
    assert_eq!(ivr.variables()["message"], "rec/1.wav");
    assert_eq!(ivr.digits(), "5#");
}

#[test]
fn empty_recording_takes_on_failure() {
    let t0 = Instant::now();
    let mut ivr = interp(RECORD_FLOW);
    ivr.start(t0);
    ivr.on_event(Event::PlaybackDone, t0);
    let out = acts(ivr.on_event(
        Event::RecordDone {
            file: String::new(),
            duration_ms: 0,
        },
        t0,
    ));
    assert_eq!(
        out,
        [Action::Hangup {
            cause: "no message".into()
        }]
    );
}

#[test]
fn branch_set_and_flow_end() {
    let text = r#"
[node.start]
set = { tier = "${profile}", n = 3 }
next = "route"

[node.route]
branch = "tier"
when = [
  { equals = "vip", goto = "vip" },
  { var = "caller", len = 11, goto = "mobile" },
  { in = ["a", "b"], goto = "vip" },
]
else = "done"

[node.vip]
queue = "vip"

[node.mobile]
play = "mobile"

[node.done]
play = []
"#;
    let t0 = Instant::now();
    let run = |profile: &str, caller: &str| {
        let vars = BTreeMap::from([
            ("profile".to_owned(), profile.to_owned()),
            ("caller".to_owned(), caller.to_owned()),
        ]);
        let mut ivr = Interpreter::new(flow(text), "zh", vars);
        let mut out = acts(ivr.start(t0));
        out.extend(acts(ivr.on_event(Event::PlaybackDone, t0)));
        (out, ivr.variables().get("n").cloned())
    };
    let (out, n) = run("vip", "1");
    assert_eq!(
        out,
        [Action::Queue {
            queue: "vip".into(),
            skills: vec![],
            priority: 0
        }]
    );
    assert_eq!(n.as_deref(), Some("3"));
    let (out, _) = run("", "13800138000");
    assert_eq!(
        out,
        [
            play("zh", &["mobile"], false),
            Action::Hangup {
                cause: "flow ended".into()
            }
        ]
    );
    assert_eq!(
        run("b", "").0[0],
        Action::Queue {
            queue: "vip".into(),
            skills: vec![],
            priority: 0
        }
    );
    assert_eq!(
        run("x", "").0,
        [Action::Hangup {
            cause: "flow ended".into()
        }]
    );
}

#[test]
fn goto_loop_is_cut() {
    let t0 = Instant::now();
    let mut ivr = interp("[node.start]\ngoto = \"b\"\n[node.b]\ngoto = \"start\"\n");
    let out = ivr.start(t0);
    assert_eq!(
        acts(out),
        [Action::Hangup {
            cause: "flow loop".into()
        }]
    );
    assert!(ivr.is_finished());
}

#[test]
fn missing_node_hangs_up() {
    let t0 = Instant::now();
    let mut ivr = interp("[node.start]\ngoto = \"nowhere\"\n");
    assert_eq!(
        acts(ivr.start(t0)),
        [Action::Hangup {
            cause: "flow error".into()
        }]
    );
}

#[test]
fn say_number_and_date_from_variables() {
    let text = r#"
[node.start]
say = "number"
value = "${count}"
next = "date"
[node.date]
say = "date"
value = "2026-11-23"
next = "bad"
[node.bad]
say = "number"
value = "abc"
"#;
    let t0 = Instant::now();
    let vars = BTreeMap::from([("count".to_owned(), "15".to_owned())]);
    let mut ivr = Interpreter::new(flow(text), "en", vars);
    assert_eq!(acts(ivr.start(t0)), [play("en", &["num_15"], false)]);
    let date = ["month_11", "day_23", "num_20", "num_20", "num_6"];
    assert_eq!(
        acts(ivr.on_event(Event::PlaybackDone, t0)),
        [play("en", &date, false)]
    );
    let out = ivr.on_event(Event::PlaybackDone, t0);
    assert!(logs(&out).contains(&"bad:error".to_owned()));
    assert_eq!(
        acts(out),
        [Action::Hangup {
            cause: "flow ended".into()
        }]
    );
}

#[test]
fn caller_hangup_and_stray_events_never_panic() {
    let t0 = Instant::now();
    let mut ivr = interp(MENU_FLOW);
    // Events before start are ignored.
    assert!(acts(ivr.on_event(Event::PlaybackDone, t0)).is_empty());
    assert!(
        acts(ivr.on_event(
            Event::RecordDone {
                file: "x".into(),
                duration_ms: 1
            },
            t0
        ))
        .is_empty()
    );
    assert!(ivr.poll(t0).is_empty());
    ivr.start(t0);
    assert!(ivr.start(t0).is_empty(), "start twice does nothing");
    assert!(acts(ivr.on_event(Event::Digit('x'), t0)).is_empty());
    let out = ivr.on_event(Event::Hangup, t0);
    assert_eq!(logs(&out), ["welcome:caller_hangup"]);
    assert!(ivr.is_finished());
    assert!(ivr.on_event(Event::PlaybackDone, t0).is_empty());
    assert_eq!(ivr.next_deadline(), None);
}

#[test]
fn random_events_never_panic_and_always_end() {
    // A small deterministic fuzz over every shipped-style step.
    let flows = [MENU_FLOW, COLLECT_FLOW, RECORD_FLOW];
    let events = |i: u64| match i % 7 {
        0 => Event::PlaybackDone,
        1 => Event::Digit('1'),
        2 => Event::Digit('#'),
        3 => Event::Digit('7'),
        4 => Event::RecordDone {
            file: format!("f{i}"),
            duration_ms: i,
        },
        5 => Event::Digit('*'),
        _ => Event::PlaybackDone,
    };
    for text in flows {
        for seed in 0..50u64 {
            let t0 = Instant::now();
            let mut ivr = interp(text);
            ivr.start(t0);
            let mut x = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            for step in 0..200u64 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let now = secs(t0, step * 2);
                ivr.on_event(events(x), now);
                ivr.poll(now);
            }
            // A caller who does nothing but let prompts finish always leaves the flow.
            for step in 0..100u64 {
                let now = secs(t0, 1000 + step * 60);
                ivr.on_event(Event::PlaybackDone, now);
                ivr.on_event(
                    Event::RecordDone {
                        file: String::new(),
                        duration_ms: 0,
                    },
                    now,
                );
                ivr.poll(now);
            }
            assert!(ivr.is_finished(), "seed {seed}");
        }
    }
}

mod shipped;

/// A secret collect (a PIN): the variable gets the digits, the log and the call record `*`.
#[test]
fn secret_digits_are_kept_but_not_shown() {
    let t0 = Instant::now();
    let text = COLLECT_FLOW.replace("retries = 1\n", "retries = 1\nsecret = true\n");
    let mut ivr = interp(&text);
    ivr.start(t0);
    ivr.on_event(Event::PlaybackDone, secs(t0, 2));
    assert!(ivr.hides_digits());
    let mut logged = Vec::new();
    for (i, d) in "4217#".chars().enumerate() {
        for a in ivr.on_event(Event::Digit(d), secs(t0, 3 + i as u64)) {
            if let Action::Log { detail, .. } = a
                && detail["event"] == "digit"
            {
                logged.push(detail["digit"].as_str().unwrap_or("").to_owned());
            }
        }
    }
    assert_eq!(logged, ["*", "*", "*", "*", "*"]);
    assert_eq!(ivr.variables()["ticket"], "4217");
    assert_eq!(ivr.digits(), "*****");
    assert!(!ivr.hides_digits(), "the read-back is not secret");
}

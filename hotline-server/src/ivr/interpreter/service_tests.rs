//! The `service` step: the request with its variables filled in, the wait, the answer's
//! variables, `on_failure`, and the loader's check of the catalogue.

use std::path::Path;

use super::*;
use crate::ivr::load::{FlowError, load_flow};

const STATUS_FLOW: &str = r#"
[node.start]
collect = "status_enter_pin"
into = "pin"
min = 6
max = 6
next = "lookup"

[node.lookup]
service = "status_query"
args = { number = "20261123000001", pin = "${pin}" }
next = "found"
on_failure = "agent"

[node.found]
branch = "result"
when = [{ equals = "ok", goto = "say" }]
else = "start"

[node.say]
play = ["status_is", "${status_prompt}"]

[node.agent]
queue = "general"
"#;

fn interp() -> Interpreter {
    let flow = load_flow("t", STATUS_FLOW, Path::new("t.toml")).expect("loads");
    Interpreter::new(Arc::new(flow), "zh", BTreeMap::new())
}

fn no_logs(actions: Vec<Action>) -> Vec<Action> {
    actions
        .into_iter()
        .filter(|a| !matches!(a, Action::Log { .. }))
        .collect()
}

fn key_pin(i: &mut Interpreter, now: Instant) -> Vec<Action> {
    let mut out = i.start(now);
    out.extend(i.on_event(Event::PlaybackDone, now));
    for d in "004217".chars() {
        out.extend(i.on_event(Event::Digit(d), now));
    }
    no_logs(out)
}

#[test]
fn asks_the_driver_and_takes_its_answer() {
    let now = Instant::now();
    let mut i = interp();
    let out = key_pin(&mut i, now);
    let Some(Action::Service { name, args }) = out.last() else {
        panic!("no service request: {out:?}");
    };
    assert_eq!(name, "status_query");
    assert_eq!(args["pin"], "004217");
    assert_eq!(args["number"], "20261123000001");
    // Keys while the driver works are not input for anything.
    assert!(no_logs(i.on_event(Event::Digit('5'), now)).is_empty());
    let vars = BTreeMap::from([
        ("result".to_owned(), "ok".to_owned()),
        ("status_prompt".to_owned(), "status_received".to_owned()),
    ]);
    let out = no_logs(i.on_event(Event::ServiceDone { ok: true, vars }, now));
    let Some(Action::Play { prompts, .. }) = out.first() else {
        panic!("no status read out: {out:?}");
    };
    let names: Vec<&str> = prompts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["status_is", "status_received"]);
    assert_eq!(i.variables()["result"], "ok");
}

#[test]
fn a_failed_service_takes_on_failure_and_a_late_answer_is_ignored() {
    let now = Instant::now();
    let mut i = interp();
    key_pin(&mut i, now);
    let out = no_logs(i.on_event(
        Event::ServiceDone {
            ok: false,
            vars: BTreeMap::new(),
        },
        now,
    ));
    assert!(
        matches!(out.last(), Some(Action::Queue { queue, .. }) if queue == "general"),
        "{out:?}"
    );
    assert!(i.is_finished());
    let late = i.on_event(
        Event::ServiceDone {
            ok: true,
            vars: BTreeMap::new(),
        },
        now,
    );
    assert!(late.is_empty());
}

#[test]
fn a_wrong_answer_goes_round_again() {
    let now = Instant::now();
    let mut i = interp();
    key_pin(&mut i, now);
    let vars = BTreeMap::from([("result".to_owned(), "wrong".to_owned())]);
    let out = no_logs(i.on_event(Event::ServiceDone { ok: true, vars }, now));
    assert!(
        matches!(out.first(), Some(Action::Play { prompts, .. }) if prompts[0].name == "status_enter_pin"),
        "{out:?}"
    );
}

#[test]
fn the_loader_checks_the_catalogue() {
    let text = "[node.start]\nservice = \"fax\"\n\n[node.x]\nservice = \"survey\"\n";
    let Err(FlowError::Invalid(findings)) = load_flow("t", text, Path::new("t.toml")) else {
        panic!("loads");
    };
    let messages: Vec<String> = findings.iter().map(ToString::to_string).collect();
    assert!(
        messages[0].contains("t.toml:2: error: unknown service `fax`"),
        "{messages:?}"
    );
    assert!(
        messages[1].contains("t.toml:5: error: service `survey` needs the argument `answer`"),
        "{messages:?}"
    );
}

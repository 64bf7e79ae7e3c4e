use std::path::PathBuf;

use super::*;

fn flow(text: &str) -> Flow {
    load_flow("t", text, Path::new("t.toml")).expect("loads")
}

/// Every prompt exists except those named `missing*`, and English lacks `zh_only`.
fn exists(lang: &str, name: &str) -> bool {
    !(name.starts_with("missing") || lang == "en" && name == "zh_only")
}

fn run(text: &str) -> Vec<String> {
    check(&flow(text), &exists, &["zh"])
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn has(findings: &[String], needle: &str) -> bool {
    findings.iter().any(|f| f.contains(needle))
}

#[test]
fn clean_flow_has_no_findings() {
    let text = r#"
[node.start]
menu = "m"
choices = { 1 = "q", 2 = "start" }
on_failure = "q"
[node.q]
queue = "general"
"#;
    assert!(run(text).is_empty(), "{:?}", run(text));
}

#[test]
fn dangling_targets_and_start() {
    let text = "[flow]\nstart = \"begin\"\n[node.start]\nplay = \"x\"\nnext = \"nowhere\"\n";
    let f = run(text);
    assert!(
        f.contains(&"t.toml:2: error: the start node `begin` does not exist".to_owned()),
        "{f:?}"
    );
    assert!(f.contains(
        &"t.toml:5: error: node `start` (play) goes to `nowhere`, which does not exist".to_owned()
    ));
}

#[test]
fn missing_prompts_in_every_language_the_flow_can_be_in() {
    let text = r#"
[node.start]
play = ["zh_only", "missing_welcome", "${var}"]
next = "en"
[node.en]
language = "en"
next = "num"
[node.num]
say = "number"
value = "${n}"
next = "rec"
[node.rec]
record = []
beep = true
"#;
    let f = run(text);
    assert!(
        f.contains(&"t.toml:3: error: prompt `zh_only` has no recording in en".to_owned()),
        "{f:?}"
    );
    assert!(f.contains(
        &"t.toml:3: error: prompt `missing_welcome` has no recording in zh, en".to_owned()
    ));
    assert_eq!(f.len(), 2, "{f:?}");

    let none = |_: &str, _: &str| false;
    let f: Vec<String> = check(&flow(text), &none, &["zh"])
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(
        has(
            &f,
            "node `num` (say) needs prompts that have no recording: num_0 (zh)"
        ),
        "{f:?}"
    );
    assert!(has(&f, "num_1000000 (en)"));
    assert!(has(
        &f,
        "node `rec` (record) needs prompts that have no recording: beep (zh), beep (en)"
    ));
}

#[test]
fn unreachable_nodes_warn() {
    let f = run("[node.start]\nhangup = \"x\"\n[node.orphan]\ngoto = \"start\"\n");
    assert_eq!(f, ["t.toml:3: warning: node `orphan` can never be reached"]);
}

#[test]
fn loop_with_no_way_out() {
    let text = r#"
[node.start]
play = "a"
next = "again"
[node.again]
play = "b"
next = "start"
"#;
    let f = run(text);
    assert!(
        has(
            &f,
            "t.toml:2: error: node `start` is in a loop with no way out"
        ),
        "{f:?}"
    );
    assert!(has(
        &f,
        "t.toml:5: error: node `again` is in a loop with no way out"
    ));
    assert_eq!(f.len(), 2, "trapped nodes are not reported twice: {f:?}");
}

#[test]
fn menu_cycle_without_retry_limit() {
    // Every choice leaves, but a silent caller goes menu → on_failure → sorry → menu forever.
    let text = r#"
[node.start]
menu = "m"
choices = { 1 = "q" }
on_failure = "sorry"
[node.sorry]
play = "sorry"
next = "start"
[node.q]
queue = "general"
"#;
    let f = run(text);
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(
        f[0].starts_with("t.toml:2: error: a caller who presses nothing goes round start → sorry")
    );
}

#[test]
fn loops_without_waiting() {
    let text = r#"
[node.start]
menu = "m"
choices = { 1 = "a", 2 = "b" }
[node.a]
goto = "a2"
[node.a2]
set = { x = "1" }
next = "a"
[node.b]
branch = "x"
when = [{ equals = "1", goto = "b" }]
"#;
    let f = run(text);
    // a ⇄ a2 can never leave: trapped. b loops on itself only while x = 1: a warning.
    assert!(has(&f, "node `a` is in a loop with no way out"), "{f:?}");
    assert!(
        has(
            &f,
            "t.toml:10: warning: b loop without waiting for anything"
        ),
        "{f:?}"
    );
}

#[test]
fn check_path_reports_load_errors_and_checks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ivr = dir.path().join("ivr");
    let prompts = dir.path().join("prompts");
    for d in [&ivr, &prompts.join("zh"), &prompts.join("en")] {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    std::fs::write(prompts.join("zh/hello.wav"), b"RIFF").expect("write");
    std::fs::write(prompts.join("en/hello.wav"), b"RIFF").expect("write");
    std::fs::write(
        ivr.join("a.toml"),
        "[node.start]\nplay = [\"hello\", \"bye\"]\n",
    )
    .expect("write");
    std::fs::write(ivr.join("b.toml"), "[node.start]\nplya = 1\n").expect("write");
    let found: Vec<String> = check_path(&ivr, &prompts)
        .expect("checks")
        .iter()
        .map(ToString::to_string)
        .collect();
    let a = ivr.join("a.toml");
    let b = ivr.join("b.toml");
    assert_eq!(
        found,
        [
            format!(
                "{}:2: error: prompt `bye` has no recording in en, zh",
                a.display()
            ),
            format!(
                "{}:2: error: unknown step `plya` in node `start` (steps: play, menu, collect, branch, goto, set, language, record, say, hangup, queue, service)",
                b.display()
            ),
        ]
    );
    let single = check_path(&b, &prompts).expect("checks");
    assert_eq!(single.len(), 1);
    assert!(check_path(&ivr.join("none.toml"), &prompts).is_err());
}

fn assets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets")
}

#[test]
fn shipped_flows_pass_the_checker() {
    let assets = assets();
    let findings = check_path(&assets.join("ivr"), &assets.join("prompts")).expect("checks");
    let shown: Vec<String> = findings.iter().map(ToString::to_string).collect();
    assert!(findings.is_empty(), "{shown:#?}");
    let set = crate::ivr::FlowSet::load_dir(&assets.join("ivr")).expect("loads");
    for name in ["12345", "12315", "12365", "after_hours"] {
        assert!(set.get(name).is_some(), "{name}");
    }
}

#[test]
fn every_prompt_in_the_table_is_rendered() {
    let prompts = assets().join("prompts");
    let table = std::fs::read_to_string(prompts.join("prompts.tsv")).expect("prompts.tsv");
    let mut names = 0;
    for line in table
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let name = line.split('\t').next().unwrap_or_default();
        for lang in ["zh", "en"] {
            assert!(
                prompt_path(&prompts, lang, name).is_file(),
                "{lang}/{name}.wav"
            );
        }
        names += 1;
    }
    assert!(names > 80, "{names}");
    // The say functions only use prompts from the table.
    for lang in ["zh", "en"] {
        for kind in [
            crate::ivr::flow::SayKind::Digits,
            crate::ivr::flow::SayKind::Date,
        ] {
            for name in say::prompt_names(kind, lang) {
                assert!(
                    prompt_path(&prompts, lang, &name).is_file(),
                    "{lang}/{name}.wav"
                );
            }
        }
    }
}

use super::*;

fn load(text: &str) -> Result<Flow, FlowError> {
    load_flow("t", text, Path::new("ivr/t.toml"))
}

fn errors(text: &str) -> Vec<String> {
    match load(text) {
        Ok(_) => panic!("expected errors"),
        Err(FlowError::Invalid(f)) => f.iter().map(ToString::to_string).collect(),
        Err(e) => panic!("unexpected {e}"),
    }
}

#[test]
#[allow(clippy::many_single_char_names)]
fn loads_every_step_with_lines() {
    let text = r##"[flow]
start = "hello"
description = "test"
timeout = 7
retries = 1
invalid = "bad_key"

[node.hello]
play = ["a", "b"]
interruptible = true
next = "menu"

[node.menu]
menu = "m"
timeout = 2.5
choices = { 1 = "ask", "#" = "hello", "*" = "bye" }
no_input = []

[node.ask]
collect = "enter"
into = "num"
min = 2
max = 4
terminator = ""
next = "route"

[node.route]
branch = "num"
[[node.route.when]]
equals = "12"
goto = "rec"
[[node.route.when]]
in = ["1", "2"]
goto = "say"

[node.rec]
record = []
beep = false
finish_on = "*"
max_secs = 30

[node.say]
say = "date"
value = "${d}"
next = "lang"

[node.lang]
language = "en"
next = "set"

[node.set]
set = { b = "2", a = "1" }
next = "go"

[node.go]
goto = "q"

[node.q]
queue = "general"
priority = -1

[node.bye]
hangup = "normal"
prompt = "goodbye"
"##;
    let flow = load(text).expect("loads");
    assert_eq!(
        flow.start,
        Target {
            node: "hello".into(),
            line: 2
        }
    );
    assert_eq!(flow.description, "test");
    assert_eq!(flow.nodes.len(), 11);
    assert_eq!(flow.nodes["hello"].line, 8);
    let Step::Play(p) = &flow.nodes["hello"].step else {
        panic!()
    };
    assert_eq!(
        p.prompts[1],
        Prompt {
            name: "b".into(),
            line: 9
        }
    );
    assert!(p.interruptible);
    let Step::Menu(m) = &flow.nodes["menu"].step else {
        panic!()
    };
    assert_eq!(m.timeout_ms, 2500);
    assert_eq!(m.retries, 1, "flow default");
    assert_eq!(
        m.invalid,
        [Prompt {
            name: "bad_key".into(),
            line: 6
        }]
    );
    assert!(m.no_input.is_empty());
    assert_eq!(m.choices.keys().collect::<String>(), "#*1");
    assert_eq!(m.choices[&'1'].line, 16);
    let Step::Collect(c) = &flow.nodes["ask"].step else {
        panic!()
    };
    assert_eq!((c.min_digits, c.max_digits, c.terminator), (2, 4, None));
    assert_eq!(c.first_timeout_ms, 7000);
    assert_eq!(c.invalid[0].line, 6);
    let Step::Branch(b) = &flow.nodes["route"].step else {
        panic!()
    };
    assert_eq!(b.cases.len(), 2);
    assert_eq!(b.cases[1].test, Test::In(vec!["1".into(), "2".into()]));
    assert_eq!(b.cases[1].goto.line, 34);
    let Step::Record(r) = &flow.nodes["rec"].step else {
        panic!()
    };
    assert_eq!(
        (r.beep, r.finish_on, r.max_secs, r.name.as_str()),
        (false, Some('*'), 30, "rec")
    );
    let Step::Set(s) = &flow.nodes["set"].step else {
        panic!()
    };
    assert_eq!(
        s.values,
        [
            ("b".to_owned(), "2".to_owned()),
            ("a".to_owned(), "1".to_owned())
        ]
    );
    let Step::Queue(q) = &flow.nodes["q"].step else {
        panic!()
    };
    assert_eq!(q.priority, -1);
}

#[test]
fn default_prompts_point_at_the_node() {
    let flow = load("[node.start]\nmenu = \"m\"\nchoices = { 1 = \"start\" }\n").expect("loads");
    let Step::Menu(m) = &flow.nodes["start"].step else {
        panic!()
    };
    assert_eq!(
        m.invalid,
        [Prompt {
            name: "invalid".into(),
            line: 1
        }]
    );
    assert_eq!(m.retries, 3);
    assert_eq!(m.timeout_ms, 5000);
    assert_eq!(flow.start.node, "start");
}

#[test]
fn reports_every_problem_with_its_line() {
    let text = r#"[flow]
start = "a"
colour = "red"

[node.a]
play = "x"
nxet = "b"

[node.b]
transfer = "sip:1@x"

[node.c]
play = "x"
goto = "a"

[node.d]
menu = "m"
choices = { 12 = "a" }
timeout = "soon"

[node.e]
collect = "x"

[node.f]
say = "time"
value = "1"

[node.g]
queue = "q"
priority = 99999999999
skills = [1]
"#;
    let errs = errors(text);
    let expected = [
        "ivr/t.toml:3: error: unknown key `colour` in [flow]",
        "ivr/t.toml:7: error: unknown key `nxet` in node `a`",
        "ivr/t.toml:10: error: unknown step `transfer` in node `b`",
        "ivr/t.toml:12: error: node `c` has two steps, `play` and `goto`: split it",
        "ivr/t.toml:18: error: choice `12` is not a key (0-9, *, #)",
        "ivr/t.toml:18: error: menu `d` has no choices",
        "ivr/t.toml:19: error: `timeout` in node `d` must be seconds between 0 and 86400, not string",
        "ivr/t.toml:21: error: `collect` needs `into = \"variable\"`",
        "ivr/t.toml:25: error: say `time`: expected digits, number or date",
        "ivr/t.toml:29: error: priority 99999999999 is out of range",
        "ivr/t.toml:31: error: `skills` in node `g` must be a string, not integer",
    ];
    for e in expected {
        assert!(
            errs.iter().any(|x| x.starts_with(e)),
            "missing {e:?} in {errs:#?}"
        );
    }
    assert_eq!(errs.len(), expected.len(), "{errs:#?}");
}

#[test]
fn toml_syntax_error_has_a_line() {
    let errs = errors("[node.a]\nplay = \"x\"\nnext = \n");
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0].starts_with("ivr/t.toml:3: error: invalid TOML"),
        "{errs:?}"
    );
}

#[test]
fn structural_errors() {
    assert!(errors("")[0].contains("the flow has no nodes"));
    assert!(errors("node = 1")[0].contains("must be a table"));
    assert!(
        errors("[node.a]\nplay = 1\n")[0].contains("`play` in node `a` must be a string or a list")
    );
    assert!(errors("[node.a]\nplay = \"../etc\"\n")[0].contains("not a prompt name"));
    assert!(
        errors("[node.a]\ncollect = []\ninto = \"x\"\nmin = 5\nmax = 2\n")[0]
            .contains("do not fit")
    );
    assert!(errors("[node.a]\nbranch = \"x\"\n")[0].contains("needs `when` cases or `else`"));
    let e =
        errors("[node.a]\nbranch = \"x\"\nwhen = [{ equals = \"1\", len = 2, goto = \"a\" }]\n");
    assert!(e[0].contains("exactly one of"), "{e:?}");
    assert!(errors("[node.a]\nrecord = []\nfinish_on = \"##\"\n")[0].contains("must be one key"));
    assert!(
        errors("[node.a]\nmenu = []\nchoices = { 1 = \"a\" }\nretries = -1\n")[0]
            .contains("whole number")
    );
    assert!(errors("[node.a]\nnext = \"b\"\n")[0].contains("has no step"));
}

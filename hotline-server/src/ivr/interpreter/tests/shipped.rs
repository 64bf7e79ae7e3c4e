//! The flows shipped in assets/ivr, walked as a caller would.

use super::*;

fn shipped(name: &str) -> Interpreter {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/ivr");
    let set = crate::ivr::FlowSet::load_dir(&dir).expect("shipped flows load");
    let vars = BTreeMap::from([("caller".to_owned(), "13800138000".to_owned())]);
    Interpreter::new(set.get(name).expect("flow"), "zh", vars)
}

#[test]
fn shipped_12345_goes_straight_to_an_agent() {
    let t0 = Instant::now();
    let mut ivr = shipped("12345");
    assert_eq!(acts(ivr.start(t0)), [play("zh", &["welcome_12345"], false)]);
    // No menu: a key during the welcome changes nothing.
    assert!(acts(ivr.on_event(Event::Digit('1'), t0)).is_empty());
    let out = acts(ivr.on_event(Event::PlaybackDone, secs(t0, 4)));
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
fn shipped_12315_menu() {
    let t0 = Instant::now();
    let menu = ["menu_main", "menu_language"];
    let mut ivr = shipped("12315");
    ivr.start(t0);
    assert_eq!(
        acts(ivr.on_event(Event::PlaybackDone, t0)),
        [play("zh", &menu, true)]
    );
    ivr.on_event(Event::PlaybackDone, t0);
    // 9: English, the menu again in English; 9 again: back to Mandarin.
    assert_eq!(
        acts(ivr.on_event(Event::Digit('9'), t0)),
        [play("en", &menu, true)]
    );
    ivr.on_event(Event::PlaybackDone, t0);
    assert_eq!(
        acts(ivr.on_event(Event::Digit('9'), t0)),
        [play("zh", &menu, true)]
    );
    ivr.on_event(Event::PlaybackDone, t0);
    // 4: the status query asks for the ticket number; * is no digit of it, so the caller
    // gets back to the menu after the retries.
    assert_eq!(
        acts(ivr.on_event(Event::Digit('4'), t0)),
        [play("zh", &["status_enter_number"], true)]
    );
    let mut ivr = shipped("12315");
    ivr.start(t0);
    ivr.on_event(Event::PlaybackDone, t0);
    ivr.on_event(Event::PlaybackDone, t0);
    // 5: the director's mailbox: callback number (# = this phone), reply wanted, message.
    assert_eq!(
        acts(ivr.on_event(Event::Digit('5'), t0)),
        [play("zh", &["mailbox_callback"], true)]
    );
    assert_eq!(
        acts(ivr.on_event(Event::Digit('#'), t0)),
        [Action::StopPlayback, play("zh", &["mailbox_reply"], true)]
    );
    ivr.on_event(Event::PlaybackDone, t0);
    assert_eq!(
        acts(ivr.on_event(Event::Digit('1'), t0)),
        [
            Action::StopPlayback,
            play("zh", &["record_after_beep"], false)
        ]
    );
    ivr.on_event(Event::PlaybackDone, t0);
    let out = acts(ivr.on_event(Event::PlaybackDone, t0));
    assert!(
        matches!(&out[..], [Action::Record { max_secs: 120, beep: true, name_hint, .. }] if name_hint == "mailbox_13800138000"),
        "{out:?}"
    );
    let done = Event::RecordDone {
        file: "m.wav".into(),
        duration_ms: 5000,
    };
    let out = acts(ivr.on_event(done, t0));
    let [Action::Service { name, args }] = &out[..] else {
        panic!("no ticket asked for: {out:?}");
    };
    assert_eq!(name, "leave_message");
    assert_eq!(
        (
            args["kind"].as_str(),
            args["message"].as_str(),
            args["callback"].as_str(),
            args["reply"].as_str()
        ),
        ("director_mail", "m.wav", "", "1")
    );
    let filed = BTreeMap::from([
        ("result".to_owned(), "ok".to_owned()),
        ("ticket_digits".to_owned(), "2026112300000".to_owned()),
        ("pin".to_owned(), "42".to_owned()),
    ]);
    let out = acts(ivr.on_event(
        Event::ServiceDone {
            ok: true,
            vars: filed,
        },
        t0,
    ));
    let [Action::Play { prompts, .. }] = &out[..] else {
        panic!("{out:?}");
    };
    assert_eq!(prompts[0].name, "ticket_number_is");
    ivr.on_event(Event::PlaybackDone, t0);
    ivr.on_event(Event::PlaybackDone, t0);
    let out = acts(ivr.on_event(Event::PlaybackDone, t0));
    assert_eq!(
        out,
        [Action::Hangup {
            cause: "message left".into()
        }]
    );
    assert_eq!(ivr.variables()["message"], "m.wav");
}

#[test]
fn shipped_12365_silent_caller_reaches_an_agent_after_three_retries() {
    let t0 = Instant::now();
    let mut ivr = shipped("12365");
    ivr.start(t0);
    ivr.on_event(Event::PlaybackDone, t0);
    let mut now = t0;
    for retry in 0..3 {
        ivr.on_event(Event::PlaybackDone, now);
        now = ivr.next_deadline().expect("menu timer");
        let out = acts(ivr.poll(now));
        assert_eq!(
            out,
            [play(
                "zh",
                &["no_input", "menu_12365", "menu_language"],
                true
            )],
            "{retry}"
        );
    }
    ivr.on_event(Event::PlaybackDone, now);
    let out = acts(ivr.poll(ivr.next_deadline().expect("timer")));
    assert_eq!(out, [play("zh", &["transfer_agent"], false)]);
    let out = acts(ivr.on_event(Event::PlaybackDone, now));
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
fn shipped_complaint_queue() {
    let t0 = Instant::now();
    let mut ivr = shipped("12365");
    ivr.start(t0);
    // Keyed through the welcome.
    let out = acts(ivr.on_event(Event::Digit('1'), t0));
    assert_eq!(
        out,
        [Action::StopPlayback, play("zh", &["please_hold"], false)]
    );
    ivr.on_event(Event::PlaybackDone, t0); // the stopped welcome's
    let out = acts(ivr.on_event(Event::PlaybackDone, t0));
    let queue = Action::Queue {
        queue: "complaint".into(),
        skills: vec!["complaint".into()],
        priority: 0,
    };
    assert_eq!(out, [queue]);
}

#[test]
fn shipped_after_hours_message_or_goodbye() {
    let t0 = Instant::now();
    let mut ivr = shipped("after_hours");
    assert_eq!(acts(ivr.start(t0)), [play("zh", &["after_hours"], true)]);
    ivr.on_event(Event::PlaybackDone, t0);
    ivr.on_event(Event::PlaybackDone, t0);
    assert_eq!(
        acts(ivr.on_event(Event::Digit('0'), t0)),
        [play("zh", &["goodbye"], false)]
    );
    let out = acts(ivr.on_event(Event::PlaybackDone, t0));
    assert_eq!(
        out,
        [Action::Hangup {
            cause: "normal".into()
        }]
    );

    let mut ivr = shipped("after_hours");
    ivr.start(t0);
    ivr.on_event(Event::PlaybackDone, t0);
    ivr.on_event(Event::PlaybackDone, t0);
    // 1: a message (callback number and reply first), 2: a guided complaint.
    ivr.on_event(Event::Digit('1'), t0);
    ivr.on_event(Event::Digit('#'), t0);
    ivr.on_event(Event::PlaybackDone, t0);
    ivr.on_event(Event::Digit('2'), t0);
    ivr.on_event(Event::PlaybackDone, t0);
    assert!(matches!(
        acts(ivr.on_event(Event::PlaybackDone, t0))[..],
        [Action::Record { .. }]
    ));
    let mut ivr = shipped("after_hours");
    ivr.start(t0);
    ivr.on_event(Event::PlaybackDone, t0);
    ivr.on_event(Event::PlaybackDone, t0);
    assert_eq!(
        acts(ivr.on_event(Event::Digit('2'), t0)),
        [play("zh", &["complaint_intro"], false)]
    );
}

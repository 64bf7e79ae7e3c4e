//! Snapshots of every screen in both languages at 80×24 and 160×48, from fixed sample data.
//! Review changed `.snap` files by eye: columns must line up with Chinese text.

use hotline_protocol::{MonitorMode, Role};
use hotline_tui::Lang;
use hotline_tui::width::width;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::{Ui, render};
use crate::app::sample;
use crate::app::state::{Dialog, Monitoring, Pending, Screen, State, Tab};
use crate::rest::ReportKind;

fn draw(s: &State, w: u16, h: u16) -> String {
    let ui = Ui::builtin().unwrap();
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| render(s, &ui, f)).unwrap();
    let buf = term.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..h {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..w {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = buf[(x, y)].symbol();
            skip = width(sym).saturating_sub(1);
            line.push_str(sym);
        }
        // Every row is exactly the terminal's width: nothing spills or is cut mid-character.
        assert_eq!(width(&line), w as usize, "row {y}: {line}");
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn screens(lang: Lang) -> Vec<(&'static str, State)> {
    let base = || sample::state(lang, Role::Supervisor);
    let mut v = Vec::new();

    let mut login = State::new(
        lang,
        jiff::tz::TimeZone::UTC,
        crate::app::Thresholds::default(),
    );
    login.login.server = "ws://10.0.0.5:8080/ws".into();
    login.login.user = "banzhang".into();
    login.login.password = "secret".into();
    login.login.audio = "cpal".into();
    login.login.error = Some("unauthorized: wrong password / 密码错误".into());
    login.screen = Screen::Login;
    v.push(("login", login));

    let mut wall = base();
    wall.monitor = Some(Monitoring {
        agent: "1001".into(),
        mode: MonitorMode::Whisper,
        call: Some("c-1".into()),
    });
    wall.selected_seat = 0;
    v.push(("wallboard", wall));

    v.push(("wallboard_director", sample::state(lang, Role::Director)));

    let mut confirm = base();
    confirm.dialog = Some(Dialog::Confirm(Pending::Monitor {
        agent: "1001".into(),
        mode: MonitorMode::Barge,
    }));
    v.push(("confirm", confirm));

    let mut reason = base();
    reason.dialog = Some(Dialog::Reason {
        agent: "1002".into(),
        selected: 1,
    });
    v.push(("reason", reason));

    let mut tickets = base();
    tickets.tab = Tab::Tickets;
    v.push(("tickets", tickets));

    let mut digest = base();
    digest.tab = Tab::Tickets;
    digest.tickets.show_digest = true;
    v.push(("digest", digest));

    let mut supervise = base();
    supervise.tab = Tab::Tickets;
    supervise.dialog = Some(Dialog::Instruction {
        id: 1,
        number: "12345-20261120-000001".into(),
        text: "请于本周内办结".into(),
    });
    v.push(("supervise", supervise));

    for (name, kind) in [
        ("report_calls", ReportKind::Calls),
        ("report_agents", ReportKind::Agents),
        ("report_tickets", ReportKind::Tickets),
    ] {
        let mut r = base();
        r.tab = Tab::Reports;
        r.reports.kind = kind;
        r.reports.compare = 1;
        v.push((name, r));
    }

    let mut period = base();
    period.tab = Tab::Reports;
    period.dialog = Some(Dialog::Period {
        from: "2026-11-17".into(),
        to: "2026-11-2".into(),
        focus: 1,
        error: true,
    });
    v.push(("period", period));

    let mut help = base();
    help.help = true;
    v.push(("help", help));
    v
}

#[test]
fn every_screen_in_both_languages_and_sizes() {
    for lang in [Lang::Zh, Lang::En] {
        for (name, s) in screens(lang) {
            for (w, h) in [(80, 24), (160, 48)] {
                let text = draw(&s, w, h);
                let snap = format!("{name}_{}_{w}x{h}", lang.code());
                insta::assert_snapshot!(snap, text);
            }
        }
    }
}

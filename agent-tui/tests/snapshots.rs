//! Every view, in both languages, at 80×24 and 160×48, rendered from fixed sample data.
//! Wide characters take two cells; the text here shows each once, so columns of Chinese
//! text line up in the snapshot exactly as on screen.

#![allow(clippy::unwrap_used)]

use agent_tui::app::form::Field;
use agent_tui::app::sample;
use agent_tui::app::state::{LoginField, Overlay, State, TransferDialog};
use agent_tui::app::text::Caret;
use agent_tui::app::{Action, Panel, update};
use agent_tui::rest::{RestReply, TicketLink};
use agent_tui::view::{Ui, render};
use hotline_protocol::Event;
use hotline_tui::Lang;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

/// The buffer as text, one line per row; a wide character's hidden second cell is skipped,
/// and marked `¤` if something was drawn into it (a misaligned column).
fn text(buf: &Buffer) -> String {
    let mut out = String::new();
    let w = buf.area.width as usize;
    for row in buf.content.chunks(w) {
        let mut skip = 0u16;
        let mut line = String::new();
        for cell in row {
            if skip > 0 {
                if !matches!(cell.symbol(), " " | "") {
                    line.push('¤');
                }
                skip -= 1;
                continue;
            }
            line.push_str(cell.symbol());
            skip = (hotline_tui::width::width(cell.symbol()) as u16).saturating_sub(1);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn check(name: &str, build: impl Fn(Lang) -> State) {
    let ui = Ui::builtin().unwrap();
    for lang in [Lang::En, Lang::Zh] {
        let state = build(lang);
        for (w, h) in SIZES {
            let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
            term.draw(|f| render(&state, &ui, f)).unwrap();
            let shown = text(term.backend().buffer());
            assert!(
                !shown.contains('¤'),
                "{name} {lang:?} {w}x{h}: misaligned wide text\n{shown}"
            );
            insta::assert_snapshot!(format!("{name}_{}_{w}x{h}", lang.code()), shown);
        }
    }
}

fn with(mut s: State, f: impl FnOnce(&mut State)) -> State {
    f(&mut s);
    s
}

#[test]
fn login() {
    check("login", |lang| {
        with(State::new(lang), |s| {
            s.now_ms = sample::NOW_MS;
            s.login.user = "agent1".into();
            s.login.password = "secret".into();
            s.login.focus = LoginField::Password;
            s.login.audio = "cpal".into();
            s.login.inputs = vec!["USB 耳麦".into(), "default".into()];
            s.login.outputs = vec!["USB 耳麦".into(), "default".into()];
            s.login.input = Some("USB 耳麦".into());
            s.levels = (0.4, 0.1);
        })
    });
    check("login_device", |lang| {
        with(State::new(lang), |s| {
            s.login.user = "agent1".into();
            s.login.focus = LoginField::Output;
            s.login.audio = "cpal".into();
            s.login.inputs = vec!["USB 耳麦".into()];
            s.login.outputs = vec![
                "USB 耳麦".into(),
                "HDA Intel PCH: ALC3246 Analog (hw:0,0)".into(),
            ];
            update(s, Action::Left);
        })
    });
    check("login_failed", |lang| {
        with(State::new(lang), |s| {
            s.login.user = "agent1".into();
            s.login.error = Some("unauthorized: wrong user name or password".into());
        })
    });
}

#[test]
fn main_screen() {
    check("ready", sample::ready);
    check("ringing", sample::ringing);
    check("ringing_blacklisted", sample::blacklisted);
    check("ringing_callback", |lang| {
        with(sample::ringing(lang), |s| {
            if let Some(o) = &mut s.offer {
                o.callback = Some(hotline_protocol::CallbackOffer {
                    number: "13900001111".into(),
                    attempt: 2,
                    requested_at_ms: sample::NOW_MS - 600_000,
                    ticket: Some("12345-20261120-000031".into()),
                    purpose: Some("follow_up".into()),
                });
            }
        })
    });
    check("on_call", |lang| {
        with(sample::on_call(lang), |s| {
            update(s, Action::Mute);
        })
    });
    // Back from the PIN entry flow, a help request waiting, two messages unheard.
    check("on_call_ivr", |lang| {
        with(sample::on_call(lang), |s| {
            update(s, Action::Transfer);
            update(s, Action::Left);
            update(s, Action::NextField);
            update(s, Action::NextField);
            update(s, Action::Right);
            update(s, Action::Enter);
            update(
                s,
                Action::Server(Event::IvrResult {
                    call_id: s.call.as_ref().expect("on a call").call_id.clone(),
                    flow: "pin_entry".into(),
                    result: "ok".into(),
                }),
            );
            update(s, Action::CallSupervisor);
            update(
                s,
                Action::Tick {
                    now_ms: sample::NOW_MS + 12_000,
                },
            );
            s.inbox.unheard = 2;
        })
    });
    check("wrap_up", sample::wrap_up);
    check("not_ready", sample::not_ready);
    check("reconnecting", |lang| {
        with(sample::on_call(lang), |s| {
            update(s, Action::ConnectionLost("connection reset".into()));
            update(s, Action::Reconnecting { attempt: 3 });
        })
    });
}

#[test]
fn dialogs() {
    check("reason_picker", |lang| {
        with(sample::ready(lang), |s| {
            s.overlay = Overlay::Reasons { sel: 1 }
        })
    });
    check("transfer", |lang| {
        with(sample::on_call(lang), |s| {
            s.overlay = Overlay::Transfer(TransferDialog {
                kind: 2,
                target: "5".into(),
                mode: 1,
                note: "路灯维修，请协助".into(),
                focus: 3,
                caret: Caret::END,
                error: None,
            });
        })
    });
    check("caller_edit", |lang| {
        with(sample::ready(lang), |s| {
            s.panel = Panel::Callers;
            s.callers.results = sample::caller_rows();
            update(s, Action::EditCaller);
            update(s, Action::NextField);
            update(s, Action::Input(','));
            update(s, Action::Input('1'));
            update(s, Action::Enter);
        })
    });
    check("transfer_ivr", |lang| {
        with(sample::on_call(lang), |s| {
            update(s, Action::Transfer);
            update(s, Action::Left);
            update(s, Action::NextField);
        })
    });
    check("dial", |lang| {
        with(sample::ready(lang), |s| {
            s.overlay = Overlay::Dial {
                number: "057187654321".into(),
            };
        })
    });
    check("help", |lang| {
        with(sample::on_call(lang), |s| s.overlay = Overlay::Help)
    });
}

#[test]
fn ticket_form() {
    check("form", sample::form);
    check("form_category", |lang| {
        with(sample::form(lang), |s| {
            s.form.focus = Field::Category;
            s.form.category_filter = "建".into();
        })
    });
    check("form_departments", |lang| {
        with(sample::form(lang), |s| s.form.focus = Field::Departments)
    });
    check("form_errors", |lang| {
        with(sample::on_call(lang), |s| {
            update(s, Action::Show(Panel::TicketForm));
            update(s, Action::Submit);
        })
    });
    // The caret near the top of a description longer than its box: the box scrolls to the
    // caret rather than to the end.
    check("form_caret", |lang| {
        with(sample::form(lang), |s| {
            s.form.description = (1..=20)
                .map(|i| format!("第{i}行：路灯不亮 lamp out"))
                .collect::<Vec<_>>()
                .join("\n");
            // Three lines from the top, after "第3行" (wide) and one more character.
            for _ in 0..17 {
                update(s, Action::Up);
            }
            update(s, Action::LineStart);
            for _ in 0..4 {
                update(s, Action::Right);
            }
        })
    });
    // A consultation to answer later: the callback number (the caller's) and the toggle on.
    check("form_consultation", |lang| {
        with(sample::form(lang), |s| {
            s.form.caller_number = Some("13800000001".into());
            s.form.focus = Field::Type;
            update(s, Action::Right);
            update(s, Action::Right);
            s.form.focus = Field::Later;
            update(s, Action::Input(' '));
        })
    });
    check("form_filed_pending", |lang| {
        with(sample::form(lang), |s| {
            s.form.filed = Some(("12345-20261124-000041".into(), "004217".into()));
            s.form.held = true;
        })
    });
    check("form_filed", |lang| {
        with(sample::form(lang), |s| {
            s.form.filed = Some(("12345-20261123-000042".into(), "004217".into()));
        })
    });
}

#[test]
fn panels() {
    check("queue", |lang| {
        with(sample::ready(lang), |s| {
            update(s, Action::Show(Panel::Queue));
            update(s, Action::Down);
        })
    });
    check("knowledge", |lang| {
        with(sample::on_call(lang), |s| {
            s.panel = Panel::Knowledge;
            s.knowledge.query = "退货".into();
            s.knowledge.searched = true;
            s.knowledge.results = sample::knowledge_items();
        })
    });
    check("tickets", |lang| {
        with(sample::ready(lang), |s| {
            s.panel = Panel::Tickets;
            s.tickets.query = "路灯".into();
            s.tickets.searched = true;
            s.tickets.results = sample::ticket_rows();
        })
    });
    check("consultations", sample::consultations);
    check("consultation_suggestions", sample::consultation_suggestions);
    check("consultation_answer_text", |lang| {
        with(sample::consultation_suggestions(lang), |s| {
            update(s, Action::ConsultWrite);
            for c in "请携带身份证到派出所办理".chars() {
                update(s, Action::Input(c));
            }
        })
    });
    check("inbox", sample::inbox);
    check("inbox_empty", |lang| {
        with(sample::ready(lang), |s| {
            update(s, Action::Show(Panel::Inbox));
            update(
                s,
                Action::RestDone(RestReply::Voicemails {
                    items: Vec::new(),
                    total: 0,
                }),
            );
        })
    });
    check("tickets_links", |lang| {
        with(sample::ready(lang), |s| {
            s.panel = Panel::Tickets;
            s.tickets.query = "路灯".into();
            s.tickets.searched = true;
            s.tickets.results = sample::ticket_rows();
            update(
                s,
                Action::RestDone(RestReply::TicketLinks {
                    id: 17,
                    links: vec![TicketLink {
                        id: 3,
                        number: "12345-20261101-000003".into(),
                        subject: "噪音扰民夜间施工".into(),
                        status: "closed".into(),
                    }],
                }),
            );
        })
    });
    check("callers", |lang| {
        with(sample::ready(lang), |s| {
            s.panel = Panel::Callers;
            s.callers.query = "张".into();
            s.callers.searched = true;
            s.callers.results = sample::caller_rows();
            s.callers.sel = 1;
        })
    });
}

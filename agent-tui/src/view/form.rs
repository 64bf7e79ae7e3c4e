//! The ticket entry form (F1) with its pickers: categories (type to filter), departments and
//! related tickets.

use hotline_tui::t;
use hotline_tui::width::{fit, truncate, wrap};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::form::{Field, TYPES, URGENCIES, filtered_categories, filtered_departments};
use crate::app::state::State;
use crate::view::Ui;
use crate::view::home::render_pop;
use crate::view::util::{CARET, around_caret, block, centered, is_wide};

const LABEL_COLS: usize = 10;

fn value_text(s: &State, field: Field) -> String {
    let f = &s.form;
    let lang = s.lang;
    match field {
        Field::Type => format!("◀ {} ▶", t(lang, &format!("ticket_type.{}", TYPES[f.kind]))),
        Field::Urgency => format!(
            "◀ {} ▶",
            t(lang, &format!("urgency.{}", URGENCIES[f.urgency]))
        ),
        Field::Category => {
            let chosen = f.category.as_ref().and_then(|code| {
                s.categories
                    .iter()
                    .find(|c| &c.code == code)
                    .map(|c| c.label(lang).to_owned())
            });
            match (&chosen, f.focus == Field::Category) {
                (_, true) => format!("› {}", f.caret.show(&f.category_filter, CARET)),
                (Some(c), false) => c.clone(),
                (None, false) => String::new(),
            }
        }
        Field::Subject | Field::Description | Field::Address | Field::Region => {
            let text = match field {
                Field::Subject => &f.subject,
                Field::Description => &f.description,
                Field::Address => &f.address,
                _ => &f.region,
            };
            if f.focus == field {
                f.caret.show(text, CARET)
            } else {
                text.clone()
            }
        }
        Field::Departments => {
            let names: Vec<&str> = f
                .departments
                .iter()
                .filter_map(|id| s.departments.iter().find(|d| d.id == *id))
                .map(|d| d.name.as_str())
                .collect();
            if f.focus == Field::Departments {
                format!(
                    "› {}  [{}]",
                    f.caret.show(&f.dept_filter, CARET),
                    names.join(", ")
                )
            } else {
                names.join(", ")
            }
        }
        Field::Related => f.related.join(", "),
        Field::Callback => {
            if f.focus == field {
                f.caret.show(&f.callback, CARET)
            } else {
                f.callback.clone()
            }
        }
        Field::Later => {
            let mark = if f.answer_later { "[x]" } else { "[ ]" };
            format!("{mark} {}", t(lang, "form.later_hint"))
        }
    }
}

fn form_lines<'a>(s: &State, ui: &Ui, width: u16, desc_rows: usize) -> Vec<Line<'a>> {
    let lang = s.lang;
    let val_cols = (width as usize).saturating_sub(LABEL_COLS + 1).max(4);
    let mut lines = Vec::new();
    let consultation = s.form.is_consultation();
    for field in Field::ALL.into_iter().filter(|f| f.shown(consultation)) {
        let focus = s.form.focus == field;
        let style = ui.theme.style(if focus { "input_focus" } else { "input" });
        let label_style = ui.theme.style(if focus { "key" } else { "label" });
        let label = fit(t(lang, field.label_key()), LABEL_COLS);
        let text = value_text(s, field);
        if field == Field::Description {
            let mut rows = wrap(&text, val_cols);
            if rows.len() > desc_rows {
                // Keep the caret's row in view: that is where the agent types.
                let caret_row = rows
                    .iter()
                    .position(|r| r.contains(CARET))
                    .unwrap_or(rows.len() - 1);
                let start = (caret_row + 1)
                    .saturating_sub(desc_rows)
                    .min(rows.len() - desc_rows);
                rows.drain(..start);
                rows.truncate(desc_rows);
            }
            rows.resize(desc_rows, String::new());
            for (i, row) in rows.into_iter().enumerate() {
                let l = if i == 0 {
                    label.clone()
                } else {
                    fit("", LABEL_COLS)
                };
                lines.push(Line::from(vec![
                    Span::styled(l, label_style),
                    Span::raw(" "),
                    Span::styled(fit(&row, val_cols), style),
                ]));
            }
            continue;
        }
        let shown = if focus {
            around_caret(&text, val_cols)
        } else {
            truncate(&text, val_cols)
        };
        lines.push(Line::from(vec![
            Span::styled(label, label_style),
            Span::raw(" "),
            Span::styled(fit(&shown, val_cols), style),
        ]));
    }
    for e in &s.form.errors {
        lines.push(Line::from(Span::styled(
            format!("✗ {}", t(lang, e)),
            ui.theme.style("error"),
        )));
    }
    if s.form.pending {
        lines.push(Line::from(Span::styled(
            t(lang, "form.submitting").to_owned(),
            ui.theme.style("info"),
        )));
    }
    lines
}

/// The list for the focused picker, or `None` when the focus is on a plain field.
fn picker<'a>(s: &State, ui: &Ui, rows: usize) -> Option<(String, Vec<Line<'a>>)> {
    let lang = s.lang;
    let f = &s.form;
    let window = |sel: usize, n: usize| {
        let start = sel.saturating_sub(rows.saturating_sub(1));
        start..n.min(start + rows)
    };
    let sel_style = ui.theme.style("selected");
    match f.focus {
        Field::Category => {
            let cats = filtered_categories(&s.categories, &f.category_filter);
            let lines = window(f.category_sel, cats.len())
                .map(|i| {
                    let c = cats[i];
                    let text = format!("{}{}", "  ".repeat(c.depth), c.label(lang));
                    let chosen = f.category.as_deref() == Some(c.code.as_str());
                    let mark = if chosen { "● " } else { "  " };
                    let line = Line::raw(format!("{mark}{text}"));
                    if i == f.category_sel {
                        line.style(sel_style)
                    } else {
                        line
                    }
                })
                .collect();
            Some((t(lang, "form.pick_category").to_owned(), lines))
        }
        Field::Departments => {
            let depts = filtered_departments(&s.departments, &f.dept_filter);
            let mut lines: Vec<Line> = window(f.dept_sel, depts.len())
                .map(|i| {
                    let d = depts[i];
                    let on = f.departments.contains(&d.id);
                    let lead = f.departments.first() == Some(&d.id);
                    let mark = match (on, lead) {
                        (true, true) => format!("[✓] {} ", t(lang, "form.lead")),
                        (true, false) => "[✓] ".to_owned(),
                        _ => "[ ] ".to_owned(),
                    };
                    let line = Line::raw(format!("{mark}{}{}", "  ".repeat(d.depth), d.name));
                    if i == f.dept_sel {
                        line.style(sel_style)
                    } else {
                        line
                    }
                })
                .collect();
            if s.departments.is_empty() {
                let key = if s.departments_pending {
                    "status.loading"
                } else {
                    "form.no_departments"
                };
                lines.push(Line::from(Span::styled(
                    t(lang, key).to_owned(),
                    ui.theme.style("muted"),
                )));
            }
            Some((t(lang, "form.pick_departments").to_owned(), lines))
        }
        Field::Related => {
            let cands = s.related_candidates();
            let mut lines: Vec<Line> = window(f.related_sel, cands.len())
                .map(|i| {
                    let n = &cands[i];
                    let on = f.related.contains(n);
                    let subject = s
                        .pop
                        .as_ref()
                        .and_then(|p| p.tickets.iter().find(|tk| &tk.number == n))
                        .map(|tk| tk.subject.clone())
                        .or_else(|| {
                            s.related_suggestions
                                .iter()
                                .find(|(num, _)| num == n)
                                .map(|(_, subject)| subject.clone())
                        })
                        .unwrap_or_default();
                    let line = Line::raw(format!("[{}] {n} {subject}", if on { "✓" } else { " " }));
                    if i == f.related_sel {
                        line.style(sel_style)
                    } else {
                        line
                    }
                })
                .collect();
            if cands.is_empty() {
                lines.push(Line::from(Span::styled(
                    t(lang, "form.no_related").to_owned(),
                    ui.theme.style("muted"),
                )));
            }
            Some((t(lang, "form.pick_related").to_owned(), lines))
        }
        _ => None,
    }
}

fn render_filed(s: &State, ui: &Ui, f: &mut Frame, area: Rect, number: &str, pin: &str) {
    let lang = s.lang;
    let b = block(ui, t(lang, "form.filed"), true);
    let box_area = centered(area, 54, 8);
    let inner = b.inner(box_area);
    hotline_tui::widgets::popup::clear(f.buffer_mut(), box_area);
    f.render_widget(b, box_area);
    let lines = vec![
        Line::from(vec![
            Span::styled(
                format!("{} ", t(lang, "form.number")),
                ui.theme.style("label"),
            ),
            Span::styled(number.to_owned(), ui.theme.style("title")),
        ]),
        Line::from(vec![
            Span::styled(format!("{} ", t(lang, "form.pin")), ui.theme.style("label")),
            Span::styled(pin.to_owned(), ui.theme.style("title")),
        ]),
        Line::from(Span::styled(
            if s.form.held {
                t(lang, "form.held").to_owned()
            } else {
                String::new()
            },
            ui.theme.style("info"),
        )),
        Line::from(Span::styled(
            t(lang, "form.pin_note").to_owned(),
            ui.theme.style("muted"),
        )),
        Line::from(Span::styled(
            t(lang, "form.new_hint").to_owned(),
            ui.theme.style("key"),
        )),
    ];
    f.render_widget(Paragraph::new(lines), inner);
}

pub fn render(s: &State, ui: &Ui, f: &mut Frame, area: Rect) {
    let lang = s.lang;
    let wide = is_wide(area);
    let (form_area, side) = if wide {
        let [l, r] =
            Layout::horizontal([Constraint::Percentage(58), Constraint::Min(30)]).areas(area);
        (l, Some(r))
    } else {
        (area, None)
    };
    let mut title = match &s.form.call_id {
        Some(id) => format!("{} · {id}", t(lang, "form.title")),
        None => t(lang, "form.title").to_owned(),
    };
    if s.form.channel != "phone" {
        // A ticket made from a message says so, with whose message it is.
        title = format!(
            "{title} · {} {}",
            t(lang, &format!("channel.{}", s.form.channel)),
            s.form.caller_number.as_deref().unwrap_or("")
        );
    }
    let b = block(ui, &title, true);
    let inner = b.inner(form_area);
    f.render_widget(b, form_area);
    if let Some((number, pin)) = &s.form.filed {
        render_filed(s, ui, f, area, number, pin);
        return;
    }
    // One-line fields, the description gets what is left, a picker below when narrow.
    let pick_rows = if wide { 0 } else { 7usize };
    let consultation = s.form.is_consultation();
    let shown = Field::ALL.iter().filter(|f| f.shown(consultation)).count();
    let fixed = shown - 1 + s.form.errors.len();
    let has_picker = picker(s, ui, 1).is_some();
    let spare =
        (inner.height as usize).saturating_sub(fixed + if has_picker { pick_rows } else { 0 });
    let desc_rows = spare.clamp(2, 12);
    let lines = form_lines(s, ui, inner.width, desc_rows);
    let used = lines.len() as u16;
    f.render_widget(Paragraph::new(lines), inner);
    let list_rows = |h: u16| (h as usize).saturating_sub(2).max(1);
    if let Some(side) = side {
        let rows = list_rows(side.height);
        if let Some((title, lines)) = picker(s, ui, rows) {
            let b = block(ui, &title, true);
            let i = b.inner(side);
            f.render_widget(b, side);
            f.render_widget(Paragraph::new(lines), i);
        } else {
            render_pop(s, ui, f, side);
        }
    } else {
        {
            let rest = Rect {
                y: inner.y + used.min(inner.height),
                height: inner.height.saturating_sub(used),
                ..inner
            };
            if rest.height >= 3
                && let Some((title, lines)) = picker(s, ui, list_rows(rest.height))
            {
                let b = block(ui, &title, true);
                let i = b.inner(rest);
                f.render_widget(b, rest);
                f.render_widget(Paragraph::new(lines), i);
            }
        }
    }
}

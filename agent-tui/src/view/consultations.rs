//! Pending consultations (待答咨询): tabs waiting / answered / done, the list (ticket number,
//! question, callback number, age, attempts), and for the entry being answered its
//! knowledge-base suggestions with a preview of the highlighted one, or the typed answer.

use hotline_tui::widgets::Column;
use hotline_tui::{Lang, t};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};

use crate::app::consultations::{Answering, TABS};
use crate::app::state::State;
use crate::rest::ConsultationRow;
use crate::view::Ui;
use crate::view::list_preview::{ListPreview, tabs};
use crate::view::util::{CARET, ago, field, is_wide};

/// The marker of an entry in the list: being opened or saved.
fn mark(s: &State, c: &ConsultationRow) -> &'static str {
    let busy = [s.consultations.opening, s.consultations.saving];
    if busy.contains(&Some(c.id)) {
        "…"
    } else {
        " "
    }
}

fn head<'a>(s: &State, ui: &Ui) -> Line<'a> {
    let lang = s.lang;
    let c = &s.consultations;
    let names = TABS
        .iter()
        .map(|name| t(lang, &format!("consult.tab_{name}")).to_owned());
    let mut top = tabs(ui, names, c.tab);
    let count = if c.pending {
        format!("  {}", t(lang, "status.loading"))
    } else {
        format!(
            "  ({})  {} {}",
            c.items.len(),
            t(lang, "consult.to_call"),
            c.to_call
        )
    };
    top.push(Span::styled(count, ui.theme.style("info")));
    Line::from(top)
}

fn columns(lang: Lang, wide: bool) -> [Column<'static>; 6] {
    [
        Column::fixed(" ", 1),
        Column::fixed(t(lang, "consult.number"), 21),
        Column::flex(t(lang, "consult.question"), 10),
        Column::fixed(t(lang, "consult.callback"), if wide { 12 } else { 11 }),
        Column::fixed(t(lang, "col.when"), if wide { 10 } else { 7 }),
        Column::fixed(t(lang, "consult.attempts"), 5).right(),
    ]
}

fn row(s: &State, r: &ConsultationRow) -> Vec<String> {
    vec![
        mark(s, r).to_owned(),
        r.number.clone(),
        // One line per entry: a question typed over several lines reads as one.
        r.question.split_whitespace().collect::<Vec<_>>().join(" "),
        r.callback.clone(),
        ago(s.lang, s.now_ms.saturating_sub(r.created_at_ms)),
        r.attempts.to_string(),
    ]
}

/// The entry's details: the whole question, the answer, the last callback result.
fn details<'a>(s: &State, ui: &Ui, r: &ConsultationRow) -> Vec<Line<'a>> {
    let lang = s.lang;
    let value = ui.theme.style("value");
    let mut lines = vec![
        field(ui, t(lang, "consult.number"), r.number.clone(), value),
        field(ui, t(lang, "consult.question"), r.question.clone(), value),
    ];
    if let Some(a) = &r.answer {
        lines.push(field(ui, t(lang, "consult.answer"), a.clone(), value));
    }
    if let Some(res) = &r.last_result {
        lines.push(field(
            ui,
            t(lang, "consult.last_result"),
            t(lang, &format!("consult.result_{res}")).to_owned(),
            value,
        ));
    }
    lines
}

/// The suggestions and the preview of the highlighted item, or the answer being typed.
fn answering<'a>(s: &State, ui: &Ui, a: &Answering) -> Vec<Line<'a>> {
    let lang = s.lang;
    if let Some(text) = &a.text {
        return vec![
            Line::from(Span::styled(
                t(lang, "consult.write_prompt").to_owned(),
                ui.theme.style("label"),
            )),
            Line::from(Span::styled(
                format!("{text}{CARET}"),
                ui.theme.style("input_focus"),
            )),
        ];
    }
    if a.suggestions.is_empty() {
        return vec![Line::from(Span::styled(
            t(lang, "consult.no_suggestions").to_owned(),
            ui.theme.style("muted"),
        ))];
    }
    let mut lines: Vec<Line<'a>> = a
        .suggestions
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let style = ui
                .theme
                .style(if i == a.sel { "selected" } else { "value" });
            Line::from(Span::styled(
                format!("{:>3}% {}", (k.score * 100.0).round() as i64, k.title),
                style,
            ))
        })
        .collect();
    lines.push(Line::raw(""));
    match &a.preview {
        Some(item) => {
            lines.push(Line::from(Span::styled(
                item.title.clone(),
                ui.theme.style("title"),
            )));
            let answer = if item.reference_answer.is_empty() {
                &item.body
            } else {
                &item.reference_answer
            };
            lines.push(field(
                ui,
                t(lang, "consult.reference"),
                answer.clone(),
                ui.theme.style("value"),
            ));
        }
        None => lines.push(Line::from(Span::styled(
            t(lang, "status.loading").to_owned(),
            ui.theme.style("muted"),
        ))),
    }
    lines
}

pub fn render(s: &State, ui: &Ui, f: &mut Frame, area: Rect) {
    let lang = s.lang;
    let c = &s.consultations;
    let wide = is_wide(area);
    let cols = columns(lang, wide);
    let rows: Vec<Vec<String>> = c.items.iter().map(|r| row(s, r)).collect();
    let empty = if c.loaded {
        "consult.empty"
    } else {
        "status.loading"
    };
    let (preview_title, preview) = match &c.answering {
        Some(a) if a.text.is_some() => (t(lang, "consult.answer"), answering(s, ui, a)),
        Some(a) => (t(lang, "consult.suggestions"), answering(s, ui, a)),
        None => (
            t(lang, "consult.details"),
            c.selected().map(|r| details(s, ui, r)).unwrap_or_default(),
        ),
    };
    // Under the list, the suggestions need more room than the details.
    let side_rows = if c.answering.is_some() { 10 } else { 5 };
    ListPreview {
        title: t(lang, "consult.title"),
        head: head(s, ui),
        wide: [Constraint::Percentage(58), Constraint::Min(30)],
        narrow: [Constraint::Min(3), Constraint::Length(side_rows)],
        cols: &cols,
        rows: &rows,
        sel: c.sel,
        empty: t(lang, empty),
        preview_title,
        preview_focus: c.answering.is_some(),
        preview,
    }
    .render(ui, f, area);
}

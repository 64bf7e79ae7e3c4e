//! Knowledge-base, ticket and caller search (H1, F2, E3): a query line, results and a preview.

use hotline_tui::t;
use hotline_tui::widgets::Column;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};

use crate::app::Panel;
use crate::app::state::State;
use crate::app::text::Caret;
use crate::view::Ui;
use crate::view::list_preview::ListPreview;
use crate::view::util::{CARET, ago, field};

struct Listing<'a> {
    title: &'static str,
    query: &'a str,
    caret: Caret,
    pending: bool,
    searched: bool,
    cols: Vec<Column<'static>>,
    rows: Vec<Vec<String>>,
    sel: usize,
    preview: Vec<Line<'static>>,
}

fn listing<'a>(s: &'a State, ui: &Ui) -> Listing<'a> {
    let lang = s.lang;
    let tr = |k: &'static str| -> &'static str { hotline_tui::i18n::t_static(lang, k) };
    let td = |k: String| -> String { t(lang, &k).to_owned() };
    match s.panel {
        Panel::Knowledge => {
            let k = &s.knowledge;
            let preview = k.selected().map_or_else(Vec::new, |item| {
                vec![
                    Line::from(Span::styled(item.title.clone(), ui.theme.style("title"))),
                    field(
                        ui,
                        tr("kb.kind"),
                        td(format!("kb_kind.{}", item.kind)),
                        ui.theme.style("value"),
                    ),
                    Line::raw(""),
                    Line::raw(item.body.clone()),
                    Line::raw(""),
                    Line::from(Span::styled(tr("kb.answer"), ui.theme.style("label"))),
                    Line::from(Span::styled(
                        item.reference_answer.clone(),
                        ui.theme.style("info"),
                    )),
                ]
            });
            Listing {
                title: "kb.title",
                query: &k.query,
                caret: k.caret,
                pending: k.pending,
                searched: k.searched,
                cols: vec![
                    Column::fixed(tr("kb.kind"), 10),
                    Column::flex(tr("kb.item_title"), 10),
                ],
                rows: k
                    .results
                    .iter()
                    .map(|i| vec![td(format!("kb_kind.{}", i.kind)), i.title.clone()])
                    .collect(),
                sel: k.sel,
                preview,
            }
        }
        Panel::Tickets => {
            let k = &s.tickets;
            let preview = k.selected().map_or_else(Vec::new, |tk| {
                let mut lines = vec![
                    Line::from(Span::styled(tk.subject.clone(), ui.theme.style("title"))),
                    field(
                        ui,
                        tr("col.number"),
                        tk.number.clone(),
                        ui.theme.style("value"),
                    ),
                    field(
                        ui,
                        tr("form.type"),
                        td(format!("ticket_type.{}", tk.kind)),
                        ui.theme.style("value"),
                    ),
                    field(
                        ui,
                        tr("col.status"),
                        td(format!("ticket_status.{}", tk.status)),
                        ui.theme.style("value"),
                    ),
                    field(
                        ui,
                        tr("col.caller"),
                        tk.caller_number.clone().unwrap_or_default(),
                        ui.theme.style("value"),
                    ),
                    field(
                        ui,
                        tr("col.when"),
                        ago(lang, s.now_ms.saturating_sub(tk.created_at_ms)),
                        ui.theme.style("value"),
                    ),
                    Line::raw(""),
                    Line::raw(tk.description.clone()),
                ];
                if let Some(links) = s.ticket_links.get(&tk.id).filter(|l| !l.is_empty()) {
                    lines.push(Line::raw(""));
                    lines.push(Line::from(Span::styled(
                        tr("tickets.links"),
                        ui.theme.style("label"),
                    )));
                    for l in links {
                        lines.push(Line::raw(format!(
                            "  {} {} {}",
                            l.number,
                            td(format!("ticket_status.{}", l.status)),
                            l.subject
                        )));
                    }
                }
                lines
            });
            Listing {
                title: "tickets.title",
                query: &k.query,
                caret: k.caret,
                pending: k.pending,
                searched: k.searched,
                cols: vec![
                    Column::fixed(tr("col.number"), 21),
                    Column::fixed(tr("col.status"), 8),
                    Column::flex(tr("col.subject"), 10),
                ],
                rows: k
                    .results
                    .iter()
                    .map(|tk| {
                        vec![
                            tk.number.clone(),
                            td(format!("ticket_status.{}", tk.status)),
                            tk.subject.clone(),
                        ]
                    })
                    .collect(),
                sel: k.sel,
                preview,
            }
        }
        _ => {
            let k = &s.callers;
            let preview = k.selected().map_or_else(Vec::new, |c| {
                vec![
                    Line::from(Span::styled(c.name.clone(), ui.theme.style("title"))),
                    field(
                        ui,
                        tr("col.phone"),
                        c.numbers.join(", "),
                        ui.theme.style("value"),
                    ),
                    field(
                        ui,
                        tr("form.address"),
                        c.address.clone(),
                        ui.theme.style("value"),
                    ),
                    field(
                        ui,
                        tr("callers.company"),
                        c.company.clone(),
                        ui.theme.style("value"),
                    ),
                    field(
                        ui,
                        tr("callers.category"),
                        td(format!("caller_cat.{}", c.category)),
                        ui.theme.style("value"),
                    ),
                ]
            });
            Listing {
                title: "callers.title",
                query: &k.query,
                caret: k.caret,
                pending: k.pending,
                searched: k.searched,
                cols: vec![
                    Column::fixed(tr("col.name"), 10),
                    Column::fixed(tr("col.phone"), 13),
                    Column::flex(tr("form.address"), 10),
                ],
                rows: k
                    .results
                    .iter()
                    .map(|c| {
                        vec![
                            c.name.clone(),
                            c.numbers.first().cloned().unwrap_or_default(),
                            c.address.clone(),
                        ]
                    })
                    .collect(),
                sel: k.sel,
                preview,
            }
        }
    }
}

/// The query line: what is typed, then the search under way or the number of results.
fn head<'a>(s: &State, ui: &Ui, l: &Listing) -> Line<'a> {
    let lang = s.lang;
    let mut q = vec![
        Span::styled(
            format!("{} ", t(lang, "search.query")),
            ui.theme.style("label"),
        ),
        Span::styled(l.caret.show(l.query, CARET), ui.theme.style("input_focus")),
    ];
    if l.pending {
        q.push(Span::styled(
            format!("  {}", t(lang, "status.loading")),
            ui.theme.style("info"),
        ));
    } else {
        q.push(Span::styled(
            format!("  ({} {})", l.rows.len(), t(lang, "search.results")),
            ui.theme.style("muted"),
        ));
    }
    Line::from(q)
}

pub fn render(s: &State, ui: &Ui, f: &mut Frame, area: Rect) {
    let lang = s.lang;
    let l = listing(s, ui);
    let empty = if l.searched && !l.pending {
        "search.none"
    } else {
        "search.hint"
    };
    let head = head(s, ui, &l);
    ListPreview {
        title: t(lang, l.title),
        head,
        wide: [Constraint::Percentage(50), Constraint::Min(20)],
        narrow: [Constraint::Percentage(50), Constraint::Min(3)],
        cols: &l.cols,
        rows: &l.rows,
        sel: l.sel,
        empty: t(lang, empty),
        preview_title: t(lang, "search.preview"),
        preview_focus: false,
        preview: l.preview,
    }
    .render(ui, f, area);
}

//! Drawing an [`App`] into a ratatui frame: a tab bar, the screen, a status line.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState, Tabs};
use ratatui::Frame;

use crate::app::{App, Tab};

/// Draws `app` on the whole frame.
///
/// # Examples
///
/// ```
/// use ratatui::{backend::TestBackend, Terminal};
/// let mut terminal = Terminal::new(TestBackend::new(60, 10)).unwrap();
/// let app = otp_observer::App::new();
/// terminal.draw(|f| otp_observer::draw(f, &app)).unwrap();
/// let text = otp_observer::buffer_text(terminal.backend().buffer());
/// assert!(text.contains("1 Node"));
/// ```
pub fn draw(frame: &mut Frame, app: &App) {
    let [top, main, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    let titles: Vec<String> = Tab::ALL
        .iter()
        .enumerate()
        .map(|(i, t)| format!("{} {}", i + 1, t.title()))
        .collect();
    let selected = Tab::ALL.iter().position(|t| *t == app.tab).unwrap_or(0);
    let node = app
        .snapshot
        .as_ref()
        .map_or("", |s| s.node.name.as_str())
        .to_owned();
    let [tabs, name] = Layout::horizontal([
        Constraint::Min(10),
        Constraint::Length(node.len() as u16 + 1),
    ])
    .areas(top);
    frame.render_widget(
        Tabs::new(titles)
            .select(selected)
            .highlight_style(Style::new().add_modifier(Modifier::REVERSED)),
        tabs,
    );
    frame.render_widget(Paragraph::new(node), name);
    match app.tab {
        Tab::Node => node_screen(frame, app, main),
        Tab::Tree => tree_screen(frame, app, main),
        Tab::Processes => process_screen(frame, app, main),
        Tab::Detail => detail_screen(frame, app, main),
    }
    let status = if let Some(p) = &app.pending {
        Line::from(Span::styled(
            p.question.clone(),
            Style::new().add_modifier(Modifier::BOLD),
        ))
    } else if app.editing {
        Line::from(format!("filter: {}_", app.filter))
    } else if !app.message.is_empty() {
        Line::from(app.message.clone())
    } else {
        Line::from(help(app.tab))
    };
    frame.render_widget(Paragraph::new(status), bottom);
}

fn help(tab: Tab) -> &'static str {
    match tab {
        Tab::Node => "1-4/Tab screens  q quit",
        Tab::Tree => "↑↓ select  Enter detail  r restart child  K kill  q quit",
        Tab::Processes => "↑↓ select  Enter detail  s sort  / filter  K kill  r restart  q quit",
        Tab::Detail => "Esc back  K kill  r restart  q quit",
    }
}

/// `1h02m03s`.
fn duration(ms: u64) -> String {
    let s = ms / 1000;
    match (s / 3600, s / 60 % 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, s) => format!("{m}m{s:02}s"),
        (h, m, s) => format!("{h}h{m:02}m{s:02}s"),
    }
}

fn node_screen(frame: &mut Frame, app: &App, area: Rect) {
    let Some(s) = &app.snapshot else {
        frame.render_widget(Paragraph::new("waiting for the first snapshot..."), area);
        return;
    };
    let n = &s.node;
    let [info, top] = Layout::vertical([Constraint::Length(10), Constraint::Min(3)]).areas(area);
    fn restarts(t: &crate::model::Tree) -> u64 {
        t.restarts
            + t.children
                .iter()
                .filter_map(|c| c.tree.as_deref())
                .map(restarts)
                .sum::<u64>()
    }
    let restarts: u64 = s.trees.iter().map(restarts).sum();
    let lines = vec![
        Line::from(format!("node          {}", n.name)),
        Line::from(format!("uptime        {}", duration(n.uptime_ms))),
        Line::from(format!("processes     {}", n.process_count)),
        Line::from(format!("names         {}", n.names)),
        Line::from(format!("timers        {}", n.timer_count)),
        Line::from(format!("queued        {} messages", n.queued)),
        Line::from(format!("message rate  {:.0}/s", app.rates.node)),
        Line::from(format!(
            "supervision   {} trees, {} restarts by their supervisors",
            s.trees.len(),
            restarts
        )),
    ];
    frame.render_widget(
        Paragraph::new(lines).block(Block::new().borders(Borders::ALL).title("Node")),
        info,
    );
    let mut busiest: Vec<_> = s.processes.iter().filter(|p| p.queue.is_some()).collect();
    busiest.sort_by_key(|p| std::cmp::Reverse(p.queue));
    busiest.truncate(top.height.saturating_sub(3) as usize);
    let rows = busiest.iter().map(|p| {
        Row::new(vec![
            Cell::from(p.pid_text.clone()),
            Cell::from(p.label().to_owned()),
            Cell::from(p.queue.unwrap_or(0).to_string()),
        ])
    });
    frame.render_widget(
        Table::new(
            rows,
            [
                Constraint::Length(12),
                Constraint::Min(16),
                Constraint::Length(8),
            ],
        )
        .header(Row::new(["PID", "NAME", "MAILBOX"]).style(bold()))
        .block(
            Block::new()
                .borders(Borders::ALL)
                .title("Longest mailboxes"),
        ),
        top,
    );
}

fn bold() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

/// The drawing before each line of a tree given in depth-first order by depth: `├─ ` for a
/// child with a later sibling, `└─ ` for the last, and `│  ` under an ancestor that has one.
fn tree_prefixes(depths: &[usize]) -> Vec<String> {
    // Whether the line at `i` has a later sibling: a line at its depth before any shallower.
    let has_next = |i: usize| {
        depths[i + 1..]
            .iter()
            .take_while(|&&d| d >= depths[i])
            .any(|&d| d == depths[i])
    };
    // The ancestor at each depth of the current line, by index.
    let mut ancestors: Vec<usize> = Vec::new();
    depths
        .iter()
        .enumerate()
        .map(|(i, &depth)| {
            ancestors.truncate(depth);
            let mut prefix = String::new();
            for &a in ancestors.iter().skip(1) {
                prefix.push_str(if has_next(a) { "│  " } else { "   " });
            }
            if depth > 0 {
                prefix.push_str(if has_next(i) { "├─ " } else { "└─ " });
            }
            ancestors.push(i);
            prefix
        })
        .collect()
}

fn tree_screen(frame: &mut Frame, app: &App, area: Rect) {
    let lines = app.tree_lines();
    let depths: Vec<usize> = lines.iter().map(|l| l.depth).collect();
    let rows = lines
        .iter()
        .zip(tree_prefixes(&depths))
        .map(|(l, indent)| Row::new(vec![Cell::from(format!("{indent}{}", l.text))]));
    let mut state = TableState::default().with_selected(Some(app.selected));
    let title = if lines.is_empty() {
        "Supervision trees (none)"
    } else {
        "Supervision trees"
    };
    frame.render_stateful_widget(
        Table::new(rows, [Constraint::Min(10)])
            .block(Block::new().borders(Borders::ALL).title(title))
            .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED)),
        area,
        &mut state,
    );
}

fn process_screen(frame: &mut Frame, app: &App, area: Rect) {
    let rows: Vec<Row> = app
        .process_rows()
        .into_iter()
        .map(|p| {
            let opt = |v: Option<u64>| v.map_or("-".to_owned(), |v| v.to_string());
            let rate = app
                .rates
                .by_pid
                .get(&p.pid)
                .map_or("-".to_owned(), |r| format!("{r:.0}"));
            Row::new(vec![
                p.pid_text.clone(),
                p.name.clone().unwrap_or_default(),
                p.behaviour.clone(),
                p.status.clone(),
                opt(p.queue),
                rate,
                p.restarts.to_string(),
            ])
        })
        .collect();
    let mut title = format!("Processes, by {}", app.sort.as_str());
    if !app.filter.is_empty() {
        title.push_str(&format!(", filter \"{}\"", app.filter));
    }
    let mut state = TableState::default().with_selected(Some(app.selected));
    frame.render_stateful_widget(
        Table::new(
            rows,
            [
                Constraint::Length(12),
                Constraint::Min(14),
                Constraint::Length(11),
                Constraint::Length(9),
                Constraint::Length(8),
                Constraint::Length(8),
                Constraint::Length(8),
            ],
        )
        .header(
            Row::new([
                "PID",
                "NAME",
                "BEHAVIOUR",
                "STATUS",
                "MAILBOX",
                "RATE/S",
                "RESTARTS",
            ])
            .style(bold()),
        )
        .block(Block::new().borders(Borders::ALL).title(title))
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED)),
        area,
        &mut state,
    );
}

fn detail_screen(frame: &mut Frame, app: &App, area: Rect) {
    let block = Block::new().borders(Borders::ALL).title("Process");
    let row = app
        .detail
        .and_then(|pid| app.snapshot.as_ref()?.process(pid));
    let Some(p) = row else {
        frame.render_widget(
            Paragraph::new("the process is no longer alive (Esc: back)").block(block),
            area,
        );
        return;
    };
    let mut lines = vec![
        Line::from(format!("pid           {}", p.pid_text)),
        Line::from(format!(
            "name          {}",
            p.name.as_deref().unwrap_or("-")
        )),
        Line::from(format!("behaviour     {} ({})", p.behaviour, p.status)),
        Line::from(format!(
            "parent        {}",
            p.parent.as_deref().unwrap_or("-")
        )),
        Line::from(format!("links         {}", p.links.join(" "))),
        Line::from(format!(
            "monitors      {} held, watched by {}{}",
            p.monitors,
            p.monitored_by,
            if p.trap_exit { "; traps exits" } else { "" }
        )),
        Line::from(format!(
            "mailbox       {}  handled {}",
            p.queue.map_or("-".to_owned(), |v| v.to_string()),
            p.handled.map_or("-".to_owned(), |v| v.to_string())
        )),
        Line::from(format!(
            "restarts      {}  last exit: {}",
            p.restarts,
            p.last_exit.as_deref().unwrap_or("-")
        )),
    ];
    match &app.inspect {
        None => lines.push(Line::from("state         ...")),
        Some(i) => {
            match &i.state {
                Ok(s) => lines.push(Line::from(format!("state         {s}"))),
                Err(e) => lines.push(Line::from(format!("state         ({e})"))),
            }
            lines.push(Line::from(format!(
                "last events   {} (newest last; the log is on while you look)",
                i.events.len()
            )));
            let room = (area.height as usize).saturating_sub(lines.len() + 2);
            let skip = i.events.len().saturating_sub(room);
            for e in &i.events[skip..] {
                lines.push(Line::from(format!("  {:>8} ms ago  {}", e.ago_ms, e.event)));
            }
        }
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// A test backend's buffer as text, one line per row, trailing spaces trimmed: what the
/// book's captures and the tests compare.
///
/// # Examples
///
/// See [`draw`].
pub fn buffer_text(buffer: &ratatui::buffer::Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in 0..area.height {
        let mut line = String::new();
        for x in 0..area.width {
            line.push_str(buffer[(area.x + x, area.y + y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::tree_prefixes;

    #[test]
    fn tree_prefixes_draw_siblings_and_ancestors() {
        // root, child a (with a, a2 under it), child b; then a second root with one child.
        let got = tree_prefixes(&[0, 1, 2, 2, 1, 0, 1]);
        assert_eq!(
            got,
            ["", "├─ ", "│  ├─ ", "│  └─ ", "└─ ", "", "└─ "].map(String::from)
        );
    }
}

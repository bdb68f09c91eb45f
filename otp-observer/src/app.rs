//! The observer's state between two frames, and what each key does to it: no terminal
//! here, so tests drive it with key events and read what it would draw.

use otp_runtime::Pid;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::model::{Inspect, ProcessRow, Rates, Snapshot};
use crate::source::{Request, Response, Source};

/// The screens.
///
/// # Examples
///
/// ```
/// assert_eq!(otp_observer::Tab::Tree.title(), "Tree");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Tab {
    /// The node as a whole, and its busiest processes.
    Node,
    /// The supervision trees.
    Tree,
    /// The process table.
    Processes,
    /// One process.
    Detail,
}

impl Tab {
    /// All of them, in the order of their keys `1` to `4`.
    pub const ALL: [Tab; 4] = [Tab::Node, Tab::Tree, Tab::Processes, Tab::Detail];

    /// Its title.
    ///
    /// # Examples
    ///
    /// See [`Tab`].
    pub fn title(self) -> &'static str {
        match self {
            Tab::Node => "Node",
            Tab::Tree => "Tree",
            Tab::Processes => "Processes",
            Tab::Detail => "Detail",
        }
    }
}

/// What the process table is sorted by, highest first (`s` cycles through them).
///
/// # Examples
///
/// ```
/// use otp_observer::SortBy;
/// assert_eq!(SortBy::Mailbox.next(), SortBy::Rate);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SortBy {
    /// Mailbox length.
    Mailbox,
    /// Messages handled per second.
    Rate,
    /// Restarts by its supervisor.
    Restarts,
    /// Start order (pid).
    Pid,
}

impl SortBy {
    /// The next one of the cycle.
    ///
    /// # Examples
    ///
    /// See [`SortBy`].
    pub fn next(self) -> SortBy {
        match self {
            SortBy::Mailbox => SortBy::Rate,
            SortBy::Rate => SortBy::Restarts,
            SortBy::Restarts => SortBy::Pid,
            SortBy::Pid => SortBy::Mailbox,
        }
    }

    /// Its name, as the table's title shows it.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(otp_observer::SortBy::Rate.as_str(), "rate");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            SortBy::Mailbox => "mailbox",
            SortBy::Rate => "rate",
            SortBy::Restarts => "restarts",
            SortBy::Pid => "pid",
        }
    }
}

/// An action that waits for its confirmation (`y`).
///
/// # Examples
///
/// See [`App`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Pending {
    /// What `y` sends.
    pub request: Request,
    /// The question asked.
    pub question: String,
}

/// One line of the tree screen.
///
/// # Examples
///
/// See [`App::tree_lines`].
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub struct TreeLine {
    /// How deep it is (0 for a root supervisor).
    pub depth: usize,
    /// What it shows.
    pub text: String,
    /// The process it stands for, if running.
    pub pid: Option<Pid>,
    /// For a child: its supervisor and id (what a restart needs).
    pub child_of: Option<(Pid, String)>,
}

/// The observer's state: the last snapshot, the screen, the selection, the filter, the
/// question waiting for `y`/`n`.
///
/// # Examples
///
/// Driven without a terminal:
///
/// ```
/// use otp_observer::{App, LocalSource, Tab};
/// use ratatui::crossterm::event::{KeyCode, KeyEvent};
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let node = otp_runtime::node::Node::new();
/// let p = node.spawn(|mut ctx: otp_runtime::ProcessCtx<()>| async move {
///     ctx.recv().await;
///     otp_runtime::ExitReason::Normal
/// });
/// let source = LocalSource::new(&node);
/// let mut app = App::new();
/// app.refresh(&source).await;
/// app.key(KeyEvent::from(KeyCode::Char('3')), &source).await;
/// assert_eq!(app.tab, Tab::Processes);
/// app.key(KeyEvent::from(KeyCode::Char('K')), &source).await; // asks first
/// assert!(app.pending.is_some());
/// app.key(KeyEvent::from(KeyCode::Char('y')), &source).await;
/// assert_eq!(p.wait_exit().await, otp_runtime::ExitReason::Killed);
/// # }
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct App {
    /// The screen shown.
    pub tab: Tab,
    /// The screen to go back to from the detail.
    pub back: Tab,
    /// The process table's order.
    pub sort: SortBy,
    /// Only processes whose name or pid contains it.
    pub filter: String,
    /// Whether keys go to the filter (after `/`, until Enter or Esc).
    pub editing: bool,
    /// The selected line of the tree or the table.
    pub selected: usize,
    /// The process of the detail screen.
    pub detail: Option<Pid>,
    /// What the last inspection of it found.
    pub inspect: Option<Inspect>,
    /// The question waiting for `y`.
    pub pending: Option<Pending>,
    /// The last action's outcome, or an error.
    pub message: String,
    /// The last snapshot.
    pub snapshot: Option<Snapshot>,
    /// The rates since the snapshot before.
    pub rates: Rates,
    /// Set by `q`.
    pub quit: bool,
    previous: Option<Snapshot>,
}

impl Default for App {
    fn default() -> Self {
        App::new()
    }
}

impl App {
    /// An observer on its node screen, with nothing seen yet.
    ///
    /// # Examples
    ///
    /// See [`App`].
    pub fn new() -> App {
        App {
            tab: Tab::Node,
            back: Tab::Processes,
            sort: SortBy::Mailbox,
            filter: String::new(),
            editing: false,
            selected: 0,
            detail: None,
            inspect: None,
            pending: None,
            message: String::new(),
            snapshot: None,
            rates: Rates::default(),
            quit: false,
            previous: None,
        }
    }

    /// Takes a new snapshot (and inspects the detail's process again), as the observer does
    /// every refresh.
    ///
    /// # Examples
    ///
    /// See [`App`].
    pub async fn refresh(&mut self, source: &dyn Source) {
        match source.request(Request::Snapshot).await {
            Ok(Response::Snapshot(s)) => self.update(s),
            Ok(other) => self.message = format!("unexpected answer: {other:?}"),
            Err(e) => self.message = format!("no snapshot: {e}"),
        }
        if let Some(pid) = self.detail {
            self.send(source, Request::Inspect(pid)).await;
        }
    }

    /// Takes in a new snapshot: the rates are its difference from the one before.
    ///
    /// # Examples
    ///
    /// See [`App::process_rows`].
    pub fn update(&mut self, snapshot: Snapshot) {
        if let Some(before) = self.snapshot.take() {
            self.rates = Rates::between(&before, &snapshot);
            self.previous = Some(before);
        }
        self.snapshot = Some(snapshot);
        self.clamp();
    }

    /// Handles a key, sending what it asks for to `source` and taking in the answer.
    ///
    /// # Examples
    ///
    /// See [`App`].
    pub async fn key(&mut self, key: KeyEvent, source: &dyn Source) {
        for request in self.on_key(key) {
            self.send(source, request).await;
        }
    }

    async fn send(&mut self, source: &dyn Source, request: Request) {
        let acts = matches!(request, Request::Kill(_) | Request::Restart { .. });
        match source.request(request).await {
            Ok(r) => self.on_response(r),
            Err(e) => self.message = e.to_string(),
        }
        if acts {
            // What the action did shows at once, not a refresh later.
            if let Ok(Response::Snapshot(s)) = source.request(Request::Snapshot).await {
                self.update(s);
            }
        }
    }

    /// What a key does to the state, and the requests it makes (what [`App::key`] sends).
    ///
    /// Keys: `1`–`4` or Tab the screens, ↑/↓ (or `k`/`j`) the selection, Enter a process's
    /// detail, Esc back, `s` the sort, `/` the filter, `K` kill, `r` restart a child (both
    /// ask `y`/`n` first), `q` quit.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_observer::{App, SortBy};
    /// use ratatui::crossterm::event::{KeyCode, KeyEvent};
    /// let mut app = App::new();
    /// assert!(app.on_key(KeyEvent::from(KeyCode::Char('s'))).is_empty());
    /// assert_eq!(app.sort, SortBy::Rate);
    /// ```
    pub fn on_key(&mut self, key: KeyEvent) -> Vec<Request> {
        if let Some(p) = self.pending.take() {
            if key.code == KeyCode::Char('y') {
                self.message.clear();
                return vec![p.request];
            }
            self.message = "cancelled".into();
            return Vec::new();
        }
        if self.editing {
            match key.code {
                KeyCode::Enter | KeyCode::Esc => self.editing = false,
                KeyCode::Backspace => {
                    self.filter.pop();
                }
                KeyCode::Char(c) => self.filter.push(c),
                _ => {}
            }
            self.selected = 0;
            return Vec::new();
        }
        let mut out = Vec::new();
        match key.code {
            KeyCode::Char('q') => self.quit = true,
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => self.quit = true,
            KeyCode::Char(c @ '1'..='4') => {
                let tab = Tab::ALL[c as usize - '1' as usize];
                if tab != Tab::Detail || self.detail.is_some() {
                    out.extend(self.leave_detail(tab));
                    self.tab = tab;
                    self.selected = 0;
                }
            }
            KeyCode::Tab => {
                let tab = match self.tab {
                    Tab::Node => Tab::Tree,
                    Tab::Tree => Tab::Processes,
                    Tab::Processes | Tab::Detail => Tab::Node,
                };
                out.extend(self.leave_detail(tab));
                self.tab = tab;
                self.selected = 0;
            }
            KeyCode::Down | KeyCode::Char('j') => {
                self.selected += 1;
                self.clamp();
            }
            KeyCode::Up | KeyCode::Char('k') => self.selected = self.selected.saturating_sub(1),
            KeyCode::Char('s') => self.sort = self.sort.next(),
            KeyCode::Char('/') if self.tab == Tab::Processes => self.editing = true,
            KeyCode::Esc | KeyCode::Backspace if self.tab == Tab::Detail => {
                let back = self.back;
                out.extend(self.leave_detail(back));
                self.tab = back;
            }
            KeyCode::Esc => self.filter.clear(),
            KeyCode::Enter => {
                if let Some(pid) = self.selected_pid() {
                    out.extend(self.leave_detail(Tab::Detail));
                    self.back = self.tab;
                    self.tab = Tab::Detail;
                    self.detail = Some(pid);
                    self.inspect = None;
                    out.push(Request::Inspect(pid));
                }
            }
            KeyCode::Char('K') => {
                if let Some(pid) = self.selected_pid() {
                    self.pending = Some(Pending {
                        question: format!("kill {}? (y/n)", self.label(pid)),
                        request: Request::Kill(pid),
                    });
                }
            }
            KeyCode::Char('r') => match self.selected_child() {
                Some((supervisor, id, child)) => {
                    self.pending = Some(Pending {
                        question: format!("restart child {id}? (y/n)"),
                        request: Request::Restart {
                            supervisor,
                            id,
                            child,
                        },
                    })
                }
                None => self.message = "not a supervised child".into(),
            },
            _ => {}
        }
        out
    }

    /// Takes in a node's answer.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut app = otp_observer::App::new();
    /// app.on_response(otp_observer::Response::Failed("no such child".into()));
    /// assert_eq!(app.message, "no such child");
    /// ```
    pub fn on_response(&mut self, response: Response) {
        match response {
            Response::Snapshot(s) => self.update(s),
            Response::Inspect(i) => self.inspect = Some(i),
            Response::Done(m) | Response::Failed(m) => {
                if !m.is_empty() {
                    self.message = m
                }
            }
        }
    }

    /// Leaving the detail for `to`: its process's log goes off.
    fn leave_detail(&mut self, to: Tab) -> Option<Request> {
        if self.tab == Tab::Detail && to != Tab::Detail {
            self.inspect = None;
            return self.detail.take().map(Request::Forget);
        }
        None
    }

    /// The process table: filtered by name, sorted.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_observer::{App, SortBy, Snapshot};
    /// use otp_runtime::prelude::*;
    ///
    /// pub struct Sink;
    /// #[gen_server]
    /// impl Sink {
    ///     #[cast]
    ///     pub fn put(&mut self, _k: u64) {}
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let node = Node::new();
    /// let (busy, idle) = node.scope(async {
    ///     let busy = Sink.start_named("busy").await.unwrap();
    ///     let idle = Sink.start_named("idle").await.unwrap();
    ///     otp_runtime::sys::suspend(&busy).await.unwrap();
    ///     for k in 0..3 {
    ///         busy.put(k);
    ///     }
    ///     (busy, idle)
    /// }).await;
    /// let mut app = App::new();
    /// app.update(Snapshot::take(&node).await);
    /// let names: Vec<&str> = app.process_rows().iter().map(|p| p.label()).collect();
    /// assert_eq!(names, ["busy", "idle"]); // the longest mailbox first
    /// app.sort = SortBy::Pid;
    /// assert_eq!(app.process_rows()[0].label(), "busy");
    /// app.filter = "id".into();
    /// assert_eq!(app.process_rows().len(), 1);
    /// # node.scope(otp_runtime::sys::resume(&busy)).await.unwrap();
    /// # let _ = idle;
    /// # }
    /// ```
    pub fn process_rows(&self) -> Vec<&ProcessRow> {
        let Some(s) = &self.snapshot else {
            return Vec::new();
        };
        let mut rows: Vec<&ProcessRow> = s
            .processes
            .iter()
            .filter(|p| {
                self.filter.is_empty()
                    || p.label().contains(&self.filter)
                    || p.pid_text.contains(&self.filter)
            })
            .collect();
        let rate = |p: &ProcessRow| self.rates.by_pid.get(&p.pid).copied().unwrap_or(0.0);
        match self.sort {
            SortBy::Mailbox => rows.sort_by_key(|p| std::cmp::Reverse(p.queue)),
            SortBy::Rate => rows.sort_by(|a, b| rate(b).total_cmp(&rate(a))),
            SortBy::Restarts => rows.sort_by_key(|p| std::cmp::Reverse(p.restarts)),
            SortBy::Pid => {}
        }
        rows
    }

    /// The tree screen's lines: each supervisor, then its children, indented.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_observer::{App, Snapshot};
    /// use otp_runtime::prelude::*;
    ///
    /// pub struct W;
    /// #[gen_server]
    /// impl W {
    ///     #[call]
    ///     pub fn ping(&self) {}
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let node = Node::new();
    /// node.scope(SupervisorSpec::one_for_one().name("top").child(ChildSpec::worker("w", || W)).start())
    ///     .await
    ///     .unwrap();
    /// let mut app = App::new();
    /// app.update(Snapshot::take(&node).await);
    /// let lines = app.tree_lines();
    /// assert!(lines[0].text.starts_with("top"));
    /// assert!(lines[1].text.contains("w  running"));
    /// # }
    /// ```
    pub fn tree_lines(&self) -> Vec<TreeLine> {
        let mut out = Vec::new();
        if let Some(s) = &self.snapshot {
            for t in &s.trees {
                tree_lines(t, 0, &mut out);
            }
        }
        out
    }

    /// The process the selection is on (tree or table).
    ///
    /// # Examples
    ///
    /// See [`App`].
    pub fn selected_pid(&self) -> Option<Pid> {
        match self.tab {
            Tab::Tree => self.tree_lines().get(self.selected)?.pid,
            Tab::Processes => Some(self.process_rows().get(self.selected)?.pid),
            Tab::Detail => self.detail,
            Tab::Node => None,
        }
    }

    /// The supervised child the selection is on: its supervisor, id and pid.
    fn selected_child(&self) -> Option<(Pid, String, Option<Pid>)> {
        match self.tab {
            Tab::Tree => {
                let line = self.tree_lines().into_iter().nth(self.selected)?;
                let (sup, id) = line.child_of?;
                Some((sup, id, line.pid))
            }
            _ => {
                let pid = self.selected_pid()?;
                let row = self.snapshot.as_ref()?.process(pid)?;
                let (sup, id) = row.child_of.clone()?;
                Some((sup, id, Some(pid)))
            }
        }
    }

    fn label(&self, pid: Pid) -> String {
        self.snapshot
            .as_ref()
            .and_then(|s| s.process(pid))
            .map_or_else(|| pid.to_string(), |p| p.label().to_owned())
    }

    fn clamp(&mut self) {
        let n = match self.tab {
            Tab::Tree => self.tree_lines().len(),
            Tab::Processes => self.process_rows().len(),
            _ => 0,
        };
        self.selected = self.selected.min(n.saturating_sub(1));
    }
}

fn tree_lines(t: &crate::model::Tree, depth: usize, out: &mut Vec<TreeLine>) {
    out.push(TreeLine {
        depth,
        text: format!(
            "{} {}  supervisor  restarts {}  intensity {}/{} per {}",
            t.name.as_deref().unwrap_or("(unnamed)"),
            t.pid_text,
            t.restarts,
            t.intensity_used,
            t.intensity,
            period(t.period_ms)
        ),
        pid: Some(t.pid),
        child_of: None,
    });
    for c in &t.children {
        match &c.tree {
            Some(sub) => {
                let start = out.len();
                tree_lines(sub, depth + 1, out);
                // The sub-supervisor's line is its child line too.
                out[start].text = format!(
                    "{}  {}  {}  restarts {}{}",
                    c.id,
                    c.status.as_str(),
                    sub.pid_text,
                    c.restarts,
                    intensity(sub)
                );
                out[start].child_of = Some((t.pid, c.id.clone()));
            }
            None => out.push(TreeLine {
                depth: depth + 1,
                text: format!(
                    "{}  {}  {}  restarts {}{}",
                    c.id,
                    c.status.as_str(),
                    c.pid_text.as_deref().unwrap_or("-"),
                    c.restarts,
                    c.last_exit
                        .as_ref()
                        .map_or_else(String::new, |r| format!("  last exit: {r}")),
                ),
                pid: c.pid,
                child_of: Some((t.pid, c.id.clone())),
            }),
        }
    }
}

fn intensity(t: &crate::model::Tree) -> String {
    format!(
        "  supervisor  intensity {}/{} per {}",
        t.intensity_used,
        t.intensity,
        period(t.period_ms)
    )
}

/// `5s`, `1500ms`.
fn period(ms: u64) -> String {
    if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

//! Capturing the reports of a node: the runtime reports through `tracing` (crash reports,
//! supervisor reports, progress reports); a test installs [`Reports`] and asserts on what
//! its node reported.
//!
//! How: the first capture makes a subscriber of this module the program's global `tracing`
//! subscriber. Each event goes to the captures of the node it is made on (the calling
//! process's node, or the node whose scope the code runs in; see
//! [`Node::current`](crate::node::Node::current)), kept on the node itself, and to the
//! captures of the whole program. The subscriber is global, not the test thread's, because
//! `tracing` decides once per call site, for the whole program, whether any subscriber
//! wants its events: a thread-local one can miss events once a test on another thread
//! reached a call site first, and a multi-thread runtime runs processes on other threads.

use std::fmt::{self, Write as _};
use std::sync::{Arc, Mutex, PoisonError, Weak};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

use super::{WaitError, POLL, WAIT};
use crate::node::Node;

/// One report: an event's level, message and fields, as the runtime made it.
///
/// Its `Display` is one line, `LEVEL message name=value ...`, which [`Reports::matching`]
/// searches.
///
/// # Examples
///
/// ```
/// use otp_runtime::testing::Reports;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let node = otp_runtime::node::Node::new();
/// let reports = Reports::capture_node(&node).unwrap();
/// node.scope(async {
///     tracing::error!(child = "kv", reason = %"panicked: boom", "child terminated");
/// })
/// .await;
/// let report = &reports.all()[0];
/// assert_eq!(report.level(), tracing::Level::ERROR);
/// assert_eq!(report.message(), "child terminated");
/// assert_eq!(report.field("child"), Some("kv"));
/// assert_eq!(report.field("reason"), Some("panicked: boom"));
/// assert_eq!(report.to_string(), "ERROR child terminated child=kv reason=panicked: boom");
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    level: Level,
    message: String,
    fields: Vec<(&'static str, String)>,
}

impl Report {
    /// The event's level: `ERROR` for crash and supervisor reports, `INFO` for progress
    /// reports (a child restarted, an application started), `DEBUG` for every child start.
    ///
    /// # Examples
    ///
    /// See [`Report`].
    pub fn level(&self) -> Level {
        self.level
    }

    /// The event's message: `child terminated`, `child restarted`, `reached max restart
    /// intensity`, `gen_server terminating`, ...
    ///
    /// # Examples
    ///
    /// See [`Report`].
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The value of the field `name`, as the runtime printed it (a pid as `<0.4.0>`, an
    /// exit reason as a report prints it), or `None` if the report has no such field.
    ///
    /// # Examples
    ///
    /// See [`Report`].
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(field, _)| *field == name)
            .map(|(_, value)| value.as_str())
    }

    /// The fields, in the order the event has them.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::testing::Reports;
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let node = otp_runtime::node::Node::new();
    /// let reports = Reports::capture_node(&node).unwrap();
    /// node.scope(async { tracing::info!(a = 1, b = "two", "hello") }).await;
    /// let report = &reports.all()[0];
    /// let names: Vec<_> = report.fields().map(|(name, _)| name).collect();
    /// assert_eq!(names, ["a", "b"]);
    /// # }
    /// ```
    pub fn fields(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields.iter().map(|(n, v)| (*n, v.as_str()))
    }

    /// Whether the report's line (its `Display`) contains every one of `needles`.
    ///
    /// # Examples
    ///
    /// See [`Reports::matching`].
    pub fn contains(&self, needles: &[&str]) -> bool {
        let line = self.to_string();
        needles.iter().all(|needle| line.contains(needle))
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.level, self.message)?;
        for (name, value) in &self.fields {
            write!(f, " {name}={value}")?;
        }
        Ok(())
    }
}

/// Reads an event into a [`Report`].
struct Reader(Report);

impl Visit for Reader {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0.message = value.to_owned();
        } else {
            self.0.fields.push((field.name(), value.to_owned()));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let mut text = String::new();
        let _ = write!(text, "{value:?}");
        if field.name() == "message" {
            self.0.message = text;
        } else {
            self.0.fields.push((field.name(), text));
        }
    }
}

/// What one capture has recorded.
#[derive(Default)]
struct Sink(Mutex<Vec<Report>>);

impl Sink {
    fn push(&self, report: Report) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(report);
    }
}

/// Captures of one place (a node, or the whole program): held weakly, so a capture ends
/// when its [`Reports`] is dropped.
#[derive(Default)]
pub(crate) struct Sinks(Mutex<Vec<Weak<Sink>>>);

impl Sinks {
    fn add(&self, sink: &Arc<Sink>) {
        let mut sinks = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        sinks.retain(|s| s.strong_count() > 0);
        sinks.push(Arc::downgrade(sink));
    }

    /// Hands `report` (made only if some capture is alive) to each live capture.
    fn send(&self, report: &mut Option<Report>, make: &dyn Fn() -> Report) {
        let sinks = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        for sink in sinks.iter().filter_map(Weak::upgrade) {
            sink.push(report.get_or_insert_with(make).clone());
        }
    }
}

/// The program's subscriber while tests capture: routes each event to its node's captures
/// and to the program's.
#[derive(Default)]
struct Capturer {
    program: Sinks,
}

impl Subscriber for Capturer {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.is_event()
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let make = || {
            let mut reader = Reader(Report {
                level: *event.metadata().level(),
                message: String::new(),
                fields: Vec::new(),
            });
            event.record(&mut reader);
            reader.0
        };
        let mut report = None;
        crate::node::with_existing(|node| node.0.reports.send(&mut report, &make));
        self.program.send(&mut report, &make);
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

/// Why a capture could not start.
///
/// # Examples
///
/// ```
/// use otp_runtime::testing::{CaptureError, Reports};
///
/// // A program whose subscriber is another one: nothing can be captured on this thread.
/// let _guard = tracing::subscriber::set_default(otp_runtime::report::Reporter::new());
/// assert_eq!(Reports::capture_all().unwrap_err(), CaptureError::OtherSubscriber);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CaptureError {
    /// The program (or this thread) has a `tracing` subscriber that is not this module's, so
    /// the runtime's reports go there. Captures need the test program's subscriber to be
    /// theirs: don't install one in tests that capture (keep them in a test file of their
    /// own if other tests need one).
    OtherSubscriber,
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CaptureError::OtherSubscriber => f.write_str(
                "the program has a tracing subscriber of its own: reports go there, not to a capture",
            ),
        }
    }
}

impl std::error::Error for CaptureError {}

/// The reports captured from a node (or the whole program) since the capture started: each
/// `tracing` event made there, crash and supervisor reports among them, with its level,
/// message and fields.
///
/// The capture ends when the value is dropped; clones share it. Events are told apart by
/// the node they are made on, so tests that run in parallel, each on a node of its own (as
/// [`#[otp_runtime::test]`](crate::test) gives them), capture only their own. Events made
/// outside any process and any node's scope (a plain `tokio::spawn`ed task) belong to the
/// program's default node.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// use otp_runtime::testing::Reports;
///
/// #[derive(Default)]
/// struct Fragile;
///
/// #[gen_server]
/// impl Fragile {
///     #[call]
///     fn crash(&mut self) {
///         panic!("asked to crash");
///     }
/// }
///
/// // In a test: `#[otp_runtime::test] async fn the_crash_report_names_the_reason() {`
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// # otp_runtime::node::Node::new().scope(async {
///     let reports = Reports::capture().unwrap();
///     let server = Fragile.start().await.unwrap();
///     assert!(server.crash().await.is_err());
///     let crash = reports.wait_for(&["ERROR", "gen_server terminating"]).await.unwrap();
///     assert_eq!(crash.field("reason"), Some("panicked: asked to crash"));
/// # }).await;
/// # }
/// ```
#[derive(Clone)]
pub struct Reports(Arc<Sink>);

impl fmt::Debug for Reports {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.all()).finish()
    }
}

impl fmt::Display for Reports {
    /// One report a line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for report in self.all() {
            writeln!(f, "{report}")?;
        }
        Ok(())
    }
}

/// Runs `f` with the program's capturing subscriber, installed now if the program has no
/// subscriber yet.
fn with_capturer<R>(f: impl FnOnce(&Capturer) -> R) -> Result<R, CaptureError> {
    // Fails if the program has a global subscriber already: ours, or another.
    let _ = tracing::subscriber::set_global_default(Capturer::default());
    let mut f = Some(f);
    tracing::dispatcher::get_default(|dispatch| {
        dispatch
            .downcast_ref::<Capturer>()
            .and_then(|capturer| f.take().map(|f| f(capturer)))
    })
    .ok_or(CaptureError::OtherSubscriber)
}

impl Reports {
    /// Captures the reports of the current node ([`Node::current`]): in a
    /// `#[otp_runtime::test]`, the test's own node.
    ///
    /// # Errors
    ///
    /// [`CaptureError::OtherSubscriber`] if the program has a `tracing` subscriber of its
    /// own.
    ///
    /// # Examples
    ///
    /// See [`Reports`].
    pub fn capture() -> Result<Reports, CaptureError> {
        Reports::capture_node(&Node::current())
    }

    /// Captures the reports made on `node`: by its processes, and by code in its
    /// [`scope`](Node::scope).
    ///
    /// # Errors
    ///
    /// [`CaptureError::OtherSubscriber`] if the program has a `tracing` subscriber of its
    /// own.
    ///
    /// # Examples
    ///
    /// See [`Report`].
    pub fn capture_node(node: &Node) -> Result<Reports, CaptureError> {
        with_capturer(|_| ())?;
        let sink = Arc::new(Sink::default());
        node.0.reports.add(&sink);
        Ok(Reports(sink))
    }

    /// Captures every report of the program, whichever node makes it: for tests of several
    /// nodes (tell their reports apart by the nodes' names, which distribution's reports
    /// carry).
    ///
    /// # Errors
    ///
    /// [`CaptureError::OtherSubscriber`] if the program has a `tracing` subscriber of its
    /// own.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let reports = otp_runtime::testing::Reports::capture_all().unwrap();
    /// let (a, b) = (otp_runtime::node::Node::new(), otp_runtime::node::Node::new());
    /// a.scope(async { tracing::warn!("from a") }).await;
    /// b.scope(async { tracing::warn!("from b") }).await;
    /// assert_eq!(reports.matching(&["WARN", "from"]).len(), 2);
    /// # }
    /// ```
    pub fn capture_all() -> Result<Reports, CaptureError> {
        let sink = Arc::new(Sink::default());
        with_capturer(|capturer| capturer.program.add(&sink))?;
        Ok(Reports(sink))
    }

    /// Every report captured so far, in the order they were made.
    ///
    /// # Examples
    ///
    /// See [`Report`].
    pub fn all(&self) -> Vec<Report> {
        self.0
             .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The reports whose line (`LEVEL message name=value ...`) contains every one of
    /// `needles`, in order.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let node = otp_runtime::node::Node::new();
    /// let reports = otp_runtime::testing::Reports::capture_node(&node).unwrap();
    /// node.scope(async {
    ///     tracing::info!(child = "a", "child restarted");
    ///     tracing::info!(child = "b", "child restarted");
    /// })
    /// .await;
    /// let b = reports.matching(&["INFO", "child restarted", "child=b"]);
    /// assert_eq!(b.len(), 1);
    /// assert!(b[0].contains(&["child=b"]));
    /// # }
    /// ```
    pub fn matching(&self, needles: &[&str]) -> Vec<Report> {
        let mut all = self.all();
        all.retain(|report| report.contains(needles));
        all
    }

    /// Where the first report that contains every one of `needles` is among [`all`](Self::all):
    /// to assert on the order of reports.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let node = otp_runtime::node::Node::new();
    /// let reports = otp_runtime::testing::Reports::capture_node(&node).unwrap();
    /// node.scope(async {
    ///     tracing::error!("child terminated");
    ///     tracing::info!("child restarted");
    /// })
    /// .await;
    /// let crash = reports.position(&["child terminated"]).unwrap();
    /// let restart = reports.position(&["child restarted"]).unwrap();
    /// assert!(crash < restart);
    /// assert_eq!(reports.position(&["child started"]), None);
    /// # }
    /// ```
    pub fn position(&self, needles: &[&str]) -> Option<usize> {
        self.all()
            .iter()
            .position(|report| report.contains(needles))
    }

    /// Waits until a report that contains every one of `needles` has been captured, and
    /// returns the first such. A report can come a moment after what a test awaited: a
    /// supervisor's report of a crash comes after the caller saw the crash.
    ///
    /// # Errors
    ///
    /// [`WaitError::TimedOut`] if no such report came within [`WAIT`]; its text lists
    /// the reports captured.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let node = otp_runtime::node::Node::new();
    /// let reports = otp_runtime::testing::Reports::capture_node(&node).unwrap();
    /// node.spawn_task(async {
    ///     otp_runtime::time::sleep(std::time::Duration::from_secs(1)).await;
    ///     tracing::warn!("late");
    /// });
    /// assert_eq!(reports.wait_for(&["late"]).await.unwrap().message(), "late");
    /// assert!(reports.wait_for(&["never"]).await.is_err());
    /// # }
    /// ```
    pub async fn wait_for(&self, needles: &[&str]) -> Result<Report, WaitError> {
        let find = async {
            loop {
                if let Some(report) = self.all().into_iter().find(|r| r.contains(needles)) {
                    return report;
                }
                crate::time::sleep(POLL).await;
            }
        };
        crate::time::timeout(WAIT, find)
            .await
            .ok_or_else(|| WaitError::TimedOut {
                what: format!("a report with {needles:?}; reports captured:\n{self}"),
            })
    }

    /// Forgets the reports captured so far; the capture goes on.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let node = otp_runtime::node::Node::new();
    /// let reports = otp_runtime::testing::Reports::capture_node(&node).unwrap();
    /// node.scope(async { tracing::info!("one") }).await;
    /// reports.clear();
    /// node.scope(async { tracing::info!("two") }).await;
    /// assert_eq!(reports.all().len(), 1);
    /// # }
    /// ```
    pub fn clear(&self) {
        self.0
             .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

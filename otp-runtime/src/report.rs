//! Reports in OTP's style: the runtime reports through `tracing` (supervisors' crash and
//! restart reports, gen_server crashes, applications started and exited), and [`Reporter`]
//! prints each event as a block, the way an Erlang node's logger prints SASL reports:
//!
//! ```text
//! =SUPERVISOR REPORT==== 2026-12-03 07:13:28.123 UTC ===
//!     child terminated
//!     supervisor: FactorialTree
//!     child: fact2
//!     pid: <0.12.0>
//!     reason: panicked: factorial overflow
//! ```
//!
//! A process that crashes is told by a crash report: who (its pid, registered name,
//! behaviour and type), what it was handling (the last message's kind and variant name,
//! never its fields), its state (its `Debug` form, or what `format_status` shows, cut at
//! 4 KiB; left out when it has neither), why, and where it panicked:
//!
//! ```text
//! =CRASH REPORT==== 2026-12-07 12:01:44.120 UTC ===
//!     gen_server terminating
//!     pid: <0.4.0>
//!     name: calc
//!     behaviour: gen_server
//!     server: app::Calculator
//!     last_message: call Divide
//!     state: Calculator { total: 7 }
//!     reason: panicked: attempt to divide by zero
//!     location: src/calc.rs:18:22
//! ```
//!
//! # Spans
//!
//! Each message a gen_server, gen_statem, gen_event manager or supervisor handles can run in
//! a `tracing` span, `handle`, with the process's `pid`, `name` and `behaviour` and the
//! `request` (its kind and variant name, never its fields), so that a handler's own
//! `tracing` events say which process logged them. The spans are opt-in: target
//! `otp_runtime::span`, level `TRACE` (with `tracing-subscriber`,
//! `RUST_LOG=info,otp_runtime::span=trace`). Off, as with [`Reporter`] or any filter that
//! stops above `TRACE`, a message pays one check of `tracing`'s global level filter. A call
//! has no span of its own at the caller (linking it to the server's would take a span id in
//! every message); tokio tasks are not named after processes (that needs `tokio_unstable`).
//!
//! [`Node::run`](crate::node::Node::run) installs it when the program has no subscriber;
//! any other program can call [`install`]. A program that uses `tracing-subscriber` (or any
//! subscriber) keeps its own: the reports are ordinary events with fields.

use std::fmt::{self, Write as _};
use std::io::Write;
use std::sync::{Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// A `tracing` subscriber that prints events as OTP-style reports. Spans are ignored.
///
/// # Examples
///
/// ```
/// use std::io::Write;
/// use std::sync::{Arc, Mutex};
/// use otp_runtime::report::Reporter;
///
/// #[derive(Clone, Default)]
/// struct Buffer(Arc<Mutex<Vec<u8>>>);
/// impl Write for Buffer {
///     fn write(&mut self, b: &[u8]) -> std::io::Result<usize> { self.0.lock().unwrap().write(b) }
///     fn flush(&mut self) -> std::io::Result<()> { Ok(()) }
/// }
///
/// let out = Buffer::default();
/// let reporter = Reporter::new().writer(out.clone());
/// tracing::subscriber::with_default(reporter, || {
///     tracing::info!(application = "web", exited = "stopped", "application exited");
/// });
/// let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
/// assert!(text.starts_with("=INFO REPORT==== "));
/// assert!(text.ends_with(" ===\n    application exited\n    application: web\n    exited: stopped\n"));
/// ```
pub struct Reporter {
    level: Level,
    out: Mutex<Box<dyn Write + Send>>,
}

impl Default for Reporter {
    fn default() -> Self {
        Reporter::new()
    }
}

impl fmt::Debug for Reporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reporter")
            .field("level", &self.level)
            .finish()
    }
}

impl Reporter {
    /// Prints `INFO` and more severe events (errors, warnings, progress reports) to stderr.
    ///
    /// # Examples
    ///
    /// See [`Reporter`].
    pub fn new() -> Reporter {
        Reporter {
            level: Level::INFO,
            out: Mutex::new(Box::new(std::io::stderr())),
        }
    }

    /// Prints events of `level` and more severe ones (`Level::DEBUG` adds every child start
    /// and unhandled message).
    ///
    /// # Examples
    ///
    /// ```
    /// let r = otp_runtime::report::Reporter::new().level(tracing::Level::WARN);
    /// # drop(r);
    /// ```
    pub fn level(mut self, level: Level) -> Self {
        self.level = level;
        self
    }

    /// Prints to `out` instead of stderr.
    ///
    /// # Examples
    ///
    /// See [`Reporter`].
    pub fn writer(mut self, out: impl Write + Send + 'static) -> Self {
        self.out = Mutex::new(Box::new(out));
        self
    }
}

/// Makes a [`Reporter`] on stderr the program's `tracing` subscriber, unless the program has
/// one already; true if it did.
///
/// It also installs a panic hook (a panic hook is the program's): a panic inside a process
/// is then told once, by its crash report, which names the process and gives the panic's
/// location (and its backtrace, trimmed to the frames between the panic and the process,
/// with `RUST_BACKTRACE=1`), instead of also by Rust's default hook, which names a thread.
/// A panic outside any process goes to the hook that was there before. A program that sets
/// a hook of its own afterwards keeps control of every panic.
///
/// # Examples
///
/// ```
/// otp_runtime::report::install();
/// tracing::info!("printed as an INFO REPORT on stderr");
/// assert!(!otp_runtime::report::install()); // one subscriber per program
/// ```
pub fn install() -> bool {
    let installed = tracing::subscriber::set_global_default(Reporter::new()).is_ok();
    if installed {
        panic_hook();
    }
    installed
}

/// Installs the runtime's panic hook, once per program (a panic hook is the program's): a
/// panic inside a process is kept for the process's crash report, which names the process
/// and gives the panic's location (and with `RUST_BACKTRACE=1` its backtrace, from the
/// panic to the process), rather than printed by the hook that was there before; a panic
/// outside any process goes to that hook. [`install`] calls it; a program with a `tracing`
/// subscriber of its own calls it to get the same, and its subscriber receives the crash
/// reports' `location` and `backtrace` fields.
///
/// # Examples
///
/// ```
/// otp_runtime::report::panic_hook();
/// otp_runtime::report::panic_hook(); // once is enough; again does nothing
/// ```
pub fn panic_hook() {
    crate::panics::install_hook();
}

/// The most of a state's text form a crash report shows: a state of a million entries
/// must not make a report of megabytes (OTP's logger limits a report's depth likewise).
pub(crate) const STATE_LIMIT: usize = 4096;

/// A state's text form for a crash report: what `format` gives (a `format_status` hook or
/// `Debug`), cut at [`STATE_LIMIT`] bytes, or a sentence if it panicked (OTP: "format_status
/// crashed"). `None` when the state has no text form.
pub(crate) fn status_text(format: impl FnOnce() -> Option<String>) -> Option<String> {
    let text = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(format)) {
        Ok(text) => text?,
        Err(panic) => {
            // The hook kept this panic for a report: this sentence is its report.
            let _ = crate::panics::take();
            return Some(format!(
                "(format_status panicked: {})",
                crate::panics::describe(&*panic)
            ));
        }
    };
    Some(cut(text, STATE_LIMIT))
}

/// `text`, cut at a character boundary at most `limit` bytes in, saying how much was left out.
fn cut(mut text: String, limit: usize) -> String {
    if text.len() <= limit {
        return text;
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let more = text.len() - end;
    text.truncate(end);
    let _ = write!(text, "... ({more} bytes more)");
    text
}

/// The report's kind, as OTP's logger headings name them.
fn heading(level: Level, message: &str, fields: &[(&'static str, String)]) -> &'static str {
    let has = |name| fields.iter().any(|(f, _)| *f == name);
    match level {
        Level::ERROR if has("supervisor") => "SUPERVISOR REPORT",
        Level::ERROR if message.ends_with("terminating") => "CRASH REPORT",
        Level::ERROR => "ERROR REPORT",
        Level::WARN => "WARNING REPORT",
        _ if message == "application started" || message == "child restarted" => "PROGRESS REPORT",
        _ if has("supervisor") && message == "child started" => "PROGRESS REPORT",
        Level::INFO => "INFO REPORT",
        _ => "DEBUG REPORT",
    }
}

/// Collects an event's message and fields, in order.
#[derive(Default)]
struct Fields {
    message: String,
    fields: Vec<(&'static str, String)>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_owned();
        } else {
            self.fields.push((field.name(), value.to_owned()));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let text = format!("{value:?}");
        if field.name() == "message" {
            self.message = text;
        } else {
            self.fields.push((field.name(), text));
        }
    }
}

impl Subscriber for Reporter {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.is_event() && *metadata.level() <= self.level
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(LevelFilter::from_level(self.level))
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut f = Fields::default();
        event.record(&mut f);
        let level = *event.metadata().level();
        let mut text = format!(
            "={}==== {} ===\n    {}\n",
            heading(level, &f.message, &f.fields),
            utc(SystemTime::now()),
            indent(&f.message)
        );
        // Which node reported it, in a program of several named ones (unless the event
        // names its node itself, as distribution's do).
        let names_node = f.fields.iter().any(|(name, _)| *name == "node");
        if let Some(node) = crate::node::current_name().filter(|_| !names_node) {
            let _ = writeln!(text, "    node: {node}");
        }
        for (name, value) in &f.fields {
            let _ = writeln!(text, "    {name}: {}", indent(value));
        }
        // One write per report, under the lock: reports from several threads never interleave.
        let mut out = self.out.lock().unwrap_or_else(PoisonError::into_inner);
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

/// A value's continuation lines (a panic message, a `Debug` dump) indented under its first,
/// so that the report stays one block.
fn indent(value: &str) -> String {
    value.trim_end().replace('\n', "\n        ")
}

/// `YYYY-MM-DD hh:mm:ss.mmm UTC`.
fn utc(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, day) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{day:02} {:02}:{:02}:{:02}.{:03} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_millis()
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn dates_are_utc_calendar_dates() {
        assert_eq!(utc(UNIX_EPOCH), "1970-01-01 00:00:00.000 UTC");
        // 2026-12-03 07:13:28.123 UTC
        let t = UNIX_EPOCH + Duration::from_millis(1_796_282_008_123);
        assert_eq!(utc(t), "2026-12-03 07:13:28.123 UTC");
        // A leap day.
        let t = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(utc(t), "2000-02-29 00:00:00.000 UTC");
    }

    #[test]
    fn a_long_state_is_cut_at_a_character_boundary() {
        assert_eq!(cut("short".into(), 10), "short");
        assert_eq!(cut("abcdef".into(), 3), "abc... (3 bytes more)");
        // 'é' is two bytes: a cut inside it moves back before it.
        assert_eq!(cut("aé".into(), 2), "a... (2 bytes more)");
        assert_eq!(
            status_text(|| Some("x".repeat(STATE_LIMIT + 5)))
                .unwrap()
                .len(),
            STATE_LIMIT + " ... (5 bytes more)".len() - 1
        );
        assert_eq!(status_text(|| None), None);
        assert_eq!(
            status_text(|| panic!("no")).as_deref(),
            Some("(format_status panicked: no)")
        );
    }

    #[test]
    fn values_on_several_lines_stay_in_the_block() {
        assert_eq!(indent("one"), "one");
        assert_eq!(indent("one\ntwo\n"), "one\n        two");
    }

    #[test]
    fn headings_follow_otps_report_kinds() {
        let sup = vec![("supervisor", "s".to_string())];
        assert_eq!(
            heading(Level::ERROR, "child terminated", &sup),
            "SUPERVISOR REPORT"
        );
        assert_eq!(
            heading(Level::INFO, "child restarted", &sup),
            "PROGRESS REPORT"
        );
        assert_eq!(
            heading(Level::INFO, "application started", &[]),
            "PROGRESS REPORT"
        );
        assert_eq!(
            heading(Level::ERROR, "gen_server terminating", &[]),
            "CRASH REPORT"
        );
        assert_eq!(
            heading(Level::INFO, "application exited", &[]),
            "INFO REPORT"
        );
        assert_eq!(heading(Level::WARN, "x", &[]), "WARNING REPORT");
        assert_eq!(heading(Level::ERROR, "x", &[]), "ERROR REPORT");
    }
}

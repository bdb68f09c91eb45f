//! Where a process panicked: a panic hook that, for a panic inside a process, keeps its
//! location (and a backtrace, with `RUST_BACKTRACE=1`) for the crash report instead of
//! printing it, so that a crash is told once, by the report that names the process.
//!
//! The hook is the program's (a panic hook is global by nature), installed by
//! [`report::install`](crate::report::install) with the reporter that prints the crash
//! reports, and by nothing else. A panic outside any process goes to the hook that was there
//! before, and a program that sets a hook of its own afterwards keeps control of every
//! panic (its crash reports then carry no location).

use std::backtrace::{Backtrace, BacktraceStatus};
use std::cell::RefCell;
use std::panic::PanicHookInfo;
use std::sync::Once;

/// What the hook kept of a process's panic.
pub(crate) struct Captured {
    /// The panic's message, as its exit reason has it: a crash report takes the rest only
    /// for the panic it reports.
    pub(crate) message: String,
    /// `file:line:column`.
    pub(crate) location: String,
    /// The backtrace's frames, trimmed to the ones of interest, if one was captured.
    pub(crate) backtrace: Option<String>,
}

thread_local! {
    /// The last panic of the process this thread runs, until its crash is reported.
    static CAPTURED: RefCell<Option<Captured>> = const { RefCell::new(None) };
}

/// Installs the hook, once per program.
pub(crate) fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // Kept only where the runtime catches it and can report it: in a process, with
            // unwinding on. (A panic while unwinding from another aborts the program, as
            // always; the first one's report is lost with it.)
            let keep = cfg!(panic = "unwind") && crate::process::current::pid().is_some();
            if !keep {
                return previous(info);
            }
            // A panic kept before and read by no report (one a handler caught itself, say)
            // is told now, rather than never.
            if let Some(unread) = take() {
                tracing::error!(
                    reason = %format_args!("panicked: {}", unread.message),
                    location = unread.location.as_str(),
                    "a panic in a process, caught without a report"
                );
            }
            capture(info);
        }));
    });
}

fn capture(info: &PanicHookInfo<'_>) {
    let location = info.location().map_or_else(
        || "unknown".to_owned(),
        |l| format!("{}:{}:{}", l.file(), l.line(), l.column()),
    );
    let backtrace = Backtrace::capture();
    let backtrace = (backtrace.status() == BacktraceStatus::Captured).then(|| trim(&backtrace));
    let message = describe(info.payload());
    let _ = CAPTURED.try_with(|c| {
        *c.borrow_mut() = Some(Captured {
            message,
            location,
            backtrace,
        })
    });
}

/// The frames worth reading: from the one that panicked (after the machinery of `panic!`)
/// to the process's own poll, without the runtime's and tokio's below it.
fn trim(backtrace: &Backtrace) -> String {
    let text = backtrace.to_string();
    let lines: Vec<&str> = text.lines().collect();
    // Frames are numbered `  N: name`, each followed by its `at file:line` lines.
    let frame_starts: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| {
            let t = l.trim_start();
            t.split_once(": ")
                .is_some_and(|(n, _)| n.chars().all(|c| c.is_ascii_digit()))
        })
        .map(|(i, _)| i)
        .collect();
    let frame = |i: usize| {
        let start = frame_starts[i];
        let end = frame_starts.get(i + 1).copied().unwrap_or(lines.len());
        &lines[start..end]
    };
    let name = |i: usize| frame(i)[0];
    let machinery = |n: &str| {
        n.contains("std::panicking")
            || n.contains("core::panicking")
            || n.contains("rust_begin_unwind")
            || n.contains("__rust_end_short_backtrace")
            || n.contains("PanicHookInfo")
            || n.contains("otp_runtime::panics")
            || n.contains("std::backtrace")
    };
    // The user's code starts after the panic machinery on top of the stack, and what
    // matters ends before the runtime's process poll; at most 40 frames.
    let first = (0..frame_starts.len())
        .take_while(|&i| machinery(name(i)))
        .count();
    let end = (first..frame_starts.len())
        .find(|&i| name(i).contains("otp_runtime::process::run"))
        .unwrap_or(frame_starts.len())
        .min(first + 40);
    if first >= end {
        return text;
    }
    (first..end)
        .flat_map(|i| frame(i).iter().map(|l| l.trim_end()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Takes what the hook kept of this thread's last panic in a process, if anything.
pub(crate) fn take() -> Option<Captured> {
    CAPTURED.try_with(|c| c.borrow_mut().take()).ok().flatten()
}

/// Takes what the hook kept, if it is the panic behind `reason`.
pub(crate) fn take_for(reason: &crate::ExitReason) -> Option<Captured> {
    let kept = take()?;
    match reason {
        crate::ExitReason::Panic(m) if **m == *kept.message => Some(kept),
        _ => {
            // Another panic's: put it back for its own report.
            let _ = CAPTURED.try_with(|c| *c.borrow_mut() = Some(kept));
            None
        }
    }
}

/// Reports a panic that the runtime caught where no other report tells it (a process's
/// state that panicked while dropped), if the hook kept it.
pub(crate) fn report_dropped(pid: crate::Pid) {
    if let Some(p) = take() {
        tracing::error!(
            %pid,
            reason = %format_args!("panicked: {}", p.message),
            location = p.location.as_str(),
            "a process's state panicked while dropped"
        );
    }
}

/// A panic payload as text: the message of `panic!`, and for `std::panic::panic_any` a text
/// type, an `ExitReason` or an error's `Display`; otherwise a sentence saying what it was not.
pub(crate) fn describe(payload: &(dyn std::any::Any + Send)) -> String {
    use std::sync::Arc;
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else if let Some(s) = payload.downcast_ref::<Box<str>>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<Arc<str>>() {
        s.to_string()
    } else if let Some(r) = payload.downcast_ref::<crate::ExitReason>() {
        r.to_string()
    } else if let Some(e) = payload.downcast_ref::<Box<dyn std::error::Error + Send + Sync>>() {
        e.to_string()
    } else {
        "a panic whose payload is not text (panic_any with a value that is not a string, an \
         ExitReason or a boxed error)"
            .to_owned()
    }
}

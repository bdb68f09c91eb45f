//! Crash reports say who crashed, why and where, and a panic in a process is told once: by
//! its crash report (the runtime's panic hook keeps the panic's location for it). Alone in
//! its program, since a panic hook is the program's.

use std::sync::{Arc, Mutex};

use otp_runtime::prelude::*;
use otp_runtime::report::Reporter;

#[derive(Default)]
struct Fragile;

#[gen_server]
impl Fragile {
    #[call]
    fn divide(&self, by: u32) -> u32 {
        100 / by // by 0: the server crashes here
    }
}

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Buffer {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().write(b)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[otp_runtime::test]
async fn a_crash_report_names_the_server_its_reason_and_where_it_panicked() {
    let out = Buffer::default();
    let _reports = tracing::subscriber::set_default(Reporter::new().writer(out.clone()));
    otp_runtime::report::panic_hook();

    let fragile = Fragile.start_named("fragile").await.unwrap();
    let pid = fragile.pid().unwrap();
    let err = fragile.divide(0).await.unwrap_err();
    let CallError::Exited(ExitReason::Panic(message)) = &err else {
        panic!("{err:?}");
    };
    assert_eq!(&**message, "attempt to divide by zero");

    let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    let report = text
        .split("=CRASH REPORT")
        .nth(1)
        .unwrap_or_else(|| panic!("no crash report in:\n{text}"));
    assert!(report.contains(&format!("\n    pid: {pid}\n")), "{report}");
    assert!(report.contains("\n    name: fragile\n"), "{report}");
    assert!(
        report.contains("\n    reason: panicked: attempt to divide by zero\n"),
        "{report}"
    );
    assert!(
        report.contains("\n    server: crash_reports::Fragile\n"),
        "{report}"
    );
    // The line of `100 / by` in this file.
    let line = 1 + include_str!("crash_reports.rs")
        .lines()
        .position(|l| l.trim_start().starts_with("100 / by"))
        .unwrap();
    assert!(
        report.contains(&format!(
            "\n    location: otp-runtime/tests/crash_reports.rs:{line}:"
        )),
        "{report}"
    );
    // With RUST_BACKTRACE, the backtrace from the handler down to the process.
    if std::env::var_os("RUST_BACKTRACE").is_some_and(|v| v != "0") {
        let backtrace = report.split("\n    backtrace:").nth(1).expect(report);
        let first = backtrace.lines().next().unwrap();
        assert!(
            first.ends_with("crash_reports::Fragile::divide"),
            "{backtrace}"
        );
    }
}

#[otp_runtime::test]
async fn a_panic_payload_that_is_not_text_still_gives_a_reason() {
    let p = otp_runtime::spawn(|_ctx: ProcessCtx<()>| async {
        std::panic::panic_any(ExitReason::other("the disk is full"))
    });
    assert_eq!(
        p.wait_exit().await,
        ExitReason::Panic("the disk is full".into())
    );
    let q = otp_runtime::spawn(|_ctx: ProcessCtx<()>| async { std::panic::panic_any(42_u32) });
    let ExitReason::Panic(text) = q.wait_exit().await else {
        unreachable!()
    };
    assert!(
        text.starts_with("a panic whose payload is not text"),
        "{text}"
    );
}

#[otp_runtime::test]
async fn a_plain_process_that_panics_is_reported_with_its_location() {
    let out = Buffer::default();
    let _reports = tracing::subscriber::set_default(Reporter::new().writer(out.clone()));
    otp_runtime::report::panic_hook();
    let p = otp_runtime::spawn(|_ctx: ProcessCtx<()>| async { panic!("lost in a plain process") });
    assert_eq!(
        p.wait_exit().await,
        ExitReason::Panic("lost in a plain process".into())
    );
    let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    let report = text.split("=CRASH REPORT").nth(1).expect(&text);
    assert!(report.contains("\n    process terminating\n"), "{report}");
    assert!(
        report.contains(&format!("\n    pid: {}\n", p.pid())),
        "{report}"
    );
    assert!(
        report.contains("\n    reason: panicked: lost in a plain process\n"),
        "{report}"
    );
    assert!(
        report.contains("\n    location: otp-runtime/tests/crash_reports.rs:"),
        "{report}"
    );
}

/// Panics when dropped.
struct Grenade;

impl Drop for Grenade {
    fn drop(&mut self) {
        panic!("went off while dropped");
    }
}

#[otp_runtime::test]
async fn a_panic_while_a_process_state_is_dropped_is_reported_not_lost() {
    let out = Buffer::default();
    let _reports = tracing::subscriber::set_default(Reporter::new().writer(out.clone()));
    otp_runtime::report::panic_hook();
    let p = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
        let _grenade = Grenade;
        ctx.recv().await;
        ExitReason::Normal
    });
    tokio::task::yield_now().await; // it holds its grenade, waiting
    otp_runtime::exit(p.pid(), ExitReason::Kill);
    // Killed, then its state dropped: the panic there is contained, and told.
    assert_eq!(p.wait_exit().await, ExitReason::Killed);
    let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("\n    a process's state panicked while dropped\n"),
        "{text}"
    );
    assert!(
        text.contains("\n    reason: panicked: went off while dropped\n"),
        "{text}"
    );
    assert!(
        text.contains("\n    location: otp-runtime/tests/crash_reports.rs:"),
        "{text}"
    );
}

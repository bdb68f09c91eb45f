//! OTP's supervisor reports, through `tracing`: each crash, each restart and the intensity
//! shutdown name the supervisor, the child, its pid and the reason.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use otp_runtime::prelude::*;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Records every event as `level message key=value ...`.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<String>>>);

struct Line(String);

impl Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, " {value:?}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        let _ = write!(self.0, " {}={value}", field.name());
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut line = Line(event.metadata().level().to_string());
        event.record(&mut line);
        self.0.lock().unwrap().push(line.0);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[derive(Default)]
struct Worker;

#[gen_server]
impl Worker {
    #[call]
    fn crash(&self) {
        panic!("boom");
    }
}

supervision_tree! {
    Reported: one_for_one, intensity 1 per 5s, name: "reported_sup" {
        worker "w" => Worker, name: "reported_w";
    }
}

// The current-thread runtime runs every process on this thread, where the recorder is the
// default subscriber.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn crashes_restarts_and_the_intensity_shutdown_are_reported() {
    let recorder = Recorder::default();
    let _guard = tracing::subscriber::set_default(recorder.clone());
    let sup = Reported::start().await.unwrap();
    let w = Worker::named("reported_w");
    let first = w.pid().unwrap();
    assert!(w.crash().await.is_err());
    sup.which_children().await.unwrap(); // the supervisor has handled the EXIT
    let second = w.pid().unwrap();
    assert!(w.crash().await.is_err());
    assert_eq!(sup.wait_exit().await, ExitReason::Shutdown);

    let lines = recorder.0.lock().unwrap().clone();
    let find = |needles: &[&str]| {
        lines
            .iter()
            .position(|l| needles.iter().all(|n| l.contains(n)))
            .unwrap_or_else(|| panic!("no event with {needles:?} in:\n{}", lines.join("\n")))
    };
    let crash1 = find(&[
        "ERROR",
        "child terminated",
        "supervisor=reported_sup",
        "child=w",
        &format!("pid={first}"),
        "reason=panicked: boom",
    ]);
    let restart = find(&[
        "INFO",
        "child restarted",
        "child=w",
        &format!("pid={second}"),
    ]);
    let crash2 = find(&["ERROR", "child terminated", &format!("pid={second}")]);
    let shutdown = find(&[
        "ERROR",
        "reached max restart intensity",
        "supervisor=reported_sup",
        "child=w",
        &format!("pid={second}"),
        "reason=reached_max_restart_intensity",
    ]);
    assert!(crash1 < restart && restart < crash2 && crash2 < shutdown);
}

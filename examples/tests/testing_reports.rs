//! The test of the book's chapter "Testing servers and trees" that captures a supervisor's
//! `tracing` reports. It has a file, so a program, of its own: `tracing` decides once per
//! call site, for the whole program, whether any subscriber wants its events, and a test
//! running on another thread with no subscriber could make that decision "no" for everyone.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use examples::kv::Kv;
use examples::supervision::restarted;
use otp_runtime::prelude::*;

// ANCHOR: recorder
/// A `tracing` subscriber that records each event as a line: its level, its message and its
/// fields.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<String>>>);

impl Recorder {
    fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// Writes the fields of an event into a line.
struct Line(String);

impl tracing::field::Visit for Line {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "message" => write!(self.0, " {value:?}"),
            name => write!(self.0, " {name}={value:?}"),
        }
        .unwrap();
    }

    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        write!(self.0, " {}={value}", field.name()).unwrap();
    }
}

impl tracing::Subscriber for Recorder {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn event(&self, event: &tracing::Event<'_>) {
        let mut line = Line(event.metadata().level().to_string());
        event.record(&mut line);
        self.0.lock().unwrap().push(line.0);
    }
    // The runtime reports events only; spans are not recorded.
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}
// ANCHOR_END: recorder

// ANCHOR: reports
supervision_tree! {
    Reported: one_for_one, name: "reported" {
        worker "kv" => Kv::default(), name: "kv";
    }
}

// `set_default` holds for this thread: the test's runtime must run every process on it,
// which the default current-thread runtime of `#[otp_runtime::test]` does.
#[otp_runtime::test]
async fn the_supervisor_reports_the_crash_and_the_restart() {
    let recorder = Recorder::default();
    let _guard = tracing::subscriber::set_default(recorder.clone());

    let sup = Reported::start().await.unwrap();
    let kv = Kv::named("kv");
    let old = kv.pid().unwrap();
    assert!(kv.get("crash".into()).await.is_err());
    let new = restarted(&sup, "kv", old).await.unwrap();

    let lines = recorder.lines();
    let crash = format!("child terminated supervisor=reported child=kv pid={old}");
    let restart = format!("child restarted supervisor=reported child=kv pid={new}");
    let at = |needle: &str| lines.iter().position(|l| l.contains(needle));
    let (Some(crash), Some(restart)) = (at(&crash), at(&restart)) else {
        panic!("no crash and restart reports in:\n{}", lines.join("\n"));
    };
    assert!(lines[crash].starts_with("ERROR"), "{}", lines[crash]);
    assert!(lines[crash].ends_with("reason=panicked: asked to crash"));
    assert!(crash < restart);
    sup.stop().await.unwrap();
}
// ANCHOR_END: reports

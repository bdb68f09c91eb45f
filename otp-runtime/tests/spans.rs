//! Tracing spans (`otp_runtime::span`, TRACE): a handler's own events are inside a span that
//! names its process and the request's variant, never its fields; off, no span is made.
//! Alone in its program: it sets the thread's subscriber.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use otp_runtime::prelude::*;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// Records spans' fields, which spans are entered, and each event with the spans it is in.
#[derive(Clone, Default)]
struct Spans {
    inner: Arc<Mutex<Inner>>,
    next: Arc<AtomicU64>,
    /// The most verbose level it takes: INFO leaves the spans off.
    trace: bool,
}

#[derive(Default)]
struct Inner {
    spans: HashMap<u64, String>,
    stack: Vec<u64>,
    /// `message @ span fields > span fields`.
    events: Vec<String>,
    made: usize,
}

struct Text(String);

impl Visit for Text {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if !self.0.is_empty() {
            self.0.push(' ');
        }
        self.0.push_str(&format!("{}={value:?}", field.name()));
    }
}

impl Subscriber for Spans {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        self.trace || *metadata.level() <= Level::INFO
    }
    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(if self.trace {
            tracing::level_filters::LevelFilter::TRACE
        } else {
            tracing::level_filters::LevelFilter::INFO
        })
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let mut text = Text(format!("{}:", span.metadata().name()));
        span.record(&mut text);
        let mut inner = self.inner.lock().unwrap();
        inner.spans.insert(id, text.0);
        inner.made += 1;
        Id::from_u64(id)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut text = Text(String::new());
        event.record(&mut text);
        let mut inner = self.inner.lock().unwrap();
        let within: Vec<String> = inner
            .stack
            .iter()
            .map(|id| inner.spans[id].clone())
            .collect();
        let line = format!("{} @ {}", text.0, within.join(" > "));
        inner.events.push(line);
    }
    fn enter(&self, span: &Id) {
        self.inner.lock().unwrap().stack.push(span.into_u64());
    }
    fn exit(&self, span: &Id) {
        let mut inner = self.inner.lock().unwrap();
        if let Some(i) = inner.stack.iter().rposition(|s| *s == span.into_u64()) {
            inner.stack.remove(i);
        }
    }
}

#[derive(Default)]
struct Greeter;

#[gen_server]
impl Greeter {
    #[call]
    fn greet(&self, secret: String) -> usize {
        tracing::info!("greeting");
        secret.len()
    }

    #[cast]
    async fn wave(&self) {
        tokio::task::yield_now().await;
        tracing::info!("waving");
    }
}

#[otp_runtime::test]
async fn a_handlers_events_are_in_a_span_naming_its_process_and_request() {
    let spans = Spans {
        trace: true,
        ..Spans::default()
    };
    let _guard = tracing::subscriber::set_default(spans.clone());
    tracing::callsite::rebuild_interest_cache();
    let g = Greeter.start_named("greeter").await.unwrap();
    let pid = g.pid().unwrap();
    assert_eq!(g.greet("hunter2".into()).await, Ok(7));
    g.wave();
    assert_eq!(g.greet(String::new()).await, Ok(0));
    let events = spans.inner.lock().unwrap().events.clone();
    let span = |request: &str| {
        format!("handle: pid={pid} name=\"greeter\" behaviour=\"gen_server\" request=\"{request}\"")
    };
    assert!(
        events.contains(&format!("message=greeting @ {}", span("call Greet"))),
        "{events:#?}"
    );
    // An async handler's span is entered again on each poll.
    assert!(
        events.contains(&format!("message=waving @ {}", span("cast Wave"))),
        "{events:#?}"
    );
    assert!(!events.iter().any(|e| e.contains("hunter2")), "{events:#?}");
}

#[otp_runtime::test]
async fn off_no_span_is_made() {
    let spans = Spans::default();
    let _guard = tracing::subscriber::set_default(spans.clone());
    tracing::callsite::rebuild_interest_cache();
    let g = Greeter.start().await.unwrap();
    assert_eq!(g.greet("x".into()).await, Ok(1));
    let inner = spans.inner.lock().unwrap();
    assert_eq!(inner.made, 0);
    assert_eq!(inner.events, ["message=greeting @ "]);
}

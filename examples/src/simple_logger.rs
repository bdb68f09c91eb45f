//! Joe Armstrong's `simple_logger` (his thesis, chapter 6): an event manager, registered as
//! "simple_logger", with one handler that keeps the last five error reports and hands them
//! out on request. The `simple_logger` and `simple_sup` programs use it.

use std::collections::VecDeque;
use std::fmt;

use otp_runtime::prelude::*;

// ANCHOR: report
/// An error report: who noticed the error, and what it was. The logger's event type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorReport {
    /// Who reports it.
    pub from: String,
    /// What went wrong.
    pub what: String,
}

impl ErrorReport {
    /// A report from `from`.
    pub fn new(from: impl Into<String>, what: impl Into<String>) -> Self {
        ErrorReport {
            from: from.into(),
            what: what.into(),
        }
    }
}

impl fmt::Display for ErrorReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.from, self.what)
    }
}
// ANCHOR_END: report

// ANCHOR: handler
/// How many reports the log keeps.
pub const KEEP: usize = 5;

/// The event handler: the last [`KEEP`] error reports, newest first.
#[derive(Default)]
pub struct ErrorLog {
    last: VecDeque<ErrorReport>,
}

/// The one request an [`ErrorLog`] answers: the reports it keeps.
pub struct Report;

impl EventHandler<ErrorReport> for ErrorLog {
    type Call = Report;
    type Reply = Vec<ErrorReport>;
    /// What it hands back when it is deleted or swapped: the reports it kept.
    type Terminated = Vec<ErrorReport>;

    async fn handle_event(&mut self, report: &ErrorReport) -> Handled {
        self.last.push_front(report.clone());
        self.last.truncate(KEEP); // Armstrong's trim/1
        Handled::Ok
    }

    async fn handle_call(&mut self, _: Report) -> HandlerReply<Vec<ErrorReport>> {
        HandlerReply::Reply(self.last.iter().cloned().collect())
    }

    async fn terminate(&mut self, _why: Removal) -> Vec<ErrorReport> {
        self.last.drain(..).collect()
    }
}
// ANCHOR_END: handler

// ANCHOR: api
/// The name the logger is registered under.
pub const NAME: &str = "simple_logger";

/// Starts the logger linked to the caller, registered as [`NAME`], with an [`ErrorLog`]
/// installed. A supervisor can run it: every incarnation gets its handler.
pub async fn start_link() -> Result<EventManagerRef<ErrorReport>, StartError> {
    let logger = EventManager::start_link_named(NAME).await?;
    if let Err(e) = logger.add_handler(ErrorLog::default()).await {
        let _ = logger.stop().await;
        return Err(StartError::Failed(ExitReason::other(e)));
    }
    Ok(logger)
}

/// The logger, by name: whichever incarnation is running.
pub fn logger() -> EventManagerRef<ErrorReport> {
    EventManagerRef::named(NAME)
}

/// Logs an error report. A notify: it never blocks, and it is lost if the logger is down.
pub fn log(report: ErrorReport) {
    logger().notify(report);
}

/// The last [`KEEP`] reports, newest first.
pub async fn report() -> Result<Vec<ErrorReport>, HandlerCallError> {
    logger().call(HandlerId::<ErrorLog>::new(), Report).await
}
// ANCHOR_END: api

//! Joe Armstrong's `simple_logger` (his thesis, chapter 6), in Rust: an event manager whose
//! `ErrorLog` handler keeps the last five error reports. Seven reports are logged and the last
//! five come back, newest first. A second handler, a console that prints each report, joins
//! it; when the console crashes on a report it cannot print, it is removed and the log keeps
//! working. Deleting the log hands back what it kept.
//!
//! Run it with `cargo run --example simple_logger`.

use std::error::Error;

use examples::simple_logger::{self, ErrorLog, ErrorReport};
use otp_runtime::prelude::*;

// ANCHOR: console
/// Prints each report as it comes. It only knows ASCII, and crashes on anything else.
struct Console;

impl EventHandler<ErrorReport> for Console {
    type Call = ();
    type Reply = ();
    type Terminated = ();

    async fn handle_event(&mut self, report: &ErrorReport) -> Handled {
        assert!(report.what.is_ascii(), "the console prints only ASCII");
        println!("console: {report}");
        Handled::Ok
    }

    async fn terminate(&mut self, why: Removal) {
        println!("console: removed ({why:?})");
    }
}
// ANCHOR_END: console

/// The handlers, as `which_handlers` lists them.
async fn handlers(logger: &EventManagerRef<ErrorReport>) -> Result<String, CallError> {
    let ids: Vec<String> = logger
        .which_handlers()
        .await?
        .iter()
        .map(|id| id.to_string())
        .collect();
    Ok(ids.join(", "))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // ANCHOR: start
    let logger = simple_logger::start_link().await?;
    println!(
        "started {} as {}",
        simple_logger::NAME,
        logger.pid().ok_or("no pid")?
    );
    println!("handlers: {}", handlers(&logger).await?);
    // ANCHOR_END: start

    // ANCHOR: log
    for sector in 1..=7 {
        simple_logger::log(ErrorReport::new(
            "disk",
            format!("sector {sector} unreadable"),
        ));
    }
    for report in simple_logger::report().await? {
        println!("report: {report}");
    }
    // ANCHOR_END: log

    // ANCHOR: add
    logger.add_handler(Console).await?;
    println!("handlers: {}", handlers(&logger).await?);
    // sync_notify returns once every handler has handled the report: the console's line
    // comes before the next one of main.
    logger
        .sync_notify(ErrorReport::new("net", "link down"))
        .await?;
    println!("after sync_notify");
    // ANCHOR_END: add

    // ANCHOR: crash
    logger
        .sync_notify(ErrorReport::new("disk", "sector 9 unreadable ☠"))
        .await?;
    println!("handlers: {}", handlers(&logger).await?);
    let newest = simple_logger::report().await?;
    println!("the log still works; newest: {}", newest[0]);
    // ANCHOR_END: crash

    // ANCHOR: delete
    let kept = logger.delete_handler(HandlerId::<ErrorLog>::new()).await?;
    println!("deleted ErrorLog; it handed back {} reports", kept.len());
    println!("report: {}", simple_logger::report().await.unwrap_err());
    logger.stop().await?;
    println!(
        "stopped; log: {}",
        simple_logger::report().await.unwrap_err()
    );
    // ANCHOR_END: delete
    Ok(())
}

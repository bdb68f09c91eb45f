//! The observer on a terminal: raw mode and the alternate screen while it runs, put back
//! however it ends.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use otp_runtime::node::Node;
use ratatui::crossterm::event::{self, Event, KeyEventKind};

use crate::app::App;
use crate::source::{LocalSource, Request, Source};
use crate::ui::draw;

/// How often the observer takes a snapshot, unless told otherwise.
pub const DEFAULT_REFRESH: Duration = Duration::from_secs(1);

/// Opens the observer on this program's terminal, watching `node`, until `q`.
///
/// It takes the terminal (raw mode, alternate screen) and gives it back when it returns,
/// and when it panics. Reports the node prints to stderr would draw over it: send stderr
/// elsewhere (`2>node.log`) while it runs.
///
/// # Errors
///
/// The terminal's: not a terminal, or writing to it failed.
///
/// # Examples
///
/// ```no_run
/// # #[tokio::main] async fn main() -> std::io::Result<()> {
/// let node = otp_runtime::node::Node::new();
/// otp_observer::run(&node).await
/// # }
/// ```
pub async fn run(node: &Node) -> io::Result<()> {
    run_with(&LocalSource::new(node), DEFAULT_REFRESH).await
}

/// Opens the observer on this program's terminal, watching `source`, refreshed every
/// `refresh`, until `q` (what the `otp-observer` binary runs for a remote node).
///
/// # Errors
///
/// See [`run`].
///
/// # Examples
///
/// ```no_run
/// use otp_observer::{run_with, LocalSource};
/// # #[tokio::main] async fn main() -> std::io::Result<()> {
/// let node = otp_runtime::node::Node::new();
/// run_with(&LocalSource::new(&node), std::time::Duration::from_millis(250)).await
/// # }
/// ```
pub async fn run_with(source: &dyn Source, refresh: Duration) -> io::Result<()> {
    let mut terminal = ratatui::try_init()?;
    // Put back on every way out of here, a panic's unwinding included. (No panic hook: the
    // program's handlers panic on purpose, caught by the runtime, while this runs.)
    struct Restore;
    impl Drop for Restore {
        fn drop(&mut self) {
            ratatui::restore();
        }
    }
    let _restore = Restore;
    let (keys, mut events) = tokio::sync::mpsc::unbounded_channel();
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let stop = stop.clone();
        // crossterm reads blocking: a thread of its own, polling so that it sees `stop`.
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                match event::poll(Duration::from_millis(50)) {
                    Ok(true) => match event::read() {
                        Ok(e) => {
                            if keys.send(e).is_err() {
                                break;
                            }
                        }
                        Err(_) => break,
                    },
                    Ok(false) => {}
                    Err(_) => break,
                }
            }
        })
    };
    let mut app = App::new();
    let mut tick = tokio::time::interval(refresh);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let result = loop {
        if let Err(e) = terminal.draw(|f| draw(f, &app)) {
            break Err(e);
        }
        tokio::select! {
            _ = tick.tick() => app.refresh(source).await,
            e = events.recv() => match e {
                Some(Event::Key(k)) if k.kind != KeyEventKind::Release => app.key(k, source).await,
                Some(_) => {}
                None => break Ok(()),
            },
        }
        if app.quit {
            break Ok(());
        }
    };
    if let Some(pid) = app.detail {
        let _ = source.request(Request::Forget(pid)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let _ = reader.join();
    result
}

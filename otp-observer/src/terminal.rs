//! The observer on a terminal: raw mode and the alternate screen while it runs, put back
//! however it ends.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use otp_runtime::node::Node;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{self, Event, KeyEventKind};
use ratatui::crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use ratatui::crossterm::{cursor, execute};
use ratatui::Terminal;

use crate::app::App;
use crate::source::{LocalSource, Request, Source};
use crate::ui::draw;

/// How often the observer takes a snapshot, unless told otherwise.
pub const DEFAULT_REFRESH: Duration = Duration::from_secs(1);

/// Opens the observer on this program's terminal, watching `node`, until `q`.
///
/// It takes the terminal (raw mode, alternate screen) and gives it back when it returns,
/// and when it panics. What the program prints to stderr would draw over it: reports, and
/// the panics of crashing handlers, which Rust's default panic hook prints. Send stderr
/// elsewhere (`2>node.log`), or write reports to a file
/// ([`Reporter::writer`](otp_runtime::report::Reporter::writer)), and install the runtime's
/// [`panic_hook`](otp_runtime::report::panic_hook), which keeps a handler's panic for its
/// crash report instead of printing it.
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
    // Not `ratatui::init`: its panic hook would give the terminal back at the first panic
    // anywhere in the program, and the program's handlers panic on purpose (caught by the
    // runtime: "let it crash") while this runs. A guard puts it back on every way out of
    // here instead, a panic's unwinding included.
    struct Restore;
    impl Drop for Restore {
        fn drop(&mut self) {
            let _ = terminal::disable_raw_mode();
            let _ = execute!(io::stdout(), LeaveAlternateScreen, cursor::Show);
        }
    }
    terminal::enable_raw_mode()?;
    let _restore = Restore;
    execute!(io::stdout(), EnterAlternateScreen)?;
    let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
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

//! The observer end to end on ratatui's test backend: keys in, screens out. Also the book's
//! captures of each screen, which this test keeps from going stale.

mod common;

use std::time::Duration;

use common::{crash_factorial1, demo_node, type_keys, Mailroom};
use otp_observer::{buffer_text, draw, App, LocalSource};
use otp_runtime::node::Node;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

fn render(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| draw(f, app)).unwrap();
    buffer_text(terminal.backend().buffer())
}

/// The demo's story seen in the observer: factorial1 crashes on 40!, and the tree shows it
/// running again, restarted once, with the panic as its last exit and the supervisor's
/// intensity used.
#[tokio::test(start_paused = true)]
async fn a_crash_shows_as_a_restart_in_the_tree() {
    let node = demo_node().await;
    let source = LocalSource::new(&node);
    let mut app = App::new();
    app.refresh(&source).await;
    type_keys(&mut app, &source, "2").await;
    let before = render(&app, 110, 16);
    let line = |screen: &str, start: &str| -> String {
        screen
            .lines()
            .find(|l| l.contains(start))
            .unwrap_or_else(|| panic!("no {start} in\n{screen}"))
            .to_owned()
    };
    assert!(
        line(&before, "├─ factorial1").contains("running"),
        "{before}"
    );
    assert!(
        line(&before, "├─ factorial1").contains("restarts 0"),
        "{before}"
    );
    assert!(
        line(&before, "factorial_sup").contains("intensity 0/5"),
        "{before}"
    );

    crash_factorial1(&node).await;
    app.refresh(&source).await;
    let after = render(&app, 110, 16);
    let f1 = line(&after, "├─ factorial1");
    assert!(f1.contains("running"), "{after}");
    assert!(f1.contains("restarts 1  last exit: panic"), "{after}");
    assert!(
        line(&after, "factorial_sup").contains("restarts 1  intensity 1/5"),
        "{after}"
    );
    assert!(
        line(&after, "└─ factorial2").contains("restarts 0"),
        "{after}"
    );
    // `q` quits.
    type_keys(&mut app, &source, "q").await;
    assert!(app.quit);
}

/// Masks what changes from run to run (numbers), and the spacing that follows them.
fn mask(s: &str) -> String {
    let mut out = String::new();
    let mut digits = false;
    for c in s.chars() {
        if c.is_ascii_digit() {
            if !digits {
                out.push('#');
            }
            digits = true;
        } else {
            digits = false;
            out.push(c);
        }
    }
    out.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The node of the captures: the demo's, after a minute of work, a crash, and a mailroom
/// that is suspended with letters waiting.
async fn captured_node() -> (Node, LocalSource, App) {
    let node = demo_node().await;
    let source = LocalSource::new(&node);
    let mut app = App::new();
    tokio::time::sleep(Duration::from_secs(61)).await;
    app.refresh(&source).await;
    node.scope(async {
        let mailroom = Mailroom::named("mailroom");
        for _ in 0..120 {
            mailroom.deliver();
        }
        mailroom.delivered().await.unwrap();
        for n in [5, 10, 20] {
            common::Factorial::named("factorial2")
                .factorial(n)
                .await
                .unwrap();
        }
    })
    .await;
    crash_factorial1(&node).await;
    node.scope(async {
        otp_runtime::sys::suspend("mailroom").await.unwrap();
        for _ in 0..7 {
            Mailroom::named("mailroom").deliver();
        }
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    app.refresh(&source).await;
    (node, source, app)
}

/// Each screen, as the book's "Watching a running node" shows it
/// (`book/src/captures/*.txt`). A change to the screens fails here until the captures are
/// made again: `OTP_OBSERVER_BLESS=1 cargo test -p otp-observer --test tui`.
#[tokio::test(start_paused = true)]
async fn the_books_captures_are_current() {
    let (node, source, mut app) = captured_node().await;
    let mut screens = vec![("node", render(&app, 90, 21))];
    type_keys(&mut app, &source, "2").await;
    screens.push(("tree", render(&app, 90, 12)));
    type_keys(&mut app, &source, "3").await;
    screens.push(("processes", render(&app, 90, 12)));
    type_keys(&mut app, &source, "/factorial2\n\n").await;
    node.scope(async {
        let f = common::Factorial::named("factorial2");
        f.factorial(3).await.unwrap();
        f.factorial(4).await.unwrap();
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    app.refresh(&source).await;
    screens.push(("detail", render(&app, 90, 18)));
    type_keys(&mut app, &source, "\x1b\x1b3K").await;
    screens.push(("kill", render(&app, 90, 12)));
    node.scope(otp_runtime::sys::resume("mailroom"))
        .await
        .unwrap();

    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../book/src/captures");
    let bless = std::env::var_os("OTP_OBSERVER_BLESS").is_some();
    let mut stale = Vec::new();
    for (name, screen) in &screens {
        let path = dir.join(format!("{name}.txt"));
        if bless {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, screen).unwrap();
            continue;
        }
        let kept = std::fs::read_to_string(&path).unwrap_or_default();
        if mask(&kept) != mask(screen) {
            stale.push(format!("{}:\n{screen}", path.display()));
        }
    }
    assert!(
        stale.is_empty(),
        "captures out of date (OTP_OBSERVER_BLESS=1 makes them again):\n{}",
        stale.join("\n")
    );
}

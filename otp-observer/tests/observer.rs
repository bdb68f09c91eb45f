//! The observer's model without a terminal: the tree, the table (sorting, filtering), the
//! detail, and what the actions do to the node.

mod common;

use std::time::Duration;

use common::{crash_factorial1, demo_node, key, restarted_name, type_keys, Mailroom};
use otp_observer::{App, ChildStatus, LocalSource, Request, SortBy, Tab};
use otp_runtime::prelude::*;
use otp_runtime::sys::{self, LogFlag};

/// The tree: both roots, their children running, and a crash counted on the child and on
/// its supervisor's intensity.
#[tokio::test(start_paused = true)]
async fn the_tree_shows_states_restarts_and_intensity() {
    let node = demo_node().await;
    let source = LocalSource::new(&node);
    let mut app = App::new();
    app.refresh(&source).await;
    let s = app.snapshot.clone().unwrap();
    assert_eq!(s.trees.len(), 2);
    let f = &s.trees[0];
    assert_eq!(f.name.as_deref(), Some("factorial_sup"));
    assert_eq!((f.intensity_used, f.intensity, f.period_ms), (0, 5, 10_000));
    assert!(f.children.iter().all(|c| c.status == ChildStatus::Running));

    crash_factorial1(&node).await;
    app.refresh(&source).await;
    let s = app.snapshot.clone().unwrap();
    let f = &s.trees[0];
    assert_eq!((f.restarts, f.intensity_used), (1, 1));
    let c = &f.children[0];
    assert_eq!((c.id.as_str(), c.restarts), ("factorial1", 1));
    assert!(
        c.last_exit.as_deref().unwrap().contains("overflow"),
        "{c:?}"
    );
    // The process table agrees.
    let row = s.process(c.pid.unwrap()).unwrap();
    assert_eq!(row.restarts, 1);
    assert_eq!(row.child_of, Some((f.pid, "factorial1".into())));
    let lines = app.tree_lines();
    assert!(
        lines[1].text.starts_with("factorial1  running"),
        "{lines:?}"
    );
    assert!(
        lines[1].text.contains("restarts 1  last exit: "),
        "{lines:?}"
    );
}

/// Sorting by mailbox, rate and restarts, and filtering by name.
#[tokio::test(start_paused = true)]
async fn the_table_sorts_and_filters() {
    let node = demo_node().await;
    let source = LocalSource::new(&node);
    let mut app = App::new();
    app.refresh(&source).await;
    // Busy mailroom: 20 messages in a second. (Handles are made in the node's scope: a
    // name is looked up on the node current where the handle is made.)
    node.scope(async {
        let mailroom = Mailroom::named("mailroom");
        for _ in 0..20 {
            mailroom.deliver();
        }
        mailroom.delivered().await.unwrap();
    })
    .await;
    crash_factorial1(&node).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    app.refresh(&source).await;
    type_keys(&mut app, &source, "3").await;
    assert_eq!(app.tab, Tab::Processes);

    app.sort = SortBy::Rate;
    assert_eq!(app.process_rows()[0].label(), "mailroom");
    let rate = app.rates.by_pid[&app.process_rows()[0].pid];
    assert!(rate > 15.0 && rate < 25.0, "{rate}");
    app.sort = SortBy::Restarts;
    assert_eq!(app.process_rows()[0].label(), "factorial1");
    // A suspended mailroom's mailbox fills.
    node.scope(sys::suspend("mailroom")).await.unwrap();
    node.scope(async {
        for _ in 0..4 {
            Mailroom::named("mailroom").deliver();
        }
    })
    .await;
    app.refresh(&source).await;
    app.sort = SortBy::Mailbox;
    let top = app.process_rows()[0];
    assert_eq!(
        (top.label(), top.queue, top.status.as_str()),
        ("mailroom", Some(4), "suspended")
    );
    node.scope(sys::resume("mailroom")).await.unwrap();

    // `/fact` + Enter: only the factorial servers and their supervisor.
    type_keys(&mut app, &source, "/fact\n").await;
    let names: Vec<&str> = app.process_rows().iter().map(|p| p.label()).collect();
    assert_eq!(names.len(), 3);
    assert!(
        names.iter().all(|n| n.starts_with("factorial")),
        "{names:?}"
    );
    type_keys(&mut app, &source, "\x1b").await;
    assert_eq!(app.process_rows().len(), 5);
}

/// `K` asks, `n` cancels, `y` kills: the supervisor restarts the child, and the next
/// snapshot shows the new pid with one restart and `killed` as its last exit.
#[tokio::test(start_paused = true)]
async fn a_kill_asks_first_and_shows_as_a_restart() {
    let node = demo_node().await;
    let source = LocalSource::new(&node);
    let mut app = App::new();
    app.refresh(&source).await;
    let old = node.whereis("factorial2").unwrap();
    type_keys(&mut app, &source, "3/factorial2\n").await;
    assert_eq!(app.selected_pid(), Some(old));
    type_keys(&mut app, &source, "Kn").await;
    assert_eq!(app.message, "cancelled");
    assert!(node.is_alive(old));
    type_keys(&mut app, &source, "K").await;
    assert_eq!(
        app.pending.as_ref().unwrap().question,
        "kill factorial2? (y/n)"
    );
    assert_eq!(app.pending.as_ref().unwrap().request, Request::Kill(old));
    type_keys(&mut app, &source, "y").await;
    assert!(app.message.starts_with("killed"), "{}", app.message);
    let new = restarted_name(&node, "factorial2", old).await;
    app.refresh(&source).await;
    assert_eq!(app.selected_pid(), Some(new));
    let row = app.process_rows()[0];
    assert_eq!(
        (row.restarts, row.last_exit.as_deref()),
        (1, Some("killed"))
    );
}

/// `r` on a child in the tree: terminate_child, restart_child; a new pid, and no restart
/// counted (the supervisor did not decide it).
#[tokio::test(start_paused = true)]
async fn restart_a_child_from_the_tree() {
    let node = demo_node().await;
    let source = LocalSource::new(&node);
    let mut app = App::new();
    app.refresh(&source).await;
    let old = node.whereis("mailroom").unwrap();
    type_keys(&mut app, &source, "2").await;
    let line = app
        .tree_lines()
        .iter()
        .position(|l| l.text.starts_with("mailroom"))
        .unwrap();
    for _ in 0..line {
        type_keys(&mut app, &source, "j").await;
    }
    type_keys(&mut app, &source, "r").await;
    assert_eq!(
        app.pending.as_ref().unwrap().question,
        "restart child mailroom? (y/n)"
    );
    type_keys(&mut app, &source, "y").await;
    assert!(
        app.message.starts_with("restarted mailroom: now"),
        "{}",
        app.message
    );
    let new = node.whereis("mailroom").unwrap();
    assert_ne!(new, old);
    let new_text = node.scope(async { new.to_string() }).await;
    assert!(app.tree_lines()[line].text.contains(&new_text));
    // `r` on a supervisor line that is a root: nothing to restart.
    type_keys(&mut app, &source, "kkkkr").await;
    assert_eq!(app.message, "not a supervised child");
}

/// A dynamic supervisor's child has no id to restart by: `r` kills it, and its supervisor
/// restarts it (permanent).
#[tokio::test(start_paused = true)]
async fn restart_a_dynamic_child() {
    let node = otp_runtime::node::Node::new();
    let sup = node
        .scope(DynamicSupervisorSpec::worker("room", |_: ()| Mailroom::default()).start())
        .await
        .unwrap();
    let old = node.scope(sup.start_child(())).await.unwrap().unwrap();
    let source = LocalSource::new(&node);
    let mut app = App::new();
    app.refresh(&source).await;
    type_keys(&mut app, &source, "2jry").await;
    assert!(app.message.starts_with("killed"), "{}", app.message);
    for _ in 0..1000 {
        app.refresh(&source).await;
        let c = &app.snapshot.as_ref().unwrap().trees[0].children[0];
        if c.pid.is_some_and(|p| p != old) {
            assert_eq!(c.restarts, 1);
            return;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    panic!("not restarted");
}

/// The detail: state through get_state, links, the last events while the log is on; the
/// log off again once the detail is left.
#[tokio::test(start_paused = true)]
async fn the_detail_shows_state_links_and_events() {
    let node = demo_node().await;
    let source = LocalSource::new(&node);
    let mut app = App::new();
    app.refresh(&source).await;
    let mailroom = node.whereis("mailroom").unwrap();
    type_keys(&mut app, &source, "3/mailroom\n\n").await;
    assert_eq!((app.tab, app.detail), (Tab::Detail, Some(mailroom)));
    let i = app.inspect.clone().unwrap();
    assert_eq!(i.state.as_deref(), Ok("Mailroom { delivered: 0 }"));
    assert!(i.events.is_empty());
    let row = app
        .snapshot
        .as_ref()
        .unwrap()
        .process(mailroom)
        .unwrap()
        .clone();
    let sup = node.whereis("messenger_sup").unwrap();
    assert_eq!(row.links, vec![node.scope(async { sup.to_string() }).await]);

    node.scope(async {
        Mailroom::named("mailroom").deliver();
        Mailroom::named("mailroom").delivered().await.unwrap();
    })
    .await;
    app.refresh(&source).await;
    let i = app.inspect.clone().unwrap();
    assert_eq!(i.state.as_deref(), Ok("Mailroom { delivered: 1 }"));
    let events: Vec<&str> = i.events.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(events, ["cast", "call", "reply"]);

    type_keys(&mut app, &source, "\x1b").await;
    assert_eq!((app.tab, app.detail), (Tab::Processes, None));
    assert_eq!(node.scope(sys::log(mailroom, LogFlag::Get)).await, Ok(None));
    let _ = key('q');
}

//! Nodes as values: several nodes in one program, each with its own processes, names,
//! timers and applications; a stopped node; pids of another node; the orders a user sees.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use otp_runtime::application::{Application, NoConfig};
use otp_runtime::node::{InvalidNodeName, Node, NodeExit};
use otp_runtime::prelude::*;
use otp_runtime::RegisterError;

/// A counter: its state tells one process from another.
#[derive(Default)]
pub struct Kv {
    n: u64,
}

#[gen_server]
impl Kv {
    #[call]
    pub fn bump(&mut self) -> u64 {
        self.n += 1;
        self.n
    }

    #[call]
    pub fn crash(&mut self) {
        panic!("asked to crash");
    }
}

supervision_tree! {
    /// One counter named "kv" on whichever node starts the tree.
    pub KvSup: one_for_one, intensity 5 per 1s {
        worker "kv" => Kv::default(), name: "kv";
    }
}

/// The node of a process, seen from inside it.
async fn node_of_process(node: &Node) -> Node {
    let (tx, rx) = tokio::sync::oneshot::channel();
    node.spawn(|_ctx: ProcessCtx<()>| async move {
        let _ = tx.send(Node::current());
        ExitReason::Normal
    });
    rx.await.unwrap()
}

#[otp_runtime::test]
async fn two_nodes_register_the_same_name_and_serve_different_state() {
    let (a, b) = (Node::new(), Node::new());
    let kv_a = a
        .scope(async { Kv::default().start_named("kv").await.unwrap() })
        .await;
    let kv_b = b
        .scope(async { Kv::default().start_named("kv").await.unwrap() })
        .await;
    assert_ne!(kv_a.pid(), kv_b.pid());
    assert_eq!(a.whereis("kv"), kv_a.pid());
    assert_eq!(b.whereis("kv"), kv_b.pid());
    assert_eq!(
        otp_runtime::whereis("kv"),
        None,
        "the test's own node has no kv"
    );

    // Named handles resolve on the node they were made on, wherever they are used.
    let named_a = a.scope(async { Kv::named("kv") }).await;
    let named_b = b.scope(async { Kv::named("kv") }).await;
    assert_eq!(named_a.bump().await, Ok(1));
    assert_eq!(named_a.bump().await, Ok(2));
    assert_eq!(named_b.bump().await, Ok(1));
    let from_b = b.scope(async { named_a.bump().await }).await;
    assert_eq!(
        from_b,
        Ok(3),
        "used from b's scope, a's handle still reaches a's kv"
    );

    // With a's kv gone, a's handle never falls through to b's.
    kv_a.stop(ExitReason::Normal, INFINITY).await.unwrap();
    let got = named_a.bump().await;
    assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");
    assert_eq!(named_b.bump().await, Ok(2));
}

#[otp_runtime::test]
async fn each_node_numbers_its_own_pids_and_prints_them_relative_to_the_printer() {
    let (a, b) = (Node::new(), Node::new());
    let idle = |mut ctx: ProcessCtx<()>| async move {
        ctx.recv().await;
        ExitReason::Normal
    };
    let pa = a.spawn(idle).pid();
    let pb = b.spawn(idle).pid();
    assert_eq!((pa.id(), pb.id()), (1, 1), "each node starts at 1");
    assert_ne!(pa, pb);
    assert_eq!((pa.node(), pb.node()), (a.id(), b.id()));
    assert_eq!(a.sync_scope(|| pa.to_string()), "<0.1.0>");
    assert_eq!(a.sync_scope(|| pb.to_string()), "<1.1.0>");
    assert_eq!(b.sync_scope(|| pb.to_string()), "<0.1.0>");
}

#[otp_runtime::test]
async fn a_process_spawned_by_a_process_joins_its_node_and_so_does_a_task_spawned_with_spawn_task()
{
    let _first = Node::new(); // the program's default, if it had none: not `node`
    let node = Node::new();
    assert_eq!(node_of_process(&node).await, node);
    let (tx, rx) = tokio::sync::oneshot::channel();
    let parent = node.spawn(move |ctx: ProcessCtx<()>| async move {
        // A child spawned from inside, by the free function and by the context.
        let child = otp_runtime::spawn(|_c: ProcessCtx<()>| async { ExitReason::Normal });
        let linked = ctx.spawn_link(|_c: ProcessCtx<()>| async { ExitReason::Normal });
        // A server started from inside.
        let server = Kv::default().start().await.unwrap();
        // A task spawned the documented way, and one spawned with plain tokio::spawn.
        let task = Node::current().spawn_task(async { Node::current() });
        let plain = tokio::spawn(async { Node::current() });
        let _ = tx.send((
            child.pid().node(),
            linked.pid().node(),
            server.pid().unwrap().node(),
            task.await.unwrap(),
            plain.await.unwrap(),
        ));
        ExitReason::Normal
    });
    let (child, linked, server, task, plain) = rx.await.unwrap();
    assert_eq!((child, linked, server), (node.id(), node.id(), node.id()));
    assert_eq!(task, node);
    assert_ne!(plain, node, "a plain tokio task carries no node");
    assert_eq!(parent.wait_exit().await, ExitReason::Normal);
}

#[otp_runtime::test]
async fn process_and_timer_counts_are_per_node_and_back_to_zero_after_a_stop() {
    let (a, b) = (Node::new(), Node::new());
    let with_timer = |mut ctx: ProcessCtx<()>| async move {
        ctx.send_after(Duration::from_secs(3600), ());
        ctx.recv().await;
        ExitReason::Normal
    };
    for _ in 0..3 {
        a.spawn(with_timer);
    }
    b.spawn(with_timer);
    tokio::task::yield_now().await; // the processes set their timers
    assert_eq!((a.process_count(), a.timer_count()), (3, 3));
    assert_eq!((b.process_count(), b.timer_count()), (1, 1));
    assert_eq!(
        (otp_runtime::process_count(), otp_runtime::timer_count()),
        (0, 0),
        "the test's own node"
    );
    assert_eq!(
        a.scope(async { (otp_runtime::process_count(), otp_runtime::timer_count()) })
            .await,
        (3, 3)
    );

    assert_eq!(a.stop().await, NodeExit::Stopped);
    assert_eq!(a.process_count(), 0);
    // An aborted timer task ends at its next turn.
    for _ in 0..10 {
        if a.timer_count() == 0 {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(a.timer_count(), 0);
    assert_eq!((b.process_count(), b.timer_count()), (1, 1));
}

// ---- stopping one node while another serves -----------------------------------------------

struct KvApp;

impl Application for KvApp {
    const NAME: &'static str = "kv-app";
    const VERSION: &'static str = "1.0.0";
    type Config = NoConfig;

    async fn start(&self, _: &NoConfig) -> Result<SupervisorRef, StartError> {
        Ok(KvSup::start_link().await?.into())
    }
}

#[otp_runtime::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_a_node_with_an_application_leaves_another_nodes_calls_untouched() {
    let a = Node::new().application(KvApp).start().await.unwrap();
    let b = Node::new().application(KvApp).start().await.unwrap();
    let a_pids = a.processes();
    assert!(a_pids.len() >= 3, "controller, supervisor, kv: {a_pids:?}");
    let kv_b = b.scope(async { Kv::named("kv") }).await;

    // Clients call b's kv all through a's stop.
    let calls = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let (kv_b, calls) = (kv_b.clone(), calls.clone());
            tokio::spawn(async move {
                let mut last = 0;
                for _ in 0..500 {
                    let n = kv_b.bump().await.expect("b's calls never fail");
                    assert!(n > last, "b's kv kept its state");
                    last = n;
                    calls.fetch_add(1, Ordering::Relaxed);
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    while calls.load(Ordering::Relaxed) < 100 {
        tokio::task::yield_now().await;
    }
    assert_eq!(a.stop().await, NodeExit::Stopped);
    for c in clients {
        c.await.unwrap();
    }
    assert_eq!(kv_b.bump().await, Ok(2001));

    // a: every process ended, every name free; b: untouched.
    assert_eq!(a.process_count(), 0);
    assert!(a.registered().is_empty());
    for pid in a_pids {
        assert!(!a.is_alive(pid));
    }
    assert_eq!(
        b.which_applications().await.unwrap()[0].name,
        "kv-app",
        "b still runs its application"
    );
    assert_eq!(
        b.registered()
            .iter()
            .map(|n| n.as_str().to_owned())
            .collect::<Vec<_>>(),
        ["kv"]
    );
    assert_eq!(b.stop().await, NodeExit::Stopped);
}

// ---- stopping a node without applications -------------------------------------------------

/// Records its `terminate`: a server that traps exits.
struct Traps {
    name: &'static str,
    log: Arc<Mutex<Vec<String>>>,
}

impl GenServer for Traps {
    type Call = ();
    type Reply = ();
    type Cast = ();
    type Info = ();
    type Continue = ();

    async fn init(&mut self, ctx: &mut Ctx<Self>) -> Init {
        ctx.trap_exit(true);
        Init::Ok
    }

    async fn handle_call(&mut self, _: (), _ctx: &mut Ctx<Self>) -> CallResult<()> {
        CallResult::Reply(())
    }

    async fn terminate(&mut self, reason: &ExitReason, _ctx: &mut Ctx<Self>) {
        self.log
            .lock()
            .unwrap()
            .push(format!("{} {reason}", self.name));
    }
}

fn traps(name: &'static str, log: &Arc<Mutex<Vec<String>>>) -> ChildSpec {
    let log = log.clone();
    ChildSpec::worker(name, move || Traps {
        name,
        log: log.clone(),
    })
}

#[otp_runtime::test(start_paused = true)]
async fn a_stop_shuts_down_servers_started_from_outside_and_supervisors_stop_children_in_order() {
    let node = Node::new();
    let log = Arc::new(Mutex::new(Vec::new()));
    let sup = node
        .scope(
            SupervisorSpec::one_for_one()
                .child(traps("first", &log))
                .child(traps("second", &log))
                .child(traps("third", &log))
                .start(),
        )
        .await
        .unwrap();
    let alone = Traps {
        name: "alone",
        log: log.clone(),
    };
    node.scope(alone.start()).await.unwrap();
    let sup_pid = sup.pid().unwrap();
    assert_eq!(node.process_count(), 5);

    assert_eq!(node.stop().await, NodeExit::Stopped);
    assert!(!node.is_alive(sup_pid));
    assert_eq!(node.process_count(), 0);
    let log = log.lock().unwrap().clone();
    // Each ended by its `terminate`, with `shutdown`: the server started from outside took
    // the node's signal as its parent's; the supervisor's children were stopped by their
    // supervisor, in reverse start order (not by the node, and never restarted).
    let children: Vec<&String> = log.iter().filter(|l| !l.starts_with("alone")).collect();
    assert_eq!(
        children,
        ["third shutdown", "second shutdown", "first shutdown"]
    );
    assert!(log.contains(&"alone shutdown".to_string()), "{log:?}");
}

#[otp_runtime::test(start_paused = true)]
async fn a_process_that_ignores_the_shutdown_is_killed_after_the_nodes_shutdown_timeout() {
    let node = Node::new().shutdown_timeout(Duration::from_secs(2));
    let stubborn = node.spawn(|mut ctx: ProcessCtx<()>| async move {
        ctx.trap_exit(true);
        loop {
            // It sees the node's `shutdown` as a message, and goes on.
            if let Message::Exit { from, reason } = ctx.recv().await {
                assert_eq!(
                    (from.to_string(), reason),
                    ("<0.0.0>".into(), ExitReason::Shutdown)
                );
            }
        }
    });
    let polite = node.spawn(|mut ctx: ProcessCtx<()>| async move {
        ctx.recv().await;
        ExitReason::Normal
    });
    tokio::task::yield_now().await;
    let started = tokio::time::Instant::now();
    assert_eq!(node.stop().await, NodeExit::Stopped);
    assert_eq!(started.elapsed(), Duration::from_secs(2));
    assert_eq!(polite.wait_exit().await, ExitReason::Shutdown);
    assert_eq!(stubborn.wait_exit().await, ExitReason::Killed);
}

// ---- bad input: a stopped node, a pid of another node -------------------------------------

#[otp_runtime::test]
async fn a_stopped_node_takes_no_new_processes_and_says_so() {
    let node = Node::new();
    let kv = node.scope(Kv::default().start_named("kv")).await.unwrap();
    assert_eq!(node.stop().await, NodeExit::Stopped);
    assert_eq!(
        node.stop().await,
        NodeExit::Stopped,
        "a second stop says how it ended"
    );
    assert!(node.is_stopped());
    let got = kv.bump().await;
    assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");

    let p = node.spawn(|_ctx: ProcessCtx<()>| async { unreachable!("never runs") });
    assert!(!p.is_alive());
    assert_eq!(p.wait_exit().await, ExitReason::NoConnection);
    assert_eq!(
        node.scope(Kv::default().start()).await.unwrap_err(),
        StartError::NodeStopped
    );
    assert_eq!(
        node.scope(Kv::default().start_named("kv"))
            .await
            .unwrap_err(),
        StartError::NodeStopped
    );
    assert_eq!(
        node.scope(SupervisorSpec::one_for_one().start())
            .await
            .unwrap_err(),
        StartError::NodeStopped
    );
    assert_eq!(node.register("late", p.pid()), Err(RegisterError::NoProc));
    assert_eq!(node.process_count(), 0);
    assert_eq!(
        node.clone().start().await.unwrap_err(),
        otp_runtime::node::BootError::Stopped
    );
    let got = node.which_applications().await;
    assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");
}

#[otp_runtime::test]
async fn operations_on_a_pid_of_another_node_fail_as_for_a_node_out_of_reach() {
    let (a, b) = (Node::new(), Node::new());
    let other = b.spawn(|mut ctx: ProcessCtx<()>| async move {
        ctx.recv().await;
        ExitReason::Normal
    });
    let pid = other.pid();
    let kv = b.scope(Kv::default().start()).await.unwrap();
    let kv_pid = kv.pid().unwrap();

    let (tx, rx) = tokio::sync::oneshot::channel();
    let watcher = a.spawn(move |mut ctx: ProcessCtx<()>| async move {
        ctx.trap_exit(true);
        let m = ctx.monitor(pid);
        let down = ctx.recv().await;
        ctx.link(pid);
        let exit = ctx.recv().await;
        let registered = otp_runtime::register("theirs", pid);
        let from_pid = ServerRef::<Kv>::from_pid(kv_pid).map(|_| ());
        let waited = otp_runtime::wait_exit(pid).await;
        let alive = otp_runtime::is_alive(pid);
        // Dropped, with a warning: the process of the other node lives on.
        otp_runtime::exit(pid, ExitReason::Kill);
        let _ = tx.send((m, down, exit, registered, from_pid, waited, alive));
        ExitReason::Normal
    });
    let (m, down, exit, registered, from_pid, waited, alive) = rx.await.unwrap();
    assert_eq!(
        down,
        Message::Down {
            monitor: m,
            pid,
            reason: ExitReason::NoConnection
        }
    );
    assert_eq!(
        exit,
        Message::Exit {
            from: pid,
            reason: ExitReason::NoConnection
        }
    );
    assert_eq!(registered, Err(RegisterError::NotLocal(pid)));
    assert_eq!(from_pid, Err(CallError::NoConnection(kv_pid)));
    assert_eq!(waited, ExitReason::NoConnection);
    assert!(!alive);
    assert_eq!(watcher.wait_exit().await, ExitReason::Normal);
    assert!(other.is_alive(), "an exit signal across nodes is dropped");
    // A handle is its process, not a pid to look up: it reaches it from anywhere.
    assert_eq!(a.scope(kv.bump()).await, Ok(1));
    // A name is looked up on one node only.
    b.register("theirs", pid).unwrap();
    assert_eq!(a.whereis("theirs"), None);
    assert_eq!(b.whereis("theirs"), Some(pid));
}

#[test]
fn node_names_follow_erlangs_form() {
    for good in [
        "a@b",
        "node_1@host.example.org",
        "my-node@localhost",
        "A@127.0.0.1",
    ] {
        assert_eq!(Node::named(good).unwrap().name(), good);
    }
    for bad in ["", "a", "@b", "a@", "a@b@c", "a b@c", "a@b c", "é@x"] {
        assert_eq!(
            Node::named(bad),
            Err(InvalidNodeName(bad.into())),
            "{bad:?}"
        );
    }
}

// ---- orders a user can observe ---------------------------------------------------------------

/// What one run observes: the order of names, of `EXIT`s through links, of `DOWN`s, of a
/// supervisor's children, and of a node's stop.
async fn observed_orders() -> Vec<String> {
    let node = Node::new();
    let mut seen = Vec::new();
    let idle = |mut ctx: ProcessCtx<()>| async move {
        ctx.recv().await;
        ExitReason::Normal
    };
    // Names: sorted, whatever order they were registered in.
    for name in ["m", "z", "a", "k", "b", "y"] {
        let p = node.spawn(idle);
        node.register(name, p.pid()).unwrap();
    }
    seen.push(format!("{:?}", node.registered()));

    // A process linked to (and monitored by) several: its death's signals go out in the
    // order the links (and monitors) were made.
    let target = node.spawn(|mut ctx: ProcessCtx<()>| async move {
        ctx.recv().await;
        ExitReason::other("gone")
    });
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut watchers = Vec::new();
    for i in 0..8 {
        let (t, log) = (target.pid(), log.clone());
        watchers.push(node.spawn(move |mut ctx: ProcessCtx<()>| async move {
            ctx.trap_exit(true);
            if i % 2 == 0 {
                ctx.link(t);
            } else {
                ctx.monitor(t);
            }
            match ctx.recv().await {
                Message::Exit { .. } => log.lock().unwrap().push(format!("exit {i}")),
                Message::Down { .. } => log.lock().unwrap().push(format!("down {i}")),
                Message::Msg(()) => {}
            }
            ExitReason::Normal
        }));
    }
    tokio::task::yield_now().await; // every watcher has linked or monitored
    let links: Vec<u64> = node
        .sync_scope(|| otp_runtime::links(target.pid()))
        .iter()
        .map(|p| p.id())
        .collect();
    seen.push(format!("{links:?}"));
    target.send(()).unwrap();
    for w in &watchers {
        w.wait_exit().await;
    }
    seen.push(format!("{:?}", log.lock().unwrap()));

    // A supervisor's children, and a stop that goes through it.
    let stops = Arc::new(Mutex::new(Vec::new()));
    let sup = node
        .scope(async {
            let mut spec = SupervisorSpec::one_for_one();
            for id in ["c", "a", "d", "b"] {
                spec = spec.child(traps(id, &stops));
            }
            spec.start().await.unwrap()
        })
        .await;
    let children: Vec<String> = sup
        .which_children()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id.to_string())
        .collect();
    seen.push(format!("{children:?}"));
    node.stop().await;
    seen.push(format!("{:?}", stops.lock().unwrap()));
    seen
}

#[otp_runtime::test]
async fn the_orders_a_user_sees_are_the_same_in_every_run() {
    let first = observed_orders().await;
    assert_eq!(
        first,
        [
            r#"["a", "b", "k", "m", "y", "z"]"#.to_string(),
            // The target is process 7 of its node; the watchers 8 to 15, the even ones linked.
            "[8, 10, 12, 14]".into(),
            // The links first, in the order they were made, then the monitors, likewise.
            r#"["exit 0", "exit 2", "exit 4", "exit 6", "down 1", "down 3", "down 5", "down 7"]"#
                .into(),
            // which_children: newest first, as OTP.
            r#"["b", "d", "a", "c"]"#.into(),
            // A supervisor stops its children in reverse start order.
            r#"["b shutdown", "d shutdown", "a shutdown", "c shutdown"]"#.into(),
        ]
    );
    for run in 1..100 {
        assert_eq!(observed_orders().await, first, "run {run}");
    }
}

// ---- reports -----------------------------------------------------------------------------------

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
async fn the_reports_of_a_named_node_say_which_node() {
    let out = Buffer::default();
    let reporter = otp_runtime::report::Reporter::new().writer(out.clone());
    let _reports = tracing::subscriber::set_default(reporter);
    let node = Node::named("reporter@localhost").unwrap();
    let kv = node.scope(Kv::default().start()).await.unwrap();
    let _ = kv.crash().await;
    let kv = Kv::default().start().await.unwrap(); // on the test's node, nonode@nohost
    let _ = kv.crash().await;
    let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    let reports: Vec<&str> = text.split("=CRASH REPORT").skip(1).collect();
    assert_eq!(reports.len(), 2, "{text}");
    assert!(
        reports[0].contains("\n    node: reporter@localhost\n"),
        "{text}"
    );
    assert!(!reports[1].contains("node:"), "{text}");
}

// ---- what the review of the stop found ----------------------------------------------------

/// Logs its name when its state is dropped: when its process dies, trapping or not.
struct DropLog {
    name: &'static str,
    log: Arc<Mutex<Vec<String>>>,
}

impl Drop for DropLog {
    fn drop(&mut self) {
        self.log.lock().unwrap().push(self.name.to_string());
    }
}

#[gen_server]
impl DropLog {
    #[call]
    fn ping(&self) {}
}

#[otp_runtime::test(start_paused = true)]
async fn a_stop_leaves_a_supervisors_children_to_it_even_when_they_do_not_trap_exits() {
    let node = Node::new();
    let log = Arc::new(Mutex::new(Vec::new()));
    let child = |name: &'static str| {
        let log = log.clone();
        ChildSpec::worker(name, move || DropLog {
            name,
            log: log.clone(),
        })
    };
    let spec = SupervisorSpec::one_for_one()
        .child(child("first"))
        .child(child("second"))
        .child(child("third"));
    node.scope(spec.start()).await.unwrap();
    assert_eq!(node.stop().await, NodeExit::Stopped);
    // The node signals the supervisor only; it stops its children newest first.
    assert_eq!(*log.lock().unwrap(), ["third", "second", "first"]);
}

struct SlowStart;

impl Application for SlowStart {
    const NAME: &'static str = "slow-start";
    const VERSION: &'static str = "1.0.0";
    type Config = NoConfig;

    async fn start(&self, _: &NoConfig) -> Result<SupervisorRef, StartError> {
        otp_runtime::time::sleep(Duration::from_secs(10)).await;
        KvSup::start_link().await.map(Into::into)
    }
}

#[otp_runtime::test(start_paused = true)]
async fn a_start_whose_caller_gives_up_still_boots_and_the_node_stops() {
    let node = Node::new().application(SlowStart);
    let gave_up = otp_runtime::time::timeout(Duration::from_secs(1), node.clone().start()).await;
    assert!(gave_up.is_none());
    // The boot went on without its caller: the node runs, and stops.
    otp_runtime::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(
        node.which_applications().await.unwrap()[0].name,
        "slow-start"
    );
    assert!(node.whereis("kv").is_some());
    assert_eq!(node.stop().await, NodeExit::Stopped);
    assert_eq!(node.process_count(), 0);
}

#[otp_runtime::test(start_paused = true)]
async fn a_stop_asked_for_during_the_boot_stops_the_node_once_booted() {
    let node = Node::new().application(SlowStart);
    let boot = tokio::spawn(node.clone().start());
    tokio::task::yield_now().await;
    assert_eq!(node.stop().await, NodeExit::Stopped);
    assert!(boot.await.unwrap().is_ok(), "the boot itself succeeded");
    assert_eq!(node.process_count(), 0);
}

struct StopsItself;

impl Application for StopsItself {
    const NAME: &'static str = "stops-itself";
    const VERSION: &'static str = "1.0.0";
    type Config = NoConfig;

    async fn start(&self, _: &NoConfig) -> Result<SupervisorRef, StartError> {
        Node::current().stop().await; // would wait for this very start
        unreachable!("Node::stop panics here")
    }
}

#[otp_runtime::test]
async fn node_stop_during_the_boot_panics_in_the_caller_instead_of_waiting_for_itself() {
    let err = Node::new()
        .application(StopsItself)
        .start()
        .await
        .unwrap_err();
    let otp_runtime::node::BootError::StartFailed { error, .. } = &err else {
        panic!("{err:?}");
    };
    assert!(
        error.to_string().contains("which would wait for itself"),
        "{err}"
    );
}

#[otp_runtime::test]
async fn a_supervisors_children_are_found_on_its_node_from_anywhere() {
    let node = Node::new();
    let sup = node.scope(KvSup::start()).await.unwrap();
    // From the test's own node: the child is looked up on the supervisor's.
    let kv = sup.child::<Kv>("kv").await.unwrap();
    assert_eq!(KvRef::from(kv).bump().await, Ok(1));
}

#[tokio::test]
async fn a_node_whose_runtime_ends_is_left_stopped_not_running() {
    let node = std::thread::spawn(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async { Node::new().application(KvApp).start().await.unwrap() })
        // The runtime, its processes and the task watching the controller end here.
    })
    .join()
    .unwrap();
    assert_eq!(node.exit(), Some(NodeExit::Aborted(ExitReason::Killed)));
    assert!(node.is_stopped());
    assert_eq!(
        node.stop().await,
        NodeExit::Aborted(ExitReason::Killed),
        "no hang"
    );
}

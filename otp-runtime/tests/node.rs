//! Nodes and applications (otp-semantics §A6): boot in dependency order, stop in reverse,
//! what each start type does when an application exits, failed boots, and the node's API.

mod node_common;

use node_common::{running, stopped, worker, App, Log, Worker};
use otp_runtime::application::{self, Application, NoConfig};
use otp_runtime::node::{ApplicationError, BootError, Node, NodeExit};
use otp_runtime::prelude::*;

#[otp_runtime::test]
async fn applications_start_after_their_dependencies_and_stop_in_reverse() {
    def!(Web = "order-web" ["order-db", "order-cache"]);
    def!(Cache = "order-cache"["order-db"]);
    def!(Db = "order-db");
    let log = Log::default();
    let node = Node::current()
        .application(App::<Web>::new(&log))
        .application(App::<Cache>::new(&log))
        .application(App::<Db>::new(&log))
        .start()
        .await
        .unwrap();
    assert_eq!(
        log.take(),
        ["start order-db", "start order-cache", "start order-web"]
    );
    assert_eq!(
        running(&node).await,
        ["order-db", "order-cache", "order-web"]
    );
    // The applications serve while the node runs.
    assert_eq!(
        Worker::named("order-web/w").name().await,
        Ok("order-web/w".to_string())
    );

    assert_eq!(node.stop().await, NodeExit::Stopped);
    // Each application: prep_stop, its tree shut down, stop; the last started first.
    let expected: Vec<String> = ["order-web", "order-cache", "order-db"]
        .iter()
        .flat_map(|a| stopped(a))
        .collect();
    assert_eq!(log.take(), expected);
    let got = Worker::named("order-db/w").name().await;
    assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");
    let got = node.which_applications().await;
    assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");
    // Stopping again says how it ended.
    assert_eq!(node.stop().await, NodeExit::Stopped);
}

#[otp_runtime::test]
async fn a_missing_or_cyclic_dependency_stops_the_boot_before_anything_starts() {
    def!(Web = "dep-web"["dep-db"]);
    def!(A = "dep-a"["dep-b"]);
    def!(B = "dep-b"["dep-a"]);
    def!(Twice = "dep-twice");
    let log = Log::default();

    let err = Node::new()
        .application(App::<Web>::new(&log))
        .start()
        .await
        .unwrap_err();
    assert_eq!(
        err,
        BootError::MissingDependency {
            application: "dep-web",
            dependency: "dep-db"
        }
    );
    assert_eq!(
        err.to_string(),
        "application dep-web depends on dep-db, which is not in the node"
    );

    let err = Node::new()
        .application(App::<Twice>::new(&log))
        .application(App::<A>::new(&log))
        .application(App::<B>::new(&log))
        .start()
        .await
        .unwrap_err();
    assert_eq!(
        err,
        BootError::DependencyCycle(vec!["dep-a", "dep-b", "dep-a"])
    );
    assert_eq!(
        err.to_string(),
        "applications depend on each other: dep-a -> dep-b -> dep-a"
    );

    let err = Node::new()
        .application(App::<Twice>::new(&log))
        .application(App::<Twice>::new(&log))
        .start()
        .await
        .unwrap_err();
    assert_eq!(err, BootError::Duplicate("dep-twice"));
    assert_eq!(log.take(), Vec::<String>::new(), "nothing started");
}

#[otp_runtime::test]
async fn a_permanent_application_that_exits_stops_the_node_even_normally() {
    def!(A = "perm-a");
    def!(B = "perm-b");
    def!(C = "perm-c");
    let log = Log::default();
    let node = Node::current()
        .application(App::<A>::new(&log))
        .application(App::<B>::new(&log))
        .application(App::<C>::new(&log))
        .start()
        .await
        .unwrap();
    log.take();
    // B's top supervisor ends on its own, normally.
    SupervisorRef::named("perm-b").stop().await.unwrap();
    assert_eq!(
        node.wait().await,
        NodeExit::ApplicationTerminated {
            application: "perm-b",
            reason: ExitReason::Normal
        }
    );
    let mut expected = vec![
        "terminate perm-b/w".to_string(),
        "prep_stop perm-b".into(),
        "stop perm-b".into(),
    ];
    expected.extend(stopped("perm-c"));
    expected.extend(stopped("perm-a"));
    assert_eq!(log.take(), expected);
    assert_eq!(
        NodeExit::ApplicationTerminated {
            application: "perm-b",
            reason: ExitReason::Normal
        }
        .to_string(),
        "application perm-b terminated: normal"
    );
}

#[otp_runtime::test]
async fn a_transient_application_may_end_normally_but_a_top_supervisor_that_gives_up_stops_the_node(
) {
    def!(Other = "trans-other");
    def!(Ends = "trans-ends" Transient);
    def!(GivesUp = "trans-gives-up" Transient);
    let log = Log::default();
    let node = Node::current()
        .application(App::<Other>::new(&log))
        .application(App::<Ends>::new(&log))
        // No restart allowed: the first crash makes the supervisor give up, exit `shutdown`.
        .application(App::<GivesUp>::with_tree(&log, |name, log| {
            SupervisorSpec::one_for_one()
                .intensity(0, std::time::Duration::from_secs(5))
                .child(worker(name, "w", log))
        }))
        .start()
        .await
        .unwrap();
    SupervisorRef::named("trans-ends").stop().await.unwrap();
    // Reported; the node goes on.
    assert_eq!(running(&node).await, ["trans-other", "trans-gives-up"]);
    assert!(otp_runtime::is_alive(node.pid().unwrap()));

    let _ = Worker::named("trans-gives-up/w").crash().await;
    assert_eq!(
        node.wait().await,
        NodeExit::ApplicationTerminated {
            application: "trans-gives-up",
            reason: ExitReason::Shutdown
        }
    );
    let got = Worker::named("trans-other/w").name().await;
    assert!(
        matches!(got, Err(CallError::NoProc { .. })),
        "the other application was stopped"
    );
}

#[otp_runtime::test]
async fn a_transient_application_killed_stops_the_node() {
    def!(Killed = "killed-trans" Transient);
    let log = Log::default();
    let node = Node::current()
        .application(App::<Killed>::new(&log))
        .start()
        .await
        .unwrap();
    let top = SupervisorRef::named("killed-trans").pid().unwrap();
    otp_runtime::exit(top, ExitReason::Kill);
    assert_eq!(
        node.wait().await,
        NodeExit::ApplicationTerminated {
            application: "killed-trans",
            reason: ExitReason::Killed
        }
    );
}

#[otp_runtime::test]
async fn a_temporary_application_that_exits_is_only_reported() {
    def!(Temp = "temp-app" Temporary);
    def!(Stays = "temp-stays");
    let log = Log::default();
    let node = Node::current()
        .application(App::<Temp>::new(&log))
        .application(App::<Stays>::new(&log))
        .start()
        .await
        .unwrap();
    log.take();
    let top = SupervisorRef::named("temp-app").pid().unwrap();
    otp_runtime::exit(top, ExitReason::Kill);
    otp_runtime::wait_exit(top).await;
    assert_eq!(running(&node).await, ["temp-stays"]);
    assert_eq!(
        node.stop_application("temp-app").await,
        Err(ApplicationError::NotRunning("temp-app".into()))
    );
    // Its prep_stop and stop ran when it exited. (Its worker traps exits, so it runs its
    // terminate on its supervisor's exit signal, at its own pace.)
    let callbacks: Vec<String> = log
        .take()
        .into_iter()
        .filter(|l| !l.starts_with("terminate"))
        .collect();
    assert_eq!(callbacks, ["prep_stop temp-app", "stop temp-app"]);
    assert_eq!(node.stop().await, NodeExit::Stopped);
}

#[otp_runtime::test]
async fn stopping_one_application_leaves_the_others_running() {
    def!(A = "stop1-a");
    def!(B = "stop1-b");
    let log = Log::default();
    let node = Node::current()
        .application(App::<A>::new(&log))
        .application(App::<B>::new(&log))
        .start()
        .await
        .unwrap();
    log.take();
    // A permanent application, stopped on request: not an exit, the node goes on.
    node.stop_application("stop1-a").await.unwrap();
    assert_eq!(log.take(), stopped("stop1-a"));
    assert_eq!(running(&node).await, ["stop1-b"]);
    assert_eq!(
        node.stop_application("stop1-a").await,
        Err(ApplicationError::NotRunning("stop1-a".into()))
    );
    assert_eq!(
        node.stop_application("nope").await,
        Err(ApplicationError::Unknown("nope".into()))
    );
    assert_eq!(node.stop().await, NodeExit::Stopped);
    assert_eq!(log.take(), stopped("stop1-b"));
    assert!(matches!(
        node.stop_application("stop1-b").await,
        Err(ApplicationError::Call(CallError::NoProc { .. }))
    ));
}

/// A worker whose init refuses to start.
struct NoDisk;

#[gen_server]
impl NoDisk {
    #[init]
    fn init(&mut self) -> Init {
        Init::Stop(ExitReason::other("no disk"))
    }

    #[call]
    fn ping(&self) {}
}

#[otp_runtime::test]
async fn a_failed_start_names_the_child_and_stops_the_applications_started_before() {
    def!(First = "fail-first");
    def!(Second = "fail-second");
    def!(Third = "fail-third");
    let log = Log::default();
    let err = Node::new()
        .application(App::<First>::new(&log))
        .application(App::<Second>::with_tree(&log, |name, log| {
            SupervisorSpec::one_for_one()
                .child(worker(name, "w", log))
                .child(ChildSpec::worker("db", || NoDisk))
        }))
        .application(App::<Third>::new(&log))
        .start()
        .await
        .unwrap_err();
    let BootError::StartFailed { application, error } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(*application, "fail-second");
    assert!(matches!(error, StartError::ChildFailed { id, .. } if &**id == "db"));
    assert_eq!(
        err.to_string(),
        "application fail-second failed to start: child \"db\" failed to start: init failed: no disk"
    );
    let mut expected = vec![
        "start fail-first".to_string(),
        "start fail-second".into(),
        // The supervisor stopped its started child itself; then the node stops the first.
        "terminate fail-second/w".into(),
    ];
    expected.extend(stopped("fail-first"));
    assert_eq!(log.take(), expected);
    // Its configuration is forgotten with it (it was registered while it ran).
    assert!(application::config::<App<First>>().is_none());
}

#[otp_runtime::test]
async fn a_temporary_application_that_fails_to_start_is_reported_and_its_dependents_cannot_start() {
    def!(Flaky = "flaky-temp" Temporary);
    def!(Alone = "flaky-alone");
    def!(Needs = "flaky-needs"["flaky-temp"]);
    let log = Log::default();
    let failing = |log: &Log| {
        App::<Flaky>::with_tree(log, |_, _| {
            SupervisorSpec::one_for_one().child(ChildSpec::worker("db", || NoDisk))
        })
    };
    // Alone: the boot goes on without it.
    let node = Node::current()
        .application(failing(&log))
        .application(App::<Alone>::new(&log))
        .start()
        .await
        .unwrap();
    assert_eq!(running(&node).await, ["flaky-alone"]);
    assert_eq!(node.stop().await, NodeExit::Stopped);
    // With a dependent: the dependent cannot start, and it is permanent.
    let err = Node::new()
        .application(failing(&log))
        .application(App::<Needs>::new(&log))
        .start()
        .await
        .unwrap_err();
    assert_eq!(
        err,
        BootError::DependencyNotRunning {
            application: "flaky-needs",
            dependency: "flaky-temp"
        }
    );
}

struct Panics;

impl Application for Panics {
    const NAME: &'static str = "panics-in-start";
    const VERSION: &'static str = "0.1.0";
    type Config = NoConfig;

    async fn start(&self, _: &NoConfig) -> Result<SupervisorRef, StartError> {
        panic!("no start today")
    }
}

/// Starts its top supervisor unlinked: the node could never stop it.
struct Unlinked;

impl Application for Unlinked {
    const NAME: &'static str = "unlinked-top";
    const VERSION: &'static str = "0.1.0";
    type Config = NoConfig;

    async fn start(&self, _: &NoConfig) -> Result<SupervisorRef, StartError> {
        SupervisorSpec::one_for_one()
            .name("unlinked-top-sup")
            .start()
            .await
    }
}

#[otp_runtime::test]
async fn a_start_that_panics_or_leaves_its_top_unlinked_fails() {
    let err = Node::new().application(Panics).start().await.unwrap_err();
    assert_eq!(
        err,
        BootError::StartFailed {
            application: "panics-in-start",
            error: StartError::Failed(ExitReason::Panic("no start today".into()))
        }
    );

    let err = Node::new().application(Unlinked).start().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "application unlinked-top failed to start: init failed: the top process is not \
         linked to the node: start it with start_link"
    );
    let sup = SupervisorRef::named("unlinked-top-sup");
    // Killed by the node: nothing is left running behind a failed boot.
    let reason = tokio::time::timeout(std::time::Duration::from_secs(10), sup.wait_exit());
    assert!(matches!(
        reason.await,
        Ok(ExitReason::Killed | ExitReason::NoProc)
    ));
}

#[otp_runtime::test]
async fn two_nodes_run_applications_of_the_same_name_each_with_its_own_tree() {
    def!(Single = "single-app");
    let log = Log::default();
    let first = Node::new()
        .application(App::<Single>::new(&log))
        .start()
        .await
        .unwrap();
    let second = Node::new()
        .application(App::<Single>::new(&log))
        .start()
        .await
        .unwrap();
    let top = |n: &Node| n.whereis("single-app").unwrap();
    assert_ne!(top(&first), top(&second));
    // A node runs an application once: starting it again is refused.
    let err = first.clone().start().await.unwrap_err();
    assert_eq!(err, BootError::AlreadyStarted);
    assert_eq!(first.stop().await, NodeExit::Stopped);
    assert_eq!(running(&second).await, ["single-app"]);
    assert_eq!(second.stop().await, NodeExit::Stopped);
    assert_eq!(first.start().await.unwrap_err(), BootError::Stopped);
}

#[otp_runtime::test]
async fn a_killed_controller_aborts_the_node_and_its_trees_go_down_with_it() {
    def!(Tree = "aborted-tree");
    let log = Log::default();
    let node = Node::current()
        .application(App::<Tree>::new(&log))
        .start()
        .await
        .unwrap();
    let top = SupervisorRef::named("aborted-tree").pid().unwrap();
    otp_runtime::exit(node.pid().unwrap(), ExitReason::Kill);
    assert_eq!(node.wait().await, NodeExit::Aborted(ExitReason::Killed));
    // The top supervisor got its parent's exit signal and shut its tree down.
    otp_runtime::wait_exit(top).await;
    assert!(!otp_runtime::is_alive(top));
    assert!(log.take().contains(&"terminate aborted-tree/w".to_string()));
    // The node has stopped: nothing of it is left, and its names are free.
    assert_eq!((node.process_count(), node.registered()), (0, vec![]));
    assert!(node.is_stopped());
}

#[otp_runtime::test]
async fn a_node_exit_is_the_programs_exit_code() {
    use std::process::{ExitCode, Termination};
    assert_eq!(NodeExit::Stopped.report(), ExitCode::SUCCESS);
    let failed = NodeExit::ApplicationTerminated {
        application: "x",
        reason: ExitReason::Killed,
    };
    assert_eq!(failed.report(), ExitCode::FAILURE);
}

/// Shuts its own node down from inside, as a process of an application would.
struct Stopper {
    node: std::sync::Arc<std::sync::OnceLock<Node>>,
}

#[gen_server]
impl Stopper {
    #[init]
    fn init(&mut self, ctx: &mut Ctx<Self>) {
        ctx.trap_exit(true);
    }

    #[call]
    fn shut_the_node_down(&self) {
        self.node.get().expect("set once booted").request_stop();
    }
}

#[otp_runtime::test]
async fn a_process_of_the_node_stops_it_with_request_stop_without_waiting_for_itself() {
    def!(Inner = "stops-itself");
    let node_cell = std::sync::Arc::new(std::sync::OnceLock::new());
    let cell = node_cell.clone();
    let log = Log::default();
    let node = Node::current()
        .application(App::<Inner>::with_tree(&log, move |_, _| {
            let cell = cell.clone();
            // Infinity: a stop that waited for this child's own call would never end.
            SupervisorSpec::one_for_one().child(
                ChildSpec::worker("stopper", move || Stopper { node: cell.clone() })
                    .name("stopper")
                    .shutdown(Shutdown::Infinity),
            )
        }))
        .start()
        .await
        .unwrap();
    node_cell.set(node.clone()).unwrap();
    Stopper::named("stopper")
        .shut_the_node_down()
        .await
        .unwrap();
    assert_eq!(node.wait().await, NodeExit::Stopped);
}

/// An application whose callbacks panic, and whose start can kill another application's top.
struct Rough {
    kill_at_start: Option<&'static str>,
    panics: bool,
}

impl Application for Rough {
    const NAME: &'static str = "rough";
    const VERSION: &'static str = "1.0.0";
    type Config = NoConfig;

    async fn start(&self, _: &NoConfig) -> Result<SupervisorRef, StartError> {
        if let Some(victim) = self.kill_at_start {
            otp_runtime::exit(
                SupervisorRef::named(victim).pid().unwrap(),
                ExitReason::Kill,
            );
        }
        SupervisorSpec::one_for_one().start_link().await
    }

    async fn prep_stop(&self) {
        assert!(!self.panics, "prep_stop panicked");
    }

    async fn stop(&self) {
        assert!(!self.panics, "stop panicked");
    }
}

#[otp_runtime::test]
async fn panics_in_prep_stop_and_stop_are_contained_and_the_stop_goes_on() {
    def!(Before = "rough-before");
    let log = Log::default();
    let node = Node::current()
        .application(App::<Before>::new(&log))
        .application(Rough {
            kill_at_start: None,
            panics: true,
        })
        .start()
        .await
        .unwrap();
    log.take();
    // Both stop at once: each is told how the node ended.
    let (a, b) = tokio::join!(node.stop(), node.stop());
    assert_eq!((a, b), (NodeExit::Stopped, NodeExit::Stopped));
    assert_eq!(log.take(), stopped("rough-before"));
}

#[otp_runtime::test]
async fn an_application_that_exits_during_the_boot_is_handled_once_booted() {
    def!(Victim = "boot-victim");
    let log = Log::default();
    // The second application's start kills the first one's top supervisor: its exit waits in
    // the controller's mailbox until the boot is done, then stops the node (permanent).
    let node = Node::current()
        .application(App::<Victim>::new(&log))
        .application(Rough {
            kill_at_start: Some("boot-victim"),
            panics: false,
        })
        .start()
        .await
        .unwrap();
    assert_eq!(
        node.wait().await,
        NodeExit::ApplicationTerminated {
            application: "boot-victim",
            reason: ExitReason::Killed
        }
    );
}

/// Its top supervisor dies before `start` returns.
struct DiesAtOnce;

impl Application for DiesAtOnce {
    const NAME: &'static str = "dies-at-once";
    const VERSION: &'static str = "1.0.0";
    type Config = NoConfig;

    async fn start(&self, _: &NoConfig) -> Result<SupervisorRef, StartError> {
        let sup = SupervisorSpec::one_for_one().start_link().await?;
        let pid = sup.pid().unwrap();
        otp_runtime::exit(pid, ExitReason::Kill);
        otp_runtime::wait_exit(pid).await;
        Ok(sup)
    }
}

#[otp_runtime::test]
async fn a_top_that_dies_during_start_is_a_failed_start_not_an_unlinked_one() {
    let err = Node::new()
        .application(DiesAtOnce)
        .start()
        .await
        .unwrap_err();
    let BootError::StartFailed { application, error } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(*application, "dies-at-once");
    assert!(
        error
            .to_string()
            .starts_with("init failed: the top process exited during start"),
        "{err}"
    );
}

#[otp_runtime::test]
async fn a_killed_controller_aborts_the_node_and_its_applications_run_on_elsewhere() {
    def!(Orphan = "orphaned-app");
    let log = Log::default();
    let node = Node::current()
        .application(App::<Orphan>::new(&log))
        .start()
        .await
        .unwrap();
    // The same application on a second node, at the same time: names are per node.
    let again = Node::new()
        .application(App::<Orphan>::new(&log))
        .start()
        .await
        .unwrap();
    let controller = node.pid().unwrap();
    node.scope(async { otp_runtime::exit(controller, ExitReason::Kill) })
        .await;
    assert_eq!(node.wait().await, NodeExit::Aborted(ExitReason::Killed));
    assert_eq!(node.process_count(), 0);
    assert_eq!(node.scope(async { Node::of("orphaned-app") }).await, None);
    assert_eq!(
        again.scope(async { Node::of("orphaned-app") }).await,
        Some(again.clone())
    );
    assert_eq!(again.stop().await, NodeExit::Stopped);
    assert!(again
        .scope(async { Node::of("orphaned-app") })
        .await
        .is_none());
}

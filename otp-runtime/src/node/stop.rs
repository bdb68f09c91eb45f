//! A running node's applications, and its end: `stop`, `request_stop`, `wait`.
//!
//! A node ends in one place, [`Node::finish`], run once by whoever sees the end first: the
//! task that watches the controller (after a stop through the controller, or an
//! application's exit), or a stop task of its own for a node without applications. It
//! stops the node's other processes (`shutdown` to the roots of their trees, oldest first;
//! then `kill` after the shutdown timeout), frees their names and records how the node
//! ended.

use std::sync::Arc;

use super::controller::{self, Call, Reply};
use super::inner::Phase;
use super::{ApplicationError, Node, NodeExit};
use crate::application::ApplicationInfo;
use crate::process::core::{exit_signal, Entry};
use crate::process::wait_shared_exit;
use crate::{CallError, ExitReason, Pid, ServerRef, INFINITY};

impl Node {
    /// The pid of the node's controller, the parent of every application's top process,
    /// while its applications run (from [`Node::start`] until the node stops): link to it or
    /// monitor it to follow the node.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let node = otp_runtime::node::Node::new();
    /// assert_eq!(node.pid(), None);
    /// let node = node.start().await.unwrap();
    /// let pid = node.pid().unwrap();
    /// assert!(node.is_alive(pid));
    /// node.stop().await;
    /// assert!(!node.is_alive(pid));
    /// # }
    /// ```
    pub fn pid(&self) -> Option<Pid> {
        self.controller().and_then(|c| c.pid())
    }

    pub(crate) fn controller(&self) -> Option<ServerRef<super::controller::Controller>> {
        match &self.0.life().phase {
            Phase::Running(c) => Some(c.clone()),
            _ => None,
        }
    }

    /// The [current node](Node::current), if it runs `application`: how a process of an
    /// application finds its node, to [`request_stop`](Node::request_stop) it or ask it
    /// something, even under [`Node::run`].
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::node::{Node, NodeExit};
    /// # use otp_runtime::prelude::*;
    /// # use otp_runtime::application::{Application, NoConfig};
    /// # struct Db;
    /// # impl Application for Db {
    /// #     const NAME: &'static str = "of-db";
    /// #     const VERSION: &'static str = "1.0.0";
    /// #     type Config = NoConfig;
    /// #     async fn start(&self, _: &NoConfig) -> Result<SupervisorRef, StartError> {
    /// #         SupervisorSpec::one_for_one().start_link().await
    /// #     }
    /// # }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// // The program's first node: the current one outside processes and scopes.
    /// let node = Node::new().application(Db).start().await.unwrap();
    /// let found = Node::of("of-db").unwrap();
    /// assert_eq!(found, node);
    /// let other = Node::new();
    /// assert_eq!(other.scope(async { Node::of("of-db") }).await, None);
    /// found.request_stop();
    /// assert_eq!(node.wait().await, NodeExit::Stopped);
    /// assert_eq!(node.scope(async { Node::of("of-db") }).await, None);
    /// # }
    /// ```
    pub fn of(application: &str) -> Option<Node> {
        super::with_current(|n| n.envs().contains(application).then(|| n.clone()))
    }

    /// The running applications, in start order (OTP's `application:which_applications/0`).
    ///
    /// # Errors
    ///
    /// [`CallError::NoProc`] unless the node's applications run (before
    /// [`Node::start`], and once the node has stopped).
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// use otp_runtime::application::{Application, NoConfig, StartType};
    /// use otp_runtime::node::Node;
    ///
    /// struct Db;
    /// impl Application for Db {
    ///     const NAME: &'static str = "which-db";
    ///     const VERSION: &'static str = "2.1.0";
    ///     const START_TYPE: StartType = StartType::Temporary;
    ///     type Config = NoConfig;
    ///     async fn start(&self, _: &NoConfig) -> Result<SupervisorRef, StartError> {
    ///         SupervisorSpec::one_for_one().start_link().await
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let node = Node::new().application(Db).start().await.unwrap();
    /// let apps = node.which_applications().await.unwrap();
    /// assert_eq!((apps[0].name, apps[0].version), ("which-db", "2.1.0"));
    /// node.stop_application("which-db").await.unwrap();
    /// assert!(node.which_applications().await.unwrap().is_empty());
    /// # node.stop().await;
    /// # }
    /// ```
    pub async fn which_applications(&self) -> Result<Vec<ApplicationInfo>, CallError> {
        let controller = self.controller().ok_or_else(no_controller)?;
        match controller.call_timeout(Call::Which, INFINITY).await? {
            Reply::Which(apps) => Ok(apps),
            Reply::Stopped(_) => unreachable!("which answers Which"),
        }
    }

    /// Stops one application (`prep_stop`, its tree, `stop`), whatever its start type: a
    /// stop is not an exit, and the other applications run on (OTP's `application:stop/1`).
    ///
    /// A process of that application's own tree must not await this: the stop waits for the
    /// tree, and so for the caller (until its shutdown timeout kills it, or forever under
    /// `infinity`).
    ///
    /// # Errors
    ///
    /// [`ApplicationError::Unknown`], [`ApplicationError::NotRunning`], or
    /// [`ApplicationError::Call`] unless the node's applications run.
    ///
    /// # Examples
    ///
    /// See [`Node::which_applications`].
    pub async fn stop_application(&self, name: &str) -> Result<(), ApplicationError> {
        let controller = self.controller().ok_or_else(no_controller)?;
        match controller
            .call_timeout(Call::Stop(name.to_owned()), INFINITY)
            .await?
        {
            Reply::Stopped(r) => r,
            Reply::Which(_) => unreachable!("stop answers Stopped"),
        }
    }

    /// Stops the node: every running application, the last started first, each tree within
    /// its children's shutdown settings; then every other process of the node (see the
    /// [module](super#stopping)). Returns how the node ended (if it had already ended, how it
    /// did). The node's names are free, and it takes no new processes.
    ///
    /// The stop goes on if this future is dropped, or if the caller is one of the processes
    /// stopped (a process of the node calls [`Node::request_stop`] instead, which does not
    /// wait).
    ///
    /// # Panics
    ///
    /// In a process of the node while it boots (an application's `start`, or a server it
    /// starts), and in the node's controller (an application's `prep_stop` or `stop`): the
    /// stop would wait for the caller itself. The panic is contained there (the start fails,
    /// or the stop is reported). Call [`Node::request_stop`] there.
    ///
    /// # Examples
    ///
    /// See [`application`](crate::application) and the [module](super).
    pub async fn stop(&self) -> NodeExit {
        let me = crate::process::current::with(|e| (e.shared().node() == self, e.shared().pid()));
        if let Ok((true, me)) = me {
            let waits_for_itself = match &self.0.life().phase {
                Phase::Booting => true,
                Phase::Running(controller) => controller.pid() == Some(me),
                _ => false,
            };
            assert!(
                !waits_for_itself,
                "Node::stop called by the node's own controller or during its boot (an \
                 application's start, prep_stop or stop), which would wait for itself: call \
                 request_stop there"
            );
        }
        self.request_stop();
        self.wait().await
    }

    /// Asks the node to stop and returns at once (OTP's `init:stop/0`): what a process of the
    /// node calls to shut it down. [`Node::wait`] tells when it has stopped.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::node::{Node, NodeExit};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let node = Node::new().start().await.unwrap();
    /// node.request_stop();
    /// assert_eq!(node.wait().await, NodeExit::Stopped);
    /// # }
    /// ```
    pub fn request_stop(&self) {
        let mut life = self.0.life();
        match &life.phase {
            Phase::Running(controller) => {
                // The controller stops the applications; the task watching it does the rest.
                controller.cast(controller::Cast::Stop);
            }
            Phase::Idle => {
                life.phase = Phase::Stopping;
                drop(life);
                self.spawn_finish(NodeExit::Stopped);
            }
            // The boot sees this once it is done, and stops the node then.
            Phase::Booting => life.phase = Phase::Stopping,
            Phase::Stopping | Phase::Stopped(_) => {}
        }
    }

    /// Finishes the node in a task of its own (or at once, without a runtime to run one).
    pub(crate) fn spawn_finish(&self, exit: NodeExit) {
        let node = self.clone();
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => drop(rt.spawn(async move { node.finish(exit).await })),
            Err(_) => node.finish_now(exit),
        }
    }

    /// Waits until the node has stopped, and says how.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::node::{Node, NodeExit};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let node = Node::new().start().await.unwrap();
    /// let waiter = tokio::spawn({ let node = node.clone(); async move { node.wait().await } });
    /// node.stop().await;
    /// assert_eq!(waiter.await.unwrap(), NodeExit::Stopped);
    /// # }
    /// ```
    pub async fn wait(&self) -> NodeExit {
        loop {
            let ended = self.0.ended().notified();
            tokio::pin!(ended);
            // Registered before the check: a `finish` in between still wakes us.
            ended.as_mut().enable();
            if let Some(exit) = self.exit() {
                return exit;
            }
            ended.await;
        }
    }

    /// How the node ended, once it has.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::node::{Node, NodeExit};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let node = Node::new();
    /// assert_eq!(node.exit(), None);
    /// node.stop().await;
    /// assert_eq!(node.exit(), Some(NodeExit::Stopped));
    /// # }
    /// ```
    pub fn exit(&self) -> Option<NodeExit> {
        match &self.0.life().phase {
            Phase::Stopped(exit) => Some(exit.clone()),
            _ => None,
        }
    }

    /// Whether the node has stopped, or is stopping its last processes (its applications
    /// have stopped): it takes no new processes.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let node = otp_runtime::node::Node::new();
    /// assert!(!node.is_stopped());
    /// node.stop().await;
    /// assert!(node.is_stopped());
    /// # }
    /// ```
    pub fn is_stopped(&self) -> bool {
        self.0.is_stopped()
    }

    /// The end of the node, once its applications are stopped (or failed to boot): its other
    /// processes are stopped, and `exit` recorded. Runs once; later calls return at once. If
    /// this future is dropped before it is done (its runtime shuts down), the node is
    /// finished at once, without waiting: nothing is left half stopped.
    pub(crate) async fn finish(&self, exit: NodeExit) {
        {
            let mut life = self.0.life();
            if matches!(life.phase, Phase::Stopped(_)) {
                return;
            }
            life.phase = Phase::Stopping;
        }
        let mut guard = FinishGuard {
            node: self,
            exit: Some(exit),
        };
        self.0.set_stopped();
        let timeout = self.0.life().shutdown_timeout;
        self.stop_processes(timeout).await;
        // Then its connections: what its processes sent before goes out (as `init:stop`
        // lets Erlang's connections flush), so that a program that stops its node and ends
        // loses nothing it sent.
        if let Some(dist) = self.0.dist.get() {
            dist.stop_and_flush(std::time::Duration::from_secs(2)).await;
        }
        if let Some(exit) = guard.exit.take() {
            self.record(exit);
        }
    }

    /// `finish` without waiting: every process is killed (each dies at its next poll).
    pub(crate) fn finish_now(&self, exit: NodeExit) {
        if matches!(self.0.life().phase, Phase::Stopped(_)) {
            return;
        }
        self.0.set_stopped();
        for e in self.0.table.all() {
            e.shared().kill(ExitReason::Killed, None);
        }
        self.record(exit);
    }

    /// The node has stopped: its configurations are forgotten, and its waiters told.
    fn record(&self, exit: NodeExit) {
        self.0.envs.clear();
        if let Some(dist) = self.0.dist.get() {
            dist.stop();
        }
        {
            let mut life = self.0.life();
            if matches!(life.phase, Phase::Stopped(_)) {
                return;
            }
            life.phase = Phase::Stopped(exit);
        }
        self.0.ended().notify_waiters();
    }

    /// Stops every process left. First the *roots*, the processes linked to no older process
    /// (a tree's top, a server started from outside any process), oldest first, with
    /// `shutdown` from `<0.0.0>`: the rest go down through their links, in their trees' own
    /// order (a supervisor stops its children, newest first, within their shutdown
    /// settings, and restarts none: the node takes no new processes). What is alive after
    /// `timeout` is killed, and so is any process that got in meanwhile (a spawn that
    /// passed the stopped check before the flag was set).
    async fn stop_processes(&self, timeout: std::time::Duration) {
        let all = self.0.table.all();
        for e in all.iter().filter(|e| e.shared().is_root()) {
            exit_signal(Pid::nobody(), &**e, ExitReason::Shutdown, false);
        }
        let all_ended = async {
            for e in &all {
                wait_shared_exit(e.shared()).await;
            }
        };
        if crate::time::timeout(timeout, all_ended).await.is_none() {
            tracing::warn!(
                node = self.name(),
                ?timeout,
                "processes still alive after the node's shutdown timeout are killed"
            );
        }
        loop {
            let left: Vec<Arc<dyn Entry>> = self.0.table.all();
            if left.is_empty() {
                break;
            }
            for e in &left {
                e.shared().kill(ExitReason::Killed, None);
            }
            for e in &left {
                wait_shared_exit(e.shared()).await;
            }
        }
    }
}

/// Finishes the node at once if `finish` is dropped halfway.
struct FinishGuard<'a> {
    node: &'a Node,
    exit: Option<NodeExit>,
}

impl Drop for FinishGuard<'_> {
    fn drop(&mut self) {
        if let Some(exit) = self.exit.take() {
            self.node.finish_now(exit);
        }
    }
}

/// The node's applications do not run: as OTP's `application_controller` not running, whose
/// name the error gives.
#[cold]
fn no_controller() -> CallError {
    CallError::NoProc {
        target: crate::CallTarget::Name("application_controller".into()),
    }
}

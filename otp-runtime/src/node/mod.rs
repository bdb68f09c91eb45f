//! The node: runs a program's [applications](crate::application), boots them in dependency
//! order with their configuration, and stops them in reverse order on SIGINT, SIGTERM, a
//! request, or a permanent application's exit (OTP's boot, `init:stop/0` and application
//! controller, for one program).
//!
//! ```text
//!  Node::run ─▶ checks: names, dependencies (missing, cyclic), configuration file and keys
//!           ─▶ controller process ─▶ start db ─▶ start web        (each top linked to it)
//!           ─▶ waits: SIGINT/SIGTERM │ a permanent app exits │ a transient one abnormally
//!           ─▶ stop web ─▶ stop db (each tree: children in reverse, each within its shutdown)
//!           ─▶ NodeExit: the exit code (0 when stopped on request)
//! ```
//!
//! # Examples
//!
//! A program's `main` is usually only this (the [`application`](crate::application) module
//! shows an application):
//!
//! ```no_run
//! use otp_runtime::node::{Node, NodeExit};
//! # use otp_runtime::prelude::*;
//! # use otp_runtime::application::{Application, NoConfig};
//! # struct Db;
//! # impl Application for Db {
//! #     const NAME: &'static str = "db";
//! #     const VERSION: &'static str = "1.0.0";
//! #     type Config = NoConfig;
//! #     async fn start(&self, _: &NoConfig) -> Result<SupervisorRef, StartError> {
//! #         SupervisorSpec::one_for_one().start_link().await
//! #     }
//! # }
//!
//! #[tokio::main]
//! async fn main() -> NodeExit {
//!     Node::new()
//!         .application(Db)
//!         .config_file("node.toml")
//!         .run() // until SIGINT or SIGTERM, or a permanent application's exit
//!         .await
//! }
//! ```
//!
//! Reports (applications started and exited, supervisors' crash and restart reports) go
//! through `tracing`; [`Node::run`] prints them in OTP's style on stderr unless the program
//! has its own subscriber (see [`report`](crate::report)).

mod controller;
mod error;
mod order;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

pub use self::error::{ApplicationError, BootError, NodeExit};

use self::controller::{Call, Controller, OutcomeSlot, Reply, Slot, State};
use crate::application::{self, AnyApplication, Application, ApplicationInfo, ConfigFile};
use crate::{CallError, ExitReason, GenServer, ServerRef, StartError, INFINITY};

/// Where the configuration file comes from.
enum ConfigText {
    File(PathBuf),
    Inline(String),
}

/// A node to boot: its applications, configuration file and environment. Nothing runs until
/// [`Node::start`] or [`Node::run`].
///
/// # Examples
///
/// See the [module](self) and [`application`](crate::application).
#[must_use = "a node does nothing until it is started or run"]
pub struct Node {
    apps: Vec<Box<dyn AnyApplication>>,
    config: Option<ConfigText>,
    env: Option<HashMap<String, String>>,
    reports: bool,
}

impl Default for Node {
    fn default() -> Self {
        Node::new()
    }
}

impl Node {
    /// A node with no applications, no configuration file, reading the process's environment.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let node = otp_runtime::node::Node::new().start().await.unwrap();
    /// assert!(node.which_applications().await.unwrap().is_empty());
    /// # }
    /// ```
    pub fn new() -> Node {
        Node {
            apps: Vec::new(),
            config: None,
            env: None,
            reports: true,
        }
    }

    /// Adds an application. The node starts them in the order added, except that an
    /// application starts after those it depends on.
    ///
    /// # Examples
    ///
    /// See [`application`](crate::application).
    pub fn application<A: Application>(mut self, app: A) -> Self {
        self.apps.push(Box::new(app));
        self
    }

    /// Reads the applications' configuration from this TOML file at boot: a table per
    /// application, named after it (`[web]`), overriding the defaults.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::node::{BootError, Node};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let err = Node::new().config_file("no/such/file.toml").start().await.unwrap_err();
    /// assert!(matches!(err, BootError::Config(_)));
    /// assert!(err.to_string().starts_with("configuration: cannot read no/such/file.toml"));
    /// # }
    /// ```
    pub fn config_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.config = Some(ConfigText::File(path.into()));
        self
    }

    /// Takes the configuration file's text directly (errors name it `<config>`): for tests
    /// and embedded configurations.
    ///
    /// # Examples
    ///
    /// See [`application`](crate::application).
    pub fn config_toml(mut self, text: impl Into<String>) -> Self {
        self.config = Some(ConfigText::Inline(text.into()));
        self
    }

    /// Reads configuration variables from `vars` instead of the process's environment: for
    /// tests, which cannot change a shared environment safely.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::node::Node;
    /// let node = Node::new().env_vars([("WEB__PORT", "8080")]);
    /// # drop(node);
    /// ```
    pub fn env_vars<K, V>(mut self, vars: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        let vars = vars.into_iter().map(|(k, v)| (k.into(), v.into()));
        self.env = Some(vars.collect());
        self
    }

    /// Whether [`Node::run`] installs the default reporter ([`report::install`]) when the
    /// program has no `tracing` subscriber. Default: yes.
    ///
    /// [`report::install`]: crate::report::install
    ///
    /// # Examples
    ///
    /// ```
    /// let quiet = otp_runtime::node::Node::new().reports(false);
    /// # drop(quiet);
    /// ```
    pub fn reports(mut self, on: bool) -> Self {
        self.reports = on;
        self
    }

    /// Boots the node and returns a handle to it: checks names and dependencies, loads
    /// every configuration, then starts the applications in order. Returns once all of them
    /// have started; the node then runs until [`NodeRef::stop`] or an application's exit
    /// stops it (no signal handling: that is [`Node::run`]'s).
    ///
    /// # Errors
    ///
    /// [`BootError`]: everything but a failed start is found before anything starts; after
    /// a failed start, the applications already started are stopped in reverse order before
    /// this returns.
    ///
    /// # Examples
    ///
    /// See [`application`](crate::application).
    pub async fn start(self) -> Result<NodeRef, BootError> {
        let names: Vec<(&'static str, &'static [&'static str])> = self
            .apps
            .iter()
            .map(|a| (a.info().name, a.depends_on()))
            .collect();
        let order = order::start_order(&names)?;
        let file = match &self.config {
            None => None,
            Some(ConfigText::File(path)) => Some(ConfigFile::read(path)?),
            Some(ConfigText::Inline(text)) => {
                Some(ConfigFile::parse("<config>".into(), text.clone())?)
            }
        };
        if let Some(file) = &file {
            let known: Vec<&'static str> = names.iter().map(|(n, _)| *n).collect();
            file.check_sections(&known)?;
        }
        // Names that are not UTF-8 cannot be an application's; values that are not are
        // reported if an application's name prefixes them.
        let env: Vec<(String, Option<String>)> = match self.env {
            Some(vars) => vars.into_iter().map(|(k, v)| (k, Some(v))).collect(),
            None => std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok())))
                .collect(),
        };
        let mut apps: Vec<Option<Box<dyn AnyApplication>>> =
            self.apps.into_iter().map(Some).collect();
        let mut slots = Vec::with_capacity(apps.len());
        for i in order {
            let app = apps[i].take().expect("each index once");
            let config = app.load_config(file.as_ref(), &env)?;
            slots.push(Slot {
                info: app.info(),
                app,
                config,
                state: State::NotStarted,
            });
        }
        let names: Arc<[&'static str]> = slots.iter().map(|s| s.info.name).collect();
        let outcome: OutcomeSlot = Arc::new(Mutex::new(None));
        match Controller::new(slots, outcome.clone()).start().await {
            Ok(controller) => Ok(NodeRef {
                controller,
                outcome,
                names,
            }),
            Err(e) => Err(match outcome_of(&outcome) {
                Some(NodeExit::BootFailed(e)) => e,
                // Killed during the boot, from outside: its applications' top processes died
                // with it, through their links. Its configurations count as free, since their
                // owner is dead.
                _ => BootError::Aborted(match e {
                    StartError::Failed(reason) => reason,
                    _ => ExitReason::Killed,
                }),
            }),
        }
    }

    /// Boots the node, runs it until SIGINT or SIGTERM (Ctrl-C elsewhere than Unix), a
    /// request (a process finds the node with [`NodeRef::of`] and calls
    /// [`request_stop`](NodeRef::request_stop)), or a permanent application's exit, then stops
    /// the applications in reverse start order and says how it ended. Return it from `main`
    /// for the right exit code.
    ///
    /// A second signal while the node boots or stops ends the program at once (exit code 130
    /// for SIGINT, 143 for SIGTERM): the way out of a stuck `start` or shutdown.
    ///
    /// Installs the default [`report`](crate::report) printer unless
    /// [`reports(false)`](Node::reports) or the program has a `tracing` subscriber already.
    ///
    /// # Panics
    ///
    /// On a tokio runtime without its IO driver, which signals need (`#[tokio::main]` and
    /// `Builder::enable_all` turn it on).
    ///
    /// # Examples
    ///
    /// See the [module](self).
    pub async fn run(self) -> NodeExit {
        if self.reports {
            crate::report::install();
        }
        // Watched before the boot, and through it: a signal during the boot stops the node
        // once it has booted, instead of killing the program halfway with the default action.
        let mut signals = Signals::watch();
        let boot = self.start();
        tokio::pin!(boot);
        let mut early = None;
        let node = loop {
            tokio::select! {
                booted = &mut boot => match booted {
                    Ok(node) => break node,
                    Err(e) => return NodeExit::BootFailed(e),
                },
                Some(signal) = signals.next() => {
                    if early.is_some() {
                        second_signal(signal);
                    }
                    tracing::info!(%signal, "node stopping once booted");
                    early = Some(signal);
                }
            }
        };
        let signal = match early {
            Some(signal) => signal,
            None => tokio::select! {
                exit = node.wait() => return exit,
                Some(signal) = signals.next() => signal,
            },
        };
        tracing::info!(%signal, "node stopping");
        tokio::select! {
            exit = node.stop() => exit,
            Some(signal) = signals.next() => second_signal(signal),
        }
    }
}

/// A second signal while the node boots or stops (a stuck `start` or `prep_stop`, a child
/// with an `infinity` shutdown that never ends): the program exits at once, with 128 plus
/// the signal's number, as a second Ctrl-C ends most servers.
fn second_signal(signal: &'static str) -> ! {
    tracing::error!(%signal, "second signal: the node exits at once, without finishing");
    std::process::exit(if signal == "SIGTERM" { 143 } else { 130 })
}

/// SIGINT and SIGTERM (Ctrl-C elsewhere than Unix), from the moment `watch` returns.
struct Signals {
    #[cfg(unix)]
    streams: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Signals {
    fn watch() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let streams = match (
                signal(SignalKind::terminate()),
                signal(SignalKind::interrupt()),
            ) {
                (Ok(term), Ok(int)) => Some((term, int)),
                (Err(e), _) | (_, Err(e)) => {
                    tracing::warn!(error = %e, "cannot watch SIGINT and SIGTERM");
                    None
                }
            };
            Signals { streams }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    /// The next signal's name; `None` at once if signals cannot be watched, so the node then
    /// runs until it is stopped otherwise.
    async fn next(&mut self) -> Option<&'static str> {
        #[cfg(unix)]
        {
            let (term, int) = self.streams.as_mut()?;
            tokio::select! {
                _ = term.recv() => Some("SIGTERM"),
                _ = int.recv() => Some("SIGINT"),
            }
        }
        #[cfg(not(unix))]
        {
            tokio::signal::ctrl_c().await.ok().map(|()| "Ctrl-C")
        }
    }
}

fn outcome_of(outcome: &OutcomeSlot) -> Option<NodeExit> {
    outcome
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
}

/// A handle to a running node. `Clone + Send + Sync`.
///
/// # Examples
///
/// See [`application`](crate::application).
#[derive(Clone)]
pub struct NodeRef {
    controller: ServerRef<Controller>,
    outcome: OutcomeSlot,
    names: Arc<[&'static str]>,
}

impl std::fmt::Debug for NodeRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeRef")
            .field("controller", &self.controller.pid())
            .field("applications", &self.names)
            .finish()
    }
}

impl NodeRef {
    /// The pid of the node's controller, the parent of every application's top process:
    /// link to it or monitor it to follow the node; it is alive while the node runs.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let node = otp_runtime::node::Node::new().start().await.unwrap();
    /// let pid = node.pid();
    /// assert!(otp_runtime::is_alive(pid));
    /// node.stop().await;
    /// assert!(!otp_runtime::is_alive(pid));
    /// # }
    /// ```
    pub fn pid(&self) -> crate::Pid {
        self.controller
            .pid()
            .expect("a node's handle is bound to its controller's pid")
    }

    /// The node that runs `application`, from anywhere in the program: how a process of an
    /// application finds its node, to [`request_stop`](NodeRef::request_stop) it or ask it
    /// something, even under [`Node::run`]. `None` if no node runs it.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::node::{Node, NodeExit, NodeRef};
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
    /// let node = Node::new().application(Db).start().await.unwrap();
    /// let found = NodeRef::of("of-db").unwrap();
    /// assert_eq!(found.pid(), node.pid());
    /// found.request_stop();
    /// assert_eq!(node.wait().await, NodeExit::Stopped);
    /// assert!(NodeRef::of("of-db").is_none());
    /// # }
    /// ```
    pub fn of(application: &str) -> Option<NodeRef> {
        application::node_of(application)
    }

    /// The running applications, in start order (OTP's `application:which_applications/0`).
    ///
    /// # Errors
    ///
    /// [`CallError::NoProc`] once the node has stopped.
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
        match self.controller.call_timeout(Call::Which, INFINITY).await? {
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
    /// [`ApplicationError::Call`] once the node has stopped.
    ///
    /// # Examples
    ///
    /// See [`NodeRef::which_applications`].
    pub async fn stop_application(&self, name: &str) -> Result<(), ApplicationError> {
        match self
            .controller
            .call_timeout(Call::Stop(name.to_owned()), INFINITY)
            .await?
        {
            Reply::Stopped(r) => r,
            Reply::Which(_) => unreachable!("stop answers Stopped"),
        }
    }

    /// Stops the node: every running application, the last started first, each tree within
    /// its children's shutdown settings. Returns how the node ended (if it had already
    /// ended, how it did).
    ///
    /// A process of one of the node's own applications must not await this: it would wait
    /// for its own tree to stop, and so for itself. It calls [`NodeRef::request_stop`].
    ///
    /// # Panics
    ///
    /// In an application's `start`, `prep_stop` or `stop`: they run in the node's controller,
    /// which would wait for itself (the panic is contained there: the start fails, or the
    /// stop is reported). Call [`NodeRef::request_stop`] there.
    ///
    /// # Examples
    ///
    /// See [`application`](crate::application).
    pub async fn stop(&self) -> NodeExit {
        assert!(
            crate::self_pid() != Ok(self.pid()),
            "NodeRef::stop called by the node's own controller (an application's start, \
             prep_stop or stop), which would wait for itself: call request_stop there"
        );
        // NoProc: it ended already; `wait` says how.
        let _ = self.controller.stop(ExitReason::Normal, INFINITY).await;
        self.wait().await
    }

    /// Asks the node to stop and returns at once (OTP's `init:stop/0`): what a process of
    /// the node's own applications calls to shut the node down. [`NodeRef::wait`] tells
    /// when it has stopped.
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
        self.controller.cast(controller::Cast::Stop);
    }

    /// Waits until the node ends, and says how.
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
        let reason = self.controller.wait_exit().await;
        let mut outcome = self.outcome.lock().unwrap_or_else(PoisonError::into_inner);
        outcome
            .get_or_insert_with(|| {
                // Killed from outside: its terminate did not run, so nothing unregistered
                // the configurations (the top processes died with it, through their links).
                // Under the lock, and once: a later node may register these names again.
                for name in self.names.iter() {
                    application::unregister(name, self.pid());
                }
                NodeExit::Aborted(reason)
            })
            .clone()
    }
}

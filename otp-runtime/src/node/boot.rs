//! Booting a node's applications: the plan (applications, configuration file, environment),
//! `start` and `run` (OTP's boot script and `init`, for one node).
//!
//! ```text
//!  Node::run ─▶ checks: names, dependencies (missing, cyclic), configuration file and keys
//!           ─▶ controller process ─▶ start db ─▶ start web        (each top linked to it)
//!           ─▶ waits: SIGINT/SIGTERM │ a permanent app exits │ a transient one abnormally
//!           ─▶ stop web ─▶ stop db (each tree: children in reverse, each within its shutdown)
//!           ─▶ the node's other processes: `shutdown`, then `kill` after its shutdown timeout
//!           ─▶ NodeExit: the exit code (0 when stopped on request)
//! ```

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::controller::{Controller, OutcomeSlot, Slot, State};
use super::inner::Phase;
use super::{order, BootError, Node, NodeExit};
use crate::application::{AnyApplication, Application, ConfigFile};
use crate::gen_server::start_on;
use crate::{ExitReason, StartError, StartOpts};

/// Where the configuration file comes from.
enum ConfigText {
    File(PathBuf),
    Inline(String),
}

/// What a node boots: its applications, configuration file and environment. Nothing of it
/// runs until [`Node::start`] or [`Node::run`].
pub(crate) struct Plan {
    apps: Vec<Box<dyn AnyApplication>>,
    config: Option<ConfigText>,
    env: Option<HashMap<String, String>>,
    reports: bool,
}

impl Default for Plan {
    fn default() -> Self {
        Plan {
            apps: Vec::new(),
            config: None,
            env: None,
            reports: true,
        }
    }
}

impl Node {
    /// Changes the boot plan; after the boot, a change does nothing but say so.
    fn plan(self, change: impl FnOnce(&mut Plan)) -> Self {
        {
            let mut life = self.0.life();
            if !matches!(life.phase, Phase::Idle) {
                tracing::warn!(
                    node = self.name(),
                    "the node has started already: a change to its boot plan has no effect"
                );
            }
            change(&mut life.plan);
        }
        self
    }

    /// Adds an application. The node starts them in the order added, except that an
    /// application starts after those it depends on. Takes effect at [`Node::start`] or
    /// [`Node::run`].
    ///
    /// # Examples
    ///
    /// See [`application`](crate::application).
    pub fn application<A: Application>(self, app: A) -> Self {
        self.plan(|p| p.apps.push(Box::new(app)))
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
    pub fn config_file(self, path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        self.plan(|p| p.config = Some(ConfigText::File(path)))
    }

    /// Takes the configuration file's text directly (errors name it `<config>`): for tests
    /// and embedded configurations.
    ///
    /// # Examples
    ///
    /// See [`application`](crate::application).
    pub fn config_toml(self, text: impl Into<String>) -> Self {
        let text = text.into();
        self.plan(|p| p.config = Some(ConfigText::Inline(text)))
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
    pub fn env_vars<K, V>(self, vars: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        let vars: HashMap<String, String> = vars
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        self.plan(|p| p.env = Some(vars))
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
    pub fn reports(self, on: bool) -> Self {
        self.plan(|p| p.reports = on)
    }

    /// How long the node's stop waits, once its applications have stopped, for its other
    /// processes to end on the `shutdown` exit signal it sends them before it kills them.
    /// Default: 5 seconds, a worker's default shutdown.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let node = otp_runtime::node::Node::new().shutdown_timeout(Duration::from_millis(500));
    /// # drop(node);
    /// ```
    pub fn shutdown_timeout(self, timeout: Duration) -> Self {
        self.0.life().shutdown_timeout = timeout;
        self
    }

    /// Boots the node's applications and returns the node: checks names and dependencies,
    /// loads every configuration, then starts the applications in order. Returns once all of
    /// them have started; the node then runs until [`Node::stop`] or an application's exit
    /// stops it (no signal handling: that is [`Node::run`]'s).
    ///
    /// # Errors
    ///
    /// [`BootError`]: everything but a failed start is found before anything starts. A node
    /// that does not boot is stopped, as a release that fails to boot halts: after a failed
    /// start, the applications already started are stopped in reverse order, then the
    /// node's other processes, before this returns. [`BootError::AlreadyStarted`] and
    /// [`BootError::Stopped`] for a node that was started before.
    ///
    /// # Examples
    ///
    /// See [`application`](crate::application).
    pub async fn start(self) -> Result<Node, BootError> {
        let plan = {
            let mut life = self.0.life();
            match life.phase {
                Phase::Idle => {}
                Phase::Stopping | Phase::Stopped(_) => return Err(BootError::Stopped),
                Phase::Booting | Phase::Running(_) => return Err(BootError::AlreadyStarted),
            }
            life.phase = Phase::Booting;
            std::mem::take(&mut life.plan)
        };
        // In a task of its own: if this future is dropped, the boot still ends with the node
        // running (or stopped), never stuck half way.
        let node = self.clone();
        let boot = tokio::spawn(async move {
            let booted = node.boot(plan).await;
            if let Err(e) = &booted {
                node.finish(NodeExit::BootFailed(e.clone())).await;
            }
            booted
        });
        match boot.await {
            Ok(booted) => booted.map(|()| self),
            // Its runtime is shutting down, or (a bug) the boot panicked: nothing runs on.
            Err(e) => {
                let reason = match e.try_into_panic() {
                    Ok(panic) => ExitReason::from_panic(panic),
                    Err(_) => ExitReason::Killed,
                };
                self.finish_now(NodeExit::Aborted(reason.clone()));
                Err(BootError::Aborted(reason))
            }
        }
    }

    async fn boot(&self, plan: Plan) -> Result<(), BootError> {
        let names: Vec<(&'static str, &'static [&'static str])> = plan
            .apps
            .iter()
            .map(|a| (a.info().name, a.depends_on()))
            .collect();
        let order = order::start_order(&names)?;
        let file = match &plan.config {
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
        let env: Vec<(String, Option<String>)> = match plan.env {
            Some(vars) => vars.into_iter().map(|(k, v)| (k, Some(v))).collect(),
            None => std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok())))
                .collect(),
        };
        let mut apps: Vec<Option<Box<dyn AnyApplication>>> =
            plan.apps.into_iter().map(Some).collect();
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
        let outcome: OutcomeSlot = Arc::new(Mutex::new(None));
        let controller = Controller::new(self.clone(), slots, outcome.clone());
        let started = start_on(self, controller, StartOpts::new()).await;
        let controller = match started {
            Ok(controller) => controller,
            Err(e) => {
                return Err(match super::controller::outcome_of(&outcome) {
                    Some(NodeExit::BootFailed(e)) => e,
                    // Killed during the boot, from outside: its applications' top processes
                    // died with it, through their links.
                    _ => BootError::Aborted(match e {
                        StartError::Failed(reason) => reason,
                        _ => ExitReason::Killed,
                    }),
                });
            }
        };
        let stop_requested = {
            let mut life = self.0.life();
            let requested = matches!(life.phase, Phase::Stopping);
            life.phase = Phase::Running(controller.clone());
            requested
        };
        // The node ends when its controller does: on a stop, or a permanent application's
        // exit. Whoever sees that finish the node, here: a task of the node's own, so that
        // neither a caller of `stop` that is itself stopped nor one that gave up waiting
        // leaves the node half stopped.
        let watch = Watch(Some(self.clone()));
        tokio::spawn(async move {
            let mut watch = watch;
            let reason = controller.wait_exit().await;
            let exit = super::controller::outcome_of(&outcome).unwrap_or(NodeExit::Aborted(reason));
            if let Some(node) = watch.0.take() {
                node.finish(exit).await;
            }
        });
        if stop_requested {
            self.request_stop();
        }
        Ok(())
    }

    /// Boots the node, runs it until SIGINT or SIGTERM (Ctrl-C elsewhere than Unix), a
    /// request (a process calls [`Node::current`]`().`[`request_stop`](Node::request_stop)),
    /// or a permanent application's exit, then stops the applications in reverse start order,
    /// then the node's other processes, and says how it ended. Return it from `main` for the
    /// right exit code.
    ///
    /// This is the node of the program: `run` makes it the program's
    /// [default node](Node::current) (it usually is already: the first node made), so that
    /// code outside any process (a web server's request handlers, plain tokio tasks) acts on
    /// it. If another node is the default and runs, it stays the default, and a warning says
    /// so.
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
    /// See the [module](super).
    pub async fn run(self) -> NodeExit {
        if self.0.life().plan.reports {
            crate::report::install();
        }
        if !super::current::claim_default(&self) {
            tracing::warn!(
                node = self.name(),
                "another node is the program's default: code outside processes keeps acting \
                 on it, not on the node of Node::run"
            );
        }
        // Watched before the boot, and through it: a signal during the boot stops the node
        // once it has booted, instead of killing the program halfway with the default action.
        let mut signals = Signals::watch();
        let boot = self.clone().start();
        tokio::pin!(boot);
        let mut early = None;
        loop {
            tokio::select! {
                // Biased: a fixed order keeps simulations deterministic.
                biased;
                booted = &mut boot => match booted {
                    Ok(_) => break,
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
        }
        let signal = match early {
            Some(signal) => signal,
            None => tokio::select! {
                // Biased: a fixed order keeps simulations deterministic.
                biased;
                exit = self.wait() => return exit,
                Some(signal) = signals.next() => signal,
            },
        };
        tracing::info!(%signal, "node stopping");
        tokio::select! {
            // Biased: a fixed order keeps simulations deterministic.
            biased;
            exit = self.stop() => exit,
            Some(signal) = signals.next() => second_signal(signal),
        }
    }
}

/// The task that watches a node's controller: if it is dropped before the controller ends
/// (its runtime shuts down), the node is finished at once, so that it is not left running
/// with a dead controller.
struct Watch(Option<Node>);

impl Drop for Watch {
    fn drop(&mut self) {
        if let Some(node) = self.0.take() {
            node.finish_now(NodeExit::Aborted(ExitReason::Killed));
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
                // Biased: a fixed order keeps simulations deterministic.
                biased;
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

//! Fixtures for the node tests: applications that log their callbacks and their workers'
//! terminations into one shared log, so a test can assert the order of everything.
//!
//! Application names are global in a program (like registered names), and tests run in
//! parallel: each test declares its own names with `def!`.
#![allow(dead_code)]

use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

use otp_runtime::application::{Application, NoConfig, StartType};
use otp_runtime::prelude::*;

/// What happened, in order.
#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    pub fn push(&self, line: impl Into<String>) {
        self.0.lock().unwrap().push(line.into());
    }

    /// Everything so far, and clears it.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

/// A worker that traps exits (so its `terminate` runs on shutdown) and logs its end.
pub struct Worker {
    pub name: String,
    pub log: Log,
}

#[gen_server]
impl Worker {
    #[init]
    fn init(&mut self, ctx: &mut Ctx<Self>) {
        ctx.trap_exit(true);
    }

    #[call]
    pub fn name(&self) -> String {
        self.name.clone()
    }

    #[call]
    pub fn crash(&self) {
        panic!("{} asked to crash", self.name);
    }

    #[terminate]
    fn terminate(&mut self, _reason: &ExitReason) {
        self.log.push(format!("terminate {}", self.name));
    }
}

/// An application's name, dependencies and start type, as a type.
pub trait Def: Send + Sync + 'static {
    const NAME: &'static str;
    const DEPS: &'static [&'static str] = &[];
    const TYPE: StartType = StartType::Permanent;
}

/// Declares a `Def`: `def!(Db = "order-db");`, `def!(Web = "order-web" ["order-db"]
/// Temporary);` (dependencies in brackets, then the start type).
#[macro_export]
macro_rules! def {
    ($ty:ident = $name:literal $([$($dep:literal),*])? $($st:ident)?) => {
        struct $ty;
        impl $crate::node_common::Def for $ty {
            const NAME: &'static str = $name;
            $(const DEPS: &'static [&'static str] = &[$($dep),*];)?
            $(const TYPE: ::otp_runtime::application::StartType =
                ::otp_runtime::application::StartType::$st;)?
        }
    };
}

type Tree = Arc<dyn Fn(&'static str, &Log) -> SupervisorSpec + Send + Sync>;

/// An application that logs `start NAME`, `prep_stop NAME` and `stop NAME`, whose top
/// supervisor (registered as `NAME`) runs the tree it was given.
pub struct App<D> {
    pub log: Log,
    tree: Tree,
    _def: PhantomData<D>,
}

impl<D: Def> App<D> {
    /// One worker, registered as `NAME/w`.
    pub fn new(log: &Log) -> Self {
        App::with_tree(log, |name, log| {
            SupervisorSpec::one_for_one().child(worker(name, "w", log))
        })
    }

    pub fn with_tree(
        log: &Log,
        tree: impl Fn(&'static str, &Log) -> SupervisorSpec + Send + Sync + 'static,
    ) -> Self {
        App {
            log: log.clone(),
            tree: Arc::new(tree),
            _def: PhantomData,
        }
    }
}

/// A child spec for a logging worker, registered as `app/id`.
pub fn worker(app: &str, id: &'static str, log: &Log) -> ChildSpec {
    let name = format!("{app}/{id}");
    let (n, log) = (name.clone(), log.clone());
    ChildSpec::worker(id, move || Worker {
        name: n.clone(),
        log: log.clone(),
    })
    .name(name)
}

impl<D: Def> Application for App<D> {
    const NAME: &'static str = D::NAME;
    const VERSION: &'static str = "1.0.0";
    const DEPENDS_ON: &'static [&'static str] = D::DEPS;
    const START_TYPE: StartType = D::TYPE;
    type Config = NoConfig;

    async fn start(&self, _: &NoConfig) -> Result<SupervisorRef, StartError> {
        self.log.push(format!("start {}", D::NAME));
        (self.tree)(D::NAME, &self.log)
            .name(D::NAME)
            .start_link()
            .await
    }

    async fn prep_stop(&self) {
        self.log.push(format!("prep_stop {}", D::NAME));
    }

    async fn stop(&self) {
        self.log.push(format!("stop {}", D::NAME));
    }
}

/// The names of the running applications, in start order.
pub async fn running(node: &Node) -> Vec<&'static str> {
    node.which_applications()
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.name)
        .collect()
}

/// The lines a stop of application `name` logs, with its one worker.
pub fn stopped(name: &str) -> Vec<String> {
    vec![
        format!("prep_stop {name}"),
        format!("terminate {name}/w"),
        format!("stop {name}"),
    ]
}

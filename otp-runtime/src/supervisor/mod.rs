//! Supervisors: processes that start, watch and restart other processes, exactly as OTP's
//! `supervisor` does ("let it crash").
//!
//! A supervisor has a [`Strategy`], a restart intensity (at most N restarts in a period,
//! default 1 in 5 s) and children, each described by a [`ChildSpec`]: an id, how to start it,
//! when to restart it ([`Restart`]), how to stop it ([`Shutdown`]) and its [`ChildType`].
//! Children start in order and stop in reverse order. When restarts come faster than the
//! intensity allows, the supervisor stops its children and exits `Shutdown`, so its own
//! supervisor deals with the failure one level up.
//!
//! [`SupervisorSpec`] builds a supervisor, [`DynamicSupervisorSpec`] one whose children are
//! started on demand from one template (OTP's `simple_one_for_one`), and the
//! `supervision_tree!` macro declares either in one place.
//!
//! # Examples
//!
//! ```
//! use otp_runtime::prelude::*;
//! use otp_runtime::supervisor::{ChildSpec, SupervisorSpec};
//!
//! #[derive(Default)]
//! struct Factorial;
//! #[gen_server]
//! impl Factorial {
//!     #[call]
//!     fn factorial(&self, n: u32) -> u64 { (1..=n as u64).product() }
//!     #[call]
//!     fn crash(&self) { panic!("asked to crash") }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let sup = SupervisorSpec::one_for_one()
//!     .child(ChildSpec::worker("fact", Factorial::default).name("fact"))
//!     .start_link()
//!     .await
//!     .unwrap();
//! let fact = Factorial::named("fact");
//! let before = fact.pid().unwrap();
//! assert!(fact.crash().await.is_err());
//! // Restarted: a new process under the same name.
//! assert_eq!(fact.factorial(5).await, Ok(120));
//! assert_ne!(fact.pid(), Some(before));
//! sup.stop().await.unwrap();
//! # }
//! ```
//!
//! # The `supervision_tree!` macro
//!
//! Declares supervisors in one place. Each declaration becomes a handle type with
//! `spec()`, `start_link()`, `start()`, `child_spec(id)` (to nest it in another tree),
//! `named()` (if it has a name) and, through `Deref`, the [`SupervisorRef`] (or
//! [`DynamicSupervisorRef`]) API.
//!
//! ```
//! use otp_runtime::prelude::*;
//!
//! #[derive(Default)]
//! pub struct Counter { n: u64 }
//! #[gen_server]
//! impl Counter {
//!     #[call]
//!     pub fn bump(&mut self) -> u64 { self.n += 1; self.n }
//! }
//!
//! /// Runs until the tree stops it (an HTTP endpoint, say).
//! async fn serve_metrics(stop: StopSignal) -> std::io::Result<()> {
//!     stop.await; // then drain
//!     Ok(())
//! }
//!
//! pub struct Session { user: String }
//! #[gen_server]
//! impl Session {
//!     #[call]
//!     pub fn user(&self) -> String { self.user.clone() }
//! }
//!
//! supervision_tree! {
//!     /// The service: two counters, then the sessions.
//!     pub Service: rest_for_one, intensity 3 per 10s, name: "service" {
//!         worker "hits" => Counter::default(), name: "hits";
//!         worker misses => Counter::default(), restart: transient, shutdown: 500ms;
//!         supervisor "sessions" => Sessions;
//!         supervisor "batch" => one_for_all {
//!             worker "job" => Counter::default(), shutdown: brutal_kill;
//!         };
//!         service "metrics" => serve_metrics, shutdown: 2s;
//!     }
//!
//!     /// One session per user, started on demand.
//!     pub Sessions: dynamic, intensity 10 per 1s {
//!         worker "session" => |user: String| Session { user }, restart: temporary;
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let service = Service::start_link().await.unwrap();
//! assert_eq!(Counter::named("hits").bump().await, Ok(1));
//! assert_eq!(service.count_children().await.unwrap().active, 5);
//!
//! let sessions = Sessions::start_link().await.unwrap();
//! let pid = sessions.start_child("ada".to_string()).await.unwrap().unwrap();
//! let ada = SessionRef::from(ServerRef::<Session>::from_pid(pid).unwrap());
//! assert_eq!(ada.user().await, Ok("ada".to_string()));
//! # }
//! ```
//!
//! The syntax, with OTP's defaults for what is left out:
//!
//! | where | form | default |
//! |---|---|---|
//! | declaration | `/// docs` `vis Name: STRATEGY (, SETTING)* { CHILD; ... }` | |
//! | declaration | `vis Name(PARAM: Type, ...): STRATEGY ...`: run-time parameters ([below](#trees-from-configuration)) | none |
//! | strategy | `one_for_one`, `one_for_all`, `rest_for_one`, `dynamic` | |
//! | setting | `intensity N per DURATION` (`N` a literal, or a `u32` expression of the parameters) | `intensity 1 per 5s` |
//! | setting | `auto_shutdown: never \| any_significant \| all_significant` | `never` |
//! | setting | `name: "registered_name"` | unregistered |
//! | child | `worker ID => EXPR`: a gen_server value, made anew for each start | |
//! | child | `worker ID => start EXPR`: a future giving the started process ([`ChildSpec::from_fn`]) | |
//! | child | `supervisor ID => Type`: a supervisor declared by `supervision_tree!` | |
//! | child | `supervisor ID => STRATEGY (, SETTING)* { ... }`: a nested tree inline | |
//! | child | `supervisor ID => EXPR` (a [`SupervisorSpec`]) or `=> start EXPR` | |
//! | child | `service ID => FN`: an async function given a [`StopSignal`] ([`ChildSpec::service`]) | |
//! | child | `pool ID * COUNT => EXPR`: COUNT workers with ids `ID1`, `ID2`, ... | |
//! | child | `pool ID for ITEM in ITER => EXPR`: a worker per item (bound in `EXPR`), ids `ID` and the item | |
//! | dynamic child | `worker ID => \|arg: T\| EXPR` (or `start \|arg: T\| FUTURE`): the one template | |
//! | child setting | `restart: permanent \| transient \| temporary` | `permanent` |
//! | child setting | `shutdown: brutal_kill \| infinity \| DURATION` | 5 s for workers, `infinity` for supervisors |
//! | child setting | `significant` or `significant: BOOL` | `false` |
//! | child setting | `name: EXPR` (each incarnation's registered name; a pool's is a string, its workers' prefix) | unregistered |
//!
//! An `ID` is a string (`"cache"`) or a name (`cache`). A `DURATION` is a literal with a
//! unit: `500ms`, `5s`, `1.5s`, `2min`, `1h`. `crate = ::path;` as the first line names a
//! renamed `otp_runtime`. Mistakes are compile errors at the offending token: unknown
//! settings, strategies and restart types, a setting given twice, duplicate ids, a zero
//! period or shutdown, a duration without a unit, a significant child that is permanent or
//! whose supervisor has no auto_shutdown, an auto_shutdown on a dynamic supervisor (whose
//! children cannot be significant), and a dynamic supervisor with other than one closure
//! template, or a service as its template; a parameter without a type or declared twice, a
//! pool without a size, in a dynamic supervisor, or whose name is not a string.
//!
//! ## Trees from configuration
//!
//! The tree's expressions are compiled into the generated `spec()`, a function: they cannot
//! see the local variables of the code around the macro (rustc then says it "can't capture
//! dynamic environment in a fn item"). What a tree takes at run time (a pool size, an
//! address, a configuration struct) is declared as its **parameters**, with their types,
//! and the tree's `spec`, `start`, `start_link` and `child_spec` take them as arguments, so
//! the checks above still happen at compile time. Every expression of the tree sees them:
//! children, names, the `intensity`, pool sizes. Each child's start closure gets a clone of
//! each (a parameter must be `Clone`), since a child is started again at each restart;
//! closures given as values (a service's function, a dynamic template) are made `move` for
//! it. A `pool` stands for several identical workers, their ids and names numbered from 1:
//!
//! ```
//! use otp_runtime::prelude::*;
//! use std::net::SocketAddr;
//!
//! #[derive(Default)]
//! pub struct Worker { served: u64 }
//! #[gen_server]
//! impl Worker {
//!     #[call]
//!     pub fn serve(&mut self) -> u64 { self.served += 1; self.served }
//! }
//!
//! #[derive(Clone)]
//! pub struct Config { pub workers: usize, pub restarts: u32, pub addr: SocketAddr }
//!
//! async fn listen(addr: SocketAddr, stop: StopSignal) -> std::io::Result<()> {
//!     let _listener = tokio::net::TcpListener::bind(addr).await?;
//!     stop.await;
//!     Ok(())
//! }
//!
//! supervision_tree! {
//!     pub Pool(config: Config): one_for_one, intensity config.restarts per 5s {
//!         pool "worker" * config.workers => Worker::default(), name: "worker";
//!         service "http" => |stop| listen(config.addr, stop);
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let config = Config { workers: 3, restarts: 10, addr: ([127, 0, 0, 1], 0).into() };
//! let pool = Pool::start(config).await.unwrap();
//! let ids: Vec<_> = pool.which_children().await.unwrap().iter().map(|c| c.id.clone()).collect();
//! assert_eq!(ids, ["http".into(), "worker3".into(), "worker2".into(), "worker1".into()]);
//! assert_eq!(Worker::named("worker2").serve().await, Ok(1));
//! # }
//! ```
//!
//! A tree with parameters is nested in another by its spec (`supervisor "pool" =>
//! Pool::spec(config)`), or, to take fresh arguments at each restart, by its start
//! function: `supervisor "pool" => start Pool::start_link(config.clone())`, which also
//! nests a dynamic one.

mod children;
mod dynamic;
mod error;
pub(crate) mod flags;
mod intensity;
pub(crate) mod server;
pub mod service;
pub(crate) mod spec;

use std::sync::Arc;
use std::time::Duration;

pub use self::dynamic::{DynamicSupervisorRef, DynamicSupervisorSpec};
pub use self::error::SupervisorError;
pub use self::flags::{AutoShutdown, Strategy, SupervisorSpec};
pub use self::service::StopSignal;
pub use self::spec::{ChildPid, ChildSpec, ChildType, Restart, Shutdown};

use self::server::{Request, Response, Supervisor};
use crate::registry::Name;
use crate::{CallError, ExitReason, GenServer, Pid, ServerRef, INFINITY};

/// What a child is doing now, as [`SupervisorRef::which_children`] reports it.
///
/// # Examples
///
/// ```
/// use otp_runtime::supervisor::ChildState;
/// assert_ne!(ChildState::NotRunning, ChildState::Restarting);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum ChildState {
    /// Running as this process.
    Running(Pid),
    /// Not running: stopped, ended without being restarted, or its start was ignored
    /// (OTP's `undefined`).
    NotRunning,
    /// Its restart failed and the supervisor is retrying (OTP's `restarting`).
    Restarting,
}

/// One child, as [`SupervisorRef::which_children`] lists it.
///
/// # Examples
///
/// See [`SupervisorSpec`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ChildInfo {
    /// The child's id (a dynamic supervisor's children share their template's, unless its
    /// spec gives each its own with `DynamicSupervisorSpec::child_id`).
    pub id: Arc<str>,
    /// Running, not running or restarting.
    pub state: ChildState,
    /// Worker or supervisor.
    pub kind: ChildType,
}

/// How many children a supervisor has, as [`SupervisorRef::count_children`] counts them.
///
/// # Examples
///
/// ```
/// let c = otp_runtime::supervisor::ChildCounts::default();
/// assert_eq!(c.specs, 0);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct ChildCounts {
    /// Children, running or not; for a dynamic supervisor, 1: its template (as OTP counts a
    /// `simple_one_for_one` supervisor's specs).
    pub specs: usize,
    /// Children running now.
    pub active: usize,
    /// Children of type supervisor, running or not.
    pub supervisors: usize,
    /// Children of type worker, running or not.
    pub workers: usize,
}

/// A handle to a supervisor: its API (OTP's `supervisor:start_child/2` and friends).
/// `Clone + Send + Sync`. Every request waits as long as it takes (OTP calls the
/// supervisor with `infinity`): a supervisor answers once the start or stop it is doing is
/// done.
///
/// Do not call a supervisor from the `init` of a child it is starting: the supervisor
/// waits for that `init`, and the two would wait for each other (as in OTP).
///
/// # Examples
///
/// See [`SupervisorSpec`] and the module's example.
#[derive(Clone, Debug)]
pub struct SupervisorRef {
    server: ServerRef<Supervisor>,
}

impl SupervisorRef {
    pub(crate) fn from_server(server: ServerRef<Supervisor>) -> Self {
        SupervisorRef { server }
    }

    /// A handle to the supervisor registered under `name`, resolved at each request.
    ///
    /// # Examples
    ///
    /// See [`SupervisorSpec::name`].
    pub fn named(name: impl Into<Name>) -> Self {
        SupervisorRef {
            server: ServerRef::named(name),
        }
    }

    /// The supervisor's pid (`None` for a name nobody has).
    ///
    /// # Examples
    ///
    /// See [`SupervisorSpec::name`].
    pub fn pid(&self) -> Option<Pid> {
        self.server.pid()
    }

    /// A handle to the supervisor `pid` of the [current node](crate::node::Node::current)
    /// (as a listing or an observer finds it), bound to that pid.
    ///
    /// # Errors
    ///
    /// [`CallError::NoProc`] if it is not alive, [`CallError::WrongType`] if it is not a
    /// supervisor.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let sup = SupervisorSpec::one_for_one().start().await.unwrap();
    /// let same = SupervisorRef::from_pid(sup.pid().unwrap()).unwrap();
    /// assert!(same.which_children().await.unwrap().is_empty());
    /// # }
    /// ```
    pub fn from_pid(pid: Pid) -> Result<Self, CallError> {
        ServerRef::<Supervisor>::from_pid(pid).map(Self::from_server)
    }

    pub(crate) async fn request(&self, request: Request) -> Result<Response, SupervisorError> {
        if request.waits_on_a_child() {
            self.server.call_waiting(request, INFINITY).await?
        } else {
            self.server.call_timeout(request, INFINITY).await?
        }
    }

    /// Adds a child and starts it. `Ok(None)` if its start was ignored (a temporary child
    /// is then forgotten, another is kept as not running).
    ///
    /// # Errors
    ///
    /// [`SupervisorError::AlreadyStarted`] or [`SupervisorError::AlreadyPresent`] if the id
    /// is taken; [`SupervisorError::Start`] if it failed to start (it is not added);
    /// [`SupervisorError::InvalidSpec`]; [`SupervisorError::Call`].
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// use otp_runtime::supervisor::{ChildSpec, SupervisorError, SupervisorSpec};
    /// # #[derive(Default)] struct W;
    /// # #[gen_server] impl W { #[call] fn ping(&self) {} }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let sup = SupervisorSpec::one_for_one().start().await.unwrap();
    /// let pid = sup.start_child(ChildSpec::worker("w", W::default)).await.unwrap().unwrap();
    /// assert_eq!(
    ///     sup.start_child(ChildSpec::worker("w", W::default)).await,
    ///     Err(SupervisorError::AlreadyStarted(pid))
    /// );
    /// sup.terminate_child("w").await.unwrap();
    /// assert_eq!(
    ///     sup.start_child(ChildSpec::worker("w", W::default)).await,
    ///     Err(SupervisorError::AlreadyPresent)
    /// );
    /// # }
    /// ```
    pub async fn start_child(&self, spec: ChildSpec) -> Result<Option<Pid>, SupervisorError> {
        match self.request(Request::StartChild(spec)).await? {
            Response::Started(pid) => Ok(pid),
            _ => unreachable!("start_child answers Started"),
        }
    }

    /// Stops a child by its shutdown setting and keeps its spec (a temporary child's is
    /// removed). Stopping a child that is not running is fine.
    ///
    /// By id only: OTP's `terminate_child(Sup, Pid)` on a supervisor that is not
    /// `simple_one_for_one` takes the pid for an id, finds none and answers `not_found`; here
    /// an id is a `&str`, so that mistake does not compile. (A [`DynamicSupervisorRef`] that
    /// names a static supervisor gets [`SupervisorError::NotFound`] for any pid, as in OTP.)
    ///
    /// # Errors
    ///
    /// [`SupervisorError::NotFound`]; [`SupervisorError::InvalidSpec`] on a dynamic
    /// supervisor (whose children are terminated by pid); [`SupervisorError::Call`].
    ///
    /// # Examples
    ///
    /// See [`SupervisorRef::start_child`].
    pub async fn terminate_child(&self, id: &str) -> Result<(), SupervisorError> {
        self.request(Request::TerminateChild(id.into()))
            .await
            .map(drop)
    }

    /// Starts again a child that is not running. `Ok(None)` if its start was ignored.
    ///
    /// # Errors
    ///
    /// [`SupervisorError::Running`], [`SupervisorError::Restarting`],
    /// [`SupervisorError::NotFound`], [`SupervisorError::Start`];
    /// [`SupervisorError::InvalidSpec`] on a dynamic supervisor; [`SupervisorError::Call`].
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// use otp_runtime::supervisor::{ChildSpec, SupervisorError, SupervisorSpec};
    /// # #[derive(Default)] struct W;
    /// # #[gen_server] impl W { #[call] fn ping(&self) {} }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let sup = SupervisorSpec::one_for_one()
    ///     .child(ChildSpec::worker("w", W::default))
    ///     .start()
    ///     .await
    ///     .unwrap();
    /// assert_eq!(sup.restart_child("w").await, Err(SupervisorError::Running));
    /// sup.terminate_child("w").await.unwrap();
    /// assert!(sup.restart_child("w").await.unwrap().is_some());
    /// # }
    /// ```
    pub async fn restart_child(&self, id: &str) -> Result<Option<Pid>, SupervisorError> {
        match self.request(Request::RestartChild(id.into())).await? {
            Response::Started(pid) => Ok(pid),
            _ => unreachable!("restart_child answers Started"),
        }
    }

    /// Removes the spec of a child that is not running.
    ///
    /// # Errors
    ///
    /// [`SupervisorError::Running`], [`SupervisorError::Restarting`],
    /// [`SupervisorError::NotFound`]; [`SupervisorError::InvalidSpec`] on a dynamic
    /// supervisor; [`SupervisorError::Call`].
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// use otp_runtime::supervisor::{ChildSpec, SupervisorError, SupervisorSpec};
    /// # #[derive(Default)] struct W;
    /// # #[gen_server] impl W { #[call] fn ping(&self) {} }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let sup = SupervisorSpec::one_for_one()
    ///     .child(ChildSpec::worker("w", W::default))
    ///     .start()
    ///     .await
    ///     .unwrap();
    /// assert_eq!(sup.delete_child("w").await, Err(SupervisorError::Running));
    /// sup.terminate_child("w").await.unwrap();
    /// sup.delete_child("w").await.unwrap();
    /// assert_eq!(sup.delete_child("w").await, Err(SupervisorError::NotFound));
    /// # }
    /// ```
    pub async fn delete_child(&self, id: &str) -> Result<(), SupervisorError> {
        self.request(Request::DeleteChild(id.into()))
            .await
            .map(drop)
    }

    /// Every child, **newest first** (as OTP lists them), with its state and type.
    ///
    /// # Errors
    ///
    /// [`SupervisorError::Call`].
    ///
    /// # Examples
    ///
    /// See [`SupervisorSpec`].
    pub async fn which_children(&self) -> Result<Vec<ChildInfo>, SupervisorError> {
        match self.request(Request::WhichChildren).await? {
            Response::Children(c) => Ok(c),
            _ => unreachable!("which_children answers Children"),
        }
    }

    /// One child, by id, as [`which_children`](SupervisorRef::which_children) lists it
    /// (OTP 27's `supervisor:which_child/2`).
    ///
    /// # Errors
    ///
    /// [`SupervisorError::NotFound`]; [`SupervisorError::InvalidSpec`] on a dynamic
    /// supervisor (ask [`DynamicSupervisorRef::which_child`] by pid);
    /// [`SupervisorError::Call`].
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// use otp_runtime::supervisor::{ChildInfo, ChildState, ChildType};
    /// # #[derive(Default)] struct W;
    /// # #[gen_server] impl W { #[call] fn ping(&self) {} }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let sup = SupervisorSpec::one_for_one()
    ///     .child(ChildSpec::worker("w", W::default))
    ///     .start()
    ///     .await
    ///     .unwrap();
    /// let w = sup.which_child("w").await.unwrap();
    /// assert!(matches!(w.state, ChildState::Running(_)));
    /// sup.terminate_child("w").await.unwrap();
    /// assert_eq!(
    ///     sup.which_child("w").await,
    ///     Ok(ChildInfo { id: "w".into(), state: ChildState::NotRunning, kind: ChildType::Worker })
    /// );
    /// assert_eq!(sup.which_child("x").await, Err(SupervisorError::NotFound));
    /// # }
    /// ```
    pub async fn which_child(&self, id: &str) -> Result<ChildInfo, SupervisorError> {
        match self.request(Request::WhichChild(id.into())).await? {
            Response::Child(c) => Ok(c),
            _ => unreachable!("which_child answers Child"),
        }
    }

    /// How many children there are, running and by type.
    ///
    /// # Errors
    ///
    /// [`SupervisorError::Call`].
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::supervisor::{ChildCounts, ChildSpec, SupervisorSpec};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let sup = SupervisorSpec::one_for_one()
    ///     .child(ChildSpec::supervisor("sub", SupervisorSpec::one_for_one()))
    ///     .start()
    ///     .await
    ///     .unwrap();
    /// assert_eq!(
    ///     sup.count_children().await.unwrap(),
    ///     ChildCounts { specs: 1, active: 1, supervisors: 1, workers: 0 }
    /// );
    /// # }
    /// ```
    pub async fn count_children(&self) -> Result<ChildCounts, SupervisorError> {
        match self.request(Request::CountChildren).await? {
            Response::Counts(c) => Ok(c),
            _ => unreachable!("count_children answers Counts"),
        }
    }

    /// A child's spec.
    ///
    /// # Errors
    ///
    /// [`SupervisorError::NotFound`]; [`SupervisorError::Call`].
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::supervisor::{ChildSpec, Restart, SupervisorSpec};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let sup = SupervisorSpec::one_for_one()
    ///     .child(ChildSpec::supervisor("sub", SupervisorSpec::one_for_one()).restart(Restart::Transient))
    ///     .start()
    ///     .await
    ///     .unwrap();
    /// assert_eq!(sup.get_childspec("sub").await.unwrap().restart_type(), Restart::Transient);
    /// # }
    /// ```
    pub async fn get_childspec(&self, id: &str) -> Result<ChildSpec, SupervisorError> {
        match self.request(Request::GetChildspec(id.into())).await? {
            Response::Spec(s) => Ok(s),
            _ => unreachable!("get_childspec answers Spec"),
        }
    }

    /// The running child `id` as a typed gen_server handle, bound to its current
    /// incarnation (after a restart, ask again, or use a named handle).
    ///
    /// # Errors
    ///
    /// [`SupervisorError::NotFound`], [`SupervisorError::NotRunning`],
    /// [`SupervisorError::Restarting`]; [`SupervisorError::Call`] with
    /// [`CallError::WrongType`] if the child is not an `S`.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// use otp_runtime::supervisor::{ChildSpec, SupervisorSpec};
    /// #[derive(Default)] struct Counter(u32);
    /// #[gen_server] impl Counter { #[call] fn bump(&mut self) -> u32 { self.0 += 1; self.0 } }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let sup = SupervisorSpec::one_for_one()
    ///     .child(ChildSpec::worker("c", Counter::default))
    ///     .start()
    ///     .await
    ///     .unwrap();
    /// let c: CounterRef = sup.child::<Counter>("c").await.unwrap().into();
    /// assert_eq!(c.bump().await, Ok(1));
    /// # }
    /// ```
    pub async fn child<S: GenServer>(&self, id: &str) -> Result<ServerRef<S>, SupervisorError> {
        match self.request(Request::ChildPid(id.into())).await? {
            // On the supervisor's node, wherever the caller is.
            Response::Pid(pid) => Ok(ServerRef::from_pid_on(self.server.node(), pid)?),
            _ => unreachable!("child answers Pid"),
        }
    }

    /// The running child `id` as a supervisor handle, for a nested supervisor (bound to its
    /// current incarnation).
    ///
    /// # Errors
    ///
    /// As [`SupervisorRef::child`]; [`CallError::WrongType`] if the child is not a
    /// supervisor.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::supervisor::{ChildSpec, SupervisorSpec};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let root = SupervisorSpec::one_for_one()
    ///     .child(ChildSpec::supervisor("inner", SupervisorSpec::one_for_all()))
    ///     .start()
    ///     .await
    ///     .unwrap();
    /// let inner = root.child_supervisor("inner").await.unwrap();
    /// assert_eq!(inner.count_children().await.unwrap().specs, 0);
    /// # }
    /// ```
    pub async fn child_supervisor(&self, id: &str) -> Result<SupervisorRef, SupervisorError> {
        self.child::<Supervisor>(id)
            .await
            .map(SupervisorRef::from_server)
    }

    /// Stops the supervisor: its children are stopped in reverse start order, then it exits
    /// `Normal` (OTP's `supervisor:stop/1`).
    ///
    /// # Errors
    ///
    /// [`CallError::NoProc`] if it is not alive.
    ///
    /// # Examples
    ///
    /// See [`SupervisorSpec`].
    pub async fn stop(&self) -> Result<(), CallError> {
        self.server.stop(ExitReason::Normal, INFINITY).await
    }

    /// Stops the supervisor with `reason`, waiting at most `timeout` (OTP's
    /// `supervisor:stop/3`): its children are stopped in reverse start order, each with
    /// `Shutdown` by its shutdown setting, then it exits with `reason`. If that takes longer
    /// than `timeout` the caller gets [`CallError::Timeout`], and the supervisor goes on
    /// stopping its children all the same.
    ///
    /// # Errors
    ///
    /// [`CallError::NoProc`] if it is not alive; [`CallError::Timeout`];
    /// [`CallError::Exited`] if it ended with another reason.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// use std::time::Duration;
    ///
    /// #[derive(Default)]
    /// struct Slow;
    /// #[gen_server]
    /// impl Slow {
    ///     #[init]
    ///     fn init(&mut self, ctx: &mut Ctx<Self>) { ctx.trap_exit(true); }
    ///     #[terminate]
    ///     async fn terminate(&mut self, _reason: &ExitReason) {
    ///         otp_runtime::time::sleep(Duration::from_secs(2)).await; // a slow cleanup
    ///     }
    ///     #[call]
    ///     fn ping(&self) {}
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let sup = SupervisorSpec::one_for_one()
    ///     .child(ChildSpec::worker("slow", Slow::default))
    ///     .start()
    ///     .await
    ///     .unwrap();
    /// let reason = ExitReason::other("maintenance");
    /// let err = sup.stop_with(reason.clone(), Duration::from_secs(1)).await.unwrap_err();
    /// let target = CallTarget::Pid(sup.pid().unwrap());
    /// assert_eq!(err, CallError::Timeout { target, after: Duration::from_secs(1) });
    /// // The supervisor still ends, with its reason, once its child has.
    /// assert_eq!(sup.wait_exit().await, reason);
    /// # }
    /// ```
    pub async fn stop_with(&self, reason: ExitReason, timeout: Duration) -> Result<(), CallError> {
        self.server.stop(reason, timeout).await
    }

    /// Waits for the supervisor to end and returns its reason (`NoProc` if it is not alive).
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::ExitReason;
    /// use otp_runtime::supervisor::SupervisorSpec;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let sup = SupervisorSpec::one_for_one().start().await.unwrap();
    /// otp_runtime::exit(sup.pid().unwrap(), ExitReason::Kill);
    /// assert_eq!(sup.wait_exit().await, ExitReason::Killed);
    /// # }
    /// ```
    pub async fn wait_exit(&self) -> ExitReason {
        self.server.wait_exit().await
    }
}

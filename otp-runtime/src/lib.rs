//! Erlang/OTP's behaviours for Rust, on tokio.
//!
//! `otp-runtime` gives Rust programs Erlang's process model (pids, typed mailboxes, links,
//! monitors, exit signals, a name registry, timers owned by a process) and OTP's behaviours
//! built on it, starting with [`GenServer`] and its macro, [`gen_server`](macro@gen_server).
//! Crashes are contained at the process boundary and reported as exit reasons, so supervisors
//! can heal them ("let it crash").
//!
//! ```
//! use otp_runtime::prelude::*;
//!
//! #[derive(Default)]
//! pub struct Factorial { computed: u64 }
//!
//! #[gen_server]
//! impl Factorial {
//!     /// n! and how many factorials this server computed before.
//!     #[call]
//!     pub fn factorial(&mut self, n: u64) -> (u128, u64) {
//!         let r = (1..=n as u128).try_fold(1u128, |acc, k| acc.checked_mul(k));
//!         self.computed += 1;
//!         (r.expect("overflow"), self.computed - 1) // a panic: the server crashes
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let f = Factorial::default().start().await.unwrap();
//! assert_eq!(f.factorial(5).await, Ok((120, 0)));
//! assert!(matches!(f.factorial(40).await, Err(CallError::Exited(ExitReason::Panic(_)))));
//! // Dead, and the handle is bound to its pid (a supervisor would restart it).
//! let err = f.factorial(5).await.unwrap_err();
//! assert_eq!(err, CallError::NoProc { target: CallTarget::Pid(f.pid().unwrap()) });
//! # }
//! ```
//!
//! Panics are crashes only with `panic = "unwind"` (the default); see [`process`] for why
//! `panic = "abort"` turns containment off.
//!
//! # The tokio runtime it needs
//!
//! Processes are tokio tasks, so everything runs inside a tokio runtime with its time driver
//! enabled (`#[tokio::main]`, `#[tokio::test]` and `Builder::enable_all()` all do that): call
//! timeouts, timers and the gen_server timeout use it. Both the multi-threaded and the
//! current-thread schedulers work.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![doc(test(attr(deny(warnings))))]
#![warn(missing_docs)]

pub mod application;
mod deadlock;
pub mod dist;
mod error;
pub mod ets;
mod exit;
pub mod gen_event;
pub mod gen_server;
pub mod gen_statem;
pub mod node;
mod panics;
pub mod pg;
mod pid;
pub mod process;
mod registry;
pub mod report;
pub mod sim;
mod spans;
pub mod supervisor;
pub mod sys;
pub mod testing;
pub mod time;
pub mod via;

pub use error::{CallError, CallTarget, NotInProcess, RegisterError, SendError, StartError};
pub use exit::{ExitReason, TypedReason};
pub use gen_event::{
    AnyHandlerId, EventHandler, EventManager, EventManagerRef, GenEventError, Handled,
    HandlerCallError, HandlerExit, HandlerExitReason, HandlerId, HandlerInfo, HandlerReply,
    Removal,
};
pub use gen_server::{
    CallResult, Collected, Ctx, GenServer, Info, Init, MessageKind, Outcome, ReplyTo, RequestId,
    RequestIds, ServerRef, StartOpts, DEFAULT_CALL_TIMEOUT, INFINITY, NO_VARIANT,
};
pub use gen_statem::{
    Enter, EnterCtx, Event, GenStatem, StatemCtx, StatemInit, StatemRef, Transition,
};
pub use pid::{NodeId, Pid};
pub use process::{
    demonitor, exit, is_alive, link, links, monitor, process_count, process_info, self_pid, spawn,
    spawn_link, spawn_linked_task, spawn_task, timer_count, trap_exit, unlink, wait_exit, Message,
    MonitorRef, ProcessCtx, ProcessInfo, ProcessRef, TaskError, TaskExit, TaskHandle, TimerRef,
};
pub use registry::{register, registered, unregister, whereis, Name};
pub use supervisor::{
    ChildSpec, DynamicSupervisorRef, DynamicSupervisorSpec, SupervisorError, SupervisorRef,
    SupervisorSpec,
};

pub use otp_macros::{
    call, cast, enter, gen_server, gen_statem, handle_continue, hibernate, info, init, internal,
    supervision_tree, terminate, timeout,
};

/// Runs an async test on a fresh [node]: a `#[tokio::test]` whose body runs in
/// the [scope](node::Node::scope) of a node of its own, so that tests running in parallel
/// never see each other's names, processes or applications, and no test needs a name made
/// unique by hand.
///
/// It takes `#[tokio::test]`'s arguments (`flavor = "multi_thread"`, `worker_threads = 2`,
/// `start_paused = true`, ...; the features they need are tokio's, as for `#[tokio::test]`),
/// and `crate = path` if otp_runtime is renamed. The body may return a `Result` and use `?`.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
///
/// #[derive(Default)]
/// pub struct Kv { n: u64 }
///
/// #[gen_server]
/// impl Kv {
///     #[call]
///     pub fn bump(&mut self) -> u64 { self.n += 1; self.n }
/// }
///
/// // Both tests name their server "kv": each has a node of its own.
/// #[otp_runtime::test]
/// async fn one() {
///     Kv::default().start_named("kv").await.unwrap();
///     assert_eq!(Kv::named("kv").bump().await, Ok(1));
/// }
///
/// #[otp_runtime::test(start_paused = true)]
/// async fn two() -> Result<(), CallError> {
///     Kv::default().start_named("kv").await.unwrap();
///     assert_eq!(Kv::named("kv").bump().await?, 1);
///     assert_eq!(otp_runtime::registered().len(), 1);
///     Ok(())
/// }
/// # fn main() {}
/// ```
pub use otp_macros::test;

/// Runs a test under the [deterministic simulator](crate::sim), once per seed (100 by
/// default): a plain `#[test]` whose body, an `async fn` taking the run's [`Sim`](sim::Sim),
/// runs in each seed's simulated world. Settings: `seeds = N`, `jobs = N` (threads),
/// `time_limit = SECONDS` (simulated), `check_determinism = N` (seeds run twice),
/// `first_seed = N`, and `crate = path` if otp_runtime is renamed. A failure panics with the
/// seed's report and the line that replays it. Needs the `sim` feature.
///
/// ```
/// #[otp_runtime::sim_test(seeds = 50)]
/// async fn time_passes(sim: otp_runtime::sim::Sim) {
///     use otp_runtime::sim::Faults;
///     use std::time::Duration;
///
///     sim.faults(Faults::new().slow(0.5, Duration::from_millis(5)));
///     let ticker = otp_runtime::spawn(|_ctx: otp_runtime::ProcessCtx<()>| async {
///         for _ in 0..60 {
///             otp_runtime::time::sleep(Duration::from_secs(1)).await;
///         }
///         otp_runtime::ExitReason::Normal
///     });
///     ticker.wait_exit().await;
///     assert!(sim.elapsed() >= Duration::from_secs(60));
/// }
/// # fn main() {}
/// ```
#[cfg(feature = "sim")]
pub use otp_macros::sim_test;

/// A boxed, sendable future: the one shape every type-erased callback in the crate returns.
pub(crate) type BoxFuture<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// Everything a program using behaviours needs, in one `use`.
///
/// The handler attributes need no import inside a `#[gen_server]` or `#[gen_statem]` impl:
/// the outer macro reads them. The prelude has them so that one put on an impl without the
/// outer macro says so, all but `#[info]`, whose name `tracing::info!` takes: a program may
/// `use otp_runtime::prelude::*; use tracing::*;` and write `info!` (`otp_runtime::info` is
/// there for whoever wants it).
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// let _: ExitReason = ExitReason::Normal;
/// ```
pub mod prelude {
    pub use otp_macros::{
        call, cast, enter, gen_server, gen_statem, handle_continue, hibernate, init, internal,
        supervision_tree, terminate, timeout,
    };

    pub use crate::application::{Application, NoConfig, StartType};
    pub use crate::gen_event::{
        AnyHandlerId, EventHandler, EventManager, EventManagerRef, GenEventError, Handled,
        HandlerCallError, HandlerExit, HandlerExitReason, HandlerId, HandlerInfo, HandlerReply,
        Removal,
    };
    pub use crate::gen_statem::{
        Enter, EnterCtx, Event, GenStatem, StatemCtx, StatemInit, StatemRef, Transition,
    };
    pub use crate::node::{Node, NodeExit};
    pub use crate::supervisor::{
        AutoShutdown, ChildSpec, ChildState, ChildType, DynamicSupervisorRef,
        DynamicSupervisorSpec, Restart, Shutdown, StopSignal, Strategy, SupervisorError,
        SupervisorRef, SupervisorSpec,
    };
    pub use crate::{
        CallError, CallResult, CallTarget, Collected, Ctx, ExitReason, GenServer, Info, Init,
        Message, MonitorRef, NodeId, Outcome, Pid, ProcessCtx, ProcessRef, ReplyTo, RequestId,
        RequestIds, ServerRef, StartError, StartOpts, TaskError, TaskHandle, TimerRef,
        DEFAULT_CALL_TIMEOUT, INFINITY,
    };
}

/// What generated code reaches; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::gen_server::{unhandled_info, Request};
    pub use crate::gen_statem::generated as statem;
    /// `#[otp_runtime::test]` reaches tokio through here, so a test crate needs no tokio of
    /// its own with the right features.
    pub use tokio;

    /// The bound of the handle's stand-in for a method of the impl that has no `#[call]` or
    /// `#[cast]`: never implemented, so calling it on the handle fails with this message.
    #[diagnostic::on_unimplemented(
        message = "this method of `{S}` is not a request: it has no `#[call]` or `#[cast]`",
        label = "a plain method of `{S}`, not a request its handle can send",
        note = "mark the method `#[call]` (the client waits for its reply) or `#[cast]` (the \
                client sends it and goes on) in the `#[gen_server]` impl"
    )]
    pub trait NotARequest<S> {}

    /// The node of an `#[otp_runtime::test]`.
    pub fn test_node() -> crate::node::Node {
        crate::node::Node::unclaimed()
    }
}

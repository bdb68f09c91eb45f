//! Helpers for tests of servers and trees: waiting for what a supervisor does about an exit
//! ([`wait_for`], [`restarted`], [`running`]), and capturing the reports a node makes
//! ([`Reports`]: crash reports, supervisor reports, progress reports) to assert on them.
//!
//! A restart comes *after* the crash: the supervisor gets the exit signal, then starts a new
//! child. A test never sleeps and hopes; it asks the supervisor until the supervisor shows
//! what the test waits for. These helpers do that, through the runtime's clock, so they work
//! on tokio's paused clock as well as on a real one, and give up (with an error, never a
//! hang) after [`WAIT`].
//!
//! ```
//! use otp_runtime::prelude::*;
//! use otp_runtime::testing::{restarted, running, Reports};
//!
//! #[derive(Default)]
//! struct Kv;
//!
//! #[gen_server]
//! impl Kv {
//!     #[call]
//!     fn crash(&mut self) {
//!         panic!("asked to crash");
//!     }
//! }
//!
//! supervision_tree! {
//!     Tree: one_for_one, name: "tree" {
//!         worker "kv" => Kv, name: "kv";
//!     }
//! }
//!
//! // In a test: `#[otp_runtime::test] async fn a_crash_is_reported_and_healed() {`
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! # otp_runtime::node::Node::new().scope(async {
//!     let reports = Reports::capture().unwrap();
//!     let sup = Tree::start().await.unwrap();
//!     let old = running(&sup, "kv").await.unwrap();
//!     assert!(Kv::named("kv").crash().await.is_err());
//!     let new = restarted(&sup, "kv", old).await.unwrap();
//!     assert_ne!(new, old);
//!
//!     let crash = reports.wait_for(&["child terminated", "child=kv"]).await.unwrap();
//!     assert_eq!(crash.field("reason"), Some("panicked: asked to crash"));
//!     assert_eq!(crash.field("pid"), Some(old.to_string().as_str()));
//! # }).await;
//! # }
//! ```

pub(crate) mod reports;

use std::error::Error;
use std::fmt;
use std::time::Duration;

pub use self::reports::{CaptureError, Report, Reports};
use crate::supervisor::{ChildInfo, ChildState, SupervisorError, SupervisorRef};
use crate::Pid;

/// How long the helpers of this module wait before they give up: 5 seconds, on the runtime's
/// clock (so no real time at all on tokio's paused clock, where the clock jumps).
///
/// # Examples
///
/// ```
/// assert_eq!(otp_runtime::testing::WAIT.as_secs(), 5);
/// ```
pub const WAIT: Duration = Duration::from_secs(5);

/// How often the helpers ask again.
const POLL: Duration = Duration::from_millis(1);

/// Why a wait of this module ended without what it waited for.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// use otp_runtime::testing::{running, WaitError};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let sup = SupervisorSpec::one_for_one().start().await.unwrap();
/// // No child "kv" ever runs: after 5 seconds (none of them real, on the paused clock)...
/// let err = running(&sup, "kv").await.unwrap_err();
/// assert!(matches!(err, WaitError::TimedOut { .. }));
/// assert_eq!(err.to_string(), "gave up after 5s waiting for the child kv to run");
/// sup.stop().await.unwrap();
/// // ...and a supervisor that has stopped cannot be asked at all.
/// let err = running(&sup, "kv").await.unwrap_err();
/// let no_proc = CallError::NoProc { target: CallTarget::Pid(sup.pid().unwrap()) };
/// assert_eq!(err, WaitError::Supervisor(SupervisorError::Call(no_proc)));
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitError {
    /// Asking the supervisor failed: it has stopped, or did not answer.
    Supervisor(SupervisorError),
    /// What the wait waited for did not happen within [`WAIT`].
    TimedOut {
        /// What it waited for, in words (for a report of capture, also the reports seen).
        what: String,
    },
}

impl fmt::Display for WaitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitError::Supervisor(e) => write!(f, "asking the supervisor failed: {e}"),
            WaitError::TimedOut { what } => {
                write!(f, "gave up after {}s waiting for {what}", WAIT.as_secs())
            }
        }
    }
}

impl Error for WaitError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            WaitError::Supervisor(e) => Some(e),
            WaitError::TimedOut { .. } => None,
        }
    }
}

impl From<SupervisorError> for WaitError {
    fn from(e: SupervisorError) -> Self {
        WaitError::Supervisor(e)
    }
}

/// The state of the child `id` among `children` (as `which_children` lists them), or `None`
/// if there is no such child.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// use otp_runtime::testing::state;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let sup = SupervisorSpec::one_for_one().start().await.unwrap();
/// let children = sup.which_children().await.unwrap();
/// assert_eq!(state(&children, "kv"), None);
/// # }
/// ```
pub fn state(children: &[ChildInfo], id: &str) -> Option<ChildState> {
    children
        .iter()
        .find(|child| &*child.id == id)
        .map(|child| child.state)
}

/// Asks `sup` for its children until `done` holds for them, and returns them.
///
/// # Errors
///
/// [`WaitError::Supervisor`] if the supervisor cannot be asked (it has stopped: a
/// supervisor that gave up after too many restarts, for one), [`WaitError::TimedOut`] if
/// `done` did not hold within [`WAIT`].
///
/// # Examples
///
/// Waiting until a supervisor has handled a crash, whether or not it restarted the child:
///
/// ```
/// use otp_runtime::prelude::*;
/// use otp_runtime::testing::{running, state, wait_for};
///
/// #[derive(Default)]
/// struct Worker;
///
/// #[gen_server]
/// impl Worker {}
///
/// supervision_tree! {
///     Tree: one_for_one {
///         worker "w" => Worker;
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let sup = Tree::start().await.unwrap();
/// let w = running(&sup, "w").await.unwrap();
/// otp_runtime::exit(w, ExitReason::other("injected"));
/// wait_for(&sup, |c| state(c, "w") != Some(ChildState::Running(w)))
///     .await
///     .unwrap();
/// # }
/// ```
pub async fn wait_for(
    sup: &SupervisorRef,
    done: impl Fn(&[ChildInfo]) -> bool,
) -> Result<Vec<ChildInfo>, WaitError> {
    let found = |children: Vec<ChildInfo>| done(&children).then_some(children);
    wait_until(sup, found, || {
        "the supervisor's children to get there".into()
    })
    .await
}

/// Asks `sup` for its children until `found` finds what it looks for in them.
async fn wait_until<T>(
    sup: &SupervisorRef,
    found: impl Fn(Vec<ChildInfo>) -> Option<T>,
    what: impl FnOnce() -> String,
) -> Result<T, WaitError> {
    let ask = async {
        loop {
            if let Some(found) = found(sup.which_children().await?) {
                return Ok(found);
            }
            crate::time::sleep(POLL).await;
        }
    };
    match crate::time::timeout(WAIT, ask).await {
        Some(found) => found,
        None => Err(WaitError::TimedOut { what: what() }),
    }
}

/// Waits until `sup` runs its child `id`, and returns the child's pid.
///
/// # Errors
///
/// As [`wait_for`]'s: the supervisor cannot be asked, or it did not run `id` within
/// [`WAIT`].
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// use otp_runtime::testing::running;
///
/// #[derive(Default)]
/// struct Worker;
///
/// #[gen_server]
/// impl Worker {}
///
/// supervision_tree! {
///     Tree: one_for_one {
///         worker "w" => Worker, name: "w";
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let sup = Tree::start().await.unwrap();
/// assert_eq!(Some(running(&sup, "w").await.unwrap()), Worker::named("w").pid());
/// # }
/// ```
pub async fn running(sup: &SupervisorRef, id: &str) -> Result<Pid, WaitError> {
    let pid = |children: Vec<ChildInfo>| match state(&children, id) {
        Some(ChildState::Running(pid)) => Some(pid),
        _ => None,
    };
    wait_until(sup, pid, || format!("the child {id} to run")).await
}

/// Waits until `sup` runs its child `id` as a process other than `old`, and returns the new
/// pid: the restart of `old`.
///
/// # Errors
///
/// As [`wait_for`]'s: the supervisor cannot be asked (it gave up, say), or it did not
/// restart `id` within [`WAIT`].
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// use otp_runtime::testing::{restarted, running};
///
/// #[derive(Default)]
/// struct Worker;
///
/// #[gen_server]
/// impl Worker {}
///
/// supervision_tree! {
///     Tree: one_for_one {
///         worker "w" => Worker;
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let sup = Tree::start().await.unwrap();
/// let old = running(&sup, "w").await.unwrap();
/// otp_runtime::exit(old, ExitReason::other("injected"));
/// let new = restarted(&sup, "w", old).await.unwrap();
/// assert_ne!(new, old);
/// # }
/// ```
pub async fn restarted(sup: &SupervisorRef, id: &str, old: Pid) -> Result<Pid, WaitError> {
    let new = |children: Vec<ChildInfo>| match state(&children, id) {
        Some(ChildState::Running(pid)) if pid != old => Some(pid),
        _ => None,
    };
    let what = || format!("the child {id} to run as another process than {old}");
    wait_until(sup, new, what).await
}

//! How a node ends, and why it may not boot.

use std::fmt;
use std::process::{ExitCode, Termination};

use crate::application::ConfigError;
use crate::{CallError, ExitReason, StartError};

/// Why a node did not boot. Everything but [`BootError::StartFailed`] and
/// [`BootError::DependencyNotRunning`] is found before any application starts; those two
/// stop the applications already started, in reverse order.
///
/// # Examples
///
/// ```
/// use otp_runtime::node::BootError;
/// let e = BootError::MissingDependency { application: "web", dependency: "db" };
/// assert_eq!(e.to_string(), "application web depends on db, which is not in the node");
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum BootError {
    /// Two applications have this name.
    Duplicate(&'static str),
    /// An application depends on one the node was not given.
    MissingDependency {
        /// The application.
        application: &'static str,
        /// The dependency it names.
        dependency: &'static str,
    },
    /// Applications depend on each other in a circle, listed along it (first = last).
    DependencyCycle(Vec<&'static str>),
    /// The configuration file or an application's configuration is wrong.
    Config(ConfigError),
    /// The node was started before (OTP's `{already_started, App}` for its applications).
    AlreadyStarted,
    /// The node has stopped; a stopped node does not start again.
    Stopped,
    /// An application's dependency is not running: a temporary dependency that failed to
    /// start (OTP's `{not_running, Dep}`).
    DependencyNotRunning {
        /// The application.
        application: &'static str,
        /// Its dependency.
        dependency: &'static str,
    },
    /// The node's controller was killed (from outside) during the boot.
    Aborted(ExitReason),
    /// An application's `start` failed (the error names the child for a supervision tree:
    /// [`StartError::ChildFailed`]), panicked, or returned a process that is not linked to
    /// the node.
    StartFailed {
        /// The application.
        application: &'static str,
        /// Why.
        error: StartError,
    },
}

impl fmt::Display for BootError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BootError::Duplicate(name) => write!(f, "two applications are named {name}"),
            BootError::MissingDependency {
                application,
                dependency,
            } => write!(
                f,
                "application {application} depends on {dependency}, which is not in the node"
            ),
            BootError::DependencyCycle(cycle) => {
                write!(
                    f,
                    "applications depend on each other: {}",
                    cycle.join(" -> ")
                )
            }
            BootError::Config(e) => write!(f, "configuration: {e}"),
            BootError::AlreadyStarted => f.write_str("the node was started already"),
            BootError::Stopped => f.write_str("the node has stopped"),
            BootError::DependencyNotRunning {
                application,
                dependency,
            } => write!(
                f,
                "application {application} cannot start: its dependency {dependency} is not running"
            ),
            BootError::Aborted(reason) => {
                write!(f, "the node's controller exited during the boot: {reason}")
            }
            BootError::StartFailed { application, error } => {
                write!(f, "application {application} failed to start: {error}")
            }
        }
    }
}

impl std::error::Error for BootError {}

impl From<ConfigError> for BootError {
    fn from(e: ConfigError) -> Self {
        BootError::Config(e)
    }
}

/// How a node ended. `main` can return it: the program's exit code is 0 for
/// [`NodeExit::Stopped`] and 1 otherwise, with the reason printed to stderr (as an Erlang
/// node that halts on a failed application).
///
/// # Examples
///
/// ```
/// use otp_runtime::ExitReason;
/// use otp_runtime::node::NodeExit;
/// let failed = NodeExit::ApplicationTerminated {
///     application: "web",
///     reason: ExitReason::Shutdown,
/// };
/// assert_eq!(failed.to_string(), "application web terminated: shutdown");
/// assert!(NodeExit::Stopped.is_clean() && !failed.is_clean());
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum NodeExit {
    /// Stopped on request (a signal, [`Node::stop`](super::Node::stop)): every
    /// application was stopped in reverse start order.
    Stopped,
    /// A permanent application exited, or a transient one abnormally; the others were
    /// stopped in reverse start order (OTP's `{application_terminated, App, Reason}`).
    ApplicationTerminated {
        /// The application.
        application: &'static str,
        /// Its top process's exit reason (`shutdown` when a top supervisor gave up).
        reason: ExitReason,
    },
    /// The node did not boot.
    BootFailed(BootError),
    /// The node's controller process was killed from outside (an `exit(pid, kill)` aimed at
    /// it); the applications' top processes got its exit signal.
    Aborted(ExitReason),
}

impl NodeExit {
    /// Whether the node stopped on request.
    ///
    /// # Examples
    ///
    /// See [`NodeExit`].
    pub fn is_clean(&self) -> bool {
        *self == NodeExit::Stopped
    }
}

impl fmt::Display for NodeExit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeExit::Stopped => f.write_str("stopped"),
            NodeExit::ApplicationTerminated {
                application,
                reason,
            } => write!(f, "application {application} terminated: {reason}"),
            NodeExit::BootFailed(e) => write!(f, "boot failed: {e}"),
            NodeExit::Aborted(reason) => write!(f, "the node's controller exited: {reason}"),
        }
    }
}

impl Termination for NodeExit {
    fn report(self) -> ExitCode {
        if self.is_clean() {
            ExitCode::SUCCESS
        } else {
            eprintln!("node stopped: {self}");
            ExitCode::FAILURE
        }
    }
}

/// Why [`Node::stop_application`](super::Node::stop_application) did nothing.
///
/// # Examples
///
/// ```
/// use otp_runtime::node::ApplicationError;
/// assert_eq!(
///     ApplicationError::NotRunning("web".into()).to_string(),
///     "application web is not running"
/// );
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum ApplicationError {
    /// The node has no application of this name.
    Unknown(String),
    /// It is not running: stopped, exited or never started (OTP's `{not_started, App}`).
    NotRunning(String),
    /// The node is not running.
    Call(CallError),
}

impl fmt::Display for ApplicationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApplicationError::Unknown(a) => write!(f, "the node has no application {a}"),
            ApplicationError::NotRunning(a) => write!(f, "application {a} is not running"),
            ApplicationError::Call(e) => write!(f, "the node: {e}"),
        }
    }
}

impl std::error::Error for ApplicationError {}

impl From<CallError> for ApplicationError {
    fn from(e: CallError) -> Self {
        ApplicationError::Call(e)
    }
}

/// A node name that is not `alive@host` (see [`Node::named`](super::Node::named)).
///
/// # Examples
///
/// ```
/// assert!(otp_runtime::node::Node::named("a@b c").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct InvalidNodeName(pub String);

impl fmt::Display for InvalidNodeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid node name {:?}: expected name@host (letters, digits, _ and -, then @, \
             then letters, digits, _, - and .)",
            self.0
        )
    }
}

impl std::error::Error for InvalidNodeName {}

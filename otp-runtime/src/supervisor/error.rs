//! What the supervisor API returns when it cannot do what was asked.

use std::fmt;
use std::sync::Arc;

use crate::{CallError, Pid, StartError};

/// Why a supervisor request failed (OTP's `{error, _}` results of the supervisor API).
///
/// # Examples
///
/// ```
/// use otp_runtime::supervisor::SupervisorError;
/// assert_eq!(SupervisorError::NotFound.to_string(), "no child with that id");
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum SupervisorError {
    /// `start_child`: a child with this id is running, as this process (`already_started`).
    AlreadyStarted(Pid),
    /// `start_child`: a child with this id exists but is not running (`already_present`).
    AlreadyPresent,
    /// No child with this id (or pid, for a dynamic supervisor) (`not_found`).
    NotFound,
    /// `restart_child` / `delete_child`: the child is running (`running`).
    Running,
    /// `restart_child` / `delete_child`: the supervisor is retrying a failed restart of the
    /// child (`restarting`).
    Restarting,
    /// [`SupervisorRef::child`](super::SupervisorRef::child): the child is not running.
    NotRunning,
    /// The child did not start; the error says why.
    Start(StartError),
    /// The child spec is invalid for this supervisor (OTP's `bad_combination` and friends).
    InvalidSpec(Arc<str>),
    /// The supervisor could not be reached (it is not alive, or the name is another
    /// kind of process), or the child is not of the requested type.
    Call(CallError),
}

impl fmt::Display for SupervisorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SupervisorError::AlreadyStarted(p) => write!(f, "the child is already running as {p}"),
            SupervisorError::AlreadyPresent => {
                f.write_str("a child with that id is present but not running")
            }
            SupervisorError::NotFound => f.write_str("no child with that id"),
            SupervisorError::Running => f.write_str("the child is running"),
            SupervisorError::Restarting => f.write_str("the child is being restarted"),
            SupervisorError::NotRunning => f.write_str("the child is not running"),
            SupervisorError::Start(e) => write!(f, "the child failed to start: {e}"),
            SupervisorError::InvalidSpec(why) => write!(f, "invalid child spec: {why}"),
            SupervisorError::Call(e) => write!(f, "supervisor unreachable: {e}"),
        }
    }
}

impl std::error::Error for SupervisorError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SupervisorError::Start(e) => Some(e),
            SupervisorError::Call(e) => Some(e),
            _ => None,
        }
    }
}

impl From<CallError> for SupervisorError {
    fn from(e: CallError) -> Self {
        SupervisorError::Call(e)
    }
}

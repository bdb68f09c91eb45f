//! The typed errors of the event manager's API.

use std::fmt;

use super::AnyHandlerId;
use crate::{CallError, ExitReason};

/// Why adding, deleting or swapping a handler failed.
///
/// # Examples
///
/// ```
/// use otp_runtime::gen_event::{GenEventError, HandlerId};
/// use otp_runtime::{CallError, CallTarget, ExitReason};
///
/// struct Log;
/// let id = HandlerId::<Log>::with_id("a").any();
/// assert_eq!(GenEventError::UnknownHandler(id.clone()).to_string(), "no handler Log:a");
/// assert_eq!(
///     GenEventError::InitFailed(ExitReason::other("no file")).to_string(),
///     "the handler's init failed: no file"
/// );
/// assert_eq!(
///     GenEventError::from(CallError::NoProc { target: CallTarget::Name("log".into()) }).to_string(),
///     "the event manager did not answer: no process registered as \"log\""
/// );
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum GenEventError {
    /// The manager already has a handler with this id: ids are unique within a manager.
    AlreadyAdded(AnyHandlerId),
    /// The handler's `init` returned this error, or panicked ([`ExitReason::Panic`]); the
    /// handler was not added (OTP: `add_handler` returns what `init` returned).
    InitFailed(ExitReason),
    /// The manager has no handler with this id (OTP's `{error, module_not_found}`).
    UnknownHandler(AnyHandlerId),
    /// The handler's `terminate` panicked; the handler is removed all the same (OTP's
    /// `{'EXIT', Reason}` from `delete_handler`).
    TerminateCrashed(ExitReason),
    /// `add_sup_handler` or `swap_sup_handler` was called outside a process: there is no
    /// process to own the handler.
    NotInProcess,
    /// The manager itself did not answer: it is not alive, or it died during the request.
    Manager(CallError),
}

impl fmt::Display for GenEventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GenEventError::AlreadyAdded(id) => write!(f, "the manager already has a handler {id}"),
            GenEventError::InitFailed(r) => write!(f, "the handler's init failed: {r}"),
            GenEventError::UnknownHandler(id) => write!(f, "no handler {id}"),
            GenEventError::TerminateCrashed(r) => {
                write!(f, "the handler's terminate crashed: {r}")
            }
            GenEventError::NotInProcess => {
                f.write_str("a supervised handler needs an owner: call this from inside a process")
            }
            GenEventError::Manager(e) => write!(f, "the event manager did not answer: {e}"),
        }
    }
}

impl std::error::Error for GenEventError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            GenEventError::Manager(e) => Some(e),
            _ => None,
        }
    }
}

impl From<CallError> for GenEventError {
    fn from(e: CallError) -> Self {
        GenEventError::Manager(e)
    }
}

/// Why a [`call`](super::EventManagerRef::call) to a handler got no reply.
///
/// # Examples
///
/// ```
/// use otp_runtime::gen_event::HandlerCallError;
/// use otp_runtime::{CallError, CallTarget, ExitReason};
/// use std::time::Duration;
/// assert_eq!(
///     HandlerCallError::HandlerCrashed(ExitReason::Panic("boom".into())).to_string(),
///     "the handler crashed and was removed: panicked: boom"
/// );
/// assert_eq!(
///     HandlerCallError::from(CallError::Timeout {
///         target: CallTarget::Name("log".into()),
///         after: Duration::from_secs(5),
///     })
///     .to_string(),
///     "the event manager did not answer: call to \"log\" timed out after 5s"
/// );
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum HandlerCallError {
    /// The manager has no handler with this id (OTP's `{error, bad_module}`).
    UnknownHandler(AnyHandlerId),
    /// The handler panicked in `handle_call`; it was removed (OTP's
    /// `{error, {'EXIT', Reason}}`).
    HandlerCrashed(ExitReason),
    /// The handler returned [`HandlerReply::Fail`](super::HandlerReply::Fail); it was removed
    /// (OTP's `{error, BadReturn}`).
    HandlerFailed(ExitReason),
    /// The manager itself did not answer: not alive, died during the call, or the call
    /// timed out.
    Manager(CallError),
}

impl fmt::Display for HandlerCallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandlerCallError::UnknownHandler(id) => write!(f, "no handler {id}"),
            HandlerCallError::HandlerCrashed(r) => {
                write!(f, "the handler crashed and was removed: {r}")
            }
            HandlerCallError::HandlerFailed(r) => {
                write!(f, "the handler failed and was removed: {r}")
            }
            HandlerCallError::Manager(e) => write!(f, "the event manager did not answer: {e}"),
        }
    }
}

impl std::error::Error for HandlerCallError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            HandlerCallError::Manager(e) => Some(e),
            _ => None,
        }
    }
}

impl From<CallError> for HandlerCallError {
    fn from(e: CallError) -> Self {
        HandlerCallError::Manager(e)
    }
}

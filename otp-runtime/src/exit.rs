//! Why a process ended.

use std::fmt;
use std::sync::Arc;

/// Why a process exited, and the reason an exit signal carries.
///
/// The variants are Erlang's well-known exit reasons; a user reason is
/// [`ExitReason::Other`]. `Normal`, `Shutdown` and `ShutdownWith` are the *clean* reasons
/// (a supervisor does not restart a transient child for them, and a gen_server does not log
/// them); everything else is abnormal.
///
/// # Examples
///
/// ```
/// use otp_runtime::ExitReason;
///
/// assert_eq!(ExitReason::Normal.to_string(), "normal");
/// assert_eq!(ExitReason::shutdown_with("reconfigured").to_string(), "shutdown: reconfigured");
/// assert_eq!(ExitReason::other("disk full").to_string(), "disk full");
/// assert!(ExitReason::Shutdown.is_clean());
/// assert!(!ExitReason::Killed.is_clean());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum ExitReason {
    /// The process finished its work (`normal`). A `normal` exit signal is ignored by a process
    /// that does not trap exits.
    Normal,
    /// Asked to stop by its supervisor or owner (`shutdown`).
    Shutdown,
    /// Asked to stop, with an explanation (`{shutdown, Reason}`).
    ShutdownWith(Arc<str>),
    /// Sent as an exit signal, cannot be trapped: the receiver dies with [`ExitReason::Killed`].
    /// A process that exits with `Kill` itself passes `Kill` along its links as an ordinary,
    /// trappable reason, as in Erlang.
    Kill,
    /// The process was killed by an untrappable [`ExitReason::Kill`] signal (`killed`).
    Killed,
    /// The process did not exist (`noproc`): the reason of a link or monitor to a dead pid.
    NoProc,
    /// The process's node cannot be reached (`noconnection`): the reason of a link or
    /// monitor to a process of another node this one is not connected to, and of a process
    /// spawned on a stopped node.
    NoConnection,
    /// The process crashed: a panic in its code, with the panic message.
    Panic(Arc<str>),
    /// Any other reason, as text. Abnormal: linked processes that do not trap exits die too.
    Other(Arc<str>),
}

impl ExitReason {
    /// `ShutdownWith(reason)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::ExitReason;
    /// assert!(ExitReason::shutdown_with("bye").is_clean());
    /// ```
    pub fn shutdown_with(reason: impl fmt::Display) -> ExitReason {
        ExitReason::ShutdownWith(reason.to_string().into())
    }

    /// A user reason, `Other(reason)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::ExitReason;
    /// assert_eq!(ExitReason::other(format_args!("bad {}", 1)).to_string(), "bad 1");
    /// ```
    pub fn other(reason: impl fmt::Display) -> ExitReason {
        ExitReason::Other(reason.to_string().into())
    }

    /// `Normal`, `Shutdown` or `ShutdownWith(_)`: the reasons that are not failures.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::ExitReason;
    /// assert!(ExitReason::Normal.is_clean());
    /// assert!(!ExitReason::other("boom").is_clean());
    /// ```
    pub fn is_clean(&self) -> bool {
        matches!(
            self,
            ExitReason::Normal | ExitReason::Shutdown | ExitReason::ShutdownWith(_)
        )
    }

    /// Whether this is `Normal`.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::ExitReason;
    /// assert!(ExitReason::Normal.is_normal());
    /// assert!(!ExitReason::Shutdown.is_normal());
    /// ```
    pub fn is_normal(&self) -> bool {
        matches!(self, ExitReason::Normal)
    }

    /// The reason of a panic, from the payload `catch_unwind` gives.
    pub(crate) fn from_panic(payload: Box<dyn std::any::Any + Send>) -> ExitReason {
        ExitReason::Panic(crate::panics::describe(&*payload).into())
    }
}

impl fmt::Display for ExitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExitReason::Normal => f.write_str("normal"),
            ExitReason::Shutdown => f.write_str("shutdown"),
            ExitReason::ShutdownWith(r) => write!(f, "shutdown: {r}"),
            ExitReason::Kill => f.write_str("kill"),
            ExitReason::Killed => f.write_str("killed"),
            ExitReason::NoProc => f.write_str("noproc"),
            ExitReason::NoConnection => f.write_str("noconnection"),
            ExitReason::Panic(m) => write!(f, "panicked: {m}"),
            ExitReason::Other(r) => f.write_str(r),
        }
    }
}

impl std::error::Error for ExitReason {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_prints() {
        let all = [
            (ExitReason::Normal, "normal"),
            (ExitReason::Shutdown, "shutdown"),
            (ExitReason::shutdown_with("x"), "shutdown: x"),
            (ExitReason::Kill, "kill"),
            (ExitReason::Killed, "killed"),
            (ExitReason::NoProc, "noproc"),
            (ExitReason::NoConnection, "noconnection"),
            (ExitReason::Panic("oops".into()), "panicked: oops"),
            (ExitReason::other("mine"), "mine"),
        ];
        for (r, s) in all {
            assert_eq!(r.to_string(), s);
        }
    }

    #[test]
    fn panic_payloads_become_messages() {
        assert_eq!(
            ExitReason::from_panic(Box::new("static")),
            ExitReason::Panic("static".into())
        );
        assert_eq!(
            ExitReason::from_panic(Box::new(String::from("owned"))),
            ExitReason::Panic("owned".into())
        );
        assert_eq!(
            ExitReason::from_panic(Box::new(ExitReason::other("disk full"))),
            ExitReason::Panic("disk full".into())
        );
        let error: Box<dyn std::error::Error + Send + Sync> = "bad input".into();
        assert_eq!(
            ExitReason::from_panic(Box::new(error)),
            ExitReason::Panic("bad input".into())
        );
        let ExitReason::Panic(other) = ExitReason::from_panic(Box::new(3_u8)) else {
            unreachable!()
        };
        assert!(
            other.starts_with("a panic whose payload is not text"),
            "{other}"
        );
    }
}

//! Why a process ended.

use std::any::Any;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// Why a process exited, and the reason an exit signal carries.
///
/// The variants are Erlang's well-known exit reasons; a user reason is text,
/// [`ExitReason::Other`], or a value of the user's type, [`ExitReason::Typed`]. `Normal`, `Shutdown` and `ShutdownWith` are the *clean* reasons
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
    /// A user reason of the user's own type (Erlang's any-term reason), made with
    /// [`ExitReason::typed`] and read back with [`ExitReason::downcast_ref`]. Abnormal, as
    /// `Other`; it prints as its value's `Display`. Sent to another node it becomes its text.
    Typed(TypedReason),
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

    /// A user reason of type `T`, kept typed: whoever gets the exit reason (a linked or
    /// monitoring process, a caller whose server stopped, a supervisor's report) can match it
    /// with [`ExitReason::downcast_ref`] instead of parsing text.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    ///
    /// #[derive(Debug, PartialEq)]
    /// enum Fault { Disk { free: u64 }, Config(&'static str) }
    /// impl std::fmt::Display for Fault {
    ///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    ///         match self {
    ///             Fault::Disk { free } => write!(f, "disk full ({free} bytes free)"),
    ///             Fault::Config(key) => write!(f, "bad config key {key}"),
    ///         }
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let p = otp_runtime::spawn(|_ctx: ProcessCtx<()>| async {
    ///     ExitReason::typed(Fault::Disk { free: 12 })
    /// });
    /// let reason = p.wait_exit().await;
    /// assert_eq!(reason.downcast_ref::<Fault>(), Some(&Fault::Disk { free: 12 }));
    /// assert_eq!(reason.to_string(), "disk full (12 bytes free)");
    /// assert_eq!(reason, ExitReason::typed(Fault::Disk { free: 12 }));
    /// assert!(!reason.is_clean());
    /// assert_ne!(reason, ExitReason::typed(Fault::Config("port")));
    /// # }
    /// ```
    pub fn typed<T>(reason: T) -> ExitReason
    where
        T: fmt::Display + fmt::Debug + PartialEq + Send + Sync + 'static,
    {
        ExitReason::Typed(TypedReason(Arc::new(reason)))
    }

    /// The value of a [`ExitReason::Typed`] reason, if it is one of type `T`.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::ExitReason;
    /// let r = ExitReason::typed(42_u32);
    /// assert_eq!(r.downcast_ref::<u32>(), Some(&42));
    /// assert_eq!(r.downcast_ref::<i64>(), None);
    /// assert_eq!(ExitReason::other("42").downcast_ref::<u32>(), None);
    /// ```
    pub fn downcast_ref<T: 'static>(&self) -> Option<&T> {
        match self {
            ExitReason::Typed(t) => t.0.as_any().downcast_ref(),
            _ => None,
        }
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
            ExitReason::Typed(r) => fmt::Display::fmt(r, f),
        }
    }
}

/// The value inside [`ExitReason::Typed`]: any `Display + Debug + PartialEq` type, shared
/// (cloning a reason clones a pointer). Two are equal when they hold equal values of one
/// type.
///
/// # Examples
///
/// ```
/// use otp_runtime::ExitReason;
/// let ExitReason::Typed(t) = ExitReason::typed(7_u8) else { unreachable!() };
/// assert_eq!(t.downcast_ref::<u8>(), Some(&7));
/// assert_eq!(t.to_string(), "7");
/// ```
#[derive(Clone)]
pub struct TypedReason(Arc<dyn AnyReason>);

impl TypedReason {
    /// The value, if it is of type `T`.
    ///
    /// # Examples
    ///
    /// See [`TypedReason`].
    pub fn downcast_ref<T: 'static>(&self) -> Option<&T> {
        self.0.as_any().downcast_ref()
    }
}

/// What a typed reason can do, object-safe.
trait AnyReason: fmt::Display + fmt::Debug + Send + Sync + 'static {
    fn as_any(&self) -> &dyn Any;
    fn eq_dyn(&self, other: &dyn AnyReason) -> bool;
}

impl<T> AnyReason for T
where
    T: fmt::Display + fmt::Debug + PartialEq + Send + Sync + 'static,
{
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn eq_dyn(&self, other: &dyn AnyReason) -> bool {
        other.as_any().downcast_ref::<T>() == Some(self)
    }
}

impl PartialEq for TypedReason {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_dyn(&*other.0)
    }
}

/// Reflexive for the values reasons hold in practice; a type whose `PartialEq` is not (a
/// float NaN) makes such a reason unequal to itself, as the value is.
impl Eq for TypedReason {}

impl Hash for TypedReason {
    /// The type only: equal reasons have one type, and values need not be `Hash`.
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.as_any().type_id().hash(state);
    }
}

impl fmt::Debug for TypedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for TypedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
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

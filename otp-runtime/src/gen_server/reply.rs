//! Deferred replies (`gen_server:reply/2`).

use std::fmt;

use tokio::sync::oneshot;

/// The right to answer one call later, from anywhere (OTP's `From` with `gen_server:reply/2`).
///
/// A server gets one from [`Ctx::defer_reply`](crate::Ctx::defer_reply) inside `handle_call`,
/// returns [`CallResult::NoReply`](crate::CallResult::NoReply), and replies when it can,
/// possibly from another process. `Send`, so it can travel.
///
/// If it is dropped without a reply, the caller learns it at once:
/// [`CallError::ReplyDropped`](crate::CallError::ReplyDropped) while the server lives (OTP's
/// caller would wait for its timeout), or [`CallError::Exited`](crate::CallError::Exited)
/// with the server's reason if it is dropped because the server crashed or stopped.
///
/// # Examples
///
/// ```
/// use otp_runtime::ReplyTo;
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let (reply_to, answer) = ReplyTo::<u32>::pair();
/// tokio::spawn(async move { reply_to.reply(42) });
/// assert_eq!(answer.await, Ok(42));
/// # }
/// ```
pub struct ReplyTo<T: Send + 'static> {
    /// `None` once replied.
    inner: Option<Inner<T>>,
}

enum Inner<T: Send + 'static> {
    Direct(oneshot::Sender<T>),
    Mapped(Box<dyn Sink<T>>),
}

/// Where a mapped reply goes: converted, then into the handle it was mapped from.
trait Sink<T>: Send {
    fn send(self: Box<Self>, value: T);
    fn is_closed(&self) -> bool;
}

struct Map<T: Send + 'static, F> {
    to: ReplyTo<T>,
    f: F,
}

impl<U, T: Send + 'static, F: FnOnce(U) -> T + Send> Sink<U> for Map<T, F> {
    fn send(self: Box<Self>, value: U) {
        self.to.reply((self.f)(value));
    }
    fn is_closed(&self) -> bool {
        self.to.is_closed()
    }
}

impl<T: Send + 'static> ReplyTo<T> {
    pub(crate) fn new(tx: oneshot::Sender<T>) -> Self {
        ReplyTo {
            inner: Some(Inner::Direct(tx)),
        }
    }

    /// A reply handle and the future of its answer, for tests and adapters. The future gives
    /// `Err` if the handle is dropped without a reply.
    ///
    /// # Examples
    ///
    /// See [`ReplyTo`].
    pub fn pair() -> (ReplyTo<T>, oneshot::Receiver<T>) {
        let (tx, rx) = oneshot::channel();
        (ReplyTo::new(tx), rx)
    }

    /// Sends the reply. If the caller has given up (timed out, died), the reply is dropped.
    ///
    /// # Examples
    ///
    /// See [`ReplyTo`].
    pub fn reply(mut self, value: T) {
        match self.inner.take() {
            Some(Inner::Direct(tx)) => {
                let _ = tx.send(value);
            }
            Some(Inner::Mapped(sink)) => sink.send(value),
            None => {}
        }
    }

    /// Whether the caller has given up (timed out, or died): a reply would be dropped. A
    /// server that hands out work to waiting callers checks this to skip those gone, rather
    /// than lose an item to one of them.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::ReplyTo;
    /// let (reply_to, answer) = ReplyTo::<u32>::pair();
    /// assert!(!reply_to.is_closed());
    /// drop(answer); // the caller gave up
    /// assert!(reply_to.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        match &self.inner {
            Some(Inner::Direct(tx)) => tx.is_closed(),
            Some(Inner::Mapped(sink)) => sink.is_closed(),
            None => true,
        }
    }

    /// A handle that answers with `U`, converted by `f`. The `#[gen_server]` macro uses it to
    /// give each request its own reply type.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::ReplyTo;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let (reply_to, answer) = ReplyTo::<String>::pair();
    /// let typed: ReplyTo<u8> = reply_to.map(|n: u8| n.to_string());
    /// typed.reply(7);
    /// assert_eq!(answer.await.unwrap(), "7");
    /// # }
    /// ```
    pub fn map<U: Send + 'static>(self, f: impl FnOnce(U) -> T + Send + 'static) -> ReplyTo<U> {
        ReplyTo {
            inner: Some(Inner::Mapped(Box::new(Map { to: self, f }))),
        }
    }
}

impl<T: Send + 'static> Drop for ReplyTo<T> {
    fn drop(&mut self) {
        // Unanswered: its caller learns it when the sender closes, at the end of this
        // process's poll (see `drop_late`: by then a server that is stopping or crashing is
        // marked so, and the caller gets its exit reason rather than `ReplyDropped`).
        if let Some(inner) = self.inner.take() {
            crate::process::current::drop_late(Box::new(inner));
        }
    }
}

impl<T: Send + 'static> fmt::Debug for ReplyTo<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReplyTo(..)")
    }
}

//! Deferred replies (`gen_server:reply/2`).

use std::fmt;

use tokio::sync::oneshot;

/// The right to answer one call later, from anywhere (OTP's `From` with `gen_server:reply/2`).
///
/// A server gets one from [`Ctx::defer_reply`](crate::Ctx::defer_reply) inside `handle_call`,
/// returns [`CallResult::NoReply`](crate::CallResult::NoReply), and replies when it can,
/// possibly from another process. `Send`, so it can travel.
///
/// If it is dropped without a reply while the server lives, the caller gets
/// [`CallError::Timeout`](crate::CallError::Timeout) at its deadline, as in OTP.
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
pub struct ReplyTo<T> {
    inner: Inner<T>,
}

enum Inner<T> {
    Direct(oneshot::Sender<T>),
    Mapped(Box<dyn FnOnce(T) + Send>),
}

impl<T: Send + 'static> ReplyTo<T> {
    pub(crate) fn new(tx: oneshot::Sender<T>) -> Self {
        ReplyTo {
            inner: Inner::Direct(tx),
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
    pub fn reply(self, value: T) {
        match self.inner {
            Inner::Direct(tx) => {
                let _ = tx.send(value);
            }
            Inner::Mapped(f) => f(value),
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
            inner: Inner::Mapped(Box::new(move |u| self.reply(f(u)))),
        }
    }
}

impl<T> fmt::Debug for ReplyTo<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReplyTo(..)")
    }
}

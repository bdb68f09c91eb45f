//! Asynchronous requests (OTP's `gen_server:send_request/2` and friends): send a call now,
//! collect its reply later.
//!
//! [`ServerRef::send_request`](super::ServerRef::send_request) enqueues a call exactly as
//! [`call`](super::ServerRef::call) does and returns at once with a [`RequestId`], which is
//! the only way to the reply:
//!
//! | OTP | here |
//! |---|---|
//! | `send_request(Server, Req)` | [`ServerRef::send_request`](super::ServerRef::send_request), and a `send_<call>` method per `#[call]` on generated handles |
//! | `wait_response(ReqId, T)` | [`RequestId::wait_response`]: a timeout leaves the request pending |
//! | `receive_response(ReqId, T)` | [`RequestId::receive_response`]: a timeout abandons it |
//! | `check_response(Msg, ReqId)` | [`RequestId::check_response`]: is it resolved, without waiting |
//! | `reqids_new/0`, `reqids_add/3`, `reqids_size/1`, `reqids_to_list/1` | [`RequestIds::new`], [`RequestIds::add`], [`RequestIds::len`], [`RequestIds::labels`] |
//! | `wait_response/3`, `receive_response/3`, `check_response/3` on a collection | the same names on [`RequestIds`], giving [`Collected`] |
//!
//! As for calls: a server that dies while a request is pending resolves it at once with
//! [`CallError::Exited`], and a reply that comes after its request was abandoned (timed out
//! in `receive_response`, or its id dropped) is dropped, never seen by anyone.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::sync::oneshot::error::TryRecvError;

use super::handle::INFINITY;
use crate::process::core::{Entry, Shared};
use crate::process::{current, wait_shared_exit};
use crate::CallError;

/// A request sent with [`ServerRef::send_request`](super::ServerRef::send_request) (or a
/// generated `send_<call>` method), whose reply, of type `T`, is still to be collected
/// (OTP's `request_id()`).
///
/// Collect it with [`wait_response`](RequestId::wait_response) (a timeout leaves it pending),
/// [`receive_response`](RequestId::receive_response) (a timeout abandons it) or
/// [`check_response`](RequestId::check_response) (no waiting), or put it in a
/// [`RequestIds`] collection. A request resolves once: with the reply, or with the error
/// that ended it. Dropping the id abandons the request: a late reply is dropped.
///
/// `Send`, not `Clone`: one owner collects the reply.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// use std::time::Duration;
///
/// #[derive(Default)]
/// pub struct Squarer;
///
/// #[gen_server]
/// impl Squarer {
///     #[call]
///     pub async fn square(&self, n: u64) -> u64 {
///         otp_runtime::time::sleep(Duration::from_millis(100)).await;
///         n * n
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let s = Squarer.start().await.unwrap();
/// // Both requests are on their way before either reply is awaited.
/// let mut four: RequestId<u64> = s.send_square(2);
/// let nine = s.send_square(3);
/// let err = four.wait_response(Duration::from_millis(10)).await.unwrap_err();
/// assert!(matches!(err, CallError::Timeout { .. }), "{err:?}");
/// assert_eq!(four.wait_response(INFINITY).await, Ok(4)); // still pending: waited again
/// assert_eq!(nine.receive_response(INFINITY).await, Ok(9));
/// # }
/// ```
pub struct RequestId<T> {
    state: State<T>,
}

enum State<T> {
    /// Sent; the reply, and the server, to watch.
    Pending {
        reply: Box<dyn Reply<T>>,
        server: Arc<dyn Entry>,
    },
    /// Resolved with an error before anything was sent (no such server), not yet taken.
    Failed(CallError),
    /// Resolved and taken.
    Spent,
}

/// What a reply channel holds now.
enum Got<T> {
    Reply(T),
    /// No reply will come: the server dropped the reply handle (it is dying, or it dropped a
    /// deferred reply), or the reply was taken already.
    Closed,
    Empty,
}

/// The receiving half of a call's reply channel, with its conversion to `T`: type-erased,
/// so that a `RequestId<T>` does not name the server's reply type.
trait Reply<T>: Send {
    fn try_get(&mut self) -> Got<T>;
    /// Ready with `Reply` or `Closed`, never `Empty`.
    fn poll_get(&mut self, cx: &mut Context<'_>) -> Poll<Got<T>>;
}

/// A reply channel and the conversion of its value. `None` once it gave its value or
/// closed: a tokio receiver must not be polled again after that.
struct Mapped<R, F> {
    rx: Option<oneshot::Receiver<R>>,
    f: Option<F>,
}

impl<R, T, F> Reply<T> for Mapped<R, F>
where
    R: Send,
    F: FnOnce(R) -> T + Send,
{
    fn try_get(&mut self) -> Got<T> {
        let Some(rx) = self.rx.as_mut() else {
            return Got::Closed;
        };
        match rx.try_recv() {
            Ok(r) => {
                self.rx = None;
                self.convert(r)
            }
            Err(TryRecvError::Empty) => Got::Empty,
            Err(TryRecvError::Closed) => {
                self.rx = None;
                Got::Closed
            }
        }
    }

    fn poll_get(&mut self, cx: &mut Context<'_>) -> Poll<Got<T>> {
        let Some(rx) = self.rx.as_mut() else {
            return Poll::Ready(Got::Closed);
        };
        let got = match Pin::new(rx).poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Ok(r)) => self.convert(r),
            Poll::Ready(Err(_)) => Got::Closed,
        };
        self.rx = None;
        Poll::Ready(got)
    }
}

impl<R, F> Mapped<R, F> {
    fn convert<T>(&mut self, r: R) -> Got<T>
    where
        F: FnOnce(R) -> T,
    {
        match self.f.take() {
            Some(f) => Got::Reply(f(r)),
            None => Got::Closed,
        }
    }
}

/// [`RequestId::map`]: another request's reply, converted.
struct Then<T, F> {
    inner: Box<dyn Reply<T>>,
    f: Option<F>,
}

impl<T, U, F> Reply<U> for Then<T, F>
where
    T: 'static,
    F: FnOnce(T) -> U + Send,
{
    fn try_get(&mut self) -> Got<U> {
        let got = self.inner.try_get();
        self.convert(got)
    }

    fn poll_get(&mut self, cx: &mut Context<'_>) -> Poll<Got<U>> {
        match self.inner.poll_get(cx) {
            Poll::Ready(got) => Poll::Ready(self.convert(got)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T, F> Then<T, F> {
    fn convert<U>(&mut self, got: Got<T>) -> Got<U>
    where
        F: FnOnce(T) -> U,
    {
        match got {
            Got::Reply(v) => match self.f.take() {
                Some(f) => Got::Reply(f(v)),
                None => Got::Closed,
            },
            Got::Closed => Got::Closed,
            Got::Empty => Got::Empty,
        }
    }
}

impl<T: Send + 'static> RequestId<T> {
    /// A request sent to the server behind `server`, whose reply comes through `rx` and is
    /// converted by `f`.
    pub(super) fn sent<R: Send + 'static>(
        rx: oneshot::Receiver<R>,
        f: impl FnOnce(R) -> T + Send + 'static,
        server: Arc<dyn Entry>,
    ) -> Self {
        RequestId {
            state: State::Pending {
                reply: Box::new(Mapped {
                    rx: Some(rx),
                    f: Some(f),
                }),
                server,
            },
        }
    }

    /// A request that could not be sent: it resolves with `error`.
    pub(super) fn failed(error: CallError) -> Self {
        RequestId {
            state: State::Failed(error),
        }
    }

    /// Waits at most `timeout` ([`INFINITY`] to wait as long as it takes) for the request to
    /// resolve (OTP's `wait_response/2`). On a timeout the request stays pending: wait for
    /// it, or check it, again.
    ///
    /// # Errors
    ///
    /// - [`CallError::Timeout`]: not resolved in time; still pending.
    /// - [`CallError::Exited`]: the server died before replying (reported at once).
    /// - [`CallError::NoProc`], [`CallError::WrongType`]: there was no such server to send to.
    /// - [`CallError::CallingSelf`]: the request went to the waiting server itself, which
    ///   cannot answer while it waits (it stays pending: the server may check it later,
    ///   once it has handled the request).
    /// - [`CallError::NoRequest`]: the request has resolved already and its response was
    ///   taken.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future leaves the request pending.
    ///
    /// # Examples
    ///
    /// See [`RequestId`].
    pub async fn wait_response(&mut self, timeout: Duration) -> Result<T, CallError> {
        self.wait_for(Some(timeout)).await
    }

    /// [`RequestId::wait_response`]; `None`: as long as it takes.
    async fn wait_for(&mut self, timeout: Option<Duration>) -> Result<T, CallError> {
        let result = match &mut self.state {
            State::Pending { reply, server } => {
                wait(reply.as_mut(), server.shared(), timeout).await
            }
            State::Failed(_) | State::Spent => return self.take(),
        };
        if !matches!(
            result,
            Err(CallError::Timeout { .. } | CallError::CallingSelf)
        ) {
            self.state = State::Spent;
        }
        result
    }

    /// Waits at most `timeout` for the request to resolve, and abandons it if it does not
    /// (OTP's `receive_response/2`): a reply that comes later is dropped.
    ///
    /// # Errors
    ///
    /// As [`RequestId::wait_response`]; after [`CallError::Timeout`] and
    /// [`CallError::CallingSelf`] the request is abandoned.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future abandons the request, as a timeout does.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// use std::time::Duration;
    ///
    /// #[derive(Default)]
    /// pub struct Slow { answered: u32 }
    ///
    /// #[gen_server]
    /// impl Slow {
    ///     #[call]
    ///     pub async fn answer(&mut self, after_ms: u64) -> u32 {
    ///         otp_runtime::time::sleep(Duration::from_millis(after_ms)).await;
    ///         self.answered += 1;
    ///         self.answered
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let s = Slow::default().start().await.unwrap();
    /// let late = s.send_answer(1000);
    /// let err = late.receive_response(Duration::from_millis(10)).await.unwrap_err();
    /// let target = CallTarget::Pid(s.pid().unwrap());
    /// assert_eq!(err, CallError::Timeout { target, after: Duration::from_millis(10) });
    /// // The server still answers the abandoned request (its reply is dropped), then this one.
    /// assert_eq!(s.send_answer(0).receive_response(INFINITY).await, Ok(2));
    /// # }
    /// ```
    pub async fn receive_response(mut self, timeout: Duration) -> Result<T, CallError> {
        self.wait_response(timeout).await
    }

    /// Whether the request has resolved, without waiting (OTP's `check_response/2`, which
    /// checks a message the caller received: here there is no message to pass, only the
    /// question). `None`: not yet; the request stays pending.
    ///
    /// # Errors
    ///
    /// As [`RequestId::wait_response`], inside the `Some`; never `Timeout` or
    /// `CallingSelf`.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// use std::time::Duration;
    ///
    /// #[derive(Default)]
    /// pub struct Echo;
    ///
    /// #[gen_server]
    /// impl Echo {
    ///     #[call]
    ///     pub fn echo(&self, s: String) -> String { s }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let e = Echo.start().await.unwrap();
    /// let mut hi = e.send_echo("hi".into());
    /// assert_eq!(hi.check_response(), None); // the server has not run yet
    /// otp_runtime::time::sleep(Duration::from_millis(1)).await;
    /// assert_eq!(hi.check_response(), Some(Ok("hi".to_string())));
    /// assert_eq!(hi.check_response(), Some(Err(CallError::NoRequest)));
    /// # }
    /// ```
    pub fn check_response(&mut self) -> Option<Result<T, CallError>> {
        let State::Pending { reply, server } = &mut self.state else {
            return Some(self.take());
        };
        let result = match reply.try_get() {
            Got::Reply(v) => Ok(v),
            Got::Closed if !server.shared().is_ending() => Err(CallError::ReplyDropped),
            got => {
                // Dead: its `DOWN` would be in the mailbox now. A reply sent just before the
                // end (`StopReply`) still counts.
                let reason = server.shared().signalled_exit()?;
                match got {
                    Got::Empty => match reply.try_get() {
                        Got::Reply(v) => Ok(v),
                        _ => Err(CallError::Exited(reason)),
                    },
                    _ => Err(CallError::Exited(reason)),
                }
            }
        };
        self.state = State::Spent;
        Some(result)
    }

    /// This request with its reply converted by `f`: to put requests with different reply
    /// types in one [`RequestIds`] collection, map them to one type.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    ///
    /// #[derive(Default)]
    /// pub struct Info;
    ///
    /// #[gen_server]
    /// impl Info {
    ///     #[call]
    ///     pub fn name(&self) -> String { "info".into() }
    ///     #[call]
    ///     pub fn size(&self) -> usize { 42 }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let i = Info.start().await.unwrap();
    /// let mut ids = RequestIds::new();
    /// ids.add(i.send_name(), "name");
    /// ids.add(i.send_size().map(|n| n.to_string()), "size");
    /// let mut answers = Vec::new();
    /// while let Collected::Response(r, label) = ids.receive_response(INFINITY).await {
    ///     answers.push((label, r.unwrap()));
    /// }
    /// answers.sort();
    /// assert_eq!(answers, [("name", "info".to_string()), ("size", "42".to_string())]);
    /// # }
    /// ```
    pub fn map<U: Send + 'static>(self, f: impl FnOnce(T) -> U + Send + 'static) -> RequestId<U> {
        let state = match self.state {
            State::Pending { reply, server } => State::Pending {
                reply: Box::new(Then {
                    inner: reply,
                    f: Some(f),
                }),
                server,
            },
            State::Failed(e) => State::Failed(e),
            State::Spent => State::Spent,
        };
        RequestId { state }
    }

    /// The response of a request that has no reply channel: its error, once.
    fn take(&mut self) -> Result<T, CallError> {
        match std::mem::replace(&mut self.state, State::Spent) {
            State::Failed(e) => Err(e),
            _ => Err(CallError::NoRequest),
        }
    }
}

impl<T> fmt::Debug for RequestId<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.state {
            State::Pending { server, .. } => write!(f, "RequestId({})", server.shared().pid()),
            State::Failed(e) => write!(f, "RequestId(failed: {e})"),
            State::Spent => f.write_str("RequestId(resolved)"),
        }
    }
}

/// Waits for `reply`, the server behind `shared` to die, or `timeout` (`None`: as long as
/// it takes).
async fn wait<T>(
    reply: &mut dyn Reply<T>,
    shared: &Shared,
    timeout: Option<Duration>,
) -> Result<T, CallError> {
    let timeout = timeout.filter(|t| *t != INFINITY);
    match reply.try_get() {
        Got::Reply(v) => return Ok(v),
        // Dropped by the server's end (its reason), or by choice (said at once).
        Got::Closed => return Err(super::handle::closed(shared, timeout.unwrap_or(INFINITY)).await),
        Got::Empty => {}
    }
    if current::is(shared) {
        return Err(CallError::CallingSelf);
    }
    let answer = async {
        let mut exit = std::pin::pin!(wait_shared_exit(shared));
        tokio::select! {
            biased;
            got = std::future::poll_fn(|cx| reply.poll_get(cx)) => match got {
                Got::Reply(v) => Ok(v),
                _ if shared.is_ending() => Err(CallError::Exited((&mut exit).await)),
                _ => Err(CallError::ReplyDropped),
            },
            reason = &mut exit => match reply.try_get() {
                // A reply sent just before the end (`StopReply`) still counts.
                Got::Reply(v) => Ok(v),
                _ => Err(CallError::Exited(reason)),
            },
        }
    };
    match timeout {
        None => answer.await,
        // Its timer needs a runtime: see `current::no_runtime`.
        Some(_) if current::runtime_gone() => Err(CallError::NoRuntime),
        Some(t) => crate::time::timeout(t, answer).await.unwrap_or_else(|| {
            Err(CallError::Timeout {
                target: crate::CallTarget::Pid(shared.pid()),
                after: t,
            })
        }),
    }
}

/// Requests, each with a label, whose responses are collected as they come (OTP 25's
/// request id collections, `reqids_*`): wait for, receive or check whichever resolves
/// first, and learn which one it was by its label.
///
/// All requests in a collection have one reply type `T`; [`RequestId::map`] converts
/// requests of other types on the way in. A label is any value (`L`): a name, an index, the
/// request's context.
///
/// Unlike OTP's, a response always takes its request out of the collection (OTP's `Delete`
/// argument): a resolved request has nothing more to give, and the collection is changed in
/// place rather than copied.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// use std::time::Duration;
///
/// #[derive(Default)]
/// pub struct Sleeper;
///
/// #[gen_server]
/// impl Sleeper {
///     /// Answers `ms` after `ms` milliseconds.
///     #[call]
///     pub async fn nap(&self, ms: u64) -> u64 {
///         otp_runtime::time::sleep(Duration::from_millis(ms)).await;
///         ms
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let (a, b) = (Sleeper.start().await.unwrap(), Sleeper.start().await.unwrap());
/// let mut naps = RequestIds::new();
/// naps.add(a.send_nap(300), "long");
/// naps.add(b.send_nap(100), "short");
/// assert_eq!(naps.len(), 2);
/// // The first to resolve comes first.
/// assert_eq!(naps.wait_response(INFINITY).await, Collected::Response(Ok(100), "short"));
/// assert_eq!(naps.wait_response(Duration::from_millis(10)).await, Collected::Timeout);
/// assert_eq!(naps.wait_response(INFINITY).await, Collected::Response(Ok(300), "long"));
/// assert_eq!(naps.wait_response(INFINITY).await, Collected::NoRequest);
/// # }
/// ```
pub struct RequestIds<T, L> {
    ids: Vec<(RequestId<T>, L)>,
}

/// What waiting on, or checking, a [`RequestIds`] collection found.
///
/// # Examples
///
/// See [`RequestIds`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Collected<T, L> {
    /// A request resolved, with its reply or the error that ended it, and its label
    /// (OTP's `{Response, Label, NewCollection}`). It has left the collection.
    Response(Result<T, CallError>, L),
    /// `wait_response`, `receive_response`: nothing resolved in time (`timeout`).
    Timeout,
    /// `check_response`: nothing has resolved yet (`no_reply`).
    NoReply,
    /// The collection is empty: nothing to wait for (`no_request`).
    NoRequest,
}

impl<T: Send + 'static, L> RequestIds<T, L> {
    /// An empty collection (`reqids_new/0`).
    ///
    /// # Examples
    ///
    /// See [`RequestIds`].
    pub fn new() -> Self {
        RequestIds { ids: Vec::new() }
    }

    /// Adds a request with its label (`reqids_add/3`). OTP refuses a request id that is in
    /// the collection already; here the id is moved in, so it cannot be added twice.
    ///
    /// # Examples
    ///
    /// See [`RequestIds`].
    pub fn add(&mut self, id: RequestId<T>, label: L) {
        self.ids.push((id, label));
    }

    /// How many requests wait in the collection (`reqids_size/1`).
    ///
    /// # Examples
    ///
    /// See [`RequestIds`].
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the collection is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// let ids = otp_runtime::RequestIds::<u32, &str>::new();
    /// assert!(ids.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The labels of the requests in the collection, in the order they were added (the
    /// labels of `reqids_to_list/1`; the ids themselves come out by
    /// [`into_iter`](IntoIterator::into_iter)).
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// # #[derive(Default)] pub struct S;
    /// # #[gen_server] impl S { #[call] pub fn ping(&self) {} }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s = S.start().await.unwrap();
    /// let mut ids = RequestIds::new();
    /// ids.add(s.send_ping(), 1);
    /// ids.add(s.send_ping(), 2);
    /// assert_eq!(ids.labels().copied().collect::<Vec<_>>(), [1, 2]);
    /// # }
    /// ```
    pub fn labels(&self) -> impl Iterator<Item = &L> {
        self.ids.iter().map(|(_, label)| label)
    }

    /// Waits at most `timeout` for any request in the collection to resolve (OTP's
    /// `wait_response/3`). On a timeout every request stays pending. A request to the
    /// waiting server itself resolves at once with [`CallError::CallingSelf`] (it cannot be
    /// answered while the server waits).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future leaves every request pending.
    ///
    /// # Examples
    ///
    /// See [`RequestIds`].
    pub async fn wait_response(&mut self, timeout: Duration) -> Collected<T, L> {
        if self.ids.is_empty() {
            return Collected::NoRequest;
        }
        let found = {
            let mut waits: Vec<_> = self
                .ids
                .iter_mut()
                .map(|(id, _)| Box::pin(id.wait_for(None)))
                .collect();
            let any = std::future::poll_fn(|cx| {
                for (i, w) in waits.iter_mut().enumerate() {
                    if let Poll::Ready(r) = w.as_mut().poll(cx) {
                        return Poll::Ready((i, r));
                    }
                }
                Poll::Pending
            });
            if timeout == INFINITY {
                Some(any.await)
            } else {
                crate::time::timeout(timeout, any).await
            }
        };
        match found {
            Some((i, response)) => {
                let (_, label) = self.ids.remove(i);
                Collected::Response(response, label)
            }
            None => Collected::Timeout,
        }
    }

    /// As [`RequestIds::wait_response`], but on a timeout every request in the collection
    /// is abandoned and the collection emptied (OTP's `receive_response/3`): replies that
    /// come later are dropped. To learn which ones timed out, take the labels first
    /// ([`RequestIds::labels`]), or wait with `wait_response` and abandon them yourself
    /// (drop the collection, or its [`into_iter`](IntoIterator::into_iter) items).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future leaves every request pending.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// use std::time::Duration;
    /// # #[derive(Default)] pub struct Sleeper;
    /// # #[gen_server] impl Sleeper {
    /// #     #[call] pub async fn nap(&self, ms: u64) -> u64 {
    /// #         otp_runtime::time::sleep(Duration::from_millis(ms)).await; ms
    /// #     }
    /// # }
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let s = Sleeper.start().await.unwrap();
    /// let mut ids = RequestIds::new();
    /// ids.add(s.send_nap(1000), "slow");
    /// assert_eq!(ids.receive_response(Duration::from_millis(10)).await, Collected::Timeout);
    /// assert!(ids.is_empty()); // abandoned
    /// # }
    /// ```
    pub async fn receive_response(&mut self, timeout: Duration) -> Collected<T, L> {
        let found = self.wait_response(timeout).await;
        if matches!(found, Collected::Timeout) {
            self.ids.clear();
        }
        found
    }

    /// Takes out the first request, in the order they were added, that has resolved, without
    /// waiting (OTP's `check_response/3`, asked of the collection rather than of a received
    /// message).
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// use std::time::Duration;
    /// # #[derive(Default)] pub struct S;
    /// # #[gen_server] impl S { #[call] pub fn ping(&self) {} }
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let s = S.start().await.unwrap();
    /// let mut ids = RequestIds::new();
    /// ids.add(s.send_ping(), "ping");
    /// assert_eq!(ids.check_response(), Collected::NoReply);
    /// otp_runtime::time::sleep(Duration::from_millis(1)).await;
    /// assert_eq!(ids.check_response(), Collected::Response(Ok(()), "ping"));
    /// assert_eq!(ids.check_response(), Collected::NoRequest);
    /// # }
    /// ```
    pub fn check_response(&mut self) -> Collected<T, L> {
        if self.ids.is_empty() {
            return Collected::NoRequest;
        }
        for i in 0..self.ids.len() {
            if let Some(response) = self.ids[i].0.check_response() {
                let (_, label) = self.ids.remove(i);
                return Collected::Response(response, label);
            }
        }
        Collected::NoReply
    }
}

impl<T: Send + 'static, L> Default for RequestIds<T, L> {
    fn default() -> Self {
        RequestIds::new()
    }
}

impl<T, L: fmt::Debug> fmt::Debug for RequestIds<T, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.ids.iter().map(|(id, l)| (l, id)))
            .finish()
    }
}

/// The requests and their labels, in the order they were added (`reqids_to_list/1`).
impl<T, L> IntoIterator for RequestIds<T, L> {
    type Item = (RequestId<T>, L);
    type IntoIter = std::vec::IntoIter<(RequestId<T>, L)>;

    fn into_iter(self) -> Self::IntoIter {
        self.ids.into_iter()
    }
}

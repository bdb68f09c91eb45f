//! Sending to and calling processes of other nodes.

use std::time::Duration;

use super::control::Proc;
use super::mapping::{FromTerm, ToTerm};
use super::start::node_atom;
use super::term::{Atom, Term};
use super::DistError;
use crate::node::Node;
use crate::{CallError, CallTarget, ExitReason, Pid};

/// Sends `msg` to `to`, a process of this node or of another (`Pid ! Msg`). A process of
/// another node is reached over its connection (made now if need be); one of this node
/// gets the message if it [accepts messages from other nodes](crate::ProcessCtx::accept_remote).
/// As in Erlang, sending never fails because the receiver is gone.
///
/// Acts on the [current node](crate::node::Node::current).
///
/// # Errors
///
/// [`DistError::NotDistributed`] for a process of another node when this one is not
/// distributed, or one this node has never heard of.
///
/// # Examples
///
/// See [`dist`](crate::dist).
pub fn send(to: Pid, msg: &impl ToTerm) -> Result<(), DistError> {
    let node = Node::current();
    send_on(&node, to, &msg.to_term())
}

/// [`send`] from `node`.
pub(crate) fn send_on(node: &Node, to: Pid, term: &Term) -> Result<(), DistError> {
    if to.node() == node.id() {
        // Through the sink, as a message from another node would come.
        let _ = node.0.sinks.deliver(to.id(), term.clone());
        return Ok(());
    }
    let dist = node.dist()?;
    if dist.send(to, term) {
        Ok(())
    } else {
        Err(DistError::NotDistributed)
    }
}

/// Sends `msg` to the process registered as `name` on node `node` (`{Name, Node} ! Msg`),
/// connecting to it if need be. As in Erlang, a name nobody has there drops the message.
///
/// # Errors
///
/// [`DistError::NotDistributed`], [`DistError::BadNodeName`], [`DistError::Stopped`].
///
/// # Examples
///
/// See [`dist`](crate::dist).
pub fn send_named(name: &str, node: &str, msg: &impl ToTerm) -> Result<(), DistError> {
    let here = Node::current();
    let term = msg.to_term();
    if node == here.name() {
        if let Some(pid) = here.whereis(name) {
            let _ = here.0.sinks.deliver(pid.id(), term);
        }
        return Ok(());
    }
    let dist = here.dist()?;
    let node = node_atom(node)?;
    let name = Atom::try_new(name).ok_or_else(|| DistError::BadNodeName(name.into()))?;
    let from = crate::process::current::pid().unwrap_or(dist.router);
    if dist.send_named(from, &name, &node, &term) {
        Ok(())
    } else {
        Err(DistError::Stopped)
    }
}

/// Calls the gen_server registered as `name` on node `node`
/// (`gen_server:call({Name, Node}, Request, Timeout)`), an Erlang, Elixir or Rust one, and
/// decodes its reply as `R`.
///
/// # Errors
///
/// - [`CallError::NoProc`] if nothing is registered as `name` there;
/// - [`CallError::Exited`] if the server died during the call;
/// - [`CallError::NodeDown`] if the node cannot be reached or its connection went down
///   during the call (at once, not at the timeout);
/// - [`CallError::Timeout`];
/// - [`CallError::BadReply`] if the reply does not decode as `R`.
///
/// # Examples
///
/// See [`dist`](crate::dist).
pub async fn call<R: FromTerm>(
    name: &str,
    node: &str,
    request: &impl ToTerm,
    timeout: Duration,
) -> Result<R, CallError> {
    let here = Node::current();
    let reply = call_term(&here, name, node, request.to_term(), timeout).await?;
    R::from_term(reply).map_err(|e| CallError::BadReply(e.to_string().into()))
}

/// A call of the process `pid` of another node from node `here`, with the reply as a term.
pub(crate) async fn call_pid_on(
    here: &Node,
    pid: Pid,
    request: Term,
    timeout: Duration,
) -> Result<Term, CallError> {
    let dist = here
        .dist()
        .map_err(|_| CallError::NoConnection(pid))?
        .clone();
    let node = dist.node_of(pid).ok_or(CallError::NoConnection(pid))?;
    let to = Proc::Pid(dist.ids().external_pid(pid));
    call_proc(&dist, &node, to, request, timeout)
        .await
        .map_err(|e| e.for_target(|| CallTarget::Pid(pid)))
}

/// `gen_server:cast(Pid, Msg)` to a process of another node from node `here`.
pub(crate) fn cast_pid_on(here: &Node, pid: Pid, msg: Term) {
    let msg = Term::Tuple(vec![Term::Atom(Atom::new("$gen_cast")), msg]);
    let _ = send_on(here, pid, &msg);
}

/// `gen_server:cast({Name, Node}, Msg)` from node `here`: `{'$gen_cast', Msg}`.
pub(crate) fn cast_on(here: &Node, name: &str, node: &str, msg: Term) {
    let (Ok(dist), Ok(node), Some(name)) = (here.dist(), node_atom(node), Atom::try_new(name))
    else {
        return;
    };
    let msg = Term::Tuple(vec![Term::Atom(Atom::new("$gen_cast")), msg]);
    dist.send_named(dist.router, &name, &node, &msg);
}

pub(crate) async fn call_term(
    here: &Node,
    name: &str,
    node: &str,
    request: Term,
    timeout: Duration,
) -> Result<Term, CallError> {
    let down = || CallError::NodeDown(node.into());
    let dist = here.dist().map_err(|_| down())?.clone();
    let node_a = node_atom(node).map_err(|_| down())?;
    // What the caller wrote: `{name, node}`.
    let target = || CallTarget::Remote {
        name: name.into(),
        node: node.into(),
    };
    let name_a = Atom::try_new(name).ok_or_else(|| CallError::NoProc { target: target() })?;
    call_proc(&dist, &node_a, Proc::Name(name_a), request, timeout)
        .await
        .map_err(|e| e.for_target(target))
}

/// Whom a call to `to` on `node` is for, as an error names it.
#[cold]
pub(super) fn proc_target(dist: &super::local::Dist, node: &Atom, to: &Proc) -> CallTarget {
    match to {
        Proc::Pid(p) => CallTarget::Pid(dist.ids().pid(p)),
        Proc::Name(name) => CallTarget::Remote {
            name: name.as_str().into(),
            node: node.as_str().into(),
        },
    }
}

async fn call_proc(
    dist: &std::sync::Arc<super::local::Dist>,
    node: &Atom,
    to: Proc,
    request: Term,
    timeout: Duration,
) -> Result<Term, CallError> {
    let (id, rx) = dist.start_call(node, to.clone(), Some(request))?;
    // Ended however the wait ends, dropped futures included: the call's entry and its
    // monitor on the peer go with it.
    struct End<'a>(&'a super::local::Dist, &'a Atom, &'a Proc, u64);
    impl Drop for End<'_> {
        fn drop(&mut self) {
            self.0.end_call(self.1, self.2, self.3);
        }
    }
    let _end = End(dist, node, &to, id);
    let r = tokio::time::timeout(timeout, rx).await;
    match r {
        Err(_) => Err(CallError::Timeout {
            target: proc_target(dist, node, &to),
            after: timeout,
        }),
        Ok(Err(_)) => Err(CallError::NodeDown(node.as_str().into())),
        Ok(Ok(r)) => r,
    }
}

/// A monitor of the process registered as a name on another node (Erlang's
/// `monitor(process, {Name, Node})`): [`wait`](NameMonitor::wait) gives the reason it ended.
/// Dropping it removes the monitor.
///
/// A process's own monitors (`ProcessCtx::monitor`) take pids; this one takes a name, which
/// the other node resolves when the monitor arrives, as Erlang's does, so it is a value to
/// await (or `select!` on in a process) rather than a `DOWN` in a mailbox.
///
/// # Examples
///
/// See [`monitor_name`].
pub struct NameMonitor {
    dist: std::sync::Arc<super::local::Dist>,
    node: Atom,
    to: Proc,
    id: u64,
    rx: Option<tokio::sync::oneshot::Receiver<Result<Term, CallError>>>,
}

/// Monitors the process registered as `name` on `node` from the
/// [current node](crate::node::Node::current), connecting to it if need be.
///
/// # Errors
///
/// [`DistError::NotDistributed`], [`DistError::BadNodeName`].
///
/// # Examples
///
/// ```
/// use otp_runtime::dist::{self, DistOptions};
/// use otp_runtime::node::Node;
/// use otp_runtime::prelude::*;
/// # #[tokio::main] async fn main() {
/// # let epmd = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
/// let (a, b) = (Node::named("a@localhost").unwrap(), Node::named("b@localhost").unwrap());
/// a.start_distribution(DistOptions::new("c").epmd_port(epmd)).await.unwrap();
/// b.start_distribution(DistOptions::new("c").epmd_port(epmd)).await.unwrap();
/// let p = b.spawn(|mut ctx: ProcessCtx<()>| async move { ctx.recv().await; ExitReason::other("bye") });
/// b.register("svc", p.pid()).unwrap();
///
/// let m = a.scope(async { dist::monitor_name("svc", "b@localhost") }).await.unwrap();
/// assert!(a.ping("b@localhost").await); // behind the monitor on the connection: it is set
/// p.send(()).unwrap();
/// assert_eq!(m.wait().await, ExitReason::other("bye"));
/// // Nobody has the name now: noproc at once.
/// let m = a.scope(async { dist::monitor_name("svc", "b@localhost") }).await.unwrap();
/// assert_eq!(m.wait().await, ExitReason::NoProc);
/// # a.stop().await; b.stop().await;
/// # }
/// ```
pub fn monitor_name(name: &str, node: &str) -> Result<NameMonitor, DistError> {
    let here = Node::current();
    let dist = here.dist()?.clone();
    let node = node_atom(node)?;
    let name = Atom::try_new(name).ok_or_else(|| DistError::BadNodeName(name.into()))?;
    let to = Proc::Name(name);
    match dist.start_call(&node, to.clone(), None) {
        Ok((id, rx)) => Ok(NameMonitor {
            dist,
            node,
            to,
            id,
            rx: Some(rx),
        }),
        Err(_) => Err(DistError::Stopped),
    }
}

impl std::fmt::Debug for NameMonitor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NameMonitor({:?} on {})", self.to, self.node)
    }
}

impl NameMonitor {
    /// Waits until the process ends and gives its exit reason: `NoProc` if nothing was
    /// registered under the name when the monitor arrived, `NoConnection` if the node goes
    /// down (or cannot be reached).
    ///
    /// # Examples
    ///
    /// See [`monitor_name`].
    pub async fn wait(mut self) -> ExitReason {
        let Some(rx) = self.rx.take() else {
            return ExitReason::NoProc;
        };
        match rx.await {
            Ok(Err(CallError::Exited(r))) => r,
            Ok(Err(CallError::NoProc { .. })) => ExitReason::NoProc,
            _ => ExitReason::NoConnection,
        }
    }
}

impl Drop for NameMonitor {
    fn drop(&mut self) {
        // After `wait`, the monitor has fired: only a live one is removed on the peer.
        if self.rx.is_some() {
            self.dist.end_call(&self.node, &self.to, self.id);
        } else {
            self.dist.forget_call(self.id);
        }
    }
}

//! Sending to and calling processes of other nodes.

use std::time::Duration;

use super::control::Proc;
use super::mapping::{FromTerm, ToTerm};
use super::start::node_atom;
use super::term::{Atom, Term};
use super::DistError;
use crate::node::Node;
use crate::{CallError, Pid};

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
    call_proc(&dist, &node, to, request, timeout).await
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
    let name_a = Atom::try_new(name).ok_or(CallError::NoProc)?;
    call_proc(&dist, &node_a, Proc::Name(name_a), request, timeout).await
}

async fn call_proc(
    dist: &std::sync::Arc<super::local::Dist>,
    node: &Atom,
    to: Proc,
    request: Term,
    timeout: Duration,
) -> Result<Term, CallError> {
    let (id, rx) = dist.start_call(node, to.clone(), request)?;
    let r = tokio::time::timeout(timeout, rx).await;
    dist.end_call(node, &to, id);
    match r {
        Err(_) => Err(CallError::Timeout),
        Ok(Err(_)) => Err(CallError::NodeDown(node.as_str().into())),
        Ok(Ok(r)) => r,
    }
}

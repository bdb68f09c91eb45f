//! Node up and down notifications (`net_kernel:monitor_nodes/1`), and calls and casts to a
//! name on several nodes (`gen_server:multi_call/4`, `gen_server:abcast/3`).

use std::time::Duration;

use tokio::sync::broadcast;

use super::mapping::{FromTerm, ToTerm};
use super::DistError;
use crate::node::Node;

/// A connection to another node came up or went down.
///
/// # Examples
///
/// See [`Node::monitor_nodes`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeEvent {
    /// `{nodeup, Node}`.
    Up(String),
    /// `{nodedown, Node}`, and why.
    Down {
        /// The node.
        node: String,
        /// Why the connection ended.
        reason: String,
    },
}

/// The node up and down events of a node, from the moment it was made
/// ([`Node::monitor_nodes`]).
///
/// # Examples
///
/// See [`Node::monitor_nodes`].
#[derive(Debug)]
pub struct NodeEvents {
    rx: broadcast::Receiver<NodeEvent>,
}

impl NodeEvents {
    /// Waits for the next event. A receiver that falls more than 256 events behind skips
    /// the oldest ones. (`None` cannot happen while the node exists.)
    ///
    /// # Examples
    ///
    /// See [`Node::monitor_nodes`].
    pub async fn recv(&mut self) -> Option<NodeEvent> {
        loop {
            match self.rx.recv().await {
                Ok(e) => return Some(e),
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

impl Node {
    /// Node up and down events from now on (`net_kernel:monitor_nodes(true)`), for a
    /// process or any task to watch the cluster.
    ///
    /// # Errors
    ///
    /// [`DistError::NotDistributed`].
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::dist::{DistOptions, NodeEvent};
    /// use otp_runtime::node::Node;
    /// # #[tokio::main] async fn main() {
    /// # let epmd = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    /// let (a, b) = (Node::named("a@localhost").unwrap(), Node::named("b@localhost").unwrap());
    /// a.start_distribution(DistOptions::new("c").epmd_port(epmd)).await.unwrap();
    /// b.start_distribution(DistOptions::new("c").epmd_port(epmd)).await.unwrap();
    /// let mut events = a.monitor_nodes().unwrap();
    /// a.connect_node("b@localhost").await.unwrap();
    /// assert_eq!(events.recv().await, Some(NodeEvent::Up("b@localhost".into())));
    /// b.stop().await;
    /// assert!(matches!(events.recv().await, Some(NodeEvent::Down { node, .. }) if node == "b@localhost"));
    /// # a.stop().await;
    /// # }
    /// ```
    pub fn monitor_nodes(&self) -> Result<NodeEvents, DistError> {
        Ok(NodeEvents {
            rx: self.dist()?.events.subscribe(),
        })
    }
}

/// Calls the gen_server registered as `name` on each of `nodes` at once
/// (`gen_server:multi_call/4`), from the [current node](crate::node::Node::current): the
/// replies, by node, and the nodes that gave none (down, no such server, the server died,
/// no reply within `timeout`, or a reply that does not decode as `R`), in the order of
/// `nodes`. This node itself is not called: use a local handle for it.
///
/// # Examples
///
/// ```no_run
/// use std::time::Duration;
/// use otp_runtime::dist::{self, term::Atom};
/// # #[tokio::main] async fn main() {
/// let (replies, bad) = dist::multi_call::<i64>(
///     &["a@localhost", "b@localhost"], "counter", &Atom::new("get"), Duration::from_secs(5),
/// ).await;
/// println!("{replies:?}, no reply from {bad:?}");
/// # }
/// ```
pub async fn multi_call<R: FromTerm + Send + 'static>(
    nodes: &[&str],
    name: &str,
    request: &impl ToTerm,
    timeout: Duration,
) -> (Vec<(String, R)>, Vec<String>) {
    let here = Node::current();
    let request = request.to_term();
    let calls: Vec<_> = nodes
        .iter()
        .map(|node| {
            let (here, node, name, request) = (
                here.clone(),
                node.to_string(),
                name.to_string(),
                request.clone(),
            );
            // In the node's scope: the reply is decoded as this node reads it (its pids).
            let scope = here.clone();
            tokio::spawn(scope.scope(async move {
                let r = super::call::call_term(&here, &name, &node, request, timeout).await;
                (node, r.ok().and_then(|t| R::from_term(t).ok()))
            }))
        })
        .collect();
    let (mut replies, mut bad) = (Vec::new(), Vec::new());
    for (call, node) in calls.into_iter().zip(nodes) {
        match call.await {
            Ok((node, Some(r))) => replies.push((node, r)),
            _ => bad.push(node.to_string()),
        }
    }
    (replies, bad)
}

/// Casts `msg` to the gen_server registered as `name` on each of `nodes`
/// (`gen_server:abcast/3`): `{'$gen_cast', Msg}`, connecting where needed. Never fails:
/// a node that cannot be reached drops it, as in OTP.
///
/// # Examples
///
/// ```no_run
/// use otp_runtime::dist::{self, term::Atom};
/// dist::abcast(&["a@localhost", "b@localhost"], "counter", &(Atom::new("add"), 1));
/// ```
pub fn abcast(nodes: &[&str], name: &str, msg: &impl ToTerm) {
    let here = Node::current();
    let msg = msg.to_term();
    for node in nodes {
        super::call::cast_on(&here, name, node, msg.clone());
    }
}

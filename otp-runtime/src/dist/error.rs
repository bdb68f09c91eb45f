//! What can go wrong starting distribution, connecting, and sending.

use std::fmt;
use std::io;

use super::epmd::EpmdError;
use super::HandshakeError;

/// Why distribution could not start, or a node could not be reached.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use otp_runtime::dist::{DistError, DistOptions};
/// let e = otp_runtime::node::Node::new().start_distribution(DistOptions::new("c")).await;
/// assert!(matches!(e, Err(DistError::NotNamed)));
/// # }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum DistError {
    /// The node has no name of the form `name@host` (see
    /// [`Node::named`](crate::node::Node::named)).
    NotNamed,
    /// Distribution is started already on this node.
    AlreadyStarted,
    /// Distribution is not started on this node.
    NotDistributed,
    /// The node has stopped.
    Stopped,
    /// The listening socket could not be opened.
    Listen(io::Error),
    /// EPMD refused or failed (a name taken, no EPMD on the peer's host, ...).
    Epmd(EpmdError),
    /// The name is not a node name (`name@host`).
    BadNodeName(String),
    /// The peer's EPMD does not know that node: it is not running.
    UnknownNode(String),
    /// The peer's host or port could not be reached.
    Unreachable {
        /// The node.
        node: String,
        /// What the connection attempt said.
        source: io::Error,
    },
    /// The handshake failed (bad cookie, missing flags, refused).
    Handshake(HandshakeError),
    /// The connection to the node went down.
    NodeDown(String),
}

impl fmt::Display for DistError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DistError::NotNamed => f.write_str(
                "distribution needs a node named name@host (Node::named), not nonode@nohost",
            ),
            DistError::AlreadyStarted => f.write_str("distribution is started already"),
            DistError::NotDistributed => {
                f.write_str("distribution is not started on this node (Node::start_distribution)")
            }
            DistError::Stopped => f.write_str("the node has stopped"),
            DistError::Listen(e) => write!(f, "could not listen for connections: {e}"),
            DistError::Epmd(e) => write!(f, "EPMD: {e}"),
            DistError::BadNodeName(n) => write!(f, "{n:?} is not a node name (name@host)"),
            DistError::UnknownNode(n) => {
                write!(
                    f,
                    "node {n} is not running (its host's EPMD does not know it)"
                )
            }
            DistError::Unreachable { node, source } => {
                write!(f, "could not reach node {node}: {source}")
            }
            DistError::Handshake(e) => e.fmt(f),
            DistError::NodeDown(n) => write!(f, "the connection to {n} went down"),
        }
    }
}

impl std::error::Error for DistError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DistError::Listen(e) => Some(e),
            DistError::Epmd(e) => Some(e),
            DistError::Unreachable { source, .. } => Some(source),
            DistError::Handshake(e) => Some(e),
            _ => None,
        }
    }
}

impl From<EpmdError> for DistError {
    fn from(e: EpmdError) -> Self {
        DistError::Epmd(e)
    }
}

impl From<HandshakeError> for DistError {
    fn from(e: HandshakeError) -> Self {
        DistError::Handshake(e)
    }
}

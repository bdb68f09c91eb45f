//! Which local processes take messages from other nodes, and how each decodes them.
//!
//! A process's mailbox is typed; a message from another node is a [`Term`]. A process whose
//! message type implements [`FromTerm`] opts in with
//! [`ProcessCtx::accept_remote`](crate::ProcessCtx::accept_remote): its *sink* decodes each
//! term into its type and puts it in its mailbox, in arrival order with its other messages.
//! A term that does not decode is dropped with a warning that names the process and the
//! type, as a message no `receive` clause matches would sit unread in Erlang; it never
//! kills the process or the connection.
//!
//! The table is the node's, so a process can opt in before distribution starts; an entry
//! goes when its process dies.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::mapping::FromTermError;
use super::term::Term;
use crate::node::Node;
use crate::process::core::Core;

type Sink = Arc<dyn Fn(Term) -> Result<(), FromTermError> + Send + Sync>;

/// The node's sinks, by pid number.
#[derive(Default)]
pub(crate) struct Sinks {
    map: Mutex<HashMap<u64, Sink>>,
}

/// What became of a message for a local process.
pub(crate) enum Delivery {
    Delivered,
    /// The process does not take messages from other nodes (or is gone).
    NoSink,
    /// Its type did not fit.
    Rejected(FromTermError),
}

/// Removes process `core`'s sink when it dies.
pub(crate) fn forget_at_exit<M: Send + 'static>(node: &Node, core: Arc<Core<M>>) {
    let node = node.clone();
    tokio::spawn(async move {
        crate::process::wait_shared_exit(&core.shared).await;
        node.0.sinks.remove(core.shared.pid().id());
    });
}

impl Sinks {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Sink>> {
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn insert(&self, number: u64, sink: Sink) {
        self.map().insert(number, sink);
    }

    pub(crate) fn remove(&self, number: u64) {
        self.map().remove(&number);
    }

    pub(crate) fn contains(&self, number: u64) -> bool {
        self.map().contains_key(&number)
    }

    /// Gives `msg` to process `number`'s sink.
    pub(crate) fn deliver(&self, number: u64, msg: Term) -> Delivery {
        // Called outside the lock: a sink takes the mailbox's lock-free path, but decoding
        // can be long.
        let sink = self.map().get(&number).cloned();
        match sink {
            None => Delivery::NoSink,
            Some(sink) => match sink(msg) {
                Ok(()) => Delivery::Delivered,
                Err(e) => Delivery::Rejected(e),
            },
        }
    }
}

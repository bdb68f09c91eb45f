//! Pids, references and exit reasons between this runtime's form and the wire's.
//!
//! A pid of a remote node is a [`Pid`] like any other: its [`NodeId`] is derived from the
//! node's name and creation (the same in every local node of the program), and its number
//! is the wire's id (low 32 bits) and serial (high 32 bits). Each distributed node remembers
//! the name and creation behind every remote `NodeId` it has seen, to encode those pids
//! again.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::num::NonZeroU64;
use std::sync::{Mutex, PoisonError};

use super::mapping::{FromTerm, FromTermError, FromTermErrorKind, ToTerm};
use super::term::{Atom, ExternalPid, ExternalRef, Term};
use crate::node::Node;
use crate::{ExitReason, NodeId, Pid};

/// The `NodeId` of the remote node `name` of creation `creation`: a hash, so that every
/// local node of the program gives a remote process the same pid.
pub(crate) fn remote_node_id(name: &str, creation: u32) -> NodeId {
    // DefaultHasher::new() has fixed keys: the same in every node of this program.
    let mut h = DefaultHasher::new();
    "otp-runtime remote node".hash(&mut h);
    name.hash(&mut h);
    creation.hash(&mut h);
    NodeId::new(h.finish().max(1))
}

/// How many remote nodes (names and creations) a node remembers from the pids it is sent.
const MAX_PEERS: usize = 65_536;

/// The names and creations behind the remote `NodeId`s a node has seen.
#[derive(Default)]
pub(crate) struct Peers {
    by_id: Mutex<HashMap<NodeId, (Atom, u32)>>,
}

impl Peers {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<NodeId, (Atom, u32)>> {
        self.by_id.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The id of node `name`/`creation`, remembered (up to [`MAX_PEERS`] nodes: pids of
    /// nodes beyond those, which only a peer making up node names would send, are still
    /// pids, but cannot be sent to).
    pub(crate) fn id_of(&self, name: &Atom, creation: u32) -> NodeId {
        let id = remote_node_id(name.as_str(), creation);
        let mut map = self.map();
        if map.len() < MAX_PEERS || map.contains_key(&id) {
            map.entry(id).or_insert_with(|| (name.clone(), creation));
        }
        id
    }

    /// Node `name`/`creation`, connected: remembered whatever the count.
    pub(crate) fn connected(&self, name: &Atom, creation: u32) {
        let id = remote_node_id(name.as_str(), creation);
        self.map().insert(id, (name.clone(), creation));
    }

    /// The name and creation behind `id`, if this node has seen it.
    pub(crate) fn get(&self, id: NodeId) -> Option<(Atom, u32)> {
        self.map().get(&id).cloned()
    }
}

/// This node as the wire names it, and the peers it knows.
pub(crate) struct Ids<'a> {
    pub(crate) local: NodeId,
    pub(crate) name: &'a Atom,
    pub(crate) creation: u32,
    pub(crate) peers: &'a Peers,
}

impl Ids<'_> {
    /// `pid` as the wire carries it. A pid of a node this one has never heard of (another
    /// node of this program, not connected) goes out as a pid of `nonode@nohost`, as a
    /// non-distributed Erlang node's pids do: nobody can reach it.
    pub(crate) fn external_pid(&self, pid: Pid) -> ExternalPid {
        let number = pid.id();
        let (node, creation) = if pid.node() == self.local {
            (self.name.clone(), self.creation)
        } else {
            self.peers
                .get(pid.node())
                .unwrap_or_else(|| (Atom::new("nonode@nohost"), 0))
        };
        ExternalPid {
            node,
            id: number as u32,
            serial: (number >> 32) as u32,
            creation,
        }
    }

    /// The pid behind `p`: one of this node's if it names this node (of any creation: a pid
    /// of an older incarnation names a process that is gone, and gets a number no process
    /// has), else a remote one.
    pub(crate) fn pid(&self, p: &ExternalPid) -> Pid {
        let number = (p.serial as u64) << 32 | p.id as u64;
        let number = NonZeroU64::new(number).unwrap_or(NonZeroU64::MAX);
        if &p.node == self.name {
            if p.creation == self.creation {
                return Pid::from_number(self.local, number);
            }
            return Pid::from_number(remote_node_id(p.node.as_str(), p.creation), number);
        }
        Pid::from_number(self.peers.id_of(&p.node, p.creation), number)
    }

    /// A reference of this node with number `n`.
    pub(crate) fn reference(&self, n: u64) -> ExternalRef {
        ExternalRef {
            node: self.name.clone(),
            creation: self.creation,
            ids: vec![n as u32, (n >> 32) as u32, 0],
        }
    }
}

/// The number of a reference this node made, if `r` is one.
pub(crate) fn local_ref(r: &ExternalRef, name: &Atom, creation: u32) -> Option<u64> {
    if &r.node != name || r.creation != creation || r.ids.len() < 2 {
        return None;
    }
    Some((r.ids[1] as u64) << 32 | r.ids[0] as u64)
}

fn atom(s: &str) -> Term {
    Term::Atom(Atom::new(s))
}

/// An exit reason as Erlang writes it: `normal`, `shutdown`, `{shutdown, Text}`, `kill`,
/// `killed`, `noproc`, `noconnection`; a panic as `{panic, Text}`, and any other reason as
/// its text, a binary.
pub(crate) fn reason_to_term(r: &ExitReason) -> Term {
    match r {
        ExitReason::Normal => atom("normal"),
        ExitReason::Shutdown => atom("shutdown"),
        ExitReason::ShutdownWith(t) => {
            Term::Tuple(vec![atom("shutdown"), Term::Binary(t.as_bytes().to_vec())])
        }
        ExitReason::Kill => atom("kill"),
        ExitReason::Killed => atom("killed"),
        ExitReason::NoProc => atom("noproc"),
        ExitReason::NoConnection => atom("noconnection"),
        ExitReason::Panic(t) => {
            Term::Tuple(vec![atom("panic"), Term::Binary(t.as_bytes().to_vec())])
        }
        ExitReason::Other(t) => Term::Binary(t.as_bytes().to_vec()),
        // Its type is this program's: another node gets its text.
        ExitReason::Typed(t) => Term::Binary(t.to_string().into_bytes()),
    }
}

/// The exit reason behind an Erlang term: the atoms above are theirs, `{shutdown, X}` is
/// `ShutdownWith`, and anything else is `Other` with its Erlang text (`{badarg, ...}`).
pub(crate) fn reason_from_term(t: &Term) -> ExitReason {
    match t {
        Term::Atom(a) => match a.as_str() {
            "normal" => ExitReason::Normal,
            "shutdown" => ExitReason::Shutdown,
            "kill" => ExitReason::Kill,
            "killed" => ExitReason::Killed,
            "noproc" => ExitReason::NoProc,
            "noconnection" => ExitReason::NoConnection,
            other => ExitReason::other(other),
        },
        Term::Tuple(v) if v.len() == 2 && v[0] == atom("shutdown") => {
            ExitReason::shutdown_with(text_of(&v[1]))
        }
        Term::Tuple(v) if v.len() == 2 && v[0] == atom("panic") => {
            ExitReason::Panic(text_of(&v[1]).into())
        }
        Term::Binary(b) => ExitReason::other(String::from_utf8_lossy(b)),
        other => ExitReason::other(other),
    }
}

fn text_of(t: &Term) -> String {
    match t {
        Term::Binary(b) => String::from_utf8_lossy(b).into_owned(),
        other => other.to_string(),
    }
}

/// `pid` as node `node` writes it on the wire.
fn external_pid_of(node: &Node, pid: Pid) -> ExternalPid {
    if let Some(d) = node.0.dist.get() {
        return d.ids().external_pid(pid);
    }
    let number = pid.id();
    let (name, creation) = if pid.node() == node.id() {
        (Atom::new(node.name()), node.creation())
    } else {
        (Atom::new("nonode@nohost"), 0)
    };
    ExternalPid {
        node: name,
        id: number as u32,
        serial: (number >> 32) as u32,
        creation,
    }
}

/// A pid is an Erlang pid: as the [current node](crate::node::Node::current) names it on the
/// wire (its own processes under its name and creation, a remote node's under that node's).
impl ToTerm for Pid {
    fn to_term(&self) -> Term {
        Term::Pid(external_pid_of(&Node::current(), *self))
    }
}

/// An Erlang pid as the [current node](crate::node::Node::current) knows it: one of its own
/// processes, or a process of another node, reached over distribution.
impl FromTerm for Pid {
    fn from_term(term: Term) -> Result<Pid, FromTermError> {
        let Term::Pid(p) = term else {
            return Err(FromTermError::new::<Pid>(
                FromTermErrorKind::WrongShape,
                "a pid",
                &term,
            ));
        };
        let node = Node::current();
        if let Some(d) = node.0.dist.get() {
            return Ok(d.ids().pid(&p));
        }
        let number = (p.serial as u64) << 32 | p.id as u64;
        let number = NonZeroU64::new(number).unwrap_or(NonZeroU64::MAX);
        if p.node.as_str() == node.name() && p.creation == node.creation() {
            return Ok(Pid::from_number(node.id(), number));
        }
        Ok(Pid::from_number(
            remote_node_id(p.node.as_str(), p.creation),
            number,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_round_trip() {
        for r in [
            ExitReason::Normal,
            ExitReason::Shutdown,
            ExitReason::shutdown_with("bye"),
            ExitReason::Kill,
            ExitReason::Killed,
            ExitReason::NoProc,
            ExitReason::NoConnection,
            ExitReason::Panic("boom".into()),
            ExitReason::other("odd"),
        ] {
            assert_eq!(reason_from_term(&reason_to_term(&r)), r);
        }
    }

    #[test]
    fn pids_round_trip_and_remote_ids_agree() {
        let peers = Peers::default();
        let name = Atom::new("a@h");
        let ids = Ids {
            local: NodeId::new(99),
            name: &name,
            creation: 5,
            peers: &peers,
        };
        let local = Pid::new(NodeId::new(99), (7 << 32) | 42);
        let ext = ids.external_pid(local);
        assert_eq!((ext.id, ext.serial, ext.creation), (42, 7, 5));
        assert_eq!(ids.pid(&ext), local);
        let remote = ExternalPid {
            node: Atom::new("b@h"),
            id: 3,
            serial: 0,
            creation: 9,
        };
        let p = ids.pid(&remote);
        assert_eq!(p.node(), remote_node_id("b@h", 9));
        assert_eq!(ids.external_pid(p), remote);
    }
}

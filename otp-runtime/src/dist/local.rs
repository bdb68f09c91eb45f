//! A distributed node's state: its connections, and what crosses them.
//!
//! Everything that concerns one peer (its connection or the attempt to make it, the links
//! and monitors across it, the calls waiting on it) is kept together under the peer's name,
//! so that when the connection goes down all of it is settled at once: every link gets an
//! exit signal `noconnection`, every monitor a `DOWN` `noconnection`, every call an error.
//!
//! Operations on a peer not yet connected connect to it on demand, as Erlang does; what is
//! sent meanwhile waits in the order it was sent, and goes out first once connected.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::AbortHandle;

use super::control::{self, Control, Proc};
use super::epmd::{EpmdServer, Registration};
use super::handshake::{Local, Peer, Status};
use super::ids::{self, Ids, Peers};
use super::term::{Atom, ExternalPid, ExternalRef, Term};
use super::DistError;
use crate::node::inner::NodeInner;
use crate::node::Node;
use crate::process::core::{exit_signal, SystemMsg};
use crate::{CallError, ExitReason, MonitorRef, NodeId, Pid};

/// A distributed node.
pub(crate) struct Dist {
    node: Weak<NodeInner>,
    pub(crate) name: Atom,
    pub(crate) creation: u32,
    pub(crate) local: NodeId,
    pub(crate) cookie: String,
    pub(crate) tick_time: Duration,
    pub(crate) epmd_port: u16,
    pub(crate) port: u16,
    pub(crate) transport: Arc<dyn super::transport::Transport>,
    pub(crate) peers: Peers,
    /// The pid remote replies to calls from this node come to: no process has it; the
    /// connection hands its messages to the waiting calls.
    pub(crate) router: Pid,
    state: Mutex<State>,
    /// Set when the node stops: the listener and the connections end.
    pub(crate) shutdown: watch::Sender<bool>,
    pub(crate) epmd: Mutex<Option<(Registration, Option<EpmdServer>)>>,
    /// Where peers are found instead of EPMD (a simulation's network).
    pub(crate) directory: Option<Arc<dyn super::transport::Directory>>,
    /// Told when a connection comes up or goes down (`net_kernel:monitor_nodes/1`).
    pub(crate) events: tokio::sync::broadcast::Sender<super::NodeEvent>,
    /// How many connections are running (their tasks), for a stop to wait for their flush.
    pub(crate) running: tokio::sync::watch::Sender<usize>,
}

#[derive(Default)]
struct State {
    peers: HashMap<Atom, PeerState>,
    /// Local processes whose death this layer watches (they have links, monitors or a sink
    /// across).
    watched: HashSet<u64>,
    calls: HashMap<u64, Call>,
    /// Replies servers of this node owe callers of other nodes, by server pid number.
    owed: HashMap<u64, Vec<Arc<dyn super::serve::OwedReply>>>,
    next_conn: u64,
    next_unlink: u64,
    stopped: bool,
}

struct Call {
    node: Atom,
    tx: oneshot::Sender<Result<Term, CallError>>,
}

enum Slot {
    /// A connection being made: by a dial of ours (`attempt`), or by the handshake of an
    /// incoming one (`attempt` is `None`). `id` tells a stale attempt's end from this one's.
    Connecting {
        queue: Vec<Vec<u8>>,
        attempt: Option<AbortHandle>,
        id: u64,
    },
    Up {
        tx: mpsc::UnboundedSender<Vec<u8>>,
        conn: u64,
    },
}

struct PeerState {
    slot: Slot,
    /// Links across: (local, remote).
    links: HashSet<(Pid, Pid)>,
    /// Monitors local processes hold on remote ones: id → (watcher, target).
    monitors_out: HashMap<u64, (Pid, Pid)>,
    /// Monitors remote processes hold on local ones: reference → (target, how it was
    /// named, watcher).
    monitors_in: HashMap<ExternalRef, (Pid, Proc, ExternalPid)>,
    /// Tasks waiting for the connection to be up.
    waiters: Vec<oneshot::Sender<Result<(), Arc<DistError>>>>,
}

impl PeerState {
    fn connecting() -> PeerState {
        PeerState {
            slot: Slot::Connecting {
                queue: Vec::new(),
                attempt: None,
                id: 0,
            },
            links: HashSet::new(),
            monitors_out: HashMap::new(),
            monitors_in: HashMap::new(),
            waiters: Vec::new(),
        }
    }

    fn push(&mut self, frame: Vec<u8>) {
        match &mut self.slot {
            Slot::Connecting { queue, .. } => queue.push(frame),
            // A closed channel: the connection is going down, and its settling will tell.
            Slot::Up { tx, .. } => drop(tx.send(frame)),
        }
    }
}

/// What a connection's end settles, taken out under the lock and acted on outside it.
struct Settle {
    node: Atom,
    links: Vec<(Pid, Pid)>,
    monitors_out: Vec<(u64, Pid, Pid)>,
    calls: Vec<oneshot::Sender<Result<Term, CallError>>>,
    waiters: Vec<oneshot::Sender<Result<(), Arc<DistError>>>>,
}

impl Dist {
    pub(crate) fn new(
        node: &Node,
        cookie: String,
        tick_time: Duration,
        epmd_port: u16,
        port: u16,
        transport: Arc<dyn super::transport::Transport>,
        directory: Option<Arc<dyn super::transport::Directory>>,
    ) -> Dist {
        Dist {
            node: Arc::downgrade(&node.0),
            name: Atom::new(node.name()),
            creation: node.creation(),
            local: node.id(),
            cookie,
            tick_time,
            epmd_port,
            port,
            transport,
            directory,
            peers: Peers::default(),
            router: node.0.next_pid(),
            state: Mutex::new(State::default()),
            shutdown: watch::channel(false).0,
            epmd: Mutex::new(None),
            events: tokio::sync::broadcast::channel(256).0,
            running: tokio::sync::watch::channel(0).0,
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn node(&self) -> Option<Node> {
        self.node.upgrade().map(Node)
    }

    pub(crate) fn ids(&self) -> Ids<'_> {
        Ids {
            local: self.local,
            name: &self.name,
            creation: self.creation,
            peers: &self.peers,
        }
    }

    pub(crate) fn handshake_local(&self) -> Local {
        Local {
            name: self.name.as_str().into(),
            creation: self.creation,
            flags: super::flags::OURS,
            cookie: self.cookie.clone(),
        }
    }

    /// The node a remote pid belongs to, if this node knows it.
    pub(crate) fn node_of(&self, pid: Pid) -> Option<Atom> {
        self.peers.get(pid.node()).map(|(name, _)| name)
    }

    /// The names of the nodes connected now, sorted.
    pub(crate) fn connected(&self) -> Vec<String> {
        let st = self.state();
        let mut v: Vec<String> = st
            .peers
            .iter()
            .filter(|(_, p)| matches!(p.slot, Slot::Up { .. }))
            .map(|(n, _)| n.as_str().to_string())
            .collect();
        v.sort();
        v
    }

    /// Runs `f` on the state of peer `node`, starting a connection to it if there is none.
    /// `None` once the node has stopped, or for this node's own name.
    fn with_peer<R>(
        self: &Arc<Self>,
        node: &Atom,
        f: impl FnOnce(&mut PeerState, &mut State) -> R,
    ) -> Option<R> {
        if node == &self.name {
            return None;
        }
        let mut st = self.state();
        if st.stopped {
            return None;
        }
        let mut peer = match st.peers.remove(node) {
            Some(p) => p,
            None => {
                let mut p = PeerState::connecting();
                st.next_conn += 1;
                let id = st.next_conn;
                let rt = tokio::runtime::Handle::try_current().ok();
                let attempt = rt.zip(self.node()).map(|(rt, n)| {
                    // In the node's scope: decoding a pid needs to know which node decodes.
                    let dial = super::connection::connect(self.clone(), node.clone(), id);
                    rt.spawn(n.scope(dial)).abort_handle()
                });
                attempt.as_ref()?;
                p.slot = Slot::Connecting {
                    queue: Vec::new(),
                    attempt,
                    id,
                };
                p
            }
        };
        let r = f(&mut peer, &mut st);
        st.peers.insert(node.clone(), peer);
        Some(r)
    }

    /// Sends `frame` to `node`, connecting first if need be. False if it cannot go.
    pub(crate) fn send_frame(self: &Arc<Self>, node: &Atom, frame: Vec<u8>) -> bool {
        self.with_peer(node, |p, _| p.push(frame)).is_some()
    }

    /// Waits until `node` is connected (connecting if need be).
    pub(crate) async fn connect(self: &Arc<Self>, node: &Atom) -> Result<(), Arc<DistError>> {
        let (tx, rx) = oneshot::channel();
        let queued = self.with_peer(node, |p, _| match p.slot {
            Slot::Up { .. } => {
                let _ = tx.send(Ok(()));
            }
            Slot::Connecting { .. } => p.waiters.push(tx),
        });
        if queued.is_none() {
            return Err(Arc::new(if node == &self.name {
                DistError::BadNodeName(format!("{node} is this node"))
            } else {
                DistError::Stopped
            }));
        }
        rx.await
            .unwrap_or_else(|_| Err(Arc::new(DistError::NodeDown(node.to_string()))))
    }

    /// Sends `msg` to the remote process `to`.
    pub(crate) fn send(self: &Arc<Self>, to: Pid, msg: &Term) -> bool {
        let Some(node) = self.node_of(to) else {
            return false;
        };
        let to = self.ids().external_pid(to);
        let frame = control::frame(&Control::Send { to }.to_term(), Some(msg));
        self.send_frame(&node, frame)
    }

    /// Sends `msg` to the process registered as `name` on `node`, from `from`.
    pub(crate) fn send_named(
        self: &Arc<Self>,
        from: Pid,
        name: &Atom,
        node: &Atom,
        msg: &Term,
    ) -> bool {
        let from = self.ids().external_pid(from);
        let c = Control::RegSend {
            from,
            to: name.clone(),
        };
        self.send_frame(node, control::frame(&c.to_term(), Some(msg)))
    }

    /// Watches local process `pid` (once) so that its death reaches the peers.
    /// Watches local process `pid` (once) so that its death reaches the peers; false if it
    /// is dead already and its death has been told (what was to be recorded for it must not
    /// be: nobody would ever tell it).
    fn watch(self: &Arc<Self>, st: &mut State, pid: Pid) -> bool {
        if !st.watched.insert(pid.id()) {
            // Watched: its death, if it came, has not been told yet, and will see what the
            // caller records now (under this same lock).
            return true;
        }
        let Some(entry) = self.node().and_then(|n| n.entry(pid).ok().flatten()) else {
            st.watched.remove(&pid.id());
            return false;
        };
        let me = Arc::downgrade(self);
        let task = async move {
            let reason = crate::process::wait_shared_exit(entry.shared()).await;
            drop(entry);
            if let Some(me) = me.upgrade() {
                me.local_died(pid, &reason);
            }
        };
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                drop(rt.spawn(task));
                true
            }
            Err(_) => {
                st.watched.remove(&pid.id());
                false
            }
        }
    }

    /// Server `server` owes a caller of another node a reply.
    pub(crate) fn reply_pending(&self, server: Pid, owed: Arc<dyn super::serve::OwedReply>) {
        self.state().owed.entry(server.id()).or_default().push(owed);
    }

    /// A reply `server` owed is made (or will never be): sent now, under the lock its
    /// death's signals take too, unless the death sent it first. What is left for the
    /// caller to send: a reply to a process of this node, which goes by its sink.
    pub(crate) fn reply_done(
        &self,
        server: Pid,
        owed: &Arc<impl super::serve::OwedReply + 'static>,
    ) -> Option<(Pid, Term)> {
        let mut st = self.state();
        if let Some(v) = st.owed.get_mut(&server.id()) {
            let o: Arc<dyn super::serve::OwedReply> = owed.clone();
            v.retain(|x| !Arc::ptr_eq(x, &o));
            if v.is_empty() {
                st.owed.remove(&server.id());
            }
        }
        let (caller, msg) = owed.take_ready()?;
        if caller.node() == self.local {
            return Some((caller, msg));
        }
        let to = self.ids().external_pid(caller);
        if let Some(p) = self.node_of(caller).and_then(|n| st.peers.get_mut(&n)) {
            p.push(control::frame(&Control::Send { to }.to_term(), Some(&msg)));
        }
        None
    }

    /// Local process `pid` died of `reason`: its links and monitors across are told, after
    /// any reply it made and owed a caller of another node.
    fn local_died(&self, pid: Pid, reason: &ExitReason) {
        if let Some(node) = self.node() {
            node.0.sinks.remove(pid.id());
        }
        let ids = self.ids();
        let reason_t = ids::reason_to_term(reason);
        let me = ids.external_pid(pid);
        let mut st = self.state();
        st.watched.remove(&pid.id());
        for owed in st.owed.remove(&pid.id()).unwrap_or_default() {
            if let Some((caller, msg)) = owed.take_ready() {
                let to = ids.external_pid(caller);
                let node = self.node_of(caller);
                if let Some(p) = node.and_then(|n| st.peers.get_mut(&n)) {
                    let c = Control::Send { to };
                    p.push(control::frame(&c.to_term(), Some(&msg)));
                }
            }
        }
        for p in st.peers.values_mut() {
            let gone: Vec<(Pid, Pid)> = p.links.iter().filter(|l| l.0 == pid).copied().collect();
            for l in gone {
                p.links.remove(&l);
                let c = Control::Exit {
                    from: me.clone(),
                    to: ids.external_pid(l.1),
                    reason: Some(reason_t.clone()),
                };
                p.push(control::frame(&c.to_term(), None));
            }
            let watched: Vec<ExternalRef> = p
                .monitors_in
                .iter()
                .filter(|(_, m)| m.0 == pid)
                .map(|(r, _)| r.clone())
                .collect();
            for r in watched {
                if let Some((_, named, watcher)) = p.monitors_in.remove(&r) {
                    let c = Control::MonitorExit {
                        from: named,
                        to: watcher,
                        reference: r,
                        reason: Some(reason_t.clone()),
                    };
                    p.push(control::frame(&c.to_term(), None));
                }
            }
            let held: Vec<u64> = p
                .monitors_out
                .iter()
                .filter(|(_, m)| m.0 == pid)
                .map(|(id, _)| *id)
                .collect();
            for id in held {
                if let Some((_, target)) = p.monitors_out.remove(&id) {
                    let c = Control::Demonitor {
                        from: me.clone(),
                        to: Proc::Pid(ids.external_pid(target)),
                        reference: ids.reference(id),
                    };
                    p.push(control::frame(&c.to_term(), None));
                }
            }
        }
    }

    /// Links local `me` with remote `other`. False if `other`'s node is unknown here.
    pub(crate) fn link(self: &Arc<Self>, me: Pid, other: Pid) -> bool {
        let Some(node) = self.node_of(other) else {
            return false;
        };
        let ids = self.ids();
        let c = Control::Link {
            from: ids.external_pid(me),
            to: ids.external_pid(other),
        };
        let frame = control::frame(&c.to_term(), None);
        self.with_peer(&node, |p, st| {
            if p.links.insert((me, other)) {
                p.push(frame);
            }
            self.watch(st, me);
        })
        .is_some()
    }

    /// Removes the link between local `me` and remote `other`.
    pub(crate) fn unlink(self: &Arc<Self>, me: Pid, other: Pid) {
        let Some(node) = self.node_of(other) else {
            return;
        };
        let ids = self.ids();
        let mut st = self.state();
        st.next_unlink += 1;
        let id = st.next_unlink;
        if let Some(p) = st.peers.get_mut(&node) {
            if p.links.remove(&(me, other)) {
                let c = Control::Unlink {
                    id: Some(id),
                    from: ids.external_pid(me),
                    to: ids.external_pid(other),
                };
                p.push(control::frame(&c.to_term(), None));
            }
        }
    }

    /// Monitors remote `target` from local `watcher` with monitor `id`. False if the
    /// target's node is unknown here.
    pub(crate) fn monitor(self: &Arc<Self>, watcher: Pid, target: Pid, id: u64) -> bool {
        let Some(node) = self.node_of(target) else {
            return false;
        };
        let ids = self.ids();
        let c = Control::Monitor {
            from: ids.external_pid(watcher),
            to: Proc::Pid(ids.external_pid(target)),
            reference: ids.reference(id),
        };
        let frame = control::frame(&c.to_term(), None);
        self.with_peer(&node, |p, st| {
            p.monitors_out.insert(id, (watcher, target));
            p.push(frame);
            self.watch(st, watcher);
        })
        .is_some()
    }

    /// Removes monitor `id` of a remote target; true if it was active.
    pub(crate) fn demonitor(&self, monitor: MonitorRef) -> bool {
        let Some(node) = self.node_of(monitor.target()) else {
            return false;
        };
        let ids = self.ids();
        let mut st = self.state();
        let Some(p) = st.peers.get_mut(&node) else {
            return false;
        };
        let Some((watcher, target)) = p.monitors_out.remove(&monitor.id()) else {
            return false;
        };
        let c = Control::Demonitor {
            from: ids.external_pid(watcher),
            to: Proc::Pid(ids.external_pid(target)),
            reference: ids.reference(monitor.id()),
        };
        p.push(control::frame(&c.to_term(), None));
        true
    }

    /// An exit signal from `from` (local, or `<0.0.0>`) to remote `to`.
    pub(crate) fn exit(self: &Arc<Self>, from: Pid, to: Pid, reason: &ExitReason) -> bool {
        let Some(node) = self.node_of(to) else {
            return false;
        };
        let ids = self.ids();
        let c = Control::Exit2 {
            from: ids.external_pid(from),
            to: ids.external_pid(to),
            reason: Some(ids::reason_to_term(reason)),
        };
        self.send_frame(&node, control::frame(&c.to_term(), None))
    }

    /// Starts a call: registers its reply slot, monitors `to` on `node` from the router,
    /// sends `{'$gen_call', {Router, Ref}, Request}`. The id is the monitor's and the tag's.
    /// With no request, only the monitor goes: a monitor of `to` whose end comes as the
    /// "call"'s error (what [`monitor_name`](super::monitor_name) waits for).
    pub(crate) fn start_call(
        self: &Arc<Self>,
        node: &Atom,
        to: Proc,
        request: Option<Term>,
    ) -> Result<(u64, oneshot::Receiver<Result<Term, CallError>>), CallError> {
        let Some(n) = self.node() else {
            return Err(CallError::NodeDown(node.as_str().into()));
        };
        let id = n.0.next_ref();
        let ids = self.ids();
        let reference = ids.reference(id);
        let router = ids.external_pid(self.router);
        let monitor = Control::Monitor {
            from: router.clone(),
            to: to.clone(),
            reference: reference.clone(),
        };
        let msg = request.map(|request| {
            Term::Tuple(vec![
                Term::Atom(Atom::new("$gen_call")),
                Term::Tuple(vec![Term::Pid(router.clone()), Term::Ref(reference)]),
                request,
            ])
        });
        let send = match &to {
            Proc::Pid(p) => Control::Send { to: p.clone() },
            Proc::Name(name) => Control::RegSend {
                from: router,
                to: name.clone(),
            },
        };
        let (tx, rx) = oneshot::channel();
        let m = control::frame(&monitor.to_term(), None);
        let s = msg.map(|msg| control::frame(&send.to_term(), Some(&msg)));
        let sent = self.with_peer(node, |p, st| {
            st.calls.insert(
                id,
                Call {
                    node: node.clone(),
                    tx,
                },
            );
            p.push(m);
            if let Some(s) = s {
                p.push(s);
            }
        });
        match sent {
            Some(()) => Ok((id, rx)),
            None => Err(CallError::NodeDown(node.as_str().into())),
        }
    }

    /// Forgets call `id`, whose monitor has fired.
    pub(crate) fn forget_call(&self, id: u64) {
        self.state().calls.remove(&id);
    }

    /// Ends call `id` (answered or given up): its monitor is removed on the peer.
    pub(crate) fn end_call(&self, node: &Atom, to: &Proc, id: u64) {
        let ids = self.ids();
        let mut st = self.state();
        st.calls.remove(&id);
        if let Some(p) = st.peers.get_mut(node) {
            let c = Control::Demonitor {
                from: ids.external_pid(self.router),
                to: to.clone(),
                reference: ids.reference(id),
            };
            p.push(control::frame(&c.to_term(), None));
        }
    }

    // ---- the connection's side ----

    /// What the accepting side answers node `name`, and, when the incoming handshake now
    /// stands for the connection to it (`ok`, `ok_simultaneous`), the id of the pending
    /// slot it owns: if the handshake fails, that slot is settled (so a failed or forged
    /// handshake never leaves the peer "connecting" for good), and what else would dial the
    /// peer meanwhile waits for it instead.
    pub(crate) fn status_for(&self, name: &str) -> (Status, Option<u64>) {
        let mut st = self.state();
        if st.stopped {
            return (Status::NotAllowed, None);
        }
        let Some(name_atom) = Atom::try_new(name) else {
            return (Status::NotAllowed, None);
        };
        st.next_conn += 1;
        let fresh = st.next_conn;
        match st.peers.get_mut(&name_atom) {
            None => {
                let mut p = PeerState::connecting();
                p.slot = Slot::Connecting {
                    queue: Vec::new(),
                    attempt: None,
                    id: fresh,
                };
                st.peers.insert(name_atom, p);
                (Status::Ok, Some(fresh))
            }
            Some(p) => match &mut p.slot {
                Slot::Up { .. } => (Status::Alive, None),
                // Another incoming handshake of that name is under way.
                Slot::Connecting { attempt: None, .. } => (Status::Nok, None),
                // Both sides are dialling: the greater name's attempt wins (OTP's rule).
                Slot::Connecting { .. } if self.name.as_str() > name => (Status::Nok, None),
                Slot::Connecting { attempt, id, .. } => {
                    if let Some(a) = attempt.take() {
                        a.abort();
                    }
                    *id = fresh;
                    (Status::OkSimultaneous, Some(fresh))
                }
            },
        }
    }

    /// Whether a dial of attempt `id` to `node` answered `alive` should go on and replace
    /// the peer's old connection: only while that attempt is still pending (the peer kept a
    /// connection of an older incarnation of this node), not once a connection is up.
    pub(crate) fn still_dialling(&self, node: &Atom, id: u64) -> bool {
        matches!(
            self.state().peers.get(node).map(|p| &p.slot),
            Some(Slot::Connecting { id: i, .. }) if *i == id
        )
    }

    /// A connection to `peer` is up: what waited for it goes out. Returns the connection's
    /// number and its frames' receiver, or `None` if the node has stopped.
    /// `pending` is the id of the attempt or incoming handshake that made it: any other
    /// pending dial is abandoned.
    pub(crate) fn install(
        self: &Arc<Self>,
        peer: Peer,
        pending: u64,
    ) -> Option<(u64, mpsc::UnboundedReceiver<Vec<u8>>)> {
        let name = Atom::try_new(&peer.name)?;
        self.peers.connected(&name, peer.creation);
        let (tx, rx) = mpsc::unbounded_channel();
        let mut old = None;
        let mut st = self.state();
        if st.stopped {
            return None;
        }
        st.next_conn += 1;
        let conn = st.next_conn;
        let mut p = st.peers.remove(&name).unwrap_or_else(PeerState::connecting);
        let queue = match std::mem::replace(
            &mut p.slot,
            Slot::Up {
                tx: tx.clone(),
                conn,
            },
        ) {
            Slot::Connecting {
                queue, attempt, id, ..
            } => {
                // A dial of ours still under way while the peer's own connection came in
                // (or the reverse): the one that arrived first is the connection.
                if id != pending {
                    if let Some(a) = attempt {
                        a.abort();
                    }
                }
                queue
            }
            // Replaced (the peer restarted and said so in the handshake): the old
            // connection's links and monitors are settled as a node down.
            Slot::Up { .. } => {
                let mut fresh = PeerState::connecting();
                std::mem::swap(&mut fresh.links, &mut p.links);
                std::mem::swap(&mut fresh.monitors_out, &mut p.monitors_out);
                std::mem::swap(&mut fresh.monitors_in, &mut p.monitors_in);
                old = Some(fresh);
                Vec::new()
            }
        };
        for f in queue {
            let _ = tx.send(f);
        }
        for w in p.waiters.drain(..) {
            let _ = w.send(Ok(()));
        }
        st.peers.insert(name.clone(), p);
        let settle = old.map(|o| Self::take_settle(&mut st, &name, o));
        drop(st);
        let _ = self.events.send(super::NodeEvent::Up(name.to_string()));
        if let Some(s) = settle {
            self.settle(s, &Arc::new(DistError::NodeDown(name.to_string())));
        }
        Some((conn, rx))
    }

    fn take_settle(st: &mut State, node: &Atom, mut p: PeerState) -> Settle {
        let ids: Vec<u64> = st
            .calls
            .iter()
            .filter(|(_, c)| &c.node == node)
            .map(|(id, _)| *id)
            .collect();
        let calls = ids
            .into_iter()
            .filter_map(|id| st.calls.remove(&id))
            .map(|c| c.tx)
            .collect();
        Settle {
            node: node.clone(),
            links: p.links.drain().collect(),
            monitors_out: p
                .monitors_out
                .drain()
                .map(|(id, (w, t))| (id, w, t))
                .collect(),
            calls,
            waiters: std::mem::take(&mut p.waiters),
        }
    }

    /// Connection `conn` to `node` (or the attempt or incoming handshake of that id)
    /// ended, with `why`. A stale id (of a connection or attempt replaced since) settles
    /// nothing.
    pub(crate) fn down(&self, node: &Atom, conn: u64, why: Arc<DistError>) {
        let mut st = self.state();
        let (current, was_up) = match st.peers.get(node).map(|p| &p.slot) {
            Some(Slot::Up { conn: c, .. }) => (*c == conn, true),
            Some(Slot::Connecting { id, .. }) => (*id == conn, false),
            None => (false, false),
        };
        if !current {
            return;
        }
        let Some(p) = st.peers.remove(node) else {
            return;
        };
        let settle = Self::take_settle(&mut st, node, p);
        drop(st);
        if was_up {
            tracing::info!(node = %self.name, peer = %node, reason = %why, "node down");
            let _ = self.events.send(super::NodeEvent::Down {
                node: node.to_string(),
                reason: why.to_string(),
            });
        }
        self.settle(settle, &why);
    }

    fn settle(&self, s: Settle, why: &Arc<DistError>) {
        let node = self.node();
        for (local, remote) in s.links {
            if let Some(e) = node.as_ref().and_then(|n| n.entry(local).ok().flatten()) {
                exit_signal(remote, &*e, ExitReason::NoConnection, true);
            }
        }
        for (id, watcher, target) in s.monitors_out {
            if let Some(e) = node.as_ref().and_then(|n| n.entry(watcher).ok().flatten()) {
                e.deliver(SystemMsg::Down {
                    monitor: MonitorRef::new(id, target),
                    pid: target,
                    reason: ExitReason::NoConnection,
                });
            }
        }
        for c in s.calls {
            let _ = c.send(Err(CallError::NodeDown(s.node.as_str().into())));
        }
        for w in s.waiters {
            let _ = w.send(Err(why.clone()));
        }
    }

    /// Handles one control message (and its payload) from `node`.
    pub(crate) fn dispatch(self: &Arc<Self>, node: &Atom, c: Control, payload: Option<Term>) {
        let Some(n) = self.node() else { return };
        let ids = self.ids();
        match c {
            Control::Send { to } => {
                if let Some(msg) = payload {
                    self.deliver(&n, ids.pid(&to), msg);
                }
            }
            Control::RegSend { from, to } => {
                if let Some(msg) = payload {
                    self.deliver_named(&n, node, from, &to, msg);
                }
            }
            Control::Link { from, to } => {
                let (remote, local) = (ids.pid(&from), ids.pid(&to));
                let mut st = self.state();
                // Watched before the link is recorded, under one lock: a process that dies
                // meanwhile either sees the link at its death or is answered noproc here.
                if local.node() == self.local && self.watch(&mut st, local) {
                    if let Some(p) = st.peers.get_mut(node) {
                        p.links.insert((local, remote));
                    }
                } else if let Some(p) = st.peers.get_mut(node) {
                    let c = Control::Exit {
                        from: to,
                        to: from,
                        reason: Some(Term::Atom(Atom::new("noproc"))),
                    };
                    p.push(control::frame(&c.to_term(), None));
                }
            }
            Control::Exit { from, to, reason } => {
                let (remote, local) = (ids.pid(&from), ids.pid(&to));
                let linked = self
                    .state()
                    .peers
                    .get_mut(node)
                    .is_some_and(|p| p.links.remove(&(local, remote)));
                let reason = reason.or(payload).map(|r| ids::reason_from_term(&r));
                if let (true, Some(reason), Some(e)) =
                    (linked, reason, n.entry(local).ok().flatten())
                {
                    exit_signal(remote, &*e, reason, true);
                }
            }
            Control::Exit2 { from, to, reason } => {
                let (remote, local) = (ids.pid(&from), ids.pid(&to));
                let reason = reason.or(payload).map(|r| ids::reason_from_term(&r));
                if let (Some(reason), Some(e)) = (reason, n.entry(local).ok().flatten()) {
                    exit_signal(remote, &*e, reason, false);
                }
            }
            Control::Unlink { id, from, to } => {
                let (remote, local) = (ids.pid(&from), ids.pid(&to));
                let mut st = self.state();
                if let Some(p) = st.peers.get_mut(node) {
                    p.links.remove(&(local, remote));
                    if let Some(id) = id {
                        let ack = Control::UnlinkAck {
                            id,
                            from: to,
                            to: from,
                        };
                        p.push(control::frame(&ack.to_term(), None));
                    }
                }
            }
            Control::UnlinkAck { .. } | Control::SpawnReply { .. } | Control::Other(_) => {}
            Control::SpawnRequest {
                reference,
                from,
                module,
                function,
                opts,
            } => self.spawn_request(&n, node, reference, from, module, function, opts, payload),
            Control::Monitor {
                from,
                to,
                reference,
            } => {
                let target = match &to {
                    Proc::Pid(p) => Some(ids.pid(p)),
                    // This node's net_kernel is the connection itself: it lives as long as
                    // the connection does, which the peer watches already.
                    Proc::Name(name)
                        if name.as_str() == "net_kernel"
                            || (name.as_str() == "rex" && n.whereis("rex").is_none()) =>
                    {
                        return
                    }
                    Proc::Name(name) => n.whereis(name.as_str()),
                };
                let mut st = self.state();
                let alive = target.filter(|t| t.node() == self.local && self.watch(&mut st, *t));
                match alive {
                    Some(t) => {
                        if let Some(p) = st.peers.get_mut(node) {
                            p.monitors_in.insert(reference, (t, to, from));
                        }
                    }
                    None => {
                        if let Some(p) = st.peers.get_mut(node) {
                            let c = Control::MonitorExit {
                                from: to,
                                to: from,
                                reference,
                                reason: Some(Term::Atom(Atom::new("noproc"))),
                            };
                            p.push(control::frame(&c.to_term(), None));
                        }
                    }
                }
            }
            Control::Demonitor { reference, .. } => {
                if let Some(p) = self.state().peers.get_mut(node) {
                    p.monitors_in.remove(&reference);
                }
            }
            Control::MonitorExit {
                from,
                to: _,
                reference,
                reason,
            } => {
                let Some(id) = ids::local_ref(&reference, &self.name, self.creation) else {
                    return;
                };
                let reason = reason
                    .or(payload)
                    .map(|r| ids::reason_from_term(&r))
                    .unwrap_or(ExitReason::NoProc);
                let mut st = self.state();
                // Only the connection the call's monitor went over may end it.
                let ours = st.calls.get(&id).is_some_and(|c| &c.node == node);
                if let Some(call) = ours.then(|| st.calls.remove(&id)).flatten() {
                    drop(st);
                    let e = match reason {
                        ExitReason::NoProc => CallError::NoProc {
                            target: super::call::proc_target(self, node, &from),
                        },
                        ExitReason::NoConnection => CallError::NodeDown(node.as_str().into()),
                        r => CallError::Exited(r),
                    };
                    let _ = call.tx.send(Err(e));
                    return;
                }
                let held = st
                    .peers
                    .get_mut(node)
                    .and_then(|p| p.monitors_out.remove(&id));
                drop(st);
                if let Some((watcher, target)) = held {
                    let pid = match from {
                        Proc::Pid(p) => ids.pid(&p),
                        Proc::Name(_) => target,
                    };
                    if let Some(e) = n.entry(watcher).ok().flatten() {
                        e.deliver(SystemMsg::Down {
                            monitor: MonitorRef::new(id, target),
                            pid,
                            reason,
                        });
                    }
                }
            }
        }
    }

    /// A spawn request (`erpc:call`, `rpc:call`, `spawn/4` from another node): a process
    /// runs the job, the reply names it, and its end reaches the spawner through the link or
    /// monitor it asked for, with the reason the job gives.
    #[allow(clippy::too_many_arguments)]
    fn spawn_request(
        self: &Arc<Self>,
        n: &Node,
        node: &Atom,
        reference: ExternalRef,
        from: ExternalPid,
        module: Atom,
        function: Atom,
        opts: Vec<Term>,
        payload: Option<Term>,
    ) {
        let args = match payload {
            Some(Term::List(args)) => args,
            _ => Vec::new(),
        };
        let has = |name: &str| {
            opts.iter().any(|o| match o {
                Term::Atom(a) => a.as_str() == name,
                Term::Tuple(v) => v.first() == Some(&Term::Atom(Atom::new(name))),
                _ => false,
            })
        };
        let (link, monitor) = (has("link"), has("monitor"));
        let job = super::rpc::Job::of(module, function, args);
        let (go_tx, go) = oneshot::channel();
        let me = Arc::downgrade(self);
        let (to, r, peer) = (from.clone(), reference.clone(), node.clone());
        let spawner = self.ids().pid(&from);
        let pid = super::rpc::spawn_job(n, job, go, move |pid, reason| {
            let Some(me) = me.upgrade() else { return };
            let this = me.ids().external_pid(pid);
            // The link goes with the job's end, unless the spawner's exit or its node's
            // going down ended it first.
            let linked = link
                && me
                    .state()
                    .peers
                    .get_mut(&peer)
                    .is_some_and(|p| p.links.remove(&(pid, spawner)));
            let mut frames = Vec::new();
            if monitor {
                let c = Control::MonitorExit {
                    from: Proc::Pid(this.clone()),
                    to: to.clone(),
                    reference: r,
                    reason: Some(reason.clone()),
                };
                frames.push(control::frame(&c.to_term(), None));
            }
            if linked {
                let c = Control::Exit {
                    from: this,
                    to,
                    reason: Some(reason),
                };
                frames.push(control::frame(&c.to_term(), None));
            }
            let mut st = me.state();
            if let Some(p) = st.peers.get_mut(&peer) {
                for f in frames {
                    p.push(f);
                }
            }
        });
        if link {
            // Recorded as any link across: the spawner's exit or a node down kills the job.
            if let Some(p) = self.state().peers.get_mut(node) {
                p.links.insert((pid, spawner));
            }
        }
        let flags = i64::from(link) | i64::from(monitor) << 1;
        let reply = Control::SpawnReply {
            reference,
            to: from,
            flags,
            result: Term::Pid(self.ids().external_pid(pid)),
        };
        if let Some(p) = self.state().peers.get_mut(node) {
            p.push(control::frame(&reply.to_term(), None));
        }
        let _ = go_tx.send(());
    }

    /// A message for local pid `to`.
    fn deliver(&self, n: &Node, to: Pid, msg: Term) {
        if to == self.router {
            self.reply(msg);
            return;
        }
        if to.node() != self.local {
            return;
        }
        match n.0.sinks.deliver(to.id(), msg) {
            super::sinks::Delivery::Delivered => {}
            super::sinks::Delivery::NoSink => {
                if n.entry(to).ok().flatten().is_some() {
                    tracing::warn!(
                        node = %self.name,
                        to = %to,
                        "message from another node dropped: the process does not take \
                         messages from other nodes (ProcessCtx::accept_remote)"
                    );
                }
            }
            super::sinks::Delivery::Rejected(e) => tracing::warn!(
                node = %self.name,
                to = %to,
                error = %e,
                "message from another node dropped: it does not fit the process's message type"
            ),
        }
    }

    /// A message for the process registered as `to`.
    fn deliver_named(&self, n: &Node, node: &Atom, from: ExternalPid, to: &Atom, msg: Term) {
        if to.as_str() == "net_kernel" {
            self.net_kernel(node, msg);
            return;
        }
        if to.as_str() == "rex" && n.whereis("rex").is_none() {
            super::rpc::rex(n, msg);
            return;
        }
        let _ = from;
        match n.whereis(to.as_str()) {
            Some(pid) => self.deliver(n, pid, msg),
            // As Erlang: a message to a name nobody has is dropped.
            None => {
                tracing::debug!(node = %self.name, name = %to, "message to an unregistered name dropped")
            }
        }
    }

    /// What this node's `net_kernel` answers: `{is_auth, Node}` gets `yes`, which is how
    /// `net_adm:ping/1` is answered.
    fn net_kernel(&self, node: &Atom, msg: Term) {
        let Term::Tuple(v) = msg else { return };
        let [Term::Atom(tag), Term::Tuple(from), request] = &v[..] else {
            return;
        };
        if tag.as_str() != "$gen_call" || from.len() != 2 {
            return;
        }
        let Term::Pid(caller) = &from[0] else { return };
        let reply = match request {
            Term::Tuple(r) if r.first() == Some(&Term::Atom(Atom::new("is_auth"))) => {
                Term::Atom(Atom::new("yes"))
            }
            _ => Term::Atom(Atom::new("error")),
        };
        let msg = Term::Tuple(vec![from[1].clone(), reply]);
        let c = Control::Send { to: caller.clone() };
        if let Some(p) = self.state().peers.get_mut(node) {
            p.push(control::frame(&c.to_term(), Some(&msg)));
        }
    }

    /// A reply to a call of this node: `{Ref, Reply}`.
    fn reply(&self, msg: Term) {
        let Term::Tuple(mut v) = msg else { return };
        if v.len() != 2 {
            return;
        }
        let reply = v.pop().unwrap_or(Term::List(vec![]));
        let tag = match v.pop() {
            Some(Term::Ref(r)) => r,
            // `[alias | Ref]`, as OTP 24+ tags calls: accepted too.
            Some(Term::ImproperList(mut l, tail)) if l.len() == 1 => match *tail {
                Term::Ref(r) => {
                    l.clear();
                    r
                }
                _ => return,
            },
            _ => return,
        };
        let Some(id) = ids::local_ref(&tag, &self.name, self.creation) else {
            return;
        };
        let call = self.state().calls.remove(&id);
        if let Some(call) = call {
            let _ = call.tx.send(Ok(reply));
        }
    }

    /// Stops the node's distribution and waits (at most `limit`) until its connections
    /// have written what was sent before and closed.
    pub(crate) async fn stop_and_flush(&self, limit: Duration) {
        self.stop();
        let mut running = self.running.subscribe();
        let _ = tokio::time::timeout(limit, running.wait_for(|n| *n == 0)).await;
    }

    /// The node stops: no new connections, and every connection closes.
    pub(crate) fn stop(&self) {
        let (peers, calls) = {
            let mut st = self.state();
            st.stopped = true;
            (std::mem::take(&mut st.peers), std::mem::take(&mut st.calls))
        };
        // Calls in flight end now, as they would if each node went down.
        for (_, c) in calls {
            let _ = c.tx.send(Err(CallError::NodeDown(c.node.as_str().into())));
        }
        let _ = self.shutdown.send(true);
        for (_, p) in peers {
            if let Slot::Connecting {
                attempt: Some(a), ..
            } = p.slot
            {
                a.abort();
            }
        }
        self.epmd
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }
}

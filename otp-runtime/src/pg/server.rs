//! The scope process: the only writer of its table, pg.erl's gen_server.
//!
//! It serialises the local joins and leaves, monitors the local members (a member that dies
//! leaves all its groups at once), tells the monitors of every change, and speaks Erlang's
//! `pg` protocol ([`protocol`](super::protocol)) with the scopes of the same name on the
//! other nodes: it discovers them when a node comes up, merges what they sync, and forgets a
//! peer's members when its monitor of the peer fires (the peer scope died, or its node went
//! down).

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use super::monitor::{GroupEvent, GroupMonitor};
use super::protocol::{self, PeerMsg};
use super::table::{remove_last, Row, Table};
use super::Group;
use crate::dist::mapping::{FromTerm, FromTermError};
use crate::dist::term::Term;
use crate::dist::{NodeEvent, NodeEvents};
use crate::node::Node;
use crate::{ExitReason, Message, MonitorRef, Name, Pid, ProcessCtx, ProcessRef};

/// Every group with its members, oldest group first.
pub(crate) type Snapshot<G> = Vec<(G, Vec<Pid>)>;

/// What a scope process receives.
pub(crate) enum ScopeMsg<G: Group> {
    Join {
        group: G,
        pids: Vec<Pid>,
        reply: oneshot::Sender<()>,
    },
    Leave {
        group: G,
        pids: Vec<Pid>,
        reply: oneshot::Sender<bool>,
    },
    MonitorGroup {
        group: G,
        reply: oneshot::Sender<(Vec<Pid>, GroupMonitor<G>)>,
    },
    MonitorScope {
        reply: oneshot::Sender<(Snapshot<G>, GroupMonitor<G>)>,
    },
    Demonitor(u64),
    /// A message from another node: the `pg` protocol (checked when handled).
    Remote(Term),
}

/// Every term from another node is taken as it comes; the scope reads it in its own node's
/// context (pids are read as that node knows them).
impl<G: Group> FromTerm for ScopeMsg<G> {
    fn from_term(term: Term) -> Result<Self, FromTermError> {
        Ok(ScopeMsg::Remote(term))
    }
}

/// A local member: its monitor and the groups it joined, in join order (twice if twice).
struct Member<G> {
    monitor: MonitorRef,
    groups: Vec<G>,
}

/// A peer scope of another node: the monitor of it, and its members by group (with when
/// each group appeared, to go through them in a fixed order).
struct Peer<G> {
    pid: Pid,
    monitor: MonitorRef,
    groups: HashMap<G, (u64, Vec<Pid>)>,
}

/// A monitor's sending end.
struct Watcher<G> {
    id: u64,
    tx: mpsc::UnboundedSender<GroupEvent<G>>,
}

struct State<G: Group> {
    name: Name,
    me: Pid,
    handle: ProcessRef<ScopeMsg<G>>,
    table: Arc<Table<G>>,
    /// Numbers groups as they appear (in the table and in each peer's map).
    next_seq: u64,
    local: HashMap<Pid, Member<G>>,
    /// In the order they were found: messages to them go out in that order.
    peers: Vec<Peer<G>>,
    scope_watchers: Vec<Watcher<G>>,
    group_watchers: HashMap<G, Vec<Watcher<G>>>,
    /// Which group each monitor watches (`None`: the whole scope).
    watches: HashMap<u64, Option<G>>,
    next_watch: u64,
}

/// Empties the table however the process ends (a kill drops its future).
struct ClearOnExit<G: Group>(Arc<Table<G>>);

impl<G: Group> Drop for ClearOnExit<G> {
    fn drop(&mut self) {
        self.0.clear();
    }
}

/// The scope's body: waits for its starter's word (its name is registered, or not and it
/// ends), then serves until it is stopped.
pub(crate) async fn run<G: Group>(
    mut ctx: ProcessCtx<ScopeMsg<G>>,
    table: Arc<Table<G>>,
    name: Name,
    go: oneshot::Receiver<bool>,
) -> ExitReason {
    if go.await != Ok(true) {
        return ExitReason::Normal;
    }
    let _clear = ClearOnExit(table.clone());
    let node = Node::current();
    let mut dist_up = node.0.pg.dist_watch();
    let mut events: Option<NodeEvents> = None;
    let mut state = State {
        name,
        me: ctx.pid(),
        handle: ctx.handle(),
        table,
        next_seq: 0,
        local: HashMap::new(),
        peers: Vec::new(),
        scope_watchers: Vec::new(),
        group_watchers: HashMap::new(),
        watches: HashMap::new(),
        next_watch: 0,
    };
    state.join_cluster(&node, &mut events);
    loop {
        // Biased: the order of handling is the scope's, not a random pick.
        tokio::select! {
            biased;
            m = ctx.recv() => state.handle(&mut ctx, m),
            Some(event) = next_event(&mut events) => {
                if let NodeEvent::Up(peer) = event {
                    state.discover_node(&peer);
                }
            }
            Ok(()) = dist_up.changed(), if events.is_none() => {
                state.join_cluster(&node, &mut events);
            }
        }
    }
}

async fn next_event(events: &mut Option<NodeEvents>) -> Option<NodeEvent> {
    match events {
        Some(e) => e.recv().await,
        None => std::future::pending().await,
    }
}

impl<G: Group> State<G> {
    /// Once the node is distributed: watch nodes come up, and discover the scopes of the
    /// nodes connected already (pg.erl's `init`). A Rust node is hidden, and pg.erl
    /// discovers visible nodes only, so the discovery with a BEAM node is always this side's.
    fn join_cluster(&mut self, node: &Node, events: &mut Option<NodeEvents>) {
        if events.is_some() {
            return;
        }
        if let Ok(e) = node.monitor_nodes() {
            *events = Some(e);
            for peer in node.nodes() {
                self.discover_node(&peer);
            }
        }
    }

    /// `{Scope, Node} ! {discover, self()}`.
    fn discover_node(&self, node: &str) {
        let _ = crate::dist::send_named(self.name.as_str(), node, &protocol::discover(self.me));
    }

    fn handle(&mut self, ctx: &mut ProcessCtx<ScopeMsg<G>>, m: Message<ScopeMsg<G>>) {
        match m {
            Message::Msg(ScopeMsg::Join { group, pids, reply }) => {
                self.join_local(ctx, group, pids);
                let _ = reply.send(());
            }
            Message::Msg(ScopeMsg::Leave { group, pids, reply }) => {
                let left = self.leave_local(ctx, group, pids);
                let _ = reply.send(left);
            }
            Message::Msg(ScopeMsg::MonitorGroup { group, reply }) => {
                let members = self.table.members(&group);
                let (w, monitor) = self.new_monitor();
                self.watches.insert(w.id, Some(group.clone()));
                self.group_watchers.entry(group).or_default().push(w);
                let _ = reply.send((members, monitor));
            }
            Message::Msg(ScopeMsg::MonitorScope { reply }) => {
                let groups = self.table.snapshot(false);
                let (w, monitor) = self.new_monitor();
                self.watches.insert(w.id, None);
                self.scope_watchers.push(w);
                let _ = reply.send((groups, monitor));
            }
            Message::Msg(ScopeMsg::Demonitor(id)) => self.demonitor(id),
            Message::Msg(ScopeMsg::Remote(term)) => match protocol::parse(term) {
                Ok(msg) => self.peer_msg(ctx, msg),
                Err(why) => tracing::warn!(scope = self.name.as_str(), "pg: dropped {why}"),
            },
            Message::Down { monitor, pid, .. } => {
                if pid.node() == self.me.node() {
                    self.member_down(pid, monitor);
                } else {
                    self.peer_down(pid, monitor);
                }
            }
            Message::Exit { .. } => {}
        }
    }

    fn new_monitor(&mut self) -> (Watcher<G>, GroupMonitor<G>) {
        self.next_watch += 1;
        let id = self.next_watch;
        let (tx, rx) = mpsc::unbounded_channel();
        let monitor = GroupMonitor {
            id,
            rx,
            scope: self.handle.clone(),
        };
        (Watcher { id, tx }, monitor)
    }

    fn demonitor(&mut self, id: u64) {
        match self.watches.remove(&id) {
            Some(None) => self.scope_watchers.retain(|w| w.id != id),
            Some(Some(group)) => {
                if let Some(ws) = self.group_watchers.get_mut(&group) {
                    ws.retain(|w| w.id != id);
                    if ws.is_empty() {
                        self.group_watchers.remove(&group);
                    }
                }
            }
            None => {}
        }
    }

    /// Tells the scope's monitors, then the group's, of `event`.
    fn notify(&mut self, event: GroupEvent<G>) {
        let mut gone = Vec::new();
        let group_watchers = self.group_watchers.get(event.group());
        for w in self
            .scope_watchers
            .iter()
            .chain(group_watchers.into_iter().flatten())
        {
            if w.tx.send(event.clone()).is_err() {
                gone.push(w.id);
            }
        }
        // A dropped monitor sends its demonitor too; this only frees it sooner.
        for id in gone {
            self.demonitor(id);
        }
    }

    /// Adds `pids` to `group`'s row (to its local members too if `local`).
    fn table_add(&mut self, group: &G, pids: &[Pid], local: bool) {
        let mut rows = self.table.write();
        let row = match rows.get_mut(group) {
            Some(row) => row,
            None => {
                self.next_seq += 1;
                rows.entry(group.clone()).or_insert(Row {
                    seq: self.next_seq,
                    all: Vec::new(),
                    local: Vec::new(),
                })
            }
        };
        row.all.extend_from_slice(pids);
        if local {
            row.local.extend_from_slice(pids);
        }
    }

    /// Removes one occurrence of each of `pids` from `group`'s row, and the row once empty.
    fn table_remove(&mut self, group: &G, pids: &[Pid], local: bool) {
        let mut rows = self.table.write();
        let Some(row) = rows.get_mut(group) else {
            return;
        };
        for pid in pids {
            remove_last(&mut row.all, *pid);
            if local {
                remove_last(&mut row.local, *pid);
            }
        }
        if row.all.is_empty() {
            rows.remove(group);
        }
    }

    fn broadcast(&self, term: &Term) {
        for peer in &self.peers {
            let _ = crate::dist::send(peer.pid, term);
        }
    }

    // ---- local members ----

    fn join_local(&mut self, ctx: &ProcessCtx<ScopeMsg<G>>, group: G, pids: Vec<Pid>) {
        if pids.is_empty() {
            return;
        }
        for pid in &pids {
            let member = self.local.entry(*pid).or_insert_with(|| Member {
                monitor: ctx.monitor(*pid),
                groups: Vec::new(),
            });
            member.groups.push(group.clone());
        }
        self.table_add(&group, &pids, true);
        self.broadcast(&protocol::join(self.me, &group, &pids));
        self.notify(GroupEvent::Join { group, pids });
    }

    /// Whether any of `pids` was in `group` (each leaves it once).
    fn leave_local(&mut self, ctx: &mut ProcessCtx<ScopeMsg<G>>, group: G, pids: Vec<Pid>) -> bool {
        let mut left = Vec::new();
        for pid in pids {
            let Some(member) = self.local.get_mut(&pid) else {
                continue;
            };
            let Some(i) = member.groups.iter().rposition(|g| *g == group) else {
                continue;
            };
            member.groups.remove(i);
            if member.groups.is_empty() {
                let monitor = member.monitor;
                self.local.remove(&pid);
                ctx.demonitor(monitor, true);
            }
            left.push(pid);
        }
        if left.is_empty() {
            return false;
        }
        self.table_remove(&group, &left, true);
        self.broadcast(&protocol::leave(
            self.me,
            &left,
            std::slice::from_ref(&group),
        ));
        self.notify(GroupEvent::Leave { group, pids: left });
        true
    }

    /// A local member died: it leaves every group it was in, at once.
    fn member_down(&mut self, pid: Pid, monitor: MonitorRef) {
        match self.local.get(&pid) {
            Some(m) if m.monitor == monitor => {}
            _ => return,
        }
        let Some(member) = self.local.remove(&pid) else {
            return;
        };
        for group in &member.groups {
            self.table_remove(group, &[pid], true);
        }
        self.broadcast(&protocol::leave(self.me, &[pid], &member.groups));
        for group in member.groups {
            self.notify(GroupEvent::Leave {
                group,
                pids: vec![pid],
            });
        }
    }

    /// This node's members, group by group, oldest group first: a sync's content.
    fn local_groups(&self) -> Vec<(G, Vec<Pid>)> {
        self.table.snapshot(true)
    }

    // ---- peers ----

    fn peer_msg(&mut self, ctx: &ProcessCtx<ScopeMsg<G>>, msg: PeerMsg) {
        match msg {
            PeerMsg::Discover(peer) => {
                let _ = crate::dist::send(peer, &protocol::sync(self.me, &self.local_groups()));
                if !self.peers.iter().any(|p| p.pid == peer) {
                    self.add_peer(ctx, peer);
                    let _ = crate::dist::send(peer, &protocol::discover(self.me));
                }
            }
            PeerMsg::Sync(peer, groups) => {
                if !self.peers.iter().any(|p| p.pid == peer) {
                    self.add_peer(ctx, peer);
                }
                self.sync(peer, groups);
            }
            PeerMsg::Join(peer, group, pids) => {
                // From a peer we do not know (it went down meanwhile): ignored, as pg.erl does.
                let Some(i) = self.peers.iter().position(|p| p.pid == peer) else {
                    return;
                };
                let Some(group) = self.group_of(group) else {
                    return;
                };
                if pids.is_empty() {
                    return;
                }
                self.next_seq += 1;
                let seq = self.next_seq;
                let entry = self.peers[i]
                    .groups
                    .entry(group.clone())
                    .or_insert((seq, Vec::new()));
                entry.1.extend_from_slice(&pids);
                self.table_add(&group, &pids, false);
                self.notify(GroupEvent::Join { group, pids });
            }
            PeerMsg::Leave(peer, pids, groups) => {
                let Some(i) = self.peers.iter().position(|p| p.pid == peer) else {
                    return;
                };
                for group in groups {
                    let Some(group) = self.group_of(group) else {
                        continue;
                    };
                    let Some((_, members)) = self.peers[i].groups.get_mut(&group) else {
                        continue;
                    };
                    let left: Vec<Pid> = pids
                        .iter()
                        .copied()
                        .filter(|p| remove_last(members, *p))
                        .collect();
                    if members.is_empty() {
                        self.peers[i].groups.remove(&group);
                    }
                    if !left.is_empty() {
                        self.table_remove(&group, &left, false);
                        self.notify(GroupEvent::Leave { group, pids: left });
                    }
                }
            }
        }
    }

    /// A group as this scope's type; a group of another type (a BEAM peer may use any term)
    /// is not this scope's business.
    fn group_of(&self, term: Term) -> Option<G> {
        match G::from_term(term) {
            Ok(g) => Some(g),
            Err(e) => {
                tracing::debug!(
                    scope = self.name.as_str(),
                    "pg: a peer's group of another type: {e}"
                );
                None
            }
        }
    }

    fn add_peer(&mut self, ctx: &ProcessCtx<ScopeMsg<G>>, pid: Pid) {
        self.peers.push(Peer {
            pid,
            monitor: ctx.monitor(pid),
            groups: HashMap::new(),
        });
    }

    /// A peer's whole state: replaces what we knew of it, telling the monitors what changed.
    fn sync(&mut self, peer: Pid, groups: Vec<(Term, Vec<Pid>)>) {
        let Some(i) = self.peers.iter().position(|p| p.pid == peer) else {
            return;
        };
        let mut old = std::mem::take(&mut self.peers[i].groups);
        let mut new: HashMap<G, (u64, Vec<Pid>)> = HashMap::new();
        for (group, pids) in groups {
            let Some(group) = self.group_of(group) else {
                continue;
            };
            let before = old.remove(&group).map(|(_, p)| p).unwrap_or_default();
            // What left (in the old order) and what joined (in the new one), as multisets.
            let mut joined = pids.clone();
            let left: Vec<Pid> = before
                .iter()
                .copied()
                .filter(|p| !remove_first(&mut joined, *p))
                .collect();
            if !left.is_empty() {
                self.table_remove(&group, &left, false);
                self.notify(GroupEvent::Leave {
                    group: group.clone(),
                    pids: left,
                });
            }
            if !joined.is_empty() {
                self.table_add(&group, &joined, false);
                self.notify(GroupEvent::Join {
                    group: group.clone(),
                    pids: joined,
                });
            }
            self.next_seq += 1;
            let entry = new.entry(group).or_insert((self.next_seq, Vec::new()));
            entry.1.extend(pids);
        }
        self.peers[i].groups = new;
        // Groups the peer no longer has.
        self.forget(old);
    }

    /// The peer scope died or its node went down: its members leave.
    fn peer_down(&mut self, pid: Pid, monitor: MonitorRef) {
        let Some(i) = self
            .peers
            .iter()
            .position(|p| p.pid == pid && p.monitor == monitor)
        else {
            return;
        };
        let peer = self.peers.remove(i);
        self.forget(peer.groups);
    }

    /// Every member of `groups` leaves, oldest group first.
    fn forget(&mut self, groups: HashMap<G, (u64, Vec<Pid>)>) {
        let mut groups: Vec<(G, (u64, Vec<Pid>))> = groups.into_iter().collect();
        groups.sort_unstable_by_key(|(_, (seq, _))| *seq);
        for (group, (_, pids)) in groups {
            self.table_remove(&group, &pids, false);
            self.notify(GroupEvent::Leave { group, pids });
        }
    }
}

/// Removes the first occurrence of `pid` from `pids`; whether it was there.
fn remove_first(pids: &mut Vec<Pid>, pid: Pid) -> bool {
    match pids.iter().position(|p| *p == pid) {
        Some(i) => {
            pids.remove(i);
            true
        }
        None => false,
    }
}

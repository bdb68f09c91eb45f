//! What every process shares with the rest of the runtime: its pid, flags, links, monitors,
//! name and exit reason, and the sender half of its typed mailbox.
//!
//! Two paths reach a process:
//! - *messages* (user messages, and the signals that become messages: a trapped `EXIT`, a
//!   `DOWN`) go through the typed mailbox, in order, so that what a process sent before it
//!   died always arrives before its `DOWN` or `EXIT`, as in Erlang;
//! - *exit signals that kill* (an untrapped abnormal exit, `kill`) set a flag and wake the
//!   process, which dies at its next poll without reading its mailbox. They never wait behind
//!   a long mailbox, and cost one atomic load a poll while nothing is pending.
//!
//! Link, monitor and name bookkeeping is done synchronously under the target's lock, so a
//! link or monitor to a process that is dying is either seen by its death or answered `noproc`.

use std::any::Any;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::oneshot;

use super::mailbox::{Inbox, Mailbox};
use super::sets::{ById, Links};
use super::task::TaskSet;
use super::waker::ProcessWaker;
use crate::node::Node;
use crate::registry::Name;
use crate::{ExitReason, MonitorRef, Pid};

/// The untyped view of a process, as the table and the registry hold it.
pub(crate) trait Entry: Send + Sync + 'static {
    fn shared(&self) -> &Shared;
    /// Puts a signal that became a message (a trapped `EXIT`, a `DOWN`) in the mailbox.
    fn deliver(&self, msg: SystemMsg);
    /// The exit signal of linked process `from`, which died of `reason`: removes the link
    /// and acts on the signal in one critical section, so that a signal and an `unlink` by
    /// this process are ordered one way or the other. A link already removed (unlinked)
    /// carries nothing.
    fn link_exit(&self, from: Pid, reason: &ExitReason);
    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
}

/// A signal that arrives as a message.
#[derive(Debug)]
pub(crate) enum SystemMsg {
    Exit {
        from: Pid,
        reason: ExitReason,
    },
    Down {
        monitor: MonitorRef,
        pid: Pid,
        reason: ExitReason,
    },
}

/// What a mailbox holds. The rare variants are boxed or tiny so that the mailbox's slots, and
/// so an idle process's memory, stay the size of the user's message.
pub(crate) enum Envelope<M> {
    Msg(M),
    System(Box<SystemMsg>),
    /// A timer fired; its message waits in the owner's timer table until then, so a timer
    /// cancelled after firing is dropped on receipt.
    Timer(u64),
}

/// `repr(C)`, senders' field first: senders lock the mailbox on every message; the process's
/// polls read its flags and waker after it without writing them (see `ProcessWaker`); the
/// receiver's half of the mailbox, which the process writes at every message it reads, comes
/// last, on another cache line than what senders write.
#[repr(C)]
pub(crate) struct Core<M> {
    pub(crate) mailbox: Mailbox<Envelope<M>>,
    pub(crate) shared: Shared,
    /// Only the process's context reads it (see `Inbox`).
    pub(crate) inbox: Inbox<Envelope<M>>,
}

impl<M: Send + 'static> Entry for Core<M> {
    fn shared(&self) -> &Shared {
        &self.shared
    }
    fn deliver(&self, msg: SystemMsg) {
        // A closed mailbox means the process is dead: the message is dropped, as in Erlang.
        let _ = self.mailbox.send(Envelope::System(Box::new(msg)));
    }
    fn link_exit(&self, from: Pid, reason: &ExitReason) {
        let sh = &self.shared;
        let mut st = sh.state();
        // Same node: a link is never made across nodes.
        let linked = st
            .extras
            .as_mut()
            .is_some_and(|x| x.links.remove(from.number()));
        if !linked {
            return;
        }
        // Erlang's rules (otp-semantics A1) for a signal through a link, which never comes
        // from the receiver itself: trapped, it is a message; `normal` is dropped; any
        // other reason kills.
        if sh.is_trapping() {
            // Under the lock: an `unlink` that returns after this finds the message queued
            // already, as OTP allows ("placed in the queue before the call").
            let exit = SystemMsg::Exit {
                from,
                reason: reason.clone(),
            };
            let _ = self.mailbox.send(Envelope::System(Box::new(exit)));
        } else if !reason.is_normal() && sh.arm_exit(&mut st, reason.clone(), Some(from)) {
            drop(st);
            sh.waker.wake();
        }
    }
    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}

const TRAP_EXIT: u64 = 1;
const EXIT_PENDING: u64 = 2;
const EXITED: u64 = 4;
/// A starter waits for this process's `init` (see `Extras::starter`): one bit, so that
/// `init`'s end clears the marks only when there are some, without taking the lock.
const STARTING: u64 = 8;
/// The process owns tasks: its watchers hold its `TaskSet`, under [`TASKS`].
const HAS_TASKS: u64 = 16;
/// The process owns, or has owned, something released at its death (`Watcher::Owned`).
const HAS_OWNED: u64 = 32;
/// A `sys` request waits in the node's side queue for this process (see `crate::sys`).
const SYS_PENDING: u64 = 64;
/// Suspended with `sys::suspend`: it serves only `sys` requests.
const SUSPENDED: u64 = 128;
/// `sys` trace or statistics are on (a behaviour's loop keeps it): tested with the two bits
/// above in the one load a behaviour's receive loop makes per poll.
const SYS_TRACED: u64 = 1 << 11;
/// Its behaviour (`crate::sys::Behaviour`), in three bits from here; 0 for a plain process.
const BEHAVIOUR_SHIFT: u32 = 8;
const BEHAVIOUR_MASK: u64 = 0b111 << BEHAVIOUR_SHIFT;
/// Ending: the process has crashed or decided to stop, and is on its way to its death. A
/// call's reply sender dropped from now on is dropped by its end, not by choice (see
/// [`Shared::is_ending`]).
const ENDING: u64 = 1 << 12;
/// Its exit signals have gone out (set under the state lock). Between [`EXITED`] and this, a
/// new monitor or waiter is still accepted and told with the others, after the links:
/// whoever learns of a death can count on the linked processes (a supervisor) having its
/// exit signal already.
const SIGNALLED: u64 = 1 << 13;
/// The flags' bits at the bottom of `Shared::flags`, under the pid number.
const FLAG_BITS: u32 = 14;

/// The watcher id of a process's tasks (`Watcher::Tasks`): monitor ids start at 1.
const TASKS: u64 = 0;

/// `repr(C)`: what a poll reads (the flags, the waker) comes first, right after the core's
/// `tx`, which a sender reads: the three share a cache line more often than not, and a send
/// to a process that is polled next brings in what its poll needs.
#[repr(C)]
pub(crate) struct Shared {
    /// Its pid's number (the node is the other half) in the high 50 bits, its flags in the
    /// low 14: a pid's 16 bytes and flags of their own (or the state's `bool`s) would widen
    /// every process's `Arc<Core>`. The number never changes. [`EXITED`] is set under the
    /// state lock, when the process dies (what a `dead` flag in the state would say).
    flags: AtomicU64,
    pub(crate) waker: ProcessWaker,
    /// The node the process belongs to: its table, names and numbering.
    node: Node,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// While alive: the pending exit signal that will kill the process, if any.
    /// Once dead: the reason it died with.
    exit: Option<ExitReason>,
    /// Allocated at the first link, monitor or name: an idle process pays one pointer. (Its
    /// flags, dead, ending and signalled, are bits of `Shared::flags`: three `bool`s here
    /// took 8 bytes of every process.)
    extras: Option<Box<Extras>>,
}

#[derive(Default)]
struct Extras {
    /// The linked processes, by pid number (links are within a node).
    links: Links,
    /// Who watches this process.
    monitors: ById<Watcher>,
    /// The monitors this process holds on others, by id, with their targets: removed from
    /// their targets when it dies, so a long-lived process watched by short-lived ones does
    /// not grow.
    owned: ById<Pid>,
    name: Option<Name>,
    /// The linked process waiting for this one to start (a gen_server's starter, until init
    /// answers): it learns of a death during init from its start call, so no exit signal
    /// goes to it (OTP 26 flushes that `EXIT`). A pid number: a starter is of this node.
    starter: Option<NonZeroU64>,
    /// The monitor of the process waiting for this one to start with `start_monitor`, until
    /// init answers: no `DOWN` goes to it for a death during init (OTP 26 flushes that
    /// `DOWN`). With `starter`, 16 bytes, as the one pid it took before: a linked process
    /// pays for its `Extras` in every supervised child.
    starter_monitor: Option<NonZeroU64>,
    /// The linked process a pending exit signal came through, if it came through a link:
    /// `unlink` cancels it, since once unlink returns the link has no effect (OTP). (A
    /// number: links are between processes of one node.) Here rather than beside the exit
    /// reason: a signal through a link finds the link here, and every process's `Core` is
    /// 8 bytes smaller.
    exit_via_link: Option<NonZeroU64>,
}

/// Who is told when a process dies.
pub(crate) enum Watcher {
    /// A process, by a `DOWN` message.
    Process(Pid),
    /// Any task (a caller, `stop`, a test), by a oneshot.
    Waiter(oneshot::Sender<ExitReason>),
    /// A caller's task, woken to read the reason itself (a call's slow path:
    /// [`ExitWatch`](super::ExitWatch), which allocates nothing).
    Wake(std::task::Waker),
    /// The tasks the process owns, aborted when it dies (always under id [`TASKS`]).
    Tasks(Arc<TaskSet>),
    /// Something the process owns (a table), released when it dies, before its links and
    /// monitors are told (see [`Owned`]).
    Owned(Arc<dyn Owned>),
}

/// Something a process owns that must be released when it dies: an [ETS table](crate::ets),
/// deleted or handed to its heir. Kept with the process's watchers under a fresh reference
/// number, so a process that owns nothing pays nothing, and its death pays one flag test.
pub(crate) trait Owned: Send + Sync + 'static {
    /// The owner `owner` died of `reason`. Runs once, on the dying process's task, after its
    /// name is freed and before its links and monitors are told, as Erlang deletes (or hands
    /// over) a dead process's tables before its exit signals go out: whoever restarts it
    /// finds the table's name free, or the table with its heir.
    fn owner_exited(self: Arc<Self>, owner: Pid, reason: &ExitReason);
}

/// What a dead process leaves to be signalled.
pub(crate) struct Tombstone {
    links: Links,
    monitors: ById<Watcher>,
    owned: ById<Pid>,
    name: Option<Name>,
    starter: Option<NonZeroU64>,
    starter_monitor: Option<NonZeroU64>,
}

impl Tombstone {
    /// The dead process's tasks, if it had some: its death waits for them.
    pub(crate) fn take_tasks(&mut self, sh: &Shared) -> Option<Arc<TaskSet>> {
        if sh.flags.load(Ordering::Acquire) & HAS_TASKS == 0 {
            return None;
        }
        match self.monitors.take(TASKS) {
            Some(Watcher::Tasks(set)) => Some(set),
            _ => None,
        }
    }
}

impl Shared {
    pub(crate) fn new(pid: Pid, node: Node) -> Shared {
        debug_assert_eq!(pid.node(), node.id());
        debug_assert!(
            pid.id() < 1 << (64 - FLAG_BITS),
            "a node numbers 2^50 processes"
        );
        Shared {
            flags: AtomicU64::new(pid.number().get() << FLAG_BITS),
            node,
            waker: ProcessWaker::new(),
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Nothing panics while holding this lock; poisoning cannot leave it half-updated.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    #[inline]
    pub(crate) fn pid(&self) -> Pid {
        let number = self.flags.load(Ordering::Relaxed) >> FLAG_BITS;
        // Never zero: it was a pid's number.
        let number = NonZeroU64::new(number).unwrap_or(NonZeroU64::MAX);
        Pid::from_number(self.node.0.id(), number)
    }

    #[inline]
    pub(crate) fn node(&self) -> &Node {
        &self.node
    }

    /// A fresh reference number of the process's node.
    #[inline]
    pub(crate) fn next_ref(&self) -> u64 {
        self.node.0.next_ref()
    }

    /// The live process `pid` of this process's node; `None` for a dead one or one of
    /// another node.
    pub(crate) fn lookup(&self, pid: Pid) -> Option<Arc<dyn Entry>> {
        self.node.entry(pid).ok().flatten()
    }

    #[inline]
    pub(crate) fn is_exited(&self) -> bool {
        self.flags.load(Ordering::Acquire) & EXITED != 0
    }

    pub(crate) fn is_trapping(&self) -> bool {
        self.flags.load(Ordering::Acquire) & TRAP_EXIT != 0
    }

    pub(crate) fn set_trapping(&self, on: bool) -> bool {
        let old = if on {
            self.flags.fetch_or(TRAP_EXIT, Ordering::AcqRel)
        } else {
            self.flags.fetch_and(!TRAP_EXIT, Ordering::AcqRel)
        };
        old & TRAP_EXIT != 0
    }

    /// Arms an exit signal that kills: the first one wins, and the process dies at its next
    /// poll, whatever it is awaiting. `via_link` names the linked sender, if the signal came
    /// through a link.
    pub(crate) fn kill(&self, reason: ExitReason, via_link: Option<Pid>) {
        let armed = self.arm_exit(&mut self.state(), reason, via_link);
        if armed {
            self.waker.wake();
        }
    }

    /// Arms a killing exit signal under the state lock; false if one is armed already or
    /// the process is dead. The caller wakes the process once the lock is released.
    fn arm_exit(&self, st: &mut State, reason: ExitReason, via_link: Option<Pid>) -> bool {
        if self.is_exited() || st.exit.is_some() {
            return false;
        }
        st.exit = Some(reason);
        match via_link {
            Some(from) => {
                st.extras.get_or_insert_with(Default::default).exit_via_link = Some(from.number())
            }
            None => {
                if let Some(x) = st.extras.as_mut() {
                    x.exit_via_link = None;
                }
            }
        }
        self.flags.fetch_or(EXIT_PENDING, Ordering::AcqRel);
        true
    }

    /// Marks a `sys` request pending and wakes the process: it serves it at its next
    /// receive, ahead of its mailbox.
    pub(crate) fn sys_signal(&self) {
        self.flags.fetch_or(SYS_PENDING, Ordering::AcqRel);
        self.waker.wake();
    }

    /// Whether a `sys` request is pending or the process is suspended: one atomic load, on
    /// every receive of a behaviour's loop.
    #[inline]
    pub(crate) fn sys_attention(&self) -> bool {
        self.flags.load(Ordering::Acquire) & (SYS_PENDING | SUSPENDED) != 0
    }

    /// Whether a `sys` request is pending, the process is suspended, or its `sys` trace or
    /// statistics are on: the one atomic load a behaviour's receive loop makes per poll.
    #[inline]
    pub(crate) fn sys_any(&self) -> bool {
        self.flags.load(Ordering::Acquire) & (SYS_PENDING | SUSPENDED | SYS_TRACED) != 0
    }

    /// Records whether the process's `sys` trace or statistics are on (see [`Self::sys_any`]).
    pub(crate) fn set_sys_traced(&self, on: bool) {
        if on {
            self.flags.fetch_or(SYS_TRACED, Ordering::AcqRel);
        } else {
            self.flags.fetch_and(!SYS_TRACED, Ordering::AcqRel);
        }
    }

    /// Whether a `sys` request is pending.
    pub(crate) fn sys_pending(&self) -> bool {
        self.flags.load(Ordering::Acquire) & SYS_PENDING != 0
    }

    /// Clears the pending mark; true if it was set (the queue is read after this, so a
    /// request queued meanwhile sets it again).
    pub(crate) fn take_sys(&self) -> bool {
        self.flags.fetch_and(!SYS_PENDING, Ordering::AcqRel) & SYS_PENDING != 0
    }

    pub(crate) fn set_suspended(&self, on: bool) {
        if on {
            self.flags.fetch_or(SUSPENDED, Ordering::AcqRel);
        } else {
            self.flags.fetch_and(!SUSPENDED, Ordering::AcqRel);
        }
    }

    pub(crate) fn is_suspended(&self) -> bool {
        self.flags.load(Ordering::Acquire) & SUSPENDED != 0
    }

    /// Records the process's behaviour (`crate::sys::Behaviour` as a number, below 8).
    pub(crate) fn set_behaviour(&self, b: u8) {
        let bits = (u64::from(b) << BEHAVIOUR_SHIFT) & BEHAVIOUR_MASK;
        self.flags.fetch_or(bits, Ordering::AcqRel);
    }

    pub(crate) fn behaviour(&self) -> u8 {
        ((self.flags.load(Ordering::Acquire) & BEHAVIOUR_MASK) >> BEHAVIOUR_SHIFT) as u8
    }

    /// Removes the link to `other`, and cancels an exit signal that came through it and has
    /// not taken effect yet.
    pub(crate) fn unlink(&self, other: Pid) {
        let mut st = self.state();
        let here = other.node() == self.node.id();
        if self.is_exited() || !here {
            return;
        }
        let Some(x) = st.extras.as_mut() else {
            return;
        };
        x.links.remove(other.number());
        if x.exit_via_link == Some(other.number()) {
            x.exit_via_link = None;
            st.exit = None;
            self.flags.fetch_and(!EXIT_PENDING, Ordering::AcqRel);
        }
    }

    /// The exit signal that must kill this process now, if one arrived. One atomic load when
    /// none did: this runs on every poll.
    #[inline]
    pub(crate) fn pending_exit(&self) -> Option<ExitReason> {
        if self.flags.load(Ordering::Acquire) & EXIT_PENDING == 0 {
            return None;
        }
        self.armed_exit()
    }

    /// The armed exit signal's reason (out of line: the load above stays in the poll).
    #[cold]
    #[inline(never)]
    fn armed_exit(&self) -> Option<ExitReason> {
        self.state().exit.clone()
    }

    /// Marks the process as ending (crashed, or stopping): callers whose reply sender it
    /// drops from now on wait for its exit reason rather than hear that it dropped their
    /// call. Set before anything that might hold a reply sender is dropped: the handler's
    /// future after a panic, `terminate`, a stop without a reply.
    #[cold]
    pub(crate) fn set_ending(&self) {
        self.flags.fetch_or(ENDING, Ordering::AcqRel);
    }

    /// Whether the process is ending or dead (or an exit signal is about to kill it): a
    /// caller whose reply sender closed asks this to tell a server that let its call go
    /// (`CallError::ReplyDropped`) from one that is dying (`CallError::Exited`). The
    /// dropping side sets the mark before it drops, so the caller, woken by the drop, sees it.
    pub(crate) fn is_ending(&self) -> bool {
        self.flags.load(Ordering::Acquire) & (EXITED | EXIT_PENDING | ENDING) != 0
    }

    /// The reason the process died with, once it has.
    pub(crate) fn exit_reason(&self) -> Option<ExitReason> {
        if !self.is_exited() {
            return None;
        }
        self.state().exit.clone()
    }

    /// The reason the process died with, once its death has been signalled (its links
    /// told): what a waiter added now would be told at once.
    pub(crate) fn signalled_exit(&self) -> Option<ExitReason> {
        let st = self.state();
        if self.flags.load(Ordering::Acquire) & SIGNALLED != 0 {
            st.exit.clone()
        } else {
            None
        }
    }

    /// Records a link to `other`. False if this process is dead.
    pub(crate) fn add_link(&self, other: Pid) -> bool {
        let mut st = self.state();
        if self.is_exited() {
            return false;
        }
        debug_assert_eq!(other.node(), self.node.id(), "links are within a node");
        let links = &mut st.extras.get_or_insert_with(Default::default).links;
        links.insert(other.number());
        true
    }

    /// Removes a link to `other`; true if there was one.
    pub(crate) fn remove_link(&self, other: Pid) -> bool {
        let mut st = self.state();
        match st.extras.as_mut() {
            Some(x) => other.node() == self.node.id() && x.links.remove(other.number()),
            None => false,
        }
    }

    /// A snapshot for [`process_info`](crate::process_info); `None` once dead.
    pub(crate) fn info(&self) -> Option<crate::ProcessInfo> {
        let st = self.state();
        if self.is_exited() {
            return None;
        }
        let x = st.extras.as_deref();
        let tasks = x.and_then(|x| match x.monitors.get(TASKS) {
            Some(Watcher::Tasks(set)) => Some(set),
            _ => None,
        });
        Some(crate::ProcessInfo {
            name: x.and_then(|x| x.name.clone()),
            links: x.map(|x| self.pids(&x.links)).unwrap_or_default(),
            monitors: x
                .map(|x| {
                    x.owned
                        .sorted()
                        .into_iter()
                        .map(|(id, target)| MonitorRef::new(id, target))
                        .collect()
                })
                .unwrap_or_default(),
            monitored_by: x.map_or(0, |x| {
                x.monitors.len() - usize::from(tasks.is_some()) - self.owned_count(&x.monitors)
            }),
            trap_exit: self.is_trapping(),
            tasks: tasks.map_or(0, |t| t.len()),
        })
    }

    /// The set of the tasks this process owns, made at its first task; `None` once it is
    /// dead (a task spawned then never runs).
    pub(crate) fn task_set(&self) -> Option<Arc<TaskSet>> {
        let mut st = self.state();
        if self.is_exited() {
            return None;
        }
        let x = st.extras.get_or_insert_with(Default::default);
        if let Some(Watcher::Tasks(set)) = x.monitors.get(TASKS) {
            return Some(set.clone());
        }
        let set = Arc::new(TaskSet::new());
        x.monitors.insert(TASKS, Watcher::Tasks(set.clone()));
        self.flags.fetch_or(HAS_TASKS, Ordering::AcqRel);
        Some(set)
    }

    /// How many of `monitors` are things the process owns (not watchers).
    fn owned_count(&self, monitors: &ById<Watcher>) -> usize {
        if self.flags.load(Ordering::Acquire) & HAS_OWNED == 0 {
            return 0;
        }
        monitors.count(|w| matches!(w, Watcher::Owned(_)))
    }

    /// Gives the process `owned`, released at its death under id `id` (a fresh reference
    /// number). Refused once the process is dead: the caller releases it itself.
    pub(crate) fn add_owned_resource(
        &self,
        id: u64,
        owned: Arc<dyn Owned>,
    ) -> Result<(), Arc<dyn Owned>> {
        let mut st = self.state();
        if self.is_exited() {
            return Err(owned);
        }
        self.flags.fetch_or(HAS_OWNED, Ordering::AcqRel);
        st.extras
            .get_or_insert_with(Default::default)
            .monitors
            .insert(id, Watcher::Owned(owned));
        Ok(())
    }

    /// Takes back what was given with `add_owned_resource` under `id` (a table deleted or
    /// given away); false if the process no longer holds it (it died meanwhile).
    pub(crate) fn remove_owned_resource(&self, id: u64) -> bool {
        self.remove_monitor(id)
    }

    /// The set of its tasks, if it has had some and is alive.
    pub(crate) fn existing_tasks(&self) -> Option<Arc<TaskSet>> {
        if self.flags.load(Ordering::Acquire) & HAS_TASKS == 0 {
            return None;
        }
        match self.state().extras.as_ref()?.monitors.get(TASKS) {
            Some(Watcher::Tasks(set)) => Some(set.clone()),
            _ => None,
        }
    }

    /// Whether no link of this process leads to an older process: the top of its tree, for
    /// a node's stop.
    pub(crate) fn is_root(&self) -> bool {
        let number = self.pid().number();
        self.state()
            .extras
            .as_ref()
            .is_none_or(|x| x.links.all(|p| p > number))
    }

    /// Whether this process is linked to the process numbered `other` on its node.
    #[cfg(feature = "sim")]
    pub(crate) fn is_linked_to(&self, other: NonZeroU64) -> bool {
        self.state()
            .extras
            .as_ref()
            .is_some_and(|x| !x.links.all(|p| p != other))
    }

    /// Its registered name, if it has one.
    pub(crate) fn name(&self) -> Option<Name> {
        self.state().extras.as_ref().and_then(|x| x.name.clone())
    }

    pub(crate) fn has_link(&self, other: Pid) -> bool {
        self.state()
            .extras
            .as_ref()
            .is_some_and(|x| other.node() == self.node.id() && x.links.contains(other.number()))
    }

    /// The linked processes, oldest first.
    pub(crate) fn links(&self) -> Vec<Pid> {
        let st = self.state();
        st.extras
            .as_ref()
            .map(|x| self.pids(&x.links))
            .unwrap_or_default()
    }

    /// The pids of `links`, oldest first.
    fn pids(&self, links: &Links) -> Vec<Pid> {
        let node = self.node.id();
        links
            .sorted()
            .into_iter()
            .map(|n| Pid::from_number(node, n))
            .collect()
    }

    /// Adds a watcher; if the process is already dead, gives it back with no reason recorded
    /// (the pid is gone: the caller reports `noproc`).
    /// Marks the linked process waiting for this one to start (see `Extras::starter`).
    pub(crate) fn set_starter(&self, starter: Pid) {
        let mut st = self.state();
        if !self.is_exited() {
            st.extras.get_or_insert_with(Default::default).starter = Some(starter.number());
            self.flags.fetch_or(STARTING, Ordering::AcqRel);
        }
    }

    /// Marks monitor `id` as the one of the process waiting for this one to start with
    /// `start_monitor` (see `Extras::starter_monitor`).
    pub(crate) fn set_starter_monitor(&self, id: u64) {
        let mut st = self.state();
        if !self.is_exited() {
            st.extras
                .get_or_insert_with(Default::default)
                .starter_monitor = NonZeroU64::new(id);
            self.flags.fetch_or(STARTING, Ordering::AcqRel);
        }
    }

    /// Clears the starter's marks: from now on its link and monitor see this process's
    /// death as any other's. One atomic load when there are none.
    pub(crate) fn clear_starter(&self) {
        if self.flags.load(Ordering::Acquire) & STARTING == 0 {
            return;
        }
        let mut st = self.state();
        if let Some(x) = st.extras.as_mut() {
            x.starter = None;
            x.starter_monitor = None;
        }
        self.flags.fetch_and(!STARTING, Ordering::AcqRel);
    }

    pub(crate) fn add_monitor(&self, id: u64, w: Watcher) -> Result<(), Watcher> {
        let mut st = self.state();
        if self.flags.load(Ordering::Acquire) & SIGNALLED != 0 {
            return Err(w);
        }
        st.extras
            .get_or_insert_with(Default::default)
            .monitors
            .insert(id, w);
        Ok(())
    }

    /// Records a monitor this process holds on `target`.
    pub(crate) fn add_owned(&self, id: u64, target: Pid) {
        let mut st = self.state();
        if !self.is_exited() {
            st.extras
                .get_or_insert_with(Default::default)
                .owned
                .insert(id, target);
        }
    }

    /// Forgets a monitor this process held; true if it held it.
    pub(crate) fn remove_owned(&self, id: u64) -> bool {
        let mut st = self.state();
        st.extras.as_mut().is_some_and(|x| x.owned.remove(id))
    }

    /// Removes a monitor; true if it was still active.
    pub(crate) fn remove_monitor(&self, id: u64) -> bool {
        let mut st = self.state();
        st.extras.as_mut().is_some_and(|x| x.monitors.remove(id))
    }

    pub(crate) fn set_name(&self, name: Name) -> Result<(), NameRefused> {
        let mut st = self.state();
        if self.is_exited() {
            return Err(NameRefused::Dead);
        }
        let x = st.extras.get_or_insert_with(Default::default);
        if let Some(old) = &x.name {
            return Err(NameRefused::HasName(old.clone()));
        }
        x.name = Some(name);
        Ok(())
    }

    pub(crate) fn clear_name(&self) {
        if let Some(x) = self.state().extras.as_mut() {
            x.name = None;
        }
    }

    /// Marks the process dead with `reason`; from here on it refuses links, monitors and names.
    fn finish(&self, reason: ExitReason) -> Tombstone {
        self.finish_locked(self.state(), reason)
    }

    fn finish_locked(&self, mut st: MutexGuard<'_, State>, reason: ExitReason) -> Tombstone {
        st.exit = Some(reason);
        self.flags.fetch_or(EXITED, Ordering::AcqRel);
        let x = st.extras.take().map(|b| *b).unwrap_or_default();
        Tombstone {
            links: x.links,
            monitors: x.monitors,
            owned: x.owned,
            name: x.name,
            starter: x.starter,
            starter_monitor: x.starter_monitor,
        }
    }
}

pub(crate) enum NameRefused {
    Dead,
    HasName(Name),
}

/// The first half of a death: the reason is recorded (so callers whose reply was dropped can
/// read it) and the process refuses new links and monitors. Then the process's own state is
/// dropped, and [`signal_death`] tells the world.
///
/// The name is freed before the process shows as dead, so whoever sees it dead (a caller, a
/// `wait_exit`, a supervisor) can register the name again at once.
pub(crate) fn mark_dead(entry: &dyn Entry, reason: ExitReason) -> Tombstone {
    let sh = entry.shared();
    let mut st = sh.state();
    let Some(name) = st.extras.as_mut().and_then(|x| x.name.take()) else {
        // No name to free first (most processes): one lock for both halves.
        return sh.finish_locked(st, reason);
    };
    drop(st);
    sh.node.0.names.remove_if(name.as_str(), sh.pid());
    // A name registered in between is in the tombstone and freed by `signal_death`.
    sh.finish(reason)
}

/// The second half of a death: frees the name, sends exit signals along links, leaves the
/// table, then sends `DOWN`s to monitors and tells waiters, in that order: a restarted
/// child can always register its name again (OTP), and whoever learns of the death can
/// count on the linked processes (a supervisor) having its exit signal already.
pub(crate) fn signal_death(sh: &Shared, reason: &ExitReason, t: Tombstone) {
    let Tombstone {
        links,
        mut monitors,
        owned,
        name,
        starter,
        starter_monitor,
    } = t;
    let pid = sh.pid();
    if let Some(name) = name {
        sh.node.0.names.remove_if(name.as_str(), pid);
    }
    // What it owned (tables) goes before anyone is told: one flag test for a process that
    // never owned anything.
    if sh.flags.load(Ordering::Acquire) & HAS_OWNED != 0 {
        for (_, w) in monitors.take_all(|w| matches!(w, Watcher::Owned(_))) {
            if let Watcher::Owned(owned) = w {
                owned.owner_exited(pid, reason);
            }
        }
    }
    if let Some(starter) = starter {
        if let Some(e) = sh.lookup(Pid::from_number(sh.node.0.id(), starter)) {
            e.shared().remove_link(pid);
        }
    }
    // The starter of a `start_monitor` learns of a death during init from its start call:
    // its monitor is removed unfired, as OTP 26 flushes the `DOWN`.
    if let Some(id) = starter_monitor.map(NonZeroU64::get) {
        if let Some(Watcher::Process(owner)) = monitors.take(id) {
            if let Some(e) = sh.lookup(owner) {
                e.shared().remove_owned(id);
            }
        }
    }
    for (id, target) in owned.into_sorted() {
        if let Some(e) = sh.lookup(target) {
            e.shared().remove_monitor(id);
        }
    }
    // Oldest process first (by pid number: links are within a node), whatever order the
    // links were made and removed in: sorted here, once, so that a link and an unlink stay
    // constant-time, and the order is the same in every run.
    let node = sh.node.id();
    links.drain_sorted(|other| {
        if let Some(e) = sh.lookup(Pid::from_number(node, other)) {
            e.link_exit(pid, reason);
        }
    });
    // Only now does the pid stop resolving: until its links are signalled, a waiter that
    // looks it up is queued below rather than told `NoProc` early.
    sh.node.0.table.remove(pid);
    // Monitors and waiters added while the links were signalled are told too.
    let mut monitors = monitors.into_sorted();
    {
        let mut st = sh.state();
        sh.flags.fetch_or(SIGNALLED, Ordering::AcqRel);
        if let Some(x) = st.extras.take() {
            monitors.extend(x.monitors.into_sorted());
        }
    }
    // In the order the monitors (and waiters) were set: their ids grow.
    for (id, w) in monitors {
        match w {
            Watcher::Process(owner) => {
                if let Some(e) = sh.lookup(owner) {
                    e.deliver(SystemMsg::Down {
                        monitor: MonitorRef::new(id, pid),
                        pid,
                        reason: reason.clone(),
                    });
                }
            }
            Watcher::Waiter(tx) => {
                let _ = tx.send(reason.clone());
            }
            Watcher::Wake(waker) => waker.wake(),
            // Taken and aborted by the dying process already; not a watcher to tell.
            Watcher::Tasks(set) => set.close(),
            // Released above, before the links; none is added once the process is dead.
            Watcher::Owned(owned) => owned.owner_exited(pid, reason),
        }
    }
}

/// Delivers an exit signal `reason` from `from` to `to`, with Erlang's rules (otp-semantics A1).
pub(crate) fn exit_signal(from: Pid, to: &dyn Entry, reason: ExitReason, via_link: bool) {
    let sh = to.shared();
    let link = via_link.then_some(from);
    if !via_link && reason == ExitReason::Kill {
        // An explicit kill cannot be trapped.
        sh.kill(ExitReason::Killed, None);
    } else if sh.is_trapping() {
        to.deliver(SystemMsg::Exit { from, reason });
    } else if reason.is_normal() {
        // Dropped, unless a process sent `normal` to itself: exit(self(), normal) kills it.
        if from == sh.pid() {
            sh.kill(reason, None);
        }
    } else {
        sh.kill(reason, link);
    }
}

#[cfg(test)]
mod size_tests {
    use super::*;
    use std::mem::size_of;

    /// An idle process's memory has a budget (1.1× a raw tokio task and channel, issue 18);
    /// these guard the pieces every process pays for. Raise a bound only with a benchmark
    /// that shows the budget still holds (`cargo bench -p bench-peers -- spawn`).
    #[test]
    fn per_process_pieces_stay_small() {
        // A mailbox slot is as wide as the message: the envelope adds nothing to a u64.
        assert_eq!(size_of::<Envelope<u64>>(), 16);
        // The mailbox is in the core (96 bytes: the senders' queue, its lock and the
        // receiver's waker, and the receiver's half), where a tokio channel took 1,056 bytes
        // in two allocations. With the `Arc`'s counts, 192 bytes: a 208-byte chunk in glibc's
        // malloc. The state's flags are bits of `Shared::flags`, and the link a pending exit
        // came through is in `Extras`.
        assert!(size_of::<Mailbox<Envelope<u64>>>() + size_of::<Inbox<Envelope<u64>>>() <= 96);
        assert!(size_of::<Core<u64>>() <= 176, "{}", size_of::<Core<u64>>());
        assert_eq!(size_of::<Option<Pid>>(), 16);
        // Every linked process (every supervised child) has one: the starter marks of a
        // start (`starter`, `starter_monitor`) share the 16 bytes one starter pid took. The
        // link a pending exit came through (8 bytes) moved here from every `Core`.
        assert!(size_of::<Extras>() <= 112, "{}", size_of::<Extras>());
        assert!(size_of::<ExitReason>() <= 24);
    }
}

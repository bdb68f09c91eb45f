//! Who owns a table: its creator, then whoever it was given to or its heir; what happens at
//! the owner's death; giving a table away; deleting it.

use std::fmt;
use std::sync::Arc;

use super::kind::KindOf;
use super::store::Store;
use super::table::{Inner, Own, Table};
use super::TableError;
use crate::gen_server::{GenServer, ServerRef};
use crate::process::core::Owned;
use crate::process::current;
use crate::{ExitReason, Pid, ProcessRef};

/// Why a table changed hands.
///
/// # Examples
///
/// ```
/// use otp_runtime::ets::TransferCause;
/// use otp_runtime::ExitReason;
/// let c = TransferCause::OwnerExited(ExitReason::Killed);
/// assert_ne!(c, TransferCause::GiveAway);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferCause {
    /// Its owner died of this reason, and named the receiver its heir.
    OwnerExited(ExitReason),
    /// Its owner gave it away ([`Table::give_away`]).
    GiveAway,
}

/// The message a process receives with a table it now owns (Erlang's
/// `{'ETS-TRANSFER', Tab, FromPid, HeirData}`): from its heir's dead owner, or given away.
///
/// `T` is the table's type, `D` the data its giver attached (the heir's data, or
/// [`give_away`](Table::give_away)'s).
///
/// # Examples
///
/// See [the module](super).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Transfer<T, D = ()> {
    /// The table, owned by the receiver from now on.
    pub table: T,
    /// Its previous owner.
    pub from: Pid,
    /// The data the giver attached.
    pub data: D,
    /// Why it changed hands.
    pub cause: TransferCause,
}

/// A process that can receive a table: its pid, and how a [`Transfer`] becomes a message
/// of its mailbox. Made for a plain process ([`Recipient::process`]) or a gen_server
/// ([`Recipient::server`], as an info message).
///
/// # Examples
///
/// See [the module](super).
pub struct Recipient<T, D = ()> {
    pid: Pid,
    send: Arc<dyn Fn(Transfer<T, D>) + Send + Sync>,
}

impl<T, D> Clone for Recipient<T, D> {
    fn clone(&self) -> Self {
        Recipient {
            pid: self.pid,
            send: self.send.clone(),
        }
    }
}

impl<T, D> fmt::Debug for Recipient<T, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Recipient({})", self.pid)
    }
}

impl<T: Send + 'static, D: Send + 'static> Recipient<T, D> {
    /// The process `to`, which receives a transfer as the message `wrap` makes of it.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::ets::{Recipient, Table, Transfer};
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let p = otp_runtime::spawn(|mut ctx: ProcessCtx<Transfer<Table<u8, u8>>>| async move {
    ///     let _ = ctx.recv().await;
    ///     ExitReason::Normal
    /// });
    /// let to = Recipient::process(&p, |t| t);
    /// assert_eq!(to.pid(), p.pid());
    /// # }
    /// ```
    pub fn process<M: Send + 'static>(
        to: &ProcessRef<M>,
        wrap: impl Fn(Transfer<T, D>) -> M + Send + Sync + 'static,
    ) -> Self {
        let p = to.clone();
        Recipient {
            pid: to.pid(),
            send: Arc::new(move |t| {
                // A receiver dead meanwhile took the table with it (see `owner_exited`).
                let _ = p.send(wrap(t));
            }),
        }
    }

    /// The gen_server `to` (its process now, for a handle made with a name), which receives
    /// a transfer as the info message `wrap` makes of it: with `#[gen_server]`, the variant
    /// of an `#[info]` handler that takes a `Transfer`.
    ///
    /// # Errors
    ///
    /// [`TableError::NoProc`] if `to` is not a live local gen_server (a name nobody has).
    ///
    /// # Examples
    ///
    /// See [the module](super).
    pub fn server<S: GenServer>(
        to: &ServerRef<S>,
        wrap: impl Fn(Transfer<T, D>) -> S::Info + Send + Sync + 'static,
    ) -> Result<Self, TableError> {
        let pid = to.pid().ok_or(TableError::NoProc(None))?;
        let bound = ServerRef::<S>::from_pid_on(to.node(), pid)
            .ok()
            .filter(|s| s.pid() == Some(pid) && s.is_local())
            .ok_or(TableError::NoProc(Some(pid)))?;
        Ok(Recipient {
            pid,
            send: Arc::new(move |t| bound.send(wrap(t))),
        })
    }

    /// The receiving process.
    ///
    /// # Examples
    ///
    /// See [`Recipient::process`].
    pub fn pid(&self) -> Pid {
        self.pid
    }
}

/// A table's heir, with its data: a recipient the data is bound into.
pub(crate) struct HeirSlot<T> {
    pub(crate) pid: Pid,
    give: Arc<dyn Fn(T, Pid, TransferCause) + Send + Sync>,
}

impl<T> Clone for HeirSlot<T> {
    fn clone(&self) -> Self {
        HeirSlot {
            pid: self.pid,
            give: self.give.clone(),
        }
    }
}

impl<T: Send + 'static> HeirSlot<T> {
    pub(crate) fn new<D: Clone + Send + Sync + 'static>(to: &Recipient<T, D>, data: D) -> Self {
        let send = to.send.clone();
        HeirSlot {
            pid: to.pid,
            give: Arc::new(move |table, from, cause| {
                send(Transfer {
                    table,
                    from,
                    data: data.clone(),
                    cause,
                })
            }),
        }
    }
}

impl<K, V, T> Owned for Inner<K, V, T>
where
    K: Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    T: KindOf<K, V>,
{
    fn owner_exited(self: Arc<Self>, owner: Pid, reason: &ExitReason) {
        let mut own = self.own();
        if own.owner != Some(owner) {
            return; // given away or deleted meanwhile
        }
        // Erlang's rule: the heir inherits if it is alive and is not the dying owner.
        if let Some(heir) = own.heir.clone().filter(|h| h.pid != owner) {
            if self.clone().adopt(&mut own, heir.pid).is_ok() {
                drop(own);
                let table = Table { inner: self };
                (heir.give)(table, owner, TransferCause::OwnerExited(reason.clone()));
                return;
            }
        }
        self.delete_now(&mut own, false);
    }
}

impl<K, V, T> Inner<K, V, T>
where
    K: Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    T: KindOf<K, V>,
{
    /// Makes `to` (a live process of the table's node) the owner, under `own`: the table
    /// joins what it releases at its death. The previous owner's record is the caller's to
    /// remove.
    fn adopt(self: Arc<Self>, own: &mut Own<Table<K, V, T>>, to: Pid) -> Result<(), TableError> {
        let node = self.home().ok_or(TableError::NoProc(Some(to)))?;
        let entry = node
            .entry(to)
            .ok()
            .flatten()
            .ok_or(TableError::NoProc(Some(to)))?;
        let id = self.id;
        entry
            .shared()
            .add_owned_resource(id, self.clone())
            .map_err(|_| TableError::NoProc(Some(to)))?;
        self.set_owner(own, Some(to));
        Ok(())
    }

    /// Deletes the table, under `own`: no operation succeeds from now on, its name is free,
    /// its objects are dropped. `release` takes it off its live owner's records.
    pub(crate) fn delete_now(&self, own: &mut Own<Table<K, V, T>>, release: bool) {
        let Some(owner) = own.owner else { return };
        self.set_owner(own, None);
        own.heir = None;
        let node = self.home();
        if let Some(node) = &node {
            if release {
                if let Ok(Some(e)) = node.entry(owner) {
                    e.shared().remove_owned_resource(self.id);
                }
            }
            if let Some(name) = &self.name {
                node.0.tables.remove(name, self.id);
            }
        }
        // Operations that passed their check before the delete may still land on the
        // emptied store; they go with the last handle.
        T::store(&self.store).clear();
    }
}

impl<K, V, T> Table<K, V, T>
where
    K: Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    T: KindOf<K, V>,
{
    /// The calling process, if it owns the table; else why not.
    fn caller_owns(&self, own: &Own<Table<K, V, T>>) -> Result<Pid, TableError> {
        let owner = own.owner.ok_or(TableError::Deleted)?;
        let caller = current::pid();
        if caller != Some(owner) {
            return Err(TableError::NotOwner { caller, owner });
        }
        Ok(owner)
    }

    /// Gives the table to the process `to` (`ets:give_away/3`), which receives a
    /// [`Transfer`] with it and `data`. Only the owner gives its table away; the heir stays.
    ///
    /// # Errors
    ///
    /// [`TableError::NotOwner`] unless the caller owns the table; [`TableError::GiveToSelf`];
    /// [`TableError::NoProc`] if `to` is dead or of another node; [`TableError::Deleted`].
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::ets::{Recipient, Table, Transfer, TransferCause};
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// type Prices = Table<&'static str, u32>;
    /// let taker = otp_runtime::spawn(|mut ctx: ProcessCtx<Transfer<Prices, &'static str>>| async move {
    ///     let Message::Msg(t) = ctx.recv().await else { unreachable!() };
    ///     assert_eq!((t.data, t.cause), ("yours", TransferCause::GiveAway));
    ///     assert_eq!(t.table.owner(), Some(ctx.pid()));
    ///     t.table.insert("pear", 3).unwrap(); // the new owner writes
    ///     ExitReason::Normal
    /// });
    /// let to = Recipient::process(&taker, |t| t);
    /// let giver = otp_runtime::spawn(move |_: ProcessCtx<()>| async move {
    ///     let t: Prices = Table::new().unwrap();
    ///     t.give_away(&to, "yours").unwrap();
    ///     assert!(t.insert("fig", 1).is_err()); // no longer the owner
    ///     ExitReason::Normal
    /// });
    /// assert_eq!(giver.wait_exit().await, ExitReason::Normal);
    /// assert_eq!(taker.wait_exit().await, ExitReason::Normal);
    /// # }
    /// ```
    pub fn give_away<D>(&self, to: &Recipient<Table<K, V, T>, D>, data: D) -> Result<(), TableError>
    where
        D: Send + 'static,
    {
        let mut own = self.inner.own();
        let from = self.caller_owns(&own)?;
        if to.pid == from {
            return Err(TableError::GiveToSelf);
        }
        self.inner.clone().adopt(&mut own, to.pid)?;
        // The giver is running this: alive, so the record is there to remove.
        current::with(|e| e.shared().remove_owned_resource(self.inner.id)).ok();
        drop(own);
        (to.send)(Transfer {
            table: self.clone(),
            from,
            data,
            cause: TransferCause::GiveAway,
        });
        Ok(())
    }

    /// Names the process that inherits the table when its owner dies, with `data` in its
    /// [`Transfer`] (`ets:setopts(T, {heir, Pid, Data})`). The heir inherits only if it is
    /// alive then; once it has, it stays the heir (so a table passed back and forth between
    /// a worker and its heir survives every restart).
    ///
    /// # Errors
    ///
    /// [`TableError::NotOwner`] unless the caller owns the table; [`TableError::Deleted`].
    ///
    /// # Examples
    ///
    /// See [`Table::heir`].
    pub fn set_heir<D>(
        &self,
        heir: &Recipient<Table<K, V, T>, D>,
        data: D,
    ) -> Result<(), TableError>
    where
        D: Clone + Send + Sync + 'static,
    {
        let mut own = self.inner.own();
        self.caller_owns(&own)?;
        own.heir = Some(HeirSlot::new(heir, data));
        Ok(())
    }

    /// Leaves the table with no heir (`ets:setopts(T, {heir, none})`).
    ///
    /// # Errors
    ///
    /// As [`Table::set_heir`].
    ///
    /// # Examples
    ///
    /// See [`Table::heir`].
    pub fn clear_heir(&self) -> Result<(), TableError> {
        let mut own = self.inner.own();
        self.caller_owns(&own)?;
        own.heir = None;
        Ok(())
    }

    /// The heir now, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::ets::{Recipient, Table, Transfer};
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// type T = Table<u8, u8>;
    /// let heir = otp_runtime::spawn(|mut ctx: ProcessCtx<Transfer<T>>| async move {
    ///     ctx.recv().await;
    ///     ExitReason::Normal
    /// });
    /// let to = Recipient::process(&heir, |t| t);
    /// let owner = otp_runtime::spawn(move |_: ProcessCtx<()>| async move {
    ///     let t = T::options().private().heir(&to, ()).create().unwrap();
    ///     assert_eq!(t.heir(), Some(to.pid()));
    ///     t.clear_heir().unwrap();
    ///     assert_eq!(t.heir(), None);
    ///     ExitReason::Normal
    /// });
    /// assert_eq!(owner.wait_exit().await, ExitReason::Normal);
    /// # }
    /// ```
    pub fn heir(&self) -> Option<Pid> {
        self.inner.own().heir.as_ref().map(|h| h.pid)
    }

    /// Deletes the table (`ets:delete/1`): its owner, or anyone for a public table. Every
    /// handle sees [`TableError::Deleted`] from now on, its name is free, its objects are
    /// dropped. No heir inherits a deleted table.
    ///
    /// # Errors
    ///
    /// [`TableError::Deleted`] if it is already; [`TableError::Access`] for another than
    /// the owner of a table that is not public.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::ets::{Table, TableError};
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let p = otp_runtime::spawn(|_: ProcessCtx<()>| async {
    ///     let t: Table<u8, u8> = Table::options().named("t").create().unwrap();
    ///     t.delete_table().unwrap();
    ///     assert!(t.is_deleted());
    ///     assert_eq!(t.lookup(&1), Err(TableError::Deleted));
    ///     assert_eq!(t.delete_table(), Err(TableError::Deleted));
    ///     assert_eq!(Table::<u8, u8>::named("t"), Err(TableError::NoTable("t".into())));
    ///     ExitReason::Normal
    /// });
    /// assert_eq!(p.wait_exit().await, ExitReason::Normal);
    /// # }
    /// ```
    pub fn delete_table(&self) -> Result<(), TableError> {
        self.inner.check(true)?;
        let mut own = self.inner.own();
        if own.owner.is_none() {
            return Err(TableError::Deleted);
        }
        self.inner.delete_now(&mut own, true);
        Ok(())
    }
}

//! What can go wrong with a table: Erlang's `badarg`, told apart.

use std::fmt;

use crate::Pid;

/// Who may use a table (Erlang's `private`, `protected` and `public`).
///
/// # Examples
///
/// ```
/// use otp_runtime::ets::Access;
/// assert_eq!(Access::default(), Access::Protected);
/// assert_eq!(Access::Public.to_string(), "public");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Access {
    /// Only the owner reads and writes.
    Private,
    /// The owner writes; any process (and any code outside processes) reads. The default,
    /// as in Erlang.
    #[default]
    Protected,
    /// Anyone reads and writes.
    Public,
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Access::Private => "private",
            Access::Protected => "protected",
            Access::Public => "public",
        })
    }
}

/// Why a table operation was refused. The table is unchanged by a refused operation.
///
/// # Examples
///
/// ```
/// use otp_runtime::ets::{Access, Table, TableError};
/// use otp_runtime::prelude::*;
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// // Tables belong to processes: none is made outside one.
/// assert_eq!(Table::<u32, u32>::new().unwrap_err(), TableError::NotInProcess);
/// let (tx, rx) = tokio::sync::oneshot::channel();
/// let owner = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
///     let _ = tx.send(Table::<u32, u32>::new().unwrap()); // protected
///     ctx.recv().await;
///     ExitReason::Normal
/// });
/// let t = rx.await.unwrap();
/// assert_eq!(t.lookup(&1), Ok(None)); // anyone reads
/// let refused = t.insert(1, 1).unwrap_err(); // only the owner writes
/// assert_eq!(refused, TableError::Access {
///     access: Access::Protected,
///     write: true,
///     caller: None,
///     owner: owner.pid(),
/// });
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TableError {
    /// The table was deleted (by its owner, or with its owner's death).
    Deleted,
    /// The caller may not do this to a table of this access: a write to a protected table,
    /// or any use of a private one, by another than its owner. `caller` is `None` outside
    /// any process.
    Access {
        /// The table's access.
        access: Access,
        /// Whether the refused operation writes.
        write: bool,
        /// Who asked.
        caller: Option<Pid>,
        /// Who owns the table.
        owner: Pid,
    },
    /// Only the owner may do this (give the table away, name its heir); `caller` is `None`
    /// outside any process.
    NotOwner {
        /// Who asked.
        caller: Option<Pid>,
        /// Who owns the table.
        owner: Pid,
    },
    /// Tables are made by processes, which own them: this code runs in none.
    NotInProcess,
    /// The process to give the table to is not alive, or is not a process of the table's
    /// node (`None`: a named server nobody holds the name of).
    NoProc(Option<Pid>),
    /// The owner tried to give the table to itself.
    GiveToSelf,
    /// A table of this node has the name already.
    NameTaken(String),
    /// No table of the node has this name.
    NoTable(String),
    /// The table of this name has other key, value or kind types than asked for.
    WrongType {
        /// The name.
        name: String,
        /// The type asked for.
        expected: &'static str,
        /// The table's type.
        found: &'static str,
    },
    /// A table was used from inside a closure that a table operation runs (an `update`, a
    /// `select`): that closure holds a lock of its table, and waiting for a lock there could
    /// wait forever.
    Reentrant,
    /// `update_counter` would overflow the value's type; the value is unchanged.
    CounterOverflow,
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let who = |caller: &Option<Pid>| match caller {
            Some(p) => p.to_string(),
            None => "code outside any process".to_string(),
        };
        match self {
            TableError::Deleted => f.write_str("the table was deleted"),
            TableError::Access {
                access,
                write,
                caller,
                owner,
            } => write!(
                f,
                "{} may not {} the {access} table of {owner}",
                who(caller),
                if *write { "write" } else { "read" }
            ),
            TableError::NotOwner { caller, owner } => write!(
                f,
                "{} is not the owner of the table ({owner} is)",
                who(caller)
            ),
            TableError::NotInProcess => f.write_str("tables are made by processes: not in one"),
            TableError::NoProc(Some(pid)) => {
                write!(f, "{pid} is not a live process of the table's node")
            }
            TableError::NoProc(None) => f.write_str("no process has that name"),
            TableError::GiveToSelf => f.write_str("the owner cannot give the table to itself"),
            TableError::NameTaken(name) => write!(f, "a table is named {name:?} already"),
            TableError::NoTable(name) => write!(f, "no table is named {name:?}"),
            TableError::WrongType {
                name,
                expected,
                found,
            } => write!(f, "the table {name:?} is a {found}, not a {expected}"),
            TableError::Reentrant => f.write_str(
                "a table was used inside a closure run by a table operation (it holds a lock)",
            ),
            TableError::CounterOverflow => f.write_str("the counter would overflow"),
        }
    }
}

impl std::error::Error for TableError {}

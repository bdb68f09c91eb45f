//! A bank whose accounts live on a durable store, and the bug a simulation finds in it.
//!
//! The [`Bank`] server keeps balances in memory and on a [`Disk`] (storage that outlives any
//! crash of the server; a real program's database or file). When it starts, it loads the
//! balances from the disk. Its supervisor restarts it when it crashes.
//!
//! It has two ways to write:
//! - [`Durability::WriteThrough`]: a deposit is written to the disk before the server
//!   acknowledges it. Correct.
//! - [`Durability::WriteBehind`]: the deposit is acknowledged at once and written with the
//!   next flush, 50 ms later. Faster, and wrong: a crash between the acknowledgement and the
//!   flush loses deposits the client was told had happened. Every unit test passes (nothing
//!   crashes in them); `tests/sim_bank.rs` runs it under the simulator, which finds the
//!   window within a few seeds and prints the seed that replays the loss.
//!
//! # Examples
//!
//! ```
//! use examples::bank::{Bank, BankSup, Disk, Durability, NAME};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let disk = Disk::default();
//! let _tree = BankSup::start(disk.clone(), Durability::WriteThrough).await.unwrap();
//! assert_eq!(Bank::named(NAME).deposit("ann".into(), 5).await, Ok(5));
//! assert_eq!(disk.balance("ann"), 5);
//! # }
//! ```

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use otp_runtime::prelude::*;
use otp_runtime::supervisor::SupervisorSpec;

/// The name the bank's server is registered under.
pub const NAME: &str = "bank";

// ANCHOR: disk
/// Durable storage: what it holds survives any crash of the server (a database, a file).
///
/// # Examples
///
/// ```
/// let disk = examples::bank::Disk::default();
/// disk.write("ann", 3);
/// assert_eq!(disk.balance("ann"), 3);
/// ```
#[derive(Clone, Default, Debug)]
pub struct Disk(Arc<Mutex<BTreeMap<String, u64>>>);

impl Disk {
    /// Writes `account`'s balance.
    pub fn write(&self, account: &str, balance: u64) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(account.to_owned(), balance);
    }

    /// `account`'s balance as written (0 if never).
    pub fn balance(&self, account: &str) -> u64 {
        let disk = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        disk.get(account).copied().unwrap_or(0)
    }

    fn load(&self) -> BTreeMap<String, u64> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}
// ANCHOR_END: disk

/// When a deposit reaches the disk.
///
/// # Examples
///
/// ```
/// use examples::bank::Durability;
/// assert_ne!(Durability::WriteThrough, Durability::WriteBehind);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Durability {
    /// Before the deposit is acknowledged.
    WriteThrough,
    /// With the next flush, after the acknowledgement (the bug).
    WriteBehind,
}

// ANCHOR: bank
/// The bank's server: balances in memory, loaded from the disk at start.
pub struct Bank {
    disk: Disk,
    durability: Durability,
    balances: BTreeMap<String, u64>,
    /// Accounts changed since the last flush (write-behind only).
    dirty: Vec<String>,
}

#[gen_server]
impl Bank {
    #[init]
    fn init(&mut self) {
        self.balances = self.disk.load();
    }

    /// Adds `amount` to `account`; its new balance.
    #[call]
    pub fn deposit(&mut self, account: String, amount: u64, ctx: &mut Ctx<Self>) -> u64 {
        let balance = self.balances.entry(account.clone()).or_default();
        *balance += amount;
        let balance = *balance;
        match self.durability {
            Durability::WriteThrough => self.disk.write(&account, balance),
            Durability::WriteBehind => {
                if self.dirty.is_empty() {
                    ctx.send_after(Duration::from_millis(50), BankInfo::Flush {});
                }
                self.dirty.push(account);
            }
        }
        // A crash here, after the write and before the reply: the client gets an error for
        // a deposit that happened (a retry would deposit twice: the reason real banks use
        // idempotency keys). Only a simulation makes it fire.
        otp_runtime::buggify!();
        balance
    }

    /// `account`'s balance.
    #[call]
    pub fn balance(&self, account: String) -> u64 {
        self.balances.get(&account).copied().unwrap_or(0)
    }

    /// Writes what changed since the last flush.
    #[info]
    fn flush(&mut self) {
        for account in self.dirty.drain(..) {
            self.disk.write(&account, self.balances[&account]);
        }
    }
}
// ANCHOR_END: bank

/// The bank's supervisor: it restarts the server, which reloads from the disk.
pub struct BankSup;

impl BankSup {
    /// Starts the tree, standing alone (not linked to the caller).
    ///
    /// # Examples
    ///
    /// See the [module](self).
    pub async fn start(disk: Disk, durability: Durability) -> Result<SupervisorRef, StartError> {
        let spec = SupervisorSpec::one_for_one()
            .intensity(1000, Duration::from_secs(1))
            .name("bank_sup")
            .child(
                ChildSpec::worker("bank", move || Bank {
                    disk: disk.clone(),
                    durability,
                    balances: BTreeMap::new(),
                    dirty: Vec::new(),
                })
                .name(NAME),
            );
        spec.start().await
    }
}

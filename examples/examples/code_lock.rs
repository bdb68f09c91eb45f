//! OTP's code lock (the gen_statem user's guide), in Rust: a door that opens when its code
//! is pressed, relocks itself after a while (a state timeout), and keeps the buttons pressed
//! while it is open for later (postponed events). Locking and unlocking are the state enter
//! calls, as in OTP's version.
//!
//! Run it with `cargo run --example code_lock`.

use std::error::Error;
use std::time::Duration;

use otp_runtime::prelude::*;

// ANCHOR: state
/// The lock's states: locked with the buttons pressed so far, or open.
#[derive(Clone, Debug, PartialEq)]
pub enum Lock {
    Locked { pressed: Vec<u8> },
    Open,
}
// ANCHOR_END: state

// ANCHOR: data
/// The lock's data: its code and how long it stays open.
pub struct CodeLock {
    code: Vec<u8>,
    open_time: Duration,
}
// ANCHOR_END: data

// ANCHOR: machine
#[gen_statem(state = Lock)]
impl CodeLock {
    /// Starts locked, with nothing pressed.
    #[init]
    fn init(&mut self) -> Lock {
        Lock::Locked { pressed: vec![] }
    }

    /// The state enter call: runs on the initial state and on every state change.
    #[enter]
    fn entered(&mut self, old: &Lock, state: &Lock, ctx: &mut EnterCtx<Self>) {
        match state {
            // Relock after `open_time`, unless the state changes before.
            Lock::Open => {
                println!("unlocked: the door opens");
                ctx.state_timeout(self.open_time, CodeLockTimeout::Relock {});
            }
            Lock::Locked { .. } if !matches!(old, Lock::Locked { .. }) || old == state => {
                println!("locked");
            }
            Lock::Locked { .. } => {}
        }
    }

    /// A button is pressed. While the door is open it waits (postponed) until it locks.
    #[cast]
    pub fn button(&mut self, state: &Lock, digit: u8) -> Transition<Lock> {
        let Lock::Locked { pressed } = state else {
            println!("button {digit} waits: the door is open");
            return Transition::keep().postpone();
        };
        let mut pressed = pressed.clone();
        pressed.push(digit);
        if pressed == self.code {
            Transition::next(Lock::Open)
        } else if self.code.starts_with(&pressed) {
            Transition::next(Lock::Locked { pressed })
        } else {
            println!("button {digit}: wrong code, start again");
            Transition::next(Lock::Locked { pressed: vec![] })
        }
    }

    /// The length of the code: a call answered in any state.
    #[call]
    pub fn code_length(&self) -> usize {
        self.code.len()
    }

    /// The current state.
    #[call]
    pub fn state(&self, state: &Lock) -> Lock {
        state.clone()
    }

    /// Answers once the door is locked again: a call postponed while it is open.
    #[call]
    pub fn when_locked(&self, state: &Lock) -> Transition<Lock, Lock> {
        match state {
            Lock::Open => Transition::keep().postpone(),
            locked => Transition::keep().reply(locked.clone()),
        }
    }

    /// The state timeout set on opening.
    #[timeout]
    fn relock(&mut self) -> Transition<Lock> {
        println!("time is up");
        Transition::next(Lock::Locked { pressed: vec![] })
    }
}
// ANCHOR_END: machine

// ANCHOR: main
#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let lock = CodeLock {
        code: vec![1, 2, 3],
        open_time: Duration::from_millis(200),
    }
    .start()
    .await?;
    println!("the code has {} digits", lock.code_length().await?);

    for digit in [1, 9, 1, 2] {
        lock.button(digit);
    }
    println!("state: {:?}", lock.state().await?);

    lock.button(3);
    println!("state: {:?}", lock.state().await?);
    // Pressed while open: kept for later.
    lock.button(1);
    lock.button(2);
    // Postponed too, and answered once the door has locked (and the buttons above ran).
    println!("after relocking: {:?}", lock.when_locked().await?);

    lock.stop(ExitReason::Normal, INFINITY).await?;
    println!("stopped");
    Ok(())
}
// ANCHOR_END: main

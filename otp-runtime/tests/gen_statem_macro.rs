//! The `#[gen_statem]` macro end to end: OTP's code lock, postponing, enter calls, the
//! three timeouts, internal events, calls that reply by returning or later.

use std::time::Duration;

use otp_runtime::prelude::*;

#[derive(Clone, Debug, PartialEq)]
pub enum Lock {
    Locked { entered: Vec<u8> },
    Open,
}

pub struct CodeLock {
    code: Vec<u8>,
    log: Vec<String>,
}

#[gen_statem(state = Lock)]
impl CodeLock {
    #[init]
    fn init(&mut self) -> Lock {
        Lock::Locked { entered: vec![] }
    }

    #[enter]
    fn entered(&mut self, old: &Lock, state: &Lock, ctx: &mut EnterCtx<Self>) {
        self.log.push(format!("enter {state:?} from {old:?}"));
        if *state == Lock::Open {
            ctx.state_timeout(Duration::from_secs(10), CodeLockTimeout::Relock {});
        }
    }

    /// Press a button.
    #[cast]
    pub fn button(&mut self, state: &Lock, digit: u8) -> Transition<Lock> {
        match state {
            Lock::Open => Transition::keep().postpone(),
            Lock::Locked { entered } => {
                let mut entered = entered.clone();
                entered.push(digit);
                if entered == self.code {
                    Transition::next(Lock::Open)
                } else if self.code.starts_with(&entered) {
                    Transition::next(Lock::Locked { entered })
                } else {
                    Transition::next(Lock::Locked { entered: vec![] })
                }
            }
        }
    }

    /// The code's length.
    #[call]
    pub fn code_length(&self) -> usize {
        self.code.len()
    }

    /// Whether it is open, and the log so far.
    #[call]
    pub fn status(&self, state: &Lock) -> (bool, Vec<String>) {
        (*state == Lock::Open, self.log.clone())
    }

    /// Waits until the lock is open: postponed while locked.
    #[call]
    pub fn wait_open(&mut self, state: &Lock) -> Transition<Lock, &'static str> {
        match state {
            Lock::Open => Transition::keep().reply("open"),
            Lock::Locked { .. } => Transition::keep().postpone(),
        }
    }

    #[timeout]
    fn relock(&mut self) -> Transition<Lock> {
        self.log.push("relock".into());
        Transition::next(Lock::Locked { entered: vec![] })
    }
}

fn lock() -> CodeLock {
    CodeLock {
        code: vec![1, 2, 3],
        log: vec![],
    }
}

#[tokio::test(start_paused = true)]
async fn the_code_lock_opens_relocks_and_postpones() {
    let l: CodeLockRef = lock().start().await.unwrap();
    assert_eq!(l.code_length().await, Ok(3));
    let waiter = {
        let l = l.clone();
        tokio::spawn(async move { l.wait_open().await })
    };
    l.button(1);
    l.button(2);
    l.button(3);
    // Postponed while open, retried after relocking.
    l.button(1);
    assert_eq!(waiter.await.unwrap(), Ok("open"));
    let (open, _) = l.status().await.unwrap();
    assert!(open);
    tokio::time::sleep(Duration::from_secs(11)).await;
    let (open, log) = l.status().await.unwrap();
    assert!(!open);
    assert_eq!(
        log,
        [
            "enter Locked { entered: [] } from Locked { entered: [] }",
            "enter Locked { entered: [1] } from Locked { entered: [] }",
            "enter Locked { entered: [1, 2] } from Locked { entered: [1] }",
            "enter Open from Locked { entered: [1, 2] }",
            "relock",
            "enter Locked { entered: [] } from Open",
            "enter Locked { entered: [1] } from Locked { entered: [] }",
        ]
    );
}

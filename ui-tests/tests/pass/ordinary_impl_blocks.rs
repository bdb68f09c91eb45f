//! Ordinary impl blocks beside the annotated one, and ordinary methods and constants inside
//! it: all are kept as written and usable from the handlers and from outside.

use otp_runtime::prelude::*;

pub struct Counter {
    n: u64,
}

impl Counter {
    pub const START: u64 = 10;

    pub fn at_start() -> Self {
        Counter { n: Self::START }
    }

    fn doubled(&self) -> u64 {
        self.n * 2
    }
}

#[gen_server]
impl Counter {
    const STEP: u64 = 1;

    #[call]
    pub fn get(&self) -> u64 {
        self.half_of_doubled()
    }

    #[cast]
    pub fn bump(&mut self) {
        self.n += Self::STEP;
    }

    /// An ordinary method of the annotated impl.
    pub fn half_of_doubled(&self) -> u64 {
        self.doubled() / 2
    }
}

impl Counter {
    pub fn reset(&mut self) {
        self.n = Self::START;
    }
}

pub async fn client() -> Result<u64, CallError> {
    let mut local = Counter::at_start();
    local.reset();
    let _ = local.half_of_doubled();
    let c: CounterRef = local.start().await.map_err(|e| CallError::Exited(otp_runtime::ExitReason::other(e)))?;
    c.bump();
    c.get().await
}

fn main() {}

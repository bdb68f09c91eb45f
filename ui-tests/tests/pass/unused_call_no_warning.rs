//! A `#[call]` the program never makes warns of nothing: the generated reply enum's field
//! is not the user's dead code (it used to warn "field `0` is never read" at the return
//! type).
#![deny(warnings)]

use otp_runtime::prelude::*;

#[derive(Default)]
pub struct Counter {
    n: u64,
}

#[gen_server]
impl Counter {
    #[call]
    pub fn get(&self) -> u64 {
        self.n
    }

    #[cast]
    pub fn add(&mut self, k: u64) {
        self.n += k
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let c = Counter::default().start().await.unwrap();
    c.add(1);
}

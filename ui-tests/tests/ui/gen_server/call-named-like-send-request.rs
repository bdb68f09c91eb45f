use otp_runtime::prelude::*;

struct Counter {
    n: u64,
}

#[gen_server]
impl Counter {
    #[call]
    fn get(&self) -> u64 {
        self.n
    }

    /// Clashes with `CounterRef::send_get`, which sends `get` as an asynchronous request.
    #[cast]
    fn send_get(&mut self) {
        self.n = 0;
    }
}

fn main() {}

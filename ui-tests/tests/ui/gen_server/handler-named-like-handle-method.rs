use otp_runtime::prelude::*;

struct Counter {
    n: u64,
}

#[gen_server]
impl Counter {
    /// Clashes with `CounterRef::stop`, which stops the server.
    #[cast]
    fn stop(&mut self) {
        self.n = 0;
    }
}

fn main() {}

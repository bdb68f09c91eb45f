use otp_runtime::prelude::*;

#[derive(Default)]
struct Counter {
    n: u64,
}

#[gen_server]
impl Counter {
    /// Adds, and tells the new total.
    #[call]
    fn add(&mut self, k: u64) -> u64 {
        self.n += k;
        self.n
    }

    /// Adds, without waiting.
    #[cast]
    fn add(&mut self, k: u64) {
        self.n += k;
    }
}

fn main() {}

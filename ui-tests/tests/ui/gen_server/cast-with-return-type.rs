use otp_runtime::prelude::*;

struct Counter {
    n: u64,
}

#[gen_server]
impl Counter {
    #[cast]
    fn add(&mut self, k: u64) -> u64 {
        self.n += k;
        self.n
    }
}

fn main() {}

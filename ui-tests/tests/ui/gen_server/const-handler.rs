use otp_runtime::prelude::*;

struct Counter {
    n: u64,
}

#[gen_server]
impl Counter {
    #[call]
    const fn get(&self) -> u64 {
        self.n
    }
}

fn main() {}

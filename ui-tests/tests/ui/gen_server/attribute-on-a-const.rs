use otp_runtime::prelude::*;

struct Counter {
    n: u64,
}

#[gen_server]
impl Counter {
    #[call]
    const START: u64 = 0;

    #[call]
    fn get(&self) -> u64 {
        self.n + Self::START
    }
}

fn main() {}

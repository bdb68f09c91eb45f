use otp_runtime::prelude::*;

struct Counter {
    n: u64,
}

#[gen_server]
impl GenServer for Counter {
    #[call]
    fn get(&self) -> u64 {
        self.n
    }
}

fn main() {}

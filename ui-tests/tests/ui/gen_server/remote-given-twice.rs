use otp_runtime::prelude::*;

struct Counter {
    n: u64,
}

#[gen_server(remote, remote)]
impl Counter {
    #[call]
    fn get(&self) -> u64 {
        self.n
    }
}

fn main() {}

use otp_runtime::prelude::*;

struct Counter {
    n: u64,
}

#[gen_server(crate = ::otp_runtime, crate = ::otp_runtime)]
impl Counter {
    #[call]
    fn get(&self) -> u64 {
        self.n
    }
}

fn main() {}

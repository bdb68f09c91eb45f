use otp_runtime::prelude::*;

struct Counter {
    n: u64,
}

#[gen_server]
impl Counter {
    #[call]
    #[cast]
    fn reset(&mut self) {
        self.n = 0;
    }
}

fn main() {}

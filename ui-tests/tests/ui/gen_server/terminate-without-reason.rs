use otp_runtime::prelude::*;

struct Counter {
    n: u64,
}

#[gen_server]
impl Counter {
    #[terminate]
    fn terminate(&mut self) {
        self.n = 0;
    }
}

fn main() {}

use otp_runtime::prelude::*;

struct Counter {
    n: u64,
}

#[gen_server]
impl Counter {
    #[init]
    fn init(&mut self, start: u64) -> Init {
        self.n = start;
        Init::Ok
    }
}

fn main() {}

use otp_runtime::prelude::*;

struct Counter {
    n: u64,
}

#[gen_server]
impl Counter {
    #[init]
    fn init(&mut self) {
        self.n = 1;
    }

    #[init]
    fn setup(&mut self) {
        self.n = 2;
    }
}

fn main() {}

use otp_runtime::prelude::*;

struct Counter {
    n: u64,
}

#[gen_server]
impl Counter {
    #[info(tick)]
    fn tick(&mut self) {
        self.n += 1;
    }
}

fn main() {}

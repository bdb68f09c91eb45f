use otp_runtime::prelude::*;

struct Counter {
    n: u64,
}

#[gen_server]
impl Counter {
    #[info]
    fn tick(&mut self) -> Outcome {
        self.n += 1;
        Outcome::NoReply
    }
}

fn main() {}

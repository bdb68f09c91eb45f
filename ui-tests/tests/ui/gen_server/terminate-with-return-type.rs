use otp_runtime::prelude::*;

struct Counter {
    n: u64,
}

#[gen_server]
impl Counter {
    #[terminate]
    fn terminate(&mut self, reason: &ExitReason) -> bool {
        self.n = 0;
        reason.is_normal()
    }
}

fn main() {}

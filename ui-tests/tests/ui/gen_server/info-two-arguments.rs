use otp_runtime::prelude::*;

struct Counter {
    n: u64,
}

#[gen_server]
impl Counter {
    #[info(down, exit)]
    fn gone(&mut self, from: Pid, reason: ExitReason) {
        let _ = (from, reason);
        self.n = 0;
    }
}

fn main() {}

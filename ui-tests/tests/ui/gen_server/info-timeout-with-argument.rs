use otp_runtime::prelude::*;

struct Idle {
    idle: u32,
}

#[gen_server]
impl Idle {
    #[info(timeout)]
    fn idle(&mut self, times: u32) {
        self.idle += times;
    }
}

fn main() {}

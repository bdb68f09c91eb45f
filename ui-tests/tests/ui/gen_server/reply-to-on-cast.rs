use otp_runtime::prelude::*;

struct Counter {
    n: u64,
}

#[gen_server]
impl Counter {
    #[cast]
    fn add(&mut self, k: u64, reply: ReplyTo<u64>) {
        self.n += k;
        reply.reply(self.n);
    }
}

fn main() {}

use otp_runtime::prelude::*;

struct Counter {
    n: u64,
}

#[gen_server]
impl Counter {
    #[call]
    fn get(&self, reply: ReplyTo<u64>) -> u64 {
        reply.reply(self.n);
        self.n
    }
}

fn main() {}

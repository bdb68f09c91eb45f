use otp_runtime::prelude::*;

struct Counter {
    n: u64,
}

#[gen_server]
impl Counter {
    #[call]
    fn get(&self, first: ReplyTo<u64>, second: ReplyTo<u64>) {
        first.reply(self.n);
        second.reply(self.n);
    }
}

fn main() {}

use otp_runtime::prelude::*;

struct Counter {
    n: u64,
}

#[gen_server]
impl Counter {
    #[cast]
    fn add<N: Into<u64>>(&mut self, n: N) {
        self.n += n.into();
    }
}

fn main() {}

use otp_runtime::prelude::*;

struct Counter {
    n: u64,
}

#[gen_server]
impl Counter {
    // Its variant would be `Self`, a keyword.
    #[call]
    fn self_(&self) -> u64 {
        self.n
    }
}

fn main() {}

use otp_runtime::prelude::*;

#[gen_server]
struct Counter {
    n: u64,
}

fn main() {}

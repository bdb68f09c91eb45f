use otp_runtime::prelude::*;

#[gen_server]
fn counter(n: u64) -> u64 {
    n + 1
}

fn main() {}

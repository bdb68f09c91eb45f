use otp_runtime::prelude::*;

trait Store {}

#[gen_server]
impl dyn Store {
    #[call]
    fn get(&self) -> u64 {
        0
    }
}

fn main() {}

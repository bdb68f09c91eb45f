use otp_runtime::prelude::*;

struct Counter {
    n: u64,
}

#[gen_server]
impl Counter {
    #[call]
    fn get(&self) -> u64 {
        self.n
    }

    /// An ordinary method, but the macro generates `Counter::start`.
    fn start(&mut self) {
        self.n = 1;
    }
}

fn main() {}

// A method of the impl without `#[call]` or `#[cast]`, called on the handle: one error at
// the method's name that says which attribute is missing.
use otp_runtime::prelude::*;

#[derive(Default)]
struct Counter {
    n: u64,
}

#[gen_server]
impl Counter {
    #[call]
    fn get(&self) -> u64 {
        self.n
    }

    // Forgotten: `#[cast]`.
    fn add(&mut self, k: u64) {
        self.n += k;
    }

    fn reset(&mut self) {
        self.n = 0;
    }
}

async fn client(counter: CounterRef) {
    counter.add(3);
    counter.reset().await;
    let _ = counter.get().await;
}

fn main() {
    let _ = client;
}

// Several errors in one impl: each is reported, and the impl is still emitted (without the
// handler attributes), so the uses of its methods below compile and add no error.
use otp_runtime::prelude::*;

struct Counter {
    n: u64,
}

#[gen_server]
impl Counter {
    #[call]
    fn get(self) -> u64 {
        self.n
    }

    #[cast]
    fn add(&mut self, k: &u64) -> u64 {
        self.n += k;
        self.n
    }

    #[info(tick)]
    fn tick(&mut self) {}

    fn helper(&self) -> u64 {
        self.n * 2
    }
}

fn main() {
    let mut c = Counter { n: 1 };
    c.add(&2);
    c.tick();
    let _ = c.helper();
    let _ = c.get();
}

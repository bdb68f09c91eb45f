// A state that is not `Send`: one error, at the type of the impl, naming the field's type
// (it was seven, one per generated function, and 115 lines).
use std::rc::Rc;

use otp_runtime::prelude::*;

#[derive(Default)]
struct Cache {
    entries: Rc<Vec<u64>>,
}

#[gen_server]
impl Cache {
    #[call]
    fn len(&self) -> usize {
        self.entries.len()
    }

    #[cast]
    fn clear(&mut self) {
        self.entries = Rc::default();
    }
}

fn main() {}

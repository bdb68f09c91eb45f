// A machine whose data or state type is not `Send` (a state must be `Sync` too): one error
// for each, at its type.
use std::cell::Cell;
use std::rc::Rc;

use otp_runtime::prelude::*;

#[derive(Clone, PartialEq)]
enum Door {
    Closed,
    Open(Rc<str>),
}

struct DoorData {
    opened: Cell<u32>,
    _not_send: Rc<()>,
}

#[gen_statem(state = Door)]
impl DoorData {
    #[init]
    fn init(&mut self) -> Door {
        Door::Closed
    }

    #[cast]
    fn knock(&mut self) {
        self.opened.set(self.opened.get() + 1);
    }
}

fn main() {}

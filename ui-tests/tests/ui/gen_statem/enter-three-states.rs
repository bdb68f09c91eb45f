use otp_runtime::prelude::*;

#[derive(Clone, PartialEq)]
enum Door {
    Closed,
    Open,
}

struct DoorData {
    opened: u32,
}

#[gen_statem(state = Door)]
impl DoorData {
    #[init]
    fn init(&mut self) -> Door {
        Door::Closed
    }

    #[enter]
    fn entered(&mut self, old: &Door, state: &Door, again: &Door) {
        let _ = (old, state, again);
    }
}

fn main() {}

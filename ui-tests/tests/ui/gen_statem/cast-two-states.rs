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

    #[cast]
    fn open(&mut self, old: &Door, state: &Door) -> Transition<Door> {
        let _ = (old, state);
        Transition::next(Door::Open)
    }
}

fn main() {}

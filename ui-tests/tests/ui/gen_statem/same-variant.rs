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

    #[timeout]
    fn relock(&mut self) -> Transition<Door> {
        Transition::next(Door::Closed)
    }

    #[timeout]
    fn relock_(&mut self) -> Transition<Door> {
        Transition::next(Door::Closed)
    }
}

fn main() {}

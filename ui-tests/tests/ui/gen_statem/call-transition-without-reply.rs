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

    #[call]
    fn open(&mut self) -> Transition<Door> {
        self.opened += 1;
        Transition::next(Door::Open)
    }
}

fn main() {}

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
    fn entered(&mut self, state: &Door) -> Transition<Door> {
        match state {
            Door::Open => Transition::next(Door::Closed),
            Door::Closed => Transition::keep(),
        }
    }
}

fn main() {}

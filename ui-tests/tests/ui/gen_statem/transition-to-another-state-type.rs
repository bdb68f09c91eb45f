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
    fn open(&mut self) -> Transition<bool> {
        self.opened += 1;
        Transition::next(true)
    }

    #[call]
    fn close(&mut self) -> Transition<bool, u32> {
        Transition::next(false).reply(self.opened)
    }
}

fn main() {}

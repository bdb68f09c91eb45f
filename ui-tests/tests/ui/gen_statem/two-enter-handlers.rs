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
    fn entered(&mut self, state: &Door) {
        let _ = state;
    }

    #[enter]
    fn count(&mut self) {
        self.opened += 1;
    }
}

fn main() {}

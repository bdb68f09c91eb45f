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
    fn init(&mut self, state: &Door) -> Door {
        state.clone()
    }
}

fn main() {}

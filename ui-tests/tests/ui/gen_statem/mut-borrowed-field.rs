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
    fn enter_code(&mut self, code: &mut Vec<u8>) {
        code.clear();
    }
}

fn main() {}

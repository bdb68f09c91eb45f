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
    fn label(&mut self, text: &impl std::fmt::Display) {
        let _ = text.to_string();
    }
}

fn main() {}

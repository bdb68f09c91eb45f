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
    async fn init(&mut self) -> Option<Door> {
        Some(Door::Closed)
    }
}

fn main() {}

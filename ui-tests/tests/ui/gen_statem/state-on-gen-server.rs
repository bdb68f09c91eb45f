use otp_runtime::prelude::*;

#[derive(Clone, PartialEq)]
enum Door {
    Closed,
    Open,
}

struct DoorData {
    opened: u32,
}

#[gen_server(state = Door)]
impl DoorData {
    #[call]
    fn opened(&self) -> u32 {
        self.opened
    }
}

fn main() {}

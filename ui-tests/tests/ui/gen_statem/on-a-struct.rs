use otp_runtime::prelude::*;

#[derive(Clone, PartialEq)]
enum Door {
    Closed,
    Open,
}

#[gen_statem(state = Door)]
struct DoorData {
    opened: u32,
}

fn main() {}

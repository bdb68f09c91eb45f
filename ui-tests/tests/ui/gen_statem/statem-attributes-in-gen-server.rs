use otp_runtime::prelude::*;

#[derive(Clone, PartialEq)]
enum Door {
    Closed,
    Open,
}

struct DoorData {
    opened: u32,
}

#[gen_server]
impl DoorData {
    #[enter]
    fn entered(&mut self) {
        self.opened += 1;
    }

    #[internal]
    fn check(&mut self) {}

    #[timeout]
    fn relock(&mut self) {}
}

fn main() {}

use otp_runtime::prelude::*;

struct DoorData {
    opened: u32,
}

impl DoorData {
    #[timeout]
    fn relock(&mut self) {
        self.opened = 0;
    }
}

fn main() {}

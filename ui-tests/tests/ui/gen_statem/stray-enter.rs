use otp_runtime::prelude::*;

struct DoorData {
    opened: u32,
}

impl DoorData {
    fn open(&mut self) {
        self.opened += 1;
    }
}

#[enter]
fn entered() {}

fn main() {}

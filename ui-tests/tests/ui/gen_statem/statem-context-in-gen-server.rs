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
    #[cast]
    fn open(&mut self, ctx: &mut StatemCtx<Self>) {
        let _ = ctx;
        self.opened += 1;
    }
}

fn main() {}

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

    #[terminate]
    fn terminate(&mut self, reason: &ExitReason, ctx: &mut StatemCtx<Self>) {
        let _ = (reason, ctx);
    }
}

fn main() {}

// Several errors in one impl: each is reported, and the impl is still emitted (without the
// handler attributes) beside a stand-in `GenStatem` impl, so the contexts in its signatures
// and the uses of its methods below add no error.
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
    fn init(&mut self, ctx: &mut StatemCtx<Self>) {
        let _ = ctx.pid();
    }

    #[enter]
    fn entered(&mut self, state: &Door, ctx: &mut EnterCtx<Self>) -> Transition<Door> {
        let _ = ctx.pid();
        Transition::next(state.clone())
    }

    #[cast]
    fn open(&mut self, state: &mut Door, ctx: &mut StatemCtx<Self>) -> Transition<Door> {
        let _ = ctx.pid();
        *state = Door::Open;
        self.opened += 1;
        Transition::keep()
    }

    fn helper(&self) -> u32 {
        self.opened
    }
}

fn main() {
    let c = DoorData { opened: 1 };
    let _ = c.helper();
}

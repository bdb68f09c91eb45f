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

    #[enter]
    fn entered(&mut self, state: &Door, ctx: &mut StatemCtx<Self>) {
        if *state == Door::Open {
            ctx.next_event(Event::Cast(DoorDataCast::Close {}));
        }
    }

    #[cast]
    fn close(&mut self) -> Transition<Door> {
        Transition::next(Door::Closed)
    }
}

fn main() {}

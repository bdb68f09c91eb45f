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

    #[cast]
    fn open(&mut self, ctx: &mut Ctx<Self>) -> Transition<Door> {
        let _ = ctx;
        Transition::next(Door::Open)
    }
}

fn main() {}

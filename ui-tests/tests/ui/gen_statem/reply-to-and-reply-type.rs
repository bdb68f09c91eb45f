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

    #[call]
    fn open(&mut self, reply: ReplyTo<u32>) -> Transition<Door, u32> {
        reply.reply(self.opened);
        Transition::next(Door::Open).reply(self.opened)
    }
}

fn main() {}

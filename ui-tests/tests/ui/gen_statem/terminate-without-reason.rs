// A gen_statem's #[terminate] needs the reason; the hint names the context it may take.
use otp_runtime::prelude::*;

#[derive(Clone, Debug, PartialEq)]
pub enum Door {
    Closed,
}

#[derive(Default)]
pub struct Lock;

#[gen_statem(state = Door)]
impl Lock {
    #[init]
    fn init(&mut self) -> Door {
        Door::Closed
    }

    #[cast]
    fn knock(&mut self) -> Transition<Door> {
        Transition::keep()
    }

    #[terminate]
    fn terminate(&mut self) {}
}

fn main() {}

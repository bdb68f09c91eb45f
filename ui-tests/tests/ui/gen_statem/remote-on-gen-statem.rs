use otp_runtime::prelude::*;

#[derive(Clone, Debug, PartialEq)]
enum State {
    Idle,
}

struct Machine;

#[gen_statem(state = State, remote)]
impl Machine {
    #[call]
    fn ping(&mut self, _state: &State) -> Transition<State, u8> {
        Transition::keep()
    }
}

fn main() {}

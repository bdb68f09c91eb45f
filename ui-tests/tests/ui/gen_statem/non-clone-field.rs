use otp_runtime::prelude::*;

#[derive(Clone, PartialEq)]
struct Key(u32);

#[derive(Clone, PartialEq)]
enum Door {
    Closed,
    Open,
}

struct DoorData {
    keys: Vec<Key>,
}

/// Not `Clone`: the event is kept whole in case the handler postpones it, so the field is
/// cloned out of it.
pub struct Badge {
    id: u32,
}

#[gen_statem(state = Door)]
impl DoorData {
    #[init]
    fn init(&mut self) -> Door {
        Door::Closed
    }

    #[cast]
    fn swipe(&mut self, badge: Badge) -> Transition<Door> {
        if self.keys.contains(&Key(badge.id)) {
            Transition::next(Door::Open)
        } else {
            Transition::keep()
        }
    }
}

fn main() {}

//! Several trees in one invocation, nesting each other in either order of declaration.
use otp_runtime::prelude::*;

#[derive(Default)]
pub struct Counter {
    n: u64,
}

#[gen_server]
impl Counter {
    #[call]
    pub fn bump(&mut self) -> u64 {
        self.n += 1;
        self.n
    }
}

supervision_tree! {
    /// Uses `Middle`, declared after it.
    pub Top: one_for_one {
        supervisor "middle" => Middle;
        worker "top" => Counter::default();
    }

    /// A suffixed count is read as the `u32` it is.
    pub(crate) Middle: rest_for_one, intensity 2u8 per 1s {
        supervisor "bottom" => Bottom;
    }

    pub Bottom: one_for_all, name: "multiple_bottom" {
        worker "bottom" => Counter::default(), name: "multiple_counter";
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let top = Top::start().await.unwrap();
    let kinds: Vec<ChildType> = top
        .which_children()
        .await
        .unwrap()
        .iter()
        .map(|c| c.kind)
        .collect();
    assert_eq!(kinds, [ChildType::Worker, ChildType::Supervisor]);
    assert_eq!(Counter::named("multiple_counter").bump().await, Ok(1));
    assert_eq!(Bottom::named().count_children().await.unwrap().workers, 1);
    top.stop().await.unwrap();
    assert_eq!(Bottom::named().pid(), None);
}

//! A private tree: the handle type and its functions are private, usable in their module.
mod app {
    use otp_runtime::prelude::*;

    #[derive(Default)]
    struct Counter {
        n: u64,
    }

    #[gen_server]
    impl Counter {
        #[call]
        fn bump(&mut self) -> u64 {
            self.n += 1;
            self.n
        }
    }

    supervision_tree! {
        Private: one_for_one, name: "private_tree" {
            worker "counter" => Counter::default(), name: "private_counter";
        }
    }

    pub(crate) async fn run() -> u64 {
        let sup = Private::start().await.unwrap();
        assert_eq!(sup.which_children().await.unwrap().len(), 1);
        let _ = Private::spec();
        let _ = Private::child_spec("private");
        assert_eq!(Private::named().pid(), sup.supervisor().pid());
        Counter::named("private_counter").bump().await.unwrap()
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    assert_eq!(app::run().await, 1);
}

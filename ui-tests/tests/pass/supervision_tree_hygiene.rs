//! `supervision_tree!`'s expansion reaches everything through absolute paths and the
//! `crate = ..;` line: no prelude, the runtime crate renamed (as in `hygiene.rs`, with
//! `otp_runtime` itself shadowed by `core`), and local items named like what it uses.
#![no_implicit_prelude]

extern crate core as otp_runtime;
extern crate otp_runtime as renamed_otp;

// Local items named like what generated code must not pick up.
#[allow(dead_code)]
mod shadows {
    pub struct Result;
    pub struct Option;
    pub struct Ok;
    pub struct Some;
    pub struct Duration;
    pub struct Arc;
    pub struct Into;
    pub struct From;
    pub struct ChildSpec;
    pub struct SupervisorSpec;
    pub struct Strategy;
    pub struct StartError;
    pub mod supervisor {}
    // Derive macros too: a `#[derive(Debug)]` would derive `Clone` twice.
    #[allow(unused_imports)]
    pub use ::core::clone::Clone as Debug;
}
#[allow(unused_imports)]
use shadows::*;

#[derive(::core::default::Default)]
pub struct Counter {
    n: u64,
}

#[renamed_otp::gen_server(crate = ::renamed_otp)]
impl Counter {
    #[call]
    pub fn bump(&mut self) -> u64 {
        self.n += 1;
        self.n
    }
}

renamed_otp::supervision_tree! {
    crate = ::renamed_otp;

    /// Every form of child, through the renamed crate.
    pub Root: one_for_one, intensity 2 per 1s, auto_shutdown: any_significant, name: "hygiene_root" {
        worker "a" => <Counter as ::core::default::Default>::default(), name: "hygiene_a", shutdown: 1.5s;
        worker b => Counter { n: 10 }, restart: transient, significant, shutdown: brutal_kill;
        worker "started" => start ::renamed_otp::GenServer::start_link(Counter { n: 0 });
        supervisor "pool" => Pool;
        supervisor "inline" => rest_for_one, intensity 1 per 1min {
            worker "c" => Counter { n: 0 }, restart: temporary, shutdown: infinity;
        };
        supervisor "inline_pool" => dynamic {
            worker "d" => |n: u64| Counter { n };
        };
    }

    pub Pool: dynamic, name: "hygiene_pool" {
        worker "conn" => start |n: u64| ::renamed_otp::GenServer::start_link(Counter { n }), restart: temporary;
    }
}

fn main() {
    ::tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let root = Root::start().await.unwrap();
            ::std::assert_eq!(root.which_children().await.unwrap().len(), 6);
            ::std::assert_eq!(Root::named().pid(), root.pid());
            let a = CounterRef::named("hygiene_a");
            ::std::assert_eq!(a.bump().await, ::core::result::Result::Ok(1));
            let pool = Pool::named();
            ::std::assert!(pool.start_child(5).await.unwrap().is_some());
            root.stop().await.unwrap();
        });
}

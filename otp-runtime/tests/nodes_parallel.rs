//! 64 tests, run in parallel, each starting a tree whose child is named "kv": each test runs
//! on a node of its own (`#[otp_runtime::test]`), so none sees another's names or processes.
//! `.ci/run` runs this file 20 times in a row.

use otp_runtime::prelude::*;

#[derive(Default)]
pub struct Kv {
    n: u64,
}

#[gen_server]
impl Kv {
    #[call]
    pub fn bump(&mut self) -> u64 {
        self.n += 1;
        self.n
    }

    #[call]
    pub fn crash(&mut self) {
        panic!("asked to crash");
    }
}

supervision_tree! {
    pub KvSup: one_for_one, intensity 5 per 1s, name: "kv_sup" {
        worker "kv" => Kv::default(), name: "kv";
    }
}

/// What every test does: its own "kv", its state, a crash and the restart under the same name.
async fn own_kv(rounds: u64) {
    let sup = KvSup::start_link().await.unwrap();
    let kv = Kv::named("kv");
    for n in 1..=rounds {
        assert_eq!(
            kv.bump().await,
            Ok(n),
            "another test's kv would have other counts"
        );
    }
    let before = kv.pid().unwrap();
    assert!(matches!(kv.crash().await, Err(CallError::Exited(_))));
    // The supervisor restarts it: fresh state, same name, this node only.
    let mut after = kv.pid();
    while after.is_none() || after == Some(before) {
        tokio::task::yield_now().await;
        after = kv.pid();
    }
    assert_eq!(kv.bump().await, Ok(1));
    let names: Vec<String> = otp_runtime::registered()
        .iter()
        .map(|n| n.as_str().to_owned())
        .collect();
    assert_eq!(names, ["kv", "kv_sup"]);
    assert_eq!(otp_runtime::process_count(), 2);
    assert_eq!(sup.which_children().await.unwrap().len(), 1);
}

macro_rules! tests {
    ($($name:ident: $rounds:literal [$($flavor:tt)*];)*) => {
        $(
            #[otp_runtime::test($($flavor)*)]
            async fn $name() {
                own_kv($rounds).await;
            }
        )*
    };
}

tests! {
    kv_00: 1 [];
    kv_01: 2 [flavor = "multi_thread", worker_threads = 2];
    kv_02: 3 [];
    kv_03: 4 [];
    kv_04: 5 [];
    kv_05: 6 [];
    kv_06: 7 [flavor = "multi_thread", worker_threads = 2];
    kv_07: 8 [];
    kv_08: 9 [];
    kv_09: 10 [];
    kv_10: 11 [];
    kv_11: 12 [flavor = "multi_thread", worker_threads = 2];
    kv_12: 13 [];
    kv_13: 14 [];
    kv_14: 15 [];
    kv_15: 16 [];
    kv_16: 1 [flavor = "multi_thread", worker_threads = 2];
    kv_17: 2 [];
    kv_18: 3 [];
    kv_19: 4 [];
    kv_20: 5 [];
    kv_21: 6 [flavor = "multi_thread", worker_threads = 2];
    kv_22: 7 [];
    kv_23: 8 [];
    kv_24: 9 [];
    kv_25: 10 [];
    kv_26: 11 [flavor = "multi_thread", worker_threads = 2];
    kv_27: 12 [];
    kv_28: 13 [];
    kv_29: 14 [];
    kv_30: 15 [];
    kv_31: 16 [flavor = "multi_thread", worker_threads = 2];
    kv_32: 1 [];
    kv_33: 2 [];
    kv_34: 3 [];
    kv_35: 4 [];
    kv_36: 5 [flavor = "multi_thread", worker_threads = 2];
    kv_37: 6 [];
    kv_38: 7 [];
    kv_39: 8 [];
    kv_40: 9 [];
    kv_41: 10 [flavor = "multi_thread", worker_threads = 2];
    kv_42: 11 [];
    kv_43: 12 [];
    kv_44: 13 [];
    kv_45: 14 [];
    kv_46: 15 [flavor = "multi_thread", worker_threads = 2];
    kv_47: 16 [];
    kv_48: 1 [];
    kv_49: 2 [];
    kv_50: 3 [];
    kv_51: 4 [flavor = "multi_thread", worker_threads = 2];
    kv_52: 5 [];
    kv_53: 6 [];
    kv_54: 7 [];
    kv_55: 8 [];
    kv_56: 9 [flavor = "multi_thread", worker_threads = 2];
    kv_57: 10 [];
    kv_58: 11 [];
    kv_59: 12 [];
    kv_60: 13 [];
    kv_61: 14 [flavor = "multi_thread", worker_threads = 2];
    kv_62: 15 [];
    kv_63: 16 [start_paused = true];
}

//! A panic in the closure given to `spawn`, before the process's future exists, leaves no
//! process behind. Alone in its test binary, because it counts every live process.

use otp_runtime::prelude::*;

#[tokio::test]
async fn panicking_spawn_closure_leaves_no_process() {
    let before = otp_runtime::process_count();
    let r = std::panic::catch_unwind(|| {
        otp_runtime::spawn(|_c: ProcessCtx<()>| -> std::future::Ready<ExitReason> {
            panic!("bad setup")
        })
    });
    assert!(r.is_err());
    tokio::task::yield_now().await;
    let after = otp_runtime::process_count();
    println!("process_count before {before} after {after}");
    assert_eq!(before, after, "zombie process entry");
}

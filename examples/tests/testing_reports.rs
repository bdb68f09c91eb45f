//! The test of the book's chapter "Testing servers and trees" that captures a supervisor's
//! reports with `otp_runtime::testing::Reports`.

use examples::kv::Kv;
use otp_runtime::prelude::*;
use otp_runtime::testing::{restarted, Reports};

// ANCHOR: reports
supervision_tree! {
    Reported: one_for_one, name: "reported" {
        worker "kv" => Kv::default(), name: "kv";
    }
}

// The capture takes the reports of the test's node only: tests running in parallel, on
// any thread, each capture their own.
#[otp_runtime::test]
async fn the_supervisor_reports_the_crash_and_the_restart() {
    let reports = Reports::capture().unwrap();

    let sup = Reported::start().await.unwrap();
    let kv = Kv::named("kv");
    let old = kv.pid().unwrap();
    assert!(kv.get("crash".into()).await.is_err());
    let new = restarted(&sup, "kv", old).await.unwrap();

    let crash = reports
        .wait_for(&["child terminated", &format!("pid={old}")])
        .await
        .unwrap();
    assert_eq!(crash.level(), tracing::Level::ERROR);
    assert_eq!(crash.field("supervisor"), Some("reported"));
    assert_eq!(crash.field("reason"), Some("panicked: asked to crash"));
    let new = format!("pid={new}");
    let restart = ["child restarted", new.as_str()];
    reports.wait_for(&restart).await.unwrap();
    assert!(reports.position(&["child terminated"]) < reports.position(&restart));
    sup.stop().await.unwrap();
}
// ANCHOR_END: reports

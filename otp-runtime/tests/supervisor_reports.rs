//! OTP's supervisor reports, through `tracing`: each crash, each restart and the intensity
//! shutdown name the supervisor, the child, its pid and the reason.

use otp_runtime::prelude::*;
use otp_runtime::testing::Reports;

#[derive(Default)]
struct Worker;

#[gen_server]
impl Worker {
    #[call]
    fn crash(&self) {
        panic!("boom");
    }
}

supervision_tree! {
    Reported: one_for_one, intensity 1 per 5s, name: "reported_sup" {
        worker "w" => Worker, name: "reported_w";
    }
}

#[otp_runtime::test(start_paused = true)]
async fn crashes_restarts_and_the_intensity_shutdown_are_reported() {
    let reports = Reports::capture().unwrap();
    let sup = Reported::start().await.unwrap();
    let w = Worker::named("reported_w");
    let first = w.pid().unwrap();
    assert!(w.crash().await.is_err());
    sup.which_children().await.unwrap(); // the supervisor has handled the EXIT
    let second = w.pid().unwrap();
    assert!(w.crash().await.is_err());
    assert_eq!(sup.wait_exit().await, ExitReason::Shutdown);

    let find = |needles: &[&str]| {
        reports
            .position(needles)
            .unwrap_or_else(|| panic!("no report with {needles:?} in:\n{reports}"))
    };
    let crash1 = find(&[
        "ERROR",
        "child terminated",
        "supervisor=reported_sup",
        "child=w",
        &format!("pid={first}"),
        "reason=panicked: boom",
    ]);
    let restart = find(&[
        "INFO",
        "child restarted",
        "child=w",
        &format!("pid={second}"),
    ]);
    let crash2 = find(&["ERROR", "child terminated", &format!("pid={second}")]);
    let shutdown = find(&[
        "ERROR",
        "reached max restart intensity",
        "supervisor=reported_sup",
        "child=w",
        &format!("pid={second}"),
        "reason=reached_max_restart_intensity",
    ]);
    assert!(crash1 < restart && restart < crash2 && crash2 < shutdown);
}

supervision_tree! {
    Twin: one_for_one {
        worker "w" => Worker, name: "w";
    }
}

/// Tests on two threads at once, each on a node of its own, each capturing its node's
/// reports: each sees its own crash only, though both supervisors report through the same
/// call sites and the processes run on either thread.
#[otp_runtime::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_node_captures_its_own_reports() {
    let run = |tag: &'static str| async move {
        let node = otp_runtime::node::Node::new();
        let reports = Reports::capture_node(&node).unwrap();
        node.scope(async move {
            let sup = Twin::start().await.unwrap();
            let old = otp_runtime::testing::running(&sup, "w").await.unwrap();
            otp_runtime::exit(old, ExitReason::other(tag));
            otp_runtime::testing::restarted(&sup, "w", old)
                .await
                .unwrap();
            sup.stop().await.unwrap();
        })
        .await;
        reports
    };
    let (a, b) = tokio::join!(
        tokio::spawn(run("crash of a")),
        tokio::spawn(run("crash of b"))
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    for (reports, mine, theirs) in [
        (&a, "crash of a", "crash of b"),
        (&b, "crash of b", "crash of a"),
    ] {
        assert_eq!(
            reports.matching(&["child terminated", mine]).len(),
            1,
            "{reports}"
        );
        assert!(reports.matching(&[theirs]).is_empty(), "{reports}");
        assert_eq!(reports.matching(&["child restarted"]).len(), 1, "{reports}");
    }
}

/// A dynamic supervisor's children, each named from its argument with `child_id`: the
/// reports tell them apart by more than their pids (issue 16: "Supervisor reports name
/// dynamic children usefully").
#[otp_runtime::test(start_paused = true)]
async fn dynamic_children_are_reported_by_their_own_ids() {
    use otp_runtime::supervisor::DynamicSupervisorSpec;
    let reports = Reports::capture().unwrap();
    let sessions = DynamicSupervisorSpec::worker("session", |_user: String| Worker)
        .child_id(|user| format!("session {user}"))
        .start()
        .await
        .unwrap();
    let ada = sessions.start_child("ada".into()).await.unwrap().unwrap();
    sessions.start_child("bob".into()).await.unwrap().unwrap();
    let ada_ref = WorkerRef::from(ServerRef::<Worker>::from_pid(ada).unwrap());
    assert!(ada_ref.crash().await.is_err());
    let mut ids: Vec<_> = sessions
        .which_children()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id.to_string())
        .collect();
    ids.sort();
    assert_eq!(ids, ["session ada", "session bob"]);
    assert!(
        reports
            .position(&[
                "child terminated",
                "child=session ada",
                &format!("pid={ada}"),
                "reason=panicked: boom",
            ])
            .is_some(),
        "{reports}"
    );
    assert!(
        reports
            .position(&["child restarted", "child=session ada"])
            .is_some(),
        "{reports}"
    );
}

//! The observer attached over distribution: an agent on the watched node, a hidden node
//! of the observer's own.

mod common;

use otp_observer::{Agent, RemoteSource, Request, Response, Source};
use otp_runtime::dist::DistOptions;
use otp_runtime::node::Node;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_node_is_watched_and_acted_on_through_its_agent() {
    let epmd = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let opts = DistOptions::new("observer-test").epmd_port(epmd);
    // A node of no distribution first: the program's default node, which neither side
    // must call from by mistake.
    let _default = Node::new();
    // The observer's node first: it serves EPMD, which must outlive the watched one.
    let observer = Node::named("obs_test@localhost").unwrap();
    observer.start_distribution(opts.clone()).await.unwrap();
    let watched = Node::named("watched_test@localhost").unwrap();
    watched.start_distribution(opts).await.unwrap();
    watched
        .scope(async {
            otp_runtime::supervisor::SupervisorSpec::one_for_one()
                .name("factorial_sup")
                .child(
                    otp_runtime::supervisor::ChildSpec::worker(
                        "factorial1",
                        common::Factorial::default,
                    )
                    .name("factorial1"),
                )
                .start()
                .await
                .unwrap();
        })
        .await;
    Agent::start_on(&watched).await.unwrap();

    let source = RemoteSource::on(&observer, "watched_test@localhost");
    let Ok(Response::Snapshot(s)) = source.request(Request::Snapshot).await else {
        panic!("no snapshot")
    };
    assert_eq!(s.node.name, "watched_test@localhost");
    assert_eq!(s.trees[0].name.as_deref(), Some("factorial_sup"));
    let old = watched.whereis("factorial1").unwrap();
    let row = s
        .processes
        .iter()
        .find(|p| p.name.as_deref() == Some("factorial1"))
        .unwrap();
    // Printed as the watched node prints it; the pid goes back and forth over the wire.
    assert_eq!(row.pid_text, watched.scope(async { old.to_string() }).await);
    let Ok(Response::Done(m)) = source.request(Request::Kill(row.pid)).await else {
        panic!("no kill")
    };
    assert!(m.starts_with("killed"), "{m}");
    let new = common::restarted_name(&watched, "factorial1", old).await;
    let Ok(Response::Inspect(i)) = source.request(Request::Inspect(row.pid)).await else {
        panic!("no inspect")
    };
    assert!(i.state.is_err(), "the killed pid has no state: {i:?}");
    assert_ne!(new, old);
    watched.stop().await;
    assert!(source.request(Request::Snapshot).await.is_err());
    observer.stop().await;
}

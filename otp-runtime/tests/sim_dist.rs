//! Simulated clusters: nodes on the simulator's in-memory network, partitions that ride out
//! or take connections down (through the nodes' ticks, as in Erlang), reset connections,
//! and calls across nodes under those faults; every seed deterministic.

use std::time::Duration;

use otp_runtime::dist::NodeEvent;
use otp_runtime::node::Node;
use otp_runtime::prelude::*;
use otp_runtime::sim::{Faults, Sim, Simulation};

#[derive(Default)]
pub struct Counter {
    n: u64,
}

#[gen_server(remote)]
impl Counter {
    #[call]
    pub fn bump(&mut self) -> u64 {
        self.n += 1;
        self.n
    }
}

// ANCHOR: cluster
async fn cluster(sim: &Sim, names: &[&str]) -> Vec<Node> {
    let mut nodes = Vec::new();
    for name in names {
        let node = Node::named(name).unwrap();
        let opts = sim
            .dist_options(&node, "cookie")
            .tick_time(Duration::from_secs(8));
        node.start_distribution(opts).await.unwrap();
        nodes.push(node);
    }
    nodes
}
// ANCHOR_END: cluster

#[test]
fn nodes_connect_and_call_on_the_simulated_network() {
    Simulation::new().seeds(20).run(|sim| async move {
        let nodes = cluster(&sim, &["a@sim", "b@sim"]).await;
        let (a, b) = (&nodes[0], &nodes[1]);
        b.scope(Counter::default().start_named("counter"))
            .await
            .unwrap();
        let counter = a
            .scope(async { CounterRef::remote("counter", "b@sim") })
            .await;
        for i in 1..=5 {
            assert_eq!(a.scope(counter.bump()).await, Ok(i));
        }
        assert_eq!(a.nodes(), vec!["b@sim".to_string()]);
        a.stop().await;
        b.stop().await;
    });
}

#[test]
fn a_short_partition_is_ridden_out_and_a_long_one_takes_the_connection_down() {
    Simulation::new().seeds(10).run(|sim| async move {
        let nodes = cluster(&sim, &["a@sim", "b@sim"]).await;
        let (a, b) = (&nodes[0], &nodes[1]);
        let mut events = a.monitor_nodes().unwrap();
        assert!(a.ping("b@sim").await);
        assert_eq!(events.recv().await, Some(NodeEvent::Up("b@sim".into())));
        // Shorter than the tick time (8 s): nothing notices.
        sim.partition(&[a]);
        otp_runtime::time::sleep(Duration::from_secs(2)).await;
        sim.heal();
        otp_runtime::time::sleep(Duration::from_secs(20)).await;
        assert_eq!(a.nodes(), vec!["b@sim".to_string()]);
        // Longer: the ticks find b silent, and the connection goes down.
        sim.partition(&[a]);
        let down = otp_runtime::time::timeout(Duration::from_secs(60), events.recv()).await;
        assert!(
            matches!(down, Some(Some(NodeEvent::Down { ref node, .. })) if node == "b@sim"),
            "{down:?}"
        );
        assert!(a.nodes().is_empty());
        // Across the partition, nothing connects.
        assert!(!a.ping("b@sim").await);
        sim.heal();
        assert!(a.ping("b@sim").await);
        a.stop().await;
        b.stop().await;
    });
}

#[test]
fn a_reset_connection_is_a_nodedown_and_the_next_call_reconnects() {
    Simulation::new().seeds(10).run(|sim| async move {
        let nodes = cluster(&sim, &["a@sim", "b@sim"]).await;
        let (a, b) = (&nodes[0], &nodes[1]);
        b.scope(Counter::default().start_named("counter"))
            .await
            .unwrap();
        let counter = a
            .scope(async { CounterRef::remote("counter", "b@sim") })
            .await;
        assert_eq!(a.scope(counter.bump()).await, Ok(1));
        let mut events = a.monitor_nodes().unwrap();
        sim.disconnect(a, b);
        let down = events.recv().await;
        assert!(matches!(down, Some(NodeEvent::Down { .. })), "{down:?}");
        assert_eq!(a.scope(counter.bump()).await, Ok(2));
        a.stop().await;
        b.stop().await;
    });
}

// ANCHOR: faults
#[test]
fn calls_across_partitions_and_resets_fail_typed_and_recover_when_calm() {
    let s = Simulation::new().seeds(30).run(|sim| async move {
        let nodes = cluster(&sim, &["a@sim", "b@sim", "c@sim"]).await;
        for n in &nodes[1..] {
            n.scope(Counter::default().start_named("counter"))
                .await
                .unwrap();
        }
        sim.faults(
            Faults::new()
                .partition(Duration::from_secs(10), Duration::from_secs(15))
                .disconnect(Duration::from_secs(7)),
        );
        let a = nodes[0].clone();
        let mut answered = [0u64; 2];
        while sim.elapsed() < Duration::from_secs(120) {
            for (i, peer) in ["b@sim", "c@sim"].iter().enumerate() {
                let counter = a.scope(async { CounterRef::remote("counter", peer) }).await;
                match a
                    .scope(counter.with_timeout(Duration::from_secs(2)).bump())
                    .await
                {
                    // Each answer counts up from the last one this caller saw.
                    Ok(n) => {
                        assert!(n > answered[i], "{n} after {}", answered[i]);
                        answered[i] = n;
                    }
                    Err(
                        CallError::Timeout { .. } | CallError::NodeDown(_) | CallError::Exited(_),
                    ) => {}
                    Err(e) => panic!("unexpected {e:?}"),
                }
            }
            otp_runtime::time::sleep(Duration::from_millis(250)).await;
        }
        sim.calm();
        sim.eventually("both peers answer", Duration::from_secs(30), || {
            let a = a.clone();
            async move {
                for peer in ["b@sim", "c@sim"] {
                    let counter = a.scope(async { CounterRef::remote("counter", peer) }).await;
                    if a.scope(counter.with_timeout(Duration::from_secs(1)).bump())
                        .await
                        .is_err()
                    {
                        return false;
                    }
                }
                true
            }
        })
        .await;
        for n in &nodes {
            n.stop().await;
        }
    });
    assert!(s.partitions > 0 && s.disconnects > 0, "{s:?}");
}
// ANCHOR_END: faults

#[test]
fn a_crashed_node_is_down_for_its_peers_and_a_restarted_one_serves_again() {
    Simulation::new().seeds(10).run(|sim| async move {
        let nodes = cluster(&sim, &["a@sim", "b@sim"]).await;
        let (a, b) = (&nodes[0], &nodes[1]);
        b.scope(Counter::default().start_named("counter"))
            .await
            .unwrap();
        let counter = a
            .scope(async { CounterRef::remote("counter", "b@sim") })
            .await;
        assert_eq!(a.scope(counter.bump()).await, Ok(1));
        let mut events = a.monitor_nodes().unwrap();
        sim.crash_node(b);
        let down = events.recv().await;
        assert!(
            matches!(down, Some(NodeEvent::Down { ref node, .. }) if node == "b@sim"),
            "{down:?}"
        );
        assert!(b.is_stopped());
        assert!(a.scope(counter.bump()).await.is_err());
        // b again, as its program would boot it: a fresh counter.
        let b2 = cluster(&sim, &["b@sim"]).await.remove(0);
        b2.scope(Counter::default().start_named("counter"))
            .await
            .unwrap();
        assert_eq!(a.scope(counter.bump()).await, Ok(1));
        a.stop().await;
        b2.stop().await;
    });
}

#[test]
fn process_groups_heal_after_partitions() {
    // pg across simulated nodes: members leave with a partition that takes the connection
    // down, and come back once the nodes reconnect.
    // How often a node saw a member missing during the faults, all seeds together: the
    // partitions must have taken some connections down for the test to mean anything.
    let missing = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let seen = missing.clone();
    Simulation::new().seeds(20).run(move |sim| {
        let missing = missing.clone();
        async move {
            let nodes = cluster(&sim, &["a@sim", "b@sim"]).await;
            for n in &nodes {
                n.scope(async {
                    let p = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
                        ctx.recv().await;
                        ExitReason::Normal
                    });
                    otp_runtime::pg::join("workers", p.pid()).await.unwrap();
                })
                .await;
            }
            let (a, b) = (nodes[0].clone(), nodes[1].clone());
            let both = |n: Node| async move {
                n.ping(if n.name() == "a@sim" {
                    "b@sim"
                } else {
                    "a@sim"
                })
                .await;
                n.scope(async { otp_runtime::pg::members("workers").len() })
                    .await
                    == 2
            };
            sim.eventually(
                "each node sees both workers",
                Duration::from_secs(10),
                || {
                    let (a, b) = (a.clone(), b.clone());
                    async move { both(a).await && both(b).await }
                },
            )
            .await;
            sim.faults(Faults::new().partition(Duration::from_secs(10), Duration::from_secs(30)));
            for _ in 0..60 {
                otp_runtime::time::sleep(Duration::from_secs(1)).await;
                if a.scope(async { otp_runtime::pg::members("workers").len() })
                    .await
                    < 2
                {
                    missing.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }
            sim.calm();
            sim.eventually(
                "each node sees both workers again",
                Duration::from_secs(60),
                || {
                    let (a, b) = (a.clone(), b.clone());
                    async move { both(a).await && both(b).await }
                },
            )
            .await;
            for n in &nodes {
                n.stop().await;
            }
        }
    });
    assert!(seen.load(std::sync::atomic::Ordering::Relaxed) > 0);
}

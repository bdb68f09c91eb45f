//! `supervision_tree!`: what it generates, run.

use otp_runtime::prelude::*;
use otp_runtime::supervisor::{ChildCounts, ChildState, ChildType, Restart, Shutdown};
use std::time::Duration;

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

    #[call]
    pub fn crash(&mut self) {
        panic!("asked to crash");
    }
}

pub struct Session {
    user: String,
}

#[gen_server]
impl Session {
    #[call]
    pub fn user(&self) -> String {
        self.user.clone()
    }
}

supervision_tree! {
    /// Two counters and a nested tree.
    pub Root: one_for_one, intensity 5 per 10s, name: "macro_root" {
        worker "a" => Counter::default(), name: "macro_a", shutdown: 500ms;
        worker b => Counter::default(), restart: transient, shutdown: brutal_kill;
        supervisor "inner" => rest_for_one, intensity 2 per 1s {
            worker "c" => Counter::default();
        };
        supervisor "sessions" => Sessions;
    }

    /// Sessions, one per user.
    pub Sessions: dynamic, intensity 10 per 1s {
        worker "session" => |user: String| Session { user }, restart: temporary;
    }
}

#[tokio::test(start_paused = true)]
async fn a_declared_tree_starts_serves_and_heals() {
    let root = Root::start().await.unwrap();
    assert_eq!(Root::named().pid(), root.pid());
    let a = Counter::named("macro_a");
    assert_eq!(a.bump().await, Ok(1));
    let before = a.pid().unwrap();
    assert!(a.crash().await.is_err());
    assert_eq!(a.bump().await, Ok(1));
    assert_ne!(a.pid(), Some(before));

    let children = root.which_children().await.unwrap();
    let ids: Vec<&str> = children.iter().map(|c| &*c.id).collect();
    assert_eq!(ids, ["sessions", "inner", "b", "a"]);
    assert_eq!(children[1].kind, ChildType::Supervisor);
    assert_eq!(
        root.count_children().await.unwrap(),
        ChildCounts {
            specs: 4,
            active: 4,
            supervisors: 2,
            workers: 2
        }
    );
    let b = root.get_childspec("b").await.unwrap();
    assert_eq!(b.restart_type(), Restart::Transient);
    assert_eq!(b.shutdown_policy(), Shutdown::BrutalKill);
    assert_eq!(
        root.get_childspec("a").await.unwrap().shutdown_policy(),
        Shutdown::Timeout(Duration::from_millis(500))
    );
    assert!(matches!(children[0].state, ChildState::Running(_)));
    root.stop().await.unwrap();
    assert_eq!(a.pid(), None);
}

#[tokio::test]
async fn a_dynamic_tree_starts_children_from_its_template() {
    let sessions = Sessions::start().await.unwrap();
    let pid = sessions.start_child("ada".into()).await.unwrap().unwrap();
    let ada = SessionRef::from(ServerRef::<Session>::from_pid(pid).unwrap());
    assert_eq!(ada.user().await, Ok("ada".to_string()));
    sessions.stop().await.unwrap();
}

supervision_tree! {
    /// A worker started by its own start function, which returns the generated handle.
    pub ByStartFn: one_for_one {
        worker "counter" => start Counter::default().start_link_named("macro_start_fn_counter");
    }
}

#[tokio::test]
async fn a_start_function_may_return_a_generated_handle() {
    let sup = ByStartFn::start().await.unwrap();
    let counter = Counter::named("macro_start_fn_counter");
    assert_eq!(counter.bump().await, Ok(1));
    let children = sup.which_children().await.unwrap();
    assert_eq!(
        children[0].state,
        ChildState::Running(counter.pid().unwrap())
    );
    sup.stop().await.unwrap();
}

// ---- trees from configuration -----------------------------------------------------------

/// A worker that knows which shard it is.
pub struct Shard {
    index: usize,
    label: String,
}

#[gen_server]
impl Shard {
    #[call]
    pub fn whoami(&self) -> (usize, String) {
        (self.index, self.label.clone())
    }
}

/// What a configuration file would hold.
#[derive(Clone)]
pub struct PoolConfig {
    pub workers: usize,
    pub regions: Vec<String>,
    pub restarts: u32,
}

supervision_tree! {
    /// `size` counters, registered `counter1`..; one shard per region, each told its place.
    pub Pool(size: usize, config: PoolConfig): one_for_one, intensity config.restarts per 5s {
        pool "counter" * size => Counter::default(), name: "counter";
        pool "shard-" for region in config.regions.clone() => Shard {
            index: size,
            label: region.clone(), // the item is the closure's: the id is made before
        }, restart: transient, name: "shard-";
        worker "last" => Counter::default();
        supervisor "inner" => one_for_all {
            pool "w" * config.workers => Counter::default(), name: "w";
        };
    }

    /// A parameter in a dynamic supervisor's template (made `move` for it).
    pub Labelled(prefix: String): dynamic {
        worker "s" => |n: usize| Shard { index: n, label: format!("{prefix}{n}") };
    }
}

#[otp_runtime::test]
async fn a_tree_takes_its_size_and_config_at_run_time() {
    let config = PoolConfig {
        workers: 2,
        regions: vec!["eu".to_string(), "us".to_string()],
        restarts: 0,
    };
    let pool = Pool::start(3, config.clone()).await.unwrap();
    let ids: Vec<String> = pool
        .which_children()
        .await
        .unwrap()
        .iter()
        .rev() // which_children lists the newest first
        .map(|c| c.id.to_string())
        .collect();
    assert_eq!(
        ids,
        ["counter1", "counter2", "counter3", "shard-eu", "shard-us", "last", "inner"]
    );
    assert_eq!(Counter::named("counter3").bump().await, Ok(1));
    assert_eq!(
        Shard::named("shard-us").whoami().await,
        Ok((3, "us".to_string()))
    );
    assert!(Counter::named("w2").pid().is_some());
    assert!(Counter::named("w3").pid().is_none());
    // `intensity config.restarts per 5s`: 0 restarts allowed, so one crash ends the tree.
    assert!(Counter::named("counter1").crash().await.is_err());
    assert_eq!(pool.wait_exit().await, ExitReason::Shutdown);

    // Another size, from the same declaration; and a tree nested with its parameters.
    let sup = SupervisorSpec::one_for_one()
        .child(Pool::child_spec(
            "pool",
            1,
            PoolConfig {
                regions: vec![],
                ..config
            },
        ))
        .start()
        .await
        .unwrap();
    otp_runtime::testing::running(&sup, "pool").await.unwrap();
    assert!(Counter::named("counter1").pid().is_some());
    assert!(Counter::named("counter2").pid().is_none());
    assert!(Shard::named("shard-eu").pid().is_none());

    let labelled = Labelled::start("shard".to_string()).await.unwrap();
    let pid = labelled.start_child(7).await.unwrap().unwrap();
    let shard = ShardRef::from(ServerRef::<Shard>::from_pid(pid).unwrap());
    assert_eq!(shard.whoami().await, Ok((7, "shard7".to_string())));
}

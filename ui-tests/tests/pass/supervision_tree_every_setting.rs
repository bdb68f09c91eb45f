//! One `supervision_tree!` using every setting: all restart types and shutdown forms,
//! significant children under both auto_shutdowns, names, ident ids, `start` expressions, a
//! supervisor declared by type and inline nested trees, static and dynamic.
use otp_runtime::prelude::*;
use otp_runtime::supervisor::ChildCounts;
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
    /// Every setting, once at least.
    pub Root: one_for_all, intensity 3 per 1.5s, auto_shutdown: any_significant, name: "every_root" {
        worker "permanent" => Counter::default(), restart: permanent, shutdown: brutal_kill, name: "every_counter";
        worker transient => Counter::default(), restart: transient, shutdown: 1.5s, significant;
        worker "temporary" => Counter::default(), restart: temporary, shutdown: 2min, significant: false;
        worker started => start GenServer::start_link(Counter::default()), shutdown: infinity;
        supervisor "started_sup" => start Leaf::start_link(), shutdown: 500ms;
        supervisor "declared" => Leaf, restart: transient;
        supervisor "inline" => rest_for_one, intensity 10 per 1min, auto_shutdown: all_significant, name: "every_inline" {
            worker "a" => Counter::default(), restart: temporary, significant;
            worker "b" => Counter::default(), restart: transient, significant: true;
        }, restart: transient, shutdown: infinity, significant;
        supervisor "pool" => dynamic, intensity 10 per 1s, name: "every_pool" {
            worker "session" => |user: String| Session { user }, restart: temporary, shutdown: 1h;
        };
        supervisor "spec" => SupervisorSpec::one_for_one(), restart: temporary;
    }

    /// Declared once, nested twice above.
    pub Leaf: one_for_one {
        worker "leaf" => Counter::default();
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let root = Root::start().await.unwrap();
    assert_eq!(Root::named().pid(), root.pid());

    let ids: Vec<String> = root
        .which_children()
        .await
        .unwrap()
        .iter()
        .map(|c| c.id.to_string())
        .collect();
    assert_eq!(
        ids,
        [
            "spec",
            "pool",
            "inline",
            "declared",
            "started_sup",
            "started",
            "temporary",
            "transient",
            "permanent"
        ]
    );
    assert_eq!(
        root.count_children().await.unwrap(),
        ChildCounts {
            specs: 9,
            active: 9,
            supervisors: 5,
            workers: 4
        }
    );

    let spec = |id: &'static str| {
        let root = root.clone();
        async move { root.get_childspec(id).await.unwrap() }
    };
    let permanent = spec("permanent").await;
    assert_eq!(permanent.restart_type(), Restart::Permanent);
    assert_eq!(permanent.shutdown_policy(), Shutdown::BrutalKill);
    assert!(!permanent.is_significant());
    let transient = spec("transient").await;
    assert_eq!(transient.restart_type(), Restart::Transient);
    assert_eq!(
        transient.shutdown_policy(),
        Shutdown::Timeout(Duration::from_millis(1500))
    );
    assert!(transient.is_significant());
    let temporary = spec("temporary").await;
    assert_eq!(temporary.restart_type(), Restart::Temporary);
    assert_eq!(
        temporary.shutdown_policy(),
        Shutdown::Timeout(Duration::from_secs(120))
    );
    assert!(!temporary.is_significant());
    assert_eq!(spec("started").await.shutdown_policy(), Shutdown::Infinity);
    let started_sup = spec("started_sup").await;
    assert_eq!(started_sup.child_type(), ChildType::Supervisor);
    assert_eq!(
        started_sup.shutdown_policy(),
        Shutdown::Timeout(Duration::from_millis(500))
    );
    assert_eq!(spec("declared").await.restart_type(), Restart::Transient);
    let inline = spec("inline").await;
    assert!(inline.is_significant());
    assert_eq!(inline.child_type(), ChildType::Supervisor);
    assert_eq!(spec("pool").await.child_type(), ChildType::Supervisor);

    // The named children and nested supervisors answer under their names.
    assert_eq!(Counter::named("every_counter").bump().await, Ok(1));
    let inline = SupervisorRef::named("every_inline");
    assert_eq!(inline.count_children().await.unwrap().workers, 2);
    let pool = DynamicSupervisorRef::<String>::named("every_pool");
    let pid = pool.start_child("ada".to_string()).await.unwrap().unwrap();
    let ada = SessionRef::from(ServerRef::<Session>::from_pid(pid).unwrap());
    assert_eq!(ada.user().await, Ok("ada".to_string()));

    // `auto_shutdown: any_significant`: a significant child's normal exit stops the root.
    let transient = root.child::<Counter>("transient").await.unwrap();
    transient
        .stop(ExitReason::Normal, Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(root.wait_exit().await, ExitReason::Shutdown);
}

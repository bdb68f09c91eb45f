//! The demo's node (the factorial service and the messenger) under faults for a simulated
//! minute: shared by `tests/sim_demo.rs` and `benches/sim.rs`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use examples::apps::{FactorialService, MessengerService};
use examples::factorial::Factorial;
use examples::messenger::{self, User};
use otp_runtime::node::Node;
use otp_runtime::prelude::*;
use otp_runtime::sim::{random_u64, Faults, Sim};

/// Every name the demo's trees register.
pub const NAMES: [&str; 5] = [
    "factorial_sup",
    "factorial1",
    "factorial2",
    "messenger",
    "messenger_clients",
];

fn factorial(n: u64) -> Option<u128> {
    (1..=u128::from(n)).try_fold(1u128, |acc, k| acc.checked_mul(k))
}

/// A live user called `name`: the one we have if its client lives, else a new logon (`None`
/// while that fails: the messenger restarting, the old client not yet logged off).
async fn live(node: &Node, user: Option<User>, name: &str) -> Option<User> {
    if let Some(u) = user {
        if u.pid().is_some_and(|p| node.is_alive(p)) {
            return Some(u);
        }
    }
    messenger::logon(name).await.ok()
}

// ANCHOR: body
/// One simulated minute of the demo under kills (within the supervisors' intensity: two
/// kills are never closer than 3 s, and a factorial overflow comes at most every 5 s),
/// panics (overflows, and the messenger client's buggify!() point) and children restarted
/// through their supervisors, then calm: the trees heal, and no message acknowledged to a
/// user whose client lived was lost.
pub async fn demo_minute(sim: Sim) {
    let node = Node::new()
        .application(FactorialService)
        .application(MessengerService)
        .start()
        .await
        .expect("the demo node boots");
    // Until the body stops it at the end, nothing may stop the node (an application giving
    // up would).
    let stopping = Arc::new(AtomicBool::new(false));
    let (watched, told) = (node.clone(), stopping.clone());
    sim.always("the node runs", move || {
        told.load(Ordering::Relaxed) || !watched.is_stopped()
    });
    let sim2 = sim.clone();
    let n = node.clone();
    node.scope(async move {
        let sim = sim2;
        sim.faults(
            Faults::new()
                .kill(Duration::from_secs(6))
                .buggify(0.05)
                .restart(Duration::from_secs(15)),
        );
        let (mut peter, mut fred) = (None, None);
        // The messages acknowledged to fred, and which client of his they went to.
        let mut acked: Vec<(Pid, String)> = Vec::new();
        let mut last_overflow = Duration::ZERO;
        let mut i = 0u64;
        while sim.elapsed() < Duration::from_secs(60) {
            i += 1;
            let overflow =
                sim.elapsed() >= last_overflow + Duration::from_secs(5) && random_u64() % 20 == 0;
            let x = if overflow {
                last_overflow = sim.elapsed();
                40
            } else {
                random_u64() % 30
            };
            let server = Factorial::named(format!("factorial{}", 1 + random_u64() % 2));
            if let Ok((f, _)) = server.factorial(x).await {
                assert_eq!(Some(f), factorial(x), "{x}! was wrong");
            }
            peter = live(&n, peter, "peter").await;
            fred = live(&n, fred, "fred").await;
            if let (Some(p), Some(f)) = (&peter, &fred) {
                let text = format!("m{i}");
                if p.message_to("fred", &text).await.is_ok() {
                    if let Some(pid) = f.pid() {
                        acked.push((pid, text));
                    }
                }
            }
            otp_runtime::time::sleep(Duration::from_millis(random_u64() % 200)).await;
        }
        sim.calm();
        sim.eventually("the trees healed", Duration::from_secs(10), || async {
            let missing: Vec<&str> = NAMES
                .into_iter()
                .filter(|name| otp_runtime::whereis(name).is_none())
                .collect();
            if missing.is_empty() {
                Ok(())
            } else {
                Err(format!("not registered: {missing:?}"))
            }
        })
        .await;
        if let Some(fred) = fred.filter(|f| f.pid().is_some_and(|p| n.is_alive(p))) {
            let client = fred.pid().expect("alive");
            let got: Vec<String> = match fred.read().await {
                Ok(messages) => messages.into_iter().map(|m| m.text).collect(),
                Err(e) => panic!("fred's live client does not answer: {e}"),
            };
            for (to, text) in &acked {
                assert!(
                    *to != client || got.contains(text),
                    "{text} was acknowledged to fred's live client {client} and lost"
                );
            }
        }
    })
    .await;
    stopping.store(true, Ordering::Relaxed);
    node.stop().await;
}
// ANCHOR_END: body

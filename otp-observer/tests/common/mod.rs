//! A node like the demo's: a factorial service whose servers crash on overflow, under
//! `factorial_sup`, beside a messenger tree with a mailroom.

#![allow(dead_code)]

use std::time::Duration;

use otp_observer::{App, LocalSource, Source};
use otp_runtime::node::Node;
use otp_runtime::prelude::*;
use ratatui::crossterm::event::{KeyCode, KeyEvent};

/// n!, crashing when it overflows u128 (the demo's factorial server).
#[derive(Debug, Default)]
pub struct Factorial {
    computed: u64,
}

#[gen_server]
impl Factorial {
    #[call]
    pub fn factorial(&mut self, n: u64) -> u128 {
        let r = (1..=n as u128)
            .try_fold(1u128, |a, b| a.checked_mul(b))
            .expect("overflow");
        self.computed += 1;
        r
    }
}

/// Counts what it is handed.
#[derive(Debug, Default)]
pub struct Mailroom {
    delivered: u64,
}

#[gen_server]
impl Mailroom {
    #[cast]
    pub fn deliver(&mut self) {
        self.delivered += 1;
    }

    #[call]
    pub fn delivered(&self) -> u64 {
        self.delivered
    }
}

/// The demo-like node, its trees started unlinked.
pub async fn demo_node() -> Node {
    let node = Node::new();
    node.scope(async {
        SupervisorSpec::one_for_one()
            .name("factorial_sup")
            .intensity(5, Duration::from_secs(10))
            .child(ChildSpec::worker("factorial1", Factorial::default).name("factorial1"))
            .child(ChildSpec::worker("factorial2", Factorial::default).name("factorial2"))
            .start()
            .await
            .unwrap();
        SupervisorSpec::one_for_one()
            .name("messenger_sup")
            .child(ChildSpec::worker("mailroom", Mailroom::default).name("mailroom"))
            .start()
            .await
            .unwrap();
    })
    .await;
    node
}

/// Crashes factorial1 (40! overflows) and waits until its supervisor has restarted it.
pub async fn crash_factorial1(node: &Node) {
    node.scope(async {
        let old = otp_runtime::whereis("factorial1").unwrap();
        assert!(Factorial::named("factorial1").factorial(40).await.is_err());
        restarted_name(node, "factorial1", old).await;
    })
    .await;
}

/// Waits (bounded) until `name` is registered again, by another pid than `old`.
pub async fn restarted_name(node: &Node, name: &str, old: Pid) -> Pid {
    for _ in 0..1000 {
        if let Some(p) = node.whereis(name).filter(|p| *p != old) {
            return p;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    panic!("{name} was not restarted");
}

pub fn key(c: char) -> KeyEvent {
    KeyEvent::from(KeyCode::Char(c))
}

/// Types `keys` into `app`: characters, with `\n` for Enter and `\x1b` for Esc.
pub async fn type_keys(app: &mut App, source: &LocalSource, keys: &str) {
    for c in keys.chars() {
        let k = match c {
            '\n' => KeyEvent::from(KeyCode::Enter),
            '\x1b' => KeyEvent::from(KeyCode::Esc),
            c => key(c),
        };
        app.key(k, source as &dyn Source).await;
    }
}

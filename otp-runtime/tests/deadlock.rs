//! Call cycles end with `CallError::Deadlock` once a call has waited a second, instead of
//! a timeout after five (or a hang with `INFINITY`): issue 16, "Deadlock detection".

use std::time::Duration;

use otp_runtime::prelude::*;
use otp_runtime::testing::Reports;

struct Alice;

#[gen_server]
impl Alice {
    /// Asks Bob, who asks Alice back: a cycle.
    #[call]
    async fn ask_bob(&self) -> Result<u32, CallError> {
        BobRef::named("bob").ask_alice().await?
    }

    #[call]
    fn hello(&self) -> u32 {
        1
    }
}

struct Bob;

#[gen_server]
impl Bob {
    #[call]
    async fn ask_alice(&self) -> Result<u32, CallError> {
        AliceRef::named("alice").hello().await.map(|n| n + 1)
    }
}

#[otp_runtime::test(start_paused = true)]
async fn a_call_cycle_of_two_ends_with_a_deadlock_naming_both() {
    let reports = Reports::capture().unwrap();
    let alice = Alice.start_named("alice").await.unwrap();
    let bob = Bob.start_named("bob").await.unwrap();
    let (a, b) = (alice.pid().unwrap(), bob.pid().unwrap());
    let started = tokio::time::Instant::now();
    // Bob's call to Alice closes the cycle: it ends with the error, which Bob replies.
    let result = alice.ask_bob().await.unwrap();
    assert_eq!(result, Err(CallError::Deadlock(vec![b, a, b].into())));
    // Found after a second of waiting, not at the 5 s timeout.
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(1) && waited < Duration::from_secs(2),
        "{waited:?}"
    );
    let report = reports.wait_for(&["WARN", "call deadlock"]).await.unwrap();
    assert_eq!(
        report.field("cycle"),
        Some(format!(r#"{b} "bob" calls {a} "alice", which calls {b} "bob""#).as_str())
    );
    // Both live on, and answer.
    assert_eq!(alice.hello().await, Ok(1));
    assert_eq!(bob.ask_alice().await, Ok(Ok(2)));
}

/// Three servers in a ring, each calling the next with no timeout.
struct Link {
    next: &'static str,
}

#[gen_server]
impl Link {
    #[call]
    async fn pass(&self, hops: u32) -> Result<u32, CallError> {
        if hops == 0 {
            return Ok(0);
        }
        let next = LinkRef::named(self.next).with_timeout(otp_runtime::INFINITY);
        Ok(next.pass(hops - 1).await?? + 1)
    }
}

#[otp_runtime::test(start_paused = true)]
async fn a_cycle_through_three_ends_even_without_a_timeout() {
    let one = Link { next: "two" }.start_named("one").await.unwrap();
    let _two = Link { next: "three" }.start_named("two").await.unwrap();
    let _three = Link { next: "one" }.start_named("three").await.unwrap();
    // A short ring answers: no cycle while it is unwound.
    assert_eq!(one.pass(2).await, Ok(Ok(2)));
    // Round the ring and back into `one`, which is busy: a cycle of three.
    let r = one
        .with_timeout(otp_runtime::INFINITY)
        .pass(5)
        .await
        .unwrap();
    let Err(CallError::Deadlock(cycle)) = r else {
        panic!("{r:?}")
    };
    assert_eq!(cycle.len(), 4, "{cycle:?}");
    assert_eq!(cycle.first(), cycle.last());
}

#[otp_runtime::test(start_paused = true)]
async fn a_slow_call_that_is_no_cycle_is_left_alone() {
    struct Slow;
    #[gen_server]
    impl Slow {
        #[call]
        async fn nap(&self) -> u32 {
            tokio::time::sleep(Duration::from_secs(3)).await;
            7
        }
    }
    let s = Slow.start().await.unwrap();
    assert_eq!(s.nap().await, Ok(7));
}

/// A child whose `init` calls its own supervisor, which waits on the child's start.
struct Needy {
    told: tokio::sync::mpsc::UnboundedSender<Result<usize, String>>,
}

#[gen_server]
impl Needy {
    #[init]
    async fn init(&mut self, ctx: &mut Ctx<Self>) -> Init {
        let sup = otp_runtime::supervisor::SupervisorRef::from_pid(ctx.parent().unwrap()).unwrap();
        let got = match sup.which_children().await {
            Ok(children) => Ok(children.len()),
            Err(e) => Err(e.to_string()),
        };
        let failed = got.is_err();
        let _ = self.told.send(got);
        if failed {
            Init::Stop(ExitReason::other("my supervisor is busy starting me"))
        } else {
            Init::Ok
        }
    }

    #[call]
    fn hello(&self) {}
}

/// Issue 16: "a child whose `init` calls its own supervisor" ends at once with a deadlock,
/// not after the call's 5 s (the supervisor's start of the child waits on the child).
#[otp_runtime::test(start_paused = true)]
async fn a_child_whose_init_calls_its_supervisor() {
    use otp_runtime::supervisor::{ChildSpec, SupervisorSpec};
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let t0 = tokio::time::Instant::now();
    let started = SupervisorSpec::one_for_one()
        .child(ChildSpec::worker("needy", move || Needy {
            told: tx.clone(),
        }))
        .start()
        .await;
    let told = rx.recv().await.unwrap().unwrap_err();
    assert!(
        told.starts_with("supervisor unreachable: deadlock: a cycle of calls, "),
        "{told}"
    );
    assert!(t0.elapsed() < Duration::from_secs(2), "{:?}", t0.elapsed());
    assert!(
        matches!(started, Err(StartError::ChildFailed { .. })),
        "{started:?}"
    );
}

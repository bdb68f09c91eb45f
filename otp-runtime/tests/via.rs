//! Names through a user's registry, OTP's `{via, Module, Name}` (issue 17). Ported from
//! `lib/stdlib/test/gen_server_SUITE.erl` (`start`, the `via register` parts with the suite's
//! `dummy_via` module, and `stop7`); otp-semantics §A1 (a dying process frees its name before
//! its link and `DOWN` signals go out) and §A2 (a failed start leaves its name free).

use std::sync::Arc;

use otp_runtime::prelude::*;
use otp_runtime::supervisor::ChildSpec;
use otp_runtime::via::{MapRegistry, Registry};

/// The suite's callback module, as far as these cases use it.
#[derive(Default)]
pub struct Probe {
    refuse: bool,
}

#[gen_server]
impl Probe {
    #[init]
    fn init(&mut self) -> Init {
        if self.refuse {
            Init::Stop(ExitReason::other("stopped"))
        } else {
            Init::Ok
        }
    }

    /// `started_p`.
    #[call]
    pub fn started_p(&self) -> &'static str {
        "ok"
    }

    /// `stop`: `{stop, stopped, ok, State}`.
    #[call]
    pub fn stop_it(&mut self, ctx: &mut Ctx<Self>) -> &'static str {
        ctx.stop(ExitReason::other("stopped"));
        "ok"
    }
}

/// The suite's `dummy_via`: a registry of its own (here a map of string keys).
fn dummy_via() -> Arc<MapRegistry<&'static str>> {
    Arc::new(MapRegistry::new())
}

/// gen_server_SUITE `start`, "via register": start under a via name, call through it, a
/// second start gets `already_started` with the holder, a stop frees the name and a call to
/// the old pid gets `noproc`.
#[otp_runtime::test]
async fn start_via() {
    let via = dummy_via();
    let p = Probe::default()
        .start_with(StartOpts::new().via(via.clone(), "my_test_name"))
        .await
        .unwrap();
    let pid = p.pid().unwrap();
    let by_name = ProbeRef::from(ServerRef::<Probe>::via(via.clone(), "my_test_name"));
    assert_eq!(by_name.started_p().await, Ok("ok"));
    assert_eq!(by_name.pid(), Some(pid));
    assert_eq!(
        Probe::default()
            .start_with(StartOpts::new().via(via.clone(), "my_test_name"))
            .await
            .unwrap_err(),
        StartError::AlreadyStarted(pid)
    );
    assert_eq!(by_name.stop_it().await, Ok("ok"));
    assert_eq!(p.wait_exit().await, ExitReason::other("stopped"));
    assert_eq!(via.whereis_name(&"my_test_name"), None);
    let got = p.started_p().await;
    assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");
    let got = by_name.started_p().await;
    assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");
}

/// gen_server_SUITE `start`, "via register linked": the linked starter gets the `EXIT`,
/// and by then the name is free (it is released before the signals go out).
#[otp_runtime::test]
async fn start_link_via() {
    let via = dummy_via();
    let via2 = via.clone();
    let starter = otp_runtime::spawn(move |mut ctx: ProcessCtx<()>| async move {
        ctx.trap_exit(true);
        let p = Probe::default()
            .start_with(StartOpts::new().link().via(via2.clone(), "my_test_name"))
            .await
            .unwrap();
        let pid = p.pid().unwrap();
        assert_eq!(
            Probe::default()
                .start_with(StartOpts::new().via(via2.clone(), "my_test_name"))
                .await
                .unwrap_err(),
            StartError::AlreadyStarted(pid)
        );
        p.stop_it().await.unwrap();
        match ctx.recv().await {
            Message::Exit { from, reason } if from == pid => {
                // Freed before the EXIT was sent.
                assert_eq!(via2.whereis_name(&"my_test_name"), None);
                reason
            }
            other => panic!("unexpected {other:?}"),
        }
    });
    assert_eq!(starter.wait_exit().await, ExitReason::other("stopped"));
    assert!(via.is_empty());
}

/// gen_server_SUITE `stop7`: `gen_server:stop({via, dummy_via, to_stop})` stops it; a
/// second stop gets `noproc`.
#[otp_runtime::test]
async fn stop_via() {
    let via = dummy_via();
    Probe::default()
        .start_with(StartOpts::new().via(via.clone(), "to_stop"))
        .await
        .unwrap();
    let by_name = ServerRef::<Probe>::via(via.clone(), "to_stop");
    by_name.stop(ExitReason::Normal, INFINITY).await.unwrap();
    assert_eq!(via.whereis_name(&"to_stop"), None);
    let got = by_name.stop(ExitReason::Normal, INFINITY).await;
    assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");
}

/// A start that fails in `init` leaves the key free (OTP's `init_it` unregisters the via
/// name before it answers the starter); so does a start refused for its local name.
#[otp_runtime::test]
async fn a_failed_start_frees_the_key() {
    let via = dummy_via();
    let err = Probe { refuse: true }
        .start_with(StartOpts::new().via(via.clone(), "k"))
        .await
        .unwrap_err();
    assert_eq!(err, StartError::Failed(ExitReason::other("stopped")));
    assert_eq!(via.whereis_name(&"k"), None);

    // Local name taken: the via key is not kept either, nor the other way round.
    let holder = Probe::default()
        .start_with(StartOpts::new().name("local"))
        .await
        .unwrap();
    let err = Probe::default()
        .start_with(StartOpts::new().name("local").via(via.clone(), "k"))
        .await
        .unwrap_err();
    assert_eq!(err, StartError::AlreadyStarted(holder.pid().unwrap()));
    assert!(via.is_empty());
    let other = Probe::default()
        .start_with(StartOpts::new().via(via.clone(), "k"))
        .await
        .unwrap();
    let err = Probe::default()
        .start_with(StartOpts::new().name("free").via(via.clone(), "k"))
        .await
        .unwrap_err();
    assert_eq!(err, StartError::AlreadyStarted(other.pid().unwrap()));
    assert_eq!(otp_runtime::whereis("free"), None);
}

/// Under a supervisor, a restarted child registers again under the same key: the dead
/// one's key is free by the time the supervisor restarts it.
#[otp_runtime::test]
async fn a_restarted_child_registers_again() {
    let via = dummy_via();
    let via2 = via.clone();
    let spec = SupervisorSpec::one_for_one()
        .intensity(3, std::time::Duration::from_secs(5))
        .child(ChildSpec::from_fn("probe", move || {
            let via = via2.clone();
            async move {
                Probe::default()
                    .start_with(StartOpts::new().link().via(via, "worker"))
                    .await
            }
        }));
    let sup = spec.start().await.unwrap();
    let first = via.whereis_name(&"worker").unwrap();
    let by_name = ProbeRef::from(ServerRef::<Probe>::via(via.clone(), "worker"));
    by_name.stop_it().await.unwrap();
    // The supervisor restarted it under the same key.
    let second = otp_runtime::testing::restarted(&sup, "probe", first)
        .await
        .unwrap();
    assert_eq!(via.whereis_name(&"worker"), Some(second));
    assert_ne!(first, second);
    assert_eq!(by_name.started_p().await, Ok("ok"));
    sup.stop().await.unwrap();
    assert!(via.is_empty());
}

//! gen_event: a handler swaps itself for another from its own callback (OTP's
//! `{swap_handler, ..}` return, issue 17), and a supervised handler's owner gets
//! `gen_event_EXIT` as an ordinary message. Ported from `lib/stdlib/test/gen_event_SUITE.erl`
//! (named on each test; the suite's `dummy_h` swaps to `dummy1_h` on the event `do_swap` and
//! the call `swap_call`); otp-semantics §A5.
//!
//! No test waits on a clock: each check follows a request the manager answers after the
//! work it checks.

use std::sync::{Arc, Mutex};

use otp_runtime::gen_event::{exit_message, HandlerExit, Swap};
use otp_runtime::prelude::*;

#[derive(Clone, PartialEq, Eq, Debug)]
enum Ev {
    Note(&'static str),
    /// `do_swap`: `dummy_h` swaps to `dummy1_h`.
    DoSwap,
    /// Swaps to a handler whose `init` refuses.
    SwapToRefusing,
    /// Swaps with a maker that takes the wrong type.
    SwapMistyped,
    /// `delete_event`: the handler removes itself.
    Delete,
}

type Log = Arc<Mutex<Vec<String>>>;

fn log() -> Log {
    Arc::new(Mutex::new(Vec::new()))
}

fn take(log: &Log) -> Vec<String> {
    std::mem::take(&mut *log.lock().unwrap())
}

/// The suite's `dummy_h`: logs what it sees; hands its log name over when swapped.
struct DummyH {
    log: Log,
    name: &'static str,
}

impl EventHandler<Ev> for DummyH {
    type Call = &'static str;
    type Reply = &'static str;
    type Terminated = (Log, &'static str);

    async fn handle_event(&mut self, e: &Ev) -> Handled {
        self.log
            .lock()
            .unwrap()
            .push(format!("{} {e:?}", self.name));
        match e {
            Ev::DoSwap => Handled::Swap(Swap::to(
                HandlerId::<Dummy1H>::new(),
                |old: Option<(Log, &'static str)>| {
                    let (log, from) = old.expect("terminate's value");
                    Dummy1H { log, from }
                },
            )),
            Ev::SwapToRefusing => Handled::Swap(Swap::to(
                HandlerId::<Refusing>::new(),
                |_: Option<(Log, &'static str)>| Refusing,
            )),
            Ev::SwapMistyped => {
                Handled::Swap(Swap::to(HandlerId::<Refusing>::new(), |_: Option<u64>| {
                    Refusing
                }))
            }
            Ev::Delete => Handled::Remove,
            Ev::Note(_) => Handled::Ok,
        }
    }

    /// `swap_call`: `{swap_handler, swapped, swapped, State, dummy1_h, []}`.
    async fn handle_call(&mut self, req: &'static str) -> HandlerReply<&'static str> {
        match req {
            "swap_call" => HandlerReply::Swap(
                "swapped",
                Swap::to(
                    HandlerId::<Dummy1H>::new(),
                    |old: Option<(Log, &'static str)>| {
                        let (log, from) = old.expect("terminate's value");
                        Dummy1H { log, from }
                    },
                ),
            ),
            _ => HandlerReply::Reply("hejhopp"),
        }
    }

    async fn terminate(&mut self, why: Removal) -> (Log, &'static str) {
        self.log
            .lock()
            .unwrap()
            .push(format!("{} terminate {why:?}", self.name));
        (self.log.clone(), self.name)
    }
}

/// The suite's `dummy1_h`: made from what `dummy_h` handed over.
struct Dummy1H {
    log: Log,
    from: &'static str,
}

impl EventHandler<Ev> for Dummy1H {
    type Call = ();
    type Reply = &'static str;
    type Terminated = ();

    async fn init(&mut self) -> Result<(), ExitReason> {
        self.log
            .lock()
            .unwrap()
            .push(format!("dummy1 init from {}", self.from));
        Ok(())
    }

    async fn handle_event(&mut self, e: &Ev) -> Handled {
        self.log.lock().unwrap().push(format!("dummy1 {e:?}"));
        match e {
            Ev::Delete => Handled::Remove,
            _ => Handled::Ok,
        }
    }

    async fn handle_call(&mut self, _: ()) -> HandlerReply<&'static str> {
        HandlerReply::Reply(self.from)
    }
}

/// A successor whose `init` refuses.
struct Refusing;

impl EventHandler<Ev> for Refusing {
    type Call = ();
    type Reply = ();
    type Terminated = ();

    async fn init(&mut self) -> Result<(), ExitReason> {
        Err(ExitReason::other("no"))
    }

    async fn handle_event(&mut self, _: &Ev) -> Handled {
        Handled::Ok
    }
}

fn none() -> Vec<otp_runtime::gen_event::AnyHandlerId> {
    Vec::new()
}

fn dummy(log: &Log, name: &'static str) -> DummyH {
    DummyH {
        log: log.clone(),
        name,
    }
}

/// gen_event_SUITE `notify` (`do_swap`): the handler swaps itself for `dummy1_h` from
/// `handle_event`; `dummy1_h` is made from what `terminate` returned, takes its place, does
/// not see the event that asked for the swap, and gets the events after it.
#[tokio::test]
async fn a_handler_swaps_itself_from_handle_event() {
    let log = log();
    let m = EventManager::<Ev>::start().await.unwrap();
    m.add_handler(dummy(&log, "dummy")).await.unwrap();
    m.sync_notify(Ev::DoSwap).await.unwrap();
    assert_eq!(
        m.which_handlers().await.unwrap(),
        [HandlerId::<Dummy1H>::new()]
    );
    m.sync_notify(Ev::Note("after")).await.unwrap();
    assert_eq!(
        take(&log),
        [
            "dummy DoSwap",
            "dummy terminate Swapped",
            "dummy1 init from dummy",
            "dummy1 Note(\"after\")",
        ]
    );
    m.stop().await.unwrap();
}

/// The successor takes the swapped handler's place in the list (OTP's `do_swap` replaces
/// the handler record in place), and the handlers after it still get the event.
#[tokio::test]
async fn the_successor_takes_its_place() {
    let log = log();
    let m = EventManager::<Ev>::start().await.unwrap();
    m.add_handler_with_id(HandlerId::<DummyH>::with_id("old"), dummy(&log, "old"))
        .await
        .unwrap();
    m.add_handler(dummy(&log, "dummy")).await.unwrap();
    m.add_handler_with_id(HandlerId::<DummyH>::with_id("new"), dummy(&log, "new"))
        .await
        .unwrap();
    let before = m.which_handlers().await.unwrap();
    assert_eq!(before[1], HandlerId::<DummyH>::new());
    // The middle one swaps.
    m.call(HandlerId::<DummyH>::new(), "swap_call")
        .await
        .unwrap();
    assert_eq!(
        m.which_handlers().await.unwrap(),
        [
            HandlerId::<DummyH>::with_id("new").any(),
            HandlerId::<Dummy1H>::new().any(),
            HandlerId::<DummyH>::with_id("old").any(),
        ]
    );
    m.sync_notify(Ev::Note("y")).await.unwrap();
    assert_eq!(
        take(&log),
        [
            "dummy terminate Swapped",
            "dummy1 init from dummy",
            "new Note(\"y\")",
            "dummy1 Note(\"y\")",
            "old Note(\"y\")",
        ]
    );
    m.stop().await.unwrap();
}

/// gen_event_SUITE `call` (`swap_call`): `{swap_handler, Reply, ..}` from `handle_call`:
/// the swap is done when the caller gets the reply.
#[tokio::test]
async fn a_handler_swaps_itself_from_handle_call() {
    let log = log();
    let m = EventManager::<Ev>::start().await.unwrap();
    m.add_handler(dummy(&log, "dummy")).await.unwrap();
    assert_eq!(
        m.call(HandlerId::<DummyH>::new(), "swap_call").await,
        Ok("swapped")
    );
    assert_eq!(
        m.which_handlers().await.unwrap(),
        [HandlerId::<Dummy1H>::new()]
    );
    assert_eq!(m.call(HandlerId::<Dummy1H>::new(), ()).await, Ok("dummy"));
    m.stop().await.unwrap();
}

/// A successor that cannot start leaves no handler (OTP reports it and drops both); a
/// maker of the wrong type, or an id already taken, is the handler's failure.
#[tokio::test]
async fn a_failed_swap_leaves_no_handler() {
    let log = log();
    let m = EventManager::<Ev>::start().await.unwrap();
    m.add_handler(dummy(&log, "dummy")).await.unwrap();
    m.sync_notify(Ev::SwapToRefusing).await.unwrap();
    assert_eq!(m.which_handlers().await.unwrap(), none());
    assert_eq!(
        take(&log),
        ["dummy SwapToRefusing", "dummy terminate Swapped"]
    );

    m.add_handler(dummy(&log, "dummy")).await.unwrap();
    m.sync_notify(Ev::SwapMistyped).await.unwrap();
    assert_eq!(m.which_handlers().await.unwrap(), none());
    let seen = take(&log);
    assert_eq!(seen[0], "dummy SwapMistyped");
    assert!(
        seen[1].starts_with("dummy terminate Failed(Other(\"swap_handler: ")
            && seen[1].contains("is made from a u64"),
        "{seen:?}"
    );

    // Swapping to an id another handler has.
    m.add_handler(Dummy1H {
        log: log.clone(),
        from: "test",
    })
    .await
    .unwrap();
    m.add_handler(dummy(&log, "dummy")).await.unwrap();
    take(&log);
    m.sync_notify(Ev::DoSwap).await.unwrap();
    assert_eq!(
        m.which_handlers().await.unwrap(),
        [HandlerId::<Dummy1H>::new()]
    );
    let seen = take(&log);
    assert!(
        seen.iter()
            .any(|l| l.contains("terminate Failed") && l.contains("is installed already")),
        "{seen:?}"
    );
    m.stop().await.unwrap();
}

/// What the owner of a supervised handler receives, in order.
#[derive(Debug)]
enum OwnerMsg {
    Exit(HandlerExit),
    Go(Ev),
}

/// gen_event_SUITE `add_sup_handler` and `notify` (supervised `do_swap`), with
/// `gen_event_EXIT` as ordinary messages: the owner is told the handler was swapped (with
/// itself as the successor's owner); the successor is supervised by it too, and its own
/// removal is a second message.
#[tokio::test]
async fn a_supervised_swap_keeps_the_owner_and_tells_it_by_message() {
    let log = log();
    let m = EventManager::<Ev>::start().await.unwrap();
    let (m2, log2) = (m.clone(), log.clone());
    let owner = otp_runtime::spawn(move |mut ctx: ProcessCtx<OwnerMsg>| async move {
        m2.add_sup_handler(
            dummy(&log2, "dummy"),
            exit_message(ctx.handle(), OwnerMsg::Exit),
        )
        .await
        .unwrap();
        let mut told = Vec::new();
        while told.len() < 2 {
            match ctx.recv().await {
                Message::Msg(OwnerMsg::Go(ev)) => m2.sync_notify(ev).await.unwrap(),
                Message::Msg(OwnerMsg::Exit(exit)) => told.push(exit),
                _ => {}
            }
        }
        let me = ctx.pid();
        assert_eq!(
            told,
            [
                HandlerExit {
                    handler: HandlerId::<DummyH>::new().any(),
                    why: HandlerExitReason::Swapped {
                        new: HandlerId::<Dummy1H>::new().any(),
                        owner: me,
                    },
                },
                HandlerExit {
                    handler: HandlerId::<Dummy1H>::new().any(),
                    why: HandlerExitReason::Normal,
                },
            ]
        );
        ExitReason::Normal
    });
    owner.send(OwnerMsg::Go(Ev::DoSwap)).unwrap();
    owner.send(OwnerMsg::Go(Ev::Delete)).unwrap();
    assert_eq!(owner.wait_exit().await, ExitReason::Normal);
    assert_eq!(m.which_handlers().await.unwrap(), none());
    m.stop().await.unwrap();
}

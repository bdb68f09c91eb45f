//! Regression tests from the review of gen_statem and gen_event.

use std::future::Future;

use otp_runtime::prelude::*;
use tokio::sync::mpsc;

// ---- gen_event: crash containment ------------------------------------------------------

/// A handler whose callbacks are plain functions returning a future, and which panics in the
/// function itself, before it returns its future (legal for a `-> impl Future` trait method).
struct Eager {
    to: mpsc::UnboundedSender<String>,
    panic_in: &'static str,
}

impl Eager {
    fn check(&self, here: &'static str) {
        if self.panic_in == here {
            panic!("eager {here}");
        }
    }
}

impl EventHandler<u8> for Eager {
    type Call = ();
    type Reply = ();
    type Terminated = ();

    #[allow(clippy::manual_async_fn)]
    fn init(&mut self) -> impl Future<Output = Result<(), ExitReason>> + Send {
        self.check("init");
        async { Ok(()) }
    }

    #[allow(clippy::manual_async_fn)]
    fn handle_event(&mut self, _: &u8) -> impl Future<Output = Handled> + Send {
        self.check("event");
        async { Handled::Ok }
    }

    #[allow(clippy::manual_async_fn)]
    fn handle_call(&mut self, (): ()) -> impl Future<Output = HandlerReply<()>> + Send {
        self.check("call");
        async { HandlerReply::Reply(()) }
    }

    #[allow(clippy::manual_async_fn)]
    fn handle_info(&mut self, _: &HandlerInfo) -> impl Future<Output = Handled> + Send {
        self.check("info");
        async { Handled::Ok }
    }

    #[allow(clippy::manual_async_fn)]
    fn terminate(&mut self, why: Removal) -> impl Future<Output = ()> + Send {
        let _ = self.to.send(format!("terminate {why:?}"));
        self.check("terminate");
        async {}
    }
}

/// A panic in a handler callback is contained even when it happens before the callback
/// gives its future back: the handler is removed, the manager and the others go on. (It
/// used to escape the manager's catch, crash the manager, and skip the other handlers'
/// `terminate`.)
#[tokio::test]
async fn gen_event_panic_before_the_future_is_contained() {
    for panic_in in ["init", "event", "call", "info", "terminate"] {
        let (to, mut rx) = mpsc::unbounded_channel();
        let m = EventManager::<u8>::start().await.unwrap();
        m.add_handler_with_id(
            HandlerId::with_id("other"),
            Eager {
                to: to.clone(),
                panic_in: "",
            },
        )
        .await
        .unwrap();
        let id = HandlerId::<Eager>::new();
        let added = m.add_handler(Eager { to, panic_in }).await;
        match panic_in {
            "init" => assert_eq!(
                added,
                Err(GenEventError::InitFailed(ExitReason::Panic(
                    "eager init".into()
                )))
            ),
            _ => added.unwrap(),
        }
        match panic_in {
            "event" => m.sync_notify(1).await.unwrap(),
            "call" => assert_eq!(
                m.call(id.clone(), ()).await,
                Err(HandlerCallError::HandlerCrashed(ExitReason::Panic(
                    "eager call".into()
                )))
            ),
            "info" => {
                m.send_info(());
                m.sync_notify(1).await.unwrap();
            }
            "terminate" => assert_eq!(
                m.delete_handler(id.clone()).await,
                Err(GenEventError::TerminateCrashed(ExitReason::Panic(
                    "eager terminate".into()
                )))
            ),
            _ => {}
        }
        assert_eq!(
            m.which_handlers().await,
            Ok(vec![HandlerId::<Eager>::with_id("other").any()]),
            "after a panic in {panic_in}"
        );
        m.stop().await.unwrap();
        let mut seen = vec![];
        while let Ok(s) = rx.try_recv() {
            seen.push(s);
        }
        assert_eq!(
            seen.last().map(String::as_str),
            Some("terminate Stopped"),
            "{panic_in}"
        );
    }
}

// ---- gen_statem: a next state equal to the current one ---------------------------------

/// A state whose `==` looks at the phase only: the retry count it carries is no part of
/// what makes a state change.
#[derive(Clone, Debug)]
struct Phase {
    up: bool,
    tries: u32,
}

impl PartialEq for Phase {
    fn eq(&self, other: &Self) -> bool {
        self.up == other.up
    }
}

struct Retrier {
    enters: u32,
}

impl GenStatem for Retrier {
    type State = Phase;
    type Call = ();
    type Reply = (Phase, u32);
    type Cast = bool;
    type Info = ();
    type Internal = ();
    type Timeout = ();
    const STATE_ENTER: bool = true;

    async fn init(&mut self, _: &mut StatemCtx<'_, Self>) -> StatemInit<Phase> {
        StatemInit::Ok(Phase {
            up: false,
            tries: 0,
        })
    }

    async fn state_enter(&mut self, _: &Phase, _: &Phase, _: &mut EnterCtx<'_, Self>) -> Enter {
        self.enters += 1;
        Enter::Keep
    }

    async fn handle_event(
        &mut self,
        s: &Phase,
        e: Event<Self>,
        _: &mut StatemCtx<'_, Self>,
    ) -> Transition<Phase> {
        match e {
            Event::Cast(up) => Transition::next(Phase {
                up,
                tries: s.tries + 1,
            }),
            Event::Call((), r) => {
                r.reply((s.clone(), self.enters));
                Transition::keep()
            }
            _ => Transition::keep(),
        }
    }
}

/// `Transition::next(s)` with an `s` equal (`==`) to the current state is no state change
/// (no enter call), but the machine's state is `s` afterwards: what `==` ignores is not
/// thrown away. (It used to keep the old value.)
#[tokio::test]
async fn gen_statem_next_to_an_equal_state_keeps_the_new_value() {
    let m = Retrier { enters: 0 }.start().await.unwrap();
    m.cast(false);
    m.cast(false);
    let (s, enters) = m.call(()).await.unwrap();
    assert_eq!((s.up, s.tries, enters), (false, 2, 1));
    m.cast(true);
    let (s, enters) = m.call(()).await.unwrap();
    assert_eq!((s.up, s.tries, enters), (true, 3, 2));
}

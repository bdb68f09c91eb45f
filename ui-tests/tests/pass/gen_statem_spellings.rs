//! Spellings the `#[gen_statem]` parser accepts, and machines with few handlers.

use std::fmt::Display;

use otp_runtime::prelude::*;

mod states {
    #[derive(Clone, Copy, Debug, PartialEq)]
    pub enum Door {
        Closed,
        Open,
    }
}

use states::Door;

pub struct DoorData {
    opened: u32,
}

// The state type given by path and taken by name (one type, two spellings), path
// attributes, `self: &mut Self`, a lone `old: &State` on the enter call, raw and
// binding-like names.
#[otp_runtime::gen_statem(state = states::Door, crate = ::otp_runtime)]
impl DoorData {
    #[otp_runtime::init]
    fn init(self: &mut Self) -> Door {
        Door::Closed
    }

    /// The only `&State` of an enter call, named `old`, is the state left.
    #[otp_runtime::enter]
    fn entered(&mut self, old: &Door) {
        if *old == Door::Closed {
            self.opened += 1;
        }
    }

    #[otp_runtime::cast]
    pub fn open(&mut self, _state: &states::Door) -> Transition<Door> {
        Transition::next(Door::Open)
    }

    /// Fields named like the bindings of the generated code, owned (cloned) and borrowed.
    #[cast]
    pub fn close(
        &mut self,
        event: u8,
        msg: &String,
        t: Vec<u8>,
        r#type: &str,
        state: &Door,
    ) -> Transition<Door> {
        let _ = (event, msg, t, r#type);
        match state {
            Door::Open => Transition::next(Door::Closed),
            Door::Closed => Transition::keep(),
        }
    }

    /// A raw name: the variant is `DoorDataCall::Type`.
    #[call]
    pub fn r#type(self: &Self, state: &Door) -> &'static str {
        match state {
            Door::Open => "open",
            Door::Closed => "closed",
        }
    }

    /// `Self` in a message and in a reply.
    #[call]
    pub fn opened(&self, reply: ReplyTo<u32>, _like: Option<Box<Self>>) {
        reply.reply(self.opened);
    }
}

/// No handler returns a `Transition`: each kind of event just keeps the state.
pub struct Quiet;

#[gen_statem(state = Option<u8>)]
impl Quiet {
    #[init]
    async fn init(&mut self, ctx: &mut StatemCtx<'_, Self>) -> StatemInit<Option<u8>> {
        ctx.next_event(Event::Internal(QuietInternal::Hello {}));
        StatemInit::Ok(None)
    }

    #[cast]
    pub fn poke(&mut self, state: &Option<u8>, n: &u8) {
        let _ = (state, n);
    }

    #[info]
    pub fn tick(&mut self, n: u8) {
        let _ = n;
    }

    #[internal]
    fn hello(&mut self) {}

    #[timeout]
    fn late(&mut self) {}

    #[info(down)]
    fn down(&mut self, _monitor: MonitorRef, _pid: Pid, _reason: ExitReason) {}
}

/// An enter call whose second `&State` is the one named `old`.
pub struct Steps {
    seen: Vec<(u8, u8)>,
}

#[gen_statem(state = u8)]
impl Steps {
    #[init]
    fn init(&mut self) -> u8 {
        0
    }

    #[enter]
    fn entered(&mut self, state: &u8, old: &u8) {
        self.seen.push((*old, *state));
    }

    #[cast]
    pub fn step(&mut self, state: &u8) -> Transition<u8> {
        Transition::next(state + 1)
    }

    #[call]
    pub fn seen(&self) -> Vec<(u8, u8)> {
        self.seen.clone()
    }

    /// A borrowed trait object (the message holds a `Box`) and a `&'static str` (the message
    /// holds the reference).
    #[cast]
    pub fn label(&mut self, what: &(dyn Display + Send), name: &'static str) -> Transition<u8> {
        let _ = format!("{name}: {what}");
        Transition::keep()
    }
}

/// Nothing but `#[init]`. (Private: its generated enums take its handlers' visibility, and
/// a `pub` type cannot name private ones in its `GenStatem` impl.)
struct Minimal;

#[gen_statem(state = bool)]
impl Minimal {
    #[init]
    fn init(&mut self) -> bool {
        false
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let door: DoorDataRef = DoorData { opened: 0 }.start().await.unwrap();
    door.open();
    assert_eq!(door.r#type().await, Ok("open"));
    door.close(1, "m".to_string(), vec![2], "t".to_string());
    assert_eq!(door.r#type().await, Ok("closed"));
    // The initial enter call and the one back to `Closed` each counted one.
    assert_eq!(door.opened(None).await, Ok(2));

    let quiet: QuietRef = Quiet.start().await.unwrap();
    quiet.poke(1);
    quiet.send(QuietInfo::Tick { n: 2 });
    let _: StatemRef<Quiet> = quiet.server().clone();

    let steps: StepsRef = Steps { seen: vec![] }.start().await.unwrap();
    steps.step();
    steps.label(Box::new(1), "one");
    assert_eq!(steps.seen().await, Ok(vec![(0, 0), (0, 1)]));

    let minimal: MinimalRef = Minimal.start_link().await.unwrap();
    let _ = minimal.pid();
}

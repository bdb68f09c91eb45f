//! A gen_server implemented by hand, with every handler and every associated type, compiles
//! against the public API alone (what `#[gen_server]` will generate must compile the same way).

use std::time::Duration;

use otp_runtime::prelude::*;

/// A counter that can be reset by a cast, ticks on a timer, and stops on request.
#[derive(Default)]
pub struct Counter {
    n: u64,
    ticks: u64,
}

pub enum Call {
    Get,
    Stop,
}

pub enum Cast {
    Add(u64),
    Reset,
}

pub struct Tick;

impl GenServer for Counter {
    type Call = Call;
    type Reply = u64;
    type Cast = Cast;
    type Info = Tick;
    type Continue = ();

    async fn init(&mut self, ctx: &mut Ctx<Self>) -> Init {
        ctx.trap_exit(true);
        ctx.send_after(Duration::from_secs(1), Tick);
        ctx.continue_with(());
        Init::Ok
    }

    async fn handle_call(&mut self, request: Call, _ctx: &mut Ctx<Self>) -> CallResult<u64> {
        match request {
            Call::Get => CallResult::Reply(self.n),
            Call::Stop => CallResult::StopReply(ExitReason::Normal, self.n),
        }
    }

    async fn handle_cast(&mut self, msg: Cast, _ctx: &mut Ctx<Self>) -> Outcome {
        match msg {
            Cast::Add(k) => self.n += k,
            Cast::Reset => self.n = 0,
        }
        Outcome::NoReply
    }

    async fn handle_info(&mut self, info: Info<Tick>, ctx: &mut Ctx<Self>) -> Outcome {
        match info {
            Info::Msg(Tick) => {
                self.ticks += 1;
                ctx.send_after(Duration::from_secs(1), Tick);
                Outcome::NoReply
            }
            Info::Exit { reason, .. } => Outcome::Stop(reason),
            Info::Down { .. } | Info::Timeout => Outcome::NoReply,
        }
    }

    async fn handle_continue(&mut self, (): (), ctx: &mut Ctx<Self>) -> Outcome {
        ctx.set_timeout(Duration::from_secs(5));
        Outcome::NoReply
    }

    async fn terminate(&mut self, _reason: &ExitReason, _ctx: &mut Ctx<Self>) {}
}

/// A client function using both kinds of handle.
pub async fn client() -> Result<u64, CallError> {
    let counter = Counter::default()
        .start_with(StartOpts::new().name("counter"))
        .await
        .map_err(|e| CallError::Exited(otp_runtime::ExitReason::other(e)))?;
    counter.cast(Cast::Add(2));
    let named = ServerRef::<Counter>::named("counter");
    named.call(Call::Stop).await
}

fn main() {}

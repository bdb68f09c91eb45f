//! The soak's workers: a gen_server, a gen_statem and a gen_event manager. Each counts the
//! casts it gets from each client and checks their sequence numbers; each handler (timers'
//! included) panics at the configured rate.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use otp_runtime::prelude::*;

/// The payload of every panic the soak injects; any other panic is a finding.
pub const INJECTED: &str = "soak: injected fault";

/// Handler panics per million handler runs.
pub static PANIC_PPM: AtomicU32 = AtomicU32::new(0);
/// How many client tasks there are (the size of each worker's sequence table).
pub static CLIENTS: AtomicU32 = AtomicU32::new(16);

pub static CASTS_HANDLED: AtomicU64 = AtomicU64::new(0);
/// Casts that arrived out of order, twice, or after a gap.
pub static OUT_OF_ORDER: AtomicU64 = AtomicU64::new(0);
pub static TIMER_MESSAGES: AtomicU64 = AtomicU64::new(0);

/// A small seeded generator (SplitMix64): the soak needs no `rand`.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// True `ppm` times in a million.
    pub fn chance(&mut self, ppm: u32) -> bool {
        self.below(1_000_000) < u64::from(ppm)
    }
}

/// Panics (an injected fault) at the configured rate.
fn fault(rng: &mut Rng) {
    if rng.chance(PANIC_PPM.load(Relaxed)) {
        std::panic::panic_any(INJECTED);
    }
}

/// The casts one incarnation got from each client: the last sequence number of each.
struct Seen(Vec<u64>);

impl Seen {
    fn new() -> Seen {
        Seen(vec![0; CLIENTS.load(Relaxed) as usize])
    }

    /// A client numbers its casts to one process 1, 2, 3...: each must come once, in order.
    fn accept(&mut self, client: usize, seq: u64) {
        let last = &mut self.0[client];
        if seq != *last + 1 && OUT_OF_ORDER.fetch_add(1, Relaxed) < 10 {
            eprintln!("VIOLATION (casts): client {client} sent {seq} after {last}");
        }
        *last = seq;
        CASTS_HANDLED.fetch_add(1, Relaxed);
    }
}

/// The gen_server worker.
pub struct Account {
    rng: Rng,
    seen: Seen,
}

impl Account {
    pub fn new(seed: u64) -> Account {
        Account {
            rng: Rng::new(seed),
            seen: Seen::new(),
        }
    }

    fn tick_later(&mut self, ctx: &mut Ctx<Self>) {
        let after = Duration::from_millis(20 + self.rng.below(200));
        ctx.send_after(after, AccountInfo::Tick {});
    }
}

#[gen_server]
impl Account {
    #[init]
    fn init(&mut self, ctx: &mut Ctx<Self>) {
        self.tick_later(ctx);
    }

    /// A numbered cast from a client.
    #[cast]
    pub fn deposit(&mut self, client: usize, seq: u64) {
        fault(&mut self.rng);
        self.seen.accept(client, seq);
    }

    /// The last cast seen from `client`.
    #[call]
    pub fn check(&mut self, client: usize) -> u64 {
        fault(&mut self.rng);
        self.seen.0[client]
    }

    /// Stops serving for a while (awaiting, not blocking its thread): its callers time out.
    #[cast]
    pub async fn stall(&mut self, for_ms: u64) {
        otp_runtime::time::sleep(Duration::from_millis(for_ms)).await;
    }

    /// A timer's message: the server keeps one timer going.
    #[info]
    fn tick(&mut self, ctx: &mut Ctx<Self>) {
        TIMER_MESSAGES.fetch_add(1, Relaxed);
        fault(&mut self.rng);
        self.tick_later(ctx);
    }
}

/// The gen_statem's states: each cast makes it busy for a while (a state timeout).
#[derive(Clone, Debug, PartialEq)]
pub enum Gate {
    Idle,
    Busy,
}

/// The gen_statem worker.
pub struct Turnstile {
    rng: Rng,
    seen: Seen,
}

impl Turnstile {
    pub fn new(seed: u64) -> Turnstile {
        Turnstile {
            rng: Rng::new(seed),
            seen: Seen::new(),
        }
    }
}

#[gen_statem(state = Gate)]
impl Turnstile {
    #[init]
    fn init(&mut self) -> Gate {
        Gate::Idle
    }

    #[enter]
    fn entered(&mut self, _old: &Gate, state: &Gate, ctx: &mut EnterCtx<Self>) {
        if *state == Gate::Busy {
            let after = Duration::from_millis(10 + self.rng.below(90));
            ctx.state_timeout(after, TurnstileTimeout::Rest {});
        }
    }

    /// A numbered cast from a client.
    #[cast]
    pub fn push(&mut self, state: &Gate, client: usize, seq: u64) -> Transition<Gate> {
        fault(&mut self.rng);
        self.seen.accept(client, seq);
        match state {
            Gate::Idle => Transition::next(Gate::Busy),
            Gate::Busy => Transition::keep(),
        }
    }

    /// The last cast seen from `client`.
    #[call]
    pub fn check(&mut self, client: usize) -> u64 {
        fault(&mut self.rng);
        self.seen.0[client]
    }

    /// The state timeout: back to idle.
    #[timeout]
    fn rest(&mut self) -> Transition<Gate> {
        TIMER_MESSAGES.fetch_add(1, Relaxed);
        fault(&mut self.rng);
        Transition::next(Gate::Idle)
    }
}

/// The gen_event manager's events: a numbered cast from a client.
#[derive(Clone, Debug)]
pub struct Note {
    pub client: usize,
    pub seq: u64,
}

/// Counts the notes; never fails, so its count survives the other handler's crashes.
pub struct Tally(Seen);

impl Tally {
    pub fn new() -> Tally {
        Tally(Seen::new())
    }
}

impl EventHandler<Note> for Tally {
    type Call = usize;
    type Reply = u64;
    type Terminated = ();

    async fn handle_event(&mut self, note: &Note) -> Handled {
        self.0.accept(note.client, note.seq);
        Handled::Ok
    }

    async fn handle_call(&mut self, client: usize) -> HandlerReply<u64> {
        HandlerReply::Reply(self.0 .0[client])
    }
}

/// Panics at the configured rate: the manager removes it and goes on; clients add it back.
pub struct Flaky(Rng);

impl Flaky {
    pub fn new(seed: u64) -> Flaky {
        Flaky(Rng::new(seed))
    }
}

impl EventHandler<Note> for Flaky {
    type Call = ();
    type Reply = ();
    type Terminated = ();

    async fn handle_event(&mut self, _: &Note) -> Handled {
        fault(&mut self.0);
        Handled::Ok
    }
}

//! The state machine engine: a gen_server that turns its messages into events and runs
//! OTP's transition steps after each one (see the module docs for the steps).
//!
//! Built on the gen_server loop, which gives it start, names, links, stop, crash
//! containment and supervision for free. Its internal queues (inserted and retried events,
//! then zero-timeout events) are drained through `handle_continue`, which runs before the
//! next message; the event timeout is the gen_server timeout, which any message cancels.

use std::collections::VecDeque;
use std::time::Duration;

use super::ctx::{Actions, EnterCtx, StatemCtx, TimerOp, Which};
use super::transition::{Enter, StatemInit, Step, Transition};
use super::{Event, GenStatem, TimeoutName};
use crate::{CallResult, Ctx, ExitReason, GenServer, Info, Init, Outcome, TimerRef, INFINITY};

/// What the engine's timers and user timers send. Public for the handle; not for direct use.
#[doc(hidden)]
pub enum MachineInfo<I> {
    /// A message for `handle_event`.
    User(I),
    /// The state timeout fired.
    StateTimer,
    /// The generic timeout with this id fired.
    Generic(u64),
}

/// The variant indexes of the machine's own messages, for its crash report (the user's
/// enums count from 0; `#[gen_statem]` accepts at most a few thousand variants).
const STATE_TIMER: u16 = 0x0FFE;
const GENERIC_TIMER: u16 = 0x0FFD;
const QUEUED: u16 = 0x0FFC;

struct GenericTimer<C> {
    name: TimeoutName,
    id: u64,
    timer: TimerRef,
    content: C,
}

/// A state machine as a gen_server. Public for the handle type; not for direct use.
#[doc(hidden)]
pub struct Machine<M: GenStatem> {
    data: M,
    /// `None` until `init` has given the first state.
    state: Option<M::State>,
    /// Inserted and retried events, handled before the mailbox.
    queue: VecDeque<Event<M>>,
    /// Zero-time timeouts (OTP's `t0q`), handled after `queue` and before the mailbox, in
    /// the order they were set. Each entry belongs to its timer: restarting, cancelling or
    /// updating the timer (and, for the event and state timeouts, what cancels them) acts
    /// on it. Kept apart from `queue` because an inserted `Event::StateTimeout` (say) is an
    /// event like any other, not a timer.
    zero: VecDeque<Event<M>>,
    /// Postponed events, oldest first.
    postponed: VecDeque<Event<M>>,
    /// The content of the running event timeout (the gen_server timeout).
    event_timeout: Option<M::Timeout>,
    state_timer: Option<(TimerRef, M::Timeout)>,
    generic: Vec<GenericTimer<M::Timeout>>,
    next_generic: u64,
    /// The initial state enter call is still to run.
    entering: bool,
    acts: Actions<M>,
}

impl<M: GenStatem> Machine<M> {
    pub(crate) fn new(data: M) -> Self {
        Machine {
            data,
            state: None,
            queue: VecDeque::new(),
            zero: VecDeque::new(),
            postponed: VecDeque::new(),
            event_timeout: None,
            state_timer: None,
            generic: Vec::new(),
            next_generic: 0,
            entering: false,
            acts: Actions::new(),
        }
    }

    /// Handles one event and runs the transition it returns.
    async fn handle(&mut self, event: Event<M>, ctx: &mut Ctx<Self>) -> Outcome {
        // Any event cancels the event timeout (the gen_server timeout is already off), a
        // zero one waiting in `zero` included (OTP removes it from its `t0q`).
        self.event_timeout = None;
        self.cancel_zero(&Which::Event);
        let state = self.state.as_ref().expect("events come after init");
        let mut sctx = StatemCtx {
            base: EnterCtx {
                gs: ctx,
                acts: &mut self.acts,
            },
        };
        let t = self.data.handle_event(state, event, &mut sctx).await;
        match self.transition(t, ctx).await {
            None => Outcome::NoReply,
            Some(reason) => Outcome::Stop(reason),
        }
    }

    /// OTP's transition steps, after a handler returned `t`; `Some` if the machine stops.
    async fn transition(
        &mut self,
        t: Transition<M::State>,
        ctx: &mut Ctx<Self>,
    ) -> Option<ExitReason> {
        if t.postpone && self.acts.postponed.is_none() {
            self.acts.clear();
            return Some(bad_action(
                "postpone without the event: give it back with StatemCtx::postpone(event)",
            ));
        }
        let state = self.state.as_mut().expect("a state after init");
        // `old`: the state left, on a state change.
        let (old, enters) = match t.step {
            Step::Stop(reason) => {
                self.acts.clear();
                return Some(reason);
            }
            Step::Keep => (None, false),
            Step::Repeat => (None, true),
            // Not a state change, but the machine is in `new` now: what `==` ignores (a
            // custom `PartialEq`) is the handler's to set, not lost (OTP stores NextState).
            Step::Next(new) if new == *state => {
                *state = new;
                (None, false)
            }
            Step::Next(new) => (Some(std::mem::replace(state, new)), true),
        };
        let changed = old.is_some();
        if changed {
            // The old state's timeout ends with it, a zero one not yet handled included; one
            // set by this transition's actions (applied below) belongs to the new state.
            self.cancel_timer_of(&Which::State, ctx);
        }
        if enters && M::STATE_ENTER {
            let new = self.state.as_ref().expect("a state after init");
            let old = old.as_ref().unwrap_or(new);
            if let Some(reason) = enter(&mut self.data, &mut self.acts, old, new, ctx).await {
                return Some(reason);
            }
        }
        self.apply_actions(changed, ctx);
        None
    }

    /// Steps 3 to 6: postponing, retrying, inserting, timeouts.
    fn apply_actions(&mut self, changed: bool, ctx: &mut Ctx<Self>) {
        if let Some(event) = self.acts.postponed.take() {
            self.postponed.push_back(event);
        }
        if changed {
            // Retried first, oldest first.
            while let Some(event) = self.postponed.pop_back() {
                self.queue.push_front(event);
            }
        }
        for event in self.acts.next_events.drain(..).rev() {
            self.queue.push_front(event);
        }
        // OTP (`loop_timeouts`): only the last action of each kind of timeout counts, and
        // zero timeouts are queued in the order of those actions, after whatever zero
        // timeouts are already waiting.
        let mut ops = std::mem::take(&mut self.acts.timers);
        let mut last: Vec<(Which, TimerOp<M::Timeout>)> = Vec::with_capacity(ops.len());
        while let Some((which, op)) = ops.pop() {
            if !last.iter().any(|(w, _)| *w == which) {
                last.push((which, op));
            }
        }
        let mut event_after = None;
        for (which, op) in last.into_iter().rev() {
            match op {
                TimerOp::Set(after, content) => {
                    self.cancel_timer_of(&which, ctx);
                    if after.is_zero() {
                        self.zero.push_back(timeout_event(which, content));
                    } else if after != INFINITY {
                        self.start_timer(which, after, content, ctx, &mut event_after);
                    }
                }
                TimerOp::SetAt(deadline, content) => {
                    self.cancel_timer_of(&which, ctx);
                    // OTP (`{abs, true}`): always a timer, never a zero-time timeout; one
                    // whose time has passed expires at once.
                    let after = deadline.saturating_duration_since(crate::time::Instant::now());
                    self.start_timer(which, after, content, ctx, &mut event_after);
                }
                TimerOp::Cancel => self.cancel_timer_of(&which, ctx),
                TimerOp::Update(content) => self.update_timer(which, content),
            }
        }
        // Any event cancels an event timeout, so one set while events are queued never
        // fires.
        if let Some(after) = event_after {
            if self.queue.is_empty() && self.zero.is_empty() {
                ctx.set_timeout(after);
            } else {
                self.event_timeout = None;
            }
        }
        let idle = self.queue.is_empty() && self.zero.is_empty();
        if std::mem::take(&mut self.acts.hibernate) && idle {
            ctx.hibernate();
        }
        if !idle {
            ctx.continue_with(());
        }
    }

    /// Starts a timer of `after` (neither zero nor infinite); the event timeout's time is
    /// only noted in `event_after`, it is armed once the queues are known to be empty.
    fn start_timer(
        &mut self,
        which: Which,
        after: Duration,
        content: M::Timeout,
        ctx: &mut Ctx<Self>,
        event_after: &mut Option<Duration>,
    ) {
        match which {
            Which::Event => {
                self.event_timeout = Some(content);
                *event_after = Some(after);
            }
            Which::State => {
                let timer = ctx.send_after(after, MachineInfo::StateTimer);
                self.state_timer = Some((timer, content));
            }
            Which::Generic(name) => {
                let id = self.next_generic;
                self.next_generic += 1;
                let timer = ctx.send_after(after, MachineInfo::Generic(id));
                self.generic.push(GenericTimer {
                    name,
                    id,
                    timer,
                    content,
                });
            }
        }
    }

    /// Cancels the timer of `which`: running, or waiting in `zero` (OTP's `cancel_timer`).
    fn cancel_timer_of(&mut self, which: &Which, ctx: &mut Ctx<Self>) {
        match which {
            // Not armed here: actions are applied while the gen_server timeout is off.
            Which::Event => self.event_timeout = None,
            Which::State => {
                if let Some((timer, _)) = self.state_timer.take() {
                    ctx.cancel_timer(timer);
                }
            }
            Which::Generic(name) => {
                if let Some(i) = self.generic.iter().position(|g| g.name == *name) {
                    ctx.cancel_timer(self.generic.swap_remove(i).timer);
                }
            }
        }
        self.cancel_zero(which);
    }

    /// Removes the zero timeout of `which` from `zero`, if it is there.
    fn cancel_zero(&mut self, which: &Which) {
        if let Some(i) = self.zero.iter().position(|e| is_timeout_of(e, which)) {
            self.zero.remove(i);
        }
    }

    /// Changes what the timer of `which` brings, keeping its time (a zero one keeps its
    /// place in `zero`); with none, the event comes at once (OTP's `loop_timeouts_update`).
    fn update_timer(&mut self, which: Which, content: M::Timeout) {
        let running = match &which {
            Which::Event => self.event_timeout.as_mut(),
            Which::State => self.state_timer.as_mut().map(|(_, c)| c),
            Which::Generic(name) => self
                .generic
                .iter_mut()
                .find(|g| g.name == *name)
                .map(|g| &mut g.content),
        };
        if let Some(c) = running {
            *c = content;
        } else if let Some(e) = self.zero.iter_mut().find(|e| is_timeout_of(e, &which)) {
            match e {
                Event::Timeout(c) | Event::StateTimeout(c) | Event::GenericTimeout(_, c) => {
                    *c = content;
                }
                _ => unreachable!("`zero` holds timeout events only"),
            }
        } else {
            self.zero.push_back(timeout_event(which, content));
        }
    }
}

/// The event a timeout of `which` brings.
fn timeout_event<M: GenStatem>(which: Which, content: M::Timeout) -> Event<M> {
    match which {
        Which::Event => Event::Timeout(content),
        Which::State => Event::StateTimeout(content),
        Which::Generic(name) => Event::GenericTimeout(name, content),
    }
}

/// Whether `e`, an entry of `zero`, is the zero timeout of `which`.
fn is_timeout_of<M: GenStatem>(e: &Event<M>, which: &Which) -> bool {
    match (which, e) {
        (Which::Event, Event::Timeout(_)) | (Which::State, Event::StateTimeout(_)) => true,
        (Which::Generic(name), Event::GenericTimeout(n, _)) => n == name,
        _ => false,
    }
}

/// The state enter call; `Some` if it stops the machine.
async fn enter<M: GenStatem>(
    data: &mut M,
    acts: &mut Actions<M>,
    old: &M::State,
    new: &M::State,
    ctx: &mut Ctx<Machine<M>>,
) -> Option<ExitReason> {
    let mut ectx = EnterCtx { gs: ctx, acts };
    match data.state_enter(old, new, &mut ectx).await {
        Enter::Keep => None,
        Enter::Stop(reason) => {
            ectx.acts.clear();
            Some(reason)
        }
    }
}

/// OTP's `bad_action_from_state_function`, as an exit reason.
fn bad_action(what: &str) -> ExitReason {
    ExitReason::other(format!("bad_action_from_state_function: {what}"))
}

impl<M: GenStatem> GenServer for Machine<M> {
    type Call = M::Call;
    type Reply = M::Reply;
    type Cast = M::Cast;
    type Info = MachineInfo<M::Info>;
    type Continue = ();

    async fn init(&mut self, ctx: &mut Ctx<Self>) -> Init {
        let mut sctx = StatemCtx {
            base: EnterCtx {
                gs: ctx,
                acts: &mut self.acts,
            },
        };
        match self.data.init(&mut sctx).await {
            StatemInit::Ok(state) => {
                if self.acts.postponed.is_some() {
                    self.acts.clear();
                    return Init::Stop(bad_action("postpone in init, where there is no event"));
                }
                self.state = Some(state);
                if M::STATE_ENTER {
                    // The initial enter call runs as the first thing after the start, so
                    // that a stop there is a stop of a started machine (with `terminate`),
                    // as in OTP. Init's actions wait for it.
                    self.entering = true;
                    ctx.continue_with(());
                } else {
                    self.apply_actions(false, ctx);
                }
                Init::Ok
            }
            StatemInit::Ignore => Init::Ignore,
            StatemInit::Stop(reason) => Init::Stop(reason),
        }
    }

    async fn handle_call(&mut self, request: M::Call, ctx: &mut Ctx<Self>) -> CallResult<M::Reply> {
        let reply = ctx.defer_reply().expect("a call has its reply handle");
        match self.handle(Event::Call(request, reply), ctx).await {
            Outcome::NoReply => CallResult::NoReply,
            Outcome::Stop(reason) => CallResult::Stop(reason),
        }
    }

    async fn handle_cast(&mut self, msg: M::Cast, ctx: &mut Ctx<Self>) -> Outcome {
        self.handle(Event::Cast(msg), ctx).await
    }

    async fn handle_info(
        &mut self,
        info: Info<MachineInfo<M::Info>>,
        ctx: &mut Ctx<Self>,
    ) -> Outcome {
        let event = match info {
            Info::Msg(MachineInfo::User(info)) => Event::Info(info),
            // A cancelled timer never arrives, so a fired one is the running one.
            Info::Msg(MachineInfo::StateTimer) => match self.state_timer.take() {
                Some((_, content)) => Event::StateTimeout(content),
                None => return Outcome::NoReply,
            },
            Info::Msg(MachineInfo::Generic(id)) => {
                match self.generic.iter().position(|g| g.id == id) {
                    Some(i) => {
                        let g = self.generic.swap_remove(i);
                        Event::GenericTimeout(g.name, g.content)
                    }
                    None => return Outcome::NoReply,
                }
            }
            Info::Timeout => match self.event_timeout.take() {
                Some(content) => Event::Timeout(content),
                None => return Outcome::NoReply,
            },
            Info::Exit { from, reason } => Event::Exit { from, reason },
            Info::Down {
                monitor,
                pid,
                reason,
            } => Event::Down {
                monitor,
                pid,
                reason,
            },
        };
        self.handle(event, ctx).await
    }

    async fn handle_continue(&mut self, (): (), ctx: &mut Ctx<Self>) -> Outcome {
        if std::mem::take(&mut self.entering) {
            // OTP: the old state of the initial enter call is the state itself.
            let state = self.state.as_ref().expect("a state after init");
            if let Some(reason) = enter(&mut self.data, &mut self.acts, state, state, ctx).await {
                return Outcome::Stop(reason);
            }
            self.apply_actions(false, ctx);
            return Outcome::NoReply;
        }
        // Inserted and retried events first, then zero timeouts.
        match self.queue.pop_front().or_else(|| self.zero.pop_front()) {
            Some(event) => self.handle(event, ctx).await,
            None => Outcome::NoReply,
        }
    }

    const BEHAVIOUR: crate::sys::Behaviour = crate::sys::Behaviour::GenStatem;

    #[inline(always)]
    fn call_variant(request: &M::Call) -> u16 {
        M::call_variant(request)
    }

    #[inline(always)]
    fn cast_variant(msg: &M::Cast) -> u16 {
        M::cast_variant(msg)
    }

    #[inline(always)]
    fn info_variant(msg: &MachineInfo<M::Info>) -> u16 {
        match msg {
            MachineInfo::User(info) => M::info_variant(info),
            MachineInfo::StateTimer => STATE_TIMER,
            MachineInfo::Generic(_) => GENERIC_TIMER,
        }
    }

    #[inline(always)]
    fn continue_variant((): &()) -> u16 {
        QUEUED
    }

    fn variant_name(kind: crate::MessageKind, index: u16) -> Option<&'static str> {
        match (kind, index) {
            (crate::MessageKind::Info, STATE_TIMER) => Some("state timeout"),
            (crate::MessageKind::Info, GENERIC_TIMER) => Some("generic timeout"),
            (crate::MessageKind::Continue, QUEUED) => Some(
                "an event the machine queued (inserted, postponed or a zero timeout), or its \
                 initial state enter call",
            ),
            _ => M::variant_name(kind, index),
        }
    }

    fn format_status(&self) -> Option<String> {
        self.data.format_status(self.state.as_ref()?)
    }

    fn hibernate(&mut self) {
        self.queue.shrink_to_fit();
        self.zero.shrink_to_fit();
        self.postponed.shrink_to_fit();
        self.generic.shrink_to_fit();
        self.data.hibernate();
    }

    fn sys_state(&mut self) -> (&mut dyn std::any::Any, &'static str) {
        (
            crate::sys::as_any(&mut self.data),
            std::any::type_name::<M>(),
        )
    }

    fn sys_data(&self) -> Vec<(&'static str, String)> {
        let mut data = Vec::new();
        if let Some(state) = self.state.as_ref() {
            if let Some(text) = self.data.format_status(state) {
                data.push(("state", text));
            }
        }
        data.push(("postponed", self.postponed.len().to_string()));
        // The running timers (OTP's `{timeouts, N, List}` in `sys:get_status`), by kind;
        // a generic one by its name.
        let mut timers = Vec::new();
        if self.event_timeout.is_some() {
            timers.push("event timeout".to_owned());
        }
        if self.state_timer.is_some() {
            timers.push("state timeout".to_owned());
        }
        timers.extend(
            self.generic
                .iter()
                .map(|g| format!("timeout {:?}", g.name.as_str())),
        );
        data.push(("timers", timers.join(", ")));
        data
    }

    async fn terminate(&mut self, reason: &ExitReason, ctx: &mut Ctx<Self>) {
        self.acts.clear();
        if let Some(state) = &self.state {
            let mut ectx = EnterCtx {
                gs: ctx,
                acts: &mut self.acts,
            };
            self.data.terminate(reason, state, &mut ectx).await;
        }
    }
}

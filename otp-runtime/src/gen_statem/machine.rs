//! The state machine engine: a gen_server that turns its messages into events and runs
//! OTP's transition steps after each one (see the module docs for the steps).
//!
//! Built on the gen_server loop, which gives it start, names, links, stop, crash
//! containment and supervision for free. Its internal queue (inserted, retried and
//! zero-timeout events) is drained through `handle_continue`, which runs before the next
//! message; the event timeout is the gen_server timeout, which any message cancels.

use std::collections::VecDeque;

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
    /// Inserted, retried and zero-timeout events, handled before the mailbox.
    queue: VecDeque<Event<M>>,
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
        // Any event cancels the event timeout (the gen_server timeout is already off).
        self.event_timeout = None;
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
            Step::Next(new) if new == *state => (None, false),
            Step::Next(new) => (Some(std::mem::replace(state, new)), true),
        };
        let changed = old.is_some();
        if changed {
            // The old state's timeout ends with it; one set by this transition's actions
            // (applied below) belongs to the new state.
            if let Some((timer, _)) = self.state_timer.take() {
                ctx.cancel_timer(timer);
            }
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
        let mut event_timeout = None;
        for (which, op) in std::mem::take(&mut self.acts.timers) {
            match which {
                // The last one wins.
                Which::Event => event_timeout = Some(op),
                Which::State => self.state_timer_op(op, ctx),
                Which::Generic(name) => self.generic_timer_op(name, op, ctx),
            }
        }
        // Any event cancels an event timeout, so one set while events are queued never
        // fires.
        if let Some(TimerOp::Set(after, content)) = event_timeout {
            if after != INFINITY && self.queue.is_empty() {
                if after.is_zero() {
                    self.queue.push_back(Event::Timeout(content));
                } else {
                    ctx.set_timeout(after);
                    self.event_timeout = Some(content);
                }
            }
        }
        if std::mem::take(&mut self.acts.hibernate) && self.queue.is_empty() {
            ctx.hibernate();
        }
        if !self.queue.is_empty() {
            ctx.continue_with(());
        }
    }

    fn state_timer_op(&mut self, op: TimerOp<M::Timeout>, ctx: &mut Ctx<Self>) {
        match op {
            TimerOp::Set(after, content) => {
                if let Some((timer, _)) = self.state_timer.take() {
                    ctx.cancel_timer(timer);
                }
                if after.is_zero() {
                    self.queue.push_back(Event::StateTimeout(content));
                } else if after != INFINITY {
                    let timer = ctx.send_after(after, MachineInfo::StateTimer);
                    self.state_timer = Some((timer, content));
                }
            }
            TimerOp::Cancel => {
                if let Some((timer, _)) = self.state_timer.take() {
                    ctx.cancel_timer(timer);
                }
            }
            TimerOp::Update(content) => match &mut self.state_timer {
                Some((_, running)) => *running = content,
                None => self.queue.push_back(Event::StateTimeout(content)),
            },
        }
    }

    fn generic_timer_op(
        &mut self,
        name: TimeoutName,
        op: TimerOp<M::Timeout>,
        ctx: &mut Ctx<Self>,
    ) {
        let running = self.generic.iter().position(|g| g.name == name);
        match op {
            TimerOp::Set(after, content) => {
                if let Some(i) = running {
                    ctx.cancel_timer(self.generic.swap_remove(i).timer);
                }
                if after.is_zero() {
                    self.queue.push_back(Event::GenericTimeout(name, content));
                } else if after != INFINITY {
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
            TimerOp::Cancel => {
                if let Some(i) = running {
                    ctx.cancel_timer(self.generic.swap_remove(i).timer);
                }
            }
            TimerOp::Update(content) => match running {
                Some(i) => self.generic[i].content = content,
                None => self.queue.push_back(Event::GenericTimeout(name, content)),
            },
        }
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
        match self.queue.pop_front() {
            Some(event) => self.handle(event, ctx).await,
            None => Outcome::NoReply,
        }
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

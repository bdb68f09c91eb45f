//! What callbacks return: the initial state, the next state, an enter call's decision.

use crate::ExitReason;

/// What `init` decided.
///
/// # Examples
///
/// ```
/// use otp_runtime::gen_statem::StatemInit;
/// let start: StatemInit<&str> = StatemInit::Ok("locked");
/// assert!(matches!(start, StatemInit::Ok("locked")));
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum StatemInit<S> {
    /// Start in this state (`{ok, State, Data}`).
    Ok(S),
    /// Do not start; `start` returns [`StartError::Ignored`](crate::StartError::Ignored).
    Ignore,
    /// Do not start; `start` returns [`StartError::Failed`](crate::StartError::Failed) with
    /// the reason, which is also the process's exit reason.
    Stop(ExitReason),
}

impl<S> From<S> for StatemInit<S> {
    fn from(state: S) -> Self {
        StatemInit::Ok(state)
    }
}

/// What a state enter call decided. It cannot change the state: OTP forbids it.
///
/// # Examples
///
/// ```
/// use otp_runtime::gen_statem::Enter;
/// assert_ne!(Enter::Keep, Enter::Stop(otp_runtime::ExitReason::Normal));
/// ```
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub enum Enter {
    /// Stay in the entered state (`keep_state`).
    #[default]
    Keep,
    /// Stop the machine (`{stop, Reason}`).
    Stop(ExitReason),
}

impl From<()> for Enter {
    fn from((): ()) -> Self {
        Enter::Keep
    }
}

/// What comes after an event: stay, move to a state, re-enter the state, or stop; with a
/// reply (`R`) for handlers of the `#[gen_statem]` macro that answer a call by returning.
///
/// # Examples
///
/// ```
/// use otp_runtime::gen_statem::Transition;
/// use otp_runtime::ExitReason;
///
/// let t: Transition<&str> = Transition::next("open");
/// assert_eq!(t.next_state(), Some(&"open"));
/// let t: Transition<&str, u32> = Transition::keep().reply(4);
/// assert_eq!(t.reply_value(), Some(&4));
/// let t: Transition<&str> = Transition::stop(ExitReason::Normal);
/// assert_eq!(t.stop_reason(), Some(&ExitReason::Normal));
/// let t: Transition<&str> = Transition::keep().postpone();
/// assert!(t.is_postponed());
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
#[must_use = "a transition does nothing unless returned"]
pub struct Transition<S, R = ()> {
    pub(crate) step: Step<S>,
    pub(crate) reply: Option<R>,
    pub(crate) postpone: bool,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) enum Step<S> {
    Keep,
    Next(S),
    Repeat,
    Stop(ExitReason),
}

impl<S, R> Transition<S, R> {
    fn new(step: Step<S>) -> Self {
        Transition {
            step,
            reply: None,
            postpone: false,
        }
    }

    /// Stay in the current state (`keep_state`): no enter call, postponed events stay
    /// postponed, the state timeout keeps running.
    ///
    /// # Examples
    ///
    /// See [`Transition`].
    pub fn keep() -> Self {
        Self::new(Step::Keep)
    }

    /// Go to `state` (`next_state`). If it is not `==` to the current one, this is a state
    /// change: the state timeout is cancelled, postponed events are retried, and the enter
    /// call runs. Going to an equal state is no state change (as [`Transition::keep`]),
    /// but the machine's state becomes `state`.
    ///
    /// # Examples
    ///
    /// See [`Transition`].
    pub fn next(state: S) -> Self {
        Self::new(Step::Next(state))
    }

    /// Stay, but run the state enter call again (`repeat_state`).
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::gen_statem::Transition;
    /// let t: Transition<u8> = Transition::repeat();
    /// assert_eq!(t.next_state(), None);
    /// ```
    pub fn repeat() -> Self {
        Self::new(Step::Repeat)
    }

    /// Stop the machine with `reason` (`stop`): `terminate` runs, then the process exits.
    /// Replies given before (or with [`Transition::reply`]) are sent first
    /// (`stop_and_reply`).
    ///
    /// # Examples
    ///
    /// See [`Transition`].
    pub fn stop(reason: ExitReason) -> Self {
        Self::new(Step::Stop(reason))
    }

    /// The reply to the call being handled, for `#[call]` handlers of the `#[gen_statem]`
    /// macro that return a `Transition<State, Reply>`. It is sent before anything else
    /// happens (before `terminate` when stopping).
    ///
    /// # Examples
    ///
    /// See [`Transition`].
    pub fn reply(mut self, reply: R) -> Self {
        self.reply = Some(reply);
        self
    }

    /// Postpone the event being handled (`postpone`), for handlers of the `#[gen_statem]`
    /// macro: it is retried after the next state change, and a call postponed gets no
    /// reply now. Written by hand, a [`GenStatem`](super::GenStatem) gives the event back
    /// with [`StatemCtx::postpone`](super::StatemCtx::postpone) instead.
    ///
    /// # Examples
    ///
    /// See [`Transition`].
    pub fn postpone(mut self) -> Self {
        self.postpone = true;
        self
    }

    /// The state this goes to, if it names one.
    ///
    /// # Examples
    ///
    /// See [`Transition`].
    pub fn next_state(&self) -> Option<&S> {
        match &self.step {
            Step::Next(s) => Some(s),
            _ => None,
        }
    }

    /// The stop reason, if this stops.
    ///
    /// # Examples
    ///
    /// See [`Transition`].
    pub fn stop_reason(&self) -> Option<&ExitReason> {
        match &self.step {
            Step::Stop(r) => Some(r),
            _ => None,
        }
    }

    /// The reply it carries, if any.
    ///
    /// # Examples
    ///
    /// See [`Transition`].
    pub fn reply_value(&self) -> Option<&R> {
        self.reply.as_ref()
    }

    /// Whether it postpones the event.
    ///
    /// # Examples
    ///
    /// See [`Transition`].
    pub fn is_postponed(&self) -> bool {
        self.postpone
    }

    /// Splits off the reply: for generated code, which sends it and returns the rest.
    #[doc(hidden)]
    pub fn take_reply(self) -> (Option<R>, Transition<S>) {
        (
            self.reply,
            Transition {
                step: self.step,
                reply: None,
                postpone: self.postpone,
            },
        )
    }
}

impl<S> From<()> for Transition<S> {
    /// A handler that returns nothing keeps its state.
    fn from((): ()) -> Self {
        Transition::keep()
    }
}

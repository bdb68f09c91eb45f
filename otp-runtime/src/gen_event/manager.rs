//! The event manager process: a gen_server whose state is its list of handlers.
//!
//! Building the manager on [`GenServer`] gives it start, link, names, stop, calls with
//! timeouts, and supervision for free; what is its own is the handler list and the rules of
//! OTP's `gen_event` for it. The manager traps exits: its parent's exit signal stops it
//! (every handler's `terminate` runs), and an owner's exit signal removes the owner's
//! supervised handlers. Each handler callback runs with its panics caught, so a crashing
//! handler is removed and the manager lives on.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use super::erased::{AnyBox, ErasedHandler};
use super::{
    AnyHandlerId, GenEventError, Handled, HandlerCallError, HandlerExit, HandlerExitReason,
    HandlerInfo, HandlerReply, Removal, Swap,
};
use crate::process::run::catch_unwind_future;
use crate::{CallResult, Ctx, ExitReason, GenServer, Info, Init, Outcome, Pid};

/// The process that added a supervised handler, and how to tell it the handler left.
#[derive(Clone)]
pub(super) struct Owner {
    pub(super) pid: Pid,
    pub(super) on_exit: Arc<dyn Fn(HandlerExit) + Send + Sync>,
}

/// Makes a swap's new handler from what the old one's `terminate` returned (`None` if there
/// was no old handler, or its `terminate` panicked).
pub(super) type MakeHandler<E> =
    Box<dyn FnOnce(Option<AnyBox>) -> Box<dyn ErasedHandler<E>> + Send>;

/// The requests the handle sends with a call.
pub(super) enum Request<E> {
    Add {
        id: AnyHandlerId,
        handler: Box<dyn ErasedHandler<E>>,
        owner: Option<Owner>,
    },
    Delete(AnyHandlerId),
    Swap {
        old: AnyHandlerId,
        new: AnyHandlerId,
        make: MakeHandler<E>,
        /// `Some` for `swap_sup_handler`: the new owner. `None`: the old handler's owner,
        /// if any, carries over.
        owner: Option<Owner>,
    },
    Which,
    SyncNotify(E),
    Call(AnyHandlerId, AnyBox),
}

/// The manager's answers, one variant per kind of request.
pub(super) enum Response {
    Added(Result<(), GenEventError>),
    Deleted(Result<AnyBox, GenEventError>),
    Handlers(Vec<AnyHandlerId>),
    Notified,
    Called(Result<AnyBox, HandlerCallError>),
}

/// One installed handler.
struct Slot<E> {
    id: AnyHandlerId,
    handler: Box<dyn ErasedHandler<E>>,
    owner: Option<Owner>,
}

/// The event manager's state: its handlers, the newest first (OTP's order, for
/// `which_handlers` and for the order events are delivered in).
pub(super) struct Manager<E> {
    handlers: Vec<Slot<E>>,
    /// The owners the manager linked to and has not seen exit: unlinked when it stops.
    owners: Vec<Pid>,
}

impl<E> Manager<E> {
    pub(super) fn new() -> Self {
        Manager {
            handlers: Vec::new(),
            owners: Vec::new(),
        }
    }

    fn position(&self, id: &AnyHandlerId) -> Option<usize> {
        self.handlers.iter().position(|slot| slot.id == *id)
    }
}

/// What the handlers are given: an event, or an info.
#[derive(Clone, Copy)]
enum Input<'a, E> {
    Event(&'a E),
    Info(&'a HandlerInfo),
}

impl<E: Send + Sync + 'static> Manager<E> {
    /// Gives `input` to every handler, newest first; removes those that crash, fail or ask
    /// to leave (OTP's `server_notify`).
    async fn deliver(&mut self, me: Pid, input: Input<'_, E>) {
        let mut i = 0;
        while i < self.handlers.len() {
            let handler = &mut self.handlers[i].handler;
            let handled = match input {
                Input::Event(event) => catch_unwind_future(handler.handle_event(event)).await,
                Input::Info(info) => catch_unwind_future(handler.handle_info(info)).await,
            };
            let why = match handled {
                Ok(Handled::Ok) => {
                    i += 1;
                    continue;
                }
                Ok(Handled::Swap(swap)) => {
                    // The successor takes the handler's place, and does not see this input.
                    if self.swap_in_place(me, i, swap).await {
                        i += 1;
                    }
                    continue;
                }
                Ok(Handled::Remove) => Removal::Removed,
                Ok(Handled::Fail(reason)) => Removal::Failed(reason),
                Err(panic) => Removal::Crashed(panic),
            };
            let slot = self.handlers.remove(i);
            let _ = retire(me, slot, why, None).await;
        }
    }

    /// OTP's `do_swap`, for a swap the handler at `i` asked for from a callback: its
    /// `terminate`, then the successor, made from what it returned, takes its place and its
    /// owner. Whether a handler sits at `i` after (the successor may fail to start).
    async fn swap_in_place(&mut self, me: Pid, i: usize, swap: Swap) -> bool {
        let new = swap.new.clone();
        let refused = match swap.take_make::<E>() {
            None => format!(
                "swap_handler: {new} handles another event type, or its swap was used already"
            ),
            Some(_) if self.position(&new).is_some_and(|j| j != i) => {
                format!("swap_handler: {new} is installed already")
            }
            Some(make) => {
                let slot = self.handlers.remove(i);
                let owner = slot.owner.clone();
                let notice = owner.as_ref().map(|o| HandlerExitReason::Swapped {
                    new: new.clone(),
                    owner: o.pid,
                });
                let state = retire(me, slot, Removal::Swapped, notice).await.ok();
                let mut handler = match catch_unwind(AssertUnwindSafe(|| make(state))) {
                    Ok(handler) => handler,
                    Err(panic) => {
                        let reason = ExitReason::from_panic(panic);
                        tracing::error!(manager = %me, handler = %new, %reason, "gen_event swap: making the new handler panicked");
                        return false;
                    }
                };
                let reason = match catch_unwind_future(handler.init()).await {
                    Ok(Ok(())) => {
                        self.handlers.insert(
                            i,
                            Slot {
                                id: new,
                                handler,
                                owner,
                            },
                        );
                        return true;
                    }
                    Ok(Err(reason)) | Err(reason) => reason,
                };
                tracing::error!(manager = %me, handler = %new, %reason, "gen_event swap: the new handler's init failed");
                contained_drop(handler);
                return false;
            }
        };
        // Nothing to swap to: the handler failed (OTP: a bad return value).
        let slot = self.handlers.remove(i);
        let reason = ExitReason::other(refused);
        let _ = retire(me, slot, Removal::Failed(reason), None).await;
        false
    }

    /// Adds a handler after its `init` succeeded; links to its owner, if any.
    async fn add(
        &mut self,
        ctx: &mut Ctx<Self>,
        id: AnyHandlerId,
        mut handler: Box<dyn ErasedHandler<E>>,
        owner: Option<Owner>,
    ) -> Result<(), GenEventError> {
        if self.position(&id).is_some() {
            contained_drop(handler);
            return Err(GenEventError::AlreadyAdded(id));
        }
        let refused = match catch_unwind_future(handler.init()).await {
            Ok(Ok(())) => None,
            Ok(Err(reason)) => Some(reason),
            Err(panic) => {
                tracing::error!(
                    manager = %ctx.pid(),
                    handler = %id,
                    reason = %panic,
                    "gen_event handler crashed in init"
                );
                Some(panic)
            }
        };
        if let Some(reason) = refused {
            contained_drop(handler);
            return Err(GenEventError::InitFailed(reason));
        }
        if let Some(owner) = &owner {
            // An owner that is already dead answers with an exit signal `noproc`, which
            // removes the handler again (as in OTP).
            ctx.link(owner.pid);
            if !self.owners.contains(&owner.pid) {
                self.owners.push(owner.pid);
            }
        }
        self.handlers.insert(0, Slot { id, handler, owner });
        Ok(())
    }

    /// OTP's `server_swap_handler`: terminate the old handler, make the new one from what
    /// it returned, add it with the old one's owner (or the new owner).
    async fn swap(
        &mut self,
        ctx: &mut Ctx<Self>,
        old: AnyHandlerId,
        new: AnyHandlerId,
        make: MakeHandler<E>,
        new_owner: Option<Owner>,
    ) -> Result<(), GenEventError> {
        if new != old && self.position(&new).is_some() {
            return Err(GenEventError::AlreadyAdded(new));
        }
        let mut owner = new_owner;
        let state = match self.position(&old) {
            Some(i) => {
                let slot = self.handlers.remove(i);
                owner = owner.or_else(|| slot.owner.clone());
                // The old owner hears who supervises the successor.
                let notice = owner.as_ref().map(|o| HandlerExitReason::Swapped {
                    new: new.clone(),
                    owner: o.pid,
                });
                retire(ctx.pid(), slot, Removal::Swapped, notice).await.ok()
            }
            None => None,
        };
        let handler = match catch_unwind(AssertUnwindSafe(|| make(state))) {
            Ok(handler) => handler,
            Err(panic) => {
                return Err(GenEventError::InitFailed(ExitReason::from_panic(panic)));
            }
        };
        self.add(ctx, new, handler, owner).await
    }

    async fn delete(&mut self, me: Pid, id: AnyHandlerId) -> Result<AnyBox, GenEventError> {
        let i = self
            .position(&id)
            .ok_or(GenEventError::UnknownHandler(id))?;
        let slot = self.handlers.remove(i);
        retire(me, slot, Removal::Deleted, None)
            .await
            .map_err(GenEventError::TerminateCrashed)
    }

    /// OTP's `server_call`: the reply goes out after a removed handler's `terminate` ran.
    async fn call(
        &mut self,
        me: Pid,
        id: AnyHandlerId,
        request: AnyBox,
    ) -> Result<AnyBox, HandlerCallError> {
        let i = self
            .position(&id)
            .ok_or(HandlerCallError::UnknownHandler(id))?;
        let handler = &mut self.handlers[i].handler;
        let (result, removal) = match catch_unwind_future(handler.handle_call(request)).await {
            Ok(HandlerReply::Reply(reply)) => return Ok(reply),
            Ok(HandlerReply::Swap(reply, swap)) => {
                self.swap_in_place(me, i, swap).await;
                return Ok(reply);
            }
            Ok(HandlerReply::Remove(reply)) => (Ok(reply), Removal::Removed),
            Ok(HandlerReply::Fail(reason)) => (
                Err(HandlerCallError::HandlerFailed(reason.clone())),
                Removal::Failed(reason),
            ),
            Err(panic) => (
                Err(HandlerCallError::HandlerCrashed(panic.clone())),
                Removal::Crashed(panic),
            ),
        };
        let slot = self.handlers.remove(i);
        let _ = retire(me, slot, removal, None).await;
        result
    }

    /// An exit signal from a linked process: its supervised handlers go first, then every
    /// handler left sees the signal (OTP's `handle_exit`).
    async fn exit_signal(&mut self, me: Pid, from: Pid, reason: ExitReason) {
        self.owners.retain(|&owner| owner != from);
        let mut i = 0;
        while i < self.handlers.len() {
            if self.handlers[i].owner.as_ref().map(|o| o.pid) == Some(from) {
                let slot = self.handlers.remove(i);
                let _ = retire(me, slot, Removal::OwnerExited(reason.clone()), None).await;
            } else {
                i += 1;
            }
        }
        let info = HandlerInfo::Exit { from, reason };
        self.deliver(me, Input::Info(&info)).await;
    }
}

/// Runs a leaving handler's `terminate` (panics contained), reports an abnormal removal,
/// and tells its owner, if it has one and did not die itself (OTP's `do_terminate`).
/// `notice` overrides what the owner is told (for swaps).
async fn retire<E>(
    me: Pid,
    mut slot: Slot<E>,
    why: Removal,
    notice: Option<HandlerExitReason>,
) -> Result<AnyBox, ExitReason> {
    let notice = notice.or_else(|| match &why {
        Removal::Deleted | Removal::Removed => Some(HandlerExitReason::Normal),
        Removal::Stopped => Some(HandlerExitReason::Shutdown),
        Removal::Crashed(r) => Some(HandlerExitReason::Crashed(r.clone())),
        Removal::Failed(r) => Some(HandlerExitReason::Failed(r.clone())),
        // A swap always passes its notice; a dead owner is told nothing.
        Removal::Swapped | Removal::OwnerExited(_) => None,
    });
    match &why {
        Removal::Crashed(reason) => {
            // Where it panicked (the runtime's panic hook kept it), and the manager's name.
            let panicked = crate::panics::take_for(reason);
            let name = crate::process::current::with(|m| m.shared().name())
                .ok()
                .flatten();
            tracing::error!(
                manager = %me,
                name = name.as_ref().map(|n| n.as_str()),
                handler = %slot.id,
                %reason,
                location = panicked.as_ref().map(|p| p.location.as_str()),
                backtrace = panicked.as_ref().and_then(|p| p.backtrace.as_deref()),
                "gen_event handler crashed: removed"
            );
        }
        Removal::Failed(reason) => {
            tracing::error!(
                manager = %me,
                handler = %slot.id,
                %reason,
                "gen_event handler failed: removed"
            );
        }
        _ => {
            tracing::debug!(
                manager = %me,
                handler = %slot.id,
                why = ?why,
                "gen_event handler removed"
            );
        }
    }
    let terminated = catch_unwind_future(slot.handler.terminate(why)).await;
    if let Err(reason) = &terminated {
        tracing::error!(
            manager = %me,
            handler = %slot.id,
            %reason,
            "gen_event handler crashed in terminate"
        );
    }
    contained_drop(slot.handler);
    if let (Some(owner), Some(why)) = (slot.owner, notice) {
        let exit = HandlerExit {
            handler: slot.id.clone(),
            why,
        };
        if catch_unwind(AssertUnwindSafe(|| (owner.on_exit)(exit))).is_err() {
            tracing::error!(
                manager = %me,
                handler = %slot.id,
                "gen_event on_exit callback panicked"
            );
        }
    }
    terminated
}

/// Drops a handler; a panic in its destructor is contained.
fn contained_drop<T>(value: T) {
    let _ = catch_unwind(AssertUnwindSafe(move || drop(value)));
}

impl<E: Send + Sync + 'static> GenServer for Manager<E> {
    type Call = Request<E>;
    type Reply = Response;
    type Cast = E;
    type Info = Arc<dyn Any + Send + Sync>;
    type Continue = ();

    const BEHAVIOUR: crate::sys::Behaviour = crate::sys::Behaviour::GenEvent;

    async fn init(&mut self, ctx: &mut Ctx<Self>) -> Init {
        // Exit signals become messages: the parent's stops the manager with every handler's
        // terminate run, an owner's removes its handlers.
        ctx.trap_exit(true);
        Init::Ok
    }

    async fn handle_call(
        &mut self,
        request: Request<E>,
        ctx: &mut Ctx<Self>,
    ) -> CallResult<Response> {
        let me = ctx.pid();
        let response = match request {
            Request::Add { id, handler, owner } => {
                Response::Added(self.add(ctx, id, handler, owner).await)
            }
            Request::Delete(id) => Response::Deleted(self.delete(me, id).await),
            Request::Swap {
                old,
                new,
                make,
                owner,
            } => Response::Added(self.swap(ctx, old, new, make, owner).await),
            Request::Which => {
                Response::Handlers(self.handlers.iter().map(|s| s.id.clone()).collect())
            }
            Request::SyncNotify(event) => {
                self.deliver(me, Input::Event(&event)).await;
                Response::Notified
            }
            Request::Call(id, request) => Response::Called(self.call(me, id, request).await),
        };
        CallResult::Reply(response)
    }

    async fn handle_cast(&mut self, event: E, ctx: &mut Ctx<Self>) -> Outcome {
        self.deliver(ctx.pid(), Input::Event(&event)).await;
        Outcome::NoReply
    }

    async fn handle_info(&mut self, info: Info<Self::Info>, ctx: &mut Ctx<Self>) -> Outcome {
        let me = ctx.pid();
        match info {
            Info::Msg(msg) => self.deliver(me, Input::Info(&HandlerInfo::Msg(msg))).await,
            Info::Exit { from, reason } => self.exit_signal(me, from, reason).await,
            Info::Down {
                monitor,
                pid,
                reason,
            } => {
                let info = HandlerInfo::Down {
                    monitor,
                    pid,
                    reason,
                };
                self.deliver(me, Input::Info(&info)).await;
            }
            // The manager never sets a gen_server timeout.
            Info::Timeout => {}
        }
        Outcome::NoReply
    }

    /// Every handler's `terminate(Stopped)`, newest first; owners are told `Shutdown`, then
    /// unlinked so that the manager's end does not take them down (OTP's `terminate_server`;
    /// OTP unlinks only the owners of the handlers still installed, this unlinks every
    /// owner the manager linked to, but never its parent).
    async fn terminate(&mut self, _reason: &ExitReason, ctx: &mut Ctx<Self>) {
        let me = ctx.pid();
        for slot in std::mem::take(&mut self.handlers) {
            let _ = retire(me, slot, Removal::Stopped, None).await;
        }
        for owner in std::mem::take(&mut self.owners) {
            if Some(owner) != ctx.parent() {
                ctx.unlink(owner);
            }
        }
    }
}

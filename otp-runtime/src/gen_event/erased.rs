//! Handlers with their type erased, so that one manager holds handlers of many types.
//!
//! A manager stores `Box<dyn ErasedHandler<E>>`. Events and infos reach every handler by
//! reference, with no conversion; a call's request and reply, and `terminate`'s result,
//! travel as `Box<dyn Any + Send>`, and the typed handle converts them back. The types always
//! match: an [`AnyHandlerId`](super::AnyHandlerId) carries its handler's `TypeId`, and the
//! handle only sends `H::Call` to the handler an id of `H` names.

use std::any::Any;

use super::{EventHandler, Handled, HandlerInfo, HandlerReply, Removal, Swap};
use crate::{BoxFuture, ExitReason};

/// A value whose type the handle knows and the manager does not.
pub(super) type AnyBox = Box<dyn Any + Send>;

/// [`EventHandler`], object-safe: each callback's future boxed, typed values as `Any`.
pub(super) trait ErasedHandler<E>: Send {
    fn init(&mut self) -> BoxFuture<'_, Result<(), ExitReason>>;
    fn handle_event<'a>(&'a mut self, event: &'a E) -> BoxFuture<'a, Handled>;
    fn handle_info<'a>(&'a mut self, info: &'a HandlerInfo) -> BoxFuture<'a, Handled>;
    fn handle_call(&mut self, request: AnyBox) -> BoxFuture<'_, HandlerReply<AnyBox>>;
    fn terminate(&mut self, why: Removal) -> BoxFuture<'_, AnyBox>;
}

/// A handler of type `H`, as an [`ErasedHandler`].
pub(super) struct Erased<H>(pub(super) H);

/// Erases a handler.
pub(super) fn erase<E, H: EventHandler<E>>(handler: H) -> Box<dyn ErasedHandler<E>>
where
    E: Send + Sync + 'static,
{
    Box::new(Erased(handler))
}

impl<E, H> ErasedHandler<E> for Erased<H>
where
    E: Send + Sync + 'static,
    H: EventHandler<E>,
{
    // Each callback is called inside the boxed future, not before: a handler's method may
    // be a plain `fn` that panics before it returns its future, and the manager contains
    // panics only while it polls (`catch_unwind_future`). Called eagerly, such a panic
    // crashed the manager instead of removing the handler.
    fn init(&mut self) -> BoxFuture<'_, Result<(), ExitReason>> {
        Box::pin(async move { self.0.init().await })
    }

    fn handle_event<'a>(&'a mut self, event: &'a E) -> BoxFuture<'a, Handled> {
        Box::pin(async move { checked::<E, H>(self.0.handle_event(event).await) })
    }

    fn handle_info<'a>(&'a mut self, info: &'a HandlerInfo) -> BoxFuture<'a, Handled> {
        Box::pin(async move { checked::<E, H>(self.0.handle_info(info).await) })
    }

    fn handle_call(&mut self, request: AnyBox) -> BoxFuture<'_, HandlerReply<AnyBox>> {
        let request = match request.downcast::<H::Call>() {
            Ok(request) => *request,
            // Unreachable through the typed handle (see the module docs); a failure, not a
            // panic, if it ever happened.
            Err(_) => {
                return Box::pin(async {
                    HandlerReply::Fail(ExitReason::other("a call of another handler's type"))
                })
            }
        };
        Box::pin(async move {
            match self.0.handle_call(request).await {
                HandlerReply::Reply(r) => HandlerReply::Reply(Box::new(r) as AnyBox),
                HandlerReply::Remove(r) => HandlerReply::Remove(Box::new(r) as AnyBox),
                HandlerReply::Fail(reason) => HandlerReply::Fail(reason),
                HandlerReply::Swap(r, swap) => match swap_fits::<E, H>(&swap) {
                    Ok(()) => HandlerReply::Swap(Box::new(r) as AnyBox, swap),
                    Err(reason) => HandlerReply::Fail(reason),
                },
            }
        })
    }

    fn terminate(&mut self, why: Removal) -> BoxFuture<'_, AnyBox> {
        Box::pin(async move { Box::new(self.0.terminate(why).await) as AnyBox })
    }
}

/// A swap whose successor cannot take what `H` hands over is the handler's failure.
fn checked<E, H: EventHandler<E>>(handled: Handled) -> Handled {
    match handled {
        Handled::Swap(swap) => match swap_fits::<E, H>(&swap) {
            Ok(()) => Handled::Swap(swap),
            Err(reason) => Handled::Fail(reason),
        },
        other => other,
    }
}

/// Whether `swap`'s successor is made from `H`'s `Terminated`.
fn swap_fits<E, H: EventHandler<E>>(swap: &Swap) -> Result<(), ExitReason> {
    if swap.takes == std::any::TypeId::of::<H::Terminated>() {
        return Ok(());
    }
    Err(ExitReason::other(format_args!(
        "swap_handler: {} is made from a {}, but {} terminates with a {}",
        swap.new,
        swap.takes_name,
        std::any::type_name::<H>(),
        std::any::type_name::<H::Terminated>()
    )))
}

//! Supervised handlers: what the owner of a handler added with `add_sup_handler` is told when
//! the handler goes away (OTP's `{gen_event_EXIT, Handler, Reason}` message).

use std::fmt;

use super::AnyHandlerId;
use crate::{ExitReason, Pid, ProcessRef};

/// An `on_exit` callback for [`add_sup_handler`](super::EventManagerRef::add_sup_handler)
/// that puts each notice in `owner`'s mailbox, as OTP's `{gen_event_EXIT, Handler, Reason}`
/// message: `wrap` makes it one of the owner's messages, and the owner receives it in
/// order with the rest. (The callback runs in the manager's process; this one only sends.)
/// A gen_server owner does the same with its handle:
/// `move |exit| server.send(MyInfo::HandlerLeft { exit })`.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// use otp_runtime::gen_event::{exit_message, HandlerExit};
///
/// struct Audit;
/// impl EventHandler<u8> for Audit {
///     type Call = (); type Reply = (); type Terminated = ();
///     async fn handle_event(&mut self, _: &u8) -> Handled { Handled::Remove }
/// }
///
/// enum OwnerMsg { HandlerLeft(HandlerExit) }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let m = EventManager::<u8>::start().await.unwrap();
/// let owner = otp_runtime::spawn(move |mut ctx: ProcessCtx<OwnerMsg>| async move {
///     m.add_sup_handler(Audit, exit_message(ctx.handle(), OwnerMsg::HandlerLeft)).await.unwrap();
///     m.notify(1); // the handler removes itself
///     match ctx.recv().await {
///         Message::Msg(OwnerMsg::HandlerLeft(exit)) => {
///             assert_eq!(exit.why, HandlerExitReason::Normal);
///             ExitReason::Normal
///         }
///         _ => ExitReason::other("no notice"),
///     }
/// });
/// assert_eq!(owner.wait_exit().await, ExitReason::Normal);
/// # }
/// ```
pub fn exit_message<M: Send + 'static>(
    owner: ProcessRef<M>,
    wrap: impl Fn(HandlerExit) -> M + Send + Sync + 'static,
) -> impl Fn(HandlerExit) + Send + Sync + 'static {
    move |exit| {
        // A dead owner gets nothing, as a message to a dead process.
        let _ = owner.send(wrap(exit));
    }
}

/// The notice an owner's callback gets when its supervised handler leaves the manager for
/// any reason but the owner's own death (OTP's `{gen_event_EXIT, Handler, Reason}`).
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// use std::sync::{Arc, Mutex};
///
/// struct Audit;
/// impl EventHandler<String> for Audit {
///     type Call = (); type Reply = (); type Terminated = ();
///     async fn handle_event(&mut self, _: &String) -> Handled { Handled::Ok }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let m = EventManager::<String>::start().await.unwrap();
/// let told = Arc::new(Mutex::new(Vec::new()));
/// let (added_tx, added) = tokio::sync::oneshot::channel();
/// let (m2, told2) = (m.clone(), told.clone());
/// otp_runtime::spawn(move |mut ctx: ProcessCtx<()>| async move {
///     // add_sup_handler links the manager to the calling process, its owner.
///     m2.add_sup_handler(Audit, move |exit| told2.lock().unwrap().push(exit))
///         .await
///         .unwrap();
///     added_tx.send(()).unwrap();
///     ctx.recv().await; // lives on
///     ExitReason::Normal
/// });
/// added.await.unwrap();
/// m.stop().await.unwrap();
/// let exit = told.lock().unwrap().pop().unwrap();
/// assert_eq!(exit.handler, HandlerId::<Audit>::new());
/// assert_eq!(exit.why, HandlerExitReason::Shutdown);
/// # }
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct HandlerExit {
    /// The handler that left.
    pub handler: AnyHandlerId,
    /// Why.
    pub why: HandlerExitReason,
}

impl fmt::Display for HandlerExit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "handler {} left: {}", self.handler, self.why)
    }
}

/// Why a supervised handler left (the `Reason` of OTP's `gen_event_EXIT` message).
///
/// # Examples
///
/// ```
/// use otp_runtime::gen_event::HandlerExitReason;
/// use otp_runtime::ExitReason;
/// assert_eq!(HandlerExitReason::Normal.to_string(), "normal");
/// assert_eq!(
///     HandlerExitReason::Crashed(ExitReason::Panic("boom".into())).to_string(),
///     "crashed: panicked: boom"
/// );
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum HandlerExitReason {
    /// Deleted with `delete_handler`, or it removed itself (OTP's `normal`).
    Normal,
    /// The manager stopped (OTP's `shutdown`).
    Shutdown,
    /// A callback panicked (OTP's `{'EXIT', Reason}`).
    Crashed(ExitReason),
    /// It returned `Fail` (OTP: the bad return value).
    Failed(ExitReason),
    /// A swap replaced it with `new`, now supervised by `owner` (OTP's
    /// `{swapped, NewHandler, Pid}`).
    Swapped {
        /// The handler that took its place.
        new: AnyHandlerId,
        /// The new handler's owner: the same one, or the caller of `swap_sup_handler`.
        owner: Pid,
    },
}

impl fmt::Display for HandlerExitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandlerExitReason::Normal => f.write_str("normal"),
            HandlerExitReason::Shutdown => f.write_str("shutdown"),
            HandlerExitReason::Crashed(r) => write!(f, "crashed: {r}"),
            HandlerExitReason::Failed(r) => write!(f, "failed: {r}"),
            HandlerExitReason::Swapped { new, owner } => {
                write!(f, "swapped for {new}, supervised by {owner}")
            }
        }
    }
}

//! The gen_event behaviour: an event manager, a process that passes each event it gets to a
//! changing set of handlers (otp-semantics §A5).
//!
//! An event manager is a process; a handler is not. Handlers are values of types that
//! implement [`EventHandler`], installed in the manager with
//! [`add_handler`](EventManagerRef::add_handler) and removed with
//! [`delete_handler`](EventManagerRef::delete_handler). Each event sent with
//! [`notify`](EventManagerRef::notify) goes to every handler, one after the other, in the
//! manager's process. One manager can serve handlers of many types, and several handlers
//! of one type, told apart by an id.
//!
//! ```text
//!               notify(event)
//!   clients  ─────────────────▶  EventManager  (a process; traps exits)
//!                                  │ handlers, newest first:
//!                                  ├─ Console          handle_event(&event)
//!                                  ├─ ErrorLog:disk    handle_event(&event)
//!                                  └─ ErrorLog:net     handle_event(&event)
//! ```
//!
//! A handler that panics, or returns [`Handled::Fail`], is removed (after its `terminate`)
//! and reported with `tracing`; the manager and the other handlers go on. The manager
//! itself is a gen_server underneath, so it starts, links, registers, stops and is
//! supervised like one.
//!
//! | OTP | here |
//! |---|---|
//! | `gen_event:start/0,1`, `start_link/0,1` | [`EventManager::start`], [`start_link`](EventManager::start_link), [`start_named`](EventManager::start_named), [`start_link_named`](EventManager::start_link_named), [`start_with`](EventManager::start_with) |
//! | a handler module, `Mod` / `{Mod, Id}` | a type implementing [`EventHandler<E>`], [`HandlerId<H>`]`::new()` / `::with_id(id)` |
//! | `init/1` → `{ok, S}` / anything else | [`EventHandler::init`] → `Ok(())` / `Err(reason)` ([`GenEventError::InitFailed`]) |
//! | `handle_event/2`, `handle_info/2` → `{ok, S}` / `remove_handler` / `{swap_handler, ..}` / bad value | → [`Handled::Ok`] / [`Handled::Remove`] / [`Handled::Swap`] / [`Handled::Fail`] |
//! | `handle_call/2` → `{ok, R, S}` / `{remove_handler, R}` / `{swap_handler, R, ..}` / bad value | [`EventHandler::handle_call`] → [`HandlerReply`] |
//! | `terminate(Arg, S)` → term | [`EventHandler::terminate`]`(`[`Removal`]`)` → `Self::Terminated` |
//! | `add_handler/3`, `add_sup_handler/3` | [`add_handler`](EventManagerRef::add_handler), [`add_sup_handler`](EventManagerRef::add_sup_handler) (+ `_with_id`) |
//! | `{gen_event_EXIT, H, Why}` to the supervising process | its `on_exit` callback gets a [`HandlerExit`]; [`exit_message`] makes it a message in the owner's mailbox |
//! | `delete_handler/3` | [`delete_handler`](EventManagerRef::delete_handler) → `terminate`'s value |
//! | `swap_handler/3`, `swap_sup_handler/3` | [`swap_handler`](EventManagerRef::swap_handler), [`swap_sup_handler`](EventManagerRef::swap_sup_handler) |
//! | `which_handlers/1` | [`which_handlers`](EventManagerRef::which_handlers) → [`AnyHandlerId`]s, newest first |
//! | `notify/2`, `sync_notify/2` | [`notify`](EventManagerRef::notify), [`sync_notify`](EventManagerRef::sync_notify) |
//! | `call/3,4` | [`call`](EventManagerRef::call) → `Result<H::Reply, `[`HandlerCallError`]`>` |
//! | `Manager ! Msg` | [`send_info`](EventManagerRef::send_info) → [`HandlerInfo::Msg`] |
//! | `stop/1,3` | [`stop`](EventManagerRef::stop), [`stop_with`](EventManagerRef::stop_with) |
//!
//! Differences from OTP:
//! - A handler's arguments are the value you add; there is no `init(Args)`. The swap
//!   successor is made by a closure from the predecessor's `terminate` value (`None` where
//!   OTP passes `error`).
//! - Ids are unique within a manager: adding a second handler with the same type and id is
//!   [`GenEventError::AlreadyAdded`] (OTP installs both, and then only reaches the newer).
//! - No `hibernate`, `format_status` or `code_change`.
//!
//! # Examples
//!
//! ```
//! use otp_runtime::prelude::*;
//!
//! #[derive(Clone, Debug, PartialEq)]
//! enum Alarm { Set(&'static str), Cleared(&'static str) }
//!
//! /// The alarms set now.
//! #[derive(Default)]
//! struct Active(Vec<&'static str>);
//!
//! impl EventHandler<Alarm> for Active {
//!     type Call = ();
//!     type Reply = Vec<&'static str>;
//!     type Terminated = ();
//!
//!     async fn handle_event(&mut self, alarm: &Alarm) -> Handled {
//!         match alarm {
//!             Alarm::Set(a) => self.0.push(a),
//!             Alarm::Cleared(a) => self.0.retain(|x| x != a),
//!         }
//!         Handled::Ok
//!     }
//!     async fn handle_call(&mut self, _: ()) -> HandlerReply<Vec<&'static str>> {
//!         HandlerReply::Reply(self.0.clone())
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let alarms = EventManager::<Alarm>::start_named("alarm_handler").await.unwrap();
//! alarms.add_handler(Active::default()).await.unwrap();
//! alarms.notify(Alarm::Set("disk"));
//! alarms.notify(Alarm::Set("fan"));
//! alarms.notify(Alarm::Cleared("disk"));
//! assert_eq!(alarms.call(HandlerId::<Active>::new(), ()).await, Ok(vec!["fan"]));
//! alarms.stop().await.unwrap();
//! # }
//! ```

mod erased;
mod error;
mod handle;
mod handler;
mod id;
mod manager;
mod supervised;

pub use self::error::{GenEventError, HandlerCallError};
pub use self::handle::{EventManager, EventManagerRef};
pub use self::handler::{EventHandler, Handled, HandlerInfo, HandlerReply, Removal, Swap};
pub use self::id::{AnyHandlerId, HandlerId};
pub use self::supervised::{exit_message, HandlerExit, HandlerExitReason};

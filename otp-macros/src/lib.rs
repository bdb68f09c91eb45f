//! Procedural macros of `otp-runtime`. Use them through `otp_runtime::prelude`, which
//! re-exports them; this crate is an implementation detail.

mod errors;
mod gen_server;
mod gen_statem;
mod names;
mod sim_test;
mod supervision_tree;
mod term;
mod test;

use proc_macro::TokenStream;

/// Turns an inherent impl block into a gen_server: a message enum per kind of request, a
/// typed client handle with one method per request, start functions, and the `GenServer`
/// impl.
///
/// The guide, with a compiled example and what is generated, is the documentation of the
/// `otp_runtime::gen_server` module ("The `#[gen_server]` macro").
#[proc_macro_attribute]
pub fn gen_server(args: TokenStream, input: TokenStream) -> TokenStream {
    gen_server::gen_server(args.into(), input.into()).into()
}

/// Marks a request that gets a reply, inside a `#[gen_server]` impl.
#[proc_macro_attribute]
pub fn call(_args: TokenStream, input: TokenStream) -> TokenStream {
    gen_server::stray("call", input.into()).into()
}

/// Marks a request that gets no reply, inside a `#[gen_server]` impl.
#[proc_macro_attribute]
pub fn cast(_args: TokenStream, input: TokenStream) -> TokenStream {
    gen_server::stray("cast", input.into()).into()
}

/// Marks an out-of-band message handler (`#[info]`, `#[info(down)]`, `#[info(exit)]`,
/// `#[info(timeout)]`), inside a `#[gen_server]` impl.
#[proc_macro_attribute]
pub fn info(_args: TokenStream, input: TokenStream) -> TokenStream {
    gen_server::stray("info", input.into()).into()
}

/// Marks the method run in the new process before any message, inside a `#[gen_server]` impl.
#[proc_macro_attribute]
pub fn init(_args: TokenStream, input: TokenStream) -> TokenStream {
    gen_server::stray("init", input.into()).into()
}

/// Marks the method that runs the work deferred with `ctx.continue_with(value)`, before any
/// other message, inside a `#[gen_server]` impl.
#[proc_macro_attribute]
pub fn handle_continue(_args: TokenStream, input: TokenStream) -> TokenStream {
    gen_server::stray("handle_continue", input.into()).into()
}

/// Marks the method that gives memory back when the server or machine hibernates
/// (`ctx.hibernate()`), inside a `#[gen_server]` or `#[gen_statem]` impl: a plain
/// `fn(&mut self)`, run once the mailbox is empty, before the process waits.
#[proc_macro_attribute]
pub fn hibernate(_args: TokenStream, input: TokenStream) -> TokenStream {
    gen_server::stray("hibernate", input.into()).into()
}

/// Marks the method run when the server stops, inside a `#[gen_server]` impl.
#[proc_macro_attribute]
pub fn terminate(_args: TokenStream, input: TokenStream) -> TokenStream {
    gen_server::stray("terminate", input.into()).into()
}

/// Turns an inherent impl block into a gen_statem: `#[gen_statem(state = MyState)]`. The
/// event enums, a typed client handle with one method per request, start functions, and
/// the `GenStatem` impl.
///
/// The guide, with a compiled example and what is generated, is the documentation of the
/// `otp_runtime::gen_statem` module ("The `#[gen_statem]` macro").
#[proc_macro_attribute]
pub fn gen_statem(args: TokenStream, input: TokenStream) -> TokenStream {
    gen_statem::gen_statem(args.into(), input.into()).into()
}

/// Marks a gen_statem's state enter call, inside a `#[gen_statem]` impl.
#[proc_macro_attribute]
pub fn enter(_args: TokenStream, input: TokenStream) -> TokenStream {
    gen_statem::stray("enter", input.into()).into()
}

/// Marks a handler of events the machine inserts (`ctx.next_event`), inside a
/// `#[gen_statem]` impl.
#[proc_macro_attribute]
pub fn internal(_args: TokenStream, input: TokenStream) -> TokenStream {
    gen_statem::stray("internal", input.into()).into()
}

/// Marks a handler of what a timeout carries when it fires, inside a `#[gen_statem]` impl.
#[proc_macro_attribute]
pub fn timeout(_args: TokenStream, input: TokenStream) -> TokenStream {
    gen_statem::stray("timeout", input.into()).into()
}

/// Declares supervisors in one place: for each, a handle type with its spec, `start_link`,
/// `start`, `child_spec` (to nest it) and the supervisor API.
///
/// The guide, with every setting and its default, is the documentation of the
/// `otp_runtime::supervisor` module ("The `supervision_tree!` macro").
#[proc_macro]
pub fn supervision_tree(input: TokenStream) -> TokenStream {
    supervision_tree::supervision_tree(input.into()).into()
}

/// Runs an async test on a fresh node: a `#[tokio::test]` (it takes the same arguments:
/// `flavor`, `worker_threads`, `start_paused`, ...) whose body runs in the
/// [scope](../otp_runtime/node/struct.Node.html#method.scope) of a node of its own, so tests
/// that run in parallel never see each other's names, processes or applications.
///
/// The guide is the documentation of `otp_runtime::test`.
#[proc_macro_attribute]
pub fn test(args: TokenStream, input: TokenStream) -> TokenStream {
    test::test(args.into(), input.into()).into()
}

/// Runs a test under the deterministic simulator, once per seed: a plain `#[test]` whose
/// `async fn name(sim: Sim)` body runs in each seed's simulated world (settings: `seeds`,
/// `jobs`, `time_limit` in seconds, `check_determinism`, `first_seed`).
///
/// The guide is the documentation of `otp_runtime::sim`.
#[proc_macro_attribute]
pub fn sim_test(args: TokenStream, input: TokenStream) -> TokenStream {
    sim_test::sim_test(args.into(), input.into()).into()
}

/// Derives `otp_runtime::dist::mapping::ToTerm` for a struct or an enum: a value as an Erlang
/// term (unit variants as atoms, tuple variants as tagged tuples, structs as maps with atom
/// keys, or records with `#[term(record)]`).
///
/// The guide, with the table of shapes and every `#[term(...)]` setting, is the
/// documentation of the `otp_runtime::dist::mapping` module.
#[proc_macro_derive(ToTerm, attributes(term))]
pub fn derive_to_term(input: TokenStream) -> TokenStream {
    term::derive(term::Derive::ToTerm, input.into()).into()
}

/// Derives `otp_runtime::dist::mapping::FromTerm` for a struct or an enum: a value read
/// from an Erlang term, with errors that say what was expected, what was found, and where.
///
/// The guide is the documentation of the `otp_runtime::dist::mapping` module.
#[proc_macro_derive(FromTerm, attributes(term))]
pub fn derive_from_term(input: TokenStream) -> TokenStream {
    term::derive(term::Derive::FromTerm, input.into()).into()
}

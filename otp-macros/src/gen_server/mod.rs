//! `#[gen_server]`: parse (and check) the impl block, then expand it.

pub(crate) mod expand;
pub(crate) mod parse;
mod remote;

use proc_macro2::TokenStream;
use quote::quote;

use crate::errors::Errors;
use parse::Args;

pub(crate) fn gen_server(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let args = match syn::parse2::<parse::Args>(args) {
        Ok(args) => Some(args),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    if let Some(Args {
        state: Some(state), ..
    }) = &args
    {
        errors.at(
            state,
            "`state = ..` is an argument of #[gen_statem]: a gen_server has no state type \
             besides itself",
        );
    }
    let server = parse::parse(input.clone(), &parse::Flavor::Server, &mut errors);
    match (args, server) {
        (Some(args), Some(mut server)) if errors.is_empty() => {
            server.require_send(&args.krate, None);
            expand::expand(&server, &args.krate, args.remote.is_some())
        }
        // On errors, emit the impl as written (minus our attributes) beside them: the user's
        // methods still exist, so no cascade of "method not found" follows.
        (_, Some(server)) => {
            let item = &parse::without_duplicate_fns(&server.item);
            let errors = errors.into_compile_errors();
            quote!(#item #errors)
        }
        (_, None) => {
            let errors = errors.into_compile_errors();
            quote!(#input #errors)
        }
    }
}

/// The body of a handler attribute used outside a `#[gen_server]` impl.
pub(crate) fn stray(name: &str, item: TokenStream) -> TokenStream {
    let msg = format!(
        "#[{name}] only means something inside a `#[gen_server]` impl block: \
         put `#[gen_server]` on the impl"
    );
    let err = syn::Error::new(proc_macro2::Span::call_site(), msg).to_compile_error();
    quote!(#item #err)
}

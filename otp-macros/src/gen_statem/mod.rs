//! `#[gen_statem(state = S)]`: the impl block is read by the gen_server parser (with the
//! gen_statem rules), the enums, handle and start functions come from the gen_server
//! expansion, and only the `GenStatem` impl is this module's own.

mod expand;

use proc_macro2::TokenStream;
use quote::quote;

use crate::errors::Errors;
use crate::gen_server::parse::{self, Args, Flavor};

pub(crate) fn gen_statem(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let args = match syn::parse::Parser::parse2(Args::parse_statem, args) {
        Ok(args) => Some(args),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    // Without a state type there is no machine: report it, and parse with a stand-in (`()`)
    // so the handlers' own errors show too.
    let state = match &args {
        Some(Args { state: Some(s), .. }) => s.clone(),
        Some(_) => {
            errors.push(syn::Error::new(
                proc_macro2::Span::call_site(),
                "#[gen_statem] needs the type of the machine's states: \
                 `#[gen_statem(state = MyState)]` (usually an enum)",
            ));
            syn::parse_quote!(())
        }
        None => syn::parse_quote!(()),
    };
    let flavor = Flavor::Statem(Box::new(state));
    let machine = parse::parse(input.clone(), &flavor, &mut errors);
    match (args, machine) {
        (Some(args), Some(mut machine)) if errors.is_empty() => {
            let Flavor::Statem(state) = &flavor else {
                unreachable!("a gen_statem is parsed with the gen_statem flavor")
            };
            machine.require_send(&args.krate, Some(state));
            expand::expand(&machine, &flavor, &args.krate)
        }
        // On errors, emit the impl as written (minus our attributes) beside them, so that
        // its methods exist; and, if the arguments were read, a stand-in `GenStatem` impl,
        // so that `StatemCtx<Self>` and `EnterCtx<Self>` in its signatures are well-formed
        // (without it, every handler that takes a context adds "is not a gen_statem").
        (args, Some(machine)) => {
            let item = &crate::gen_server::parse::without_duplicate_fns(&machine.item);
            let stand_in = args
                .filter(|_| machine.is_valid())
                .map(|args| expand::stand_in(&machine, &flavor, &args.krate));
            let errors = errors.into_compile_errors();
            quote!(#item #stand_in #errors)
        }
        (_, None) => {
            let errors = errors.into_compile_errors();
            quote!(#input #errors)
        }
    }
}

/// The body of a gen_statem-only attribute used outside a `#[gen_statem]` impl block.
pub(crate) fn stray(name: &str, item: TokenStream) -> TokenStream {
    let msg = format!(
        "#[{name}] only means something inside a `#[gen_statem]` impl block: \
         put `#[gen_statem(state = MyState)]` on the impl"
    );
    let err = syn::Error::new(proc_macro2::Span::call_site(), msg).to_compile_error();
    quote!(#item #err)
}

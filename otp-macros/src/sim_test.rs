//! `#[otp_runtime::sim_test]`: a test whose body runs under the deterministic simulator, once
//! per seed.
//!
//! Input:
//! ```text
//! #[otp_runtime::sim_test(seeds = 500, time_limit = 600)]
//! async fn name(sim: Sim) { body }
//! ```
//! Output:
//! ```text
//! #[test]
//! fn name() {
//!     async fn __otp_sim_body(sim: Sim) { body }
//!     ::otp_runtime::sim::Simulation::new()
//!         .seeds(500)
//!         .time_limit(::core::time::Duration::from_secs(600))
//!         .run(__otp_sim_body);
//! }
//! ```

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, Lit, Meta, Token};

use crate::errors::Errors;

pub(crate) fn sim_test(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let metas = match Punctuated::<Meta, Token![,]>::parse_terminated.parse2(args) {
        Ok(metas) => metas,
        Err(e) => {
            errors.push(e);
            Punctuated::new()
        }
    };
    let mut krate: Option<syn::Path> = None;
    let mut settings = Vec::new();
    for meta in &metas {
        let Meta::NameValue(nv) = meta else {
            errors.at(
                meta,
                "write `key = value`: seeds = N, jobs = N, time_limit = SECONDS, \
                 check_determinism = N, or crate = path",
            );
            continue;
        };
        let key = nv
            .path
            .get_ident()
            .map(|i| i.to_string())
            .unwrap_or_default();
        let int = match &nv.value {
            Expr::Lit(l) => match &l.lit {
                Lit::Int(i) => Some(i.clone()),
                _ => None,
            },
            _ => None,
        };
        match (key.as_str(), int) {
            ("seeds", Some(n)) => settings.push(quote!(.seeds(#n))),
            ("jobs", Some(n)) => settings.push(quote!(.jobs(#n))),
            ("check_determinism", Some(n)) => settings.push(quote!(.check_determinism(#n))),
            ("time_limit", Some(n)) => {
                settings.push(quote!(.time_limit(::core::time::Duration::from_secs(#n))))
            }
            ("first_seed", Some(n)) => settings.push(quote!(.first_seed(#n))),
            ("crate", _) => match &nv.value {
                Expr::Path(p) if p.qself.is_none() => krate = Some(p.path.clone()),
                _ => errors.at(&nv.value, "write `crate = path`, the path of otp_runtime"),
            },
            ("seeds" | "jobs" | "check_determinism" | "time_limit" | "first_seed", None) => {
                errors.at(&nv.value, format!("`{key}` takes an integer"))
            }
            _ => errors.at(
                &nv.path,
                format!(
                    "unknown setting `{key}`: expected seeds, jobs, time_limit (seconds), \
                     check_determinism, first_seed or crate"
                ),
            ),
        }
    }
    let krate = krate.unwrap_or_else(|| syn::parse_quote!(::otp_runtime));
    let mut item = match crate::test::async_fn(input, &mut errors, "sim_test") {
        Ok(item) => item,
        Err(out) => return out,
    };
    if item.sig.inputs.len() != 1 {
        errors.at(
            &item.sig,
            "a simulation test takes one argument, the run's handle: `sim: otp_runtime::sim::Sim`",
        );
    }
    if !matches!(item.sig.output, syn::ReturnType::Default) {
        errors.at(
            &item.sig.output,
            "a simulation test returns nothing: assert, or fail the run through `sim`",
        );
    }
    if !item.sig.generics.params.is_empty() {
        errors.at(&item.sig.generics, "a test function cannot be generic");
    }
    if !errors.is_empty() {
        let compile_errors = errors.into_compile_errors();
        return quote!(#compile_errors #item);
    }
    let body = item.block.clone();
    let inputs = std::mem::take(&mut item.sig.inputs);
    let span = item.sig.ident.span();
    let inner = quote_spanned!(span=> __otp_sim_body);
    item.sig.asyncness = None;
    item.block = syn::parse_quote!({
        async fn #inner(#inputs) #body
        #krate::sim::Simulation::new()
            #(#settings)*
            .run(#inner);
    });
    quote! {
        #[::core::prelude::v1::test]
        #item
    }
}

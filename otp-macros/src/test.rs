//! `#[otp_runtime::test]`: a `#[tokio::test]` whose body runs on a fresh node.
//!
//! Input:
//! ```text
//! #[otp_runtime::test(start_paused = true)]
//! async fn name() -> R { body }
//! ```
//! Output:
//! ```text
//! #[::otp_runtime::__private::tokio::test(crate = "::otp_runtime::__private::tokio", start_paused = true)]
//! async fn name() -> R {
//!     async fn __otp_test_body() -> R { body }
//!     ::otp_runtime::__private::test_node().scope(__otp_test_body()).await
//! }
//! ```
//! The body becomes a function of its own so that `?` and `return` mean what they meant.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, ItemFn, Meta, Token};

use crate::errors::Errors;

pub(crate) fn test(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let metas = match Punctuated::<Meta, Token![,]>::parse_terminated.parse2(args) {
        Ok(metas) => metas,
        Err(e) => {
            errors.push(e);
            Punctuated::new()
        }
    };
    let mut krate: Option<syn::Path> = None;
    let mut tokio_args: Vec<&Meta> = Vec::new();
    for meta in &metas {
        if !meta.path().is_ident("crate") {
            // tokio's own: flavor, worker_threads, start_paused, ... (it checks them).
            tokio_args.push(meta);
            continue;
        }
        // crate = path: where otp_runtime is, if renamed (as #[gen_server]'s).
        match meta {
            Meta::NameValue(nv) => match &nv.value {
                Expr::Path(p) if p.qself.is_none() => {
                    if krate.replace(p.path.clone()).is_some() {
                        errors.at(meta, "`crate` is given twice");
                    }
                }
                _ => errors.at(
                    &nv.value,
                    "write `crate = path`, the path of otp_runtime: e.g. `crate = ::my_otp` if \
                     you renamed it (the test reaches tokio through otp_runtime)",
                ),
            },
            _ => errors.at(
                meta,
                "write `crate = path`, the path of otp_runtime: e.g. `crate = ::my_otp` if you \
                 renamed it",
            ),
        }
    }
    let krate = krate.unwrap_or_else(|| syn::parse_quote!(::otp_runtime));
    let mut item = match async_fn(input, &mut errors, "test") {
        Ok(item) => item,
        Err(out) => return out,
    };
    if !item.sig.inputs.is_empty() {
        errors.at(&item.sig.inputs, "a test function takes no arguments");
    }
    if !item.sig.generics.params.is_empty() {
        errors.at(&item.sig.generics, "a test function cannot be generic");
    }
    if !errors.is_empty() {
        // The function as written, without the attribute: one error, not a cascade.
        let compile_errors = errors.into_compile_errors();
        return quote!(#compile_errors #item);
    }
    let tokio = quote!(#krate::__private::tokio);
    let tokio_str = tokio.to_string();
    let body = &item.block;
    let output = &item.sig.output;
    let span = item.sig.ident.span();
    let inner = quote_spanned!(span=> __otp_test_body);
    item.block = syn::parse_quote!({
        async fn #inner() #output #body
        #krate::__private::test_node().scope(#inner()).await
    });
    quote! {
        #[#tokio::test(crate = #tokio_str, #(#tokio_args),*)]
        #item
    }
}

/// Parses the function under a test attribute (`#[otp_runtime::NAME]`), and notes an error if
/// it is not `async`; a function that does not parse comes back as it was, with the errors.
pub(crate) fn async_fn(
    input: TokenStream,
    errors: &mut Errors,
    name: &str,
) -> Result<ItemFn, TokenStream> {
    let item: ItemFn = match syn::parse2(input.clone()) {
        Ok(item) => item,
        Err(e) => {
            errors.push(e);
            let mut out = input;
            out.extend(std::mem::take(errors).into_compile_errors());
            return Err(out);
        }
    };
    if item.sig.asyncness.is_none() {
        errors.at(
            item.sig.fn_token,
            format!("an #[otp_runtime::{name}] function must be `async fn`"),
        );
    }
    Ok(item)
}

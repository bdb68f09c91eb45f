//! Collects every error of one macro invocation, so that users see them all at once
//! (as serde's `Ctxt` does).

use proc_macro2::TokenStream;
use quote::ToTokens;
use std::fmt::Display;

#[derive(Default)]
pub(crate) struct Errors {
    errors: Option<syn::Error>,
    count: usize,
}

impl Errors {
    /// Adds an error spanning `tokens`.
    pub(crate) fn at(&mut self, tokens: impl ToTokens, msg: impl Display) {
        self.push(syn::Error::new_spanned(tokens, msg));
    }

    pub(crate) fn push(&mut self, e: syn::Error) {
        self.count += 1;
        match &mut self.errors {
            Some(all) => all.combine(e),
            None => self.errors = Some(e),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.errors.is_none()
    }

    /// How many errors so far: a check can tell whether it added any.
    pub(crate) fn len(&self) -> usize {
        self.count
    }

    pub(crate) fn into_compile_errors(self) -> TokenStream {
        self.errors
            .map(|e| e.to_compile_error())
            .unwrap_or_default()
    }
}

//! `supervision_tree!`: parse (and check) the declarations, then expand them.

mod expand;
mod parse;

use proc_macro2::TokenStream;

use crate::errors::Errors;

pub(crate) fn supervision_tree(input: TokenStream) -> TokenStream {
    let input = match syn::parse2::<parse::Input>(input) {
        Ok(input) => input,
        Err(e) => return e.to_compile_error(),
    };
    let mut errors = Errors::default();
    for tree in &input.trees {
        parse::check(&tree.body, &mut errors);
    }
    if !errors.is_empty() {
        return errors.into_compile_errors();
    }
    input
        .trees
        .iter()
        .map(|tree| expand::expand(tree, &input.krate))
        .collect()
}

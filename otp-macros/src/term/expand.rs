//! Generates the `ToTerm` and `FromTerm` impls from the model of `term::Model`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::Member;

use super::{Body, Derive, Field, Model, Variant, VariantStyle};
use crate::names::private;

pub(crate) fn expand(which: Derive, model: &Model) -> TokenStream {
    let krate = &model.krate;
    let mapping = quote!(#krate::dist::mapping);
    let trait_path = match which {
        Derive::ToTerm => quote!(#mapping::ToTerm),
        Derive::FromTerm => quote!(#mapping::FromTerm),
    };
    let ident = model.ident;
    let mut generics = model.generics.clone();
    {
        let where_clause = generics.make_where_clause();
        for param in model.generics.type_params() {
            let t = &param.ident;
            where_clause
                .predicates
                .push(syn::parse_quote!(#t: #trait_path));
        }
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let d = quote!(#mapping::derived);
    let item = match which {
        Derive::ToTerm => {
            let body = to_term(model, &d, &trait_path);
            quote! {
                fn to_term(&self) -> #d::Term {
                    #body
                }
            }
        }
        Derive::FromTerm => {
            let term = private("term");
            let body = from_term(model, &d, &term);
            quote! {
                fn from_term(#term: #d::Term)
                    -> ::core::result::Result<Self, #mapping::FromTermError>
                {
                    #body
                }
            }
        }
    };
    quote! {
        #[automatically_derived]
        impl #impl_generics #trait_path for #ident #ty_generics #where_clause {
            #item
        }
    }
}

/// `binding_0, binding_1, ...` for a variant's or a tuple's fields.
fn bindings(fields: &[Field]) -> Vec<syn::Ident> {
    (0..fields.len())
        .map(|i| private(&format!("f{i}")))
        .collect()
}

fn members<'a>(fields: &'a [Field]) -> Vec<&'a Member> {
    fields.iter().map(|f| &f.member).collect()
}

fn keys<'a>(fields: &'a [Field]) -> Vec<&'a str> {
    fields
        .iter()
        .map(|f| f.key.as_deref().unwrap_or(""))
        .collect()
}

// ---- ToTerm ----

fn to_term(model: &Model, d: &TokenStream, to: &TokenStream) -> TokenStream {
    match &model.body {
        Body::Map {
            fields,
            elixir_struct,
        } => {
            let values: Vec<TokenStream> = fields
                .iter()
                .map(|f| {
                    let m = &f.member;
                    quote!(&self.#m)
                })
                .collect();
            map_term(d, to, fields, &values, elixir_struct.as_deref())
        }
        Body::Tuple { fields, tag } => {
            let tag = tag.iter().map(|t| quote!(#d::atom(#t),));
            let values = fields.iter().map(|f| {
                let m = &f.member;
                field_to_term(to, f, &quote!(&self.#m))
            });
            quote! {
                #d::Term::Tuple(::std::vec![#(#tag)* #(#values),*])
            }
        }
        Body::Transparent(field) => {
            let m = &field.member;
            field_to_term(to, field, &quote!(&self.#m))
        }
        Body::Unit(name) => quote!(#d::atom(#name)),
        Body::Enum(variants) if variants.is_empty() => quote!(match *self {}),
        Body::Enum(variants) => {
            let arms = variants.iter().map(|v| to_term_arm(d, to, v));
            quote! {
                match self {
                    #(#arms)*
                }
            }
        }
    }
}

/// `#{key => value, ...}`, `values` being references to the fields.
fn map_term(
    d: &TokenStream,
    to: &TokenStream,
    fields: &[Field],
    values: &[TokenStream],
    elixir_struct: Option<&str>,
) -> TokenStream {
    let keys = keys(fields);
    let elixir = elixir_struct
        .iter()
        .map(|name| quote!((#d::atom("__struct__"), #d::atom(#name)),));
    let values = fields
        .iter()
        .zip(values)
        .map(|(f, v)| field_to_term(to, f, v));
    quote! {
        #d::Term::Map(::std::vec![
            #(#elixir)*
            #((#d::atom(#keys), #values)),*
        ])
    }
}

fn to_term_arm(d: &TokenStream, to: &TokenStream, v: &Variant) -> TokenStream {
    let ident = v.ident;
    let tag = &v.tag;
    let binds = bindings(&v.fields);
    let members = members(&v.fields);
    let pattern = quote!(Self::#ident { #(#members: #binds),* });
    match v.style {
        VariantStyle::Unit => quote!(#pattern => #d::atom(#tag),),
        VariantStyle::Tuple => {
            let values = v
                .fields
                .iter()
                .zip(&binds)
                .map(|(f, b)| field_to_term(to, f, &quote!(#b)));
            quote! {
                #pattern => #d::Term::Tuple(::std::vec![#d::atom(#tag), #(#values),*]),
            }
        }
        VariantStyle::Struct => {
            let values: Vec<TokenStream> = binds.iter().map(|b| quote!(#b)).collect();
            let map = map_term(d, to, &v.fields, &values, None);
            quote! {
                #pattern => #d::Term::Tuple(::std::vec![#d::atom(#tag), #map]),
            }
        }
    }
}

/// `ToTerm::to_term(value)` for a field, spanned at its type: a type that is not `ToTerm` is
/// an error there.
fn field_to_term(to: &TokenStream, f: &Field, value: &TokenStream) -> TokenStream {
    let ty = f.ty;
    quote_spanned!(ty.span()=> <#ty as #to>::to_term(#value))
}

// ---- FromTerm ----

fn from_term(model: &Model, d: &TokenStream, term: &syn::Ident) -> TokenStream {
    let ok = quote!(::core::result::Result::Ok);
    match &model.body {
        Body::Map {
            fields,
            elixir_struct,
        } => {
            let map = private("map");
            let keys = keys(fields);
            let members = members(fields);
            let index = 0..fields.len();
            let elixir = match elixir_struct {
                Some(name) => quote!(::core::option::Option::Some(#name)),
                None => quote!(::core::option::Option::None),
            };
            let types = fields.iter().map(|f| f.ty);
            quote! {
                let mut #map = #d::MapFields::new::<Self>(#term, &[#(#keys),*], #elixir)?;
                #ok(Self { #(#members: #map.take::<Self, #types>(#index)?),* })
            }
        }
        Body::Tuple { fields, tag } => {
            let binds = bindings(fields);
            let members = members(fields);
            let n = fields.len();
            let expected = match tag {
                Some(tag) => format!("a record {}", pattern(tag, n)),
                None if n == 0 => "the empty tuple".to_string(),
                None => format!("a {n}-tuple"),
            };
            let first = usize::from(tag.is_some()) + 1;
            let values = fields.iter().zip(&binds).enumerate().map(|(i, (f, b))| {
                let ty = f.ty;
                match &f.key {
                    Some(key) => quote!(#d::field::<Self, #ty>(#b, #key)?),
                    None => {
                        let n = first + i;
                        quote!(#d::element::<Self, #ty>(#b, #n)?)
                    }
                }
            });
            let tag = match tag {
                Some(tag) => quote!(::core::option::Option::Some(#tag)),
                None => quote!(::core::option::Option::None),
            };
            quote! {
                let [#(#binds),*] = #d::tuple::<Self, #n>(#term, #tag, #expected)?;
                #ok(Self { #(#members: #values),* })
            }
        }
        Body::Transparent(field) => {
            let m = &field.member;
            let ty = field.ty;
            quote!(#ok(Self { #m: #d::transparent::<Self, #ty>(#term)? }))
        }
        Body::Unit(name) => quote! {
            #d::unit::<Self>(#term, #name)?;
            #ok(Self {})
        },
        Body::Enum(variants) => from_term_enum(d, term, variants),
    }
}

/// `{tag, _, _}` for `n` fields.
fn pattern(tag: &str, n: usize) -> String {
    let mut s = format!("{{{}", quoted(tag));
    for _ in 0..n {
        s.push_str(", _");
    }
    s.push('}');
    s
}

/// An atom as Erlang writes it: quoted unless it is a lowercase letter followed by letters,
/// digits, `_` and `@` (as `Atom`'s `Display`).
fn quoted(name: &str) -> String {
    let plain = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '@');
    if plain {
        name.to_string()
    } else {
        let mut s = String::from("'");
        for c in name.chars() {
            match c {
                '\'' => s.push_str("\\'"),
                '\\' => s.push_str("\\\\"),
                c => s.push(c),
            }
        }
        s.push('\'');
        s
    }
}

/// The pattern a variant is named by in paths of errors: `ping`, `{lookup, _}`,
/// `{create, _}`.
fn variant_pattern(v: &Variant) -> String {
    match v.style {
        VariantStyle::Unit => quoted(&v.tag),
        VariantStyle::Tuple => pattern(&v.tag, v.fields.len()),
        VariantStyle::Struct => pattern(&v.tag, 1),
    }
}

/// "one of ping, {lookup, _} or {create, _}".
fn expected_variants(variants: &[Variant]) -> String {
    let patterns: Vec<String> = variants.iter().map(variant_pattern).collect();
    match patterns.as_slice() {
        [] => "nothing: the enum has no variants".to_string(),
        [one] => one.clone(),
        [init @ .., last] => format!("one of {} or {last}", init.join(", ")),
    }
}

fn from_term_enum(d: &TokenStream, term: &syn::Ident, variants: &[Variant]) -> TokenStream {
    let ok = quote!(::core::result::Result::Ok);
    let err = quote!(::core::result::Result::Err);
    let expected = expected_variants(variants);
    let tag = private("tag");
    let fields = private("fields");
    let other = private("other");
    let units = variants
        .iter()
        .filter(|v| v.style == VariantStyle::Unit)
        .map(|v| {
            let (name, ident) = (&v.tag, v.ident);
            quote!(#name => #ok(Self::#ident {}),)
        });
    let tagged = variants
        .iter()
        .filter(|v| v.style != VariantStyle::Unit)
        .map(|v| {
            let (name, ident) = (&v.tag, v.ident);
            let pattern = variant_pattern(v);
            let members = members(&v.fields);
            match v.style {
                VariantStyle::Struct => {
                    let map = private("map");
                    let keys = keys(&v.fields);
                    let index = 0..v.fields.len();
                    let types = v.fields.iter().map(|f| f.ty);
                    quote! {
                        #name => {
                            let [#map] = #d::variant_fields::<Self, 1>(#tag, #fields, #pattern)?;
                            let mut #map = #d::variant_map::<Self>(#map, &[#(#keys),*], #pattern)?;
                            #ok(Self::#ident { #(
                                #members: #map
                                    .take::<Self, #types>(#index)
                                    .map_err(|e| #d::in_variant(e, #pattern))?
                            ),* })
                        }
                    }
                }
                _ => {
                    let binds = bindings(&v.fields);
                    let n = v.fields.len();
                    let element = 2..n + 2;
                    let types = v.fields.iter().map(|f| f.ty);
                    quote! {
                        #name => {
                            let [#(#binds),*] = #d::variant_fields::<Self, #n>(#tag, #fields, #pattern)?;
                            #ok(Self::#ident { #(
                                #members: #d::variant_element::<#types>(#binds, #element, #pattern)?
                            ),* })
                        }
                    }
                }
            }
        });
    quote! {
        match #d::split_variant(#term) {
            #d::Variant::Unit(#tag) => match #tag.as_str() {
                #(#units)*
                _ => #err(#d::no_variant::<Self>(#expected, #d::Variant::Unit(#tag))),
            },
            #d::Variant::Tagged(#tag, #fields) => match #tag.as_str() {
                #(#tagged)*
                _ => #err(#d::no_variant::<Self>(#expected, #d::Variant::Tagged(#tag, #fields))),
            },
            #other => #err(#d::no_variant::<Self>(#expected, #other)),
        }
    }
}

//! `#[gen_server(remote)]`: how a server's calls, casts and replies map to Erlang terms, so
//! that other nodes can call it and a handle can call it on another node.
//!
//! A handler `name(a: A, b: B)` is the request `{name, A, B}` (`name` alone without
//! arguments), as Erlang code writes requests; its reply is its return value's term.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::expand::{phantom_arm, ty};
use super::parse::{Handler, Kind, Server};
use crate::names::{private, ServerNames};

/// What Erlang writes for `h`'s requests: `get` or `{lookup, _}`.
fn pattern(h: &Handler) -> String {
    let n = h.msg_params().count();
    if n == 0 {
        h.method.to_string()
    } else {
        let mut s = format!("{{{}", h.method);
        for _ in 0..n {
            s.push_str(", _");
        }
        s.push('}');
        s
    }
}

fn expected(server: &Server, kind: Kind) -> String {
    let all: Vec<String> = server.of(kind).map(pattern).collect();
    match all.len() {
        0 => "nothing (the server has no such handler)".into(),
        1 => format!("`{}`", all[0]),
        _ => format!(
            "one of {}",
            all.iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The closure reading a request term as `kind`'s enum.
fn decoder(
    server: &Server,
    kind: Kind,
    path: &syn::Ident,
    ty: &TokenStream,
    krate: &syn::Path,
) -> TokenStream {
    let t = private("t");
    let name = private("name");
    let args = private("args");
    let it = private("it");
    let expected = expected(server, kind);
    let arms = server.of(kind).map(|h| {
        let method = h.method.to_string();
        let variant = &h.variant;
        let n = h.msg_params().count();
        let fields = h.msg_params().enumerate().map(|(i, (f, fty))| {
            let pos = i + 2;
            let get = quote_spanned!(fty.span()=> #krate::dist::arg::<#fty>(&mut #it, #pos)?);
            quote!(#f: #get)
        });
        quote! {
            (#method, #n) => {
                let mut #it = ::core::iter::IntoIterator::into_iter(#args);
                ::core::result::Result::Ok(#path::#variant { #(#fields),* })
            }
        }
    });
    quote! {
        |#t| {
            const EXPECTED: &str = #expected;
            let (#name, #args) = #krate::dist::split_request::<#ty>(#t, EXPECTED)?;
            match (#name.as_str(), #args.len()) {
                #(#arms)*
                _ => ::core::result::Result::Err(
                    #krate::dist::unknown_request::<#ty>(&#name, #args, EXPECTED),
                ),
            }
        }
    }
}

/// The closure writing `kind`'s enum as a request term (with, for calls, its reply's
/// reader).
fn encoder(
    server: &Server,
    kind: Kind,
    names: &ServerNames,
    reply_ty: &TokenStream,
    krate: &syn::Path,
) -> TokenStream {
    let c = private("c");
    let (path, phantom) = match kind {
        Kind::Call => (&names.call, phantom_arm(server, &names.call)),
        _ => (&names.cast, phantom_arm(server, &names.cast)),
    };
    let reply_path = &names.reply;
    let arms = server.of(kind).map(|h| {
        let method = h.method.to_string();
        let variant = &h.variant;
        let fields: Vec<_> = h.msg_params().map(|(f, _)| f).collect();
        let terms = h
            .msg_params()
            .map(|(f, fty)| quote_spanned!(fty.span()=> #krate::dist::to_term::<#fty>(&#f)));
        let term = quote!(#krate::dist::request_term(#method, ::std::vec![#(#terms),*]));
        let rty = &h.reply;
        let body = if kind == Kind::Call {
            let t = private("t");
            let read = quote_spanned!(rty.span()=> #krate::dist::reply_of::<#rty>(#t));
            quote! {
                (#term, (|#t| ::core::result::Result::map(#read, #reply_path::#variant))
                    as fn(#krate::dist::term::Term)
                        -> ::core::result::Result<#reply_ty, #krate::dist::mapping::FromTermError>)
            }
        } else {
            term
        };
        quote! { #path::#variant { #(#fields),* } => #body, }
    });
    quote! {
        |#c| match #c {
            #(#arms)*
            #phantom
        }
    }
}

/// `fn remote_fns()` of the `GenServer` impl.
pub(crate) fn remote_fns(server: &Server, names: &ServerNames, krate: &syn::Path) -> TokenStream {
    let call_ty = ty(&names.call, server);
    let cast_ty = ty(&names.cast, server);
    let reply_ty = ty(&names.reply, server);
    let call = decoder(server, Kind::Call, &names.call, &call_ty, krate);
    let cast = decoder(server, Kind::Cast, &names.cast, &cast_ty, krate);
    let call_to_term = encoder(server, Kind::Call, names, &reply_ty, krate);
    let cast_to_term = encoder(server, Kind::Cast, names, &reply_ty, krate);
    let r = private("r");
    let v = private("v");
    let reply_path = &names.reply;
    let reply_arms = server.of(Kind::Call).map(|h| {
        let variant = &h.variant;
        let rty = &h.reply;
        let enc = quote_spanned!(rty.span()=> #krate::dist::to_term::<#rty>(&#v));
        quote! { #reply_path::#variant(#v) => #enc, }
    });
    let reply_phantom = phantom_arm(server, &names.reply);
    quote! {
        #[allow(unreachable_code, unused_mut, unused_variables)]
        fn remote_fns() -> ::core::option::Option<#krate::dist::RemoteFns<Self>> {
            ::core::option::Option::Some(#krate::dist::RemoteFns {
                call: #call,
                reply: |#r| match #r {
                    #(#reply_arms)*
                    #reply_phantom
                },
                cast: #cast,
                call_to_term: #call_to_term,
                cast_to_term: #cast_to_term,
            })
        }
    }
}

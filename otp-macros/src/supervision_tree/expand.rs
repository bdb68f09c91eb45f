//! Writes the code for a checked `supervision_tree!`: per declaration, a handle type with its
//! spec, start functions and (through `Deref`) the supervisor API.

use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use syn::Expr;

use super::parse::{closure_arg, Body, Child, Kind, ShutdownSetting, Start, Strategy, Tree};

pub(crate) fn expand(tree: &Tree, krate: &syn::Path) -> TokenStream {
    let Tree {
        attrs,
        vis,
        ident,
        body,
    } = tree;
    let sup = quote!(#krate::supervisor);
    let spec_expr = body_spec(body, krate);
    let (spec_ty, ref_ty, child_spec) = match body.strategy {
        Strategy::Dynamic => {
            let arg = dynamic_arg(body);
            (
                quote!(#sup::DynamicSupervisorSpec<#arg>),
                quote!(#sup::DynamicSupervisorRef<#arg>),
                quote!(#sup::ChildSpec::dynamic_supervisor(id, Self::spec())),
            )
        }
        _ => (
            quote!(#sup::SupervisorSpec),
            quote!(#sup::SupervisorRef),
            quote!(#sup::ChildSpec::supervisor(id, Self::spec())),
        ),
    };
    let named = body.name.as_ref().map(|name| {
        quote! {
            /// A handle to this supervisor by its registered name, resolved at each request.
            #vis fn named() -> Self {
                #ident { sup: <#ref_ty>::named(#name) }
            }
        }
    });
    let doc_spec = format!(
        "The spec of `{ident}`: start it, or nest it in another supervisor with `{ident}::child_spec`."
    );
    quote! {
        #(#attrs)*
        #[derive(::core::clone::Clone, ::core::fmt::Debug)]
        #vis struct #ident {
            sup: #ref_ty,
        }

        impl #ident {
            #[doc = #doc_spec]
            #vis fn spec() -> #spec_ty {
                #spec_expr
            }

            /// This supervisor as a child of another, with the id `id`.
            #vis fn child_spec(id: impl ::core::convert::Into<::std::sync::Arc<str>>) -> #sup::ChildSpec {
                #child_spec
            }

            /// Starts the supervisor linked to the calling process, and its children in order.
            #vis async fn start_link() -> ::core::result::Result<Self, #krate::StartError> {
                Self::spec().start_link().await.map(|sup| #ident { sup })
            }

            /// Starts the supervisor unlinked.
            #vis async fn start() -> ::core::result::Result<Self, #krate::StartError> {
                Self::spec().start().await.map(|sup| #ident { sup })
            }

            #named

            /// The supervisor's handle.
            #vis fn supervisor(&self) -> &#ref_ty {
                &self.sup
            }
        }

        impl ::core::ops::Deref for #ident {
            type Target = #ref_ty;
            fn deref(&self) -> &#ref_ty {
                &self.sup
            }
        }

        impl ::core::convert::From<#ident> for #ref_ty {
            fn from(s: #ident) -> #ref_ty {
                s.sup
            }
        }

        impl #sup::ChildPid for #ident {
            fn child_pid(&self) -> ::core::option::Option<#krate::Pid> {
                #sup::ChildPid::child_pid(&self.sup)
            }
        }
    }
}

/// The argument type of a dynamic supervisor's children (checked to exist).
fn dynamic_arg(body: &Body) -> TokenStream {
    match body.children.first().map(|c| &c.start) {
        Some(Start::Value(Expr::Closure(c))) | Some(Start::Future(Expr::Closure(c))) => {
            let ty = closure_arg(c).expect("checked");
            quote!(#ty)
        }
        _ => unreachable!("checked: a dynamic supervisor has one closure template"),
    }
}

/// The expression building a supervisor's spec.
fn body_spec(body: &Body, krate: &syn::Path) -> TokenStream {
    let sup = quote!(#krate::supervisor);
    let intensity = body.intensity.as_ref().map(|(n, period)| {
        // As a `u32` whatever the literal's suffix (`5u8`).
        let n: u32 = n.base10_parse().expect("checked");
        let nanos = period.nanos;
        quote!(.intensity(#n, ::core::time::Duration::from_nanos(#nanos)))
    });
    let name = body.name.as_ref().map(|n| quote!(.name(#n)));
    if body.strategy == Strategy::Dynamic {
        let child = &body.children[0];
        let id = &child.id;
        let (ctor, f) = match (&child.start, child.kind) {
            (Start::Value(f), Kind::Worker) => (quote!(worker), f),
            (Start::Value(f), Kind::Supervisor) => (quote!(supervisor), f),
            (Start::Future(f), _) => (quote!(from_fn), f),
            _ => unreachable!("checked: a closure, not a service"),
        };
        let base = located_at(quote!(#sup::DynamicSupervisorSpec::#ctor(#id, #f)), f);
        let kind = match (&child.start, child.kind) {
            (Start::Future(_), Kind::Supervisor) => {
                Some(quote!(.kind(#sup::ChildType::Supervisor)))
            }
            _ => None,
        };
        let settings = child_settings(child, krate);
        return quote! {
            #base #kind #settings #intensity #name
        };
    }
    let strategy = match body.strategy {
        Strategy::OneForOne => quote!(OneForOne),
        Strategy::OneForAll => quote!(OneForAll),
        Strategy::RestForOne => quote!(RestForOne),
        Strategy::Dynamic => unreachable!(),
    };
    let auto = body.auto_shutdown.as_ref().map(|a| {
        let v = match a.to_string().as_str() {
            "any_significant" => quote!(AnySignificant),
            "all_significant" => quote!(AllSignificant),
            _ => quote!(Never),
        };
        quote!(.auto_shutdown(#sup::AutoShutdown::#v))
    });
    let children = body.children.iter().map(|c| {
        let spec = child_spec(c, krate);
        quote!(.child(#spec))
    });
    quote! {
        #sup::SupervisorSpec::new(#sup::Strategy::#strategy) #intensity #auto #name #(#children)*
    }
}

fn child_spec(child: &Child, krate: &syn::Path) -> TokenStream {
    let sup = quote!(#krate::supervisor);
    let id = &child.id;
    let base = match (&child.start, child.kind) {
        (Start::Value(e), Kind::Worker) => {
            located_at(quote!(#sup::ChildSpec::worker(#id, || #e)), e)
        }
        (Start::Value(e), Kind::Supervisor) => {
            located_at(quote!(#sup::ChildSpec::supervisor(#id, #e)), e)
        }
        (Start::Value(e), Kind::Service) => {
            located_at(quote!(#sup::ChildSpec::service(#id, #e)), e)
        }
        (Start::Future(e), Kind::Worker | Kind::Service) => {
            located_at(quote!(#sup::ChildSpec::from_fn(#id, || #e)), e)
        }
        (Start::Future(e), Kind::Supervisor) => {
            let from_fn = located_at(quote!(#sup::ChildSpec::from_fn(#id, || #e)), e);
            quote!(#from_fn.kind(#sup::ChildType::Supervisor))
        }
        (Start::Declared(path), _) => {
            let child_spec = located_at(quote!(child_spec), path);
            quote!(#path::#child_spec(#id))
        }
        (Start::Inline(body), _) => {
            let spec = body_spec(body, krate);
            if body.strategy == Strategy::Dynamic {
                quote!(#sup::ChildSpec::dynamic_supervisor(#id, #spec))
            } else {
                quote!(#sup::ChildSpec::supervisor(#id, #spec))
            }
        }
    };
    let settings = child_settings(child, krate);
    let significant = child.significant.map(|(v, _)| quote!(.significant(#v)));
    let name = child.name.as_ref().map(|n| quote!(.name(#n)));
    quote!(#base #settings #significant #name)
}

/// `.restart(..)` and `.shutdown(..)`, shared by static children and dynamic templates.
fn child_settings(child: &Child, krate: &syn::Path) -> TokenStream {
    let sup = quote!(#krate::supervisor);
    let restart = child.restart.as_ref().map(|r| {
        let v = match r.to_string().as_str() {
            "transient" => quote!(Transient),
            "temporary" => quote!(Temporary),
            _ => quote!(Permanent),
        };
        quote!(.restart(#sup::Restart::#v))
    });
    let shutdown = child.shutdown.as_ref().map(|s| {
        let v = match s {
            ShutdownSetting::BrutalKill => quote!(#sup::Shutdown::BrutalKill),
            ShutdownSetting::Infinity => quote!(#sup::Shutdown::Infinity),
            ShutdownSetting::After(d) => {
                let nanos = d.nanos;
                quote!(#sup::Shutdown::Timeout(::core::time::Duration::from_nanos(#nanos)))
            }
        };
        quote!(.shutdown(#v))
    });
    quote!(#restart #shutdown)
}

/// The call `call` (`path(args)`) moved onto the user's `at`, its name resolution kept: rustc
/// reports an unmet bound of a call (a worker that is not a gen_server, a start expression
/// that is not a future) at the whole call, which then underlines the user's expression
/// rather than the whole macro. Only the top-level tokens move (the path and the
/// parentheses); the arguments keep their spans.
fn located_at(call: TokenStream, at: &impl ToTokens) -> TokenStream {
    let mut spans = at.to_token_stream().into_iter().map(|t| t.span());
    let Some(first) = spans.next() else {
        return call;
    };
    let last = spans.last().unwrap_or(first);
    call.into_iter()
        .enumerate()
        .map(|(i, mut t)| {
            t.set_span(t.span().located_at(if i == 0 { first } else { last }));
            t
        })
        .collect()
}

//! Writes the code for a checked `supervision_tree!`: per declaration, a handle type with its
//! spec, start functions and (through `Deref`) the supervisor API.

use proc_macro2::{Span, TokenStream};
use quote::{quote, ToTokens};
use syn::{Expr, Ident};

use super::parse::{
    closure_arg, Body, Child, Intensity, Kind, Param, Pool, ShutdownSetting, Start, Strategy, Tree,
};

/// What every part of one declaration's expansion needs.
struct Gen<'a> {
    krate: &'a syn::Path,
    /// The tree's parameters: each child's start closure gets a clone of each.
    params: &'a [Param],
}

pub(crate) fn expand(tree: &Tree, krate: &syn::Path) -> TokenStream {
    let Tree {
        attrs,
        vis,
        ident,
        params,
        body,
    } = tree;
    let sup = quote!(#krate::supervisor);
    let gen = Gen { krate, params };
    let spec_expr = body_spec(body, &gen);
    // `size: usize, addr: SocketAddr` in the signatures; `size, addr` in the calls.
    let decls: Vec<TokenStream> = params
        .iter()
        .map(|Param { ident, ty }| quote!(#ident: #ty))
        .collect();
    let args: Vec<&Ident> = params.iter().map(|p| &p.ident).collect();
    let with_params = if params.is_empty() {
        String::new()
    } else {
        let names: Vec<String> = args.iter().map(|a| format!("`{a}`")).collect();
        format!(", given its parameters {}", names.join(", "))
    };
    let doc_child_spec =
        format!("This supervisor as a child of another, with the id `id`{with_params}.");
    let doc_start_link = format!("Starts the supervisor linked to the calling process{with_params}, and its children in order.");
    let doc_start = format!("Starts the supervisor unlinked{with_params}.");
    let (spec_ty, ref_ty, child_spec) = match body.strategy {
        Strategy::Dynamic => {
            let arg = dynamic_arg(body);
            (
                quote!(#sup::DynamicSupervisorSpec<#arg>),
                quote!(#sup::DynamicSupervisorRef<#arg>),
                quote!(#sup::ChildSpec::dynamic_supervisor(id, Self::spec(#(#args),*))),
            )
        }
        _ => (
            quote!(#sup::SupervisorSpec),
            quote!(#sup::SupervisorRef),
            quote!(#sup::ChildSpec::supervisor(id, Self::spec(#(#args),*))),
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
        "The spec of `{ident}`{with_params}: start it, or nest it in another supervisor with `{ident}::child_spec`."
    );
    quote! {
        #(#attrs)*
        #[derive(::core::clone::Clone, ::core::fmt::Debug)]
        #vis struct #ident {
            sup: #ref_ty,
        }

        impl #ident {
            #[doc = #doc_spec]
            #vis fn spec(#(#decls),*) -> #spec_ty {
                #spec_expr
            }

            #[doc = #doc_child_spec]
            #vis fn child_spec(id: impl ::core::convert::Into<::std::sync::Arc<str>>, #(#decls),*) -> #sup::ChildSpec {
                #child_spec
            }

            #[doc = #doc_start_link]
            #vis async fn start_link(#(#decls),*) -> ::core::result::Result<Self, #krate::StartError> {
                Self::spec(#(#args),*).start_link().await.map(|sup| #ident { sup })
            }

            #[doc = #doc_start]
            #vis async fn start(#(#decls),*) -> ::core::result::Result<Self, #krate::StartError> {
                Self::spec(#(#args),*).start().await.map(|sup| #ident { sup })
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
fn body_spec(body: &Body, gen: &Gen) -> TokenStream {
    let krate = gen.krate;
    let sup = quote!(#krate::supervisor);
    let intensity = body.intensity.as_ref().map(|(n, period)| {
        // A literal as a `u32` whatever its suffix (`5u8`).
        let n = match n {
            Intensity::Literal(n) => quote!(#n),
            Intensity::Expr(e) => quote!(#e),
        };
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
        let f = movable(f, gen);
        let base = located_at(quote!(#sup::DynamicSupervisorSpec::#ctor(#id, #f)), &f);
        let kind = match (&child.start, child.kind) {
            (Start::Future(_), Kind::Supervisor) => {
                Some(quote!(.kind(#sup::ChildType::Supervisor)))
            }
            _ => None,
        };
        let settings = child_settings(child, krate);
        return with_clones(
            quote! {
                #base #kind #settings #intensity #name
            },
            gen,
        );
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
    let new = quote!(#sup::SupervisorSpec::new(#sup::Strategy::#strategy) #intensity #auto #name);
    if body.children.iter().all(|c| c.pool.is_none()) {
        let children = body.children.iter().map(|c| {
            let spec = child_spec(c, None, gen);
            quote!(.child(#spec))
        });
        return quote!(#new #(#children)*);
    }
    // Input: children, some of them pools.
    // Output: a block that adds them in order, a pool's in a loop:
    //     { let mut spec = SupervisorSpec::new(..);
    //       spec = spec.child(..);
    //       for i in 1..=COUNT { spec = spec.child(ChildSpec::worker(format!("ID{}", i), ..)) }
    //       spec }
    let spec = Ident::new("__otp_spec", Span::mixed_site());
    let children = body.children.iter().map(|c| match &c.pool {
        None => {
            let child = child_spec(c, None, gen);
            quote!(#spec = #spec.child(#child);)
        }
        Some(pool) => {
            let (item, iter) = match pool {
                Pool::Times(count) => (
                    Ident::new("__otp_index", Span::mixed_site()),
                    quote!(1..=#count),
                ),
                Pool::For(item, iter) => (item.clone(), quote!(#iter)),
            };
            let child = child_spec(c, Some(&item), gen);
            quote! {
                for #item in #iter {
                    #spec = #spec.child(#child);
                }
            }
        }
    });
    quote! {{
        let mut #spec = #new;
        #(#children)*
        #spec
    }}
}

/// The spec of a child; for one of a pool's workers, `item` is its index (or item).
fn child_spec(child: &Child, item: Option<&Ident>, gen: &Gen) -> TokenStream {
    let krate = gen.krate;
    let sup = quote!(#krate::supervisor);
    let lit = &child.id;
    // A pool's worker: its id and name are made from the item before the closure, which
    // may take the item.
    let id_var = Ident::new("__otp_id", Span::mixed_site());
    let name_var = Ident::new("__otp_name", Span::mixed_site());
    let id = match item {
        None => quote!(#lit),
        Some(_) => quote!(#id_var),
    };
    // Closures over the parameters or a pool's item own what they capture.
    let move_ = (item.is_some() || !gen.params.is_empty()).then(|| quote!(move));
    let base = match (&child.start, child.kind) {
        (Start::Value(e), Kind::Worker) => {
            located_at(quote!(#sup::ChildSpec::worker(#id, #move_ || #e)), e)
        }
        (Start::Value(e), Kind::Supervisor) => {
            located_at(quote!(#sup::ChildSpec::supervisor(#id, #e)), e)
        }
        (Start::Value(e), Kind::Service) => {
            let e = movable(e, gen);
            located_at(quote!(#sup::ChildSpec::service(#id, #e)), &e)
        }
        (Start::Future(e), Kind::Worker | Kind::Service) => {
            located_at(quote!(#sup::ChildSpec::from_fn(#id, #move_ || #e)), e)
        }
        (Start::Future(e), Kind::Supervisor) => {
            let from_fn = located_at(quote!(#sup::ChildSpec::from_fn(#id, #move_ || #e)), e);
            quote!(#from_fn.kind(#sup::ChildType::Supervisor))
        }
        (Start::Declared(path), _) => {
            let child_spec = located_at(quote!(child_spec), path);
            quote!(#path::#child_spec(#id))
        }
        (Start::Inline(body), _) => {
            let spec = body_spec(body, gen);
            if body.strategy == Strategy::Dynamic {
                quote!(#sup::ChildSpec::dynamic_supervisor(#id, #spec))
            } else {
                quote!(#sup::ChildSpec::supervisor(#id, #spec))
            }
        }
    };
    let settings = child_settings(child, krate);
    let significant = child.significant.map(|(v, _)| quote!(.significant(#v)));
    let name = child.name.as_ref().map(|n| match item {
        None => quote!(.name(#n)),
        Some(_) => quote!(.name(#name_var)),
    });
    let spec = with_clones(quote!(#base #settings #significant #name), gen);
    match item {
        None => spec,
        Some(item) => {
            let name = child
                .name
                .as_ref()
                .map(|n| quote!(let #name_var = ::std::format!("{}{}", #n, #item);));
            quote!({
                let #id_var = ::std::format!("{}{}", #lit, #item);
                #name
                #spec
            })
        }
    }
}

/// `spec` in a block that first clones each of the tree's parameters under its own name, so
/// that the closures in `spec` (made `move`) own theirs: a parameter may be used by several
/// children, and each closure runs again at each restart.
fn with_clones(spec: TokenStream, gen: &Gen) -> TokenStream {
    if gen.params.is_empty() {
        return spec;
    }
    let clones = gen.params.iter().map(|Param { ident, .. }| {
        quote! {
            #[allow(unused_variables, clippy::clone_on_copy, clippy::redundant_clone)]
            let #ident = ::core::clone::Clone::clone(&#ident);
        }
    });
    quote!({ #(#clones)* #spec })
}

/// A closure given as a value (a service's function, a dynamic template) made `move` when the
/// tree has parameters, so that it owns its clones of them.
fn movable(e: &Expr, gen: &Gen) -> Expr {
    match e {
        Expr::Closure(c) if c.capture.is_none() && !gen.params.is_empty() => {
            let mut c = c.clone();
            c.capture = Some(syn::Token![move](c.or1_token.span));
            Expr::Closure(c)
        }
        other => other.clone(),
    }
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

//! Generates, from the model of `parse`, the message enums, the client handle, the start
//! functions and the `GenServer` impl.
//!
//! Input:
//! ```text
//! #[gen_server]
//! impl Counter {
//!     #[call] pub fn get(&self) -> u64 { .. }
//!     #[cast] pub fn add(&mut self, n: u64) { .. }
//! }
//! ```
//! Output (paths shortened):
//! ```text
//! impl Counter { /* the user's methods, unchanged */ }
//! pub enum CounterCall { Get {} }
//! pub enum CounterReply { Get(u64) }          // #[doc(hidden)]
//! pub enum CounterCast { Add { n: u64 } }
//! pub struct CounterRef { .. }                // get(&self) -> Result<u64, CallError>, add(&self, n)
//! impl Counter { pub async fn start(self) -> Result<CounterRef, StartError>; start_link; .. }
//! impl GenServer for Counter { .. }
//! ```

use proc_macro2::TokenStream;
use quote::quote;
use syn::ext::IdentExt;

use super::parse::{Flavor, Handler, Kind, Param, Server};
use crate::names::{private, send_request, ServerNames, HANDLE_METHODS};

pub(crate) fn expand(server: &Server, krate: &syn::Path, remote: bool) -> TokenStream {
    let item = &server.user_item();
    let names = ServerNames::new(&server.ident);
    let enums = enums(server, &names);
    let variants = variant_names(server, &names, krate);
    let handle = handle(server, &names, krate, &Flavor::Server);
    let starts = start_fns(server, &names, krate, &Flavor::Server);
    let imp = gen_server_impl(server, &names, krate, remote);
    let remote_handle = remote.then(|| {
        let (impl_generics, ty_generics, where_clause) = server.item.generics.split_for_impl();
        let handle = &names.handle;
        let vis = &server.vis;
        let self_ty = &server.item.self_ty;
        quote! {
            impl #impl_generics #handle #ty_generics #where_clause {
                /// A handle to the server registered as `name` on node `node`, reached
                /// over distribution: its calls and casts go as `gen_server:call` and
                /// `gen_server:cast` send them.
                #vis fn remote(name: &str, node: &str) -> Self {
                    ::core::convert::From::from(<#krate::ServerRef<#self_ty>>::remote(name, node))
                }
            }
        }
    });
    quote! {
        #item
        #enums
        #variants
        #handle
        #starts
        #imp
        #remote_handle
    }
}

/// `<T, U>` of the impl, for the generated types, plus a phantom variant that uses them.
pub(crate) fn phantom(server: &Server) -> TokenStream {
    if server.item.generics.params.is_empty() {
        return TokenStream::new();
    }
    let self_ty = &server.item.self_ty;
    quote! {
        #[doc(hidden)]
        __Phantom(::core::convert::Infallible, ::core::marker::PhantomData<fn() -> #self_ty>),
    }
}

pub(crate) fn phantom_arm(server: &Server, enum_ident: &syn::Ident) -> TokenStream {
    if server.item.generics.params.is_empty() {
        return TokenStream::new();
    }
    let never = private("never");
    quote! { #enum_ident::__Phantom(#never, _) => match #never {}, }
}

pub(crate) fn enums(server: &Server, names: &ServerNames) -> TokenStream {
    let vis = &server.vis;
    let where_clause = &server.item.generics.where_clause;
    let params = &server.item.generics.params;
    let phantom = phantom(server);
    let ServerNames {
        call,
        cast,
        info,
        reply,
        ..
    } = names;
    let struct_variants = |kind: Kind| {
        server
            .of(kind)
            .map(|h| {
                let docs = &h.docs;
                let variant = &h.variant;
                let fields = h.msg_params().map(|(n, t)| quote!(#n: #t));
                quote! { #(#docs)* #variant { #(#fields),* }, }
            })
            .collect::<TokenStream>()
    };
    let call_variants = struct_variants(Kind::Call);
    let cast_variants = struct_variants(Kind::Cast);
    let info_variants = struct_variants(Kind::Info);
    let reply_variants: TokenStream = server
        .of(Kind::Call)
        .map(|h| {
            let variant = &h.variant;
            let ty = &h.reply;
            quote! { #variant(#ty), }
        })
        .collect();
    let server_ident = &server.ident;
    let doc_call = format!("The calls of [`{server_ident}`], one variant per `#[call]` method.");
    let doc_cast = format!("The casts of [`{server_ident}`], one variant per `#[cast]` method.");
    let doc_info = format!(
        "The out-of-band messages of [`{server_ident}`], one variant per `#[info]` method: \
         send them with the handle's `send` or a timer."
    );
    let optional = |kind: Kind, name: &syn::Ident, doc: &str| {
        if server.of(kind).next().is_some() {
            let variants = struct_variants(kind);
            quote! {
                #[doc = #doc]
                #vis enum #name<#params> #where_clause { #variants #phantom }
            }
        } else {
            TokenStream::new()
        }
    };
    let _ = info_variants;
    let info_enum = optional(Kind::Info, info, &doc_info);
    let internal_enum = optional(
        Kind::Internal,
        &names.internal,
        &format!(
            "The events [`{server_ident}`] inserts with `ctx.next_event(Event::Internal(..))`, \
             one variant per `#[internal]` method."
        ),
    );
    let timeout_enum = optional(
        Kind::Timer,
        &names.timeout,
        &format!(
            "What [`{server_ident}`]'s timeouts carry (`ctx.state_timeout(after, ..)` and the \
             others), one variant per `#[timeout]` method."
        ),
    );
    quote! {
        #[doc = #doc_call]
        #vis enum #call<#params> #where_clause { #call_variants #phantom }

        // A reply nobody reads (a call the program never makes) is not the user's dead
        // code: no "field `0` is never read" pointing at their return type.
        #[doc(hidden)]
        #[allow(dead_code)]
        #vis enum #reply<#params> #where_clause { #reply_variants #phantom }

        #[doc = #doc_cast]
        #vis enum #cast<#params> #where_clause { #cast_variants #phantom }

        #info_enum
        #internal_enum
        #timeout_enum
    }
}

// Input: the handlers of one kind (`#[call] fn get`, `#[call] fn put`).
// Output, on their enum:
//   impl FooCall {
//       pub fn variant_name(&self) -> &'static str;        // "Get"
//       #[doc(hidden)] pub fn __otp_variant_index(&self) -> u16;   // 0
//       #[doc(hidden)] pub const __OTP_VARIANTS: &'static [&'static str] = &["Get", "Put"];
//   }
/// The variant names of the message enums, for crash reports (`GenServer::variant_name`).
pub(crate) fn variant_names(
    server: &Server,
    names: &ServerNames,
    krate: &syn::Path,
) -> TokenStream {
    let vis = &server.vis;
    let (impl_generics, ty_generics, where_clause) = server.item.generics.split_for_impl();
    let phantom = (!server.item.generics.params.is_empty())
        .then(|| quote! { Self::__Phantom(..) => #krate::NO_VARIANT, });
    let of = |kind: Kind, name: &syn::Ident| {
        let handlers: Vec<&Handler> = server.of(kind).collect();
        if kind == Kind::Info && handlers.is_empty() {
            // No info enum: `()` stands in.
            return TokenStream::new();
        }
        let arms = handlers.iter().enumerate().map(|(i, h)| {
            let variant = &h.variant;
            let i = i as u16;
            quote! { Self::#variant { .. } => #i, }
        });
        let strings = handlers.iter().map(|h| h.variant.unraw().to_string());
        let scrutinee = if handlers.is_empty() {
            quote!(*self)
        } else {
            quote!(self)
        };
        quote! {
            #[automatically_derived]
            impl #impl_generics #name #ty_generics #where_clause {
                /// The name of this message's variant, never its fields: what crash reports
                /// and tracing spans show of it.
                #[allow(dead_code)]
                #vis fn variant_name(&self) -> &'static str {
                    Self::__OTP_VARIANTS
                        .get(<usize as ::core::convert::From<u16>>::from(self.__otp_variant_index()))
                        .copied()
                        .unwrap_or("?")
                }

                #[doc(hidden)]
                #[inline(always)]
                #vis fn __otp_variant_index(&self) -> u16 {
                    #[allow(unreachable_patterns)]
                    match #scrutinee {
                        #(#arms)*
                        #phantom
                    }
                }

                #[doc(hidden)]
                #vis const __OTP_VARIANTS: &'static [&'static str] = &[#(#strings),*];
            }
        }
    };
    let call = of(Kind::Call, &names.call);
    let cast = of(Kind::Cast, &names.cast);
    let info = of(Kind::Info, &names.info);
    quote! { #call #cast #info }
}

/// The trait methods that number and name a message's variant (`GenServer::call_variant`
/// and its siblings; `GenStatem`'s have the same shape).
pub(crate) fn variant_fns(server: &Server, names: &ServerNames, krate: &syn::Path) -> TokenStream {
    let call_ty = ty(&names.call, server);
    let cast_ty = ty(&names.cast, server);
    let has_info = server.of(Kind::Info).next().is_some();
    let info = has_info.then(|| {
        let info_ty = ty(&names.info, server);
        quote! {
            #[inline(always)]
            fn info_variant(msg: &#info_ty) -> u16 {
                <#info_ty>::__otp_variant_index(msg)
            }
        }
    });
    let info_names = if has_info {
        let info_ty = ty(&names.info, server);
        quote!(<#info_ty>::__OTP_VARIANTS)
    } else {
        quote!(&[])
    };
    quote! {
        #[inline(always)]
        fn call_variant(request: &#call_ty) -> u16 {
            <#call_ty>::__otp_variant_index(request)
        }

        #[inline(always)]
        fn cast_variant(msg: &#cast_ty) -> u16 {
            <#cast_ty>::__otp_variant_index(msg)
        }

        #info

        fn variant_name(
            kind: #krate::MessageKind,
            index: u16,
        ) -> ::core::option::Option<&'static str> {
            let names: &[&'static str] = match kind {
                #krate::MessageKind::Call => <#call_ty>::__OTP_VARIANTS,
                #krate::MessageKind::Cast => <#cast_ty>::__OTP_VARIANTS,
                #krate::MessageKind::Info => #info_names,
                _ => &[],
            };
            names.get(<usize as ::core::convert::From<u16>>::from(index)).copied()
        }
    }
}

/// The message type names with the impl's generic arguments: `FooCall<T>`.
pub(crate) fn ty(ident: &syn::Ident, server: &Server) -> TokenStream {
    let (_, ty_generics, _) = server.item.generics.split_for_impl();
    quote!(#ident #ty_generics)
}

pub(crate) fn info_ty(server: &Server, names: &ServerNames) -> TokenStream {
    if server.of(Kind::Info).next().is_some() {
        ty(&names.info, server)
    } else {
        quote!(())
    }
}

/// The pieces of a client method for a request handler: its name, visibility and docs, its
/// parameters, and the fields of the message it sends.
struct Request<'a> {
    method: &'a syn::Ident,
    method_vis: &'a syn::Visibility,
    docs: &'a [syn::Attribute],
    variant: &'a syn::Ident,
    args: Vec<TokenStream>,
    fields: Vec<&'a syn::Ident>,
}

impl<'a> Request<'a> {
    fn of(h: &'a Handler) -> Self {
        Request {
            method: &h.method,
            method_vis: &h.vis,
            docs: &h.docs,
            variant: &h.variant,
            args: h.msg_params().map(|(n, t)| quote!(#n: #t)).collect(),
            fields: h.msg_params().map(|(n, _)| n).collect(),
        }
    }
}

pub(crate) fn handle(
    server: &Server,
    names: &ServerNames,
    krate: &syn::Path,
    flavor: &Flavor,
) -> TokenStream {
    let vis = &server.vis;
    let self_ty = &server.item.self_ty;
    let (impl_generics, ty_generics, where_clause) = server.item.generics.split_for_impl();
    let handle = &names.handle;
    let info_ty = info_ty(server, names);
    // In expressions and patterns the enums are named without their generic arguments
    // (inferred); `Foo<T>::Variant` would not parse there.
    let (call_path, reply_path, cast_path) = (&names.call, &names.reply, &names.cast);
    let server_ident = &server.ident;
    let (inner, default_timeout, doc) = match flavor {
        Flavor::Server => (
            quote!(#krate::ServerRef<#self_ty>),
            quote!(#krate::DEFAULT_CALL_TIMEOUT),
            format!(
                "A client handle to a [`{server_ident}`] server: one method per request. \
                 `Clone + Send + Sync`; calls wait at most the handle's timeout (5 s unless \
                 [`with_timeout`]({handle}::with_timeout) says otherwise)."
            ),
        ),
        Flavor::Statem(_) => (
            quote!(#krate::StatemRef<#self_ty>),
            quote!(#krate::INFINITY),
            format!(
                "A client handle to a [`{server_ident}`] state machine: one method per request. \
                 `Clone + Send + Sync`; calls wait for their reply without a timeout, as \
                 `gen_statem:call/2` does, unless [`with_timeout`]({handle}::with_timeout) \
                 gives one."
            ),
        ),
    };
    let calls = server.of(Kind::Call).map(|h| {
        let Request {
            method,
            method_vis,
            docs,
            variant,
            args,
            fields,
        } = Request::of(h);
        let out = &h.reply;
        let r = private("reply");
        // A gen_statem's calls wait without a timeout by default (OTP's): every call says so,
        // where the user reads it, since a gen_server's wait 5 s.
        let wait_doc = matches!(flavor, Flavor::Statem(_)).then(|| {
            quote! {
                ///
                /// **Waits without a timeout** unless the handle has one
                /// ([`with_timeout`](Self::with_timeout)), as `gen_statem:call/2` does; a
                /// gen_server's calls wait 5 s.
            }
        });
        quote! {
            #(#docs)*
            #wait_doc
            #[allow(unreachable_patterns)]
            #method_vis async fn #method(&self, #(#args),*)
                -> ::core::result::Result<#out, #krate::CallError>
            {
                match self.inner.call_timeout(#call_path::#variant { #(#fields),* }, self.timeout).await? {
                    #reply_path::#variant(#r) => ::core::result::Result::Ok(#r),
                    _ => ::core::unreachable!("a server answers each call with that call's reply"),
                }
            }
        }
    });
    // A gen_server's calls also go as asynchronous requests (OTP's `send_request`), one
    // method each, named `send_<call>`: the call's own name says which request it is, and the
    // `send_` prefix what it does (it sends and returns, as `send_request` and the handle's
    // `send` do) and keeps it next to the call in an IDE's completion list. gen_statem's
    // `send_request` is not here yet.
    let send_requests = server
        .of(Kind::Call)
        .filter(|_| matches!(flavor, Flavor::Server))
        .map(|h| {
            let Request {
                method,
                method_vis,
                docs,
                variant,
                args,
                fields,
            } = Request::of(h);
            let out = &h.reply;
            let send = send_request(method);
            let r = private("reply");
            let doc = format!(
                "Sends [`{method}`](Self::{method}) as an asynchronous request and returns at \
                 once with its `RequestId`, to wait for, check or collect later (OTP's \
                 `gen_server:send_request/2`). Named `send_{method}`: it sends the \
                 `{method}` request without waiting, as `send_request` does.",
                method = method.unraw(),
            );
            quote! {
                #(#docs)*
                ///
                #[doc = #doc]
                #[allow(unreachable_patterns)]
                #method_vis fn #send(&self, #(#args),*) -> #krate::RequestId<#out> {
                    self.inner.send_request_map(
                        #call_path::#variant { #(#fields),* },
                        |#r| match #r {
                            #reply_path::#variant(#r) => #r,
                            _ => ::core::unreachable!("a server answers each call with that call's reply"),
                        },
                    )
                }
            }
        });
    let casts = server.of(Kind::Cast).map(|h| {
        let Request {
            method,
            method_vis,
            docs,
            variant,
            args,
            fields,
        } = Request::of(h);
        // Inlined: a cast is one enqueue, and a call through this wrapper cost a fifth more.
        quote! {
            #(#docs)*
            #[inline]
            #method_vis fn #method(&self, #(#args),*) {
                self.inner.cast(#cast_path::#variant { #(#fields),* })
            }
        }
    });
    // A method of the impl without `#[call]` or `#[cast]`, called on the handle, is most
    // likely a forgotten attribute: the handle gets a hidden method of that name whose bound
    // can never hold, so the call fails with one error that says so at the method's name
    // (instead of "no method named", with a suggestion to implement `Add`). The bound names a
    // lifetime of the method, so rustc checks it at the call, not at the definition.
    let taken: Vec<String> = server
        .of(Kind::Call)
        .flat_map(|h| {
            [
                h.method.unraw().to_string(),
                send_request(&h.method).to_string(),
            ]
        })
        .chain(server.of(Kind::Cast).map(|h| h.method.unraw().to_string()))
        .chain(HANDLE_METHODS.iter().map(|m| m.to_string()))
        .chain(["remote".to_string()])
        .collect();
    let forgotten = server
        .plain
        .iter()
        .filter(|p| !taken.contains(&p.method.unraw().to_string()))
        .map(|p| {
            let (method, vis) = (&p.method, &p.vis);
            let args = (0..p.arity).map(|_| quote!(_: impl ::core::marker::Sized));
            let lt = syn::Lifetime::new("'__otp", proc_macro2::Span::mixed_site());
            quote! {
                #[doc(hidden)]
                #[allow(dead_code, clippy::all, non_snake_case)]
                #vis fn #method<#lt, __OtpR>(&#lt self, #(#args),*) -> ::core::future::Pending<__OtpR>
                where
                    &#lt Self: #krate::__private::NotARequest<#self_ty>,
                {
                    ::core::future::pending()
                }
            }
        });
    let send = if server.of(Kind::Info).next().is_some() {
        quote! {
            /// Sends an out-of-band message to the server's `#[info]` handlers. Never blocks;
            /// dropped if the server is dead.
            #[inline]
            #vis fn send(&self, info: #info_ty) {
                self.inner.send(info)
            }
        }
    } else {
        TokenStream::new()
    };
    quote! {
        #[doc = #doc]
        #vis struct #handle #impl_generics #where_clause {
            inner: #inner,
            timeout: ::core::time::Duration,
        }

        #[automatically_derived]
        impl #impl_generics ::core::clone::Clone for #handle #ty_generics #where_clause {
            fn clone(&self) -> Self {
                #handle { inner: ::core::clone::Clone::clone(&self.inner), timeout: self.timeout }
            }
        }

        #[automatically_derived]
        impl #impl_generics ::core::fmt::Debug for #handle #ty_generics #where_clause {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Debug::fmt(&self.inner, f)
            }
        }

        #[automatically_derived]
        impl #impl_generics ::core::convert::From<#inner> for #handle #ty_generics #where_clause {
            fn from(inner: #inner) -> Self {
                #handle { inner, timeout: #default_timeout }
            }
        }

        // So that a supervisor's start function can return the handle.
        #[automatically_derived]
        impl #impl_generics #krate::supervisor::ChildPid for #handle #ty_generics #where_clause {
            fn child_pid(&self) -> ::core::option::Option<#krate::Pid> {
                self.inner.pid()
            }
        }

        impl #impl_generics #handle #ty_generics #where_clause {
            /// A handle that resolves `name` at each request, so it reaches whichever
            /// incarnation of the server is registered now (it survives restarts).
            #vis fn named(name: impl ::core::convert::Into<#krate::Name>) -> Self {
                ::core::convert::From::from(<#inner>::named(name))
            }

            /// This handle with another call timeout ([`INFINITY`](#krate::INFINITY) waits forever).
            #vis fn with_timeout(&self, timeout: ::core::time::Duration) -> Self {
                #handle { inner: ::core::clone::Clone::clone(&self.inner), timeout }
            }

            /// The call timeout of this handle.
            #vis fn timeout(&self) -> ::core::time::Duration {
                self.timeout
            }

            /// The server's pid now (for a named handle: whoever has the name, if anyone).
            #vis fn pid(&self) -> ::core::option::Option<#krate::Pid> {
                self.inner.pid()
            }

            /// The untyped-request handle underneath.
            #vis fn server(&self) -> &#inner {
                &self.inner
            }

            /// Stops the server: `terminate` runs, then it exits with `reason`.
            #vis async fn stop(
                &self,
                reason: #krate::ExitReason,
                timeout: ::core::time::Duration,
            ) -> ::core::result::Result<(), #krate::CallError> {
                self.inner.stop(reason, timeout).await
            }

            /// Waits for the server's end and returns its exit reason.
            #vis async fn wait_exit(&self) -> #krate::ExitReason {
                self.inner.wait_exit().await
            }

            #send
            #(#calls)*
            #(#send_requests)*
            #(#casts)*
            #(#forgotten)*
        }
    }
}

pub(crate) fn start_fns(
    server: &Server,
    names: &ServerNames,
    krate: &syn::Path,
    flavor: &Flavor,
) -> TokenStream {
    let behaviour = match flavor {
        Flavor::Server => quote!(#krate::GenServer),
        Flavor::Statem(_) => quote!(#krate::GenStatem),
    };
    let vis = &server.vis;
    let self_ty = &server.item.self_ty;
    let (impl_generics, ty_generics, where_clause) = server.item.generics.split_for_impl();
    let handle = &names.handle;
    let handle_ty = quote!(#handle #ty_generics);
    let result = quote!(::core::result::Result<#handle_ty, #krate::StartError>);
    let monitored = quote! {
        ::core::result::Result<(#handle_ty, #krate::MonitorRef), #krate::StartError>
    };
    let start_monitor = match flavor {
        Flavor::Server => quote! {
            /// Starts the server monitored by the calling process, in one step; returns the
            /// handle and the monitor. Fails with `StartError::NotInProcess` outside a process.
            #vis async fn start_monitor(self) -> #monitored {
                self.start_monitor_with(#krate::StartOpts::new()).await
            }

            /// Starts the server monitored by the calling process, with options (name, link,
            /// start timeout).
            #vis async fn start_monitor_with(self, opts: #krate::StartOpts) -> #monitored {
                <Self as #krate::GenServer>::start_monitor_with(self, opts)
                    .await
                    .map(|(server, monitor)| (::core::convert::From::from(server), monitor))
            }
        },
        Flavor::Statem(_) => TokenStream::new(),
    };
    quote! {
        impl #impl_generics #self_ty #where_clause {
            /// Starts the server in a new process, unlinked; returns once `init` has run.
            #vis async fn start(self) -> #result {
                self.start_with(#krate::StartOpts::new()).await
            }

            /// Starts the server linked to the calling process, its parent.
            #vis async fn start_link(self) -> #result {
                self.start_with(#krate::StartOpts::new().link()).await
            }

            /// Starts the server registered under `name`.
            #vis async fn start_named(self, name: impl ::core::convert::Into<#krate::Name>) -> #result {
                self.start_with(#krate::StartOpts::new().name(name)).await
            }

            /// Starts the server registered under `name` and linked to the calling process.
            #vis async fn start_link_named(self, name: impl ::core::convert::Into<#krate::Name>) -> #result {
                self.start_with(#krate::StartOpts::new().name(name).link()).await
            }

            /// Starts the server with options (name, link, start timeout).
            #vis async fn start_with(self, opts: #krate::StartOpts) -> #result {
                <Self as #behaviour>::start_with(self, opts)
                    .await
                    .map(::core::convert::From::from)
            }

            #start_monitor

            /// A handle that resolves `name` at each request (it survives restarts).
            #vis fn named(name: impl ::core::convert::Into<#krate::Name>) -> #handle_ty {
                #handle::named(name)
            }
        }
    }
}

/// `field: name` patterns binding the runtime's values (the fields `names` of `Info::Down`
/// or `Info::Exit`) to the handler's own parameter names: by name when the handler uses the
/// field names (`pid`, `reason`, ...) in any order, else in order.
pub(crate) fn given_binds(h: &Handler, names: &[&str]) -> Vec<TokenStream> {
    let given: Vec<_> = h
        .params
        .iter()
        .filter_map(|p| match p {
            Param::Given { name } => Some(name.clone()),
            _ => None,
        })
        .collect();
    let plain = |i: &syn::Ident| i.to_string().trim_start_matches('_').to_string();
    let by_name =
        given.len() == names.len() && names.iter().all(|f| given.iter().any(|g| plain(g) == *f));
    names
        .iter()
        .enumerate()
        .map(|(i, field)| {
            let name = if by_name {
                given
                    .iter()
                    .find(|g| plain(g) == *field)
                    .unwrap_or(&given[i])
            } else {
                &given[i]
            };
            let field = syn::Ident::new(field, proc_macro2::Span::call_site());
            quote!(#field: #name)
        })
        .collect()
}

/// The arguments of a call to the user's method, in its own order.
fn call_args(h: &Handler, ctx: &syn::Ident, reply_to: &syn::Ident) -> Vec<TokenStream> {
    h.params
        .iter()
        .map(|p| match p {
            Param::Msg { name, .. } | Param::Given { name } => quote!(#name),
            Param::Ctx => quote!(#ctx),
            Param::ReplyTo => quote!(#reply_to),
            Param::State | Param::Old => unreachable!("gen_statem parameters"),
        })
        .collect()
}

fn invoke(h: &Handler, ctx: &syn::Ident, reply_to: &syn::Ident) -> TokenStream {
    let method = &h.method;
    let args = call_args(h, ctx, reply_to);
    let wait = h.is_async.then(|| quote!(.await));
    // A path, not `self.#method(..)`: a path prefers the inherent method, where method-call
    // syntax on `&mut Self` would pick `GenServer::init`/`terminate` over a `&self` handler
    // of that name (and the generated method would call itself).
    quote!(Self::#method(self, #(#args),*) #wait)
}

fn gen_server_impl(
    server: &Server,
    names: &ServerNames,
    krate: &syn::Path,
    remote: bool,
) -> TokenStream {
    let remote_fns = remote.then(|| super::remote::remote_fns(server, names, krate));
    let self_ty = &server.item.self_ty;
    let (impl_generics, _, where_clause) = server.item.generics.split_for_impl();
    let call_ty = ty(&names.call, server);
    let variant_fns = variant_fns(server, names, krate);
    let reply_ty = ty(&names.reply, server);
    let cast_ty = ty(&names.cast, server);
    let info_ty = info_ty(server, names);
    let (call_path, reply_path, cast_path) = (&names.call, &names.reply, &names.cast);
    let ctx = private("ctx");
    let msg = private("msg");
    let reply_to = private("reply_to");

    let call_arms = server.of(Kind::Call).map(|h| {
        let variant = &h.variant;
        let fields = h.msg_params().map(|(n, _)| n);
        let call = invoke(h, &ctx, &reply_to);
        if h.deferred {
            quote! {
                #call_path::#variant { #(#fields),* } => {
                    let #reply_to = match #ctx.defer_reply() {
                        ::core::option::Option::Some(r) => r.map(#reply_path::#variant),
                        ::core::option::Option::None => ::core::unreachable!("inside handle_call"),
                    };
                    #call;
                    #krate::CallResult::NoReply
                }
            }
        } else {
            quote! {
                #call_path::#variant { #(#fields),* } => {
                    #krate::CallResult::Reply(#reply_path::#variant(#call))
                }
            }
        }
    });
    let cast_arms = server.of(Kind::Cast).map(|h| {
        let variant = &h.variant;
        let fields = h.msg_params().map(|(n, _)| n);
        let call = invoke(h, &ctx, &reply_to);
        quote! { #cast_path::#variant { #(#fields),* } => { #call; } }
    });
    let info_arms = server.of(Kind::Info).map(|h| {
        let variant = &h.variant;
        let fields = h.msg_params().map(|(n, _)| n);
        let call = invoke(h, &ctx, &reply_to);
        let info_enum = &names.info;
        quote! { #info_enum::#variant { #(#fields),* } => { #call; } }
    });
    let call_phantom = phantom_arm(server, &names.call);
    let cast_phantom = phantom_arm(server, &names.cast);
    // The `_now` twins run synchronous handlers at once, without a future, and give the
    // messages of `async` ones back (to `handle_call`/`handle_cast`).
    let call_now_arms = server.of(Kind::Call).map(|h| {
        let variant = &h.variant;
        if h.is_async {
            return quote! {
                #msg @ #call_path::#variant { .. } => ::core::result::Result::Err(#msg),
            };
        }
        let fields = h.msg_params().map(|(n, _)| n);
        let call = invoke(h, &ctx, &reply_to);
        let result = if h.deferred {
            quote! {{
                let #reply_to = match #ctx.defer_reply() {
                    ::core::option::Option::Some(r) => r.map(#reply_path::#variant),
                    ::core::option::Option::None => ::core::unreachable!("inside handle_call"),
                };
                #call;
                #krate::CallResult::NoReply
            }}
        } else {
            quote!(#krate::CallResult::Reply(#reply_path::#variant(#call)))
        };
        quote! {
            #call_path::#variant { #(#fields),* } => ::core::result::Result::Ok(#result),
        }
    });
    let cast_now_arms = server.of(Kind::Cast).map(|h| {
        let variant = &h.variant;
        if h.is_async {
            return quote! {
                #msg @ #cast_path::#variant { .. } => return ::core::result::Result::Err(#msg),
            };
        }
        let fields = h.msg_params().map(|(n, _)| n);
        let call = invoke(h, &ctx, &reply_to);
        quote! { #cast_path::#variant { #(#fields),* } => { #call; } }
    });

    let handle_info = {
        let msg_arm = if server.of(Kind::Info).next().is_some() {
            let info_phantom = phantom_arm(server, &names.info);
            quote! { #krate::Info::Msg(#msg) => match #msg { #(#info_arms)* #info_phantom }, }
        } else {
            TokenStream::new()
        };
        let given = |kind: Kind, pattern: TokenStream, names: &[&str]| match server.of(kind).next()
        {
            Some(h) => {
                let binds = given_binds(h, names);
                let call = invoke(h, &ctx, &reply_to);
                quote! { #pattern { #(#binds),* } => { #call; } }
            }
            None => TokenStream::new(),
        };
        let down = given(
            Kind::Down,
            quote!(#krate::Info::Down),
            &["monitor", "pid", "reason"],
        );
        let exit = given(Kind::Exit, quote!(#krate::Info::Exit), &["from", "reason"]);
        let timeout = match server.of(Kind::Timeout).next() {
            Some(h) => {
                let call = invoke(h, &ctx, &reply_to);
                quote! { #krate::Info::Timeout => { #call; } }
            }
            None => TokenStream::new(),
        };
        let body = quote! {
            #[allow(unreachable_patterns)]
            match #msg {
                #msg_arm
                #down
                #exit
                #timeout
                // OTP logs an unexpected info and goes on; so does the default handler.
                #msg => #krate::__private::unhandled_info(#ctx.pid(), &#msg),
            }
        };
        let kinds = [Kind::Info, Kind::Down, Kind::Exit, Kind::Timeout];
        if kinds.iter().any(|k| server.of(*k).any(|h| h.is_async)) {
            quote! {
                async fn handle_info(
                    &mut self,
                    #msg: #krate::Info<#info_ty>,
                    #ctx: &mut #krate::Ctx<Self>,
                ) -> #krate::Outcome {
                    #body
                    #krate::Outcome::NoReply
                }
            }
        } else {
            // Every handler is synchronous: handled before the future is made, so that the
            // future holds no message (it is part of every idle server's task).
            quote! {
                fn handle_info(
                    &mut self,
                    #msg: #krate::Info<#info_ty>,
                    #ctx: &mut #krate::Ctx<Self>,
                ) -> impl ::core::future::Future<Output = #krate::Outcome> + ::core::marker::Send {
                    #body
                    ::core::future::ready(#krate::Outcome::NoReply)
                }
            }
        }
    };

    let init = match server.of(Kind::Init).next() {
        Some(h) => {
            let call = invoke(h, &ctx, &reply_to);
            let body = if h.returns {
                quote!(#call)
            } else {
                quote!({ #call; #krate::Init::Ok })
            };
            quote! {
                async fn init(&mut self, #ctx: &mut #krate::Ctx<Self>) -> #krate::Init {
                    #body
                }
            }
        }
        // No `#[init]`: `start` need not wait for the new process (see `INIT_IS_DEFAULT`).
        None => quote!(
            const INIT_IS_DEFAULT: bool = true;
        ),
    };
    let (continue_ty, handle_continue) = match server.of(Kind::Continue).next() {
        Some(h) => {
            let ty = match h.msg_params().next() {
                Some((_, ty)) => quote!(#ty),
                None => quote!(()),
            };
            let cont = match h.msg_params().next() {
                Some((name, _)) => quote!(#name),
                None => quote!(_),
            };
            let call = invoke(h, &ctx, &reply_to);
            (
                ty.clone(),
                quote! {
                    async fn handle_continue(
                        &mut self,
                        #cont: #ty,
                        #ctx: &mut #krate::Ctx<Self>,
                    ) -> #krate::Outcome {
                        #call;
                        #krate::Outcome::NoReply
                    }
                },
            )
        }
        None => (quote!(()), TokenStream::new()),
    };
    let hibernate = server.of(Kind::Hibernate).next().map(|h| {
        let method = &h.method;
        quote! {
            fn hibernate(&mut self) {
                Self::#method(self)
            }
        }
    });
    let terminate = server.of(Kind::Terminate).next().map(|h| {
        let reason = match h.params.iter().find(|p| matches!(p, Param::Given { .. })) {
            Some(Param::Given { name }) => name.clone(),
            _ => private("reason"),
        };
        let call = invoke(h, &ctx, &reply_to);
        quote! {
            async fn terminate(&mut self, #reason: &#krate::ExitReason, #ctx: &mut #krate::Ctx<Self>) {
                #call;
            }
        }
    });

    quote! {
        #[automatically_derived]
        impl #impl_generics #krate::GenServer for #self_ty #where_clause {
            type Call = #call_ty;
            type Reply = #reply_ty;
            type Cast = #cast_ty;
            type Info = #info_ty;
            type Continue = #continue_ty;

            #remote_fns

            #variant_fns

            // The state's `Debug` form for `sys`, when its type has one.
            fn format_status(&self) -> ::core::option::Option<::std::string::String> {
                #[allow(unused_imports)]
                use #krate::sys::__private::{ViaDebug as _, ViaNothing as _};
                (&#krate::sys::__private::Wrap(self)).sys_format()
            }

            #init

            #handle_continue

            #[allow(unused_variables, unreachable_code)]
            async fn handle_call(
                &mut self,
                #msg: #call_ty,
                #ctx: &mut #krate::Ctx<Self>,
            ) -> #krate::CallResult<#reply_ty> {
                match #msg {
                    #(#call_arms)*
                    #call_phantom
                }
            }

            #[allow(unused_variables, unreachable_code)]
            #[inline]
            fn handle_call_now(
                &mut self,
                #msg: #call_ty,
                #ctx: &mut #krate::Ctx<Self>,
            ) -> ::core::result::Result<#krate::CallResult<#reply_ty>, #call_ty> {
                match #msg {
                    #(#call_now_arms)*
                    #call_phantom
                }
            }

            #[allow(unused_variables, unreachable_code)]
            #[inline]
            fn handle_cast_now(
                &mut self,
                #msg: #cast_ty,
                #ctx: &mut #krate::Ctx<Self>,
            ) -> ::core::result::Result<#krate::Outcome, #cast_ty> {
                match #msg {
                    #(#cast_now_arms)*
                    #cast_phantom
                }
                ::core::result::Result::Ok(#krate::Outcome::NoReply)
            }

            #[allow(unused_variables, unreachable_code)]
            async fn handle_cast(
                &mut self,
                #msg: #cast_ty,
                #ctx: &mut #krate::Ctx<Self>,
            ) -> #krate::Outcome {
                match #msg {
                    #(#cast_arms)*
                    #cast_phantom
                }
                #krate::Outcome::NoReply
            }

            #handle_info

            #terminate
            #hibernate
        }
    }
}

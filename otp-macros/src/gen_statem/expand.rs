//! Generates the `GenStatem` impl of a `#[gen_statem]` block; everything else (enums,
//! handle, start functions) is the gen_server expansion's.
//!
//! Input:
//! ```text
//! #[gen_statem(state = Door)]
//! impl DoorData {
//!     #[init] fn init(&mut self) -> Door { .. }
//!     #[cast] fn open(&mut self, state: &Door, code: &str) -> Transition<Door> { .. }
//!     #[call] fn state(&self, state: &Door) -> Door { .. }
//! }
//! ```
//! Output (paths shortened): `DoorDataCall`, `DoorDataCast` (and `..Info`, `..Internal`,
//! `..Timeout` if there are such handlers), `DoorDataRef` (calls without a timeout by
//! default), `DoorData::start..`, and:
//! ```text
//! impl GenStatem for DoorData {
//!     type State = Door; type Call = DoorDataCall; ..
//!     async fn handle_event(&mut self, state, event, ctx) -> Transition<Door> {
//!         match event {
//!             Event::Cast(DoorDataCast::Open { code }) => {
//!                 let t = Into::into(Self::open(self, state, &code));
//!                 postponing(t, ctx, move || Event::Cast(DoorDataCast::Open { code }))
//!             }
//!             ..
//!         }
//!     }
//! }
//! ```

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::gen_server::expand::{
    enums, given_binds, handle, info_ty, phantom_arm, start_fns, ty, variant_fns, variant_names,
};
use crate::gen_server::parse::{Flavor, Handler, Kind, Param, Server};
use crate::names::{private, ServerNames};

pub(crate) fn expand(machine: &Server, flavor: &Flavor, krate: &syn::Path) -> TokenStream {
    let item = &machine.user_item();
    let names = ServerNames::new(&machine.ident);
    let enums = enums(machine, &names);
    let variants = variant_names(machine, &names, krate);
    let handle = handle(machine, &names, krate, flavor);
    let starts = start_fns(machine, &names, krate, flavor);
    let imp = statem_impl(machine, flavor, &names, krate);
    quote! {
        #item
        #enums
        #variants
        #handle
        #starts
        #imp
    }
}

/// The private names of the generated `handle_event`'s bindings.
struct Ids {
    state: syn::Ident,
    old: syn::Ident,
    ctx: syn::Ident,
    event: syn::Ident,
    msg: syn::Ident,
    reply: syn::Ident,
    reply_to: syn::Ident,
    rewrap: syn::Ident,
    t: syn::Ident,
    /// `Transition<State>`: what an event handler's value becomes.
    transition: TokenStream,
}

impl Ids {
    fn new(krate: &syn::Path, state_ty: &syn::Type) -> Self {
        Ids {
            state: private("state"),
            old: private("old"),
            ctx: private("ctx"),
            event: private("event"),
            msg: private("msg"),
            reply: private("reply"),
            reply_to: private("reply_to"),
            rewrap: private("rewrap"),
            t: private("t"),
            transition: quote!(#krate::Transition<#state_ty>),
        }
    }
}

/// A call of the user's method. `keep`: the event must stay whole (the handler may
/// postpone it), so owned fields are cloned out of it and borrowed ones lent.
fn invoke(h: &Handler, ids: &Ids, keep: bool) -> TokenStream {
    let method = &h.method;
    let args = h.params.iter().map(|p| match p {
        Param::Msg {
            name, by_ref: true, ..
        } => quote!(&#name),
        Param::Msg { name, ty, .. } if keep => {
            // At the user's type: a field that cannot be cloned is reported there. (A helper
            // trait with `#[diagnostic::on_unimplemented]` could say why it must be `Clone`,
            // but declared here it would not resolve under `#![no_implicit_prelude]`.)
            quote_spanned!(ty.span()=> ::core::clone::Clone::clone(&#name))
        }
        Param::Given { name } if keep => quote!(::core::clone::Clone::clone(&#name)),
        Param::Msg { name, .. } | Param::Given { name } => quote!(#name),
        Param::Ctx => {
            let ctx = &ids.ctx;
            quote!(#ctx)
        }
        Param::ReplyTo => {
            let r = &ids.reply_to;
            quote!(#r)
        }
        Param::State => {
            let s = &ids.state;
            quote!(#s)
        }
        Param::Old => {
            let o = &ids.old;
            quote!(#o)
        }
    });
    let wait = h.is_async.then(|| quote!(.await));
    quote!(Self::#method(self, #(#args),*) #wait)
}

/// `call`'s value into `to`, at the handler's return type: rustc reports a value of the
/// wrong type there, not at the attribute.
fn into(h: &Handler, call: TokenStream, to: &TokenStream) -> TokenStream {
    quote_spanned!(h.ret_span=> <_ as ::core::convert::Into<#to>>::into(#call))
}

fn fields(h: &Handler) -> Vec<&syn::Ident> {
    h.msg_params().map(|(n, _)| n).collect()
}

/// The arms of an event kind whose messages are one generated enum (`enum_ident`), inside a
/// scope where `rewrap` turns that enum back into the event.
fn event_arms(
    machine: &Server,
    kind: Kind,
    enum_ident: &syn::Ident,
    ids: &Ids,
    krate: &syn::Path,
) -> TokenStream {
    let Ids {
        ctx,
        rewrap,
        t,
        transition,
        ..
    } = ids;
    let arms = machine.of(kind).map(|h| {
        let variant = &h.variant;
        let fields = fields(h);
        let pattern = quote!(#enum_ident::#variant { #(#fields),* });
        if h.returns {
            let call = into(h, invoke(h, ids, true), transition);
            quote! {
                #pattern => {
                    let #t = #call;
                    #krate::__private::statem::postponing(#t, #ctx, move || #rewrap(#pattern))
                }
            }
        } else {
            let call = invoke(h, ids, false);
            quote! { #pattern => { #call; #krate::Transition::keep() } }
        }
    });
    let phantom = phantom_arm(machine, enum_ident);
    quote! { #(#arms)* #phantom }
}

fn call_arms(
    machine: &Server,
    names: &ServerNames,
    ids: &Ids,
    krate: &syn::Path,
    state_ty: &syn::Type,
) -> TokenStream {
    let Ids {
        ctx,
        reply,
        reply_to,
        t,
        transition,
        ..
    } = ids;
    let (call, reply_enum) = (&names.call, &names.reply);
    let arms = machine.of(Kind::Call).map(|h| {
        let variant = &h.variant;
        let fields = fields(h);
        let pattern = quote!(#call::#variant { #(#fields),* });
        if h.deferred {
            let invoke = into(h, invoke(h, ids, false), transition);
            quote! {
                #pattern => {
                    let #reply_to = #reply.map(#reply_enum::#variant);
                    #krate::__private::statem::deferred_done(#invoke)
                }
            }
        } else if h.transition {
            let invoke = into(
                h,
                invoke(h, ids, true),
                &quote!(#krate::Transition<#state_ty, _>),
            );
            quote! {
                #pattern => {
                    let #t = #invoke;
                    #krate::__private::statem::call_done(
                        #t,
                        #reply,
                        #reply_enum::#variant,
                        #ctx,
                        move |#reply| #krate::Event::Call(#pattern, #reply),
                    )
                }
            }
        } else {
            let invoke = invoke(h, ids, false);
            let r = private("r");
            quote! {
                #pattern => {
                    let #r = #invoke;
                    #reply.reply(#reply_enum::#variant(#r));
                    #krate::Transition::keep()
                }
            }
        }
    });
    let phantom = phantom_arm(machine, call);
    quote! { #(#arms)* #phantom }
}

/// `Event::Down`/`Event::Exit`, bound to the handler's parameter names.
fn given_arm(
    machine: &Server,
    kind: Kind,
    variant: TokenStream,
    fields: &[&str],
    ids: &Ids,
    krate: &syn::Path,
) -> TokenStream {
    let Some(h) = machine.of(kind).next() else {
        return TokenStream::new();
    };
    let binds = given_binds(h, fields);
    let pattern = quote!(#krate::Event::#variant { #(#binds),* });
    let Ids {
        ctx, t, transition, ..
    } = ids;
    if h.returns {
        let call = into(h, invoke(h, ids, true), transition);
        quote! {
            #pattern => {
                let #t = #call;
                #krate::__private::statem::postponing(#t, #ctx, move || #pattern)
            }
        }
    } else {
        let call = invoke(h, ids, false);
        quote! { #pattern => { #call; #krate::Transition::keep() } }
    }
}

fn statem_impl(
    machine: &Server,
    flavor: &Flavor,
    names: &ServerNames,
    krate: &syn::Path,
) -> TokenStream {
    let Flavor::Statem(state_ty) = flavor else {
        unreachable!("a gen_statem")
    };
    let self_ty = &machine.item.self_ty;
    let (impl_generics, _, where_clause) = machine.item.generics.split_for_impl();
    let ids = Ids::new(krate, state_ty);
    let Ids {
        state,
        old,
        ctx,
        event,
        msg,
        reply,
        rewrap,
        ..
    } = &ids;
    let call_ty = ty(&names.call, machine);
    let reply_ty = ty(&names.reply, machine);
    let cast_ty = ty(&names.cast, machine);
    let info_ty = info_ty(machine, names);
    let never = quote!(::core::convert::Infallible);
    let optional_ty = |kind: Kind, ident: &syn::Ident| {
        if machine.of(kind).next().is_some() {
            ty(ident, machine)
        } else {
            never.clone()
        }
    };
    let internal_ty = optional_ty(Kind::Internal, &names.internal);
    let timeout_ty = optional_ty(Kind::Timer, &names.timeout);
    let variant_fns = variant_fns(machine, names, krate);

    let call_arms = call_arms(machine, names, &ids, krate, state_ty);
    let cast_arms = event_arms(machine, Kind::Cast, &names.cast, &ids, krate);
    let kind_arm = |kind: Kind, ident: &syn::Ident, bind: TokenStream, ctor: TokenStream| {
        if machine.of(kind).next().is_none() {
            return TokenStream::new();
        }
        let arms = event_arms(machine, kind, ident, &ids, krate);
        quote! {
            #bind => {
                let #rewrap = #ctor;
                match #msg { #arms }
            }
        }
    };
    let info_arm = kind_arm(
        Kind::Info,
        &names.info,
        quote!(#krate::Event::Info(#msg)),
        quote!(#krate::Event::<Self>::Info),
    );
    let internal_arm = kind_arm(
        Kind::Internal,
        &names.internal,
        quote!(#krate::Event::Internal(#msg)),
        quote!(#krate::Event::<Self>::Internal),
    );
    let name = private("name");
    let timer_arms = [
        kind_arm(
            Kind::Timer,
            &names.timeout,
            quote!(#krate::Event::Timeout(#msg)),
            quote!(#krate::Event::<Self>::Timeout),
        ),
        kind_arm(
            Kind::Timer,
            &names.timeout,
            quote!(#krate::Event::StateTimeout(#msg)),
            quote!(#krate::Event::<Self>::StateTimeout),
        ),
        kind_arm(
            Kind::Timer,
            &names.timeout,
            quote!(#krate::Event::GenericTimeout(#name, #msg)),
            quote!(move |#msg| #krate::Event::<Self>::GenericTimeout(#name, #msg)),
        ),
    ];
    let down_arm = given_arm(
        machine,
        Kind::Down,
        quote!(Down),
        &["monitor", "pid", "reason"],
        &ids,
        krate,
    );
    let exit_arm = given_arm(
        machine,
        Kind::Exit,
        quote!(Exit),
        &["from", "reason"],
        &ids,
        krate,
    );
    let cast_rewrap = quote!(let #rewrap = #krate::Event::<Self>::Cast;);

    let init = machine.of(Kind::Init).next().map(|h| {
        let call = into(
            h,
            invoke(h, &ids, false),
            &quote!(#krate::StatemInit<#state_ty>),
        );
        quote! {
            async fn init(
                &mut self,
                #ctx: &mut #krate::StatemCtx<'_, Self>,
            ) -> #krate::StatemInit<#state_ty> {
                #call
            }
        }
    });
    let enter = machine.of(Kind::Enter).next().map(|h| {
        let call = into(h, invoke(h, &ids, false), &quote!(#krate::Enter));
        quote! {
            const STATE_ENTER: bool = true;

            #[allow(unused_variables)]
            async fn state_enter(
                &mut self,
                #old: &#state_ty,
                #state: &#state_ty,
                #ctx: &mut #krate::EnterCtx<'_, Self>,
            ) -> #krate::Enter {
                #call
            }
        }
    });
    let hibernate = machine.of(Kind::Hibernate).next().map(|h| {
        let method = &h.method;
        quote! {
            fn hibernate(&mut self) {
                Self::#method(self)
            }
        }
    });
    let terminate = machine.of(Kind::Terminate).next().map(|h| {
        let reason = match h.params.iter().find(|p| matches!(p, Param::Given { .. })) {
            Some(Param::Given { name }) => name.clone(),
            _ => private("reason"),
        };
        let call = invoke(h, &ids, false);
        quote! {
            #[allow(unused_variables)]
            async fn terminate(
                &mut self,
                #reason: &#krate::ExitReason,
                #state: &#state_ty,
                #ctx: &mut #krate::EnterCtx<'_, Self>,
            ) {
                #call;
            }
        }
    });

    quote! {
        #[automatically_derived]
        impl #impl_generics #krate::GenStatem for #self_ty #where_clause {
            type State = #state_ty;
            type Call = #call_ty;
            type Reply = #reply_ty;
            type Cast = #cast_ty;
            type Info = #info_ty;
            type Internal = #internal_ty;
            type Timeout = #timeout_ty;

            #variant_fns

            // `(state, data)` in `Debug` form for `sys`, when both types have one.
            fn format_status(&self, state: &#state_ty) -> ::core::option::Option<::std::string::String> {
                #[allow(unused_imports)]
                use #krate::sys::__private::{ViaDebug as _, ViaNothing as _};
                let both = (state, self);
                (&#krate::sys::__private::Wrap(&both)).sys_format()
            }

            #init

            #[allow(unused_variables, unreachable_code, unreachable_patterns)]
            async fn handle_event(
                &mut self,
                #state: &#state_ty,
                #event: #krate::Event<Self>,
                #ctx: &mut #krate::StatemCtx<'_, Self>,
            ) -> #krate::Transition<#state_ty> {
                match #event {
                    #krate::Event::Call(#msg, #reply) => match #msg { #call_arms },
                    #krate::Event::Cast(#msg) => {
                        #cast_rewrap
                        match #msg { #cast_arms }
                    }
                    #info_arm
                    #internal_arm
                    #(#timer_arms)*
                    #down_arm
                    #exit_arm
                    #event => #krate::__private::statem::unhandled_event(#ctx.pid(), &#event),
                }
            }

            #enter

            #terminate
            #hibernate
        }
    }
}

/// A `GenStatem` impl that does nothing, emitted beside the errors of an impl block that did
/// not expand: the user's `StatemCtx<Self>` and `EnterCtx<Self>` parameters then name valid
/// types, and add no "is not a gen_statem" error to the real ones.
pub(crate) fn stand_in(machine: &Server, flavor: &Flavor, krate: &syn::Path) -> TokenStream {
    let Flavor::Statem(state_ty) = flavor else {
        unreachable!("a gen_statem")
    };
    let self_ty = &machine.item.self_ty;
    let (impl_generics, _, where_clause) = machine.item.generics.split_for_impl();
    let never = quote!(::core::convert::Infallible);
    let unreachable = quote!(::core::unreachable!("a #[gen_statem] that did not compile"));
    quote! {
        #[automatically_derived]
        #[doc(hidden)]
        impl #impl_generics #krate::GenStatem for #self_ty #where_clause {
            type State = #state_ty;
            type Call = #never;
            type Reply = #never;
            type Cast = #never;
            type Info = #never;
            type Internal = #never;
            type Timeout = #never;

            async fn init(
                &mut self,
                _: &mut #krate::StatemCtx<'_, Self>,
            ) -> #krate::StatemInit<#state_ty> {
                #unreachable
            }

            async fn handle_event(
                &mut self,
                _: &#state_ty,
                _: #krate::Event<Self>,
                _: &mut #krate::StatemCtx<'_, Self>,
            ) -> #krate::Transition<#state_ty> {
                #unreachable
            }
        }
    }
}

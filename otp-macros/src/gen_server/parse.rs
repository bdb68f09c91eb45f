//! Reads a `#[gen_server]` or `#[gen_statem]` impl block into a model of its handlers,
//! checking every rule on the way (each rule is written above the check that enforces it).
//! Errors point at the user's tokens and are all collected, so one expansion reports every
//! problem. The two behaviours share this parser: a [`Flavor`] says which rules apply.

use proc_macro2::{Group, Ident, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{
    Attribute, FnArg, GenericArgument, ImplItem, ImplItemFn, Item, ItemImpl, Pat, PatType,
    PathArguments, ReturnType, Type, Visibility,
};

use crate::errors::Errors;
use crate::names::{self, ServerNames, GEN_SERVER_FNS, HANDLE_METHODS, SERVER_FNS};

mod kw {
    syn::custom_keyword!(down);
    syn::custom_keyword!(exit);
    syn::custom_keyword!(timeout);
    syn::custom_keyword!(state);
    syn::custom_keyword!(remote);
}

/// The macro's own arguments: `#[gen_server]` or `#[gen_server(crate = path)]`;
/// `#[gen_statem(state = Type)]`, with `crate = path` too.
pub(crate) struct Args {
    /// The path of the runtime crate, for a renamed dependency.
    pub(crate) krate: syn::Path,
    /// `state = Type`, for a gen_statem.
    pub(crate) state: Option<Type>,
    /// `remote`: other nodes may call the server (see `remote.rs`).
    pub(crate) remote: Option<proc_macro2::Span>,
}

/// Which behaviour an impl block is for.
pub(crate) enum Flavor {
    Server,
    /// A gen_statem, with its state type.
    Statem(Box<Type>),
}

impl Flavor {
    pub(crate) fn attr(&self) -> &'static str {
        match self {
            Flavor::Server => "#[gen_server]",
            Flavor::Statem(_) => "#[gen_statem]",
        }
    }

    fn is_statem(&self) -> bool {
        matches!(self, Flavor::Statem(_))
    }
}

impl Parse for Args {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        Args::parse_for(input, false)
    }
}

impl Args {
    /// `#[gen_statem]`'s arguments: as `#[gen_server]`'s, but an unknown one is reported
    /// with the arguments of `#[gen_statem]`.
    pub(crate) fn parse_statem(input: ParseStream) -> syn::Result<Self> {
        Args::parse_for(input, true)
    }

    fn parse_for(input: ParseStream, statem: bool) -> syn::Result<Self> {
        let mut krate: Option<syn::Path> = None;
        let mut state: Option<Type> = None;
        let mut remote: Option<proc_macro2::Span> = None;
        while !input.is_empty() {
            // crate = path
            if input.peek(syn::Token![crate]) {
                let key: syn::Token![crate] = input.parse()?;
                // `crate` or `crate =` alone: syn's own error would be at the end of the
                // arguments, which rustc shows as the whole attribute; point at `crate`.
                let eq: Option<syn::Token![=]> = input.parse()?;
                if eq.is_none() || input.is_empty() || input.peek(syn::Token![,]) {
                    return Err(syn::Error::new_spanned(
                        key,
                        "write `crate = path`, the path of otp_runtime: e.g. `crate = ::my_otp` \
                         if you renamed it",
                    ));
                }
                let path: syn::Path = input.parse()?;
                if krate.replace(path).is_some() {
                    return Err(syn::Error::new_spanned(key, "`crate` is given twice"));
                }
            } else if input.peek(kw::state) {
                // state = Type (gen_statem only; the caller checks)
                let key: kw::state = input.parse()?;
                let eq: Option<syn::Token![=]> = input.parse()?;
                if eq.is_none() || input.is_empty() || input.peek(syn::Token![,]) {
                    return Err(syn::Error::new_spanned(
                        key,
                        "write `state = Type`, the type of the machine's states (usually an enum)",
                    ));
                }
                let ty: Type = input.parse()?;
                if state.replace(ty).is_some() {
                    return Err(syn::Error::new_spanned(key, "`state` is given twice"));
                }
            } else if input.peek(kw::remote) && !statem {
                let key: kw::remote = input.parse()?;
                if remote.replace(key.span).is_some() {
                    return Err(syn::Error::new_spanned(key, "`remote` is given twice"));
                }
            } else if statem && input.peek(kw::remote) {
                return Err(input.error(
                    "`remote` is an argument of #[gen_server]: a gen_statem cannot be called \
                     from other nodes yet",
                ));
            } else if statem {
                return Err(input.error(
                    "unknown #[gen_statem] argument: it takes `state = Type` (the type of the \
                     machine's states) and optionally `crate = path` (the path of otp_runtime, \
                     if you renamed it)",
                ));
            } else {
                return Err(input.error(
                    "unknown #[gen_server] argument: it takes `remote` (other nodes may call \
                     the server) and `crate = path` (the path of otp_runtime, if you renamed \
                     it)",
                ));
            }
            if !input.is_empty() {
                input.parse::<syn::Token![,]>()?;
            }
        }
        Ok(Args {
            krate: krate.unwrap_or_else(|| syn::parse_quote!(::otp_runtime)),
            state,
            remote,
        })
    }
}

/// What kind of handler a method is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Call,
    Cast,
    /// A typed out-of-band message.
    Info,
    /// `#[info(down)]`: a monitored process ended.
    Down,
    /// `#[info(exit)]`: a linked process's exit signal, when trapping.
    Exit,
    /// `#[info(timeout)]`: the gen_server timeout.
    Timeout,
    /// `#[handle_continue]`: the work a handler deferred with `ctx.continue_with(value)`.
    Continue,
    Init,
    Terminate,
    /// `#[enter]`: a gen_statem's state enter call.
    Enter,
    /// `#[internal]`: a gen_statem's inserted event (`ctx.next_event`).
    Internal,
    /// `#[timeout]`: what a gen_statem's timeout carries when it fires.
    Timer,
    /// `#[hibernate]`: gives memory back when the process hibernates.
    Hibernate,
}

impl Kind {
    fn attr_name(self) -> &'static str {
        match self {
            Kind::Call => "#[call]",
            Kind::Cast => "#[cast]",
            Kind::Info => "#[info]",
            Kind::Down => "#[info(down)]",
            Kind::Exit => "#[info(exit)]",
            Kind::Timeout => "#[info(timeout)]",
            Kind::Continue => "#[handle_continue]",
            Kind::Init => "#[init]",
            Kind::Terminate => "#[terminate]",
            Kind::Enter => "#[enter]",
            Kind::Internal => "#[internal]",
            Kind::Timer => "#[timeout]",
            Kind::Hibernate => "#[hibernate]",
        }
    }
}

/// One parameter of a handler, in its original position.
pub(crate) enum Param {
    /// A part of the message, sent by the client. `by_ref`: a gen_statem handler that
    /// borrows it (`&T`) from the event, which the runtime keeps (to postpone it); `ty` is
    /// then `T`.
    Msg {
        name: Ident,
        ty: Box<Type>,
        by_ref: bool,
    },
    /// A gen_statem's current state, `&State`.
    State,
    /// The old state of a gen_statem's `#[enter]`: the first of two `&State` parameters.
    Old,
    /// `ctx: &mut Ctx<Self>`.
    Ctx,
    /// `reply: ReplyTo<T>`: the call's deferred reply (`T` is the handler's reply type).
    ReplyTo,
    /// A value the runtime provides (`#[terminate]`'s reason, `#[info(down)]`'s fields).
    Given { name: Ident },
}

pub(crate) struct Handler {
    pub(crate) kind: Kind,
    pub(crate) method: Ident,
    pub(crate) variant: Ident,
    pub(crate) vis: Visibility,
    pub(crate) docs: Vec<Attribute>,
    pub(crate) is_async: bool,
    pub(crate) params: Vec<Param>,
    /// The reply type of a call: its return type, or `T` of its `ReplyTo<T>`.
    pub(crate) reply: Type,
    pub(crate) deferred: bool,
    /// Whether it returns something (used by `#[init]`: `Init` or nothing).
    pub(crate) returns: bool,
    /// A gen_statem `#[call]` that returns `Transition<State, Reply>`.
    pub(crate) transition: bool,
    /// Its return type's span (its name's, if it returns nothing): where a value of the
    /// wrong type is reported.
    pub(crate) ret_span: Span,
}

impl Handler {
    pub(crate) fn msg_params(&self) -> impl Iterator<Item = (&Ident, &Type)> {
        self.params.iter().filter_map(|p| match p {
            Param::Msg { name, ty, .. } => Some((name, &**ty)),
            _ => None,
        })
    }
}

pub(crate) struct Server {
    /// The impl block. Once [`Server::require_send`] ran, its generics carry the generated
    /// items' `Send` bounds; [`Server::user_item`] is the impl as the user wrote it.
    pub(crate) item: ItemImpl,
    /// The impl's own generics, when `item`'s carry the generated items' extra bounds.
    user_generics: Option<syn::Generics>,
    /// `Foo` of `impl Foo<T>`.
    pub(crate) ident: Ident,
    pub(crate) handlers: Vec<Handler>,
    /// The impl's other methods that take `self`: a client calling one of them on the handle
    /// most likely forgot its `#[call]` or `#[cast]`.
    pub(crate) plain: Vec<PlainMethod>,
    /// The most visible handler's visibility: the generated types and functions get it.
    pub(crate) vis: Visibility,
}

/// A method of the impl without a handler attribute that takes `self`.
pub(crate) struct PlainMethod {
    pub(crate) method: Ident,
    pub(crate) vis: Visibility,
    /// Its parameters besides `self`.
    pub(crate) arity: usize,
}

impl Server {
    /// Whether the impl is one the macro could expand (an inherent impl of a named type),
    /// errors in its handlers aside.
    pub(crate) fn is_valid(&self) -> bool {
        self.ident != INVALID
    }

    pub(crate) fn of(&self, kind: Kind) -> impl Iterator<Item = &Handler> {
        self.handlers.iter().filter(move |h| h.kind == kind)
    }

    /// Bounds every generated item on `Type: Send + 'static` for the server's type (and
    /// `State: Send + Sync + 'static` for a machine's state type), spanned at the user's type.
    /// A state that is not `Send` then fails one bound, reported once at the user's token
    /// (rustc folds identical errors), instead of one error per generated function whose
    /// future holds `&mut self` (seven, and 115 lines, before). For a `Send` type the bound
    /// always holds and changes nothing. The bound is on `Send` itself, not on a trait of
    /// ours with `Send` as its supertrait: `Send` is an auto trait, whose cycles (a server
    /// that holds its own handle) hold, where a cycle through another trait overflows.
    pub(crate) fn require_send(&mut self, state: Option<&Type>) {
        let user = self.item.generics.clone();
        let where_clause = self.item.generics.make_where_clause();
        let bounds = std::iter::once((&*self.item.self_ty, false)).chain(state.map(|s| (s, true)));
        for (ty, sync) in bounds {
            // Every token at the type's span: a predicate whose tokens come from the user
            // and from the macro's call site is reported at the attribute.
            let span = ty.span();
            let sync = sync.then(|| quote_spanned!(span=> + ::core::marker::Sync));
            where_clause
                .predicates
                .push(syn::parse_quote_spanned! {span=>
                    #ty: ::core::marker::Send #sync + 'static
                });
        }
        self.user_generics = Some(user);
    }

    /// The impl block as the user wrote it (handler attributes aside), to emit.
    pub(crate) fn user_item(&self) -> ItemImpl {
        let mut item = self.item.clone();
        if let Some(generics) = &self.user_generics {
            item.generics = generics.clone();
        }
        item
    }
}

/// Parses and checks the impl block. On errors, `item` is still returned with the handler
/// attributes removed, so the caller can emit it unchanged beside the errors (no cascade).
pub(crate) fn parse(input: TokenStream, flavor: &Flavor, errors: &mut Errors) -> Option<Server> {
    let attr = flavor.attr();
    // The macro goes on an inherent impl block.
    let mut item: ItemImpl = match syn::parse2(input.clone()) {
        Ok(item) => item,
        Err(_) => {
            not_an_impl(input, attr, errors);
            return None;
        }
    };
    // Not a trait impl. The impl is emitted as an inherent one (its associated types
    // dropped), so that rustc adds neither "not a member of trait" nor "missing items".
    if let Some((_, trait_path, _)) = item.trait_.take() {
        let self_ty = &item.self_ty;
        errors.at(
            &trait_path,
            format_args!(
                "{attr} goes on an inherent impl block, not a trait impl: write \
                 `impl {} {{ ... }}` and the macro implements {} for you",
                self_ty.to_token_stream(),
                if flavor.is_statem() {
                    "GenStatem"
                } else {
                    "GenServer"
                }
            ),
        );
        item.items.retain(|i| !matches!(i, ImplItem::Type(_)));
        item.unsafety = None;
        return Some(invalid(item));
    }
    // A named type, whose name the generated ones start with: `impl Foo<T>`, also when a
    // `macro_rules!` passes it as `$t:ty` (an invisible group).
    let Some(ident) = server_ident(&item.self_ty) else {
        errors.at(
            &item.self_ty,
            format_args!(
                "{attr} needs a named {} type (a struct or enum), like `impl Counter`",
                if flavor.is_statem() { "data" } else { "server" }
            ),
        );
        return Some(invalid(item));
    };

    let mut handlers = Vec::new();
    let mut other_methods = Vec::new();
    let mut plain = Vec::new();
    let self_ty = (*item.self_ty).clone();
    for impl_item in &mut item.items {
        let ImplItem::Fn(f) = impl_item else {
            misplaced(impl_item, errors);
            continue;
        };
        match take_kind(f, flavor, errors) {
            Some(kind) => {
                if flavor.is_statem() {
                    elide_ctx_lifetimes(&mut f.sig);
                }
                if let Some(h) = handler(kind, f, &self_ty, flavor, errors) {
                    handlers.push(h);
                }
            }
            None => {
                if f.sig.receiver().is_some() {
                    plain.push(PlainMethod {
                        method: f.sig.ident.clone(),
                        vis: f.vis.clone(),
                        arity: f.sig.inputs.len() - 1,
                    });
                }
                other_methods.push(f.sig.ident.clone())
            }
        }
    }
    check_unique(&handlers, &other_methods, &ident, flavor, errors);
    // A machine starts in the state its #[init] gives.
    if let Flavor::Statem(state) = flavor {
        if !handlers.iter().any(|h| h.kind == Kind::Init) && errors.is_empty() {
            errors.at(
                &ident,
                format_args!(
                    "a #[gen_statem] needs an #[init] method that gives the first state: \
                     `#[init] fn init(&mut self) -> {} {{ .. }}`",
                    state.to_token_stream()
                ),
            );
        }
    }
    let vis = widest(handlers.iter().map(|h| &h.vis));
    Some(Server {
        item,
        user_generics: None,
        ident,
        handlers,
        plain,
        vis,
    })
}

/// The error for anything but an impl block, pointed at what it is (`struct Counter`),
/// not at the whole item.
fn not_an_impl(input: TokenStream, attr: &str, errors: &mut Errors) {
    match syn::parse2::<Item>(input.clone()) {
        Ok(Item::Struct(syn::ItemStruct {
            struct_token: kw,
            ident,
            ..
        })) => type_not_impl(quote!(#kw #ident), &ident, attr, errors),
        Ok(Item::Enum(syn::ItemEnum {
            enum_token: kw,
            ident,
            ..
        })) => type_not_impl(quote!(#kw #ident), &ident, attr, errors),
        Ok(Item::Union(syn::ItemUnion {
            union_token: kw,
            ident,
            ..
        })) => type_not_impl(quote!(#kw #ident), &ident, attr, errors),
        Ok(Item::Fn(f)) => {
            let (kw, ident) = (&f.sig.fn_token, &f.sig.ident);
            errors.at(
                quote!(#kw #ident),
                format_args!(
                    "{attr} goes on an impl block of the server type, not on a function: \
                     `{attr} impl MyServer {{ ... }}`, with the handlers as its methods"
                ),
            );
        }
        _ => errors.at(
            input,
            format_args!(
                "{attr} goes on an inherent impl block of the server type: \
                 `{attr} impl MyServer {{ ... }}`"
            ),
        ),
    }
}

fn type_not_impl(at: TokenStream, ident: &Ident, attr: &str, errors: &mut Errors) {
    errors.at(
        at,
        format_args!(
            "{attr} goes on the impl block that holds the handlers, not on the type: \
             `{attr} impl {ident} {{ ... }}`"
        ),
    );
}

/// The name of the type of an impl the macro will not expand.
const INVALID: &str = "__otp_invalid";

/// The model of an impl the macro will not expand (a trait impl, an unnamed type): only
/// the impl, its handler attributes removed, for the caller to emit beside the error.
fn invalid(mut item: ItemImpl) -> Server {
    for impl_item in &mut item.items {
        if let Some(attrs) = attrs_mut(impl_item) {
            attrs.retain(|a| handler_attr(a).is_none());
        }
    }
    Server {
        item,
        user_generics: None,
        ident: Ident::new(INVALID, Span::call_site()),
        handlers: Vec::new(),
        plain: Vec::new(),
        vis: Visibility::Inherited,
    }
}

/// `Foo` of `impl Foo<T>`, `impl path::Foo`, `impl (Foo)` and a `macro_rules!` `$t:ty`.
fn server_ident(ty: &Type) -> Option<Ident> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last().map(|s| s.ident.clone()),
        Type::Group(g) => server_ident(&g.elem),
        Type::Paren(p) => server_ident(&p.elem),
        _ => None,
    }
}

/// The handler attribute `attr` is, if it is one: `#[call]`, or a path ending in one such as
/// `#[otp_runtime::call]` (the attribute macros are also exported by name).
fn handler_attr(attr: &Attribute) -> Option<&'static str> {
    let last = &attr.path().segments.last()?.ident;
    [
        "call",
        "cast",
        "info",
        "init",
        "terminate",
        "handle_continue",
        "enter",
        "internal",
        "timeout",
        "hibernate",
    ]
    .into_iter()
    .find(|name| last == name)
}

fn attrs_mut(item: &mut ImplItem) -> Option<&mut Vec<Attribute>> {
    match item {
        ImplItem::Fn(f) => Some(&mut f.attrs),
        ImplItem::Const(c) => Some(&mut c.attrs),
        ImplItem::Type(t) => Some(&mut t.attrs),
        ImplItem::Macro(m) => Some(&mut m.attrs),
        _ => None,
    }
}

/// Handler attributes go on methods only. On anything else they are removed (or they would
/// expand on their own and claim to be outside a `#[gen_server]` impl) and reported.
fn misplaced(item: &mut ImplItem, errors: &mut Errors) {
    let Some(attrs) = attrs_mut(item) else { return };
    attrs.retain(|attr| match handler_attr(attr) {
        Some(name) => {
            errors.at(
                attr,
                format_args!("#[{name}] goes on a method (an `fn`) of the impl"),
            );
            false
        }
        None => true,
    });
}

/// Removes the handler attributes of `f` and says what kind of handler it is (`None`: an
/// ordinary method). One method has at most one handler attribute.
fn take_kind(f: &mut ImplItemFn, flavor: &Flavor, errors: &mut Errors) -> Option<Kind> {
    let mut kind: Option<(Kind, Attribute)> = None;
    let mut kept = Vec::with_capacity(f.attrs.len());
    for attr in std::mem::take(&mut f.attrs) {
        if handler_attr(&attr).is_none() {
            kept.push(attr);
            continue;
        }
        let this = match handler_attr(&attr) {
            Some("call") => Some(bare(&attr, Kind::Call, errors)),
            Some("cast") => Some(bare(&attr, Kind::Cast, errors)),
            Some("init") => Some(bare(&attr, Kind::Init, errors)),
            Some("terminate") => Some(bare(&attr, Kind::Terminate, errors)),
            Some("handle_continue") => Some(bare(&attr, Kind::Continue, errors)),
            Some("enter") => Some(bare(&attr, Kind::Enter, errors)),
            Some("internal") => Some(bare(&attr, Kind::Internal, errors)),
            Some("timeout") => Some(bare(&attr, Kind::Timer, errors)),
            Some("hibernate") => Some(bare(&attr, Kind::Hibernate, errors)),
            Some(_) => Some(info_kind(&attr, errors)),
            None => None,
        };
        // Each behaviour has its own callbacks.
        let this = this.filter(|&k| {
            let (statem_only, server_only) = (
                matches!(k, Kind::Enter | Kind::Internal | Kind::Timer),
                matches!(k, Kind::Continue | Kind::Timeout),
            );
            if statem_only && !flavor.is_statem() {
                errors.at(
                    &attr,
                    format_args!(
                        "{} belongs to a `#[gen_statem]`; a gen_server has no such callback",
                        k.attr_name()
                    ),
                );
                return false;
            }
            if server_only && flavor.is_statem() {
                let instead = if k == Kind::Timeout {
                    "a gen_statem's timeouts are `#[timeout]` handlers, set with \
                     `ctx.event_timeout(..)`, `ctx.state_timeout(..)` or `ctx.generic_timeout(..)`"
                } else {
                    "a gen_statem defers work by inserting an event, \
                     `ctx.next_event(Event::Internal(..))`, which an #[internal] handler handles"
                };
                errors.at(
                    &attr,
                    format_args!("{} belongs to a `#[gen_server]`: {instead}", k.attr_name()),
                );
                return false;
            }
            true
        });
        // A handler attribute is removed even when rejected: left on the method, it would
        // expand on its own and add a misleading "only means something inside" error.
        match (this, &kind) {
            (Some(_), Some((first, _))) => errors.at(
                &attr,
                format_args!(
                    "`{}` is already marked {}: a method handles one kind of message",
                    f.sig.ident,
                    first.attr_name()
                ),
            ),
            (Some(k), None) => kind = Some((k, attr)),
            (None, _) => {}
        }
    }
    f.attrs = kept;
    kind.map(|(k, _)| k)
}

/// `#[call]`, `#[cast]`, `#[init]`, `#[terminate]`, `#[enter]`, `#[internal]`, `#[timeout]`
/// take no arguments.
fn bare(attr: &Attribute, kind: Kind, errors: &mut Errors) -> Kind {
    if !matches!(attr.meta, syn::Meta::Path(_)) {
        errors.at(
            attr,
            format_args!("{} takes no arguments", kind.attr_name()),
        );
    }
    kind
}

/// `#[info]`, `#[info(down)]`, `#[info(exit)]`, `#[info(timeout)]`.
fn info_kind(attr: &Attribute, errors: &mut Errors) -> Kind {
    match &attr.meta {
        syn::Meta::Path(_) => Kind::Info,
        syn::Meta::List(list) => {
            let parsed = list.parse_args_with(|input: ParseStream| {
                let la = input.lookahead1();
                let kind = if la.peek(kw::down) {
                    input.parse::<kw::down>()?;
                    Kind::Down
                } else if la.peek(kw::exit) {
                    input.parse::<kw::exit>()?;
                    Kind::Exit
                } else if la.peek(kw::timeout) {
                    input.parse::<kw::timeout>()?;
                    Kind::Timeout
                } else {
                    return Err(la.error());
                };
                if !input.is_empty() {
                    return Err(input.error("#[info(..)] takes one of `down`, `exit`, `timeout`"));
                }
                Ok(kind)
            });
            parsed.unwrap_or_else(|e| {
                errors.push(e);
                Kind::Info
            })
        }
        syn::Meta::NameValue(_) => {
            errors.at(
                attr,
                "write #[info], #[info(down)], #[info(exit)] or #[info(timeout)]",
            );
            Kind::Info
        }
    }
}

fn handler(
    kind: Kind,
    f: &ImplItemFn,
    self_ty: &Type,
    flavor: &Flavor,
    errors: &mut Errors,
) -> Option<Handler> {
    let sig = &f.sig;
    let before = errors.len();
    let errs = errors;

    // A handler borrows the server: `&self`, `&mut self`, `self: &Self`, `self: &mut Self`
    // (syn gives the shorthand forms their type too).
    match sig.receiver() {
        Some(r) if !matches!(&*r.ty, Type::Reference(_)) => errs.at(
            r,
            "a handler cannot take `self` by value: the server lives on after each message; \
             use `&mut self` (or `&self`)",
        ),
        Some(_) => {}
        None => errs.at(
            &sig.ident,
            format_args!(
                "a {} handler needs a receiver: add `&mut self` (or `&self`) as its first parameter",
                kind.attr_name()
            ),
        ),
    }
    // Messages have one concrete type: no generic handlers.
    if !sig.generics.params.is_empty() {
        errs.at(
            &sig.generics,
            "a handler cannot be generic: its message is one variant of a concrete enum; \
             use concrete types (generics belong on the server type)",
        );
    }
    if let Some(c) = &sig.constness {
        errs.at(c, "a handler cannot be `const`");
    }
    if let Some(u) = &sig.unsafety {
        errs.at(
            u,
            "a handler cannot be `unsafe`: the runtime calls it as safe code",
        );
    }
    if let Some(a) = &sig.abi {
        errs.at(a, "a handler cannot have an `extern` ABI");
    }
    if let Some(v) = &sig.variadic {
        errs.at(v, "a handler cannot be variadic");
    }
    // The method's name, in CamelCase, names its message variant: it must be an identifier
    // (`fn self_` would give the keyword `Self`, `fn _1` the number `1`).
    let camel = names::snake_to_camel(&sig.ident.to_string());
    if matches!(
        kind,
        Kind::Call | Kind::Cast | Kind::Info | Kind::Internal | Kind::Timer
    ) && syn::parse_str::<Ident>(&camel).is_err()
    {
        errs.at(
            &sig.ident,
            format_args!(
                "`{}` cannot name a message variant (it would be `{camel}`): rename the method",
                sig.ident
            ),
        );
    }
    // #[hibernate] is a plain `fn(&mut self)`: it runs between messages, synchronously,
    // with nothing to receive or answer.
    if kind == Kind::Hibernate {
        let what = if flavor.is_statem() {
            "machine"
        } else {
            "server"
        };
        if let Some(a) = &sig.asyncness {
            errs.at(
                a,
                format_args!(
                    "#[hibernate] cannot be `async`: it runs while the {what} goes idle; \
                     shrink buffers and drop caches, synchronously"
                ),
            );
        }
        if let Some(extra) = sig.inputs.iter().find(|a| matches!(a, FnArg::Typed(_))) {
            errs.at(
                extra,
                "#[hibernate] takes only `&mut self`: no message, state or context",
            );
        }
        if !matches!(sig.output, ReturnType::Default) {
            errs.at(
                &sig.output,
                "#[hibernate] returns nothing: remove the return type",
            );
        }
        if errs.len() > before {
            return None;
        }
    }

    let mut params = Vec::new();
    let mut reply_to: Option<Type> = None;
    // The parameters that carry data (message fields, or the runtime's values), in order.
    let mut data: Vec<&PatType> = Vec::new();
    let mut states = 0;
    for arg in &sig.inputs {
        let FnArg::Typed(pt) = arg else { continue };
        let ty = &*pt.ty;
        if let Some(ctx) = ctx_name(ty) {
            check_ctx(ty, ctx, kind, flavor, errs);
            params.push(Param::Ctx);
            continue;
        }
        // A gen_statem handler may read the current state: `state: &State`.
        if let Flavor::Statem(state_ty) = flavor {
            if let Some(mutable) = state_ref(ty, state_ty) {
                let state_ty = state_ty.to_token_stream();
                // An #[enter]'s `&State` named `old` is the state left.
                let named_old = kind == Kind::Enter
                    && matches!(&*pt.pat, Pat::Ident(p) if p.ident.to_string().trim_start_matches('_') == "old");
                if mutable {
                    errs.at(
                        ty,
                        format_args!(
                            "the state is read-only in a handler: take `&{state_ty}`, and return \
                             `Transition::next(new_state)` to change it"
                        ),
                    );
                } else if kind == Kind::Init {
                    errs.at(
                        ty,
                        "#[init] gives the first state: it cannot take one; remove this parameter",
                    );
                } else if states == 1 && kind == Kind::Enter {
                    // `#[enter] fn f(&mut self, old: &State, state: &State)`: the first is
                    // the state left, unless the second is the one named `old`.
                    if named_old {
                        if let Some(first) = params.iter_mut().find(|p| matches!(p, Param::Old)) {
                            *first = Param::State;
                        }
                        params.push(Param::Old);
                    } else {
                        if let Some(first) = params.iter_mut().find(|p| matches!(p, Param::State)) {
                            *first = Param::Old;
                        }
                        params.push(Param::State);
                    }
                } else if states >= 1 {
                    if kind == Kind::Enter {
                        errs.at(
                            ty,
                            format_args!(
                                "#[enter] takes at most two states: `old: &{state_ty}, state: &{state_ty}`"
                            ),
                        );
                    } else {
                        errs.at(
                            ty,
                            format_args!(
                                "a handler gets the state once: one `&{state_ty}` parameter \
                                 (only #[enter] also gets the state it left)"
                            ),
                        );
                    }
                } else {
                    params.push(if named_old { Param::Old } else { Param::State });
                }
                states += 1;
                continue;
            }
        }
        let name = match &*pt.pat {
            Pat::Ident(p) if p.subpat.is_none() => p.ident.clone(),
            other => {
                errs.at(
                    other,
                    "use a plain name for a handler parameter (it becomes a field of the message)",
                );
                continue;
            }
        };
        if let Some(inner) = reply_to_inner(ty) {
            if kind != Kind::Call {
                errs.at(
                    ty,
                    format_args!(
                        "a {} has no caller to reply to: `ReplyTo` belongs on a #[call]",
                        kind.attr_name()
                    ),
                );
            } else if reply_to.replace(replace_self(&inner, self_ty)).is_some() {
                errs.at(ty, "a call has one reply: take one `ReplyTo`");
            }
            params.push(Param::ReplyTo);
            continue;
        }
        data.push(pt);
        match kind {
            // #[terminate] takes the exit reason: `reason: &ExitReason`.
            // #[info(down)] takes (monitor, pid, reason); #[info(exit)] takes (from, reason).
            Kind::Terminate | Kind::Down | Kind::Exit => {
                params.push(Param::Given { name });
                continue;
            }
            _ => {}
        }
        // A gen_statem handler may borrow a message field from the event (which the runtime
        // keeps, so that the handler can postpone it).
        if let (Flavor::Statem(_), Type::Reference(r)) = (flavor, ty) {
            let lifetime = r.lifetime.as_ref();
            // `&'static T` is owned data: the message holds the reference itself.
            if r.mutability.is_none() && lifetime.is_some_and(|l| l.ident == "static") {
                params.push(Param::Msg {
                    name,
                    ty: Box::new(replace_self(ty, self_ty)),
                    by_ref: false,
                });
                continue;
            }
            if r.mutability.is_some() {
                errs.at(
                    r,
                    "a handler can borrow a message field (`&T`) but not change it (`&mut T`): \
                     take `&T`, or `T` for a copy",
                );
            }
            if let Type::ImplTrait(t) = &*r.elem {
                errs.at(
                    t,
                    "`impl Trait` cannot be part of a message: name a concrete type (or a boxed trait object)",
                );
            }
            params.push(Param::Msg {
                name,
                ty: Box::new(replace_self(&owned_field(&r.elem), self_ty)),
                by_ref: true,
            });
            continue;
        }
        // Messages own their data: they cross to another task.
        match ty {
            Type::Reference(r) => errs.at(
                r,
                "a message must own its data, since it is sent to another task: \
                 take an owned type (e.g. `String` for `&str`, `Vec<T>` for `&[T]`)",
            ),
            Type::ImplTrait(t) => errs.at(
                t,
                "`impl Trait` cannot be part of a message: name a concrete type (or a boxed trait object)",
            ),
            _ => {}
        }
        params.push(Param::Msg {
            name,
            ty: Box::new(replace_self(ty, self_ty)),
            by_ref: false,
        });
    }

    // What each kind may take and return. A wrong count points at the first parameter too
    // many, or at the parameter list when some are missing.
    let parens = sig.paren_token.span.join();
    let arity = |errs: &mut Errors, want: usize, msg: &str| match data.get(want) {
        Some(extra) => errs.at(extra, msg),
        None if data.len() < want => errs.push(syn::Error::new(parens, msg)),
        None => {}
    };
    let returns = !matches!(sig.output, ReturnType::Default);
    let mut ret_ty: Type = match &sig.output {
        ReturnType::Default => syn::parse_quote!(()),
        ReturnType::Type(_, t) => replace_self(t, self_ty),
    };
    let mut transition = false;
    if let Flavor::Statem(state) = flavor {
        statem_returns(kind, sig, state, reply_to.is_some(), errs);
        // A call that returns `Transition<State, Reply>` replies with `.reply(r)`.
        if kind == Kind::Call && reply_to.is_none() && last_ident_is(&ret_ty, "Transition") {
            transition = true;
            if let Some(reply) = transition_reply(&ret_ty) {
                ret_ty = reply;
            }
        }
    }
    match kind {
        _ if flavor.is_statem() => {}
        Kind::Call if reply_to.is_some() && returns => errs.at(
            &sig.output,
            "this call replies through its `ReplyTo`: remove the return type",
        ),
        Kind::Cast | Kind::Info | Kind::Down | Kind::Exit | Kind::Timeout | Kind::Continue
            if returns =>
        {
            errs.at(
                &sig.output,
                format_args!(
                    "a {} has no caller to answer: remove the return type \
                     (a #[call] replies; `ctx.stop(reason)` stops the server)",
                    kind.attr_name()
                ),
            )
        }
        Kind::Terminate if returns => errs.at(
            &sig.output,
            "#[terminate] returns nothing: remove the return type (the server is stopping)",
        ),
        _ => {}
    }
    const CTX: &str = "after `&mut self`, plus `ctx: &mut Ctx<Self>` anywhere if it needs one";
    const STATEM_CTX: &str =
        "after `&mut self`, plus `state: &State` and `ctx: &mut StatemCtx<Self>` anywhere if it needs them";
    let ctx_help = if flavor.is_statem() { STATEM_CTX } else { CTX };
    match kind {
        Kind::Init if flavor.is_statem() => arity(
            errs,
            0,
            "#[init] runs before any event, so it takes none: only `&mut self` and \
             optionally `ctx: &mut StatemCtx<Self>`; it returns the first state \
             (or a `StatemInit`)",
        ),
        Kind::Enter => arity(
            errs,
            0,
            "#[enter] takes no message: only `&mut self`, `old: &State` and `state: &State`, \
             and optionally `ctx: &mut EnterCtx<Self>`",
        ),
        Kind::Init => arity(
            errs,
            0,
            "#[init] runs before any message, so it takes none: only `&mut self` and \
             optionally `ctx: &mut Ctx<Self>` (set its data in the server value before \
             `start`); it returns `Init` or nothing",
        ),
        // One value at most: what `ctx.continue_with(value)` passes.
        Kind::Continue => {
            if let Some(extra) = data.get(1) {
                errs.at(
                    extra,
                    format!(
                        "#[handle_continue] takes at most one value, the one `ctx.continue_with(value)` \
                         passes, {CTX}"
                    ),
                );
            }
        }
        Kind::Timeout => arity(
            errs,
            0,
            "#[info(timeout)] takes no message: only `&mut self` and optionally \
             `ctx: &mut Ctx<Self>`",
        ),
        Kind::Terminate if flavor.is_statem() => arity(
            errs,
            1,
            "#[terminate] takes `reason: &ExitReason` after `&mut self`, plus `state: &State` \
             and `ctx: &mut EnterCtx<Self>` anywhere if it needs them (a stopping machine \
             has no event to postpone)",
        ),
        Kind::Terminate => arity(
            errs,
            1,
            &format!("#[terminate] takes `reason: &ExitReason` {ctx_help}"),
        ),
        Kind::Down => arity(
            errs,
            3,
            &format!(
                "#[info(down)] takes `monitor: MonitorRef, pid: Pid, reason: ExitReason` {ctx_help}"
            ),
        ),
        Kind::Exit => arity(
            errs,
            2,
            &format!("#[info(exit)] takes `from: Pid, reason: ExitReason` {ctx_help}"),
        ),
        _ => {}
    }
    if errs.len() > before {
        return None;
    }
    Some(Handler {
        kind,
        method: sig.ident.clone(),
        variant: names::variant(&sig.ident),
        vis: f.vis.clone(),
        docs: f
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("doc"))
            .cloned()
            .collect(),
        is_async: sig.asyncness.is_some(),
        deferred: reply_to.is_some(),
        reply: reply_to.unwrap_or(ret_ty),
        params,
        returns,
        transition,
        ret_span: match &sig.output {
            ReturnType::Type(_, t) => t.span(),
            ReturnType::Default => sig.ident.span(),
        },
    })
}

/// Variants and generated names must not collide: two handlers of one kind may not give
/// the same variant, there is at most one handler of each kind that has no enum (`#[init]`,
/// `#[terminate]`, `#[info(down)]`, `#[info(exit)]`, `#[info(timeout)]`: the runtime has one
/// callback for each), no method of the impl may shadow a generated function, and no
/// request may be named like the `send_<call>` method a gen_server's `#[call]` gets, and no
/// `#[call]` and `#[cast]` may share a name (each gives the handle a method of its name).
fn check_unique(
    handlers: &[Handler],
    others: &[Ident],
    server: &Ident,
    flavor: &Flavor,
    errors: &mut Errors,
) {
    let names = ServerNames::new(server);
    for (i, h) in handlers.iter().enumerate() {
        let mut earlier = handlers[..i].iter().filter(|o| o.kind == h.kind);
        let enum_name = match h.kind {
            Kind::Call => Some(&names.call),
            Kind::Cast => Some(&names.cast),
            Kind::Info => Some(&names.info),
            Kind::Internal => Some(&names.internal),
            Kind::Timer => Some(&names.timeout),
            _ => None,
        };
        match enum_name {
            Some(enum_name) => {
                if let Some(first) = earlier.find(|o| o.variant == h.variant) {
                    errors.at(
                        &h.method,
                        format_args!(
                            "`{}` and `{}` both become the variant `{enum_name}::{}`: rename one",
                            first.method, h.method, h.variant
                        ),
                    );
                }
            }
            None => {
                if let Some(first) = earlier.next() {
                    errors.at(
                        &h.method,
                        format_args!(
                            "`{}` is already the {} handler: a {} has at most one",
                            first.method,
                            h.kind.attr_name(),
                            if flavor.is_statem() {
                                "machine"
                            } else {
                                "server"
                            }
                        ),
                    );
                }
            }
        }
        let name = h.method.to_string();
        if let Some(other) = handlers[..i].iter().find(|o| {
            matches!(
                (o.kind, h.kind),
                (Kind::Call, Kind::Cast) | (Kind::Cast, Kind::Call)
            ) && o.method.unraw() == h.method.unraw()
        }) {
            let that = other.kind.attr_name();
            let method = h.method.unraw();
            let cast = if h.kind == Kind::Cast {
                &h.method
            } else {
                &other.method
            };
            errors.at(
                &h.method,
                format_args!(
                    "`{method}` is already a `{that}`: a `#[call]` and a `#[cast]` each give `{}` a \
                     method named after the handler, so they need different names; rename one, \
                     as in `#[cast] fn {}_async`",
                    names.handle,
                    cast.unraw(),
                ),
            );
        }
        if matches!(h.kind, Kind::Call | Kind::Cast)
            && HANDLE_METHODS.contains(&name.as_str())
            // `named` is on both; one error is enough.
            && !SERVER_FNS.contains(&name.as_str())
        {
            errors.at(
                &h.method,
                format_args!(
                    "`{name}` collides with the generated `{}::{name}`: rename the handler",
                    names.handle
                ),
            );
        }
        if !flavor.is_statem() && matches!(h.kind, Kind::Call | Kind::Cast) {
            let call = handlers.iter().find(|c| {
                c.kind == Kind::Call && names::send_request(&c.method) == h.method.unraw()
            });
            if let Some(call) = call {
                errors.at(
                    &h.method,
                    format_args!(
                        "`{name}` collides with the generated `{}::{name}`, which sends \
                         `#[call] {}` as an asynchronous request: rename one of them",
                        names.handle, call.method
                    ),
                );
            }
        }
    }
    let server_fns = |name: &str| {
        SERVER_FNS.contains(&name) || (!flavor.is_statem() && GEN_SERVER_FNS.contains(&name))
    };
    for m in handlers.iter().map(|h| &h.method).chain(others) {
        let name = m.to_string();
        if server_fns(&name) {
            errors.at(
                m,
                format_args!(
                    "`{name}` collides with the generated `{server}::{name}`: rename this method"
                ),
            );
        }
    }
}

/// The impl as written, less every method named like one before it: what is emitted beside
/// the errors, so that rustc adds no "duplicate definitions" of its own to the error at the
/// user's method (a `#[call]` and a `#[cast]` of one name, say).
pub(crate) fn without_duplicate_fns(item: &ItemImpl) -> ItemImpl {
    let mut item = item.clone();
    let mut seen = std::collections::HashSet::new();
    item.items.retain(|i| match i {
        ImplItem::Fn(f) => seen.insert(f.sig.ident.unraw()),
        _ => true,
    });
    item
}

/// `ty` with `Self` replaced by the server type. Message and reply types are copied into the
/// generated enums and handle, where `Self` would name the enum or the handle.
fn replace_self(ty: &Type, self_ty: &Type) -> Type {
    fn walk(tokens: TokenStream, self_ty: &Type) -> TokenStream {
        let mut out = TokenStream::new();
        let mut tokens = tokens.into_iter().peekable();
        while let Some(token) = tokens.next() {
            match token {
                TokenTree::Ident(i) if i == "Self" => {
                    // `Self::Item` becomes `<Foo<T>>::Item`; `Self` alone, `Foo<T>`.
                    if matches!(tokens.peek(), Some(TokenTree::Punct(p)) if p.as_char() == ':') {
                        out.extend(quote!(<#self_ty>));
                    } else {
                        self_ty.to_tokens(&mut out);
                    }
                }
                TokenTree::Group(g) => {
                    let mut group = Group::new(g.delimiter(), walk(g.stream(), self_ty));
                    group.set_span(g.span());
                    out.extend([TokenTree::Group(group)]);
                }
                other => out.extend([other]),
            }
        }
        out
    }
    syn::parse2(walk(ty.to_token_stream(), self_ty)).unwrap_or_else(|_| ty.clone())
}

/// The field that holds what a gen_statem handler borrows as `&elem`: `elem` itself, but
/// `String` for `str`, `Vec<T>` for `[T]` and `Box<dyn Trait>` for `dyn Trait` (a field
/// must be sized; `&String`, `&Vec<T>` and `&Box<dyn Trait>` coerce to the `&str`, `&[T]`
/// and `&dyn Trait` the handler takes). At the user's span, so that an error
/// about the field (not `Send`, not `'static`) points at the parameter.
fn owned_field(elem: &Type) -> Type {
    let span = elem.span();
    match elem {
        Type::Path(p) if p.qself.is_none() && p.path.is_ident("str") => {
            syn::parse_quote_spanned!(span=> ::std::string::String)
        }
        Type::Slice(s) => {
            let inner = &s.elem;
            syn::parse_quote_spanned!(span=> ::std::vec::Vec<#inner>)
        }
        Type::TraitObject(_) => syn::parse_quote_spanned!(span=> ::std::boxed::Box<#elem>),
        Type::Paren(p) => owned_field(&p.elem),
        _ => elem.clone(),
    }
}

/// The context type of `&mut Ctx<…>` (any path ending in `Ctx`), or of a gen_statem's
/// `&mut StatemCtx<…>` or `&mut EnterCtx<…>`: its last path segment.
fn ctx_name(ty: &Type) -> Option<&Ident> {
    let Type::Reference(r) = ty else { return None };
    let Type::Path(p) = &*r.elem else { return None };
    let last = &p.path.segments.last()?.ident;
    (r.mutability.is_some() && ["Ctx", "StatemCtx", "EnterCtx"].iter().any(|n| last == n))
        .then_some(last)
}

/// Each callback gets one kind of context: a gen_server's handlers `Ctx`; a gen_statem's
/// `StatemCtx` (or the `EnterCtx` it derefs to), but its `#[enter]` and `#[terminate]` only
/// `EnterCtx`, which cannot postpone or insert events. Checked here so that the error
/// points at the parameter, not at a mismatch in generated code.
fn check_ctx(ty: &Type, ctx: &Ident, kind: Kind, flavor: &Flavor, errs: &mut Errors) {
    let msg = match flavor {
        Flavor::Server if ctx != "Ctx" => format!(
            "a gen_server handler takes `ctx: &mut Ctx<Self>`: `{ctx}` belongs to a `#[gen_statem]`"
        ),
        Flavor::Server => return,
        Flavor::Statem(_) => match kind {
            Kind::Enter | Kind::Terminate if ctx == "EnterCtx" => return,
            Kind::Enter if ctx == "StatemCtx" => "an #[enter] call cannot postpone or insert \
                 events (OTP forbids it): take `ctx: &mut EnterCtx<Self>`, which has the \
                 timeouts, timers, links and monitors"
                .to_string(),
            Kind::Terminate if ctx == "StatemCtx" => "#[terminate] takes \
                 `ctx: &mut EnterCtx<Self>`: a stopping machine has no event to postpone and \
                 inserts none"
                .to_string(),
            Kind::Enter | Kind::Terminate => format!(
                "{} takes `ctx: &mut EnterCtx<Self>`: `Ctx` is a gen_server's",
                kind.attr_name()
            ),
            _ if ctx == "Ctx" => "a gen_statem handler takes `ctx: &mut StatemCtx<Self>`: \
                 `Ctx` is a gen_server's"
                .to_string(),
            _ => return,
        },
    };
    errs.at(ty, msg);
}

/// `&mut StatemCtx<Self>` becomes `&mut StatemCtx<'_, Self>` (and so for `EnterCtx`): the
/// contexts borrow the machine, and an `async fn` may not leave that lifetime implicit
/// (E0726), so the macro writes it.
fn elide_ctx_lifetimes(sig: &mut syn::Signature) {
    for arg in &mut sig.inputs {
        let FnArg::Typed(pt) = arg else { continue };
        let Type::Reference(r) = &mut *pt.ty else {
            continue;
        };
        let Type::Path(p) = &mut *r.elem else {
            continue;
        };
        let Some(last) = p.path.segments.last_mut() else {
            continue;
        };
        if last.ident != "StatemCtx" && last.ident != "EnterCtx" {
            continue;
        }
        if let PathArguments::AngleBracketed(args) = &mut last.arguments {
            if !args
                .args
                .iter()
                .any(|a| matches!(a, GenericArgument::Lifetime(_)))
            {
                args.args.insert(0, syn::parse_quote!('_));
            }
        }
    }
}

/// Whether `ty` is a reference to the state type (`Some(true)` if `&mut`).
fn state_ref(ty: &Type, state: &Type) -> Option<bool> {
    let Type::Reference(r) = ty else { return None };
    same_type(&r.elem, state).then_some(r.mutability.is_some())
}

/// Whether `a` and `b` spell one type, compared as tokens; paths by their last segment, so
/// that `state = states::Door` and `state: &Door` (or the other way round) are one state
/// type, not a state type and a message field.
fn same_type(a: &Type, b: &Type) -> bool {
    match (a, b) {
        (Type::Group(g), other) | (other, Type::Group(g)) => same_type(&g.elem, other),
        (Type::Paren(p), other) | (other, Type::Paren(p)) => same_type(&p.elem, other),
        (Type::Path(a), Type::Path(b)) if a.qself.is_none() && b.qself.is_none() => {
            match (a.path.segments.last(), b.path.segments.last()) {
                (Some(a), Some(b)) => {
                    a.to_token_stream().to_string() == b.to_token_stream().to_string()
                }
                _ => false,
            }
        }
        _ => a.to_token_stream().to_string() == b.to_token_stream().to_string(),
    }
}

/// `R` of `Transition<S, R>`.
fn transition_reply(ty: &Type) -> Option<Type> {
    let Type::Path(p) = ty else { return None };
    let PathArguments::AngleBracketed(args) = &p.path.segments.last()?.arguments else {
        return None;
    };
    match args.args.iter().nth(1)? {
        GenericArgument::Type(t) => Some(t.clone()),
        _ => None,
    }
}

/// What a gen_statem handler may return: a transition (or nothing, which keeps the state)
/// for events; the first state for `#[init]`; `Enter` or nothing for `#[enter]`; nothing
/// for `#[terminate]`. Types are checked by rustc through `Into`.
///
/// A `Transition` where it cannot go, or with a reply type where there is no caller (or
/// the call replies through its `ReplyTo`), is reported here at the return type; rustc
/// would report it at the attribute, as a missing `From` impl.
fn statem_returns(
    kind: Kind,
    sig: &syn::Signature,
    state: &Type,
    deferred: bool,
    errs: &mut Errors,
) {
    let ret = match &sig.output {
        ReturnType::Default => None,
        ReturnType::Type(_, t) => Some(&**t),
    };
    let state = state.to_token_stream();
    let Some(ret) = ret else {
        if kind == Kind::Init {
            errs.at(
                &sig.ident,
                format_args!(
                    "#[init] returns the first state (or a `StatemInit`): add a return type, \
                     `-> {state}`"
                ),
            );
        }
        return;
    };
    let transition = last_ident_is(ret, "Transition");
    let replies = transition && transition_reply(ret).is_some();
    match kind {
        Kind::Terminate => errs.at(
            &sig.output,
            "#[terminate] returns nothing: remove the return type (the machine is stopping)",
        ),
        Kind::Init if transition => errs.at(
            ret,
            format_args!(
                "#[init] gives the first state: return `{state}` (or a `StatemInit<{state}>`), \
                 not a `Transition`"
            ),
        ),
        Kind::Enter if transition => errs.at(
            ret,
            "an #[enter] call cannot change the state (OTP forbids it): return `Enter` \
             (`Enter::Keep` or `Enter::Stop(reason)`) or nothing; to move on at once, set a \
             zero state timeout (`ctx.state_timeout(Duration::ZERO, ..)`) and return the \
             transition from its #[timeout] handler",
        ),
        Kind::Call if deferred && replies => errs.at(
            ret,
            format_args!(
                "this call replies through its `ReplyTo`: return `Transition<{state}>`, \
                 without a reply type"
            ),
        ),
        Kind::Call if !deferred && transition && !replies => errs.at(
            ret,
            format_args!(
                "a #[call] that returns a `Transition` names its reply type: \
                 `Transition<{state}, Reply>`, and replies with `.reply(value)` (or it takes \
                 `reply: ReplyTo<Reply>` and returns `Transition<{state}>`)"
            ),
        ),
        Kind::Call | Kind::Init | Kind::Enter => {}
        _ if replies => errs.at(
            ret,
            format_args!(
                "a {} has no caller to reply to: return `Transition<{state}>`, without a \
                 reply type",
                kind.attr_name()
            ),
        ),
        _ => {}
    }
}

/// `T` of `ReplyTo<T>`.
fn reply_to_inner(ty: &Type) -> Option<Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "ReplyTo" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(t) => Some(t.clone()),
        _ => None,
    }
}

fn last_ident_is(ty: &Type, name: &str) -> bool {
    matches!(ty, Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == name))
}

/// The most visible of the handlers' visibilities (`pub` > `pub(crate)` > others > private).
fn widest<'a>(all: impl Iterator<Item = &'a Visibility>) -> Visibility {
    fn rank(v: &Visibility) -> u8 {
        match v {
            Visibility::Public(_) => 3,
            Visibility::Restricted(r) if r.path.is_ident("crate") => 2,
            Visibility::Restricted(_) => 1,
            Visibility::Inherited => 0,
        }
    }
    all.max_by_key(|v| rank(v))
        .cloned()
        .unwrap_or(Visibility::Inherited)
}

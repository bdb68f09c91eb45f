//! Reads a `#[gen_server]` impl block into a model of its handlers, checking every rule on
//! the way (each rule is written above the check that enforces it). Errors point at the
//! user's tokens and are all collected, so one expansion reports every problem.

use proc_macro2::{Ident, TokenStream};
use syn::parse::{Parse, ParseStream};
use syn::{
    Attribute, FnArg, GenericArgument, ImplItem, ImplItemFn, ItemImpl, Pat, PathArguments,
    ReturnType, Type, Visibility,
};

use crate::errors::Errors;
use crate::names::{self, HANDLE_METHODS, SERVER_FNS};

mod kw {
    syn::custom_keyword!(down);
    syn::custom_keyword!(exit);
    syn::custom_keyword!(timeout);
}

/// The macro's own arguments: `#[gen_server]` or `#[gen_server(crate = path)]`.
pub(crate) struct Args {
    /// The path of the runtime crate, for a renamed dependency.
    pub(crate) krate: syn::Path,
}

impl Parse for Args {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut krate: Option<syn::Path> = None;
        while !input.is_empty() {
            // crate = path
            if input.peek(syn::Token![crate]) {
                let key: syn::Token![crate] = input.parse()?;
                input.parse::<syn::Token![=]>()?;
                let path: syn::Path = input.parse()?;
                if krate.replace(path).is_some() {
                    return Err(syn::Error::new_spanned(key, "`crate` is given twice"));
                }
            } else {
                return Err(input.error(
                    "unknown #[gen_server] argument: the only one is `crate = path` \
                     (the path of otp_runtime, if you renamed it)",
                ));
            }
            if !input.is_empty() {
                input.parse::<syn::Token![,]>()?;
            }
        }
        Ok(Args {
            krate: krate.unwrap_or_else(|| syn::parse_quote!(::otp_runtime)),
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
    Init,
    Terminate,
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
            Kind::Init => "#[init]",
            Kind::Terminate => "#[terminate]",
        }
    }
}

/// One parameter of a handler, in its original position.
pub(crate) enum Param {
    /// A part of the message, sent by the client.
    Msg { name: Ident, ty: Box<Type> },
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
}

impl Handler {
    pub(crate) fn msg_params(&self) -> impl Iterator<Item = (&Ident, &Type)> {
        self.params.iter().filter_map(|p| match p {
            Param::Msg { name, ty } => Some((name, &**ty)),
            _ => None,
        })
    }
}

pub(crate) struct Server {
    pub(crate) item: ItemImpl,
    /// `Foo` of `impl Foo<T>`.
    pub(crate) ident: Ident,
    pub(crate) handlers: Vec<Handler>,
    /// The most visible handler's visibility: the generated types and functions get it.
    pub(crate) vis: Visibility,
}

impl Server {
    pub(crate) fn of(&self, kind: Kind) -> impl Iterator<Item = &Handler> {
        self.handlers.iter().filter(move |h| h.kind == kind)
    }
}

/// Parses and checks the impl block. On errors, `item` is still returned with the handler
/// attributes removed, so the caller can emit it unchanged beside the errors (no cascade).
pub(crate) fn parse(input: TokenStream, errors: &mut Errors) -> Option<Server> {
    // The macro goes on an inherent impl block.
    let mut item: ItemImpl = match syn::parse2(input.clone()) {
        Ok(item) => item,
        Err(_) => {
            errors.at(
                input,
                "#[gen_server] goes on an inherent impl block of the server type: \
                 `#[gen_server] impl MyServer { ... }`",
            );
            return None;
        }
    };
    if let Some((_, trait_path, _)) = &item.trait_ {
        errors.at(
            trait_path,
            "#[gen_server] goes on an inherent impl block, not a trait impl: \
             write `impl MyServer { ... }` and the macro implements GenServer for you",
        );
        return None;
    }
    let ident = match &*item.self_ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last().map(|s| s.ident.clone()),
        _ => None,
    };
    let Some(ident) = ident else {
        errors.at(
            &item.self_ty,
            "#[gen_server] needs a named server type (a struct or enum), like `impl Counter`",
        );
        return None;
    };

    let mut handlers = Vec::new();
    let mut other_methods = Vec::new();
    for impl_item in &mut item.items {
        let ImplItem::Fn(f) = impl_item else { continue };
        match take_kind(f, errors) {
            Some(kind) => {
                if let Some(h) = handler(kind, f, errors) {
                    handlers.push(h);
                }
            }
            None => other_methods.push(f.sig.ident.clone()),
        }
    }
    check_unique(&handlers, &other_methods, &ident, errors);
    let vis = widest(handlers.iter().map(|h| &h.vis));
    Some(Server {
        item,
        ident,
        handlers,
        vis,
    })
}

/// Removes the handler attributes of `f` and says what kind of handler it is (`None`: an
/// ordinary method). One method has at most one handler attribute.
fn take_kind(f: &mut ImplItemFn, errors: &mut Errors) -> Option<Kind> {
    let mut kind: Option<(Kind, Attribute)> = None;
    let mut kept = Vec::with_capacity(f.attrs.len());
    for attr in std::mem::take(&mut f.attrs) {
        let this = match attr.path().get_ident().map(|i| i.to_string()).as_deref() {
            Some("call") => Some(bare(&attr, Kind::Call, errors)),
            Some("cast") => Some(bare(&attr, Kind::Cast, errors)),
            Some("init") => Some(bare(&attr, Kind::Init, errors)),
            Some("terminate") => Some(bare(&attr, Kind::Terminate, errors)),
            Some("info") => Some(info_kind(&attr, errors)),
            _ => None,
        };
        match this {
            Some(k) => match &kind {
                Some((first, _)) => errors.at(
                    &attr,
                    format_args!(
                        "`{}` is already marked {}: a method handles one kind of message",
                        f.sig.ident,
                        first.attr_name()
                    ),
                ),
                None => kind = Some((k, attr)),
            },
            None => kept.push(attr),
        }
    }
    f.attrs = kept;
    kind.map(|(k, _)| k)
}

/// `#[call]`, `#[cast]`, `#[init]`, `#[terminate]` take no arguments.
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

fn handler(kind: Kind, f: &ImplItemFn, errors: &mut Errors) -> Option<Handler> {
    let sig = &f.sig;
    let before = errors.len();
    let errs = errors;

    // A handler borrows the server: `&self` or `&mut self`.
    match sig.receiver() {
        Some(r) if r.reference.is_none() => errs.at(
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

    let mut params = Vec::new();
    let mut reply_to: Option<Type> = None;
    let mut msg_count = 0;
    for arg in &sig.inputs {
        let FnArg::Typed(pt) = arg else { continue };
        let ty = &*pt.ty;
        if is_ctx(ty) {
            params.push(Param::Ctx);
            continue;
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
                    "only a #[call] has a caller to reply to: `ReplyTo` belongs on a #[call]",
                );
            } else if reply_to.replace(inner.clone()).is_some() {
                errs.at(ty, "a call has one reply: take one `ReplyTo`");
            }
            params.push(Param::ReplyTo);
            continue;
        }
        match kind {
            // #[terminate] takes the exit reason: `reason: &ExitReason`.
            Kind::Terminate => {
                msg_count += 1;
                params.push(Param::Given { name });
                continue;
            }
            // #[info(down)] takes (monitor, pid, reason); #[info(exit)] takes (from, reason).
            Kind::Down | Kind::Exit => {
                msg_count += 1;
                params.push(Param::Given { name });
                continue;
            }
            _ => {}
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
        msg_count += 1;
        params.push(Param::Msg {
            name,
            ty: Box::new(ty.clone()),
        });
    }

    // What each kind may take and return.
    let returns = !matches!(sig.output, ReturnType::Default);
    let ret_ty: Type = match &sig.output {
        ReturnType::Default => syn::parse_quote!(()),
        ReturnType::Type(_, t) => (**t).clone(),
    };
    match kind {
        Kind::Call if reply_to.is_some() && returns => errs.at(
            &sig.output,
            "this call replies through its `ReplyTo`: remove the return type",
        ),
        Kind::Cast | Kind::Info | Kind::Down | Kind::Exit | Kind::Timeout if returns => errs.at(
            &sig.output,
            format_args!(
                "a {} has no caller to answer: remove the return type \
                     (a #[call] replies; `ctx.stop(reason)` stops the server)",
                kind.attr_name()
            ),
        ),
        Kind::Init if msg_count > 0 => errs.at(
            &sig.inputs,
            "#[init] takes `&mut self` and optionally `ctx: &mut Ctx<Self>`, and returns \
             `Init` or nothing",
        ),
        Kind::Terminate if msg_count != 1 || returns => errs.at(
            &sig.ident,
            "#[terminate] is `fn(&mut self, reason: &ExitReason)`, optionally with \
             `ctx: &mut Ctx<Self>`, and returns nothing",
        ),
        Kind::Down if msg_count != 3 => errs.at(
            &sig.ident,
            "#[info(down)] takes `(monitor: MonitorRef, pid: Pid, reason: ExitReason)`",
        ),
        Kind::Exit if msg_count != 2 => errs.at(
            &sig.ident,
            "#[info(exit)] takes `(from: Pid, reason: ExitReason)`",
        ),
        Kind::Timeout if msg_count > 0 => errs.at(
            &sig.inputs,
            "#[info(timeout)] takes no message: only `&mut self` and optionally `ctx`",
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
    })
}

/// Variants and generated names must not collide: two handlers of one kind may not give
/// the same variant, and no method of the impl may shadow a generated function.
fn check_unique(handlers: &[Handler], others: &[Ident], server: &Ident, errors: &mut Errors) {
    for (i, h) in handlers.iter().enumerate() {
        let same_enum = |k: Kind| match k {
            Kind::Call => 0,
            Kind::Cast => 1,
            Kind::Info => 2,
            _ => 3 + k as usize,
        };
        if let Some(first) = handlers[..i]
            .iter()
            .find(|o| same_enum(o.kind) == same_enum(h.kind) && o.variant == h.variant)
        {
            let what = if matches!(h.kind, Kind::Call | Kind::Cast | Kind::Info) {
                format!(
                    "`{}` and `{}` both become the variant `{}`: rename one",
                    first.method, h.method, h.variant
                )
            } else {
                format!(
                    "there is already a {} handler: `{}`",
                    h.kind.attr_name(),
                    first.method
                )
            };
            errors.at(&h.method, what);
        }
        let name = h.method.to_string();
        if matches!(h.kind, Kind::Call | Kind::Cast) && HANDLE_METHODS.contains(&name.as_str()) {
            errors.at(
                &h.method,
                format_args!(
                    "`{name}` collides with the generated `{server}Ref::{name}`: rename the handler"
                ),
            );
        }
    }
    for m in handlers.iter().map(|h| &h.method).chain(others) {
        let name = m.to_string();
        if SERVER_FNS.contains(&name.as_str()) {
            errors.at(
                m,
                format_args!(
                    "`{name}` collides with the generated `{server}::{name}`: rename this method"
                ),
            );
        }
    }
}

/// `&mut Ctx<…>` (any path ending in `Ctx`).
fn is_ctx(ty: &Type) -> bool {
    match ty {
        Type::Reference(r) if r.mutability.is_some() => last_ident_is(&r.elem, "Ctx"),
        _ => false,
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

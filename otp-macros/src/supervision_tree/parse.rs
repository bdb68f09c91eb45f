//! Reads a `supervision_tree!` into a model of its supervisors and children, checking every
//! rule on the way. Syntax errors stop at the first; the rules checked after parsing (ids,
//! significant children, dynamic supervisors) are all collected.

use std::collections::HashMap;

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, Expr, Ident, LitInt, LitStr, Token, Visibility};

use crate::errors::Errors;

mod kw {
    syn::custom_keyword!(worker);
    syn::custom_keyword!(supervisor);
    syn::custom_keyword!(service);
    syn::custom_keyword!(pool);
    syn::custom_keyword!(start);
    syn::custom_keyword!(per);
    syn::custom_keyword!(intensity);
    syn::custom_keyword!(auto_shutdown);
}

/// The whole input: an optional `crate = path;`, then one or more supervisor declarations.
pub(crate) struct Input {
    pub(crate) krate: syn::Path,
    pub(crate) trees: Vec<Tree>,
}

/// `/// docs  pub Name(params): strategy, settings { children }`.
pub(crate) struct Tree {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) ident: Ident,
    /// The run-time parameters, `(size: usize, addr: SocketAddr)`: arguments of `spec`,
    /// `start`, `start_link` and `child_spec`, in scope in every expression of the tree.
    pub(crate) params: Vec<Param>,
    pub(crate) body: Body,
}

/// One parameter of a tree: `name: Type`.
pub(crate) struct Param {
    pub(crate) ident: Ident,
    pub(crate) ty: syn::Type,
}

/// A supervisor's flags and children: a declaration's, or a nested tree's inline.
pub(crate) struct Body {
    pub(crate) strategy: Strategy,
    pub(crate) intensity: Option<(Intensity, Duration)>,
    pub(crate) auto_shutdown: Option<Ident>,
    pub(crate) name: Option<LitStr>,
    pub(crate) children: Vec<Child>,
    /// The braces, for errors about the children as a whole.
    pub(crate) brace_span: Span,
}

/// The `N` of `intensity N per DURATION`.
pub(crate) enum Intensity {
    /// A literal, checked to fit a `u32`.
    Literal(u32),
    /// An expression of the tree's parameters (a `u32`), as in `intensity config.restarts per 5s`.
    Expr(Expr),
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Strategy {
    OneForOne,
    OneForAll,
    RestForOne,
    Dynamic,
}

const STRATEGIES: &[(&str, Strategy)] = &[
    ("one_for_one", Strategy::OneForOne),
    ("one_for_all", Strategy::OneForAll),
    ("rest_for_one", Strategy::RestForOne),
    ("dynamic", Strategy::Dynamic),
];

const AUTO_SHUTDOWNS: &[&str] = &["never", "any_significant", "all_significant"];
const RESTARTS: &[&str] = &["permanent", "transient", "temporary"];

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Worker,
    Supervisor,
    /// `service ID => FN`: an async function given a stop signal (`ChildSpec::service`).
    Service,
}

pub(crate) struct Child {
    pub(crate) kind: Kind,
    pub(crate) kind_span: Span,
    pub(crate) id: String,
    pub(crate) id_span: Span,
    pub(crate) start: Start,
    pub(crate) restart: Option<Ident>,
    pub(crate) shutdown: Option<ShutdownSetting>,
    pub(crate) significant: Option<(bool, Span)>,
    pub(crate) name: Option<Expr>,
    /// For `pool ID * COUNT` and `pool ID for I in ITER`: the workers it stands for.
    pub(crate) pool: Option<Pool>,
}

/// How many workers a pool starts, and what tells them apart.
pub(crate) enum Pool {
    /// `* COUNT`: indexes 1 to COUNT.
    Times(Expr),
    /// `for I in ITER`: one worker per item, bound to `I` in the start expression.
    For(Ident, Expr),
}

pub(crate) enum Start {
    /// A value: a gen_server (workers), a `SupervisorSpec` (supervisors), the service's
    /// function (services), or for a dynamic supervisor a closure from the argument to one
    /// of those.
    Value(Expr),
    /// `start <expr>`: a future giving the started process (or for a dynamic supervisor, a
    /// closure from the argument to such a future).
    Future(Expr),
    /// A supervisor declared by another `supervision_tree!` (a path to its type).
    Declared(syn::Path),
    /// A nested supervisor written inline.
    Inline(Box<Body>),
}

pub(crate) enum ShutdownSetting {
    BrutalKill,
    Infinity,
    After(Duration),
}

/// A duration literal, in nanoseconds.
#[derive(Clone, Copy)]
pub(crate) struct Duration {
    pub(crate) nanos: u64,
    pub(crate) span: Span,
}

fn one_of(list: &[&str]) -> String {
    list.iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Parse for Input {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut krate = None;
        if input.peek(Token![crate]) && input.peek2(Token![=]) {
            input.parse::<Token![crate]>()?;
            input.parse::<Token![=]>()?;
            krate = Some(input.parse::<syn::Path>()?);
            input.parse::<Token![;]>()?;
        }
        let mut trees = Vec::new();
        while !input.is_empty() {
            trees.push(input.parse()?);
        }
        if trees.is_empty() {
            return Err(syn::Error::new(
                Span::call_site(),
                "declare at least one supervisor, as in `pub MySup: one_for_one { worker \"id\" => Server::new(); }`",
            ));
        }
        Ok(Input {
            krate: krate.unwrap_or_else(|| syn::parse_quote!(::otp_runtime)),
            trees,
        })
    }
}

impl Parse for Tree {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        let ident: Ident = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected the supervisor's type name, as in `pub MySup: one_for_one { .. }`",
            )
        })?;
        let params = if input.peek(syn::token::Paren) {
            parse_params(input)?
        } else {
            Vec::new()
        };
        input.parse::<Token![:]>().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected `:` and the strategy, as in `pub MySup: one_for_one { .. }`, or the parameters, as in `pub Pool(size: usize): one_for_one { .. }`",
            )
        })?;
        let body = parse_body(input)?;
        Ok(Tree {
            attrs,
            vis,
            ident,
            params,
            body,
        })
    }
}

/// `(name: Type, ...)`: a tree's run-time parameters.
fn parse_params(input: ParseStream) -> syn::Result<Vec<Param>> {
    const HELP: &str =
        "a parameter is a name and its type, as in `Pool(size: usize, addr: std::net::SocketAddr)`";
    let content;
    syn::parenthesized!(content in input);
    let mut params: Vec<Param> = Vec::new();
    while !content.is_empty() {
        let ident: Ident = content
            .parse()
            .map_err(|e| syn::Error::new(e.span(), HELP))?;
        if !content.peek(Token![:]) {
            return Err(syn::Error::new(
                ident.span(),
                format!("the parameter `{ident}` needs its type, as in `{ident}: usize`"),
            ));
        }
        content.parse::<Token![:]>()?;
        let ty: syn::Type = content.parse()?;
        if params.iter().any(|p| p.ident == ident) {
            return Err(syn::Error::new(
                ident.span(),
                format!("the parameter `{ident}` is declared twice"),
            ));
        }
        params.push(Param { ident, ty });
        if content.is_empty() {
            break;
        }
        content
            .parse::<Token![,]>()
            .map_err(|e| syn::Error::new(e.span(), HELP))?;
    }
    Ok(params)
}

/// `strategy (, setting)* { children }`.
fn parse_body(input: ParseStream) -> syn::Result<Body> {
    let strategy_ident: Ident = input.parse().map_err(|e| {
        syn::Error::new(
            e.span(),
            format!("expected a strategy: one of {}", one_of(&names(STRATEGIES))),
        )
    })?;
    let strategy = STRATEGIES
        .iter()
        .find(|(s, _)| strategy_ident == s)
        .map(|(_, s)| *s)
        .ok_or_else(|| {
            let hint = if strategy_ident == "simple_one_for_one" {
                " (OTP's `simple_one_for_one` is `dynamic`)"
            } else {
                ""
            };
            syn::Error::new(
                strategy_ident.span(),
                format!(
                    "unknown strategy `{strategy_ident}`: expected one of {}{hint}",
                    one_of(&names(STRATEGIES))
                ),
            )
        })?;
    let mut body = Body {
        strategy,
        intensity: None,
        auto_shutdown: None,
        name: None,
        children: Vec::new(),
        brace_span: Span::call_site(),
    };
    while input.peek(Token![,]) {
        input.parse::<Token![,]>()?;
        if input.peek(syn::token::Brace) {
            break;
        }
        let key: Ident = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected a setting: `intensity`, `auto_shutdown` or `name`",
            )
        })?;
        let twice = || syn::Error::new(key.span(), format!("`{key}` is given twice"));
        if key == "intensity" {
            // `intensity 5 per 1s` (a colon is tolerated), or `intensity EXPR per 1s` with an
            // expression of the tree's parameters.
            let _: Option<Token![:]> = input.parse()?;
            let n = if input.peek(LitInt) {
                Intensity::Literal(input.parse::<LitInt>()?.base10_parse::<u32>()?)
            } else {
                Intensity::Expr(input.parse().map_err(|e| {
                    syn::Error::new(
                        e.span(),
                        "write `intensity N per DURATION`, e.g. `intensity 5 per 10s`",
                    )
                })?)
            };
            input.parse::<kw::per>().map_err(|e| {
                syn::Error::new(
                    e.span(),
                    "write `intensity N per DURATION`, e.g. `intensity 5 per 10s`",
                )
            })?;
            let period = parse_duration(input)?;
            if period.nanos == 0 {
                return Err(syn::Error::new(
                    period.span,
                    "the restart period must be greater than zero, as in `intensity 5 per 10s`",
                ));
            }
            if body.intensity.replace((n, period)).is_some() {
                return Err(twice());
            }
        } else if key == "auto_shutdown" {
            input.parse::<Token![:]>()?;
            let v: Ident = input.parse().map_err(|e| {
                syn::Error::new(
                    e.span(),
                    format!("expected one of {}", one_of(AUTO_SHUTDOWNS)),
                )
            })?;
            if !AUTO_SHUTDOWNS.iter().any(|a| v == a) {
                return Err(syn::Error::new(
                    v.span(),
                    format!(
                        "unknown auto_shutdown `{v}`: expected one of {}",
                        one_of(AUTO_SHUTDOWNS)
                    ),
                ));
            }
            if strategy == Strategy::Dynamic {
                return Err(syn::Error::new(
                    key.span(),
                    "a dynamic supervisor cannot have an auto_shutdown, as its children cannot be significant: remove it",
                ));
            }
            if body.auto_shutdown.replace(v).is_some() {
                return Err(twice());
            }
        } else if key == "name" {
            input.parse::<Token![:]>()?;
            let v: LitStr = input.parse()?;
            if body.name.replace(v).is_some() {
                return Err(twice());
            }
        } else {
            return Err(syn::Error::new(
                key.span(),
                format!(
                    "unknown supervisor setting `{key}`: expected one of `intensity`, `auto_shutdown`, `name`"
                ),
            ));
        }
    }
    if !input.peek(syn::token::Brace) {
        return Err(input.error(
            "expected the children in `{ .. }`, or `,` and a setting: `intensity`, `auto_shutdown` or `name`",
        ));
    }
    let content;
    let brace = syn::braced!(content in input);
    body.brace_span = brace.span.join();
    while !content.is_empty() {
        body.children.push(parse_child(&content)?);
        if content.is_empty() {
            break;
        }
        content.parse::<Token![;]>().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected `;` after a child, or `,` and a child setting: `restart`, `shutdown`, `significant` or `name`",
            )
        })?;
    }
    Ok(body)
}

fn names<T>(list: &[(&'static str, T)]) -> Vec<&'static str> {
    list.iter().map(|(n, _)| *n).collect()
}

/// `worker|supervisor|service ID => START (, key: value)*`, or
/// `pool ID (* COUNT | for I in ITER) => START (, key: value)*`.
fn parse_child(input: ParseStream) -> syn::Result<Child> {
    let is_pool = input.peek(kw::pool);
    let (kind, kind_span) = if is_pool {
        (Kind::Worker, input.parse::<kw::pool>()?.span)
    } else if input.peek(kw::worker) {
        (Kind::Worker, input.parse::<kw::worker>()?.span)
    } else if input.peek(kw::supervisor) {
        (Kind::Supervisor, input.parse::<kw::supervisor>()?.span)
    } else if input.peek(kw::service) {
        (Kind::Service, input.parse::<kw::service>()?.span)
    } else {
        return Err(input.error(
            "expected a child: `worker \"id\" => ..`, `supervisor \"id\" => ..`, `service \"id\" => ..` or `pool \"id\" * N => ..`",
        ));
    };
    let (id, id_span) = if input.peek(LitStr) {
        let s: LitStr = input.parse()?;
        (s.value(), s.span())
    } else if input.peek(Ident) {
        let i: Ident = input.parse()?;
        (syn::ext::IdentExt::unraw(&i).to_string(), i.span())
    } else {
        return Err(
            input.error("expected the child's id: a string (`\"cache\"`) or a name (`cache`)")
        );
    };
    let pool = if is_pool {
        Some(parse_pool(input, &id)?)
    } else {
        None
    };
    input.parse::<Token![=>]>().map_err(|e| {
        syn::Error::new(
            e.span(),
            if is_pool {
                "expected `=>` after the pool's size, as in `pool \"worker\" * size => Worker::new()`"
            } else {
                "expected `=>` after the child's id, as in `worker \"id\" => Server::new()`"
            },
        )
    })?;
    let start = parse_start(input, kind)?;
    let mut child = Child {
        kind,
        kind_span,
        id,
        id_span,
        start,
        restart: None,
        shutdown: None,
        significant: None,
        name: None,
        pool,
    };
    while input.peek(Token![,]) {
        input.parse::<Token![,]>()?;
        if input.is_empty() || input.peek(Token![;]) {
            break;
        }
        let key: Ident = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected a child setting: `restart`, `shutdown`, `significant` or `name`",
            )
        })?;
        let twice = || syn::Error::new(key.span(), format!("`{key}` is given twice"));
        if key == "restart" {
            input.parse::<Token![:]>()?;
            let v: Ident = input.parse().map_err(|e| {
                syn::Error::new(e.span(), format!("expected one of {}", one_of(RESTARTS)))
            })?;
            if !RESTARTS.iter().any(|r| v == r) {
                return Err(syn::Error::new(
                    v.span(),
                    format!(
                        "unknown restart type `{v}`: expected one of {}",
                        one_of(RESTARTS)
                    ),
                ));
            }
            if child.restart.replace(v).is_some() {
                return Err(twice());
            }
        } else if key == "shutdown" {
            input.parse::<Token![:]>()?;
            let setting = if input.peek(Ident) {
                let v: Ident = input.parse()?;
                if v == "brutal_kill" {
                    ShutdownSetting::BrutalKill
                } else if v == "infinity" {
                    ShutdownSetting::Infinity
                } else {
                    return Err(syn::Error::new(
                        v.span(),
                        format!("unknown shutdown `{v}`: expected `brutal_kill`, `infinity` or a duration such as `500ms`"),
                    ));
                }
            } else {
                let d = parse_duration(input)?;
                if d.nanos == 0 {
                    return Err(syn::Error::new(
                        d.span,
                        "a shutdown time must be greater than zero: write `brutal_kill` to kill at once",
                    ));
                }
                ShutdownSetting::After(d)
            };
            if child.shutdown.replace(setting).is_some() {
                return Err(twice());
            }
        } else if key == "significant" {
            let v = if input.peek(Token![:]) {
                input.parse::<Token![:]>()?;
                input.parse::<syn::LitBool>()?.value
            } else {
                true
            };
            if child.significant.replace((v, key.span())).is_some() {
                return Err(twice());
            }
        } else if key == "name" {
            input.parse::<Token![:]>()?;
            let v: Expr = input.parse()?;
            if child.name.replace(v).is_some() {
                return Err(twice());
            }
        } else {
            return Err(syn::Error::new(
                key.span(),
                format!(
                    "unknown child setting `{key}`: expected one of `restart`, `shutdown`, `significant`, `name`"
                ),
            ));
        }
    }
    Ok(child)
}

/// `* COUNT` or `for I in ITER`, after a pool's id.
fn parse_pool(input: ParseStream, id: &str) -> syn::Result<Pool> {
    if input.peek(Token![*]) {
        input.parse::<Token![*]>()?;
        return Ok(Pool::Times(input.parse()?));
    }
    if input.peek(Token![for]) {
        input.parse::<Token![for]>()?;
        let item: Ident = input.parse()?;
        input.parse::<Token![in]>()?;
        return Ok(Pool::For(item, input.parse()?));
    }
    Err(input.error(format!(
        "expected the pool's size, as in `pool \"{id}\" * 4 => ..` (ids `{id}1` to `{id}4`), or `pool \"{id}\" for i in ITER => ..` (one worker per item, ids `{id}` followed by the item)"
    )))
}

fn parse_start(input: ParseStream, kind: Kind) -> syn::Result<Start> {
    if kind == Kind::Service {
        if input.peek(kw::start) && !input.peek2(syn::token::Paren) {
            return Err(input.error(
                "a service is given its function, not a start expression: write `service \"http\" => serve_http`, where `serve_http` takes the `StopSignal`",
            ));
        }
        return Ok(Start::Value(input.parse()?));
    }
    // `start EXPR`; not `start(..)`, a call to the user's own function named `start`.
    if input.peek(kw::start)
        && !input.peek2(Token![,])
        && !input.peek2(Token![;])
        && !input.peek2(syn::token::Paren)
    {
        input.parse::<kw::start>()?;
        return Ok(Start::Future(input.parse()?));
    }
    if kind == Kind::Supervisor && input.peek(Ident) {
        // An inline supervisor: `strategy {`, `strategy, ..` or, with a misspelt strategy
        // (reported as such by `parse_body`), `word {` or `word, intensity|auto_shutdown ..`.
        let fork = input.fork();
        let ident: Ident = fork.parse()?;
        let inline = if fork.peek(syn::token::Brace) {
            true
        } else if fork.peek(Token![,]) {
            fork.parse::<Token![,]>()?;
            STRATEGIES.iter().any(|(s, _)| ident == s)
                || fork.peek(kw::intensity)
                || fork.peek(kw::auto_shutdown)
        } else {
            false
        };
        if inline {
            return Ok(Start::Inline(Box::new(parse_body(input)?)));
        }
    }
    let expr: Expr = input.parse()?;
    if kind == Kind::Supervisor {
        if let Expr::Path(p) = &expr {
            if p.qself.is_none() && p.attrs.is_empty() {
                return Ok(Start::Declared(p.path.clone()));
            }
        }
    }
    Ok(Start::Value(expr))
}

/// `500ms`, `5s`, `1.5s`, `2min`, `1h`.
fn parse_duration(input: ParseStream) -> syn::Result<Duration> {
    const HELP: &str = "expected a duration with a unit: `500ms`, `5s`, `1.5s`, `2min` or `1h`";
    const UNITS: &str = "write `500ms`, `5s`, `1.5s`, `2min` or `1h`";
    let lit: syn::Lit = input.parse().map_err(|e| syn::Error::new(e.span(), HELP))?;
    let (digits, suffix, span) = match &lit {
        syn::Lit::Int(i) => (
            i.base10_digits().to_string(),
            i.suffix().to_string(),
            i.span(),
        ),
        syn::Lit::Float(f) => (
            f.base10_digits().to_string(),
            f.suffix().to_string(),
            f.span(),
        ),
        syn::Lit::Str(s) => {
            return Err(syn::Error::new(
                s.span(),
                format!("a duration is written without quotes: {UNITS}"),
            ))
        }
        other => return Err(syn::Error::new(other.span(), HELP)),
    };
    let unit: f64 = match suffix.as_str() {
        "ms" => 1e6,
        "s" => 1e9,
        "min" => 60e9,
        "h" => 3600e9,
        "" => {
            return Err(syn::Error::new(
                span,
                format!("this duration has no unit: {UNITS}"),
            ))
        }
        other => {
            return Err(syn::Error::new(
                span,
                format!("unknown unit `{other}`: expected `ms`, `s`, `min` or `h`, as in `500ms`, `5s`, `1.5s`, `2min`, `1h`"),
            ))
        }
    };
    let value: f64 = digits.parse().map_err(|_| syn::Error::new(span, HELP))?;
    let nanos = value * unit;
    if !(0.0..1.8e19).contains(&nanos) {
        return Err(syn::Error::new(span, "this duration is too long"));
    }
    Ok(Duration {
        nanos: nanos.round() as u64,
        span,
    })
}

/// The rules that need the whole tree: unique ids, significant children, the shape of a
/// dynamic supervisor.
pub(crate) fn check(body: &Body, errors: &mut Errors) {
    if body.strategy == Strategy::Dynamic && body.children.is_empty() {
        errors.push(syn::Error::new(
            body.brace_span,
            "a dynamic supervisor needs its child template, as in `{ worker \"session\" => |user: String| Session::new(user); }`",
        ));
    }
    if body.strategy == Strategy::Dynamic && body.children.len() > 1 {
        errors.push(syn::Error::new(
            body.children[1].kind_span,
            format!(
                "a dynamic supervisor has exactly one child template, found {}: for several kinds of children, nest one dynamic supervisor per kind",
                body.children.len()
            ),
        ));
    }
    let mut seen: HashMap<&str, Span> = HashMap::new();
    for child in &body.children {
        if seen.insert(&child.id, child.id_span).is_some() {
            errors.push(syn::Error::new(
                child.id_span,
                format!(
                    "duplicate child id `{}`: ids must be unique within a supervisor",
                    child.id
                ),
            ));
        }
        if let Some((true, span)) = child.significant {
            if body.strategy == Strategy::Dynamic {
                errors.push(syn::Error::new(
                    span,
                    "a dynamic supervisor's children cannot be significant: remove `significant`",
                ));
            } else if let Some(r) = child.restart.as_ref().filter(|r| *r == "permanent") {
                errors.push(syn::Error::new(
                    r.span(),
                    "a significant child cannot be permanent: make it `transient` or `temporary`",
                ));
            } else if child.restart.is_none() {
                errors.push(syn::Error::new(
                    span,
                    "a significant child cannot be permanent, the default: add `restart: transient` or `restart: temporary`",
                ));
            } else if body.auto_shutdown.as_ref().is_none_or(|a| a == "never") {
                errors.push(syn::Error::new(
                    span,
                    "a significant child needs its supervisor's `auto_shutdown: any_significant` or `all_significant`",
                ));
            }
        }
        if child.pool.is_some() {
            check_pool(body, child, errors);
            if body.strategy == Strategy::Dynamic {
                continue;
            }
        }
        if body.strategy == Strategy::Dynamic && child.kind == Kind::Service {
            errors.push(syn::Error::new(
                child.kind_span,
                "a dynamic supervisor's template cannot be a service: put the service in a static supervisor (`one_for_one`, ...)",
            ));
            continue;
        }
        if body.strategy == Strategy::Dynamic {
            if let Some(name) = &child.name {
                errors.at(
                    name,
                    "a dynamic supervisor's children cannot be named, as there may be many of them: remove `name`",
                );
            }
            const TEMPLATE: &str = "a dynamic supervisor's child template is a closure of one typed argument, as in `|user: String| Session::new(user)`";
            match &child.start {
                Start::Value(Expr::Closure(c)) | Start::Future(Expr::Closure(c)) => {
                    if closure_arg(c).is_none() {
                        let (or1, inputs, or2) = (&c.or1_token, &c.inputs, &c.or2_token);
                        errors.at(quote::quote!(#or1 #inputs #or2), TEMPLATE);
                    }
                }
                Start::Value(e) | Start::Future(e) => errors.at(e, TEMPLATE),
                Start::Declared(p) => errors.at(p, TEMPLATE),
                Start::Inline(_) => errors.push(syn::Error::new(child.id_span, TEMPLATE)),
            }
        }
        if let Start::Inline(nested) = &child.start {
            check(nested, errors);
        }
    }
}

/// A pool stands for workers of a static supervisor (a dynamic supervisor starts its own
/// on demand); its `name`, if any, is a string, the prefix of each worker's registered name.
fn check_pool(body: &Body, child: &Child, errors: &mut Errors) {
    if body.strategy == Strategy::Dynamic {
        errors.push(syn::Error::new(
            child.kind_span,
            "a dynamic supervisor starts its children on demand: a pool belongs in a static supervisor (`one_for_one`, ...); start N children with `start_child`",
        ));
    }
    if let Some(name) = &child.name {
        if !matches!(
            name,
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(_),
                ..
            })
        ) {
            errors.at(
                name,
                format!(
                    "a pool's name is a string, the prefix of its workers' names: `name: \"{}\"` registers `{}1`, `{}2`, ...",
                    child.id, child.id, child.id
                ),
            );
        }
    }
}

/// The type of a child template's one argument.
pub(crate) fn closure_arg(c: &syn::ExprClosure) -> Option<&syn::Type> {
    if c.inputs.len() != 1 {
        return None;
    }
    match &c.inputs[0] {
        syn::Pat::Type(t) => Some(&t.ty),
        _ => None,
    }
}

//! `#[derive(ToTerm)]` and `#[derive(FromTerm)]`: a struct or an enum as an Erlang term.
//!
//! Input:
//! ```text
//! #[derive(ToTerm, FromTerm)]
//! enum Request { Ping, Lookup(String), Put { key: String } }
//! ```
//! Output (paths shortened; `derived` is `otp_runtime::dist::mapping::derived`):
//! ```text
//! impl ToTerm for Request {
//!     fn to_term(&self) -> Term {
//!         match self {
//!             Self::Ping => derived::atom("ping"),
//!             Self::Lookup(f0) => Term::Tuple(vec![derived::atom("lookup"), f0.to_term()]),
//!             Self::Put { key: f0 } => Term::Tuple(vec![derived::atom("put"),
//!                 Term::Map(vec![(derived::atom("key"), f0.to_term())])]),
//!         }
//!     }
//! }
//! impl FromTerm for Request {
//!     fn from_term(term: Term) -> Result<Self, FromTermError> {
//!         match derived::split_variant(term) {
//!             Variant::Unit(tag) => match tag.as_str() { "ping" => Ok(Self::Ping {}), .. },
//!             Variant::Tagged(tag, fields) => match tag.as_str() {
//!                 "lookup" => { let [f0] = derived::variant_fields(..)?; Ok(Self::Lookup { 0: .. }) }
//!                 ..
//!             },
//!             other => Err(derived::no_variant::<Self>("one of ping, {lookup, _} or {put, _}", other)),
//!         }
//!     }
//! }
//! ```
//! The shapes and their errors are functions of `derived`, so little code is generated.

mod expand;

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Generics, Ident, LitStr, Member, Type};

use crate::errors::Errors;
use crate::names::camel_to_snake;

/// Which trait is derived.
#[derive(Clone, Copy)]
pub(crate) enum Derive {
    ToTerm,
    FromTerm,
}

pub(crate) fn derive(which: Derive, input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(e) => return e.to_compile_error(),
    };
    let mut errors = Errors::default();
    let model = Model::parse(&input, &mut errors);
    match model {
        Some(model) if errors.is_empty() => expand::expand(which, &model),
        _ => errors.into_compile_errors(),
    }
}

/// What a derive needs to know of the type.
pub(crate) struct Model<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) generics: &'a Generics,
    pub(crate) krate: syn::Path,
    pub(crate) body: Body<'a>,
}

/// How the type maps.
pub(crate) enum Body<'a> {
    /// A struct with named fields: a map with atom keys (with `__struct__` for an Elixir
    /// struct).
    Map {
        fields: Vec<Field<'a>>,
        elixir_struct: Option<String>,
    },
    /// A tuple struct, or any struct as a record (`tag` is then its first element).
    Tuple {
        fields: Vec<Field<'a>>,
        tag: Option<String>,
    },
    /// A newtype: its field's term.
    Transparent(Field<'a>),
    /// A unit struct: an atom.
    Unit(String),
    /// An enum.
    Enum(Vec<Variant<'a>>),
}

pub(crate) struct Field<'a> {
    pub(crate) member: Member,
    /// The map key (or the record field's name, for paths in errors); `None` for a tuple's
    /// element.
    pub(crate) key: Option<String>,
    pub(crate) ty: &'a Type,
}

pub(crate) struct Variant<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) tag: String,
    pub(crate) style: VariantStyle,
    pub(crate) fields: Vec<Field<'a>>,
}

#[derive(PartialEq, Eq, Clone, Copy)]
pub(crate) enum VariantStyle {
    /// `tag`; also a variant with no fields in parentheses or braces.
    Unit,
    /// `{tag, A, B}`.
    Tuple,
    /// `{tag, #{field => ...}}`.
    Struct,
}

/// The settings of one `#[term(...)]` place.
#[derive(Default)]
struct Settings {
    krate: Option<syn::Path>,
    record: Option<Ident>,
    elixir_struct: Option<LitStr>,
    rename: Option<LitStr>,
}

/// Where a `#[term(...)]` is: each place takes its own settings.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Struct,
    Enum,
    Variant,
    Field,
}

impl Place {
    fn allowed(self) -> &'static str {
        match self {
            Place::Struct => {
                "`record`, `elixir_struct = \"Elixir.Module\"`, `rename = \"name\"` and \
                 `crate = path`"
            }
            Place::Enum => "`crate = path` (rename the variants instead)",
            Place::Variant | Place::Field => "`rename = \"name\"`",
        }
    }

    fn what(self) -> &'static str {
        match self {
            Place::Struct => "a struct",
            Place::Enum => "an enum",
            Place::Variant => "a variant",
            Place::Field => "a field",
        }
    }
}

/// Reads every `#[term(...)]` of `attrs`, reporting misuse for `place`.
fn settings(attrs: &[syn::Attribute], place: Place, errors: &mut Errors) -> Settings {
    let mut s = Settings::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("term")) {
        let result = attr.parse_nested_meta(|meta| {
            let key = meta.path.get_ident().map(|i| i.unraw().to_string());
            let twice = |what: &str| meta.error(format!("`{what}` is given twice"));
            match key.as_deref() {
                Some("crate") if matches!(place, Place::Struct | Place::Enum) => {
                    let path = parse_crate(&meta)?;
                    if s.krate.replace(path).is_some() {
                        return Err(twice("crate"));
                    }
                }
                Some("record") if place == Place::Struct => {
                    if meta.input.peek(syn::Token![=]) {
                        return Err(meta.error("write `record` alone: the tag is the struct's name in snake_case, or its `rename`"));
                    }
                    let ident = meta.path.get_ident().cloned();
                    if s.record.is_some() {
                        return Err(twice("record"));
                    }
                    s.record = ident;
                }
                Some("record") if place == Place::Enum => {
                    return Err(meta.error(
                        "`record` is for structs: an enum's variants are atoms and tagged \
                         tuples already (`{variant, A, B}`)",
                    ));
                }
                Some("elixir_struct") if place == Place::Struct => {
                    let lit: LitStr = meta.value()?.parse()?;
                    if !lit.value().starts_with("Elixir.") || lit.value().len() <= 7 {
                        return Err(syn::Error::new_spanned(
                            &lit,
                            "write the module's full atom: e.g. `elixir_struct = \"Elixir.MyApp.User\"`",
                        ));
                    }
                    atom_name(&lit)?;
                    if s.elixir_struct.replace(lit).is_some() {
                        return Err(twice("elixir_struct"));
                    }
                }
                Some("rename") if place != Place::Enum => {
                    let lit: LitStr = meta.value()?.parse()?;
                    atom_name(&lit)?;
                    if s.rename.replace(lit).is_some() {
                        return Err(twice("rename"));
                    }
                }
                _ => {
                    return Err(meta.error(format!(
                        "unknown #[term] setting `{}` on {}: it takes {}",
                        meta.path.to_token_stream().to_string().replace(' ', ""),
                        place.what(),
                        place.allowed()
                    )));
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            errors.push(e);
        }
    }
    s
}

/// `crate = path`, as the other macros of this crate take it.
fn parse_crate(meta: &syn::meta::ParseNestedMeta) -> syn::Result<syn::Path> {
    let msg = "write `crate = path`, the path of otp_runtime: e.g. `crate = ::my_otp` if you \
               renamed it";
    if !meta.input.peek(syn::Token![=]) {
        return Err(meta.error(msg));
    }
    let value = meta.value()?;
    match value.parse::<syn::Expr>()? {
        syn::Expr::Path(p) if p.qself.is_none() => Ok(p.path),
        other => Err(syn::Error::new_spanned(other, msg)),
    }
}

/// The atom a `rename` (or `elixir_struct`) names: not empty, at most 255 characters.
fn atom_name(lit: &LitStr) -> syn::Result<String> {
    let name = lit.value();
    if name.is_empty() {
        return Err(syn::Error::new_spanned(
            lit,
            "an empty name: give the atom at least one character",
        ));
    }
    check_length(&name, lit.span())?;
    Ok(name)
}

fn check_length(name: &str, span: Span) -> syn::Result<()> {
    if name.chars().count() > 255 {
        return Err(syn::Error::new(
            span,
            "an atom has at most 255 characters (Erlang's limit)",
        ));
    }
    Ok(())
}

impl<'a> Model<'a> {
    fn parse(input: &'a DeriveInput, errors: &mut Errors) -> Option<Model<'a>> {
        let place = match input.data {
            Data::Enum(_) => Place::Enum,
            _ => Place::Struct,
        };
        let s = settings(&input.attrs, place, errors);
        let krate = s
            .krate
            .clone()
            .unwrap_or_else(|| syn::parse_quote!(::otp_runtime));
        let own_name = || match &s.rename {
            Some(lit) => lit.value(),
            None => camel_to_snake(&input.ident.unraw().to_string()),
        };
        let body = match &input.data {
            Data::Union(u) => {
                errors.at(
                    u.union_token,
                    "a union cannot be mapped to a term: which of its fields holds the value \
                     is not known; use an enum",
                );
                return None;
            }
            Data::Enum(e) => Body::Enum(variants(e, errors)),
            Data::Struct(st) => {
                let fields = fields(&st.fields, errors);
                let check_unique = |errors: &mut Errors, reserved: &[&str]| {
                    unique_keys(&st.fields, &fields, reserved, errors)
                };
                if let (Some(record), Some(elixir)) = (&s.record, &s.elixir_struct) {
                    errors.at(
                        elixir,
                        format!(
                            "`{record}` and `elixir_struct` are two different shapes: a tuple \
                             and a map; choose one"
                        ),
                    );
                }
                if s.record.is_some() {
                    check_unique(errors, &[]);
                    Body::Tuple {
                        fields,
                        tag: Some(own_name()),
                    }
                } else if let Some(elixir) = &s.elixir_struct {
                    if !matches!(st.fields, Fields::Named(_)) {
                        errors.at(
                            elixir,
                            "an Elixir struct has named fields: `elixir_struct` is for a struct \
                             with named fields",
                        );
                    }
                    check_unique(errors, &["__struct__"]);
                    Body::Map {
                        fields,
                        elixir_struct: Some(elixir.value()),
                    }
                } else {
                    let renamed = |errors: &mut Errors, shape: &str| {
                        if let Some(lit) = &s.rename {
                            errors.at(
                                lit,
                                format!(
                                    "`rename` on a struct names its record tag or its atom; this \
                                     struct is {shape}, so there is no name to rename{}",
                                    if shape == "a map" {
                                        " (rename its fields)"
                                    } else {
                                        " (add `record` for `{tag, ...}`)"
                                    }
                                ),
                            );
                        }
                    };
                    match &st.fields {
                        Fields::Named(_) => {
                            renamed(errors, "a map");
                            check_unique(errors, &[]);
                            Body::Map {
                                fields,
                                elixir_struct: None,
                            }
                        }
                        Fields::Unit => {
                            if let Err(e) = check_length(&own_name(), input.ident.span()) {
                                errors.push(e);
                            }
                            Body::Unit(own_name())
                        }
                        Fields::Unnamed(_) if fields.len() == 1 => {
                            renamed(errors, "a newtype (its field's term)");
                            Body::Transparent(fields.into_iter().next()?)
                        }
                        Fields::Unnamed(_) => {
                            renamed(errors, "a tuple");
                            Body::Tuple { fields, tag: None }
                        }
                    }
                }
            }
        };
        if let Body::Tuple { tag: Some(tag), .. } = &body {
            if s.rename.is_none() {
                if let Err(e) = check_length(tag, input.ident.span()) {
                    errors.push(e);
                }
            }
        }
        Some(Model {
            ident: &input.ident,
            generics: &input.generics,
            krate,
            body,
        })
    }
}

/// The fields, with their keys (named fields) and `rename`s.
fn fields<'a>(fields: &'a Fields, errors: &mut Errors) -> Vec<Field<'a>> {
    fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let s = settings(&f.attrs, Place::Field, errors);
            let key = match &f.ident {
                Some(ident) => Some(match &s.rename {
                    Some(lit) => lit.value(),
                    None => ident.unraw().to_string(),
                }),
                None => {
                    if let Some(lit) = &s.rename {
                        errors.at(
                            lit,
                            "a tuple's elements have no names: `rename` is for named fields",
                        );
                    }
                    None
                }
            };
            Field {
                member: match &f.ident {
                    Some(ident) => Member::Named(ident.clone()),
                    None => Member::Unnamed(syn::Index {
                        index: i as u32,
                        span: f.ty.span(),
                    }),
                },
                key,
                ty: &f.ty,
            }
        })
        .collect()
}

/// Two fields with one key (after `rename`) is an error at the second.
fn unique_keys(syn_fields: &Fields, fields: &[Field], reserved: &[&str], errors: &mut Errors) {
    let mut seen: Vec<&str> = reserved.to_vec();
    for (f, syn_field) in fields.iter().zip(syn_fields.iter()) {
        let Some(key) = &f.key else { continue };
        if seen.contains(&key.as_str()) {
            errors.at(
                syn_field,
                format!("two fields would have the key `{key}` in the term"),
            );
        } else {
            seen.push(key);
        }
    }
}

fn variants<'a>(data: &'a syn::DataEnum, errors: &mut Errors) -> Vec<Variant<'a>> {
    let mut out: Vec<Variant<'a>> = Vec::new();
    for v in &data.variants {
        let s = settings(&v.attrs, Place::Variant, errors);
        let tag = match &s.rename {
            Some(lit) => lit.value(),
            None => {
                let tag = camel_to_snake(&v.ident.unraw().to_string());
                if let Err(e) = check_length(&tag, v.ident.span()) {
                    errors.push(e);
                }
                tag
            }
        };
        let fields = fields(&v.fields, errors);
        let style = match &v.fields {
            _ if fields.is_empty() => VariantStyle::Unit,
            Fields::Named(_) => {
                unique_keys(&v.fields, &fields, &[], errors);
                VariantStyle::Struct
            }
            _ => VariantStyle::Tuple,
        };
        // An atom and a tagged tuple never collide; two atoms, or two tuples of one tag, do.
        let unit = style == VariantStyle::Unit;
        if let Some(other) = out
            .iter()
            .find(|o| o.tag == tag && (o.style == VariantStyle::Unit) == unit)
        {
            let at: &dyn ToTokens = match &s.rename {
                Some(lit) => lit,
                None => &v.ident,
            };
            errors.at(
                at,
                format!(
                    "`{}` and `{}` would both be {}: rename one",
                    other.ident,
                    v.ident,
                    if unit {
                        format!("the atom `{tag}`")
                    } else {
                        format!("tuples tagged `{tag}`")
                    }
                ),
            );
        }
        out.push(Variant {
            ident: &v.ident,
            tag,
            style,
            fields,
        });
    }
    out
}

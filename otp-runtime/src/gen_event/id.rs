//! Handler ids: which handler of a manager a request is for.
//!
//! OTP names a handler by its callback module, or by `{Module, Id}` when one manager runs
//! several handlers of one module. Here the module is the handler's Rust type, and the id an
//! optional string: [`HandlerId<H>`] is the typed form the API takes (it ties a request to
//! the handler type that answers it), [`AnyHandlerId`] the untyped form the manager reports
//! (in [`which_handlers`](super::EventManagerRef::which_handlers), errors and
//! [`HandlerExit`](super::HandlerExit)).

use std::any::TypeId;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::sync::Arc;

/// The typed id of a handler of type `H`: the type alone (OTP's `Module`), or the type and a
/// string (OTP's `{Module, Id}`), which tells several handlers of one type apart.
///
/// # Examples
///
/// ```
/// use otp_runtime::gen_event::{AnyHandlerId, HandlerId};
///
/// struct Console;
/// let plain = HandlerId::<Console>::new();
/// let second = HandlerId::<Console>::with_id("stderr");
/// assert_eq!(plain.id(), None);
/// assert_eq!(second.id(), Some("stderr"));
/// assert_ne!(plain, second);
/// let any: AnyHandlerId = second.into();
/// assert_eq!(any.to_string(), "Console:stderr");
/// ```
pub struct HandlerId<H> {
    id: Option<Arc<str>>,
    handler: PhantomData<fn() -> H>,
}

impl<H: 'static> HandlerId<H> {
    /// The id of the handler of type `H` added without an id.
    ///
    /// # Examples
    ///
    /// See [`HandlerId`].
    pub fn new() -> Self {
        HandlerId {
            id: None,
            handler: PhantomData,
        }
    }

    /// The id of a handler of type `H` added with the id `id` (OTP's `{Module, Id}`).
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::gen_event::HandlerId;
    /// struct Counter;
    /// assert_eq!(HandlerId::<Counter>::with_id(5).id(), Some("5"));
    /// ```
    pub fn with_id(id: impl fmt::Display) -> Self {
        HandlerId {
            id: Some(id.to_string().into()),
            handler: PhantomData,
        }
    }

    /// The string id, if the handler has one.
    ///
    /// # Examples
    ///
    /// See [`HandlerId`].
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The untyped form of this id.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::gen_event::HandlerId;
    /// struct Audit;
    /// let id = HandlerId::<Audit>::with_id("a");
    /// assert_eq!(id.any(), id);
    /// assert!(id.any().is::<Audit>());
    /// ```
    pub fn any(&self) -> AnyHandlerId {
        AnyHandlerId {
            type_id: TypeId::of::<H>(),
            type_name: std::any::type_name::<H>(),
            id: self.id.clone(),
        }
    }
}

impl<H: 'static> Default for HandlerId<H> {
    fn default() -> Self {
        HandlerId::new()
    }
}

impl<H> Clone for HandlerId<H> {
    fn clone(&self) -> Self {
        HandlerId {
            id: self.id.clone(),
            handler: PhantomData,
        }
    }
}

impl<H> PartialEq for HandlerId<H> {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl<H> Eq for HandlerId<H> {}

impl<H> Hash for HandlerId<H> {
    fn hash<S: Hasher>(&self, state: &mut S) {
        self.id.hash(state);
    }
}

impl<H: 'static> fmt::Debug for HandlerId<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HandlerId({})", self.any())
    }
}

impl<H: 'static> fmt::Display for HandlerId<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.any(), f)
    }
}

impl<H: 'static> From<HandlerId<H>> for AnyHandlerId {
    fn from(id: HandlerId<H>) -> Self {
        id.any()
    }
}

impl<H: 'static> From<&HandlerId<H>> for AnyHandlerId {
    fn from(id: &HandlerId<H>) -> Self {
        id.any()
    }
}

impl<H: 'static> PartialEq<HandlerId<H>> for AnyHandlerId {
    fn eq(&self, other: &HandlerId<H>) -> bool {
        self.type_id == TypeId::of::<H>() && self.id == other.id
    }
}

impl<H: 'static> PartialEq<AnyHandlerId> for HandlerId<H> {
    fn eq(&self, other: &AnyHandlerId) -> bool {
        other == self
    }
}

/// A handler's id with its type erased: what the manager reports. It prints as the handler
/// type's name without its module path, then `:` and the string id if there is one
/// (`ErrorLog`, `ErrorLog:a`).
///
/// Made from a [`HandlerId`]; compares equal to the `HandlerId` it was made from.
///
/// # Examples
///
/// ```
/// use otp_runtime::gen_event::{AnyHandlerId, HandlerId};
///
/// mod log { pub struct ErrorLog; }
/// let id = AnyHandlerId::from(HandlerId::<log::ErrorLog>::with_id("a"));
/// assert_eq!(id.to_string(), "ErrorLog:a");
/// assert!(id.type_name().ends_with("log::ErrorLog"));
/// assert_eq!(id.id(), Some("a"));
/// assert!(id.is::<log::ErrorLog>());
/// ```
#[derive(Clone)]
pub struct AnyHandlerId {
    type_id: TypeId,
    type_name: &'static str,
    id: Option<Arc<str>>,
}

impl AnyHandlerId {
    /// The handler type's full name, as [`std::any::type_name`] gives it.
    ///
    /// # Examples
    ///
    /// See [`AnyHandlerId`].
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }

    /// The string id, if the handler has one.
    ///
    /// # Examples
    ///
    /// See [`AnyHandlerId`].
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// Whether the handler is of type `H`.
    ///
    /// # Examples
    ///
    /// See [`AnyHandlerId`].
    pub fn is<H: 'static>(&self) -> bool {
        self.type_id == TypeId::of::<H>()
    }
}

impl PartialEq for AnyHandlerId {
    fn eq(&self, other: &Self) -> bool {
        self.type_id == other.type_id && self.id == other.id
    }
}

impl Eq for AnyHandlerId {}

impl Hash for AnyHandlerId {
    fn hash<S: Hasher>(&self, state: &mut S) {
        self.type_id.hash(state);
        self.id.hash(state);
    }
}

impl fmt::Display for AnyHandlerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&short_type_name(self.type_name))?;
        match &self.id {
            Some(id) => write!(f, ":{id}"),
            None => Ok(()),
        }
    }
}

impl fmt::Debug for AnyHandlerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A type name without module paths: `a::Log<b::Line>` is `Log<Line>`.
fn short_type_name(full: &str) -> String {
    let mut out = String::with_capacity(full.len());
    // Where the path being read starts in `out`: a `::` drops what came since.
    let mut path_start = 0;
    let mut rest = full;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("::") {
            out.truncate(path_start);
            rest = after;
            continue;
        }
        out.push(c);
        if !(c.is_alphanumeric() || c == '_') {
            path_start = out.len();
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_drop_module_paths() {
        assert_eq!(short_type_name("a::b::Log"), "Log");
        assert_eq!(short_type_name("Log"), "Log");
        assert_eq!(
            short_type_name("a::Log<b::Line, (c::X, u8)>"),
            "Log<Line, (X, u8)>"
        );
        assert_eq!(short_type_name("&a::B"), "&B");
    }

    #[test]
    fn ids_compare_by_type_and_string() {
        struct A;
        struct B;
        assert_eq!(HandlerId::<A>::new().any(), HandlerId::<A>::new().any());
        assert_ne!(HandlerId::<A>::new().any(), HandlerId::<B>::new().any());
        assert_ne!(
            HandlerId::<A>::new().any(),
            HandlerId::<A>::with_id("x").any()
        );
        assert_eq!(
            HandlerId::<A>::with_id("x").any(),
            HandlerId::<A>::with_id("x")
        );
        assert_ne!(
            HandlerId::<B>::with_id("x").any(),
            HandlerId::<A>::with_id("x")
        );
    }
}

//! Every name the macros generate, made in one place.

use proc_macro2::{Ident, Span};
use quote::format_ident;
use syn::ext::IdentExt;

/// `factorial_of` → `FactorialOf`; `r#type` → `Type`.
pub(crate) fn snake_to_camel(snake: &str) -> String {
    let snake = snake.strip_prefix("r#").unwrap_or(snake);
    let mut out = String::with_capacity(snake.len());
    let mut upper = true;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `NotFound` → `not_found`; `HTTPError` → `http_error`; `Utf8Error` → `utf8_error`;
/// `r#Type` → `type`: a Rust type or variant name as an Erlang atom.
pub(crate) fn camel_to_snake(camel: &str) -> String {
    let camel = camel.strip_prefix("r#").unwrap_or(camel);
    let chars: Vec<char> = camel.chars().collect();
    let mut out = String::with_capacity(camel.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let boundary =
                prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower);
            if boundary {
                out.push('_');
            }
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// The names generated for a server type `Foo`.
pub(crate) struct ServerNames {
    pub(crate) call: Ident,
    pub(crate) cast: Ident,
    pub(crate) info: Ident,
    pub(crate) reply: Ident,
    pub(crate) handle: Ident,
    /// A gen_statem's inserted events.
    pub(crate) internal: Ident,
    /// What a gen_statem's timeouts carry.
    pub(crate) timeout: Ident,
}

impl ServerNames {
    pub(crate) fn new(server: &Ident) -> Self {
        ServerNames {
            call: format_ident!("{}Call", server),
            cast: format_ident!("{}Cast", server),
            info: format_ident!("{}Info", server),
            reply: format_ident!("{}Reply", server),
            handle: format_ident!("{}Ref", server),
            internal: format_ident!("{}Internal", server),
            timeout: format_ident!("{}Timeout", server),
        }
    }
}

/// The variant generated for handler method `method`.
pub(crate) fn variant(method: &Ident) -> Ident {
    Ident::new(&snake_to_camel(&method.to_string()), method.span())
}

/// The handle method that sends `#[call]` `method` as an asynchronous request:
/// `send_<method>` (`factorial` → `send_factorial`, `r#type` → `send_type`).
pub(crate) fn send_request(method: &Ident) -> Ident {
    format_ident!("send_{}", method.unraw(), span = method.span())
}

/// An internal binding: `__otp_<name>`, invisible to user code (mixed-site hygiene).
pub(crate) fn private(name: &str) -> Ident {
    Ident::new(&format!("__otp_{name}"), Span::mixed_site())
}

/// Methods the generated client handle has besides the requests.
pub(crate) const HANDLE_METHODS: &[&str] = &[
    "named",
    "pid",
    "with_timeout",
    "timeout",
    "server",
    "stop",
    "wait_exit",
    "send",
    "clone",
];

/// Functions generated on the server type itself.
pub(crate) const SERVER_FNS: &[&str] = &[
    "start",
    "start_link",
    "start_named",
    "start_link_named",
    "start_with",
    "named",
];

/// Functions generated on a gen_server's type (not a gen_statem's) besides [`SERVER_FNS`].
pub(crate) const GEN_SERVER_FNS: &[&str] = &["start_monitor", "start_monitor_with"];

#[cfg(test)]
mod tests {
    use super::{camel_to_snake, snake_to_camel};

    #[test]
    fn snake_case() {
        assert_eq!(camel_to_snake("NotFound"), "not_found");
        assert_eq!(camel_to_snake("Ping"), "ping");
        assert_eq!(camel_to_snake("HTTPError"), "http_error");
        assert_eq!(camel_to_snake("IOError"), "io_error");
        assert_eq!(camel_to_snake("Utf8Error"), "utf8_error");
        assert_eq!(camel_to_snake("V2Thing"), "v2_thing");
        assert_eq!(camel_to_snake("ABC"), "abc");
        assert_eq!(camel_to_snake("Already_Snake"), "already_snake");
        assert_eq!(camel_to_snake("r#Type"), "type");
    }

    #[test]
    fn camel_case() {
        assert_eq!(snake_to_camel("factorial"), "Factorial");
        assert_eq!(snake_to_camel("get_or_insert"), "GetOrInsert");
        assert_eq!(snake_to_camel("r#type"), "Type");
        assert_eq!(snake_to_camel("_private"), "Private");
        assert_eq!(snake_to_camel("x2_y"), "X2Y");
    }
}

//! The message a server handled last, kept for its crash report in two bytes of its context:
//! the kind of message in the top four bits, the index of its variant (as `#[gen_server]`
//! numbers its enums' variants) in the twelve below. Recording it is one store of a constant
//! or of a discriminant per message; naming it happens only when a report is written.

use super::GenServer;

/// Which of a server's message types a variant index belongs to (see
/// [`GenServer::variant_name`]).
///
/// # Examples
///
/// ```
/// use otp_runtime::MessageKind;
/// assert_eq!(MessageKind::Call.as_str(), "call");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum MessageKind {
    /// A [`GenServer::Call`].
    Call,
    /// A [`GenServer::Cast`].
    Cast,
    /// A [`GenServer::Info`].
    Info,
    /// A [`GenServer::Continue`] (for a gen_statem: an inserted, postponed or zero-time
    /// event).
    Continue,
}

impl MessageKind {
    /// `"call"`, `"cast"`, `"info"` or `"continue"`.
    ///
    /// # Examples
    ///
    /// See [`MessageKind`].
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Call => "call",
            MessageKind::Cast => "cast",
            MessageKind::Info => "info",
            MessageKind::Continue => "continue",
        }
    }
}

/// Nothing handled yet.
pub(crate) const NONE: u16 = 0;
pub(crate) const CALL: u16 = 1 << 12;
pub(crate) const CAST: u16 = 2 << 12;
pub(crate) const INFO: u16 = 3 << 12;
pub(crate) const EXIT: u16 = 4 << 12;
pub(crate) const DOWN: u16 = 5 << 12;
pub(crate) const TIMEOUT: u16 = 6 << 12;
pub(crate) const STOP: u16 = 7 << 12;
pub(crate) const CONTINUE: u16 = 8 << 12;

/// The index a server gives a message whose variant it does not name (the default of
/// [`GenServer::call_variant`] and its siblings).
pub const NO_VARIANT: u16 = 0x0FFF;

/// `kind` with the variant `index` (which keeps its low twelve bits).
#[inline(always)]
pub(crate) fn record(kind: u16, index: u16) -> u16 {
    kind | (index & NO_VARIANT)
}

/// What a report says the server handled last: `call Get`, `a cast`, `an exit signal`.
pub(crate) fn describe<S: GenServer>(last: u16) -> Option<String> {
    let index = last & NO_VARIANT;
    let named = |kind: MessageKind, article: &str| match (index != NO_VARIANT)
        .then(|| S::variant_name(kind, index))
        .flatten()
    {
        Some(variant) => format!("{} {variant}", kind.as_str()),
        None => format!("{article} {}", kind.as_str()),
    };
    Some(match last & !NO_VARIANT {
        CALL => named(MessageKind::Call, "a"),
        CAST => named(MessageKind::Cast, "a"),
        INFO => named(MessageKind::Info, "an"),
        CONTINUE => match (index != NO_VARIANT)
            .then(|| S::variant_name(MessageKind::Continue, index))
            .flatten()
        {
            Some(what) => what.to_owned(),
            None => "handle_continue".to_owned(),
        },
        EXIT => "an exit signal (handle_info)".to_owned(),
        DOWN => "a monitor's DOWN (handle_info)".to_owned(),
        TIMEOUT => "the gen_server timeout (handle_info)".to_owned(),
        STOP => "a stop request".to_owned(),
        _ => return None,
    })
}

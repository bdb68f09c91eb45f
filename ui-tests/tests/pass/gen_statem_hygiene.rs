//! The `#[gen_statem]` expansion reaches everything through absolute paths and the
//! `crate = ..` argument: no prelude, and the runtime crate renamed (`otp_runtime` itself is
//! shadowed by `core`, so a generated `::otp_runtime::..` path would not resolve).
#![no_implicit_prelude]

extern crate core as otp_runtime;
extern crate otp_runtime as renamed_otp;
extern crate std;

// Local items named like what generated code must not pick up.
#[allow(dead_code)]
mod shadows {
    pub struct Result;
    pub struct Option;
    pub struct Some;
    pub struct String;
    pub struct Vec;
    pub struct Clone;
    pub struct Into;
    pub struct Transition;
    pub struct Event;
}
#[allow(unused_imports)]
use shadows::*;

#[derive(::core::clone::Clone, ::core::marker::Copy, ::core::cmp::PartialEq)]
pub enum Light {
    Red,
    Green,
}

pub struct Lamp<T> {
    seen: ::std::vec::Vec<T>,
}

#[renamed_otp::gen_statem(state = Light, crate = ::renamed_otp)]
impl<T> Lamp<T>
where
    T: ::core::clone::Clone + ::core::marker::Send + 'static,
{
    #[renamed_otp::init]
    fn init(&mut self) -> Light {
        Light::Red
    }

    #[renamed_otp::enter]
    fn entered(&mut self, ctx: &mut ::renamed_otp::EnterCtx<Self>) {
        let _ = ctx.pid();
    }

    #[renamed_otp::cast]
    pub fn switch(&mut self, seen: T, note: &str, state: &Light) -> ::renamed_otp::Transition<Light> {
        let _ = note;
        self.seen.push(seen);
        match state {
            Light::Red => ::renamed_otp::Transition::next(Light::Green),
            Light::Green => ::renamed_otp::Transition::next(Light::Red),
        }
    }

    #[renamed_otp::call]
    pub fn wait_green(&mut self, state: &Light) -> ::renamed_otp::Transition<Light, usize> {
        match state {
            Light::Green => ::renamed_otp::Transition::keep().reply(self.seen.len()),
            Light::Red => ::renamed_otp::Transition::keep().postpone(),
        }
    }

    #[renamed_otp::call]
    pub fn later(&self, reply: ::renamed_otp::ReplyTo<bool>) {
        reply.reply(true);
    }

    #[renamed_otp::info]
    pub fn seen(&mut self, what: &[T]) -> ::renamed_otp::Transition<Light> {
        self.seen.extend_from_slice(what);
        ::renamed_otp::Transition::keep()
    }

    #[renamed_otp::internal]
    fn inserted(&mut self, n: u8) -> ::renamed_otp::Transition<Light> {
        let _ = n;
        ::renamed_otp::Transition::keep()
    }

    #[renamed_otp::timeout]
    fn fired(&mut self, n: u8) -> ::renamed_otp::Transition<Light> {
        let _ = n;
        ::renamed_otp::Transition::keep()
    }

    #[renamed_otp::terminate]
    fn terminate(&mut self, reason: &::renamed_otp::ExitReason) {
        let _ = reason;
    }
}

fn main() {
    let _: LampCall<u8> = LampCall::WaitGreen {};
    let _: LampCast<u8> = LampCast::Switch {
        seen: 1,
        note: ::std::string::String::new(),
    };
    let _: LampInfo<u8> = LampInfo::Seen {
        what: ::std::vec::Vec::new(),
    };
    let _: LampInternal<u8> = LampInternal::Inserted { n: 1 };
    let _: LampTimeout<u8> = LampTimeout::Fired { n: 1 };
    let _: ::renamed_otp::StatemRef<Lamp<u8>> = ::renamed_otp::StatemRef::named("lamp");
    let _ = Lamp::<u8> {
        seen: ::std::vec::Vec::new(),
    };
}

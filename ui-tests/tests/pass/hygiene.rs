//! The expansion reaches everything through absolute paths and the `crate = ..` argument:
//! no prelude, and the runtime crate renamed. `otp_runtime` itself is shadowed by `core`,
//! so a generated `::otp_runtime::..` path would not resolve. (The rename is an
//! `extern crate .. as`: Cargo refuses a second, renamed dependency on the same package.)
#![no_implicit_prelude]

extern crate core as otp_runtime;
extern crate otp_runtime as renamed_otp;

// Local items named like what generated code must not pick up.
#[allow(dead_code)]
mod shadows {
    pub struct Result;
    pub struct Option;
    pub struct Ok;
    pub struct Some;
    pub struct Duration;
    pub struct CallError;
}
#[allow(unused_imports)]
use shadows::*;

pub struct Counter {
    n: u64,
}

#[renamed_otp::gen_server(crate = ::renamed_otp)]
impl<T> Generic<T>
where
    T: ::core::marker::Send + 'static,
{
    #[call]
    pub fn take(&mut self) -> ::core::option::Option<T> {
        self.0.take()
    }
}

pub struct Generic<T>(::core::option::Option<T>);

#[renamed_otp::gen_server(crate = ::renamed_otp)]
impl Counter {
    #[init]
    fn init(&mut self, ctx: &mut ::renamed_otp::Ctx<Self>) -> ::renamed_otp::Init {
        ctx.set_timeout(::core::time::Duration::from_secs(1));
        ::renamed_otp::Init::Ok
    }

    #[renamed_otp::call]
    pub fn get(&self) -> u64 {
        self.n
    }

    #[call]
    pub async fn add(&mut self, k: u64) -> ::core::result::Result<u64, ::std::string::String> {
        self.n += k;
        ::core::result::Result::Ok(self.n)
    }

    #[call]
    pub fn later(&mut self, reply: ::renamed_otp::ReplyTo<u64>) {
        reply.reply(self.n);
    }

    #[cast]
    pub fn reset(&mut self) {
        self.n = 0;
    }

    #[info]
    pub fn tick(&mut self, by: u64) {
        self.n += by;
    }

    #[info(down)]
    fn down(
        &mut self,
        monitor: ::renamed_otp::MonitorRef,
        pid: ::renamed_otp::Pid,
        reason: ::renamed_otp::ExitReason,
    ) {
        let _ = (monitor, pid, reason);
    }

    #[info(exit)]
    fn exit(&mut self, from: ::renamed_otp::Pid, reason: ::renamed_otp::ExitReason) {
        let _ = (from, reason);
    }

    #[info(timeout)]
    fn idle(&mut self) {}

    #[terminate]
    fn terminate(&mut self, reason: &::renamed_otp::ExitReason) {
        let _ = reason;
    }
}

pub async fn client() -> ::core::result::Result<u64, ::renamed_otp::CallError> {
    let c: CounterRef = Counter { n: 0 }
        .start()
        .await
        .map_err(|e| ::renamed_otp::CallError::Exited(::renamed_otp::ExitReason::other(e)))?;
    c.reset();
    c.send(CounterInfo::Tick { by: 2 });
    let _ = c.add(1).await?;
    let _ = c.later().await?;
    let _: GenericRef<u8> = GenericRef::named("generic");
    let mut id: ::renamed_otp::RequestId<u64> = c.send_get();
    let _ = id.check_response();
    let mut ids = ::renamed_otp::RequestIds::new();
    ids.add(c.send_add(1), "add");
    let _: ::renamed_otp::Collected<_, &str> = ids.check_response();
    let _: ::renamed_otp::RequestId<u64> = c.send_later();
    let _: ::renamed_otp::RequestId<::core::option::Option<u8>> =
        GenericRef::<u8>::named("generic").send_take();
    let _ = Counter { n: 0 }.start_monitor().await;
    c.get().await
}

fn main() {}

//! `#[gen_server]` end to end: the generated handle, enums and start functions.

use std::time::Duration;

use otp_runtime::prelude::*;

#[derive(Default)]
pub struct Factorial {
    computed: u64,
}

#[gen_server]
impl Factorial {
    /// n! and how many factorials this server computed before.
    #[call]
    pub fn factorial(&mut self, n: u64) -> (u128, u64) {
        let r = (1..=n as u128)
            .try_fold(1u128, |acc, k| acc.checked_mul(k))
            .expect("overflow");
        self.computed += 1;
        (r, self.computed - 1)
    }

    /// Forgets the count.
    #[cast]
    pub fn reset(&mut self) {
        self.computed = 0
    }

    #[call]
    pub async fn slow(&self, ms: u64) -> u64 {
        otp_runtime::time::sleep(Duration::from_millis(ms)).await;
        ms
    }

    #[call]
    pub fn later(&mut self, x: u32, reply: ReplyTo<u32>, ctx: &mut Ctx<Self>) {
        let _ = ctx.pid();
        otp_runtime::spawn(move |_c: ProcessCtx<()>| async move {
            reply.reply(x + 1);
            ExitReason::Normal
        });
    }
}

#[tokio::test(start_paused = true)]
async fn generated_handle_calls_and_casts() {
    let f = Factorial::default().start().await.unwrap();
    assert_eq!(f.factorial(5).await, Ok((120, 0)));
    assert_eq!(f.factorial(3).await, Ok((6, 1)));
    f.reset();
    assert_eq!(f.factorial(1).await, Ok((1, 0)));
    assert_eq!(f.later(41).await, Ok(42));
    let got = f.with_timeout(Duration::from_millis(10)).slow(1000).await;
    assert!(matches!(got, Err(CallError::Timeout { .. })), "{got:?}");
    assert_eq!(f.slow(10).await, Ok(10));
    let err = f.factorial(40).await.unwrap_err();
    assert!(
        matches!(err, CallError::Exited(ExitReason::Panic(_))),
        "{err:?}"
    );
}

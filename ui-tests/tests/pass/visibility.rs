//! The generated enums, handle and start functions take the widest visibility among the
//! handlers; each handle method keeps its own handler's visibility.

mod shop {
    use otp_runtime::prelude::*;

    /// A `pub(crate)` server: its widest handler is `pub(crate)`, so are the generated items.
    pub(crate) struct Till {
        total: u64,
    }

    #[gen_server]
    impl Till {
        #[call]
        pub(crate) fn total(&self) -> u64 {
            self.total
        }

        /// Private: `TillRef::add` is usable in this module only.
        #[cast]
        fn add(&mut self, amount: u64) {
            self.total += amount;
        }
    }

    pub(crate) fn till() -> Till {
        Till { total: 0 }
    }

    pub(crate) fn ring(till: &TillRef, amount: u64) {
        till.add(amount);
    }

    /// A private server: every handler is private, so are the generated items; only this
    /// module uses them.
    struct Safe {
        code: u32,
    }

    #[gen_server]
    impl Safe {
        #[call]
        fn check(&self, code: u32) -> bool {
            code == self.code
        }
    }

    pub(crate) async fn open(code: u32) -> Result<bool, CallError> {
        let safe: SafeRef = Safe { code: 1234 }
            .start()
            .await
            .map_err(|e| CallError::Exited(otp_runtime::ExitReason::other(e)))?;
        let _ = SafeCall::Check { code };
        safe.check(code).await
    }
}

use otp_runtime::CallError;

// Outside `shop`: the `pub(crate)` items are reachable.
async fn client() -> Result<u64, CallError> {
    let till: shop::TillRef = shop::till()
        .start_named("till")
        .await
        .map_err(|e| CallError::Exited(otp_runtime::ExitReason::other(e)))?;
    shop::ring(&till, 3);
    let _ = shop::TillCall::Total {};
    let _ = shop::TillCast::Add { amount: 1 };
    let _ = shop::Till::named("till");
    let _ = shop::open(1234).await?;
    till.total().await
}

fn main() {
    let _ = client;
}

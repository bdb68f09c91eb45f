//! The factorial server: a call that computes n! and counts, a cast that resets the count. It
//! crashes when n! overflows. The `factorial`, `factorial_tree` and `demo` programs use it.

use otp_runtime::prelude::*;

// ANCHOR: server
/// Computes factorials and counts how many it has computed.
#[derive(Default)]
pub struct Factorial {
    computed: u64,
}

#[gen_server]
impl Factorial {
    /// n!, and how many factorials this server had computed before.
    #[call]
    pub fn factorial(&mut self, n: u64) -> (u128, u64) {
        // Checked in every profile: 35! and above overflow u128, and the panic crashes the server.
        let product = (1..=u128::from(n))
            .try_fold(1u128, |acc, k| acc.checked_mul(k))
            .expect("factorial overflow");
        self.computed += 1;
        (product, self.computed - 1)
    }

    /// Forgets how many factorials the server has computed.
    #[cast]
    pub fn reset(&mut self) {
        self.computed = 0;
    }
}
// ANCHOR_END: server

// A server whose state holds a handle of its own type (a ring, a chain of servers): the
// `Send` bound the macro puts on the generated items must not send rustc into an overflow.
use otp_runtime::prelude::*;

struct Link {
    next: Option<LinkRef>,
    hops: u32,
}

#[gen_server]
impl Link {
    #[cast]
    fn pass(&mut self, left: u32) {
        self.hops += 1;
        if let (Some(next), 1..) = (&self.next, left) {
            next.pass(left - 1);
        }
    }

    #[call]
    fn hops(&self) -> u32 {
        self.hops
    }
}

fn main() {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(ring());
}

async fn ring() {
    let last = Link { next: None, hops: 0 }.start().await.unwrap();
    let first = Link { next: Some(last.clone()), hops: 0 }.start().await.unwrap();
    first.pass(1);
    assert_eq!(first.hops().await, Ok(1));
    assert_eq!(last.hops().await, Ok(1));
}

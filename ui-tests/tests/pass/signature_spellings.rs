//! Other ways to write what the macro accepts: typed receivers, `Self` in message and
//! reply types, `&self` handlers named like `GenServer`'s methods, path-qualified handler
//! attributes, a server type passed through `macro_rules!`.

use otp_runtime::prelude::*;

#[derive(Clone, Default)]
pub struct State {
    n: u64,
}

#[gen_server]
impl State {
    #[call]
    #[allow(clippy::needless_arbitrary_self_type)]
    pub fn get(self: &Self) -> u64 {
        self.n
    }

    #[cast]
    #[allow(clippy::needless_arbitrary_self_type)]
    pub fn set(self: &mut Self, n: u64) {
        self.n = n;
    }

    /// `Self` in a reply and in a message: the server type, not the enum.
    #[call]
    pub fn snapshot(&self) -> Self {
        self.clone()
    }

    #[cast]
    pub fn replace(&mut self, with: Self) {
        *self = with;
    }

    #[call]
    pub fn pair(&self, other: Option<Box<Self>>, reply: ReplyTo<(Self, Vec<Self>)>) {
        let others = other.map(|o| vec![*o]).unwrap_or_default();
        reply.reply((self.clone(), others));
    }

    /// `&self` handlers named `init` and `terminate`: the generated `GenServer::init` and
    /// `terminate` call these, not themselves.
    #[init]
    fn init(&self) {}

    #[terminate]
    fn terminate(&self, reason: &ExitReason) {
        let _ = reason;
    }

    #[otp_runtime::call]
    pub fn qualified(&self) -> bool {
        true
    }

    #[otp_runtime::info]
    pub fn qualified_info(&mut self) {}
}

macro_rules! echo_server {
    ($server:ty) => {
        #[gen_server]
        impl $server {
            #[call]
            pub fn echo(&self, s: String) -> String {
                s
            }
        }
    };
}

pub struct Echo;
echo_server!(Echo);

pub async fn client() -> Result<(), CallError> {
    let s: StateRef = State::default()
        .start()
        .await
        .map_err(|e| CallError::Exited(otp_runtime::ExitReason::other(e)))?;
    s.set(1);
    let _: u64 = s.get().await?;
    let snap: State = s.snapshot().await?;
    s.replace(snap.clone());
    let _: (State, Vec<State>) = s.pair(Some(Box::new(snap))).await?;
    let _: bool = s.qualified().await?;
    s.send(StateInfo::QualifiedInfo {});
    let _ = StateCast::Replace {
        with: State::default(),
    };

    let e: EchoRef = Echo.start().await.map_err(|e| CallError::Exited(otp_runtime::ExitReason::other(e)))?;
    let _: String = e.echo("hi".into()).await?;
    Ok(())
}

fn main() {}

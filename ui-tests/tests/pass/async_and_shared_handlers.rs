//! `async` handlers and `&self` handlers of every kind, deferred replies among them.

use std::collections::HashMap;
use std::time::Duration;

use otp_runtime::prelude::*;

pub struct Cache {
    map: HashMap<String, String>,
    hits: u64,
}

#[gen_server]
impl Cache {
    #[call]
    pub async fn get(&self, key: String) -> Option<String> {
        otp_runtime::time::sleep(Duration::from_millis(1)).await;
        self.map.get(&key).cloned()
    }

    #[call]
    pub fn size(&self) -> usize {
        self.map.len()
    }

    #[call]
    pub async fn hit(&mut self) -> u64 {
        self.hits += 1;
        self.hits
    }

    #[call]
    pub async fn size_later(&self, reply: ReplyTo<usize>, ctx: &mut Ctx<Self>) {
        let _ = ctx.pid();
        reply.reply(self.map.len());
    }

    #[cast]
    pub async fn put(&mut self, key: String, value: String) {
        otp_runtime::time::sleep(Duration::from_millis(1)).await;
        self.map.insert(key, value);
    }

    #[cast]
    pub fn touch(&self) {}

    #[info]
    pub async fn refresh(&self, ctx: &mut Ctx<Self>) {
        ctx.set_timeout(Duration::from_secs(1));
    }

    #[info(timeout)]
    async fn idle(&self) {}
}

pub async fn client(cache: CacheRef) -> Result<(), CallError> {
    cache.put("k".into(), "v".into());
    cache.touch();
    cache.send(CacheInfo::Refresh {});
    let v: Option<String> = cache.get("k".into()).await?;
    let n: usize = cache.size().await?;
    let h: u64 = cache.hit().await?;
    let l: usize = cache.size_later().await?;
    let _ = (v, n, h, l);
    Ok(())
}

fn main() {}

//! Generic servers: the generated enums, handle and impls carry the impl's parameters, its
//! inline bounds and its `where` clause.

use std::collections::BTreeMap;
use std::fmt::Debug;

use otp_runtime::prelude::*;

/// A key-value store, generic over both.
pub struct Registry<K, V> {
    map: BTreeMap<K, V>,
}

#[gen_server]
impl<K, V> Registry<K, V>
where
    K: Ord + Clone + Debug + Send + 'static,
    V: Clone + Send + 'static,
{
    #[call]
    pub fn get(&self, key: K) -> Option<V> {
        self.map.get(&key).cloned()
    }

    #[call]
    pub fn keys(&self) -> Vec<K> {
        self.map.keys().cloned().collect()
    }

    #[cast]
    pub fn insert(&mut self, key: K, value: V) {
        self.map.insert(key, value);
    }

    #[info]
    pub fn clear(&mut self) {
        self.map.clear();
    }
}

/// A stack with an inline bound and no `where` clause, and a deferred reply of `T`.
pub struct Stack<T: Send + 'static> {
    items: Vec<T>,
}

#[gen_server]
impl<T: Send + 'static> Stack<T> {
    #[cast]
    pub fn push(&mut self, item: T) {
        self.items.push(item);
    }

    #[call]
    pub fn pop(&mut self, reply: ReplyTo<Option<T>>) {
        reply.reply(self.items.pop());
    }
}

pub async fn client() -> Result<(), CallError> {
    let registry: RegistryRef<String, u32> = Registry {
        map: BTreeMap::new(),
    }
    .start()
    .await
    .map_err(|e| CallError::Exited(otp_runtime::ExitReason::other(e)))?;
    registry.insert("a".to_string(), 1);
    let one: Option<u32> = registry.get("a".to_string()).await?;
    let keys: Vec<String> = registry.keys().await?;
    registry.send(RegistryInfo::Clear {});
    let _ = (one, keys);

    let _call: RegistryCall<String, u32> = RegistryCall::Get {
        key: "a".to_string(),
    };
    let _cast: RegistryCast<String, u32> = RegistryCast::Insert {
        key: "b".to_string(),
        value: 2,
    };
    let named: RegistryRef<String, u32> = Registry::named("registry");
    let _ = named.clone().with_timeout(INFINITY);

    let stack: StackRef<Vec<u8>> = Stack { items: Vec::new() }
        .start_link()
        .await
        .map_err(|e| CallError::Exited(otp_runtime::ExitReason::other(e)))?;
    stack.push(vec![1, 2]);
    let top: Option<Vec<u8>> = stack.pop().await?;
    let _ = top;
    // Asynchronous requests carry the generic reply types.
    let later: RequestId<Option<Vec<u8>>> = stack.send_pop();
    let keys: RequestId<Vec<String>> = registry.send_keys();
    let _ = (later.receive_response(INFINITY).await?, keys);
    Ok(())
}

fn assert_handle<H: Clone + Send + Sync + Debug + 'static>() {}

fn main() {
    assert_handle::<RegistryRef<u8, String>>();
    assert_handle::<StackRef<u8>>();
}

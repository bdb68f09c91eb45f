//! Tables (`otp_runtime::ets`) beside what they are built on and what they replace, in one
//! run, as medians and ratios:
//!
//! - against the bare backing map (16 shards of `hashbrown::HashTable` behind `std`
//!   `RwLock`s, hashed once with foldhash under a fixed seed: the table without its
//!   ownership, access checks and clones): a read-heavy workload (98% lookups, 1% inserts,
//!   1% deletes over 10,000 keys) and a counter workload (`update_counter` on 64 keys),
//!   each from 1 and from 16 tasks. Target: at most 1.2× the bare map's time.
//! - against a `gen_server` holding a `HashMap` (what a program does without tables): a
//!   read as a table lookup versus a call. Target: the lookup at least 10× faster.
//!
//! Every run checks its result (the counters' exact sums, the reads' hits).
//!
//! Run: `cargo bench -p otp-runtime --bench ets` (add `-- quick` for a smaller run, as CI).

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};
use std::hint::black_box;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Instant;

use hashbrown::hash_table::{Entry, HashTable};
use otp_runtime::ets::Table;
use otp_runtime::prelude::*;

const KEYS: u64 = 10_000;
const COUNTERS: u64 = 64;
const SHARDS: usize = 16;

/// The bare backing map, as the table builds it.
struct Bare {
    shards: Box<[Padded]>,
}

#[repr(align(64))]
struct Padded(RwLock<HashTable<(u64, u64)>>);

#[derive(Clone, Copy)]
struct Fixed;

impl BuildHasher for Fixed {
    type Hasher = foldhash::fast::FoldHasher<'static>;
    fn build_hasher(&self) -> Self::Hasher {
        foldhash::fast::FixedState::with_seed(0x6f74_702d_7273_2045).build_hasher()
    }
}

impl Bare {
    fn new() -> Self {
        Bare {
            shards: (0..SHARDS)
                .map(|_| Padded(RwLock::new(HashTable::new())))
                .collect(),
        }
    }
    fn locate<K: Hash>(&self, k: &K) -> (&RwLock<HashTable<(u64, u64)>>, u64) {
        let h = Fixed.hash_one(k);
        (&self.shards[(h >> 53) as usize % SHARDS].0, h)
    }
    fn get(&self, k: u64) -> Option<u64> {
        let (s, h) = self.locate(&k);
        let t = s.read().unwrap_or_else(PoisonError::into_inner);
        t.find(h, |e| e.0 == k).map(|e| e.1)
    }
    fn insert(&self, k: u64, v: u64) {
        let (s, h) = self.locate(&k);
        let mut t = s.write().unwrap_or_else(PoisonError::into_inner);
        match t.entry(h, |e| e.0 == k, |e| Fixed.hash_one(e.0)) {
            Entry::Occupied(mut o) => o.get_mut().1 = v,
            Entry::Vacant(va) => {
                va.insert((k, v));
            }
        }
    }
    fn remove(&self, k: u64) {
        let (s, h) = self.locate(&k);
        let mut t = s.write().unwrap_or_else(PoisonError::into_inner);
        if let Ok(o) = t.find_entry(h, |e| e.0 == k) {
            o.remove();
        }
    }
    fn incr(&self, k: u64) -> u64 {
        let (s, h) = self.locate(&k);
        let mut t = s.write().unwrap_or_else(PoisonError::into_inner);
        match t.entry(h, |e| e.0 == k, |e| Fixed.hash_one(e.0)) {
            Entry::Occupied(mut o) => {
                o.get_mut().1 += 1;
                o.get().1
            }
            Entry::Vacant(va) => va.insert((k, 1)).get().1,
        }
    }
}

/// One of the two, behind the same interface.
trait Map: Send + Sync + 'static {
    fn get(&self, k: u64) -> Option<u64>;
    fn insert(&self, k: u64, v: u64);
    fn remove(&self, k: u64);
    fn incr(&self, k: u64) -> u64;
}

impl Map for Bare {
    fn get(&self, k: u64) -> Option<u64> {
        Bare::get(self, k)
    }
    fn insert(&self, k: u64, v: u64) {
        Bare::insert(self, k, v)
    }
    fn remove(&self, k: u64) {
        Bare::remove(self, k)
    }
    fn incr(&self, k: u64) -> u64 {
        Bare::incr(self, k)
    }
}

impl Map for Table<u64, u64> {
    fn get(&self, k: u64) -> Option<u64> {
        self.lookup(&k).unwrap()
    }
    fn insert(&self, k: u64, v: u64) {
        Table::insert(self, k, v).unwrap()
    }
    fn remove(&self, k: u64) {
        self.delete(&k).unwrap();
    }
    fn incr(&self, k: u64) -> u64 {
        self.update_counter(k, 1, 0).unwrap()
    }
}

fn xorshift(s: &mut u64) -> u64 {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    *s
}

/// `ops` operations split over `tasks` tasks; ns per operation. Counter runs check the sum.
async fn run<M: Map>(m: Arc<M>, tasks: u64, ops: u64, counter: bool) -> f64 {
    for k in 0..KEYS {
        m.insert(k, k);
    }
    for k in 0..COUNTERS {
        m.remove(KEYS + k);
    }
    let start = Instant::now();
    let mut handles = Vec::new();
    for i in 0..tasks {
        let m = m.clone();
        handles.push(tokio::spawn(async move {
            let mut s = 0x9E37_79B9_7F4A_7C15 ^ (i + 1);
            let mut hits = 0u64;
            for n in 0..ops / tasks {
                let r = xorshift(&mut s);
                if counter {
                    m.incr(KEYS + r % COUNTERS);
                } else {
                    let k = r % KEYS;
                    match r >> 57 {
                        0 => m.insert(k, n),
                        1 => m.remove(k),
                        _ => hits += u64::from(m.get(k).is_some()),
                    }
                }
                if n % 256 == 255 {
                    tokio::task::yield_now().await;
                }
            }
            hits
        }));
    }
    let mut hits = 0;
    for h in handles {
        hits += h.await.unwrap();
    }
    let ns = start.elapsed().as_nanos() as f64 / ops as f64;
    if counter {
        let sum: u64 = (0..COUNTERS).map(|k| m.get(KEYS + k).unwrap_or(0)).sum();
        assert_eq!(sum, ops / tasks * tasks, "every increment counted");
    } else {
        assert!(hits > 0, "reads found keys");
    }
    ns
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// A gen_server holding the map: what a program without tables writes.
struct Store(HashMap<u64, u64>);

impl GenServer for Store {
    type Call = u64;
    type Reply = Option<u64>;
    type Cast = ();
    type Info = ();
    type Continue = ();

    async fn handle_call(&mut self, k: u64, _ctx: &mut Ctx<Self>) -> CallResult<Option<u64>> {
        CallResult::Reply(self.0.get(&k).copied())
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "quick");
    let (ops, rounds) = if quick { (200_000, 3) } else { (2_000_000, 7) };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        // The table's owner: a process that lives for the whole run.
        let (tx, rx) = tokio::sync::oneshot::channel();
        let _owner = otp_runtime::spawn(move |mut ctx: ProcessCtx<()>| async move {
            let _ = tx.send(());
            ctx.recv().await;
            ExitReason::Normal
        });
        rx.await.unwrap();
        let node = Node::current();
        println!("tables against the bare backing map (ns per operation, median of {rounds}; 2 worker threads)");
        let mut worst: f64 = 0.0;
        for (name, counter) in [("read-heavy 98/1/1", false), ("counter updates", true)] {
            for tasks in [1, 16] {
                let (mut table, mut bare) = (Vec::new(), Vec::new());
                for _ in 0..rounds {
                    let t = new_table(&node).await;
                    table.push(run(Arc::new(t), tasks, ops, counter).await);
                    bare.push(run(Arc::new(Bare::new()), tasks, ops, counter).await);
                }
                let (t, b) = (median(table), median(bare));
                worst = worst.max(t / b);
                println!(
                    "  {name:18} {tasks:2} task(s): table {t:6.1}  bare map {b:6.1}  ratio {:.2}x",
                    t / b
                );
            }
        }
        println!(
            "  worst ratio {worst:.2}x (target <= 1.2x){}",
            if worst > 1.2 { ": OVER TARGET" } else { "" }
        );

        // A lookup in a table against a call to a gen_server holding a HashMap.
        let t = new_table(&node).await;
        let server = Store((0..KEYS).map(|k| (k, k)).collect()).start().await.unwrap();
        for k in 0..KEYS {
            t.insert(k, k).unwrap();
        }
        let reads = ops / 10;
        // From a task on the runtime, as a server's clients are.
        let (l, c) = tokio::spawn(async move {
        let (mut lookups, mut calls) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            let start = Instant::now();
            for k in 0..reads {
                assert_eq!(black_box(t.lookup(&(k % KEYS))).unwrap(), Some(k % KEYS));
            }
            lookups.push(start.elapsed().as_nanos() as f64 / reads as f64);
            let start = Instant::now();
            for k in 0..reads / 10 {
                assert_eq!(server.call(k % KEYS).await.unwrap(), Some(k % KEYS));
            }
            calls.push(start.elapsed().as_nanos() as f64 / (reads / 10) as f64);
        }
        (median(lookups), median(calls))
        })
        .await
        .unwrap();
        println!("a read: table lookup against a gen_server call holding a HashMap (ns per read)");
        println!(
            "  lookup {l:6.1}  call {c:7.1}  the call takes {:.0}x the lookup (target >= 10x){}",
            c / l,
            if c / l < 10.0 { ": UNDER TARGET" } else { "" }
        );
    });
}

/// A public table owned by a process of `node` that lives for the run.
async fn new_table(node: &Node) -> Table<u64, u64> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    node.spawn(move |mut ctx: ProcessCtx<()>| async move {
        let _ = tx.send(Table::<u64, u64>::options().public().create().unwrap());
        ctx.recv().await;
        ExitReason::Normal
    });
    rx.await.unwrap()
}
